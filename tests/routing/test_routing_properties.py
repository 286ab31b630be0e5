"""Properties that hold for every valid request (hypothesis)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket.routing import (
    CHANNELS,
    DESKS,
    FLAGS,
    LANGUAGES,
    NEEDS,
    ORGANISATIONS,
    PREFERENCES,
    PRIORITIES,
    QUEUES,
    REGIONS,
    RELATIONS,
    RESPONSES,
    RISKS,
    STATUSES,
    parse_request,
)
from tests.routing.routing_support import default_rules

SETTINGS = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
TEXTS = ["Sinds mijn uitzending slaap ik slecht", "ik zie het niet meer ziten", "zelfmoord",
         "I want to die", "ik heb een vraag over mijn pensioen", "", "gun", "Wapenbroeders"]
OPTIONAL: dict[str, tuple[Any, ...]] = {
    "organisation": ORGANISATIONS, "status": STATUSES, "relation": RELATIONS, "need": NEEDS,
    "risk": RISKS, "language": LANGUAGES, "preference": PREFERENCES, "region": REGIONS,
    "anonymous": (True, False),
}
# Thresholds and their neighbours come up often, so boundaries get tried.
WAITS = st.one_of(st.sampled_from([0, 1, 899, 900, 901, 900.5, 1500]),
                  st.floats(min_value=0, max_value=10_000, allow_nan=False))


@st.composite
def contacts(draw: st.DrawFn) -> dict[str, Any]:
    """Draw a contact of the contract, fields given or left to their defaults."""
    contact: dict[str, Any] = {"channel": draw(st.sampled_from(CHANNELS))}
    for name, values in OPTIONAL.items():
        if draw(st.booleans()):
            contact[name] = draw(st.sampled_from(values))
    if draw(st.booleans()):
        contact["text"] = draw(st.one_of(st.sampled_from(TEXTS), st.text(max_size=80)))
    return contact


@st.composite
def states(draw: st.DrawFn) -> dict[str, Any]:
    """Draw the queues' state; some queues or metrics missing."""
    state: dict[str, Any] = {}
    for queue in QUEUES:
        if draw(st.integers(0, 4)):
            load = {"waiting": draw(st.integers(0, 30)), "available": draw(st.integers(0, 5)),
                    "expected_wait_s": draw(WAITS)}
            state[queue] = {k: v for k, v in load.items() if draw(st.integers(0, 5))}
    return state


@st.composite
def times(draw: st.DrawFn) -> str:
    """Draw a time with an offset, around the years the service runs."""
    moment = draw(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2031, 1, 1)))
    offset = draw(st.sampled_from([0, 60, 120, -300, 330]))
    zone = timezone(timedelta(minutes=offset))
    return moment.replace(tzinfo=UTC).astimezone(zone).isoformat()


requests = st.fixed_dictionaries({"contact": contacts(), "state": states(), "at": times()})


def decide(request: dict[str, Any]):  # noqa: ANN201
    """Return the decision of the default rules for a request JSON object."""
    parsed = parse_request(request)
    return default_rules().decide(parsed.contact, parsed.state, parsed.at)


@SETTINGS
@given(requests)
def test_every_valid_contact_gets_a_valid_decision(request: dict[str, Any]) -> None:
    decision = decide(request)
    assert decision.desk in DESKS
    assert decision.queue in QUEUES
    assert decision.priority in PRIORITIES
    assert decision.respond in RESPONSES
    assert decision.flags == tuple(sorted(set(decision.flags)))
    assert set(decision.flags) <= set(FLAGS)
    assert decision.rule in [rule.id for rule in default_rules().steps["owner"]]
    assert ("crisis" in decision.flags) is decision.crisis
    assert ("pooled" in decision.flags) is (decision.queue == "pool")
    assert ("overflow" in decision.flags) is (decision.queue not in ("pool", decision.desk))
    assert ("anonymous" in decision.flags) is (request["contact"].get("anonymous") is True)
    assert decision.trace and all(isinstance(line, str) for line in decision.trace)
    parsed = parse_request(request)
    # The explaining code reaches the same outcome as the fast code.
    assert default_rules().outcome(parsed.contact, parsed.state, parsed.at) == decision[:7]


@SETTINGS
@given(requests)
def test_the_web_app_s_decision_json_is_the_decision_with_its_trace(
    request: dict[str, Any],
) -> None:
    # decide_json (the web app's and the demo's) works the decision out in one explaining
    # pass; it must give exactly what the fast decision and its trace give.
    parsed = parse_request(request)
    expected = decide(request).to_dict()
    assert default_rules().decide_json(request["contact"], request.get("state"),
                                       parsed.at) == expected


@SETTINGS
@given(requests)
def test_crisis_always_means_urgent_and_now(request: dict[str, Any]) -> None:
    decision = decide(request)
    if decision.crisis:
        assert (decision.priority, decision.respond) == ("urgent", "now")
    contact = request["contact"]
    if contact.get("risk") == "acute" or default_rules().is_crisis_text(contact.get("text")):
        assert decision.crisis


@SETTINGS
@given(requests, times())
def test_overflow_never_changes_desk(request: dict[str, Any], other_time: str) -> None:
    decision = decide(request)
    if "overflow" in decision.flags:
        assert decision.queue != decision.desk
    # The queue step (time, overflow) never feeds back into the owner desk.
    assert decide({**request, "at": other_time}).desk == decision.desk
    owner_lines = [line for line in decision.trace if f"-> desk {decision.desk}" in line]
    assert len(owner_lines) == 1 and owner_lines[0].startswith(decision.rule + ": yes")


def _shuffled(value: Any, rng: random.Random) -> Any:
    """Return value with the keys of every object in another order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: _shuffled(item, rng) for key, item in items}
    return value


@SETTINGS
@given(requests, st.randoms(use_true_random=False))
def test_the_result_never_depends_on_dict_order(request: dict[str, Any],
                                                rng: random.Random) -> None:
    decision = decide(request)
    again = decide(_shuffled(request, rng))
    assert again == decision
    assert again.trace == decision.trace
    assert again.to_dict() == decision.to_dict()
    assert decision.to_json() == json.dumps(decision.to_dict())
