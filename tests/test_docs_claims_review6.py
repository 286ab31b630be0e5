"""What the documentation promises, checked as a reader would try it: docs/try-it.md's calls
and texts, docs/routing.md's and docs/design.md's examples, and the printed hints of
`loket --help` and of `make run` (`loket dev`'s banner)."""

from __future__ import annotations

import json
import os
import re
import socket
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, select

from loket.cli import main
from loket.cli.reports import LOAD_SIM_WEEKS
from loket.config import load_settings
from loket.demo import DEFAULT_CONTACTS, DEMO_PASSWORD, DEMO_USERS, MAX_WORKERS
from loket.demo import WINDOW as DEMO_WINDOW
from loket.devserver import DevSupervisor
from loket.routing import Contact as RoutingContact
from loket.routing import parse_request
from loket.store.models import CallbackRequest, Contact
from tests.routing.routing_support import DEFAULT_RULES, route
from tests.test_simulate import Served, engine_of, simulate
from tests.test_simulate import server as server  # the fixture, by its name

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def the_contact(served: Served) -> Contact:
    """Return the one contact the simulation made, its flags loaded."""
    with Session(engine_of(served)) as session:
        contact = session.exec(select(Contact)).one()
        contact.flags  # noqa: B018 - loaded while the session is open
        return contact


def callbacks_of(served: Served) -> list[CallbackRequest]:
    """Return the callbacks asked for."""
    with Session(engine_of(served)) as session:
        return list(session.exec(select(CallbackRequest)).all())


# --- docs/try-it.md: the phone ---------------------------------------------------------------


def police_wait_now(served: Served, out: str) -> None:
    """`1,1`: the police queue, or the shared pool at night and at weekends."""
    contact = the_contact(served)
    assert contact.desk == "police"
    assert contact.queue == ("pool" if "pooled" in contact.flags else "police")
    said = {"pool": "gezamenlijk", "police": "politie"}[contact.queue]  # as the trace says it
    assert f"Je wacht in wachtrij {said}" in out


def keyed_in_evening_voicemail(served: Served, out: str) -> None:
    """`1,2,2,0612345678#,2,1`: a callback on the keyed-in number, in the evening, voicemail
    allowed; the call ends."""
    [callback] = callbacks_of(served)
    assert (callback.phone, callback.window, callback.voicemail_allowed) == (
        "+31612345678", "evening", True)
    assert "Het gesprek eindigt." in out and "Je wacht in wachtrij" not in out


def help_right_now(served: Served, out: str) -> None:
    """`0`: urgent, 112 and 113 read out after the key, straight into a queue."""
    contact = the_contact(served)
    assert (contact.priority, contact.crisis) == ("urgent", True)
    after = out.split("Je toetst 0.")[1]
    assert "1 1 2" in after and "1 1 3" in after
    assert "Je wacht in wachtrij" in after
    assert "Loket vraagt:" not in after  # no further question


def in_english(served: Served, out: str) -> None:
    """`9,1,1`: the menu in English."""
    after = out.split("Je toetst 9.")[1]
    assert "If you work for the police" in after and "Voor Nederlands, toets 9." in after
    assert the_contact(served).language == "en"


def presses_nothing(served: Served, out: str) -> None:
    """No digits: each question is asked again once, then the safe default (wait now)."""
    assert out.count("Werkt u bij de politie") == 2
    assert out.count("Wilt u nu wachten op een hulpverlener") == 2
    assert the_contact(served).respond == "now" and "Je wacht in wachtrij" in out


def withheld(served: Served, out: str) -> None:
    """`--from anonymous`: a withheld number."""
    contact = the_contact(served)
    assert contact.anonymous is True and contact.phone is None
    assert "Je hangt op" in out  # still waiting when the simulation ends: it hangs up


@pytest.mark.parametrize(("args", "check"), [
    (["--digits", "1,1"], police_wait_now),
    (["--digits", "1,2,2,0612345678#,2,1", "--from", "+31687654321"], keyed_in_evening_voicemail),
    (["--digits", "0"], help_right_now),
    (["--digits", "9,1,1"], in_english),
    ([], presses_nothing),
    (["--digits", "1,1", "--from", "anonymous"], withheld),
], ids=["1,1", "keyed-in", "0", "9,1,1", "none", "anonymous"])
def test_the_calls_try_it_lists_end_as_it_says(
    server: Served, args: list[str], check: Callable[[Served, str], None]
) -> None:
    result = simulate("call", *args, "--url", server.url)
    assert result.exit_code == 0, result.output
    check(server, result.output)


# --- docs/try-it.md: texts -------------------------------------------------------------------


