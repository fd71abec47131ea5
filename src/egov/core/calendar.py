"""The working-day calendar ("ngày làm việc") that every legal deadline is counted in.

Weekends and Vietnamese public holidays are excluded, with Tết following the lunar calendar and
swapped working Saturdays counted as working days; all of it comes from the ``holidays`` package.
Moments are aware datetimes; the calendar reasons in Asia/Ho_Chi_Minh dates.
"""

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
#: A moment that falls outside working days starts counting from this time of the next working day.
WORKDAY_START = time(8, 0)


@lru_cache(maxsize=64)
def _holidays_for(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def is_working_day(day: date) -> bool:
    """True when ``day`` is neither a weekend (unless a swapped working Saturday) nor a holiday."""
    return bool(_holidays_for(day.year).is_working_day(day))


def holiday_name(day: date) -> str | None:
    """The holiday's name when ``day`` is a public holiday."""
    return _holidays_for(day.year).get(day)


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("working-day arithmetic needs an aware datetime")
    return moment.astimezone(VIETNAM)


def next_working_moment(moment: datetime) -> datetime:
    """``moment`` itself on a working day, else the start of the next working day."""
    local = _local(moment)
    if is_working_day(local.date()):
        return local
    day = local.date() + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, WORKDAY_START, tzinfo=VIETNAM)


def add_working_days(moment: datetime, days: int) -> datetime:
    """The same clock time ``days`` working days after ``moment``.

    A moment on a non-working day is first moved to the start of the next working day, so a
    dossier received online on Saturday with 3 working days is due on Thursday at 08:00.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    start = next_working_moment(moment)
    day = start.date()
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, start.time(), tzinfo=VIETNAM)


def working_days_between(start: datetime, end: datetime) -> int:
    """Whole working days from ``start`` to ``end``: the working dates after start's date up to
    and including end's date, less one when end's clock time is earlier than start's.

    It is the inverse of :func:`add_working_days`: ``working_days_between(m, add_working_days(m, n))
    == n`` for a working moment ``m``. Negative when ``end`` is before ``start``.
    """
    if end < start:
        return -working_days_between(end, start)
    first, last = next_working_moment(start), _local(end)
    if last <= first:
        return 0
    count = 0
    day = first.date()
    while day < last.date():
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    if is_working_day(last.date()) and last.time() < first.time() and count:
        count -= 1
    return count


def _working_seconds_of_day(day: date, start: datetime, end: datetime) -> float:
    if not is_working_day(day):
        return 0.0
    day_start = datetime.combine(day, time(0), tzinfo=VIETNAM)
    day_end = day_start + timedelta(days=1)
    return max((min(end, day_end) - max(start, day_start)).total_seconds(), 0.0)


def working_time_between(start: datetime, end: datetime) -> timedelta:
    """The time from ``start`` to ``end`` that falls on working days (whole calendar days count).

    It measures what is left of a deadline when a legal clock stops.
    """
    if end <= start:
        return timedelta(0)
    first, last = _local(start), _local(end)
    seconds = 0.0
    day = first.date()
    while day <= last.date():
        seconds += _working_seconds_of_day(day, first, last)
        day += timedelta(days=1)
    return timedelta(seconds=seconds)
