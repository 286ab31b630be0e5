"""Channel adapter: the public web chat (`/chat`): the intake questions as buttons, then a
conversation that works without JavaScript and updates live with it.

A chat is a Contact (channel webchat, external_id a random chat id); the chat id lives only in
the signed session cookie, never in a URL.
"""

from __future__ import annotations

import math
import re
import secrets
import time
from typing import Any

import structlog
from flask import (
    Blueprint,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response as BaseResponse
from wtforms import StringField, TextAreaField
from wtforms.validators import StopValidation

from loket import rules_runtime
from loket.channels.common import continuity, keyed_id, settings, writing
from loket.channels.conversation import SPLIT_WINDOW, split_crisis
from loket.channels.web_texts import (
    MAX_CHAT_MESSAGE,
    MAX_NAME,
    ChoiceField,
    callback_when,
    form_errors,
    normalise_phone,
    one_of,
    retention_period,
    text,
    window_options,
)
from loket.domain import callbacks, contacts, conversations, menu, workspace
from loket.domain.callbacks import AMSTERDAM, CALLBACK_WINDOWS
from loket.errors import RETRY_AFTER_S, UNAVAILABLE, answer_unavailable
from loket.i18n import normalise_language, request_language, span
from loket.security import limiter
from loket.store.db import get_session
from loket.store.models import Contact, Message
from loket.web import message_number

bp = Blueprint("webchat", __name__)
log = structlog.get_logger(__name__)

CHAT = "webchat_id"  # the chat's external id, in the signed session cookie
SEEN = "webchat_seen"  # when this browser last asked (epoch seconds): access ends when idle
LEFT = "webchat_left"
# This browser's chat that ended through idle time: its id as the browser held it, and its
# reference. A crisis written to it after (the page left open) opens a new chat: `follow_up`.
ENDED = "webchat_ended"
# The start page's one-time id: the same start sent again (a lost answer, Back, a double
# click) opens the same chat, whose id is a keyed hash of this browser's key and it.
BROWSER = "webchat_browser"  # a random key of this browser, in the signed cookie
START_ID = re.compile(r"[A-Za-z0-9_-]{16,43}")
# Each message box carries a random key: the same message posted again under it (a double
# click, the script's retry after a lost answer) is stored once.
MESSAGE_KEY = "message_key"
MESSAGE_KEY_PREFIX = "webchat:"
SEEN_STEP_S = 60  # the cookie is renewed at most once a minute

# The phone menu's first question as buttons (choice -> answers), and "I need help now".
HELP_NOW = "help_now"
WHO: dict[str, dict[str, str]] = {
    **{who.key: dict(who.answers) for who in menu.WHO},
    HELP_NOW: {"risk": "acute", "preference": "now"},
}
MILITARY = menu.SERVING
MODES = ("chat", "callback")
CONVERSATION_STEPS = ("chat", "callback_done")
QUESTIONS = ("military", "mode", "callback")  # the steps before a chat is routed
# The steps at which "chat now" is taken: the mode question, and the callback form (a
# call turns out not to be safe, or they would rather type: its "Liever nu chatten", or
# "Nu chatten" pressed again on the page before it, the browser's Back).
CHAT_NOW_STEPS = ("mode", "callback")
# The steps at which a button's question was answered already: the press sent again (a
# double tap on a slow phone) shows where the chat is, not an error.
PASSED: dict[str, tuple[str, ...]] = {
    **{choice: ("mode", "callback", *CONVERSATION_STEPS) for choice in MILITARY},
    "chat": CONVERSATION_STEPS,
    "callback": ("callback", *CONVERSATION_STEPS),
}


class CallbackForm(FlaskForm):
    """The callback questions of the chat; error messages are text keys."""

    phone = StringField()
    window = ChoiceField(validators=[one_of(CALLBACK_WINDOWS, "err_window")])
    voicemail = ChoiceField(validators=[one_of(("yes", "no"), "err_voicemail")])

    def validate_phone(self, field: StringField) -> None:
        """Require a number we can call."""
        if not (field.data or "").strip():
            raise StopValidation("err_phone_missing")
        if normalise_phone(field.data) is None:
            raise StopValidation("err_phone_invalid")


class MessageForm(FlaskForm):
    """One chat message."""

    body = TextAreaField()

    def validate_body(self, field: TextAreaField) -> None:
        """Refuse an empty message or one over the limit."""
        body = (field.data or "").strip()
        if not body:
            raise StopValidation("err_chat_empty")
        if len(body) > MAX_CHAT_MESSAGE:
            raise StopValidation("err_chat_long")


@bp.record_once
def _limit(state: BlueprintSetupState) -> None:
    """Limit one address's chat posts, all steps together (bots); reading is never limited."""
    rate = state.app.config["LOKET"].public_rate_limit
    limiter(state.app).shared_limit(rate, scope="webchat", methods=["POST"])(bp)


def wants_json() -> bool:
    """Tell whether the page's script (not a plain form post) is asking."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def current_chat(session: Session, *, lock: bool = False) -> Contact | None:
    """Return the chat of this browser (from the signed session cookie), if any.

    `lock` loads it to change it, in a unit of work.
    """
    chat_id = cookie.get(CHAT)
    if not chat_id:
        return None
    if not still_active():
        # Its access ended here: once this request is answered, the chat records it for
        # the counsellor (`record_idle_end`).
        g.webchat_idle = (str(chat_id), cookie.get(SEEN))
        remember_ended(session, str(chat_id))
        cookie.pop(CHAT, None)
        return None
    if lock:
        contact = contacts.lock(session=session, channel="webchat", external_id=str(chat_id))
    else:
        contact = contacts.find_contact(
            session=session, channel="webchat", external_id=str(chat_id)
        )
    if contact is not None and contact.status == "closed" and contact.intake_step in QUESTIONS:
        contact = None  # closed at its first questions, left too long (`close_unstarted`)
    if contact is None:
        cookie.pop(CHAT, None)
    return contact


def remember_ended(session: Session, chat_id: str) -> None:
    """Keep in the cookie which chat ended here through idle time (the answer that tells
    it may be a poll, or a page loaded again): a crisis written from the page still open
    opens a new chat, carrying its answers (`follow_up`). Its id finds it only until the
    chat records the end (`record_idle_end`, after this request): then its reference does."""
    ended = contacts.find_contact(session=session, channel="webchat", external_id=chat_id)
    cookie[ENDED] = {"chat": chat_id, "reference": ended.reference if ended else None}


def still_active() -> bool:
    """Tell whether this browser used its chat recently enough; renew its last-seen time.

    The time is in the signed cookie, so a copy of the cookie expires as the original does
    once it is left idle (LOKET_CHAT_IDLE_MINUTES, default 2 hours). A time up to a minute
    ahead is another web machine's clock (the cookie is signed: only the server wrote it).
    """
    now, seen = int(time.time()), cookie.get(SEEN)
    idle_s = current_app.config["LOKET"].chat_idle_minutes * 60
    if not isinstance(seen, int) or not -SEEN_STEP_S <= now - seen <= idle_s:
        return False
    if now - seen >= SEEN_STEP_S:
        cookie[SEEN] = now
    return True


@bp.after_request
def record_idle_end(response: BaseResponse) -> BaseResponse:
    """Tell the counsellor when this browser's chat ended through idle time: the time is in
    the cookie, so the server learns it only when the browser comes back. A failure here is
    logged, never the person's error page (the counsellor's page says it may have ended)."""
    idle = g.pop("webchat_idle", None)
    if idle is None:
        return response
    chat_id, seen = idle
    try:
        with writing() as session:
            contact = contacts.lock(session=session, channel="webchat", external_id=chat_id)
            if contact is not None and not written_since(session, contact, seen):
                lang = desk_language()
                end_access(session, contact, text("chat_idle_note", lang, span=idle_span(lang)))
    except SQLAlchemyError as exc:
        log.warning("webchat.idle_end_failed", error=type(exc).__name__)
    return response


def written_since(session: Session, contact: Contact, seen: object) -> bool:
    """Tell whether the person wrote in the chat after this cookie's last-seen time: then it
    is an old copy of the cookie, and the chat is still theirs elsewhere."""
    written = conversations.last_written_at(session=session, contact=contact)
    return (written is not None and isinstance(seen, int)
            and written.timestamp() > seen + SEEN_STEP_S)


def end_access(session: Session, contact: Contact, note: str) -> None:
    """End the person's access to a chat: the counsellor reads why (an open chat's note and
    step, `conversations.CHAT_ENDED`), and a new chat id that no cookie holds means a copy
    of the cookie reads nothing more either."""
    if contact.status != "closed":
        conversations.add_message(session=session, contact=contact, direction="in",
                                  body=note, automatic=True)
        contacts.set_step(session=session, contact=contact, step=conversations.CHAT_ENDED)
    contacts.update_answers(session=session, contact=contact,
                            external_id=secrets.token_urlsafe(16))
    conversations.close_unstarted(session=session, contact=contact)


def desk_language() -> str:
    """Return the language of the notes Loket writes into a chat for the counsellor (the
    person left, the chat went idle): the desk's, as for a text's photo or location note."""
    return normalise_language(settings().default_language)


def idle_span(lang: str) -> str:
    """Say the chat's idle limit in words ("2 uur", "90 minutes")."""
    return span(int(current_app.config["LOKET"].chat_idle_minutes), lang)


