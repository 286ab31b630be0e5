"""Staff accounts: validated input, argon2 password hashes, TOTP enrolment, API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import field_validator, model_validator
from sqlalchemy import func, or_
from sqlmodel import Session, SQLModel, col, delete, select, update

from loket.domain import audit, break_glass, contacts
from loket.store.models import (
    ApiToken,
    CallbackRequest,
    Contact,
    LoginSession,
    RecoveryCode,
    User,
)
from loket.store.types import utcnow

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200  # the login page takes no longer one
MAX_NAME = 120
MAX_DISPLAY_NAME = 40
E164 = re.compile(r"\+[1-9][0-9]{7,14}")
TOTP_ISSUER = "Loket"


class UserIn(SQLModel):
    """What it takes to add a member of staff."""

    email: str
    role: Literal["counsellor", "manager", "admin"]
    desk: Literal["police", "veterans", "debasis"] | None = None
    name: str = ""
    display_name: str = ""
    phone: str | None = None
    password: str

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if len(value) > MAX_NAME:
            raise ValueError(f"at most {MAX_NAME} characters")
        return value

    @field_validator("display_name")
    @classmethod
    def _display_name(cls, value: str) -> str:
        return clean_display_name(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return phone_number(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        value = value.strip().lower()
        local, _, domain = value.partition("@")
        if not local or "." not in domain or " " in value or len(value) > 254:
            raise ValueError("not an e-mail address")
        return value

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        problem = password_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _desk_for_counsellor(self) -> UserIn:
        problem = desk_problem(self.role, self.desk)
        if problem:
            raise ValueError(problem)
        return self


def desk_problem(role: str, desk: str | None) -> str | None:
    """Return why a role and desk do not go together, or None: a counsellor needs a desk;
    an admin has none (they manage accounts, not a desk's contacts); a manager may have
    one (their desk's figures) or none (every desk's)."""
    if role == "counsellor" and desk is None:
        return "desk: a counsellor needs a desk (police, veterans or debasis)"
    if role == "admin" and desk is not None:
        return "desk: an admin belongs to no desk"
    return None


def clean_display_name(value: str) -> str:
    """Return a display name cleaned, or raise why it is refused (a first name, at most 40)."""
    value = " ".join(value.split())
    if len(value) > MAX_DISPLAY_NAME:
        raise ValueError(f"at most {MAX_DISPLAY_NAME} characters")
    return value


def phone_number(value: str | None) -> str | None:
    """Return an E.164 phone number without spaces, None for none; raise when malformed."""
    if value is None or not value.strip():
        return None
    value = "".join(value.split())
    if not E164.fullmatch(value):
        raise ValueError("an international number like +31612345678 (E.164)")
    return value


KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop")
COMMON_WORD_AND_DIGITS = re.compile(r"[a-z]{3,}[0-9!@#$%.]*")
# What a password spray tries first, followed by digits and signs: a word starting with one
# of these ("Welkom01!", "Veteranen2026"), or just a season ("Zomer2026!!!").
COMMON_WORDS = ("password", "wachtwoord", "welkom", "welcome", "loket", "politie", "veteraan",
                "veteran", "defensie", "debasis")
SEASONS = frozenset(("zomer", "winter", "lente", "herfst", "voorjaar", "najaar", "summer",
                     "spring", "autumn", "fall"))


@cache
def common_passwords() -> frozenset[str]:
    """Return the list of common passwords (loket/domain/common_passwords.txt)."""
    text = (Path(__file__).parent / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def password_problem(password: str) -> str | None:
    """Return why a password is refused (too short or long, common, a pattern), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password: at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"password: at most {MAX_PASSWORD_LENGTH} characters"
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return "password: too common, choose another"
    stem = lowered.rstrip("0123456789!@#$%.") or lowered
    if any(stem in row * 3 for row in KEYBOARD_ROWS):
        return "password: a keyboard pattern, choose another"
    if COMMON_WORD_AND_DIGITS.fullmatch(lowered) and (
        stem in SEASONS or any(stem.startswith(word) for word in COMMON_WORDS)
    ):
        return "password: too common, choose another"
    return None


@cache
def hasher() -> PasswordHasher:
    """Return the password hasher: argon2id with OWASP's parameters (19 MiB, 2 passes)."""
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def create_user(
    *, session: Session, user_in: UserIn, available: bool = False
) -> tuple[User, str]:
    """Add a user with a hashed password and a TOTP secret; return it and its enrolment URI.

    `available`: a counsellor on duty from the start (the demo's).
    """
    if session.exec(select(User).where(User.email == user_in.email)).first() is not None:
        raise ValueError(f"email: {user_in.email} already exists")
    secret = pyotp.random_base32()
    user = User(
        email=user_in.email,
        name=user_in.name,
        display_name=user_in.display_name,
        phone=user_in.phone,
        role=user_in.role,
        desk=user_in.desk,
        password_hash=hasher().hash(user_in.password),
        totp_secret=secret,
        available=available,
    )
    session.add(user)
    session.flush()
    return user, totp_uri(user)


def totp_uri(user: User) -> str:
    """Return the otpauth:// URI an authenticator app enrols with."""
    return pyotp.TOTP(user.totp_secret or "").provisioning_uri(
        name=user.email, issuer_name=TOTP_ISSUER
    )


def check_password(user: User, password: str) -> bool:
    """Tell whether a password is the user's."""
    try:
        return hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    """Return the stored form of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, session: Session, user: User, expires_days: int | None = None) -> str:
    """Issue an API token for a user; only its hash is stored. It expires after
    `expires_days` when given."""
    token = "lk_" + secrets.token_urlsafe(32)
    assert user.id is not None  # noqa: S101 - a stored user has an id
    expires = utcnow() + timedelta(days=expires_days) if expires_days else None
    session.add(ApiToken(user_id=user.id, token_hash=token_hash(token), expires_at=expires))
    return token


def revoke_tokens(*, session: Session, user: User | None = None, token: str | None = None) -> int:
    """Revoke a user's tokens, or one token; return how many were revoked."""
    query = update(ApiToken).where(col(ApiToken.revoked).is_(False))
    if user is not None:
        query = query.where(col(ApiToken.user_id) == user.id)
    elif token is not None:
        query = query.where(col(ApiToken.token_hash) == token_hash(token))
    else:
        raise ValueError("user or token: say which tokens to revoke")
    result = session.exec(query.values(revoked=True))  # type: ignore[call-overload]
    return int(result.rowcount or 0)


def user_for_token(*, session: Session, token: str) -> User | None:
    """Return the active user of an API token that is not revoked or expired."""
    found = token_and_user(session=session, token=token)
    return None if found is None else found[1]


# An API token's last use is written at most this often (a client that calls is present).
TOKEN_USE_EVERY = timedelta(minutes=1)


def token_and_user(*, session: Session, token: str) -> tuple[ApiToken, User] | None:
    """Return a live API token (not revoked or expired) and its active user."""
    row = session.exec(
        select(ApiToken, User)
        .join(User, col(User.id) == ApiToken.user_id)
        .where(ApiToken.token_hash == token_hash(token), col(ApiToken.revoked).is_(False))
    ).first()
    if row is None:
        return None
    api_token, user = row
    if not user.active or (api_token.expires_at is not None and api_token.expires_at <= utcnow()):
        return None
    return api_token, user


def token_use_to_keep(api_token: ApiToken, now: datetime | None = None) -> bool:
    """Tell whether this use of a token is to be written (`TOKEN_USE_EVERY`)."""
    last = api_token.last_used_at
    return last is None or (now or utcnow()) - last >= TOKEN_USE_EVERY


def token_used(*, session: Session, token_id: int, now: datetime | None = None) -> None:
    """Keep when an API token was last used (its user is present while their client calls)."""
    now = now or utcnow()
    session.exec(  # type: ignore[call-overload]
        update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=now))


