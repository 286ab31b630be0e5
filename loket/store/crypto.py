"""Encryption of personal fields at rest, and keyed hashes to recognise a returning caller."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class KeyError_(Exception):
    """No data key is configured, or a value cannot be decrypted with any key."""


class Keyring:
    """The data keys in force: the first encrypts, every one decrypts."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise KeyError_("no data key configured (LOKET_DATA_KEY)")
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        # The hash key is derived from the oldest key so rotation keeps hashes stable.
        self._hash_key = hashlib.sha256(b"loket-hash:" + keys[-1].encode()).digest()

    def encrypt(self, value: str) -> str:
        """Encrypt a text with the newest key."""
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt a text encrypted with any key in force."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise KeyError_("a stored value cannot be decrypted with the keys in force") from None

    def rotate(self, token: str) -> str:
        """Re-encrypt a stored value with the newest key."""
        return self._fernet.rotate(token.encode()).decode()

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
