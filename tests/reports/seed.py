"""Contacts stored the intake's way, then given an arrival time, a desk, a queue and flags."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask

from loket.domain import contacts
from loket.reports.periods import AMSTERDAM
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, ContactFlag

# Personal data every seeded contact carries: none of it may appear in a report.
PHONE = "+31612345678"
NAME = "Jan Modaal"
EMAIL = "jan.modaal@example.org"
TEXT = "Ik wil graag iemand spreken"
PERSONAL = (PHONE, NAME, EMAIL, TEXT, "612345678", "Modaal")


def local(text: str) -> datetime:
    """Return an Amsterdam wall-clock time, "2026-11-30 23:30", as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=AMSTERDAM)


def seed(
    app: Flask,
    at: datetime,
    *,
    channel: str = "sms",
    desk: str | None = "police",
    queue: str | None = None,
    crisis: bool = False,
    flags: tuple[str, ...] = (),
    outcome: str | None = None,
    handle_s: int | None = None,
    count: int = 1,
) -> None:
    """Store `count` contacts that reached Loket at `at` (their queue: their desk's)."""
    with session_scope(app.extensions["loket.engine"]) as session:
        for _ in range(count):
            contact = contacts.open_contact(
                session=session, actor="test",
                contact_in=contacts.ContactIn(channel=channel, phone=PHONE, name=NAME,  # type: ignore[arg-type]
                                              email=EMAIL, text=TEXT),
            )
            contact.created_at = at
            contact.desk, contact.queue = desk, queue or desk
            contact.crisis = crisis
            if outcome is not None:
                contact.outcome, contact.status = outcome, "closed"
            if handle_s is not None:
                contact.answered_at = at + timedelta(seconds=10)
                contact.closed_at = contact.answered_at + timedelta(seconds=handle_s)
            for flag in flags:
                contact.flag_rows.append(ContactFlag(flag=flag))
            contact.overflow_direction = contacts.overflow_direction(  # as routed
                contact.desk, contact.queue, flags)
            session.add(contact)


def seed_callback(
    app: Flask, at: datetime, *, status: str, attempts: int, last_outcome: str | None,
    reached_after: timedelta | None = None, window: timedelta = timedelta(hours=2),
) -> None:
    """Store a police contact at `at` with one callback asked for then."""
    seed(app, at, channel="phone")
    with session_scope(app.extensions["loket.engine"]) as session:
        from sqlmodel import col, select

        from loket.store.models import Contact

        contact_id = session.exec(select(Contact.id).order_by(col(Contact.id).desc())).first()
        assert contact_id is not None
        session.add(CallbackRequest(
            contact_id=contact_id, phone=PHONE, window="evening", window_start=at,
            window_end=at + window, attempts=attempts, status=status,
            last_outcome=last_outcome, created_at=at,
            updated_at=at + (reached_after or timedelta(minutes=1)),
        ))
