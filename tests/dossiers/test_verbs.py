"""The verbs other parts change a dossier through: ``record_event``, ``lock_dossier``,
``attach_document`` (reuse) and ``record_digitisation``. Each locks the dossier, raises its
version and records through the one event writer; none lets a part take a lifecycle step."""

from collections.abc import Callable

import pytest

from egov.core.files import store_bytes
from egov.dossiers import services
from egov.dossiers.constants import OWN_EVENTS, ComponentSource, EventKind, Status
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from tests.conftest import BIRTH_FORM, birth_files, png_bytes

pytestmark = pytest.mark.django_db


def _version(dossier: Dossier) -> int:
    return Dossier.objects.values_list("version", flat=True).get(pk=dossier.pk)


# --- record_event -----------------------------------------------------------------------------------


def test_record_event_appends_the_event_and_raises_the_version(
    make_dossier: Callable[..., Dossier], staff: dict[str, User]
) -> None:
    dossier = make_dossier(Status.RECEIVED)
    before = _version(dossier)
    event = services.record_event(dossier.pk, "paid", staff["receiver"], {"amount": 8000})
    assert (event.kind, event.actor, event.data) == ("paid", staff["receiver"], {"amount": 8000})
    assert event.from_status == event.to_status == Status.RECEIVED
    assert _version(dossier) == before + 1
    # A page rendered before the event is refused as stale.
    with pytest.raises(services.StaleVersion):
        services.assign(dossier.pk, staff["receiver"], staff["processor"], before)


