"""Personal values at rest and keyed hashes: what a wrong key, a moved value or a rotation do."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import text
from sqlmodel import Session, select

from loket.config import ConfigError, load_settings
from loket.store import crypto
from loket.store.crypto import PREFIX, DataKeyError, Keyring
from loket.store.models import User

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
HASH_KEY = secrets.token_urlsafe(32)
PHONE = "contact.phone"


def test_a_value_is_sealed_unreadably_and_differently_each_time() -> None:
    ring = Keyring([NEW], HASH_KEY)
    one = ring.encrypt("+31612345678", column=PHONE)
    two = ring.encrypt("+31612345678", column=PHONE)
    assert one.startswith(PREFIX) and one != two
    assert "612345678" not in one
    assert ring.decrypt(one, column=PHONE) == ring.decrypt(two, column=PHONE) == "+31612345678"
    assert ring.decrypt(ring.encrypt("", column=PHONE), column=PHONE) == ""


def test_a_value_moved_into_another_column_does_not_open() -> None:
    ring = Keyring([NEW], HASH_KEY)
    sealed = ring.encrypt("+31612345678", column=PHONE)
    with pytest.raises(DataKeyError, match="contact.name"):
        ring.decrypt(sealed, column="contact.name")


def test_an_older_key_still_reads_what_it_sealed_until_it_is_retired() -> None:
    sealed = Keyring([OLD], HASH_KEY).encrypt("Ria", column=PHONE)
    both = Keyring([NEW, OLD], HASH_KEY)
    assert both.decrypt(sealed, column=PHONE) == "Ria"
    assert not both.is_current(sealed, column=PHONE)
    rotated = both.rotate(sealed, column=PHONE)
    assert both.is_current(rotated, column=PHONE)
    assert Keyring([NEW], HASH_KEY).decrypt(rotated, column=PHONE) == "Ria"
    with pytest.raises(DataKeyError, match="LOKET_DATA_KEY"):
        Keyring([NEW], HASH_KEY).decrypt(sealed, column=PHONE)


def test_a_value_in_another_format_is_refused_not_guessed_at() -> None:
    fernet = Fernet(NEW.encode()).encrypt(b"Ria").decode()
    with pytest.raises(DataKeyError, match="not in Loket's format"):
        Keyring([NEW], HASH_KEY).decrypt(fernet, column=PHONE)


@pytest.mark.parametrize("damage", ["flip", "cut", "garbage"])
def test_a_damaged_value_is_an_error_never_garbage(damage: str) -> None:
    ring = Keyring([NEW], HASH_KEY)
    sealed = ring.encrypt("Kees", column=PHONE)
    broken = {
        "flip": sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:],
        "cut": sealed[:20],
        "garbage": PREFIX + "not base64 at all!",
    }[damage]
    with pytest.raises(DataKeyError):
        ring.decrypt(broken, column=PHONE)


def test_the_keyed_hash_depends_on_the_hash_key_alone() -> None:
    before = Keyring([OLD], HASH_KEY).keyed_hash("+31 6 1234 5678")
    assert Keyring([NEW], HASH_KEY).keyed_hash("+31612345678") == before
    assert Keyring([NEW, OLD], HASH_KEY).keyed_hash("+31612345678") == before
    assert Keyring([OLD], secrets.token_urlsafe(32)).keyed_hash("+31612345678") != before
    assert "612345678" not in before


@pytest.mark.parametrize(
    ("keys", "hash_key", "named"),
    [
        ([], HASH_KEY, "LOKET_DATA_KEY"),
        (["not-a-key"], HASH_KEY, "LOKET_DATA_KEY"),
        ([NEW, "c2hvcnQ="], HASH_KEY, "LOKET_DATA_KEY: key 2"),
        ([NEW], "", "LOKET_HASH_KEY"),
        ([NEW], "too-short", "LOKET_HASH_KEY"),
    ],
)
def test_a_missing_or_malformed_key_names_its_variable(
    keys: list[str], hash_key: str, named: str
) -> None:
    with pytest.raises(DataKeyError, match=named):
        Keyring(keys, hash_key)


@pytest.mark.parametrize(
    ("override", "named"),
    [({"data_key": "not-a-key"}, "LOKET_DATA_KEY"), ({"hash_key": "short"}, "LOKET_HASH_KEY")],
)
def test_the_app_refuses_to_start_on_a_bad_key_naming_it(
    make_app: Callable[..., Flask], override: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError, match=named):
        make_app(**override)


def test_production_requires_a_hash_key() -> None:
    environ = {
        "LOKET_ENV": "production",
        "LOKET_SECRET_KEY": secrets.token_urlsafe(48),
        "LOKET_DATA_KEY": NEW,
        "LOKET_REDIS_URL": "redis://127.0.0.1:6379/6",
        "LOKET_DATABASE_URL": "postgresql+psycopg://loket@127.0.0.1/loket",
        "LOKET_PUBLIC_URL": "https://loket.example.org",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_FROM_NUMBER": "+3185000000",
    }
    with pytest.raises(ConfigError, match="LOKET_HASH_KEY"):
        load_settings(environ=environ)
    assert load_settings(environ={**environ, "LOKET_HASH_KEY": HASH_KEY}).hash_key == HASH_KEY


def test_development_keeps_one_hash_key_in_the_instance_folder(
    make_app: Callable[..., Flask],
) -> None:
    first, second = make_app(), make_app(data_key=NEW)
    settings = first.config["LOKET"]
    assert (Path(settings.instance_path) / "hash_key").read_text().strip() == settings.hash_key
    phone = "+31612345678"
    assert crypto.keyring(first).keyed_hash(phone) == crypto.keyring(second).keyed_hash(phone)


def test_each_app_has_its_own_keyring(
    make_app: Callable[..., Flask], sqlite_template: Path, tmp_path: Path
) -> None:
    shutil.copy(sqlite_template, tmp_path / "other.sqlite3")
    one = make_app()
    two = make_app(database_url=f"sqlite:///{tmp_path / 'other.sqlite3'}", data_key=NEW)
    assert crypto.keyring(one) is not crypto.keyring(two)
    for app in (one, two):
        with Session(app.extensions["loket.engine"]) as session:
            session.add(User(email="a@example.org", role="manager", password_hash="x",
                             totp_secret="JBSWY3DP"))
            session.commit()
    for app in (one, two):  # each engine reads with its own app's keys, whichever came last
        with Session(app.extensions["loket.engine"]) as session:
            assert [u.totp_secret for u in session.exec(select(User)).all()] == ["JBSWY3DP"]
    with one.extensions["loket.engine"].connect() as conn:
        token = conn.execute(text('SELECT totp_secret FROM "user"')).scalar_one()
    with pytest.raises(DataKeyError, match="LOKET_DATA_KEY"):
        crypto.keyring(two).decrypt(token, column="user.totp_secret")


def test_outside_the_app_the_keyring_is_asked_of_a_session_or_the_app(app: Flask) -> None:
    with pytest.raises(DataKeyError, match="keyring"):
        crypto.keyring()
    with Session(app.extensions["loket.engine"]) as session:
        assert crypto.keyring(session) is crypto.keyring(app)
    with app.app_context():
        assert crypto.keyring() is crypto.keyring(app)
