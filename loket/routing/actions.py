"""Compile the `then` of a rule into generated statements, an action and its words."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from loket.routing.conditions import ConditionError
from loket.routing.model import QueueState, State
from loket.routing.values import DESKS, FLAGS, OTHER_DESK, PRIORITIES, QUEUES, RESPONSES

Namer = Callable[[object], str]
Where = tuple[str | int, ...]

_CRITERIA: dict[str, tuple[Callable[[QueueState], float], str]] = {
    "shorter_wait": (attrgetter("expected_wait_s"), "shorter expected wait"),
    "more_available": (lambda q: -q.available, "more counsellors available"),
    "fewer_waiting": (attrgetter("waiting"), "fewer people waiting"),
}


@dataclass(frozen=True, slots=True)
class Action:
    """A compiled `then`, as generated code."""

    # `code` are statements assigning desk, priority, crisis, queue or respond and
    # appending to flags; `words` is an expression saying, after them, what they did.
    code: tuple[str, ...]
    words: str
    decides: bool


@dataclass(frozen=True, slots=True)
class Pick:
    """Choose one desk among several by load, with tie-breaks."""

    among: tuple[str, ...]
    by: tuple[str, ...]
    prefer: str | None

    def code(self, target: str, owner_expr: str) -> list[str]:
        """Return statements setting target to the chosen desk, inline (no call)."""
        terms = {"shorter_wait": "state.{d}.expected_wait_s",
                 "more_available": "-state.{d}.available",
                 "fewer_waiting": "state.{d}.waiting"}

        def key(desk: str) -> str:
            parts = [terms[name].format(d=desk) for name in self.by]
            if self.prefer == "owner":
                parts.append(f"{owner_expr} != {desk!r}")
            elif self.prefer is not None:
                parts.append("0" if desk == self.prefer else "1")
            return "(" + ", ".join(parts) + ",)"

        first = self.among[0]
        lines = [f"_best = {first!r}; _best_key = {key(first)}"]
        for desk in self.among[1:]:
            lines.append(f"_key = {key(desk)}")
            lines.append(f"if _key < _best_key: _best = {desk!r}; _best_key = _key")
        lines.append(f"{target} = _best")
        return lines

    def explain(self, state: State, owner: str, chosen: str) -> str:
        """Return in words how the chosen desk won against the runner-up."""
        preferred = owner if self.prefer == "owner" else self.prefer
        measures = [_CRITERIA[name][0] for name in self.by]
        loads: list[str] = []
        keys: list[tuple[list[float], bool, int]] = []
        for index, desk in enumerate(self.among):
            load = getattr(state, desk)
            loads.append(f"{desk}: wait {load.expected_wait_s:g} s, {load.available} available, "
                         f"{load.waiting} waiting")
            keys.append(([measure(load) for measure in measures], desk != preferred, index))
        keys.sort()
        best, runner_up = keys[0][0], keys[1][0]
        reason = ""
        for position, name in enumerate(self.by):
            if best[position] != runner_up[position]:
                reason = _CRITERIA[name][1]
                break
        if not reason:
            owner_words = "the owner " if self.prefer == "owner" else ""
            reason = (f"a tie, so {owner_words}{chosen}" if self.prefer
                      else "a tie, so the first listed")
        return f"{chosen} ({'; '.join(loads)}; {reason})"


def _check_flags(flags: Sequence[str], where: Where) -> tuple[str, ...]:
    """Return the flags, or raise for one that is not known."""
    for flag in flags:
        if flag not in FLAGS:
            raise ConditionError(where, f"unknown flag {flag!r} (expected one of "
                                 f"{', '.join(FLAGS)})")
    return tuple(flags)


def _pick(doc: Mapping[str, Any], where: Where, *, owner_known: bool) -> Pick:
    """Return a compiled pick, checking its desks."""
    spec = doc["pick"]
    for desk in spec["among"]:
        if desk not in DESKS:
            raise ConditionError((*where, "pick", "among"), f"unknown desk {desk!r} "
                                 f"(expected one of {', '.join(DESKS)})")
    prefer = spec.get("prefer")
    if prefer is not None:
        allowed = (*spec["among"], "owner") if owner_known else tuple(spec["among"])
        if prefer not in allowed:
            raise ConditionError((*where, "pick", "prefer"), f"unknown desk {prefer!r} to prefer "
                                 f"(expected one of {', '.join(allowed)})")
    return Pick(tuple(spec["among"]), tuple(spec["by"]), prefer)


@dataclass(slots=True)
class _Parts:
    """The pieces of an action as they are compiled."""

    code: list[str]
    words: list[str]
    name: Namer


def compile_action(step: str, doc: Mapping[str, Any], where: Where, name: Namer) -> Action:
    """Return the compiled action of a rule in a step."""
    flags = _check_flags(doc.get("flags", ()), (*where, "flags"))
    parts = _Parts([], [], name)
    decides = True
    if step == "owner" and "desk" in doc:
        _desk_target(doc["desk"], (*where, "desk"), parts)
    elif step == "priority" and "priority" in doc:
        _priority(doc, where, parts)
    elif step == "queue" and "queue" in doc:
        moved = _check_flags(doc.get("flags_if_not_owner", ()), (*where, "flags_if_not_owner"))
        _queue_target(doc["queue"], (*where, "queue"), moved, parts)
    elif step == "response" and "respond" in doc:
        _respond(doc["respond"], (*where, "respond"), parts)
    elif step == "priority" and "crisis" in doc:
        raise ConditionError((*where, "crisis"), "crisis is set together with priority")
    else:
        decides = False
    if flags:
        parts.code.append(f"flags.append({flags[0]!r})" if len(flags) == 1
                          else f"flags.extend({flags!r})")
        parts.words.append(repr("flag " + ", ".join(flags)))
    words = " + ', ' + ".join(parts.words) if parts.words else "''"
    return Action(tuple(parts.code), words, decides)


def _priority(doc: Mapping[str, Any], where: Where, parts: _Parts) -> None:
    """Add the setting of priority (and crisis) to parts."""
    priority = doc["priority"]
    if priority not in PRIORITIES:
        raise ConditionError((*where, "priority"), f"unknown priority {priority!r} "
                             f"(expected one of {', '.join(PRIORITIES)})")
    crisis = bool(doc.get("crisis", False))
    parts.code.append(f"priority = {priority!r}; crisis = {crisis!r}")
    parts.words.append(repr(f"priority {priority}" + (", crisis" if crisis else "")))


def _respond(respond: Any, where: Where, parts: _Parts) -> None:
    """Add the setting of the response to parts."""
    if respond not in RESPONSES:
        raise ConditionError(where, f"unknown response {respond!r} "
                             f"(expected one of {', '.join(RESPONSES)})")
    parts.code.append(f"respond = {respond!r}")
    parts.words.append(repr(f"respond {respond}"))


def _desk_target(target: Any, where: Where, parts: _Parts) -> None:
    """Add the setting of the owner desk to parts: a fixed desk or a pick."""
    if isinstance(target, str):
        if target not in DESKS:
            raise ConditionError(where, f"unknown desk {target!r} "
                                 f"(expected one of {', '.join(DESKS)})")
        parts.code.append(f"desk = {target!r}")
        parts.words.append(repr(f"desk {target}"))
        return
    pick = _pick(target, where, owner_known=False)
    parts.code.extend(pick.code("desk", "''"))
    parts.words.append(f"'desk ' + {parts.name(pick.explain)}(state, '', desk)")


def _other_words(desk: str, queue: str) -> str:
    """Say where `queue: other` sent the contact."""
    if desk not in OTHER_DESK:
        return f"queue {queue} ({desk} has no other desk)"
    return f"queue {queue} (the other desk)"


def _queue_target(target: Any, where: Where, moved_flags: tuple[str, ...],
                  parts: _Parts) -> None:
    """Add the setting of the queue to parts: a queue, owner, other, or a pick."""
    if isinstance(target, str) and target == "owner":
        parts.code.append("queue = desk")
        parts.words.append("'queue ' + queue + ' (the owner desk)'")
        return
    if isinstance(target, str) and target == "other":
        parts.code.append(f"queue = {parts.name(OTHER_DESK)}.get(desk, desk)")
        parts.words.append(f"{parts.name(_other_words)}(desk, queue)")
    elif isinstance(target, str):
        if target not in QUEUES:
            raise ConditionError(where, f"unknown desk {target!r} for queue (expected one of "
                                 f"{', '.join((*QUEUES, 'owner', 'other'))})")
        parts.code.append(f"queue = {target!r}")
        parts.words.append(repr(f"queue {target}"))
    else:
        pick = _pick(target, where, owner_known=True)
        parts.code.extend(pick.code("queue", "desk"))
        parts.words.append(f"'queue ' + {parts.name(pick.explain)}(state, desk, queue)")
    if moved_flags:
        listed = ", ".join(moved_flags)
        parts.code.append(f"if queue != desk: flags.extend({moved_flags!r})")
        parts.words.append(f"(('flag {listed} (not the owner ' + desk + ')') if queue != desk "
                           "else 'no flag (the owner desk)')")
