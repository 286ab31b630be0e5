"""Review 8 of the phone menu: a person in distress calls Loket (signed Twilio voice
webhooks, in order), on SQLite and PostgreSQL. Pressing 9 again switches back; a new turn
after a switch of language is never taken for a replay; "press 0" only where 0 can be
pressed; a keyed number of zeros is asked again; 0 at "serving now or before?" keeps that
the caller is military; a caller whose contact was closed on the desk is told so."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from flask import Flask
from flask.testing import FlaskClient

from tests.channels.test_voice import (
    Call,
    action_path,
    contact_of,
    names_crisis_lines,
    said,
    say_languages,
)


def test_pressing_9_again_switches_back_to_dutch(app: Flask, client: FlaskClient) -> None:
    """'Voor Nederlands, toets 9' is offered after the switch to English; pressing it must
    switch back to Dutch."""
    call = Call(client)
    call.walk("9")
    assert contact_of(app, call.sid).language == "en"
    twiml = call.press("9")  # "Voor Nederlands, toets 9."
    assert contact_of(app, call.sid).language == "nl", ET.tostring(twiml)
    assert "Welkom" in said(twiml), said(twiml)


def test_silence_then_9_then_silence_goes_on_in_english_and_moves_on(
    app: Flask, client: FlaskClient
) -> None:
    """A hesitant caller: silent at the menu, then presses 9 for English, then is silent
    again. They must hear English, and the menu must move on (not loop forever)."""
    call = Call(client)
    call.start()
    call.silence()  # Dutch "Sorry ..." + menu again, step menu+
    call.press("9")  # English greeting, step menu
    twiml = call.silence()
    assert say_languages(twiml) <= {"en-GB", "nl-NL"}
    assert "Sorry, I did not catch that." in said(twiml), said(twiml)
    assert contact_of(app, call.sid).intake_step == "menu+"
    # and a silent caller is not kept in the menu forever
    for _ in range(3):
        twiml = call.silence()
    assert contact_of(app, call.sid).intake_step not in ("menu", "menu+"), ET.tostring(twiml)


def test_a_silent_english_caller_is_not_kept_in_the_menu_forever(
    app: Flask, client: FlaskClient
) -> None:
    """Silent, then 9 (English), then silent on and on: the menu's default must apply after
    one repeat (as for any silent caller), not the same stored answer replayed forever."""
    call = Call(client)
    call.start()
    call.silence()
    call.press("9")
    for _ in range(4):
        twiml = call.silence()
    assert contact_of(app, call.sid).intake_step not in ("menu", "menu+"), ET.tostring(twiml)


def zero_offers_outside_a_gather(twiml: ET.Element) -> list[str]:
    """Return every spoken 'press 0' that is not inside a <Gather> (so 0 does nothing)."""
    inside = {id(s) for g in twiml.iter("Gather") for s in g.iter("Say")}
    return [s.text or "" for s in twiml.iter("Say")
            if id(s) not in inside and ("toets 0" in (s.text or "") or "press 0" in (s.text or ""))]


def test_press_0_is_never_offered_just_before_the_call_hangs_up(
    app: Flask, client: FlaskClient
) -> None:
    """Police, a callback on this number, evening; silent twice at the voicemail question.
    The last answer says 'toets 0' and then hangs up: pressing 0 can do nothing."""
    call = Call(client)
    call.walk("1", "2", "1", "2")
    call.silence()
    twiml = call.silence()
    assert twiml.find("./Hangup") is not None
    assert zero_offers_outside_a_gather(twiml) == [], ET.tostring(twiml)


def test_press_0_is_never_offered_where_an_anonymous_waiting_caller_cannot_press_it(
    app: Flask, client: FlaskClient
) -> None:
    """A withheld number, police, silent twice at 'wait or callback': told 'toets 0', then
    enqueued; no wait round of theirs has a <Gather>, so 0 never reaches anyone."""
    call = Call(client, caller="anonymous")
    call.walk("1")
    call.silence()
    twiml = call.silence()
    assert twiml.find("./Enqueue") is not None
    offered = zero_offers_outside_a_gather(twiml)
    rounds = [call.event("/twilio/voice/wait", QueueTime=str(t), QueuePosition="1",
                         AvgQueueTime="0", CurrentQueueSize="1") for t in (0, 60, 120)]
    assert not offered or any(r.find("./Gather") is not None for r in rounds), (
        offered, [ET.tostring(r) for r in rounds])


def test_a_keyed_number_of_zeros_is_asked_again_not_filed(
    app: Flask, client: FlaskClient
) -> None:
    """A withheld caller who wants a callback presses 0 over and over at 'key in your
    number' (0 is 'help now' everywhere else), then #: 0000000000 is no number."""
    from tests.channels.test_voice import callbacks_of

    call = Call(client, caller="anonymous")
    call.walk("1", "2")  # police, callback -> key in a number
    twiml = call.press("0000000000")
    gather = twiml.find("./Gather")
    contact = contact_of(app, call.sid)
    filed = [cb.phone for cb in callbacks_of(app, contact)]
    if gather is not None and action_path(gather).endswith("/window"):
        call.press("1")
        call.press("2")
        filed = [cb.phone for cb in callbacks_of(app, contact_of(app, call.sid))]
    assert filed == [] and contact_of(app, call.sid).intake_step.startswith("cb_keyed"), (
        filed, said(call.twiml))


