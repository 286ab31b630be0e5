"""`loket user add|password|code` and `loket token create|revoke|list`; bad input exits 2 naming
the field. The token commands name a user by `--email`, as the user commands do (`--user`,
their older spelling, still works); `token list` shows each token's id, by which `token
revoke --id` revokes that one. What they change is audited (actor `cli`), as the admin's
page's changes are; `token list` only reads (it shows no token nor hash) and is not
audited."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import click
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError, ProgrammingError

from loket.cli.common import build_app, fail, say, text
from loket.cli.help import Group
from loket.domain.refusals import refusal_key, validation_line

if TYPE_CHECKING:
    from sqlmodel import Session

MAX_TOKEN_DAYS = 3650
# The database cannot be read: never migrated (no tables) or not reachable. SQLAlchemy's
# message quotes the statement's parameters (an e-mail address): it is not printed.
UNREADY = (OperationalError, ProgrammingError)


@click.group("user", cls=Group)
def user_group() -> None:
    """Manage staff accounts."""


# Why a user's command was refused (the domain's English `field: reason`), by field and a
# word of the reason, to the line the operator reads in the locale's language; the first
# match wins.
USER_REFUSALS = (("email", "exists", "user_email_taken"), ("email", "", "user_bad_email"),
                 ("desk", "admin", "user_admin_desk"), ("desk", "", "user_needs_desk"),
                 ("phone", "", "user_bad_phone"),
                 ("name", "", "user_long_name"), ("display_name", "", "user_long_display_name"),
                 ("password", "common", "user_pw_common"),
                 ("password", "pattern", "user_pw_pattern"),
                 ("password", "at most", "user_pw_long"), ("password", "", "user_pw_short"))


def refusal_line(line: str, *, email: str = "") -> str:
    """Return a refusal of `user add` or `user password` in the locale's language, naming
    the option; a line no entry knows stays as the domain gave it (it names its field)."""
    from loket.domain.accounts import (
        MAX_DISPLAY_NAME,
        MAX_NAME,
        MAX_PASSWORD_LENGTH,
        MIN_PASSWORD_LENGTH,
    )

    key = refusal_key(line, USER_REFUSALS, "")
    if not key:
        return line
    n = {"user_long_display_name": MAX_DISPLAY_NAME, "user_pw_short": MIN_PASSWORD_LENGTH,
         "user_pw_long": MAX_PASSWORD_LENGTH}.get(key, MAX_NAME)
    return text(key, email=email.strip(), n=n)


@user_group.command("add")
@click.option("--email", required=True, help="The user's e-mail address (their login).")
@click.option(
    "--role", required=True, type=click.Choice(["counsellor", "manager", "admin"]), help="Role."
)
@click.option(
    "--desk", type=click.Choice(["police", "veterans", "debasis"]), help="Desk (counsellors)."
)
@click.option("--name", default="", help="Full name (staff see it).")
@click.option(
    "--display-name", default="", help="First name or pseudonym the people helped see."
)
@click.option("--phone", help="The phone a callback rings first, E.164 (+31612345678).")
def add_command(
    email: str, role: str, desk: str | None, name: str, display_name: str, phone: str | None
) -> None:
    """Add a user; the password is read from stdin, never from the command line."""
    from loket.domain.accounts import UserIn, add_user, totp_uri
    from loket.store.db import session_scope

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user_in = UserIn.model_validate({
            "email": email, "role": role, "desk": desk, "name": name,
            "display_name": display_name, "phone": phone, "password": password,
        })
    except ValidationError as exc:
        fail(refusal_line(validation_line(exc), email=email))
    app = build_app()
    try:
        with app.app_context(), session_scope(app.extensions["loket.engine"]) as session:
            uri = totp_uri(add_user(session=session, user_in=user_in, admin_id=None,
                                    actor="cli"))
    except UNREADY:
        fail(text("no_tables"))
    except ValueError as exc:
        fail(refusal_line(str(exc), email=email))
    say("user_added", email=user_in.email, role=role, desk=f", {desk}" if desk else "")
    say("user_totp", uri=uri)


@user_group.command("password")
@click.option("--email", required=True, help="The user's e-mail address.")
@click.option("--temporary", is_flag=True,
              help="The user chooses their own password after their next login.")
def password_command(email: str, temporary: bool) -> None:
    """Set a user's password, read from stdin; their logins end and their lockout is
    cleared (the way back in when the only admin is locked out). Audited."""
    from loket.domain.accounts import password_problem, set_password

    password = sys.stdin.readline().rstrip("\r\n")
    problem = password_problem(password)
    if problem:
        fail(refusal_line(problem))
    address, active = change_user(email, lambda session, user_id: set_password(
        session=session, user_id=user_id, password=password, temporary=temporary,
        admin_id=None, actor="cli"))
    say("user_password_temporary" if temporary else "user_password_set", email=address)
    if not active:
        say("user_password_disabled", email=address)


def change_user(email: str, change: Callable[[Session, int], object]) -> tuple[str, bool]:
    """Make one audited change to the user with this e-mail (exit 2 naming it when there is
    none); return their stored address and whether they are active."""
    from loket.domain.accounts import find_user
    from loket.store.db import session_scope

    app = build_app()
    try:
        with app.app_context(), session_scope(app.extensions["loket.engine"]) as session:
            user = find_user(session=session, email=email)
            if user is None or user.id is None:
                fail(text("user_no_email", email=email.strip()))
            change(session, user.id)
            return user.email, user.active
    except UNREADY:
        fail(text("no_tables"))


@user_group.command("reset-factor")
@click.option("--email", required=True, help="The user's e-mail address.")
def reset_factor_command(email: str) -> None:
    """Reset a user's second factor: their logins end, their recovery codes go, their
    lockout is cleared, and they enrol a new authenticator at their next login (the way
    back in when the only admin lost their phone and their recovery sheet). Audited."""
    from loket.domain.accounts import reset_factor

    address, active = change_user(email, lambda session, user_id: reset_factor(
        session=session, user_id=user_id, admin_id=None, actor="cli"))
    say("user_factor_reset", email=address)
    if not active:
        say("user_password_disabled", email=address)


@user_group.command("code")
@click.option("--email", required=True, help="The user's e-mail address.")
def code_command(email: str) -> None:
    """Print a user's current TOTP code (development only: for the demo logins)."""
    import pyotp

    from loket.domain.accounts import find_user
    from loket.store.db import session_scope

    app = build_app()
    if app.config["LOKET"].production:
        fail(text("user_code_production"))
    try:
        with app.app_context(), session_scope(app.extensions["loket.engine"]) as session:
            user = find_user(session=session, email=email)
            if user is None or not user.totp_secret:
                fail(text("user_no_email", email=email))
            click.echo(pyotp.TOTP(user.totp_secret).now())
    except UNREADY:
        fail(text("no_tables"))


