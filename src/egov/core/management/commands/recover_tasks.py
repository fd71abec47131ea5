from django.core.management.base import BaseCommand

from egov.core.worker import recover_tasks


class Command(BaseCommand):
    help = (
        "Run again the tasks left running by a worker that died (its lease expired); "
        "mark failed those whose workers died TASK_MAX_ATTEMPTS times. Workers do this themselves."
    )

    def handle(self, *args: object, **options: object) -> None:
        recovery = recover_tasks()
        self.stdout.write(f"tasks run again: {recovery.requeued}; tasks failed: {recovery.failed}")
