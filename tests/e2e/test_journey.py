"""The platform in a real browser: a birth registration from the citizen's search to the rating,
through the one-stop back office; public tracking; the language switch; pages without
JavaScript; and axe-core accessibility checks on every key page.

People find things by role and accessible name or by label, and so do these tests, which itself
checks that the pages are labelled. Texts match the English msgid, the Vietnamese wording, or whatever the compiled
catalogue renders, so the tests pass before and after the Vietnamese translation lands.

Screenshots for the docs are written only with ``EGOV_SCREENSHOTS=1``.
"""

import base64
import hashlib
import json
import os
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone, translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from egov.catalog.models import Procedure
from egov.core.files import read_stored
from egov.core.models import Agency
from egov.core.pdf import Document
from egov.dossiers import services
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier
from egov.identity.models import User
from tests.conftest import BIRTH_FORM, PASSWORD, birth_files, totp_code

from .conftest import DESKTOP, MOBILE, SCREENSHOTS

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]

BIRTH_NAME = "Đăng ký khai sinh"
WARD_NAME = "Ủy ban nhân dân phường Ba Đình"
RECEIPT_CODE = re.compile(r"^[A-Z0-9.]+-\d{8}-\d{7}$")


# --- helpers --------------------------------------------------------------------------------------


def vi(text: Any) -> str:
    """``text`` as the Vietnamese pages render it with the compiled catalogue (the msgid itself
    while it has no translation)."""
    with translation.override("vi"):
        return str(translation.gettext(str(text)) if isinstance(text, str) else text)


def L(english: str, *vietnamese: str, prefix: bool = False) -> re.Pattern[str]:
    """An accessible name in either language: the English msgid, the agreed Vietnamese wording,
    or the catalogue's translation. Whole name unless ``prefix``."""
    words = sorted({english, *vietnamese, vi(english)}, key=len, reverse=True)
    pattern = "|".join(re.escape(word) for word in words)
    return re.compile(f"^(?:{pattern})" + ("" if prefix else "$"))


def labelled(page: Page, selector: str) -> Any:
    """A form control found by id, after checking it has an accessible name."""
    control = page.locator(selector)
    expect(control).to_have_accessible_name(re.compile(r"\w"))
    return control


def check_accessibility(page: Page, axe_source: str, what: str) -> None:
    """Run axe-core on the page; fail on any serious or critical violation, listing them."""
    # A click that navigates returns once the next page starts loading: axe must run on the
    # loaded page, not on a document being replaced (it then finds no documentElement).
    page.wait_for_load_state("load")
    # Evaluated over the DevTools protocol, which the pages' CSP (script-src 'self') does not
    # block as it would an injected <script> tag.
    page.evaluate(axe_source)
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter(v => v.impact === "serious" || v.impact === "critical")
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(" "))}))"""
    )
    assert not violations, f"accessibility violations on {what} ({page.url}):\n" + json.dumps(
        violations, ensure_ascii=False, indent=2
    )


def screenshot(page: Page, name: str) -> None:
    if os.environ.get("EGOV_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def write_pdf(folder: Path, name: str, title: str) -> Path:
    pdf = Document(title)
    pdf.heading(title)
    pdf.line_of_text("Tài liệu kiểm thử đầu cuối của egov.")
    path = folder / name
    path.write_bytes(pdf.to_bytes())
    return path


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """The password, and for an official the code from their authenticator (set up at the
    first login)."""
    page.goto("/")
    page.get_by_role("link", name=L("Log in", "Đăng nhập")).click()
    password_step(page, username, password)
    if User.objects.get(username=username).is_official:
        expect(page).to_have_url(re.compile(r"/login/verify/"))
        if page.locator("#totp-secret").count():
            enrol_authenticator(page)
        else:
            enter_code(page, username)
    expect(log_out_button(page)).to_be_visible()


def password_step(page: Page, username: str, password: str = PASSWORD) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(L("Log in", "Đăng nhập"))
    labelled(page, "#id_username").fill(username)
    page.get_by_label(L("Password", "Mật khẩu")).fill(password)
    page.get_by_role("button", name=L("Log in", "Đăng nhập")).click()


def app_code(page: Page) -> str:
    """What an authenticator app shows after scanning the QR code: the code of the key that the
    enrolment page also prints as text."""
    secret = page.locator("#totp-secret").inner_text()
    return f"{TOTP(base64.b32decode(secret.replace(' ', ''))).token():06d}"


def enrol_authenticator(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(L("Set up two-step verification"))
    labelled(page, "#id_code").fill(app_code(page))
    page.get_by_role("button", name=L("Confirm and log in")).click()


def enter_code(page: Page, username: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(L("Two-step verification"))
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    labelled(page, "#id_code").fill(totp_code(device))
    page.get_by_role("button", name=L("Verify")).click()


def log_out_button(page: Page) -> Any:
    return page.get_by_role("button", name=L("Log out", "Đăng xuất", prefix=True))


def log_out(page: Page) -> None:
    log_out_button(page).click()
    expect(page.get_by_role("link", name=L("Log in", "Đăng nhập"))).to_be_visible()


def status_of(page: Page) -> Any:
    """The status badge in the dossier's facts."""
    return page.locator("dd .status").first


