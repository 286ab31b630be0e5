"""Who sees what, found in review: a contact flagged `both` handed to De Basis, a flag waiting
for approval that named the person's contact at another desk, and a callback's outcome said
by a colleague who does not hold it. Each through the real pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from flask import Flask
from sqlmodel import Session, select

from loket.domain import callbacks
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, Contact
from tests.desk.helpers import api_token, log_in, make_user
from tests.desk.test_workspace import (
    PHONE,
    act,
    counsellor,
    engine_of,
    post,
    stored,
    trail,
    waiting,
)

REASON = "Scheldt herhaaldelijk medewerkers uit"


def test_a_contact_flagged_both_handed_to_de_basis_is_gone_for_police_and_veterans(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="police", flags=("both",))
    police, police_user = counsellor(store_app, desk="police")
    veterans, _ = counsellor(store_app, desk="veterans")
    basis, _ = counsellor(store_app, desk="debasis")
    assert veterans.get(f"/desk/contacts/{reference}").status_code == 200  # both: shared
    act(police, reference, "claim")
    moved = act(police, reference, "transfer", desk="debasis",
                note="Vraagt naar de partnerbegeleiding van De Basis.")
    assert moved.status_code == 303
    assert basis.get(f"/desk/contacts/{reference}").status_code == 200
    for client in (police, veterans):  # handed away: nothing more, the 404 of no contact
        assert client.get(f"/desk/contacts/{reference}").status_code == 404
        assert client.get(f"/desk/contacts/{reference}/messages?after=0").status_code == 404
        assert reference not in client.get("/desk").get_data(as_text=True)
    token = api_token(store_app, police_user)
    answer = store_app.test_client().get(f"/api/v1/contacts/{reference}",
                                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 404


def test_a_flag_waiting_for_approval_never_names_the_person_s_contact_at_another_desk(
    store_app: Flask,
) -> None:
    own = waiting(store_app, desk="police", phone=PHONE)
    setter, _ = counsellor(store_app, desk="police")
    colleague, _ = counsellor(store_app, desk="police")
    assert post(setter, f"/desk/contacts/{own}/flag", flag="abusive",
                reason=REASON).status_code == 303
    # The same person later writes to De Basis: police must not learn of it from the flag.
    elsewhere = waiting(store_app, desk="debasis", phone=PHONE)
    boss = store_app.test_client()
    log_in(boss, store_app, make_user(store_app, role="manager", desk="police"))
    for client in (colleague, boss):
        page = client.get("/desk" if client is colleague else "/desk/manager")
        text = page.get_data(as_text=True)
        assert re.search(r"/desk/flags/\d+/approve", text)  # the flag is there to approve
        assert elsewhere not in text
        assert own in text  # named by the contact the desk knows



def test_a_flag_s_approval_is_written_in_the_trail_of_the_desk_s_own_contact(
    store_app: Flask,
) -> None:
    # The approval's audit line goes on a contact the approver may be shown: on the person's
    # newer contact at De Basis it would tell De Basis's manager (who reads that trail) of
    # the police desk's flag.
    own = waiting(store_app, desk="police", phone=PHONE)
    setter, _ = counsellor(store_app, desk="police")
    colleague, _ = counsellor(store_app, desk="police")
    assert post(setter, f"/desk/contacts/{own}/flag", flag="abusive",
                reason=REASON).status_code == 303
    elsewhere = waiting(store_app, desk="debasis", phone=PHONE)
    page = colleague.get("/desk").get_data(as_text=True)
    found = re.search(r"/desk/flags/(\d+)/approve", page)
    assert found
    assert post(colleague, found.group(0)).status_code == 303
    assert "flag-approve" in [event for event, _ in trail(store_app, own)]
    assert "flag-approve" not in [event for event, _ in trail(store_app, elsewhere)]

def test_a_colleague_who_does_not_hold_a_due_callback_cannot_end_it(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="police", status="callback", phone=PHONE)
    with session_scope(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        callback = callbacks.request_callback(session=session, contact=contact, phone=PHONE,
                                              window="asap", voicemail_allowed=False)
        callback.status = "due"
        session.add(callback)
        session.flush()
        callback_id = callback.id
    holder, _ = counsellor(store_app, desk="police")
    colleague, _ = counsellor(store_app, desk="veterans")  # another desk: the 404 of none
    other, _ = counsellor(store_app, desk="police")
    act(holder, reference, "claim")
    answer = act(other, reference, "call_outcome", outcome="reached")
    assert act(colleague, reference, "call_outcome", outcome="reached").status_code == 404
    with Session(engine_of(store_app)) as session:
        kept = session.get(CallbackRequest, callback_id)
        assert kept is not None and kept.status == "due" and kept.last_outcome is None
    assert answer.status_code == 303
    assert "behandelt dit contact al" in other.get(answer.location).get_data(as_text=True)
    # Not even before anyone claims it: a colleague is told to claim it first.
    act(holder, reference, "release")
    answer = act(other, reference, "call_outcome", outcome="wrong_number")
    assert answer.status_code == 303
    assert "Pak het contact eerst op." in other.get(answer.location).get_data(as_text=True)
    with Session(engine_of(store_app)) as session:
        kept = session.get(CallbackRequest, callback_id)
        assert kept is not None and kept.status == "due"


def test_raising_the_risk_of_a_closed_case_is_refused_and_leaves_it_at_its_own_desk(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="police", status="closed")
    police, _ = counsellor(store_app, desk="police")
    veterans, _ = counsellor(store_app, desk="veterans")
    answer = act(police, reference, "risk", risk="acute")
    after = stored(store_app, reference)
    # Routed again, a closed police case would land at another desk (and be theirs to read).
    assert (after.desk, after.status, after.crisis) == ("police", "closed", False)
    assert after.risk != "acute"
    assert veterans.get(f"/desk/contacts/{reference}").status_code == 404
    assert answer.status_code == 303  # the page again, saying why (its own desk still sees it)
    assert "Dit contact is afgesloten" in police.get(answer.location).get_data(as_text=True)
