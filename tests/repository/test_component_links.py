"""The reuse link belongs to the repository (``ComponentDocument``); the dossier component names
its document by a plain id. Databases migrated before keep every link."""

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor

from egov.dossiers.models import Dossier, DossierComponent
from egov.identity.models import User
from egov.repository import selectors
from egov.repository.models import ComponentDocument, RepositoryDocument
from egov.repository.services import reuse_document

COLUMN = "repository_document_id"


def _foreign_keys() -> list[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(
            cursor, DossierComponent._meta.db_table
        )
    return [n for n, c in constraints.items() if c["foreign_key"] and c["columns"] == [COLUMN]]


@pytest.mark.django_db
def test_reuse_writes_the_repositorys_link(
    residence_draft: Dossier, birth_certificate: RepositoryDocument, citizen: User
) -> None:
    component = reuse_document(
        residence_draft.pk, citizen, "QUAN_HE_NHAN_THAN", birth_certificate.pk
    )
    link = ComponentDocument.objects.get(component=component)
    assert link.document == birth_certificate
    assert selectors.referencing_components(birth_certificate) == [component]
    assert selectors.reused_in(residence_draft) == [(component, birth_certificate)]
    assert not _foreign_keys()  # dossiers holds a plain id


@pytest.mark.django_db(transaction=True)
def test_the_migration_links_the_components_that_name_a_document(
    residence_draft: Dossier, birth_certificate: RepositoryDocument, citizen: User
) -> None:
    component = reuse_document(
        residence_draft.pk, citizen, "QUAN_HE_NHAN_THAN", birth_certificate.pk
    )
    dangling = DossierComponent.objects.create(
        dossier=residence_draft, code="DANGLING", file=component.file, filename="x.pdf"
    )
    DossierComponent.objects.filter(pk=dangling.pk).update(repository_document_id=987654)
    executor = MigrationExecutor(connection)
    executor.migrate([("repository", "0002_document_subject")])  # before the link model
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    [link] = ComponentDocument.objects.all()  # a component naming no document gets no link
    assert (link.component_id, link.document_id) == (component.pk, birth_certificate.pk)


@pytest.mark.django_db(transaction=True)
def test_a_database_with_the_old_foreign_key_loses_it_and_keeps_its_data(
    residence_draft: Dossier, birth_certificate: RepositoryDocument, citizen: User
) -> None:
    component = reuse_document(
        residence_draft.pk, citizen, "QUAN_HE_NHAN_THAN", birth_certificate.pk
    )
    # The column as the first 0005 made it: a foreign key to the repository.
    plain = DossierComponent._meta.get_field(COLUMN)
    foreign: Any = models.ForeignKey(
        RepositoryDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    foreign.set_attributes_from_name("repository_document")
    foreign.model = DossierComponent
    with connection.schema_editor() as editor:
        editor.alter_field(DossierComponent, plain, foreign)
    assert _foreign_keys()

    migration = importlib.import_module(
        "egov.dossiers.migrations.0013_component_document_plain_reference"
    )
    with connection.schema_editor() as editor:
        migration.drop_repository_foreign_key(django_apps, editor)
    assert not _foreign_keys()
    component.refresh_from_db()
    assert component.repository_document_id == birth_certificate.pk
