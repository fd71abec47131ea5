"""Background work of the account pages. Tasks take ids, are idempotent and retry with backoff."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ..models import RegistryVerificationStatus
from . import services
from .registry import RegistryUnavailable, get_registry


@task()
def verify_with_population_registry(verification_id: int) -> str:
    """Ask the population registry about one pending check and record its answer.

    The call runs outside any transaction (no row stays locked while the registry thinks), in
    the worker, so a web process never waits on, or calls, itself."""
    question = services.registry_question(verification_id)
    if question is None:
        return "not_pending"
    try:
        answer = get_registry().verify(
            personal_id=question.personal_id,
            full_name=question.full_name,
            birth_date=question.birth_date,
        )
    except RegistryUnavailable as exc:
        status, attempts = services.record_registry_failure(verification_id, str(exc))
        if status == RegistryVerificationStatus.PENDING:
            _retry_later(verification_id, attempts)
        return status
    return services.record_registry_answer(verification_id, answer)


def _retry_later(verification_id: int, attempts: int) -> None:
    retry = verify_with_population_registry
    if retry.get_backend().supports_defer:
        retry = retry.using(run_after=timezone.now() + timedelta(seconds=30 * 2**attempts))
    transaction.on_commit(lambda: retry.enqueue(verification_id))
