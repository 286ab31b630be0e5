"""Staff forms sent from a page open over an hour (review 6): their CSRF token expired.

Not a bare "400 Bad Request": the answer says nothing was sent or done, shows back what the
counsellor typed in a free-text box (a reply, a note, a reason) so that it is not lost, and
leads back to the page.
"""

from __future__ import annotations

import html
import time

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from loket.store.models import Message, Note
from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import TOKEN, act, counsellor, engine_of, stored, waiting

REPLY = "Ik bel je morgen <om 10 uur> terug, goed?"
NOTE = "Beller klonk rustiger dan gisteren & wil hulp."


def stale_token(app: Flask, client: FlaskClient, path: str = "/desk") -> str:
    """Return the CSRF token of a page opened, then left open past the token's time limit
    (a staff login's absolute limit in production, 12 hours: test_token_lifetime_review6; a
    second here)."""
    app.config["WTF_CSRF_TIME_LIMIT"] = 1
    token = TOKEN.search(client.get(path).get_data(as_text=True))
    assert token
    time.sleep(2.1)
    return token.group(1)


def shown_back(page: str, typed: str) -> bool:
    """Tell whether a page shows what was typed in a box to copy from, as typed."""
    return f">{html.escape(typed, quote=False)}</textarea>" in page


def test_a_reply_and_a_note_from_a_page_open_too_long_are_not_sent_but_shown_back(
    app: Flask,
) -> None:
    reference = waiting(app)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    stale = stale_token(app, client, f"/desk/contacts/{reference}")
    reply = client.post(f"/desk/contacts/{reference}/reply",
                        data={"csrf_token": stale, "text": REPLY})
    assert reply.status_code == 400
    page = reply.get_data(as_text=True)
    assert "er is niets verstuurd of opgeslagen" in page
    assert shown_back(page, REPLY)
    assert f'href="/desk/contacts/{reference}#conversation"' in page
    note = client.post(f"/desk/contacts/{reference}/note",
                       data={"csrf_token": stale, "text": NOTE},
                       headers={"Accept-Language": "en"})
    assert note.status_code == 400
    page = note.get_data(as_text=True)
    assert "nothing was sent or saved" in page and shown_back(page, NOTE)
    assert f'href="/desk/contacts/{reference}#notes"' in page
    with Session(engine_of(app)) as session:
        assert session.exec(select(Message)).all() == []
        assert session.exec(select(Note)).all() == []


def test_a_transfer_or_close_from_a_page_open_too_long_keeps_the_case_and_the_note(
    app: Flask,
) -> None:
    reference = waiting(app)
    client, user = counsellor(app)
    act(client, reference, "claim")
    stale = stale_token(app, client, f"/desk/contacts/{reference}")
    for action, data in (("transfer", {"desk": "veterans", "note": NOTE}),
                         ("close", {"outcome": "referred", "note": NOTE})):
        answer = client.post(f"/desk/contacts/{reference}/{action}",
                             data={"csrf_token": stale, **data})
        assert answer.status_code == 400, action
        page = answer.get_data(as_text=True)
        assert shown_back(page, NOTE), action
        assert f'href="/desk/contacts/{reference}"' in page
    contact = stored(app, reference)
    assert contact.desk == "police" and contact.assigned_user_id == user.id
    assert contact.status != "closed"


def test_a_button_on_a_page_open_too_long_says_nothing_was_done_and_leads_back(
    app: Flask,
) -> None:
    reference = waiting(app)
    client, _ = counsellor(app)
    stale = stale_token(app, client)
    claim = client.post(f"/desk/contacts/{reference}/claim", data={"csrf_token": stale})
    assert claim.status_code == 400
    page = claim.get_data(as_text=True)
    assert "er is niets gedaan" in page and "</textarea>" not in page
    assert f'href="/desk/contacts/{reference}"' in page
    assert stored(app, reference).assigned_user_id is None
    available = client.post("/desk/availability",
                            data={"csrf_token": stale, "status": "away"})
    assert available.status_code == 400
    assert 'href="/desk"' in available.get_data(as_text=True)
    help_asked = client.post(f"/desk/contacts/{reference}/help", data={"csrf_token": stale})
    assert help_asked.status_code == 400
    assert f'href="/desk/contacts/{reference}"' in help_asked.get_data(as_text=True)


def test_a_flag_s_or_an_emergency_access_s_reason_is_shown_back(app: Flask) -> None:
    reference = waiting(app)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    stale = stale_token(app, client)
    flag = client.post(f"/desk/contacts/{reference}/flag",
                       data={"csrf_token": stale, "flag": "threat", "reason": NOTE})
    assert flag.status_code == 400
    page = flag.get_data(as_text=True)
    assert shown_back(page, NOTE) and f'href="/desk/contacts/{reference}"' in page
    glass = client.post("/desk/break-glass",
                        data={"csrf_token": stale, "reference": reference, "reason": NOTE})
    assert glass.status_code == 400
    page = glass.get_data(as_text=True)
    assert shown_back(page, NOTE)
    assert f'href="/desk/break-glass?reference={reference}"' in page


def test_the_manager_s_buttons_on_a_page_open_too_long_lead_back_to_the_page(
    app: Flask,
) -> None:
    boss = make_user(app, role="manager", desk="police", email="manager@example.org")
    client = app.test_client()
    log_in(client, app, boss)
    stale = stale_token(app, client, "/desk/manager")
    for path in ("/desk/manager/callbacks/1/again", "/desk/manager/break-glass/1/reviewed",
                 "/desk/help/1/resolve", "/desk/flags/1/approve"):
        answer = client.post(path, data={"csrf_token": stale},
                             headers={"Accept-Language": "en"})
        assert answer.status_code == 400, path
        page = answer.get_data(as_text=True)
        assert "nothing was done" in page and 'href="/desk/manager"' in page, path
