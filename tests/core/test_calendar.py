"""The working-day calendar: weekends, public holidays (lunar Tết included) and swapped Saturdays.

Every expected date below was worked out by hand from the official 2025–2027 calendars:
Tết 2026 is Mon 16/2 – Fri 20/2/2026, Tết 2027 Thu 4/2 – Wed 10/2/2027, Hùng Kings' day 2026
falls on Sunday 26/4 and is observed on Monday 27/4, Saturday 22/8/2026 is worked in exchange for
Monday 31/8/2026, and National Day 2026 is Tue 1/9 – Wed 2/9.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egov.core.calendar import (
    VIETNAM,
    add_working_days,
    holiday_name,
    is_working_day,
    next_working_moment,
    working_days_between,
    working_time_between,
)


def vn(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Fri before Tết
        (date(2026, 2, 14), False),  # Sat
        (date(2026, 2, 15), False),  # Sun
        (date(2026, 2, 16), False),  # Tết: Lunar New Year's Eve
        (date(2026, 2, 17), False),  # Tết: first day
        (date(2026, 2, 18), False),
        (date(2026, 2, 19), False),
        (date(2026, 2, 20), False),  # Tết: last day off
        (date(2026, 2, 23), True),  # back to work
        (date(2027, 2, 3), True),  # Wed before Tết 2027
        (date(2027, 2, 4), False),  # Tết 2027: 29th of the lunar year
        (date(2027, 2, 8), False),
        (date(2027, 2, 10), False),  # Tết 2027: last day off
        (date(2027, 2, 11), True),
        (date(2026, 4, 26), False),  # Hùng Kings' day on a Sunday
        (date(2026, 4, 27), False),  # ... observed on Monday
        (date(2026, 4, 28), True),
        (date(2026, 4, 30), False),  # Reunification Day
        (date(2026, 5, 1), False),  # Labour Day
        (date(2026, 5, 4), True),
        (date(2026, 8, 22), True),  # swapped working Saturday
        (date(2026, 8, 23), False),  # the Sunday after it is not
        (date(2026, 8, 29), False),  # an ordinary Saturday
        (date(2026, 8, 31), False),  # the day off given for 22/8
        (date(2026, 9, 1), False),  # National Day holiday
        (date(2026, 9, 2), False),  # National Day
        (date(2026, 9, 3), True),
        (date(2025, 9, 2), False),
        (date(2025, 4, 26), True),  # swapped working Saturday of 2025
        (date(2026, 3, 10), True),  # an ordinary Tuesday
    ],
)
def test_working_days(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_holiday_names() -> None:
    assert holiday_name(date(2026, 2, 17))
    assert holiday_name(date(2026, 9, 2))
    assert holiday_name(date(2026, 2, 23)) is None
    assert holiday_name(date(2026, 2, 14)) is None  # a weekend is not a holiday


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Received Friday before Tết 2026: Sat, Sun, five Tết days, Sat, Sun, then Mon Tue Wed.
        (vn(2026, 2, 13), 3, vn(2026, 2, 25)),
        (vn(2026, 2, 13), 1, vn(2026, 2, 23)),
        (vn(2026, 2, 13), 0, vn(2026, 2, 13)),
        (vn(2026, 2, 12, 16, 30), 2, vn(2026, 2, 23, 16, 30)),
        # Tết 2027 (Thu 4/2 – Wed 10/2/2027).
        (vn(2027, 2, 3, 9), 1, vn(2027, 2, 11, 9)),
        (vn(2027, 2, 3, 9), 3, vn(2027, 2, 15, 9)),
        # Hùng Kings' day observed on Monday 27/4/2026.
        (vn(2026, 4, 24), 1, vn(2026, 4, 28)),
        # 30/4 and 1/5/2026 (Thu, Fri), then the weekend.
        (vn(2026, 4, 29), 1, vn(2026, 5, 4)),
        (vn(2026, 4, 28), 3, vn(2026, 5, 5)),
        # The swapped working Saturday 22/8/2026 counts; Monday 31/8 and 1–2/9 do not.
        (vn(2026, 8, 21), 1, vn(2026, 8, 22)),
        (vn(2026, 8, 21), 2, vn(2026, 8, 24)),
        (vn(2026, 8, 28), 1, vn(2026, 9, 3)),
        # National Day 2025 (Mon 1/9 – Tue 2/9).
        (vn(2025, 8, 29), 1, vn(2025, 9, 3)),
        # New Year's Day 2027 (Friday) after a year boundary.
        (vn(2026, 12, 31), 1, vn(2027, 1, 4)),
        # An ordinary week.
        (vn(2026, 3, 9, 14, 5), 5, vn(2026, 3, 16, 14, 5)),
    ],
)
def test_add_working_days(start: datetime, days: int, due: datetime) -> None:
    result = add_working_days(start, days)
    assert result == due
    assert result.utcoffset() == timedelta(hours=7)
    assert working_days_between(start, result) == days


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Saturday before Tết: counting starts Monday 23/2/2026 at 08:00.
        (vn(2026, 2, 14, 10), 0, vn(2026, 2, 23, 8)),
        (vn(2026, 2, 14, 10), 3, vn(2026, 2, 26, 8)),
        # During Tết itself.
        (vn(2026, 2, 17, 15), 1, vn(2026, 2, 24, 8)),
        # An ordinary Saturday: due on Thursday at 08:00.
        (vn(2026, 3, 7, 22), 3, vn(2026, 3, 12, 8)),
        # Sunday 23/8/2026, the day after the swapped Saturday.
        (vn(2026, 8, 23, 9), 1, vn(2026, 8, 25, 8)),
        # Monday 31/8/2026 (day off) -> Thursday 3/9 is the first working day.
        (vn(2026, 8, 31, 9), 0, vn(2026, 9, 3, 8)),
    ],
)
def test_a_start_on_a_non_working_day_counts_from_the_next_working_morning(
    start: datetime, days: int, due: datetime
) -> None:
    assert next_working_moment(start) == add_working_days(start, 0)
    assert add_working_days(start, days) == due


def test_moments_are_read_in_vietnam_time() -> None:
    # 03:00 UTC is 10:00 in Hà Nội, Friday 13/2/2026.
    assert add_working_days(datetime(2026, 2, 13, 3, tzinfo=UTC), 3) == vn(2026, 2, 25)
    # 20:00 UTC on Friday is already Saturday 03:00 in Hà Nội: counting starts after Tết.
    assert add_working_days(datetime(2026, 2, 13, 20, tzinfo=UTC), 1) == vn(2026, 2, 24, 8)


def test_naive_moments_and_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 2, 13, 10), 1)
    with pytest.raises(ValueError):
        add_working_days(vn(2026, 2, 13), -1)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (vn(2026, 2, 13), vn(2026, 2, 25), 3),
        (vn(2026, 2, 13), vn(2026, 2, 25, 9, 59), 2),  # not yet the clock time of the start
        (vn(2026, 2, 13), vn(2026, 2, 20, 23), 0),  # all of Tết is not a working day
        (vn(2026, 2, 25), vn(2026, 2, 13), -3),
        (vn(2026, 2, 14, 12), vn(2026, 2, 23, 7), 0),  # before the first working morning
        (vn(2026, 2, 14, 12), vn(2026, 2, 24, 8), 1),
        (vn(2026, 8, 21), vn(2026, 8, 24), 2),  # Saturday 22/8 counts
        (vn(2026, 8, 28), vn(2026, 9, 3), 1),
        (vn(2026, 3, 9), vn(2026, 3, 14, 9), 4),  # ending on a Saturday
        (vn(2026, 3, 9), vn(2026, 3, 9, 16), 0),
    ],
)
def test_working_days_between(start: datetime, end: datetime, days: int) -> None:
    assert working_days_between(start, end) == days


_moments = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59),
    timezones=st.just(VIETNAM),
)
_working_moments = _moments.filter(lambda moment: is_working_day(moment.date()))


@settings(deadline=None)  # no timing threshold: the first call loads the holiday tables
@given(moment=_working_moments, days=st.integers(min_value=0, max_value=60))
def test_working_days_between_inverts_add_working_days(moment: datetime, days: int) -> None:
    due = add_working_days(moment, days)
    assert is_working_day(due.date())
    assert due >= moment
    assert due.time() == moment.time()
    assert working_days_between(moment, due) == days
    assert working_days_between(due, moment) == -days
    if days:
        # One moment earlier, a whole working day is still missing.
        assert working_days_between(moment, due - timedelta(microseconds=1)) == days - 1


@settings(deadline=None)
@given(moment=_moments, days=st.integers(min_value=0, max_value=30))
def test_any_start_moment_is_first_moved_to_a_working_moment(moment: datetime, days: int) -> None:
    start = next_working_moment(moment)
    assert start >= moment
    assert is_working_day(start.date())
    assert add_working_days(moment, days) == add_working_days(start, days)
    assert working_days_between(moment, add_working_days(moment, days)) == days


def test_working_time_between_counts_only_working_days() -> None:
    # Thu 12/2/2026 16:00 to Mon 23/2 10:00: 8 h on Thursday, Friday 13/2, 10 h on Monday;
    # the weekend and Tết (16–20/2) do not count.
    start = datetime(2026, 2, 12, 16, tzinfo=VIETNAM)
    end = datetime(2026, 2, 23, 10, tzinfo=VIETNAM)
    assert working_time_between(start, end) == timedelta(days=1, hours=18)
    assert working_time_between(end, start) == timedelta(0)
