"""A dossier's components: uploads checked and stored, the online form rendered as its
declaration, and what keeps a dossier from being complete."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from egov.catalog import forms as application_forms
from egov.core.errors import InvalidInput
from egov.core.files import clean_filename, read_checked_upload, store_bytes

from ..constants import (
    Channel,
    ComponentSource,
)
from ..models import Dossier, DossierComponent


@dataclass
class Upload:
    """A file an actor sends for one component (or as a result)."""

    name: str
    stream: IO[bytes]
    size: int | None = None


def store_upload(upload: Upload) -> tuple[Any, str]:
    try:
        data, content_type = read_checked_upload(upload.stream, upload.name, upload.size)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0]) from exc
    return store_bytes(data, content_type), clean_filename(upload.name)


def attach(
    dossier: Dossier,
    uploads: Mapping[str, Upload],
    source: str = ComponentSource.UPLOAD,
    keep_accepted: bool = False,
) -> dict[str, str]:
    """Store each upload as its component's file. Any refused file (its type, size or name,
    said in the error) raises InvalidInput, unless ``keep_accepted``: then the accepted files
    are attached and the refusals returned, so that a draft keeps what was good."""
    known = {component["code"] for component in dossier.procedure.components}
    errors: dict[str, str] = {}
    stored = {}
    for code, upload in uploads.items():
        if code not in known:
            errors[f"component:{code}"] = _("This procedure has no such document component.")
            continue
        try:
            stored[code] = store_upload(upload)
        except InvalidInput as exc:
            errors[f"component:{code}"] = exc.message
    if errors and not keep_accepted:
        raise InvalidInput(_("Some files could not be accepted."), errors)
    if not stored:
        return errors
    # The dossier row is locked (or not yet committed), so its components can be read once and
    # written without a lock and savepoint per component.
    existing = {component.code: component for component in dossier.components.all()}
    added: list[DossierComponent] = []
    for code, (file, filename) in stored.items():
        component = existing.get(code) or DossierComponent(dossier=dossier, code=code)
        component.file, component.filename, component.source = file, filename, source
        component.repository_document_id = None  # a new upload replaces a reused document
        component.uploaded_at, component.checked, component.check_note = timezone.now(), None, ""
        if component.pk is None:
            added.append(component)
        else:
            component.save()
    DossierComponent.objects.bulk_create(added)
    return errors


def from_online_form(dossier: Dossier, component: Mapping[str, Any]) -> bool:
    """Whether ``component`` of ``dossier`` is its online application form, rendered at
    submission instead of uploaded (online dossiers only: at the counter the paper form is
    scanned)."""
    return bool(component.get("online_form")) and dossier.channel == Channel.ONLINE


def completeness_errors(dossier: Dossier) -> dict[str, str]:
    """What keeps ``dossier`` from being submitted: form fields and required components."""
    errors = application_forms.validate(dossier.procedure.definition["form"], dossier.form_data)
    present = set(dossier.components.values_list("code", flat=True))
    for component in dossier.procedure.components:
        if from_online_form(dossier, component):
            continue  # made from the form at submission
        if component["required"] and component["code"] not in present:
            errors[f"component:{component['code']}"] = _("This document is required.")
    return errors


def attach_online_form(dossier: Dossier) -> None:
    """The filled form, as a PDF, becomes the component the catalogue marks ``online_form``
    (replacing any file sent for it: the online form is the declaration). It says what was
    declared, by whom, to whom and when; the receipt code is on the receipt (biên nhận), as on
    a paper declaration, so it is drawn before the code is taken: from then to the commit every
    submission of the unit waits (``filing.assign_receipt_code``). :func:`name_online_form`
    names the file after the code."""
    for spec in dossier.procedure.components:
        if not from_online_form(dossier, spec):
            continue
        facts = [
            ("Người nộp", dossier.applicant.full_name),
            ("Cơ quan tiếp nhận", dossier.agency.name),
            ("Thời điểm nộp", timezone.localtime(dossier.submitted_at).strftime("%H:%M %d/%m/%Y")),
        ]
        data = application_forms.render_pdf(dossier.procedure.definition, dossier.form_data, facts)
        DossierComponent.objects.update_or_create(
            dossier=dossier,
            code=spec["code"],
            defaults={
                "file": store_bytes(data, "application/pdf"),
                "filename": "to-khai.pdf",
                "source": ComponentSource.FORM,
                "repository_document_id": None,
                "uploaded_at": timezone.now(),
                "checked": None,
                "check_note": "",
            },
        )


def name_online_form(dossier: Dossier) -> None:
    """The declaration's file named after the dossier's receipt code, once it has one."""
    dossier.components.filter(source=ComponentSource.FORM).update(
        filename=f"to-khai-{dossier.code}.pdf"
    )
