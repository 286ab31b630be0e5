"""A contact handed over to another desk stays there when it is routed again (a risk raised,
a crisis written): the rules route by who the person is and would give it back to the desk
that let it go, which may see nothing more of it (DESIGN.md "Who sees what")."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select

from loket.store.db import session_scope
from loket.store.models import Contact
from tests.desk.test_workspace import act, counsellor, engine_of, stored, waiting

BASIS_NOTE = "De Basis: lotgenotengroep besproken"


def police_contact(app: Flask) -> str:
    """Return a former police officer's contact waiting in the police queue."""
    reference = waiting(app, desk="police")
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.organisation, contact.serving_status = "police", "former"
        contact.preference = "now"
        session.add(contact)
    return reference


def handed_to_basis(app: Flask, reference: str,
                    old_desk: str = "police") -> tuple[FlaskClient, FlaskClient]:
    """The old desk hands the contact to De Basis; De Basis writes a note and lets it wait
    in its queue. Return the two counsellors' clients."""
    old, _ = counsellor(app, desk=old_desk)
    basis, _ = counsellor(app, desk="debasis")
    assert act(old, reference, "claim").status_code == 303
    assert act(old, reference, "transfer", desk="debasis",
               note="Graag De Basis, lotgenoten").status_code == 303
    assert act(basis, reference, "claim").status_code == 303
    assert act(basis, reference, "note", text=BASIS_NOTE).status_code == 303
    assert act(basis, reference, "release").status_code == 303
    assert old.get(f"/desk/contacts/{reference}").status_code == 404
    return old, basis


def test_a_risk_raised_after_a_handover_keeps_the_contact_with_its_new_desk(
    store_app: Flask,
) -> None:
    reference = police_contact(store_app)
    police, basis = handed_to_basis(store_app, reference)
    assert act(basis, reference, "risk", risk="concern").status_code == 303
    after = stored(store_app, reference)
    assert (after.desk, after.queue) == ("debasis", "debasis")
    assert after.status == "waiting"
    assert police.get(f"/desk/contacts/{reference}").status_code == 404
    page = basis.get(f"/desk/contacts/{reference}")
    assert page.status_code == 200 and BASIS_NOTE in page.get_data(as_text=True)


def test_acute_risk_after_a_handover_makes_it_urgent_where_it_is(store_app: Flask) -> None:
    reference = police_contact(store_app)
    police, basis = handed_to_basis(store_app, reference)
    assert act(basis, reference, "risk", risk="acute").status_code == 303
    after = stored(store_app, reference)
    assert (after.desk, after.queue, after.crisis, after.priority) == (
        "debasis", "debasis", True, "urgent")
    assert police.get(f"/desk/contacts/{reference}").status_code == 404


def test_crisis_words_after_a_handover_keep_the_contact_with_its_new_desk(
    store_app: Flask,
) -> None:
    from tests.channels import test_messaging as sms

    person = store_app.test_client()
    sms.walk(person, "Hallo", "1", "1")
    with Session(engine_of(store_app)) as session:
        first = session.exec(select(Contact)).one()
    old_desk = first.desk or "police"
    assert old_desk != "debasis"
    old, _ = handed_to_basis(store_app, first.reference, old_desk)
    sms.walk(person, sms.CRISIS_NL)
    with Session(engine_of(store_app)) as session:
        assert len(session.exec(select(Contact)).all()) == 1  # the same conversation
    after = stored(store_app, first.reference)
    assert (after.desk, after.queue, after.crisis) == ("debasis", "debasis", True)
    assert old.get(f"/desk/contacts/{first.reference}").status_code == 404


def test_a_contact_never_handed_over_is_routed_by_the_rules_again(store_app: Flask) -> None:
    reference = police_contact(store_app)
    with session_scope(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.desk = contact.queue = "veterans"  # not where the rules put a police officer
        session.add(contact)
    veterans, _ = counsellor(store_app, desk="veterans")
    assert act(veterans, reference, "risk", risk="concern").status_code == 303
    assert stored(store_app, reference).desk == "police"
