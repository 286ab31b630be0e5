"""Channel adapter: the phone menu (Twilio Voice).

A call is one Contact keyed by its CallSid. The question reached lives in
`contact.intake_step` as `name[:answer...][+]` (`+` once the question was repeated), so each
webhook reads the call's state (step and language) from the store: a replay gets the stored
answer (`answer_once`) and a late or out-of-order request is answered with the question now
due, changing nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

import structlog
from flask import Blueprint, Response, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from twilio.twiml import TwiML
from twilio.twiml.voice_response import Gather, VoiceResponse

from loket import rules_runtime
from loket.channels import senders
from loket.channels.common import (
    TWIML,
    answer_once,
    continuity,
    say_text,
    settings,
    twilio_signed,
)
from loket.channels.voice_texts import TEXTS
from loket.domain import audit, callbacks, calls, contacts, inbound, workspace
from loket.domain import menu as who_menu
from loket.domain.calls import ENDED_CALL_STATUSES
from loket.i18n import CRISIS, Catalog, normalise_language
from loket.queue import outbox
from loket.store.db import get_session
from loket.store.models import CallbackRequest, Contact
from loket.store.types import utcnow

log = structlog.get_logger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/twilio/voice")

CHANNEL = "phone"
MAX_CALL_SID = 64
# The question a `<Gather>` asked, in its action URL (step and language: `asked_as`): Twilio
# signs the URL, so a retry of an answer is known as that answer whenever it comes.
ASKED = "at"
MAX_ASKED = 80
GATHER_TIMEOUT_S = 6
KEYED_TIMEOUT_S = 10
WAIT_ROUND_S = 60  # a waiting caller hears their place and expected wait once a minute
ANNOUNCE_WINDOW_S = 10  # a wait round starting this soon after a whole minute announces
CRISIS_EVERY = 3  # the waiting caller hears 112 and 113 again every third announcement
# The header of Twilio's id of one webhook request, the same on each of its retries (not
# signed); a header name, no secret.
RETRY_HEADER = "I-Twilio-Idempotency-Token"
TOKEN_DIGEST = 24
REQUEUED = "requeued"  # the step of a caller enqueued again after a queue failure
KEEP_PLACE_KEY = "1"  # pressed while waiting: keep my place and call me back
KEPT = "kept"  # the step of a caller who kept their place: a callback filed, leaving the queue
LANGUAGE_KEY = "9"  # at the menu: switch between Dutch and English
DUTCH = "nl"
# "I need help right now", at every question (pressed alone when keying in a number)
CRISIS_KEY = who_menu.HELP_NOW
FINAL_CALL_STATUSES = frozenset(ENDED_CALL_STATUSES)
QUEUE_FAILURES = {"error", "system-error", "queue-full", "leave"}
MILITARY = who_menu.SERVING_DIGITS
MODES = {"1": "now", "2": "callback"}
NUMBER_CHOICES = {"1": "own", "2": "keyed"}
# The number choice of a caller who asked for another number and keyed none we could read:
# the calling number, which they are told (any step holding it fits `intake_step`'s 32).
FALLBACK = "fallback"
NOT_THIS_NUMBER_KEY = "4"  # then, at the window question: not that number, wait now
WINDOWS = {"1": "asap", "2": "evening", "3": "tomorrow"}
VOICEMAIL = {"1": True, "2": False}
# Question -> (text, endpoint that takes the answer).
QUESTIONS = {
    "menu": ("menu", "voice.menu"),
    "military": ("military", "voice.military"),
    "mode": ("mode", "voice.mode"),
    "cb_number": ("callback_number", "voice.callback_number"),
    "cb_keyed": ("callback_keyed", "voice.callback_keyed"),
    "cb_window": ("callback_window", "voice.callback_window"),
    "cb_voicemail": ("callback_voicemail", "voice.callback_voicemail"),
}

CallHandler = Callable[[Session, Contact], VoiceResponse]
EventHandler = Callable[[Session, Contact | None], VoiceResponse]
Chooser = Callable[[Session, Contact, "Step", str], VoiceResponse]


@dataclass(frozen=True)
class Step:
    """Where a call is in the menu: the question, the answers so far, whether it was repeated."""

    name: str
    answers: tuple[str, ...] = ()
    repeated: bool = False

    @classmethod
    def parse(cls, value: str) -> Step:
        """Read a step as stored in `contact.intake_step`."""
        name, *answers = value.rstrip("+").split(":")
        return cls(name, tuple(answers), value.endswith("+"))

    def __str__(self) -> str:
        return ":".join((self.name, *self.answers)) + ("+" if self.repeated else "")


# --- routes ---------------------------------------------------------------------------------


@bp.post("")
@twilio_signed
def incoming() -> Response:
    """Greet the caller with 112 and 113, then offer the menu."""
    return call_webhook("call", greet)


@bp.post("/menu")
@twilio_signed
def menu() -> Response:
    """Take the answer to the first menu."""
    return step_webhook("menu", choose_menu)


@bp.post("/military")
@twilio_signed
def military() -> Response:
    """Take serving or former military."""
    return step_webhook("military", choose_military)


@bp.post("/mode")
@twilio_signed
def mode() -> Response:
    """Take wait now or be called back; route the call."""
    return step_webhook("mode", choose_mode)


@bp.post("/callback/number")
@twilio_signed
def callback_number() -> Response:
    """Take the calling number or another one for the callback."""
    return step_webhook("cb_number", choose_callback_number)


@bp.post("/callback/keyed")
@twilio_signed
def callback_keyed() -> Response:
    """Take a keyed-in callback number."""
    return step_webhook("cb_keyed", choose_keyed_number)


@bp.post("/callback/window")
@twilio_signed
def callback_window() -> Response:
    """Take the callback window."""
    return step_webhook("cb_window", choose_window)


@bp.post("/callback/voicemail")
@twilio_signed
def callback_voicemail() -> Response:
    """Take whether a voicemail may be left; file the callback and confirm it."""
    return step_webhook("cb_voicemail", choose_voicemail)


@bp.post("/wait")
@twilio_signed
def wait() -> Response:
    """Tell a waiting caller their place and expected wait; repeat 112 and 113 now and then."""
    return event_webhook("wait", hold_message)


@bp.post("/keep-place")
@twilio_signed
def keep_place() -> Response:
    """Take a key pressed while waiting: 1 keeps the caller's place as a callback."""
    return event_webhook("keep_place", keep_place_or_wait)


