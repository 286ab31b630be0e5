"""The typed values routing reads and the decision it returns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from json.encoder import encode_basestring_ascii as _quote
from typing import Any, NamedTuple, Protocol

from loket.routing.values import (
    Channel,
    Desk,
    Flag,
    Language,
    Need,
    Organisation,
    Preference,
    Priority,
    Queue,
    Region,
    Relation,
    Respond,
    Risk,
    Status,
)


class _ContactFields(NamedTuple):
    """The fields of a contact, with the defaults of the contract."""

    channel: Channel
    organisation: Organisation = "unknown"
    status: Status = "unknown"
    relation: Relation = "self"
    need: Need = "unknown"
    risk: Risk = "none"
    language: Language = "nl"
    region: Region | None = None
    preference: Preference = "now"
    text: str | None = None
    anonymous: bool = False


_new_tuple = tuple.__new__


class Contact(_ContactFields):
    """One contact as routing sees it (immutable), with the defaults of the contract."""

    # `preference` left out or None means the channel's: callback for webform, else now.
    __slots__ = ()

    def __new__(cls, channel: Channel, organisation: Organisation = "unknown",
                status: Status = "unknown", relation: Relation = "self",
                need: Need = "unknown", risk: Risk = "none", language: Language = "nl",
                region: Region | None = None, preference: Preference | None = None,
                text: str | None = None, anonymous: bool = False) -> Contact:
        """Return a contact, resolving the default preference of its channel."""
        if preference is None:
            preference = "callback" if channel == "webform" else "now"
        return _new_tuple(cls, (channel, organisation, status, relation, need, risk, language,
                                region, preference, text, anonymous))


class QueueState(NamedTuple):
    """The load of one queue: people waiting, counsellors free, expected wait."""

    waiting: int = 0
    available: int = 0
    expected_wait_s: float = 0


_EMPTY = QueueState()


class State(NamedTuple):
    """The load of every queue; a queue not given counts as empty."""

    police: QueueState = _EMPTY
    veterans: QueueState = _EMPTY
    debasis: QueueState = _EMPTY
    pool: QueueState = _EMPTY

    def of(self, queue: str) -> QueueState:
        """Return the load of one queue by name."""
        value: QueueState = getattr(self, queue)
        return value


class RoutingRequest(NamedTuple):
    """A parsed request: what `decide` takes besides the rules."""

    contact: Contact
    state: State
    at: datetime


class Explainer(Protocol):
    """What works out the trace of a decision when it is read: the rules that made it."""

    def explain(self, contact: Contact, state: State, at: datetime) -> tuple[str, ...]:
        """Return why, rule by rule, the contact is decided as it is."""

    def decision_json(self, contact: Contact, state: State, at: datetime) -> str:
        """Return the decision's JSON, trace included."""


# The fields of a decision that rules decide: desk, queue, priority, crisis, respond,
# flags and rule.
Outcome = tuple[str, str, str, bool, str, tuple[str, ...], str]

# A decision's JSON up to its trace, by outcome: a few hundred at most per rules
# version, forgotten all at once should a run of versions fill it.
HEADS: dict[Outcome, str] = {}
_HEADS_LIMIT = 10_000


def json_head(outcome: Outcome) -> str:
    """Return a decision's JSON up to its trace."""
    head = HEADS.get(outcome)
    if head is None:
        desk, queue, priority, crisis, respond, flags, rule = outcome
        listed = ", ".join([_quote(flag) for flag in flags])
        head = (f'{{"desk": {_quote(desk)}, "queue": {_quote(queue)}, '
                f'"priority": {_quote(priority)}, '
                f'"crisis": {"true" if crisis else "false"}, '
                f'"respond": {_quote(respond)}, "flags": [{listed}], '
                f'"rule": {_quote(rule)}, "trace": ')
        if len(HEADS) >= _HEADS_LIMIT:
            HEADS.clear()
        HEADS[outcome] = head
    return head


def json_tail(rules_version: str) -> str:
    """Return a decision's JSON after its trace."""
    return f', "rules_version": {_quote(rules_version)}}}'


def decision_dict(outcome: Outcome, trace: Sequence[str], rules_version: str) -> dict[str, Any]:
    """Return a decision as the JSON object of the routing contract."""
    desk, queue, priority, crisis, respond, flags, rule = outcome
    return {"desk": desk, "queue": queue, "priority": priority, "crisis": crisis,
            "respond": respond, "flags": list(flags), "rule": rule, "trace": list(trace),
            "rules_version": rules_version}


class Decision(NamedTuple):
    """Where a contact goes, how urgently, and (worked out when read) why."""

    desk: Desk
    queue: Queue
    priority: Priority
    crisis: bool
    respond: Respond
    flags: tuple[Flag, ...]
    rule: str
    rules_version: str
    # What the trace is worked out from, when read: (rules, contact, state, at).
    origin: tuple[Explainer, Contact, State, datetime]

    def __eq__(self, other: object) -> bool:
        """Return whether two decisions have the same outcome (the trace is not compared)."""
        return isinstance(other, Decision) and self[:8] == other[:8]

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self[:8])

    @property
    def trace(self) -> tuple[str, ...]:
        """Return why, rule by rule, in words a manager reads."""
        rules, contact, state, at = self.origin
        return rules.explain(contact, state, at)

    def to_json(self) -> str:
        """Return the decision as one line of the contract's JSON (no newline)."""
        rules, contact, state, at = self.origin
        return rules.decision_json(contact, state, at)

    def to_dict(self) -> dict[str, Any]:
        """Return the decision as the JSON object of the routing contract."""
        return decision_dict(self[:7], self.trace, self.rules_version)
