"""A database migrated while the component's repository document was a foreign key (0005 before
it became a plain id) loses that constraint; the column, its values and its index stay."""

from typing import Any

from django.db import migrations

COLUMN = "repository_document_id"


def drop_repository_foreign_key(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("dossiers", "DossierComponent")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    foreign = [
        name
        for name, constraint in constraints.items()
        if constraint["foreign_key"] and constraint["columns"] == [COLUMN]
    ]
    if not foreign:
        return
    if connection.vendor == "sqlite":
        # SQLite cannot drop a constraint: the table is rebuilt from the model, data copied.
        schema_editor._remake_table(model)
        return
    for name in foreign:
        schema_editor.execute(schema_editor._delete_fk_sql(model, name))


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0012_submission_keys_to_core")]

    operations = [
        migrations.RunPython(drop_repository_foreign_key, migrations.RunPython.noop, elidable=True)
    ]
