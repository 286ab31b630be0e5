"""The `loket` command: users, tokens, migrations; bad input exits 2 naming the field."""

from __future__ import annotations

import click
import pyotp
import pytest
from click.testing import CliRunner
from flask import Flask
from sqlmodel import select

from loket.cli import main
from loket.domain.accounts import check_password, token_hash
from loket.store.db import session_scope
from loket.store.models import ApiToken, User

PASSWORD = "correct horse battery"


def test_user_add_reads_the_password_from_stdin_and_prints_a_totp_uri(
    app: Flask, cli_env: dict[str, str]
) -> None:
    result = CliRunner().invoke(
        main,
        ["user", "add", "--email", "Anna@Example.org", "--role", "counsellor", "--desk", "police"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    uri = result.output.split("TOTP enrolment: ")[1].strip()
    totp = pyotp.parse_uri(uri)
    with session_scope(app.extensions["loket.engine"]) as session:
        user = session.exec(select(User).where(User.email == "anna@example.org")).one()
        assert check_password(user, PASSWORD) and not check_password(user, "wrong password!")
        assert user.password_hash != PASSWORD and user.desk == "police"
        assert totp.secret == user.totp_secret


@pytest.mark.parametrize(
    ("args", "stdin", "named"),
    [
        (["--email", "not-an-address", "--role", "admin"], PASSWORD, "email"),
        (["--email", "a@example.org", "--role", "admin"], "short", "password"),
        (["--email", "a@example.org", "--role", "counsellor"], PASSWORD, "desk"),
        (["--email", "a@example.org", "--role", "king"], PASSWORD, "--role"),
    ],
)
def test_user_add_refuses_bad_input_naming_the_field(
    cli_env: dict[str, str], args: list[str], stdin: str, named: str
) -> None:
    result = CliRunner().invoke(main, ["user", "add", *args], input=stdin + "\n")
    assert result.exit_code == 2
    assert named in result.output


def test_a_second_user_with_the_same_email_is_refused(cli_env: dict[str, str]) -> None:
    args = ["user", "add", "--email", "b@example.org", "--role", "manager"]
    assert CliRunner().invoke(main, args, input=PASSWORD + "\n").exit_code == 0
    again = CliRunner().invoke(main, args, input=PASSWORD + "\n")
    assert again.exit_code == 2 and "already exists" in again.output


def test_token_create_stores_only_the_hash(app: Flask, cli_env: dict[str, str]) -> None:
    CliRunner().invoke(
        main, ["user", "add", "--email", "m@example.org", "--role", "manager"], input=PASSWORD
    )
    result = CliRunner().invoke(main, ["token", "create", "--user", "m@example.org"])
    assert result.exit_code == 0
    token = result.output.strip()
    with session_scope(app.extensions["loket.engine"]) as session:
        stored = session.exec(select(ApiToken)).one()
        assert stored.token_hash == token_hash(token) and token not in stored.token_hash
    missing = CliRunner().invoke(main, ["token", "create", "--user", "nobody@example.org"])
    assert missing.exit_code == 2 and "--user" in missing.output


def test_a_production_start_without_a_secret_fails_with_one_line_naming_it(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOKET_ENV", "production")
    monkeypatch.setenv("LOKET_SECRET_KEY", "")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: LOKET_SECRET_KEY is missing or a default: set a long random value"
    ]


def test_every_command_has_help() -> None:
    names = main.list_commands(click.Context(main))
    assert {"dev", "serve", "worker", "db", "demo", "user", "token", "route", "rules"} <= set(names)
    for name in names:
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Usage:" in result.output and len(result.output.splitlines()) > 3, name
