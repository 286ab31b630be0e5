"""`loket route` and `loket rules check`: the routing contract on the command line."""

from __future__ import annotations

import gc
import json
import json.scanner
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from loket.routing import Decision, Rules

_RULES_HELP = "Rules file to use (default: $LOKET_RULES_PATH, else routing_rules/default.yaml)."


def _fail(message: str) -> NoReturn:
    """Print one line naming what is wrong and exit with status 2."""
    click.echo(f"error: {message}", err=True)
    raise SystemExit(2)


def _load(path: Path | None) -> Rules:
    """Return the compiled rules of a file, or fail with its problems."""
    from loket.routing import RulesError, default_rules_path, load_rules

    try:
        return load_rules(path if path is not None else default_rules_path())
    except RulesError as error:
        for problem in error.problems[1:]:
            click.echo(f"error: {problem}", err=True)
        _fail(str(error.problems[0]))


def _as_text(decision: Decision) -> str:
    """Return a decision and its trace as lines a person reads."""
    flags = ", ".join(decision.flags) or "none"
    head = (f"desk {decision.desk}, queue {decision.queue}, priority {decision.priority}, "
            f"respond {decision.respond}, crisis {'yes' if decision.crisis else 'no'}, "
            f"flags {flags}\n  decided by rule {decision.rule} (rules {decision.rules_version})")
    lines = [f"  {n:>2}. {line}" for n, line in enumerate(decision.trace, 1)]
    return "\n".join([head, "  why:", *lines]) + "\n"


def _route_one(rules: Rules, raw: str, where: str, explain: bool) -> str:
    """Return the output of one request, or fail naming the bad field and value."""
    from loket.routing import RoutingInputError, parse_request

    try:
        obj = json.loads(raw)
    except ValueError as error:
        detail = (f"{error.msg} at column {error.colno}"
                  if isinstance(error, json.JSONDecodeError) else str(error))
        _fail(f"{where}request: not valid JSON ({detail})")
    try:
        request = parse_request(obj)
    except RoutingInputError as error:
        _fail(f"{where}{error}")
    decision = rules.decide(request.contact, request.state, request.at)
    if explain:
        return _as_text(decision)
    return decision.to_json() + "\n"


@click.command("route")
@click.option("--batch", is_flag=True,
              help="Read one request per line (JSON lines) and write one decision per line, "
                   "in order. Stops at the first bad line, naming its line number.")
@click.option("--explain", is_flag=True,
              help="Instead of JSON, print each decision as text: the outcome, then why, rule "
                   "by rule (in --batch, a blank line between decisions).")
@click.option("--rules", "rules_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help=_RULES_HELP)
def route_command(batch: bool, explain: bool, rules_path: Path | None) -> None:
    """Route a contact: read a request JSON object on stdin, print its decision as JSON.

    The request is {"contact": {...}, "state": {...}, "at": "ISO time with offset"}
    (see DESIGN.md, "The routing contract"); without "at", now. A bad field prints
    one line naming the field and the value on stderr and exits with status 2.
    """
    rules = _load(rules_path)
    out = sys.stdout
    if not batch:
        raw = sys.stdin.read()
        if not raw.strip():
            _fail("request: no input (expected one JSON object on stdin)")
        out.write(_route_one(rules, raw, "", explain))
        return
    gc.freeze()  # the rules and imports stay: collections need not scan them per line
    _route_lines(rules, sys.stdin.buffer, out, explain)


def _route_lines(rules: Rules, stdin: IO[bytes], out: IO[str], explain: bool) -> None:
    """Route JSON lines in order; write decisions as each chunk of input arrives."""
    from loket.routing import RoutingInputError, parse_request

    # What json.loads runs on a line with no space around its value.
    scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
    decide = rules.decide
    decision_json = rules.decision_json  # the same as decide(...).to_json(), in one pass
    read = getattr(stdin, "read1", stdin.read)
    number = 0
    rest = b""
    written = 0
    while True:
        chunk = read(1 << 16)
        lines = (rest + chunk).split(b"\n") if chunk else [rest]
        rest = lines.pop() if chunk else b""
        outputs: list[str] = []
        for line in lines:
            number += 1
            if not line.strip():
                continue
            try:
                request = parse_request(_json_value(line, scan))
            except (ValueError, RoutingInputError):
                out.write("".join(outputs))
                out.flush()
                text = line.decode("utf-8", "replace")
                _route_one(rules, text, f"line {number}: ", explain)  # fails with the reason
                raise
            if explain:
                decision = decide(request.contact, request.state, request.at)
                outputs.append(("\n" if written else "") + _as_text(decision))
            else:
                outputs.append(decision_json(*request) + "\n")
            written += 1
        out.write("".join(outputs))
        out.flush()
        if not chunk:
            return


def _json_value(line: bytes, scan: Callable[[str, int], tuple[object, int]]) -> object:
    """Return the JSON value of a line, scanned directly when the line is just the value."""
    try:
        text = line.decode()
        value, end = scan(text, 0)
        if end == len(text):
            return value
    except (UnicodeDecodeError, StopIteration, ValueError):
        pass
    return json.loads(line)  # spaces around it, a byte order mark, or the exact error


@click.group("rules")
def rules_group() -> None:
    """Work with routing rules files."""


@rules_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check_command(paths: tuple[Path, ...]) -> None:
    """Validate rules files (default: the rules file in force); exit 2 on any problem.

    Prints "ok: PATH (N rules, version ...)" for a good file, and one line per
    problem (file:line: rule ID: what is wrong) on stderr for a bad one.
    """
    from loket.routing import RulesError, default_rules_path, load_rules

    bad = False
    for path in paths or (default_rules_path(),):
        try:
            rules = load_rules(path)
        except RulesError as error:
            bad = True
            for problem in error.problems:
                click.echo(f"error: {problem}", err=True)
            continue
        click.echo(f"ok: {path} ({rules.rule_count} rules, version {rules.version})")
    if bad:
        raise SystemExit(2)
