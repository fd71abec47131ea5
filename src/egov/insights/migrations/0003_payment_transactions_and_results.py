"""Payment transactions instead of paid dossiers, and the results issued.

A fact synchronised or projected before this change knows only whether its dossier paid (online
or not): it is taken as one transaction (online if it paid online), which is what the counts
already hold, so facts and counts stay in step; ``manage.py rebuild_indicators`` then counts the
local dossiers' real transactions from their ``paid`` events. Each resolved dossier so far issued
one result, so the results issued of a day are its resolved dossiers.
"""

from django.db import migrations, models
from django.db.models import F, Q


def to_transactions(apps, schema_editor):
    Fact = apps.get_model("insights", "DossierFact")
    Fact.objects.filter(Q(paid=True) | Q(paid_online=True)).update(payments=1)
    Fact.objects.filter(paid_online=True).update(payments_online=1)
    Fact.objects.update(results=1)
    Count = apps.get_model("insights", "DailyCount")
    Count.objects.update(results=F("resolved"))


def to_flags(apps, schema_editor):
    Fact = apps.get_model("insights", "DossierFact")
    Fact.objects.filter(payments__gt=0).update(paid=True)
    Fact.objects.filter(payments_online__gt=0).update(paid_online=True)


class Migration(migrations.Migration):
    dependencies = [("insights", "0002_fact_change")]

    operations = [
        migrations.AddField(
            model_name="dossierfact",
            name="payments",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="dossierfact",
            name="payments_online",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="dossierfact",
            name="results",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RenameField(model_name="dailycount", old_name="paid", new_name="payments"),
        migrations.RenameField(
            model_name="dailycount", old_name="paid_online", new_name="payments_online"
        ),
        migrations.AddField(
            model_name="dailycount",
            name="results",
            field=models.BigIntegerField(default=0),
        ),
        migrations.RunPython(to_transactions, to_flags),
        migrations.RemoveField(model_name="dossierfact", name="paid"),
        migrations.RemoveField(model_name="dossierfact", name="paid_online"),
        # Staged changes never outlive a transaction: the table is empty here.
        migrations.RemoveField(model_name="factchange", name="paid"),
        migrations.RemoveField(model_name="factchange", name="paid_online"),
        migrations.AddField(
            model_name="factchange",
            name="payments",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="factchange",
            name="payments_online",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="factchange",
            name="results",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
    ]
