"""A signed PDF that belongs to no dossier (``issuing.issue_signed_pdf``) is signed in the
agency's name like a result, verifies at /verify/ like one, and is revoked like one."""

import io
from collections.abc import Callable

import pytest
from django.test import Client
from pypdf import PdfReader

from egov.core.errors import NotAllowed
from egov.core.models import Agency, AuditEntry
from egov.core.pdf import Document
from egov.identity.models import User
from egov.records import issuing, services
from egov.records.models import ResultDocument, ResultStatus
from egov.records.verification import Outcome, verify_code, verify_pdf
from tests.conftest import bearer, log_in
from tests.records.conftest import development_root_asn1, independent_status, signed_pdf

TITLE = "Biên bản phiên họp thường kỳ tháng 5 năm 2026"


def minutes(rendered: list[str]) -> Callable[[str], bytes]:
    """A caller's renderer: prints the code and the verification address it is given."""

    def render(code: str) -> bytes:
        rendered.append(code)
        pdf = Document(TITLE)
        pdf.heading(TITLE.upper())
        pdf.line_of_text("Nội dung phiên họp.")
        pdf.line_of_text(f"Mã xác thực: {code}")
        pdf.line_of_text(issuing.verification_url(code))
        return pdf.to_bytes()

    return render


@pytest.fixture
def issue(ward: Agency, staff: dict[str, User]) -> Callable[..., ResultDocument]:
    def make(
        document_type: str = "BIEN_BAN_HOP", rendered: list[str] | None = None
    ) -> ResultDocument:
        return issuing.issue_signed_pdf(
            ward,
            title=TITLE,
            document_type=document_type,
            render=minutes(rendered if rendered is not None else []),
            actor=staff["approver"],
            reason="Biên bản phiên họp",
        )

    return make


@pytest.fixture
def standalone(issue: Callable[..., ResultDocument]) -> ResultDocument:
    document = issue()
    return ResultDocument.objects.select_related("agency", "file").get(pk=document.pk)


def test_a_standalone_document_is_issued_signed(
    issue: Callable[..., ResultDocument], ward: Agency, staff: dict[str, User]
) -> None:
    rendered: list[str] = []
    document = issue(rendered=rendered)
    assert document.dossier is None and document.dossier_id is None
    assert document.status == ResultStatus.SIGNED and document.signed_at is not None
    assert document.agency == ward and document.approved_by == staff["approver"]
    assert document.file is not None and document.sha256 == document.file.sha256
    assert document.certificate is not None and document.certificate.agency_id == ward.pk
    assert document.signer == "Ủy ban nhân dân phường Ba Đình"
    assert document.public_url and document.issued_at <= document.signed_at
    assert rendered == [document.code]  # drawn up once, with the document's own code
    # A type outside the table of document types is named by the title.
    assert document.title == TITLE and document.type_name == TITLE
    status = independent_status(signed_pdf(document), [development_root_asn1()])
    assert status.bottom_line and status.coverage.name == "ENTIRE_FILE"
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted


def test_the_pdf_carries_the_documents_code_and_verification_address(
    standalone: ResultDocument,
) -> None:
    text = PdfReader(io.BytesIO(signed_pdf(standalone))).pages[0].extract_text()
    assert f"Mã xác thực: {standalone.code}" in text
    url = issuing.verification_url(standalone.code)
    assert url.startswith(standalone.public_url) and url.endswith(f"/verify/{standalone.code}/")
    assert url in text


def test_the_issue_is_audited_without_personal_data(
    standalone: ResultDocument, staff: dict[str, User]
) -> None:
    entry = AuditEntry.objects.get(action="document_issued")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        staff["approver"].pk,
        "result",
        standalone.code,
    )
    assert entry.data == {
        "agency": "000.00.31.H26",
        "document_type": "BIEN_BAN_HOP",
        "sha256": standalone.sha256,
    }


