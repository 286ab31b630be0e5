"""A desk's contact taken from the pool by a counsellor of the other desk (at night, at a
weekend) can be handed back to its own desk's queue with a note; a contact already waiting
in its own desk's queue cannot be "transferred" to it."""

from __future__ import annotations

from flask import Flask

from tests.desk.test_workspace import act, counsellor, stored, trail, waiting

NOTE = "Wil morgen verder met iemand van de politie zelf."


def test_a_pooled_contact_goes_back_to_its_own_desk_with_a_note(store_app: Flask) -> None:
    reference = waiting(store_app, desk="police", queue="pool")
    veteran_side, sender = counsellor(store_app, desk="veterans")
    act(veteran_side, reference, "claim")
    page = veteran_side.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert '<option value="police">' in page  # offered: back to its own desk
    moved = act(veteran_side, reference, "transfer", desk="police", note=NOTE)
    assert moved.status_code == 303 and moved.location.endswith("/desk")
    contact = stored(store_app, reference)
    assert (contact.desk, contact.queue, contact.status) == ("police", "police", "waiting")
    assert contact.assigned_user_id is None
    assert veteran_side.get(f"/desk/contacts/{reference}").status_code == 404  # not theirs
    police, _ = counsellor(store_app, desk="police")
    assert NOTE in police.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert ("transfer", sender.id) in trail(store_app, reference)


def test_a_contact_in_its_own_desk_s_queue_is_not_transferred_to_it(store_app: Flask) -> None:
    reference = waiting(store_app, desk="police")
    police, _ = counsellor(store_app, desk="police")
    act(police, reference, "claim")
    page = police.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert '<option value="police">' not in page
    refused = act(police, reference, "transfer", desk="police", note=NOTE)
    assert "Het contact hoort al bij deze desk." in police.get(
        refused.location).get_data(as_text=True)
    assert stored(store_app, reference).assigned_user_id is not None  # still theirs
