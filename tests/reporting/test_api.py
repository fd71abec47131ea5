"""The reporting API end to end: define (idempotently), save a draft, submit, correct, and read
who has submitted and the roll-up, as JSON and as files."""

import csv
import io
import json
from typing import Any

import pytest
import time_machine
from django.test import Client

from egov.identity.models import User
from egov.reporting.models import Regime
from tests.conftest import bearer, vn

from .conftest import DEPARTMENT, FIELDS, OTHER_WARD, WARD

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reporting"
BODY = {
    "agency": DEPARTMENT,
    "title": "Báo cáo tháng",
    "period": "monthly",
    "deadline_kind": "working_days",
    "deadline_value": 5,
    "scope": "chosen",
    "chosen": [WARD, OTHER_WARD],
    "fields": FIELDS,
    "first_period_start": "2026-10-01",
}


def call(client: Client, method: str, path: str, user: User, body: Any = None, **headers: str):
    return getattr(client, method)(
        BASE + path,
        json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers={**bearer(user), **headers},
    )


@time_machine.travel(vn(2026, 11, 4, 9), tick=False)
def test_define_fill_submit_correct_and_roll_up(
    dept_admin: User, ward_admin: User, other_ward_admin: User
) -> None:
    client = Client()
    first = call(client, "post", "/regimes", dept_admin, BODY, **{"Idempotency-Key": "k1"})
    again = call(client, "post", "/regimes", dept_admin, BODY, **{"Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Regime.objects.count() == 1
    other = call(
        client,
        "post",
        "/regimes",
        dept_admin,
        {**BODY, "title": "Khác"},
        **{"Idempotency-Key": "k1"},
    )
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    regime = first.json()
    assert [f["aggregate"] for f in regime["fields"]] == [
        "sum",
        "sum",
        "sum",
        "ratio",
        "mean",
        "none",
    ]

    mine = call(client, "get", "/reports", ward_admin).json()["items"]
    assert [(r["agency_code"], r["period_start"], r["due_date"]) for r in mine] == [
        (WARD, "2026-10-01", "2026-11-06")
    ]
    report_id = mine[0]["id"]
    detail = call(client, "get", f"/reports/{report_id}", ward_admin).json()
    assert detail["suggested"] == {"received": 0, "returned": 0, "on_time": 0}
    assert detail["can_fill"] is True
    draft = call(
        client, "put", f"/reports/{report_id}/draft", ward_admin, {"values": {"received": 4}}
    )
    assert draft.status_code == 200 and draft.json()["status"] == "draft"
    # The department follows the report but does not see the ward's draft.
    followed = call(client, "get", f"/reports/{report_id}", dept_admin).json()
    assert (followed["status"], followed["values"], followed["suggested"]) == ("draft", {}, {})
    refused = call(client, "post", f"/reports/{report_id}/submit", ward_admin, {})
    assert refused.status_code == 422 and set(refused.json()["errors"]) == {"returned", "on_time"}
    values = {"received": 4, "returned": 4, "on_time": 3, "satisfaction": "75,5"}
    done = call(client, "post", f"/reports/{report_id}/submit", ward_admin, {"values": values})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["standing"], done.json()["revision"]) == (
        "submitted",
        "on_time",
        1,
    )
    again = call(client, "post", f"/reports/{report_id}/submit", ward_admin, {"values": values})
    assert again.status_code == 422 and set(again.json()["errors"]) == {"reason"}
    fixed = call(
        client,
        "post",
        f"/reports/{report_id}/submit",
        ward_admin,
        {"values": {**values, "on_time": 4}, "reason": "Nhầm số liệu"},
    )
    assert fixed.status_code == 200 and fixed.json()["revision"] == 2
    stale = call(client, "put", f"/reports/{report_id}/draft", ward_admin, {"values": {}})
    assert stale.status_code == 409 and stale.json()["code"] == "invalid_state"

    other_id = call(client, "get", "/reports", other_ward_admin).json()["items"][0]["id"]
    with time_machine.travel(vn(2026, 11, 9, 9), tick=False):
        late = call(
            client,
            "post",
            f"/reports/{other_id}/submit",
            other_ward_admin,
            {"values": {"received": 6, "returned": 6, "on_time": 2, "satisfaction": 90}},
        )
    assert late.json()["standing"] == "late"

    rollup = call(client, "get", f"/regimes/{regime['id']}/rollup", dept_admin).json()
    assert rollup["counts"] == {"on_time": 1, "late": 1, "missing": 0}
    assert rollup["totals"] == {
        "received": "10",
        "returned": "10",
        "on_time": "6",
        "on_time_rate": "60.00",
        "satisfaction": "82.75",
        "notes": None,
    }
    exported = call(client, "get", f"/regimes/{regime['id']}/rollup.csv", dept_admin)
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[-1][5:10] == ["10", "10", "6", "60.00", "82.75"]
    pdf = call(client, "get", f"/regimes/{regime['id']}/rollup.pdf", dept_admin)
    assert pdf.status_code == 422 and pdf.json()["code"] == "invalid_input"