@bp.post("/queued")
@bp.post("/queued/<int:attempt>")
@twilio_signed
def queued(attempt: int | None = None) -> Response:
    """Record how the call left its queue: answered, abandoned, or failed (then try again).

    Each `<Enqueue>` after the first names its attempt in its action's path (`/queued/2`:
    `queue_twiml`), so Twilio's retry of a queue result is that result again whatever the
    call's step is by then, and a failure after the caller was put back is a new one."""
    return event_webhook("queued", left_queue, at=queue_result_at(attempt))


@bp.post("/status")
@twilio_signed
def status() -> Response:
    """Record how the call ended."""
    if not request.form.get("CallSid", "").strip():
        return Response("Bad request: CallSid is missing\n", 400, mimetype="text/plain")
    return event_webhook("status", call_ended)


# --- webhook plumbing -----------------------------------------------------------------------


def call_sid_or_none() -> str | None:
    """Return the posted CallSid when it is usable."""
    sid = request.form.get("CallSid", "").strip()
    return sid if sid and len(sid) <= MAX_CALL_SID else None


def call_webhook(kind: str, handle: CallHandler) -> Response:
    """Answer one webhook of a call exactly once; a CallSid seen first here opens the call,
    unless it is the call of a person erased while on the line (`calls.erased_caller`)."""
    refused = refuse_caller()
    if refused is not None:
        return refused
    call_sid = call_sid_or_none()
    if call_sid is None:
        return unreadable_call()
    at = asked() or step_seen(call_sid, "new")

    def work(session: Session) -> tuple[str, Contact | int | None]:
        contact = contacts.lock(session=session, channel=CHANNEL, external_id=call_sid)
        if contact is None:
            erased = calls.erased_caller(session=session, call_sid=call_sid)
            if erased is not None:
                # Its person erased while on the line, the call being ended: a key pressed
                # meanwhile opens nothing (their number is not stored again); the line ends.
                # Kept under the erased contact, whose webhooks' payloads are cleared.
                twiml = VoiceResponse()
                twiml.hangup()
                return str(twiml), erased
            opened = start_call(session, call_sid)
            return str(greet(session, opened)), opened
        return str(handle(session, contact)), contact

    return answer_once(channel=CHANNEL, kind=kind, sid=f"{call_sid}:{at}", handle=work)


def step_webhook(name: str, choose: Chooser) -> Response:
    """Answer a question's webhook: the answer counts only when this question is due."""

    def handle(session: Session, contact: Contact) -> VoiceResponse:
        step = Step.parse(contact.intake_step)
        digits = request.form.get("Digits", "").strip()
        if step in (filed_on_hang_up(name), filed_on_hang_up(name, fallback=True)):
            # The call ended before this answer came.
            return answered_after_hang_up(session, contact, name, digits,
                                          fallback=step.answers[1:] == (FALLBACK,))
        if step.name != name:
            return resume(session, contact, VoiceResponse())
        if digits and ended_unanswered(contact):
            return answered_after_close(session, contact, step, choose, digits)
        # At the keyed-number question 0 is a digit of a number; a lone 0 is no number but
        # the help-now key every earlier question offered.
        if digits == CRISIS_KEY:
            contacts.update_answers(session=session, contact=contact, risk="acute",
                                    preference="now")
            return enqueue(session, contact, "connecting_crisis")
        twiml = choose(session, contact, step, digits)
        if digits:
            return twiml
        keyed = Step.parse(contact.intake_step).name == "cb_keyed"  # where 0 is a digit
        return offer_help_again(twiml, contact.language, press_zero=not keyed)

    return call_webhook(name, handle)


def event_webhook(kind: str, handle: EventHandler, *, at: str | None = None) -> Response:
    """Answer a call event (wait, queue result, status) once; it never opens a call. Its
    identity is the call's step on arrival, unless `at` names what the event answers."""
    refused = refuse_caller()
    if refused is not None:
        return refused
    call_sid = call_sid_or_none()
    if call_sid is None:
        return unreadable_call()
    at = at or step_seen(call_sid, "unknown")

    def work(session: Session) -> tuple[str, Contact | None]:
        contact = contacts.lock(session=session, channel=CHANNEL, external_id=call_sid)
        return str(handle(session, contact)), contact

    return answer_once(channel=CHANNEL, kind=kind, sid=f"{call_sid}:{at}", handle=work)


def queue_result_at(attempt: int | None) -> str | None:
    """Return what a queue result answers, as part of its identity: the `<Enqueue>` attempt
    its action's path names (`/queued/2`: signed, so its retry is the same request however
    the call moved on meanwhile).

    The first attempt's action is the plain `/queued`, also posted by the `<Enqueue>`s of
    a caller put back in their queue (`channels.calls.back_in_queue`) and by calls enqueued
    again before attempts had paths (in flight during a deploy): there Twilio's retry is
    known by its `I-Twilio-Idempotency-Token` (the same on every retry of one request, a new
    one on each new request), whatever the call's step by then. Without a token the step on
    arrival stays the identity (None), as before."""
    if attempt is not None:
        return f"attempt-{attempt}"
    token = request.headers.get(RETRY_HEADER, "").strip()
    if not token:
        return None
    # Hashed: the identity begins the stored key, which has a length; any token fits.
    return "token-" + hashlib.sha256(token.encode()).hexdigest()[:TOKEN_DIGEST]


