"""The manager's overview counts as waiting what the desk's queue holds: a callback not
yet due (the person chose this evening) or one already on the unreachable list is not
someone waiting in the queue, nor does it make the "longest wait"."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from loket.store.db import session_scope
from loket.store.types import utcnow
from tests.desk.helpers import log_in, make_user
from tests.desk.test_all_desks_manager_review13 import unreachable_callback
from tests.desk.test_workspace import counsellor, engine_of


def pending_callback(app: Flask) -> str:
    from sqlmodel import select

    from loket.store.models import CallbackRequest, Contact

    reference, callback_id = unreachable_callback(app, "police")
    with session_scope(engine_of(app)) as session:
        callback = session.get(CallbackRequest, callback_id)
        assert callback is not None
        later = utcnow() + timedelta(hours=5)
        callback.status, callback.attempts, callback.last_outcome = "pending", 0, None
        callback.due_at = callback.next_attempt_at = later
        callback.window_start, callback.window_end = later, later + timedelta(hours=2)
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.routed_at = utcnow() - timedelta(hours=20)
    return reference


def test_the_overview_s_waiting_is_what_the_queue_holds(store_app: Flask) -> None:
    later = pending_callback(store_app)
    failed, _ = unreachable_callback(store_app, "police")
    anouk, _ = counsellor(store_app)
    rows = anouk.get("/desk/queue/rows").get_data(as_text=True)
    assert later not in rows and failed not in rows  # nobody in the counsellors' queue
    boss = store_app.test_client()
    log_in(boss, store_app, make_user(store_app, role="manager", desk="police"))
    page = boss.get("/desk/manager").get_data(as_text=True)
    police = page[page.index('id="desk-police"'):]
    row = police.split('<th scope="row">')[1].split("</tr>")[0]
    cells = row.split("<td>")[1:]
    waiting, longest = cells[0].split("<")[0], cells[1].split("<")[0]
    assert (waiting, longest) == ("0", "0 s")
