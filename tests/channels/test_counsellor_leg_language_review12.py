"""The counsellor's own phone speaks the desk's language (LOKET_DEFAULT_LANGUAGE), whatever
the language of the person they were to take: a leg already over when the phone answers
said "This call has already ended" in English to a Dutch desk for an English caller."""

from __future__ import annotations

from flask import Flask
from sqlmodel import select

from loket.store.db import session_scope
from loket.store.models import CallLeg, Contact
from tests.desk.test_workspace import engine_of, waiting
from tests.twilio_double import signed_post

SID = "CA" + "7" * 32


def counsellor_leg(app: Flask, status: str) -> int:
    """An English caller's contact and the counsellor's leg rung for it, in `status`."""
    reference = waiting(app, channel="phone")
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.language = "en"
        session.add(contact)
        session.flush()
        leg = CallLeg(contact_id=contact.id or 0, kind="counsellor", call_sid=SID,
                      conference="loket-test", status=status)
        session.add(leg)
        session.flush()
        return leg.id or 0


def test_a_counsellor_answering_a_leg_already_over_hears_the_desk_s_language(
    app: Flask,
) -> None:
    leg_id = counsellor_leg(app, "canceled")  # the leg was called off as the phone answered
    answer = signed_post(app.test_client(), f"/twilio/calls/{leg_id}/counsellor",
                         {"CallSid": SID, "CallStatus": "in-progress"})
    said = answer.get_data(as_text=True)
    assert answer.status_code == 200, said
    # The desk speaks Dutch (the default): the counsellor hears Dutch, as on every other
    # answer to their phone (`screening`, `confirm`, `not_connected`).
    assert "Dit gesprek is al afgelopen." in said, said
    assert "This call has already ended." not in said, said
