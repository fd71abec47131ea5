"""edXML files made by other systems (written by hand from the published structure): filed by a
clerk, their placeholder signatures reported rather than trusted, recalls applied to them."""

from pathlib import Path

import pytest

from egov.core.errors import NotAllowed
from egov.core.files import read_stored
from egov.exchange import services
from egov.exchange.models import Document, DocumentState
from egov.identity.models import User
from tests.exchange.conftest import CITY, JUSTICE

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_a_document_from_another_system_is_filed_for_the_clerks_agency(
    clerks: dict[str, User],
) -> None:
    receipt = services.import_envelope(clerks[CITY], fixture("edoc_new.edxml"))
    assert not receipt.duplicate
    document = Document.objects.get(pk=receipt.documents[0])
    assert (document.agency.code, document.incoming, document.state) == (CITY, True, "01")
    assert (document.sender_code, document.code) == ("000.00.00.G22", "7816/VPCP-TTĐT")
    assert document.signature == "malformed"  # the SDK sample's placeholder signature
    main = document.attachments.get()
    assert read_stored(main.file).startswith(b"%PDF")  # the SDK's one-entry zip unwrapped
    assert services.import_envelope(clerks[CITY], fixture("edoc_new.edxml")).duplicate
    assert Document.objects.filter(incoming=True).count() == 1


def test_a_recall_from_another_system_is_answered(clerks: dict[str, User]) -> None:
    services.import_envelope(clerks[CITY], fixture("edoc_new.edxml"))
    services.import_envelope(clerks[CITY], fixture("edoc_revoke.edxml"))
    document = Document.objects.get(incoming=True)
    assert document.recall_requested
    services.answer_request(clerks[CITY], document, accept=True)
    document.refresh_from_db()
    assert document.state == DocumentState.RECALLED
    # The sender is off the axis: the answer is recorded, not delivered.
    assert document.events.filter(action="status_sent", status_code="15").exists()


def test_only_a_recipients_clerk_files_it(clerks: dict[str, User]) -> None:
    with pytest.raises(services.Refused) as refused:
        services.import_envelope(clerks[JUSTICE], fixture("edoc_new.edxml"))
    assert "MessageHeader/To/OrganId" in refused.value.errors
    assert not Document.objects.exists()


def test_an_official_who_is_not_a_clerk_imports_nothing(
    agencies: dict[str, object], make_official: object
) -> None:
    receiver = make_official(agencies[CITY], "receiver")  # type: ignore[operator]
    with pytest.raises(NotAllowed):
        services.import_envelope(receiver, fixture("edoc_new.edxml"))


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("invalid_duplicate_to.edxml", "MessageHeader/To[2]/OrganId"),
        ("invalid_lengths.edxml", "MessageHeader/Subject"),
    ],
)
def test_an_invalid_file_is_refused_with_the_reason(
    clerks: dict[str, User], name: str, field: str
) -> None:
    with pytest.raises(services.Refused) as refused:
        services.import_envelope(clerks[CITY], fixture(name))
    assert field in refused.value.errors
    assert refused.value.errors[field].startswith(("Một nơi nhận", "Quá dài", "Bị lặp"))
