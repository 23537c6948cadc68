"""Working days by the official Chinese calendar, for reviewers' due dates.

Monday to Friday is wrong around public holidays: the State Council moves whole weeks
(National Day, Spring Festival) and makes some Saturdays and Sundays working days (调休).
The ``chinesecalendar`` package carries the official calendar for the years published when
it was released. Years it does not cover yet (the next year's calendar is announced each
November) go into a JSON file named by the ``workdays_file`` setting
(``CATALOG_WORKDAYS_FILE``)::

    {"years": [2027],
     "holidays": ["2027-01-01", "2027-02-05", ...],
     "workdays": ["2027-02-07", ...]}

``years`` lists the years the file describes completely (default: the years of the dates
it lists). In those years a day is a working day when it is a listed make-up workday, or a
Monday to Friday that is not a listed holiday. The file's dates also override the package's
in any year, to correct it. A day in a year neither covers raises ``WorkdayRangeError``
rather than silently falling back to Monday to Friday.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import chinese_calendar

if TYPE_CHECKING:
    from catalog.config import Settings

_PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


class WorkdayRangeError(ValueError):
    """A date lies outside every calendar the catalog knows."""


@dataclass(frozen=True)
class WorkCalendar:
    """The official calendar, completed or corrected by the operator's extra dates."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()
    source: str | None = None

    @classmethod
    def from_file(cls, path: str | Path) -> WorkCalendar:
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise WorkdayRangeError(f"cannot read the workdays file {path}: {exc}") from exc
        if not isinstance(raw, dict):
            raise WorkdayRangeError(f"{path}: expected an object with holidays and workdays")
        try:
            holidays = frozenset(date.fromisoformat(d) for d in raw.get("holidays", []))
            workdays = frozenset(date.fromisoformat(d) for d in raw.get("workdays", []))
            years = frozenset(
                int(y) for y in raw.get("years", {d.year for d in holidays | workdays})
            )
        except (TypeError, ValueError) as exc:
            raise WorkdayRangeError(f"{path}: {exc}") from exc
        return cls(holidays, workdays, years, source=str(path))

    def covers(self, d: date) -> bool:
        return d.year in _PACKAGE_YEARS or d.year in self.years

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        if d.year in _PACKAGE_YEARS:
            return bool(chinese_calendar.is_workday(d))
        if d.year in self.years:
            return d.weekday() < 5
        raise WorkdayRangeError(self._range_message(d))

    def add_working_days(self, start: date, days: int) -> date:
        """The day ``days`` working days after ``start`` (``start`` itself not counted)."""
        d = start
        left = days
        while left > 0:
            d += timedelta(days=1)
            if self.is_working_day(d):
                left -= 1
        return d

    def _range_message(self, d: date) -> str:
        known = f"the chinesecalendar package covers {_PACKAGE_YEARS[0]}-{_PACKAGE_YEARS[-1]}"
        if self.source:
            listed = ", ".join(str(y) for y in sorted(self.years)) or "no year"
            known += f", {self.source} covers {listed}"
        return (
            f"no working-day calendar for {d.year} ({d.isoformat()}): {known}; add the year's "
            "holidays and make-up workdays to the workdays file (setting workdays_file, "
            "CATALOG_WORKDAYS_FILE) or upgrade chinesecalendar"
        )


OFFICIAL = WorkCalendar()


def calendar_for(settings: Settings | None) -> WorkCalendar:
    """The calendar of these settings: the official one plus ``workdays_file`` if set."""
    path = getattr(settings, "workdays_file", None) if settings is not None else None
    if not path:
        return OFFICIAL
    p = Path(path)
    if not p.is_absolute() and settings is not None:
        p = settings.instance_path / p
    try:
        mtime = p.stat().st_mtime_ns
    except OSError as exc:
        raise WorkdayRangeError(f"cannot read the workdays file {p}: {exc}") from exc
    return _load(str(p), mtime)


@lru_cache(maxsize=8)
def _load(path: str, mtime: int) -> WorkCalendar:
    return WorkCalendar.from_file(path)


def add_weekdays(start: date, days: int) -> date:
    """``days`` Mondays to Fridays after ``start``: the fallback past every known calendar."""
    d = start
    while days > 0:
        d += timedelta(days=1)
        days -= d.weekday() < 5
    return d


def is_working_day(d: date, calendar: WorkCalendar | None = None) -> bool:
    return (calendar or OFFICIAL).is_working_day(d)


def add_working_days(start: date, days: int, calendar: WorkCalendar | None = None) -> date:
    """``days`` working days after ``start`` by the official calendar (and ``calendar``'s extras)."""
    return (calendar or OFFICIAL).add_working_days(start, days)
