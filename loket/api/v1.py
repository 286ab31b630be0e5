"""The workspace's calls as JSON (DESIGN.md "The command line and the API").

Each call runs as the pages do: rights from `access` (through `workspace.visible_contact`),
the step from `loket.domain.workspace`, one unit of work (`writing`) that locks the contact
first and dispatches promised jobs after the answer. A contact the caller may not see is a
404, the same as one that does not exist; a refused step is `{"error", "field"}`.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from sqlmodel import Session

from loket.api import schemas
from loket.api.openapi import SPEC, answers
from loket.api.steps import ApiError, not_found, parsed, step
from loket.channels.common import writing
from loket.desk.identity import staff_required
from loket.desk.workspace import me, source
from loket.domain import access, break_glass, calls, contacts, lists, workspace
from loket.store.db import get_session
from loket.store.models import Contact, User

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
COUNSELLOR = "counsellor"
# What a call returns: its model (spectree checks it and writes it as JSON), with a status.
Answer = BaseModel | tuple[BaseModel, int]


@bp.errorhandler(ApiError)
def refused(exc: ApiError) -> ResponseReturnValue:
    """Answer a refused call as JSON."""
    body = schemas.ErrorOut(error=exc.error, field=exc.field, holder=exc.holder)
    return jsonify(body.model_dump(exclude_none=True)), exc.status


@bp.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    """Describe this API: the OpenAPI document generated from its models."""
    return jsonify(SPEC.spec)


# --- reading -------------------------------------------------------------------------------


@bp.get("/queue/<queue>")
@staff_required(COUNSELLOR)
@SPEC.validate(resp=answers(200, schemas.QueueOut), operation_id="queue")
def queue(queue: str) -> Answer:
    """List a queue's open contacts, crisis first: no personal data."""
    user = me()
    if queue not in contacts.QUEUES:
        raise ApiError(404, "queue: no such queue", field="queue")
    if queue not in access.queues_served(user):
        raise ApiError(403, "queue: not a queue you serve", field="queue")
    items = [
        schemas.QueueItemOut(reference=i.reference, channel=i.channel, priority=i.priority,
                             flags=list(i.flags), waiting_since=i.waiting_since)
        for i in workspace.queue_for(session=get_session(), user=user) if i.queue == queue
    ]
    return schemas.QueueOut(queue=queue, items=items)


def details(session: Session, user: User, contact: Contact) -> schemas.ContactOut:
    """Return what a counsellor sees of a contact they may see."""
    holder = session.get(User, contact.assigned_user_id) if contact.assigned_user_id else None
    return schemas.ContactOut(
        reference=contact.reference, channel=contact.channel, desk=contact.desk,
        queue=contact.queue, priority=contact.priority, crisis=contact.crisis,
        flags=sorted(contact.flags), status=contact.status,
        claimed_by=holder.email if holder else None,
        waiting_since=contact.routed_at or contact.created_at,
        messages=[
            schemas.MessageOut(id=m.id or 0, direction="out" if m.direction == "out" else "in",
                               text=m.body, at=m.created_at)
            for m in workspace.messages(session=session, contact=contact)
        ],
        notes=[
            schemas.NoteOut(kind=n.kind, text=n.body, at=n.created_at,
                            by=author_name(session, n.user_id))
            for n in workspace.notes_of(session=session, contact=contact)
        ],
        history=[c.reference for c in
                 workspace.earlier_contacts(session=session, user=user, contact=contact)],
    )


def author_name(session: Session, user_id: int | None) -> str | None:
    """Return how colleagues see a note's author."""
    author = session.get(User, user_id) if user_id is not None else None
    return workspace.holder_name(author) if author else None


@bp.get("/contacts/<reference>")
@staff_required(COUNSELLOR)
@SPEC.validate(resp=answers(200, schemas.ContactOut), operation_id="read_contact")
def contact(reference: str) -> Answer:
    """Show one contact's details; the read is audited."""
    user = me()
    session = get_session()
    found = workspace.visible_contact(session=session, user=user, reference=reference)
    if found is None:
        raise not_found()
    with writing() as writer:
        workspace.read(session=writer, user=user, contact=found, source=source(), detail="api")
    return details(session, user, found)


# --- changing ------------------------------------------------------------------------------


@bp.post("/contacts/<reference>/claim")
@staff_required(COUNSELLOR)
@SPEC.validate(resp=answers(200, schemas.ClaimOut, HTTP_409=schemas.ErrorOut),
               operation_id="claim")
def claim(reference: str) -> Answer:
    """Take a contact to work it; 409 naming who, when someone else holds it."""
    max_live = current_app.config["LOKET"].max_live_chats

    def do(session: Session, user: User, contact: Contact) -> schemas.ClaimOut:
        workspace.claim(session=session, user=user, contact=contact, max_live=max_live,
                        source=source())
        return schemas.ClaimOut(status="claimed", claimed_by=user.email)

    out: schemas.ClaimOut = step(reference, "claim", do)
    return out


@bp.post("/contacts/<reference>/call")
@staff_required(COUNSELLOR)
@SPEC.validate(resp=answers(202, schemas.DoneOut, HTTP_409=schemas.ErrorOut,
                            HTTP_422=schemas.ErrorOut),
               operation_id="call")