def find_user(*, session: Session, email: str) -> User | None:
    """Return the user with this e-mail address, if any."""
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def confirm_second_factor(*, session: Session, user: User, source: str = "") -> None:
    """Record that the user enrolled their authenticator app (a code was confirmed); audited
    (after a reset, the trail shows who enrolled again and from where)."""
    user.totp_enrolled_at = utcnow()
    session.add(user)
    audit.record(session=session, event="update", contact=None, user_id=user.id,
                 actor="user", detail=f"user={user.id} second factor enrolled", source=source)


class UserChange(SQLModel):
    """A new role and desk for a user (`desk_problem`)."""

    role: Literal["counsellor", "manager", "admin"]
    desk: Literal["police", "veterans", "debasis"] | None = None

    @model_validator(mode="after")
    def _desk_for_counsellor(self) -> UserChange:
        problem = desk_problem(self.role, self.desk)
        if problem:
            raise ValueError(problem)
        return self


def end_logins(*, session: Session, user_id: int, but: str | None = None) -> int:
    """End every login of a user at once (`but` the one of this token, when given); return
    how many were live."""
    keep = () if but is None else (col(LoginSession.token_hash) != token_hash(but),)
    result = session.exec(  # type: ignore[call-overload]
        update(LoginSession)
        .where(col(LoginSession.user_id) == user_id, col(LoginSession.ended_at).is_(None),
               *keep)
        .values(ended_at=utcnow())
    )
    return int(result.rowcount or 0)


