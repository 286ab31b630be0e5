"""Channel adapter: SMS and WhatsApp (Twilio Messaging).

The conversation's steps are in `loket.channels.conversation`; here they are parsed, stored
through the domain and answered. Inbound messages are `Message` rows; the automatic answers
are kept with the webhook's `InboundEvent` (its stored answer), so the `Message` rows a
counsellor reads are what the person and the counsellors wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial

import structlog
from flask import Blueprint, Response, request
from sqlmodel import Session
from twilio.twiml.messaging_response import MessagingResponse

from loket import rules_runtime
from loket.channels import senders
from loket.channels.common import Answer, answer_once, continuity, settings, twilio_signed
from loket.channels.conversation import (
    MENU_NOW,
    ROUTED_STEPS,
    SPLIT_WINDOW,
    START_WORDS,
    STOP_WORDS,
    WHATSAPP,
    Inbound,
    State,
    Step,
    greeting,
    keyword,
    plan,
    split_crisis,
)
from loket.channels.messaging_texts import TEXTS
from loket.domain import audit, callbacks, calls, contacts, conversations, workspace
from loket.domain.conversations import STOPPED
from loket.i18n import CRISIS, LANGUAGES, normalise_language
from loket.store.models import Contact

bp = Blueprint("messaging", __name__, url_prefix="/twilio/messaging")
log = structlog.get_logger(__name__)

MESSAGE_SID = re.compile(r"[A-Za-z0-9]{2,64}")


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
    try:
        if "From" in request.form:  # only what Twilio sends: loket/channels/senders.py
            senders.message_sender(request.form["From"])
    except ValueError as problem:
        return str(problem)
    return None


@bp.post("")
@twilio_signed
def inbound() -> Response:
    """Answer one SMS or WhatsApp message: the next question, a confirmation or nothing."""
    problem = form_problem("From", "MessageSid")
    if problem:
        return bad_request(problem)
    turn = TextTurn(Inbound.from_form(request.form))
    return answer_once(
        channel=turn.message.channel,
        kind="message",
        sid=turn.message.sid,
        handle=turn.handle,
        find=turn.find,
    )


@bp.post("/status")
@twilio_signed
def status() -> Response:
    """Record how far an outbound message got (sent, delivered, read, failed)."""
    problem = form_problem("MessageSid", "MessageStatus")
    if problem:
        return bad_request(problem)
    sid = request.form["MessageSid"].strip()
    value = request.form["MessageStatus"].strip().lower()
    error = request.form.get("ErrorCode", "").strip()[:16]
    address = request.form.get("To", "") or request.form.get("From", "")
    channel = "whatsapp" if address.lower().startswith(WHATSAPP) else "sms"
    return answer_once(
        channel=channel,
        kind="status",
        sid=sid,
        handle=partial(record_delivery, sid=sid, value=value, error=error),
    )


def state_of(contact: Contact) -> State:
    """Return what the conversation's steps read of its contact."""
    return State(contact.intake_step, contact.language, contact.status, contact.reference)


@dataclass
class TextTurn:
    """One inbound message in its unit of work: first one read, then the handling."""

    message: Inbound
    seen: conversations.TextWebhook | None = None

    def find(self, session: Session, key: str) -> tuple[str | None, str] | None:
        """Hold the sender, then read the stored answer, the open conversation and a free
        reference in one statement; return the stored answer of a replay."""
        message = self.message
        conversations.hold_sender(session=session, channel=message.channel, sender=message.sender)
        self.seen = conversations.read_text_webhook(
            session=session, key=key, channel=message.channel, sender=message.sender,
            reference=contacts.random_reference(),
        )
        return self.seen.answer

    def handle(self, session: Session) -> Answer:
        """Handle the message with what `find` read."""
        return handle_message(session, message=self.message, seen=self.seen)


