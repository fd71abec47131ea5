"""The registers (search, filters, XLSX), the document page and its steps, import and export of
edXML files, through pages and the API, and who sees what."""

import json
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from egov.core.files import read_stored
from egov.core.models import Agency
from egov.exchange import selectors
from egov.exchange.models import Document
from egov.identity.models import OfficialRole, User
from tests.conftest import bearer, log_in, pdf_bytes
from tests.exchange.conftest import CITY, JUSTICE, WARD


def test_the_register_finds_documents_without_diacritics(
    client: Client, sent: Callable[..., Document], clerks: dict[str, User]
) -> None:
    sent(subject="Về việc tổ chức Hội nghị tổng kết")
    sent(subject="Kế hoạch kiểm tra công tác văn thư", doc_type=10)
    log_in(client, clerks[JUSTICE])
    page = client.get("/van-ban/", {"q": "hoi nghi tong ket"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Sổ văn bản đến" in text  # Vietnamese first
    assert "Hội nghị tổng kết" in text and "kiểm tra công tác" not in text
    by_type = client.get("/van-ban/", {"type": "10"}).content.decode()
    assert "kiểm tra công tác" in by_type and "Hội nghị" not in by_type
    assert client.get("/van-ban/so/khac/").status_code == 404


def test_the_register_downloads_as_xlsx(
    client: Client, sent: Callable[..., Document], clerks: dict[str, User]
) -> None:
    document = sent()
    log_in(client, clerks[CITY])
    answer = client.get("/van-ban/so/di/xlsx/")
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Số, ký hiệu"
    assert rows[1][0] == document.code and rows[1][3] == document.subject
    assert JUSTICE not in (rows[1][4] or "")  # names, not codes
    assert len(rows) == 2


def test_pages_show_nothing_to_outsiders(
    client: Client, sent: Callable[..., Document], clerks: dict[str, User], citizen: User
) -> None:
    document = sent()
    received = Document.objects.get(agency__code=JUSTICE, incoming=True)
    log_in(client, clerks[WARD])
    for pk in (document.pk,):
        assert client.get(f"/van-ban/{pk}/").status_code == 404
        assert client.get(f"/van-ban/{pk}/edxml/").status_code == 404
        assert (
            client.post(f"/van-ban/{pk}/buoc/", {"action": "recall", "note": "x"}).status_code
            == 404
        )
    assert client.get(f"/van-ban/{received.pk}/").status_code == 404
    client.logout()
    client.force_login(citizen)
    for path in ("/van-ban/", "/van-ban/soan/", f"/van-ban/{document.pk}/", "/van-ban/nhap/"):
        assert client.get(path).status_code == 404, path
    client.logout()
    assert client.get("/van-ban/").status_code == 302  # to the login page


def test_steps_on_the_document_page(
    client: Client, sent: Callable[..., Document], clerks: dict[str, User]
) -> None:
    document = sent()
    received = Document.objects.get(agency__code=JUSTICE, incoming=True)
    log_in(client, clerks[JUSTICE])
    page = client.get(f"/van-ban/{received.pk}/").content.decode()
    assert "Tiếp nhận (03)" in page and "Từ chối (02)" in page
    client.post(f"/van-ban/{received.pk}/buoc/", {"action": "03"})
    wrong = client.post(f"/van-ban/{received.pk}/buoc/", {"action": "06"}, follow=True)
    assert "không thể chuyển" in wrong.content.decode()
    received.refresh_from_db()
    assert received.state == "03"
    assert document.recipients.get(agency_code=JUSTICE).status == "03"


def test_the_api_composes_sends_and_moves_documents_on(
    client: Client, clerks: dict[str, User], agencies: dict[str, Agency]
) -> None:
    draft = {
        "agency": CITY,
        "doc_type": 18,
        "subject": "Về việc cung cấp số liệu",
        "recipients": [JUSTICE],
        "drafting_unit": "VP",
    }
    created = client.post(
        "/api/v1/exchange/documents",
        {"draft": json.dumps(draft), "main_file": _pdf()},
        headers={**bearer(clerks[CITY]), "Idempotency-Key": "draft-1"},
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    sent = client.post(f"/api/v1/exchange/documents/{pk}/send", headers=bearer(clerks[CITY]))
    assert sent.status_code == 200
    assert sent.json()["code"] == "01/UBND-VP"
    assert sent.json()["recipients"][0]["status"] == "01"
    received = client.get(
        "/api/v1/exchange/documents", {"direction": "in"}, headers=bearer(clerks[JUSTICE])
    ).json()
    assert received["count"] == 1
    step = client.post(
        f"/api/v1/exchange/documents/{received['items'][0]['id']}/status",
        {"code": "05"},
        content_type="application/json",
        headers=bearer(clerks[JUSTICE]),
    )
    assert (step.status_code, step.json()["code"]) == (409, "invalid_state")
    assert (
        client.get(f"/api/v1/exchange/documents/{pk}", headers=bearer(clerks[WARD])).status_code
        == 404
    )
    bad = client.post(
        "/api/v1/exchange/documents",
        {"draft": json.dumps({**draft, "recipients": []}), "main_file": _pdf()},
        headers=bearer(clerks[CITY]),
    )
    assert bad.status_code == 422 and "recipients" in bad.json()["errors"]


def _pdf() -> Any:
    return SimpleUploadedFile("cv.pdf", pdf_bytes("Công văn"), content_type="application/pdf")


def test_export_then_import_round_trips(
    client: Client, sent: Callable[..., Document], clerks: dict[str, User]
) -> None:
    document = sent()
    log_in(client, clerks[CITY])
    exported = client.get(f"/van-ban/{document.pk}/edxml/")
    assert exported["Content-Type"] == "application/xml"
    assert exported.content == read_stored(document.envelope.file)
    # Filed again by hand at a recipient: recognised as the envelope it already has.
    answer = client.post(
        "/api/v1/exchange/import",
        {"file": _file(exported.content)},
        headers=bearer(clerks[JUSTICE]),
    )
    assert (answer.status_code, answer.json()["duplicate"]) == (200, True)


def _file(data: bytes) -> Any:
    return SimpleUploadedFile("vb.edxml", data, content_type="application/xml")


def test_monthly_counts_sent_and_received(sent: Callable[..., Document], city: Agency) -> None:
    sent()
    sent(recipients=[WARD])
    counts = selectors.monthly_counts()
    assert [(c.sent, c.received) for c in counts] == [(2, 3)]
    assert [(c.sent, c.received) for c in selectors.monthly_counts([city.pk])] == [(2, 0)]


@pytest.mark.parametrize("path", ["/van-ban/nhap/"])
def test_an_invalid_import_says_why(client: Client, clerks: dict[str, User], path: str) -> None:
    log_in(client, clerks[JUSTICE])
    answer = client.post(path, {"file": _file(b"<edXML/>")})
    assert answer.status_code == 422
    assert (
        "không hợp lệ" in answer.content.decode().lower() or "wrong_root" in answer.content.decode()
    )


def test_the_indicators_dashboard_counts_documents_per_month(
    client: Client, sent: Callable[..., Document], agencies: dict[str, Agency]
) -> None:
    sent()
    sent(recipients=[WARD])
    this_year = timezone.localdate().year
    page = client.get("/chi-so/", {"year": this_year}).content.decode()
    assert "Văn bản trên trục liên thông" in page
    assert "Gửi đi: 2. Nhận về: 3." in page
    # An agency's page counts it and the units below it: the city sent both.
    city_page = client.get(f"/chi-so/co-quan/{CITY}/", {"year": this_year}).content.decode()
    assert "Gửi đi: 2. Nhận về: 3." in city_page  # the ward and the department are below it
    ward_page = client.get(f"/chi-so/co-quan/{WARD}/", {"year": this_year}).content.decode()
    assert "Gửi đi: 0. Nhận về: 2." in ward_page
    last_year = client.get("/chi-so/", {"year": this_year - 1}).content.decode()
    assert "Gửi đi: 0. Nhận về: 0." in last_year


def test_a_clerk_answers_a_document_from_its_page(
    client: Client, sent: Callable[..., Document], clerks: dict[str, User]
) -> None:
    original = sent()
    received = Document.objects.get(agency__code=JUSTICE, incoming=True)
    log_in(client, clerks[JUSTICE])
    assert "Trả lời văn bản này" in client.get(f"/van-ban/{received.pk}/").content.decode()
    form = client.get("/van-ban/soan/", {"related": received.pk}).content.decode()
    assert f'value="{received.pk}"' in form and f'value="{CITY}" checked' in form
    answer = client.post(
        f"/van-ban/soan/?related={received.pk}",
        {
            "agency": JUSTICE,
            "doc_type": "18",
            "subject": "Trả lời về việc triển khai",
            "recipients": [CITY],
            "related": str(received.pk),
            "business": "0",
            "issuer_abbreviation": "STP",
            "main_file": SimpleUploadedFile("tl.pdf", pdf_bytes("Trả lời"), "application/pdf"),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    reply = Document.objects.get(agency__code=JUSTICE, incoming=False)
    assert reply.related == received
    client.post(f"/van-ban/{reply.pk}/buoc/", {"action": "send"})
    # At the city, the answer is linked to the document it answers.
    at_city = Document.objects.get(agency__code=CITY, incoming=True)
    assert at_city.related == original
    assert at_city.response_for["document_id"] == original.document_id
    # Nobody answers a document they cannot see.
    assert client.get("/van-ban/soan/", {"related": original.pk}).status_code == 404


def test_a_clerk_of_two_agencies_filters_the_register_by_agency(
    client: Client,
    sent: Callable[..., Document],
    agencies: dict[str, Agency],
    make_official: Callable[..., User],
) -> None:
    sent()  # to the department and the ward
    both = make_official(agencies[JUSTICE], "clerk", username="vanthu.hai.noi")
    OfficialRole.objects.create(user=both, agency=agencies[WARD], role="clerk")
    log_in(client, both)
    assert client.get("/van-ban/").context["page"].paginator.count == 2
    only_ward = client.get("/van-ban/", {"agency": WARD})
    assert [d.agency.code for d in only_ward.context["page"]] == [WARD]
    # An agency the clerk does not serve is no filter at all, never a way in.
    assert client.get("/van-ban/", {"agency": CITY}).context["page"].paginator.count == 2


def test_files_download_to_the_documents_readers_only(
    client: Client, sent: Callable[..., Document], clerks: dict[str, User]
) -> None:
    sent()
    received = Document.objects.get(agency__code=JUSTICE, incoming=True)
    main = received.attachments.get(is_main=True)
    path = f"/van-ban/{received.pk}/tep/{main.pk}/"
    log_in(client, clerks[JUSTICE])
    answer = client.get(path)
    assert answer["Content-Type"] == "application/pdf"
    assert b"".join(answer.streaming_content).startswith(b"%PDF")
    assert client.get(f"/van-ban/{received.pk}/tep/{main.pk + 1000}/").status_code == 404
    client.logout()
    log_in(client, clerks[WARD])
    assert client.get(path).status_code == 404