def asked() -> str | None:
    """Return the question this answer's `<Gather>` asked (`ASKED` in its signed action URL),
    or None for a URL without it (a call whose question was asked before it was added).

    Part of the answer's identity in place of the step the call has reached by the time the
    answer arrives: Twilio's retry of an answer handled before (its first answer was slow to
    reach Twilio) is then that answer again, replayed, not a second one (a second 9 would
    switch the language back)."""
    value = request.args.get(ASKED, "")
    return value if 0 < len(value) <= MAX_ASKED else None


def asked_as(contact: Contact) -> str:
    """Return the question the call is at, as its `<Gather>`'s action URL names it: step and
    language in characters a URL carries as they are (`cb_window.own~-nl` for `cb_window:own+`
    in Dutch), so the URL Twilio signs is the URL it posts to, never re-encoded."""
    step = contact.intake_step.replace(":", ".").replace("+", "~")
    return f"{step}-{contact.language}"


def step_seen(call_sid: str, default: str) -> str:
    """Return the step the call has reached and its language as stored now, named as a
    question's action URL names it (`asked_as`; part of a webhook's identity: a turn after a
    switch of language is a new request, never a replay)."""
    contact = contacts.find_contact(session=get_session(), channel=CHANNEL, external_id=call_sid)
    return asked_as(contact) if contact else default


def refuse_caller() -> Response | None:
    """Refuse (400, nothing stored) a From that Twilio never sends; None when it is usable."""
    try:
        senders.caller_number(request.form.get("From", ""))
    except ValueError as problem:
        return Response(f"Bad request: {problem}\n", 400, mimetype="text/plain")
    return None


def unreadable_call() -> Response:
    """Say kindly that this request cannot be handled (no usable CallSid); store nothing."""
    lang = default_language()
    twiml = VoiceResponse()
    say(twiml, "call_unreadable", lang)
    say(twiml, "spoken", lang, catalog=CRISIS)
    twiml.hangup()
    return Response(str(twiml), 200, content_type=TWIML)


def start_call(session: Session, call_sid: str) -> Contact:
    """Store the call as a new phone contact (or find the one a concurrent request stored)."""
    caller = senders.caller_number(request.form.get("From", ""))  # checked by call_webhook
    anonymous = caller is None
    contact_in = contacts.ContactIn.model_validate({
        "channel": CHANNEL,
        "external_id": call_sid,
        "anonymous": anonymous,
        "phone": None if anonymous else caller,
        "language": default_language(),
    })
    try:
        with session.begin_nested():
            contact = contacts.open_contact(session=session, contact_in=contact_in)
    except IntegrityError:
        existing = contacts.lock(session=session, channel=CHANNEL, external_id=call_sid)
        if existing is None:
            raise
        return existing
    contacts.set_step(session=session, contact=contact, step=str(Step("menu")))
    log.info("voice.call_started", contact_id=contact.id, anonymous=anonymous)
    return contact


# --- speaking -------------------------------------------------------------------------------


def default_language() -> str:
    """Return the language a call starts in (Dutch unless configured otherwise)."""
    return normalise_language(settings().default_language)


def say(node: TwiML, key: str, lang: str, *, catalog: Catalog = TEXTS, **values: str) -> None:
    """Add a `<Say>` of a catalog text in the caller's language and voice."""
    say_text(node, catalog.get(key, lang, **values), lang)


def spell(reference: str) -> str:
    """Return a reference as spoken character by character."""
    return ", ".join(ch for ch in reference if ch.isalnum())


def ask(twiml: VoiceResponse, contact: Contact, name: str) -> VoiceResponse:
    """Add a question; without an answer Twilio posts to the same action without Digits."""
    text, endpoint = QUESTIONS[name]
    action = url_for(endpoint, at=asked_as(contact))  # ASKED
    if name == "cb_keyed":
        gather = twiml.gather(input="dtmf", finish_on_key="#", timeout=KEYED_TIMEOUT_S,
                              action=action, method="POST")
    else:
        gather = twiml.gather(input="dtmf", num_digits=1, timeout=GATHER_TIMEOUT_S,
                              action=action, method="POST")
    if name == "cb_window" and Step.parse(contact.intake_step).answers[:1] == (FALLBACK,):
        say(gather, "callback_own_instead", contact.language)
    say(gather, text, contact.language)
    if name == "menu":
        other = "en" if contact.language == "nl" else "nl"
        say(gather, "offer_language", other)
    twiml.redirect(action, method="POST")
    return twiml


def offer_help_again(twiml: VoiceResponse, lang: str, *, press_zero: bool) -> VoiceResponse:
    """After a silence, offer help now (0) and name 113 and 112 first: inside the next
    question, so 0 can be pressed while it is said, or before whatever ends or holds the call
    (112 and 113 only then: without a `<Gather>` nobody could press 0).
    """
    gather = next((verb for verb in twiml.verbs if isinstance(verb, Gather)), None)
    offer = VoiceResponse()
    if press_zero and gather is not None:
        say(offer, "no_input", lang)
    say(offer, "spoken", lang, catalog=CRISIS)
    target = gather if gather is not None else twiml
    target.verbs[:0] = offer.verbs
    return twiml


def greet(session: Session, contact: Contact) -> VoiceResponse:
    """Welcome the caller, name 112 and 113, then ask what is due (the menu on a new call)."""
    twiml = VoiceResponse()
    say(twiml, "welcome", contact.language)
    say(twiml, "spoken", contact.language, catalog=CRISIS)
    return resume(session, contact, twiml)


def resume(session: Session, contact: Contact, twiml: VoiceResponse) -> VoiceResponse:
    """Add what the call's stored step asks for now, without changing the answers."""
    step = Step.parse(contact.intake_step)
    if step.name in QUESTIONS:
        return ask(twiml, contact, step.name)
    if step.name in contacts.ON_THE_LINE and contact.queue:
        return queue_twiml(twiml, contact, "connecting")
    callback = (
        callbacks.latest_callback(session=session, contact=contact)
        if step.name in ("callback", KEPT) else None
    )
    if callback is not None:
        key = ("place_kept" if step.name == KEPT
               else "queue_failed_crisis" if callback.status == "crisis"
               else "callback_confirmed")
        return confirm_callback(twiml, contact, callback.window, key)
    contacts.set_step(session=session, contact=contact, step=str(Step("menu")))
    return ask(twiml, contact, "menu")


