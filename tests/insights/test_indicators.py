"""Local dossiers → facts → counts → indicators, incrementally and by rebuild."""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from egov.core.models import Agency
from egov.dossiers import hooks
from egov.dossiers import services as dossiers
from egov.dossiers.constants import Status
from egov.dossiers.models import Dossier, DossierEvent
from egov.identity.models import User
from egov.insights.constants import COUNTER_NAMES, COUNTERS
from egov.insights.definitions import indicators, percentage
from egov.insights.models import DossierFact
from egov.insights.services import counts, indicator_values, national_values, rebuild

from .conftest import count_rows

pytestmark = pytest.mark.django_db
KEYS = {
    "online_dossier_rate",
    "full_process_online_rate",
    "online_payment_rate",
    "digitisation_rate",
    "electronic_result_rate",
    "reuse_rate",
    "on_time_rate",
    "satisfaction_rate",
}


def event(dossier: Dossier, kind: str, **data: object) -> None:
    """An event written by another part (payments, records), as the one event writer writes it:
    appended, then the ``dossiers.event_recorded`` hooks (the projection) run."""
    written = DossierEvent.objects.create(
        dossier=dossier, kind=kind, data=data, from_status=dossier.status, to_status=dossier.status
    )
    for listener in hooks.event_recorded:
        listener(written)


def today() -> date:
    return timezone.localdate()


def test_definitions_are_data_with_every_indicator() -> None:
    assert {i.key for i in indicators()} == KEYS
    online = next(i for i in indicators() if i.key == "online_dossier_rate")
    assert online.name_vi == "Tỷ lệ hồ sơ trực tuyến"
    assert online.group == "online_services"
    assert set(COUNTER_NAMES) == set(COUNTERS)  # every numerator and denominator says what it is


def test_percentage_rounds_half_up_to_two_decimals() -> None:
    assert percentage(30_994_321, 52_033_997) == Decimal("59.57")
    assert percentage(1, 8) == Decimal("12.50")
    assert percentage(1, 800) == Decimal("0.13")  # 0.125 rounds up
    assert percentage(0, 0) is None
    assert percentage(5, 0) is None


def test_no_dossiers_no_denominators(agencies: dict[str, Agency]) -> None:
    values = indicator_values(agencies["000.00.00.H26"], date(2020, 1, 1), date(2020, 12, 31))
    assert values == dict.fromkeys(KEYS)


def test_a_returned_online_dossier_counts_in_its_unit_its_province_and_the_nation(
    make_dossier: Callable[..., Dossier],
    ward: Agency,
    agencies: dict[str, Agency],
    citizen: User,
    staff: dict[str, User],
) -> None:
    dossier = make_dossier(Status.RESULT_READY)
    event(dossier, "paid", channel="online", amount=8000, payment="VNP-1")
    event(dossier, "result_signed", document="KS-2026-0001")
    event(dossier, "component_reused", component="CCCD", document=42)
    dossier = dossiers.return_result(dossier.pk, staff["receiver"])
    dossiers.rate(dossier.pk, citizen, 3)

    fact = DossierFact.objects.get(dossier_id=dossier.pk)
    assert (fact.code, fact.channel, fact.status) == (dossier.code, "online", 10)
    assert (fact.payments, fact.payments_online, fact.results, fact.e_results) == (1, 1, 1, 1)
    assert fact.reused and fact.digitised
    assert fact.on_time is True and fact.rating == 3

    expected = dict.fromkeys(KEYS, Decimal("100.00"))  # birth registration is full-process
    province = agencies["000.00.00.H26"]
    assert indicator_values(ward, today(), today()) == expected
    assert indicator_values(province, today(), today()) == expected
    assert national_values(today(), today()) == expected
    # A ministry has none of it.
    assert indicator_values(agencies["000.00.00.G01"], today(), today()) == dict.fromkeys(KEYS)


def test_refused_at_intake_is_not_counted_as_received(
    make_dossier: Callable[..., Dossier], ward: Agency
) -> None:
    make_dossier(Status.REFUSED)
    make_dossier(Status.RECEIVED)
    values = indicator_values(ward, today(), today())
    assert values["online_dossier_rate"] == Decimal("100.00")
    fact_statuses = sorted(DossierFact.objects.values_list("status", flat=True))
    assert fact_statuses == [2, 3]


