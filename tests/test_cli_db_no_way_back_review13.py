"""`loket db upgrade --revision` to a revision older than the database's (an operator rolling
a release back) changes nothing, as Alembic's upgrade does: it now says so, exit 2, naming
where the database is, instead of printing "database op 0005" over a database at the
newest revision."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import Flask

from loket.cli import main
from loket.store.migrate import current, resolved


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
