"""A full key rotation, as the README tells an operator to do it, on SQLite and PostgreSQL.

New key first, `loket db rotate-keys`, drop the old key, restart: every personal value
still reads, the keyed phone hash is unchanged, and a person texting mid-conversation goes
on in the same conversation.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
import structlog
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Text, column, select, table
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from twilio.request_validator import RequestValidator

from loket.cli import main
from loket.store import crypto
from loket.store.models import User
from loket.store.rotation import encrypted_columns, rotate_all

BASE = "https://loket.example.org"
INBOUND = "/twilio/messaging"
PHONE = "+31612345678"
Values = dict[tuple[str, int, str], str]


def sms(client: FlaskClient, body: str, sid: str) -> str:
    """Send a signed inbound SMS from PHONE, as Twilio does; return the text answered."""
    params = {"MessageSid": sid, "From": PHONE, "To": "+3185000000", "Body": body}
    sign = RequestValidator("test-auth-token").compute_signature(BASE + INBOUND, params)
    response = client.post(INBOUND, data=params, headers={"X-Twilio-Signature": sign})
    assert response.status_code == 200, response.get_data(as_text=True)
    root = ET.fromstring(response.get_data())  # noqa: S314 - our own answer
    return root.findtext("./Message") or ""


def loket(app: Flask, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    """Run a `loket` command on this app's database and instance, as an operator would.

    The command sets up logging for a real start; the tests' own set-up is put back after.
    """
    settings = app.config["LOKET"]
    env = {
        "LOKET_ENV": "development",
        "LOKET_DATABASE_URL": settings.database_url,
        "LOKET_INSTANCE_PATH": settings.instance_path,
        "LOKET_REDIS_URL": settings.redis_url,
        "LOKET_SECRET_KEY": settings.secret_key,
        "LOKET_DATA_KEY": settings.data_key,
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    for key in ("LOKET_HASH_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "LOKET_PUBLIC_URL"):
        monkeypatch.delenv(key, raising=False)
    saved = structlog.get_config()
    try:
        return CliRunner().invoke(main, list(args))
    finally:
        structlog.configure(**saved)


def every_value(engine: Engine) -> Values:
    """Read every encrypted value of every table, decrypted, by table, row and column."""
    found: Values = {}
    with engine.connect() as conn:
        for tbl in SQLModel.metadata.sorted_tables:
            cols = encrypted_columns().get(tbl.name, [])
            if not cols:
                continue
            for row in conn.execute(select(tbl.c.id, *(tbl.c[c] for c in cols))).mappings():
                found.update({(tbl.name, row["id"], c): row[c] for c in cols if row[c] is not None})
    return found


def raw_tokens(engine: Engine) -> Values:
    """Read every encrypted value as stored."""
    found: Values = {}
    with engine.connect() as conn:
        for name, cols in encrypted_columns().items():
            raw = table(name, column("id"), *(column(c, Text) for c in cols))
            for row in conn.execute(select(raw)).mappings():
                found.update({(name, row["id"], c): row[c] for c in cols if row[c] is not None})
    return found


def phone_hashes(engine: Engine) -> list[Any]:
    """Return the stored phone hash of every contact."""
    with engine.connect() as conn:
        return list(conn.execute(select(table("contact", column("phone_hash")))).scalars())


@pytest.fixture
def rebuild(store_app: Flask, make_app: Callable[..., Flask]) -> Callable[[str], Flask]:
    """Restart on the same database and instance folder with other data keys."""
    url = store_app.config["LOKET"].database_url
    return lambda data_key: make_app(database_url=url, data_key=data_key)


def add_user(app: Flask) -> None:
    """Add a member of staff with a TOTP secret (encrypted at rest)."""
    with Session(app.extensions["loket.engine"]) as session:
        session.add(User(email="anna@example.org", role="manager", password_hash="x",
                         totp_secret="JBSWY3DPEHPK3PXP"))
        session.commit()


def test_a_full_rotation_keeps_every_value_the_phone_hash_and_the_conversation(
    store_app: Flask, rebuild: Callable[[str], Flask]
) -> None:
    old_key = store_app.config["LOKET"].data_keys[0]
    new_key = Fernet.generate_key().decode()
    assert "Welkom" in sms(store_app.test_client(), "Hoi", "SM" + "1" * 32)
    add_user(store_app)
    before = every_value(store_app.extensions["loket.engine"])
    assert {"contact", "message", "inbound_event", "user"} <= {t for t, _, _ in before}
    hash_before = crypto.keyring(store_app).keyed_hash(PHONE)
    assert phone_hashes(store_app.extensions["loket.engine"]) == [hash_before]

    # 1. The new key goes first; the old one stays to read what it wrote.
    both = rebuild(f"{new_key},{old_key}")
    assert every_value(both.extensions["loket.engine"]) == before
    # 2. Rotate (a few rows per transaction), then once more: nothing left to do.
    assert rotate_all(both.extensions["loket.engine"], batch=2).total == len(before)
    assert rotate_all(both.extensions["loket.engine"]).total == 0
    # 3. The old key is dropped and the app restarted.
    after = rebuild(new_key)
    engine = after.extensions["loket.engine"]
    ring = crypto.keyring(after)
    tokens = raw_tokens(engine)
    assert all(ring.is_current(token, column=f"{t}.{c}") for (t, _, c), token in tokens.items())
    assert every_value(engine) == before  # (a) every value still reads
    assert ring.keyed_hash(PHONE) == hash_before  # (b) the hash is unchanged
    assert phone_hashes(engine) == [hash_before]
    # (c) The person's next text answers the question asked before the rotation.
    answer = sms(after.test_client(), "1", "SM" + "2" * 32)
    assert "Welkom" not in answer and "1 nu chatten" in answer
    assert phone_hashes(engine) == [hash_before]  # still one contact
    with engine.connect() as conn:
        contact = table("contact", column("organisation"))
        assert conn.execute(select(contact.c.organisation)).scalars().all() == ["police"]


def test_loket_db_rotate_keys_rewrites_everything_under_the_newest_key(
    store_app: Flask, rebuild: Callable[[str], Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    old_key = store_app.config["LOKET"].data_keys[0]
    new_key = Fernet.generate_key().decode()
    sms(store_app.test_client(), "Hoi", "SM" + "4" * 32)
    add_user(store_app)
    before = every_value(store_app.extensions["loket.engine"])
    result = loket(rebuild(f"{new_key},{old_key}"), monkeypatch, "db", "rotate-keys")
    assert result.exit_code == 0, result.output
    assert f"{len(before)} waarden opnieuw versleuteld" in result.output
    assert every_value(rebuild(new_key).extensions["loket.engine"]) == before


def test_dropping_the_old_key_before_rotating_is_a_clear_error(
    store_app: Flask, rebuild: Callable[[str], Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    sms(store_app.test_client(), "Hoi", "SM" + "3" * 32)
    only_new = rebuild(Fernet.generate_key().decode())
    with pytest.raises(crypto.DataKeyError, match="LOKET_DATA_KEY"):
        every_value(only_new.extensions["loket.engine"])
    result = loket(only_new, monkeypatch, "db", "rotate-keys")
    assert result.exit_code == 2
    assert "LOKET_DATA_KEY" in result.output and "Traceback" not in result.output
