"""`loket route` and `loket rules check` on the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from loket.cli.route import route_command, rules_group
from loket.routing import parse_request
from tests.routing.routing_support import DEFAULT_RULES, ROOT, default_rules

REQUEST = {"contact": {"channel": "phone", "organisation": "police"},
           "state": {"police": {"waiting": 1, "available": 1, "expected_wait_s": 60}},
           "at": "2026-01-13T12:00:00+01:00"}
LINE = json.dumps(REQUEST)
BAD_CHANNEL = ("fout: contact.channel: onbekende waarde 'fax' (verwacht een van phone, sms, "
               "whatsapp, webchat, webform)\n")


def run(args: list[str], stdin: str = "", env: dict[str, str] | None = None):  # noqa: ANN201
    """Run the route command in-process."""
    return CliRunner().invoke(route_command, args, input=stdin, env=env)


def test_route_prints_one_json_line() -> None:
    result = run([], LINE)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1
    decision = json.loads(result.stdout)
    assert list(decision) == ["desk", "queue", "priority", "crisis", "respond", "flags", "rule",
                              "trace", "rules_version"]
    assert decision["desk"] == decision["queue"] == "police"
    assert decision["rules_version"] == default_rules().version
    assert decision["trace"][3] == "police: yes (organisation is police) -> desk police"


def test_route_explain_prints_text() -> None:
    result = run(["--explain"], LINE)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == ("desk politie, wachtrij politie, prioriteit normaal, reactie nu, "
                        "crisis nee, kenmerken geen")  # its values as the trace says them
    assert lines[1].startswith("  besloten door regel police (regels sha256:")
    assert "   4. police: ja (organisatie is politie) -> desk politie" in lines


@pytest.mark.parametrize(("stdin", "message"), [
    (json.dumps({"contact": {"channel": "fax"}}), BAD_CHANNEL),
    ("", "fout: request: geen invoer (verwacht één JSON-object op stdin)\n"),
    ("{", "fout: request: geen geldige JSON (naam van een veld tussen dubbele aanhalingstekens "
          "verwacht in kolom 2)\n"),
    ("[]", "fout: request: verwacht een JSON-object, kreeg lijst []\n"),
    (json.dumps({"contact": {"channel": "phone"}, "at": "2026-01-13T12:00:00"}),
     "fout: at: '2026-01-13T12:00:00' heeft geen UTC-verschil (voeg er bijv. +01:00 of Z aan "
     "toe)\n"),
])
def test_bad_input_exits_2_with_one_line(stdin: str, message: str) -> None:
    result = run([], stdin)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message


def test_batch_writes_one_decision_per_line_in_order() -> None:
    organisations = ["police", "defence", "both", "unknown"] * 5
    lines = [json.dumps({**REQUEST, "contact": {"channel": "sms", "organisation": o}})
             for o in organisations]
    result = run(["--batch"], "\n".join(lines) + "\n\n")
    assert result.exit_code == 0, result.stderr
    decisions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["rule"] for d in decisions] == [
        {"police": "police", "defence": "veterans", "both": "both-uniforms",
         "unknown": "unknown-organisation"}[o] for o in organisations]


def test_batch_without_a_final_newline() -> None:
    result = run(["--batch"], LINE + "\n" + LINE)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 2


def test_batch_stops_at_the_first_bad_line() -> None:
    bad = json.dumps({"contact": {"channel": "fax"}})
    result = run(["--batch"], "\n".join([LINE, "", LINE, bad, LINE]) + "\n")
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr == "fout: regel 4: " + BAD_CHANNEL.removeprefix("fout: ")


def test_batch_bad_json_names_the_line() -> None:
    result = run(["--batch"], LINE + "\nnot json\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("fout: regel 2: request: geen geldige JSON")
    assert len(result.stdout.splitlines()) == 1


def test_batch_explain_separates_decisions() -> None:
    result = run(["--batch", "--explain"], LINE + "\n" + LINE + "\n")
    assert result.exit_code == 0
    assert result.stdout.count("desk politie, wachtrij politie") == 2
    assert "\n\ndesk politie" in result.stdout


def test_other_rules_by_option_and_by_environment(tmp_path: Path) -> None:
    text = DEFAULT_RULES.read_text(encoding="utf-8").replace(
        "when: {contact.organisation: police}\n      then: {desk: police}",
        "when: {contact.organisation: police}\n      then: {desk: debasis}")
    other = tmp_path / "other.yaml"
    other.write_text(text, encoding="utf-8")
    by_option = json.loads(run(["--rules", str(other)], LINE).stdout)
    by_env = json.loads(run([], LINE, env={"LOKET_RULES_PATH": str(other)}).stdout)
    assert by_option["desk"] == by_env["desk"] == "debasis"
    assert by_option["rules_version"] != default_rules().version


def test_a_bad_rules_file_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace(
        "then: {desk: debasis}", "then: {desk: basis}", 1), encoding="utf-8")
    result = run(["--rules", str(broken)], LINE)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"fout: {broken}:")
    assert ("regel peer-support: onbekende desk 'basis' (verwacht een van police, veterans, "
            "debasis)") in result.stderr


def test_rules_check_default() -> None:
    result = CliRunner().invoke(rules_group, ["check"])
    assert result.exit_code == 0
    rules = default_rules()
    assert result.stdout == f"ok: {DEFAULT_RULES} (19 regels, versie {rules.version})\n"


def test_rules_check_reports_every_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    broken.write_text(text.replace("- id: police\n", "- id: veterans\n").replace(
        "contact.status: serving", "contact.status: servng"), encoding="utf-8")
    result = CliRunner().invoke(rules_group, ["check", str(DEFAULT_RULES), str(broken)])
    assert result.exit_code == 2
    assert result.stdout.startswith(f"ok: {DEFAULT_RULES} (19 regels")
    errors = result.stderr.splitlines()
    assert len(errors) == 2
    assert all(line.startswith(f"fout: {broken}:") for line in errors)
    assert any("regel veterans: dubbele id: regel veterans staat ook op regel" in line
               for line in errors)
    assert any("regel serving-military: onbekende waarde 'servng' voor contact.status" in line
               for line in errors)


def test_rules_check_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(rules_group, ["check", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2
    assert result.stderr == f"fout: {tmp_path / 'none.yaml'}: kan het bestand niet lezen: " \
        "bestand of map bestaat niet\n"


@pytest.mark.parametrize("command", [route_command, rules_group])
def test_help(command: object) -> None:
    result = CliRunner().invoke(command, ["--help"], env={"LC_ALL": "C"})  # type: ignore[arg-type]
    assert result.exit_code == 0 and "Gebruik:" in result.stdout


def test_rules_check_help() -> None:
    result = CliRunner().invoke(rules_group, ["check", "--help"])
    assert result.exit_code == 0 and "ok: PATH" in result.stdout


def _spawn(args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
    """Run the route command in a real process, reading real stdin."""
    code = "from loket.cli.route import route_command; route_command()"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LOKET_RULES_PATH", None)
    return subprocess.run([sys.executable, "-c", code, *args], input=stdin, text=True,
                          capture_output=True, cwd=ROOT, env=env, check=False, timeout=120)


def test_a_real_process_streams_a_batch_and_fails_cleanly() -> None:
    bad = json.dumps({"contact": {"channel": "phone", "risk": "severe"}})
    done = _spawn(["--batch"], "\n".join([LINE, LINE, bad, LINE]) + "\n")
    assert done.returncode == 2
    assert [json.loads(line)["desk"] for line in done.stdout.splitlines()] == ["police"] * 2
    assert done.stderr == ("fout: regel 3: contact.risk: onbekende waarde 'severe' (verwacht een "
                           "van none, concern, acute)\n")


def test_batch_takes_spaces_a_byte_order_mark_and_crlf() -> None:
    compact = json.dumps(REQUEST, separators=(",", ":"))
    lines = ["  " + LINE + " ", "\ufeff" + LINE, " \t ", LINE + "\r", compact]
    result = run(["--batch"], "\n".join(lines) + "\n")
    assert result.exit_code == 0, result.stderr
    expected = default_rules().decide(*parse_request(REQUEST)).to_json()
    assert result.stdout.splitlines() == [expected] * 4


def test_a_real_process_names_a_bad_line_after_many_chunks() -> None:
    good = [json.dumps({**REQUEST, "contact": {"channel": "phone", "organisation": organisation,
                                                "text": "x" * (i % 50)}})
            for i, organisation in enumerate(["police", "defence", "both", "unknown"] * 300)]
    assert len("\n".join(good)) > 3 * 65536  # the input is read in chunks of 64 KiB
    done = _spawn(["--batch"], "\n".join([*good, "", "{oops", LINE]) + "\n")
    assert done.returncode == 2
    rules = default_rules()
    assert done.stdout.splitlines() == [rules.decide(*parse_request(json.loads(line))).to_json()
                                        for line in good]
    assert done.stderr.startswith(f"fout: regel {len(good) + 2}: request: geen geldige JSON")


def _many_lines(count: int) -> list[str]:
    """Return count varied request lines (about 200 bytes each)."""
    organisations = ["police", "defence", "both", "unknown"]
    return [json.dumps({"contact": {"channel": "sms", "organisation": organisations[i % 4],
                                    "text": f"vraag {i}" if i % 3 else "ik wil dood"},
                        "state": {"police": {"waiting": i % 7, "available": i % 3,
                                             "expected_wait_s": 850 + i % 100}},
                        "at": f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+01:00"})
            for i in range(count)]


def _batch(stdin: Path | str) -> subprocess.CompletedProcess[bytes]:
    """Run `python -m loket.cli route --batch` on a file (as stdin) or on text (a pipe)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LOKET_RULES_PATH", None)
    command = [sys.executable, "-m", "loket.cli", "route", "--batch"]
    if isinstance(stdin, Path):
        with stdin.open("rb") as file:
            return subprocess.run(command, stdin=file, capture_output=True, cwd=ROOT, env=env,
                                  check=False, timeout=120)
    return subprocess.run(command, input=stdin.encode(), capture_output=True, cwd=ROOT,
                          env=env, check=False, timeout=120)


