"""Who may do what with official documents. A clerk (văn thư) of an agency composes, sends,
receives, refuses, accepts and assigns the agency's documents; an official they assign a
document to sees it and completes it. Nobody else sees an agency's documents."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from egov.core.errors import NotAllowed, NotFound
from egov.core.models import Agency
from egov.identity.models import Role, User

from .models import Document, Envelope

CLERK_ROLES = (Role.CLERK, Role.AGENCY_ADMIN)


def _official(user: object) -> User | None:
    if isinstance(user, User) and user.is_active and user.is_official:
        return user
    return None


def clerk_agencies(user: object) -> QuerySet[Agency]:
    """The agencies whose documents ``user`` handles as a clerk."""
    official = _official(user)
    if official is None:
        return Agency.objects.none()
    ids = official.official_roles.filter(role__in=CLERK_ROLES).values("agency_id")
    return Agency.objects.filter(pk__in=ids, is_active=True)


def is_clerk(user: object, agency: Agency | str | int) -> bool:
    agencies = clerk_agencies(user)
    if isinstance(agency, Agency):
        return agencies.filter(pk=agency.pk).exists()
    if isinstance(agency, int):
        return agencies.filter(pk=agency).exists()
    return agencies.filter(code=agency).exists()


def require_clerk(user: object, agency: Agency) -> None:
    if not is_clerk(user, agency):
        raise NotAllowed(_("Only a clerk of %(agency)s does this.") % {"agency": agency.name})


def visible_documents(user: object) -> QuerySet[Document]:
    """Every document ``user`` may see: their agencies' as a clerk, and those assigned to them."""
    official = _official(user)
    if official is None:
        return Document.objects.none()
    return Document.objects.filter(
        Q(agency__in=clerk_agencies(official)) | Q(incoming=True, assigned_to=official)
    )


def document_for(user: object, document_id: int) -> Document:
    """The document, or 404 whether it does not exist or is not the user's to see."""
    document = (
        visible_documents(user)
        .select_related("agency", "assigned_to")
        .filter(pk=document_id)
        .first()
    )
    if document is None:
        raise NotFound(_("No such document."))
    return document


def require_processor(user: object, document: Document) -> None:
    """The official the document is assigned to, or a clerk of its agency, completes it."""
    official = _official(user)
    if official is None or not (
        document.assigned_to_id == official.pk or is_clerk(official, document.agency)
    ):
        raise NotAllowed(_("Only the assigned official or a clerk completes the document."))


def may_see_envelope(user: object, envelope: Envelope) -> bool:
    agencies = clerk_agencies(user)
    return (
        agencies.filter(code=envelope.sender_code).exists()
        or envelope.documents.filter(agency__in=agencies).exists()
    )
