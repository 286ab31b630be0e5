"""Encryption of personal fields at rest, and keyed hashes to recognise a returning sender.

Two kinds of key, kept apart so that rotating one never touches the other:
- The data keys (`LOKET_DATA_KEY`, newest first; 32 random bytes in URL-safe base64, the
  form `Fernet.generate_key()` prints). Every value is AES-256-GCM under a key derived from
  the newest with HKDF, as `v3.` + base64 of key id, nonce and sealed text; the column it
  belongs to (`contact.phone`) is associated data, so a token copied into another column
  does not open. Every key in force decrypts; `loket db rotate-keys` rewrites all values
  under the newest, after which the older keys can be dropped.
- The hash key (`LOKET_HASH_KEY`): one secret that never changes. The HMAC that finds a
  returning sender's contact by phone number is keyed by HKDF from it, so a rotation of
  the data keys leaves every hash, and so every conversation, as it was.

The keyring is built by `init_app` into `app.extensions` and travels with the app's engine,
so that the column type (`loket.store.types.EncryptedText`) finds it through any session on
that engine: in a request, a job or a CLI command alike.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.orm import Session

from loket.config import ConfigError, Settings

if TYPE_CHECKING:
    from flask import Flask

PREFIX = "v3."
KEY_ID_BYTES = 4
NONCE_BYTES = 12  # random per value; far fewer values than GCM's bound per key (2^32)
DATA_KEY_BYTES = 32
MIN_HASH_KEY_CHARS = 32
EXTENSION = "loket.keyring"
# The engine's dialect carries its app's keyring (one engine, one dialect, one app).
DIALECT_ATTRIBUTE = "loket_keyring"


class DataKeyError(Exception):
    """A key is missing or malformed, or a value cannot be decrypted with the keys in force.

    One about a key's setting also carries a key of the configuration's catalog and its
    values (`config_key`, `config_values`), so a start refused over it is said in the
    operator's language.
    """

    def __init__(self, message: str, config_key: str = "", **config_values: Any) -> None:
        super().__init__(message)
        self.config_key = config_key
        self.config_values = config_values


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


def _data_key_bytes(key: str, position: int) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(key.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raw = b""
    if len(raw) != DATA_KEY_BYTES:
        raise DataKeyError(
            f"LOKET_DATA_KEY: key {position} is not a data key (32 random bytes in URL-safe "
            "base64, as Fernet.generate_key() prints)",
            "data_key_malformed", position=position,
        )
    return raw


class _Sealer:
    """AES-256-GCM under one data key, known by a short id stored with each value."""

    def __init__(self, key: str, position: int) -> None:
        secret = _hkdf(_data_key_bytes(key, position), b"loket personal data v3")
        self.key_id = hashlib.sha256(b"loket key id:" + secret).digest()[:KEY_ID_BYTES]
        self.aead = AESGCM(secret)

    def associated(self, column: str) -> bytes:
        return self.key_id + b"\x00" + column.encode()

    def seal(self, value: str, column: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.aead.encrypt(nonce, value.encode(), self.associated(column))
        return PREFIX + base64.urlsafe_b64encode(self.key_id + nonce + sealed).decode()

    def open(self, nonce: bytes, sealed: bytes, column: str) -> str:
        return self.aead.decrypt(nonce, sealed, self.associated(column)).decode()


class Keyring:
    """The data keys in force (the first encrypts, every one decrypts) and the hash key."""

    def __init__(self, data_keys: Sequence[str], hash_key: str) -> None:
        if not data_keys:
            raise DataKeyError("LOKET_DATA_KEY is missing: set one or more data keys",
                               "data_key_missing")
        if len(hash_key) < MIN_HASH_KEY_CHARS:
            raise DataKeyError(
                "LOKET_HASH_KEY is missing or shorter than "
                f"{MIN_HASH_KEY_CHARS} characters: set one long random value that never changes",
                "hash_key_short", n=MIN_HASH_KEY_CHARS,
            )
        self.data_keys = tuple(data_keys)
        self._sealers = [_Sealer(k, n) for n, k in enumerate(data_keys, start=1)]
        self._hash_key = _hkdf(hash_key.encode(), b"loket keyed hash v1")
        self._hash_secret = hash_key

    def with_data_keys(self, data_keys: Sequence[str]) -> Keyring:
        """Return a keyring with these data keys and the same hash key."""
        return Keyring(data_keys, self._hash_secret)

    def encrypt(self, value: str, *, column: str) -> str:
        """Encrypt a text of this column (`table.column`) with the newest key."""
        return self._sealers[0].seal(value, column)

    def _parts(self, token: str, column: str) -> tuple[bytes, bytes, bytes]:
        if not token.startswith(PREFIX):
            raise DataKeyError(
                f"a stored value in {column} is not in Loket's format: a development database "
                "from before 0.1.0 must be made anew"
            )
        try:
            raw = base64.urlsafe_b64decode(token[len(PREFIX) :].encode())
        except (binascii.Error, ValueError):
            raise DataKeyError(f"a stored value in {column} is damaged") from None
        key_id, nonce = raw[:KEY_ID_BYTES], raw[KEY_ID_BYTES : KEY_ID_BYTES + NONCE_BYTES]
        return key_id, nonce, raw[KEY_ID_BYTES + NONCE_BYTES :]

    def decrypt(self, token: str, *, column: str) -> str:
        """Decrypt a text of this column encrypted with any key in force."""
        key_id, nonce, sealed = self._parts(token, column)
        for sealer in self._sealers:
            if sealer.key_id == key_id:
                try:
                    return sealer.open(nonce, sealed, column)
                except (InvalidTag, ValueError):
                    continue  # another key with the same short id, or a damaged value
        raise DataKeyError(
            f"a stored value in {column} cannot be decrypted with the keys in LOKET_DATA_KEY "
            "(was the key it was written with dropped before `loket db rotate-keys` ran?)"
        )

    def is_current(self, token: str, *, column: str) -> bool:
        """Tell whether a stored value is already sealed with the newest key."""
        return self._parts(token, column)[0] == self._sealers[0].key_id

    def rotate(self, token: str, *, column: str) -> str:
        """Re-encrypt a stored value of this column with the newest key."""
        return self.encrypt(self.decrypt(token, column=column), column=column)

    def keyed_hash(self, value: str) -> str:
        """Return a keyed hash of a normalised value (a phone number, an e-mail).

        It depends on LOKET_HASH_KEY alone: rotating the data keys never changes it.
        """
        normal = "".join(value.split()).lower()
        return hmac.new(self._hash_key, normal.encode(), hashlib.sha256).hexdigest()


def _install(app: Flask, ring: Keyring) -> Keyring:
    engine: Engine | None = app.extensions.get("loket.engine")
    if engine is None:
        raise RuntimeError("the keyring goes to the app's engine: build the store first")
    app.extensions[EXTENSION] = ring
    setattr(engine.dialect, DIALECT_ATTRIBUTE, ring)
    return ring


def init_app(app: Flask, settings: Settings) -> Keyring:
    """Build the app's keyring from its settings and give it to the app's engine.

    Call it after the store's `init_app`. A missing or malformed key is a `ConfigError`
    naming the variable.
    """
    try:
        ring = Keyring(settings.data_keys, settings.hash_key)
    except DataKeyError as exc:
        if exc.config_key:
            raise ConfigError(exc.config_key, **exc.config_values) from None
        raise ConfigError(str(exc)) from None
    return _install(app, ring)


def _current_app() -> Flask:
    from flask import current_app, has_app_context

    if not has_app_context():
        raise DataKeyError("no app here: pass the app, or the session (`keyring(session)`)")
    return current_app


def keyring(source: Flask | Session | Connection | Engine | None = None) -> Keyring:
    """Return the keyring of an app, or of the app behind a session, connection or engine.

    Without `source` it is the current app's: in a request or an app context.
    """
    if isinstance(source, Session):
        return keyring_of(source.get_bind().dialect)
    if isinstance(source, Connection | Engine):
        return keyring_of(source.dialect)
    ring: Keyring | None = (source or _current_app()).extensions.get(EXTENSION)
    if ring is None:
        raise DataKeyError("the data keys are not configured; build the app first")
    return ring


def configure(keys: Sequence[str], app: Flask | None = None) -> Keyring:
    """Put these data keys in force for this app (or the current app); the hash key stays."""
    app = app or _current_app()
    return _install(app, keyring(app).with_data_keys(keys))


def keyring_of(dialect: Dialect) -> Keyring:
    """Return the keyring of the app whose engine has this dialect."""
    ring: Keyring | None = getattr(dialect, DIALECT_ATTRIBUTE, None)
    if ring is None:
        raise DataKeyError(
            "this engine has no data keys: use the app's engine (app.extensions['loket.engine'])"
        )
    return ring
