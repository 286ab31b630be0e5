"""`loket route` and `loket rules check`: the routing contract on the command line."""

from __future__ import annotations

import gc
import json
import json.scanner
import os
import signal
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, NoReturn, Protocol, TextIO

import click

from loket.cli.help import Command, Group
from loket.cli.language import cli_language
from loket.cli.texts import TEXTS

if TYPE_CHECKING:
    from loket.routing import Decision, Rules

# `--batch` on a file of requests of this size splits it over the CPUs, a part each
# (at most this many); each other part's decisions wait in memory until their turn.
_PARALLEL_BYTES = (1 << 20, 1 << 26)
_MAX_PARTS = 8
_CHUNK = 1 << 16

BadLine = tuple[int, bytes]  # the number and the bytes of the first bad line


class _Out(Protocol):
    """Where decisions are written."""

    def write(self, text: str, /) -> int: ...
    def flush(self) -> None: ...


def _text(key: str, **values: object) -> str:
    """Return one of the command's texts in the locale's language."""
    return TEXTS.get(key, cli_language(), **values)


def _said(problem: object) -> str:
    """Return a problem of the routing package (a rules file's, a request's, the JSON
    decoder's) in the locale's language: Dutch by default, English as the package said it."""
    from loket.routing.problem_words import problem_in_language  # only to print a problem

    return problem_in_language(str(problem), cli_language())


def _error(message: str) -> None:
    """Print one line naming what is wrong on stderr (`fout: ...`, `error: ...`)."""
    click.echo(_text("error", message=message), err=True)


def _fail(message: str) -> NoReturn:
    """Print one line naming what is wrong and exit with status 2.

    Not `common.fail`: that module imports the app's configuration; `route` starts without.
    """
    _error(message)
    raise SystemExit(2)


def _load(path: Path | None) -> Rules:
    """Return the compiled rules of a file, or fail with its problems."""
    from loket.routing import RulesError, default_rules_path, load_rules

    try:
        return load_rules(path if path is not None else default_rules_path())
    except RulesError as error:
        for problem in error.problems[1:]:
            _error(_said(problem))
        _fail(_said(error.problems[0]))


def _as_text(decision: Decision) -> str:
    """Return a decision and its trace as lines a person reads, in the locale's language."""
    from loket.routing.trace_words import in_language, value_in_language  # only for --explain

    language = cli_language()

    def said(value: str) -> str:
        return value_in_language(value, language)

    head = _text("route_decision", desk=said(decision.desk), queue=said(decision.queue),
                 priority=said(decision.priority), respond=said(decision.respond),
                 crisis=_text("yes" if decision.crisis else "no"),
                 flags=", ".join(map(said, decision.flags)) or _text("none"),
                 rule=decision.rule, version=decision.rules_version)
    lines = [f"  {n:>2}. {in_language(line, language)}"
             for n, line in enumerate(decision.trace, 1)]
    return "\n".join([head, _text("route_why"), *lines]) + "\n"


def _route_one(rules: Rules, raw: str, where: str, explain: bool) -> str:
    """Return the output of one request, or fail naming the bad field and value."""
    from loket.routing import RoutingInputError, parse_request

    try:
        obj = json.loads(raw)
    except RecursionError:  # valid JSON perhaps, but no request nests a thousand deep
        _fail(_text("route_not_json", where=where, detail=_text("route_json_deep")))
    except ValueError as error:
        detail = (_text("route_json_at", msg=_said(error.msg), column=error.colno)
                  if isinstance(error, json.JSONDecodeError) else _said(error))
        _fail(_text("route_not_json", where=where, detail=detail))
    try:
        request = parse_request(obj)
    except RoutingInputError as error:
        _fail(f"{where}{_said(error)}")
    decision = rules.decide(request.contact, request.state, request.at)
    if explain:
        return _as_text(decision)
    return decision.to_json() + "\n"


@click.command("route", cls=Command)
@click.option("--batch", is_flag=True,
              help="Read one request per line (JSON lines) and write one decision per line, "
                   "in order. Stops at the first bad line, naming its line number. A big "
                   "file on stdin (not a pipe) is split over the CPUs.")
@click.option("--explain", is_flag=True,
              help="Instead of JSON, print each decision as text: the outcome, then why, rule "
                   "by rule (in --batch, a blank line between decisions).")
@click.option("--rules", "rules_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Rules file to use (default: $LOKET_RULES_PATH, else "
              "routing_rules/default.yaml).")
