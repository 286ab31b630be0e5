"""Channel adapter: SMS and WhatsApp (Twilio Messaging).

A text conversation asks the phone menu's questions one message at a time. Its step lives in
`Contact.intake_step`: who -> serving (only after 2) -> respond -> window (only for a
callback) -> routed -> acked; `:again` marks a question asked a second time, and `stopped`
a conversation the person ended. A crisis phrase in any message skips what is left and
routes the contact at once as urgent. Inbound messages are stored as `Message` rows; the
automatic answers are kept with the webhook's `InboundEvent` (its stored answer), so the
`Message` rows a counsellor reads are what the person and the counsellors wrote.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Literal, TypeVar

import structlog
from flask import Blueprint, Response, request
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.datastructures import MultiDict

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
from loket.channels.messaging_texts import TEXTS
from loket.i18n import CRISIS, normalise_language
from loket.store.models import Contact, Message
from loket.store.types import utcnow

bp = Blueprint("messaging", __name__, url_prefix="/twilio/messaging")
log = structlog.get_logger(__name__)

T = TypeVar("T")
WHATSAPP = "whatsapp:"
MESSAGE_SID = re.compile(r"[A-Za-z0-9]{2,64}")
STOP_WORDS = frozenset({"STOP", "STOPP", "STOPPEN", "UNSUBSCRIBE"})
LANGUAGE_WORDS = {"EN": "en", "ENGLISH": "en", "NL": "nl", "NEDERLANDS": "nl"}
# "English please" asks for English; a bare "en" (Dutch for "and") only as the whole message.
LANGUAGE_NAMES = frozenset({"ENGLISH", "NEDERLANDS"})
MENU_ENGLISH = "9"
MENU_NOW = "0"
# The phone menu's numbers: who is writing (organisation, relation).
WHO = {
    "1": ("police", "self"),
    "2": ("defence", "self"),
    "3": ("police", "family"),
    "4": ("defence", "family"),
    "5": ("unknown", "self"),
}
SERVING = {"1": "serving", "2": "former"}
RESPOND = {"1": "chat", "2": "callback"}
WINDOWS = {"1": "asap", "2": "evening", "3": "tomorrow"}
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


@dataclass(frozen=True)
class Inbound:
    """One message as Twilio posted it."""

    sid: str
    sender: str
    body: str

    @classmethod
    def from_form(cls, form: MultiDict[str, str]) -> Inbound:
        """Read the message from a webhook's form."""
        return cls(form["MessageSid"].strip(), form["From"].strip(), form.get("Body", ""))

    @property
    def channel(self) -> Literal["sms", "whatsapp"]:
        """Return whatsapp for a WhatsApp sender, sms otherwise."""
        return "whatsapp" if self.sender.lower().startswith(WHATSAPP) else "sms"

    @property
    def number(self) -> str:
        """Return the sender's phone number without the `whatsapp:` address prefix."""
        return self.sender[len(WHATSAPP) :] if self.channel == "whatsapp" else self.sender

    @property
    def word(self) -> str:
        """Return the message as one upper-case keyword candidate (STOP, EN, ...)."""
        return re.sub(r"[^\w ]", "", self.body).strip().upper()

    @property
    def language(self) -> str | None:
        """Return the language this message asks for (`EN`, `English please`), if any."""
        words = self.word.split()
        if len(words) == 1 or (words and words[0] in LANGUAGE_NAMES and len(words) <= 3):
            return LANGUAGE_WORDS.get(words[0])
        return None

    @property
    def digit(self) -> str | None:
        """Return the menu number this message answers, if it is one (`1`, ` 2.`)."""
        found = re.fullmatch(r"\s*(\d)\s*[.)!]?\s*", self.body)
        return found.group(1) if found else None


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

    def look(self, reader: Connection) -> PlainStart | None:
        """Prepare an ordinary first message in full, without taking the write lock.

        An ordinary first message opens no conversation yet (none is open), is no stop word
        and names no crisis; anything else is answered by `answer`.
        """
        message = self.message
        if message.word in STOP_WORDS or rules_runtime.is_crisis_text(message.body):
            return None
        digest = intake.sender_digest(message.sender)
        if intake.open_conversation_id(reader, message.channel, message.sender, digest=digest):
            return None
        return PlainStart(reader, message, digest)

    def answer(self, session: Session) -> Answer:
        """Store the message in its conversation, or open one, and return the answer.

        Messages of one sender are handled one at a time from here on.
        """
        message = self.message
        conn = session.connection()
        intake.hold_conversation(conn, message.channel, message.sender)
        open_id = intake.open_conversation_id(conn, message.channel, message.sender)
        return handle_message(session, message, open_id)


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
            reference=intake.new_reference(reader),
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


