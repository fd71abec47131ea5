"""Background work of the insights part: the push of this deployment's dossiers to the national
deployment, queued after changes and retried with backoff until it goes through."""

import logging
from datetime import timedelta

from django.db.models import F
from django.utils import timezone
from django_tasks import task

from . import push
from .models import DossierFact, PushState

log = logging.getLogger("egov.insights")
MAX_BACKOFF = timedelta(hours=1)


@task()
def push_dossiers() -> int:
    """Push every changed fact; on failure record why and try again later (1, 2, 4 … 60 min)."""
    if not push.enabled():
        return 0
    PushState.objects.get_or_create(name=push.NATIONAL)
    now = timezone.now()
    PushState.objects.filter(name=push.NATIONAL).update(last_attempt_at=now)
    try:
        sent = push.push_pending()
    except push.PushFailed as exc:
        state = PushState.objects.get(name=push.NATIONAL)
        delay = min(timedelta(minutes=2**state.attempts), MAX_BACKOFF)
        PushState.objects.filter(pk=state.pk).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:255], next_run_at=now + delay
        )
        log.warning("national_sync_failed", extra={"error": str(exc)[:255]})
        if push_dossiers.get_backend().supports_defer:
            push_dossiers.using(run_after=now + delay).enqueue()
        return 0
    PushState.objects.filter(name=push.NATIONAL).update(
        attempts=0,
        last_error="",
        last_success_at=timezone.now(),
        pushed_total=F("pushed_total") + sent,
        next_run_at=None,
    )
    if DossierFact.objects.filter(unpushed=True).exists():
        push.schedule_push()  # changed while this push ran
    return sent
