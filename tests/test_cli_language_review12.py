"""`--lang en` asked on the command line: Click's refusals (a bad value, a missing option)
are said in English too, even when `--lang` comes after what was refused (they were in the
locale's Dutch, under an English usage line); and a refused path is said in the locale's
language, not in Click's English ("File '/tmp' is a directory")."""

from __future__ import annotations

from click.testing import CliRunner

from loket.cli import main


def test_report_with_lang_en_refuses_a_bad_date_in_english() -> None:
    # Dutch locale (the suite's default), English asked with --lang.
    result = CliRunner().invoke(
        main, ["report", "--lang", "en", "--from", "2026-13-01", "--to", "2026-01-02"])
    assert result.exit_code == 2
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error: "), result.output
    assert "Zie '" not in result.output, result.output


def test_report_with_lang_en_refuses_a_missing_option_in_english() -> None:
    result = CliRunner().invoke(main, ["report", "--lang", "en", "--from", "2026-01-01"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == "error: --to: missing", result.output


def test_a_directory_given_as_rules_file_is_refused_in_dutch(tmp_path) -> None:
    # Dutch locale (the suite's default): Click's own English reason must not show.
    result = CliRunner().invoke(main, ["route", "--rules", str(tmp_path)], input="{}")
    assert result.exit_code == 2
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("fout: --rules: "), result.output
    assert last == "fout: --rules: geef een bestand dat bestaat en te lezen is", result.output


def test_lang_after_the_refused_option_is_heard() -> None:
    result = CliRunner().invoke(
        main, ["report", "--from", "2026-13-01", "--to", "2026-01-02", "--lang=en"])
    assert result.exit_code == 2
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error: --from: give a date such as"), result.output


def test_words_left_over_are_refused_in_the_language_asked() -> None:
    result = CliRunner().invoke(
        main, ["report", "--lang", "en", "--from", "2026-01-01", "--to", "2026-01-02", "extra"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        "error: unexpected on the command line: extra"), result.output
