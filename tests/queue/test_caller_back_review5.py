"""A waiting caller who arrives in the conference of a counsellor who has left goes back in
their queue; a colleague who claimed them in the moment between keeps the claim (review 5):
the caller is enqueued again either way, and the colleague's ringing phone moves them. On
SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session, select

from loket.domain import calls, contacts
from loket.store.db import session_scope
from loket.store.models import CallLeg, Contact, User
from tests.desk.test_workspace import act, counsellor, engine_of, waiting


def on_the_line(app: Flask) -> str:
    """A caller waiting on the line in the police queue: their reference."""
    reference = waiting(app, channel="phone")
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.intake_step = sorted(contacts.ON_THE_LINE)[0]
        session.add(contact)
    return reference


def left_conference(app: Flask, reference: str, first: User) -> int:
    """The first counsellor's conference, which they left (their leg completed), and the
    caller's leg moved into it: its id."""
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert contact.id is not None
        room = f"loket-test-{contact.id}"
        session.add(CallLeg(contact_id=contact.id, user_id=first.id, kind="counsellor",
                            call_sid=f"CA{contact.id:031d}1", conference=room,
                            status="completed"))
        caller = CallLeg(contact_id=contact.id, kind="caller", call_sid=f"CA{contact.id:032d}",
                         conference=room, status="queued")
        session.add(caller)
        session.flush()
        return caller.id or 0


def arrives(app: Flask, leg_id: int) -> bool:
    with session_scope(engine_of(app)) as session:
        leg = session.get(CallLeg, leg_id)
        assert leg is not None
        return calls.caller_back(session=session, leg=leg)


def holder(app: Flask, reference: str) -> tuple[str, int | None]:
    with Session(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        return contact.status, contact.assigned_user_id


def test_a_caller_in_a_left_conference_goes_back_in_the_queue(store_app: Flask) -> None:
    reference = on_the_line(store_app)
    client, first = counsellor(store_app)
    assert act(client, reference, "claim").status_code == 303
    caller = left_conference(store_app, reference, first)
    assert arrives(store_app, caller)
    assert holder(store_app, reference) == ("waiting", None)


def test_a_colleague_who_claimed_the_caller_meanwhile_keeps_them(store_app: Flask) -> None:
    reference = on_the_line(store_app)
    _, first = counsellor(store_app)
    caller = left_conference(store_app, reference, first)  # the first one let go of them
    colleague_client, colleague = counsellor(store_app)
    assert act(colleague_client, reference, "claim").status_code == 303
    assert arrives(store_app, caller)  # not joined: back in the queue, for the colleague
    assert holder(store_app, reference) == ("in_progress", colleague.id)
