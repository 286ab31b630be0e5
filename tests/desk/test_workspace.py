"""The counsellor's workspace as counsellors use it: the queue of their desk, a contact's page,
claim, reply, notes, transfer with a handover note, close with an outcome, unmasking; every
step in the audit trail. Store-touching tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from itertools import count
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlmodel import Session, col, select

from loket.domain import contacts as contact_domain
from loket.domain import erasure
from loket.queue import outbox
from loket.queue.worker import SimpleAppWorker, queues
from loket.store.db import session_scope
from loket.store.models import AuditEvent, Contact, ContactFlag, Message, OutboundAction, User
from loket.store.types import utcnow
from tests.desk.helpers import log_in, make_user

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PHONE = "+31612345678"
_refs = count(1)


def engine_of(app: Flask) -> Any:
    return app.extensions["loket.engine"]


def waiting(
    app: Flask,
    *,
    desk: str = "police",
    queue: str | None = None,
    channel: str = "sms",
    crisis: bool = False,
    status: str = "waiting",
    phone: str | None = PHONE,
    flags: tuple[str, ...] = (),
    seconds_ago: int = 30,
) -> str:
    """Store a routed contact waiting in a queue; return its reference."""
    with session_scope(engine_of(app)) as session:
        contact = contact_domain.open_contact(
            session=session,
            contact_in=contact_domain.ContactIn(channel=channel, phone=phone),  # type: ignore[arg-type]
            actor="test",
        )
        contact.reference = f"T{next(_refs):04d}-WS"
        contact.desk, contact.queue, contact.status = desk, queue or desk, status
        contact.crisis = crisis
        contact.priority = "urgent" if crisis else "normal"
        contact.routed_at = utcnow().replace(microsecond=0) - _seconds(seconds_ago)
        for flag in flags:
            contact.flag_rows.append(ContactFlag(flag=flag))
        contact.overflow_direction = contact_domain.overflow_direction(desk, contact.queue, flags)
        session.add(contact)
        return contact.reference


def _seconds(n: int) -> Any:
    from datetime import timedelta

    return timedelta(seconds=n)


def stored(app: Flask, reference: str) -> Contact:
    with Session(engine_of(app)) as session:
        return session.exec(select(Contact).where(Contact.reference == reference)).one()


def trail(app: Flask, reference: str) -> list[tuple[str, int | None]]:
    """Return the audit events of one contact: (event, user id), oldest first."""
    with Session(engine_of(app)) as session:
        rows = session.exec(
            select(AuditEvent).where(AuditEvent.contact_reference == reference)
            .order_by(col(AuditEvent.id))
        ).all()
        return [(row.event, row.user_id) for row in rows]


def counsellor(app: Flask, desk: str = "police", **extra: Any) -> tuple[FlaskClient, User]:
    """A logged-in counsellor of a desk and their client."""
    user = make_user(app, role="counsellor", desk=desk, **extra)
    client = app.test_client()
    log_in(client, app, user)
    return client, user


def post(client: FlaskClient, path: str, **data: str) -> Any:
    """Post a workspace form as the page does: with the page's CSRF token."""
    page = client.get("/desk").get_data(as_text=True)
    return client.post(path, data={"csrf_token": TOKEN.search(page).group(1), **data})


def act(client: FlaskClient, reference: str, action: str, **data: str) -> Any:
    return post(client, f"/desk/contacts/{reference}/{action}", **data)


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_shows_the_desk_s_contacts_crisis_first_and_nothing_personal(
    store_app: Flask,
) -> None:
    old = waiting(store_app, seconds_ago=600)
    crisis = waiting(store_app, crisis=True, seconds_ago=5)
    other_desk = waiting(store_app, desk="veterans")
    overflow = waiting(store_app, desk="veterans", queue="police", seconds_ago=60)
    client, _ = counsellor(store_app)
    page = client.get("/desk").get_data(as_text=True)
    shown = re.findall(r"T\d{4}-WS", page)
    assert shown[0] == crisis and set(shown) == {crisis, old, overflow}
    assert other_desk not in page
    crisis_row = page[page.index(crisis):].split("</tr>")[0]
    assert "Crisis" in crisis_row and re.search(r">\s*[5-9] s\s*<", crisis_row)  # seconds
    assert "10 min" in page  # the rest in minutes
    assert PHONE not in page and "56 78" not in page  # no number in the queue
    assert 'id="queue-refresh"' in page  # works without JavaScript


