"""The TwiML of the calls Loket places or moves, and their status callbacks (all signed).

- `/twilio/calls/<leg>/counsellor`: the counsellor's own phone answered (or a colleague's,
  added by a warm transfer, or the manager's who listens in): it hears what the call is
  (the reference spelt out) and "press 1 to take it" (call screening: a voicemail or a
  phone that forwards answers too, and must never be joined to the person, nor hear it).
- `/twilio/calls/<leg>/confirm/<round>`: the key pressed, or none: a 1 puts the counsellor in a
  private conference while the other side is brought in (the colleague joins the live
  call; the manager joins it as a coach, heard by the counsellor only); no key or another
  one hears the prompt once more, then the leg hangs up as a
  phone that did not answer (the callback goes back to the desk, the waiting caller stays
  in their queue, the transfer's colleague never joins).
- `/twilio/calls/<leg>/person`: the person called back answered (answering-machine detection
  says who): a human joins the conference; a machine hears the desk's neutral message only
  where the person said a voicemail is safe, else nothing.
- `/twilio/calls/<leg>/caller`: a waiting caller moved out of their queue joins the
  counsellor's conference.
- `/twilio/calls/<leg>/not_connected`: the counsellor's phone, taken out of its conference
  when Twilio refused to move the waiting caller to it, hears why and hangs up.
- `/twilio/calls/status?leg=<leg>`: each leg's progress, found by the leg its URL names,
  even before (or without) the answer that stores its call's sid; the person's leg ending
  unanswered ends the attempt (retry, unreachable). No call is recorded. Without `leg` (a
  call placed by an earlier version), found by its sid: one that comes before its leg's
  sid is stored is matched again seconds later.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, request, url_for
from sqlmodel import Session, select
from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from loket.channels.common import Answer, answer_once, say_text, settings, twilio_signed
from loket.domain import calls, contacts, lists
from loket.i18n import CRISIS, Catalog
from loket.store.models import CallLeg, Contact

bp = Blueprint("calls", __name__, url_prefix="/twilio/calls")
CHANNEL = "call"
MAX_SID = 64
CONFIRM_TIMEOUT_S = 6  # seconds the counsellor's phone has to press 1 after each prompt
CONFIRM_ROUNDS = 2  # the prompt is said twice at most

TEXTS = Catalog("calls", {
    # Said on the counsellor's own phone (the desk's language): what the call is, and how
    # to take it; a voicemail that answers records it, and nobody is joined to it.
    "callback": {
        "nl": "Terugbelverzoek {reference}. Druk op 1 om het gesprek aan te nemen.",
        "en": "Callback {reference}. Press 1 to take the call.",
    },
    "answer": {
        "nl": "Wachtende beller {reference}. Druk op 1 om het gesprek aan te nemen.",
        "en": "Waiting caller {reference}. Press 1 to take the call.",
    },
    "transfer": {
        "nl": "Warme overdracht {reference}. Druk op 1 om het gesprek aan te nemen.",
        "en": "Warm transfer {reference}. Press 1 to take the call.",
    },
    "coach": {
        "nl": "Meeluisteren {reference}. Druk op 1 om mee te luisteren.",
        "en": "Listen in {reference}. Press 1 to listen in.",
    },
    "listening": {
        "nl": "Je luistert nu mee. Alleen de hulpverlener hoort jou.",
        "en": "You are listening in now. Only the counsellor hears you.",
    },
    "not_listening": {
        "nl": "Niet bevestigd. Tot ziens.",
        "en": "Not confirmed. Goodbye.",
    },
    "calling": {
        "nl": "Blijf aan de lijn: we bellen de persoon nu, met het nummer van de desk.",
        "en": "Stay on the line: we are calling the person now, from the desk's number.",
    },
    "moving": {
        "nl": "Blijf aan de lijn: we verbinden je nu.",
        "en": "Stay on the line: connecting you now.",
    },
    "unconfirmed": {
        "nl": "Niet bevestigd. Het gesprek gaat terug naar de desk. Tot ziens.",
        "en": "Not confirmed. The call goes back to the desk. Goodbye.",
    },
    "connecting": {
        "nl": "Je wordt nu verbonden met een hulpverlener.",
        "en": "You are being connected to a counsellor now.",
    },
    # To a waiting caller whose move to a counsellor was called off (their phone hung up).
    "back_in_queue": {
        "nl": "Het lukte net niet u te verbinden. U blijft in de wachtrij, uw plaats houdt u. "
              "Blijf aan de lijn.",
        "en": "We could not connect you just now. You stay in the queue and keep your place. "
              "Please stay on the line.",
    },
    # To the counsellor who pressed 1 for a waiting caller Twilio could not move to them
    # (the desk shows the same: `call_error_move_refused`); then their phone hangs up.
    "not_connected": {
        "nl": "De beller kon niet worden doorverbonden. De beller wacht nog in de wachtrij, "
              "voor iedereen van de desk. Tot ziens.",
        "en": "The caller could not be connected. The caller still waits in the queue, for "
              "anyone of the desk. Goodbye.",
    },
    # To a warm transfer's colleague who may no longer take the call (it moved on).
    "not_yours": {
        "nl": "U kunt dit gesprek niet meer overnemen: het is intussen elders ondergebracht. "
              "Tot ziens.",
        "en": "You can no longer take this call: it has been handed on meanwhile. Goodbye.",
    },
    # To a counsellor or manager whose access changed while their phone rang.
    "no_longer_yours": {
        "nl": "Dit gesprek is niet meer voor u: uw toegang is intussen veranderd. Tot ziens.",
        "en": "This call is no longer yours to take: your access changed meanwhile. Goodbye.",
    },
    "gone": {
        "nl": "Dit gesprek is al afgelopen. Tot ziens.",
        "en": "This call has already ended. Goodbye.",
    },
    # To the person called back when nobody is left to join (neutral: it names no one).
    "sorry": {
        "nl": "Hallo, we belden u terug zoals afgesproken, maar kunnen u nu net niet "
              "verbinden. We bellen u zo snel mogelijk opnieuw. Bij direct gevaar: bel 112.",
        "en": "Hello, we called you back as agreed, but cannot connect you just now. We will "
              "call you again as soon as possible. In immediate danger: call 112.",
    },
})


def conference(twiml: VoiceResponse, name: str, *, ends_it: bool, coach: str | None = None
               ) -> VoiceResponse:
    """Join a conference: private, no beep, never recorded; `ends_it` ends it on leaving;
    `coach`: heard only by that call (Twilio's coaching: the manager who listens in)."""
    dial = Dial()
    extra = {"coach": coach} if coach else {}
    dial.conference(name, beep=False, start_conference_on_enter=True,
                    end_conference_on_exit=ends_it, record="do-not-record",
                    wait_url="", **extra)
    twiml.append(dial)
    return twiml


def call_sid() -> str | None:
    """Return the posted CallSid when it is usable."""
    sid = request.form.get("CallSid", "").strip()
    return sid if sid and len(sid) <= MAX_SID else None


def bad_request(reason: str) -> Response:
    """Refuse a request Twilio would never send (400, a reason, nothing changed)."""
    return Response(f"Bad request: {reason}\n", 400, mimetype="text/plain")


def locked_leg(session: Session, leg_id: int) -> CallLeg | None:
    """Return a leg, locked for this unit of work (one webhook at a time per leg)."""
    return session.exec(select(CallLeg).where(CallLeg.id == leg_id).with_for_update()).first()


def hang_up(lang: str, said: str = "gone") -> str:
    """Say one of the texts (by default: the call has ended), and hang up."""
    twiml = VoiceResponse()
    say_text(twiml, TEXTS.get(said, lang), lang)
    twiml.hangup()
    return str(twiml)


# What a leg's webhook does once its leg is found, locked and of the right kind: the TwiML.
LegAnswer = Callable[[Session, CallLeg, Contact], str]


def leg_webhook(leg_id: int, kinds: tuple[str, ...], respond: LegAnswer,
                over: LegAnswer | None = None) -> Response:
    """Answer a leg's TwiML webhook once (a retry gets the stored answer; the path is in its
    key): the leg locked, and a leg not of these kinds, not this call, or already over hangs
    up (or, for a leg of these kinds over already, gets what `over` answers)."""
    sid = call_sid()
    if sid is None:
        return bad_request("CallSid is missing")

    def work(session: Session) -> tuple[str, Contact | None]:
        leg = locked_leg(session, leg_id)
        contact = session.get(Contact, leg.contact_id) if leg else None
        if (leg is not None and contact is not None and leg.kind in kinds
                and leg.status in calls.FINAL and leg.call_sid in (None, sid)
                and over is not None):
            return over(session, leg, contact), contact
        if (leg is None or contact is None or leg.kind not in kinds or leg.status in calls.FINAL
                or (leg.call_sid is not None and leg.call_sid != sid)):
            return hang_up(phone_language(kinds, contact)), contact
        return respond(session, leg, contact), contact

    return answer_once(channel=CHANNEL, kind=kinds[0], sid=f"{sid}:{leg_id}", handle=work)


def phone_language(kinds: tuple[str, ...], contact: Contact | None) -> str:
    """Return the language of the phone this webhook answers: a counsellor's (their own,
    a colleague's taking a transfer, a manager's listening in) speaks the desk's, the
    person's their own."""
    if kinds[0] in calls.SCREENED or contact is None:
        return str(settings().default_language)
    return contact.language


def screening(leg: CallLeg, contact: Contact, round_: int) -> str:
    """Say on the counsellor's phone what the call is and "press 1 to take it"; the key, or
    its absence (the `<Gather>` falls through), is posted to this round's confirmation."""
    lang = settings().default_language
    action = url_for("calls.confirm", leg_id=leg.id, round_=round_)
    twiml = VoiceResponse()
    gather = Gather(input="dtmf", num_digits=1, timeout=CONFIRM_TIMEOUT_S, action=action,
                    method="POST")
    key = (leg.kind if leg.kind in ("transfer", "coach")
           else "callback" if leg.callback_id else "answer")
    say_text(gather, TEXTS.get(key, lang, reference=" ".join(contact.reference)), lang)
    twiml.append(gather)
    twiml.redirect(action, method="POST")  # no key pressed: the same URL, without Digits
    return str(twiml)


@bp.post("/<int:leg_id>/counsellor")
@twilio_signed
def counsellor(leg_id: int) -> Response:
    """A counsellor's phone answered: ask for a 1 before anyone is brought in (a waiting
    caller who hung up meanwhile cannot be: the counsellor hears so)."""

    def respond(session: Session, leg: CallLeg, contact: Contact) -> str:
        if calls.counsellor_confirmed(leg=leg) or caller_gone(session, leg, contact):
            return hang_up(settings().default_language)  # taken already, or nobody to join
        return screening(leg, contact, 1)

    return leg_webhook(leg_id, calls.SCREENED, respond)


def caller_gone(session: Session, leg: CallLeg, contact: Contact) -> bool:
    """Tell whether the waiting caller this counsellor's leg was to take hung up meanwhile,
    or the callback attempt it rang for is over (said on the desk)."""
    return leg.kind == "counsellor" and (
        calls.caller_gone_first(session=session, leg=leg, contact=contact)
        or calls.callback_attempt_over(session=session, leg=leg))


@bp.post("/<int:leg_id>/confirm/<int:round_>")
@twilio_signed
def confirm(leg_id: int, round_: int) -> Response:
    """The counsellor's phone pressed a key at the prompt, or none: a 1 joins them to the
    conference and brings in the other side; anything else hears the prompt once more,
    then the leg hangs up as a phone that did not answer."""
    digits = request.form.get("Digits", "").strip()

    def respond(session: Session, leg: CallLeg, contact: Contact) -> str:
        lang = settings().default_language
        if calls.counsellor_confirmed(leg=leg) or caller_gone(session, leg, contact):
            return hang_up(lang)  # a replay (taken already), or nobody left to join
        if digits != "1":
            if 1 <= round_ < CONFIRM_ROUNDS:
                return screening(leg, contact, round_ + 1)
            calls.counsellor_not_confirmed(session=session, leg=leg)
            return hang_up(lang, "not_listening" if leg.kind == "coach" else "unconfirmed")
        twiml = VoiceResponse()
        if leg.kind == "coach":
            coached = calls.manager_joined(session=session, leg=leg)
            if coached is None and leg.error == calls.NO_LONGER_THEIRS:
                return hang_up(lang, "no_longer_yours")
            if coached is None:
                return hang_up(lang)  # the call ended meanwhile: nothing to listen to
            say_text(twiml, TEXTS.get("listening", lang), lang)
            return str(conference(twiml, leg.conference, ends_it=False, coach=coached))
        if leg.kind == "transfer":
            if not calls.colleague_joined(session=session, leg=leg):
                return hang_up(lang, "not_yours")
            say_text(twiml, TEXTS.get("moving", lang), lang)
        else:
            if not calls.may_put_through(session=session, leg=leg):
                return hang_up(lang, "no_longer_yours")
            calls.counsellor_answered(session=session, leg=leg)
            say_text(twiml, TEXTS.get("calling" if leg.callback_id else "moving", lang), lang)
        # A counsellor leaving does not end it (a warm transfer goes on without them); when
        # nobody is left for the person, Loket hangs up their side.
        return str(conference(twiml, leg.conference, ends_it=False))

    return leg_webhook(leg_id, calls.SCREENED, respond)


@bp.post("/<int:leg_id>/not_connected")
@twilio_signed
def not_connected(leg_id: int) -> Response:
    """The counsellor's phone, taken out of its conference because Twilio refused to move
    the waiting caller to it (`calls.move_refused`): it hears why, then hangs up."""

    def respond(session: Session, leg: CallLeg, contact: Contact) -> str:
        lang = settings().default_language
        if not calls.told_before_hang_up(leg):
            return hang_up(lang)
        return hang_up(lang, "not_connected")

    return leg_webhook(leg_id, ("counsellor",), respond)


@bp.post("/<int:leg_id>/person")
@twilio_signed
def person(leg_id: int) -> Response:
    """The person called back answered: a human joins (or, with no counsellor left on the
    call, hears that we call again); a machine gets the neutral message only where a
    voicemail is safe."""
    answered_by = request.form.get("AnsweredBy", "").strip()[:32]

    def respond(session: Session, leg: CallLeg, contact: Contact) -> str:
        action = calls.person_answered(session=session, leg=leg, answered_by=answered_by,
                                       policy=calls.Policy.of(settings()))
        twiml = VoiceResponse()
        if action == "join":
            return str(conference(twiml, leg.conference, ends_it=True))
        if action == "message":
            found = lists.configured(settings().workspace_lists)
            say_text(twiml, found.voicemail_for(contact.desk, contact.language), contact.language)
        elif action == "sorry":
            say_text(twiml, TEXTS.get("sorry", contact.language), contact.language)
        twiml.hangup()
        return str(twiml)

    return leg_webhook(leg_id, ("person",), respond)


@bp.post("/<int:leg_id>/caller")
@twilio_signed
def caller(leg_id: int) -> Response:
    """A waiting caller taken out of their queue: join the counsellor's conference."""

    def respond(session: Session, leg: CallLeg, contact: Contact) -> str:
        if calls.caller_back(session=session, leg=leg):
            # Nobody left on the call (the counsellor's phone ended first): never joined to
            # an empty conference, nor counted answered; back in their queue.
            return back_in_queue(session, leg, contact)
        calls.caller_joined(session=session, leg=leg, waited_s=contacts.waited_s(contact))
        twiml = VoiceResponse()
        say_text(twiml, TEXTS.get("connecting", contact.language), contact.language)
        return str(conference(twiml, leg.conference, ends_it=True))

    return leg_webhook(leg_id, ("caller",), respond, over=back_in_queue)


def back_in_queue(session: Session, leg: CallLeg, contact: Contact) -> str:
    """A waiting caller Twilio moved out of their queue after the move was called off (the
    counsellor's phone hung up first: `calls.move_called_off`): back in their queue as the
    phone menu enqueues them (its wait rounds and queue result), their place kept (the
    desk orders by when they were routed); never hung up for that. One no longer waiting
    (answered or closed meanwhile) hears the call ended."""
    if (contact.channel != "phone" or contact.status == "closed" or not contact.queue
            or contact.answered_at is not None
            or contact.intake_step not in contacts.ON_THE_LINE):
        return hang_up(contact.language)
    lang = contact.language
    twiml = VoiceResponse()
    say_text(twiml, TEXTS.get("back_in_queue", lang), lang)
    if contact.crisis:
        say_text(twiml, CRISIS.get("spoken", lang), lang)
    twiml.enqueue(contact.queue, wait_url=url_for("voice.wait"), wait_url_method="POST",
                  action=url_for("voice.queued"), method="POST")
    return str(twiml)


@bp.post("/status")
@twilio_signed
def status() -> Response:
    """Record a leg's progress (initiated, ringing, answered, completed, busy, ...): of the
    leg its URL names (`calls.placed_leg_status`), or, with none named, of the leg with the
    call's sid (matched again soon when none has it yet)."""
    named = request.args.get("leg")
    if named is not None and not (named.isascii() and named.isdigit() and len(named) < 19):
        return bad_request("leg is not a leg's number")
    leg_id = int(named) if named is not None else None
    sid = call_sid()
    state = request.form.get("CallStatus", "").strip()
    if sid is None:
        return bad_request("CallSid is missing")
    if not state or len(state) > 16:
        return bad_request("CallStatus is missing")
    answered_by = request.form.get("AnsweredBy", "").strip()[:32]
    at = calls.posted_time(request.form.get("Timestamp", "").strip())

    def work(session: Session) -> Answer:
        policy = calls.Policy.of(settings())
        if leg_id is not None:
            leg = calls.placed_leg_status(session=session, leg_id=leg_id, call_sid=sid,
                                          status=state, answered_by=answered_by,
                                          policy=policy, at=at)
            return "", leg.contact_id if leg else None
        leg = calls.leg_status(session=session, call_sid=sid, status=state,
                               answered_by=answered_by, policy=policy, at=at)
        if leg is None:  # before the sid is stored (the REST answer is late): soon again
            calls.status_unmatched(session=session, call_sid=sid)
        return "", leg.contact_id if leg else None

    return answer_once(channel=CHANNEL, kind="status", sid=f"{sid}:{state}", handle=work,
                       content_type="text/plain")

