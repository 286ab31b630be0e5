"""A contact's page as the counsellor reads it, in Dutch and in English: what a canned reply
will say, and that closing asks for an outcome rather than taking the first one."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import act, counsellor, waiting

OPTION = re.compile(r'<option value="all/opening"[^>]*>([^<]*)</option>')


@pytest.mark.parametrize(("lang", "greeting"), [("nl", "Hallo, je spreekt met Sam."),
                                                ("en", "Hello, this is Sam.")])
def test_the_canned_reply_s_choice_shows_the_counsellor_s_name_not_a_placeholder(
    app: Flask, lang: str, greeting: str
) -> None:
    # The list of canned replies shows what will be sent: "Hallo, je spreekt met Sam.",
    # not "Hallo, je spreekt met {name}.".
    reference = waiting(app, channel="webchat", phone=None)
    client, _ = counsellor(app, display_name="Sam")
    act(client, reference, "claim")
    page = client.get(f"/desk/contacts/{reference}?lang={lang}").get_data(as_text=True)
    match = OPTION.search(page)
    assert match is not None
    assert match.group(1).startswith(greeting)
    assert "{name}" not in match.group(1)


def test_the_close_form_has_no_outcome_chosen_until_the_counsellor_chooses(app: Flask) -> None:
    # Nothing is preselected, and the browser refuses to send the form without a choice (the
    # server refuses it too): a contact is never closed as "Geholpen" by default.
    reference = waiting(app, channel="webchat", phone=None)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    select = re.search(r'<select id="close-outcome"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None
    assert "required" in select.group(0).split(">")[0]
    first = re.search(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))
    assert first is not None and first.group(1) == "" and first.group(2) == "Kies een uitkomst"
    assert " selected" not in select.group(1)


def test_the_manager_reads_a_long_wait_in_minutes_not_thousands_of_seconds(app: Flask) -> None:
    # A contact waiting an hour and a half reads "90 min" on the manager's page, as on the
    # counsellors' queue, not "5400 s".
    waiting(app, desk="police", seconds_ago=5400)
    client = app.test_client()
    log_in(client, app, make_user(app, role="manager", desk="police"))
    page = client.get("/desk/manager").get_data(as_text=True)
    row = re.search(r"<tr[^>]*><th scope=\"row\">Politie \(24/7 Loket\)</th>(.*?)</tr>", page)
    assert row is not None
    assert "<td>90 min</td>" in row.group(1)
    assert "5400 s" not in page


def test_what_went_wrong_with_a_call_reads_in_the_counsellor_s_language(app: Flask) -> None:
    # A callback whose last call never reported back, and a line that could not be placed:
    # the Dutch queue and contact page say so in Dutch, the English ones in English, and a
    # line's state is a word, not Twilio's "in-progress".
    from sqlmodel import select

    from loket.store.db import session_scope
    from loket.store.models import CallbackRequest, CallLeg, Contact
    from tests.browser.test_desk import callbacks_for_the_pages

    due = callbacks_for_the_pages(app)
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).where(Contact.reference == due)).one()
        callback = session.exec(select(CallbackRequest)
                                .where(CallbackRequest.contact_id == contact.id)).one()
        callback.error = "the call did not report back"
        assert contact.id is not None
        session.add(CallLeg(contact_id=contact.id, callback_id=callback.id, kind="person",
                            conference="c-1", status="in-progress"))
        session.add(CallLeg(contact_id=contact.id, callback_id=callback.id, kind="counsellor",
                            conference="c-1", status="failed",
                            error="could not place the call: 21215 geo permission"))
    client, _ = counsellor(app)
    queue = client.get("/desk").get_data(as_text=True)
    page = client.get(f"/desk/contacts/{due}").get_data(as_text=True)
    for shown in (queue, page):
        assert "het gesprek meldde zich niet terug" in shown
        assert "did not report back" not in shown
    assert "De persoon: verbonden" in page and "in-progress" not in page
    assert "het gesprek kon niet worden opgezet (21215 geo permission)" in page
    english = client.get(f"/desk/contacts/{due}?lang=en").get_data(as_text=True)
    assert "the call did not report back; try again" in english
    assert "The person: connected" in english


def test_the_admin_s_and_manager_s_irreversible_buttons_say_what_they_will_do(
    app: Flask,
) -> None:
    # Disabling a user, resetting their second step, and closing an unreachable callback
    # cannot be undone from the page: each button is described by a line saying what it does.
    from tests.domain.test_crisis_callbacks import callback_contact

    make_user(app, role="counsellor", desk="police")
    admin = app.test_client()
    log_in(admin, app, make_user(app, role="admin"))
    page = admin.get("/desk/admin").get_data(as_text=True)
    assert 'id="user-actions-hint"' in page and "API-tokens werken niet meer" in page
    assert page.count('aria-describedby="user-actions-hint"') >= 2
    callback_contact(app, callback_status="unreachable")
    manager = app.test_client()
    log_in(manager, app, make_user(app, role="manager", desk="police"))
    page = manager.get("/desk/manager").get_data(as_text=True)
    assert "er wordt niet meer gebeld" in page
    assert page.count('aria-describedby="unreachable-hint"') == 2
    english = manager.get("/desk/manager?lang=en").get_data(as_text=True)
    assert "nobody calls again" in english


def test_after_a_reply_or_a_note_the_page_opens_where_the_counsellor_was_working(
    app: Flask,
) -> None:
    reference = waiting(app, channel="webchat", phone=None)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    replied = act(client, reference, "reply", text="Ik ben er.")
    assert replied.status_code == 303 and replied.location.endswith("#conversation")
    noted = act(client, reference, "note", text="Belt vanavond terug.")
    assert noted.status_code == 303 and noted.location.endswith("#notes")
    refused = act(client, reference, "reply", text="   ")
    assert "#" not in refused.location  # at the page's top; the refused box has the focus
