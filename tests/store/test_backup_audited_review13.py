"""A backup copies every client record out of Loket: NEN 7513 asks a line in the audit trail
for every export, so `loket db backup` writes one (event `export`, by the command line, no
contact), and a refused backup writes none; on SQLite and PostgreSQL. The chain stays whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlmodel import Session, col, select

from loket.cli import main
from loket.store.models import AuditEvent
from tests.conftest import loket_env
from tests.reports.seed import local, seed


def exports(app: Flask) -> list[tuple[str | None, str, str]]:
    with Session(app.extensions["loket.engine"]) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.event == "export")
                            .order_by(col(AuditEvent.id))).all()
        return [(row.contact_reference, row.actor, row.detail) for row in rows]


def test_a_backup_is_one_export_line_in_the_audit_trail(
    store_app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    seed(store_app, local("2026-11-10 14:00"), count=2)
    for key, value in loket_env(store_app).items():
        monkeypatch.setenv(key, value)
    target = tmp_path / "loket.backup"
    assert CliRunner().invoke(main, ["db", "backup", "--to", str(target)]).exit_code == 0
    dialect = "sqlite" if "sqlite" in store_app.config["LOKET"].database_url else "postgresql"
    assert exports(store_app) == [
        (None, "cli", f"database backup ({dialect}): every client record")]
    refused = CliRunner().invoke(main, ["db", "backup", "--to", str(target)])  # it exists
    assert refused.exit_code == 2 and len(exports(store_app)) == 1
    verified = CliRunner().invoke(main, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