def action_form(page: Page, english: str, *vietnamese: str) -> Any:
    """One of the dossier page's action forms, named by its heading."""
    return page.get_by_role("form", name=L(english, *vietnamese))


def open_in_back_office(page: Page, code: str) -> None:
    page.get_by_role("link", name=L("Back office", "Một cửa điện tử")).click()
    page.get_by_role("link", name=code).click()
    expect(page.get_by_role("definition").first).to_have_text(code)


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def busy_ward(
    birth: Procedure,
    ward: Agency,
    make_citizen: Callable[..., User],
    journey_staff: dict[str, User],
) -> list[Dossier]:
    """A few dossiers of other people already in the ward's queue, as on any working day."""
    made = []
    for n, name in enumerate(["Lê Văn Cường", "Phạm Thị Dung", "Hoàng Minh Đức"]):
        applicant = make_citizen(full_name=name)
        form = {**BIRTH_FORM, "mother_full_name": name, "child_full_name": f"Con của {name}"}
        dossier, _ = services.submit_online(applicant, birth, ward, form, birth_files())
        if n >= 1:
            dossier = services.receive(
                dossier.pk,
                journey_staff["receiver"],
                {"TO_KHAI": (True, ""), "GIAY_CHUNG_SINH": (True, "")},
            )
        if n >= 2:
            dossier = services.assign(
                dossier.pk, journey_staff["receiver"], journey_staff["processor"]
            )
        made.append(dossier)
    return made


# --- the journey ----------------------------------------------------------------------------------