def greeting(language: str) -> str:
    """Return the answer to a first message: welcome, 112 and 113, who is writing."""
    welcome = TEXTS.get("welcome", language, crisis=CRISIS.get("short", language))
    return welcome + "\n\n" + TEXTS.get("who", language)


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
    """The next step of one text conversation, in the contact's language."""

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
        return self.contact.intake_step in ("routed", "acked")

    def first(self) -> str:
        """Answer a first message: greet, name 112 and 113, ask who is writing."""
        if rules_runtime.is_crisis_text(self.message.body):
            return self.escalate()
        self.contact.intake_step = "who"
        return greeting(self.contact.language)

    def next(self) -> str | None:
        """Answer a later message: crisis, stop, language, or the step it answers."""
        if rules_runtime.is_crisis_text(self.message.body):
            return self.escalate()
        if self.message.word in STOP_WORDS:
            return self.stop()
        if self.message.language:
            return self.switch_language(self.message.language)
        step, _, again = self.contact.intake_step.partition(":")
        if step == "routed":
            return self.acknowledge()
        if step == "acked":
            return None  # a counsellor answers by hand; no automatic reply to every message
        if self.message.digit == MENU_ENGLISH:
            return self.switch_language("en")
        handler = {
            "serving": self.on_serving,
            "respond": self.on_respond,
            "window": self.on_window,
        }.get(step, self.on_who)
        return handler(bool(again))

    def ask(self, step: str, before: str = "") -> str:
        """Move to a question and return it."""
        self.contact.intake_step = step
        return before + self.say(step)

    def ask_again(self, step: str) -> str:
        """Ask a question a second time, kindly; the next miss takes the default."""
        self.contact.intake_step = f"{step}:again"
        return self.say("again") + "\n" + self.say(step)

    def pick(self, options: Mapping[str, T], again: bool, default: T) -> tuple[T | None, str]:
        """Return the chosen option, or the default after a second miss with a word about it."""
        choice = options.get(self.message.digit or "")
        if choice is not None:
            return choice, ""
        if again:
            return default, self.say("default") + "\n"
        return None, ""

    def on_who(self, again: bool) -> str:
        """Take who is writing: police, veteran or military, family of either, or other."""
        if self.message.digit == MENU_NOW:
            return self.escalate()
        choice, before = self.pick(WHO, again, WHO["5"])
        if choice is None:
            return self.ask_again("who")
        organisation, relation = choice
        intake.update_answers(
            self.session, self.contact, organisation=organisation, relation=relation
        )
        if choice == WHO["2"]:
            return self.ask("serving", before)
        return self.ask("respond", before)

    def on_serving(self, again: bool) -> str:
        """Take whether a veteran or soldier serves now or served before."""
        choice, before = self.pick(SERVING, again, "unknown")
        if choice is None:
            return self.ask_again("serving")
        intake.update_answers(self.session, self.contact, serving_status=choice)
        return self.ask("respond", before)

    def on_respond(self, again: bool) -> str:
        """Take chat now or a callback; chat now routes at once."""
        choice, before = self.pick(RESPOND, again, "chat")
        if choice is None:
            return self.ask_again("respond")
        intake.update_answers(self.session, self.contact, preference=choice)
        if choice == "callback":
            return self.ask("window", before)
        return before + self.route()

    def on_window(self, again: bool) -> str:
        """Take the callback window, then route."""
        choice, before = self.pick(WINDOWS, again, "asap")
        if choice is None:
            return self.ask_again("window")
        return before + self.route(window=choice)

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

    def acknowledge(self) -> str:
        """Say once, after routing, that the message arrived; later messages get no reply."""
        self.contact.intake_step = "acked"
        key = "ack_callback" if self.contact.status == "callback" else "ack_chat"
        return self.say(key, reference=self.contact.reference)

    def switch_language(self, language: str) -> str:
        """Speak this language from now on; repeat the question or acknowledge in it."""
        intake.update_answers(self.session, self.contact, language=language)
        if self.routed:
            return self.acknowledge()
        step = self.contact.intake_step.partition(":")[0]
        return self.ask(step if step in ("serving", "respond", "window") else "who")

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