def escalate(session: Session, contact: Contact) -> None:
    """Make a chat urgent after a crisis phrase: risk acute, routed again, answered now."""
    if contacts.escalate(session=session, contact=contact, decide=rules_runtime.decide):
        contacts.set_step(session=session, contact=contact, step="chat")
        log.warning("webchat.crisis", contact_id=contact.id)


def status_text(session: Session, contact: Contact, lang: str) -> str:
    """Say where the chat stands: place in the queue and expected wait, or who is there."""
    if contact.status == "closed":
        return text("chat_closed", lang)
    if contact.status == "in_progress":
        return text("chat_in_progress", lang)
    if contact.status == "callback":
        return text("chat_callback_state", lang)
    if contact.queue is None:
        return ""
    position = workspace.place_in_line(session=session, contact=contact)
    available = contacts.live_state(session=session).get(contact.queue, {}).get("available", 0)
    if available >= position:
        return text("chat_wait_soon", lang)
    handle_s = contacts.handle_time_s(session=session, queue=contact.queue)
    minutes = math.ceil(position * handle_s / max(available, 1) / 60)
    wait = text("chat_wait_minutes", lang, minutes=minutes)
    return f"{text('chat_position', lang, position=position)} {wait}"


def message_json(message: Message, lang: str, authors: dict[int, str]) -> dict[str, Any]:
    """Return one message as the page's script shows it: a counsellor by first name or
    pseudonym (`authors`), never a surname."""
    if message.direction == "in":
        who = text("who_me", lang)
    elif message.author_user_id in authors:
        who = authors[message.author_user_id]
    else:
        who = text("who_loket" if message.automatic else "who_counsellor", lang)
    local = message.created_at.astimezone(AMSTERDAM)
    return {
        "id": message.id,
        "direction": message.direction,
        "who": who,
        "body": message.body,
        "at": message.created_at.isoformat(),
        "time": f"{local:%H:%M}",
    }