def test_birth_registration_from_search_to_rating(
    new_page: Callable[..., Page],
    axe_source: str,
    citizen: User,
    journey_staff: dict[str, User],
    busy_ward: list[Dossier],
    tmp_path: Path,
) -> None:
    certificate = write_pdf(tmp_path, "giay-chung-sinh.pdf", "Giấy chứng sinh")
    page = new_page()

    # Public pages and the login page.
    page.goto("/")
    check_accessibility(page, axe_source, "home")
    screenshot(page, "01-home")
    page.get_by_role("link", name=L("Log in", "Đăng nhập")).click()
    check_accessibility(page, axe_source, "login")

    # The citizen logs in with the personal ID number.
    log_in(page, citizen.personal_id)
    expect(log_out_button(page)).to_contain_text(citizen.full_name)

    # Keyboard only: Tab to the skip link, Enter to jump to the content, Tab to the search
    # field, type without diacritics, Enter.
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name=L("Skip to main content"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("searchbox", name=L("Search procedures"))).to_be_focused()
    page.keyboard.type("dang ky khai sinh")
    page.keyboard.press("Enter")

    # Found without diacritics.
    expect(page).to_have_url(re.compile(r"/procedures/\?q=dang"))
    expect(page.get_by_role("searchbox")).to_have_value("dang ky khai sinh")
    results = page.get_by_role("table")
    expect(results.get_by_role("link", name=BIRTH_NAME, exact=True)).to_be_visible()
    check_accessibility(page, axe_source, "procedure list")
    screenshot(page, "02-procedure-search")

    results.get_by_role("link", name=BIRTH_NAME, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(BIRTH_NAME)
    check_accessibility(page, axe_source, "procedure detail")
    screenshot(page, "03-procedure-detail")

    # Submit online: choose the agency.
    page.get_by_role("link", name=L("Submit online", "Nộp hồ sơ trực tuyến")).click()
    page.get_by_role("radio", name=WARD_NAME).check()
    page.get_by_role("button", name=L("Start", "Bắt đầu")).click()

    # The form is rendered from the procedure's JSON Schema. Submitting it empty shows errors.
    expect(page.get_by_role("heading", level=1)).to_have_text(BIRTH_NAME)
    submit = page.get_by_role("button", name=L("Submit dossier", "Nộp hồ sơ"))
    submit.click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    child_name = page.get_by_label("Họ, chữ đệm và tên người được khai sinh")
    expect(child_name).to_have_attribute("aria-invalid", "true")
    expect(summary).to_be_focused()
    check_accessibility(page, axe_source, "application form with errors")
    screenshot(page, "04-application-form-error")

    # The error summary links to the field.
    summary.get_by_role("link", name=re.compile("Họ, chữ đệm và tên người được khai sinh")).click()
    expect(child_name).to_be_focused()

    born = (timezone.localdate() - timedelta(days=12)).isoformat()
    child_name.fill("Nguyễn Minh Khôi")
    page.get_by_label("Ngày, tháng, năm sinh").fill(born)
    page.get_by_role("radio", name="Nam", exact=True).check()
    page.get_by_label("Nơi sinh").fill("Bệnh viện Phụ sản Hà Nội, 929 La Thành, Ba Đình")
    page.get_by_label("Họ, chữ đệm và tên người mẹ").fill(citizen.full_name)
    page.get_by_label("Quan hệ với người được khai sinh").select_option("Mẹ")
    # No upload for the declaration: the form filled in above is it (rendered at submission).
    page.get_by_label(re.compile("^Giấy chứng sinh")).set_input_files(certificate)

    # Save a draft, come back to it from "My dossiers", and submit.
    page.get_by_role("button", name=L("Save draft", "Lưu nháp")).click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_text(certificate.name)).to_be_visible()
    page.get_by_role("link", name=L("My dossiers", "Hồ sơ của tôi")).click()
    check_accessibility(page, axe_source, "my dossiers")
    page.get_by_role("row").filter(has_text=BIRTH_NAME).get_by_role("link").click()
    expect(page.get_by_label("Họ, chữ đệm và tên người được khai sinh")).to_have_value(
        "Nguyễn Minh Khôi"
    )
    expect(page.get_by_label("Quan hệ với người được khai sinh")).to_have_value("Mẹ")
    expect(page.get_by_text(certificate.name)).to_be_visible()
    check_accessibility(page, axe_source, "application form (draft)")
    page.set_viewport_size(MOBILE)
    screenshot(page, "05-application-form-mobile")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name=L("Submit dossier", "Nộp hồ sơ")).click()

    # The receipt code.
    code_cell = page.get_by_role("definition").first
    expect(code_cell).to_have_text(RECEIPT_CODE)
    code = code_cell.inner_text().strip()
    expect(page.get_by_role("status")).to_contain_text(code)
    expect(status_of(page)).to_have_text(vi(Status.SUBMITTED.label))
    # What happens next, rather than "due: —"; withdrawing is a secondary action, folded away.
    next_steps = page.get_by_role("region", name=L("What happens next"))
    expect(next_steps).to_contain_text(WARD_NAME)
    expect(next_steps).to_contain_text(citizen.email)
    expect(page.locator(".actions")).to_have_count(0)
    expect(action_form(page, "Withdraw this dossier")).to_be_hidden()
    page.get_by_text(L("Withdraw this dossier")).click()
    expect(action_form(page, "Withdraw this dossier")).to_be_visible()
    check_accessibility(page, axe_source, "dossier detail (citizen)")
    log_out(page)

    # The receiving official lands on the queue: the dossier, the intake checklist, the
    # assignment.
    log_in(page, "tiepnhan.badinh")
    expect(page).to_have_url(re.compile(r"/backoffice/$"))
    expect(page.get_by_role("link", name=code)).to_be_visible()
    check_accessibility(page, axe_source, "back-office queue")
    screenshot(page, "07-back-office-queue")
    page.get_by_role("link", name=code).click()
    expect(page.get_by_role("definition").first).to_have_text(code)
    expect(page.get_by_role("main")).to_contain_text(citizen.full_name)
    check_accessibility(page, axe_source, "dossier detail (official)")
    screenshot(page, "08-back-office-dossier")
    receive = action_form(page, "Receive", "Tiếp nhận")
    # Nothing is marked for the receiver: two documents provided, two choices each, none
    # chosen (the optional third was not provided).
    marks = receive.get_by_role("radio")
    expect(marks).to_have_count(4)
    for n in range(4):
        expect(marks.nth(n)).not_to_be_checked()
    receive.get_by_role("button", name=L("Receive", "Tiếp nhận")).click()
    expect(page.get_by_role("alert").or_(page.locator(".messages"))).to_be_visible()
    expect(status_of(page)).to_have_text(vi(Status.SUBMITTED.label))
    # Each file opens inline in the checklist, then is marked.
    receive = action_form(page, "Receive", "Tiếp nhận")
    receive.get_by_text(re.compile(re.escape(certificate.name))).first.click()
    preview = receive.locator("iframe:visible").first
    expect(preview).to_be_visible()
    src = preview.get_attribute("src") or ""
    shown = page.request.get(src)
    assert shown.ok and shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"].startswith("inline")
    assert shown.body() == certificate.read_bytes()
    for document in ("Tờ khai đăng ký khai sinh", "Giấy chứng sinh"):
        receive.get_by_role("group", name=re.compile(re.escape(document))).get_by_role(
            "radio", name=L("Valid", "Hợp lệ")
        ).check()
    check_accessibility(page, axe_source, "intake checklist with a preview")
    receive.get_by_role("button", name=L("Receive", "Tiếp nhận")).click()
    expect(status_of(page)).to_have_text(vi(Status.RECEIVED.label))

    assign = action_form(page, "Assign", "Phân công")
    assign.get_by_role("combobox").select_option(label="Đỗ Quang Huy")
    assign.get_by_role("button", name=L("Assign", "Phân công")).click()
    expect(status_of(page)).to_have_text(vi(Status.PROCESSING.label))
    check_accessibility(page, axe_source, "dossier detail (official, processing)")

    # The counter filing page, for the accessibility check.
    page.get_by_role("link", name=L("Back office", "Một cửa điện tử")).click()
    page.get_by_role("link", name=L("File a dossier at the counter")).click()
    labelled(page, "#procedure").select_option("1.001193")
    page.get_by_role("button", name=L("Choose")).click()
    expect(page.get_by_label("Họ, chữ đệm và tên người được khai sinh")).to_be_visible()
    check_accessibility(page, axe_source, "counter filing")
    log_out(page)

    # The assigned processor proposes the result: the draft is drawn up from its template.
    log_in(page, "xuly.badinh")
    open_in_back_office(page, code)
    propose = action_form(page, "Propose the result")
    propose.get_by_label(L("Note to the approver (optional)")).fill("Đủ điều kiện đăng ký.")
    propose.get_by_role("button", name=L("Propose the result")).click()
    expect(status_of(page)).to_have_text(vi(Status.AWAITING_APPROVAL.label))
    log_out(page)

    # The approver reads the draft on the page, then approves: exactly that draft is signed.
    log_in(page, "pheduyet.badinh")
    open_in_back_office(page, code)
    draft = page.get_by_role("region", name=L("Draft result awaiting approval"))
    frame = draft.locator("iframe")
    expect(frame).to_be_visible()
    previewed = page.request.get(frame.get_attribute("src") or "")
    assert previewed.ok and previewed.headers["content-type"] == "application/pdf"
    assert previewed.headers["x-frame-options"] == "SAMEORIGIN"
    digest = hashlib.sha256(previewed.body()).hexdigest()
    expect(draft).to_contain_text(digest)
    check_accessibility(page, axe_source, "dossier awaiting approval (approver)")
    screenshot(page, "08b-draft-result-preview")
    approve = action_form(page, "Approve", "Phê duyệt")
    assert approve.locator("input[name=draft_sha256]").get_attribute("value") == digest
    approve.get_by_role("button", name=L("Approve", "Phê duyệt")).click()
    expect(status_of(page)).to_have_text(vi(Status.RESULT_READY.label))
    signed = read_stored(Dossier.objects.get(code=code).result_file)
    assert hashlib.sha256(signed[: len(previewed.body())]).hexdigest() == digest
    log_out(page)

    # The receiver returns the result.
    log_in(page, "tiepnhan.badinh")
    open_in_back_office(page, code)
    give_back = action_form(page, "Return the result", "Trả kết quả")
    give_back.get_by_role("button", name=L("Return the result", "Trả kết quả")).click()
    expect(status_of(page)).to_have_text(vi(Status.RETURNED.label))
    log_out(page)

    # The citizen sees the result returned, downloads the receipt and the result, and rates.
    log_in(page, citizen.personal_id)
    page.get_by_role("link", name=L("My dossiers", "Hồ sơ của tôi")).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=code))
    returned = row.locator(".status")
    expect(returned).to_have_text(L("Returned", "Đã trả kết quả"))
    expect(returned).to_have_text(vi(Status.RETURNED.label))
    check_accessibility(page, axe_source, "my dossiers (returned)")
    row.get_by_role("link", name=code).click()

    # Fetched with the page's session (a click would open the receipt in the PDF viewer).
    for name in (L("Receipt slip (PDF)"), L("Download the result (PDF)")):
        href = page.get_by_role("link", name=name).get_attribute("href")
        download = page.request.get(href or "")
        assert download.ok, name
        assert download.headers["content-type"] == "application/pdf"
        assert download.body().startswith(b"%PDF")

    rate = action_form(page, "Rate", "Đánh giá")
    rate.get_by_role("radio").last.check()
    rate.get_by_label(L("Comment (optional)")).fill("Nhanh, cán bộ hướng dẫn tận tình.")
    rate.get_by_role("button", name=L("Rate", "Đánh giá")).click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(action_form(page, "Rate", "Đánh giá")).to_have_count(0)
    history = page.get_by_role("region", name=L("History"))
    expect(history.get_by_role("listitem")).to_have_count(8)  # draft … signed, returned, rated
    check_accessibility(page, axe_source, "dossier detail (citizen, returned)")
    screenshot(page, "06-citizen-dossier")
    log_out(page)

    # Anyone can track the dossier by its receipt code: the status, never the applicant.
    page.get_by_role("link", name=L("Track a dossier", "Tra cứu hồ sơ")).click()
    page.get_by_role("textbox", name=L("Receipt code")).fill(code)
    page.get_by_role("button", name=L("Track", "Tra cứu")).click()
    expect(page.locator("dd .status")).to_have_text(vi(Status.RETURNED.label))
    main = page.get_by_role("main")
    expect(main).to_contain_text(code)
    expect(main).not_to_contain_text(citizen.full_name)
    expect(main).not_to_contain_text(citizen.personal_id)
    check_accessibility(page, axe_source, "tracking")
    screenshot(page, "09-tracking")

    page.get_by_role("textbox", name=L("Receipt code")).fill("H26.31-20260101-9999999")
    page.get_by_role("button", name=L("Track", "Tra cứu")).click()
    expect(page.get_by_role("alert")).to_be_visible()


