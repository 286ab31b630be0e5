"""The workspace through the JSON API as a client uses it: the queue, a contact's details,
claiming (one winner when two press at once), replying on the contact's channel, notes,
handing over, closing, break-glass and availability; every step audited, every bad body
named. Store-touching tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from flask import Flask
from redis import Redis
from sqlmodel import Session, select
from structlog.testing import capture_logs

from loket.domain import accounts
from loket.store.db import session_scope
from loket.store.models import ApiToken, BreakGlass, Message, OutboundAction, User
from loket.store.types import utcnow
from tests.api.calls import CALLS, Caller, caller
from tests.desk.helpers import log_in
from tests.desk.test_workspace import PHONE, engine_of, run_jobs, stored, trail, waiting

REASON = "Beller noemt zelfdoding, dossier nodig"


# --- the queue and a contact's details -----------------------------------------------------


def test_the_queue_lists_crisis_first_without_personal_data(store_app: Flask) -> None:
    calm = waiting(store_app, seconds_ago=600)
    crisis = waiting(store_app, crisis=True, seconds_ago=5)
    overflow = waiting(store_app, desk="veterans", queue="police")
    theirs = waiting(store_app, desk="veterans")
    answer = caller(store_app)("GET", "/api/v1/queue/police")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["queue"] == "police"
    assert [item["reference"] for item in body["items"]] == [crisis, calm, overflow]
    assert set(body["items"][0]) == {"reference", "channel", "priority", "flags",
                                     "waiting_since", "chat_ended"}  # review 4
    text = answer.get_data(as_text=True)
    assert theirs not in text and PHONE not in text and "5678" not in text


def test_a_contact_s_details_have_the_design_s_shape_and_the_read_is_logged(
    store_app: Flask,
) -> None:
    earlier = waiting(store_app)
    reference = waiting(store_app, flags=("crisis",))
    other_desk = waiting(store_app, desk="debasis")  # the same number, not theirs to see
    who = caller(store_app)
    who.do("claim", reference)
    who.do("note", reference, {"text": "Belt vaker 's nachts."})
    answer = who.do("read", reference)
    assert answer.status_code == 200
    body = answer.get_json()
    assert set(body) == {"reference", "channel", "desk", "queue", "priority", "crisis",
                         "flags", "status", "claimed_by", "waiting_since", "messages",
                         "notes", "history", "chat_ended"}  # chat_ended: review 4
    assert body["chat_ended"] is False  # an SMS never has a chat to end
    assert (body["reference"], body["desk"], body["status"], body["claimed_by"]) == (
        reference, "police", "in_progress", who.user.email)
    assert body["flags"] == ["crisis"]
    assert [note["text"] for note in body["notes"]] == ["Belt vaker 's nachts."]
    assert body["history"] == [earlier] and other_desk not in answer.get_data(as_text=True)
    assert ("read", who.user.id) in trail(store_app, reference)


# --- claiming ------------------------------------------------------------------------------


def claim_at_once(reference: str, callers: list[Caller]) -> list[int]:
    """Have these counsellors claim at the same moment; return the status codes."""
    barrier = threading.Barrier(len(callers), timeout=10)
    codes = [0] * len(callers)

    def press(index: int) -> None:
        barrier.wait()
        codes[index] = callers[index].do("claim", reference).status_code

    threads = [threading.Thread(target=press, args=(i,)) for i in range(len(callers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return codes


def test_two_claims_at_once_one_wins_and_the_other_is_told_who(store_app: Flask) -> None:
    reference = waiting(store_app)
    anouk = caller(store_app, display_name="Anouk")
    bram = caller(store_app, display_name="Bram")
    codes = claim_at_once(reference, [anouk, bram])
    assert sorted(codes) == [200, 409]
    winner, loser = (anouk, bram) if codes[0] == 200 else (bram, anouk)
    assert stored(store_app, reference).assigned_user_id == winner.user.id
    assert [e for e in trail(store_app, reference) if e[0] == "claim"] == [
        ("claim", winner.user.id)]
    again = loser.do("claim", reference)
    name = winner.user.display_name
    assert again.status_code == 409
    assert again.get_json() == {"error": f"claimed: {name} holds this contact",
                                "field": "claimed", "holder": name}
    assert loser.do("read", reference).get_json()["claimed_by"] == winner.user.email


def test_replying_releasing_and_closing_need_the_caller_s_claim(app: Flask) -> None:
    reference = waiting(app)
    who = caller(app)
    for name in ("reply", "release", "close"):
        answer = who.do(name, reference)
        assert answer.status_code == 409 and answer.get_json()["field"] == "claimed"
    assert who.do("claim", reference).get_json() == {"status": "claimed",
                                                     "claimed_by": who.user.email}
    assert who.do("release", reference).status_code == 200
    contact = stored(app, reference)
    assert (contact.assigned_user_id, contact.status) == (None, "waiting")


def test_a_counsellor_holds_at_most_the_configured_live_chats(make_app: object) -> None:
    app = make_app(max_live_chats=1)  # type: ignore[operator]
    first, second = waiting(app), waiting(app)
    who = caller(app)
    assert who.do("claim", first).status_code == 200
    refused = who.do("claim", second)
    assert refused.status_code == 409 and refused.get_json()["field"] == "busy"
    assert stored(app, second).assigned_user_id is None


# --- replies, notes, handing over, closing -------------------------------------------------


def test_a_reply_to_a_text_goes_out_through_the_gateway_once(
    store_app: Flask, redis_conn: Redis
) -> None:
    reference = waiting(store_app)
    who = caller(store_app, display_name="Sam")
    who.do("claim", reference)
    sent = who.do("reply", reference, {"text": "Hoi, ik ben Sam. Waar wil je over praten?"})
    assert sent.status_code == 201 and sent.get_json()["status"] == "sent"
    run_jobs(store_app, redis_conn)
    run_jobs(store_app, redis_conn)  # at-least-once: a second run sends nothing more
    with Session(engine_of(store_app)) as session:
        [action] = session.exec(select(OutboundAction)).all()
        [message] = session.exec(select(Message).where(Message.direction == "out")).all()
    assert (action.kind, action.to, action.body) == (
        "message", PHONE, "Hoi, ik ben Sam. Waar wil je over praten?")
    assert message.id == sent.get_json()["id"] and message.external_id == action.sid
    shown = who.do("read", reference).get_json()["messages"]
    assert [(m["direction"], m["text"]) for m in shown] == [
        ("out", "Hoi, ik ben Sam. Waar wil je over praten?")]


def test_a_phone_contact_has_no_written_conversation(app: Flask) -> None:
    reference = waiting(app, channel="phone")
    who = caller(app)
    who.do("claim", reference)
    answer = who.do("reply", reference, {"text": "Hallo"})
    assert answer.status_code == 422 and answer.get_json()["field"] == "text"


def test_a_transfer_moves_the_case_with_its_note_and_the_sender_loses_sight(
    store_app: Flask,
) -> None:
    reference = waiting(store_app)
    sender = caller(store_app)
    sender.do("claim", reference)
    moved = sender.do("transfer", reference,
                      {"desk": "debasis", "note": "Wil praten over zijn dienstverband."})
    assert moved.status_code == 200 and moved.get_json() == {"status": "transferred"}
    assert sender.do("read", reference).status_code == 404
    assert reference not in sender("GET", "/api/v1/queue/police").get_data(as_text=True)
    basis = caller(store_app, desk="debasis")
    assert reference in basis("GET", "/api/v1/queue/debasis").get_data(as_text=True)
    notes = basis.do("read", reference).get_json()["notes"]
    assert notes[0]["kind"] == "handover" and "dienstverband" in notes[0]["text"]


def test_closing_records_the_outcome_and_starts_the_wrap_up(store_app: Flask) -> None:
    reference = waiting(store_app)
    who = caller(store_app)
    who.do("claim", reference)
    closed = who.do("close", reference, {"outcome": "referred", "note": "Naar de huisarts."})
    assert closed.status_code == 200 and closed.get_json() == {"status": "closed"}
    contact = stored(store_app, reference)
    assert (contact.status, contact.outcome) == ("closed", "referred")
    with Session(engine_of(store_app)) as session:
        me = session.get(User, who.user.id)
        assert me is not None and me.availability == "wrap-up"
    assert who.do("claim", reference).get_json()["field"] == "status"  # closed stays closed


def test_availability_is_set_and_read_by_the_routing(app: Flask) -> None:
    who = caller(app)
    answer = who("PUT", "/api/v1/me/availability", {"status": "available"})
    assert answer.status_code == 200 and answer.get_json() == {"status": "available"}
    with Session(engine_of(app)) as session:
        me = session.get(User, who.user.id)
        assert me is not None and me.available and me.availability == "available"


# --- break-glass ---------------------------------------------------------------------------


def test_break_glass_opens_another_desk_s_case_for_a_while_logged_as_emergency(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="veterans")
    who = caller(store_app, desk="police")
    assert who.do("read", reference).status_code == 404
    opened = who.do("break_glass", reference, {"reason": REASON})
    assert opened.status_code == 200 and opened.get_json()["reference"] == reference
    events = [event for event, user_id in trail(store_app, reference) if user_id == who.user.id]
    assert events == ["break-glass", "read"]
    assert who.do("read", reference).status_code == 200
    with session_scope(engine_of(store_app)) as session:
        grant = session.exec(select(BreakGlass)).one()
        assert grant.expires_at - grant.created_at == timedelta(minutes=60)
        grant.expires_at = utcnow() - timedelta(seconds=1)
        session.add(grant)
    assert who.do("read", reference).status_code == 404
    assert who.do("break_glass", "NOPE-999", {"reason": REASON}).status_code == 404


# --- the audit trail -----------------------------------------------------------------------

# Each call and the audit event it leaves on the contact.
AUDITED = [("read", "read"), ("claim", "claim"), ("reply", "reply"), ("note", "note"),
           ("release", "release"), ("transfer", "transfer"), ("close", "close")]


@pytest.mark.parametrize(("name", "event"), AUDITED)
def test_each_call_writes_its_audit_event(store_app: Flask, name: str, event: str) -> None:
    reference = waiting(store_app)
    who = caller(store_app)
    if name not in ("read", "claim", "note"):
        who.do("claim", reference)
    answer = who.do(name, reference)
    assert answer.status_code in (200, 201)
    assert trail(store_app, reference)[-1] == (event, who.user.id)


# --- bad bodies and bad tokens -------------------------------------------------------------

BAD_BODIES = [
    ("reply", {}, 422, "text"),
    ("reply", {"text": 5}, 422, "text"),
    ("reply", {"text": "   "}, 422, "text"),
    ("reply", {"text": "x" * 1601}, 422, "text"),
    ("reply", {"text": "Hoi", "txt": "Hoi"}, 422, "txt"),
    ("reply", [1, 2], 422, "body"),
    ("note", {"text": "  "}, 422, "text"),
    ("transfer", {"desk": "mars", "note": "Graag overnemen."}, 422, "desk"),
    ("transfer", {"desk": "veterans", "note": " "}, 422, "note"),
    ("close", {"outcome": "happy"}, 422, "outcome"),
    ("close", {"outcome": "helped", "contact_type": "letter"}, 422, "contact_type"),
    ("break_glass", {"reason": "nood"}, 422, "reason"),
    ("break_glass", {"reason": "          nood"}, 422, "reason"),
]


@pytest.mark.parametrize(("name", "body", "status", "field"), BAD_BODIES)
def test_a_bad_body_is_refused_naming_the_field(app: Flask, name: str, body: object,
                                                status: int, field: str) -> None:
    reference = waiting(app)
    who = caller(app)
    who.do("claim", reference)
    answer = who.do(name, reference, body)
    assert answer.status_code == status and answer.is_json
    assert answer.get_json()["field"] == field
    assert answer.get_json()["error"].startswith(f"{field}: ")
    with Session(engine_of(app)) as session:
        assert session.exec(select(Message)).all() == []


def test_a_bad_body_is_logged_by_its_field_names_only(app: Flask) -> None:
    reference = waiting(app)
    who = caller(app)
    who.do("claim", reference)
    with capture_logs() as lines:
        who.do("reply", reference, {"text": 5, "naam": "Jan de Vries"})
    [line] = [line for line in lines if line["event"] == "api.bad_body"]
    assert line["fields"] == ["text", "naam"]
    assert "Jan" not in repr(lines) and reference not in repr(lines)


@pytest.mark.parametrize("how", ["form", "not json", "empty"])
def test_a_body_that_is_not_a_json_object_is_named(app: Flask, how: str) -> None:
    reference = waiting(app)
    who = caller(app)
    who.do("claim", reference)
    path = f"/api/v1/contacts/{reference}/messages"
    if how == "form":
        answer = who("POST", path, data={"text": "Hoi"})
    else:
        answer = who("POST", path, data="{text: Hoi" if how == "not json" else "",
                     content_type="application/json")
    assert answer.status_code in (400, 422) and answer.is_json
    assert answer.get_json()["field"] in ("body", "text")
    availability = who("PUT", "/api/v1/me/availability", {"status": "asleep"})
    assert availability.status_code == 422 and availability.get_json()["field"] == "status"


@pytest.mark.parametrize("how", ["none", "wrong", "expired", "revoked", "cookie"])
def test_every_call_needs_a_valid_token(app: Flask, how: str) -> None:
    reference = waiting(app)
    who = caller(app)
    before = trail(app, reference)
    with session_scope(engine_of(app)) as session:
        row = session.exec(select(ApiToken)).one()
        if how == "expired":
            row.expires_at = utcnow() - timedelta(seconds=1)
            session.add(row)
        if how == "revoked":
            accounts.revoke_tokens(session=session, token=who.token)
    if how == "none":
        who.token = ""
    if how == "wrong":
        who.token = "lk_not-a-token"
    if how == "cookie":  # a browser's login never calls the API
        log_in(who.client, app, who.user)
        who.token = ""
    calls = [(method, path.format(ref=reference), body) for _, method, path, body in CALLS]
    calls += [("GET", "/api/v1/queue/police", None),
              ("PUT", "/api/v1/me/availability", {"status": "away"})]
    for method, path, body in calls:
        answer = who(method, path, body)
        assert answer.status_code == 401, (method, path)
        assert answer.get_json()["error"].startswith("authorization")
    assert trail(app, reference) == before  # nothing read, nothing changed
