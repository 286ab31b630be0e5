"""An emergency (break-glass) access helps now and ends: it never makes the case the
holder's desk's. A counsellor who sees another desk's contact only by it cannot take it to
their own desk (they would keep it after the access ended); handing it to a third desk ends
their access (tests/api/test_access_review2.py), and its own desk hands it over as ever."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlmodel import select

from loket.store.db import session_scope
from loket.store.models import BreakGlass
from loket.store.types import utcnow
from tests.api.calls import caller
from tests.desk.test_workspace import act, counsellor, engine_of, post, stored, waiting

REASON = "Acuut gevaar, de eigen desk is onbereikbaar"


def end_every_access(app: Flask) -> None:
    """Let every emergency access run out."""
    with session_scope(engine_of(app)) as session:
        for grant in session.exec(select(BreakGlass)).all():
            grant.expires_at = utcnow() - timedelta(seconds=1)
            session.add(grant)


def test_an_emergency_access_cannot_take_the_case_to_its_own_desk(store_app: Flask) -> None:
    reference = waiting(store_app, desk="veterans")
    police, _ = counsellor(store_app, desk="police")
    veterans, _ = counsellor(store_app, desk="veterans")
    assert post(police, "/desk/break-glass", reference=reference,
                reason=REASON).status_code == 303
    assert act(police, reference, "claim").status_code == 303
    moved = act(police, reference, "transfer", desk="police", note="Neem ik over")
    assert "Een noodtoegang maakt het contact niet van jouw desk" in police.get(
        moved.location).get_data(as_text=True)
    after = stored(store_app, reference)
    assert (after.desk, after.queue) == ("veterans", "veterans")
    assert act(police, reference, "release").status_code == 303
    end_every_access(store_app)
    assert police.get(f"/desk/contacts/{reference}").status_code == 404
    assert veterans.get(f"/desk/contacts/{reference}").status_code == 200


def test_nor_through_the_api(store_app: Flask) -> None:
    reference = waiting(store_app, desk="veterans")
    user = caller(store_app, role="counsellor", desk="police")
    assert user("POST", f"/api/v1/contacts/{reference}/break-glass",
                {"reason": REASON}).status_code == 200
    assert user("POST", f"/api/v1/contacts/{reference}/claim").status_code == 200
    answer = user("POST", f"/api/v1/contacts/{reference}/transfer",
                  {"desk": "police", "note": "Neem ik over"})
    assert answer.status_code == 422 and answer.get_json()["field"] == "desk"
    assert stored(store_app, reference).desk == "veterans"


def test_its_own_desk_still_hands_it_over(store_app: Flask) -> None:
    reference = waiting(store_app, desk="veterans")
    veterans, _ = counsellor(store_app, desk="veterans")
    assert act(veterans, reference, "claim").status_code == 303
    assert act(veterans, reference, "transfer", desk="debasis",
               note="Graag De Basis").status_code == 303
    assert stored(store_app, reference).desk == "debasis"