def replace_password(user: User, password: str, *, temporary: bool) -> None:
    """Give a user this (checked) password: a new hash, their lockout cleared, and whether
    they choose their own at their next login (`temporary`). The caller adds the user."""
    user.password_hash = hasher().hash(password)
    user.must_change_password = temporary
    user.failed_logins, user.locked_until = 0, None


def reset_second_factor(*, session: Session, user: User) -> None:
    """Give the user a new TOTP secret to enrol again; delete their recovery codes, end
    their logins and clear their lockout (codes tried from memory after a lost phone lock
    the account: whoever reset it has spoken to them, they enrol now, not in an hour)."""
    assert user.id is not None  # noqa: S101 - a stored user has an id
    user.totp_secret, user.totp_enrolled_at, user.totp_last_step = (
        pyotp.random_base32(), None, None,
    )
    user.failed_logins, user.locked_until = 0, None
    session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user.id))  # type: ignore[call-overload]
    session.add(user)
    end_logins(session=session, user_id=user.id)


# --- the admin's actions: each one audited, with the user's id and no personal data ------


def admin_audit(*, session: Session, admin_id: int | None, user_id: int | None, what: str,
                actor: str = "admin") -> None:
    """Write the audit line of one admin action on a user (`actor`: "cli" for the operator's
    command line)."""
    audit.record(
        session=session, event="update", contact=None, user_id=admin_id, actor=actor,
        detail=f"user={user_id} {what}",
    )


def stored_user(session: Session, user_id: int) -> User:
    """Return a user by id, locked until commit to be changed (a claim of theirs waits, then
    sees the change); LookupError when there is none."""
    user = session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise LookupError(f"user: no user {user_id}")
    return user


def keep_an_admin(session: Session, user_id: int, *, field: str) -> None:
    """Refuse to take the last active admin away (disabled, or given another role): nobody
    could manage the accounts any more. The active admins are locked, in one order, until
    commit, so that two admins taking each other away at once cannot both succeed."""
    if session.exec(select(User.id).where(User.id == user_id, User.role == "admin")
                    ).first() is None:
        return  # not an admin: nothing to keep, no admin's row locked
    admins = session.exec(
        select(User.id).where(User.role == "admin", col(User.active).is_(True))
        .order_by(col(User.id)).with_for_update()
    ).all()
    if list(admins) == [user_id]:
        raise ValueError(f"{field}: the last active admin cannot be taken away")


def hand_over_promises(*, session: Session, user_id: int, by_user_id: int | None,
                       reason: str) -> None:
    """What a counsellor disabled or moved to another role or desk had promised goes to
    their desk: their personal callbacks not yet placed are the desk's to make (their phone
    is no longer rung for them), and a returning person's contact offered to them first is
    offered to no one. Each callback handed over is audited on its contact."""
    promised = session.exec(
        select(CallbackRequest, Contact)
        .join(Contact, col(Contact.id) == CallbackRequest.contact_id)
        .where(CallbackRequest.claimed_by == user_id,
               col(CallbackRequest.status).in_(contacts.OPEN_CALLBACK))
        .with_for_update(of=CallbackRequest)  # type: ignore[call-overload]
    ).all()
    now = utcnow()
    for callback, contact in promised:
        callback.claimed_by, callback.updated_at = None, now
        session.add(callback)
        audit.record(session=session, event="update", contact=contact, user_id=by_user_id,
                     actor="user" if by_user_id is not None else "system",
                     detail=f"personal callback handed to the desk: {reason}")
    session.exec(  # type: ignore[call-overload]
        update(Contact).where(col(Contact.offered_to_user_id) == user_id)
        .values(offered_to_user_id=None, offered_until=None)
    )


def release_held(*, session: Session, user_id: int, by_user_id: int | None,
                 reason: str) -> list[str]:
    """Put back in their queues the contacts of a counsellor disabled or moved to another
    role or desk (their drafts of them forgotten), as a logout does (`workspace.leave`): but
    a contact whose call is live, which stays with the counsellor on the phone with the
    person (back in its queue, a colleague could take it and ring them too); once that call
    has ended the escalation sweep lets go of it (`workspace.release_abandoned`,
    `workspace.release_unseen`). Return the references let go."""
    from loket.domain import calls

    return contacts.release_all_held(
        session=session, user_id=user_id, by_user_id=by_user_id, reason=reason,
        keep=calls.on_a_live_call(session=session, user_id=user_id))


