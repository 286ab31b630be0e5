"""Staff accounts: validated input, argon2 password hashes, TOTP enrolment, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Literal

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import field_validator, model_validator
from sqlmodel import Session, SQLModel, select

from loket.store.models import ApiToken, User

MIN_PASSWORD_LENGTH = 12
TOTP_ISSUER = "Loket"


class UserIn(SQLModel):
    """What it takes to add a member of staff."""

    email: str
    role: Literal["counsellor", "manager", "admin"]
    desk: Literal["police", "veterans", "debasis"] | None = None
    name: str = ""
    password: str

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
        if len(value) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"at least {MIN_PASSWORD_LENGTH} characters")
        return value

    @model_validator(mode="after")
    def _desk_for_counsellor(self) -> UserIn:
        if self.role == "counsellor" and self.desk is None:
            raise ValueError("desk: a counsellor needs a desk (police, veterans or debasis)")
        return self


def hasher() -> PasswordHasher:
    """Return the password hasher (argon2id with the library's defaults)."""
    return PasswordHasher()


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


def create_token(*, session: Session, user: User) -> str:
    """Issue an API token for a user; only its hash is stored."""
    token = "lk_" + secrets.token_urlsafe(32)
    assert user.id is not None  # noqa: S101 - a stored user has an id
    session.add(ApiToken(user_id=user.id, token_hash=token_hash(token)))
    return token
