"""Channel adapter: SMS and WhatsApp (Twilio Messaging).

The conversation's steps are in `loket.channels.conversation`; here they are stored. Inbound
messages are `Message` rows; the automatic answers are kept with the webhook's `InboundEvent`
(its stored answer), so the `Message` rows a counsellor reads are what the person and the
counsellors wrote. An ordinary message (a first one, or an answer to a question) is worked
out before the write transaction and stored with plain statements; one that routes, escalates
or stops, or whose conversation moved on meanwhile, goes through the ORM.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial

import structlog
from flask import Blueprint, Response, request
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from twilio.twiml.messaging_response import MessagingResponse

from loket import intake, rules_runtime
from loket.channels.common import (
    Answer,
    Stale,
    answer_once,
    idempotency_key,
    replay_or_none,
    settings,
    twilio_signed,
)
from loket.channels.conversation import (
    ROUTED_STEPS,
    STOP_WORDS,
    WHATSAPP,
    Inbound,
    State,
    Step,
    greeting,
    plan,
)
from loket.channels.messaging_texts import TEXTS
from loket.i18n import CRISIS, normalise_language
from loket.store.models import Contact, Message
from loket.store.types import utcnow

bp = Blueprint("messaging", __name__, url_prefix="/twilio/messaging")
log = structlog.get_logger(__name__)

MESSAGE_SID = re.compile(r"[A-Za-z0-9]{2,64}")
# Delivery statuses in the order they happen: a late callback never moves a message back.
DELIVERY_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "undeliverable": 3,
    "failed": 3,
    "canceled": 3,
    "read": 4,
}


@lru_cache(maxsize=256)
def twiml(text: str | None) -> str:
    """Return a TwiML answer that sends this text back, or sends nothing.

    Most answers are the same few questions: each is rendered once and kept.
    """
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)


def bad_request(reason: str) -> Response:
    """Refuse a malformed webhook with its reason; nothing is stored."""
    return Response(f"Bad request: {reason}\n", 400, mimetype="text/plain")


def form_problem(*required: str) -> str | None:
    """Return what is wrong with the posted parameters, or None."""
    missing = [name for name in required if not request.form.get(name, "").strip()]
    if missing:
        return f"missing {', '.join(missing)}"
    if not MESSAGE_SID.fullmatch(request.form["MessageSid"].strip()):
        return "MessageSid is not a Twilio message id"
    if request.form.get("From", "").strip().lower() == WHATSAPP:
        return "From has no number"
    return None


@bp.post("")
@twilio_signed
def inbound() -> Response:
    """Answer one SMS or WhatsApp message: the next question, a confirmation or nothing."""
    problem = form_problem("From", "MessageSid")
    if problem:
        return bad_request(problem)
    turn = Turn(Inbound.from_form(request.form))
    return answer_once(
        channel=turn.message.channel,
        kind="message",
        sid=turn.message.sid,
        prepare=turn.look,
        handle=turn.answer,
    )


class Turn:
    """One inbound message: look at its conversation first, then store and answer it."""

    def __init__(self, message: Inbound) -> None:
        self.message = message

    def look(self, reader: Connection) -> PlainStart | NextStep | None:
        """Work out an ordinary message in full, without taking the write lock.

        Ordinary: a first message (no conversation open) that is no stop word and names no
        crisis, or a later one whose step only stores answers. Anything else is answered by
        `answer`.
        """
        message = self.message
        crisis = rules_runtime.is_crisis_text(message.body)
        digest = intake.sender_digest(message.sender)
        seen = intake.open_conversation(reader, message.channel, message.sender, digest=digest)
        if seen is None:
            if crisis or message.word in STOP_WORDS:
                return None
            return PlainStart(reader, message, digest)
        step = plan(state_of(seen), message, crisis=crisis)
        if step.action is not None:
            return None
        return NextStep(reader, message, seen, step)

    def answer(self, session: Session) -> Answer:
        """Store the message in its conversation, or open one, and return the answer.

        Messages of one sender are handled one at a time from here on.
        """
        message = self.message
        conn = session.connection()
        intake.hold_conversation(conn, message.channel, message.sender)
        open_id = intake.open_conversation_id(conn, message.channel, message.sender)
        return handle_message(session, message, open_id)


def state_of(contact: Contact | intake.OpenConversation) -> State:
    """Return what the conversation's steps read of its contact."""
    return State(contact.intake_step, contact.language, contact.status, contact.reference)


