"""Amsterdam calendar days as UTC instants (the store keeps UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# The days a report may ask for. Outside them a date is a typing error (and at the
# calendar's edge, 0001 or 9999, the day's bounds in UTC cannot even be computed).
FIRST_YEAR = 2000
LAST_YEAR = 2100


def reportable(day: date) -> bool:
    """Return whether a report may ask for this day: years FIRST_YEAR to LAST_YEAR."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def day_start(day: date) -> datetime:
    """Return the instant (UTC) an Amsterdam calendar day begins (23 or 25 hours on DST days)."""
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM).astimezone(UTC)


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Return [from, until) in UTC for the Amsterdam days `start` to `end`, both included."""
    if end < start:
        raise ValueError("the range ends before it starts")
    if not (reportable(start) and reportable(end)):
        raise ValueError(f"a report covers the years {FIRST_YEAR} to {LAST_YEAR}")
    return day_start(start), day_start(end + timedelta(days=1))


def hour_of_week(at: datetime) -> int:
    """Return the Amsterdam hour of the week of an instant: 0 is Monday 00:00-01:00, 167
    Sunday 23:00-24:00."""
    local = at.astimezone(AMSTERDAM)
    return local.weekday() * 24 + local.hour
