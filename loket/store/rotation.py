"""Key rotation: re-encrypt every stored personal field with the newest data key.

The keyed hashes (`phone_hash`) are not touched: they depend on LOKET_HASH_KEY alone.
Rows are rewritten in short transactions of `batch` rows, in order of id; a value already
under the newest key is left as it is, so a rotation that stopped half-way is run again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Integer, Text, column, select, table, update
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from loket.store.crypto import DataKeyError, Keyring, keyring_of
from loket.store.types import EncryptedText


@dataclass
class Rotated:
    """What a rotation did, per table: values re-encrypted, and values already current."""

    rewritten: dict[str, int] = field(default_factory=dict)
    current: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Return the number of values re-encrypted."""
        return sum(self.rewritten.values())


class UnreadableValue(DataKeyError):
    """A stored value the rotation cannot read: which column of which row, and why."""

    def __init__(self, place: str, row_id: int, why: DataKeyError) -> None:
        super().__init__(f"{place} of row {row_id}: {why}")
        self.place = place
        self.row_id = row_id


def encrypted_columns() -> dict[str, list[str]]:
    """Return the encrypted columns of every table."""
    found: dict[str, list[str]] = {}
    for tbl in SQLModel.metadata.sorted_tables:
        names = [c.name for c in tbl.columns if isinstance(c.type, EncryptedText)]
        if names:
            found[tbl.name] = names
    return found


def rotate_all(engine: Engine, ring: Keyring | None = None, batch: int = 500) -> Rotated:
    """Re-encrypt, table by table and `batch` rows at a time, with the newest key.

    `ring` defaults to the keyring of the app whose engine this is.
    """
    if batch < 1:
        raise ValueError("batch must be 1 or more")
    ring = ring or keyring_of(engine.dialect)
    done = Rotated()
    for name, cols in encrypted_columns().items():
        raw = table(name, column("id", Integer), *(column(c, Text) for c in cols))
        rewritten = current = 0
        after = 0
        while True:
            with engine.begin() as conn:
                rows = conn.execute(
                    select(raw).where(raw.c.id > after).order_by(raw.c.id).limit(batch)
                ).mappings().all()
                for row in rows:
                    values: dict[str, str] = {}
                    for c in cols:
                        token, place = row[c], f"{name}.{c}"
                        if token is None:
                            continue
                        try:
                            if ring.is_current(token, column=place):
                                ring.decrypt(token, column=place)  # still proves it opens
                                current += 1
                            else:
                                values[c] = ring.rotate(token, column=place)
                        except DataKeyError as why:
                            raise UnreadableValue(place, int(row["id"]), why) from why
                    if values:
                        conn.execute(update(raw).where(raw.c.id == row["id"]).values(**values))
                        rewritten += len(values)
            if len(rows) < batch:
                break
            after = rows[-1]["id"]
        done.rewritten[name], done.current[name] = rewritten, current
    return done