def route_command(batch: bool, explain: bool, rules_path: Path | None) -> None:
    """Route a contact: read a request JSON object on stdin, print its decision as JSON.

    The request is {"contact": {...}, "state": {...}, "at": "ISO time with offset"}
    (see DESIGN.md, "The routing contract"); without "at", now. A bad field prints
    one line naming the field and the value on stderr and exits with status 2.
    """
    rules = _load(rules_path)
    out = sys.stdout
    if not batch:
        raw = _decoded(sys.stdin.buffer.read(), "")
        if not raw.strip():
            _fail(_text("route_no_input"))
        out.write(_route_one(rules, raw, "", explain))
        return
    gc.freeze()  # the rules and imports stay: collections need not scan them per line
    stdin = sys.stdin.buffer
    parts = None if explain else _parts(stdin)
    bad = (_route_lines(rules, getattr(stdin, "read1", stdin.read), out, explain)
           if parts is None else _route_parts(rules, stdin.fileno(), parts, out))
    if bad is not None:
        _name_bad_line(rules, *bad, explain)


def _name_bad_line(rules: Rules, number: int, line: bytes, explain: bool) -> NoReturn:
    """Fail naming what is wrong with a bad line of a batch (its number first)."""
    where = _text("route_line", n=number)
    _route_one(rules, _decoded(line, where), where, explain)
    raise SystemExit(2)  # not reached: _route_one names what is wrong and exits


def _decoded(raw: bytes, where: str) -> str:
    """Return a request's text: UTF-8 (a byte order mark before it is dropped); fail naming
    the first byte that is not."""
    try:
        return raw.decode().removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        _fail(_text("route_not_utf8", where=where, byte=error.start + 1))


def _route_lines(rules: Rules, read: Callable[[int], bytes], out: _Out,
                 explain: bool) -> BadLine | None:
    """Route JSON lines in order, writing decisions as each chunk of input arrives.

    Stop at the first bad line, having written the decisions before it; return its
    number and bytes (None when every line is good).
    """
    from loket.routing import parse_request

    # What json.loads runs on a line with no space around its value.
    scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
    decide = rules.decide
    decision_json = rules.decision_json  # the same as decide(...).to_json(), in one pass
    number = 0
    rest = b""
    written = 0
    while True:
        chunk = read(_CHUNK)
        lines = (rest + chunk).split(b"\n") if chunk else [rest]
        rest = lines.pop() if chunk else b""
        outputs: list[str] = []  # decisions as JSON, or as text ending in a newline
        for line in lines:
            number += 1
            try:
                text = line.decode()
                value, end = scan(text, 0)
                if end != len(text):
                    value = json.loads(text)  # spaces after the value, or an error
                request = parse_request(value)
            except (StopIteration, ValueError, RecursionError):  # no value, bad JSON or a
                if not line or line.isspace():                   # bad field; too deep
                    continue
                try:  # spaces before the value or a byte order mark; else the error
                    request = parse_request(json.loads(line))
                except (ValueError, RecursionError):
                    _write(out, outputs, explain)
                    return number, line
            if explain:
                decision = decide(request.contact, request.state, request.at)
                outputs.append(("\n" if written else "") + _as_text(decision))
            else:
                outputs.append(decision_json(*request))
            written += 1
        _write(out, outputs, explain)
        if not chunk:
            return None


def _write(out: _Out, outputs: list[str], explain: bool) -> None:
    """Write decisions: JSON one per line, or text as it is."""
    if outputs:
        out.write("".join(outputs) if explain else "\n".join(outputs) + "\n")
    out.flush()