def test_the_texts_try_it_lists_answer_as_it_says(server: Served) -> None:
    """Hallo, 1, 1: routed with a reference; a crisis phrase answered at once with 112 and
    113; EN switches to English; STOP ends the conversation."""

    def text(body: str, number: str) -> str:
        result = simulate("text", body, "--from", number, "--url", server.url)
        assert result.exit_code == 0, result.output
        return result.output

    text("Hallo", "+31611110001")
    text("1", "+31611110001")
    routed = text("1", "+31611110001")
    assert re.search(r"referentie is [A-Z0-9]{3}-[A-Z0-9]{3}", routed), routed
    crisis = text("ik zie het niet meer zitten", "+31611112222")
    assert "112" in crisis and "113" in crisis and "referentie" in crisis
    text("Hallo", "+31611110003")
    assert "Who are you?" in text("EN", "+31611110003")
    assert "has ended" in text("STOP", "+31611110003")
    whatsapp = simulate("text", "Hallo", "--whatsapp", "--from", "+31611110001",
                        "--url", server.url)  # the same number: a conversation of its own
    assert whatsapp.exit_code == 0 and "Wie ben je?" in whatsapp.output
    with Session(engine_of(server)) as session:
        contacts = session.exec(select(Contact)).all()
        assert sorted(c.channel for c in contacts
                      if (c.phone or "").endswith("+31611110001")) == ["sms", "whatsapp"]
        by_number = {c.phone: c for c in contacts if c.channel == "sms"}
    assert by_number["+31611110001"].queue is not None
    assert (by_number["+31611112222"].priority, by_number["+31611112222"].crisis) == (
        "urgent", True)
    assert by_number["+31611110003"].language == "en"


def test_simulate_goes_to_the_port_of_loket_port_when_no_url_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The help says: default $LOKET_PUBLIC_URL, else http://127.0.0.1 on $LOKET_PORT."""
    monkeypatch.setenv("LOKET_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("LOKET_PUBLIC_URL", raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("LOKET_PORT", str(port))
    result = simulate("text", "Hallo")
    assert result.exit_code == 1
    assert f"Loket antwoordt niet op http://127.0.0.1:{port}" in result.stderr


# --- make run's banner -----------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "words"), [
    ("C.UTF-8", ("Loket draait op", "inloggen medewerkers", "demo-logins", "Ctrl-C stopt alles")),
    ("en_GB.UTF-8", ("Loket runs at", "staff login", "demo logins", "Ctrl-C stops everything")),
])
def test_make_run_prints_the_url_and_the_demo_logins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    lang: str, words: tuple[str, ...],
) -> None:
    """README: `make run` prints the URL (http://127.0.0.1:8000/ unless told), the demo
    logins and their password `loket-demo-2026`, and how to get the second factor's code."""
    monkeypatch.setenv("LANG", lang)
    settings = load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path)})
    assert settings.port == 8000
    DevSupervisor(settings, port=settings.port, seed_demo=False).banner()
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/\n" in out and "http://127.0.0.1:8000/desk/login" in out
    assert "'loket-demo-2026'" in out and DEMO_PASSWORD == "loket-demo-2026"
    assert all(email in out for email, _, _ in DEMO_USERS)
    assert "counsellor.police@" in out and "counsellor.veterans@" in out
    assert "loket user code --email EMAIL" in out
    assert all(word in out for word in words), out


def test_the_hint_when_the_embedded_redis_does_not_start_names_its_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run` says where to look; the embedded Redis's output is in that file."""
    settings = load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path)})
    supervisor = DevSupervisor(settings, port=8000, seed_demo=False)
    child = supervisor.spawn("redis", [sys.executable, "-c", "print('valkey says why')"],
                             dict(os.environ))
    assert child.process.wait(timeout=30) == 0
    assert "valkey says why" in (tmp_path / "redis.log").read_text()
    supervisor.stopping = True  # as after Ctrl-C: it waits no longer
    with pytest.raises(RuntimeError, match=r"zie redis\.log in de instance-map"):
        supervisor._wait_for_redis("redis://127.0.0.1:1/0")
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    with pytest.raises(RuntimeError, match=r"see redis\.log in the instance folder"):
        supervisor._wait_for_redis("redis://127.0.0.1:1/0")


# --- docs/routing.md and docs/design.md ------------------------------------------------------


@pytest.mark.parametrize(("day", "at", "pooled"), [
    ("Good Friday", "2026-04-03T12:00:00+02:00", True),
    ("Easter Monday", "2026-04-06T12:00:00+02:00", True),
    ("Whit Monday", "2026-05-25T12:00:00+02:00", True),
    ("5 May outside a fifth year (a Tuesday)", "2026-05-05T12:00:00+02:00", False),
    ("a Tuesday noon", "2026-05-12T12:00:00+02:00", False),
])
def test_the_dutch_public_holidays_routing_md_names_are_pooled_hours(
    day: str, at: str, pooled: bool
) -> None:
    decision = route({"organisation": "police"}, None, at)
    assert decision.queue == ("pool" if pooled else "police"), day


def test_a_field_left_out_has_the_default_routing_md_names() -> None:
    parsed = parse_request({"contact": {"channel": "webform"}})
    assert parsed.contact == RoutingContact(
        channel="webform", organisation="unknown", status="unknown", relation="self",
        need="unknown", risk="none", language="nl", region=None, preference="callback",
        text=None, anonymous=False)
    assert parse_request({"contact": {"channel": "sms"}}).contact.preference == "now"
    queue = parsed.state.police
    assert (queue.waiting, queue.available, queue.expected_wait_s) == (0, 0, 0)


def console_block(doc: str, command: str) -> tuple[str, str]:
    """Return the input and the output of the console example whose command ends with
    `command` in a page of docs/."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    found = re.search(r"\$ echo '(?P<input>.*?)' \| " + re.escape(command)
                      + r"\n(?P<output>.*?)```", text, re.S)
    assert found is not None, command
    return found["input"], found["output"]


