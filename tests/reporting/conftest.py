"""Fixtures of the reporting tests: a department that asks two wards for a monthly report."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from egov.core.models import Agency
from egov.identity.models import User
from egov.reporting import services
from egov.reporting.models import Regime

CITY = "000.00.00.H26"
DEPARTMENT = "000.00.01.H26"  # Sở Tư pháp
WARD = "000.00.31.H26"
OTHER_WARD = "000.00.32.H26"
COMMUNE = "000.00.33.H26"

FIELDS = [
    {"code": "received", "label": "Hồ sơ tiếp nhận", "kind": "integer", "required": True,
     "prefill": "count:received"},
    {"code": "returned", "label": "Hồ sơ đã trả kết quả", "kind": "integer", "required": True,
     "prefill": "count:returned"},
    {"code": "on_time", "label": "Trả đúng hạn", "kind": "integer", "required": True,
     "prefill": "count:returned_on_time"},
    {"code": "on_time_rate", "label": "Tỷ lệ đúng hạn (%)", "kind": "decimal",
     "aggregate": "ratio", "ratio_of": ["on_time", "returned"]},
    {"code": "satisfaction", "label": "Mức hài lòng (%)", "kind": "decimal", "aggregate": "mean"},
    {"code": "notes", "label": "Ghi chú", "kind": "text"},
]  # fmt: skip


@pytest.fixture
def department(agencies: dict[str, Agency]) -> Agency:
    return agencies[DEPARTMENT]


@pytest.fixture
def city(agencies: dict[str, Agency]) -> Agency:
    return agencies[CITY]


@pytest.fixture
def dept_admin(department: Agency, make_official: Callable[..., User]) -> User:
    return make_official(department, "agency_admin", username="quantri.sotuphap")


@pytest.fixture
def ward_admin(staff: dict[str, User]) -> User:
    return staff["agency_admin"]


@pytest.fixture
def other_ward_admin(agencies: dict[str, Agency], make_official: Callable[..., User]) -> User:
    return make_official(agencies[OTHER_WARD], "agency_admin", username="quantri.hoankiem")


@pytest.fixture
def make_regime(
    dept_admin: User, department: Agency, agencies: dict[str, Agency]
) -> Callable[..., Regime]:
    def make(**values: Any) -> Regime:
        settings: dict[str, Any] = {
            "title": "Báo cáo tình hình giải quyết TTHC",
            "period": "monthly",
            "deadline_kind": "working_days",
            "deadline_value": 5,
            "scope": "chosen",
            "chosen": [agencies[WARD], agencies[OTHER_WARD]],
            "fields": FIELDS,
            "first_period_start": date(2026, 10, 1),
        }
        settings.update(values)
        actor = settings.pop("actor", dept_admin)
        agency = settings.pop("agency", department)
        return services.define_regime(actor, agency, **settings)

    return make
