"""Số hóa: the paper components of a counter dossier scanned and filed in the repository."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.core.errors import InvalidInput, NotAllowed, NotFound, WrongState
from egov.core.models import StoredFile
from egov.identity.models import User

from .. import access
from ..constants import (
    Channel,
    ComponentSource,
    Status,
)
from ..models import Dossier, DossierComponent, DossierEvent
from .steps import lock_dossier, raise_version, record


@dataclass
class Digitised:
    """What digitisation does to one component: a new scan (else the file taken at filing is
    kept) and the repository document it was filed as, if any."""

    scan: tuple[StoredFile, str] | None = None
    document_id: int | None = None


def is_digitised(dossier: Dossier) -> bool:
    return dossier.events.filter(kind="digitised").exists()


def check_digitisation(official: User, dossier: Dossier) -> None:
    """Raise unless ``official`` may digitise ``dossier`` now: a receiving official of its
    agency, a dossier filed at the counter, not digitised yet (audited refusals)."""
    if not access.can_view(official, dossier):
        access.record_denial(official, "digitise", dossier.pk)
        raise NotFound(_("Dossier not found."))
    if not access.may_digitise(official, dossier):
        access.record_denial(official, "digitise", dossier.pk)
        raise NotAllowed(_("Only a receiving official of this agency digitises dossiers."))
    if dossier.channel != Channel.COUNTER or dossier.status == Status.DRAFT:
        raise WrongState(_("Only dossiers filed at the counter are digitised here."))
    if is_digitised(dossier):
        raise WrongState(_("This dossier has already been digitised."))


def scan_of(dossier: Dossier, code: str, digitised: Digitised) -> tuple[StoredFile, str] | None:
    """The file a component will hold once digitised: its new scan, else the one it has."""
    if digitised.scan is not None:
        return digitised.scan
    component = dossier.components.filter(code=code).select_related("file").first()
    return (component.file, component.filename) if component is not None else None


def record_digitisation(
    dossier_id: int, official: User, components: Mapping[str, Digitised]
) -> DossierEvent:
    """Số hóa: a counter dossier's paper components are scanned (a component without a new
    scan keeps the one taken at filing) and each names the repository document it was filed as;
    the dossier is marked by a ``digitised`` event. Once per dossier (WrongState after)."""
    with transaction.atomic():
        dossier = lock_dossier(dossier_id)
        check_digitisation(official, dossier)
        known = {c["code"] for c in dossier.procedure.components}
        present = {c.code: c for c in dossier.components.all()}
        for code, digitised in components.items():
            component = present.get(code)
            if code not in known or (component is None and digitised.scan is None):
                raise InvalidInput(_("This procedure has no such document component."))
            component = component or DossierComponent(dossier=dossier, code=code, checked=True)
            if digitised.scan is not None:
                component.file, component.filename = digitised.scan
                component.source, component.uploaded_at = ComponentSource.SCAN, timezone.now()
            if digitised.document_id is not None:
                component.repository_document_id = digitised.document_id
            component.save()
        raise_version(dossier)
        return record(dossier, "digitised", official, dossier.status, components=list(components))
