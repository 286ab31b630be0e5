"""The default policy written by hand in plain Python: the benchmark's baseline.

It must decide exactly as routing_rules/default.yaml does (a test checks this on
thousands of random requests). The crisis phrase test is passed in, so both
versions share one phrase matcher and the comparison measures the rules engine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays

from loket.routing.model import Contact, QueueState, State

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NIGHT_FROM = 22 * 60
NIGHT_TO = 7 * 60
OVERFLOW_WAIT_S = 900
_HOLIDAYS: dict[int, frozenset[date]] = {}


class HandDecision(NamedTuple):
    """The contract's decision fields, without the trace."""

    desk: str
    queue: str
    priority: str
    crisis: bool
    respond: str
    flags: tuple[str, ...]
    rule: str


def _is_holiday(day: date) -> bool:
    """Return whether day is a Dutch public holiday."""
    days = _HOLIDAYS.get(day.year)
    if days is None:
        days = _HOLIDAYS[day.year] = frozenset(holidays.country_holidays("NL", years=day.year))
    return day in days


def _pooled(at: datetime) -> bool:
    """Return whether at falls in the pooled hours: nights, weekends, holidays."""
    local = at.astimezone(AMSTERDAM)
    minute = local.hour * 60 + local.minute
    return (minute >= NIGHT_FROM or minute < NIGHT_TO or local.weekday() >= 5
            or _is_holiday(local.date()))


def _shorter_wait(state: State) -> str:
    """Return police or veterans: shorter wait, then more available, then veterans."""
    police, veterans = state.police, state.veterans
    if police.expected_wait_s != veterans.expected_wait_s:
        return "police" if police.expected_wait_s < veterans.expected_wait_s else "veterans"
    if police.available != veterans.available:
        return "police" if police.available > veterans.available else "veterans"
    return "veterans"


def _most_available(state: State, owner: str) -> str:
    """Return the desk with the most available, then the shorter wait, then the owner."""
    best = ""
    best_key: tuple[float, float, int, int] | None = None
    for index, desk in enumerate(("police", "veterans", "debasis")):
        load: QueueState = getattr(state, desk)
        key = (-load.available, load.expected_wait_s, 0 if desk == owner else 1, index)
        if best_key is None or key < best_key:
            best, best_key = desk, key
    return best


def decide_by_hand(contact: Contact, state: State, at: datetime,
                   is_crisis_text: Callable[[str], bool]) -> HandDecision:
    """Return the default policy's decision, written as plain if/else."""
    flags: list[str] = []
    organisation = contact.organisation
    if contact.need == "peer_support":
        desk, rule = "debasis", "peer-support"
    elif organisation == "defence" and contact.status == "serving" and contact.relation == "self":
        desk, rule = "debasis", "serving-military"
    elif organisation == "defence":
        desk, rule = "veterans", "veterans"
    elif organisation == "police":
        desk, rule = "police", "police"
    elif organisation == "both":
        desk, rule = _shorter_wait(state), "both-uniforms"
        flags.append("both")
    else:
        desk, rule = _shorter_wait(state), "unknown-organisation"

    crisis = False
    if contact.risk == "acute" or (contact.text and is_crisis_text(contact.text)):
        priority, crisis = "urgent", True
        flags.append("crisis")
    elif contact.risk == "concern":
        priority = "high"
    elif contact.need == "information":
        priority = "low"
    else:
        priority = "normal"

    paired = desk in ("police", "veterans")
    own: QueueState = getattr(state, desk)
    if paired and _pooled(at):
        queue = "pool"
        flags.append("pooled")
    elif crisis and own.available == 0:
        queue = _most_available(state, desk)
        if queue != desk:
            flags.append("overflow")
    elif paired and own.expected_wait_s > OVERFLOW_WAIT_S:
        other = "veterans" if desk == "police" else "police"
        if getattr(state, other).available >= 1:
            queue = other
            flags.append("overflow")
        else:
            queue = desk
    else:
        queue = desk

    if contact.anonymous:
        flags.append("anonymous")
    respond = "now" if crisis or contact.preference in ("now", "chat") else "callback"
    return HandDecision(desk, queue, priority, crisis, respond, tuple(sorted(flags)), rule)
