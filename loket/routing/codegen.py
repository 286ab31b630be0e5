"""Generate plain Python functions from compiled rules: fast as code written by hand."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import product
from json.encoder import encode_basestring_ascii as _quote
from math import prod
from typing import Any, Protocol, cast

from loket.routing.actions import Action
from loket.routing.conditions import DOMAINS, Cond
from loket.routing.model import HEADS, Decision, Outcome, json_head

DecideFunction = Callable[[Any, Any, Any], Decision]
ExplainFunction = Callable[[Any, Any, Any], tuple[Outcome, list[str]]]
DecisionJsonFunction = Callable[[Any, Any, Any], str]


class RuleCode(Protocol):
    """What code generation needs of a compiled rule."""

    @property
    def id(self) -> str: ...
    @property
    def when(self) -> Cond: ...
    @property
    def then(self) -> Action: ...
    @property
    def go_on(self) -> bool: ...


class UndecidedError(RuntimeError):
    """A step decided nothing; checks at load time make this impossible."""


def _undecided(step: str) -> UndecidedError:
    """Return the error for a step that decided nothing."""
    return UndecidedError(f"step {step} decided nothing")


_FLAGS = "tuple(sorted(set(flags))) if flags else ()"


def decide_source(steps: Mapping[str, Sequence[RuleCode]]) -> str:
    """Return the source of `decide(contact, state, at)`: the rules as if/else code."""
    # Every value in it is a literal checked at load time (repr of a known desk, a
    # finite number, a flag, a rule id of the schema's pattern) or a name of the
    # environment; no free text of the file becomes code.
    lines = ["def decide(contact, state, at):", "    flags = []", "    crisis = False",
             "    rule = ''"]
    for position, (step, rules) in enumerate(steps.items()):
        lines += [f"    # step {step}", "    while True:"]
        for rule in rules:
            lines.append(f"        if {rule.when.expr}:  # rule {rule.id}")
            lines += [f"            {statement}" for statement in rule.then.code]
            if not rule.go_on:
                if position == 0:
                    lines.append(f"            rule = {rule.id!r}")
                lines.append("            break")
            elif not rule.then.code:
                lines.append("            pass")
        lines.append(f"        raise _undecided({step!r})")
    lines += [
        "    if crisis:",
        "        flags.append('crisis')",
        f"    return _new(_Decision, (desk, queue, priority, crisis, respond, {_FLAGS},",
        "                            rule, _version, (_rules, contact, state, at)))",
    ]
    return "\n".join(lines) + "\n"


class _Emitter:
    """Write the code that explains a condition, with names of its own.

    With `quoted`, every why is escaped as in a JSON string.
    """

    __slots__ = ("env", "quoted", "count")

    def __init__(self, env: dict[str, object], quoted: bool = False) -> None:
        self.env = env
        self.quoted = quoted
        self.count = 0

    def emit(self, cond: Cond, ok: str, why: str, indent: str) -> list[str]:
        """Return statements setting ok and why to whether cond holds and why."""
        table = cond.table
        if self.quoted and table is not None:
            escaped = {value: (holds, _escaped(words)) for value, (holds, words) in table.items()}
            table = table if escaped == table else escaped
        if cond.kind == "atom" and table is cond.table:
            words = cond.json_words if self.quoted and cond.json_words else cond.words
            return [f"{indent}{ok}, {why} = {words}"]
        if table is not None:
            name = f"_table{len(self.env)}"
            self.env[name] = table
            return [f"{indent}{ok}, {why} = {name}[{cond.read}]"]
        if cond.kind == "not":
            return [*self.emit(cond.parts[0], ok, why, indent), f"{indent}{ok} = not {ok}"]
        self.count += 1
        own = self.count  # parts emit names of their own, counted on
        every = cond.kind == "all"
        inner = indent + "    "
        lines = [f"{indent}while True:"]
        whys: list[str] = []
        for number, part in enumerate(cond.parts):
            part_ok, part_why = f"_ok{own}_{number}", f"_why{own}_{number}"
            lines += self.emit(part, part_ok, part_why, inner)
            stop = f"not {part_ok}" if every else part_ok
            lines.append(f"{inner}if {stop}: {ok}, {why} = {not every}, {part_why}; break")
            whys.append(part_why)
        joiner = " + ' and ' + " if every else " + '; ' + "
        lines.append(f"{inner}{ok}, {why} = {every}, {joiner.join(whys)}; break")
        return lines


def _escaped(text: str) -> str:
    """Return text as it reads inside a JSON string (without the quotes)."""
    inside: str = _quote(text)[1:-1]
    return inside


class _TraceLines:
    """Write trace lines as plain text, or quoted as JSON strings.

    A line worked out at run time is put together from pieces: text of the rules,
    escaped now when quoted, whys escaped by the emitter, and the words of actions,
    which never need escaping (names of desks, queues and flags, and numbers). So a
    quoted line is the pieces between quotes, with no escaping at run time.
    """

    __slots__ = ("quoted",)

    def __init__(self, quoted: bool) -> None:
        self.quoted = quoted

    def text(self, line: str) -> str:
        """Return a line made now, as the trace holds it."""
        if not self.quoted:
            return line
        json_string: str = _quote(line)
        return json_string

    def fixed(self, line: str) -> str:
        """Return the expression of a line made now."""
        return repr(self.text(line))

    def head(self, text: str) -> str:
        """Return the start of a line whose end is worked out at run time."""
        return '"' + _escaped(text) if self.quoted else text

    def tail(self, text: str) -> str:
        """Return the end of a line whose start is worked out at run time."""
        return _escaped(text) + '"' if self.quoted else text

    def middle(self, text: str) -> str:
        """Return text within a line worked out at run time."""
        return _escaped(text) if self.quoted else text

    def end(self, expr: str) -> str:
        """Return the expression of a line ending in expr, worked out at run time."""
        return f"{expr} + '\"'" if self.quoted else expr


def explain_source(steps: Mapping[str, Sequence[RuleCode]], env: dict[str, object], *,
                   quoted: bool = False) -> str:
    """Return the source of `explain(contact, state, at)`: the outcome and the trace.

    With `quoted` the function is `decision_json`, which returns the decision's JSON:
    every trace line is made a JSON string (quotes included) and the line is finished
    with `_heads` and `_json_head` (model's JSON of outcomes) and `_tail` (what follows
    the trace), which the caller adds to env.
    """
    # Lines that depend on fixed-value fields only are made now and looked up by their
    # values; the tables are added to env.
    writer = _ExplainWriter(env, _Emitter(env, quoted), _TraceLines(quoted))
    name = "decision_json" if quoted else "explain"
    lines = [f"def {name}(contact, state, at):", "    flags = []", "    crisis = False",
             "    rule = desk = priority = queue = respond = ''", "    trace = []"]
    for position, (step, rules) in enumerate(steps.items()):
        lines += [f"    # step {step}", "    while True:"]
        start = 0
        while start < len(rules):
            run = _table_run(rules, start)
            if len(run) > 1:
                lines += writer.run(run, owner_step=position == 0)
                start += len(run)
                continue
            lines += writer.rule(rules[start], owner_step=position == 0)
            start += 1
        lines.append(f"        raise _undecided({step!r})")
    outcome = f"(desk, queue, priority, crisis, respond, {_FLAGS}, rule)"
    lines += ["    if crisis:", "        flags.append('crisis')"]
    if quoted:
        lines += [f"    _outcome = {outcome}",
                  "    _head = _heads.get(_outcome)",
                  "    if _head is None:",
                  "        _head = _json_head(_outcome)",
                  "    return _head + '[' + ', '.join(trace) + _tail"]
    else:
        lines.append(f"    return {outcome}, trace")
    return "\n".join(lines) + "\n"


# Above this many combinations of field values, rules are looked up one by one.
_MAX_RUN_TABLE = 4096


def _table_run(rules: Sequence[RuleCode], start: int) -> list[RuleCode]:
    """Return the rules from start on that one lookup by fixed-value fields can decide."""
    # That is rules that stop the step when they hold, tested on fixed-value fields only
    # (or always holding, which ends the run), and few combinations of those fields.
    run: list[RuleCode] = []
    fields: set[str] = set()
    for rule in rules[start:]:
        always = rule.when.expr == "True"
        if rule.go_on or (rule.when.table is None and not always):
            break
        wider = fields | {subject for subject, _ in _reads(rule.when)}
        if prod(len(DOMAINS[subject]) for subject in wider) > _MAX_RUN_TABLE:
            break
        run.append(rule)
        fields = wider
        if always:
            break
    return run


def _reads(cond: Cond) -> list[tuple[str, str]]:
    """Return the fixed-value fields a table condition reads (and how), in its key's order."""
    if cond.expr == "True":
        return []
    if cond.kind == "atom":
        (subject,) = cond.subjects
        return [(subject, cond.read)]
    return [read for part in cond.parts for read in _reads(part)]


