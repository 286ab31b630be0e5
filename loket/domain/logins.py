"""Staff logins kept on the server: a random token in the cookie, its hash in `login_session`.

A login starts after the password (`start`), opens staff pages only once the second factor
was given (`complete`, under a new token), and ends at logout, when the user is disabled, their
second factor reset or their password set (`end_all`), or changed by themselves from
another login (`change_password`), after `idle` without a request or at its hard end
(`hard_end`: `session_hours` after it began, however active its user is; staff pages say
when, from `END_NOTICE` before). Also the password's and second factor's checks with their
lockout and replay rules.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

import pyotp
import structlog
from sqlalchemy import CompoundSelect, func, union
from sqlmodel import Session, col, select, update
from sqlmodel.sql.expression import SelectOfScalar

from loket.domain import accounts, audit
from loket.store.models import ApiToken, LoginSession, RecoveryCode, User, table_of
from loket.store.types import utcnow

log = structlog.get_logger(__name__)
MAX_TOKEN = 200  # a longer "token" is not one of ours
RENEW_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often
LOCKOUT_FIRST = timedelta(minutes=1)
LOCKOUT_MAX = timedelta(hours=1)
RECOVERY_CODES = 10
TOTP_WINDOW = 1  # one 30 s step either side, for a clock that drifts a little
END_NOTICE = timedelta(minutes=15)  # staff pages say this long before when a login ends


# The stored form of a login token or a recovery code: an API token's (sha256).
token_hash = accounts.token_hash


def start(*, session: Session, user: User, source: str) -> str:
    """Begin a login after the password: return its new random token (half logged in)."""
    assert user.id is not None  # noqa: S101 - a stored user has an id
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(token_hash=token_hash(token), user_id=user.id, source=source[:64]))
    session.flush()
    return token


def lookup(*, session: Session, token: str) -> LoginSession | None:
    """Return the login of a token if it has not ended (reads only; timeouts not checked)."""
    found = lookup_with_user(session=session, token=token)
    return None if found is None else found[0]


def lookup_with_user(*, session: Session, token: str) -> tuple[LoginSession, User] | None:
    """Return the login of a token if it has not ended, and its user, in one query (every
    staff request starts here: the queue's poll many times a second)."""
    if not token or len(token) > MAX_TOKEN:
        return None
    found = session.exec(
        select(LoginSession, User).join(User, col(User.id) == LoginSession.user_id).where(
            LoginSession.token_hash == token_hash(token), col(LoginSession.ended_at).is_(None)
        )
    ).first()
    return None if found is None else (found[0], found[1])


def timed_out(
    login: LoginSession, *, idle_minutes: int, session_hours: int, now: datetime | None = None
) -> bool:
    """Tell whether a login is over: idle too long, or past its hard end (`hard_end`)."""
    now = now or utcnow()
    return (
        now - login.last_seen_at > timedelta(minutes=idle_minutes)
        or now > hard_end(login.created_at, session_hours=session_hours)
    )


def hard_end(started_at: datetime, *, session_hours: int) -> datetime:
    """Return when a login begun at `started_at` ends however active its user is (its
    last moment: a request after it finds the login over)."""
    return started_at + timedelta(hours=session_hours)


def end_notice_in(end: datetime, now: datetime | None = None) -> timedelta:
    """Return how long until staff pages say when a login ending at `end` ends
    (`END_NOTICE` before it); zero or less: they say it now."""
    return end - END_NOTICE - (now or utcnow())


def needs_renewal(login: LoginSession, now: datetime | None = None) -> bool:
    """Tell whether `last_seen_at` is old enough to be written again (once a minute)."""
    return (now or utcnow()) - login.last_seen_at >= RENEW_EVERY


def find(
    *, session: Session, token: str, idle_minutes: int, session_hours: int
) -> LoginSession | None:
    """Return the live login of a token; end a timed-out one; renew `last_seen_at`.

    Writes (caller commits): the end of a timed-out login, or `last_seen_at` at most
    once a minute.
    """
    login = lookup(session=session, token=token)
    if login is None:
        return None
    now = utcnow()
    if timed_out(login, idle_minutes=idle_minutes, session_hours=session_hours, now=now):
        login.ended_at = now
        session.add(login)
        log.info("login.timed_out", user_id=login.user_id)
        return None
    if needs_renewal(login, now):
        login.last_seen_at = now
        session.add(login)
    return login


def complete(*, session: Session, token: str) -> str | None:
    """Complete a login (both factors given) under a new token; return it, or None when
    the login has ended meanwhile. The token of the half-finished login stops working: one
    seen before the second factor (a shared screen, a planted cookie) opens nothing."""
    now = utcnow()
    return rotate(session=session, token=token, second_factor_at=now, last_seen_at=now)


def end(*, session: Session, token: str) -> None:
    """End one login (logout)."""
    session.exec(  # type: ignore[call-overload]
        update(LoginSession)
        .where(
            col(LoginSession.token_hash) == token_hash(token), col(LoginSession.ended_at).is_(None)
        )
        .values(ended_at=utcnow())
    )


def live_logins(*, idle_minutes: int, session_hours: int, now: datetime | None = None
                ) -> SelectOfScalar[int]:
    """Return a query of the users with a complete login that has not ended nor timed out
    (`timed_out` in SQL: a browser still open somewhere, its page asking every few seconds)."""
    now = now or utcnow()
    return select(LoginSession.user_id).where(
        col(LoginSession.ended_at).is_(None), col(LoginSession.second_factor_at).is_not(None),
        col(LoginSession.last_seen_at) >= now - timedelta(minutes=idle_minutes),
        col(LoginSession.created_at) >= now - timedelta(hours=session_hours),
    )


def present_users(*, idle_minutes: int, session_hours: int, now: datetime | None = None
                  ) -> CompoundSelect:
    """Return a query of the users who are here: a live login (`live_logins`), or an API
    token used within the idle time (a client of theirs is calling)."""
    now = now or utcnow()
    return union(
        live_logins(idle_minutes=idle_minutes, session_hours=session_hours, now=now),
        select(ApiToken.user_id).where(
            col(ApiToken.revoked).is_(False),
            col(ApiToken.last_used_at) > now - timedelta(minutes=idle_minutes)),
    )


def has_live_login(*, session: Session, user_id: int, idle_minutes: int, session_hours: int,
                   now: datetime | None = None) -> bool:
    """Tell whether the user has a live login (`live_logins`)."""
    query = live_logins(idle_minutes=idle_minutes, session_hours=session_hours, now=now)
    return session.exec(query.where(LoginSession.user_id == user_id).limit(1)).first() is not None


def end_all(*, session: Session, user_id: int) -> int:
    """End every login of a user at once (disabled, second factor reset); return how many."""
    return accounts.end_logins(session=session, user_id=user_id)


# --- the password and the second factor ----------------------------------------------------


def locked(user: User, now: datetime | None = None) -> bool:
    """Tell whether a user is locked out after failed logins."""
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def check_password(
    *, session: Session, email: str, password: str, attempts: int, trusted: bool = False
) -> User | None:
    """Return the active, not locked-out user with this e-mail and password, else None.

    A failure counts against the account; after `attempts` failures in a row it is locked
    out, for a minute and then twice as long after every further failure (at most an hour).
    `trusted`: the browser completed a login of this account before (its device cookie);
    the lockout, which anyone who knows the e-mail can cause, does not hold it back.
    The password is checked whatever the outcome: a locked or disabled account takes as
    long to refuse as any other. Caller commits (the count must be kept when it fails).
    """
    user = accounts.find_user(session=session, email=email)
    if user is None:
        accounts.hasher().hash(password)  # the same time spent as for a real account
        return None
    right = accounts.check_password(user, password)
    if not user.active or (locked(user) and not trusted):
        log.info("login.refused", user_id=user.id, reason="locked" if user.active else "disabled")
        return None
    if not right:
        failed(session=session, user=user, attempts=attempts)
        return None
    if accounts.hasher().check_needs_rehash(user.password_hash):
        user.password_hash = accounts.hasher().hash(password)
        session.add(user)
    return user


def lockout_for(failures: int, attempts: int) -> timedelta | None:
    """Return how long `failures` failed logins in a row lock an account out, if at all:
    doubling from LOCKOUT_FIRST, never more than LOCKOUT_MAX (however many failures: the
    doubling stops at the cap, where 2**41 minutes is past what a timedelta holds)."""
    if failures < attempts:
        return None
    lockout = LOCKOUT_FIRST
    for _ in range(failures - attempts):
        if lockout >= LOCKOUT_MAX:
            break
        lockout *= 2
    return min(lockout, LOCKOUT_MAX)


def failed(*, session: Session, user: User, attempts: int = 5) -> timedelta | None:
    """Count one failed password or code; return the lockout it earned, if any.

    Counted in the row itself (`failed_logins + 1`), not from the copy read earlier: wrong
    passwords posted at once each count. The row stays locked until commit.
    """
    table = table_of(User)
    user.failed_logins = int(session.execute(
        update(table).where(table.c.id == user.id)
        .values(failed_logins=table.c.failed_logins + 1)
        .returning(table.c.failed_logins)
    ).scalar_one())
    lockout = lockout_for(user.failed_logins, attempts)
    if lockout is not None:
        user.locked_until = utcnow() + lockout
        log.warning(
            "login.locked_out", user_id=user.id, failures=user.failed_logins,
            seconds=int(lockout.total_seconds()),
        )
    session.add(user)
    return lockout


def succeeded(*, session: Session, user: User) -> None:
    """Reset the failure count after a complete login."""
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, utcnow()
    session.add(user)


def check_code(*, session: Session, user: User, code: str, trusted: bool = False,
               source: str = "") -> bool:
    """Tell whether a TOTP code (or an unused recovery code) is the user's; each works once.

    A TOTP code of a time step already used is refused (replay), as is any code while the
    account is locked out (unless from a `trusted` browser, as in `check_password`). A
    recovery code spent is audited (`source`: from where).
    """
    if (locked(user) and not trusted) or not user.totp_secret:
        return False
    code = "".join(code.split())
    if code.isascii() and code.isdigit() and len(code) == 6:  # "١٢٣٤٥٦" is no code
        totp = pyotp.TOTP(user.totp_secret)
        now = utcnow()
        for offset in range(-TOTP_WINDOW, TOTP_WINDOW + 1):
            at = now + timedelta(seconds=offset * totp.interval)
            step = totp.timecode(at)
            if secrets.compare_digest(totp.at(at), code):
                if user.totp_last_step is not None and step <= user.totp_last_step:
                    return False  # used already
                user.totp_last_step = step
                session.add(user)
                return True
        return False
    return use_recovery_code(session=session, user=user, code=code, source=source)


def new_recovery_codes(*, session: Session, user: User) -> list[str]:
    """Replace a user's recovery codes with a new sheet; return the codes (shown once)."""
    assert user.id is not None  # noqa: S101 - a stored user has an id
    session.exec(  # type: ignore[call-overload]
        update(RecoveryCode)
        .where(col(RecoveryCode.user_id) == user.id, col(RecoveryCode.used_at).is_(None))
        .values(used_at=utcnow())
    )
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=token_hash(code)))
    return codes


