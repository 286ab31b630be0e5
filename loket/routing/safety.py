"""Prove a rules file never lets a crisis down, whatever else it changes.

A rules file is policy that managers may edit while Loket runs; a few promises are not
theirs to edit (DESIGN.md, the routing contract): a contact with acute risk or a crisis
phrase in its text is urgent and flagged crisis, a crisis is answered now (never a callback
only), and the crisis phrases still recognise what the design quotes. A file that breaks one
of them is refused at load, as any other broken file is: a running process keeps the last
good rules and /healthz says "stale"; `loket rules check` names the rule.

The check reads the conditions three-valued over the fixed-value fields (as the load-time
analysis does), with the crisis itself as an assumption: every rule that may apply to such
a contact, before one that surely decides it, must decide it as the promise says.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import product
from math import prod
from typing import Any, NamedTuple

from loket.routing.analysis import MAX_CASES, Finding
from loket.routing.conditions import DOMAINS, MENTIONS, Cond, mentions, show

# What the design quotes as crisis language: the crisis list must recognise each, whatever
# else an edit removes (the corpus in tests/routing/crisis_corpus/ checks far more).
CRISIS_FLOOR = (
    "ik zie het niet meer zitten",
    "ik wil dood",
    "ik denk aan zelfmoord",
    "I want to die",
    "I am thinking about suicide",
)


class SafetyRule(NamedTuple):
    """What the check needs of a rule: its id, condition, raw `then` and `continue`."""

    id: str
    when: Cond
    then: Mapping[str, Any]
    go_on: bool


def _open_fields(rules: Sequence[SafetyRule], fixed: Mapping[str, object]) -> list[str]:
    """Return the fixed-value fields the rules read that `fixed` leaves open, in order."""
    return sorted(set().union(*(rule.when.subjects for rule in rules)) - set(fixed))


def _cases(rules: Sequence[SafetyRule], fixed: Mapping[str, object]) -> Iterator[dict[str, object]]:
    """Yield every combination of the fixed-value fields the rules read, with `fixed` set."""
    fields = _open_fields(rules, fixed)
    for values in product(*(DOMAINS[f] for f in fields)):
        case: dict[str, object] = dict(zip(fields, values, strict=True))
        case.update(fixed)
        yield case


def _size(rules: Sequence[SafetyRule], fixed: Mapping[str, object]) -> int:
    """Return how many cases `_cases` yields."""
    return prod(len(DOMAINS[f]) for f in _open_fields(rules, fixed))


def _first_breach(rules: Sequence[SafetyRule], case: Mapping[str, object], field: str,
                  keeps: Any) -> SafetyRule | None:
    """Return the first rule that may decide `field` against the promise in this case."""
    for rule in rules:
        verdict = rule.when.tri(case)
        if verdict is False or field not in rule.then:
            continue
        if not keeps(rule.then):
            return rule
        if verdict is True and not rule.go_on:
            return None  # decided as promised, whatever follows
    return None


def _check(rules: Sequence[SafetyRule], fixed: Mapping[str, object], field: str,
           keeps: Any, what: str, promise: str) -> list[Finding]:
    """Return one finding per rule that may break the promise for contacts like `fixed`."""
    if not rules:
        return []
    if _size(rules, fixed) > MAX_CASES:
        return [Finding(rules[0].id, f"too many combinations of fields to prove that {what} "
                        f"is {promise}: split the step's conditions")]
    found: dict[str, Finding] = {}
    for case in _cases(rules, fixed):
        rule = _first_breach(rules, case, field, keeps)
        if rule is not None and rule.id not in found:
            shown = {k: v for k, v in case.items() if k not in fixed and not k.startswith(MENTIONS)}
            example = ", ".join(f"{k}={show(v)}" for k, v in sorted(shown.items()))
            found[rule.id] = Finding(
                rule.id, f"may decide {what}{f' (e.g. {example})' if example else ''} as "
                f"{_said(rule.then, field)}: {what} must be {promise}")
    return list(found.values())


def _said(then: Mapping[str, Any], field: str) -> str:
    if field == "priority":
        crisis = "crisis" if then.get("crisis") is True else "not crisis"
        return f"priority {show(then.get('priority'))}, {crisis}"
    return f"respond {show(then.get(field))}"


def _urgent_crisis(then: Mapping[str, Any]) -> bool:
    return then.get("priority") == "urgent" and then.get("crisis") is True


def _now(then: Mapping[str, Any]) -> bool:
    return then.get("respond") == "now"


def check_crisis_promises(steps: Mapping[str, Sequence[SafetyRule]],
                          crisis_list: str) -> list[Finding]:
    """Return the rules that would let a crisis down: not urgent, not crisis, or a callback."""
    priority = steps.get("priority", ())
    findings = _check(priority, {"contact.risk": "acute"}, "priority", _urgent_crisis,
                      "a contact with acute risk", "urgent and crisis")
    findings += _check(priority, {mentions(crisis_list): True}, "priority", _urgent_crisis,
                       "a contact whose text has a crisis phrase", "urgent and crisis")
    findings += _check(steps.get("response", ()), {"decision.crisis": True}, "respond", _now,
                       "a crisis", "answered now (never a callback only)")
    return list(dict.fromkeys(findings))