def update_of(session: Session, contact: Contact, after: int, lang: str,
              shown: list[Message] | None = None) -> dict[str, Any]:
    """Return what changed for the page: new messages (`shown`, else the first
    `MESSAGES_PAGE` after `after`: the page's script asks on from the last for the rest),
    the status line, the crisis flag."""
    if shown is None:
        shown = conversations.shown_messages(session=session, contact=contact, after=after,
                                             limit=conversations.MESSAGES_PAGE)
    authors = conversations.author_names(session=session, messages=shown)
    messages = [message_json(m, lang, authors) for m in shown]
    return {
        "status": contact.status,
        "status_text": status_text(session, contact, lang),
        # The reference line: a crisis written after a close opens a new chat, and with it
        # a new reference, which the open page shows without a reload.
        "reference_text": text("chat_reference", lang, reference=contact.reference),
        "crisis": contact.crisis,
        "last_id": messages[-1]["id"] if messages else after,
        "messages": messages,
    }


def render_start(
    error: str | None = None, name: str = "", status: int = 200, unsent: str = ""
) -> Any:
    """Render the first question: who are you (and, if they like, a name).

    `unsent` is a message written to a chat no longer open in this browser: shown back to
    copy, with the crisis block when it holds a crisis phrase.
    """
    lang = request_language()
    if not isinstance(cookie.get(BROWSER), str):
        cookie[BROWSER] = secrets.token_urlsafe(16)
    return render_template(
        "public/chat_start.html",
        start_id=secrets.token_urlsafe(16),
        who=[(k, text(f"who_{k}", lang)) for k in WHO],
        error=error,
        name=name,
        left=cookie.pop(LEFT, False),
        period=retention_period(lang),
        unsent=unsent,
        unsent_crisis=bool(unsent) and rules_runtime.is_crisis_text(unsent),
    ), status


