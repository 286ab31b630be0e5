"""`loket user password`: the operator's way back in; the password from stdin, the same rules,
logins ended, the lockout cleared, audited; bad input exits 2 naming the field, changing
nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlmodel import select

from loket.cli import main
from loket.domain import accounts, logins
from loket.store.db import session_scope
from loket.store.models import LoginSession, User
from tests.desk.helpers import PASSWORD, login_token, make_user
from tests.domain.test_passwords import audit_lines, lock_out, stored

NEW = "nachtdienst-lantaarn-vier-4"
ENGLISH = {"LANG": "en_GB.UTF-8"}


def password(email: str, stdin: str, *extra: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["user", "password", "--email", email, *extra],
                              input=stdin + "\n", env=env)


def live_logins(app: Flask, user_id: int | None) -> int:
    with session_scope(app.extensions["loket.engine"]) as session:
        return len(session.exec(select(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))).all())  # type: ignore[union-attr]


def test_the_only_admin_locked_out_gets_back_in(app: Flask, cli_env: dict[str, str]) -> None:
    admin = make_user(app, role="admin", email="enige-beheerder@example.org")
    login_token(app, admin), login_token(app, admin)
    lock_out(app, admin.id, 8)
    result = password("Enige-Beheerder@example.org ", NEW)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("wachtwoord van enige-beheerder@example.org ingesteld; "
                                     "alle logins beëindigd, blokkade opgeheven")
    assert NEW not in result.output
    after = stored(app, admin.id)
    assert accounts.check_password(after, NEW) and not accounts.check_password(after, PASSWORD)
    assert after.failed_logins == 0 and after.locked_until is None
    assert not after.must_change_password
    assert live_logins(app, admin.id) == 0
    with session_scope(app.extensions["loket.engine"]) as session:
        assert logins.check_password(session=session, email=admin.email, password=NEW,
                                     attempts=5) is not None
    (line,) = audit_lines(app)
    assert (line.event, line.actor, line.user_id, line.contact_reference) == (
        "update", "cli", None, None)
    assert line.detail == f"user={admin.id} password set, lockout cleared, 2 login(s) ended"
    assert NEW not in line.detail and "example.org" not in line.detail


def test_temporary_marks_it_to_be_changed_at_the_next_login(
    app: Flask, cli_env: dict[str, str]
) -> None:
    user = make_user(app, role="counsellor", desk="police")
    result = password(user.email, NEW, "--temporary", env=ENGLISH)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"temporary password of {user.email} set")
    assert stored(app, user.id).must_change_password
    assert audit_lines(app)[-1].detail.startswith(f"user={user.id} temporary password set")


def test_a_disabled_user_gets_the_password_and_a_note_that_they_stay_disabled(
    app: Flask, cli_env: dict[str, str]
) -> None:
    user = make_user(app, role="manager", desk="police")
    with session_scope(app.extensions["loket.engine"]) as session:
        row = session.get(User, user.id)
        assert row is not None
        row.active = False
        session.add(row)
    result = password(user.email, NEW)
    assert result.exit_code == 0 and "is uitgeschakeld" in result.output
    assert not stored(app, user.id).active


@pytest.mark.parametrize(
    ("email", "stdin", "env", "line"),
    [
        ("nobody@example.org", NEW, None, "fout: --email: geen gebruiker nobody@example.org"),
        ("nobody@example.org", NEW, ENGLISH, "error: --email: no user nobody@example.org"),
        ("known", "kort", None, "fout: wachtwoord (stdin): minstens 12 tekens"),
        ("known", "kort", ENGLISH, "error: password (stdin): at least 12 characters"),
        ("known", "", None, "fout: wachtwoord (stdin): minstens 12 tekens"),
        ("known", "Password1234", None, "fout: wachtwoord (stdin): te gebruikelijk"),
        ("known", "zxcvbnmzxcvbnm", ENGLISH, "error: password (stdin): a keyboard pattern"),
    ],
)
def test_bad_input_exits_2_naming_the_field_and_changes_nothing(
    app: Flask, cli_env: dict[str, str], email: str, stdin: str,
    env: dict[str, str] | None, line: str,
) -> None:
    user = make_user(app, role="admin")
    login_token(app, user)
    lock_out(app, user.id, 6, timedelta(minutes=5))
    result = password(user.email if email == "known" else email, stdin, "--temporary", env=env)
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.strip().startswith(line)
    if stdin:
        assert stdin not in result.output
    after = stored(app, user.id)
    assert after.password_hash == user.password_hash and not after.must_change_password
    assert after.failed_logins == 6 and after.locked_until is not None
    assert live_logins(app, user.id) == 1
    assert audit_lines(app) == []


def test_the_help_says_the_password_comes_from_stdin_in_both_languages() -> None:
    dutch = CliRunner().invoke(main, ["user", "password", "--help"])
    english = CliRunner().invoke(main, ["user", "password", "--help"], env=ENGLISH)
    assert dutch.exit_code == english.exit_code == 0
    assert "komt van stdin" in dutch.output and "--temporary" in dutch.output
    assert "read from stdin" in english.output


@pytest.mark.parametrize(("options", "stdin", "dutch", "english"), [
    (["--email", "nieuw@example.org", "--role", "admin"], "kort",
     "fout: wachtwoord (stdin): minstens 12 tekens",
     "error: password (stdin): at least 12 characters"),
    (["--email", "geen-adres", "--role", "admin"], NEW,
     "fout: --email: geen e-mailadres", "error: --email: not an e-mail address"),
    (["--email", "nieuw@example.org", "--role", "counsellor"], NEW,
     "fout: --desk: een hulpverlener heeft een desk nodig (police, veterans of debasis)",
     "error: --desk: a counsellor needs a desk (police, veterans or debasis)"),
    (["--email", "nieuw@example.org", "--role", "admin", "--phone", "0612"], NEW,
     "fout: --phone: een internationaal nummer zoals +31612345678 (E.164)",
     "error: --phone: an international number like +31612345678 (E.164)"),
    (["--email", "nieuw@example.org", "--role", "admin", "--desk", "police"], NEW,
     "fout: --desk: een beheerder hoort bij geen desk (laat --desk weg)",
     "error: --desk: an admin belongs to no desk (leave out --desk)"),
], ids=["password", "email", "desk", "phone", "admin_desk"])
def test_user_add_refuses_in_the_locale_s_language_naming_the_option(
    app: Flask, cli_env: dict[str, str], options: list[str], stdin: str, dutch: str,
    english: str,
) -> None:
    for env, line in ((None, dutch), (ENGLISH, english)):
        result = CliRunner().invoke(main, ["user", "add", *options], input=stdin + "\n",
                                    env=env)
        assert result.exit_code == 2 and result.output.strip() == line
    with session_scope(app.extensions["loket.engine"]) as session:
        assert session.exec(select(User)).all() == []  # nothing added


def test_user_add_of_an_e_mail_that_exists_says_so_in_dutch(
    app: Flask, cli_env: dict[str, str]
) -> None:
    make_user(app, role="admin", email="bestaat@example.org")
    result = CliRunner().invoke(main, ["user", "add", "--email", "bestaat@example.org",
                                       "--role", "admin"], input=NEW + "\n")
    assert result.exit_code == 2
    assert result.output.strip() == "fout: --email: bestaat@example.org bestaat al"


# --- `loket user reset-factor`: the way back in when the authenticator is lost ---------------


def reset_factor(email: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["user", "reset-factor", "--email", email], env=env)


def test_the_only_admin_who_lost_their_phone_enrols_again(
    app: Flask, cli_env: dict[str, str]
) -> None:
    admin = make_user(app, role="admin", email="enige-beheerder@example.org")
    login_token(app, admin)
    before = stored(app, admin.id)
    assert before.totp_enrolled_at is not None
    result = reset_factor("Enige-Beheerder@example.org ")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("tweede factor van enige-beheerder@example.org gewist; "
                                    "alle logins beëindigd")
    after = stored(app, admin.id)
    assert after.totp_enrolled_at is None and after.totp_secret != before.totp_secret
    assert live_logins(app, admin.id) == 0
    with session_scope(app.extensions["loket.engine"]) as session:  # password still works
        assert logins.check_password(session=session, email=admin.email, password=PASSWORD,
                                     attempts=5) is not None
    (line,) = audit_lines(app)
    assert (line.event, line.actor, line.user_id) == ("update", "cli", None)
    assert line.detail == f"user={admin.id} second factor reset"
    english = reset_factor(admin.email, env=ENGLISH)
    assert english.output.startswith(f"second factor of {admin.email} reset")


def test_reset_factor_of_an_unknown_e_mail_exits_2_changing_nothing(
    app: Flask, cli_env: dict[str, str]
) -> None:
    result = reset_factor("niemand@example.org")
    assert result.exit_code == 2
    assert "niemand@example.org" in result.stderr
    assert audit_lines(app) == []