class PlainStart:
    """An ordinary first message: its contact is bound and its greeting rendered ahead."""

    def __init__(self, reader: Connection, message: Inbound, digest: str) -> None:
        contact_in = first_contact(message)
        self.message = message
        self.digest = digest
        self.body = twiml(greeting(contact_in.language))
        self.new = intake.bind_contact(
            reader.dialect,
            contact_in,
            reference=intake.random_reference(),  # a taken one sends it the long way
            actor=f"channel:{message.channel}",
            intake_step="who",
            first_message=message.body,
        )

    def write(self, conn: Connection) -> int:
        """Open the conversation, unless one opened meanwhile (then it is stale)."""
        message = self.message
        intake.hold_conversation(conn, message.channel, message.sender)
        if intake.open_conversation_id(
            conn, message.channel, message.sender, digest=self.digest
        ):
            raise Stale
        return intake.store_contact(conn, self.new)

    def written(self, contact_id: int | None) -> None:
        """Log the new conversation (its id and step, nothing personal)."""
        log.info("messaging.inbound", contact_id=contact_id, step="who")


class NextStep:
    """A later message whose step only stores answers: bound ahead, stored if nothing moved."""

    def __init__(
        self, reader: Connection, message: Inbound, seen: intake.OpenConversation, step: Step
    ) -> None:
        self.message = message
        self.seen = seen
        self.step = step
        self.body = twiml(step.reply)
        self.changes = dict(step.answers)
        if step.intake_step:
            self.changes["intake_step"] = step.intake_step
        self.inbound = intake.bind_message(
            reader.dialect, direction="in", body=message.body, external_id=message.sid
        )

    def write(self, conn: Connection) -> int:
        """Store the answers and the message, unless the conversation moved on meanwhile."""
        message = self.message
        intake.hold_conversation(conn, message.channel, message.sender)
        if not intake.advance_conversation(conn, self.seen, self.changes):
            raise Stale
        intake.store_message(conn, self.inbound, self.seen.id)
        return self.seen.id

    def written(self, contact_id: int | None) -> None:
        """Log the step reached (ids and step only)."""
        step = self.step.intake_step or self.seen.intake_step
        log.info("messaging.inbound", contact_id=contact_id, step=step)


@bp.post("/status")
@twilio_signed
def status() -> Response:
    """Record how far an outbound message got (sent, delivered, read, failed)."""
    problem = form_problem("MessageSid", "MessageStatus")
    if problem:
        return bad_request(problem)
    sid = request.form["MessageSid"].strip()
    value = request.form["MessageStatus"].strip().lower()
    address = request.form.get("To", "") or request.form.get("From", "")
    channel = "whatsapp" if address.lower().startswith(WHATSAPP) else "sms"
    return answer_once(
        channel=channel,
        kind="status",
        sid=sid,
        handle=partial(record_delivery, sid=sid, value=value),
    )


def handle_message(
    session: Session, message: Inbound, open_id: int | None
) -> tuple[str, Contact | None]:
    """Store one inbound message in its open conversation (if any) and return the answer."""
    contact = None if open_id is None else intake.load_contact(session, open_id)
    if contact is None:
        if message.word in STOP_WORDS:
            return twiml(None), None  # nothing open to stop; the goodbye was sent once
        contact = start_conversation(session, message)
        if contact is None:
            return duplicate_answer(session, message), None
        reply: str | None = Conversation(session, contact, message).first()
    else:
        intake.add_message(
            session, contact, direction="in", body=message.body, external_id=message.sid
        )
        reply = Conversation(session, contact, message).next()
    log.info("messaging.inbound", contact_id=contact.id, step=contact.intake_step)
    return twiml(reply), contact


def first_contact(message: Inbound) -> intake.ContactIn:
    """Return what a first message tells about its sender."""
    wanted = message.language or normalise_language(settings().default_language)
    return intake.ContactIn(
        channel=message.channel,
        external_id=message.sid,
        phone=message.sender,
        text=message.body,
        language="en" if wanted == "en" else "nl",
    )


def start_conversation(session: Session, message: Inbound) -> Contact | None:
    """Open a contact for a first message; None when a concurrent duplicate opened it."""
    try:
        contact = intake.open_contact(
            session, first_contact(message), actor=f"channel:{message.channel}"
        )
    except IntegrityError:
        session.rollback()
        return None
    intake.add_message(session, contact, direction="in", body=message.body, external_id=message.sid)
    return contact


