"""Compile the `when` of a rule into fast tests, explanations and a checkable form."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from itertools import product
from json.encoder import encode_basestring_ascii as _quote
from math import prod
from typing import Any, NamedTuple

from loket.routing.phrases import PhraseMatcher
from loket.routing.values import (
    CHANNELS,
    DESKS,
    LANGUAGES,
    METRICS,
    NEEDS,
    ORGANISATIONS,
    OTHER_DESK,
    PREFERENCES,
    PRIORITIES,
    QUEUES,
    REGIONS,
    RELATIONS,
    RISKS,
    STATUSES,
)
from loket.routing.windows import Window

# Explains a test on what is not a fixed-value field: (contact, state, at, desk) -> (holds, why)
Explainer = Callable[[Any, Any, Any, str], tuple[bool, str]]
Assignment = Mapping[str, object]
Tri = Callable[[Assignment], bool | None]

# Every field a condition may read that has a fixed set of values.
DOMAINS: dict[str, tuple[object, ...]] = {
    "contact.channel": CHANNELS,
    "contact.organisation": ORGANISATIONS,
    "contact.status": STATUSES,
    "contact.relation": RELATIONS,
    "contact.need": NEEDS,
    "contact.risk": RISKS,
    "contact.language": LANGUAGES,
    "contact.preference": PREFERENCES,
    "contact.region": (*REGIONS, None),
    "contact.anonymous": (False, True),
    "decision.desk": DESKS,
    "decision.priority": PRIORITIES,
    "decision.crisis": (False, True),
    "decision.queue": QUEUES,
}
# The step that decides each decision field: a rule may read it only in later steps.
DECIDED_IN: dict[str, str] = {
    "decision.desk": "owner",
    "decision.priority": "priority",
    "decision.crisis": "priority",
    "decision.queue": "queue",
}
# The load-time checks' assumption that `contact.text: {mentions: LIST}` holds: this key
# plus the list's name, set to True or False (routing/safety.py).
MENTIONS = "contact.text mentions "


def mentions(list_name: str) -> str:
    """Return the assumption key of a phrase list's test (`contact.text: {mentions: LIST}`)."""
    return MENTIONS + list_name


STATE_QUEUES: tuple[str, ...] = (*QUEUES, "owner", "other")
_LABELS = {"decision.desk": "owner desk", "decision.queue": "queue",
           "decision.priority": "priority", "decision.crisis": "crisis"}
_METRIC_WORDS = {"waiting": "waiting", "available": "available counsellors",
                 "expected_wait_s": "expected wait"}
_COMPARE_WORDS = {"gt": "over", "gte": "at least", "lt": "under", "lte": "at most",
                  "eq": "exactly", "ne": "not"}
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le,
    "eq": operator.eq, "ne": operator.ne,
}