def move(session: Session, contact: Contact, step: Step) -> VoiceResponse:
    """Store the next question as the call's step and ask it."""
    contacts.set_step(session=session, contact=contact, step=str(step))
    return ask(VoiceResponse(), contact, step.name)


def repeat_once(session: Session, contact: Contact, step: Step) -> VoiceResponse | None:
    """Repeat a question after no or a wrong answer, once; None when the default applies."""
    if step.repeated:
        return None
    contacts.set_step(session=session, contact=contact, step=str(replace(step, repeated=True)))
    twiml = VoiceResponse()
    say(twiml, "not_understood", contact.language)
    return ask(twiml, contact, step.name)


# --- the questions --------------------------------------------------------------------------


def choose_menu(session: Session, contact: Contact, step: Step, digits: str) -> VoiceResponse:
    """Record who is calling (or switch language); the default is 5, other or unknown."""
    if digits == LANGUAGE_KEY:
        return switch_language(session, contact, step)
    who = who_menu.BY_DIGIT.get(digits)
    if who is None:
        retry = repeat_once(session, contact, step)
        if retry is not None:
            return retry
        who = who_menu.OTHER
    # Stored at once: help now (0) at the next question keeps who is calling.
    contacts.update_answers(session=session, contact=contact, **who.answers)
    return move(session, contact, Step("military" if who.asks_serving else "mode"))


def switch_language(session: Session, contact: Contact, step: Step) -> VoiceResponse:
    """Switch to the other language and greet again in it, 112 and 113 included.

    The menu asked again must never look like one asked before (a webhook's identity is its
    step and language, `step_seen`): its step counts the switches into Dutch (`menu:1` after
    Dutch, English, Dutch), so step and language together differ after every switch.
    """
    other = "en" if contact.language == "nl" else "nl"
    into_dutch = menu_switches(step) + (other == DUTCH)
    contacts.update_answers(session=session, contact=contact, language=other)
    menu = Step("menu", (str(into_dutch),) if into_dutch else ())
    contacts.set_step(session=session, contact=contact, step=str(menu))
    return greet(session, contact)


def menu_switches(step: Step) -> int:
    """Return how often the caller switched the menu into Dutch (0 when never)."""
    counted = step.answers[0] if step.name == "menu" and step.answers else "0"
    return int(counted) if counted.isascii() and counted.isdigit() else 0


def choose_military(session: Session, contact: Contact, step: Step, digits: str) -> VoiceResponse:
    """Record serving or former military; without an answer the status stays unknown."""
    serving_status = MILITARY.get(digits)
    if serving_status is None:
        retry = repeat_once(session, contact, step)
        if retry is not None:
            return retry
        serving_status = "unknown"
    contacts.update_answers(
        session=session, contact=contact, **who_menu.BY_KEY["military"].answers,
        serving_status=serving_status,
    )
    return move(session, contact, Step("mode"))


def choose_mode(session: Session, contact: Contact, step: Step, digits: str) -> VoiceResponse:
    """Route the call: wait now (the default) or ask the callback's details."""
    preference = MODES.get(digits)
    if preference is None:
        retry = repeat_once(session, contact, step)
        if retry is not None:
            return retry
        preference = "now"
    contacts.update_answers(session=session, contact=contact, preference=preference)
    if preference == "now":
        return enqueue(session, contact, "connecting")
    route(session, contact)
    if contact.crisis or contact.respond == "now":
        return enqueue(session, contact, "callback_crisis", reroute=False)
    return move(session, contact, Step("cb_number") if contact.phone else Step("cb_keyed"))


def choose_callback_number(
    session: Session, contact: Contact, step: Step, digits: str
) -> VoiceResponse:
    """Take the calling number (the default) or go on to key in another."""
    choice = NUMBER_CHOICES.get(digits)
    if choice is None:
        retry = repeat_once(session, contact, step)
        if retry is not None:
            return retry
        choice = "own"
    if choice == "keyed" or not contact.phone:
        return move(session, contact, Step("cb_keyed"))
    return move(session, contact, Step("cb_window", ("own",)))


def choose_keyed_number(
    session: Session, contact: Contact, step: Step, digits: str
) -> VoiceResponse:
    """Take a keyed-in number; it stays in the encrypted inbound payload until filed."""
    if callbacks.dialled_number(digits) is not None:
        return move(session, contact, Step("cb_window", ("keyed",)))
    retry = repeat_once(session, contact, step)
    if retry is not None:
        return retry
    if contact.phone:
        # The calling number, which the caller chose not to use: they hear so (at the window
        # question, `ask`) and may wait for a counsellor now instead (`NOT_THIS_NUMBER_KEY`).
        contacts.set_step(session=session, contact=contact,
                          step=str(Step("cb_window", (FALLBACK,))))
        twiml = VoiceResponse()
        say(twiml, "not_understood", contact.language)
        return ask(twiml, contact, "cb_window")
    contacts.update_answers(session=session, contact=contact, preference="now")
    return enqueue(session, contact, "callback_no_number")


def choose_window(session: Session, contact: Contact, step: Step, digits: str) -> VoiceResponse:
    """Take the callback window; as soon as possible by default. A caller told they will be
    called on the number they chose not to use (`FALLBACK`) may wait now instead."""
    if digits == NOT_THIS_NUMBER_KEY and step.answers[:1] == (FALLBACK,):
        contacts.update_answers(session=session, contact=contact, preference="now")
        return enqueue(session, contact, "callback_not_own")
    window = WINDOWS.get(digits)
    if window is None:
        retry = repeat_once(session, contact, step)
        if retry is not None:
            return retry
        window = "asap"
    return move(session, contact, Step("cb_voicemail", (*step.answers[:1], window)))