def call(reference: str) -> Answer:
    """Ring the counsellor's own phone, then bridge to the person (a due callback, from the
    desk's number) or to the waiting caller; the contact is claimed first if need be."""
    max_live = current_app.config["LOKET"].max_live_chats

    def do(session: Session, user: User, contact: Contact) -> None:
        if contact.assigned_user_id != user.id:
            workspace.claim(session=session, user=user, contact=contact, max_live=max_live,
                            source=source())
        calls.call(session=session, user=user, contact=contact, source=source())

    step(reference, "call", do)
    return schemas.DoneOut(status="calling"), 202


@bp.post("/contacts/<reference>/release")
@staff_required(COUNSELLOR)
@SPEC.validate(resp=answers(200, schemas.DoneOut, HTTP_409=schemas.ErrorOut),
               operation_id="release")
def release(reference: str) -> Answer:
    """Let go of a held contact: it waits in its queue again."""
    step(reference, "release", lambda session, user, contact: contacts.release(
        session=session, contact=contact, user=user, source=source()))
    return schemas.DoneOut(status="released")


@bp.post("/contacts/<reference>/messages")
@staff_required(COUNSELLOR)
@SPEC.validate(json=schemas.ReplyIn,
               resp=answers(201, schemas.CreatedOut, HTTP_409=schemas.ErrorOut,
                            HTTP_400=schemas.ErrorOut),
               operation_id="reply")
def reply(reference: str) -> Answer:
    """Reply on the contact's own channel (a text goes out through the gateway)."""
    body: schemas.ReplyIn = parsed(schemas.ReplyIn)
    message_id: int = step(reference, "reply", lambda session, user, contact: workspace.reply(
        session=session, user=user, contact=contact, text=body.text, source=source()))
    return schemas.CreatedOut(id=message_id, status="sent"), 201


@bp.post("/contacts/<reference>/notes")
@staff_required(COUNSELLOR)
@SPEC.validate(json=schemas.NoteIn,
               resp=answers(201, schemas.CreatedOut, HTTP_400=schemas.ErrorOut),
               operation_id="add_note")
def note(reference: str) -> Answer:
    """Add a note (kept encrypted) to a contact."""
    body: schemas.NoteIn = parsed(schemas.NoteIn)

    def do(session: Session, user: User, contact: Contact) -> int:
        made = workspace.add_note(session=session, user=user, contact=contact, text=body.text,
                                  source=source())
        session.flush()
        assert made.id is not None  # noqa: S101 - flushed above
        return made.id

    note_id: int = step(reference, "note", do, rename={"note": "text"})
    return schemas.CreatedOut(id=note_id, status="noted"), 201


@bp.post("/contacts/<reference>/transfer")
@staff_required(COUNSELLOR)
@SPEC.validate(json=schemas.TransferIn,
               resp=answers(200, schemas.DoneOut, HTTP_409=schemas.ErrorOut,
                            HTTP_400=schemas.ErrorOut),
               operation_id="transfer")
def transfer(reference: str) -> Answer:
    """Hand a held contact over to another desk with a note; the caller loses sight of it."""
    body: schemas.TransferIn = parsed(schemas.TransferIn)
    step(reference, "transfer", lambda session, user, contact: workspace.transfer(
        session=session, user=user, contact=contact, desk=body.desk, note=body.note,
        source=source()))
    return schemas.DoneOut(status="transferred")


@bp.post("/contacts/<reference>/close")
@staff_required(COUNSELLOR)
@SPEC.validate(json=schemas.CloseIn,
               resp=answers(200, schemas.DoneOut, HTTP_409=schemas.ErrorOut,
                            HTTP_400=schemas.ErrorOut),
               operation_id="close")
def close(reference: str) -> Answer:
    """Close a held contact with its outcome; the counsellor wraps up."""
    body: schemas.CloseIn = parsed(schemas.CloseIn)
    wrapup = timedelta(minutes=current_app.config["LOKET"].wrapup_minutes)
    configured = lists.configured(current_app.config["LOKET"].workspace_lists)
    step(reference, "close", lambda session, user, contact: workspace.close(
        session=session, user=user, contact=contact, outcome=body.outcome,
        contact_type=body.contact_type, categories=body.categories, note=body.note,
        wrapup=wrapup, source=source(), outcomes=configured.outcome_keys,
        category_keys=configured.category_keys, seen=body.seen))
    return schemas.DoneOut(status="closed")


@bp.post("/contacts/<reference>/break-glass")
@staff_required(COUNSELLOR)
@SPEC.validate(json=schemas.BreakGlassIn,
               resp=answers(200, schemas.ContactOut, HTTP_400=schemas.ErrorOut),
               operation_id="break_glass")
def emergency(reference: str) -> Answer:
    """Open another desk's contact in an emergency, for a limited time; logged as such."""
    body: schemas.BreakGlassIn = parsed(schemas.BreakGlassIn)
    user = me()
    minutes = current_app.config["LOKET"].break_glass_minutes
    try:
        with writing() as session:
            found = break_glass.open_case(session=session, user=user, reference=reference,
                                          reason=body.reason, minutes=minutes, source=source())
            if found is None:
                raise not_found()
            workspace.read(session=session, user=user, contact=found, source=source(),
                           detail="api break-glass")
            out = details(session, user, found)
    except workspace.Refused as exc:
        raise ApiError(422, str(exc), field=exc.field) from None
    return out


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