def _key(cond: Cond, values: Mapping[str, object]) -> object:
    """Return the key of a table condition's table for values of its fields."""
    if cond.kind == "atom":
        (subject,) = cond.subjects
        return values[subject]
    return tuple(_key(part, values) for part in cond.parts)


class _ExplainWriter:
    """Write the code that decides and explains rules, one by one or a run at once."""

    __slots__ = ("env", "emitter", "trace")

    def __init__(self, env: dict[str, object], emitter: _Emitter, trace: _TraceLines) -> None:
        self.env = env
        self.emitter = emitter
        self.trace = trace

    def rule(self, rule: RuleCode, *, owner_step: bool) -> list[str]:
        """Return the code of one rule."""
        body = [f"            {statement}" for statement in rule.then.code]
        if rule.when.expr == "True":
            return ["        if True:", *body, f"            trace.append({self._always(rule)})",
                    *_decided(rule, owner_step)]
        if rule.when.table is not None:
            return self._looked_up(rule, body, owner_step)
        trace, fixed = self.trace, rule.then.fixed
        yes = repr(trace.head(rule.id + ": yes ("))
        said_yes = (f"{yes} + _why + {trace.tail(') -> ' + fixed)!r}" if fixed is not None
                    else trace.end(f"{yes} + _why + {trace.middle(') -> ')!r} "
                                   f"+ {rule.then.words}"))
        said_no = f"{trace.head(rule.id + ': no (')!r} + _why + {trace.tail(')')!r}"
        return [*self.emitter.emit(rule.when, "_ok", "_why", "        "),
                "        if _ok:", *body, f"            trace.append({said_yes})",
                *_decided(rule, owner_step),
                "        else:", f"            trace.append({said_no})"]

    def _always(self, rule: RuleCode) -> str:
        """Return the expression of the line of a rule that always holds."""
        head = f"{rule.id}: yes (always) -> "
        if rule.then.fixed is not None:
            return self.trace.fixed(head + rule.then.fixed)
        return self.trace.end(f"{self.trace.head(head)!r} + {rule.then.words}")

    def _looked_up(self, rule: RuleCode, body: list[str], owner_step: bool) -> list[str]:
        """Return the code of a rule whose holding, and line, are looked up by values."""
        trace, env, fixed = self.trace, self.env, rule.then.fixed
        table = rule.when.table or {}
        yes_name, no_name = f"_yes{len(env)}", f"_no{len(env)}"
        if fixed is not None:
            env[yes_name] = {value: trace.text(f"{rule.id}: yes ({why}) -> {fixed}")
                             for value, (ok, why) in table.items() if ok}
            said = f"{yes_name}[_v]"
        else:
            env[yes_name] = {value: trace.head(f"{rule.id}: yes ({why}) -> ")
                             for value, (ok, why) in table.items() if ok}
            said = trace.end(f"{yes_name}[_v] + {rule.then.words}")
        env[no_name] = {value: trace.text(f"{rule.id}: no ({why})")
                        for value, (ok, why) in table.items() if not ok}
        return [f"        _v = {rule.when.read}", f"        if _v in {yes_name}:", *body,
                f"            trace.append({said})", *_decided(rule, owner_step),
                "        else:", f"            trace.append({no_name}[_v])"]

    def run(self, rules: Sequence[RuleCode], *, owner_step: bool) -> list[str]:
        """Return the code of rules decided by one lookup of their fields' values."""
        # The table gives, for the values, which rule holds (-1: none), the lines said
        # so far, and the start of the holding rule's line when its end is said later.
        reads = dict(read for rule in rules for read in _reads(rule.when))
        subjects = sorted(reads)
        lookup: dict[object, tuple[int, tuple[str, ...], str]] = {}
        for values in product(*(DOMAINS[subject] for subject in subjects)):
            case = dict(zip(subjects, values, strict=True))
            said: list[str] = []
            hit, start = -1, ""
            for index, rule in enumerate(rules):
                table = rule.when.table  # None only for a rule that always holds
                ok, why = (True, "always") if table is None else table[_key(rule.when, case)]
                if not ok:
                    said.append(self.trace.text(f"{rule.id}: no ({why})"))
                    continue
                hit = index
                if rule.then.fixed is not None:
                    said.append(self.trace.text(f"{rule.id}: yes ({why}) -> {rule.then.fixed}"))
                else:
                    start = self.trace.head(f"{rule.id}: yes ({why}) -> ")
                break
            lookup[values[0] if len(values) == 1 else values] = (hit, tuple(said), start)
        name = f"_run{len(self.env)}"
        self.env[name] = lookup
        key = (reads[subjects[0]] if len(subjects) == 1
               else "(" + ", ".join(reads[subject] for subject in subjects) + ",)")
        lines = [f"        # rules {', '.join(rule.id for rule in rules)}",
                 f"        _hit, _said, _start = {name}[{key}]",
                 "        trace += _said"]
        for index, rule in enumerate(rules):
            lines.append(f"        if _hit == {index}:")
            lines += [f"            {statement}" for statement in rule.then.code]
            if rule.then.fixed is None:
                said_later = self.trace.end(f"_start + {rule.then.words}")
                lines.append(f"            trace.append({said_later})")
            lines += _decided(rule, owner_step)
        return lines


def _decided(rule: RuleCode, owner_step: bool) -> list[str]:
    """Return what follows the code of a rule that holds: its id, and stopping the step."""
    return (([f"            rule = {rule.id!r}"] if owner_step else [])
            + ([] if rule.go_on else ["            break"]))


def build(code: str, env: Mapping[str, object], file: str, name: str) -> Callable[..., Any]:
    """Return the function `name` defined by generated code, compiled once."""
    namespace: dict[str, object] = {**env, "_undecided": _undecided, "_Decision": Decision,
                                    "_new": tuple.__new__, "_quote": _quote,
                                    "_heads": HEADS, "_json_head": json_head}
    exec(compile(code, f"<rules {file}>", "exec"), namespace)  # noqa: S102 - generated above
    return cast(Callable[..., Any], namespace[name])