def test_each_queue_row_shows_its_own_contact_s_flags(store_app: Flask) -> None:
    overflow = waiting(store_app, desk="veterans", queue="police", flags=("pooled", "overflow"))
    plain = waiting(store_app)
    client, _ = counsellor(store_app)
    for path in ("/desk", "/desk/queue/rows"):
        page = client.get(path).get_data(as_text=True)
        flagged_row = page[page.index(overflow):].split("</tr>")[0]
        plain_row = page[page.index(plain):].split("</tr>")[0]
        assert re.findall(r'class="badge">([^<]+)<', flagged_row) == ["overloop", "gezamenlijk"]
        assert "overloop" not in plain_row and "gezamenlijk" not in plain_row


def test_a_long_queue_shows_its_top_counts_the_rest_and_keeps_what_the_counsellor_holds(
    store_app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from loket.domain import workspace

    monkeypatch.setattr(workspace, "QUEUE_SHOWN", 3)
    longest = [waiting(store_app, seconds_ago=900 - n) for n in range(3)]
    newest = [waiting(store_app, seconds_ago=10 + n) for n in range(3)]
    client, user = counsellor(store_app)
    with session_scope(engine_of(store_app)) as session:  # the newest one is theirs
        mine = session.exec(select(Contact).where(Contact.reference == newest[0])).one()
        mine.assigned_user_id, mine.status = user.id, "in_progress"
    rows = client.get("/desk/queue/rows").get_data(as_text=True)
    assert re.findall(r'data-reference="(T\d{4}-WS)"', rows) == [*longest, newest[0]]
    assert "En nog 2 wachtenden die hier niet staan" in rows
    colleague, _ = counsellor(store_app)
    theirs = colleague.get("/desk/queue/rows").get_data(as_text=True)
    assert newest[0] not in theirs and "En nog 3 wachtenden" in theirs


def test_rows_rendered_for_a_colleague_say_how_old_their_waits_are(
    store_app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from loket.desk import poll

    waiting(store_app, seconds_ago=30)
    first, _ = counsellor(store_app)
    second, _ = counsellor(store_app)
    clock = [1000.0]
    monkeypatch.setattr(poll.time, "monotonic", lambda: clock[0])
    # The rows' tag names the wall clock's minute: held still, so that a minute turning
    # between the two polls does not make them two renders (it did, now and then).
    now = poll.utcnow()
    monkeypatch.setattr(poll, "utcnow", lambda: now)
    fresh = first.get("/desk/queue/rows")
    assert fresh.headers["X-Rendered-Ago"] == "0"
    clock[0] += 7  # the colleague's poll, 7 s later, gets the same rows from the cache
    shared = second.get("/desk/queue/rows")
    assert shared.get_data() == fresh.get_data() and shared.headers["X-Rendered-Ago"] == "7"


def test_the_poll_answers_304_while_nothing_changes_and_200_when_someone_writes_in(
    store_app: Flask,
) -> None:
    waiting(store_app)
    client, _ = counsellor(store_app)
    first = client.get("/desk/queue/rows")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/desk/queue/rows", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    newcomer = waiting(store_app, seconds_ago=0)
    changed = client.get("/desk/queue/rows", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and newcomer in changed.get_data(as_text=True)


def test_the_workspace_needs_a_counsellor(app: Flask) -> None:
    anonymous = app.test_client().get("/desk")
    assert anonymous.status_code == 302 and "/desk/login" in anonymous.location
    for role in ("manager", "admin"):
        client = app.test_client()
        log_in(client, app, make_user(app, role=role, desk="police" if role == "manager" else None))
        assert client.get("/desk").status_code == 403
        assert client.get("/desk/contacts/T0001-WS").status_code == 403


# --- a contact's page ----------------------------------------------------------------------


def test_another_desk_s_contact_is_a_404_like_one_that_does_not_exist(store_app: Flask) -> None:
    theirs = waiting(store_app, desk="veterans")
    client, _ = counsellor(store_app)
    assert client.get(f"/desk/contacts/{theirs}").status_code == 404
    assert client.get("/desk/contacts/NOPE-123").status_code == 404
    assert act(client, theirs, "claim").status_code == 404
    assert all(event not in ("read", "claim") for event, _ in trail(store_app, theirs))


def test_reading_a_contact_is_audited_and_its_number_is_masked(store_app: Flask) -> None:
    reference = waiting(store_app)
    client, user = counsellor(store_app)
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "+31 6 •••• 56 78" in page and PHONE not in page
    assert ("read", user.id) in trail(store_app, reference)
    shown = act(client, reference, "unmask")
    assert shown.status_code == 200 and PHONE in shown.get_data(as_text=True)
    assert ("unmask", user.id) in trail(store_app, reference)
    with Session(engine_of(store_app)) as session:
        line = session.exec(select(AuditEvent).where(AuditEvent.event == "unmask")).one()
        assert line.source == "127.0.0.1" and PHONE not in line.detail


def claim_at_once(app: Flask, reference: str, clients: list[FlaskClient]) -> list[int]:
    """Have these counsellors press claim at the same moment; return the status codes."""
    tokens = [TOKEN.search(c.get("/desk").get_data(as_text=True)).group(1) for c in clients]
    barrier = threading.Barrier(len(clients), timeout=10)
    codes: list[int] = [0] * len(clients)

    def press(index: int) -> None:
        barrier.wait()
        answer = clients[index].post(f"/desk/contacts/{reference}/claim",
                                     data={"csrf_token": tokens[index]})
        codes[index] = answer.status_code

    threads = [threading.Thread(target=press, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return codes


def test_a_contact_erased_while_it_waits_says_so_to_the_counsellor(app: Flask) -> None:
    reference = waiting(app)
    client, _ = counsellor(app)
    with session_scope(engine_of(app)) as session:
        erasure.erase(session=session, reference=reference, actor="test")
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "persoonsgegevens van dit contact zijn gewist" in page and PHONE not in page
    english = client.get(f"/desk/contacts/{reference}?lang=en").get_data(as_text=True)
    assert "personal data was erased" in english
    other = waiting(app)
    assert "gewist" not in client.get(f"/desk/contacts/{other}").get_data(as_text=True)


def test_two_counsellors_claiming_at_once_one_wins_the_other_is_told_who(
    store_app: Flask,
) -> None:
    reference = waiting(store_app)
    anouk, first = counsellor(store_app, display_name="Anouk")
    bram, second = counsellor(store_app, display_name="Bram")
    assert claim_at_once(store_app, reference, [anouk, bram]) == [303, 303]
    holder = stored(store_app, reference).assigned_user_id
    assert holder in (first.id, second.id)
    assert stored(store_app, reference).status == "in_progress"
    claims = [event for event in trail(store_app, reference) if event[0] == "claim"]
    assert claims == [("claim", holder)]
    loser, winner_name = (bram, "Anouk") if holder == first.id else (anouk, "Bram")
    page = loser.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert f"{winner_name} behandelt dit contact" in page
    queue = loser.get("/desk").get_data(as_text=True)
    assert winner_name in queue  # the rest of the desk sees who works it


def test_a_counsellor_holds_at_most_the_configured_live_chats(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(max_live_chats=1)
    first, second = waiting(app), waiting(app)
    client, user = counsellor(app)
    act(client, first, "claim")
    refused = act(client, second, "claim")
    assert refused.status_code == 303
    page = client.get(refused.location).get_data(as_text=True)
    assert "Je hebt al 1 lopende gesprekken." in page
    assert stored(app, second).assigned_user_id is None
    act(client, first, "release")
    assert stored(app, first).status == "waiting" and stored(app, first).assigned_user_id is None
    act(client, second, "claim")
    assert stored(app, second).assigned_user_id == user.id


def run_jobs(app: Flask, redis_conn: Redis) -> None:
    outbox.dispatch(engine_of(app), redis_conn)
    SimpleAppWorker(queues(redis_conn), connection=redis_conn, app=app).work(burst=True)


def test_a_reply_to_a_text_goes_out_through_the_gateway_once(
    store_app: Flask, redis_conn: Redis
) -> None:
    reference = waiting(store_app)
    client, user = counsellor(store_app, display_name="Sam")
    refused = act(client, reference, "reply", text="Hoi")
    assert "Pak het contact eerst op." in client.get(refused.location).get_data(as_text=True)
    act(client, reference, "claim")
    sent = act(client, reference, "reply", text="Hoi, ik ben Sam. Waar wil je over praten?")
    assert sent.status_code == 303
    run_jobs(store_app, redis_conn)
    with Session(engine_of(store_app)) as session:
        [action] = session.exec(select(OutboundAction)).all()
        [message] = session.exec(select(Message).where(Message.direction == "out")).all()
    assert (action.kind, action.to, action.body) == (
        "message", PHONE, "Hoi, ik ben Sam. Waar wil je over praten?")
    assert message.author_user_id == user.id and message.external_id == action.sid
    assert ("reply", user.id) in trail(store_app, reference)
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "Waar wil je over praten?" in page


def test_an_empty_or_overlong_reply_is_refused_naming_what_is_wrong(app: Flask) -> None:
    reference = waiting(app)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    empty = act(client, reference, "reply", text="   ")
    assert "Schrijf een bericht." in client.get(empty.location).get_data(as_text=True)
    long = act(client, reference, "reply", text="x" * 1601)
    assert "Hooguit 1600 tekens." in client.get(long.location).get_data(as_text=True)
    with Session(engine_of(app)) as session:
        assert session.exec(select(Message)).all() == []


def test_a_reply_in_the_web_chat_appears_on_the_person_s_page_under_a_first_name(
    store_app: Flask,
) -> None:
    person = store_app.test_client()
    chat = person.get("/chat").get_data(as_text=True)
    person.post("/chat/start", data={"csrf_token": TOKEN.search(chat).group(1),
                                     "choice": "police", "name": ""})
    chat = person.get("/chat").get_data(as_text=True)
    person.post("/chat/answer", data={"csrf_token": TOKEN.search(chat).group(1),
                                      "choice": "chat"})
    with Session(engine_of(store_app)) as session:
        contact = session.exec(select(Contact)).one()
    reference = contact.reference
    client, _ = counsellor(store_app, desk=contact.desk or "police", name="Anouk de Vries")
    assert reference in client.get("/desk").get_data(as_text=True)
    act(client, reference, "claim")
    act(client, reference, "reply", text="Hallo, ik ben er. Vertel maar.")
    update = person.get("/chat/messages?after=0").get_json()
    mine = [m for m in update["messages"] if m["body"] == "Hallo, ik ben er. Vertel maar."]
    assert mine and mine[0]["who"] == "Anouk"  # the first name, never the surname
    assert "de Vries" not in person.get("/chat").get_data(as_text=True)
    assert update["status"] == "in_progress"


def test_a_note_is_kept_encrypted_and_shown_to_the_desk(store_app: Flask) -> None:
    reference = waiting(store_app)
    client, user = counsellor(store_app)
    act(client, reference, "note", text="Belt vaker rond deze tijd.")
    colleague, _ = counsellor(store_app)
    page = colleague.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "Belt vaker rond deze tijd." in page
    with engine_of(store_app).connect() as conn:
        from sqlalchemy import text

        raw = conn.execute(text("SELECT body FROM note")).scalar_one()
    assert "Belt vaker" not in str(raw)
    assert ("note", user.id) in trail(store_app, reference)


# --- handing over and closing --------------------------------------------------------------


def test_a_transfer_moves_the_case_with_its_note_and_the_sender_loses_sight(
    store_app: Flask,
) -> None:
    reference = waiting(store_app)
    police, sender = counsellor(store_app)
    act(police, reference, "claim")
    without_note = act(police, reference, "transfer", desk="debasis", note=" ")
    assert "Schrijf wat de volgende desk moet weten." in police.get(
        without_note.location).get_data(as_text=True)
    moved = act(police, reference, "transfer", desk="debasis",
                note="Wil praten met iemand van De Basis over zijn dienstverband.")
    assert moved.status_code == 303 and moved.location.endswith("/desk")
    contact = stored(store_app, reference)
    assert (contact.desk, contact.queue, contact.status) == ("debasis", "debasis", "waiting")
    assert contact.assigned_user_id is None
    assert police.get(f"/desk/contacts/{reference}").status_code == 404
    assert reference not in police.get("/desk").get_data(as_text=True)
    basis, _ = counsellor(store_app, desk="debasis")
    page = basis.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert page.index("Overdracht") < page.index("Gesprek")  # the note at the top
    assert "over zijn dienstverband" in page
    assert ("transfer", sender.id) in trail(store_app, reference)


def test_closing_needs_an_outcome_and_starts_the_wrap_up(store_app: Flask) -> None:
    reference = waiting(store_app)
    client, user = counsellor(store_app)
    act(client, reference, "claim")
    wrong = act(client, reference, "close", outcome="", contact_type="conversation")
    assert "Kies een uitkomst." in client.get(wrong.location).get_data(as_text=True)
    assert stored(store_app, reference).status == "in_progress"
    closed = act(client, reference, "close", outcome="referred", contact_type="conversation",
                 note="Doorverwezen naar de huisarts.")
    assert closed.status_code == 303
    contact = stored(store_app, reference)
    assert (contact.status, contact.outcome, contact.contact_type) == (
        "closed", "referred", "conversation")
    assert ("close", user.id) in trail(store_app, reference)
    with Session(engine_of(store_app)) as session:
        me = session.get(User, user.id)
        assert me is not None and me.availability == "wrap-up" and not me.available
    queue = client.get("/desk").get_data(as_text=True)
    assert reference not in queue and 'value="wrap-up" selected' in queue


def test_availability_is_set_on_the_page_and_claiming_makes_busy(app: Flask) -> None:
    reference = waiting(app)
    client, user = counsellor(app)
    post(client, "/desk/availability", status="available")
    with Session(engine_of(app)) as session:
        assert session.get(User, user.id).available  # type: ignore[union-attr]
    act(client, reference, "claim")
    with Session(engine_of(app)) as session:
        assert session.get(User, user.id).availability == "busy"  # type: ignore[union-attr]
    bad = post(client, "/desk/availability", status="asleep")
    assert "Kies een beschikbaarheid." in client.get(bad.location).get_data(as_text=True)


def test_the_workspace_speaks_english(app: Flask) -> None:
    reference = waiting(app)
    client, _ = counsellor(app)
    page = client.get("/desk?lang=en").get_data(as_text=True)
    assert "Queue" in page and "Reference" in page
    contact = client.get(f"/desk/contacts/{reference}?lang=en").get_data(as_text=True)
    assert "Claim" in contact and "Conversation" in contact


def test_a_both_flag_shows_the_case_to_the_police_and_veterans_desks(store_app: Flask) -> None:
    reference = waiting(store_app, desk="veterans", flags=("both",))
    police, _ = counsellor(store_app, desk="police")
    basis, _ = counsellor(store_app, desk="debasis")
    assert police.get(f"/desk/contacts/{reference}").status_code == 200
    assert basis.get(f"/desk/contacts/{reference}").status_code == 404


@pytest.mark.parametrize("action", ["claim", "release", "reply", "note", "transfer", "close"])
def test_a_bad_request_never_answers_500(app: Flask, action: str) -> None:
    reference = waiting(app)
    client, _ = counsellor(app)
    answer = act(client, reference, action)
    assert answer.status_code in (303, 400)
    assert act(client, reference, "explode").status_code == 404


def test_a_closed_contact_cannot_be_released_or_transferred(store_app: Flask) -> None:
    reference = waiting(store_app)
    client, user = counsellor(store_app)
    act(client, reference, "claim")
    act(client, reference, "close", outcome="helped")
    act(client, reference, "release")
    act(client, reference, "transfer", desk="debasis", note="Graag overnemen")
    contact = stored(store_app, reference)
    assert (contact.status, contact.desk, contact.assigned_user_id) == (
        "closed", "police", user.id)


def test_the_poll_s_tag_ignores_time_passing_and_follows_every_change(store_app: Flask) -> None:
    from loket.domain import workspace as steps

    first = waiting(store_app, seconds_ago=59)
    waiting(store_app, desk="veterans")  # another desk's: never part of the tag
    client, user = counsellor(store_app)

    def tag(at_s: int = 0) -> str:
        with Session(engine_of(store_app)) as session:
            return steps.queue_version(session=session, user=user,
                                       now=utcnow() + _seconds(at_s)).tag

    quiet = tag()
    assert tag(at_s=120) == quiet  # a minute more of waiting: still a 304
    waiting(store_app, desk="veterans")
    assert tag() == quiet
    act(client, first, "claim")
    claimed = tag()
    assert claimed != quiet
    act(client, first, "release")
    assert tag() not in (quiet, claimed)
    rows = client.get("/desk/queue/rows")
    assert rows.headers["ETag"].strip('"') == tag()
    page = rows.get_data(as_text=True)
    assert 'data-waited="' in page and first in page


def test_what_was_typed_stays_in_its_box_when_the_action_is_refused(app: Flask) -> None:
    # Without JavaScript nothing saved the box as it was typed: a refused reply or note
    # would otherwise come back empty, the text gone.
    reference = waiting(app)
    client, _ = counsellor(app)
    unclaimed = act(client, reference, "reply", text="Ik ben er, vertel maar.")
    assert "Pak het contact eerst op." in client.get(unclaimed.location).get_data(as_text=True)
    claimed = act(client, reference, "claim")
    page = client.get(claimed.location).get_data(as_text=True)
    assert ">Ik ben er, vertel maar.</textarea>" in page  # in the box once it is theirs
    long = act(client, reference, "reply", text="lang " * 400)
    page = client.get(long.location).get_data(as_text=True)
    assert "Hooguit 1600 tekens." in page and ">" + "lang " * 400 + "</textarea>" in page
    with Session(engine_of(app)) as session:
        assert session.exec(select(Message)).all() == []