class ConditionError(Exception):
    """A condition is not meaningful; `path` says where in the rule."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        self.path = path
        super().__init__(message)


class Cond(NamedTuple):
    """A compiled condition, as Python expressions over the names of a decision."""

    # `expr` tells whether it holds; `words`, for a single test, evaluates to (holds,
    # why in words). Both read contact, state, at, desk, priority, crisis, queue and
    # the constants of the compiler's `env`. `tri` is its three-valued form over the
    # fixed-value fields, for the load-time checks.
    expr: str
    words: str
    kind: str
    parts: tuple[Cond, ...]
    tri: Tri
    subjects: frozenset[str]
    # For a test on one fixed-value field: the expression reading it, and for each of
    # its values (holds, why).
    read: str = ""
    table: Mapping[object, tuple[bool, str]] | None = None
    # For a single test whose why can hold free text of the file (a phrase, a label):
    # `words` with the why escaped as in a JSON string ("": why never needs escaping).
    json_words: str = ""


def show(value: object) -> str:
    """Return a value as a manager reads it."""
    if value.__class__ is int:  # the common case first
        return str(value)
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _unknown(_: Assignment) -> bool | None:
    """Return that a condition on this field cannot be known ahead."""
    return None


class ConditionCompiler:
    """Compile conditions of one step against the file's windows and phrase lists."""

    __slots__ = ("step", "windows", "phrases", "steps_before", "env")

    def __init__(self, step: str, windows: Mapping[str, Window],
                 phrases: Mapping[str, PhraseMatcher], steps_before: tuple[str, ...],
                 env: dict[str, object]) -> None:
        self.step = step
        self.windows = windows
        self.phrases = phrases
        self.steps_before = steps_before
        self.env = env

    def name(self, value: object) -> str:
        """Return the name under which generated code reads a constant or helper."""
        key = f"_k{len(self.env)}"
        self.env[key] = value
        return key

    def compile(self, doc: Mapping[str, Any], path: tuple[str | int, ...]) -> Cond:
        """Return the compiled condition of a `when` mapping: all entries must hold."""
        parts: list[Cond] = []
        for key, value in doc.items():
            where = (*path, key)
            if key == "all":
                parts.append(all_of([self.compile(item, (*where, i))
                                     for i, item in enumerate(value)]))
            elif key == "any":
                parts.append(any_of([self.compile(item, (*where, i))
                                     for i, item in enumerate(value)]))
            elif key == "not":
                parts.append(not_of(self.compile(value, where)))
            else:
                parts.append(self._subject(key, value, where))
        return all_of(parts)

    def _subject(self, subject: str, value: Any, path: tuple[str | int, ...]) -> Cond:
        """Return the tests on one field, all of which must hold."""
        tests = value if isinstance(value, dict) else {"eq": value}
        parts = [self._test(subject, op, arg, (*path, op) if isinstance(value, dict) else path)
                 for op, arg in tests.items()]
        return all_of(parts)

    def _test(self, subject: str, op: str, arg: Any, path: tuple[str | int, ...]) -> Cond:
        """Return one test on one field."""
        head = subject.split(".", 1)[0]
        if subject in DOMAINS:
            decided = DECIDED_IN.get(subject)
            if decided is not None and decided not in self.steps_before:
                raise ConditionError(path, f"unknown field {subject!r} in step {self.step}: "
                                     f"it is decided in step {decided}, which comes "
                                     f"{'at the same time' if decided == self.step else 'later'}")
            return self._enum(subject, op, arg, path)
        if subject == "contact.text":
            return self._text(op, arg, path)
        if head == "state":
            return self._state(subject, op, arg, path)
        if subject == "clock":
            return self._clock(op, arg, path)
        known = ", ".join([*DOMAINS, "contact.text", "state.QUEUE.METRIC", "clock"])
        raise ConditionError(path, f"unknown field {subject!r} (expected one of {known})")

    def _atom(self, expr: str, explainer: Explainer,
              json_explainer: Explainer | None = None, tri: Tri = _unknown) -> Cond:
        """Return a test on what has no fixed values, explained by a function.

        Without json_explainer, the explainer's words never need escaping in JSON. `tri`
        reads it under an assumption of the load-time checks (unknown by default).
        """
        words = f"{self.name(explainer)}(contact, state, at, desk)"
        json_words = ("" if json_explainer is None
                      else f"{self.name(json_explainer)}(contact, state, at, desk)")
        return Cond(expr, words, "atom", (), tri, frozenset(), json_words=json_words)

    def _table(self, subject: str, holds: Callable[[object], bool],
               words: Callable[[object], str], expr: str) -> Cond:
        """Return a test on a field with fixed values, explained from a table of its values."""
        table = {value: (holds(value), words(value)) for value in DOMAINS[subject]}

        def tri(assignment: Assignment) -> bool | None:
            return holds(assignment[subject])

        read = _variable(subject)
        return Cond(expr, f"{self.name(table)}[{read}]", "atom", (), tri, frozenset({subject}),
                    read, table)

    def _enum(self, subject: str, op: str, arg: Any, path: tuple[str | int, ...]) -> Cond:
        """Return a test of equality or membership on a field with fixed values."""
        domain = DOMAINS[subject]
        what = "desk" if subject == "decision.desk" else "value"
        read = _variable(subject)
        if op == "present":
            if subject != "contact.region":
                raise ConditionError(path, f"'present' does not apply to {subject}")
            want = bool(arg)
            return self._table(
                subject, lambda v: (v is not None) == want,
                lambda v: f"region is {show(v)}" if v is not None else "no region",
                f"(({read} is not None) is {want!r})")
        values: list[object]
        if op in ("eq", "ne"):
            values = [arg]
        elif op in ("in", "not_in"):
            values = list(arg)
        else:
            raise ConditionError(path, f"test {op!r} does not apply to {subject} "
                                 "(use a value, eq, ne, in or not_in)")
        for item in values:
            if item not in domain or isinstance(item, bool) != isinstance(domain[0], bool):
                raise ConditionError(path, f"unknown {what} {show(item)!r} for {subject} "
                                     f"(expected one of {', '.join(show(d) for d in domain)})")
        label = _LABELS.get(subject, subject.split(".", 1)[1])
        if op in ("eq", "ne"):
            wanted = values[0]
            equal = op == "eq"

            def holds(v: object) -> bool:
                return (v == wanted) is equal

            def words(v: object) -> str:
                if holds(v) or not equal:
                    return f"{label} is {show(v)}"
                return f"{label} is {show(v)}, not {show(wanted)}"

            expr = f"({read} {'==' if equal else '!='} {wanted!r})"
        else:
            members = frozenset(values)
            listed = ", ".join(show(v) for v in values)
            inside = op == "in"

            def holds(v: object) -> bool:
                return (v in members) is inside

            def words(v: object) -> str:
                if holds(v):
                    return f"{label} is {show(v)}"
                return f"{label} is {show(v)}, {'not one' if inside else 'one'} of {listed}"

            expr = f"({read} {'in' if inside else 'not in'} {self.name(members)})"
        return self._table(subject, holds, words, expr)

    def _text(self, op: str, arg: Any, path: tuple[str | int, ...]) -> Cond:
        """Return a test on the free text: a phrase list, or whether there is text."""
        if op == "present":
            want = bool(arg)

            def explain_present(contact: Any, state: Any, at: Any, desk: str
                                ) -> tuple[bool, str]:
                there = bool(contact.text)
                return there == want, "there is text" if there else "there is no text"

            return self._atom(f"(bool(contact.text) is {want!r})", explain_present)
        if op != "mentions":
            raise ConditionError(path, f"test {op!r} does not apply to contact.text "
                                 "(use mentions or present)")
        matcher = self.phrases.get(arg)
        if matcher is None:
            raise ConditionError(path, f"unknown phrase list {arg!r} (expected one of "
                                 f"{', '.join(self.phrases) or 'none: add it under phrases'})")
        expr = (f"(contact.text is not None and {self.name(matcher.find)}(contact.text) "
                "is not None)")
        assumed = mentions(str(arg))  # the safety check's assumption (routing/safety.py)

        def tri(assignment: Assignment) -> bool | None:
            value = assignment.get(assumed)
            return None if value is None else bool(value)

        return self._atom(expr, _text_explainer(matcher, str(arg), None),
                          _text_explainer(matcher, str(arg), _escaped), tri)

    def _state_value(self, ref: str, path: tuple[str | int, ...]
                     ) -> tuple[str, str, Callable[[Any, str], tuple[float | None, str]]]:
        """Return a guard, an expression reading `state.QUEUE.METRIC`, and its reader."""
        # The reader takes (state, desk) and returns the value and its description.
        parts = ref.split(".")
        if len(parts) != 3 or parts[0] != "state":
            raise ConditionError(path, f"unknown field {ref!r} (expected state.QUEUE.METRIC)")
        _, queue, metric = parts
        if queue not in STATE_QUEUES:
            raise ConditionError(path, f"unknown desk {queue!r} in {ref} "
                                 f"(expected one of {', '.join(STATE_QUEUES)})")
        if metric not in METRICS:
            raise ConditionError(path, f"unknown field {ref!r} "
                                 f"(expected a metric among {', '.join(METRICS)})")
        if queue in ("owner", "other") and "owner" not in self.steps_before:
            raise ConditionError(path, f"unknown field {ref!r} in step {self.step}: "
                                 "the owner desk is decided in step owner")
        metric_words = _METRIC_WORDS[metric]
        value_of = operator.attrgetter(metric)
        if queue == "owner":
            owner_words: dict[str, str] = {desk: f"{metric_words} at owner {desk}"
                                           for desk in DESKS}

            def read_owner(state: Any, desk: str) -> tuple[float | None, str]:
                return value_of(getattr(state, desk)), owner_words[desk]

            return "", f"getattr(state, desk).{metric}", read_owner
        if queue == "other":
            other_words = {desk: (other, f"{metric_words} at the other desk {other}")
                           for desk, other in OTHER_DESK.items()}

            def read_other(state: Any, desk: str) -> tuple[float | None, str]:
                found = other_words.get(desk)
                if found is None:
                    return None, f"{metric_words} at the other desk (owner {desk} has none)"
                other, words = found
                return value_of(getattr(state, other)), words

            temp = f"_o{len(self.env)}"
            self.env[temp] = None  # reserves the name; generated code binds it locally
            guard = f"({temp} := {self.name(OTHER_DESK)}.get(desk)) is not None"
            return guard, f"getattr(state, {temp}).{metric}", read_other

        def read_fixed(state: Any, desk: str) -> tuple[float | None, str]:
            value: float = getattr(getattr(state, queue), metric)
            return value, f"{metric_words} at {queue}"

        return "", f"state.{queue}.{metric}", read_fixed

    def _state(self, subject: str, op: str, arg: Any, path: tuple[str | int, ...]) -> Cond:
        """Return a comparison of a state value with a number or another state value."""
        left_guard, left_expr, read = self._state_value(subject, path)
        if op not in _COMPARE:
            raise ConditionError(path, f"test {op!r} does not apply to {subject} "
                                 "(use a number, eq, ne, gt, gte, lt or lte)")
        compare = _COMPARE[op]
        unit = " s" if subject.endswith("expected_wait_s") else ""
        holds, fails = (_COMPARE_WORDS[op],
                        "equal to" if op == "ne" else f"not {_COMPARE_WORDS[op]}")
        explain: Explainer
        if isinstance(arg, str):
            right_guard, right_expr, read_right = self._state_value(arg, path)
            right_unit = " s" if arg.endswith("expected_wait_s") else ""

            def explain(contact: Any, state: Any, at: Any, desk: str) -> tuple[bool, str]:
                left, said = read(state, desk)
                value, right_said = read_right(state, desk)
                ok = left is not None and value is not None and compare(left, value)
                shown = f"{show(left)}{unit}" if left is not None else "none"
                right_words = (f"{right_said} ({show(value)}"
                               f"{right_unit if value is not None else ''})")
                return ok, f"{said} is {shown}, {holds if ok else fails} {right_words}"
        elif isinstance(arg, int | float) and not isinstance(arg, bool):
            try:
                limit = float(arg)
            except OverflowError:
                limit = math.inf
            if not math.isfinite(limit):
                raise ConditionError(path, f"{op} needs a finite number, not {arg!r}")
            if limit < 0:
                raise ConditionError(path, f"{subject}: {op} needs a number of 0 or more, not "
                                     f"{show(arg)} (a count or a wait is never negative)")
            right_guard, right_expr = "", repr(limit)
            limit_words = f"{show(limit)}{unit}"

            def explain(contact: Any, state: Any, at: Any, desk: str) -> tuple[bool, str]:
                left, said = read(state, desk)
                if left is None:
                    return False, f"{said} is none, {fails} {limit_words}"
                if compare(left, limit):
                    return True, f"{said} is {show(left)}{unit}, {holds} {limit_words}"
                return False, f"{said} is {show(left)}{unit}, {fails} {limit_words}"
        else:
            raise ConditionError(path, f"{op} needs a number or a state value, "
                                 f"not {show(arg)!r}")

        # Reading the other desk needs a guard: debasis has no other desk.
        guards = [guard for guard in (left_guard, right_guard) if guard]
        expr = "(" + " and ".join([*guards, f"{left_expr} {_SYMBOLS[op]} {right_expr}"]) + ")"
        return self._atom(expr, explain)

    def _clock(self, op: str, arg: Any, path: tuple[str | int, ...]) -> Cond:
        """Return a test whether the time is within (or outside) a named window."""
        if op not in ("within", "outside"):
            raise ConditionError(path, f"test {op!r} does not apply to clock "
                                 "(use within or outside)")
        window = self.windows.get(arg)
        if window is None:
            raise ConditionError(path, f"unknown window {arg!r} (expected one of "
                                 f"{', '.join(self.windows) or 'none: add it under windows'})")
        call = f"{self.name(window.contains)}(at)"
        if op == "within":  # the window's own explanation, called directly
            return Cond(call, f"{self.name(window.explain)}(at)", "atom", (), _unknown,
                        frozenset(), json_words=f"{self.name(window.explain_json)}(at)")

        def explain(contact: Any, state: Any, at: Any, desk: str) -> tuple[bool, str]:
            hit, words = window.explain(at)
            return not hit, words

        def explain_json(contact: Any, state: Any, at: Any, desk: str) -> tuple[bool, str]:
            hit, words = window.explain_json(at)
            return not hit, words

        return self._atom(f"(not {call})", explain, explain_json)


