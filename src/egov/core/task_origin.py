"""A background task logs with the request id of the request that queued it.

When a task is queued during a request, the request id is kept beside the task
(:class:`~egov.core.models.TaskOrigin`); the worker that starts the task binds it to the
task's log lines, and forgets it when the task has finished. A task run in the request itself
(the immediate back end of the tests and of small set-ups) simply keeps the request's id.
"""

from contextvars import ContextVar
from typing import Any

from django_tasks.signals import task_enqueued, task_finished, task_started

from . import logs
from .models import TaskOrigin

#: Whether this context's request id was bound for a task (so it is the task's to unbind).
_bound_for_task: ContextVar[bool] = ContextVar("bound_for_task", default=False)


def remember_request(sender: Any, task_result: Any, **kwargs: Any) -> None:
    request_id = logs.current_request_id()
    if request_id and not _bound_for_task.get():
        # A new task's id is new: a plain insert, not update_or_create's lock and savepoint.
        TaskOrigin.objects.create(task_id=str(task_result.id)[:64], request_id=request_id)


def bind_request(sender: Any, task_result: Any, **kwargs: Any) -> None:
    if logs.current_request_id():
        return  # run inside the request that queued it
    origin = TaskOrigin.objects.filter(task_id=str(task_result.id)[:64]).first()
    if origin is not None:
        logs.bind_request_id(origin.request_id)
        _bound_for_task.set(True)


def forget_request(sender: Any, task_result: Any, **kwargs: Any) -> None:
    # Only a task that found its origin has one to delete (a task queued outside a request, or
    # run inside the request that queued it, has none): no statement for the others.
    if _bound_for_task.get():
        TaskOrigin.objects.filter(task_id=str(task_result.id)[:64]).delete()
        logs.unbind_request_id()
        _bound_for_task.set(False)


def connect() -> None:
    task_enqueued.connect(remember_request, dispatch_uid="core_task_origin_enqueued")
    task_started.connect(bind_request, dispatch_uid="core_task_origin_started")
    task_finished.connect(forget_request, dispatch_uid="core_task_origin_finished")
