"""Named time windows: hours, weekdays, dates and public holidays in a time zone."""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Iterable
from datetime import date, datetime
from json.encoder import encode_basestring_ascii as _quote
from math import gcd
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from loket.routing import cache

WEEKDAYS: tuple[str, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)
_CACHE_LIMIT = 100_000
# The holidays package names holidays in the language these say (the first one set).
_LOCALE_ENV = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
# Holidays are worked out for this many years either side of this year at once.
_YEARS_AROUND = 5
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))  # what f"{n:02d}" gives, looked up


class HolidayCalendar:
    """The public holidays of one country (and region), kept by year in the cache folder.

    The holidays package imports every country it knows (a third of a second), so the
    holidays it works out are kept in a cache file keyed by the package's release and
    the locale it names holidays in; the package is imported only when that file lacks
    a year.
    """

    def __init__(self, country: str, subdivision: str | None = None) -> None:
        """Read the kept holidays, or work them out now (NotImplementedError: unknown)."""
        self.country = country
        self.subdivision = subdivision
        self._lock = threading.Lock()
        release = _holidays_release()
        self._key: dict[str, object] | None = None if release is None else {
            "format": 1, "country": country, "subdivision": subdivision, "holidays": release,
            "locale": [os.environ.get(name) for name in _LOCALE_ENV]}
        self._years = self._read()
        if not self._years:  # nothing kept: ask the package, which checks the country
            this_year = date.today().year
            self._add(range(this_year - _YEARS_AROUND, this_year + _YEARS_AROUND + 1))

    def _read(self) -> dict[int, dict[date, str]]:
        """Return the holidays kept in the cache file, by year."""
        if self._key is None:
            return {}
        kept = cache.read("holidays", self._key)
        if not isinstance(kept, dict):
            return {}
        years: dict[int, dict[date, str]] = {}
        try:
            for year, days in kept.items():
                names = {date.fromisoformat(day): name for day, name in days.items()}
                if not all(isinstance(name, str) for name in names.values()):
                    return {}
                years[int(year)] = names
        except (AttributeError, TypeError, ValueError):  # not what was written: work it out
            return {}
        return years

    def _add(self, years: Iterable[int]) -> None:
        """Work out the holidays of years with the holidays package, and keep them."""
        import holidays  # heavy: every country; only when the cache lacks a year

        with self._lock:
            for year in years:
                found = holidays.country_holidays(self.country, subdiv=self.subdivision,
                                                  years=year)
                self._years[year] = {day: str(name) for day, name in found.items()}
            if self._key is not None:
                cache.write("holidays", self._key, {
                    str(year): {day.isoformat(): name for day, name in days.items()}
                    for year, days in self._years.items()})

    def _year(self, year: int) -> dict[date, str]:
        """Return the holidays of one year by date."""
        days = self._years.get(year)
        if days is None:
            self._add((year,))
            days = self._years[year]
        return days

    def name(self, day: date) -> str | None:
        """Return the name of the holiday on day, or None."""
        return self._year(day.year).get(day)


def _holidays_release() -> str | None:
    """Return the installed holidays package's release ("holidays-0.109"), not importing it.

    None when it cannot be told (no package, or no .dist-info folder beside it): then
    nothing is kept.
    """
    try:
        spec = importlib.util.find_spec("holidays")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    try:
        names = os.listdir(Path(spec.origin).parent.parent)
    except OSError:
        return None
    found = [name.removesuffix(".dist-info") for name in names
             if name.startswith("holidays-") and name.endswith(".dist-info")]
    return found[0] if len(found) == 1 else None


class Period(NamedTuple):
    """One part of a window: every given part (days, hours, dates, holidays) must hold."""

    label: str
    days: frozenset[int] | None = None
    hours: tuple[int, int] | None = None
    dates: frozenset[date] | None = None
    holidays: HolidayCalendar | None = None

    def why(self, local: datetime) -> str | None:
        """Return in words why local time falls in this period, or None."""
        reasons: list[str] = []
        if self.days is not None:
            if local.weekday() not in self.days:
                return None
            reasons.append(WEEKDAYS[local.weekday()])
        if self.hours is not None:
            start, end = self.hours
            minute = local.hour * 60 + local.minute
            inside = start <= minute < end if start < end else minute >= start or minute < end
            if not inside:
                return None
            reasons.append(_HOURS[self.hours])
        if self.dates is not None:
            if local.date() not in self.dates:
                return None
            reasons.append("a listed date")
        if self.holidays is not None:
            name = self.holidays.name(local.date())
            if name is None:
                return None
            reasons.append(name)
        return f"{self.label} ({', '.join(reasons)})" if reasons else self.label


