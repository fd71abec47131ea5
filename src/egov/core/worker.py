"""Background work that survives a crash: task leases kept by a heartbeat, and their recovery.

django-tasks-db claims a READY task by marking it RUNNING with the worker's id; a worker killed
while running it (SIGKILL, out of memory, the machine gone) leaves it RUNNING for ever, since
workers only claim READY tasks. So every worker keeps a lease: a ``WorkerHeartbeat`` row it
renews every third of ``TASK_LEASE_SECONDS`` from a thread of its own, whatever the task does.
``recover_tasks`` (run by every worker at start and with each renewal, and by
``manage.py recover_tasks``) puts a RUNNING task whose worker has not been seen for a lease back
to READY, to be run again; every task is idempotent. A task whose workers died
``TASK_MAX_ATTEMPTS`` times (one that kills its worker each time) is marked FAILED instead, and
``task_finished`` is sent for it as for any failed task, so that its part records the failure.

A live worker stuck in a long task keeps its lease: only a dead worker loses its tasks.
"""

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus, task_finished
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

log = logging.getLogger("egov.core.worker")


class WorkerLost(Exception):
    """The worker running the task stopped without finishing it, too many times."""


@dataclass(frozen=True)
class Recovery:
    requeued: int = 0
    failed: int = 0


def lease() -> timedelta:
    return timedelta(seconds=settings.TASK_LEASE_SECONDS)


def beat(worker_id: str, started_at: datetime | None = None) -> None:
    """Renew the lease of ``worker_id``: it is alive now."""
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={"seen_at": now},
            create_defaults={
                "seen_at": now,
                "started_at": started_at or now,
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
            },
        )


def retire(worker_id: str) -> None:
    """A worker that stops cleanly gives up its lease at once."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def recover_tasks(now: datetime | None = None) -> Recovery:
    """Put the RUNNING tasks of dead workers back to READY, or FAILED after too many runs.

    A worker is dead when its heartbeat is older than the lease (or gone). A task claimed less
    than a lease ago is left alone, whatever its worker, so that recovery never races a claim."""
    now = now or timezone.now()
    expired = now - lease()
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=expired).values_list("worker_id", flat=True)
    )
    requeued = failed = 0
    stale = DBTaskResult.objects.running().filter(started_at__lt=expired)
    for task in stale.only("id", "started_at", "worker_ids", "task_path"):
        if task.worker_ids and task.worker_ids[-1] in alive:
            continue
        runs = len(task.worker_ids)
        # Only this claim of the task: if another worker recovered and claimed it meanwhile,
        # its started_at has changed and nothing is updated.
        claim = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        if runs >= settings.TASK_MAX_ATTEMPTS:
            message = f"The worker stopped while running this task, {runs} times."
            if claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}: {message}\n",
            ):
                failed += 1
                log.error("task_abandoned", extra={"task": str(task.pk), "runs": runs})
                _announce_failure(task.pk)
        elif claim.update(status=TaskResultStatus.READY):
            requeued += 1
            log.warning("task_recovered", extra={"task": str(task.pk), "runs": runs})
    # Dead workers hold nothing any more; a live one that was only slow writes its row again.
    WorkerHeartbeat.objects.filter(seen_at__lt=expired).delete()
    return Recovery(requeued=requeued, failed=failed)


def _announce_failure(task_id: UUID) -> None:
    """Send ``task_finished`` as the worker does after a failure, so that the part owning the
    task records it on its own model (a result that will not be signed, say)."""
    task_result = DBTaskResult.objects.get(pk=task_id)
    try:
        sender, result = type(task_result.task.get_backend()), task_result.task_result
    except (ImportError, SuspiciousOperation):  # a task that no longer exists in the code
        return
    for receiver, error in task_finished.send_robust(sender=sender, task_result=result):
        if isinstance(error, Exception):
            log.error(
                "task_failure_receiver_failed",
                exc_info=error,
                extra={"task": str(task_id), "receiver": getattr(receiver, "__name__", "")},
            )


class LeasedWorker(Worker):
    """django-tasks-db's worker, holding a lease on the tasks it runs while it lives."""

    def run(self) -> None:
        started_at = timezone.now()
        beat(self.worker_id, started_at)
        recover_tasks()
        stop = threading.Event()
        keeper = threading.Thread(
            target=self._keep_lease, args=(stop, started_at), name="task-lease", daemon=True
        )
        keeper.start()
        try:
            super().run()
        finally:
            stop.set()
            keeper.join(timeout=settings.TASK_LEASE_SECONDS)
            retire(self.worker_id)

    def _keep_lease(self, stop: threading.Event, started_at: datetime) -> None:
        period = settings.TASK_LEASE_SECONDS / 3
        try:
            while not stop.wait(period):
                try:
                    beat(self.worker_id, started_at)
                    recover_tasks()
                except Exception:  # a busy or unreachable database: try again next period
                    log.exception("task_lease_renewal_failed", extra={"worker": self.worker_id})
        finally:
            connection.close()  # this thread's own connection
