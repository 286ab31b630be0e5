"""Named time windows: hours, weekdays, dates and public holidays in a time zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from math import gcd
from zoneinfo import ZoneInfo

WEEKDAYS: tuple[str, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)
_CACHE_LIMIT = 100_000
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))  # what f"{n:02d}" gives, looked up


class HolidayCalendar:
    """The public holidays of one country (and region), computed once per year."""

    def __init__(self, country: str, subdivision: str | None = None) -> None:
        import holidays  # heavy: imported only when a policy uses holidays

        self.country = country
        self.subdivision = subdivision
        self._module = holidays
        self._years: dict[int, dict[date, str]] = {}
        self.name(date(2000, 1, 1))  # fail now, not during a decision, on a bad country

    def _year(self, year: int) -> dict[date, str]:
        """Return the holidays of one year by date."""
        days = self._years.get(year)
        if days is None:
            found = self._module.country_holidays(
                self.country, subdiv=self.subdivision, years=year)
            days = {day: str(name) for day, name in found.items()}
            self._years[year] = days
        return days

    def name(self, day: date) -> str | None:
        """Return the name of the holiday on day, or None."""
        return self._year(day.year).get(day)


@dataclass(frozen=True, slots=True)
class Period:
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
            reasons.append(f"{_clock(start)}-{_clock(end)}")
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


@dataclass(slots=True)
class Window:
    """A named window: the time is in it when any of its periods holds."""

    name: str
    zone: ZoneInfo
    periods: tuple[Period, ...]
    # Answers by block of local time: the largest that no period boundary splits.
    _cache: dict[int, str] = field(default_factory=dict, repr=False)
    _block_minutes: int = field(default=1, repr=False)
    # Local dates as the explanation writes them ("Fri 13 Nov 2026"), by ordinal.
    _dates: dict[int, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        """Size the blocks of local time that answers are remembered by."""
        minutes = [1440]
        for period in self.periods:
            if period.hours is not None:
                minutes.extend(period.hours)
        self._block_minutes = gcd(60, *minutes)

    def contains(self, at: datetime) -> bool:
        """Return whether the time at falls in the window."""
        local = at.astimezone(self.zone)
        block = (local.toordinal() * 1440 + local.hour * 60 + local.minute) // self._block_minutes
        reason = self._cache.get(block)
        if reason is None:
            reason = self._reason(local, block)
        return bool(reason)

    def _reason(self, local: datetime, block: int) -> str:
        """Return why local time falls in the window ("" when it does not), remembered."""
        # Periods read only the local date, weekday, hour and minute: one answer per block.
        reason = ""
        for period in self.periods:
            why = period.why(local)
            if why is not None:
                reason = why
                break
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[block] = reason
        return reason

    def explain(self, at: datetime) -> tuple[bool, str]:
        """Return whether at falls in the window and why, in words."""
        local = at.astimezone(self.zone)
        day = local.toordinal()
        block = (day * 1440 + local.hour * 60 + local.minute) // self._block_minutes
        reason = self._cache.get(block)
        if reason is None:
            reason = self._reason(local, block)
        date_words = self._dates.get(day)
        if date_words is None:
            date_words = self._date_words(local)
        when = (f"{date_words} {_TWO_DIGITS[local.hour]}:{_TWO_DIGITS[local.minute]} "
                f"{self.zone.key}")
        if reason:
            return True, f"{when} is in {self.name}: {reason}"
        return False, f"{when} is outside {self.name}"

    def _date_words(self, local: datetime) -> str:
        """Return a local date as the explanation writes it, remembered."""
        words = (f"{_DAYS[local.weekday()]} {_TWO_DIGITS[local.day]} "
                 f"{_MONTHS[local.month - 1]} {local.year}")
        if len(self._dates) >= _CACHE_LIMIT:
            self._dates.clear()
        self._dates[local.toordinal()] = words
        return words