_SYMBOLS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "==", "ne": "!="}


def _escaped(text: str) -> str:
    """Return text as it reads inside a JSON string (without the quotes)."""
    return _quote(text)[1:-1]


def _text_explainer(matcher: PhraseMatcher, name: str,
                    escape: Callable[[str], str] | None) -> Explainer:
    """Return the explainer of `contact.text: {mentions: name}`, its words escaped by escape."""
    find = matcher.find
    phrases = {phrase: escape(phrase) if escape else phrase for phrase in matcher.phrases}
    shown = escape(name) if escape else name

    def explain_text(contact: Any, state: Any, at: Any, desk: str) -> tuple[bool, str]:
        text = contact.text
        if not text:
            return False, "there is no text"
        found = find(text)
        if found is None:
            return False, f"the text has no {shown} pattern"
        typos = "" if not found.typos else (
            f", with {found.typos} typo{'s' if found.typos > 1 else ''}")
        return True, f"the text mentions {shown} pattern '{phrases[found.phrase]}'{typos}"

    return explain_text


def _variable(subject: str) -> str:
    """Return the expression reading a field in generated code."""
    return subject.removeprefix("decision.")


def _tri_true(_: Assignment) -> bool | None:
    """Return True: the rule has no condition."""
    return True


ALWAYS = Cond("True", "(True, 'always')", "atom", (), _tri_true, frozenset())


