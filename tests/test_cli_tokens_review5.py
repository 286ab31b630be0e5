"""`loket token` (review 5): create, revoke and list name the user the same way (`--email`,
the older `--user` still works on all three), and `list` shows each token's id, by which
`revoke --id` revokes that one token (audited, as the other revokes are)."""

from __future__ import annotations

from click.testing import CliRunner, Result
from flask import Flask
from sqlmodel import select

from loket.cli import main
from loket.domain.accounts import user_for_token
from loket.store.db import session_scope
from loket.store.models import AuditEvent

PASSWORD = "correct horse battery"
ENGLISH = {"LANG": "en_GB.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}


def loket(args: list[str], env: dict[str, str] | None = None, stdin: str = "") -> Result:
    return CliRunner().invoke(main, args, input=stdin, env=env)


def add(email: str) -> None:
    assert loket(["user", "add", "--email", email, "--role", "manager"],
                 stdin=PASSWORD + "\n").exit_code == 0


def test_every_token_command_takes_email_and_the_older_user(
    app: Flask, cli_env: dict[str, str]
) -> None:
    add("a@example.org")
    made = loket(["token", "create", "--email", "a@example.org"])
    assert made.exit_code == 0, made.output
    old = loket(["token", "create", "--user", "a@example.org"])
    assert old.exit_code == 0, old.output
    for option in ("--email", "--user"):
        listed = loket(["token", "list", option, "a@example.org"])
        assert listed.exit_code == 0, listed.output
        assert len(listed.output.strip().splitlines()) == 3  # a head and two tokens
    revoked = loket(["token", "revoke", "--email", "a@example.org"])
    assert revoked.exit_code == 0 and "2 tokens ingetrokken" in revoked.output
    missing = loket(["token", "create", "--email", "nobody@example.org"])
    assert missing.exit_code == 2 and "--email" in missing.output
    both = loket(["token", "list", "--email", "a@example.org", "--user", "b@example.org"])
    assert both.exit_code == 2 and "--email" in both.output


def test_list_shows_an_id_and_revoke_id_revokes_that_one_token(
    app: Flask, cli_env: dict[str, str]
) -> None:
    add("a@example.org")
    tokens = [loket(["token", "create", "--email", "a@example.org"]).output.strip()
              for _ in range(3)]
    listed = loket(["token", "list"])
    lines = [line.split("\t") for line in listed.output.strip().splitlines()]
    assert lines[0][0] == "id"
    ids = [line[0] for line in lines[1:]]
    assert len(set(ids)) == 3 and all(i.isdigit() for i in ids)
    with session_scope(app.extensions["loket.engine"]) as session:
        before = len(session.exec(select(AuditEvent)).all())
    one = loket(["token", "revoke", "--id", ids[1]])
    assert one.exit_code == 0 and "1 token ingetrokken" in one.output
    with session_scope(app.extensions["loket.engine"]) as session:
        works = [user_for_token(session=session, token=t) is not None for t in tokens]
        assert works == [True, False, True]
        assert len(session.exec(select(AuditEvent)).all()) == before + 1
    states = [line.split("\t")[-1] for line in loket(["token", "list"]).output.splitlines()]
    assert states[1:] == ["werkt", "ingetrokken", "werkt"]
    again = loket(["token", "revoke", "--id", ids[1]], ENGLISH)
    assert again.exit_code == 2 and again.output.startswith("error: --id")
    unknown = loket(["token", "revoke", "--id", "99999"])
    assert unknown.exit_code == 2 and "--id" in unknown.output
    two = loket(["token", "revoke", "--id", ids[0], "--email", "a@example.org"])
    assert two.exit_code == 2 and "--id" in two.output
    assert loket(["token", "list"], ENGLISH).output.splitlines()[0].split("\t")[0] == "id"