def choose_voicemail(session: Session, contact: Contact, step: Step, digits: str) -> VoiceResponse:
    """Take whether a voicemail may be left (no by default); file the callback."""
    allowed = VOICEMAIL.get(digits)
    if allowed is None:
        retry = repeat_once(session, contact, step)
        if retry is not None:
            return retry
        allowed = False
    choice, window = stored_callback_answers(step)
    return file_callback(session, contact, choice, window, allowed)


def stored_callback_answers(step: Step) -> tuple[str, str]:
    """Return the number choice and window answered so far (calling number, asap by default)."""
    choice = step.answers[0] if step.answers else "own"
    window = step.answers[1] if len(step.answers) > 1 else "asap"
    return choice, window if window in callbacks.CALLBACK_WINDOWS else "asap"


# --- routing, queue and callback ------------------------------------------------------------


def route(session: Session, contact: Contact) -> None:
    """Route the call with what the caller told us."""
    contacts.route_contact(session=session, contact=contact, decide=rules_runtime.decide,
                           continuity=continuity())
    log.info("voice.routed", contact_id=contact.id, queue=contact.queue, priority=contact.priority)


def enqueue(
    session: Session, contact: Contact, lead: str, *, reroute: bool = True
) -> VoiceResponse:
    """Put the caller in the queue the routing chose, to wait for a counsellor now."""
    if reroute:
        route(session, contact)
    contacts.wait_now(session=session, contact=contact)
    contacts.set_step(session=session, contact=contact, step="queued")
    return queue_twiml(VoiceResponse(), contact, lead)


def queue_twiml(twiml: VoiceResponse, contact: Contact, lead: str | None) -> VoiceResponse:
    """Add the `<Enqueue>` into the contact's queue (112 and 113 first when in crisis)."""
    if lead:
        say(twiml, lead, contact.language)
    if contact.crisis:
        say(twiml, "spoken", contact.language, catalog=CRISIS)
    # Its own action per attempt (`queued`): the first is the plain URL, as it always was.
    attempt = 2 if contact.intake_step == REQUEUED else None
    twiml.enqueue(
        contact.queue,
        wait_url=url_for("voice.wait"),
        wait_url_method="POST",
        action=url_for("voice.queued", attempt=attempt),
        method="POST",
    )
    return twiml


def file_callback(
    session: Session, contact: Contact, choice: str, window: str, voicemail: bool
) -> VoiceResponse:
    """File the callback and confirm it; no number or a crisis means waiting now instead."""
    phone = callback_phone(session, contact, choice)
    if contact.crisis:
        return enqueue(session, contact, "callback_crisis", reroute=False)
    if phone is None:
        contacts.update_answers(session=session, contact=contact, preference="now")
        return enqueue(session, contact, "callback_no_number")
    callback = callbacks.request_callback(
        session=session, contact=contact, phone=phone, window=window,
        voicemail_allowed=voicemail,
    )
    contacts.set_step(session=session, contact=contact, step="callback")
    log.info("voice.callback_filed", contact_id=contact.id, callback_id=callback.id)
    key = "callback_confirmed_own" if choice == FALLBACK else "callback_confirmed"
    return confirm_callback(VoiceResponse(), contact, window, key)


def confirm_callback(
    twiml: VoiceResponse, contact: Contact, window: str, key: str
) -> VoiceResponse:
    """Confirm a callback with its reference spelled out, name 112 and 113, and hang up."""
    lang = contact.language
    said = f"when_{callbacks.said_window(window)}"  # tonight's evening, or tomorrow's
    when = TEXTS.get(said, lang) if said in TEXTS else ""
    say(twiml, key, lang, when=when, reference=spell(contact.reference))
    say(twiml, "spoken", lang, catalog=CRISIS)
    twiml.hangup()
    return twiml


def callback_phone(session: Session, contact: Contact, choice: str) -> str | None:
    """Return the number to call back: the keyed-in one or the calling number.

    A keyed-in number lives in the encrypted payload of its inbound event
    (`callbacks.keyed_number`).
    """
    if choice != "keyed":
        return contact.phone
    return callbacks.keyed_number(session=session, contact=contact)


# --- waiting, queue results and call status -------------------------------------------------


def form_seconds(name: str) -> int:
    """Return a posted whole number of seconds (0 when absent or unreadable)."""
    return form_seconds_or_none(name) or 0


def form_seconds_or_none(name: str) -> int | None:
    """Return a posted whole number of seconds, or None when absent or unreadable."""
    try:
        return max(int(request.form[name]), 0)
    except (KeyError, ValueError):
        return None


def hold_message(session: Session, contact: Contact | None) -> VoiceResponse:
    """Say the place in the queue (Loket's own) and the expected wait once a minute; offer
    to keep the place.

    Twilio requests this again whenever its TwiML ends. A round that starts in the first
    `ANNOUNCE_WINDOW_S` of a whole minute in the queue (`QueueTime`) announces, with the
    figures of that moment (112 and 113 every third time); any other round is quiet until
    the next whole minute. A caller who may keep their place can press 1 all along: the
    round is one `<Gather>`, which falls through without a key, and the round ends. A caller
    whose contact was closed on the desk meanwhile hears so, with 112 and 113, and the call
    ends (a `<Leave>` would count as a queue failure and enqueue them again).
    """
    lang = contact.language if contact else default_language()
    twiml = VoiceResponse()
    if contact is not None and contact.status == "closed":
        # Closed on the desk while on the line: nobody will take this call any more.
        say(twiml, "closed_while_waiting", lang)
        say(twiml, "spoken", lang, catalog=CRISIS)
        twiml.hangup()
        return twiml
    offer = may_keep_place(contact)
    round_: Gather | VoiceResponse = keep_place_gather(twiml) if offer else twiml
    queue_time = form_seconds_or_none("QueueTime")
    into_minute = (queue_time or 0) % WAIT_ROUND_S
    if into_minute >= ANNOUNCE_WINDOW_S:
        quiet = WAIT_ROUND_S - into_minute - (GATHER_TIMEOUT_S if offer else 0)
        if quiet > 0:
            round_.pause(length=quiet)
        return twiml
    position = place_in_queue(session, contact)
    if position:
        if position == 1:
            say(round_, "next", lang)
        else:
            say(round_, "position", lang, position=str(position))
        say_expected_wait(round_, lang, expected_wait_s(session, contact))
    else:
        say(round_, "hold", lang)
    if announcements_before(session, contact, queue_time) % CRISIS_EVERY == CRISIS_EVERY - 1:
        say(round_, "spoken", lang, catalog=CRISIS)
    if offer:
        say(round_, "keep_place_offer", lang)
    # Long enough to start the next round past this minute's window (a whole round when
    # Twilio posted no QueueTime).
    round_.pause(length=ANNOUNCE_WINDOW_S if queue_time is not None else WAIT_ROUND_S)
    return twiml