def render_step(
    contact: Contact,
    *,
    error: str | None = None,
    form: CallbackForm | None = None,
    body: str = "",
    status: int = 200,
    leave_error: bool = False,
    before: int | None = None,
) -> Any:
    """Render the chat at the step this contact has reached (`leave_error`: closing it here
    did not go through; `before`: the conversation's messages before this one, not the
    newest)."""
    session, lang = get_session(), request_language()
    context: dict[str, Any] = {
        "contact": contact, "step": contact.intake_step, "error": error,
        "leave_error": leave_error, "idle_span": idle_span(lang),
    }
    if contact.intake_step == "military":
        context["choices"] = [(k, text(f"chat_{k}", lang)) for k in MILITARY]
    elif contact.intake_step == "mode":
        context["choices"] = [(k, text(f"chat_mode_{k}", lang)) for k in MODES]
    elif contact.intake_step == "callback":
        context["form"] = form or CallbackForm(window="asap", voicemail="no")
        context["errors"] = form_errors(context["form"])
        context["windows"] = window_options(lang)
        context["yes_no"] = [("yes", text("yes", lang)), ("no", text("no", lang))]
    else:
        context.update(conversation(session, contact, lang, before), body=body,
                       message_key=new_key())
    return render_template("public/chat.html", **context), status


def new_key() -> str:
    """Return a fresh key for the next message of this page."""
    return secrets.token_urlsafe(16)


def posted_key() -> str | None:
    """Return the message's key as the page posted it, or None without a usable one."""
    key = request.form.get(MESSAGE_KEY, "")
    return MESSAGE_KEY_PREFIX + key if START_ID.fullmatch(key) else None


def conversation(session: Session, contact: Contact, lang: str,
                 before: int | None = None) -> dict[str, Any]:
    """Return what the conversation page shows: its newest messages (or those before the
    message `before`), and the message the ones before them are asked by, if any."""
    page = conversations.shown_page(session=session, contact=contact, before=before)
    update = update_of(session, contact, 0, lang, shown=page.messages)
    callback = callbacks.latest_callback(session=session, contact=contact)
    when = None
    if callback is not None and contact.status == "callback":
        when = callback_when(callback.window, callback.window_start, callback.window_end, lang)
    return {
        "update": update,
        "messages_before": page.earlier,
        "older_page": before is not None,
        "desk": text(f"desk_{contact.desk}", lang) if contact.desk else None,
        "when": when,
    }


