"""Bulk rows for seed data (the demo): Core INSERTs of many rows at once.

The column types still encrypt and convert: these are the models' own tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel


def table(name: str) -> Table:
    """Return the Core table behind a model, whose column types encrypt and convert."""
    return SQLModel.metadata.tables[name]


def insert_contacts(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert contact rows; return their ids in the order of `rows`."""
    contact = table("contact")
    # Rows come back in any order (batched RETURNING); map them back by reference.
    returned = conn.execute(insert(contact).returning(contact.c.id, contact.c.reference), rows)
    id_of = {reference: contact_id for contact_id, reference in returned}
    return [id_of[row["reference"]] for row in rows]


def insert_rows(conn: Connection, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows into one table (nothing when there are none)."""
    if rows:
        conn.execute(insert(table(name)), rows)
