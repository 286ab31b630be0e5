"""The fast paths answer exactly as the careful ones: the same bytes, the same errors."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from loket.routing import (
    CHANNELS,
    LANGUAGES,
    NEEDS,
    ORGANISATIONS,
    PREFERENCES,
    REGIONS,
    RELATIONS,
    RISKS,
    STATUSES,
    RoutingInputError,
    Rules,
    inputs,
    load_rules,
    parse_contact,
    parse_request,
)
from loket.routing.actions import format_g
from loket.routing.model import QueueState, State
from loket.routing.source import _read, read_yaml
from tests.routing.routing_support import DEFAULT_RULES, RICHER_RULE, ROOT, default_rules
from tests.routing.test_routing_properties import SETTINGS, requests

# A line of the default crisis patterns, to add a pattern after.
VAARWEL = "      - {id: nl-vaarwel, all: [[vaarwel]]}\n"

def _richer_rules() -> Rules:
    """Return the default rules with a rule of every kind of condition added."""
    text = DEFAULT_RULES.read_text(encoding="utf-8").replace(
        "    - id: owner-queue\n", RICHER_RULE + "    - id: owner-queue\n")
    from loket.routing import parse_rules

    return parse_rules(text, file="richer.yaml")


RICHER_RULES = _richer_rules()


@SETTINGS
@given(requests)
def test_the_json_of_one_pass_is_the_json_of_the_decision(request: dict[str, Any]) -> None:
    parsed = parse_request(request)
    for rules in (default_rules(), RICHER_RULES):
        decision = rules.decide(*parsed)
        line = rules.decision_json(*parsed)
        assert line == decision.to_json() == json.dumps(decision.to_dict())
        assert rules.explain_json(*parsed) == json.dumps(list(rules.explain(*parsed)))


VALUES: list[object] = sorted({*CHANNELS, *ORGANISATIONS, *STATUSES, *RELATIONS, *NEEDS,
                               *RISKS, *LANGUAGES, *PREFERENCES, *REGIONS}) + [
    None, True, False, 0, 1, 1.0, -0.0, "", "x", "Phone", ["phone"], {"a": 1}]
FIELDS = ["channel", "organisation", "status", "relation", "need", "risk", "language",
          "region", "preference", "text", "anonymous", "txt"]
odd_contacts = st.dictionaries(
    st.sampled_from(FIELDS),
    st.one_of(st.sampled_from(VALUES), st.text(max_size=20)),
    max_size=12)


def _outcome(parse: Any, obj: object) -> object:
    """Return what parsing gives: the contact with the types of its fields, or the error."""
    try:
        contact = parse(obj)
    except RoutingInputError as error:
        return ("error", str(error), error.field, repr(error.value))
    return contact, [type(value) for value in contact]


@SETTINGS
@given(odd_contacts)
def test_the_quick_contact_is_the_careful_contact(obj: dict[str, Any]) -> None:
    assert _outcome(parse_contact, obj) == _outcome(
        lambda o: inputs._parse_contact(o, "contact"), obj)


def test_format_g_is_the_g_format() -> None:
    numbers: list[float] = [*range(-1_000_010, -999_990), *range(-50, 50),
                            *range(999_990, 1_000_010), *range(0, 10**7, 99_991),
                            10**20, 2**53 + 1, 0.0, -0.0, 0.5, 899.999, 900.0, 1e-9, 1e6,
                            1234567.0, 2.5e-300, float("inf")]
    for number in numbers:
        assert format_g(number) == f"{number:g}", number


def test_desk_loads_read_as_given_whatever_was_said_before() -> None:
    # Equal numbers that read differently (0 and -0.0, 1 and 1.0) read as given.
    rules = default_rules()
    contact = parse_contact({"channel": "phone", "organisation": "both"})
    at = datetime(2026, 1, 13, 12, tzinfo=UTC)
    for wait, available, shown in ((0, 1, "wait 0 s, 1 available"),
                                   (-0.0, 1, "wait -0 s, 1 available"),
                                   (0.0, 1, "wait 0 s, 1 available"),
                                   (0, 1.0, "wait 0 s, 1.0 available"),
                                   (900.0, 1, "wait 900 s, 1 available"),
                                   (900, 1, "wait 900 s, 1 available")):
        state = State(police=QueueState(1, available, wait),  # type: ignore[arg-type]
                      veterans=QueueState(1, 1, 0))
        owner_line = rules.explain(contact, state, at)[4]
        assert owner_line.startswith("both-uniforms: yes"), owner_line
        assert f"police: {shown}, 1 waiting" in owner_line, owner_line


def _reference_reason(at: datetime) -> tuple[bool, str]:
    """Return the pooled-hours explanation worked out afresh, without any memory."""
    window = default_rules().windows["pooled-hours"]
    local = at.astimezone(window.zone)
    reason = next((why for why in (period.why(local) for period in window.periods)
                   if why is not None), "")
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec")
    when = (f"{days[local.weekday()]} {local.day:02d} {months[local.month - 1]} "
            f"{local.year} {local.hour:02d}:{local.minute:02d} {window.zone.key}")
    if reason:
        return True, f"{when} is in {window.name}: {reason}"
    return False, f"{when} is outside {window.name}"


@pytest.mark.parametrize("start", ["2026-03-28T12:00:00+00:00", "2026-10-24T12:00:00+00:00",
                                   "2026-04-26T12:00:00+00:00", "2025-12-24T12:00:00+00:00"])
def test_the_window_answers_as_worked_out_afresh(start: str) -> None:
    window = default_rules().windows["pooled-hours"]
    first = datetime.fromisoformat(start)
    zones = [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=5, minutes=30))]
    for step in range(0, 48 * 60, 7):
        for zone in zones:
            at = (first + timedelta(minutes=step, seconds=step % 60)).astimezone(zone)
            assert window.explain(at) == _reference_reason(at), at
            assert window.contains(at) is window.explain(at)[0]


def test_both_yaml_readers_read_the_same() -> None:
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    fast, fast_lines = read_yaml(text, "x")
    slow, slow_lines = _read(text, "x", yaml.SafeLoader)
    assert fast == slow
    assert fast_lines.lines == slow_lines.lines


def test_a_yaml_error_is_worded_by_the_python_reader(tmp_path: Path) -> None:
    from loket.routing import RulesError

    bad = tmp_path / "bad.yaml"
    bad.write_text("steps:\n  owner: [\n", encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(bad)
    with pytest.raises(RulesError) as python_reader:
        _read(bad.read_text(encoding="utf-8"), str(bad), yaml.SafeLoader)
    assert str(caught.value) == str(python_reader.value)


def test_loading_good_rules_imports_no_jsonschema() -> None:
    code = ("import sys; from loket.routing import load_rules, default_rules_path; "
            "load_rules(default_rules_path()); print('jsonschema' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120, cwd=ROOT)
    assert done.stdout.strip() == "False"


def _escaping_rules() -> Rules:
    """Return the default rules with labels and phrases that JSON must escape."""
    assert VAARWEL in DEFAULT_RULES.read_text(encoding="utf-8")
    text = (DEFAULT_RULES.read_text(encoding="utf-8")
            .replace("label: night", 'label: "night \\"late\\" \\\\ \\u00fc\\t"')
            .replace("label: weekend", "label: \"weekend \\u2019s\"")
            .replace(VAARWEL, VAARWEL + "      - 'zeg \"doei\" nu'\n"))
    from loket.routing import parse_rules

    return parse_rules(text, file="escaping.yaml")


@pytest.mark.parametrize("at", ["2026-01-13T23:30:00+01:00", "2026-01-17T12:00:00+01:00",
                                "2026-04-27T12:00:00+02:00", "2026-01-13T12:00:00+01:00"])
@pytest.mark.parametrize("text", [None, "mijn leven beëindigen", 'ik zeg "doei" nu',
                                  "gewoon een vraag", "suïcidaal"])
def test_free_text_of_the_file_is_escaped_in_the_json(at: str, text: str | None) -> None:
    rules = _escaping_rules()
    for organisation in ("police", "defence", "both"):
        contact: dict[str, Any] = {"channel": "sms", "organisation": organisation}
        if text is not None:
            contact["text"] = text
        parsed = parse_request({"contact": contact, "at": at})
        decision = rules.decide(*parsed)
        assert rules.decision_json(*parsed) == json.dumps(decision.to_dict())
        assert json.loads(rules.decision_json(*parsed))["trace"] == list(decision.trace)


def test_the_generated_pick_explainer_says_what_the_reference_says() -> None:
    import random

    from loket.routing.actions import Pick

    rng = random.Random(20261224)
    picks = [Pick(among, by, prefer)
             for among in (("police", "veterans"), ("veterans", "police", "debasis"))
             for by in (("shorter_wait",), ("more_available", "shorter_wait"),
                        ("fewer_waiting", "more_available", "shorter_wait"))
             for prefer in (None, "owner", *among)]
    numbers: list[float] = [0, 1, 2, 0.0, -0.0, 1.0, 2.5, 999_999, 1_000_000, 1e6, 10**7,
                            float("inf"), float("nan")]
    for _ in range(20_000):
        pick = rng.choice(picks)
        state = State(*[QueueState(rng.choice(numbers[:3]), rng.choice(numbers[:5]),  # type: ignore[arg-type]
                                   rng.choice(numbers)) for _ in range(4)])
        owner = rng.choice(["police", "veterans", "debasis", ""])
        chosen = rng.choice(pick.among)
        assert pick.explainer(state, owner, chosen) == pick.explain(state, owner, chosen)
