"""Reporting periods and their deadlines, in dates of Hà Nội time.

Periods are calendar periods that start on January 1 (months, quarters, halves, years). A
deadline counts from the period's last day: the n-th working day after it (weekends and public
holidays, Tết included, skipped by :mod:`egov.core.calendar`), or a day of the following month
(the 31st is the month's last day in a shorter month).
"""

import calendar as gregorian
from datetime import date, datetime, time, timedelta

from egov.core import calendar

from .constants import PERIOD_MONTHS, DeadlineKind


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_containing(period: str, day: date) -> tuple[date, date]:
    """(first day, last day) of the period of kind ``period`` that contains ``day``."""
    months = PERIOD_MONTHS[period]
    start = date(day.year, (day.month - 1) // months * months + 1, 1)
    return start, _add_months(start, months) - timedelta(days=1)


def following_period(period: str, start: date) -> tuple[date, date]:
    """The period after the one starting on ``start``."""
    return period_containing(period, _add_months(start, PERIOD_MONTHS[period]))


def ended_periods(period: str, first: date, today: date) -> list[tuple[date, date]]:
    """Every period from the one containing ``first`` whose last day is ``today`` or earlier."""
    found = []
    start, end = period_containing(period, first)
    while end <= today:
        found.append((start, end))
        start, end = following_period(period, start)
    return found


def due_date(kind: str, value: int, period_end: date) -> date:
    """The last day on which a report for the period ending ``period_end`` is on time."""
    if kind == DeadlineKind.WORKING_DAYS:
        day, remaining = period_end, value
        while remaining:
            day += timedelta(days=1)
            if calendar.is_working_day(day):
                remaining -= 1
        return day
    month = _add_months(period_end, 1)
    last = gregorian.monthrange(month.year, month.month)[1]
    return month.replace(day=min(max(value, 1), last))


def is_late(moment: datetime, due: date) -> bool:
    """Submitted once the due day had ended in Hà Nội."""
    return moment >= datetime.combine(due + timedelta(days=1), time(0), tzinfo=calendar.VIETNAM)


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The aware moments [from, until) that the dates ``start``..``end`` cover in Hà Nội."""
    return (
        datetime.combine(start, time(0), tzinfo=calendar.VIETNAM),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=calendar.VIETNAM),
    )
