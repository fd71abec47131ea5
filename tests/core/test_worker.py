"""Task leases: a task left RUNNING by a worker that died is run again, or failed after too many
runs; a live worker keeps its tasks (egov.core.worker)."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command, get_commands
from django.utils import timezone
from django_tasks import task
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from egov.core import worker
from egov.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
RUNS: list[int] = []


@task()
def remember(value: int) -> int:
    """A task for the worker below: records that it ran."""
    RUNS.append(value)
    return value


def running(
    worker_ids: list[str], started: datetime, path: str = "tests.core.test_worker.remember"
) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        args_kwargs={"args": [7], "kwargs": {}},
        task_path=path,
        backend_name="default",
        run_after=get_date_max(),
        started_at=started,
        worker_ids=worker_ids,
    )


def seen(worker_id: str, at: datetime) -> None:
    WorkerHeartbeat.objects.create(worker_id=worker_id, started_at=at, seen_at=at)


@pytest.fixture
def lease(settings: Any) -> timedelta:
    settings.TASK_LEASE_SECONDS = 60
    settings.TASK_MAX_ATTEMPTS = 3
    return timedelta(seconds=60)


def test_a_task_of_a_dead_worker_is_made_ready_again(lease: timedelta) -> None:
    now = timezone.now()
    seen("dead", now - 2 * lease)
    orphan = running(["dead"], now - 3 * lease)
    assert worker.recover_tasks(now) == worker.Recovery(requeued=1)
    orphan.refresh_from_db()
    assert orphan.status == TaskResultStatus.READY
    assert DBTaskResult.objects.ready().get() == orphan  # claimable at once
    assert not WorkerHeartbeat.objects.filter(worker_id="dead").exists()


def test_a_task_whose_worker_left_no_heartbeat_is_made_ready_again(lease: timedelta) -> None:
    now = timezone.now()
    orphan = running(["never-seen"], now - 2 * lease)
    assert worker.recover_tasks(now).requeued == 1
    orphan.refresh_from_db()
    assert orphan.status == TaskResultStatus.READY


def test_a_live_worker_keeps_its_long_task(lease: timedelta) -> None:
    now = timezone.now()
    seen("alive", now - lease / 3)
    long_task = running(["alive"], now - 10 * lease)
    assert worker.recover_tasks(now) == worker.Recovery()
    long_task.refresh_from_db()
    assert long_task.status == TaskResultStatus.RUNNING


def test_a_task_claimed_within_the_lease_is_left_alone(lease: timedelta) -> None:
    now = timezone.now()
    fresh = running(["starting"], now - lease / 2)
    assert worker.recover_tasks(now) == worker.Recovery()
    fresh.refresh_from_db()
    assert fresh.status == TaskResultStatus.RUNNING


def test_only_the_last_worker_of_a_task_counts(lease: timedelta) -> None:
    """Run by a worker that died, then claimed again by one that is alive: it is that one's."""
    now = timezone.now()
    seen("second", now)
    task_result = running(["first", "second"], now - 2 * lease)
    assert worker.recover_tasks(now) == worker.Recovery()
    task_result.refresh_from_db()
    assert task_result.status == TaskResultStatus.RUNNING


def test_a_task_that_lost_its_worker_too_often_fails(lease: timedelta) -> None:
    now = timezone.now()
    poison = running(["w1", "w2", "w3"], now - 2 * lease)
    assert worker.recover_tasks(now) == worker.Recovery(failed=1)
    poison.refresh_from_db()
    assert poison.status == TaskResultStatus.FAILED and poison.finished_at == now
    [error] = poison.task_result.errors
    assert error.exception_class is worker.WorkerLost
    assert "3 times" in error.traceback


def test_finished_and_waiting_tasks_are_untouched(lease: timedelta) -> None:
    now = timezone.now()
    for status in (TaskResultStatus.READY, TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
        DBTaskResult.objects.create(
            status=status,
            args_kwargs={"args": [], "kwargs": {}},
            task_path="tests.core.test_worker.remember",
            backend_name="default",
            run_after=get_date_max(),
            started_at=now - 5 * lease,
            worker_ids=["dead"],
        )
    before = list(DBTaskResult.objects.values_list("id", "status"))
    assert worker.recover_tasks(now) == worker.Recovery()
    assert list(DBTaskResult.objects.values_list("id", "status")) == before


def test_a_heartbeat_renews_the_lease(lease: timedelta) -> None:
    worker.beat("w1")
    first = WorkerHeartbeat.objects.get()
    assert first.pid and first.hostname
    worker.beat("w1")
    again = WorkerHeartbeat.objects.get()
    assert again.seen_at >= first.seen_at and again.started_at == first.started_at
    worker.retire("w1")
    assert not WorkerHeartbeat.objects.exists()


def test_the_command_recovers(lease: timedelta, capsys: pytest.CaptureFixture[str]) -> None:
    running(["dead"], timezone.now() - 2 * lease)
    call_command("recover_tasks")
    assert "tasks run again: 1; tasks failed: 0" in capsys.readouterr().out


def test_db_worker_is_the_leased_worker() -> None:
    """`manage.py db_worker` (make run, deployments) is egov.core's, not the library's."""
    assert get_commands()["db_worker"] == "egov.core"


@pytest.mark.django_db(transaction=True)
def test_a_worker_recovers_at_start_and_runs_the_task_again(settings: Any) -> None:
    settings.TASKS = DB_TASKS
    settings.TASK_LEASE_SECONDS = 60
    RUNS.clear()
    orphan = running(["dead"], timezone.now() - timedelta(minutes=5))
    call_command("db_worker", "--batch", "--no-startup-delay", "--worker-id", "w2", verbosity=0)
    orphan.refresh_from_db()
    assert orphan.status == TaskResultStatus.SUCCESSFUL and orphan.worker_ids == ["dead", "w2"]
    assert RUNS == [7]
    assert not WorkerHeartbeat.objects.exists()  # a worker that stops gives its lease up