def handle_message(
    session: Session, *, message: Inbound, seen: conversations.TextWebhook | None = None
) -> Answer:
    """Store one inbound message in its open conversation, or open one; return the answer.

    Messages of one sender are handled one at a time from here on. `seen` is what this unit
    of work already read after holding the sender (`TextTurn.find`).
    """
    if seen is None:
        conversations.hold_sender(
            session=session, channel=message.channel, sender=message.sender
        )
        contact = conversations.open_conversation(
            session=session, channel=message.channel, sender=message.sender
        )
    else:
        contact = seen.contact
    if contact is None:
        if message.word in STOP_WORDS:
            return twiml(None), None  # nothing open to stop; the goodbye was sent once
        if seen is not None:
            earlier = seen.earlier_language
        else:
            found = conversations.earlier_contact(session=session, sender=message.sender)
            earlier = found.language if found is not None else None
        contact = contacts.open_contact(
            session=session, contact_in=first_contact(message, earlier),
            actor=f"channel:{message.channel}", intake_step="who",
            reference=seen.reference if seen else None,
        )
        conversations.add_message(
            session=session, contact=contact, direction="in", body=stored_body(message),
            external_id=message.sid,
        )
        stopped = None if seen is None else seen.earlier_step == STOPPED
        reply: str | None = Conversation(session, contact, message, stopped).first()
    else:
        conversations.add_message(
            session=session, contact=contact, direction="in", body=stored_body(message),
            external_id=message.sid,
        )
        reply = Conversation(session, contact, message).next()
    log.info("messaging.inbound", contact_id=contact.id, step=contact.intake_step)
    return twiml(reply), contact


def stored_body(message: Inbound) -> str:
    """Return what the counsellor reads of a message: its text, and a note of what it had
    attached that Loket does not show (a photo, a voice note) or a location pin it shared,
    in the desk's language."""
    language = normalise_language(settings().default_language)
    notes = [TEXTS.get("media_stored", language)] if message.media else []
    if message.place:
        notes.append(TEXTS.get("location_stored", language, place=message.place))
    if not notes:
        return message.body
    return "\n".join([message.body.strip(), *notes] if message.body.strip() else notes)


def first_contact(message: Inbound, earlier: str | None = None) -> contacts.ContactIn:
    """Return what a first message tells about its sender: the language it asks for, else
    the one of their contact before (`earlier`, found by their number's keyed hash), else the
    desk's."""
    wanted = message.language or earlier or normalise_language(settings().default_language)
    return contacts.ContactIn(
        channel=message.channel,
        external_id=message.sid,
        phone=message.sender,
        text=stored_body(message),
        language="en" if wanted == "en" else "nl",
    )