def use_recovery_code(*, session: Session, user: User, code: str, source: str = "") -> bool:
    """Spend one recovery code; True when it was the user's and unused. Audited, with how
    many are left (someone logged in without the authenticator: a lost phone, or not them)."""
    result = session.exec(  # type: ignore[call-overload]
        update(RecoveryCode)
        .where(
            col(RecoveryCode.user_id) == user.id,
            col(RecoveryCode.code_hash) == token_hash(code.lower()),
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=utcnow())
    )
    if not result.rowcount:
        return False
    left = session.exec(select(func.count()).select_from(RecoveryCode).where(
        col(RecoveryCode.user_id) == user.id, col(RecoveryCode.used_at).is_(None))).one()
    audit.record(session=session, event="update", contact=None, user_id=user.id, actor="user",
                 detail=f"user={user.id} recovery code used, {left} left", source=source)
    log.info("login.recovery_code_used", user_id=user.id, left=left)
    return True


# --- a user changing their own password ----------------------------------------------------


class PasswordChange(NamedTuple):
    """What became of a change of one's own password: why it was refused (`field: reason`,
    in English: the page says it in its own language), or the login's new token."""

    refused: str | None = None
    token: str | None = None


def rotate(*, session: Session, token: str, **changes: object) -> str | None:
    """Give a live login a new token (and these `changes` of its row); return it, or None
    when the login has ended. The old token opens nothing any more."""
    new = secrets.token_urlsafe(32)
    result = session.exec(  # type: ignore[call-overload]
        update(LoginSession)
        .where(
            col(LoginSession.token_hash) == token_hash(token), col(LoginSession.ended_at).is_(None)
        )
        .values(token_hash=token_hash(new), **changes)
    )
    return new if result.rowcount else None