def place_in_queue(session: Session, contact: Contact | None) -> int:
    """Return the caller's place in Loket's own order of their queue (1: next; 0: not
    waiting in one). Not Twilio's `QueuePosition`: that counts the callers in its
    `<Enqueue>` queue by arrival, while counsellors take a crisis first and texts share
    the queue (a crisis caller first in line would hear they are number 5)."""
    if contact is None:
        return 0
    return workspace.place_in_line(session=session, contact=contact)


def announcements_before(session: Session, contact: Contact | None, queue_time: int | None
                         ) -> int:
    """Count the place announcements this caller heard before: one a minute in the queue
    (without a QueueTime, one a round: the wait webhooks stored)."""
    if queue_time is not None:
        return queue_time // WAIT_ROUND_S
    return rounds_heard(session, contact) if contact is not None else 0


def may_keep_place(contact: Contact | None) -> bool:
    """Tell whether a caller may keep their place as a callback: waiting in our queue, with a
    number to call back, and not in crisis (a crisis is never parked in a callback queue)."""
    return (
        contact is not None
        and contact.status == "waiting"
        and contact.intake_step in contacts.ON_THE_LINE
        and not contact.crisis
        and bool(contact.phone)
    )


def keep_place_gather(twiml: VoiceResponse) -> Gather:
    """Add the one-key `<Gather>` a wait round is said in (1: keep my place)."""
    gather: Gather = twiml.gather(input="dtmf", num_digits=1, timeout=GATHER_TIMEOUT_S,
                                  action=url_for("voice.keep_place"), method="POST")
    return gather


def keep_place_or_wait(session: Session, contact: Contact | None) -> VoiceResponse:
    """On 1, keep a waiting caller's place: file their callback, then `<Leave>` the queue
    (Twilio then posts the queue result, which confirms it). On 0 the call becomes a crisis
    and the caller hears 112 and 113. Any other answer keeps them waiting: this TwiML runs
    in the queue, and when it ends the wait rounds go on."""
    twiml = VoiceResponse()
    if contact is None:
        return twiml
    digits = request.form.get("Digits", "").strip()
    if contact.intake_step == KEPT:
        twiml.leave()  # filed already (a retry, or a late request): leave, file nothing
    elif digits == KEEP_PLACE_KEY and may_keep_place(contact):
        file_kept_place(session, contact)
        twiml.leave()
    elif digits == CRISIS_KEY:
        # Help now, at this question too: the call becomes a crisis (urgent, first in every
        # counsellor's queue, escalated when nobody takes it); it keeps its place on the line,
        # since a counsellor takes a caller out of the queue in any order. Their wait goes
        # on from when it began (`contacts.route_contact`): the figures count it whole, and
        # a crisis that waited long already is alarmed at once.
        if contacts.escalate(session=session, contact=contact, decide=rules_runtime.decide):
            log.info("voice.crisis_while_waiting", contact_id=contact.id)
        say(twiml, "spoken", contact.language, catalog=CRISIS)
    elif digits:
        say(twiml, "not_understood", contact.language)
    return twiml


def file_kept_place(session: Session, contact: Contact) -> None:
    """File an as-soon-as-possible callback to the calling number (no voicemail: the safe
    default) that brings the caller's wait along: it is ordered from when they began to wait."""
    assert contact.phone is not None  # noqa: S101 - may_keep_place checked it
    callback = callbacks.request_callback(
        session=session, contact=contact, phone=contact.phone, window="asap"
    )
    callback.waiting_since = contacts.waiting_since(contact)
    session.add(callback)
    contacts.set_step(session=session, contact=contact, step=KEPT)
    log.info("voice.place_kept", contact_id=contact.id, callback_id=callback.id)


def expected_wait_s(session: Session, contact: Contact | None) -> int:
    """Return Twilio's average time in this queue, or the store's estimate without one."""
    average = form_seconds("AvgQueueTime")
    if average or contact is None or contact.queue is None:
        return average
    return contacts.live_state(session=session).get(contact.queue, {}).get("expected_wait_s", 0)


def say_expected_wait(twiml: VoiceResponse, lang: str, seconds: int) -> None:
    """Say the expected wait in whole minutes."""
    if seconds < 60:
        say(twiml, "wait_short", lang)
    elif seconds < 120:
        say(twiml, "wait_one", lang)
    else:
        say(twiml, "wait_minutes", lang, minutes=str(round(seconds / 60)))


def rounds_heard(session: Session, contact: Contact) -> int:
    """Count the hold messages this caller heard before."""
    assert contact.id is not None  # noqa: S101 - a stored contact has an id
    return inbound.count(session=session, contact_id=contact.id, kind="wait")


def left_queue(session: Session, contact: Contact | None) -> VoiceResponse:
    """Record a queue result: bridged is answered, hangup abandoned, a failure tries again;
    a caller who kept their place (and so left) hears their reference and the call ends."""
    result = request.form.get("QueueResult", "")
    seconds = form_seconds("QueueTime")
    twiml = VoiceResponse()
    if contact is None:
        return twiml
    log.info("voice.left_queue", contact_id=contact.id, result=result, wait_seconds=seconds)
    if result == "bridged":
        record_answered(session, contact, seconds)
        say(twiml, "goodbye", contact.language)
        twiml.hangup()
    elif contact.intake_step == KEPT:  # a callback keeps their place: never abandoned
        if result != "hangup":
            return confirm_callback(twiml, contact, "asap", "place_kept")
    elif result == "hangup":
        # QueueTime counts from the last `<Enqueue>` only (a queue failure or a move called
        # off enqueues the caller again): their wait runs from when they were routed.
        since_routed = seconds_since(contact.routed_at) if contact.routed_at else None
        record_abandoned(session, contact, max(seconds, since_routed or 0))
    elif result in QUEUE_FAILURES:
        return queue_failed(session, contact)
    return twiml


