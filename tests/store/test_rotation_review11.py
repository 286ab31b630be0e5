"""`loket db rotate-keys` names the value it cannot read by its column and row (no personal
data), so the operator can find it; on SQLite and PostgreSQL."""

from __future__ import annotations

import base64

import pytest
from flask import Flask
from sqlalchemy import Text, column, select, table, update

from loket.store.crypto import PREFIX
from tests.store.test_rotation import PHONE, loket, sms


def damage(token: str) -> str:
    """Return a stored value with one byte of its sealed text changed."""
    raw = bytearray(base64.urlsafe_b64decode(token[len(PREFIX):].encode()))
    raw[-1] ^= 0xFF
    return PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_unreadable_value_is_named_by_its_column_and_row(
    store_app: Flask, monkeypatch: pytest.MonkeyPatch, lang: str,
) -> None:
    sms(store_app.test_client(), "Hoi", "SM" + "5" * 32)
    sms(store_app.test_client(), "Nog iets", "SM" + "6" * 32)
    engine = store_app.extensions["loket.engine"]
    message = table("message", column("id"), column("body", Text))
    with engine.begin() as conn:
        row_id, token = conn.execute(select(message).order_by(message.c.id.desc())).first()
        conn.execute(update(message).where(message.c.id == row_id).values(body=damage(token)))
    monkeypatch.setenv("LC_ALL", "nl_NL.UTF-8" if lang == "nl" else "en_GB.UTF-8")
    result = loket(store_app, monkeypatch, "db", "rotate-keys")
    assert result.exit_code == 2
    line = result.output.strip().splitlines()[-1]
    if lang == "nl":
        assert f"message.body van rij {row_id} is met de sleutels in LOKET_DATA_KEY" in line
    else:
        assert f"message.body of row {row_id} cannot be read with the keys" in line
    assert "Traceback" not in result.output
    assert "Nog iets" not in result.output and PHONE not in result.output
