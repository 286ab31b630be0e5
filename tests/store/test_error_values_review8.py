"""A database error never repeats a statement's values (a review, the eighth; failed before
its fix): its text goes to the log, to a failed job's record in Redis (kept for days) and
to error reports, and the values may be a person's. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text as sql
from sqlalchemy.exc import DBAPIError

from loket.store.db import session_scope

CANARY = "+31612399999 Jansen"


def test_a_failed_statement_s_error_names_no_value(store_app: Flask) -> None:
    engine = store_app.extensions["loket.engine"]
    with pytest.raises(DBAPIError) as failed, session_scope(engine) as session:
        session.execute(sql("SELECT id FROM contact WHERE reference = :reference "
                            "AND no_such_column = 1"), {"reference": CANARY})
    told = str(failed.value)
    assert "no_such_column" in told  # the error still says what went wrong
    assert CANARY not in told and "Jansen" not in told
