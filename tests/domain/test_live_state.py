"""The routing's live state: who is available (a finished wrap-up counts) and the expected
wait from the queue's recent handle times, not a constant."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from loket.domain import contacts
from loket.store.db import session_scope
from loket.store.models import Contact
from loket.store.types import utcnow
from tests.desk.helpers import make_user


def closed_contacts(app: Flask, queue: str, handle_s: list[int]) -> None:
    """Store contacts of a queue answered and closed after these handle times."""
    now = utcnow()
    with session_scope(app.extensions["loket.engine"]) as session:
        for n, seconds in enumerate(handle_s):
            answered = now - timedelta(hours=1, minutes=n)
            session.add(Contact(reference=f"H{n:03d}-{queue[:3].upper()}", channel="sms",
                                status="closed", desk=queue, queue=queue,
                                answered_at=answered,
                                closed_at=answered + timedelta(seconds=seconds)))


def state(app: Flask) -> dict[str, dict[str, int]]:
    with session_scope(app.extensions["loket.engine"]) as session:
        return contacts.live_state(session=session)


def test_the_expected_wait_is_the_queue_s_median_handle_time(store_app: Flask) -> None:
    closed_contacts(store_app, "police", [100, 120, 120, 900, 110])
    with session_scope(store_app.extensions["loket.engine"]) as session:
        session.add(Contact(reference="W001-POL", channel="sms", status="waiting",
                            desk="police", queue="police", routed_at=utcnow()))
    police = state(store_app)["police"]
    assert (police["waiting"], police["available"]) == (1, 0)
    assert police["expected_wait_s"] == 2 * 120  # (waiting + 1) x the median, not 600
    assert state(store_app)["veterans"]["expected_wait_s"] == 600  # no history: the default


def test_too_few_closed_contacts_keep_the_default(store_app: Flask) -> None:
    closed_contacts(store_app, "police", [60, 60, 60])
    assert state(store_app)["police"]["expected_wait_s"] == 600


def test_a_finished_wrap_up_counts_as_available(store_app: Flask) -> None:
    user = make_user(store_app, role="counsellor", desk="veterans")
    with session_scope(store_app.extensions["loket.engine"]) as session:
        from loket.store.models import User

        stored = session.get(User, user.id)
        assert stored is not None
        stored.available, stored.availability = False, "wrap-up"
        stored.availability_until = utcnow() + timedelta(minutes=5)
    assert state(store_app)["veterans"]["available"] == 0
    with session_scope(store_app.extensions["loket.engine"]) as session:
        stored = session.get(User, user.id)
        assert stored is not None
        stored.availability_until = utcnow() - timedelta(seconds=1)
    assert state(store_app)["veterans"]["available"] == 1
    assert state(store_app)["pool"]["available"] == 1