def invoke(args: list[str], lang: str, stdin: str | None = None) -> tuple[int, str, str]:
    """Run `loket ARGS` as a user would, in a locale."""
    result = CliRunner().invoke(main, args, input=stdin, env={"LANG": lang}, prog_name="loket")
    return result.exit_code, result.stdout, result.stderr


def rules_version() -> str:
    """Return the version of the rules in force."""
    code, out, _ = invoke(["rules", "check"], "en_GB.UTF-8")
    assert code == 0
    return out.split("version ")[1].rstrip(")\n")


def test_the_explain_example_of_routing_md_is_what_route_explain_prints() -> None:
    request, shown = console_block("routing.md", "loket route --explain")
    version = rules_version()
    code, english, _ = invoke(["route", "--explain"], "en_GB.UTF-8", request)
    assert code == 0
    assert english == re.sub(r"sha256:[0-9a-f]{12}", version, shown)
    code, dutch, _ = invoke(["route", "--explain"], "C.UTF-8", request)
    assert code == 0 and dutch.startswith("desk politie, wachtrij veteranen, prioriteit urgent")
    assert "  besloten door regel police" in dutch


def test_the_route_example_of_design_md_decides_as_shown() -> None:
    text = (DOCS / "design.md").read_text(encoding="utf-8")
    request, decision = re.findall(r"```json\n(.*?)```", text, re.S)[:2]
    code, out, _ = invoke(["route"], "C.UTF-8", request)
    assert code == 0
    got = json.loads(out)
    expected = json.loads(decision)
    assert {k: got[k] for k in expected if k != "trace"} == {
        k: v for k, v in expected.items() if k != "trace"}


@pytest.mark.parametrize(("edit", "shown", "dutch"), [
    (lambda s: s.replace("then: {desk: police}\n", "then: {desk: polce}\n", 1),
     "rule police: unknown desk 'polce' (expected one of police, veterans, debasis)",
     "regel police: onbekende desk 'polce' (verwacht een van police, veterans, debasis)"),
    (lambda s: s.replace("    - id: information\n",
                         "    - id: always-normal\n      then: {priority: normal}\n\n"
                         "    - id: information\n", 1),
     "rule information: unreachable: every case it matches is already decided by rule "
     "always-normal before it",
     "regel information: onbereikbaar: elk geval waarop hij past, is al besloten door regel "
     "always-normal ervoor"),
    (lambda s: s.replace(WANTS_CALLBACK, "").replace(
        "    - id: crisis-now\n", WANTS_CALLBACK + "\n    - id: crisis-now\n", 1),
     "rule wants-callback: may decide a crisis (e.g. contact.anonymous=false, "
     "contact.preference=callback) as respond callback: a crisis must be answered now "
     "(never a callback only)",
     "regel wants-callback: kan een crisis (bijv. contact.anonymous=false, "
     "contact.preference=callback) besluiten als reactie callback: een crisis moet nu "
     "beantwoord worden (nooit alleen teruggebeld)"),
], ids=["unknown-desk", "unreachable", "crisis-callback"])
def test_the_rules_check_mistakes_routing_md_shows_are_reported_so(
    tmp_path: Path, edit: Callable[[str], str], shown: str, dutch: str
) -> None:
    page = (DOCS / "routing.md").read_text(encoding="utf-8")
    assert "error: my-rules.yaml:" in page and shown in page
    assert "fout: my-rules.yaml:" in page and dutch in page
    mine = tmp_path / "my-rules.yaml"
    mine.write_text(edit(DEFAULT_RULES.read_text(encoding="utf-8")), encoding="utf-8")
    code, out, err = invoke(["rules", "check", str(mine)], "en_GB.UTF-8")
    assert (code, out) == (2, "")
    assert re.search(rf"^error: {re.escape(str(mine))}:\d+: {re.escape(shown)}$", err, re.M), err
    code, _, err = invoke(["rules", "check", str(mine)], "C.UTF-8")
    assert code == 2
    assert re.search(rf"^fout: {re.escape(str(mine))}:\d+: {re.escape(dutch)}$", err, re.M), err


