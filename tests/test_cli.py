"""The `loket` command: users, tokens, migrations; bad input exits 2 naming the field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
import pyotp
import pytest
from click.testing import CliRunner
from flask import Flask
from sqlmodel import select

from loket.cli import main
from loket.domain.accounts import check_password, token_hash, user_for_token
from loket.store.db import session_scope
from loket.store.models import ApiToken, User
from loket.store.types import utcnow

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
    uri = result.output.split("TOTP-koppeling: ")[1].strip()
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
        (["--email", "a@example.org", "--role", "admin"], "short", "wachtwoord (stdin)"),
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
    assert again.exit_code == 2 and "--email: b@example.org bestaat al" in again.output


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
        "fout: LOKET_SECRET_KEY ontbreekt of is een standaardwaarde: zet een lange "
        "willekeurige waarde"
    ]


def test_every_command_has_help() -> None:
    names = main.list_commands(click.Context(main))
    assert {"dev", "serve", "worker", "db", "demo", "user", "token", "route", "rules"} <= set(names)
    for name in names:
        result = CliRunner().invoke(main, [name, "--help"], env={"LC_ALL": "C"})
        assert result.exit_code == 0, name
        assert "Gebruik:" in result.output and len(result.output.splitlines()) > 3, name


def add_user(email: str, *extra: str) -> None:
    """Add a manager through the CLI."""
    result = CliRunner().invoke(
        main, ["user", "add", "--email", email, "--role", "manager", *extra], input=PASSWORD
    )
    assert result.exit_code == 0, result.output


def test_user_add_keeps_the_display_name_and_the_phone_encrypted(
    app: Flask, cli_env: dict[str, str]
) -> None:
    add_user("p@example.org", "--display-name", "Pim", "--phone", "+31 6 1234 5678")
    with session_scope(app.extensions["loket.engine"]) as session:
        user = session.exec(select(User).where(User.email == "p@example.org")).one()
        assert user.display_name == "Pim" and user.phone == "+31612345678"
        raw = session.connection().exec_driver_sql(
            "SELECT phone FROM \"user\" WHERE email = 'p@example.org'"
        ).scalar_one()
        assert "612345678" not in raw
    bad = CliRunner().invoke(
        main, ["user", "add", "--email", "q@example.org", "--role", "admin", "--phone", "0612"],
        input=PASSWORD,
    )
    assert bad.exit_code == 2 and "phone" in bad.output


def test_a_token_that_expires_is_refused_by_the_api_after_its_days(
    app: Flask, cli_env: dict[str, str]
) -> None:
    add_user("e@example.org")
    result = CliRunner().invoke(main, ["token", "create", "--user", "e@example.org",
                                       "--expires", "7"])
    assert result.exit_code == 0
    token = result.output.strip()
    with session_scope(app.extensions["loket.engine"]) as session:
        stored = session.exec(select(ApiToken)).one()
        assert stored.expires_at is not None
        left = stored.expires_at - utcnow()
        assert timedelta(days=6, hours=23) < left <= timedelta(days=7)
        assert user_for_token(session=session, token=token) is not None
        stored.expires_at = utcnow() - timedelta(seconds=1)
        session.add(stored)
    with session_scope(app.extensions["loket.engine"]) as session:
        assert user_for_token(session=session, token=token) is None


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["create", "--user", "e@example.org", "--expires", "0"], "--expires"),
        (["create", "--user", "e@example.org", "--expires", "soon"], "--expires"),
        (["revoke"], "--user of --token"),
        (["revoke", "--user", "e@example.org", "--token", "x"], "--user of --token"),
        (["revoke", "--user", "nobody@example.org"], "--user"),
        (["revoke", "--token", "lk_unknown"], "--token"),
    ],
)
def test_token_commands_refuse_bad_input_naming_the_field(
    cli_env: dict[str, str], args: list[str], named: str
) -> None:
    add_user("e@example.org")
    result = CliRunner().invoke(main, ["token", *args])
    assert result.exit_code == 2
    assert named in result.output


def test_token_revoke_by_user_or_by_token(app: Flask, cli_env: dict[str, str]) -> None:
    add_user("r@example.org")
    tokens = [
        CliRunner().invoke(main, ["token", "create", "--user", "r@example.org"]).output.strip()
        for _ in range(3)
    ]
    one = CliRunner().invoke(main, ["token", "revoke", "--token", tokens[0]])
    assert one.exit_code == 0 and "1 token ingetrokken" in one.output
    with session_scope(app.extensions["loket.engine"]) as session:
        assert user_for_token(session=session, token=tokens[0]) is None
        assert user_for_token(session=session, token=tokens[1]) is not None
    rest = CliRunner().invoke(main, ["token", "revoke", "--user", "r@example.org"])
    assert rest.exit_code == 0 and "2 tokens ingetrokken" in rest.output
    with session_scope(app.extensions["loket.engine"]) as session:
        assert all(user_for_token(session=session, token=t) is None for t in tokens)


def test_user_code_prints_the_current_code_in_development_only(
    app: Flask, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user("c@example.org")
    result = CliRunner().invoke(main, ["user", "code", "--email", "c@example.org"])
    assert result.exit_code == 0
    with session_scope(app.extensions["loket.engine"]) as session:
        user = session.exec(select(User).where(User.email == "c@example.org")).one()
        assert pyotp.TOTP(user.totp_secret or "").verify(result.output.strip(), valid_window=1)
    missing = CliRunner().invoke(main, ["user", "code", "--email", "x@example.org"])
    assert missing.exit_code == 2 and "--email" in missing.output
    for name, value in {
        "LOKET_ENV": "production",
        "LOKET_SECRET_KEY": "Zq8-production-secret-that-is-long-enough-9xKw3",
        "LOKET_HASH_KEY": "Hk4-production-hash-key-that-is-long-enough-7pQ2v",
        "LOKET_DATABASE_URL": "postgresql+psycopg://loket@127.0.0.1:1/loket",
        "LOKET_PUBLIC_URL": "https://loket.example.org",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "test-auth-token",
        "TWILIO_FROM_NUMBER": "+3197010000000",
    }.items():
        monkeypatch.setenv(name, value)
    prod = CliRunner().invoke(main, ["user", "code", "--email", "c@example.org"])
    assert prod.exit_code == 2
    assert "werkt alleen in development" in prod.output, prod.output


def served_argv(monkeypatch: pytest.MonkeyPatch, args: list[str], metrics: Path) -> list[str]:
    """Run `loket serve` with these arguments; return the command it would replace itself
    with (gunicorn's)."""
    from loket.cli import processes

    taken: list[list[str]] = []
    # The command names its metrics directory in the environment before it would exec:
    # keep this test's out of the process and out of /tmp.
    monkeypatch.setenv(processes.MULTIPROCESS_DIR, str(metrics))
    monkeypatch.setattr(processes, "private_metrics_dir", lambda: str(metrics))
    monkeypatch.setattr(processes.os, "execv", lambda _path, argv: taken.append(list(argv)))
    result = CliRunner().invoke(main, ["serve", "--port", "8123", *args])
    assert result.exit_code == 0, result.output
    return taken[0]


def option(argv: list[str], name: str) -> str:
    """Return the value of a command-line option."""
    return argv[argv.index(name) + 1]


def test_serve_runs_two_workers_of_eight_threads_unless_told(
    monkeypatch: pytest.MonkeyPatch, cli_env: dict[str, str], tmp_path: Path
) -> None:
    argv = served_argv(monkeypatch, [], tmp_path)
    assert (option(argv, "--workers"), option(argv, "--threads")) == ("2", "8")
    assert option(argv, "--bind") == "0.0.0.0:8123" and argv[-1] == "loket.app:create_app()"
    argv = served_argv(monkeypatch, ["--workers", "3", "--threads", "5"], tmp_path)
    assert (option(argv, "--workers"), option(argv, "--threads")) == ("3", "5")


def test_serve_refuses_a_thread_count_naming_the_option(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["serve", "--threads", "0"])
    assert result.exit_code == 2 and "--threads" in result.output
