"""eCabinet in a real browser, checked with axe-core: the administrator gives the seats; the
secretariat prepares a meeting and opens it; two members (one on a tablet) check in and see the
current item change and the conclusion appear without reloading; the signed minutes download;
an opinion sheet with a restricted draft is answered by the three members (one reads it on a
tablet first), closes by itself and its signed summary verifies. The meeting page and the room
fit a tablet's width."""

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from egov.cabinet.constants import SeatRole
from egov.cabinet.models import Body, Seat
from egov.core.models import Agency
from egov.identity.models import User
from egov.records.verification import Outcome, verify_pdf
from tests.e2e import conftest as e2e
from tests.e2e.test_journey import L, check_accessibility, log_in, screenshot, write_pdf
from tests.e2e.test_phone_width import OVERFLOW

browser, new_page, axe_source = e2e.browser, e2e.new_page, e2e.axe_source

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]

CITY = "000.00.00.H26"
TABLET = {"width": 820, "height": 1180}
LIVE = 15_000  # the room polls every 3 s


@pytest.fixture
def seated(agencies: dict[str, Agency], make_official: Callable[..., User]) -> dict[str, User]:
    body = Body.objects.create(
        code="ubnd-ha-noi", name="Ủy ban nhân dân thành phố Hà Nội", agency=agencies[CITY]
    )
    people = {}
    for username, full_name, role in (
        ("chutich.hanoi", "Nguyễn Văn Thành", SeatRole.CHAIR),
        ("phochutich.hanoi", "Lê Thị Hồng", SeatRole.VICE_CHAIR),
        ("uyvien.hanoi", "Phạm Quốc Bảo", SeatRole.MEMBER),
        ("thuky.hanoi", "Đỗ Minh Châu", SeatRole.SECRETARY),
        ("quantri.hanoi", "Vũ Thị Lan", SeatRole.ADMIN),
    ):
        person = make_official(agencies[CITY], username=username)
        person.full_name = full_name
        person.save(update_fields=["full_name"])
        Seat.objects.create(body=body, user=person, role=role)
        people[username] = person
    return people


def fits_the_width(page: Page, what: str) -> None:
    """The page does not scroll sideways (at the tablet's width, where it is checked)."""
    width = page.evaluate(
        "() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert width["scroll"] <= width["inner"], (
        f"{what} scrolls sideways ({page.url}): {width}, widest: {page.evaluate(OVERFLOW)}"
    )


def on_a_tablet(page: Page, what: str) -> None:
    """The page, seen at the tablet's size, fits its width; then back to the desktop."""
    page.set_viewport_size(TABLET)
    fits_the_width(page, what)
    page.set_viewport_size(e2e.DESKTOP)


def answer(page: Page, choices: list[str], opinion: str = "") -> None:
    page.goto("/ecabinet/")
    page.get_by_role("link", name="Dự thảo Nghị quyết về bảng giá đất năm 2027").click()
    for n, choice in enumerate(choices, 1):
        group = page.get_by_role("group", name=re.compile(rf"^(Câu hỏi|Question) {n}\."))
        group.get_by_role("radio", name=L(choice)).check()
        if choice == "Other opinion":
            group.get_by_role("textbox").fill(opinion)
    page.get_by_role("button", name=L("Save my answers")).click()
    expect(page.locator(".messages")).to_be_visible()


