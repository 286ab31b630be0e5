"""A contact erased while still open (review 6) was handled: erased. It left every queue
closed, so the managers' figures count it under the outcome `erased` (the report's own
place for it), no longer as "still open": on the report page, in `loket report`'s JSON,
before and after the tallies are refreshed. Its times are not made up (no close time: no
handle time counted). On SQLite and PostgreSQL, and through `loket erase`."""

from __future__ import annotations

import json
from datetime import date, datetime

from click.testing import CliRunner
from flask import Flask
from sqlmodel import Session

from loket.cli import main
from loket.domain import erasure
from loket.reports import tally
from loket.reports.periods import AMSTERDAM
from loket.reports.volumes import figures
from loket.store.db import session_scope
from tests.desk.test_workspace import act, counsellor, engine_of, stored, waiting
from tests.reports.test_pages import manager, rows_of


def today() -> date:
    return datetime.now(AMSTERDAM).date()


def outcomes(app: Flask) -> dict[str, int]:
    """Today's contacts by outcome, exact, as the managers' report counts them."""
    with Session(engine_of(app)) as session:
        counted = figures(session, today(), today())["contacts"]["by_outcome"]
    return {key: n for key, n in counted.items() if n}


def open_contacts(app: Flask) -> tuple[list[str], list[str]]:
    """Ten open contacts of today: five to erase (waiting by phone, text and chat, new, and
    one a counsellor holds), five left open. Return both lists of references."""
    client, _ = counsellor(app)
    held = waiting(app, channel="webchat", phone=None)
    act(client, held, "claim")
    erased = [waiting(app, channel="phone"), waiting(app, channel="sms", phone="+31611100001"),
              waiting(app, channel="webchat", phone=None),
              waiting(app, channel="webform", phone=None, status="new"), held]
    kept = [waiting(app, channel="webchat", phone=None) for _ in range(5)]
    return erased, kept


def test_an_open_contact_erased_counts_as_erased_not_open(store_app: Flask) -> None:
    erased, _ = open_contacts(store_app)
    assert outcomes(store_app) == {"open": 10}
    with session_scope(engine_of(store_app)) as session:
        for reference in erased:
            erasure.erase(session=session, reference=reference, actor="test")

    assert outcomes(store_app) == {"erased": 5, "open": 5}
    for reference in erased:
        contact = stored(store_app, reference)
        assert (contact.status, contact.outcome) == ("closed", "erased")
        assert contact.closed_at is None  # no handle time made up
    page = manager(store_app).get("/reports", query_string={
        "from": today().isoformat(), "to": today().isoformat()}).get_data(as_text=True)
    table = rows_of(page, "outcomes")
    assert table["Gewist"] == ["5"] and table["Nog open"] == ["5"]
    # Counted into the tallies, the figures stay so.
    tally.refresh_all(lambda: session_scope(engine_of(store_app)))
    assert outcomes(store_app) == {"erased": 5, "open": 5}


def test_loket_erase_on_open_contacts_moves_them_from_open_to_erased_in_the_json(
    app: Flask, cli_env: dict[str, str]
) -> None:
    erased, _ = open_contacts(app)
    day = today().isoformat()
    for reference in erased:
        done = CliRunner().invoke(main, ["erase", "--contact", reference])
        assert done.exit_code == 0, done.output
    report = CliRunner().invoke(main, ["report", "--from", day, "--to", day,
                                       "--format", "json"])
    assert report.exit_code == 0, report.output
    contacts = json.loads(report.output)["contacts"]
    assert contacts["total"] == 10
    assert contacts["by_outcome"]["erased"] == 5 and contacts["by_outcome"]["open"] == 5