@click.group("token", cls=Group)
def token_group() -> None:
    """Manage API tokens."""


Decorator = Callable[[Callable[..., None]], Callable[..., None]]


def email_options(help_text: str) -> Decorator:
    """Add `--email` and its older spelling `--user` (hidden: the same option) to a token
    command; `chosen_email` makes one of them."""
    def add(command: Callable[..., None]) -> Callable[..., None]:
        command = click.option("--user", "user_email", hidden=True,
                               help="The older spelling of --email.")(command)
        return click.option("--email", help=help_text)(command)
    return add


def chosen_email(email: str | None, user_email: str | None) -> tuple[str | None, str]:
    """Return the e-mail given by `--email` or by `--user`, and the option that gave it (a
    refusal names that one); exit 2 when both are given."""
    if email is not None and user_email is not None:
        fail(text("token_email_twice"))
    if user_email is not None:
        return user_email, "--user"
    return email, "--email"


@token_group.command("create")
@email_options("E-mail of the user the token acts as (required; --user: the same).")
@click.option(
    "--expires",
    type=click.IntRange(1, MAX_TOKEN_DAYS),
    help="Days until the token stops working (default: until revoked).",
)
def token_create_command(email: str | None, user_email: str | None,
                         expires: int | None) -> None:
    """Print a new API token with exactly that user's rights (shown once; only its hash is
    kept)."""
    from loket.domain.accounts import find_user, issue_token
    from loket.store.db import session_scope

    address, option = chosen_email(email, user_email)
    if address is None:
        fail(text("token_no_email"))
    app = build_app()
    try:
        with app.app_context(), session_scope(app.extensions["loket.engine"]) as session:
            user = find_user(session=session, email=address)
            if user is None or not user.active:
                fail(text("token_no_active_user", email=address, option=option))
            token = issue_token(session=session, user=user, expires_days=expires,
                                admin_id=None, actor="cli")
    except UNREADY:
        fail(text("no_tables"))
    click.echo(token)


