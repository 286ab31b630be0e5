"""Break-glass: another desk's case opened in an emergency, with a reason, for a limited
time, logged as such, and waiting on that desk's manager's page until reviewed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlmodel import Session, select

from loket.queue import escalations
from loket.store.models import BreakGlass
from loket.store.types import utcnow
from tests.desk.helpers import log_in, make_user
from tests.desk.test_leaving import held
from tests.desk.test_workspace import act, counsellor, engine_of, post, trail, waiting

REASON = "Beller dreigt zichzelf iets aan te doen, dossier nodig"


def test_a_404_offers_break_glass_and_a_reason_opens_the_case_for_a_while(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="veterans")
    client, user = counsellor(store_app, desk="police", display_name="Sam")
    missing = client.get(f"/desk/contacts/{reference}")
    assert missing.status_code == 404
    assert f"/desk/break-glass?reference={reference}" in missing.get_data(as_text=True)
    short = post(client, "/desk/break-glass", reference=reference, reason="nood")
    assert short.status_code == 400
    assert "Schrijf waarom, in minstens 10 tekens." in short.get_data(as_text=True)
    opened = post(client, "/desk/break-glass", reference=reference, reason=REASON)
    assert opened.status_code == 303 and opened.location.endswith(f"/desk/contacts/{reference}")
    page = client.get(opened.location).get_data(as_text=True)
    assert "Noodtoegang geopend" in page
    events = [event for event, _ in trail(store_app, reference)]
    assert "break-glass" in events and events.index("break-glass") < events.index("read")
    # The access runs out.
    with Session(engine_of(store_app)) as session:
        grant = session.exec(select(BreakGlass)).one()
        assert grant.expires_at - grant.created_at == timedelta(minutes=60)
        grant.expires_at = utcnow() - timedelta(seconds=1)
        session.add(grant)
        session.commit()
    assert client.get(f"/desk/contacts/{reference}").status_code == 404


def test_an_unknown_reference_is_said_plainly(app: Flask) -> None:
    client, _ = counsellor(app)
    answer = post(client, "/desk/break-glass", reference="NOPE-123", reason=REASON)
    assert answer.status_code == 404
    assert "Er is geen contact met deze referentie." in answer.get_data(as_text=True)


def test_the_owning_desk_s_manager_reviews_it_and_no_other_manager_sees_it(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="veterans")
    client, _ = counsellor(store_app, desk="police", display_name="Sam")
    post(client, "/desk/break-glass", reference=reference, reason=REASON)
    veterans = store_app.test_client()
    log_in(veterans, store_app, make_user(store_app, role="manager", desk="veterans"))
    police = store_app.test_client()
    log_in(police, store_app, make_user(store_app, role="manager", desk="police"))
    page = veterans.get("/desk/manager").get_data(as_text=True)
    assert f"Sam (Politie (24/7 Loket)) opende {reference}" in page and REASON in page
    assert reference not in police.get("/desk/manager").get_data(as_text=True)
    with Session(engine_of(store_app)) as session:
        grant_id = session.exec(select(BreakGlass)).one().id
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert police.post(f"/desk/manager/break-glass/{grant_id}/reviewed",
                       data={"csrf_token": token}).status_code in (400, 404)
    done = veterans.post(f"/desk/manager/break-glass/{grant_id}/reviewed",
                         data={"csrf_token": token})
    assert done.status_code == 303
    after = veterans.get("/desk/manager").get_data(as_text=True)
    assert "Gemarkeerd als beoordeeld." in after and "Niets te beoordelen." in after
    assert "review" in [event for event, _ in trail(store_app, reference)]


def test_break_glass_is_for_counsellors(make_app: Callable[..., Flask]) -> None:
    app = make_app(break_glass_minutes=15)
    reference = waiting(app, desk="veterans")
    manager = app.test_client()
    log_in(manager, app, make_user(app, role="manager", desk="police"))
    assert manager.get("/desk/break-glass").status_code == 403
    client, _ = counsellor(app)
    assert "15 minuten" in client.get("/desk/break-glass").get_data(as_text=True)
    post(client, "/desk/break-glass", reference=reference, reason=REASON)
    with Session(engine_of(app)) as session:
        grant = session.exec(select(BreakGlass)).one()
    assert grant.expires_at - grant.created_at == timedelta(minutes=15)


def test_a_case_held_when_its_emergency_access_runs_out_goes_back_to_its_own_desk(
    store_app: Flask,
) -> None:
    # A police counsellor opened a veterans crisis in an emergency and took it; the access
    # ran out. Their pages answer 404 from then on, so they can neither serve nor let go of
    # it: the sweep puts it back in the veterans queue (the alarm goes on), where a veterans
    # counsellor can take it. What the counsellor may see anyway stays theirs.
    reference = waiting(store_app, desk="veterans", channel="webchat", phone=None,
                        crisis=True)
    own = waiting(store_app, desk="police", channel="webchat", phone=None)
    client, user = counsellor(store_app, desk="police", display_name="Sam")
    post(client, "/desk/break-glass", reference=reference, reason=REASON)
    assert act(client, reference, "claim").status_code == 303
    assert act(client, own, "claim").status_code == 303
    with store_app.app_context():
        escalations.sweep()  # the access still runs: nothing moves
    assert held(store_app, reference) == (user.id, "in_progress")
    with Session(engine_of(store_app)) as session:
        grant = session.exec(select(BreakGlass)).one()
        grant.expires_at = utcnow() - timedelta(seconds=1)
        session.add(grant)
        session.commit()
    assert client.get(f"/desk/contacts/{reference}").status_code == 404
    with store_app.app_context():
        escalations.sweep()
    assert held(store_app, reference) == (None, "waiting")
    assert held(store_app, own) == (user.id, "in_progress")
    assert trail(store_app, reference)[-1] == ("release", None)
    veterans, _ = counsellor(store_app, desk="veterans")
    assert act(veterans, reference, "claim").status_code == 303


def test_a_running_emergency_access_is_shown_with_its_end_and_renewed_with_a_reason(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="veterans")
    client, _ = counsellor(store_app, desk="police", display_name="Sam")
    post(client, "/desk/break-glass", reference=reference, reason=REASON)
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "Noodtoegang tot " in page
    assert f"/desk/break-glass?reference={reference}" in page  # renew it from here
    # Fifty-five minutes into a crisis conversation, the counsellor renews it.
    with Session(engine_of(store_app)) as session:
        first = session.exec(select(BreakGlass)).one()
        first.created_at = utcnow() - timedelta(minutes=55)
        first.expires_at = utcnow() + timedelta(minutes=5)
        session.add(first)
        session.commit()
    renewed = post(client, "/desk/break-glass", reference=reference,
                   reason="Gesprek loopt nog, persoon is nog in gevaar")
    assert renewed.status_code == 303
    with Session(engine_of(store_app)) as session:
        grants = session.exec(select(BreakGlass).order_by(BreakGlass.id)).all()
        assert [g.reason for g in grants] == [REASON, "Gesprek loopt nog, persoon is nog in gevaar"]
        assert grants[1].expires_at - grants[1].created_at == timedelta(minutes=60)
        grants[0].expires_at = utcnow() - timedelta(seconds=1)  # the first one ran out
        session.add(grants[0])
        session.commit()
    assert client.get(f"/desk/contacts/{reference}").status_code == 200  # still open to them
    assert [event for event, _ in trail(store_app, reference)].count("break-glass") == 2


def test_a_desk_s_own_contact_shows_no_emergency_access(store_app: Flask) -> None:
    reference = waiting(store_app, desk="police")
    client, _ = counsellor(store_app, desk="police")
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert "Noodtoegang tot" not in page
