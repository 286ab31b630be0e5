"""Shared helpers of the routing tests, imported by name (conftest.py only sets the cache)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from loket.routing import Decision, Rules, load_rules, parse_request, rules_dir

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RULES = rules_dir() / "default.yaml"
# A weekday, daytime, no holiday: no pooled hours.
WEEKDAY_NOON = "2026-01-13T12:00:00+01:00"
# A rule with every kind of condition, for rules files that test the richer conditions.
RICHER_RULE = """    - id: webchat-night-police
      when:
        any:
          - contact.channel: {in: [webchat, whatsapp]}
          - contact.region: {present: true}
        not: {contact.language: en}
        state.police.waiting: {gte: state.veterans.waiting}
        clock: {outside: pooled-hours}
        decision.desk: {ne: debasis}
      then: {queue: police}
"""


@cache
def default_rules() -> Rules:
    """Return the default rules, loaded once for all tests."""
    return load_rules(DEFAULT_RULES)


def route(contact: dict[str, Any] | None = None, state: dict[str, Any] | None = None,
          at: str | None = WEEKDAY_NOON, rules: Rules | None = None) -> Decision:
    """Return the decision for a request given as contract JSON."""
    request: dict[str, Any] = {"contact": {"channel": "phone", **(contact or {})}}
    if state is not None:
        request["state"] = state
    if at is not None:
        request["at"] = at
    parsed = parse_request(request)
    return (rules or default_rules()).decide(parsed.contact, parsed.state, parsed.at)


def load(waiting: int = 0, available: int = 0, wait: float = 0) -> dict[str, Any]:
    """Return the state of one queue as contract JSON."""
    return {"waiting": waiting, "available": available, "expected_wait_s": wait}


def local(text: str) -> datetime:
    """Return an ISO time with offset as a datetime."""
    return datetime.fromisoformat(text)