@pytest.mark.parametrize("kind", sorted(OWN_EVENTS))
def test_record_event_refuses_the_dossiers_own_kinds(
    make_dossier: Callable[..., Dossier], kind: str
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    before = DossierEvent.objects.filter(dossier=dossier).count()
    with pytest.raises(services.InvalidInput):
        services.record_event(dossier.pk, kind, None, {})
    assert DossierEvent.objects.filter(dossier=dossier).count() == before
    assert _version(dossier) == dossier.version


@pytest.mark.parametrize("kind", ["", "x" * 33, "paid now", "paid;--", "PAID"])
def test_record_event_refuses_kinds_the_log_cannot_hold(
    make_dossier: Callable[..., Dossier], kind: str
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    with pytest.raises(services.InvalidInput):
        services.record_event(dossier.pk, kind, None, {})


def test_record_event_refuses_a_kind_not_declared_in_the_one_enum(
    make_dossier: Callable[..., Dossier],
) -> None:
    dossier = make_dossier(Status.SUBMITTED)
    with pytest.raises(services.InvalidInput):
        services.record_event(dossier.pk, "fee_waived", None, {})
    assert not DossierEvent.objects.filter(dossier=dossier, kind="fee_waived").exists()


def test_every_event_kind_fits_the_log_and_reads_as_its_label() -> None:
    longest = DossierEvent._meta.get_field("kind").max_length
    assert all(len(kind) <= longest for kind in EventKind.values)
    assert DossierEvent(kind="paid").label == str(EventKind.PAID.label)


def test_record_event_on_a_missing_dossier_is_not_found(db: object) -> None:
    with pytest.raises(services.NotFound):
        services.record_event(987654, "paid", None, {})


def test_lock_dossier_of_a_missing_dossier_is_not_found(db: object) -> None:
    with pytest.raises(services.NotFound):
        services.lock_dossier(987654)


# --- attach_document (reuse) -------------------------------------------------------------------------


def test_attach_document_links_the_component_once(
    make_dossier: Callable[..., Dossier], citizen: User
) -> None:
    draft = make_dossier(Status.DRAFT)
    file = store_bytes(png_bytes(), "image/png")
    component = services.attach_document(draft.pk, citizen, "GIAY_CHUNG_SINH", file, "cs.png", 41)
    assert (component.source, component.repository_document_id) == (ComponentSource.REPOSITORY, 41)
    assert component.file == file and component.checked is None
    assert _version(draft) == draft.version + 1
    # Attaching the same document again changes nothing (a retried request).
    again = services.attach_document(draft.pk, citizen, "GIAY_CHUNG_SINH", file, "cs.png", 41)
    assert again.pk == component.pk
    assert DossierEvent.objects.filter(dossier=draft, kind="component_reused").count() == 1
    assert _version(draft) == draft.version + 1


def test_a_new_upload_replaces_the_attached_document(
    make_dossier: Callable[..., Dossier], citizen: User
) -> None:
    draft = make_dossier(Status.DRAFT)
    file = store_bytes(png_bytes(), "image/png")
    services.attach_document(draft.pk, citizen, "GIAY_CHUNG_SINH", file, "cs.png", 41)
    services.save_draft(draft.pk, citizen, BIRTH_FORM, birth_files())
    component = draft.components.get(code="GIAY_CHUNG_SINH")
    assert (component.source, component.repository_document_id) == (ComponentSource.UPLOAD, None)


def test_attach_document_is_the_applicants_on_a_draft_only(
    make_dossier: Callable[..., Dossier],
    citizen: User,
    other_citizen: User,
    staff: dict[str, User],
) -> None:
    draft = make_dossier(Status.DRAFT)
    file = store_bytes(png_bytes(), "image/png")
    with pytest.raises(services.NotFound):  # not theirs: as if it did not exist
        services.attach_document(draft.pk, other_citizen, "GIAY_CHUNG_SINH", file, "x.png", 1)
    with pytest.raises(services.InvalidInput):
        services.attach_document(draft.pk, citizen, "NO_SUCH", file, "x.png", 1)
    submitted = make_dossier(Status.SUBMITTED)
    with pytest.raises(services.WrongState):
        services.attach_document(submitted.pk, citizen, "GIAY_CHUNG_SINH", file, "x.png", 1)
    with pytest.raises(services.NotAllowed):
        services.attach_document(
            submitted.pk, staff["receiver"], "GIAY_CHUNG_SINH", file, "x.png", 1
        )
    assert not DossierEvent.objects.filter(kind="component_reused").exists()


# --- record_digitisation -----------------------------------------------------------------------------


@pytest.fixture
def counter_dossier(staff: dict[str, User], citizen: User, birth: object, ward: object) -> Dossier:
    return services.submit_at_counter(
        staff["receiver"], citizen, birth, ward, BIRTH_FORM, birth_files()
    )


def test_record_digitisation_scans_names_documents_and_records_once(
    counter_dossier: Dossier, staff: dict[str, User]
) -> None:
    scan = store_bytes(png_bytes(), "image/png")
    before = _version(counter_dossier)
    event = services.record_digitisation(
        counter_dossier.pk,
        staff["receiver"],
        {
            "TO_KHAI": services.Digitised(),
            "GIAY_CHUNG_SINH": services.Digitised(scan=(scan, "cs.png"), document_id=7),
        },
    )
    assert (event.kind, event.actor) == ("digitised", staff["receiver"])
    assert event.data == {"components": ["TO_KHAI", "GIAY_CHUNG_SINH"]}
    notice = counter_dossier.components.get(code="GIAY_CHUNG_SINH")
    assert (notice.file, notice.source, notice.repository_document_id) == (
        scan,
        ComponentSource.SCAN,
        7,
    )
    declaration = counter_dossier.components.get(code="TO_KHAI")
    assert declaration.repository_document_id is None
    assert _version(counter_dossier) == before + 1
    with pytest.raises(services.WrongState):  # once per dossier
        services.record_digitisation(counter_dossier.pk, staff["receiver"], {})
    assert DossierEvent.objects.filter(dossier=counter_dossier, kind="digitised").count() == 1


def test_record_digitisation_is_a_receivers_on_a_counter_dossier(
    counter_dossier: Dossier,
    staff: dict[str, User],
    citizen: User,
    make_dossier: Callable[..., Dossier],
) -> None:
    with pytest.raises(services.NotAllowed):
        services.record_digitisation(counter_dossier.pk, staff["processor"], {})
    with pytest.raises(services.NotAllowed):  # the applicant sees it but does not digitise
        services.record_digitisation(counter_dossier.pk, citizen, {})
    online = make_dossier(Status.SUBMITTED)
    with pytest.raises(services.WrongState):
        services.record_digitisation(online.pk, staff["receiver"], {})
    assert not DossierEvent.objects.filter(kind="digitised").exists()
