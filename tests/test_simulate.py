"""`loket simulate`: signed Twilio-shaped webhooks against a real running Loket, told in words.

The app runs under werkzeug's server on a free port, in development without a Twilio
account: it accepts only the development token it keeps in its instance folder, which is
what the command signs with.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from werkzeug.serving import make_server

from loket.cli import main
from loket.config import load_settings
from loket.store.models import Contact, Message


class Served(NamedTuple):
    """A Loket listening on a port: its address and the app."""

    url: str
    app: Flask


@pytest.fixture
def server(
    make_app: Callable[..., Flask], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Served]:
    """Loket served on a free port, with no Twilio account (the development token)."""
    for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "LOKET_PUBLIC_URL", "LOKET_ENV"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LOKET_INSTANCE_PATH", str(tmp_path / "instance"))
    srv = make_server("127.0.0.1", 0, lambda environ, start: [], threaded=True)
    try:
        url = f"http://127.0.0.1:{srv.server_port}"
        app = srv.app = make_app(twilio_auth_token="", public_url=url)
        thread = threading.Thread(target=srv.serve_forever, daemon=True)
        thread.start()
        yield Served(url, app)
        srv.shutdown()
        thread.join()
    finally:
        srv.server_close()


def simulate(*args: str) -> Result:
    """Run `loket simulate ...` as a user would."""
    return CliRunner().invoke(main, ["simulate", *args])


def engine_of(served: Served) -> Engine:
    """Return the served app's engine."""
    engine: Engine = served.app.extensions["loket.engine"]
    return engine


def test_dev_token_is_kept_in_the_instance(server: Served, tmp_path: Path) -> None:
    """Without Twilio credentials development signs with a token kept in instance/."""
    token = (tmp_path / "instance" / "twilio_dev_token").read_text().strip()
    assert len(token) >= 32
    assert server.app.config["LOKET"].twilio_auth_token == token


def test_a_twilio_account_is_never_given_the_dev_token(tmp_path: Path) -> None:
    """With a Twilio account configured, development uses its token or none, never ours."""
    base = {"LOKET_INSTANCE_PATH": str(tmp_path), "TWILIO_ACCOUNT_SID": "AC" + "1" * 32}
    real = load_settings(environ={**base, "TWILIO_AUTH_TOKEN": "the-real-token"})
    assert real.twilio_auth_token == "the-real-token"
    assert load_settings(environ=base).twilio_auth_token == ""
    assert not (tmp_path / "twilio_dev_token").exists()


def test_call_walks_the_menu_into_a_queue(server: Served) -> None:
    """Serving military (2, 1) who wait now (1) hear each question and wait for De Basis."""
    result = simulate("call", "--digits", "2,1,1", "--url", server.url)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "bel dan 1 1 2" in out and "bel dan 1 1 3" in out  # spoken digit by digit
    assert out.count("Loket vraagt:") >= 3
    assert "Je toetst 2." in out and "Je toetst 1." in out
    assert "Je wacht in wachtrij De Basis" in out
    with Session(engine_of(server)) as session:
        contact = session.exec(select(Contact).where(Contact.channel == "phone")).one()
    assert contact.queue == "debasis"
    assert contact.phone == "+31612345678"


def test_call_for_a_callback_ends_the_call(server: Served) -> None:
    """Police (1), callback (2), own number (1), as soon as possible (1), no voicemail (2)."""
    result = simulate("call", "--digits", "1,2,1,1,2", "--lang", "en", "--url", server.url)
    assert result.exit_code == 0, result.output
    assert "You press 2." in result.output
    assert "The call ends." in result.output
    assert "You wait in queue" not in result.output
    with Session(engine_of(server)) as session:
        contact = session.exec(select(Contact).where(Contact.channel == "phone")).one()
    assert contact.status == "callback"


def test_text_then_a_second_text_continues(server: Served) -> None:
    """A first text gets the first question; the next one from that number answers it."""
    first = simulate("text", "Hallo", "--from", "+31611111111", "--url", server.url)
    assert first.exit_code == 0, first.output
    assert "Loket antwoordt:" in first.output and "113" in first.output
    second = simulate("text", "1", "--from", "+31611111111", "--url", server.url)
    assert second.exit_code == 0, second.output
    assert "Loket antwoordt:" in second.output
    with Session(engine_of(server)) as session:
        contacts = session.exec(select(Contact).where(Contact.channel == "sms")).all()
        assert len(contacts) == 1
        inbound = session.exec(
            select(Message).where(Message.contact_id == contacts[0].id, Message.direction == "in")
        ).all()
    assert len(inbound) == 2
    assert contacts[0].organisation == "police"


def test_whatsapp_is_its_own_conversation(server: Served) -> None:
    """--whatsapp sends from the whatsapp: address of the number."""
    result = simulate("text", "Hallo", "--whatsapp", "--url", server.url)
    assert result.exit_code == 0, result.output
    with Session(engine_of(server)) as session:
        contact = session.exec(select(Contact)).one()
    assert contact.channel == "whatsapp"


def test_server_down_says_to_start_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing listening: one line that says to start `make run`, exit 1."""
    monkeypatch.setenv("LOKET_INSTANCE_PATH", str(tmp_path / "instance"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = simulate("text", "Hallo", "--url", f"http://127.0.0.1:{port}")
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "make run" in lines[0]


def test_wrong_token_is_explained(server: Served, monkeypatch: pytest.MonkeyPatch
                                  ) -> None:
    """Signed with another token (another instance folder): Loket's 403 is explained."""
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "not-the-token")
    result = simulate("call", "--digits", "1", "--url", server.url)
    assert result.exit_code == 1
    assert "twilio_dev_token" in result.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["call", "--digits", "2,x,1"], "--digits"),
        (["call", "--from", "<script>"], "--from"),
        (["text", "Hallo", "--from", "0612345678"], "--from"),
    ],
)
def test_bad_options_exit_2_naming_the_option(
    args: list[str], option: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bad key press or number names the option and exits 2, before anything is sent."""
    monkeypatch.setenv("LOKET_INSTANCE_PATH", str(tmp_path / "instance"))
    result = simulate(*args)
    assert result.exit_code == 2
    assert option in result.stderr
