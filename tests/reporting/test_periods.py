"""Reporting periods and deadlines: month, quarter, half-year and year boundaries, working days
across Tết 2027, days of the month, and when a submission is late."""

from datetime import date

import pytest

from egov.reporting.periods import due_date, ended_periods, following_period, is_late
from egov.reporting.periods import period_containing as containing
from tests.conftest import vn


@pytest.mark.parametrize(
    ("period", "day", "expected"),
    [
        ("monthly", date(2026, 2, 14), (date(2026, 2, 1), date(2026, 2, 28))),
        ("monthly", date(2028, 2, 29), (date(2028, 2, 1), date(2028, 2, 29))),
        ("monthly", date(2026, 12, 31), (date(2026, 12, 1), date(2026, 12, 31))),
        ("quarterly", date(2026, 3, 31), (date(2026, 1, 1), date(2026, 3, 31))),
        ("quarterly", date(2026, 4, 1), (date(2026, 4, 1), date(2026, 6, 30))),
        ("quarterly", date(2026, 11, 23), (date(2026, 10, 1), date(2026, 12, 31))),
        ("half_yearly", date(2026, 6, 30), (date(2026, 1, 1), date(2026, 6, 30))),
        ("half_yearly", date(2026, 7, 1), (date(2026, 7, 1), date(2026, 12, 31))),
        ("yearly", date(2027, 1, 1), (date(2027, 1, 1), date(2027, 12, 31))),
    ],
)
def test_period_containing_a_day(period: str, day: date, expected: tuple[date, date]) -> None:
    assert containing(period, day) == expected


def test_following_periods_cross_the_year() -> None:
    assert following_period("monthly", date(2026, 12, 1)) == (date(2027, 1, 1), date(2027, 1, 31))
    assert following_period("quarterly", date(2026, 10, 1)) == (
        date(2027, 1, 1),
        date(2027, 3, 31),
    )
    assert following_period("half_yearly", date(2026, 7, 1)) == (
        date(2027, 1, 1),
        date(2027, 6, 30),
    )


def test_only_ended_periods_open() -> None:
    # From mid-October: October's report opens on October 31, not before.
    assert ended_periods("monthly", date(2026, 10, 15), date(2026, 10, 30)) == []
    assert ended_periods("monthly", date(2026, 10, 15), date(2026, 12, 1)) == [
        (date(2026, 10, 1), date(2026, 10, 31)),
        (date(2026, 11, 1), date(2026, 11, 30)),
    ]
    assert ended_periods("quarterly", date(2026, 1, 1), date(2026, 12, 30)) == [
        (date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 6, 30)),
        (date(2026, 7, 1), date(2026, 9, 30)),
    ]
    assert ended_periods("yearly", date(2026, 5, 1), date(2026, 12, 31)) == [
        (date(2026, 1, 1), date(2026, 12, 31))
    ]


def test_working_day_deadline_skips_tet_2027() -> None:
    # January 2027 ends on a Sunday; Mon 1 – Wed 3 February are working days, then the Tết
    # holiday runs from Thursday 4 to Wednesday 10 February: the 5th working day is Friday 12.
    assert due_date("working_days", 5, date(2027, 1, 31)) == date(2027, 2, 12)
    assert due_date("working_days", 3, date(2027, 1, 31)) == date(2027, 2, 3)
    assert due_date("working_days", 4, date(2027, 1, 31)) == date(2027, 2, 11)
    # An ordinary month: October 2026 ends on a Saturday; 5 working days → Friday 6 November.
    assert due_date("working_days", 5, date(2026, 10, 31)) == date(2026, 11, 6)


def test_day_of_month_deadline() -> None:
    assert due_date("day_of_month", 15, date(2026, 12, 31)) == date(2027, 1, 15)
    assert due_date("day_of_month", 31, date(2027, 1, 31)) == date(2027, 2, 28)
    assert due_date("day_of_month", 20, date(2026, 9, 30)) == date(2026, 10, 20)


def test_late_means_after_the_due_day_in_hanoi() -> None:
    due = date(2026, 11, 6)
    assert not is_late(vn(2026, 11, 6, 23, 59), due)
    assert is_late(vn(2026, 11, 7, 0, 0), due)
    assert is_late(vn(2026, 11, 9, 9, 0), due)
