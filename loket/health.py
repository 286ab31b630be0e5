"""`/healthz`: is the database there, is Redis there."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from loket import rules_runtime
from loket.queue.connection import redis_ok
from loket.store.db import get_engine, read_scope

bp = Blueprint("health", __name__)


def database_ok() -> bool:
    """Tell whether the database answers a query."""
    try:
        with read_scope(get_engine()) as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Report database and Redis; 503 when either is down."""
    db = database_ok()
    redis = redis_ok(current_app.extensions.get("loket.redis"))
    body = {
        "status": "ok" if db and redis else "degraded",
        "database": "ok" if db else "down",
        "redis": "ok" if redis else "down",
        # A rules file that failed to load leaves the last good rules in force: "stale".
        "rules": rules_runtime.status(),
    }
    return jsonify(body), 200 if db and redis else 503
