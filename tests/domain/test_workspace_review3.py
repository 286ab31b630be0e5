"""Review 3 of the workspace's domain: an emergency access ends, for the sweep as for the
pages, once its contact has left the desk it was opened from."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session, select

from loket.domain import workspace
from loket.store.db import session_scope
from loket.store.models import Contact
from tests.desk.test_break_glass import REASON
from tests.desk.test_leaving import held
from tests.desk.test_workspace import act, counsellor, engine_of, post, waiting


def test_a_case_held_through_an_emergency_access_goes_back_once_it_left_that_desk(
    store_app: Flask,
) -> None:
    # A police counsellor opened a veterans chat in an emergency and took it; while they
    # hold it, it is routed again to De Basis (say, the answers changed). Their access was
    # for the veterans' case: their pages answer 404 from then on, as for an access run
    # out, so they can neither serve it nor let go of it. The sweep must see that too and
    # put it back, where De Basis can take it; a grant that merely still runs keeps it.
    reference = waiting(store_app, desk="veterans", channel="webchat", phone=None)
    client, user = counsellor(store_app, desk="police", display_name="Sam")
    post(client, "/desk/break-glass", reference=reference, reason=REASON)
    assert act(client, reference, "claim").status_code == 303
    with session_scope(engine_of(store_app)) as session:
        assert workspace.release_unseen(session=session) == []  # the access runs: it stays
    with Session(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.desk = contact.queue = "debasis"
        session.add(contact)
        session.commit()
    assert client.get(f"/desk/contacts/{reference}").status_code == 404
    with session_scope(engine_of(store_app)) as session:
        assert workspace.release_unseen(session=session) == [reference]
    assert held(store_app, reference) == (None, "waiting")
    debasis, _ = counsellor(store_app, desk="debasis")
    assert act(debasis, reference, "claim").status_code == 303