@bp.get("/chat")
def chat() -> ResponseReturnValue:
    """Show the chat of this browser at its step, or the first question; a long conversation
    its newest messages, or with `?before=ID` those before that one."""
    contact = current_chat(get_session())
    if contact is None:
        return render_start()
    before = message_number(request.args.get("before")) or None  # not a number: the newest
    return render_step(contact, before=before)


@bp.post("/chat/start")
def start() -> ResponseReturnValue:
    """Open a chat with the answer to 'who are you' (anonymous unless they give a name)."""
    if current_chat(get_session()) is not None:
        return redirect(url_for(".chat"), 303)
    choice, name = request.form.get("choice", ""), (request.form.get("name") or "").strip()
    if choice not in WHO:
        return render_start("err_choice", name, 400)
    if len(name) > MAX_NAME:
        return render_start("err_name_long", name, 400)
    chat_id = start_token(request.form.get("start_id", ""))
    contact_in = contacts.ContactIn.model_validate(
        {
            "channel": "webchat",
            "external_id": chat_id,
            "language": request_language(),
            "anonymous": not name,
            "name": name or None,
            "consent": True,  # the start page says what is kept; starting is agreeing to it
            **WHO[choice],
        }
    )
    try:
        open_once(contact_in, choice)
    except IntegrityError:  # the same start sent twice at once: the other one stored it
        open_once(contact_in, choice)
    cookie[CHAT], cookie[SEEN] = chat_id, int(time.time())
    cookie.pop(ENDED, None)
    return redirect(url_for(".chat"), 303)


def start_token(start_id: str) -> str:
    """Return the chat id of this start: a keyed hash of this browser's key and the start
    page's id (the same start again is the same chat), or a random id without one."""
    browser = cookie.get(BROWSER)
    if not START_ID.fullmatch(start_id) or not isinstance(browser, str):
        return secrets.token_urlsafe(16)
    content = f"webchat-start:{browser}:{start_id}"
    return keyed_id(get_session(), content)


def open_once(contact_in: contacts.ContactIn, choice: str) -> None:
    """Open this chat unless this start opened it already."""
    with writing() as session:
        found = contacts.find_contact(session=session, channel="webchat",
                                      external_id=contact_in.external_id or "")
        if found is None:
            contact = contacts.open_contact(session=session, contact_in=contact_in,
                                            actor="webchat")
            after_who(session, contact, choice)


def after_who(session: Session, contact: Contact, choice: str) -> None:
    """Move on from the first question: ask more, or route straight away for help now."""
    if choice == HELP_NOW:
        contacts.route_contact(session=session, contact=contact, decide=rules_runtime.decide,
                           continuity=continuity())
        step = "chat"
    else:
        step = "military" if menu.BY_KEY[choice].asks_serving else "mode"
    contacts.set_step(session=session, contact=contact, step=step)


@bp.post("/chat/answer")
def answer() -> ResponseReturnValue:
    """Take a button answer for the current step (serving or veteran; chat or callback)."""
    with writing() as session:
        contact = current_chat(session, lock=True)
        if contact is None:
            return redirect(url_for(".chat"), 303)
        choice, step = request.form.get("choice", ""), contact.intake_step
        if step == "military" and choice in MILITARY:
            contacts.update_answers(session=session, contact=contact,
                                    serving_status=MILITARY[choice])
            contacts.set_step(session=session, contact=contact, step="mode")
        elif step in CHAT_NOW_STEPS and choice == "chat":
            chat_now(session, contact)
        elif step == "mode" and choice == "callback":
            contacts.set_step(session=session, contact=contact, step="callback")
        elif step in PASSED.get(choice, ()):  # the same press again (a double tap): done
            return redirect(url_for(".chat"), 303)
        else:
            return render_step(contact, error="err_choice", status=400)
    return redirect(url_for(".chat"), 303)