def add_user(*, session: Session, user_in: UserIn, admin_id: int | None,
             actor: str = "admin") -> User:
    """Add a user (they enrol their second factor at their first login); audited."""
    user, _ = create_user(session=session, user_in=user_in)
    admin_audit(
        session=session, admin_id=admin_id, user_id=user.id, actor=actor,
        what=f"added role={user.role} desk={user.desk}",
    )
    return user


def issue_token(*, session: Session, user: User, expires_days: int | None,
                admin_id: int | None, actor: str = "admin") -> str:
    """Issue an API token for a user (`create_token`); audited, without the token."""
    token = create_token(session=session, user=user, expires_days=expires_days)
    admin_audit(
        session=session, admin_id=admin_id, user_id=user.id, actor=actor,
        what="API token created, "
             + (f"expires in {expires_days} day(s)" if expires_days else "until revoked"),
    )
    return token


def revoke_one_token(*, session: Session, token: str, admin_id: int | None,
                     actor: str = "admin") -> int:
    """Revoke one API token that still works; return 1, or 0 when there is no such token.
    Audited on its user, without the token."""
    owner = session.exec(
        select(ApiToken.user_id).where(ApiToken.token_hash == token_hash(token),
                                       col(ApiToken.revoked).is_(False))
    ).first()
    revoked = revoke_tokens(session=session, token=token)
    if revoked:
        admin_audit(session=session, admin_id=admin_id, user_id=owner, actor=actor,
                    what=f"{revoked} API token(s) revoked")
    return revoked


def revoke_token_id(*, session: Session, token_id: int, admin_id: int | None,
                    actor: str = "admin") -> int:
    """Revoke the API token with this id (as `token_lines` shows it) if it is not revoked
    yet; return 1, or 0 when there is no such token. Audited on its user."""
    found = session.get(ApiToken, token_id)
    if found is None or found.revoked:
        return 0
    found.revoked = True
    session.add(found)
    admin_audit(session=session, admin_id=admin_id, user_id=found.user_id, actor=actor,
                what="1 API token(s) revoked")
    return 1


def revoke_user_tokens(*, session: Session, user_id: int, admin_id: int | None,
                       actor: str = "admin") -> int:
    """Revoke every API token of a user; return how many. Audited when there were any."""
    user = stored_user(session, user_id)
    revoked = revoke_tokens(session=session, user=user)
    if revoked:
        admin_audit(session=session, admin_id=admin_id, user_id=user_id, actor=actor,
                    what=f"{revoked} API token(s) revoked")
    return revoked


def live_tokens(*, session: Session, now: datetime | None = None) -> dict[int, int]:
    """Return how many API tokens that still work (not revoked or expired) each user has."""
    now = now or utcnow()
    rows = session.exec(
        select(ApiToken.user_id, func.count())
        .where(col(ApiToken.revoked).is_(False),
               or_(col(ApiToken.expires_at).is_(None), col(ApiToken.expires_at) > now))
        .group_by(col(ApiToken.user_id))
    ).all()
    return {user_id: int(n) for user_id, n in rows}


TokenState = Literal["works", "revoked", "expired", "user_disabled"]


@dataclass(frozen=True)
class TokenLine:
    """An API token as the operator sees it: whose, when, whether it works; never the token
    nor its hash; its id names it to `revoke_token_id`."""

    id: int
    email: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    state: TokenState


def token_lines(*, session: Session, user_id: int | None = None,
                now: datetime | None = None) -> list[TokenLine]:
    """Return every API token (or one user's) by user, oldest first, with its state: revoked
    first, then expired, then its user disabled, else it works."""
    now = now or utcnow()
    query = (select(ApiToken, User).join(User, col(User.id) == ApiToken.user_id)
             .order_by(col(User.email), col(ApiToken.created_at), col(ApiToken.id)))
    if user_id is not None:
        query = query.where(col(ApiToken.user_id) == user_id)
    lines = []
    for api_token, user in session.exec(query).all():
        state: TokenState = "works"
        if api_token.revoked:
            state = "revoked"
        elif api_token.expires_at is not None and api_token.expires_at <= now:
            state = "expired"
        elif not user.active:
            state = "user_disabled"
        lines.append(TokenLine(id=api_token.id or 0, email=user.email,
                               created_at=api_token.created_at,
                               expires_at=api_token.expires_at,
                               last_used_at=api_token.last_used_at, state=state))
    return lines


