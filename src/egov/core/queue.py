"""Queue a part's background task by its dotted name.

The one rule for tasks: a task lives in its part's ``tasks.py`` and may call that part's
services; services never import ``tasks.py`` (that would be a cycle), they name the task here
instead, ``task_named("egov.<part>.tasks.<name>").enqueue(...)``. Views and commands, which sit
above both, may import the task from ``tasks.py`` directly.
"""

from typing import Any

from django.utils.module_loading import import_string
from django_tasks.base import Task


def task_named(name: str) -> Task[..., Any]:
    """The task ``name`` (``egov.<part>.tasks.<function>``), imported when first asked for."""
    found = import_string(name)
    if not isinstance(found, Task):
        raise TypeError(f"{name} is not a task")
    return found


def enqueue_with_commit(task: Task[..., Any], *args: Any) -> None:
    """Queue ``task`` so that it exists exactly when the caller's transaction commits. With the
    database backend the task row is written in that transaction (a process killed right after
    the commit strands nothing); a backend that runs or sends tasks elsewhere (immediate: tests)
    is called once the transaction has committed."""
    from django.db import transaction
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
