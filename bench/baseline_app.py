"""The least a Twilio messaging webhook must do: the yardstick for `bench_intake.py`.

It checks the signature, stores one row (a SQLite WAL table, or a PostgreSQL table),
enqueues one RQ job and answers TwiML. Loket does far more per message; the benchmark prints
how far it stays within reach. Settings come from the environment: BASELINE_DATABASE (a
SQLite file path, or a `postgresql://` address), BASELINE_REDIS_URL, BASELINE_PUBLIC_URL and
TWILIO_AUTH_TOKEN.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

from flask import Flask, Response, request
from redis import Redis
from rq import Queue
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS inbound (id INTEGER PRIMARY KEY, sid TEXT UNIQUE, "
    "sender TEXT, body TEXT, created_at TEXT DEFAULT CURRENT_TIMESTAMP)"
)
PG_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS baseline_inbound (id SERIAL PRIMARY KEY, sid TEXT UNIQUE, "
    "sender TEXT, body TEXT, created_at TIMESTAMPTZ DEFAULT now())"
)


def connect(path: str) -> Any:
    """Open the database: SQLite in WAL mode, as Loket does, or PostgreSQL."""
    if path.startswith("postgresql"):
        import psycopg

        return psycopg.connect(path)
    conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=5000")
    return conn


def create_app() -> Flask:
    """Build the baseline webhook app from the environment."""
    app = Flask(__name__)
    path = os.environ["BASELINE_DATABASE"]
    public_url = os.environ["BASELINE_PUBLIC_URL"].rstrip("/")
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    queue = Queue("baseline", connection=Redis.from_url(os.environ["BASELINE_REDIS_URL"]))
    postgres = path.startswith("postgresql")
    insert = (
        "INSERT INTO baseline_inbound (sid, sender, body) VALUES (%s, %s, %s)" if postgres
        else "INSERT INTO inbound (sid, sender, body) VALUES (?, ?, ?)"
    )
    with connect(path) as conn:
        if postgres:
            # gunicorn's workers start together: two CREATE TABLE IF NOT EXISTS at once can
            # both miss the table and one fails (pg_type's unique key), so one at a time.
            conn.execute("SELECT pg_advisory_xact_lock(4711)")
        conn.execute(PG_SCHEMA if postgres else SCHEMA)
    local = threading.local()

    def db() -> Any:
        if not hasattr(local, "conn"):
            local.conn = connect(path)
        return local.conn

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    @app.post("/twilio/messaging")
    def inbound() -> Response:
        params = request.form.to_dict(flat=True)
        signature = request.headers.get("X-Twilio-Signature", "")
        if not validator.validate(public_url + request.path, params, signature):
            return Response("Forbidden\n", 403, mimetype="text/plain")
        sid = params.get("MessageSid", "")
        conn = db()
        # psycopg's connection block would close it: its transaction block commits.
        with conn.transaction() if postgres else conn:
            conn.execute(insert, (sid, params.get("From", ""), params.get("Body", "")))
        queue.enqueue("baseline_app.handle", sid)
        reply = MessagingResponse()
        reply.message("Dank je, we hebben je bericht.")
        return Response(str(reply), 200, content_type="text/xml; charset=utf-8")

    return app


def handle(sid: str) -> str:
    """Stand in for the work a real job would do (the benchmark never runs it)."""
    return sid
