"""A text's first read finds the number's contacts by their own index on PostgreSQL.

Its channel queries were planned, by a plan made while `contact` was small and kept by the
connection (psycopg prepares a statement it runs often), through the (channel, external_id)
key: each returning texter's read went through every contact of the channel, and the intake
slowed as the desks' contacts grew (the benchmark's database CPU doubled within a run). The
read now takes the number's contacts once, by (phone_hash, id).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert
from sqlalchemy.engine import Connection, Engine

from loket.domain.conversations import text_webhook_query
from loket.store.models import Contact, stored_row, table_of

pytestmark = pytest.mark.postgres

OTHERS = 20_000
VALUES = {"key": "sms:message:SM1:x", "channel": "sms", "phone_hash": "mine",
          "reference": "R000001"}


def _rows_read(plan: dict[str, Any]) -> int:
    """Return the rows every scan of a plan read (those it kept and those its filter threw
    away), over all its loops."""
    read = (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
            + plan.get("Rows Removed by Index Recheck", 0))
    own = read * plan.get("Actual Loops", 1) if "Scan" in plan["Node Type"] else 0
    return own + sum(_rows_read(child) for child in plan.get("Plans", []))


def _prepare(conn: Connection) -> str:
    """PREPARE the read as a generic plan of the table as it is now; return its EXECUTE."""
    compiled = text_webhook_query().compile(conn)
    params = compiled.construct_params(VALUES)
    names: list[str] = []

    def numbered(found: re.Match[str]) -> str:
        if found[1] not in names:
            names.append(found[1])
        return f"${names.index(found[1]) + 1}"

    body = re.sub(r"%\((\w+)\)s", numbered, str(compiled))
    conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    conn.exec_driver_sql(f"PREPARE number_read AS {body}")
    shown = ", ".join(str(v) if isinstance(v, int) else f"'{v}'"
                      for v in (params[name] for name in names))
    execute = f"EXECUTE number_read({shown})"
    conn.exec_driver_sql(execute)  # the generic plan is made now, and kept
    return execute


def _plan(conn: Connection, sql: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    found = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params).scalar_one()
    plan: dict[str, Any] = (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]
    return plan


def test_a_returning_texters_first_read_reads_their_contacts_only(postgres_app: Flask) -> None:
    engine: Engine = postgres_app.extensions["loket.engine"]
    rows = [stored_row(Contact, {"reference": f"R{n:06d}", "channel": "sms", "external_id":
                                 f"SM{n}", "phone_hash": f"other-{n}", "intake_step": "who"})
            for n in range(OTHERS)]
    rows += [stored_row(Contact, {"reference": f"M{n:06d}", "channel": channel, "external_id":
                                  f"MINE{n}", "phone_hash": "mine", "intake_step": "who"})
             for n, channel in enumerate(("sms", "whatsapp", "sms"))]
    with engine.connect() as conn:
        execute = _prepare(conn)  # on an empty table, as a fresh connection would
        conn.execute(insert(table_of(Contact)), rows)
        compiled = text_webhook_query().compile(conn)
        custom = _plan(conn, str(compiled), compiled.construct_params(VALUES))
        kept = _plan(conn, execute)
        conn.exec_driver_sql("DEALLOCATE number_read")
        conn.exec_driver_sql("RESET plan_cache_mode")
        conn.rollback()
    # The number's three contacts (read once, then looked through by each question), the
    # taken reference, no stored answer: a few dozen rows at most, not the channel's 20,000.
    assert _rows_read(custom) <= 50, json.dumps(custom)[:3000]
    assert _rows_read(kept) <= 50, json.dumps(kept)[:3000]