def _parts(stdin: IO[bytes]) -> list[tuple[int, int]] | None:
    """Return where a big file of requests splits into a part per CPU (None: one part).

    Only a regular file splits (not a pipe), at line starts, on a system with fork.
    """
    if not all(hasattr(os, name) for name in ("fork", "memfd_create", "sched_getaffinity")):
        return None
    try:
        fd = stdin.fileno()
        info = os.fstat(fd)
        start = os.lseek(fd, 0, os.SEEK_CUR)
    except (AttributeError, OSError, ValueError):
        return None
    cpus = min(len(os.sched_getaffinity(0)), _MAX_PARTS)
    end = info.st_size
    smallest, largest = _PARALLEL_BYTES
    if cpus < 2 or not stat.S_ISREG(info.st_mode) or not smallest <= end - start <= largest:
        return None
    cuts = [start]
    for part in range(1, cpus):
        cut = _next_line(fd, max(start + (end - start) * part // cpus, cuts[-1]), end)
        if cut is not None and cut > cuts[-1]:
            cuts.append(cut)
    cuts.append(end)
    return list(zip(cuts, cuts[1:], strict=False)) if len(cuts) > 2 else None


def _next_line(fd: int, at: int, end: int) -> int | None:
    """Return where the first line after position `at` starts, or None if none does."""
    while at < end:
        found = os.pread(fd, _CHUNK, at).find(b"\n")
        if found >= 0:
            return at + found + 1 if at + found + 1 < end else None
        at += _CHUNK
    return None


def _route_parts(rules: Rules, fd: int, parts: list[tuple[int, int]],
                 out: TextIO) -> BadLine | None:
    """Route the parts of a file at once, the first here and each other in a child process.

    Decisions are written in order: this process's as they come, then each child's in
    turn; the first bad line stops all, as in one process.
    """
    children: list[_Child] = []
    try:
        for start, end in parts[1:]:
            children.append(_Child(rules, fd, start, end))
        bad = _route_lines(rules, _Range(fd, *parts[0]).read, out, False)
        for child in children:
            if bad is not None:
                break
            found = child.finish(out)
            if found is not None:
                bad = (_count_lines(fd, parts[0][0], child.start) + found[0], found[1])
        return bad
    finally:
        for child in children:
            child.stop()


class _Range:
    """Bytes start to end of a file, read by position: children share the file's offset."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        self.fd = fd
        self.position = start
        self.end = end

    def read(self, size: int) -> bytes:
        """Return up to size bytes more (none at the end)."""
        data = os.pread(self.fd, min(size, self.end - self.position), self.position)
        self.position += len(data)
        return data


class _FileOut:
    """Decisions written to a file descriptor, as UTF-8."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, text: str, /) -> int:
        """Write all of text."""
        _write_all(self.fd, text.encode())
        return len(text)

    def flush(self) -> None:
        """Nothing is held back."""


class _Child:
    """A child process routing one part of the file into a memory file of its own."""

    def __init__(self, rules: Rules, fd: int, start: int, end: int) -> None:
        self.start = start
        self.done = True  # until there is a child to wait for
        self.output = os.memfd_create("loket-route-batch")
        self.status, status = os.pipe()  # says, when done, whether a line was bad
        try:
            self.pid = os.fork()
        except OSError:
            os.close(status)
            self.stop()
            raise
        if self.pid == 0:
            _child_main(rules, fd, start, end, self.output, status)
        os.close(status)  # the child's alone: its end tells when the child is done
        self.done = False

    def finish(self, out: TextIO) -> BadLine | None:
        """Wait for the child, write its decisions to out; return its bad line if any."""
        said = b""
        while chunk := os.read(self.status, _CHUNK):
            said += chunk
        _, code = os.waitpid(self.pid, 0)
        self.done = True
        if code != 0 or not said:
            raise RuntimeError(f"a process routing part of the batch failed ({code})")
        out.flush()
        os.lseek(self.output, 0, os.SEEK_SET)
        while data := os.read(self.output, 1 << 20):
            out.buffer.write(data)
        out.buffer.flush()
        if said == b"ok":
            return None
        number, line = said.split(b"\n", 1)
        return int(number), line

    def stop(self) -> None:
        """End the child if it still runs, and close what it left."""
        if not self.done:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
        for fd in (self.status, self.output):
            try:
                os.close(fd)
            except OSError:
                pass


def _child_main(rules: Rules, fd: int, start: int, end: int, output: int,
                status: int) -> NoReturn:
    """Route a part in the child process, say how it ended, and exit at once."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent to handle
        bad = _route_lines(rules, _Range(fd, start, end).read, _FileOut(output), False)
        _write_all(status, b"ok" if bad is None else b"%d\n%s" % bad)
        code = 0
    except BaseException:  # noqa: BLE001 - said on stderr; the parent fails on the code
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)  # no exit handlers, no flushing of the parent's buffers


def _write_all(fd: int, data: bytes) -> None:
    """Write all of data to a file descriptor."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _count_lines(fd: int, start: int, end: int) -> int:
    """Return how many lines the bytes start to end of a file hold (they end a line)."""
    count = 0
    while start < end:
        data = os.pread(fd, min(1 << 20, end - start), start)
        count += data.count(b"\n")
        start += len(data)
    return count


@click.group("rules", cls=Group)
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
                _error(_said(problem))
            continue
        click.echo(_text("rules_ok", path=path, n=rules.rule_count, version=rules.version))
    if bad:
        raise SystemExit(2)