def _clock(minute: int) -> str:
    """Return minutes since midnight as HH:MM."""
    return f"{_TWO_DIGITS[minute // 60]}:{_TWO_DIGITS[minute % 60]}"


class _HourWords(dict[tuple[int, int], str]):
    """Hour ranges in words ("22:00-07:00"), each worked out once."""

    def __missing__(self, hours: tuple[int, int]) -> str:
        words = self[hours] = f"{_clock(hours[0])}-{_clock(hours[1])}"
        return words


_HOURS = _HourWords()


class Window:
    """A named window: the time is in it when any of its periods holds."""

    __slots__ = ("name", "zone", "periods", "_cache", "_block_minutes", "_heads", "_tails")

    def __init__(self, name: str, zone: ZoneInfo, periods: tuple[Period, ...]) -> None:
        self.name = name
        self.zone = zone
        self.periods = periods
        # Answers by block of local time, the largest that no period boundary splits:
        # whether the time is in the window, and the words before and after its clock
        # time ("Fri 13 Nov 2026 ", " Europe/Amsterdam is in pooled-hours: night
        # (22:00-07:00)"), the latter also as in a JSON string (labels and holiday names
        # may need escaping).
        self._cache: dict[int, tuple[bool, str, str, str]] = {}
        minutes = [1440]
        for period in periods:
            if period.hours is not None:
                minutes.extend(period.hours)
        self._block_minutes = gcd(60, *minutes)
        # The words before the clock time by local date (ordinal), and after it by reason.
        self._heads: dict[int, str] = {}
        self._tails: dict[str, tuple[str, str]] = {}

    def __repr__(self) -> str:
        return f"Window(name={self.name!r}, zone={self.zone!r}, periods={self.periods!r})"

    def contains(self, at: datetime) -> bool:
        """Return whether the time at falls in the window."""
        local = at.astimezone(self.zone)
        block = (local.toordinal() * 1440 + local.hour * 60 + local.minute) // self._block_minutes
        answer = self._cache.get(block)
        if answer is None:
            answer = self._answer(local, block)
        return answer[0]

    def explain(self, at: datetime) -> tuple[bool, str]:
        """Return whether at falls in the window and why, in words."""
        return self._explained(at, 2)

    def explain_json(self, at: datetime) -> tuple[bool, str]:
        """Return what `explain` does, the words escaped as in a JSON string."""
        return self._explained(at, 3)

    def _explained(self, at: datetime, tail: int) -> tuple[bool, str]:
        """Return whether at falls in the window and why, with the answer's tail `tail`."""
        local = at.astimezone(self.zone)
        hour, minute = local.hour, local.minute
        block = (local.toordinal() * 1440 + hour * 60 + minute) // self._block_minutes
        answer = self._cache.get(block)
        if answer is None:
            answer = self._answer(local, block)
        return answer[0], f"{answer[1]}{_TWO_DIGITS[hour]}:{_TWO_DIGITS[minute]}{answer[tail]}"

    def _answer(self, local: datetime, block: int) -> tuple[bool, str, str, str]:
        """Return the answer for the block of local time, remembered."""
        # Periods read only the local date, weekday, hour and minute: one answer per block.
        reason = ""
        for period in self.periods:
            why = period.why(local)
            if why is not None:
                reason = why
                break
        day = local.toordinal()
        head = self._heads.get(day)
        if head is None:
            head = (f"{_DAYS[local.weekday()]} {_TWO_DIGITS[local.day]} "
                    f"{_MONTHS[local.month - 1]} {local.year} ")
            if len(self._heads) >= _CACHE_LIMIT:
                self._heads.clear()
            self._heads[day] = head
        tails = self._tails.get(reason)
        if tails is None:  # a few: one for outside, one for each way of being inside
            tail = (f" {self.zone.key} is in {self.name}: {reason}" if reason
                    else f" {self.zone.key} is outside {self.name}")
            tails = self._tails[reason] = (tail, _quote(tail)[1:-1])
        answer = (bool(reason), head, *tails)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[block] = answer
        return answer
