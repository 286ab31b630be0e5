"""A help request stands while the counsellor who asked may read the case and nobody else
took it on; a manager listens in only on the call of the counsellor who asked. A police
counsellor who asked for help on a pooled veterans contact and let it go: the police manager
is neither shown the case nor let into the call a veterans counsellor then has with the
person. On SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session, select

from loket.store.db import session_scope
from loket.store.models import CallLeg, User
from tests.desk.helpers import log_in, make_user
from tests.desk.test_support_review5 import manager_post
from tests.desk.test_workspace import act, counsellor, engine_of, post, stored, waiting


def test_the_police_manager_does_not_listen_in_on_a_veterans_counsellor_s_call(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="veterans", queue="pool", channel="phone")
    police, _ = counsellor(store_app, desk="police", display_name="Piet")
    assert act(police, reference, "claim").status_code == 303
    assert post(police, f"/desk/contacts/{reference}/help").status_code == 303
    assert act(police, reference, "release").status_code == 303
    # A veterans counsellor takes the veterans' own contact and is on the phone with them.
    veterans, vera = counsellor(store_app, desk="veterans", display_name="Vera")
    assert act(veterans, reference, "claim").status_code == 303
    with session_scope(engine_of(store_app)) as session:
        session.add(CallLeg(contact_id=stored(store_app, reference).id, user_id=vera.id,
                            kind="counsellor", call_sid="CA" + "1" * 32,
                            conference="loket-test-conference", status="in-progress"))
    boss_user = make_user(store_app, role="manager", desk="police")
    with session_scope(engine_of(store_app)) as session:
        boss_row = session.get(User, boss_user.id)
        assert boss_row is not None
        boss_row.phone = "+31611112222"
    boss = store_app.test_client()
    log_in(boss, store_app, boss_user)
    overview = boss.get("/desk/manager").get_data(as_text=True)
    answer = manager_post(boss, f"/desk/manager/listen/{reference}")
    with Session(engine_of(store_app)) as session:
        coaches = session.exec(select(CallLeg).where(CallLeg.kind == "coach")).all()
    # Piet let it go: his request asks nothing more of the police desk. The police manager
    # is not offered the veterans' case, and cannot join the veterans counsellor's call.
    assert (reference in overview, answer.status_code, len(coaches)) == (  # type: ignore[attr-defined]
        False, 404, 0)
