"""Encryption of personal fields at rest, and keyed hashes to recognise a returning caller.

The data keys are Fernet keys (`LOKET_DATA_KEY`, newest first). Values are written as
AES-256-GCM tokens, `v2.` + base64 of key id, nonce and sealed text, under a key derived
from the newest data key with HKDF: one call into OpenSSL per value, where Fernet (AES-CBC
plus HMAC, built up in Python) took five times as long on every message stored. Tokens
written before (Fernet) are still read; `loket db rotate-keys` rewrites everything as `v2.`
under the newest key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v2."
KEY_ID_BYTES = 4
NONCE_BYTES = 12  # random per value; far fewer values than GCM's bound per key (2^32)


class KeyError_(Exception):
    """No data key is configured, or a value cannot be decrypted with any key."""


class _Sealer:
    """AES-256-GCM under one data key, known by a short id stored with each value."""

    def __init__(self, fernet_key: str) -> None:
        secret = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"loket personal data v2"
        ).derive(base64.urlsafe_b64decode(fernet_key.encode()))
        self.key_id = hashlib.sha256(b"loket key id:" + secret).digest()[:KEY_ID_BYTES]
        self.aead = AESGCM(secret)

    def seal(self, value: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.aead.encrypt(nonce, value.encode(), self.key_id)
        return PREFIX + base64.urlsafe_b64encode(self.key_id + nonce + sealed).decode()

    def open(self, nonce: bytes, sealed: bytes) -> str:
        return self.aead.decrypt(nonce, sealed, self.key_id).decode()


class Keyring:
    """The data keys in force: the first encrypts, every one decrypts."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise KeyError_("no data key configured (LOKET_DATA_KEY)")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        self._sealers = [_Sealer(k) for k in keys]
        # The hash key is derived from the oldest key so rotation keeps hashes stable.
        self._hash_key = hashlib.sha256(b"loket-hash:" + keys[-1].encode()).digest()

    def encrypt(self, value: str) -> str:
        """Encrypt a text with the newest key."""
        return self._sealers[0].seal(value)

    def decrypt(self, token: str) -> str:
        """Decrypt a text encrypted with any key in force (as `v2.` or as Fernet)."""
        if not token.startswith(PREFIX):
            try:
                return self._fernet.decrypt(token.encode()).decode()
            except InvalidToken:
                raise KeyError_(
                    "a stored value cannot be decrypted with the keys in force"
                ) from None
        try:
            raw = base64.urlsafe_b64decode(token[len(PREFIX) :].encode())
        except (binascii.Error, ValueError):
            raise KeyError_("a stored value is damaged") from None
        key_id, nonce = raw[:KEY_ID_BYTES], raw[KEY_ID_BYTES : KEY_ID_BYTES + NONCE_BYTES]
        sealed = raw[KEY_ID_BYTES + NONCE_BYTES :]
        for sealer in self._sealers:
            if sealer.key_id == key_id:
                try:
                    return sealer.open(nonce, sealed)
                except (InvalidTag, ValueError):
                    continue  # another key with the same short id, or a damaged value
        raise KeyError_("a stored value cannot be decrypted with the keys in force")

    def rotate(self, token: str) -> str:
        """Re-encrypt a stored value with the newest key."""
        return self.encrypt(self.decrypt(token))

    def keyed_hash(self, value: str) -> str:
        """Return a keyed hash of a normalised value (a phone number, an e-mail)."""
        normal = "".join(value.split()).lower()
        return hmac.new(self._hash_key, normal.encode(), hashlib.sha256).hexdigest()


_current: Keyring | None = None


def configure(keys: Sequence[str]) -> Keyring:
    """Make these keys the ones the store encrypts and decrypts with."""
    global _current
    _current = Keyring(keys)
    return _current


def keyring() -> Keyring:
    """Return the keyring configured by the app factory or the CLI."""
    if _current is None:
        raise KeyError_("the data keys are not configured; build the app first")
    return _current
