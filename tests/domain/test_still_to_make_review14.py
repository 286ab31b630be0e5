"""One rule, said once (`callbacks.none_still_to_make`): a failed callback (unreachable, its
window missed) is the manager's while no other callback of its contact is still to make
(pending, due, being called). The manager's list (`calls.for_manager`), the manager's Try
again / Close (`calls.manager_callback`) and a person writing again (`callbacks.only_failed`)
agree at every step; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlmodel import select

from loket.domain import callbacks, calls
from loket.domain.refusals import Refused
from loket.store.db import session_scope
from loket.store.models import CallbackRequest, Contact, User
from tests.desk.helpers import make_user
from tests.desk.test_all_desks_manager_review13 import unreachable_callback
from tests.desk.test_workspace import PHONE, engine_of


def seen(app: Flask, reference: str, callback_id: int, manager: User
         ) -> tuple[list[int], bool, bool]:
    """Return the manager's list (its callbacks' ids), whether the manager may act on the
    callback, and whether the contact's callbacks all failed."""
    with session_scope(engine_of(app)) as session:
        listed = sorted(u.callback_id for u in calls.for_manager(session=session, desk="police"))
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        failed = callbacks.only_failed(session=session, contact=contact)
        me = session.get(User, manager.id)
        assert me is not None
        try:
            calls.manager_callback(session=session, user=me, callback_id=callback_id)
        except Refused:
            return listed, False, failed
        return listed, True, failed


def new_callback(app: Flask, reference: str, status: str) -> int:
    """Promise the contact a new callback, now `status`; return its id."""
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        new = callbacks.request_callback(session=session, contact=contact, phone=PHONE,
                                         window="tomorrow")
        new.status = status
        session.add(new)
        return new.id or 0


def set_status(app: Flask, callback_id: int, status: str) -> None:
    with session_scope(engine_of(app)) as session:
        callback = session.get(CallbackRequest, callback_id)
        assert callback is not None
        callback.status = status
        session.add(callback)


@pytest.mark.parametrize("still_to_make", callbacks.STILL_TO_MAKE)
def test_a_failed_callback_is_the_managers_only_while_nothing_else_is_to_make(
    store_app: Flask, still_to_make: str,
) -> None:
    manager = make_user(store_app, role="manager", desk="police")
    reference, old_id = unreachable_callback(store_app)
    # Failed, nothing else to make: listed, the manager may act on it.
    assert seen(store_app, reference, old_id, manager) == ([old_id], True, True)
    # A new callback still to make for the same contact: off the list, refused.
    new_id = new_callback(store_app, reference, still_to_make)
    assert seen(store_app, reference, old_id, manager) == ([], False, False)
    # That one fails too: both are the manager's again.
    set_status(store_app, new_id, "missed")
    assert seen(store_app, reference, old_id, manager) == (
        sorted([old_id, new_id]), True, True)


@pytest.mark.parametrize("ended", ["done", "cancelled", "closed"])
def test_another_callback_that_ended_keeps_the_failed_one_on_the_list(
    store_app: Flask, ended: str,
) -> None:
    manager = make_user(store_app, role="manager", desk="police")
    reference, old_id = unreachable_callback(store_app)
    new_callback(store_app, reference, ended)
    assert seen(store_app, reference, old_id, manager) == ([old_id], True, True)
