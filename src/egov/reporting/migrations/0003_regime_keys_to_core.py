"""Regime keys move to the one key table of core (``core.IdempotencyKey``)."""

import json

from django.db import migrations


def move_keys(apps, schema_editor):  # type: ignore[no-untyped-def]
    old = apps.get_model("reporting", "RegimeKey")
    new = apps.get_model("core", "IdempotencyKey")
    new.objects.bulk_create(
        # The answer of a key used before the move was not kept: a retry with it is refused
        # (its fingerprint was of another form) rather than defining a second regime.
        new(
            user_id=row.user_id,
            key=row.key,
            request_hash=row.request_hash,
            status_code=201,
            response=json.dumps({"id": row.regime_id}),
            created_at=row.created_at,
        )
        for row in old.objects.iterator()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0007_idempotency_key"),
        ("reporting", "0002_regime_key"),
    ]

    operations = [
        migrations.RunPython(move_keys, migrations.RunPython.noop),
        migrations.DeleteModel(name="RegimeKey"),
    ]
