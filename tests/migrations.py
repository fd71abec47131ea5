"""Moving the test database to a migration and back, for the tests of data migrations."""

from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets: list[tuple[str, str]]) -> Any:
    """The database migrated to ``targets``; the app registry of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest() -> list[tuple[str, str]]:
    """Every app's last migration: going back to an earlier state also unapplies the later
    migrations of other apps that depend on it, and the tests after this one need them."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()
