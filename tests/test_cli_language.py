"""The `loket` command speaks the locale's language: English for an English locale, Dutch
otherwise; its machine-readable output is the same in both."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner, Result
from flask import Flask

from loket.cli import COMMANDS, main
from loket.cli.config_texts import CONFIG_TEXTS
from loket.cli.dev_texts import DEV_TEXTS
from loket.cli.help import Command, option_key
from loket.cli.help_texts import HELP
from loket.cli.language import cli_language
from loket.cli.reports import LOAD_SIM_WEEKS
from loket.cli.reports import TEXTS as REPORT_TEXTS
from loket.cli.simulate import TEXTS as SIMULATE_TEXTS
from loket.cli.texts import TEXTS
from loket.config import ConfigError, load_settings
from loket.demo import DEMO_PASSWORD, DEMO_USERS
from loket.devserver import DevSupervisor
from loket.i18n import LANGUAGES, Catalog

ENGLISH = {"LANG": "en_GB.UTF-8"}
ENGLISH_OVER_DUTCH = {"LC_ALL": "en_US.UTF-8", "LANG": "nl_NL.UTF-8"}
REQUEST = json.dumps({
    "contact": {"channel": "phone", "organisation": "police"},
    "state": {"police": {"waiting": 1, "available": 1, "expected_wait_s": 60}},
    "at": "2026-01-13T12:00:00+01:00",
})


def loket(args: list[str], env: dict[str, str] | None = None, stdin: str = "") -> Result:
    """Run `loket` in-process with these locale variables."""
    return CliRunner().invoke(main, args, input=stdin, env=env)


# --- the rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, "nl"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANG": "en_US"}, "en"),
    ({"LANG": "en"}, "en"),
    ({"LANG": "nl_NL.UTF-8"}, "nl"),
    ({"LANG": "C"}, "nl"),
    ({"LANG": "C.UTF-8"}, "nl"),
    ({"LANG": "POSIX"}, "nl"),
    ({"LANG": "de_DE.UTF-8"}, "nl"),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "nl_NL.UTF-8"}, "en"),
    ({"LC_ALL": "nl_NL.UTF-8", "LC_MESSAGES": "en_GB.UTF-8", "LANG": "en_GB.UTF-8"}, "nl"),
    ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "nl_NL.UTF-8"}, "en"),
    ({"LC_ALL": "", "LC_MESSAGES": "", "LANG": "en_GB.UTF-8"}, "en"),  # empty: not set
])
def test_the_first_locale_variable_set_decides_english_or_dutch(
    environ: dict[str, str], expected: str
) -> None:
    assert cli_language(environ) == expected


def test_the_language_is_read_when_a_command_runs_not_at_import() -> None:
    assert loket(["db", "--help"], ENGLISH).output != loket(["db", "--help"]).output


# --- messages --------------------------------------------------------------------------------


@pytest.mark.parametrize("env", [ENGLISH, ENGLISH_OVER_DUTCH])
def test_an_english_locale_gives_english_confirmations_and_errors(
    cli_env: dict[str, str], env: dict[str, str]
) -> None:
    done = loket(["db", "upgrade"], env)
    assert done.exit_code == 0 and "database at head" in done.output
    bad = loket(["token", "revoke"], env)
    assert bad.exit_code == 2
    assert bad.output.strip() == "error: --id, --email/--user or --token: give exactly one"


def test_the_default_locale_gives_dutch_confirmations_and_errors(cli_env: dict[str, str]) -> None:
    done = loket(["db", "upgrade"])
    assert done.exit_code == 0 and "database op head" in done.output
    bad = loket(["token", "revoke"])
    assert bad.exit_code == 2
    assert bad.output.strip() == "fout: --id, --email/--user of --token: geef er precies één"


def test_a_configuration_error_is_said_in_the_locales_language_naming_the_variable(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOKET_ENV", "production")
    monkeypatch.setenv("LOKET_SECRET_KEY", "")
    dutch, english = loket(["db", "upgrade"]), loket(["db", "upgrade"], ENGLISH)
    assert dutch.exit_code == english.exit_code == 2
    assert dutch.output.strip() == ("fout: LOKET_SECRET_KEY ontbreekt of is een "
                                    "standaardwaarde: zet een lange willekeurige waarde")
    assert english.output.strip() == ("error: LOKET_SECRET_KEY is missing or a default: set a "
                                      "long random value")


def test_a_configuration_error_is_said_when_printed_in_the_locale_of_that_moment(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"port": "eighty"}, environ={})
    assert str(raised.value) == "LOKET_PORT: geen geheel getal: 'eighty'"
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    assert str(raised.value) == "LOKET_PORT: not a whole number: 'eighty'"


@pytest.mark.parametrize(("args", "stdin", "dutch", "english"), [
    (["route"], '{"contact": {"channel": "fax"}}',
     "fout: contact.channel: ", "error: contact.channel: "),
    (["route"], "", "fout: request: geen invoer", "error: request: no input"),
    (["route", "--batch"], REQUEST + "\n{\n", "fout: regel 2: request: geen geldige JSON",
     "error: line 2: request: not valid JSON"),
    (["capacity", "--calls-per-hour", "nan", "--aht", "600"], "",
     "fout: --calls-per-hour: geef een getal", "error: --calls-per-hour: give a number"),
    (["capacity", "--calls-per-hour", "100"], "", "fout: --aht: ", "error: --aht: "),
])
def test_bad_input_exits_2_naming_the_field_in_both_languages(
    args: list[str], stdin: str, dutch: str, english: str
) -> None:
    for env, start in ((None, dutch), (ENGLISH, english)):
        result = loket(args, env, stdin)
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines()[-1].startswith(start), result.stderr


def test_an_option_of_the_command_chooses_over_the_locale() -> None:
    args = ["capacity", "--calls-per-hour", "nan", "--aht", "600"]
    assert loket([*args, "--lang", "en"]).output.strip() == \
        "error: --calls-per-hour: give a number (not nan)"
    assert loket([*args, "--lang", "nl"], ENGLISH).output.strip() == \
        "fout: --calls-per-hour: geef een getal (geen nan)"


def test_route_explain_is_text_in_the_locales_language() -> None:
    dutch, english = loket(["route", "--explain"], None, REQUEST), \
        loket(["route", "--explain"], ENGLISH, REQUEST)
    assert dutch.output.startswith("desk politie, wachtrij politie, prioriteit ")
    assert "\n  waarom:\n" in dutch.output
    assert english.output.startswith("desk police, queue police, priority ")
    assert "\n  why:\n" in english.output


def test_the_dev_banner_is_in_the_locales_language(
    app: Flask, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    supervisor = DevSupervisor(app.config["LOKET"], port=8123)
    supervisor.banner()
    dutch = capsys.readouterr().out.splitlines()
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    supervisor.banner()
    english = capsys.readouterr().out.splitlines()
    assert dutch[0] == "loket dev: Loket draait op http://127.0.0.1:8123/"
    assert dutch[-1] == "loket dev: Ctrl-C stopt alles."
    assert english[0] == "loket dev: Loket runs at http://127.0.0.1:8123/"
    assert f"loket dev:   demo logins (password {DEMO_PASSWORD!r}):" in english
    for lines in (dutch, english):  # the logins themselves are values: the same in both
        assert all(any(email in line for line in lines) for email, _, _ in DEMO_USERS)


# --- machine-readable output ------------------------------------------------------------------


@pytest.mark.parametrize(("args", "stdin"), [
    (["route"], REQUEST),
    (["route", "--batch"], f"{REQUEST}\n{REQUEST}\n"),
    (["capacity", "--calls-per-hour", "100", "--aht", "600", "--json"], ""),
    (["capacity", "--calls-per-hour", "10", "--aht", "300", "--json", "--simulate"], ""),
])
def test_json_output_is_the_same_byte_for_byte_in_both_languages(
    args: list[str], stdin: str
) -> None:
    dutch, english = loket(args, None, stdin), loket(args, ENGLISH, stdin)
    assert dutch.exit_code == english.exit_code == 0, dutch.output
    assert dutch.stdout_bytes == english.stdout_bytes
    json.loads(dutch.stdout.splitlines()[0])


@pytest.mark.parametrize("output", ["json", "csv"])
def test_reports_are_the_same_byte_for_byte_in_both_languages(
    cli_env: dict[str, str], output: str
) -> None:
    args = ["report", "--from", "2026-11-01", "--to", "2026-11-30", "--format", output]
    dutch, english = loket(args), loket(args, ENGLISH)
    assert dutch.exit_code == english.exit_code == 0, dutch.output
    assert dutch.stdout_bytes == english.stdout_bytes
    assert dutch.stdout_bytes.startswith(b'{"' if output == "json" else b"figure,key,value\n")


def test_a_new_api_token_is_the_same_kind_of_line_in_both_languages(
    cli_env: dict[str, str]
) -> None:
    loket(["user", "add", "--email", "t@example.org", "--role", "manager"],
          stdin="correct horse battery\n")
    tokens = [loket(["token", "create", "--user", "t@example.org"], env).output
              for env in (None, ENGLISH)]
    assert all(token.count("\n") == 1 and " " not in token.strip() for token in tokens)


# --- help ------------------------------------------------------------------------------------


def test_help_is_dutch_by_default_and_english_in_an_english_locale() -> None:
    for env in (ENGLISH, ENGLISH_OVER_DUTCH):
        english = loket(["route", "--help"], env)
        assert english.exit_code == 0
        assert "Route a contact: read a request JSON object on stdin" in english.output
        assert "Read one request per line (JSON lines)" in english.output
        assert "Show this message and exit." in english.output
    dutch = loket(["route", "--help"])
    assert dutch.exit_code == 0
    assert "Route een contact: lees een request als JSON-object op stdin" in dutch.output
    assert "Lees één request per regel (JSON lines)" in dutch.output
    assert "Toon deze hulp en stop." in dutch.output
    assert "--batch" in dutch.output and "--explain" in dutch.output  # names stay


def test_the_list_of_commands_summarises_each_in_the_locales_language() -> None:
    dutch, english = loket(["--help"]), loket(["--help"], ENGLISH)
    assert "Beheer accounts van medewerkers" in dutch.output
    assert "Manage staff accounts" in english.output
    sub = loket(["db", "--help"], ENGLISH)
    assert "Migrate the database to the newest schema" in sub.output


def test_capacity_help_names_the_weeks_a_load_is_simulated() -> None:
    words = " ".join(loket(["capacity", "--help"], ENGLISH).output.split())
    assert f"one queue for {LOAD_SIM_WEEKS} weeks" in words


def every_command() -> list[tuple[str, click.Command]]:
    """Return every command of `loket` with its path below it ("db upgrade")."""
    found: list[tuple[str, click.Command]] = []
    ctx = click.Context(main)
    pending = [(name, main.get_command(ctx, name)) for name in COMMANDS]
    while pending:
        path, command = pending.pop()
        assert command is not None
        found.append((path, command))
        if isinstance(command, click.Group):
            pending += [(f"{path} {name}", sub) for name, sub in command.commands.items()]
    return found


def test_every_command_and_option_has_its_help_in_both_languages() -> None:
    missing = []
    for path, command in every_command():
        assert isinstance(command, Command), path
        assert command.help_path == path
        keys = [path] + [option_key(path, p) for p in command.params
                         if isinstance(p, click.Option)]
        missing += [key for key in keys if key not in HELP]
    assert missing == []


@pytest.mark.parametrize("catalog", [TEXTS, DEV_TEXTS, HELP, CONFIG_TEXTS, REPORT_TEXTS,
                                     SIMULATE_TEXTS], ids=lambda c: c.name)
def test_every_text_of_the_command_is_in_dutch_and_english(catalog: Catalog) -> None:
    for key, by_lang in catalog.texts.items():
        assert all(by_lang.get(lang) for lang in LANGUAGES), key


def test_a_catalog_without_one_language_is_refused() -> None:
    with pytest.raises(ValueError, match="no text for en"):
        Catalog("test", {"only_dutch": {"nl": "alleen Nederlands"}})


def test_a_public_holiday_is_named_in_the_reader_s_language() -> None:
    # The capacity plan names the coming holidays as the routing engine's calendar does
    # (in English): a Dutch reader gets their Dutch names, an English one the engine's.
    from loket.i18n import holiday_name

    assert holiday_name("Christmas Day", "nl") == "Eerste kerstdag"
    assert holiday_name("King's Day", "nl") == "Koningsdag"
    assert holiday_name("Christmas Day", "en") == "Christmas Day"
    assert holiday_name("Sinterklaas", "nl") == "Sinterklaas"  # not a public holiday: as given