class Conversation:
    """A conversation's steps stored through the domain, with what routing, crisis and stop do."""

    def __init__(self, session: Session, contact: Contact, message: Inbound,
                 stopped_before: bool | None = None) -> None:
        self.session = session
        self.contact = contact
        self.message = message
        # Whether the number's conversation before this one on the channel had stopped, when
        # the webhook's read already told (`conversations.TextWebhook.earlier_step`).
        self.stopped_before = stopped_before

    def say(self, key: str, **values: str | int) -> str:
        """Return a text in the contact's language."""
        return TEXTS.get(key, self.contact.language, **values)

    @property
    def routed(self) -> bool:
        """Tell whether the questions are behind us."""
        return self.contact.intake_step in ROUTED_STEPS

    def step(self, name: str) -> None:
        """Store the conversation's step."""
        contacts.set_step(session=self.session, contact=self.contact, step=name)

    def first(self) -> str | None:
        """Answer a first message: greet, name 112 and 113, ask who is writing; a crisis
        phrase, or asking for help ("help", the menu's 0), reaches someone now.

        An SMS number that said stop in its conversation before and not START since gets no
        answer (Twilio would not deliver it): its contact is routed now, to be called."""
        if rules_runtime.is_crisis_text(self.message.body):
            return self.in_their_words(self.escalate())
        if self.message.choice("who", self.contact.language) == MENU_NOW:
            return self.escalate()  # "help", "0": someone now, the first message too
        if self.opted_out_before():
            self.no_texts()
            return None
        self.step("who")
        if self.message.only_media or self.message.only_place:  # the greeting names 112, 113
            key = "location" if self.message.only_place else "media"
            return self.say(key, crisis="").strip() + "\n\n" + greeting(self.contact.language)
        return greeting(self.contact.language)

    def in_their_words(self, reply: str) -> str:
        """Add the crisis answer in the language the person wrote their crisis phrase in, when
        that is not the contact's and they asked for no language: an English speaker's first
        "I want to die" is answered in English too, not in Dutch only."""
        written = rules_runtime.crisis_language(self.message.body)
        if (self.message.language is not None or written not in LANGUAGES
                or written == self.contact.language):
            return reply
        return reply + "\n\n" + TEXTS.get(
            "crisis", written or "", crisis=CRISIS.get("short", written or ""),
            reference=self.contact.reference)

    def next(self) -> str | None:
        """Answer a later message: work out its step, store it, do what it asks."""
        crisis = rules_runtime.is_crisis_text(self.message.body) or self.split_crisis()
        step = plan(state_of(self.contact), self.message, crisis=crisis)
        reply = self.take(step)
        if step.action in (None, "no_texts") and self.back_in_queue():
            if step.action == "no_texts":
                return None  # Twilio delivers no SMS to the number: the counsellor calls
            return self.written_again(reply)
        return reply

    def back_in_queue(self) -> bool:
        """Put the contact back in its queue when every callback of it failed: the person
        writes again (`conversations.written_after_failed_callbacks`)."""
        return conversations.written_after_failed_callbacks(
            session=self.session, contact=self.contact, decide=rules_runtime.decide,
            continuity=continuity(), actor="person",
        )

    def written_again(self, reply: str | None) -> str:
        """Say that the message of a person whose callback failed reached the desk and that
        a counsellor will answer (after what a photo or a location pin was told)."""
        again = self.say("written_again", reference=self.contact.reference)
        self.step("acked")  # one answer: a counsellor answers the messages after it
        if reply and (self.message.only_media or self.message.only_place):
            return f"{reply}\n\n{again}"
        return again

    def split_crisis(self) -> bool:
        """Tell whether this message and the person's one before it, sent moments apart, make
        a crisis phrase together (`conversation.split_crisis`)."""
        before = conversations.previous_text(
            session=self.session, contact=self.contact, within=SPLIT_WINDOW
        )
        return split_crisis(before, self.message.body, rules_runtime.is_crisis_text)

    def take(self, step: Step) -> str | None:
        """Store a step's answers and do its action; return the reply."""
        if step.answers:
            contacts.update_answers(session=self.session, contact=self.contact, **step.answers)
        if step.intake_step:
            self.step(step.intake_step)
        if step.action == "route":
            return step.before + self.route(window=step.window)
        if step.action == "escalate":
            return self.escalate()
        if step.action == "stop":
            return self.stop()
        if step.action == "no_texts":
            self.no_texts()
            return None
        return step.reply

    def route(self, window: str = "asap") -> str:
        """Route the contact and say what happens next, with its reference."""
        session, contact = self.session, self.contact
        contacts.route_contact(session=session, contact=contact, decide=rules_runtime.decide,
                           continuity=continuity())
        self.step("routed")
        reference = contact.reference
        if contact.crisis:
            return self.say(
                "crisis", crisis=CRISIS.get("short", contact.language), reference=reference
            )
        if contact.respond == "callback":
            callbacks.request_callback(
                session=session, contact=contact, phone=self.message.number, window=window
            )
            when = self.say(f"when_{callbacks.said_window(window)}")  # tonight, or tomorrow
            return self.say("callback_confirmed", reference=reference, when=when)
        position = workspace.place_in_line(session=session, contact=contact)
        return self.say("chat_confirmed", reference=reference, position=position)

    def escalate(self) -> str:
        """Make the contact urgent and route it now; answer with 112 and 113 first.

        A person whose SMS number said stop and not START since (Twilio delivers no text to
        it, this answer included) is kept waiting with their number to be called at once, as
        a person in crisis who says stop is."""
        contact = self.contact
        if contacts.escalate(session=self.session, contact=contact, decide=rules_runtime.decide):
            log.warning("messaging.crisis", contact_id=contact.id)
        if not self.routed and not self.texts_blocked:
            self.step("routed")
        if self.texts_blocked or self.opted_out_before():
            self.keep_to_call("crisis after a stop word: no texts, to be called")
        return self.say(
            "crisis", crisis=CRISIS.get("short", contact.language), reference=contact.reference
        )

    @property
    def texts_blocked(self) -> bool:
        """Tell whether this conversation's person said stop on SMS and has not said START
        since: Twilio delivers no text to the number, so the counsellor calls (on WhatsApp
        any message opens the conversation again)."""
        return (self.contact.intake_step == STOPPED and self.message.channel == "sms"
                and self.message.word not in START_WORDS)

    def opted_out_before(self) -> bool:
        """Tell whether this conversation's SMS number said stop in its conversation before
        and has not written START since (Twilio delivers no text to it)."""
        if self.message.channel != "sms":
            return False
        stopped = self.stopped_before
        if stopped is None:
            last = conversations.earlier_contact(
                session=self.session, sender=self.message.sender, channel="sms",
                before=self.contact.id,
            )
            stopped = last is not None and last.intake_step == STOPPED
        if not stopped:
            return False
        written = conversations.shown_messages(session=self.session, contact=self.contact)
        return not any(message.direction == "in" and keyword(message.body) in START_WORDS
                       for message in written)

    def no_texts(self) -> None:
        """Answer nothing to a message from an SMS number Twilio opted out (no START since
        its stop): the conversation reaches a counsellor, who is told to call
        (`conversations.stop_texts`)."""
        conversations.stop_texts(
            session=self.session, contact=self.contact, phone=self.message.number,
            decide=rules_runtime.decide, continuity=continuity(), actor="person",
            detail="sms number opted out: no texts, to be called",
        )

    def keep_to_call(self, detail: str) -> bool:
        """Keep a person in crisis to whom no text goes waiting, with their number to be called
        at once (`calls.keep_crisis_open`); return False when it was kept so already."""
        kept = calls.keep_crisis_open(
            session=self.session, contact=self.contact,
            phone=contacts.bare_number(self.message.sender), step=STOPPED,
        )
        if kept:
            audit.record(session=self.session, event="update", contact=self.contact,
                         actor="person", detail=detail)
        return kept

    def stop(self) -> str:
        """End the conversation on the person's word; the goodbye still names 112 and 113.

        A person in crisis who says stop is not closed away: no more texts go to them, and
        the contact stays open, its alarms going on, with their number to be called back at
        once (as a crisis caller who hangs up); the counsellor who takes it calls."""
        contact = self.contact
        if contact.crisis and contact.status != "closed":
            if not self.keep_to_call("stop word: no texts, crisis kept open"):
                self.step(STOPPED)
            return self.goodbye("goodbye_crisis")
        contacts.close(
            session=self.session, contact=contact, outcome="other", actor="person",
            detail="closed: stop word",
        )
        self.step(STOPPED)
        return self.goodbye("goodbye")

    def goodbye(self, key: str) -> str:
        """Return the goodbye after a stop word, with how to write again on this channel (an
        SMS number opted out with Twilio hears nothing more until it sends START)."""
        again = self.say(f"again_{self.message.channel}")
        return self.say(key, again=again, crisis=CRISIS.get("short", self.contact.language))


def record_delivery(session: Session, *, sid: str, value: str, error: str = "") -> Answer:
    """Move an outbound message's delivery status forward; Twilio's error 21610 (the SMS
    number opted out) stops the texts to its conversation (`conversations.delivery_reported`).

    A status of a sid not kept yet (it came before the worker stored the sid) is kept
    unmatched, and taken when the sid is (`conversations.keep_sid`)."""
    message = conversations.record_delivery(session=session, sid=sid, value=value, error=error,
                                            decide=rules_runtime.decide,
                                            continuity=continuity())
    if message is None:
        log.info("messaging.status_unknown_message", message_sid=sid)
        return twiml(None), None
    if value not in conversations.DELIVERY_RANK:
        log.info("messaging.status_unknown_value", message_id=message.id, status=value[:32])
    return twiml(None), message.contact_id
