"""Notifications move to the kernel (``core.Notification``, the one ``notify``): every row is
copied with its id, so that a task queued before the move still finds its notification; a
pending one gets its text now, as it would have been composed when sent."""

from django.db import migrations


def copy_to_core(apps, schema_editor):
    from egov.dossiers.notifications import compose

    old = apps.get_model("dossiers", "Notification")
    new = apps.get_model("core", "Notification")
    rows = old.objects.select_related("dossier__applicant", "dossier__procedure", "event")
    for row in rows.order_by("pk").iterator():
        applicant = row.dossier.applicant
        subject = text = ""
        if row.status == "pending":
            subject, text = compose(row.dossier, row.event)
        new.objects.create(
            pk=row.pk,
            recipient_id=applicant.pk,
            channel=row.channel,
            address=(applicant.email if row.channel == "email" else applicant.phone) or "",
            topic=row.event.kind,
            object_type="dossier",
            object_id=str(row.dossier_id),
            key=f"dossier_event:{row.event_id}",
            subject=subject,
            text=text,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            created_at=row.created_at,
            sent_at=row.sent_at,
        )
    if schema_editor.connection.vendor == "postgresql":  # ids were given: move the sequence on
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('core_notification', 'id'),"
                " COALESCE((SELECT MAX(id) FROM core_notification), 1))"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0006_notification"),
        ("dossiers", "0010_payment_held_step"),
    ]

    operations = [
        migrations.RunPython(copy_to_core, migrations.RunPython.noop),
        migrations.DeleteModel(name="Notification"),
    ]