WANTS_CALLBACK = ("    - id: wants-callback\n      when: {contact.preference: callback}\n"
                  "      then: {respond: callback}\n")


# --- loket --help ----------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "capacity", "demo"), [
    ("C.UTF-8", "één wachtrij gedurende {weeks} weken",
     ("verspreid over de laatste {weeks} weken", "hooguit {workers})")),
    ("en_GB.UTF-8", "one queue for {weeks} weeks",
     ("spread over the last {weeks} weeks", "at most {workers})")),
])
def test_the_numbers_the_help_gives_are_the_ones_in_force(
    lang: str, capacity: str, demo: tuple[str, str]
) -> None:
    words = {8: "acht", 4: "4"} if lang == "C.UTF-8" else {8: "eight", 4: "4"}
    _, out, _ = invoke(["capacity", "--help"], lang)
    assert capacity.format(weeks=LOAD_SIM_WEEKS) in " ".join(out.split())
    _, out, _ = invoke(["demo", "--help"], lang)
    flat = " ".join(out.split())
    assert demo[0].format(weeks=words[DEMO_WINDOW // timedelta(weeks=1)]) in flat
    assert demo[1].format(workers=words[MAX_WORKERS]) in flat
    assert f"standaard: {DEFAULT_CONTACTS}" in flat or f"default: {DEFAULT_CONTACTS}" in flat


def test_a_group_that_also_runs_alone_says_its_usage_in_dutch() -> None:
    code, out, _ = invoke(["audit", "--help"], "C.UTF-8")
    assert code == 0
    assert out.startswith("Gebruik: loket audit [OPTIES] [OPDRACHT] [ARGUMENTEN]...")
    code, out, _ = invoke(["audit", "--help"], "en_GB.UTF-8")
    assert out.startswith("Usage: loket audit [OPTIONS] [COMMAND] [ARGS]...")


# --- the configuration and the Procfile ------------------------------------------------------


def named_variables(text: str) -> set[str]:
    """Return the LOKET_ and TWILIO_ variables a text names."""
    return set(re.findall(r"\b(?:LOKET|TWILIO)_[A-Z0-9_]*[A-Z0-9]\b", text))


@pytest.mark.parametrize("page", ["README.md", "config/env.example", "docs/design.md",
                                  "docs/production.md", "docs/routing.md", "docs/try-it.md",
                                  "loket/cli/help_texts.py"])
def test_every_variable_a_page_names_is_one_loket_reads(page: str) -> None:
    settings = load_settings(environ={})
    read = {name.upper() if name.startswith("twilio_") else f"LOKET_{name.upper()}"
            for name in vars(settings)}
    benches = named_variables("".join(p.read_text(encoding="utf-8")
                                      for p in (ROOT / "bench").glob("*.py")))
    unknown = named_variables((ROOT / page).read_text(encoding="utf-8")) - read
    assert {name for name in unknown if name not in benches} == set()


def test_the_development_defaults_the_readme_gives_are_the_ones_in_force(
    tmp_path: Path,
) -> None:
    """The README's "Configuration" table: each number given as the development default."""
    settings = load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path)})
    table = (ROOT / "README.md").read_text(encoding="utf-8").split("## Configuration")[1]
    checked = 0
    for row in table.split("\n\n")[2].splitlines()[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        names = re.findall(r"`LOKET_([A-Z_]+)`", cells[0])
        values = re.findall(r"`([0-9.,]+)`", cells[1])
        if len(names) != len(values):
            continue
        for name, value in zip(names, values, strict=True):
            assert str(getattr(settings, name.lower())).removesuffix(".0") == value, name
            checked += 1
    assert checked >= 15


def test_each_line_of_the_procfile_is_a_loket_command() -> None:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    kinds = dict(line.split(": ", 1) for line in lines if line.strip())
    assert set(kinds) == {"web", "worker", "scheduler", "release"}
    assert kinds["release"] == "loket db upgrade"
    for command in kinds.values():
        words = command.replace("${WEB_CONCURRENCY:-2}", "2").split()
        assert words[0] == "loket"
        code, out, err = invoke([*words[1:], "--help"], "C.UTF-8")
        assert code == 0 and out.startswith(f"Gebruik: {' '.join(words[:2])}"), err
