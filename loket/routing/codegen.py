"""Generate plain Python functions from compiled rules: fast as code written by hand."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

from loket.routing.actions import Action
from loket.routing.conditions import Cond
from loket.routing.model import Decision

DecideFunction = Callable[[Any, Any, Any], Decision]
Outcome = tuple[str, str, str, bool, str, tuple[str, ...], str]
ExplainFunction = Callable[[Any, Any, Any], tuple[Outcome, list[str]]]


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
        "                            rule, _version, (_explain, contact, state, at)))",
    ]
    return "\n".join(lines) + "\n"


@dataclass(slots=True)
class _Emitter:
    """Write the code that explains a condition, with names of its own."""

    env: dict[str, object]
    count: int = 0

    def emit(self, cond: Cond, ok: str, why: str, indent: str) -> list[str]:
        """Return statements setting ok and why to whether cond holds and why."""
        if cond.kind == "atom":
            return [f"{indent}{ok}, {why} = {cond.words}"]
        if cond.table is not None:
            name = f"_table{len(self.env)}"
            self.env[name] = cond.table
            return [f"{indent}{ok}, {why} = {name}[{cond.read}]"]
        if cond.kind == "not":
            return [*self.emit(cond.parts[0], ok, why, indent), f"{indent}{ok} = not {ok}"]
        self.count += 1
        said, part_ok, part_why = f"_said{self.count}", f"_ok{self.count}", f"_why{self.count}"
        every = cond.kind == "all"
        inner = indent + "    "
        lines = [f"{indent}{said} = []", f"{indent}while True:"]
        for part in cond.parts:
            lines += self.emit(part, part_ok, part_why, inner)
            stop = f"not {part_ok}" if every else part_ok
            lines.append(f"{inner}if {stop}: {ok}, {why} = {not every}, {part_why}; break")
            lines.append(f"{inner}{said}.append({part_why})")
        joiner = " and " if every else "; "
        lines.append(f"{inner}{ok}, {why} = {every}, {joiner!r}.join({said}); break")
        return lines


def explain_source(steps: Mapping[str, Sequence[RuleCode]], env: dict[str, object]) -> str:
    """Return the source of `explain(contact, state, at)`: the outcome and the trace."""
    # Lines that depend on fixed-value fields only are made now and looked up by their
    # values; the tables are added to env.
    emitter = _Emitter(env)
    lines = ["def explain(contact, state, at):", "    flags = []", "    crisis = False",
             "    rule = desk = priority = queue = respond = ''", "    trace = []"]
    for position, (step, rules) in enumerate(steps.items()):
        lines += [f"    # step {step}", "    while True:"]
        for rule in rules:
            decided = ([f"            rule = {rule.id!r}"] if position == 0 else []) + (
                [] if rule.go_on else ["            break"])
            body = [f"            {statement}" for statement in rule.then.code]
            when = rule.when
            if when.expr == "True":
                lines.append("        if True:")
                lines += body
                lines.append(f"            trace.append({rule.id + ': yes (always) -> '!r} + "
                             f"{rule.then.words})")
                lines += decided
                continue
            if when.table is not None:
                yes = {value: f"{rule.id}: yes ({why}) -> "
                       for value, (ok, why) in when.table.items() if ok}
                no = {value: f"{rule.id}: no ({why})"
                      for value, (ok, why) in when.table.items() if not ok}
                yes_name, no_name = f"_yes{len(env)}", f"_no{len(env)}"
                env[yes_name], env[no_name] = yes, no
                lines.append(f"        _v = {when.read}")
                lines.append(f"        if _v in {yes_name}:")
                lines += body
                lines.append(f"            trace.append({yes_name}[_v] + {rule.then.words})")
                lines += decided
                lines += ["        else:", f"            trace.append({no_name}[_v])"]
                continue
            lines += emitter.emit(when, "_ok", "_why", "        ")
            lines.append("        if _ok:")
            lines += body
            lines.append(f"            trace.append({rule.id + ': yes ('!r} + _why + ') -> ' + "
                         f"{rule.then.words})")
            lines += decided
            lines.append("        else:")
            lines.append(f"            trace.append({rule.id + ': no ('!r} + _why + ')')")
        lines.append(f"        raise _undecided({step!r})")
    lines += [
        "    if crisis:",
        "        flags.append('crisis')",
        f"    return (desk, queue, priority, crisis, respond, {_FLAGS}, rule), trace",
    ]
    return "\n".join(lines) + "\n"


def build(code: str, env: Mapping[str, object], file: str, name: str) -> Callable[..., Any]:
    """Return the function `name` defined by generated code, compiled once."""
    namespace: dict[str, object] = {**env, "_undecided": _undecided, "_Decision": Decision,
                                    "_new": tuple.__new__}
    exec(compile(code, f"<rules {file}>", "exec"), namespace)  # noqa: S102 - generated above
    return cast(Callable[..., Any], namespace[name])
