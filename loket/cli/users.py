"""`loket user add` and `loket token create`."""

from __future__ import annotations

import sys

import click
from pydantic import ValidationError
from sqlmodel import select

from loket.cli.common import build_app, fail


def validation_line(exc: ValidationError) -> str:
    """Return the first validation error as `field: reason`."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "input"
    reason = str(err["msg"]).removeprefix("Value error, ")
    return f"{field}: {reason}" if not reason.startswith(field) else reason


@click.group("user")
def user_group() -> None:
    """Manage staff accounts."""


@user_group.command("add")
@click.option("--email", required=True, help="The user's e-mail address (their login).")
@click.option(
    "--role", required=True, type=click.Choice(["counsellor", "manager", "admin"]), help="Role."
)
@click.option(
    "--desk", type=click.Choice(["police", "veterans", "debasis"]), help="Desk (counsellors)."
)
@click.option("--name", default="", help="Display name.")
def add_command(email: str, role: str, desk: str | None, name: str) -> None:
    """Add a user; the password is read from stdin, never from the command line."""
    from loket.domain.accounts import UserIn, create_user
    from loket.store.db import session_scope

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user_in = UserIn.model_validate(
            {"email": email, "role": role, "desk": desk, "name": name, "password": password}
        )
    except ValidationError as exc:
        fail(validation_line(exc))
    app = build_app()
    try:
        with session_scope(app.extensions["loket.engine"]) as session:
            _, uri = create_user(session=session, user_in=user_in)
    except ValueError as exc:
        fail(str(exc))
    click.echo(f"added {user_in.email} ({role}{', ' + desk if desk else ''})")
    click.echo(f"TOTP enrolment: {uri}")


@click.group("token")
def token_group() -> None:
    """Manage API tokens."""


@token_group.command("create")
@click.option("--user", "email", required=True, help="E-mail of the user the token acts as.")
def token_create_command(email: str) -> None:
    """Print a new API token with exactly that user's rights."""
    from loket.domain.accounts import create_token
    from loket.store.db import session_scope
    from loket.store.models import User

    app = build_app()
    with session_scope(app.extensions["loket.engine"]) as session:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None or not user.active:
            fail(f"--user: no active user {email}")
        token = create_token(session=session, user=user)
    click.echo(token)
