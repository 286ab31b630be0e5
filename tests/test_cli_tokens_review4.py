"""`loket token list` (review 4): the operator sees which API tokens exist, whose, since
when, until when, last used and whether they still work, never a token or its hash; bad
input exits 2 naming the field, in Dutch and English."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner, Result
from flask import Flask
from sqlmodel import select

from loket.cli import main
from loket.store.db import session_scope
from loket.store.models import ApiToken, AuditEvent, User
from loket.store.types import utcnow

PASSWORD = "correct horse battery"
ENGLISH = {"LANG": "en_GB.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def loket(args: list[str], env: dict[str, str] | None = None, stdin: str = "") -> Result:
    return CliRunner().invoke(main, args, input=stdin, env=env)


def add(email: str, role: str = "manager") -> None:
    assert loket(["user", "add", "--email", email, "--role", role],
                 stdin=PASSWORD + "\n").exit_code == 0


def token(email: str, *extra: str) -> str:
    made = loket(["token", "create", "--user", email, *extra])
    assert made.exit_code == 0, made.output
    return made.output.strip()


def test_token_list_shows_each_token_s_user_times_and_state_never_the_token(
    app: Flask, cli_env: dict[str, str]
) -> None:
    add("a@example.org")
    add("b@example.org")
    kept = token("a@example.org", "--expires", "30")
    gone = token("a@example.org")
    other = token("b@example.org")
    assert loket(["token", "revoke", "--token", gone]).exit_code == 0
    with session_scope(app.extensions["loket.engine"]) as session:
        used = session.exec(select(ApiToken).order_by(ApiToken.id)).first()  # type: ignore[arg-type]
        assert used is not None
        used.last_used_at = utcnow() - timedelta(hours=1)
        session.add(used)
        hashes = [t.token_hash for t in session.exec(select(ApiToken)).all()]
        before = len(session.exec(select(AuditEvent)).all())
    listed = loket(["token", "list"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.strip().splitlines()
    assert lines[0].split("\t")[1:] == ["gebruiker", "aangemaakt", "verloopt",
                                        "laatst gebruikt", "status"]  # after the id (review 5)
    assert len(lines) == 4
    first, second, third = (line.split("\t")[1:] for line in lines[1:])
    assert first[0] == second[0] == "a@example.org" and third[0] == "b@example.org"
    assert first[4] == "werkt" and second[4] == "ingetrokken" and third[4] == "werkt"
    assert first[2] != "tot intrekking" and second[2] == "tot intrekking"
    assert first[3] != "nooit" and second[3] == "nooit"
    for secret in (kept, gone, other, *hashes):
        assert secret not in listed.output
    english = loket(["token", "list"], ENGLISH)
    assert english.output.splitlines()[0].split("\t")[1:] == [
        "user", "created", "expires", "last used", "state"]
    assert "revoked" in english.output and "until revoked" in english.output
    with session_scope(app.extensions["loket.engine"]) as session:
        assert len(session.exec(select(AuditEvent)).all()) == before  # only read


def test_token_list_for_one_user_and_expired_and_disabled_tokens(
    app: Flask, cli_env: dict[str, str]
) -> None:
    add("a@example.org")
    add("b@example.org")
    token("a@example.org", "--expires", "1")
    token("b@example.org")
    with session_scope(app.extensions["loket.engine"]) as session:
        for row in session.exec(select(ApiToken)).all():
            row.expires_at = utcnow() - timedelta(minutes=1)
            session.add(row)
            break
        user = session.exec(select(User).where(User.email == "b@example.org")).one()
        user.active = False
        session.add(user)
    only_a = loket(["token", "list", "--email", " A@example.org "])
    assert only_a.exit_code == 0, only_a.output
    rows = only_a.output.strip().splitlines()[1:]
    assert len(rows) == 1 and rows[0].endswith("\tverlopen")
    only_b = loket(["token", "list", "--email", "b@example.org"], ENGLISH)
    assert only_b.output.strip().splitlines()[1].endswith("\tuser disabled")


def test_token_list_says_when_there_are_none(app: Flask, cli_env: dict[str, str]) -> None:
    add("a@example.org")
    assert loket(["token", "list"]).output.strip() == "geen API-tokens"
    assert loket(["token", "list", "--email", "a@example.org"], ENGLISH).output.strip() == (
        "no API tokens")


def test_token_list_for_an_unknown_user_exits_2_naming_email(
    app: Flask, cli_env: dict[str, str]
) -> None:
    for typed in ("nobody@example.org", "", "x" * 300):
        result = loket(["token", "list", "--email", typed])
        assert result.exit_code == 2, result.output
        assert result.output.startswith("fout: --email: geen gebruiker")
    english = loket(["token", "list", "--email", "nobody@example.org"], ENGLISH)
    assert english.exit_code == 2
    assert english.output.strip() == "error: --email: no user nobody@example.org"
    assert loket(["token", "list", "--bogus"]).exit_code == 2


def test_token_list_help_in_both_languages(cli_env: dict[str, str]) -> None:
    dutch = loket(["token", "list", "--help"])
    assert dutch.exit_code == 0 and "Toon de API-tokens" in dutch.output
    english = loket(["token", "list", "--help"], ENGLISH)
    assert "List the API tokens" in english.output and "--email" in english.output
