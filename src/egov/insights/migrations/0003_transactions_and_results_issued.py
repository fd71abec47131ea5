"""Payment transactions instead of paid dossiers, and results issued instead of resolved ones.

A fact synchronised or projected before this change knows only whether its dossier paid (online
or not) and whether its result was electronic: it is taken as one transaction (online if it paid
online) and one result (electronic if it was), which is what the counts already hold, so facts
and counts stay in step; ``manage.py rebuild_indicators`` then counts the local dossiers' real
transactions from their ``paid`` events. The results issued of a day are so far its resolved
dossiers.
"""

from django.db import migrations, models
from django.db.models import F, Q


def to_transactions(apps, schema_editor):
    Fact = apps.get_model("insights", "DossierFact")
    Fact.objects.filter(Q(paid=True) | Q(paid_online=True)).update(payments=1)
    Fact.objects.filter(paid_online=True).update(payments_online=1)
    Fact.objects.update(results=1)
    Fact.objects.filter(e_result=True).update(e_results=1)
    Count = apps.get_model("insights", "DailyCount")
    Count.objects.update(results=F("resolved"))


def to_flags(apps, schema_editor):
    Fact = apps.get_model("insights", "DossierFact")
    Fact.objects.filter(payments__gt=0).update(paid=True)
    Fact.objects.filter(payments_online__gt=0).update(paid_online=True)
    Fact.objects.filter(e_results__gt=0).update(e_result=True)


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
        migrations.AddField(
            model_name="dossierfact",
            name="e_results",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RenameField(model_name="dailycount", old_name="paid", new_name="payments"),
        migrations.RenameField(
            model_name="dailycount", old_name="e_result", new_name="e_results"
        ),
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
        migrations.RemoveField(model_name="dossierfact", name="e_result"),
        # Staged changes never outlive a transaction: the table is empty here.
        migrations.RemoveField(model_name="factchange", name="paid"),
        migrations.RemoveField(model_name="factchange", name="paid_online"),
        migrations.RemoveField(model_name="factchange", name="e_result"),
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
        migrations.AddField(
            model_name="factchange",
            name="e_results",
            field=models.PositiveIntegerField(default=0),
            preserve_default=False,
        ),
    ]