def record_answered(session: Session, contact: Contact, seconds: int) -> None:
    """Mark the call answered after `seconds` in the queue; answered beats our abandoned guess."""
    contacts.mark_answered(
        session=session, contact=contact, waited_s=seconds, actor="voice", detail="call answered"
    )


def record_abandoned(session: Session, contact: Contact, seconds: int | None) -> None:
    """Mark the call abandoned after `seconds`, unless it was answered already; a crisis
    with a number stays open to be called back at once (`calls.left_unanswered`)."""
    calls.left_unanswered(session=session, contact=contact, waited_s=seconds, actor="voice",
                          detail="call abandoned")


def queue_failed(session: Session, contact: Contact) -> VoiceResponse:
    """Enqueue once more after a queue failure; after a second, call back (a crisis: at
    once, still waiting in the queue) or, without a number, say 112/113."""
    twiml = VoiceResponse()
    if contact.intake_step == "queued" and contact.queue:
        contacts.set_step(session=session, contact=contact, step=REQUEUED)
        say(twiml, "queue_retry", contact.language)
        if not contact.crisis:  # a crisis caller hears them from queue_twiml
            say(twiml, "spoken", contact.language, catalog=CRISIS)
        return queue_twiml(twiml, contact, None)
    # A caller claimed on the desk but never joined waits on the line too: never hung up.
    reached = calls.reach_later(session=session, contact=contact)
    if reached in (calls.KEPT_OPEN, calls.OPEN_ALREADY):
        # Never parked, never lost: the crisis stays in the queue, waiting now, and whoever
        # takes it calls the calling number back at once (the alarms go on meanwhile).
        log.info("voice.crisis_reach_kept", contact_id=contact.id)
        return confirm_callback(twiml, contact, "asap", "queue_failed_crisis")
    if reached == calls.CALLED_BACK:
        return confirm_callback(twiml, contact, "asap", "queue_failed_callback")
    say(twiml, "queue_failed", contact.language)
    say(twiml, "spoken", contact.language, catalog=CRISIS)
    twiml.hangup()
    return twiml


def call_ended(session: Session, contact: Contact | None) -> VoiceResponse:
    """Record the end of a call: abandoned before an answer, or a callback half asked; a
    caller taken into a counsellor's call has left it."""
    call_status = request.form.get("CallStatus", "")
    if call_status not in FINAL_CALL_STATUSES:
        return VoiceResponse()
    if contact is None:
        # A caller erased while on the line (`erasure.hang_up`): their contact no longer
        # knows the call, but the leg that took them to a counsellor does; it is over.
        sid = call_sid_or_none()
        if sid is not None:
            calls.caller_call_ended(session=session, call_sid=sid)
        return VoiceResponse()
    if contact.external_id:  # taken into a counsellor's call: that leg is over too
        calls.caller_call_ended(session=session, call_sid=contact.external_id)
    settle_end(session, contact)
    log.info("voice.call_ended", contact_id=contact.id, status=contact.status,
             duration_s=form_seconds("CallDuration"))
    return VoiceResponse()


def settle_end(session: Session, contact: Contact, *, keyed: str | None = None) -> None:
    """What the end of the call means where the caller stood: a callback half asked is
    filed with the safe defaults (`finish_callback`; `keyed`: the number keyed in by the
    request being handled, whose payload is stored after it); a caller still awaiting this
    call, or claimed on the desk and never joined, left unanswered (`record_abandoned`)."""
    if (
        contact.status == "callback"
        and callbacks.latest_callback(session=session, contact=contact) is None
    ):
        finish_callback(session, contact, keyed=keyed)
    elif (contact.status in ("new", "routed", "waiting") and calls.still_awaiting_its_call(
            session=session, contact_id=contact.id or 0)) or calls.claimed_on_the_line(
            session=session, contact=contact):
        waited = (seconds_since(contact.routed_at)
                  if contact.status in ("waiting", "in_progress") else None)
        record_abandoned(session, contact, waited)


def seconds_since(moment: datetime | None) -> int | None:
    """Return whole seconds since an aware datetime (None without one)."""
    if moment is None:
        return None
    return max(int((utcnow() - moment).total_seconds()), 0)


def finish_callback(session: Session, contact: Contact, *, keyed: str | None = None) -> None:
    """File a callback the caller hung up on half-way, with the safe defaults (`keyed`: the
    number just keyed in, not stored yet)."""
    step = Step.parse(contact.intake_step)
    choice, window = stored_callback_answers(step)
    phone = (None if step.name == "cb_keyed"
             else keyed if choice == "keyed" and keyed
             else callback_phone(session, contact, choice))
    if phone is None or contact.crisis:
        record_abandoned(session, contact, None)
        return
    callback = callbacks.request_callback(
        session=session, contact=contact, phone=phone, window=window
    )
    # Filed at this question, with its defaults: its answer may still come
    # (`answered_after_hang_up`); at the window question after a number not understood,
    # knowing the caller was offered not to be called on this one.
    fallback = step.name == "cb_window" and step.answers[:1] == (FALLBACK,)
    contacts.set_step(session=session, contact=contact,
                      step=str(filed_on_hang_up(step.name, fallback=fallback)))
    log.info("voice.callback_filed", contact_id=contact.id, callback_id=callback.id)


# --- answers that come after the call ended -------------------------------------------------
#
# A key pressed as the line drops reaches us as the Gather's answer, independent of Twilio's
# status callback saying the call ended: either may be handled first. The answer handled
# after the end must leave the call as it would be had it come first: a crisis is never
# lost, and the callback filed is the one the caller chose.


