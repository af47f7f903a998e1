"""Working days: Monday–Friday, minus Vietnamese public holidays (Tết included, from the `holidays` package),
minus extra days off, plus swapped working days that an administrator records as CalendarDay rows."""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays

from .models import CalendarDay

ONE_DAY = datetime.timedelta(days=1)


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


class WorkingCalendar:
    """Loads the administrator's exceptions once (one query), then answers in memory."""

    def __init__(self, exceptions: dict[datetime.date, str] | None = None):
        if exceptions is None:
            exceptions = dict(CalendarDay.objects.values_list("date", "kind"))
        self.exceptions = exceptions

    def is_working_day(self, day: datetime.date) -> bool:
        kind = self.exceptions.get(day)
        if kind == CalendarDay.Kind.WORKING_DAY:
            return True
        if kind == CalendarDay.Kind.DAY_OFF:
            return False
        return day.weekday() < 5 and day not in _public_holidays(day.year)

    def add(self, start: datetime.date, days: int) -> datetime.date:
        """The date ``days`` working days after ``start`` (``start`` itself does not count)."""
        step = ONE_DAY if days >= 0 else -ONE_DAY
        day, remaining = start, abs(days)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days in (start, end]; 0 when end is not after start."""
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            count += self.is_working_day(day)
        return count