def test_zero_at_the_serving_question_keeps_that_the_caller_is_military(
    app: Flask, client: FlaskClient
) -> None:
    """'Veteran or military' (2), then 0 at 'serving now or before?': the caller said they
    are defence; the crisis must be routed as defence, as when 0 comes one question later."""
    call = Call(client)
    call.walk("2", "0")
    crisis = contact_of(app, call.sid)
    other = Call(client, caller="+31612340000")
    other.walk("2", "2", "0")
    known = contact_of(app, other.sid)
    assert crisis.crisis is True
    # The desk, not the queue: a crisis goes to whichever queue has someone free or the
    # shorter wait (the first crisis is waiting when the second is routed), a desk by who
    # the caller is.
    assert (crisis.organisation, crisis.relation, crisis.desk) == (
        "defence", "self", known.desk), (crisis.organisation, crisis.desk, known.desk)


def test_a_caller_whose_contact_was_closed_on_the_desk_is_not_told_to_hold_on_forever(
    app: Flask, client: FlaskClient
) -> None:
    """A police officer waits on the line (1, 1). A counsellor claims the call on the desk
    and closes it (say, taken for a duplicate) without ever joining. The caller, still in
    Twilio's queue, must not go on hearing 'you will be helped soon' with nobody left to
    take them: the contact is in no queue any more."""
    from sqlmodel import select

    from loket.domain import workspace
    from loket.store.db import session_scope
    from loket.store.models import Contact, User
    from tests.desk.helpers import make_user

    call = Call(client)
    assert call.walk("1", "1").find("./Enqueue") is not None
    waiting = contact_of(app, call.sid)
    user = make_user(app, role="counsellor", desk=waiting.desk)
    engine = app.extensions["loket.engine"]
    with session_scope(engine) as session:
        contact = session.exec(select(Contact).where(Contact.external_id == call.sid)).one()
        holder = session.get(User, user.id)
        workspace.claim(session=session, user=holder, contact=contact, max_live=3)
    with session_scope(engine) as session:
        contact = session.exec(select(Contact).where(Contact.external_id == call.sid)).one()
        holder = session.get(User, user.id)
        workspace.close(session=session, user=holder, contact=contact, outcome="helped")
    assert contact_of(app, call.sid).status == "closed"
    rounds = [call.event("/twilio/voice/wait", QueueTime=str(t), QueuePosition="1",
                         AvgQueueTime="30", CurrentQueueSize="1") for t in (60, 120, 180)]
    spoken = " ".join(said(r) for r in rounds)
    hung_up = any(r.find("./Hangup") is not None or r.find("./Leave") is not None
                  for r in rounds)
    assert hung_up or "u wordt zo geholpen" not in spoken, spoken


def test_9_three_times_lands_in_english_and_each_switch_is_heard(
    app: Flask, client: FlaskClient
) -> None:
    call = Call(client)
    call.start()
    heard = []
    for _ in range(3):
        twiml = call.press("9")
        heard.append((contact_of(app, call.sid).language, "Welcome" in said(twiml)))
    assert heard == [("en", True), ("nl", False), ("en", True)]
    assert contact_of(app, call.sid).intake_step == "menu:1"


def test_a_closed_contact_hears_it_in_english_with_112_and_113(
    app: Flask, client: FlaskClient
) -> None:
    from sqlmodel import select

    from loket.store.db import session_scope
    from loket.store.models import Contact

    call = Call(client)
    call.walk("9", "1", "1")
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).where(Contact.external_id == call.sid)).one()
        contact.status, contact.outcome = "closed", "helped"
    twiml = call.event("/twilio/voice/wait", QueueTime="60", QueuePosition="1",
                       AvgQueueTime="30", CurrentQueueSize="1")
    assert "has been closed" in said(twiml) and names_crisis_lines(said(twiml))
    assert say_languages(twiml) == {"en-GB"}
    assert twiml.find("./Hangup") is not None


def test_a_keyed_dutch_mobile_number_is_still_taken(app: Flask, client: FlaskClient) -> None:
    call = Call(client, caller="anonymous", sid="CA" + uuid.uuid4().hex)
    call.walk("1", "2")
    twiml = call.press("0612345678")
    gather = twiml.find("./Gather")
    assert gather is not None and action_path(gather).endswith("/window"), ET.tostring(twiml)