def set_active(*, session: Session, user_id: int, active: bool, admin_id: int | None) -> User:
    """Enable or disable a user; disabling ends all their logins at once, sets them away,
    revokes their API tokens (enabled again, they need new ones), puts the contacts they
    held back in their queues (a contact whose call is live stays theirs until the call
    ends: `release_held`), hands their personal callbacks to their desk and ends their
    emergency accesses; never the last active admin. Audited."""
    if not active and user_id == admin_id:
        raise ValueError("user: you cannot disable yourself")
    if not active:
        keep_an_admin(session, user_id, field="user")
    user = stored_user(session, user_id)
    user.active = active
    session.add(user)
    if not active:
        from loket.domain import workspace

        end_logins(session=session, user_id=user_id)
        # Away, as after logging out: enabled again, the routing does not count them nor a
        # warm transfer ring them until they say they are available.
        workspace.set_availability(session=session, user=user, status="away")
        revoke_user_tokens(session=session, user_id=user_id, admin_id=admin_id)
        reason = "the counsellor's account was disabled"
        release_held(session=session, user_id=user_id, by_user_id=admin_id, reason=reason)
        hand_over_promises(session=session, user_id=user_id, by_user_id=admin_id,
                           reason=reason)
        break_glass.end_grants(session=session, user_id=user_id)
    admin_audit(
        session=session, admin_id=admin_id, user_id=user_id,
        what="enabled" if active else "disabled",
    )
    return user


def reset_factor(*, session: Session, user_id: int, admin_id: int | None,
                 actor: str = "admin") -> User:
    """Reset a user's second factor (new secret, no recovery codes, logins ended, lockout
    cleared): they enrol again at their next login. Audited."""
    user = stored_user(session, user_id)
    reset_second_factor(session=session, user=user)
    admin_audit(session=session, admin_id=admin_id, user_id=user_id, actor=actor,
                what="second factor reset")
    return user


def change_role(
    *, session: Session, user_id: int, change: UserChange, admin_id: int | None
) -> User:
    """Give a user another role and desk (their rights change at their next request, their
    API tokens' too); the contacts they held go back to their queues and their personal
    callbacks to their desk (a contact whose call is live stays theirs until the call
    ends: `release_held`) and their emergency accesses end; never the last active admin.
    Audited."""
    if user_id == admin_id and change.role != "admin":
        raise ValueError("role: you cannot take away your own admin role")
    if change.role != "admin":
        keep_an_admin(session, user_id, field="role")
    user = stored_user(session, user_id)
    if (user.role, user.desk) != (change.role, change.desk):
        reason = "the counsellor moved to another role or desk"
        release_held(session=session, user_id=user_id, by_user_id=admin_id, reason=reason)
        hand_over_promises(session=session, user_id=user_id, by_user_id=admin_id,
                           reason=reason)
        break_glass.end_grants(session=session, user_id=user_id)
    user.role, user.desk = change.role, change.desk
    session.add(user)
    admin_audit(
        session=session, admin_id=admin_id, user_id=user_id,
        what=f"role={change.role} desk={change.desk}",
    )
    return user


def set_phone(*, session: Session, user_id: int, phone: str | None, admin_id: int | None
              ) -> User:
    """Set the phone a call rings first (empty: none); the trail says it changed, not to
    what."""
    try:
        number = phone_number(phone)
    except ValueError as exc:
        raise ValueError(f"phone: {exc}") from None
    user = stored_user(session, user_id)
    user.phone = number
    session.add(user)
    admin_audit(session=session, admin_id=admin_id, user_id=user_id,
                what="phone set" if number else "phone removed")
    return user


def set_password(
    *, session: Session, user_id: int, password: str, temporary: bool, admin_id: int | None,
    actor: str = "admin",
) -> User:
    """Give a user a new password from outside (an admin, the operator's command line): all
    their logins end and their lockout is cleared; `temporary`: they choose their own after
    their next login. An admin changes their own password on their own password page, where
    the current one is asked. Audited, without the password."""
    if admin_id is not None and user_id == admin_id:
        raise ValueError("user: change your own password on your own password page")
    problem = password_problem(password)
    if problem:
        raise ValueError(problem)
    user = stored_user(session, user_id)
    replace_password(user, password, temporary=temporary)
    session.add(user)
    ended = end_logins(session=session, user_id=user_id)
    admin_audit(
        session=session, admin_id=admin_id, user_id=user_id, actor=actor,
        what=f"{'temporary ' if temporary else ''}password set, lockout cleared, "
             f"{ended} login(s) ended",
    )
    return user


def list_users(*, session: Session) -> list[User]:
    """Return every staff account, by e-mail."""
    return list(session.exec(select(User).order_by(col(User.email))).all())
