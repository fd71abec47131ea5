"""Envelopes' bytes move from a database column to the file storage (content-addressed, as
``egov.core.files.store_bytes`` stores every file)."""

import hashlib

import django.db.models.deletion
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations, models


def move_to_storage(apps, schema_editor):
    Envelope = apps.get_model("exchange", "Envelope")
    StoredFile = apps.get_model("core", "StoredFile")
    for envelope in Envelope.objects.iterator():
        data = bytes(envelope.data)
        digest = hashlib.sha256(data).hexdigest()
        name = f"cas/{digest[:2]}/{digest[2:4]}/{digest}"
        if not default_storage.exists(name):
            default_storage.save(name, ContentFile(data))
        stored, _created = StoredFile.objects.get_or_create(
            sha256=digest, defaults={"size": len(data), "content_type": "application/xml"}
        )
        envelope.file = stored
        envelope.save(update_fields=["file"])


def back_to_column(apps, schema_editor):
    Envelope = apps.get_model("exchange", "Envelope")
    for envelope in Envelope.objects.select_related("file").iterator():
        name = f"cas/{envelope.file.sha256[:2]}/{envelope.file.sha256[2:4]}/{envelope.file.sha256}"
        with default_storage.open(name, "rb") as handle:
            envelope.data = handle.read()
        envelope.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0010_agency_opening_hours"),
        ("exchange", "0002_received_envelopes_once"),
    ]

    operations = [
        migrations.AddField(
            model_name="envelope",
            name="file",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.storedfile",
            ),
        ),
        migrations.AlterField(
            model_name="envelope", name="data", field=models.BinaryField(null=True)
        ),
        migrations.RunPython(move_to_storage, back_to_column),
        migrations.RemoveField(model_name="envelope", name="data"),
        migrations.AlterField(
            model_name="envelope",
            name="file",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.storedfile",
            ),
        ),
    ]