def test_an_official_signs_in_with_totp(
    new_page: Callable[..., Page], axe_source: str, journey_staff: dict[str, User]
) -> None:
    """The first login sets up the authenticator app (QR code or key, then a code); later logins
    ask for the code only."""
    official = journey_staff["receiver"]
    page = new_page()
    page.goto("/login/?next=/backoffice/")
    password_step(page, official.username)

    # Enrolment: the QR code as an image with a text alternative, the key as text.
    expect(page.get_by_role("heading", level=1)).to_have_text(L("Set up two-step verification"))
    qr = page.get_by_role("img", name=L("QR code to add this account to an authenticator app"))
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
    expect(page.locator("#totp-secret")).to_have_text(re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{4})+$"))
    code = labelled(page, "#id_code")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")
    check_accessibility(page, axe_source, "two-step verification set-up")
    screenshot(page, "10-two-step-setup")

    # A wrong code is refused, with the error announced and linked to the field.
    code.fill("000000" if app_code(page) != "000000" else "111111")
    page.get_by_role("button", name=L("Confirm and log in")).click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    check_accessibility(page, axe_source, "two-step verification set-up with an error")
    page.wait_for_timeout(1500)  # django-otp slows down guessing for a second after a wrong code

    labelled(page, "#id_code").fill(app_code(page))
    page.get_by_role("button", name=L("Confirm and log in")).click()
    expect(page).to_have_url(re.compile(r"/backoffice/$"))
    expect(log_out_button(page)).to_contain_text(official.full_name)
    assert TOTPDevice.objects.get(user=official).confirmed
    log_out(page)

    # Later logins: the code only.
    page.get_by_role("link", name=L("Log in", "Đăng nhập")).click()
    password_step(page, official.username)
    expect(page.get_by_role("heading", level=1)).to_have_text(L("Two-step verification"))
    expect(page.get_by_role("img")).to_have_count(0)
    check_accessibility(page, axe_source, "two-step verification")
    screenshot(page, "11-two-step-code")
    enter_code(page, official.username)
    expect(log_out_button(page)).to_be_visible()
    page.get_by_role("link", name=L("Back office", "Một cửa điện tử")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(L("Dossier queue", prefix=True))


def test_an_agency_admin_manages_officials(
    new_page: Callable[..., Page],
    axe_source: str,
    ward: Agency,
    journey_staff: dict[str, User],
    make_official: Callable[..., User],
) -> None:
    """Quản lý cán bộ: the agency's officials and roles, a role granted and revoked, an account
    created; every page checked for accessibility."""
    admin = make_official(ward, "agency_admin", username="quantri.badinh")
    processor = journey_staff["processor"]
    page = new_page()
    log_in(page, admin.username)
    page.goto("/officials/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        L("Officials and roles", prefix=True)
    )
    row = page.get_by_role("row").filter(has_text=processor.username)
    expect(row).to_contain_text(vi("Processor"))
    check_accessibility(page, axe_source, "officials of an agency")

    grant = page.get_by_role("form", name=L("Grant a role"))
    grant.get_by_label(L("Official")).select_option(str(processor.pk))
    grant.get_by_label(L("Role")).select_option("approver")
    grant.get_by_role("button", name=L("Grant")).click()
    expect(page.get_by_role("status")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=processor.username)
    expect(row).to_contain_text(vi("Approver"))
    row.get_by_role("button", name=re.compile(re.escape(vi("Approver")))).click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=processor.username)).not_to_contain_text(
        vi("Approver")
    )

    page.get_by_role("link", name=L("Create an official account")).click()
    page.get_by_role("button", name=L("Create the account")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_accessibility(page, axe_source, "new official account with errors")
    labelled(page, "#id_full_name").fill("Phan Văn Mới")
    labelled(page, "#id_username").fill("tiepnhan2.badinh")
    labelled(page, "#id_password").fill("Tiep-nhan@2026-moi")
    page.get_by_role("group", name=L("Roles in this agency")).get_by_role(
        "checkbox", name=L("Receiver")
    ).check()
    page.get_by_role("button", name=L("Create the account")).click()
    expect(page.get_by_role("row").filter(has_text="tiepnhan2.badinh")).to_contain_text(
        vi("Receiver")
    )


def test_language_switch(new_page: Callable[..., Page], axe_source: str, birth: Procedure) -> None:
    page = new_page()
    page.goto(f"/procedures/{birth.code}/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text(BIRTH_NAME)

    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(re.compile(rf"/procedures/{re.escape(birth.code)}/$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Birth registration")
    expect(page.get_by_role("link", name="Log in", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Submit online", exact=True)).to_be_visible()
    expect(page.get_by_role("columnheader", name="Document", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")
    check_accessibility(page, axe_source, "procedure detail in English")

    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text(BIRTH_NAME)
    expect(page.get_by_role("link", name=vi("Log in"), exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=vi("Submit online"), exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Tiếng Việt")).to_have_attribute("aria-current", "true")


def test_live_search_updates_the_results(
    new_page: Callable[..., Page], axe_source: str, catalog: Any
) -> None:
    """With JavaScript, the list follows what is typed (htmx), and the address keeps up."""
    page = new_page()
    page.goto("/procedures/")
    results = page.get_by_role("table")
    expect(results.get_by_role("link", name=BIRTH_NAME, exact=True)).to_be_visible()
    page.get_by_role("searchbox").fill("ho chieu")
    expect(
        results.get_by_role("link", name="Cấp hộ chiếu phổ thông ở trong nước", exact=True)
    ).to_be_visible()
    expect(results.get_by_role("link", name=BIRTH_NAME, exact=True)).to_have_count(0)
    expect(page).to_have_url(re.compile(r"q=ho(\+|%20)chieu"))
    # The results were replaced, not nested inside the old ones, and the count is announced.
    expect(page.locator("[id=results]")).to_have_count(1)
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^\D*1\D*$"))
    check_accessibility(page, axe_source, "procedure list after a live search")


def test_pages_work_without_javascript(
    new_page: Callable[..., Page],
    citizen: User,
    ward: Agency,
    birth: Procedure,
    tmp_path: Path,
) -> None:
    """Search, log in, fill, attach, submit and track with scripts disabled."""
    page = new_page(java_script_enabled=False)
    page.goto("/")
    page.get_by_role("searchbox").fill("dang ky khai sinh")
    page.get_by_role("button", name=L("Search", "Tìm kiếm")).click()
    page.get_by_role("table").get_by_role("link", name=BIRTH_NAME, exact=True).click()

    # Not logged in yet: the login page sends the citizen on to the start page.
    page.get_by_role("link", name=L("Submit online", "Nộp hồ sơ trực tuyến")).click()
    labelled(page, "#id_username").fill(citizen.personal_id)
    page.get_by_label(L("Password", "Mật khẩu")).fill(PASSWORD)
    page.get_by_role("button", name=L("Log in", "Đăng nhập")).click()
    page.get_by_role("radio", name=WARD_NAME).check()
    page.get_by_role("button", name=L("Start", "Bắt đầu")).click()

    page.get_by_label("Họ, chữ đệm và tên người được khai sinh").fill("Trần Gia Hân")
    page.get_by_label("Ngày, tháng, năm sinh").fill(
        (timezone.localdate() - timedelta(days=3)).isoformat()
    )
    page.get_by_role("radio", name="Nữ", exact=True).check()
    page.get_by_label("Nơi sinh").fill("Bệnh viện Bạch Mai")
    page.get_by_label("Họ, chữ đệm và tên người mẹ").fill(citizen.full_name)
    page.get_by_label("Quan hệ với người được khai sinh").select_option("Mẹ")
    page.get_by_label(re.compile("^Giấy chứng sinh")).set_input_files(
        write_pdf(tmp_path, "chung-sinh.pdf", "Giấy chứng sinh")
    )
    page.get_by_role("button", name=L("Submit dossier", "Nộp hồ sơ")).click()
    code_cell = page.get_by_role("definition").first
    expect(code_cell).to_have_text(RECEIPT_CODE)
    code = code_cell.inner_text().strip()
    assert Dossier.objects.get(code=code).status == Status.SUBMITTED

    page.get_by_role("link", name=L("Track a dossier", "Tra cứu hồ sơ")).click()
    page.get_by_role("textbox", name=L("Receipt code")).fill(code)
    page.get_by_role("button", name=L("Track", "Tra cứu")).click()
    expect(page.locator("dd .status")).to_have_text(vi(Status.SUBMITTED.label))


def test_other_forms_and_errors_are_accessible(
    new_page: Callable[..., Page],
    axe_source: str,
    citizen: User,
    staff: dict[str, User],
    make_dossier: Callable[..., Dossier],
) -> None:
    """The pages the journey does not reach: a failed login, a supplement request, the
    processor's and approver's forms, and the counter form with errors."""
    awaiting = make_dossier(Status.AWAITING_SUPPLEMENT)
    processing = make_dossier(Status.PROCESSING)
    page = new_page()

    page.goto("/login/")
    labelled(page, "#id_username").fill(citizen.personal_id)
    page.get_by_label(L("Password", "Mật khẩu")).fill("not the password")
    page.get_by_role("button", name=L("Log in", "Đăng nhập")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_accessibility(page, axe_source, "login with an error")

    log_in(page, citizen.personal_id)
    page.goto(f"/dossiers/{awaiting.pk}/")
    supplement = action_form(page, "Send the supplement")
    expect(supplement.get_by_label(re.compile("^Giấy chứng sinh"))).to_be_visible()
    page.get_by_text(L("Withdraw this dossier")).click()
    expect(action_form(page, "Withdraw this dossier")).to_be_visible()
    check_accessibility(page, axe_source, "dossier awaiting a supplement (citizen)")
    log_out(page)

    for role in ("processor", "approver"):
        log_in(page, staff[role].username)
        page.goto(f"/dossiers/{processing.pk}/")
        expect(action_form(page, "Reject")).to_be_visible()
        check_accessibility(page, axe_source, f"dossier being processed ({role})")
        log_out(page)

    log_in(page, staff["receiver"].username)
    page.goto(f"/backoffice/counter/?procedure={processing.procedure.code}")
    page.get_by_role("button", name=L("Receive the dossier")).click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    summary.get_by_role(
        "link", name=re.compile(re.escape(vi("Personal ID number (12 digits)")))
    ).click()
    expect(page.locator("#personal_id")).to_be_focused()
    expect(page.locator("#personal_id")).to_have_attribute("aria-invalid", "true")
    check_accessibility(page, axe_source, "counter filing with errors")
