"""The link from a dossier component to the repository document it is moves to this part: each
component naming a document (reused, or filed when digitised) gets its link row."""

from typing import Any

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def link_existing(apps: Any, schema_editor: Any) -> None:
    components = apps.get_model("dossiers", "DossierComponent")
    documents = apps.get_model("repository", "RepositoryDocument")
    links = apps.get_model("repository", "ComponentDocument")
    named = components.objects.filter(repository_document_id__isnull=False)
    known = set(
        documents.objects.filter(
            pk__in=named.values_list("repository_document_id", flat=True)
        ).values_list("pk", flat=True)
    )
    links.objects.bulk_create(
        [
            links(component_id=pk, document_id=document_id, linked_at=uploaded_at)
            for pk, document_id, uploaded_at in named.values_list(
                "pk", "repository_document_id", "uploaded_at"
            )
            if document_id in known
        ],
        batch_size=500,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0013_component_document_plain_reference"),
        ("repository", "0002_document_subject"),
    ]

    operations = [
        migrations.CreateModel(
            name="ComponentDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("linked_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "component",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="dossiers.dossiercomponent",
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="component_links",
                        to="repository.repositorydocument",
                    ),
                ),
            ],
        ),
        migrations.RunPython(link_existing, migrations.RunPython.noop),
    ]