def chat_now(session: Session, contact: Contact) -> None:
    """Take "chat now", at the mode question or from the callback form: the same either
    way. Nothing was routed and no callback kept before (the callback form's answer does
    both, and moves on from its step), so the chat is routed now, to be answered now."""
    contacts.update_answers(session=session, contact=contact, preference="chat")
    contacts.route_contact(session=session, contact=contact, decide=rules_runtime.decide,
                           continuity=continuity())
    contacts.set_step(session=session, contact=contact, step="chat")


@bp.post("/chat/callback")
def callback() -> ResponseReturnValue:
    """Take the number and window for a callback; a crisis is answered now instead."""
    form = CallbackForm()
    with writing() as session:
        contact = current_chat(session, lock=True)
        if contact is None and (form.phone.data or "").strip():
            # Left here, or idle too long, while they typed their number: say it was not
            # sent, not a start page without a word.
            return render_start("err_callback_gone", status=404)
        if contact is None or contact.intake_step != "callback":
            return redirect(url_for(".chat"), 303)
        if not form.validate():
            return render_step(contact, form=form, status=400)
        phone = normalise_phone(form.phone.data)
        contacts.update_answers(session=session, contact=contact, phone=phone,
                                preference="callback")
        contacts.route_contact(session=session, contact=contact, decide=rules_runtime.decide,
                           continuity=continuity())
        # A crisis is answered now; the window and voicemail answer are kept all the same.
        keep = callbacks.keep_crisis_reach if contact.crisis else callbacks.request_callback
        keep(
            session=session,
                contact=contact,
                phone=phone,
                window=form.window.data,
                voicemail_allowed=form.voicemail.data == "yes",
            )
        step = "chat" if contact.crisis else "callback_done"
        contacts.set_step(session=session, contact=contact, step=step)
    return redirect(url_for(".chat"), 303)


@bp.post("/chat/send")
def send() -> ResponseReturnValue:
    """Store a message from the person; a crisis phrase makes the chat urgent."""
    form = MessageForm()
    after = message_number(request.form.get("after"))
    if after is None:  # refused before anything is stored: the text stays in the box
        return jsonify(ok=False, error=text("err_after", request_language())), 400
    with writing() as session:
        contact = current_chat(session, lock=True)
        body, key = (form.body.data or "").strip(), posted_key()
        if contact is None:  # left here, or idle too long: only a crisis opens a new chat
            idle = cookie.get(ENDED)
            if not (isinstance(idle, dict) and isinstance(idle.get("chat"), str)
                    and form.validate() and rules_runtime.is_crisis_text(body)):
                return refuse_gone(form.body.data or "")  # nothing stored, the text kept
            reference = idle.get("reference")
            ended = (conversations.chat_by_reference(session=session, reference=reference)
                     if isinstance(reference, str) else None)
            contact = follow_up(session, ended, body, key, chat_before=idle["chat"])
            was_crisis = False
        elif contact.intake_step not in CONVERSATION_STEPS:
            return (
                refuse_send(None, "err_chat_expired", 409)
                if wants_json()
                else redirect(url_for(".chat"), 303)
            )
        elif contact.status == "closed":  # closed meanwhile: only a crisis opens a new chat
            if not (form.validate() and rules_runtime.is_crisis_text(body)):
                return refuse_send(contact, "chat_unsent", 409, form.body.data or "")
            contact = follow_up(session, contact, body, key, chat_before=contact.external_id)
            was_crisis = False
        elif not form.validate():
            return refuse_send(contact, str(form.body.errors[0]), 400, form.body.data or "")
        else:
            was_crisis = contact.crisis
            if not already_stored(session, contact, body, key):
                add_message(session, contact, body, key)
                conversations.written_after_failed_callbacks(
                    session=session, contact=contact, decide=rules_runtime.decide,
                    continuity=continuity(), actor="person",
                )
            if contact.language != request_language():
                # They switched the page's language: the counsellor answers in it.
                contacts.update_answers(session=session, contact=contact,
                                        language=request_language())
        response: BaseResponse
        if wants_json():
            update = update_of(session, contact, after, request_language())
            response = jsonify(ok=True, update=update, message_key=new_key())
        else:
            anchor = "#crisis-now" if contact.crisis and not was_crisis else "#messages"
            response = redirect(url_for(".chat") + anchor, 303)
    return response


