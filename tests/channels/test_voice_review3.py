"""A caller on hold hears their place in the order counsellors take callers from the desk
(a crisis first, then priority, then longest waiting since routed), and a crisis caller
whose queue failed twice is counted in the figures with their wait. Signed webhooks through
the routes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from loket.reports.periods import AMSTERDAM
from loket.reports.volumes import figures
from loket.store.db import session_scope
from loket.store.models import Contact
from loket.store.types import utcnow
from tests.channels.test_voice import CALLER, Call, callbacks_of, contact_of, said, store
from tests.channels.test_voice_waiting import wait_round, waiting_call
from tests.desk.test_workspace import waiting

QUEUED = "/twilio/voice/queued"
STATUS = "/twilio/voice/status"


def times(app: Flask, sid: str, *, created_ago: int, routed_ago: int) -> None:
    """Set when a call reached Loket and when it was routed into its queue."""
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).where(Contact.external_id == sid)).one()
        contact.created_at = utcnow() - timedelta(seconds=created_ago)
        contact.routed_at = utcnow() - timedelta(seconds=routed_ago)


def phone_service(app: Flask) -> dict[str, int]:
    # Yesterday too: a call backdated minutes began yesterday when the test runs just
    # after midnight in Amsterdam.
    today = datetime.now(AMSTERDAM).date()
    with store(app) as session:
        service = figures(session, today - timedelta(days=1), today)["service"]
    return {"answered": service["answered"], "abandoned": service["abandoned"]}


def test_a_caller_hears_the_place_counsellors_take_them_in(
    app: Flask, client: FlaskClient
) -> None:
    # The first caller spent long in the menu: they reached Loket first but have waited in
    # the queue less long. Counsellors take the one waiting longest first.
    menu_long = waiting_call(client, "1", "1", caller="+31611110001")
    waited_long = waiting_call(client, "1", "1", caller="+31611110002")
    times(app, menu_long.sid, created_ago=600, routed_ago=60)
    times(app, waited_long.sid, created_ago=300, routed_ago=300)

    assert "U bent de volgende in de wachtrij." in said(wait_round(waited_long, 0))
    assert "U bent nummer 2 in de wachtrij." in said(wait_round(menu_long, 0, position=1))


def test_a_caller_behind_a_due_callback_of_their_queue_hears_so(
    app: Flask, client: FlaskClient
) -> None:
    call = waiting_call(client, "1", "1", caller="+31611110003")
    queue = contact_of(app, call.sid).queue
    # A contact to answer later with no callback to place (nothing else brings it to the
    # queue): the desk shows it in the queue from the start, so it is ahead of the caller.
    waiting(app, queue=queue, channel="sms", seconds_ago=600, status="callback")
    assert "U bent nummer 2 in de wachtrij." in said(wait_round(call, 0))


def test_a_crisis_caller_whose_queue_failed_twice_is_counted_with_their_wait(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client, caller=CALLER)
    call.walk("0")
    times(app, call.sid, created_ago=200, routed_ago=120)
    call.event(QUEUED, QueueResult="system-error", QueueTime="0")
    call.event(QUEUED, QueueResult="system-error", QueueTime="0")  # failed again
    call.event(STATUS, CallStatus="completed", CallDuration="130")

    contact = contact_of(app, call.sid)
    [reach] = callbacks_of(app, contact)
    assert reach.status == "crisis" and contact.status == "waiting"
    assert contact.wait_seconds is not None and 120 <= contact.wait_seconds <= 130
    assert phone_service(app) == {"answered": 0, "abandoned": 1}


def test_a_caller_enqueued_again_who_hangs_up_is_counted_with_their_whole_wait(
    app: Flask, client: FlaskClient
) -> None:
    # Twilio's QueueTime counts from the last `<Enqueue>`: after a queue failure (or a move
    # to a counsellor called off) the caller is enqueued again, their wait going on.
    call = waiting_call(client, "1", "1")
    times(app, call.sid, created_ago=260, routed_ago=200)
    call.event(QUEUED, QueueResult="system-error", QueueTime="185")  # enqueued again
    call.event(QUEUED, QueueResult="hangup", QueueTime="15")

    contact = contact_of(app, call.sid)
    assert (contact.status, contact.outcome) == ("closed", "abandoned")
    assert contact.wait_seconds is not None and 200 <= contact.wait_seconds <= 210

