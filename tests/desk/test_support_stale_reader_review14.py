"""SQLite, several processes: the request's reading session is a deferred transaction whose
snapshot is fixed at the request's first read (the login lookup). A colleague's commit made by
another process after that moment is invisible to it for the rest of the request, while the
unit of work (BEGIN IMMEDIATE) sees it. The views that explain a refused unit of work ("a
colleague answered it a moment before") read that explanation through the stale snapshot and
said "page not found"; they now ask in the unit of work.

Another gunicorn worker is played by a second engine on the same file (its own connections);
its commit lands between the request's first read and its unit of work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlmodel import select

from loket.desk import support as support_views
from loket.domain import support
from loket.store.db import session_scope
from loket.store.models import PersonFlag, User
from tests.desk.helpers import log_in, make_user
from tests.desk.test_support import REASON
from tests.desk.test_workspace import act, counsellor, post, waiting


def manager_post(client: Any, path: str) -> Any:
    page = client.get("/desk/manager").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post(path, data={"csrf_token": token})


def other_process_commits_first(monkeypatch: pytest.MonkeyPatch, other_app: Flask,
                                do: Callable[[Any], None]) -> list[bool]:
    """Make another process (an app and engine of its own on the same file) commit `do`
    just before this request's unit of work begins: after the request's first read."""
    other = other_app.extensions["loket.engine"]
    original = support_views.writing
    ran: list[bool] = []

    @contextmanager
    def writing() -> Iterator[Any]:
        if not ran:
            with session_scope(other) as session:
                do(session)
            ran.append(True)
        with original() as session:
            yield session

    monkeypatch.setattr(support_views, "writing", writing)
    return ran


def test_help_answered_by_a_colleague_in_another_worker_a_moment_before_says_so_not_404(
    app: Flask, make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = waiting(app)
    anouk, _ = counsellor(app, display_name="Anouk")
    act(anouk, reference, "claim")
    post(anouk, f"/desk/contacts/{reference}/help")
    colleague = make_user(app, role="manager", desk="police")
    late_user = make_user(app, role="manager", desk="police")
    late = app.test_client()
    log_in(late, app, late_user)
    page = late.get("/desk/manager").get_data(as_text=True)
    help_id = int(page.split("/desk/help/")[1].split("/")[0])
    token = page.split('name="csrf_token" value="')[1].split('"')[0]

    def colleague_answers(session: Any) -> None:
        me = session.get(User, colleague.id)
        assert support.resolve_help(session=session, user=me, help_id=help_id)

    ran = other_process_commits_first(monkeypatch, make_app(), colleague_answers)
    answer = late.post(f"/desk/help/{help_id}/resolve", data={"csrf_token": token})
    assert ran == [True]
    # What the manager should see: "a colleague already answered it", not "page not there".
    assert answer.status_code == 303, answer.status_code
    assert "al opgepakt" in late.get(answer.location).get_data(as_text=True)


def test_flag_approved_by_a_colleague_in_another_worker_a_moment_before_says_so_not_404(
    app: Flask, make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch,
) -> None:
    reference = waiting(app)
    setter, _ = counsellor(app)
    first, first_user = counsellor(app)
    second, _ = counsellor(app)
    post(setter, f"/desk/contacts/{reference}/flag", flag="frequent", reason=REASON)
    with session_scope(app.extensions["loket.engine"]) as session:
        flag_id = session.exec(select(PersonFlag.id)).one()

    def colleague_approves(session: Any) -> None:
        me = session.get(User, first_user.id)
        assert support.approve_flag(session=session, approver=me, flag_id=flag_id)

    ran = other_process_commits_first(monkeypatch, make_app(), colleague_approves)
    answer = post(second, f"/desk/flags/{flag_id}/approve")
    assert ran == [True]
    assert answer.status_code == 303, answer.status_code
    said = second.get(answer.location).get_data(as_text=True)
    assert "al" in said and answer.status_code != 404
