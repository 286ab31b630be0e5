"""A counsellor who lets go of everything they held (released it, handed it over) counts
as available again: claiming made them busy, and the routing counts only the available
(a busy counsellor holding nothing made the desk look full: callbacks offered, overflow)."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session

from loket.store.models import User
from tests.api.calls import caller
from tests.desk.test_workspace import engine_of, waiting


def availability(app: Flask, user_id: int | None) -> tuple[str, bool]:
    with Session(engine_of(app)) as session:
        me = session.get(User, user_id)
        assert me is not None
        return me.availability, me.available


def test_releasing_the_only_contact_held_makes_the_counsellor_available_again(
    app: Flask,
) -> None:
    reference = waiting(app)
    who = caller(app)
    who("PUT", "/api/v1/me/availability", {"status": "available"})
    assert who.do("claim", reference).status_code == 200
    assert availability(app, who.user.id) == ("busy", False)
    assert who.do("release", reference).status_code == 200
    assert availability(app, who.user.id) == ("available", True)


def test_handing_over_the_only_contact_held_makes_the_counsellor_available_again(
    app: Flask,
) -> None:
    reference = waiting(app)
    who = caller(app)
    who("PUT", "/api/v1/me/availability", {"status": "available"})
    who.do("claim", reference)
    assert who.do("transfer", reference).status_code == 200
    assert availability(app, who.user.id) == ("available", True)


def test_letting_go_of_one_of_two_chats_keeps_the_counsellor_busy(app: Flask) -> None:
    first, second = waiting(app), waiting(app)
    who = caller(app)
    who("PUT", "/api/v1/me/availability", {"status": "available"})
    who.do("claim", first), who.do("claim", second)
    assert who.do("release", first).status_code == 200
    assert availability(app, who.user.id) == ("busy", False)
    assert who.do("transfer", second).status_code == 200
    assert availability(app, who.user.id) == ("available", True)


def test_a_counsellor_who_chose_away_stays_away_after_letting_go(app: Flask) -> None:
    reference = waiting(app)
    who = caller(app)
    who.do("claim", reference)
    who("PUT", "/api/v1/me/availability", {"status": "away"})  # a break, the chat still held
    assert who.do("release", reference).status_code == 200
    assert availability(app, who.user.id) == ("away", False)
