"""Click's own refusals (an option missing, unknown or given a bad value, an unknown command,
words left over) and the frame of `--help` are said in the locale's language, as every
other error of `loket`: `fout: --field: reason`, exit 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from loket.cli import main
from loket.cli.usage import USAGE
from loket.i18n import LANGUAGES

DUTCH = {"LC_ALL": "C"}
ENGLISH = {"LC_ALL": "en_GB.UTF-8"}


def loket(args: list[str], env: dict[str, str]) -> Result:
    """Run `loket` in-process in this locale."""
    return CliRunner().invoke(main, args, env=env, prog_name="loket")


@pytest.mark.parametrize(("args", "dutch", "english"), [
    (["user", "add"], "fout: --email: ontbreekt", "error: --email: missing"),
    (["report", "--from", "x"], "fout: --from: geef een datum als 2026-11-30",
     "error: --from: give a date such as 2026-11-30"),
    (["report", "--frm", "2026-01-01"],
     "fout: --frm: onbekende optie (bedoelt u --format, --from?)",
     "error: --frm: no such option (did you mean --format, --from?)"),
    (["report", "--from"], "fout: --from: geef er een waarde bij",
     "error: --from: give it a value"),
    (["user", "add", "--email", "a@b.nl", "--role", "kok"],
     "fout: --role: kies uit counsellor, manager, admin",
     "error: --role: choose from counsellor, manager, admin"),
    (["capacity", "--weeks", "0"], "fout: --weeks: geef een getal 1<=weeks<=520",
     "error: --weeks: give a number 1<=weeks<=520"),
    (["demo", "--contacts", "veel"], "fout: --contacts: geef een getal 0<=contacts<=",
     "error: --contacts: give a number 0<=contacts<="),
    (["bogus"], "fout: onbekende opdracht 'bogus'", "error: no such command 'bogus'"),
    (["db", "sideways"], "fout: onbekende opdracht 'sideways'",
     "error: no such command 'sideways'"),
    (["route", "extra", "words"], "fout: onverwacht op de opdrachtregel: extra words",
     "error: unexpected on the command line: extra words"),
    (["demo", "--if-empty=yes"], "fout: --if-empty: neemt geen waarde",
     "error: --if-empty: takes no value"),
])
def test_a_refusal_of_the_command_line_is_said_in_the_locale_s_language_exit_2(
    args: list[str], dutch: str, english: str
) -> None:
    for env, expected, usage, hint in (
        (DUTCH, dutch, "Gebruik: loket", "voor hulp."),
        (ENGLISH, english, "Usage: loket", "for help."),
    ):
        result = loket(args, env)
        assert result.exit_code == 2, result.output
        lines = result.stderr.splitlines()
        assert lines[-1].startswith(expected), result.stderr
        assert lines[0].startswith(usage) and lines[1].endswith(hint), result.stderr
        assert "Error:" not in result.stderr


def test_the_frame_of_help_is_in_the_locale_s_language() -> None:
    dutch, english = loket(["demo", "--help"], DUTCH), loket(["demo", "--help"], ENGLISH)
    assert dutch.output.startswith("Gebruik: loket demo [OPTIES]")
    assert "Opties:" in dutch.output and "[standaard: 2000;" in dutch.output
    assert english.output.startswith("Usage: loket demo [OPTIONS]")
    assert "Options:" in english.output and "[default: 2000;" in english.output
    group = loket(["db", "--help"], DUTCH).output
    assert group.startswith("Gebruik: loket db [OPTIES] OPDRACHT [ARGUMENTEN]...")
    assert "Opdrachten:" in group and "Commands:" not in group
    required = loket(["user", "add", "--help"], DUTCH).output
    assert "[verplicht]" in required and "[required]" not in required


def test_asking_for_a_group_alone_shows_its_help_not_an_error() -> None:
    result = loket(["user"], DUTCH)
    assert "Gebruik: loket user" in result.output and "fout:" not in result.output


def test_every_text_of_the_usage_is_in_dutch_and_english() -> None:
    for key, by_lang in USAGE.texts.items():
        assert all(by_lang.get(lang) for lang in LANGUAGES), key