def already_stored(session: Session, contact: Contact, body: str, key: str | None) -> bool:
    """Tell whether this very message was stored before under its key (sent twice)."""
    if key is None:
        return False
    return body in conversations.written_under(session=session, contact=contact,
                                               external_id=key)


def add_message(session: Session, contact: Contact, body: str, key: str | None = None) -> None:
    """Keep the message; escalate when it holds a crisis phrase."""
    conversations.add_message(
        session=session, contact=contact, direction="in", body=body, external_id=key
    )
    if rules_runtime.is_crisis_text(body) or joined_crisis(session, contact, body):
        escalate(session, contact)


def joined_crisis(session: Session, contact: Contact, body: str) -> bool:
    """Tell whether this message and the person's one before it, sent moments apart, make a
    crisis phrase together: a thumb presses send before the sentence is done, as in a text
    message (`conversation.split_crisis`)."""
    before = conversations.previous_text(session=session, contact=contact, within=SPLIT_WINDOW)
    return split_crisis(before, body, rules_runtime.is_crisis_text)


def follow_up(session: Session, ended: Contact | None, body: str, key: str | None, *,
              chat_before: str | None) -> Contact:
    """Open a new chat for a crisis written to a chat that ended: the counsellor closed it
    meanwhile, or it went idle in this browser (`chat_before`: the chat's id as the browser
    held it; `ended` the chat, None when it is no longer found).

    It carries the message and the answers of the ended chat, is routed urgent and
    answered now, and this browser holds it from here on. The same message sent again (a
    double tap, the script's retry after a lost answer) finds the chat it opened: its id is
    a keyed hash of the ended chat's id and the message's key.
    """
    chat_id = secrets.token_urlsafe(16)
    if key is not None and chat_before:
        chat_id = keyed_id(session, f"webchat-follow-up:{chat_before}:{key}")
        found = contacts.lock(session=session, channel="webchat", external_id=chat_id)
        if found is not None:
            if not already_stored(session, found, body, key):
                add_message(session, found, body, key)
            cookie[CHAT], cookie[SEEN] = chat_id, int(time.time())
            cookie.pop(ENDED, None)
            return found
    answers: dict[str, Any] = {"language": request_language()}
    if ended is not None:
        answers = {
            "organisation": ended.organisation,
            "serving_status": ended.serving_status,
            "relation": ended.relation,
            "need": ended.need,
            "language": ended.language,
            "anonymous": ended.anonymous,
            "name": ended.name,
        }
    contact_in = contacts.ContactIn.model_validate(
        {
            "channel": "webchat",
            "external_id": chat_id,
            **answers,
            "consent": True,  # as for the ended chat: the start page said what is kept
            "preference": "chat",
        }
    )
    contact = contacts.open_contact(session=session, contact_in=contact_in, actor="webchat")
    contacts.route_contact(session=session, contact=contact, decide=rules_runtime.decide,
                           continuity=continuity())
    contacts.set_step(session=session, contact=contact, step="chat")
    add_message(session, contact, body, key)
    cookie[CHAT], cookie[SEEN] = contact.external_id, int(time.time())
    cookie.pop(ENDED, None)
    return contact


