"""Named time windows: hours, weekdays, dates and public holidays in a time zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from math import gcd
from zoneinfo import ZoneInfo

WEEKDAYS: tuple[str, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)
_CACHE_LIMIT = 100_000
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(slots=True)
class Window:
    """A named window: the time is in it when any of its periods holds."""

    name: str
    zone: ZoneInfo
    periods: tuple[Period, ...]
    _cache: dict[int, str] = field(default_factory=dict, repr=False)
    _block_s: int = field(default=60, repr=False)

    def __post_init__(self) -> None:
        """Cache answers per block of time: the largest that no period boundary splits."""
        minutes = [1440]
        for period in self.periods:
            if period.hours is not None:
                minutes.extend(period.hours)
        self._block_s = 60 * gcd(60, *minutes)

    def contains(self, at: datetime) -> bool:
        """Return whether the time at falls in the window."""
        reason = self._cache.get(int(at.timestamp()) // self._block_s)
        if reason is None:
            reason = self._reason(at)
        return bool(reason)

    def _reason(self, at: datetime) -> str:
        """Return why at falls in the window ("" when it does not), remembered per block."""
        local = at.astimezone(self.zone)
        reason = ""
        for period in self.periods:
            why = period.why(local)
            if why is not None:
                reason = why
                break
        block = int(at.timestamp()) // self._block_s
        if self._cacheable(block):
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[block] = reason
        return reason

    def _cacheable(self, block: int) -> bool:
        """Return whether one answer holds for the whole block: no clock change inside."""
        start = datetime.fromtimestamp(block * self._block_s, UTC)
        end = datetime.fromtimestamp((block + 1) * self._block_s - 1, UTC)
        first = start.astimezone(self.zone).utcoffset()
        last = end.astimezone(self.zone).utcoffset()
        return first is not None and first == last and first.total_seconds() % self._block_s == 0

    def explain(self, at: datetime) -> tuple[bool, str]:
        """Return whether at falls in the window and why, in words."""
        reason = self._cache.get(int(at.timestamp()) // self._block_s)
        if reason is None:
            reason = self._reason(at)
        local = at.astimezone(self.zone)
        when = (f"{_DAYS[local.weekday()]} {local.day:02d} {_MONTHS[local.month - 1]} "
                f"{local.year} {local.hour:02d}:{local.minute:02d} {self.zone.key}")
        if reason:
            return True, f"{when} is in {self.name}: {reason}"
        return False, f"{when} is outside {self.name}"