@pytest.mark.parametrize("bad_at", [None, 100, 4000, 5999])
def test_a_big_file_split_over_processes_gives_what_one_process_gives(
        tmp_path: Path, bad_at: int | None) -> None:
    from loket.cli.route import _PARALLEL_BYTES

    lines = _many_lines(6000)
    if bad_at is not None:
        lines[bad_at] = json.dumps({"contact": {"channel": "fax"}})
    lines[2000:2000] = ["", "   "]  # blank lines count in the numbering
    text = "\n".join(lines)  # no newline after the last line
    path = tmp_path / "requests.jsonl"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size > _PARALLEL_BYTES[0]
    from_file, from_pipe = _batch(path), _batch(text)
    assert (from_file.returncode, from_file.stdout, from_file.stderr) == (
        from_pipe.returncode, from_pipe.stdout, from_pipe.stderr)
    written = from_file.stdout.decode().splitlines()
    good = [line for line in lines if line.strip()]
    if bad_at is None:
        assert from_file.returncode == 0
        rules = default_rules()
        assert written == [rules.decide(*parse_request(json.loads(line))).to_json()
                           for line in good]
    else:
        number = bad_at + 1 + (2 if bad_at >= 2000 else 0)
        assert from_file.returncode == 2
        assert from_file.stderr.decode().startswith(f"fout: regel {number}: contact.channel")
        assert len(written) == bad_at


def test_a_file_splits_at_line_starts_one_part_per_cpu(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from loket.cli import route

    path = tmp_path / "requests.jsonl"
    data = ("\n".join(_many_lines(8000)) + "\n").encode()
    path.write_bytes(data)
    for cpus in (1, 2, 3, 8, 64):
        monkeypatch.setattr(os, "sched_getaffinity", lambda _, n=cpus: set(range(n)))
        with path.open("rb") as file:
            parts = route._parts(file)  # type: ignore[arg-type]
        if cpus == 1:
            assert parts is None
            continue
        assert parts is not None and len(parts) == min(cpus, route._MAX_PARTS)
        assert parts[0][0] == 0 and parts[-1][1] == len(data)
        assert all(end == start for (_, end), (start, _) in zip(parts, parts[1:], strict=False))
        assert all(data[start - 1:start] == b"\n" for start, _ in parts[1:])
    with path.open("rb") as file:
        file.seek(len(data) - 1000)  # what is left of the file is small: one part
        assert route._parts(file) is None  # type: ignore[arg-type]
    small = tmp_path / "small.jsonl"
    small.write_text(LINE + "\n", encoding="utf-8")
    with small.open("rb") as file:
        assert route._parts(file) is None  # type: ignore[arg-type]
