"""Tell the open dossiers that already owe fees what those fees hold back (the dossier's
``payment_held_step``, from which the national status 6 is derived). Run ``manage.py
rebuild_indicators`` afterwards so that the synchronised facts carry the status too."""

from django.db import migrations
from django.db.models import Sum

from egov.payments.fees import compute_fees

HELD_STEP = {"at_submission": "receive", "before_result": "return_result"}
FINISHED = ("draft", "returned", "refused", "rejected", "withdrawn")


def backfill(apps, schema_editor):
    dossiers = apps.get_model("dossiers", "Dossier")
    payments = apps.get_model("payments", "Payment")
    claims = apps.get_model("payments", "FeeClaim")
    for dossier in dossiers.objects.exclude(status__in=FINISHED).select_related("procedure"):
        definition = dossier.procedure.definition
        if not definition.get("fees"):
            continue
        total = compute_fees(
            definition,
            channel=dossier.channel,
            form_data=dossier.form_data,
            claims=list(claims.objects.filter(dossier=dossier).values_list("reduction", flat=True)),
        ).total
        paid = payments.objects.filter(dossier=dossier, status="paid").aggregate(s=Sum("amount"))
        if total > int(paid["s"] or 0):
            step = HELD_STEP[definition.get("payment_due", "before_result")]
            dossiers.objects.filter(pk=dossier.pk).update(payment_held_step=step)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0001_initial"),
        ("dossiers", "0010_payment_held_step"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
