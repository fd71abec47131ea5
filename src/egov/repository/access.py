"""Who may see and use which repository document: the one place that decides. Pages, API and
services ask here; ``tests/repository/test_permission_matrix.py`` checks every kind of person.

- the owner: the person the document is held for, or a current representative of the owning
  organisation, sees it, downloads it, shares it and attaches it to their dossiers;
- an official sees it while they hold a back-office role in the agency of a submitted dossier of
  that owner that references it (a component reusing it, or digitised into it);
- anyone holding a share link reads that one document until the link expires or is revoked
  (see ``services.open_share``);
- nobody else: a document they may not see is reported as not found, and the refusal audited.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from egov.core import audit
from egov.dossiers import access as dossier_access
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import Representation, User
from egov.identity.organisations.access import represents

from .models import RepositoryDocument, Scan


def _person(user: Any) -> User | None:
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    return None


def _represented(person: User) -> QuerySet[Representation, int]:
    return Representation.objects.filter(person=person, revoked_at__isnull=True).values_list(
        "organisation_id", flat=True
    )


def is_owner(user: Any, document: RepositoryDocument) -> bool:
    """The person it is held for, or a current representative of the owning organisation."""
    person = _person(user)
    if person is None:
        return False
    if document.owner_organisation_id:
        return represents(person, document.owner_organisation_id)
    return document.owner_person_id == person.pk


def handles_referencing_dossier(user: Any, document: RepositoryDocument) -> bool:
    """An official of the agency of a submitted dossier that references the document."""
    person = _person(user)
    if person is None or not person.is_official:
        return False
    agencies = dossier_access.queue_agencies(person)
    return (
        Dossier.objects.filter(
            components__repository_document_id=document.pk, agency_id__in=agencies
        )
        .exclude(status=Status.DRAFT)
        .exists()
    )


def can_view(user: Any, document: RepositoryDocument) -> bool:
    return is_owner(user, document) or handles_referencing_dossier(user, document)


def record_denial(user: Any, action: str, document_id: int) -> None:
    """Audit a refusal: the document id, the action and the actor's id, nothing else."""
    audit.record(
        "permission_denied",
        actor=_person(user),
        object_type="repository_document",
        object_id=document_id,
        data={"action": action},
    )


def access_document(user: Any, document_id: int, action: str = "view") -> RepositoryDocument:
    """The document if ``user`` may see it, else Http404 (whether or not it exists); a refusal
    of an existing document is audited."""
    document = (
        RepositoryDocument.objects.select_related(
            "file", "issuer", "owner_person", "owner_organisation", "source_dossier__procedure"
        )
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise Http404
    if not can_view(user, document):
        record_denial(user, action, document.pk)
        raise Http404
    return document


def access_own_document(user: Any, document_id: int, action: str) -> RepositoryDocument:
    """As :func:`access_document`, for what only the owner does (share, revoke a share)."""
    document = access_document(user, document_id, action)
    if not is_owner(user, document):
        record_denial(user, action, document.pk)
        raise Http404
    return document


def documents_of(user: Any) -> QuerySet[RepositoryDocument]:
    """Every document ``user`` holds: their own and their organisations' (while they represent
    them), newest first."""
    person = _person(user)
    if person is None:
        return RepositoryDocument.objects.none()
    return RepositoryDocument.objects.filter(
        Q(owner_person=person) | Q(owner_organisation_id__in=_represented(person))
    ).select_related("issuer", "owner_person", "owner_organisation", "file")


def reusable_for(user: Any, dossier: Dossier) -> QuerySet[RepositoryDocument]:
    """The documents ``user`` may attach to ``dossier`` (whatever their type or validity): their
    own, and the organisation's when the dossier is filed for an organisation they represent."""
    person = _person(user)
    if person is None or not dossier_access.acts_as_applicant(person, dossier):
        return RepositoryDocument.objects.none()
    owners = Q(owner_person=person)
    if dossier.organisation_id:
        owners |= Q(owner_organisation_id=dossier.organisation_id)
    return RepositoryDocument.objects.filter(owners).select_related(
        "issuer", "owner_person", "owner_organisation", "file"
    )


#: Digitising changes a dossier: the dossiers part decides who may.
may_digitise = dossier_access.may_digitise


def access_scan(user: Any, scan_id: int) -> Scan:
    """A scan taken at the counter, for a receiving official of its dossier's agency (who may
    digitise it); Http404 for anyone else, the refusal audited on the dossier."""
    scan = (
        Scan.objects.select_related("dossier__procedure", "original", "searchable")
        .filter(pk=scan_id)
        .first()
    )
    if scan is None:
        raise Http404
    if not (dossier_access.can_view(user, scan.dossier) and may_digitise(user, scan.dossier)):
        dossier_access.record_denial(user, "scan", scan.dossier_id)
        raise Http404
    return scan