def test_counter_dossier_is_digitised_only_when_scanned_and_signed(
    make_dossier: Callable[..., Dossier], ward: Agency
) -> None:
    online = make_dossier(Status.RESULT_READY)
    event(online, "result_signed", document="A")
    scanned = make_dossier(Status.RESULT_READY)
    Dossier.objects.filter(pk=scanned.pk).update(channel="counter")
    scanned.refresh_from_db()
    event(scanned, "digitised", components=["TOKHAI"])
    event(scanned, "result_signed", document="B")
    paper = make_dossier(Status.RESULT_READY)
    # A result handed over on paper: no signed electronic result (approval signs one by default).
    DossierEvent.objects.filter(dossier=paper, kind="result_signed").delete()
    Dossier.objects.filter(pk=paper.pk).update(channel="counter")
    paper.refresh_from_db()
    event(paper, "digitised", components=["TOKHAI"])  # scanned, but the result is on paper
    event(paper, "paid", channel="counter", amount=8000, payment="BL-1")

    values = indicator_values(ward, today(), today())
    assert values["digitisation_rate"] == Decimal("66.67")
    assert values["electronic_result_rate"] == Decimal("66.67")
    assert values["online_dossier_rate"] == Decimal("33.33")
    assert values["online_payment_rate"] == Decimal("0.00")
    assert values["on_time_rate"] is None  # nothing returned yet


def test_online_payment_rate_counts_payment_transactions_not_dossiers(
    make_dossier: Callable[..., Dossier], ward: Agency
) -> None:
    # One dossier pays its fee online and a charge at the counter: two transactions, one online
    # (as a dossier "paid online" it used to count 1 of 1, 100 %).
    both = make_dossier(Status.RECEIVED)
    event(both, "paid", channel="online", amount=8000, payment="VNP-1")
    event(both, "paid", channel="counter", amount=2000, payment="BL-1")
    # Another pays online twice (a fee before intake, a charge before the result).
    twice = make_dossier(Status.RECEIVED)
    event(twice, "paid", channel="online", amount=8000, payment="VNP-2")
    event(twice, "paid", channel="online", amount=5000, payment="VNP-3")
    make_dossier(Status.RECEIVED)  # no fee: no transaction

    fact = DossierFact.objects.get(dossier_id=both.pk)
    assert (fact.payments, fact.payments_online) == (2, 1)
    values = indicator_values(ward, today(), today())
    assert values["online_payment_rate"] == Decimal("75.00")  # 3 of 4 transactions
    counted = counts(ward.pk, today(), today())
    assert (counted["received"], counted["payments"], counted["payments_online"]) == (3, 4, 3)


def test_a_dossier_crossing_months_counts_in_each_month_of_its_own_events(
    birth: object, ward: Agency, citizen: User, staff: dict[str, User]
) -> None:
    from tests.conftest import BIRTH_CHECKLIST, BIRTH_FORM, birth_files

    with time_machine.travel(datetime(2026, 1, 30, 9, tzinfo=timezone.get_current_timezone())):
        dossier, _ = dossiers.submit_online(citizen, birth, ward, BIRTH_FORM, birth_files())  # type: ignore[arg-type]
        dossiers.receive(dossier.pk, staff["receiver"], BIRTH_CHECKLIST)
    with time_machine.travel(datetime(2026, 2, 2, 8, tzinfo=timezone.get_current_timezone())):
        dossiers.assign(dossier.pk, staff["receiver"], staff["processor"])
        dossiers.propose(dossier.pk, staff["processor"])
        dossiers.approve(dossier.pk, staff["approver"])
        dossiers.return_result(dossier.pk, staff["receiver"])

    january = indicator_values(ward, date(2026, 1, 1), date(2026, 1, 31))
    february = indicator_values(ward, date(2026, 2, 1), date(2026, 2, 28))
    assert january["online_dossier_rate"] == Decimal("100.00")
    assert january["on_time_rate"] is None
    assert february["online_dossier_rate"] is None
    assert february["on_time_rate"] == Decimal("100.00")
    quarter = indicator_values(ward, date(2026, 1, 1), date(2026, 3, 31))
    assert quarter["online_dossier_rate"] == quarter["on_time_rate"] == Decimal("100.00")


def test_rebuild_gives_the_same_counts_as_the_incremental_path(
    make_dossier: Callable[..., Dossier], citizen: User, staff: dict[str, User]
) -> None:
    for status in (Status.SUBMITTED, Status.RECEIVED, Status.REFUSED, Status.REJECTED):
        make_dossier(status)
    returned = make_dossier(Status.RETURNED)
    event(returned, "paid", channel="online", amount=8000, payment="VNP-9")
    dossiers.rate(returned.pk, citizen, 1)
    withdrawn = make_dossier(Status.WITHDRAWN)
    incremental = count_rows()
    assert incremental

    assert rebuild() == 0  # the facts were already right
    assert count_rows() == incremental
    # A rebuild also repairs counts that were lost.
    DossierFact.objects.filter(dossier_id=withdrawn.pk).delete()
    call_command("rebuild_indicators", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert count_rows() == incremental
