"""`loket erase` and `loket purge` at their edges (review 3): a reference as people write it,
a database never migrated; one line and exit 2, in Dutch and English."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlmodel import col, select

from loket.cli import main
from loket.store.db import session_scope
from loket.store.models import Contact
from loket.store.types import utcnow
from tests.reports.seed import seed

ENGLISH = {"LANG": "en_GB.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def a_contact(app: Flask, reference: str) -> None:
    seed(app, utcnow(), channel="sms", desk="police")
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).order_by(col(Contact.id).desc())).first()
        assert contact is not None
        contact.reference = reference
        session.add(contact)


@pytest.mark.parametrize("typed", ["k7m-4q2", " K7M-4Q2 ", "k7m 4q2", "K7M4Q2", "k7m - 4q2"])
def test_erase_finds_a_reference_as_people_write_it(
    app: Flask, cli_env: dict[str, str], typed: str
) -> None:
    a_contact(app, "K7M-4Q2")
    result = CliRunner().invoke(main, ["erase", "--contact", typed])
    assert result.exit_code == 0, result.output
    assert "verwijderd uit 1 contact(en): K7M-4Q2" in result.output


@pytest.fixture
def unmigrated(cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point `loket` at a database that was never migrated: no tables at all."""
    monkeypatch.setenv("LOKET_DATABASE_URL", f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}")


@pytest.mark.parametrize("args", [["erase", "--contact", "K7M-4Q2"], ["purge"]])
def test_erase_and_purge_on_a_database_never_migrated_say_to_upgrade(
    unmigrated: None, args: list[str]
) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [
        "fout: de database heeft nog geen tabellen; draai eerst `loket db upgrade`"]
    english = CliRunner().invoke(main, args, env=ENGLISH)
    assert english.exit_code == 2
    assert english.output.strip().startswith("error: ") and "db upgrade" in english.output