def all_of(parts: list[Cond]) -> Cond:
    """Return a condition that holds when every part holds (in order, stopping early)."""
    if not parts:
        return ALWAYS
    if len(parts) == 1:
        return parts[0]

    def tri(assignment: Assignment) -> bool | None:
        result: bool | None = True
        for part in parts:
            value = part.tri(assignment)
            if value is False:
                return False
            if value is None:
                result = None
        return result

    expr = "(" + " and ".join(part.expr for part in parts) + ")"
    read, table = _joint_table(parts)
    return Cond(expr, "", "all", tuple(parts), tri,
                frozenset().union(*(p.subjects for p in parts)), read, table)


def _joint_table(parts: list[Cond]) -> tuple[str, dict[object, tuple[bool, str]] | None]:
    """Return one table of (holds, why) for parts that each read one fixed-value field."""
    # Keyed by the tuple of the parts' values; none when it would pass 4096 entries.
    tables = [part.table for part in parts]
    if any(table is None for table in tables) or prod(len(t or ()) for t in tables) > 4096:
        return "", None
    joint: dict[object, tuple[bool, str]] = {}
    for values in product(*(tuple(t or ()) for t in tables)):
        said: list[str] = []
        verdict = (True, "")
        for table, value in zip(tables, values, strict=True):
            ok, why = (table or {})[value]
            if not ok:
                verdict = (False, why)
                break
            said.append(why)
        joint[values] = verdict if not verdict[0] else (True, " and ".join(said))
    return "(" + ", ".join(part.read for part in parts) + ",)", joint


def any_of(parts: list[Cond]) -> Cond:
    """Return a condition that holds when at least one part holds."""
    if len(parts) == 1:
        return parts[0]

    def tri(assignment: Assignment) -> bool | None:
        result: bool | None = False
        for part in parts:
            value = part.tri(assignment)
            if value is True:
                return True
            if value is None:
                result = None
        return result

    expr = "(" + " or ".join(part.expr for part in parts) + ")"
    return Cond(expr, "", "any", tuple(parts), tri,
                frozenset().union(*(p.subjects for p in parts)))


def not_of(part: Cond) -> Cond:
    """Return a condition that holds when part does not."""
    def tri(assignment: Assignment) -> bool | None:
        value = part.tri(assignment)
        return None if value is None else not value

    return Cond(f"(not {part.expr})", "", "not", (part,), tri, part.subjects)
