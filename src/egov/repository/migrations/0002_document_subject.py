"""Whom a document is about (``subject_name``), filled for the signed results already filed from
their dossier's form (the one table of document types says which fields name the subject)."""

from typing import Any

from django.db import migrations, models


def fill_subjects(apps: Any, schema_editor: Any) -> None:
    from egov.catalog import document_types

    documents = apps.get_model("repository", "RepositoryDocument")
    for document in documents.objects.filter(source_dossier__isnull=False).select_related(
        "source_dossier"
    ):
        subject = document_types.subject(
            document.document_type, document.source_dossier.form_data
        )[:255]
        if subject:
            documents.objects.filter(pk=document.pk).update(subject_name=subject)


class Migration(migrations.Migration):
    dependencies = [
        ("repository", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="repositorydocument",
            name="subject_name",
            field=models.CharField(blank=True, max_length=255, verbose_name="issued for"),
        ),
        migrations.RunPython(fill_subjects, migrations.RunPython.noop),
    ]
