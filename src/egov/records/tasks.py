"""Background signing of result documents, retried with exponential backoff."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus, task

from . import services
from .models import ResultDocument, ResultStatus

MAX_ATTEMPTS = 5


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=30 * 2**attempts)


@task()
def sign_result(document_id: int) -> str:
    """Sign one result document unless it is signed; on failure, try again later."""
    if not ResultDocument.objects.filter(pk=document_id).exists():
        return "missing"
    try:
        return services.sign(document_id).status
    except Exception as exc:  # a key, TSA or storage failure: retried
        document = services.record_failure(document_id, exc, MAX_ATTEMPTS)
        if document.status == ResultStatus.FAILED:
            return document.status
        # The immediate backend (tests) cannot defer: it retries at once.
        if sign_result.get_backend().supports_defer:
            sign_result.using(run_after=timezone.now() + backoff(document.attempts)).enqueue(
                document_id
            )
        else:
            sign_result.enqueue(document_id)
        return document.status


def signing_failed_for_good(sender: object, task_result: TaskResult, **kwargs: Any) -> None:
    """``task_finished`` receiver: a ``sign_result`` run that failed outside the task's own
    error handling (its worker died too often) leaves the document failed, not pending."""
    if task_result.status != TaskResultStatus.FAILED:
        return
    if task_result.task.module_path != sign_result.module_path:
        return
    lines = task_result.errors[-1].traceback.strip().splitlines() if task_result.errors else []
    services.abandon(task_result.args[0], lines[-1] if lines else "failed")
