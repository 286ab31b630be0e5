"""Personal values at rest: sealed with the newest key, readable under every key in force."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from loket.store.crypto import PREFIX, KeyError_, Keyring

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_a_value_is_sealed_unreadably_and_differently_each_time() -> None:
    ring = Keyring([NEW])
    one, two = ring.encrypt("+31612345678"), ring.encrypt("+31612345678")
    assert one.startswith(PREFIX) and one != two
    assert "612345678" not in one
    assert ring.decrypt(one) == ring.decrypt(two) == "+31612345678"
    assert ring.decrypt(ring.encrypt("")) == ""


def test_values_written_as_fernet_before_are_still_read_and_rotate_to_the_new_form() -> None:
    legacy = Fernet(OLD.encode()).encrypt(b"Ik slaap slecht").decode()
    ring = Keyring([NEW, OLD])
    assert ring.decrypt(legacy) == "Ik slaap slecht"
    rotated = ring.rotate(legacy)
    assert rotated.startswith(PREFIX)
    assert Keyring([NEW]).decrypt(rotated) == "Ik slaap slecht"  # the old key can go


def test_an_older_key_still_reads_what_it_sealed_until_it_is_retired() -> None:
    sealed = Keyring([OLD]).encrypt("Ria")
    assert Keyring([NEW, OLD]).decrypt(sealed) == "Ria"
    with pytest.raises(KeyError_):
        Keyring([NEW]).decrypt(sealed)


@pytest.mark.parametrize("damage", ["flip", "cut", "garbage"])
def test_a_damaged_value_is_an_error_never_garbage(damage: str) -> None:
    ring = Keyring([NEW])
    sealed = ring.encrypt("Kees")
    broken = {
        "flip": sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:],
        "cut": sealed[:20],
        "garbage": PREFIX + "not base64 at all!",
    }[damage]
    with pytest.raises(KeyError_):
        ring.decrypt(broken)
