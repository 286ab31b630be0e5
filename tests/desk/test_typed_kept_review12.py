"""A refused form shows back what was typed in it: the handover note of a warm transfer
nobody of the other desk could take (a common case at night), the capacity plan's figures,
an admin's phone number for a colleague. Each came back empty or with the defaults.
On SQLite and PostgreSQL where the app is."""

from __future__ import annotations

from flask import Flask
from redis import Redis

from tests.desk.test_workspace import act
from tests.queue.test_callbacks import (  # noqa: F401 - calls_app is a fixture
    calls_app,
    counsellor_with_phone,
    live_call,
)
from tests.twilio_double import TwilioDouble

NOTE = "Veteraan, belt over zijn zoon; heeft vannacht niet geslapen, wil Piet spreken."


def test_a_refused_warm_transfer_keeps_the_handover_note(
    calls_app: Flask, redis_conn: Redis, twilio_double: TwilioDouble,  # noqa: F811
) -> None:
    client, _ = counsellor_with_phone(calls_app)
    reference, _leg = live_call(calls_app, redis_conn, twilio_double, client)
    # Nobody of veterans is available: the transfer is refused (a common case at night).
    answer = act(client, reference, "warm_transfer", desk="veterans", note=NOTE)
    page = client.get(answer.headers.get("Location") or f"/desk/contacts/{reference}",
                      follow_redirects=True).get_data(as_text=True)
    assert answer.status_code in (303, 400, 409)
    assert "Niemand van die desk is nu beschikbaar" in page  # the refusal is shown
    assert NOTE in page  # ... and the note the counsellor wrote is still there


def test_a_refused_capacity_plan_shows_back_what_the_manager_typed(app: Flask) -> None:
    from tests.desk.helpers import log_in, make_user

    manager = make_user(app, role="manager", desk="police")
    client = app.test_client()
    log_in(client, app, manager)
    answer = client.get("/reports/capacity?weeks=12&target=45&level=0.85&shrinkage=0.3"
                        "&occupancy=1.5")  # the occupancy cap is out of range
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    # The form holds what was asked, not the defaults (8 weeks, 20 s, 0.8, 0, ...).
    assert 'name="weeks" min="1" max="52" value="12"' in page
    assert 'name="target" min="1" max="600" value="45"' in page
    assert 'value="0.85"' in page and 'value="0.3"' in page


def test_a_refused_phone_change_shows_back_the_number_typed(app: Flask) -> None:
    import re

    from tests.desk.helpers import log_in, make_user

    admin = make_user(app, role="admin")
    colleague = make_user(app, role="counsellor", desk="police")
    client = app.test_client()
    log_in(client, app, admin)
    page = client.get("/desk/admin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    typed = "+31 6 12 34"  # digits missing
    answer = client.post(f"/desk/admin/users/{colleague.id}/phone",
                         data={"csrf_token": token, "phone": typed})
    assert answer.status_code == 400
    assert typed in answer.get_data(as_text=True)
