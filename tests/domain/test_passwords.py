"""Passwords changed by their owner (the current one given) or set from outside (an admin,
the operator): the rules, the lockout, the logins ended, the audit lines; on both engines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlmodel import select

from loket.domain import accounts, logins
from loket.store.db import session_scope
from loket.store.models import AuditEvent, LoginSession, User
from loket.store.types import utcnow
from tests.desk.helpers import PASSWORD, login_token, make_user

NEW = "fietsbel-regenjas-koffie-9"
ATTEMPTS = 5


def stored(app: Flask, user_id: int | None) -> User:
    with session_scope(app.extensions["loket.engine"]) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def audit_lines(app: Flask) -> list[AuditEvent]:
    with session_scope(app.extensions["loket.engine"]) as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)).all())


def lock_out(app: Flask, user_id: int | None, failures: int,
             for_: timedelta = timedelta(hours=1)) -> None:
    """Lock a user out as `failures` failed logins in a row do, for `for_`."""
    with session_scope(app.extensions["loket.engine"]) as session:
        row = session.get(User, user_id)
        assert row is not None
        row.failed_logins, row.locked_until = failures, utcnow() + for_
        session.add(row)


def live_tokens(app: Flask, user_id: int | None) -> set[str]:
    """Return the token hashes of the user's logins that have not ended."""
    with session_scope(app.extensions["loket.engine"]) as session:
        rows = session.exec(select(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.ended_at.is_(None)))  # type: ignore[union-attr]
        return {row.token_hash for row in rows}


def change(app: Flask, user: User, token: str, *, current: str = PASSWORD, new: str = NEW,
           again: str | None = None) -> logins.PasswordChange:
    with session_scope(app.extensions["loket.engine"]) as session:
        return logins.change_password(
            session=session, user_id=user.id or 0, token=token, current=current, new=new,
            again=new if again is None else again, attempts=ATTEMPTS, source="10.0.0.1",
        )


def test_a_change_keeps_this_login_under_a_new_token_and_ends_the_others(
    store_app: Flask,
) -> None:
    user = make_user(store_app, role="counsellor", desk="police")
    mine = login_token(store_app, user)
    login_token(store_app, user), login_token(store_app, user)
    someone = make_user(store_app, role="counsellor", desk="police")
    theirs = login_token(store_app, someone)
    outcome = change(store_app, user, mine)
    assert outcome.refused is None and outcome.token not in (None, mine)
    assert live_tokens(store_app, user.id) == {accounts.token_hash(outcome.token or "")}
    assert live_tokens(store_app, someone.id) == {accounts.token_hash(theirs)}
    after = stored(store_app, user.id)
    assert accounts.check_password(after, NEW) and not accounts.check_password(after, PASSWORD)
    (line,) = audit_lines(store_app)
    assert (line.event, line.actor, line.user_id, line.source) == (
        "update", "user", user.id, "10.0.0.1")
    assert line.detail == f"user={user.id} password changed, 2 other login(s) ended"
    assert PASSWORD not in line.detail and NEW not in line.detail


@pytest.mark.parametrize(
    ("current", "new", "again", "refused"),
    [
        (PASSWORD, NEW, NEW + "x", "new_password_again: not the same as the new password"),
        (PASSWORD, "kort", "kort", "password: at least 12 characters"),
        (PASSWORD, "Password1234", "Password1234", "password: too common, choose another"),
        (PASSWORD, PASSWORD, PASSWORD, "password: the same as the current one"),
    ],
)
def test_a_refused_change_writes_nothing(
    store_app: Flask, current: str, new: str, again: str, refused: str
) -> None:
    user = make_user(store_app, role="manager", desk="police")
    mine, other = login_token(store_app, user), login_token(store_app, user)
    outcome = change(store_app, user, mine, current=current, new=new, again=again)
    assert outcome == logins.PasswordChange(refused=refused)
    assert live_tokens(store_app, user.id) == {accounts.token_hash(mine),
                                               accounts.token_hash(other)}
    after = stored(store_app, user.id)
    assert after.password_hash == user.password_hash and after.failed_logins == 0
    assert audit_lines(store_app) == []


