"""The workspace's calls as JSON (DESIGN.md "The command line and the API").

Each call runs as the pages do: rights from `access` (through `workspace.visible_contact`),
the step from `loket.domain.workspace`, one unit of work (`writing`) that locks the contact
first and dispatches promised jobs after the answer. A contact the caller may not see is a
404, the same as one that does not exist; a refused step is `{"error", "field"}`.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    after_this_request,
    current_app,
    jsonify,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from loket.api import schemas
from loket.api.language import say
from loket.api.openapi import SPEC, answers
from loket.api.steps import (
    ApiError,
    keep,
    kept_answer,
    not_found,
    parsed,
    refusal,
    retry_key,
    step,
)
from loket.channels.common import writing
from loket.desk.identity import staff_required
from loket.desk.workspace import me, source
from loket.domain import break_glass, calls, contacts, conversations, lists, workspace
from loket.store.db import get_session
from loket.store.models import Contact, User
from loket.web import MAX_ID

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
COUNSELLOR = "counsellor"
# What a call returns: its model (spectree checks it and writes it as JSON), with a status.
Answer = BaseModel | tuple[BaseModel, int]


@bp.errorhandler(ApiError)
def refused(exc: ApiError) -> ResponseReturnValue:
    """Answer a refused call as JSON."""
    body = schemas.ErrorOut(error=exc.error, field=exc.field, holder=exc.holder)
    return jsonify(body.model_dump(exclude_none=True)), exc.status


@bp.before_request
def readable_body() -> None:
    """Refuse a JSON body nested too deeply for the parser (valid JSON, but no body a call
    takes): 422 naming the body, as any other body that is not a JSON object, never a 500."""
    if not request.is_json:
        return
    try:
        request.get_json(silent=True)
    except RecursionError:
        raise ApiError(422, f"body: {say('not_json')}", field="body") from None


@bp.after_request
def challenge(response: Response) -> Response:
    """Tell a client refused for its token how to authenticate (RFC 6750)."""
    if response.status_code == 401:
        sent = request.headers.get("Authorization", "").lower().startswith("bearer ")
        response.headers["WWW-Authenticate"] = (
            'Bearer realm="loket", error="invalid_token"' if sent else 'Bearer realm="loket"')
    return response


@bp.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    """Describe this API: the OpenAPI document generated from its models."""
    return jsonify(SPEC.spec)


# --- reading -------------------------------------------------------------------------------


@bp.get("/queue/<queue>")
@staff_required(COUNSELLOR)
@SPEC.validate(query=schemas.QueueQuery,
               resp=answers(200, schemas.QueueOut, HTTP_304=None, HTTP_422=schemas.ErrorOut),
               operation_id="queue")
def queue(queue: str) -> Answer | Response:
    """List a queue's open contacts, crisis first: no personal data. The answer has an
    ETag: a poll sending it back in If-None-Match gets 304 while nothing changed.

    The contacts are those of the caller's web queue (`workspace.queue_for`: only what they
    may see) waiting in this queue. A counsellor may list any queue: besides the queues they
    serve, another one lists what they may see in it (a `both` contact waiting for the other
    pooled desk, an overflow of their own desk's, an emergency access), and nothing else."""
    user = me()
    if queue not in contacts.QUEUES:
        raise ApiError(404, f"queue: {say('no_queue')}", field="queue")
    limit = request.context.query.limit  # type: ignore[attr-defined]
    listed = [i for i in workspace.queue_for(session=get_session(), user=user,
                                             limit=workspace.QUEUE_SHOWN) if i.queue == queue]
    ended = workspace.ended_chats(session=get_session(), items=listed)
    items = [
        schemas.QueueItemOut(reference=i.reference, channel=i.channel, priority=i.priority,
                             flags=list(i.flags), waiting_since=i.waiting_since,
                             chat_ended=i.reference in ended)
        for i in listed
    ]
    out = schemas.QueueOut(queue=queue, items=items[:limit], total=len(items))
    tag = hashlib.sha256(out.model_dump_json().encode()).hexdigest()[:32]
    if request.if_none_match.contains_weak(tag):
        unchanged = Response(status=304)
        unchanged.set_etag(tag)
        return unchanged

    @after_this_request
    def _tag(response: Response) -> Response:
        if response.status_code == 200:
            response.set_etag(tag)
        return response

    return out


def conversation(session: Session, contact: Contact,
                 after: int = 0) -> tuple[list[schemas.MessageOut], int | None]:
    """Return a page of the conversation (the messages after `after`, oldest first, at most
    `MESSAGES_PAGE`) and the `after` of the next page, None when this one is the last (one
    more message is read to tell)."""
    found = workspace.messages(session=session, contact=contact, after=after,
                               limit=schemas.MESSAGES_PAGE + 1)
    page = [
        schemas.MessageOut(id=m.id or 0, direction="out" if m.direction == "out" else "in",
                           text=m.body, at=m.created_at)
        for m in found[:schemas.MESSAGES_PAGE]
    ]
    return page, page[-1].id if len(found) > len(page) else None


def next_page(reference: str, after: int | None) -> None:
    """Point the client at the rest of the conversation (RFC 8288 `Link`), if any."""
    if after is None:
        return
    link = f'<{url_for("api_v1.contact", reference=reference, after=after)}>; rel="next"'

    @after_this_request
    def _link(response: Response) -> Response:
        response.headers["Link"] = link
        return response


def details(session: Session, contact: Contact, messages: list[schemas.MessageOut],
            earlier: list[Contact]) -> schemas.ContactOut:
    """Return what a counsellor sees of a contact they may see (with this page of its
    conversation, and the person's `earlier` contacts as audited: `workspace.searched`)."""
    holder = session.get(User, contact.assigned_user_id) if contact.assigned_user_id else None
    return schemas.ContactOut(
        reference=contact.reference, channel=contact.channel, desk=contact.desk,
        queue=contact.queue, priority=contact.priority, crisis=contact.crisis,
        flags=sorted(contact.flags), status=contact.status,
        claimed_by=holder.email if holder else None,
        waiting_since=contacts.waiting_since(contact),
        messages=messages,
        notes=[
            schemas.NoteOut(kind=n.kind, text=n.body, at=n.created_at,
                            by=author_name(session, n.user_id))
            for n in workspace.notes_of(session=session, contact=contact)
        ],
        history=[c.reference for c in earlier],
        chat_ended=conversations.chat_ended(contact),
    )


def author_name(session: Session, user_id: int | None) -> str | None:
    """Return how colleagues see a note's author."""
    author = session.get(User, user_id) if user_id is not None else None
    return workspace.holder_name(author) if author else None


@bp.get("/contacts/<reference>")
@staff_required(COUNSELLOR)
@SPEC.validate(query=schemas.ContactQuery,
               resp=answers(200, schemas.ContactOut, HTTP_422=schemas.ErrorOut),
               operation_id="read_contact")
def contact(reference: str) -> Answer:
    """Show one contact's details; the read is audited. Its conversation comes a page at
    a time: `?after=` the last message id a client has, `Link: rel="next"` while more."""
    user = me()
    session = get_session()
    found = workspace.visible_contact(session=session, user=user, reference=reference)
    if found is None:
        raise not_found()
    earlier = workspace.earlier_contacts(session=session, user=user, contact=found)
    with writing() as writer:
        workspace.read(session=writer, user=user, contact=found, source=source(), detail="api",
                       listed=earlier)
    after: int = request.context.query.after  # type: ignore[attr-defined]
    # Past the largest id a row can have (the document allows more): nothing is newer.
    messages, more = conversation(session, found, min(after, MAX_ID))
    next_page(found.reference, more)
    return details(session, found, messages, earlier)


# --- changing ------------------------------------------------------------------------------


@bp.post("/contacts/<reference>/claim")
@staff_required(COUNSELLOR)
@SPEC.validate(headers=schemas.Retry,
               resp=answers(200, schemas.ClaimOut, HTTP_409=schemas.ErrorOut),
               operation_id="claim")
def claim(reference: str) -> Answer:
    """Take a contact to work it; 409 naming who, when someone else holds it."""
    max_live = current_app.config["LOKET"].max_live_chats

    def do(session: Session, user: User, contact: Contact) -> schemas.ClaimOut:
        workspace.claim(session=session, user=user, contact=contact, max_live=max_live,
                        source=source())
        return schemas.ClaimOut(status="claimed", claimed_by=user.email)

    return step(reference, "claim", do, answer=schemas.ClaimOut)


@bp.post("/contacts/<reference>/call")
@staff_required(COUNSELLOR)
@SPEC.validate(headers=schemas.Retry,
               resp=answers(202, schemas.DoneOut, HTTP_409=schemas.ErrorOut,
                            HTTP_422=schemas.ErrorOut),
               operation_id="call")
def call(reference: str) -> Answer:
    """Ring the counsellor's own phone, then bridge to the person (a due callback, from the
    desk's number) or to the waiting caller; the contact is claimed first if need be."""
    max_live = current_app.config["LOKET"].max_live_chats

    def do(session: Session, user: User, contact: Contact) -> schemas.DoneOut:
        if contact.assigned_user_id != user.id:
            workspace.claim(session=session, user=user, contact=contact, max_live=max_live,
                            source=source())
        calls.call(session=session, user=user, contact=contact, source=source())
        return schemas.DoneOut(status="calling")

    return step(reference, "call", do, answer=schemas.DoneOut, status=202)


@bp.post("/contacts/<reference>/release")
@staff_required(COUNSELLOR)
@SPEC.validate(headers=schemas.Retry,
               resp=answers(200, schemas.DoneOut, HTTP_409=schemas.ErrorOut),
               operation_id="release")
def release(reference: str) -> Answer:
    """Let go of a held contact: it waits in its queue again."""
    def do(session: Session, user: User, contact: Contact) -> schemas.DoneOut:
        workspace.release(session=session, contact=contact, user=user, source=source())
        return schemas.DoneOut(status="released")

    return step(reference, "release", do, answer=schemas.DoneOut)


@bp.post("/contacts/<reference>/messages")
@staff_required(COUNSELLOR)
@SPEC.validate(json=schemas.ReplyIn, headers=schemas.Retry,
               resp=answers(201, schemas.CreatedOut, HTTP_409=schemas.ErrorOut,
                            HTTP_400=schemas.ErrorOut),
               operation_id="reply")
def reply(reference: str) -> Answer:
    """Reply on the contact's own channel (a text goes out through the gateway)."""
    body: schemas.ReplyIn = parsed(schemas.ReplyIn)
    def do(session: Session, user: User, contact: Contact) -> schemas.CreatedOut:
        message_id = workspace.reply(session=session, user=user, contact=contact,
                                     text=body.text, source=source())
        return schemas.CreatedOut(id=message_id, status="sent")

    return step(reference, "reply", do, answer=schemas.CreatedOut, status=201)


@bp.post("/contacts/<reference>/notes")
@staff_required(COUNSELLOR)
@SPEC.validate(json=schemas.NoteIn, headers=schemas.Retry,
               resp=answers(201, schemas.CreatedOut, HTTP_400=schemas.ErrorOut),
               operation_id="add_note")
def note(reference: str) -> Answer:
    """Add a note (kept encrypted) to a contact."""
    body: schemas.NoteIn = parsed(schemas.NoteIn)

    def do(session: Session, user: User, contact: Contact) -> schemas.CreatedOut:
        made = workspace.add_note(session=session, user=user, contact=contact, text=body.text,
                                  source=source())
        session.flush()
        assert made.id is not None  # noqa: S101 - flushed above
        return schemas.CreatedOut(id=made.id, status="noted")

    return step(reference, "note", do, answer=schemas.CreatedOut, status=201,
                rename={"note": "text"})


@bp.post("/contacts/<reference>/transfer")
@staff_required(COUNSELLOR)
@SPEC.validate(json=schemas.TransferIn, headers=schemas.Retry,
               resp=answers(200, schemas.DoneOut, HTTP_409=schemas.ErrorOut,
                            HTTP_400=schemas.ErrorOut),
               operation_id="transfer")
def transfer(reference: str) -> Answer:
    """Hand a held contact over to another desk with a note; the caller loses sight of it."""
    body: schemas.TransferIn = parsed(schemas.TransferIn)
    def do(session: Session, user: User, contact: Contact) -> schemas.DoneOut:
        workspace.transfer(session=session, user=user, contact=contact, desk=body.desk,
                           note=body.note, source=source())
        return schemas.DoneOut(status="transferred")

    return step(reference, "transfer", do, answer=schemas.DoneOut)


@bp.post("/contacts/<reference>/close")
@staff_required(COUNSELLOR)
@SPEC.validate(json=schemas.CloseIn, headers=schemas.Retry,
               resp=answers(200, schemas.DoneOut, HTTP_409=schemas.ErrorOut,
                            HTTP_400=schemas.ErrorOut),
               operation_id="close")
def close(reference: str) -> Answer:
    """Close a held contact with its outcome; the counsellor wraps up."""
    body: schemas.CloseIn = parsed(schemas.CloseIn)
    wrapup = timedelta(minutes=current_app.config["LOKET"].wrapup_minutes)
    configured = lists.configured(current_app.config["LOKET"].workspace_lists)
    def do(session: Session, user: User, contact: Contact) -> schemas.DoneOut:
        workspace.close(
            session=session, user=user, contact=contact, outcome=body.outcome,
            contact_type=body.contact_type, categories=body.categories, note=body.note,
            wrapup=wrapup, source=source(), outcomes=configured.outcome_keys,
            category_keys=configured.category_keys,
            seen=None if body.seen is None else min(body.seen, MAX_ID))
        return schemas.DoneOut(status="closed")

    return step(reference, "close", do, answer=schemas.DoneOut)


@bp.post("/contacts/<reference>/break-glass")
@staff_required(COUNSELLOR)
@SPEC.validate(json=schemas.BreakGlassIn, headers=schemas.Retry,
               resp=answers(200, schemas.ContactOut, HTTP_400=schemas.ErrorOut),
               operation_id="break_glass")
def emergency(reference: str) -> Answer:
    """Open another desk's contact in an emergency, for a limited time; logged as such.
    Retried with its `Idempotency-Key`, it answers the contact again (a read, audited)
    while that access runs, and opens no second one."""
    body: schemas.BreakGlassIn = parsed(schemas.BreakGlassIn)
    try:
        out, more = opened(reference, body.reason)
    except IntegrityError:
        if retry_key() is None:
            raise
        out, more = opened(reference, body.reason)  # a copy sent at once kept the key first
    next_page(out.reference, more)
    return out


def opened(reference: str, reason: str) -> tuple[schemas.ContactOut, int | None]:
    """Open the contact by breaking the glass (or, for a call answered before under its
    key, the contact it opened) in one unit of work; return it and its next page."""
    user = me()
    key = retry_key()
    minutes = current_app.config["LOKET"].break_glass_minutes
    with writing() as session:
        again = key is not None and kept_answer(session, key) is not None
        if again:
            found = workspace.visible_contact(session=session, user=user,
                                              reference=reference.strip().upper())
        else:
            try:
                found = break_glass.open_case(session=session, user=user, reference=reference,
                                              reason=reason, minutes=minutes, source=source())
            except workspace.Refused as exc:
                raise ApiError(422, refusal(exc, exc.field), field=exc.field) from None
        if found is None:
            raise not_found()
        earlier = workspace.earlier_contacts(session=session, user=user, contact=found)
        workspace.read(session=session, user=user, contact=found, source=source(),
                       detail="api break-glass" + (" retried" if again else ""),
                       listed=earlier)
        messages, more = conversation(session, found)
        out = details(session, found, messages, earlier)
        if key is not None and not again:  # kept: what was done, not what was shown
            keep(session, key, "break_glass", schemas.DoneOut(status="opened"), 200, found.id)
    return out, more


@bp.put("/me/availability")
@staff_required(COUNSELLOR)
@SPEC.validate(json=schemas.AvailabilityIn,
               resp=answers(200, schemas.AvailabilityOut, HTTP_400=schemas.ErrorOut),
               operation_id="set_availability")
def availability() -> Answer:
    """Set the caller's availability (available, busy, wrap-up, away)."""
    body: schemas.AvailabilityIn = parsed(schemas.AvailabilityIn)
    with writing() as session:
        workspace.set_availability(session=session, user=me(), status=body.status)
    return schemas.AvailabilityOut(status=body.status)
