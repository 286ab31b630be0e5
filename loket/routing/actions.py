"""Compile the `then` of a rule into generated statements, an action and its words."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any, NamedTuple

from loket.routing.conditions import ConditionError
from loket.routing.model import State
from loket.routing.values import DESKS, FLAGS, OTHER_DESK, PRIORITIES, QUEUES, RESPONSES

Namer = Callable[[object], str]
Where = tuple[str | int, ...]

# Where each criterion of a pick reads its measure in (wait, -available, waiting).
_MEASURES = {"shorter_wait": 0, "more_available": 1, "fewer_waiting": 2}
# How generated code reads each criterion's measure of desk number {i}.
_TERMS = {"shorter_wait": "_w{i}", "more_available": "-_a{i}", "fewer_waiting": "_n{i}"}
# What each criterion is called in words.
_CRITERIA: dict[str, str] = {
    "shorter_wait": "shorter expected wait",
    "more_available": "more counsellors available",
    "fewer_waiting": "fewer people waiting",
}


class Action(NamedTuple):
    """A compiled `then`, as generated code."""

    # `code` are statements assigning desk, priority, crisis, queue or respond and
    # appending to flags; `words` is an expression saying, after them, what they did,
    # and `fixed` those words when they are the same every time (else None).
    code: tuple[str, ...]
    words: str
    decides: bool
    fixed: str | None = None


class Pick:
    """Choose one desk among several by load, with tie-breaks."""

    __slots__ = ("among", "by", "prefer", "_key", "explainer")

    def __init__(self, among: tuple[str, ...], by: tuple[str, ...], prefer: str | None) -> None:
        self.among = among
        self.by = by
        self.prefer = prefer
        # Reads a desk's sort key (its measures by criterion, whether it is not the
        # preferred desk, its place) from (wait, -available, waiting, not preferred, place).
        self._key: Callable[[tuple[float, ...]], tuple[float, ...]] = itemgetter(
            *[_MEASURES[name] for name in by], 3, 4)
        # `explain` as generated code for these desks and criteria: what compiled rules call.
        namespace: dict[str, Any] = {}
        code = compile(self._explainer_source(), f"<pick {', '.join(among)}>", "exec")
        exec(code, namespace)  # noqa: S102 - generated from checked desks and criteria
        self.explainer: Callable[[State, str, str], str] = namespace["explain"]

    def __repr__(self) -> str:
        return f"Pick(among={self.among!r}, by={self.by!r}, prefer={self.prefer!r})"

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

    def _explainer_source(self) -> str:
        """Return the source of `explain` unrolled for these desks: one f-string, no loop."""
        # Every name in it is a checked desk or criterion; no text of the file is code.
        lines = ["def explain(state, owner, chosen):"]
        keys: list[str] = []
        loads: list[str] = []
        for i, desk in enumerate(self.among):
            lines.append(f"    _n{i}, _a{i}, _w{i} = state.{desk}")
            preferred = (f"{desk!r} != owner" if self.prefer == "owner"
                         else repr(desk != self.prefer))
            keys.append("(" + ", ".join([*(_TERMS[name].format(i=i) for name in self.by),
                                         preferred, str(i)]) + ")")
            wait = (f"_w{i} if _w{i}.__class__ is int and -1000000 < _w{i} < 1000000 "
                    f"else format(_w{i}, 'g')")  # format_g, inline
            loads.append(f"{desk}: wait {{{wait}}} s, {{_a{i}}} available, {{_n{i}}} waiting")
        if len(keys) == 2:
            lines += [f"    _k0, _k1 = {keys[0]}, {keys[1]}",
                      "    _best, _runner_up = (_k1, _k0) if _k1 < _k0 else (_k0, _k1)"]
        else:
            lines.append(f"    _best, _runner_up = sorted([{', '.join(keys)}])[:2]")
        for position, name in enumerate(self.by):
            lines.append(f"    {'if' if position == 0 else 'elif'} "
                         f"_best[{position}] != _runner_up[{position}]: "
                         f"_reason = {_CRITERIA[name]!r}")
        tie = ("'a tie, so the first listed'" if not self.prefer
               else f"{'a tie, so the owner ' if self.prefer == 'owner' else 'a tie, so '!r}"
                    " + chosen")
        lines.append(f"    else: _reason = {tie}")
        lines.append(f'    return f"{{chosen}} ({"; ".join(loads)}; {{_reason}})"')
        return "\n".join(lines) + "\n"

    def explain(self, state: State, owner: str, chosen: str) -> str:
        """Return in words how the chosen desk won against the runner-up.

        The reference of `explainer`, which says the same, faster.
        """
        preferred = owner if self.prefer == "owner" else self.prefer
        key = self._key
        loads: list[str] = []
        keys: list[tuple[float, ...]] = []
        for index, desk in enumerate(self.among):
            waiting, available, wait = getattr(state, desk)
            loads.append(f"{desk}: wait {format_g(wait)} s, {available} available, "
                         f"{waiting} waiting")
            keys.append(key((wait, -available, waiting, desk != preferred, index)))
        keys.sort()
        best, runner_up = keys[0], keys[1]
        reason = ""
        for position, name in enumerate(self.by):
            if best[position] != runner_up[position]:
                reason = _CRITERIA[name]
                break
        if not reason:
            owner_words = "the owner " if self.prefer == "owner" else ""
            reason = (f"a tie, so {owner_words}{chosen}" if self.prefer
                      else "a tie, so the first listed")
        return f"{chosen} ({'; '.join(loads)}; {reason})"


def format_g(value: float) -> str:
    """Return f"{value:g}": a whole number under a million as it is, else formatted."""
    if value.__class__ is int and -1_000_000 < value < 1_000_000:
        return str(value)
    return f"{value:g}"


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


class _Parts:
    """The pieces of an action as they are compiled."""

    __slots__ = ("code", "words", "name", "fixed")

    def __init__(self, code: list[str], words: list[str], name: Namer) -> None:
        self.code = code
        self.words = words
        self.name = name
        # The words of each piece when fixed, None when worked out at run time.
        self.fixed: list[str | None] = []

    def say(self, text: str) -> None:
        """Add words that are the same every time."""
        self.words.append(repr(text))
        self.fixed.append(text)

    def say_later(self, expr: str) -> None:
        """Add an expression that says at run time what was done."""
        self.words.append(expr)
        self.fixed.append(None)


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
        parts.say("flag " + ", ".join(flags))
    words = " + ', ' + ".join(parts.words) if parts.words else "''"
    fixed = (None if None in parts.fixed
             else ", ".join(text for text in parts.fixed if text is not None))
    return Action(tuple(parts.code), words, decides, fixed)


def _priority(doc: Mapping[str, Any], where: Where, parts: _Parts) -> None:
    """Add the setting of priority (and crisis) to parts."""
    priority = doc["priority"]
    if priority not in PRIORITIES:
        raise ConditionError((*where, "priority"), f"unknown priority {priority!r} "
                             f"(expected one of {', '.join(PRIORITIES)})")
    crisis = bool(doc.get("crisis", False))
    parts.code.append(f"priority = {priority!r}; crisis = {crisis!r}")
    parts.say(f"priority {priority}" + (", crisis" if crisis else ""))


def _respond(respond: Any, where: Where, parts: _Parts) -> None:
    """Add the setting of the response to parts."""
    if respond not in RESPONSES:
        raise ConditionError(where, f"unknown response {respond!r} "
                             f"(expected one of {', '.join(RESPONSES)})")
    parts.code.append(f"respond = {respond!r}")
    parts.say(f"respond {respond}")


def _desk_target(target: Any, where: Where, parts: _Parts) -> None:
    """Add the setting of the owner desk to parts: a fixed desk or a pick."""
    if isinstance(target, str):
        if target not in DESKS:
            raise ConditionError(where, f"unknown desk {target!r} "
                                 f"(expected one of {', '.join(DESKS)})")
        parts.code.append(f"desk = {target!r}")
        parts.say(f"desk {target}")
        return
    pick = _pick(target, where, owner_known=False)
    parts.code.extend(pick.code("desk", "''"))
    parts.say_later(f"'desk ' + {parts.name(pick.explainer)}(state, '', desk)")


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
        parts.say_later("'queue ' + queue + ' (the owner desk)'")
        return
    if isinstance(target, str) and target == "other":
        parts.code.append(f"queue = {parts.name(OTHER_DESK)}.get(desk, desk)")
        parts.say_later(f"{parts.name(_other_words)}(desk, queue)")
    elif isinstance(target, str):
        if target not in QUEUES:
            raise ConditionError(where, f"unknown desk {target!r} for queue (expected one of "
                                 f"{', '.join((*QUEUES, 'owner', 'other'))})")
        parts.code.append(f"queue = {target!r}")
        parts.say(f"queue {target}")
    else:
        pick = _pick(target, where, owner_known=True)
        parts.code.extend(pick.code("queue", "desk"))
        parts.say_later(f"'queue ' + {parts.name(pick.explainer)}(state, desk, queue)")
    if moved_flags:
        listed = ", ".join(moved_flags)
        parts.code.append(f"if queue != desk: flags.extend({moved_flags!r})")
        parts.say_later(f"(('flag {listed} (not the owner ' + desk + ')') if queue != desk "
                        "else 'no flag (the owner desk)')")
