"""Break-glass on an erased contact: there is nothing of the person to open, and the
counsellor's reason (which may say something about them) is not kept, for good, beside a
contact neither the erasure nor the retention looks at again."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session, select

from loket.domain import erasure
from loket.store.db import session_scope
from loket.store.models import BreakGlass
from tests.desk.test_break_glass import REASON
from tests.desk.test_workspace import counsellor, engine_of, post, waiting


def test_an_erased_contact_of_another_desk_is_not_opened_and_no_reason_is_kept(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="veterans")
    with session_scope(engine_of(store_app)) as session:
        erasure.erase(session=session, reference=reference, actor="cli")
    client, _ = counsellor(store_app, desk="police")
    answer = post(client, "/desk/break-glass", reference=reference, reason=REASON)
    assert answer.status_code == 404
    assert "Er is geen contact met deze referentie." in answer.get_data(as_text=True)
    with Session(engine_of(store_app)) as session:
        assert session.exec(select(BreakGlass)).all() == []


def test_a_contact_of_another_desk_not_erased_still_opens(store_app: Flask) -> None:
    reference = waiting(store_app, desk="veterans")
    client, _ = counsellor(store_app, desk="police")
    answer = post(client, "/desk/break-glass", reference=reference, reason=REASON)
    assert answer.status_code == 303
