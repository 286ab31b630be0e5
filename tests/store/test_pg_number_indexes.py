"""A text's first read finds the number's contacts by their own indexes on PostgreSQL.

With an index on the number's hash alone, PostgreSQL without statistics on `contact` (a new
database, or autovacuum off, as on this project's test machines) combined it with the
(channel, external_id) key and read every contact of the channel: each returning texter cost
more as the desks' contacts grew (the intake benchmark's database CPU doubled within a run).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from loket.domain.conversations import text_webhook_query
from loket.store.models import Contact, stored_row, table_of

pytestmark = pytest.mark.postgres

OTHERS = 20_000


def _rows_read(plan: dict[str, Any]) -> int:
    """Return the rows every scan of a plan read (those it kept and those its filter threw
    away), over all its loops."""
    read = (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
            + plan.get("Rows Removed by Index Recheck", 0))
    own = read * plan.get("Actual Loops", 1) if "Scan" in plan["Node Type"] else 0
    return own + sum(_rows_read(child) for child in plan.get("Plans", []))


def test_a_returning_texters_first_read_reads_their_contacts_only(postgres_app: Flask) -> None:
    engine: Engine = postgres_app.extensions["loket.engine"]
    rows = [stored_row(Contact, {"reference": f"R{n:06d}", "channel": "sms", "external_id":
                                 f"SM{n}", "phone_hash": f"other-{n}", "intake_step": "who"})
            for n in range(OTHERS)]
    rows += [stored_row(Contact, {"reference": f"M{n:06d}", "channel": channel, "external_id":
                                  f"MINE{n}", "phone_hash": "mine", "intake_step": "who"})
             for n, channel in enumerate(("sms", "whatsapp", "sms"))]
    with engine.begin() as conn:
        conn.execute(insert(table_of(Contact)), rows)
        compiled = text_webhook_query().compile(conn)
        params = compiled.construct_params({"key": "sms:message:SM1:x", "channel": "sms",
                                            "phone_hash": "mine", "reference": "R000001"})
        found = conn.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}", params).scalar_one()
    plan = (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]
    # The number's three contacts, the taken reference, no stored answer: a handful.
    assert _rows_read(plan) <= 10, json.dumps(plan)[:3000]
