"""Review 3: a web chat whose person can no longer read it (they closed it, or left it
unused past the idle limit) says so on the counsellor's page, and a reply to it is refused
with the reason, not stored as if it were read."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from loket.store.models import Contact, Message, User
from tests.channels.test_webchat import press, start_chat
from tests.desk.helpers import api_token
from tests.desk.test_workspace import act, counsellor, engine_of

ENDED = "De chat is voor deze persoon beëindigd"
QUIET = "schreef al meer dan 2 uur niets"


def chat_claimed(app: Flask) -> tuple[FlaskClient, FlaskClient, str, User]:
    """A person's web chat, claimed by a police counsellor who answered once."""
    person = app.test_client()
    start_chat(person, "police", "chat")
    press(person, "/chat/send", body="Ik slaap slecht sinds het incident")
    with Session(engine_of(app)) as session:
        reference = session.exec(select(Contact.reference)).one()
    desk, user = counsellor(app, desk="police")
    assert act(desk, reference, "claim").status_code == 303
    assert act(desk, reference, "reply", text="Ik ben er. Vertel.").status_code == 303
    return person, desk, reference, user


def went_by(app: Flask, *, minutes: int, person: FlaskClient | None = None) -> None:
    """Move the chat, its messages and the person's last visit this much into the past."""
    with Session(engine_of(app)) as session:
        for row in [*session.exec(select(Message)).all(), *session.exec(select(Contact))]:
            row.created_at -= timedelta(minutes=minutes)
            session.add(row)
        session.commit()
    if person is not None:
        with person.session_transaction() as cookie:
            cookie["webchat_seen"] -= minutes * 60


def outgoing(app: Flask) -> list[str]:
    with Session(engine_of(app)) as session:
        return [m.body for m in session.exec(select(Message).where(Message.direction == "out"))]


def test_a_chat_left_unused_past_the_idle_limit_says_so_and_refuses_a_reply(
    store_app: Flask,
) -> None:
    person, desk, reference, user = chat_claimed(store_app)
    assert ENDED not in desk.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    went_by(store_app, minutes=121, person=person)  # the page closed for over two hours
    assert 'name="choice"' in person.get("/chat").get_data(as_text=True)  # starts anew
    page = desk.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert ENDED in page and "2 uur niet gebruikt" in page
    assert 'action="/desk/contacts/' + reference + '/reply"' not in page
    refused = act(desk, reference, "reply", text="Ben je er nog?")
    assert refused.status_code == 303
    after = desk.get(refused.location).get_data(as_text=True)
    assert "leest je antwoord niet meer" in after
    assert "Je niet verstuurde antwoord" in after and "Ben je er nog?" in after
    assert outgoing(store_app) == ["Ik ben er. Vertel."]
    api = store_app.test_client().post(
        f"/api/v1/contacts/{reference}/messages", json={"text": "Hallo?"},
        headers={"Authorization": f"Bearer {api_token(store_app, user)}"})
    assert api.status_code == 422 and api.get_json()["field"] == "text"
    assert outgoing(store_app) == ["Ik ben er. Vertel."]
    # The holder closes it with its outcome; nothing is in the way.
    assert act(desk, reference, "close", outcome="no_contact").status_code == 303


def test_a_chat_the_person_closed_refuses_a_reply_the_same_way(app: Flask) -> None:
    person, desk, reference, _ = chat_claimed(app)
    assert press(person, "/chat/leave").status_code == 303
    page = desk.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert ENDED in page and "De persoon heeft de chat gesloten." in page
    act(desk, reference, "reply", text="Ben je er nog?")
    assert outgoing(app) == ["Ik ben er. Vertel."]


def test_a_chat_whose_person_has_not_written_for_two_hours_may_have_ended(app: Flask) -> None:
    # The person's idle time lives in their browser's cookie: while they do not come back,
    # the counsellor cannot know for sure. Their last message two hours ago says it may.
    _, desk, reference, _ = chat_claimed(app)
    assert QUIET not in desk.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    went_by(app, minutes=121)
    page = desk.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert QUIET in page and ENDED not in page
    assert act(desk, reference, "reply", text="Ben je er nog?").status_code == 303
    assert outgoing(app)[-1] == "Ben je er nog?"  # it may still be read: it is sent
