"""Finding procedures: diacritics and case ignored, filtered by agency, field and online level."""

from typing import Any

import pytest
from django.test import Client

from egov.catalog.models import Procedure
from egov.catalog.selectors import (
    agencies_with_procedures,
    fields,
    performing_agencies,
    search_procedures,
)
from egov.core.models import Agency

pytestmark = pytest.mark.usefixtures("catalog")

#: Every procedure whose name or field reads "Đăng ký …" (the residence field is "Đăng ký, quản lý
#: cư trú", so the residence notification 2.001159 and the absence declaration 1.003677 are among
#: them; "Xóa đăng ký thường trú" and "Đăng ký thêm con dấu" too).
DANG_KY = {
    "1.000377",
    "1.000656",
    "1.000894",
    "1.001193",
    "1.001612",
    "1.003677",
    "1.004194",
    "1.004206",
    "1.004222",
    "1.005142",
    "2.001159",
    "9.000005",
    "9.000006",
    "9.000007",
    "9.000008",
}
#: What each agency performs: its sectors at its level.
BY_AGENCY = {
    # UBND phường Ba Đình (commune; justice, business, construction)
    "000.00.31.H26": {"1.000656", "1.000894", "1.001193", "1.001612", "1.013225", "2.000815"},
    # Công an phường Ba Đình (commune; police)
    "000.31.04.H26": {"1.000377", "1.003677", "1.004194", "1.004206", "1.004222", "2.001159"},
    # Công an thành phố Hà Nội (province; police, immigration)
    "000.00.04.H26": {
        "1.001456",
        "2.001178",
        "2.001194",
        "2.001195",
        "3.000347",
        "9.000004",
        "9.000005",
        "9.000006",
    },
    # Sở Tư pháp Hà Nội (province; justice)
    "000.00.01.H26": {"2.000488"},
    # Cục Quản lý xuất nhập cảnh (central; immigration)
    "000.00.05.G01": {"1.001456"},
    # Bộ Công an (central, no sectors of its own)
    "000.00.00.G01": set(),
    # Thuế cơ sở 1 thành phố Hà Nội (commune; tax)
    "001.01.10.G12": {"9.000007"},
    # Thuế thành phố Hà Nội (province, no sectors of its own)
    "000.01.10.G12": set(),
    # Văn phòng Đăng ký đất đai Hà Nội (province; land)
    "000.01.09.H26": {"9.000008"},
}


def codes(procedures: Any) -> set[str]:
    return {procedure.code for procedure in procedures}


@pytest.mark.parametrize(
    "query",
    [
        "dang ky khai sinh",
        "Đăng ký khai sinh",
        "ĐĂNG KÝ KHAI SINH",
        "  dang   KY khai  SINH ",
        "khai sinh",
        "1.001193",
        "birth",
    ],
)
def test_search_ignores_diacritics_case_and_spacing(query: str) -> None:
    assert codes(search_procedures(query)) == {"1.001193"}


@pytest.mark.parametrize("query", ["DANG KY", "dang ky", "đăng ký", "Đăng Ký"])
def test_search_finds_every_procedure_matching_all_words(query: str) -> None:
    assert codes(search_procedures(query)) == DANG_KY


def test_search_without_words_lists_every_current_procedure(catalog: dict[str, Procedure]) -> None:
    assert codes(search_procedures("")) == set(catalog)
    assert codes(search_procedures("khai sinh ket hon")) == set()  # every word must match


@pytest.mark.parametrize(("agency_code", "expected"), BY_AGENCY.items())
def test_an_agency_sees_the_procedures_of_its_sectors_and_level(
    agencies: dict[str, Agency], agency_code: str, expected: set[str]
) -> None:
    assert codes(search_procedures(agency=agencies[agency_code])) == expected


def test_filters_by_field_and_online_level() -> None:
    assert codes(search_procedures(field="HOTICH")) == {"1.000656", "1.000894", "1.001193"}
    assert codes(search_procedures(field="CUTRU")) == {
        "1.003677",
        "1.004194",
        "1.004206",
        "1.004222",
        "2.001159",
    }
    assert codes(search_procedures(online_level="partial")) == {
        "1.000894",
        "1.004194",
        "1.004222",
        "1.013225",
        "2.000815",
    }
    assert codes(search_procedures(online_level="none")) == set()
    assert codes(search_procedures(field="NO_SUCH_FIELD")) == set()


def test_filters_combine(agencies: dict[str, Agency]) -> None:
    ward = agencies["000.00.31.H26"]
    assert codes(search_procedures("dang ky", agency=ward)) == {
        "1.000656",
        "1.000894",
        "1.001193",
        "1.001612",
    }
    assert codes(search_procedures("dang ky", agency=ward, online_level="full")) == {
        "1.000656",
        "1.001193",
        "1.001612",
    }
    assert codes(search_procedures("", agency=ward, field="HOTICH", online_level="partial")) == {
        "1.000894"
    }


