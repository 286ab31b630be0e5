"""`loket db upgrade --revision` to a revision older than the database's (an operator rolling
a release back) changes nothing, as Alembic's upgrade does: it now says so, exit 2, naming
where the database is, instead of printing "database op 0005" over a database at the
newest revision."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import create_engine

from loket.cli import main
from loket.store.migrate import current, resolved, upgrade


@pytest.mark.parametrize("revision", ["0005", "0019", "base"])
def test_an_older_revision_is_refused_naming_where_the_database_is(
    app: Flask, cli_env: dict[str, str], revision: str
) -> None:
    engine = app.extensions["loket.engine"]
    newest = resolved(engine, "head")
    assert current(engine) == newest
    result = CliRunner().invoke(main, ["db", "upgrade", "--revision", revision])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith("{")]
    assert lines == [f"fout: --revision: de database staat op {newest}, na {revision}; upgrade "
                     "gaat niet terug (de database is niet veranderd)"]
    assert current(engine) == newest


def test_the_revision_the_database_is_at_is_fine(app: Flask, cli_env: dict[str, str]) -> None:
    newest = resolved(app.extensions["loket.engine"], "head")
    result = CliRunner().invoke(main, ["db", "upgrade", "--revision", str(newest)])
    assert result.exit_code == 0 and f"database op {newest}" in result.output


@pytest.mark.parametrize("step", ["+1", "0005+1"])
def test_an_upgrade_one_step_at_a_time_is_reported_as_reached(
    cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    url = f"sqlite:///{tmp_path / 'stepwise.sqlite3'}"
    engine = create_engine(url)
    upgrade(engine, "0005")
    monkeypatch.setenv("LOKET_DATABASE_URL", url)
    result = CliRunner().invoke(main, ["db", "upgrade", "--revision", step])
    assert current(engine) == "0006"
    assert result.exit_code == 0 and f"database op {step}" in result.output, result.output
