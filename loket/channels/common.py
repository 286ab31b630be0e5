"""What every channel adapter shares: Twilio signatures, idempotent replays, units of work."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

import structlog
from flask import Response, after_this_request, current_app, request
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from twilio.request_validator import RequestValidator
from werkzeug.wrappers import Response as BaseResponse

from loket.config import Settings
from loket.domain import inbound
from loket.queue import outbox
from loket.store.crypto import keyring
from loket.store.db import get_engine, read_scope, unit_of_work
from loket.store.models import Contact

log = structlog.get_logger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
Stored = tuple[str | None, str]  # a stored answer: its body and content type
TWIML = "text/xml; charset=utf-8"
# The voice each language is spoken in on the phone (Twilio's `<Say>`).
VOICES = {"nl": ("nl-NL", "Polly.Lotte"), "en": ("en-GB", "Polly.Amy")}


def say_text(node: Any, text: str, lang: str) -> None:
    """Add a `<Say>` of a text in a language and its voice (Dutch when unknown)."""
    language, voice = VOICES.get(lang, VOICES["nl"])
    node.say(text, language=language, voice=voice)


def settings() -> Settings:
    """Return the running app's settings."""
    s: Settings = current_app.config["LOKET"]
    return s


def continuity() -> timedelta | None:
    """Return how long a returning person's new contact is offered to their last
    counsellor first (None: not at all)."""
    return settings().continuity


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


def keyed_id(session: Session, content: str) -> str:
    """Return an id of this content that reveals nothing of it: a keyed hash of its SHA-256
    (the web form's submission, the web chat's start)."""
    return keyring(session).keyed_hash(hashlib.sha256(content.encode()).hexdigest())


def idempotency_key(channel: str, kind: str, sid: str | None) -> str:
    """Return the key that makes this retried or duplicated webhook the same request; its
    digest keyed by the app's hash key (`inbound.idempotency_key`)."""
    return inbound.idempotency_key(
        channel=channel,
        kind=kind,
        sid=sid,
        path=request.path,
        params=request.form.to_dict(flat=True),
        keyed=keyring().keyed_hash,
    )


def raw_payload() -> str:
    """Return the posted parameters as JSON (stored encrypted: they hold phone numbers)."""
    return json.dumps(request.form.to_dict(flat=True), sort_keys=True, ensure_ascii=False)


def replay_or_none(key: str) -> Response | None:
    """Return the stored answer when this exact request was handled before."""
    with read_scope(get_engine()) as session:
        found = inbound.find_answer(session=session, key=key)
    return None if found is None else replayed(found)


def stored_answer(session: Session, key: str) -> Stored | None:
    """Return the answer stored for this idempotency key, if any."""
    return inbound.find_answer(session=session, key=key)


def replayed(found: Stored) -> Response:
    """Answer a replay with the stored answer (body, content type)."""
    body, content_type = found
    return Response(body or "", 200, content_type=content_type)


@contextmanager
def writing() -> Iterator[Session]:
    """Run this request's writes in one unit of work; its promised jobs go to RQ after the
    answer is sent (the reconciler catches what does not)."""
    with unit_of_work() as session:
        yield session
        ids = outbox.promised_ids(session)
    if ids:

        @after_this_request
        def _dispatch(response: BaseResponse) -> BaseResponse:
            dispatch_after_response(response, ids)
            return response


# What a channel's handler returns: the answer's body and the contact it concerns (the
# stored object or just its id), if any.
Answer = tuple[str, Contact | int | None]


def answer_once(
    *,
    channel: str,
    kind: str,
    sid: str | None,
    handle: Callable[[Session], Answer],
    content_type: str = TWIML,
    find: Callable[[Session, str], Stored | None] | None = None,
) -> Response:
    """Handle a webhook exactly once: contact, payload, answer and outbox in one commit.

    A replay (same idempotency key) gets the stored answer and changes nothing; it is read
    in the unit of work (one transaction a request: a replay is rare, a first message not).
    Otherwise `handle` does the channel's work in the same unit of work and returns the
    answer body and the contact. `find(session, key)`, when given, reads the stored answer
    together with what `handle` needs (one statement, not two). A concurrent duplicate that
    commits first makes this one answer what it answered.
    """
    key = idempotency_key(channel, kind, sid)
    payload = raw_payload()
    try:
        with writing() as session:
            # Read in the unit of work itself: one session and one transaction a request.
            found = (find or stored_answer)(session, key)
            if found is not None:
                return replayed(found)
            body, contact = handle(session)
            contact_id = contact if contact is None or isinstance(contact, int) else contact.id
            inbound.record(
                session=session, key=key, channel=channel, kind=kind, payload=payload,
                response=body, response_type=content_type, contact_id=contact_id,
            )
    except IntegrityError:
        # A concurrent duplicate won the race: answer what it answered.
        replay = replay_or_none(key)
        if replay is None:
            raise
        return replay
    return Response(body, 200, content_type=content_type)


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
