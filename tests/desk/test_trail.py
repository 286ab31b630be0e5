"""A contact's audit trail page ("who viewed this"): the admin and the desk's own manager see
who did what, when and from where; another desk's manager gets the same 404 as for no
contact at all; a counsellor's role has no such page. Every view is itself in the trail.
Store-touching tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from loket.store.models import AuditEvent, User
from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import PHONE, waiting


def staff(app: Flask, role: str, desk: str | None = None, **extra: str) -> tuple[FlaskClient,
                                                                                User]:
    """A logged-in member of staff and their client."""
    user = make_user(app, role=role, desk=desk, **extra)
    client = app.test_client()
    log_in(client, app, user)
    return client, user


def lines(app: Flask, reference: str) -> list[tuple[str, int | None, str]]:
    """Return a contact's audit lines: (event, user id, source), oldest first."""
    with Session(app.extensions["loket.engine"]) as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.contact_reference == reference)
            .order_by(col(AuditEvent.id))
        ).all()
        return [(row.event, row.user_id, row.source) for row in rows]


def test_the_admin_and_the_owning_manager_see_who_viewed_a_contact(store_app: Flask) -> None:
    reference = waiting(store_app, desk="police")
    reader, counsellor = staff(store_app, "counsellor", "police", display_name="Anouk")
    assert reader.get(f"/desk/contacts/{reference}").status_code == 200
    for role, desk in (("admin", None), ("manager", "police"), ("manager", None)):
        client, _ = staff(store_app, role, desk)
        answer = client.get(f"/desk/contacts/{reference}/trail")
        assert answer.status_code == 200, (role, desk)
        page = answer.get_data(as_text=True)
        row = next(r for r in page.split("<tr>") if counsellor.email in r)
        assert "Ingezien" in row and "Anouk" in row and "127.0.0.1" in row
        assert PHONE not in page and "56 78" not in page  # nothing of the person
    english = client.get(f"/desk/contacts/{reference}/trail?lang=en").get_data(as_text=True)
    assert "Viewed" in english and "Who viewed this record" in english


def test_another_desk_s_manager_gets_the_404_of_no_contact_at_all(store_app: Flask) -> None:
    reference = waiting(store_app, desk="police")
    client, _ = staff(store_app, "manager", "veterans")
    theirs = client.get(f"/desk/contacts/{reference}/trail")
    nothing = client.get("/desk/contacts/NOPE-123/trail")
    assert theirs.status_code == nothing.status_code == 404
    # Left out: the login-end notice's seconds, counted from each request's own moment.
    shows_in = re.compile(r'data-shows-in="\d+"')
    assert shows_in.sub("", theirs.get_data(as_text=True).replace(reference, "NOPE-123")) == (
        shows_in.sub("", nothing.get_data(as_text=True)))
    assert "trail" not in [event for event, _, _ in lines(store_app, reference)]


def test_the_trail_page_is_not_part_of_a_counsellor_s_role(app: Flask) -> None:
    reference = waiting(app, desk="police")
    client, _ = staff(app, "counsellor", "police")
    assert client.get(f"/desk/contacts/{reference}/trail").status_code == 403
    assert client.get("/desk/trail").status_code == 403
    anonymous = app.test_client().get(f"/desk/contacts/{reference}/trail")
    assert anonymous.status_code == 302 and "/desk/login" in anonymous.location


def test_viewing_the_trail_is_itself_audited_and_shown_next_time(store_app: Flask) -> None:
    reference = waiting(store_app, desk="veterans")
    client, manager = staff(store_app, "manager", "veterans")
    first = client.get(f"/desk/contacts/{reference}/trail").get_data(as_text=True)
    assert "Logboek ingezien" not in first
    assert ("trail", manager.id, "127.0.0.1") in lines(store_app, reference)
    second = client.get(f"/desk/contacts/{reference}/trail").get_data(as_text=True)
    assert "Logboek ingezien" in second and manager.email in second


def test_the_lookup_form_leads_to_a_contact_s_trail(app: Flask) -> None:
    reference = waiting(app, desk="debasis")
    client, _ = staff(app, "admin")
    form = client.get("/desk/trail")
    assert form.status_code == 200 and 'name="reference"' in form.get_data(as_text=True)
    found = client.get(f"/desk/trail?reference={reference.lower()}")
    assert found.status_code == 303 and found.location.endswith(f"/desk/contacts/{reference}/trail")
