"""Key rotation: re-encrypt every stored personal field with the newest data key."""

from __future__ import annotations

from sqlalchemy import Text, column, select, table, update
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from loket.store.crypto import keyring
from loket.store.types import EncryptedText


def encrypted_columns() -> dict[str, list[str]]:
    """Return the encrypted columns of every table."""
    found: dict[str, list[str]] = {}
    for tbl in SQLModel.metadata.sorted_tables:
        names = [c.name for c in tbl.columns if isinstance(c.type, EncryptedText)]
        if names:
            found[tbl.name] = names
    return found


def rotate_all(engine: Engine, batch: int = 500) -> dict[str, int]:
    """Re-encrypt, table by table, reading the raw tokens; return counts per table."""
    ring = keyring()
    counts: dict[str, int] = {}
    for name, cols in encrypted_columns().items():
        raw = table(name, column("id"), *(column(c, Text) for c in cols))
        done = 0
        with engine.begin() as conn:
            for row in conn.execute(select(raw)).mappings().all():
                values = {c: ring.rotate(row[c]) for c in cols if row[c] is not None}
                if values:
                    conn.execute(update(raw).where(raw.c.id == row["id"]).values(**values))
                    done += len(values)
        counts[name] = done
    return counts
