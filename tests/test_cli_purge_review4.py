"""`loket purge --dry-run` (review 4): how many contacts each desk's retention would anonymise
now, changing nothing (no contact, no flag, no audit line: it only counts); the count is the
one the run itself then removes. Bad input exits 2 naming the field, in Dutch and English."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlmodel import col, func, select

from loket.cli import main
from loket.store.db import session_scope
from loket.store.models import AuditEvent, Contact
from loket.store.types import utcnow
from tests.reports.seed import seed

ENGLISH = {"LANG": "en_GB.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def loket(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, args, env=env)


def counts(app: Flask) -> tuple[int, int]:
    """Return how many contacts are anonymised, and how many audit lines there are."""
    with session_scope(app.extensions["loket.engine"]) as session:
        gone = session.exec(select(func.count()).select_from(Contact)
                            .where(col(Contact.anonymised_at).is_not(None))).one()
        lines = session.exec(select(func.count()).select_from(AuditEvent)).one()
    return int(gone), int(lines)


@pytest.fixture
def old_contacts(app: Flask, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Police keeps 730 days (the default), veterans 30: two police contacts and one veterans'
    past their period, one veterans' within it, and an old one still open (never touched)."""
    monkeypatch.setenv("LOKET_RETENTION_DESK_DAYS", "veterans=30")
    now = utcnow()
    seed(app, now - timedelta(days=800), desk="police", outcome="resolved", count=2)
    seed(app, now - timedelta(days=40), desk="veterans", outcome="resolved")
    seed(app, now - timedelta(days=10), desk="veterans", outcome="resolved")
    seed(app, now - timedelta(days=900), desk="police")  # open: never anonymised


def test_purge_dry_run_counts_per_desk_and_changes_nothing(
    app: Flask, old_contacts: None
) -> None:
    before = counts(app)
    result = loket(["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].split("\t") == ["desk", "contacten", "bewaartermijn"]
    assert lines[1:5] == ["police\t2\t730 dagen", "veterans\t1\t30 dagen",
                          "debasis\t0\t730 dagen", "(geen desk)\t0\t730 dagen"]
    assert lines[5] == "samen\t3"
    assert "niets gewijzigd" in lines[6]
    assert counts(app) == before  # no contact anonymised, no audit line
    english = loket(["purge", "--dry-run"], ENGLISH)
    assert english.output.splitlines()[0].split("\t") == ["desk", "contacts", "period"]
    assert "veterans\t1\t30 days" in english.output and "nothing changed" in english.output
    done = loket(["purge"])
    assert done.exit_code == 0 and "uit 3 contact(en)" in done.output
    assert loket(["purge", "--dry-run"]).output.splitlines()[5] == "samen\t0"


def test_purge_dry_run_refuses_a_value_and_words_left_over(cli_env: dict[str, str]) -> None:
    valued = loket(["purge", "--dry-run=yes"])
    assert valued.exit_code == 2
    assert valued.output.strip().splitlines()[-1] == "fout: --dry-run: neemt geen waarde"
    left_over = loket(["purge", "--dry-run", "now"])
    assert left_over.exit_code == 2
    assert left_over.output.strip().splitlines()[-1].startswith("fout: ")
    assert "now" in left_over.output
    english = loket(["purge", "--dry-run=yes"], ENGLISH)
    assert english.exit_code == 2 and "--dry-run" in english.output


def test_purge_help_names_dry_run_in_both_languages(cli_env: dict[str, str]) -> None:
    assert "verandert niets" in loket(["purge", "--help"]).output
    assert "changes nothing" in loket(["purge", "--help"], ENGLISH).output