def change_password(
    *, session: Session, user_id: int, token: str, current: str, new: str, again: str,
    attempts: int, source: str = "",
) -> PasswordChange:
    """Change a logged-in user's own password, the current one given.

    Refused, in this order: while the account is locked out; a wrong current password
    (a failed login: it counts toward the lockout, `failed`); the new one typed twice
    differently; a new one `accounts.password_problem` refuses; the current one again.
    Changed: the new hash, the failure count and any temporary mark cleared, every other
    login of the user ended, this one kept under a new token (`rotate`); one audit line.
    The user's row is locked until commit. Caller commits, refused or not (a failure is
    kept); a refusal writes nothing else.
    """
    user = accounts.stored_user(session, user_id)
    if locked(user):
        log.info("password.change_refused", user_id=user_id, reason="locked")
        return PasswordChange(refused="current_password: locked out after failed attempts")
    if not accounts.check_password(user, current):
        failed(session=session, user=user, attempts=attempts)
        log.info("password.change_refused", user_id=user_id, reason="current")
        return PasswordChange(refused="current_password: not right")
    if not hmac.compare_digest(new.encode(), again.encode()):
        return PasswordChange(refused="new_password_again: not the same as the new password")
    problem = accounts.password_problem(new)
    if problem:
        return PasswordChange(refused=problem)
    if hmac.compare_digest(new.encode(), current.encode()):
        return PasswordChange(refused="password: the same as the current one")
    new_token = rotate(session=session, token=token)
    if new_token is None:
        return PasswordChange(refused="login: this login has ended")
    accounts.replace_password(user, new, temporary=False)
    session.add(user)
    ended = accounts.end_logins(session=session, user_id=user_id, but=new_token)
    audit.record(
        session=session, event="update", contact=None, user_id=user_id, actor="user",
        detail=f"user={user_id} password changed, {ended} other login(s) ended", source=source,
    )
    log.info("password.changed", user_id=user_id, other_logins_ended=ended)
    return PasswordChange(token=new_token)