def filed_on_hang_up(name: str, *, fallback: bool = False) -> Step:
    """Return the step of a call whose callback the hang-up filed at question `name`, with
    the defaults of the answers not given (`finish_callback`): a `callback` step (what
    `resume` confirms) that still knows the question, so its late answer applies once;
    `fallback` when the calling number was the fallback for a keyed one not understood
    (`NOT_THIS_NUMBER_KEY` was offered)."""
    return Step("callback", (name, FALLBACK) if fallback else (name,))


def answered_after_hang_up(
    session: Session, contact: Contact, name: str, digits: str, *, fallback: bool = False
) -> VoiceResponse:
    """Apply an answer to the question at which the caller hung up, which the hang-up's
    callback (`finish_callback`) already filed with the defaults, as if it had come first:
    0 makes the call a crisis, called back at once on the callback's number
    (`contacts.escalate`, as 0 while waiting); a window or a voicemail answer changes the
    callback, and another number than the calling one withdraws it (the hang-up at the
    keyed-number question files none), as does "not this number" (4) where the calling
    number was the `fallback` -- only while nobody has dialled it. Once: the step
    is then the plain `callback`. Nobody hears the answer."""
    contacts.set_step(session=session, contact=contact, step="callback")
    if digits == CRISIS_KEY:
        if contacts.unanswered(contact) and contacts.escalate(
                session=session, contact=contact, decide=rules_runtime.decide):
            contacts.wait_now(session=session, contact=contact)
            log.info("voice.crisis_after_hang_up", contact_id=contact.id)
        return resume(session, contact, VoiceResponse())
    callback = undialled_callback(session, contact)
    if callback is None:
        return resume(session, contact, VoiceResponse())
    if name == "cb_window" and digits in WINDOWS:
        rewindow(session, contact, callback, WINDOWS[digits])
    elif name == "cb_voicemail" and digits in VOICEMAIL:
        callback.voicemail_allowed = VOICEMAIL[digits]
        callback.updated_at = utcnow()
        session.add(callback)
    elif (name == "cb_number" and NUMBER_CHOICES.get(digits) == "keyed") or (
            name == "cb_window" and fallback and digits == NOT_THIS_NUMBER_KEY):
        # Not this number: none was keyed in before the call ended, so nothing to call.
        callbacks.cancel_callbacks(session=session, contact=contact)
        record_abandoned(session, contact, None)
        log.info("voice.callback_withdrawn", contact_id=contact.id)
        return VoiceResponse()
    return resume(session, contact, VoiceResponse())


def undialled_callback(session: Session, contact: Contact) -> CallbackRequest | None:
    """Return the contact's callback the hang-up filed, locked, while nobody dialled it or
    holds it (pending, or due in its desk's queue and unclaimed); None otherwise."""
    if contact.status != "callback" or contact.assigned_user_id is not None:
        return None
    callback = session.exec(
        select(CallbackRequest).where(CallbackRequest.contact_id == contact.id)
        .order_by(col(CallbackRequest.id).desc()).limit(1)
        .with_for_update().execution_options(populate_existing=True)
    ).first()
    if (callback is None or callback.status not in ("pending", "due") or callback.attempts
            or callback.attempt_started_at is not None or callback.claimed_by is not None):
        return None
    return callback


def rewindow(session: Session, contact: Contact, callback: CallbackRequest, window: str
             ) -> None:
    """Move a callback nobody dialled yet to the window the caller chose: out of its desk's
    queue if it was due already, put on the clock again (`schedule_callback`)."""
    if window == callback.window:
        return
    now = utcnow()
    callback.window_start, callback.window_end = callbacks.callback_window(window, now)
    callback.window, callback.status = window, "pending"
    callback.next_attempt_at = callback.due_at = None
    callback.updated_at = contact.updated_at = now  # the desk's queue changes
    session.add(callback)
    session.add(contact)
    outbox.add(session, "schedule_callback", callback_id=callback.id or 0)
    audit.record(session=session, event="update", contact=contact, actor="voice",
                 detail=f"callback window {window}: chosen as the call ended")
    log.info("voice.callback_rewindowed", contact_id=contact.id, callback_id=callback.id)


def ended_unanswered(contact: Contact) -> bool:
    """Tell whether the call's end was handled before this answer to the question it is
    at: closed as an abandoned call (`call_ended`, or the reconciler: `calls.call_gone`)."""
    return contacts.closed_abandoned(contact)


def answered_after_close(
    session: Session, contact: Contact, step: Step, choose: Chooser, digits: str
) -> VoiceResponse:
    """Apply an answer to the question the caller was at when the line dropped, handled
    after the call's end closed the contact as abandoned, as had it come first: our
    abandoned guess undone (`contacts.reopen_abandoned`), the answer taken (help now, 0,
    routes a crisis to wait now; "call me back" goes on to the number question; a number
    keyed in is the one to call), and the end settled again where the caller then stood
    (`settle_end`). So help now asked for stays open to be called back at once on the
    calling number, and a callback asked for is filed with the safe defaults, as a hang-up
    at the next question files it; an answer that leaves the caller waiting is an
    abandoned call again. Nobody hears the answer."""
    contacts.reopen_abandoned(session=session, contact=contact,
                              status="callback" if step.name.startswith("cb_") else "new")
    if digits == CRISIS_KEY:  # at the keyed-number question too: a lone 0 is no number
        contacts.update_answers(session=session, contact=contact, risk="acute",
                                preference="now")
        enqueue(session, contact, "connecting_crisis")
    else:
        choose(session, contact, step, digits)
    keyed = callbacks.dialled_number(digits) if step.name == "cb_keyed" else None
    settle_end(session, contact, keyed=keyed)
    log.info("voice.answered_after_close", contact_id=contact.id, question=step.name,
             status=contact.status)
    twiml = VoiceResponse()
    twiml.hangup()
    return twiml