@token_group.command("revoke")
@email_options("Revoke every token of this user (e-mail; --user: the same).")
@click.option("--token", help="Revoke this one token.")
@click.option("--id", "token_id", type=click.IntRange(1, 2**31 - 1),
              help="Revoke the one token with this id (`loket token list` shows it).")
def token_revoke_command(email: str | None, user_email: str | None, token: str | None,
                         token_id: int | None) -> None:
    """Revoke a user's API tokens, or one token (by itself or by its id); they stop working
    at once."""
    from loket.domain.accounts import (
        find_user,
        revoke_one_token,
        revoke_token_id,
        revoke_user_tokens,
    )
    from loket.store.db import session_scope

    address, option = chosen_email(email, user_email)
    if sum(given is not None for given in (address, token, token_id)) != 1:
        fail(text("token_one_of"))
    app = build_app()
    try:
        with app.app_context(), session_scope(app.extensions["loket.engine"]) as session:
            if address is not None:
                user = find_user(session=session, email=address)
                if user is None or user.id is None:
                    fail(text("token_no_user", email=address, option=option))
                count = revoke_user_tokens(session=session, user_id=user.id, admin_id=None,
                                           actor="cli")
            elif token_id is not None:
                count = revoke_token_id(session=session, token_id=token_id, admin_id=None,
                                        actor="cli")
                if count == 0:
                    fail(text("token_no_id", id=token_id))
            else:
                count = revoke_one_token(session=session, token=(token or "").strip(),
                                         admin_id=None, actor="cli")
                if count == 0:
                    fail(text("token_none"))
    except UNREADY:
        fail(text("no_tables"))
    say("token_revoked_one" if count == 1 else "token_revoked_many", n=count)


# A token's state in the list, by the domain's word.
TOKEN_STATES = {"works": "token_works", "revoked": "token_state_revoked",
                "expired": "token_expired", "user_disabled": "token_user_disabled"}


def when(moment: datetime | None, none_key: str) -> str:
    """Return a moment as Amsterdam's clock shows it, or the text for none."""
    from loket.domain.callbacks import AMSTERDAM

    if moment is None:
        return text(none_key)
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M %Z")


@token_group.command("list")
@email_options("Only this user's tokens (e-mail; --user: the same).")
def token_list_command(email: str | None, user_email: str | None) -> None:
    """List the API tokens: id (for `revoke --id`), whose, created, expires, last used and
    whether each still works (never a token nor its hash). Only reads: not audited."""
    from loket.domain.accounts import find_user, token_lines
    from loket.store.db import session_scope

    email, option = chosen_email(email, user_email)
    app = build_app()
    try:
        with app.app_context(), session_scope(app.extensions["loket.engine"]) as session:
            user_id = None
            if email is not None:
                user = find_user(session=session, email=email)
                if user is None or user.id is None:
                    fail(text("token_list_no_user", email=email.strip(), option=option))
                user_id = user.id
            lines = token_lines(session=session, user_id=user_id)
    except UNREADY:
        fail(text("no_tables"))
    if not lines:
        say("token_list_none")
        return
    say("token_list_header")
    for line in lines:
        click.echo("\t".join((str(line.id), line.email, when(line.created_at, "token_never"),
                              when(line.expires_at, "token_until_revoked"),
                              when(line.last_used_at, "token_never"),
                              text(TOKEN_STATES[line.state]))))
