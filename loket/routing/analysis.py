"""Prove each step decides every case and every rule can apply."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product
from math import prod
from typing import NamedTuple

from loket.routing.conditions import DOMAINS, Cond, show

# Above this many combinations of field values a step is only checked for a last catch-all.
MAX_CASES = 50_000


class RuleShape(NamedTuple):
    """What the analysis needs of a rule: its id, condition and whether it decides."""

    id: str
    cond: Cond
    decides: bool
    catch_all: bool


class Finding(NamedTuple):
    """A rule that can never apply, or a step that leaves a case undecided."""

    rule: str
    message: str


def _case_words(fields: Sequence[str], values: Sequence[object]) -> str:
    """Return a combination of field values in words."""
    return ", ".join(f"{f}={show(v)}" for f, v in zip(fields, values, strict=True)) or "any case"


def check_step(step: str, rules: Sequence[RuleShape]) -> list[Finding]:
    """Return the unreachable rules of a step, and whether it lacks a fallback."""
    fields = sorted(set().union(*(rule.cond.subjects for rule in rules)))
    if prod(len(DOMAINS[f]) for f in fields) > MAX_CASES:
        return _check_by_shape(step, rules)
    reachable: set[int] = set()
    covered_by: dict[int, str] = {}
    undecided: tuple[object, ...] | None = None
    for values in product(*(DOMAINS[f] for f in fields)):
        case = dict(zip(fields, values, strict=True))
        decided_by: str | None = None
        for index, rule in enumerate(rules):
            verdict = rule.cond.tri(case)
            if decided_by is None:
                if verdict is not False:
                    reachable.add(index)
            elif verdict is not False:
                covered_by.setdefault(index, decided_by)
            if decided_by is None and verdict is True and rule.decides:
                decided_by = rule.id
        if decided_by is None and undecided is None:
            undecided = values
    findings: list[Finding] = []
    for index, rule in enumerate(rules):
        if index in reachable:
            continue
        if index in covered_by:
            findings.append(Finding(rule.id, f"unreachable: every case it matches is already "
                                    f"decided by rule {covered_by[index]} before it"))
        else:
            findings.append(Finding(rule.id, "unreachable: its conditions can never all hold"))
    if undecided is not None:
        findings.append(Finding(rules[-1].id, f"step {step} has no fallback: no rule decides "
                                f"the case {_case_words(fields, undecided)} (end the step with "
                                "a rule without 'when')"))
    return findings


def _check_by_shape(step: str, rules: Sequence[RuleShape]) -> list[Finding]:
    """Check a step too large to enumerate: a catch-all must end it and only end it."""
    findings: list[Finding] = []
    for index, rule in enumerate(rules):
        if rule.catch_all and rule.decides and index < len(rules) - 1:
            findings.append(Finding(rules[index + 1].id, "unreachable: every case is already "
                                    f"decided by rule {rule.id} before it"))
            return findings
    last = rules[-1]
    if not (last.catch_all and last.decides):
        findings.append(Finding(last.id, f"step {step} has no fallback: end it with a rule "
                                "without 'when'"))
    return findings
