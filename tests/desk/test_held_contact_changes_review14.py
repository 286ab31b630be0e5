"""What a counsellor works on with a person is theirs to change: a colleague who opens the
contact meanwhile may raise its risk (a danger seen is never held back) but not lower it,
nor record the person's wish about next time; once the contact is free, anyone of the desk
may."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.desk.test_workspace import act, counsellor, stored, waiting


def held_by_anouk(app: Flask, risk: str = "none") -> tuple[str, FlaskClient, FlaskClient]:
    """A police contact Anouk holds; return its reference, her client and a colleague's."""
    reference = waiting(app)
    anouk, _ = counsellor(app, name="Anouk")
    bram, _ = counsellor(app, name="Bram")
    assert act(anouk, reference, "claim").status_code == 303
    if risk != "none":
        assert act(anouk, reference, "risk", risk=risk).status_code == 303
    return reference, anouk, bram


def test_a_colleague_cannot_lower_the_risk_of_a_contact_someone_holds(
    store_app: Flask,
) -> None:
    reference, anouk, bram = held_by_anouk(store_app, risk="concern")
    answer = act(bram, reference, "risk", risk="none")
    assert answer.status_code == 303
    page = bram.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Anouk behandelt dit contact al." in page  # who holds it, said
    assert stored(store_app, reference).risk == "concern"
    # Anouk, who is talking with the person, may.
    assert act(anouk, reference, "risk", risk="none").status_code == 303
    assert stored(store_app, reference).risk == "none"


def test_a_colleague_may_still_raise_the_risk_of_a_held_contact(store_app: Flask) -> None:
    reference, _anouk, bram = held_by_anouk(store_app)
    assert act(bram, reference, "risk", risk="acute").status_code == 303
    after = stored(store_app, reference)
    assert (after.risk, after.crisis, after.priority) == ("acute", True, "urgent")


def test_a_colleague_cannot_record_the_person_s_wish_on_a_contact_someone_holds(
    store_app: Flask,
) -> None:
    reference, anouk, bram = held_by_anouk(store_app)
    answer = act(bram, reference, "wish", opted_out="1")
    page = bram.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Anouk behandelt dit contact al." in page
    assert stored(store_app, reference).continuity_opt_out is not True
    assert act(anouk, reference, "wish", opted_out="1").status_code == 303
    assert stored(store_app, reference).continuity_opt_out is True


def test_once_released_anyone_of_the_desk_may_change_both(store_app: Flask) -> None:
    reference, anouk, bram = held_by_anouk(store_app, risk="concern")
    assert act(anouk, reference, "release").status_code == 303
    assert act(bram, reference, "risk", risk="none").status_code == 303
    assert act(bram, reference, "wish", opted_out="1").status_code == 303
    after = stored(store_app, reference)
    assert (after.risk, after.continuity_opt_out) == ("none", True)


def test_the_refusal_is_said_in_english_on_an_english_page(store_app: Flask) -> None:
    reference, _anouk, bram = held_by_anouk(store_app, risk="concern")
    answer = act(bram, reference, "risk", risk="none", lang="en")
    page = bram.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Anouk is already working this contact." in page