def test_a_wrong_current_password_counts_toward_the_lockout(store_app: Flask) -> None:
    user = make_user(store_app, role="counsellor", desk="veterans")
    mine = login_token(store_app, user)
    for n in range(1, ATTEMPTS + 1):
        outcome = change(store_app, user, mine, current=f"wrong password {n}")
        assert outcome.refused == "current_password: not right"
        assert stored(store_app, user.id).failed_logins == n
    assert logins.locked(stored(store_app, user.id))
    # Locked out: even the right password is refused now, and not counted again.
    locked = change(store_app, user, mine)
    assert locked.refused == "current_password: locked out after failed attempts"
    after = stored(store_app, user.id)
    assert after.failed_logins == ATTEMPTS and accounts.check_password(after, PASSWORD)
    # The login page refuses the account as well: the same lockout.
    with session_scope(store_app.extensions["loket.engine"]) as session:
        assert logins.check_password(session=session, email=user.email, password=PASSWORD,
                                     attempts=ATTEMPTS) is None
    assert audit_lines(store_app) == []


def test_a_change_clears_the_temporary_mark_and_the_failures(store_app: Flask) -> None:
    user = make_user(store_app, role="counsellor", desk="debasis")
    with session_scope(store_app.extensions["loket.engine"]) as session:
        accounts.set_password(session=session, user_id=user.id or 0, password="tijdelijk-123-abc",
                              temporary=True, admin_id=None, actor="cli")
    mine = login_token(store_app, user)
    change(store_app, user, mine, current="nog-steeds-fout-1")
    assert stored(store_app, user.id).failed_logins == 1
    assert change(store_app, user, mine, current="tijdelijk-123-abc").refused is None
    after = stored(store_app, user.id)
    assert not after.must_change_password and after.failed_logins == 0


def test_a_change_from_a_login_that_ended_meanwhile_changes_nothing(store_app: Flask) -> None:
    user = make_user(store_app, role="counsellor", desk="police")
    mine = login_token(store_app, user)
    with session_scope(store_app.extensions["loket.engine"]) as session:
        logins.end(session=session, token=mine)
    assert change(store_app, user, mine).refused == "login: this login has ended"
    assert accounts.check_password(stored(store_app, user.id), PASSWORD)


def test_an_admin_sets_a_temporary_password_ends_all_logins_and_clears_the_lockout(
    store_app: Flask,
) -> None:
    admin = make_user(store_app, role="admin")
    user = make_user(store_app, role="counsellor", desk="police")
    login_token(store_app, user), login_token(store_app, user)
    lock_out(store_app, user.id, 7)
    with session_scope(store_app.extensions["loket.engine"]) as session:
        accounts.set_password(session=session, user_id=user.id or 0, password=NEW,
                              temporary=True, admin_id=admin.id)
    after = stored(store_app, user.id)
    assert accounts.check_password(after, NEW) and after.must_change_password
    assert after.failed_logins == 0 and after.locked_until is None
    assert live_tokens(store_app, user.id) == set()
    (line,) = audit_lines(store_app)
    assert (line.actor, line.user_id, line.contact_reference) == ("admin", admin.id, None)
    assert line.detail == (f"user={user.id} temporary password set, lockout cleared, "
                           "2 login(s) ended")


def test_set_password_refuses_an_admins_own_account_and_a_bad_password(
    store_app: Flask,
) -> None:
    admin = make_user(store_app, role="admin")
    user = make_user(store_app, role="manager", desk="police")
    engine = store_app.extensions["loket.engine"]
    for user_id, password, named in ((admin.id, NEW, "user: "), (user.id, "kort", "password: "),
                                     (user.id, "zxcvbnmzxcvbnm", "password: ")):
        with pytest.raises(ValueError, match=f"^{named}"), session_scope(engine) as session:
            accounts.set_password(session=session, user_id=user_id or 0, password=password,
                                  temporary=True, admin_id=admin.id)
    with pytest.raises(LookupError), session_scope(engine) as session:
        accounts.set_password(session=session, user_id=9999, password=NEW, temporary=False,
                              admin_id=admin.id)
    assert stored(store_app, user.id).password_hash == user.password_hash
    assert stored(store_app, admin.id).password_hash == admin.password_hash
    assert audit_lines(store_app) == []
