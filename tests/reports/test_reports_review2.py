"""Second review of the managers' figures, checked against contacts of known times and
outcomes on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask
from sqlmodel import col, select

from loket.domain import calls, contacts
from loket.reports import tally
from loket.reports.volumes import figures
from loket.store.db import read_scope, session_scope
from loket.store.models import Contact
from tests.desk.helpers import make_user
from tests.reports.seed import PHONE, local, seed

NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)


def report(app: Flask) -> dict[str, Any]:
    with read_scope(app.extensions["loket.engine"]) as session:
        return figures(session, NOV_1, NOV_30)


def callers_in_the_queue(app: Flask, *, crisis: bool, count: int) -> list[int]:
    """Phone calls of 10 November waiting in the police queue, their number known."""
    at = local("2026-11-10 14:00")
    seed(app, at, channel="phone", crisis=crisis, count=count)
    with session_scope(app.extensions["loket.engine"]) as session:
        made = session.exec(select(Contact).order_by(col(Contact.id).desc()).limit(count)).all()
        for contact in made:
            contact.routed_at, contact.status, contact.intake_step = at, "waiting", "queued"
            contact.phone = PHONE
        return [contact.id or 0 for contact in made]


def hang_up(app: Flask, contact_id: int, waited_s: int) -> None:
    """The caller hangs up in the queue after `waited_s` (Twilio's QueueResult hangup)."""
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        calls.left_unanswered(session=session, contact=contact, waited_s=waited_s,
                              actor="voice", detail="call abandoned")


def test_a_crisis_caller_who_hung_up_in_the_queue_counts_as_abandoned(store_app: Flask) -> None:
    """A crisis caller who hangs up is kept open to be called back at once (never lost), but
    their call was not answered: the crisis service level may not leave it out."""
    answered = callers_in_the_queue(store_app, crisis=True, count=5)
    with session_scope(store_app.extensions["loket.engine"]) as session:
        for contact_id in answered:
            contact = session.get(Contact, contact_id)
            assert contact is not None
            contacts.mark_answered(session=session, contact=contact, waited_s=10,
                                   actor="voice", detail="call answered")
    left = callers_in_the_queue(store_app, crisis=True, count=5)
    for contact_id in left:
        hang_up(store_app, contact_id, 240)
    crisis = report(store_app)["service"]["crisis"]
    assert crisis["answered"] == 5 and crisis["abandoned"] == 5
    assert crisis["within_target"] == 5 and crisis["level"] == 0.5
    assert report(store_app)["service"]["abandon_wait_s"]["median"] == 240

    # A counsellor takes the kept contact from the desk later: the call still went
    # unanswered in the queue, also once the day is tallied.
    counsellor = make_user(store_app, role="counsellor", desk="police")
    with session_scope(store_app.extensions["loket.engine"]) as session:
        contact = session.get(Contact, left[0])
        assert contact is not None
        contacts.claim(session=session, contact=contact, user=counsellor)
    assert report(store_app)["service"]["crisis"]["abandoned"] == 5
    tally.refresh_all(lambda: session_scope(store_app.extensions["loket.engine"]))
    assert report(store_app)["service"]["crisis"] == crisis



def test_a_crisis_call_hung_up_through_the_webhooks_is_an_abandoned_call(
    app: Flask, client: Any
) -> None:
    """The same through Twilio's signed webhooks: the caller pressed 0 (help now), waited 40 s
    and hung up; the report of today counts one crisis call abandoned, none answered."""
    from datetime import datetime

    from loket.reports.periods import AMSTERDAM
    from tests.channels.test_voice_crisis_hangup import QUEUED, STATUS, crisis_call_waiting

    call = crisis_call_waiting(client)
    call.event(QUEUED, QueueResult="hangup", QueueTime="40")
    call.event(STATUS, CallStatus="completed", CallDuration="55")
    today = datetime.now(AMSTERDAM).date()
    with read_scope(app.extensions["loket.engine"]) as session:
        crisis = figures(session, today, today)["service"]["crisis"]
    assert (crisis["answered"], crisis["abandoned"], crisis["within_target"]) == (0, 1, 0)