def duplicate_answer(session: Session, message: Inbound) -> str:
    """Return what a concurrent duplicate of this first message was answered, or nothing."""
    replay = replay_or_none(session, idempotency_key(message.channel, "message", message.sid))
    return replay.get_data(as_text=True) if replay is not None else twiml(None)


class Conversation:
    """A conversation's steps stored through the ORM, with what routing, crisis and stop do."""

    def __init__(self, session: Session, contact: Contact, message: Inbound) -> None:
        self.session = session
        self.contact = contact
        self.message = message

    def say(self, key: str, **values: str | int) -> str:
        """Return a text in the contact's language."""
        return TEXTS.get(key, self.contact.language, **values)

    @property
    def routed(self) -> bool:
        """Tell whether the questions are behind us."""
        return self.contact.intake_step in ROUTED_STEPS

    def first(self) -> str:
        """Answer a first message: greet, name 112 and 113, ask who is writing."""
        if rules_runtime.is_crisis_text(self.message.body):
            return self.escalate()
        self.contact.intake_step = "who"
        return greeting(self.contact.language)

    def next(self) -> str | None:
        """Answer a later message: work out its step, store it, do what it asks."""
        crisis = rules_runtime.is_crisis_text(self.message.body)
        return self.take(plan(state_of(self.contact), self.message, crisis=crisis))

    def take(self, step: Step) -> str | None:
        """Store a step's answers and do its action; return the reply."""
        if step.answers:
            intake.update_answers(self.session, self.contact, **step.answers)
        if step.intake_step:
            self.contact.intake_step = step.intake_step
        if step.action == "route":
            return step.before + self.route(window=step.window)
        if step.action == "escalate":
            return self.escalate()
        if step.action == "stop":
            return self.stop()
        return step.reply

    def route(self, window: str = "asap") -> str:
        """Route the contact and say what happens next, with its reference."""
        intake.route_contact(self.session, self.contact, rules_runtime.decide)
        self.contact.intake_step = "routed"
        reference = self.contact.reference
        if self.contact.crisis:
            return self.say(
                "crisis", crisis=CRISIS.get("short", self.contact.language), reference=reference
            )
        if self.contact.respond == "callback":
            intake.request_callback(
                self.session, self.contact, phone=self.message.number, window=window
            )
            return self.say(
                "callback_confirmed", reference=reference, when=self.say(f"when_{window}")
            )
        position = intake.queue_position(self.session, self.contact)
        return self.say("chat_confirmed", reference=reference, position=position)

    def escalate(self) -> str:
        """Make the contact urgent and route it now; answer with 112 and 113 first."""
        contact = self.contact
        if intake.escalate(self.session, contact, rules_runtime.decide):
            log.warning("messaging.crisis", contact_id=contact.id)
        if not self.routed:
            contact.intake_step = "routed"
        return self.say(
            "crisis", crisis=CRISIS.get("short", contact.language), reference=contact.reference
        )

    def stop(self) -> str:
        """End the conversation on the person's word; the goodbye still names 112 and 113."""
        contact = self.contact
        now = utcnow()
        contact.status, contact.outcome, contact.closed_at = "closed", "other", now
        contact.intake_step, contact.updated_at = "stopped", now
        intake.cancel_callbacks(self.session, contact)
        self.session.add(contact)
        intake.audit(self.session, "update", contact, actor="person", detail="closed: stop word")
        return self.say("goodbye", crisis=CRISIS.get("short", contact.language))


def record_delivery(session: Session, *, sid: str, value: str) -> tuple[str, Contact | None]:
    """Move an outbound message's delivery status forward; an unknown sid changes nothing."""
    message = session.exec(
        select(Message).where(Message.external_id == sid, Message.direction == "out")
    ).first()
    if message is None:
        log.info("messaging.status_unknown_message", message_sid=sid)
        return twiml(None), None
    rank = DELIVERY_RANK.get(value)
    if rank is None:
        log.info("messaging.status_unknown_value", message_id=message.id, status=value[:32])
    elif rank > DELIVERY_RANK.get(message.delivery_status or "", -1):
        message.delivery_status = value
        session.add(message)
    return twiml(None), session.get(Contact, message.contact_id)
