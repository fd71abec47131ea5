"""What a procedure's page tells a citizen before filing: where to file it (address, opening hours,
hotline of each receiving agency), the blank form to print, and a fee estimate that is what a
dossier will be charged."""

import io
from itertools import chain, combinations

import pytest
from django.test import Client
from pypdf import PdfReader

from egov.catalog import fees
from egov.catalog.models import Procedure
from egov.catalog.selectors import performing_agencies
from egov.core.models import Agency
from egov.payments.fees import compute_fees

pytestmark = pytest.mark.usefixtures("catalog")


def page(client: Client, code: str, query: str = "", language: str = "vi") -> str:
    response = client.get(f"/procedures/{code}/{query}", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


# --- where to file ---------------------------------------------------------------------------------


def test_every_procedure_is_performed_by_agencies_that_publish_how_to_reach_them(
    catalog: dict[str, Procedure],
) -> None:
    for code, procedure in catalog.items():
        agencies = performing_agencies(procedure)
        assert agencies, code
        for agency in agencies:
            missing = [
                field
                for field in ("address", "phone", "opening_hours", "opening_hours_en")
                if not getattr(agency, field)
            ]
            assert not missing, (code, agency.code, missing)


def test_the_page_gives_each_receiving_agencys_address_hours_and_hotline(
    client: Client, agencies: dict[str, Agency]
) -> None:
    police = agencies["000.31.04.H26"]  # Công an phường Ba Đình performs the absence declaration
    vietnamese = page(client, "1.003677")
    assert "Nơi tiếp nhận hồ sơ" in vietnamese
    for agency in performing_agencies(Procedure.objects.get(code="1.003677", is_current=True)):
        assert agency.address in vietnamese
        assert agency.opening_hours in vietnamese
        assert f'href="tel:{agency.phone.replace(" ", "")}"' in vietnamese
    assert police.address in vietnamese
    english = page(client, "1.003677", language="en")
    assert "Where to file" in english and police.opening_hours_en in english
    assert police.opening_hours not in english


# --- blank forms -----------------------------------------------------------------------------------


def test_every_procedure_offers_its_form_blank_to_print(
    client: Client, catalog: dict[str, Procedure]
) -> None:
    for code, procedure in catalog.items():
        assert f'href="/procedures/{code}/to-khai.pdf"' in page(client, code)
        response = client.get(f"/procedures/{code}/to-khai.pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="to-khai-{code}.pdf"'
        text = " ".join(
            " ".join(p.extract_text().split())
            for p in PdfReader(io.BytesIO(response.content)).pages
        )
        assert f"TỜ KHAI {procedure.name.upper()}"[:40] in text, code
        # Every question of the online form is on the paper one, with its choices to tick.
        for name, prop in procedure.form_schema["properties"].items():
            assert " ".join(prop["title"].split()) in text, (code, name)
            for choice in prop.get("enum", []):
                assert f"☐ {choice}" in text, (code, name, choice)


def test_an_unknown_procedure_has_no_form() -> None:
    assert Client().get("/procedures/9.999999/to-khai.pdf").status_code == 404


# --- fee estimate ----------------------------------------------------------------------------------


def _claim_sets(procedure: Procedure) -> list[tuple[str, ...]]:
    codes = [
        r["code"] for r in procedure.definition.get("reductions", []) if r["applies"] == "group"
    ]
    return list(chain.from_iterable(combinations(codes, n) for n in range(len(codes) + 1)))


def test_the_estimate_is_what_a_dossier_is_charged(catalog: dict[str, Procedure]) -> None:
    for code, procedure in catalog.items():
        definition = procedure.definition
        for copies in (1, 3):
            for claims in _claim_sets(procedure):
                estimate = fees.estimate(definition, copies=copies, claims=claims)
                form = fees.form_data_for(definition, copies)
                for channel, total in (
                    ("counter", estimate.counter_total),
                    ("online", estimate.online_total),
                ):
                    charged = compute_fees(
                        definition, channel=channel, form_data=form, claims=claims
                    )
                    assert [getattr(line, channel) for line in estimate.lines] == [
                        line.amount for line in charged.lines
                    ], (code, copies, claims, channel)
                    assert total == charged.total


def test_the_page_estimates_the_fees_at_the_counter_and_online(client: Client) -> None:
    # Temporary residence: 40,000 đồng at the counter, halved online; exempt groups pay nothing.
    html = page(client, "1.004194")
    assert 'id="fee-estimate"' in html
    assert "<td><strong>40.000 ₫</strong></td>" in html
    assert '<strong class="online-total">20.000 ₫</strong>' in html
    exempt = page(client, "1.004194", "?claim=MIEN_NHOM_UU_TIEN")
    assert '<strong class="online-total">Miễn phí</strong>' in exempt
    assert 'value="MIEN_NHOM_UU_TIEN" checked' in exempt
    # Certified copies are charged per copy: 2,000 đồng each, 1,000 online.
    copies = page(client, "2.000815", "?copies=4")
    assert "<td><strong>8.000 ₫</strong></td>" in copies
    assert '<strong class="online-total">4.000 ₫</strong>' in copies
    english = page(client, "2.000815", "?copies=4", language="en")
    assert "At the counter" in english and "8,000 ₫" in english


@pytest.mark.parametrize(
    ("query", "copies"), [("?copies=abc", 1), ("?copies=-5", 1), ("?copies=99999", 50)]
)
def test_a_strange_number_of_copies_is_kept_within_the_form(
    client: Client, catalog: dict[str, Procedure], query: str, copies: int
) -> None:
    limit = fees.copies_limit(catalog["2.000815"].definition)
    assert limit == 50  # the form's maximum of copies
    html = page(client, "2.000815", query)
    assert f'name="copies" type="number" min="1" max="50" value="{copies}"' in html


def test_a_procedure_without_fees_says_so(client: Client) -> None:
    html = page(client, "1.003677")
    estimate_section = html.split('id="fee-estimate"', 1)[1].split("<h2", 1)[0]
    assert "<p>Không thu phí</p>" in estimate_section and "<table" not in estimate_section