def test_only_current_versions_are_found(catalog: dict[str, Procedure]) -> None:
    birth = catalog["1.001193"]
    Procedure.objects.filter(pk=birth.pk).update(is_current=False)
    assert codes(search_procedures("khai sinh")) == set()


def test_performing_agencies_and_filter_lists(agencies: dict[str, Agency]) -> None:
    birth = Procedure.objects.get(code="1.001193", is_current=True)
    assert {a.code for a in performing_agencies(birth)} == {
        "000.00.31.H26",
        "000.00.32.H26",
        "000.00.33.H26",
    }
    performing = {a.code for a in agencies_with_procedures()}
    without_sectors = {"000.00.00.G01", "000.01.10.G12"}
    assert set(BY_AGENCY) - without_sectors <= performing
    assert not without_sectors & performing
    assert ("HOTICH", "Hộ tịch") in fields()


# --- API -------------------------------------------------------------------------------------------


def api_codes(client: Client, **params: str) -> set[str]:
    response = client.get("/api/v1/procedures", params)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(body["items"])
    return {item["code"] for item in body["items"]}


def test_api_search_ignores_diacritics_and_case(client: Client) -> None:
    assert api_codes(client, q="dang ky khai sinh") == {"1.001193"}
    assert api_codes(client, q="DANG KY") == DANG_KY
    assert api_codes(client, q="Đăng ký khai sinh") == {"1.001193"}


@pytest.mark.parametrize(("agency_code", "expected"), BY_AGENCY.items())
def test_api_filters_by_agency(client: Client, agency_code: str, expected: set[str]) -> None:
    assert api_codes(client, agency=agency_code) == expected


def test_api_filters_by_field_and_online_level(client: Client) -> None:
    assert api_codes(client, field="HOTICH") == {"1.000656", "1.000894", "1.001193"}
    assert api_codes(client, q="dang ky", agency="000.00.31.H26", online_level="full") == {
        "1.000656",
        "1.001193",
        "1.001612",
    }
    assert api_codes(client, agency="999.99.99.X99") == set()


def test_api_search_result_shape(client: Client) -> None:
    [item] = client.get("/api/v1/procedures", {"q": "khai sinh"}).json()["items"]
    assert item == {
        "code": "1.001193",
        "version": 3,
        "name": "Đăng ký khai sinh",
        "name_en": "Birth registration",
        "field_code": "HOTICH",
        "field_name": "Hộ tịch",
        "online_level": "full",
        "processing_days": 1,
        "online_processing_days": None,
        "verification_working_days": 5,
        "agency_levels": ["commune"],
    }


def test_api_procedure_detail(client: Client) -> None:
    response = client.get("/api/v1/procedures/1.001193")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "1.001193"
    assert body["definition"]["form"]["schema"]["required"][0] == "child_full_name"
    assert [c["code"] for c in body["definition"]["components"]] == [
        "TO_KHAI",
        "GIAY_CHUNG_SINH",
        "GIAY_DK_KET_HON",
    ]
    assert {a["code"] for a in body["agencies"]} == {
        "000.00.31.H26",
        "000.00.32.H26",
        "000.00.33.H26",
    }
    assert client.get("/api/v1/procedures/1.001193", {"version": 3}).status_code == 200


@pytest.mark.parametrize(
    ("path", "params"),
    [("/api/v1/procedures/9.999999", {}), ("/api/v1/procedures/1.001193", {"version": 9})],
)
def test_api_unknown_procedure_is_404(client: Client, path: str, params: dict[str, Any]) -> None:
    response = client.get(path, params)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- pages -----------------------------------------------------------------------------------------


def test_the_search_page_finds_without_diacritics(client: Client) -> None:
    response = client.get("/procedures/", {"q": "dang ky khai sinh"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Đăng ký khai sinh" in page
    assert "Đăng ký kết hôn" not in page
    assert "Cấp hộ chiếu phổ thông" not in page


def test_the_search_page_filters_by_agency(client: Client) -> None:
    response = client.get("/procedures/", {"agency": "000.00.04.H26"})
    assert response.status_code == 200
    listed = {procedure.code for procedure in response.context["page"].object_list}
    assert listed == BY_AGENCY["000.00.04.H26"]


def test_the_procedure_page(client: Client) -> None:
    response = client.get("/procedures/1.001193/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Đăng ký khai sinh" in page
    assert "Ủy ban nhân dân phường Ba Đình" in page
    assert client.get("/procedures/9.999999/").status_code == 404
