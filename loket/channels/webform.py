"""Channel adapter: the public web form (`/contact`), its confirmation, the landing page."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from datetime import datetime
from typing import Any

import structlog
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask import session as cookie
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from werkzeug.exceptions import TooManyRequests
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import StopValidation

from loket import rules_runtime
from loket.channels.common import continuity, keyed_id, writing
from loket.channels.web_texts import (
    MAX_MESSAGE,
    MAX_NAME,
    ChoiceField,
    callback_when,
    form_errors,
    normalise_phone,
    one_of,
    retention_period,
    text,
    valid_email,
    window_options,
)
from loket.domain import callbacks, contacts, menu
from loket.domain.callbacks import CALLBACK_WINDOWS
from loket.domain.contacts import ContactIn
from loket.errors import RETRY_AFTER_S, UNAVAILABLE, answer_unavailable
from loket.i18n import LANGUAGES, request_language
from loket.security import limiter
from loket.store.db import get_session
from loket.store.models import Contact

bp = Blueprint("webform", __name__)
log = structlog.get_logger(__name__)

# Who are you: the phone menu's choices, veterans and serving military asked apart.
WHO = menu.form_choices()
NEEDS = ("psychological", "practical", "peer_support", "information", "unknown")
URGENCY = ("none", "concern", "acute")
REACH = ("phone", "email", "none")
YES_NO = ("yes", "no")
# The signed (readable, not encrypted) session cookie holds no details of a form, only:
DONE = "webform_done"  # the confirmation's token: the contact's unguessable external id
# When it was sent (epoch seconds): on a shared computer the confirmation (desk, crisis,
# callback time) is shown only as long as an idle chat stays readable, not to the next user.
DONE_AT = "webform_done_at"
SENDER = "webform_sender"  # a random key of this browser: a form id is only ever its own
TOKEN = re.compile(r"[0-9a-f]{64}")
FORM_ID = re.compile(r"[A-Za-z0-9_-]{16,43}")


def _radio(values: tuple[str, ...] | list[str], error: str) -> ChoiceField:
    return ChoiceField(validators=[one_of(tuple(values), error)])


class ContactForm(FlaskForm):
    """The questions of the web form; error messages are text keys."""

    who = _radio(list(WHO), "err_who")
    need = _radio(NEEDS, "err_need")
    urgent = _radio(URGENCY, "err_urgent")
    reach = _radio(REACH, "err_reach")
    phone = StringField()
    email = StringField()
    window = ChoiceField()
    voicemail = ChoiceField()
    name = StringField()
    language = _radio(LANGUAGES, "err_language")
    message = TextAreaField()
    consent = BooleanField()
    website = StringField()  # the honeypot: hidden by CSS, left empty by people
    form_id = HiddenField()

    def validate_phone(self, field: StringField) -> None:
        """Require a usable number when they asked to be called back."""
        if self.reach.data != "phone":
            return
        if not (field.data or "").strip():
            raise StopValidation("err_phone_missing")
        if normalise_phone(field.data) is None:
            raise StopValidation("err_phone_invalid")

    def validate_email(self, field: StringField) -> None:
        """Require a usable address when they asked to be e-mailed."""
        if self.reach.data != "email":
            return
        if not (field.data or "").strip():
            raise StopValidation("err_email_missing")
        if not valid_email(field.data):
            raise StopValidation("err_email_invalid")

    def validate_window(self, field: ChoiceField) -> None:
        """Require a callback window for a callback."""
        if self.reach.data == "phone":
            one_of(CALLBACK_WINDOWS, "err_window")(self, field)

    def validate_voicemail(self, field: ChoiceField) -> None:
        """Require a voicemail answer for a callback."""
        if self.reach.data == "phone":
            one_of(YES_NO, "err_voicemail")(self, field)

    def validate_name(self, field: StringField) -> None:
        """Refuse a name longer than a name."""
        if len((field.data or "").strip()) > MAX_NAME:
            raise StopValidation("err_name_long")

    def validate_message(self, field: TextAreaField) -> None:
        """Refuse a message over the limit (the person keeps it in the box to shorten)."""
        if len((field.data or "").strip()) > MAX_MESSAGE:
            raise StopValidation("err_message_long")

    def validate_consent(self, field: BooleanField) -> None:
        """Require consent to store: nothing is kept without it."""
        if not field.data:
            raise StopValidation("err_consent")


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    """Limit the posts of one client address (bots); reading is never limited."""
    rate = state.app.config["LOKET"].public_rate_limit
    limiter(state.app).limit(rate, methods=["POST"])(bp)


def new_form() -> ContactForm:
    """Build the form from the post, or empty with this page's language and a fresh form id.

    Only a form post fills it: a body of another kind (JSON, broken or not) reads as an
    empty form, refused field by field, where Flask-WTF would parse it and fail with it."""
    formdata = request.form if request.method == "POST" else None
    form = ContactForm(formdata=formdata, language=request_language(), window="asap",
                       voicemail="no")
    if not FORM_ID.fullmatch(form.form_id.data or ""):
        form.form_id.data = secrets.token_urlsafe(16)
    if not cookie.get(SENDER):
        cookie[SENDER] = secrets.token_urlsafe(16)
    return form


def options(lang: str) -> dict[str, list[tuple[str, str]]]:
    """Return each question's choices as (value, text in this language)."""

    def labelled(prefix: str, values: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
        return [(v, text(f"{prefix}_{v}", lang)) for v in values]

    return {
        "who": labelled("who", list(WHO)),
        "need": labelled("need", NEEDS),
        "urgent": labelled("urgent", URGENCY),
        "reach": labelled("reach", REACH),
        "window": window_options(lang),
        "voicemail": [("yes", text("yes", lang)), ("no", text("no", lang))],
        "language": labelled("language", LANGUAGES),
    }


def render_form(form: ContactForm, status: int = 200, problem: str | None = None) -> Any:
    """Render the form with its errors beside the fields and summed up at the top."""
    errors = form_errors(form)
    if problem:
        errors.insert(0, ("", problem))
    page = render_template(
        "public/contact.html",
        form=form,
        errors=errors,
        crisis_now=bool(errors) and in_crisis(form),
        options=options(request_language()),
        period=retention_period(request_language()),
    )
    return page, status


def in_crisis(form: ContactForm) -> bool:
    """Tell whether a form sent back to correct says they need help now: it is not stored
    yet, so the page says to call 112 or 113 before anything else."""
    message = form.message.data if isinstance(form.message.data, str) else ""
    return form.urgent.data == "acute" or rules_runtime.is_crisis_text(message)


def contact_input(form: ContactForm) -> ContactIn:
    """Turn a valid form into intake input; only the chosen way to reach them is kept."""
    reach = form.reach.data
    return ContactIn.model_validate(
        {
            "channel": "webform",
            **WHO[form.who.data],
            "need": form.need.data,
            "risk": form.urgent.data,
            "language": form.language.data,
            "preference": "callback",
            "anonymous": not (form.name.data or "").strip(),
            "consent": bool(form.consent.data),
            "external_id": None,  # set by `store`: see `submission_token`
            "phone": normalise_phone(form.phone.data) if reach == "phone" else None,
            "email": form.email.data if reach == "email" else None,
            "name": form.name.data,
            "text": form.message.data,
        }
    )


def submission_token(session: Session, form: ContactForm) -> str:
    """Return the id of this submission: this browser, this form id and these answers.

    The same post again (Back, a double click) is the same submission and gets the same
    confirmation; changed answers under the same form id are a new contact, routed on what
    they say now; another browser posting a form id it learnt is a submission of its own.
    Keyed, so the token (the contact's external id, the confirmation cookie) reveals nothing.
    """
    answers = {name: value for name, value in form.data.items() if name != "csrf_token"}
    content = json.dumps([cookie.get(SENDER, ""), answers], sort_keys=True, default=str)
    return keyed_id(session, content)


def store(session: Session, form: ContactForm, contact_in: ContactIn) -> Contact:
    """Store and route the contact; promise a callback unless it is a crisis.

    A crisis is answered now, yet the window and the voicemail answer they gave are kept.
    Raises IntegrityError when a concurrent duplicate stored this submission first.
    """
    contact = contacts.open_contact(session=session, contact_in=contact_in, actor="webform")
    contacts.route_contact(session=session, contact=contact, decide=rules_runtime.decide,
                           continuity=continuity())
    if form.reach.data == "phone":
        keep = callbacks.keep_crisis_reach if contact.crisis else callbacks.request_callback
        keep(
            session=session,
            contact=contact,
            phone=contact_in.phone,
            window=form.window.data,
            voicemail_allowed=form.voicemail.data == "yes",
        )
    log.info("webform.received", contact_id=contact.id, crisis=contact.crisis)
    return contact


def confirmation(session: Session, contact: Contact) -> dict[str, Any]:
    """Return what the confirmation page shows of a stored contact."""
    callback = callbacks.latest_callback(session=session, contact=contact)
    reach = "phone" if contact.phone else "email" if contact.email else "none"
    done: dict[str, Any] = {
        "reference": contact.reference,
        "desk": contact.desk,
        "crisis": contact.crisis,
        "reach": reach,
    }
    if callback is not None:
        done.update(
            window=callback.window,
            start=callback.window_start.isoformat(),
            end=callback.window_end.isoformat(),
            voicemail=callback.voicemail_allowed,
        )
    return done


def pretend_received() -> ResponseReturnValue:
    """Answer a bot that filled the honeypot as if all went well; store nothing."""
    confirm(secrets.token_hex(32))  # like a real token, found nowhere
    log.info("webform.honeypot")
    return redirect(url_for(".received"), 303)


def pretended(token: str) -> dict[str, Any]:
    """Return the confirmation a bot sees: a reference made from its token, nothing stored."""
    digits = hashlib.sha256(token.encode()).digest()
    alphabet = contacts.REFERENCE_ALPHABET
    raw = "".join(alphabet[b % len(alphabet)] for b in digits[: contacts.REFERENCE_LENGTH])
    return {"reference": f"{raw[:3]}-{raw[3:]}", "desk": None, "crisis": False, "reach": "none"}


@bp.get("/")
def home() -> ResponseReturnValue:
    """Show the public landing page: chat, form, 112/113."""
    return render_template("public/home.html")


@bp.get("/contact")
def contact_form() -> ResponseReturnValue:
    """Show the empty web form."""
    return render_form(new_form())


@bp.post("/contact")
def submit() -> ResponseReturnValue:
    """Check the form; store, route and confirm it, or show what to correct (400)."""
    form = new_form()
    if (form.website.data or "").strip():
        return pretend_received()
    if not form.validate():
        return render_form(form, 400)
    try:
        contact_in = contact_input(form)
    except ValidationError:
        return render_form(form, 400, "err_invalid")
    try:
        token = remember(form, contact_in)
    except IntegrityError:  # a concurrent duplicate (a double click) stored it first
        token = remember(form, contact_in)
    confirm(token)
    return redirect(url_for(".received"), 303)


def confirm(token: str) -> None:
    """Let this browser see the confirmation of this submission, for a while."""
    cookie[DONE], cookie[DONE_AT] = token, int(time.time())


def confirmed_token() -> str | None:
    """Return the token of the confirmation this browser may see now, or None (forgotten
    once older than the chat's idle limit, LOKET_CHAT_IDLE_MINUTES)."""
    token, at = cookie.get(DONE), cookie.get(DONE_AT)
    limit_s = current_app.config["LOKET"].chat_idle_minutes * 60
    fresh = isinstance(at, int) and 0 <= int(time.time()) - at <= limit_s
    if not fresh or not isinstance(token, str) or not TOKEN.fullmatch(token):
        cookie.pop(DONE, None)
        cookie.pop(DONE_AT, None)
        return None
    return token


def remember(form: ContactForm, contact_in: ContactIn) -> str:
    """Store this submission once and return its confirmation token."""
    with writing() as session:
        token = submission_token(session, form)
        found = contacts.find_contact(session=session, channel="webform", external_id=token)
        if found is None:  # sent again unchanged (Back, a double click): the same answer
            store(session, form, contact_in.model_copy(update={"external_id": token}))
    return token


@bp.get("/contact/received")
def received() -> ResponseReturnValue:
    """Show the confirmation of the form just sent (found by the token in this browser's
    session, never from the URL; the details stay on the server)."""
    token = confirmed_token()
    if token is None:
        return redirect(url_for(".contact_form"))
    session = get_session()
    contact = contacts.find_contact(session=session, channel="webform", external_id=token)
    done = confirmation(session, contact) if contact is not None else pretended(token)
    lang = request_language()
    when = None
    if done.get("window"):
        start, end = datetime.fromisoformat(done["start"]), datetime.fromisoformat(done["end"])
        when = callback_when(done["window"], start, end, lang)
    desk = text(f"desk_{done['desk']}", lang) if done.get("desk") else None
    return render_template("public/received.html", done=done, when=when, desk=desk)


@bp.errorhandler(CSRFError)
def expired(_error: CSRFError) -> ResponseReturnValue:
    """Show the form again with what they filled in when its token was missing or old."""
    return render_form(new_form(), 400, "err_expired")


@bp.errorhandler(TooManyRequests)
def too_many(_error: TooManyRequests) -> ResponseReturnValue:
    """Ask a client over the rate limit to wait, and still name 112 and 113."""
    return render_template("public/too_many.html"), 429


def unavailable(error: Exception) -> ResponseReturnValue:
    """The database did not answer a form being sent (a restart, a failover): show the form
    again with everything they filled in, to send again in a moment (503), rather than a
    page that loses it. Sent again unchanged, it is stored once (`submission_token`)."""
    if request.endpoint != "webform.submit":
        return answer_unavailable(error)
    current_app.log_exception((type(error), error, error.__traceback__))  # type: ignore[arg-type]
    page, _status = render_form(new_form(), problem="err_unavailable")
    return page, 503, {"Retry-After": str(RETRY_AFTER_S)}


for _kind in UNAVAILABLE:
    bp.register_error_handler(_kind, unavailable)
