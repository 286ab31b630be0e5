"""DESIGN.md: a contact's `history` is the refs of the person's *earlier* contacts the user
may see. Reading a person's first contact listed their later contacts as its history too
(and the desk page's "Eerdere contacten" did the same), each listing audited as a search of
a record the user was never meant to be shown there. Now only contacts made before the one
read. On SQLite and PostgreSQL (`store_app`)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlmodel import Session, select

from loket.store.models import AuditEvent, Contact
from tests.api.calls import caller
from tests.desk.test_workspace import counsellor, engine_of, waiting


def two_contacts_of_one_person(app: Flask) -> tuple[str, str]:
    """The same person (one number) reached the desk three days ago and again now."""
    first, later = waiting(app), waiting(app)
    with Session(engine_of(app)) as session:
        row = session.exec(select(Contact).where(Contact.reference == first)).one()
        row.created_at = row.created_at - timedelta(days=3)
        session.add(row)
        session.commit()
    return first, later


def listed_as_searched(app: Flask, reference: str) -> int:
    with Session(engine_of(app)) as session:
        return len(session.exec(select(AuditEvent).where(
            AuditEvent.contact_reference == reference, AuditEvent.event == "search")).all())


def test_the_api_history_holds_only_contacts_made_before_the_one_read(store_app: Flask) -> None:
    first, later = two_contacts_of_one_person(store_app)
    who = caller(store_app)
    assert who.do("read", later).get_json()["history"] == [first]
    answer = who.do("read", first)
    assert answer.status_code == 200
    assert answer.get_json()["history"] == [], "a later contact is listed as earlier history"
    # Listed once (reading the later one), never as the first one's history.
    assert listed_as_searched(store_app, later) == 0


def test_the_desk_page_lists_only_earlier_contacts(store_app: Flask) -> None:
    first, later = two_contacts_of_one_person(store_app)
    client, _ = counsellor(store_app)
    page = client.get(f"/desk/contacts/{later}").get_data(as_text=True)
    assert "Eerdere contacten" in page and f"/desk/contacts/{first}\"" in page
    page = client.get(f"/desk/contacts/{first}").get_data(as_text=True)
    assert f"/desk/contacts/{later}\"" not in page, "a later contact shown as an earlier one"


def test_contacts_made_at_the_same_moment_are_listed_newest_first_by_their_order(
    store_app: Flask,
) -> None:
    # Made at one instant, the one stored first counts as earlier (the tie-break), and the
    # history lists newest first in that same order.
    refs = [waiting(store_app) for _ in range(3)]
    with Session(engine_of(store_app)) as session:
        rows = [session.exec(select(Contact).where(Contact.reference == r)).one() for r in refs]
        for row in rows:
            row.created_at = rows[0].created_at
            session.add(row)
        session.commit()
    history = caller(store_app).do("read", refs[2]).get_json()["history"]
    assert history == [refs[1], refs[0]], f"not newest first: {history} (made {refs})"
    assert caller(store_app).do("read", refs[0]).get_json()["history"] == []
