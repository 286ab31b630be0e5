"""Run compiled rules: the pure `decide(contact, state, at, rules) -> decision`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from json.encoder import encode_basestring_ascii as _quote
from typing import Any, NamedTuple

from loket.routing import codegen
from loket.routing.actions import Action
from loket.routing.conditions import Cond
from loket.routing.inputs import RoutingInputError, parse_contact, parse_state
from loket.routing.model import Contact, Decision, Outcome, State, decision_dict, json_tail
from loket.routing.phrases import PhraseMatch, PhraseMatcher
from loket.routing.windows import Window

CRISIS_PHRASES = "crisis"


class Rule(NamedTuple):
    """One compiled rule of a step."""

    id: str
    step: str
    line: int | None
    when: Cond
    then: Action
    go_on: bool
    description: str


class Rules:
    """A compiled rules file: decide, explain, and test texts for crisis phrases."""

    def __init__(self, *, path: str, version: str, title: str,
                 steps: Mapping[str, tuple[Rule, ...]], windows: Mapping[str, Window],
                 phrases: Mapping[str, PhraseMatcher], env: Mapping[str, object]) -> None:
        self.path = path
        self.version = version
        self.title = title
        self.steps = dict(steps)
        self.windows = dict(windows)
        self.phrases = dict(phrases)
        self.rule_count = sum(len(rules) for rules in self.steps.values())
        env = dict(env)
        self.source = codegen.decide_source(self.steps)
        self.explain_source = codegen.explain_source(self.steps, env)
        self.decision_json_source = codegen.explain_source(self.steps, env, quoted=True)
        self._explain: codegen.ExplainFunction = codegen.build(
            self.explain_source, env, path, "explain")
        self._decide: codegen.DecideFunction = codegen.build(
            self.source, {**env, "_rules": self, "_version": version}, path, "decide")
        # decision_json(contact, state, at) returns `decide(contact, state, at).to_json()`,
        # worked out in one pass (what `loket route --batch` writes for each line).
        self.decision_json: codegen.DecisionJsonFunction = codegen.build(
            self.decision_json_source, {**env, "_tail": "]" + json_tail(version)}, path,
            "decision_json")
        crisis = self.phrases.get(CRISIS_PHRASES)
        self._crisis_find = crisis.find if crisis is not None else None
        self._crisis_languages = ({p.id: p.language for p in crisis.patterns}
                                  if crisis is not None else {})

    def __repr__(self) -> str:
        return f"<Rules {self.path} {self.version} ({self.rule_count} rules)>"

    def rule_ids(self) -> tuple[str, ...]:
        """Return the ids of every rule, step by step."""
        return tuple(rule.id for rules in self.steps.values() for rule in rules)

    def decide(self, contact: Contact, state: State, at: datetime) -> Decision:
        """Return where the contact goes; the trace is worked out when read."""
        return self._decide(contact, state, at)

    def decide_json(self, contact: Mapping[str, Any], state: Mapping[str, Any] | None,
                    at: datetime) -> dict[str, Any]:
        """Return the contract's decision JSON for contract JSON contact and state objects.

        What `decide(...).to_dict()` returns, from one pass of the explaining code (which
        reaches the same outcome as the fast code and the trace with it) instead of two.
        """
        if at.tzinfo is None or at.utcoffset() is None:
            raise RoutingInputError("at", at.isoformat(), f"{at.isoformat()!r} has no UTC offset")
        outcome, trace = self._explain(parse_contact(dict(contact)), parse_state(
            dict(state) if state is not None else None), at)
        return decision_dict(outcome, trace, self.version)

    def explain(self, contact: Contact, state: State, at: datetime) -> tuple[str, ...]:
        """Return why, rule by rule, the contact is decided as it is."""
        return tuple(self._explain(contact, state, at)[1])

    def explain_json(self, contact: Contact, state: State, at: datetime) -> str:
        """Return the trace as a JSON array (what `explain` returns, as JSON)."""
        return "[" + ", ".join(map(_quote, self.explain(contact, state, at))) + "]"

    def outcome(self, contact: Contact, state: State, at: datetime) -> Outcome:
        """Return the decision's fields as the explaining code reaches them (for checks)."""
        return self._explain(contact, state, at)[0]

    def find_crisis_phrase(self, text: str | None) -> PhraseMatch | None:
        """Return the crisis phrase found in text, or None."""
        if self._crisis_find is None:
            return None
        return self._crisis_find(text)

    def crisis_language(self, text: str | None) -> str | None:
        """Return the language of the list whose crisis phrase the text holds (`nl`, `en`);
        None when it holds none."""
        found = self.find_crisis_phrase(text)
        return None if found is None else self._crisis_languages.get(found.phrase)

    def is_crisis_text(self, text: str | None) -> bool:
        """Return whether text holds a crisis phrase of these rules."""
        return self._crisis_find is not None and self._crisis_find(text) is not None


def decide(contact: Contact, state: State, at: datetime, rules: Rules) -> Decision:
    """Return the routing decision for a contact at a time, given the queues' state."""
    return rules.decide(contact, state, at)