def refuse_gone(body: str) -> Any:
    """Say that this browser's chat is no longer open: nothing was sent, the text is kept."""
    if wants_json():
        return jsonify(ok=False, error=text("err_chat_gone", request_language())), 404
    return render_start(status=404, unsent=body.strip())


def refuse_send(contact: Contact | None, error: str, status: int, body: str = "") -> Any:
    """Say why a message was not taken; the typed text stays in the box."""
    if wants_json():
        return jsonify(ok=False, error=text(error, request_language())), status
    assert contact is not None  # noqa: S101 - the page case always has a chat
    return render_step(contact, error=error, body=body, status=status)


@bp.post("/chat/leave")
def leave() -> ResponseReturnValue:
    """End this browser's access to the chat (a shared computer: a copied cookie reads
    nothing more); tell the counsellor they left."""
    with writing() as session:
        contact = current_chat(session, lock=True)
        if contact is not None:
            end_access(session, contact, text("chat_left_note", desk_language()))
    cookie.pop(CHAT, None)
    cookie.pop(SEEN, None)
    cookie.pop(ENDED, None)
    cookie[LEFT] = True
    return redirect(url_for(".chat"), 303)


@bp.get("/chat/messages")
def messages() -> ResponseReturnValue:
    """Answer the page's poll: new messages after `after`, the status line, the crisis flag."""
    session = get_session()
    contact = current_chat(session)
    if contact is None:  # left in another tab, or idle too long: the page says so
        return jsonify(error=text("chat_gone_status", request_language())), 404
    after = message_number(request.args.get("after"))
    if after is None:
        return jsonify(error=text("err_after", request_language())), 400
    return jsonify(update_of(session, contact, after, request_language()))


@bp.errorhandler(CSRFError)
def expired(_error: CSRFError) -> ResponseReturnValue:
    """Ask to try again when the page's token was missing or old; nothing typed is lost."""
    if wants_json():  # the script retries with the fresh token
        message = text("err_chat_expired", request_language())
        return jsonify(ok=False, error=message, csrf_token=generate_csrf()), 400
    contact = current_chat(get_session())
    if contact is None and request.form.get("body"):  # a message to a chat gone meanwhile
        return render_start(status=400, unsent=request.form.get("body", "").strip())
    if contact is None and (request.form.get("phone") or "").strip():  # a callback, likewise
        return render_start("err_callback_gone", status=400)
    if contact is None:  # no chat (yet, or any more) here: the start page asks again
        return render_start("err_start_expired", request.form.get("name", ""), 400)
    if request.endpoint == "webchat.leave":  # not closed: say so beside its button
        return render_step(contact, leave_error=True, status=400)
    return render_step(
        contact, error="err_chat_expired", body=request.form.get("body", ""), status=400
    )


@bp.errorhandler(TooManyRequests)
def too_many(_error: TooManyRequests) -> ResponseReturnValue:
    """Ask a client over the rate limit to wait, and still name 112 and 113."""
    if wants_json():
        return jsonify(ok=False, error=text("too_many_text", request_language())), 429
    return render_template("public/too_many.html"), 429


def unavailable(error: Exception) -> ResponseReturnValue:
    """The database did not answer a message sent without the script (a restart, a
    failover): show the text back in its box to send again, under the same key, rather than
    a page that loses it (503). The script keeps its text itself (`errors`' JSON answer)."""
    body = (request.form.get("body") or "").strip()
    if request.endpoint != "webchat.send" or wants_json() or not body:
        return answer_unavailable(error)
    current_app.log_exception((type(error), error, error.__traceback__))  # type: ignore[arg-type]
    key = request.form.get(MESSAGE_KEY, "")
    page = render_template("public/chat_retry.html", body=body,
                           message_key=key if START_ID.fullmatch(key) else None)
    return page, 503, {"Retry-After": str(RETRY_AFTER_S)}


for _kind in UNAVAILABLE:
    bp.register_error_handler(_kind, unavailable)
