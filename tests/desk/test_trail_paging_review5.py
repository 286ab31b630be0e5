"""Review 5: a long audit trail is read a page at a time. The trail page shows the right
lines and numbers at the pages' boundaries (a number past either end is the nearest page),
on SQLite and PostgreSQL, and the database hands it no more than the page's lines."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlmodel import Session, col, select

from loket.desk.trail import PER_PAGE
from loket.domain import audit
from loket.store.db import session_scope
from loket.store.models import AuditEvent, Contact
from tests.desk.test_trail import staff
from tests.desk.test_workspace import waiting


def engine_of(app: Flask) -> Any:
    return app.extensions["loket.engine"]


def add_lines(app: Flask, reference: str, n: int) -> None:
    """Add `n` lines of views to a contact's trail, each from its own address."""
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        for i in range(n):
            audit.record(session=session, event="view", contact=contact, actor="user",
                         source=f"src-{i:04d}")


def sources(app: Flask, reference: str) -> list[str]:
    """Return where each of a contact's lines came from, as the trail orders them."""
    with Session(engine_of(app)) as session:
        return list(session.exec(
            select(AuditEvent.source).where(AuditEvent.contact_reference == reference)
            .order_by(col(AuditEvent.at), col(AuditEvent.id))).all())


def shown(html: str) -> list[str]:
    """Return the source column of the trail's rows, top to bottom."""
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return [re.findall(r"<td>(.*?)</td>", row, re.S)[4] for row in body.split("<tr>")[1:]]


def test_the_pages_of_a_long_trail_show_their_lines_and_numbers(store_app: Flask) -> None:
    reference = waiting(store_app, desk="police")
    add_lines(store_app, reference, 2 * PER_PAGE - len(sources(store_app, reference)))
    manager, _ = staff(store_app, "manager", "police")
    asked_and_shown = [("1", 1), ("2", 2), ("3", 3), ("4", 3), ("999999", 3), ("0", 1),
                       ("x", 1), ("2", 2)]
    for asked, page in asked_and_shown:
        lines = sources(store_app, reference)  # each view adds a line after it is read
        total = len(lines)
        pages = (total + PER_PAGE - 1) // PER_PAGE
        page = min(page, pages)
        first, last = (page - 1) * PER_PAGE + 1, min(page * PER_PAGE, total)
        answer = manager.get(f"/desk/contacts/{reference}/trail?page={asked}")
        assert answer.status_code == 200
        html = answer.get_data(as_text=True)
        assert shown(html) == lines[first - 1:last], (asked, total)
        assert f"Regels {first}–{last} van {total}" in html
        assert ('rel="prev"' in html) == (page > 1)
        assert ('rel="next"' in html) == (page < pages)
    assert len(sources(store_app, reference)) == 2 * PER_PAGE + len(asked_and_shown)


def test_a_short_trail_is_one_page_without_numbers(store_app: Flask) -> None:
    reference = waiting(store_app, desk="police")
    add_lines(store_app, reference, 3)
    lines = sources(store_app, reference)
    manager, _ = staff(store_app, "manager", "police")
    html = manager.get(f"/desk/contacts/{reference}/trail?page=5").get_data(as_text=True)
    assert shown(html) == lines
    assert "Regels" not in html and 'rel="next"' not in html


def test_the_trail_page_reads_only_its_own_lines(store_app: Flask) -> None:
    reference = waiting(store_app, desk="police")
    add_lines(store_app, reference, PER_PAGE + 20)
    manager, _ = staff(store_app, "manager", "police")
    fetched: list[int] = []

    # Each statement on the audit lines is run once more on its own cursor to count what
    # it hands back: the page's own results are untouched.
    listener_engine = engine_of(store_app)

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "audit_event" in statement and statement.lstrip().upper().startswith("SELECT"):
            probe = conn.connection.dbapi_connection.cursor()
            probe.execute(statement, parameters)
            fetched.append(len(probe.fetchall()))
            probe.close()

    event.listen(listener_engine, "before_cursor_execute", before)
    try:
        answer = manager.get(f"/desk/contacts/{reference}/trail?page=2")
    finally:
        event.remove(listener_engine, "before_cursor_execute", before)
    assert answer.status_code == 200 and len(shown(answer.get_data(as_text=True))) > 0
    assert fetched and max(fetched) <= PER_PAGE
