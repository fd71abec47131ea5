"""Every page fits a phone: at 320 and 390 CSS pixels no page scrolls sideways, whoever looks at
it (the public, a citizen, the one-stop-shop officials, the reporting administrators). Wide
tables scroll inside their own box, long words wrap; the page itself never grows wider than the
screen."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Page

from egov.catalog.models import Procedure
from egov.core.models import Agency
from egov.dossiers import services
from egov.dossiers.models import Dossier
from egov.identity.models import User
from egov.reporting.models import Regime, Report
from tests.conftest import BIRTH_FORM, birth_files, log_in, pdf_upload

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("e2e"),
]

WIDTHS = (320, 390)
WARD = "000.00.31.H26"
CITIZEN = "001192000002"  # the demo's Trần Thị Bình, who has a received birth dossier

#: The widest element that pokes out of the screen, to name it in a failure.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  let worst = null;
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX !== 'visible' && style.position !== 'static') return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (clipped(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 && (!worst || r.right > worst.right)) {
      worst = {right: Math.round(r.right), tag: el.tagName.toLowerCase(),
               cls: el.className && el.className.baseVal === undefined ? el.className : '',
               text: (el.textContent || '').trim().slice(0, 60)};
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, worst};
}"""


@pytest.fixture
def demo(agencies: dict[str, Agency]) -> Iterator[dict[str, Any]]:
    """The demo data, plus what else a phone user meets: a draft, a dossier with fees, a
    resolved one, reporting regimes and reports."""
    call_command("load_demo")
    citizen = User.objects.get(username=CITIZEN)
    ward = agencies[WARD]
    birth = Procedure.objects.get(code="1.001193", is_current=True)
    copies = Procedure.objects.get(code="2.000815", is_current=True)
    draft = services.start_draft(citizen, birth, ward)
    services.save_draft(draft.pk, citizen, {"child_full_name": "Trần Minh An"}, {})
    fees, _ = services.submit_online(
        citizen,
        copies,
        ward,
        {
            "requester_full_name": "Trần Thị Bình",
            "requester_personal_id": CITIZEN,
            "document_name": "Bằng tốt nghiệp đại học",
            "issuing_authority": "Trường Đại học Bách khoa Hà Nội",
            "pages": 1,
            "copies": 3,
        },
        {"BAN_CHINH": pdf_upload("Bản chính")},
    )
    submitted, _ = services.submit_online(citizen, birth, ward, BIRTH_FORM, birth_files())
    received = Dossier.objects.filter(applicant=citizen, procedure=birth, code__isnull=False)
    regime = Regime.objects.first()
    yield {
        "citizen": citizen,
        "draft": draft,
        "fees": fees,
        "submitted": submitted,
        "received": received.exclude(pk=submitted.pk).first(),
        "regime": regime,
        "report": Report.objects.filter(agency=ward).first(),
    }


def pages_of(demo: dict[str, Any]) -> dict[str | None, list[str]]:
    """Every page, by who looks at it (None: anyone)."""
    procedures = Procedure.objects.filter(is_current=True).order_by("code")
    received, regime, report = demo["received"], demo["regime"], demo["report"]
    return {
        None: [
            "/",
            "/procedures/",
            "/procedures/?q=dang+ky",
            *[f"/procedures/{p.code}/" for p in procedures],
            "/track/",
            f"/track/?code={received.code}",
            "/verify/",
            "/login/",
            "/account/register/",
            "/chi-so/",
            "/chi-so/co-quan/000.00.00.H26/",
            f"/chi-so/co-quan/{WARD}/",
        ],
        CITIZEN: [
            "/dossiers/",
            f"/dossiers/{received.pk}/",
            f"/dossiers/{demo['submitted'].pk}/",
            f"/dossiers/{demo['draft'].pk}/edit/",
            f"/dossiers/{demo['fees'].pk}/",
            f"/dossiers/{demo['fees'].pk}/fees/",
            "/repository/",
            "/account/",
            "/account/organisations/",
        ],
        "tiepnhan.badinh": [
            "/backoffice/",
            "/backoffice/counter/",
            f"/backoffice/counter/?agency={WARD}&procedure=1.001193",
            f"/dossiers/{received.pk}/",
            f"/dossiers/{demo['submitted'].pk}/",
            f"/dossiers/{demo['fees'].pk}/fees/",
        ],
        "pheduyet.badinh": ["/backoffice/", "/backoffice/results/"],
        "quantri.badinh": [
            "/reporting/",
            f"/reporting/reports/{report.pk}/",
            "/officials/",
            f"/officials/{WARD}/",
        ],
        "quantri.sotuphap": [
            "/reporting/",
            "/reporting/dashboard/",
            "/reporting/regimes/new/",
            f"/reporting/regimes/{regime.pk}/",
            f"/reporting/regimes/{regime.pk}/edit/",
        ],
    }


def _sign_in(page: Page, username: str, base_url: str) -> None:
    """The session of a logged-in user (with the official's second factor), given to the
    browser as its cookie: the login pages themselves are visited logged out."""
    client = Client()
    log_in(client, User.objects.get(username=username))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways_on_a_phone(
    new_page: Callable[..., Page], live_server: Any, demo: dict[str, Any], width: int
) -> None:
    too_wide = []
    for username, urls in pages_of(demo).items():
        page = new_page(viewport={"width": width, "height": 740})
        if username:
            _sign_in(page, username, live_server.url)
        for url in urls:
            response = page.goto(url)
            assert response is not None and response.status == 200, f"{url}: {response}"
            found = page.evaluate(OVERFLOW)
            if found["scroll"] > width:
                too_wide.append(
                    f"{username or 'public'} {url}: {found['scroll']}px {found['worst']}"
                )
    assert not too_wide, f"pages wider than {width}px:\n" + "\n".join(too_wide)
