"""What every channel adapter shares: Twilio signatures, idempotent replays, the outbox drain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import partial, wraps
from typing import Any, Protocol, TypeVar

import structlog
from flask import Response, current_app, request
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from twilio.request_validator import RequestValidator
from werkzeug.wrappers import Response as BaseResponse

from loket.config import Settings
from loket.intake import Db, bind_inbound, find_inbound, record_inbound, store_inbound
from loket.queue import outbox
from loket.store.db import get_engine, get_session, read_connection, writing
from loket.store.direct import Bound
from loket.store.models import Contact

log = structlog.get_logger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
TWIML = "text/xml; charset=utf-8"


def settings() -> Settings:
    """Return the running app's settings."""
    s: Settings = current_app.config["LOKET"]
    return s


def public_url_for_request() -> str:
    """Return the URL Twilio signed: LOKET_PUBLIC_URL + this path and query (proxy-proof)."""
    base = settings().public_url.rstrip("/")
    path = request.full_path if request.query_string else request.path
    return base + path


def signature_ok() -> bool:
    """Check X-Twilio-Signature against the public URL and every posted parameter."""
    token = settings().twilio_auth_token
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    params = request.form.to_dict(flat=True) if request.method == "POST" else {}
    # The validator accepts the address with and without its port: Twilio signs either.
    return bool(validator.validate(public_url_for_request(), params, signature))


def twilio_signed(view: F) -> F:
    """Refuse (403, nothing stored) a request not signed by Twilio for our public URL."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not signature_ok():
            log.warning("twilio.bad_signature", path=request.path)
            return Response(
                "Forbidden: missing or invalid Twilio signature\n", 403, mimetype="text/plain"
            )
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]


def idempotency_key(channel: str, kind: str, sid: str | None) -> str:
    """Return the key that makes a retried or duplicated webhook the same request."""
    token = request.headers.get("I-Twilio-Idempotency-Token")
    if token:
        return f"{channel}:{kind}:tok:{token}"[:160]
    params = request.form.to_dict(flat=True)
    digest = hashlib.sha256(
        json.dumps({"path": request.path, "p": params}, sort_keys=True).encode()
    ).hexdigest()[:32]
    return f"{channel}:{kind}:{sid or '-'}:{digest}"[:160]


def raw_payload() -> str:
    """Return the posted parameters as JSON (stored encrypted: they hold phone numbers)."""
    return json.dumps(request.form.to_dict(flat=True), sort_keys=True, ensure_ascii=False)


def replay_or_none(db: Db, key: str) -> Response | None:
    """Return the stored answer when this exact request was handled before."""
    found = find_inbound(db, key)
    if found is None:
        return None
    body, content_type = found
    return Response(body or "", 200, content_type=content_type)


# What a channel's handler returns: the answer's body and the contact it concerns (the
# stored object or just its id), if any.
Answer = tuple[str, Contact | int | None]


class Stale(Exception):
    """What a prepared answer was based on changed before its write: handle it in full."""


class Prewritten(Protocol):
    """An answer worked out before the write transaction, with the rows it stores.

    It promises no jobs. `write` runs under the write lock: it checks again what it read
    before (raising `Stale` when that changed) and stores its rows; it returns the id of
    the contact concerned. `written` follows the commit.
    """

    body: str

    def write(self, conn: Connection) -> int | None:
        """Store the rows in this transaction; return the contact's id."""

    def written(self, contact_id: int | None) -> None:
        """Note what was stored (logs), after the commit."""


def answer_once(
    *,
    channel: str,
    kind: str,
    sid: str | None,
    handle: Callable[[Session], Answer],
    prepare: Callable[[Connection], Prewritten | None] | None = None,
    content_type: str = TWIML,
) -> Response:
    """Handle a webhook exactly once: store contact, payload, answer and outbox in one commit.

    First, without taking SQLite's write lock, a replay (same idempotency key) is looked
    up and gets the stored answer, changing nothing. `prepare` may then read, in that same
    read-only transaction, what the channel needs and return an answer worked out ahead
    (`Prewritten`): its rows are bound and encrypted before the write lock, which is held
    only for the inserts. Otherwise, or when that answer turns out stale, `handle` does the
    channel's work in the request's session and returns the answer body and the contact.
    A concurrent duplicate that commits first makes this one answer what it answered.
    """
    key = idempotency_key(channel, kind, sid)
    engine = get_engine()
    with read_connection(engine) as conn:
        replay = replay_or_none(conn, key)
        if replay is not None:
            return replay
        ready = prepare(conn) if prepare is not None else None
        # The payload's row, bound (encrypted) once its answer is known: for a prepared
        # answer that is before the write lock.
        inbound = partial(
            bind_inbound, engine.dialect, key=key, channel=channel, kind=kind,
            payload=raw_payload(), response_type=content_type,
        )
        if ready is not None:
            response = write_ahead(conn, ready, inbound(response=ready.body), content_type)
            if response is not None:
                return response
    session = get_session()
    body, contact = handle(session)
    try:
        contact_id = contact if contact is None or isinstance(contact, int) else contact.id
        record_inbound(session, inbound(response=body), contact_id)
        pending_ids = outbox.promised_ids(session)
        session.commit()
    except IntegrityError:
        # A concurrent duplicate won the race: answer what it answered.
        session.rollback()
        outbox.forget_promises(session)
        replay = replay_or_none(session, key)
        if replay is None:
            raise
        return replay
    response = Response(body, 200, content_type=content_type)
    dispatch_after_response(response, pending_ids)
    return response


def write_ahead(
    conn: Connection, ready: Prewritten, inbound: Bound, content_type: str
) -> Response | None:
    """Store a prepared answer with its payload in one short transaction; None when stale.

    A stale answer, or one that collides with a concurrent request (IntegrityError), is
    rolled back whole and left to the full path, which looks at everything again.
    """
    try:
        with writing(conn):
            contact_id = ready.write(conn)
            store_inbound(conn, inbound, contact_id)
    except (Stale, IntegrityError):
        return None
    ready.written(contact_id)
    return Response(ready.body, 200, content_type=content_type)


def dispatch_after_response(response: BaseResponse, ids: list[int]) -> None:
    """Move these outbox rows into RQ once the answer is sent; the reconciler does the rest."""
    if not ids:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def _dispatch() -> None:
        try:
            outbox.dispatch(get_engine(app), app.extensions.get("loket.redis"), ids=ids)
        except Exception:  # noqa: BLE001 - the answer is sent; the reconciler retries
            log.warning("outbox.dispatch_failed", count=len(ids))

    response.call_on_close(_dispatch)


def commit_and_dispatch(session: Session, response: BaseResponse) -> BaseResponse:
    """Commit this request's work, then move its outbox rows into RQ after the answer."""
    ids = outbox.promised_ids(session)
    session.commit()
    dispatch_after_response(response, ids)
    return response