def test_a_meeting_and_an_opinion_sheet_without_paper(
    new_page: Callable[..., Page], axe_source: str, seated: dict[str, User], tmp_path: Path
) -> None:
    admin = new_page()
    log_in(admin, "quantri.hanoi")
    admin.goto("/ecabinet/")
    admin.get_by_role("link", name=L("Members and roles")).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(L("Members and roles"))
    check_accessibility(admin, axe_source, "the seats page")

    secretary = new_page()
    log_in(secretary, "thuky.hanoi")
    secretary.get_by_role("link", name=L("Paperless meetings")).click()
    check_accessibility(secretary, axe_source, "the eCabinet desk")
    secretary.get_by_role("link", name=L("New meeting")).click()
    secretary.locator("#title").fill("Phiên họp thường kỳ tháng 12")
    starts = timezone.localtime(timezone.now() + timedelta(hours=1))
    secretary.locator("#starts_at").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    secretary.locator("#place").fill("Phòng họp số 1")
    secretary.locator("#items").fill(
        "Tình hình kinh tế - xã hội tháng 11 | Sở Tài chính | 30\n"
        "Bảng giá đất năm 2027 | Sở Nông nghiệp và Môi trường | 45"
    )
    check_accessibility(secretary, axe_source, "preparing a meeting")
    secretary.get_by_role("button", name=L("Save the meeting")).click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text("Phiên họp thường kỳ tháng 12")
    check_accessibility(secretary, axe_source, "the meeting page (secretariat)")
    on_a_tablet(secretary, "the meeting page (secretariat)")
    secretary.get_by_role("button", name=L("Send the invitations")).click()
    secretary.get_by_role("button", name=L("Open the meeting")).click()
    expect(secretary.get_by_role("heading", level=1)).to_have_text(L("Meeting room"))
    on_a_tablet(secretary, "the meeting room (secretariat)")

    members = []
    for username in ("chutich.hanoi", "phochutich.hanoi"):
        # The vice-chair follows the meeting on a tablet.
        member = new_page(viewport=TABLET) if username == "phochutich.hanoi" else new_page()
        log_in(member, username)
        member.goto("/ecabinet/")
        member.get_by_role("link", name="Phiên họp thường kỳ tháng 12").click()
        check_accessibility(member, axe_source, "the meeting page (member)")
        if username == "phochutich.hanoi":
            fits_the_width(member, "the meeting page on a tablet")
        member.get_by_role("link", name=L("Enter the meeting room")).click()
        member.get_by_role("button", name=L("I am present")).click()
        expect(member.locator(".current-item")).to_contain_text("Tình hình kinh tế")
        members.append(member)
    fits_the_width(members[1], "the meeting room on a tablet")
    check_accessibility(members[0], axe_source, "the meeting room")
    # Caught mid-refresh (it polls every 3 s), the room stays legible.
    members[0].locator("#room [hx-trigger^='every']").evaluate(
        "region => region.classList.add('htmx-request')"
    )
    check_accessibility(members[0], axe_source, "the meeting room while it refreshes")
    expect(members[1].locator("#room")).to_contain_text(re.compile(r"2\s*/\s*3|2 of 3"))

    # The secretariat moves on; both members' rooms follow without reloading.
    secretary.locator("#item").select_option(label="2. Bảng giá đất năm 2027")
    secretary.get_by_role("button", name=L("Move")).click()
    secretary.locator("#conclusion").fill("Thống nhất trình Hội đồng nhân dân thành phố.")
    secretary.get_by_role("button", name=L("Record the conclusion")).click()
    for member in members:
        expect(member.locator(".current-item")).to_contain_text(
            "Bảng giá đất năm 2027", timeout=LIVE
        )
        expect(member.locator(".conclusion")).to_contain_text(
            "Thống nhất trình Hội đồng nhân dân", timeout=LIVE
        )
    screenshot(members[0], "40-cabinet-room")
    members[0].get_by_role("button", name=L("Ask to speak")).click()
    expect(secretary.locator("#room")).to_contain_text("Nguyễn Văn Thành", timeout=LIVE)
    secretary.get_by_role("button", name=L("Close the meeting and sign the minutes")).click()
    expect(secretary.get_by_role("link", name=re.compile(r"^[A-Z0-9]{4}"))).to_be_visible()
    # A member downloads the signed minutes from the meeting page: the file verifies.
    members[1].goto(secretary.url)
    check_accessibility(members[1], axe_source, "the closed meeting page (member)")
    fits_the_width(members[1], "the closed meeting page on a tablet")
    with members[1].expect_download() as downloading:
        members[1].get_by_role("link", name=L("Download the signed minutes (PDF)")).click()
    assert verify_pdf(Path(downloading.value.path()).read_bytes()).outcome == Outcome.VALID

    # An opinion sheet with a restricted draft.
    draft = write_pdf(tmp_path, "du-thao.pdf", "Dự thảo Nghị quyết về bảng giá đất")
    secretary.goto("/ecabinet/")
    secretary.get_by_role("link", name=L("New opinion sheet")).click()
    secretary.locator("#title").fill("Dự thảo Nghị quyết về bảng giá đất năm 2027")
    secretary.locator("#kind").select_option("resolution")
    secretary.locator("#questions").fill(
        "Đồng ý thông qua dự thảo Nghị quyết?\nĐồng ý áp dụng từ ngày 01/01/2027?"
    )
    deadline = timezone.localtime(timezone.now() + timedelta(days=3))
    secretary.locator("#deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    secretary.locator("#paper").set_input_files(str(draft))
    secretary.locator("#confidentiality").select_option("restricted")
    check_accessibility(secretary, axe_source, "drafting an opinion sheet")
    secretary.get_by_role("button", name=L("Save the draft sheet")).click()
    secretary.get_by_role("button", name=L("Send to the members")).click()
    expect(secretary.locator(".messages")).to_be_visible()

    tablet = new_page(viewport=TABLET)
    log_in(tablet, "uyvien.hanoi")
    tablet.goto("/ecabinet/")
    tablet.get_by_role("link", name="Dự thảo Nghị quyết về bảng giá đất năm 2027").click()
    tablet.get_by_role("link", name="Dự thảo Nghị quyết về bảng giá đất năm 2027").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text(
        "Dự thảo Nghị quyết về bảng giá đất năm 2027"
    )
    tablet.locator("#text").fill("Khoản 2 cần làm rõ")
    tablet.get_by_role("button", name=L("Add the note")).click()
    expect(tablet.get_by_role("complementary")).to_contain_text("Khoản 2 cần làm rõ")
    check_accessibility(tablet, axe_source, "the reader on a tablet")
    screenshot(tablet, "41-cabinet-reader")

    answer(members[0], ["Agree", "Agree"])
    check_accessibility(members[0], axe_source, "an answered opinion sheet")
    answer(members[1], ["Agree", "Disagree"])
    secretary.reload()
    expect(secretary.locator("#tally")).to_contain_text("2")
    answer(tablet, ["Other opinion", "Disagree"], "Đề nghị bổ sung đánh giá tác động")
    screenshot(tablet, "42-cabinet-sheet")

    # All three answered: closed, counted and signed by itself.
    secretary.reload()
    summary = secretary.get_by_role("link", name=re.compile(r"^[A-Z0-9]{4}"))
    expect(summary).to_be_visible()
    expect(secretary.locator("#tally")).to_contain_text(re.compile("Thông qua|Adopted"))
    check_accessibility(secretary, axe_source, "the tally and the signed summary")
    screenshot(secretary, "43-cabinet-tally")
    # The member on the tablet sees the published tally and downloads the signed summary.
    tablet.reload()
    expect(tablet.locator("#tally")).to_contain_text("Đề nghị bổ sung đánh giá tác động")
    with tablet.expect_download() as downloading:
        tablet.get_by_role("link", name=L("Download the signed summary (PDF)")).click()
    assert verify_pdf(Path(downloading.value.path()).read_bytes()).outcome == Outcome.VALID
    summary.click()
    expect(secretary.locator("[data-outcome]")).to_have_attribute("data-outcome", "valid")
    expect(secretary.locator("[data-outcome]")).to_contain_text(
        "Dự thảo Nghị quyết về bảng giá đất"
    )