def test_its_pdf_verifies_valid(standalone: ResultDocument) -> None:
    verdict = verify_pdf(signed_pdf(standalone))
    assert verdict.outcome == Outcome.VALID and verdict.reasons == []
    assert (verdict.code, verdict.sha256) == (standalone.code, standalone.sha256)
    assert verdict.title == TITLE
    assert (verdict.agency, verdict.agency_code) == (
        "Ủy ban nhân dân phường Ba Đình",
        "000.00.31.H26",
    )
    assert verdict.signer == "Ủy ban nhân dân phường Ba Đình"
    assert verdict.issued_at == standalone.signed_at and verdict.timestamp is not None
    assert verify_code(standalone.code.lower()).outcome == Outcome.VALID


def test_a_known_document_type_keeps_the_title_on_the_verdict(
    issue: Callable[..., ResultDocument],
) -> None:
    document = issue(document_type="GIAY_KHAI_SINH")
    assert document.type_name == "Giấy khai sinh"
    assert verify_code(document.code).title == TITLE


def test_it_verifies_through_the_page_and_the_api(
    client: Client, standalone: ResultDocument
) -> None:
    page = client.get(f"/verify/{standalone.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-outcome="valid"' in html and TITLE in html and standalone.code in html
    assert "Ủy ban nhân dân phường Ba Đình" in html
    api = client.get(f"/api/v1/verification/code/{standalone.code}")
    assert api.status_code == 200
    body = api.json()
    assert (body["outcome"], body["code"], body["title"]) == ("valid", standalone.code, TITLE)
    upload = io.BytesIO(signed_pdf(standalone))
    upload.name = "bien-ban.pdf"
    posted = client.post("/api/v1/verification/document", {"document": upload})
    assert posted.status_code == 200 and posted.json()["outcome"] == "valid"


def test_a_tampered_copy_is_invalid(standalone: ResultDocument) -> None:
    data = bytearray(signed_pdf(standalone))
    marker = data.index(b"/Producer")  # in the first signed range, before the signature
    data[marker + 1] = ord("Q")  # /Producer becomes /Qroducer: the file still parses
    verdict = verify_pdf(bytes(data))
    assert verdict.outcome == Outcome.INVALID
    assert "Văn bản đã bị thay đổi sau khi ký." in verdict.reasons
    assert "egov chưa cấp văn bản nào có nội dung này (SHA-256)." in verdict.reasons


def test_the_issuing_agency_revokes_it(
    client: Client,
    standalone: ResultDocument,
    staff: dict[str, User],
    other_ward: Agency,
    make_official: Callable[..., User],
) -> None:
    with pytest.raises(NotAllowed):
        services.revoke(standalone.code, make_official(other_ward, "approver"), "Biên bản lập sai")
    log_in(client, staff["approver"])
    listing = client.get("/backoffice/results/")
    assert listing.status_code == 200 and standalone.code in listing.content.decode()
    form = client.get(f"/backoffice/results/{standalone.code}/revoke/")
    assert form.status_code == 200 and TITLE in form.content.decode()
    listed = client.get("/api/v1/results", headers=bearer(staff["approver"])).json()["items"]
    assert [(r["code"], r["dossier"]) for r in listed] == [(standalone.code, "")]

    revoked = services.revoke(standalone.code, staff["approver"], "Biên bản lập sai")
    assert revoked.revoked and revoked.revoked_by == staff["approver"]
    entry = AuditEntry.objects.get(action="result_revoked")
    assert entry.object_id == standalone.code and entry.data == {"dossier": None}
    verdict = verify_pdf(signed_pdf(standalone))
    assert verdict.outcome == Outcome.REVOKED and verdict.reasons == []
    assert verdict.revocation_reason == "Biên bản lập sai" and verdict.revoked_at is not None
    assert verify_code(standalone.code).outcome == Outcome.REVOKED
    page = client.get(f"/verify/{standalone.code}/")
    assert page.status_code == 200 and 'data-outcome="revoked"' in page.content.decode()


def test_the_dossier_signing_task_leaves_it_alone(standalone: ResultDocument) -> None:
    assert services.sign(standalone.pk).sha256 == standalone.sha256  # signed: left as it is
