"""The counsellor's queue and a contact's page: claim, release, reply, notes, transfer, close.

Views parse, call `loket.domain.workspace` in one unit of work, and redirect (303) back.
A contact the user may not see is a 404, the same as one that does not exist.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple, NoReturn

import structlog
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from loket import rules_runtime
from loket.channels.common import writing
from loket.desk import poll, texts
from loket.desk.identity import current_staff, staff_required
from loket.domain import (
    access,
    break_glass,
    callbacks,
    calls,
    contacts,
    conversations,
    inbound,
    lists,
    support,
    workspace,
)
from loket.domain.callbacks import AMSTERDAM
from loket.errors import RETRY_AFTER_S, UNAVAILABLE, answer_unavailable
from loket.i18n import request_language, span
from loket.routing import trace_words
from loket.store.db import get_session
from loket.store.models import Contact, User
from loket.web import message_number

bp = Blueprint("desk_workspace", __name__, url_prefix="/desk")
log = structlog.get_logger(__name__)
ACTIONS = ("claim", "release", "reply", "note", "transfer", "close", "unmask", "risk", "draft",
           "wish", "call", "answer", "call_outcome", "warm_transfer", "plan_callback")


@bp.app_template_filter("local")
def local_time(moment: datetime | None, pattern: str = "%d-%m %H:%M") -> str:
    """Show a stored (UTC) moment in Amsterdam time, as staff read the clock."""
    return moment.astimezone(AMSTERDAM).strftime(pattern) if moment else ""


@bp.app_template_filter("trace_line")
def trace_line(line: str) -> str:
    """Show one line of a routing trace in the reader's language."""
    return trace_words.in_language(line, request_language())


@bp.app_context_processor
def code_texts() -> dict[str, Any]:
    """Give staff templates `code(prefix, value)`: a stored code (a status, channel, flag)
    in the reader's language, or the code itself when the rules made up a new one."""
    lang = request_language()

    def code(prefix: str, value: object) -> str:
        return texts.code_text(f"{prefix}_{value}", value, lang)

    return {"code": code}


def me() -> User:
    """Return the logged-in counsellor (the decorator made sure there is one)."""
    user = current_staff()
    assert user is not None  # noqa: S101 - staff_required ran first
    return user


def source() -> str:
    """Return the client's address, for the audit trail."""
    return (request.remote_addr or "")[:64]


@bp.get("")
@staff_required("counsellor")
def queue() -> ResponseReturnValue:
    """Show the contacts this counsellor may serve, urgent first."""
    user = me()
    session = get_session()
    return render_template(
        "desk/queue.html", **poll.rows_of(session, user),
        availability=workspace.availability_now(user), continuity=not user.continuity_opt_out,
        choices=workspace.AVAILABILITY,
        waiting_flags=support.flags_waiting(session=session, viewer=user),
    )


def visible_or_404(reference: str) -> Contact:
    """Return the contact for this reference, or answer 404: the same for a contact of
    another desk as for none at all, with the way to break-glass in an emergency."""
    contact = workspace.visible_contact(session=get_session(), user=me(), reference=reference)
    if contact is None:
        not_found(reference)
    return contact


def not_found(reference: str) -> NoReturn:
    """Answer 404 for a contact this user may not see (or that is not there)."""
    abort(make_response(render_template("desk/not_found.html", reference=reference), 404))


def locked_or_404(session: Any, user: User, contact: Contact) -> Contact:
    """Lock a contact seen a moment ago for a change, judged again by `access` under the
    lock (as the API does): a transfer that won the race leaves it to the other desk."""
    locked = contacts.lock(session=session, contact_id=contact.id)
    grants = break_glass.active_grants(session=session, user=user) if locked else set()
    if locked is None or not access.sees(user, locked, grants):
        not_found(contact.reference)
    return locked


@bp.get("/contacts/<reference>")
@staff_required("counsellor")
def contact_page(reference: str) -> ResponseReturnValue:
    """Show one contact: conversation (its newest messages, or with `?before=ID` those
    before that one), notes, earlier contacts, and what can be done."""
    user = me()
    contact = visible_or_404(reference)
    earlier = workspace.earlier_contacts(session=get_session(), user=user, contact=contact)
    with writing() as writer:
        workspace.read(session=writer, user=user, contact=contact, source=source(),
                       listed=earlier)
    before = message_id(request.args.get("before", "")) or None  # not a number: the newest
    return render_contact(user, contact, unmasked=False, earlier=earlier, before=before)


@bp.get("/contacts/<reference>/messages")
@staff_required("counsellor")
def new_messages(reference: str) -> ResponseReturnValue:
    """The conversation's messages after `?after=ID` (the first `MESSAGES_PAGE`: asked on
    from the last, the rest), as list items for the contact's page (conversation.js asks
    every 2 s); 204 when there are none. What is shown is a read of the contact, audited as
    the page is; asking and finding nothing is not."""
    user = me()
    contact = visible_or_404(reference)
    after = message_id(request.args.get("after", "0"))
    if after is None:
        return Response("after: expected a message number\n", 400, mimetype="text/plain")
    found = workspace.messages(session=get_session(), contact=contact, after=after,
                               limit=conversations.MESSAGES_PAGE)
    if not found:
        return Response(status=204)
    with writing() as writer:
        workspace.read(session=writer, user=user, contact=contact, source=source(),
                       detail="new messages")
    answer = Response(render_template("desk/_messages.html", messages=found, contact=contact))
    answer.headers["X-Last-Message"] = str(found[-1].id)
    return answer


def render_contact(user: User, contact: Contact, *, unmasked: bool, earlier: list[Contact],
                   before: int | None = None) -> ResponseReturnValue:
    """Render a contact's page; the number and e-mail masked unless just unmasked; the
    person's `earlier` contacts as audited (`workspace.searched`); the conversation's newest
    messages, or those `before` a message (a link leads to the ones before them)."""
    session = get_session()
    idle = timedelta(minutes=current_app.config["LOKET"].chat_idle_minutes)
    page = workspace.messages_page(session=session, contact=contact, before=before)
    return render_template(
        "desk/contact.html",
        contact=contact,
        mine=contact.assigned_user_id == user.id,
        holder=holder_of(contact),
        messages=page.messages,
        messages_before=page.earlier,
        older_page=before is not None,
        notes=workspace.notes_of(session=session, contact=contact),
        earlier=earlier,
        phone=contact.phone if unmasked else workspace.masked(contact.phone),
        email=contact.email if unmasked else workspace.masked(contact.email),
        unmasked=unmasked,
        outcomes=workspace_lists().outcomes,
        categories=workspace_lists().categories,
        canned=workspace_lists().canned_for(user.desk),
        lang=request_language(),
        drafts=workspace.drafts_of(session=session, user=user, contact=contact),
        risks=workspace.RISKS,
        person_flags=support.flags_shown(session=session, viewer=user,
                                         references=[contact.reference]
                                         ).get(contact.reference, ()),
        flag_choices=support.PERSON_FLAGS,
        flag_days=current_app.config["LOKET"].person_flag_days,
        me_name=workspace.holder_name(user),
        contact_types=workspace.CONTACT_TYPES,
        desks=[d for d in ("police", "veterans", "debasis")
               if d != contact.desk or contact.queue != d],
        callback=callbacks.latest_callback(session=session, contact=contact),
        legs=calls.legs_of(session=session, contact=contact),
        live_call=calls.live_counsellor_leg(session=session, contact=contact),
        reply_key=new_reply_key(),
        dropped=calls.dropped_in_crisis(session=session, contact=contact),
        call_outcomes=calls.OUTCOMES,
        emergency_until=break_glass.access_until(session=session, user=user, contact=contact),
        chat_ended=conversations.chat_ended(contact),
        chat_quiet=workspace.chat_quiet(session=session, contact=contact, idle=idle),
        idle_span=idle_span(idle),
        box_errors=box_errors(),
    )


def box_errors() -> dict[str, str]:
    """Return the refusals flashed for one field of the contact's page (`REFUSED_AT`), by
    the field's id (the page says them there, and any other flash under its h1)."""
    flashed: list[tuple[str, str]] = get_flashed_messages(with_categories=True)  # type: ignore[assignment]
    return {category.removeprefix(AT_BOX): message for category, message in flashed
            if category.startswith(AT_BOX)}


def idle_span(idle: timedelta) -> str:
    """Say the web chat's idle limit in words, in the reader's language ("2 uur")."""
    return span(int(idle.total_seconds()) // 60, request_language())


def workspace_lists() -> lists.Lists:
    """Return the configured outcomes, categories and canned replies."""
    return lists.configured(current_app.config["LOKET"].workspace_lists)


def holder_of(contact: Contact) -> str | None:
    """Return the display name of who holds a contact, if anyone."""
    if contact.assigned_user_id is None:
        return None
    holder = get_session().get(User, contact.assigned_user_id)
    return workspace.holder_name(holder) if holder else None


@bp.post("/contacts/<reference>/<action>")
@staff_required("counsellor")
def act(reference: str, action: str) -> ResponseReturnValue:
    """Do one thing to a contact (claim, release, reply, note, transfer, close, unmask)."""
    if action not in ACTIONS:
        abort(404)
    user = me()
    seen = visible_or_404(reference)
    form = request.form
    settings = current_app.config["LOKET"]
    back = url_for(".contact_page", reference=reference)
    try:
        with writing() as session:
            contact = locked_or_404(session, user, seen)
            done = perform(session, user, contact, action, form, settings)
    except contacts.Conflict as exc:
        flash(conflict_text(exc, seen), "conflict")
        keep_typed(user, seen, action, form)
        return redirect(back, 303)
    except workspace.Refused as exc:
        box = REFUSED_AT.get((action, exc.field))
        flash(refused_text(exc), f"{AT_BOX}{box}" if box else "error")
        keep_typed(user, seen, action, form)
        return redirect(back, 303)  # the field said at, if any, has the focus
    if action == "draft":
        return Response(status=204)
    if action == "unmask":  # shown on this answer only, after the audit line was written
        shown = workspace.visible_contact(session=get_session(), user=user, reference=reference)
        if shown is None:
            abort(404)
        get_session().refresh(shown)
        earlier = workspace.earlier_contacts(session=get_session(), user=user, contact=shown)
        with writing() as writer:
            workspace.searched(session=writer, user=user, listed=earlier, source=source())
        return render_contact(user, shown, unmasked=True, earlier=earlier)
    flash(f"done_{done}", "notice")
    if action in ("transfer", "close", "release", "plan_callback"):
        return redirect(url_for(".queue"), 303)
    # Back where the counsellor was working: the conversation after a reply, the notes
    # after a note (the page's top otherwise).
    return redirect(back + DONE_AT.get(action, ""), 303)


# A reply form's own key (`reply_key`, new with every page): the same form posted twice, by a
# double click or the browser sending it again, is one reply. Kept as the API keeps its
# `Idempotency-Key`s (an `InboundEvent`), per counsellor and hashed, and forgotten after a
# day (`inbound.forget`).
REPLY_KEY = "reply_key"
REPLY_CHANNEL = "desk"
REPLY_KEY_FORM = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_reply_key() -> str:
    """Return a fresh key for the reply form of a page."""
    return secrets.token_urlsafe(16)


def reply_once_key(user: User, form: Any) -> str | None:
    """Return where this reply form's key is kept, or None for a form without a usable one."""
    given = str(form.get(REPLY_KEY, ""))
    if not REPLY_KEY_FORM.fullmatch(given):
        return None
    return f"{REPLY_CHANNEL}:{user.id}:{hashlib.sha256(given.encode()).hexdigest()}"


# Where the page opens again after an action that stays on it.
DONE_AT = {"reply": "#conversation", "note": "#notes"}
# The box an action's form carries, and the words over it when a page open too long shows
# back what it held (`expired`).
UNSENT = {"reply": ("text", "unsent_reply"), "note": ("text", "unsent_note"),
          "transfer": ("note", "unsent_note"), "close": ("note", "unsent_note"),
          "warm_transfer": ("note", "unsent_note")}
# The box each refused action's text came from: (draft kind, form field).
TYPED = {"reply": ("reply", "text"), "note": ("note", "text"), "transfer": ("transfer", "note"),
         "warm_transfer": ("transfer", "note"), "close": ("close", "note")}  # one handover note
# The field of the page (its id) a refused action's rule is about, by (action, rule's field):
# the refusal is said beside it, which is marked invalid and gets the focus (autofocus: the
# page opens there). Any other refusal is said under the page's h1.
REFUSED_AT = {("reply", "text"): "reply-text", ("note", "note"): "note-text",
              ("transfer", "desk"): "transfer-desk", ("transfer", "note"): "transfer-note",
              ("close", "outcome"): "close-outcome", ("close", "contact_type"): "close-type",
              ("close", "note"): "close-note"}
AT_BOX = "error:"  # a refusal's flash category: "error:" and that field's id


class FormOrigin(NamedTuple):
    """Where a staff form came from: the page to go `back` to, the `field` of its free-text
    box (none: "") and the `label` (a text's key) over what that box held."""

    back: str
    field: str = ""
    label: str = ""


def answer_unsent_forms(blueprint: Blueprint, origin: Callable[[], FormOrigin]) -> None:
    """Answer a blueprint's forms that did nothing with a staff page that leads back to the
    page they came from (`origin`) and shows back what their box held, so that nothing
    typed is lost: one sent with an expired CSRF token (or none) with a 400 (`expired_form`),
    one the database did not take with a 503 (`unavailable_form`)."""

    def expired(_error: CSRFError) -> ResponseReturnValue:
        back, field, label = origin()
        return expired_form(back, field=field, label=label)

    def unavailable(error: Exception) -> ResponseReturnValue:
        if request.method != "POST":  # a page asked for: the public 503 page, as elsewhere
            return answer_unavailable(error)
        try:
            back, field, label = origin()
        except UNAVAILABLE:  # even the way back needs the database
            return answer_unavailable(error)
        return unavailable_form(error, back, field=field, label=label)

    blueprint.register_error_handler(CSRFError, expired)
    for kind in UNAVAILABLE:
        blueprint.register_error_handler(kind, unavailable)


def form_origin() -> FormOrigin:
    """Return, for the workspace's form this request sent, the page to go back to, the
    field of its free-text box (none: "") and the words over what that box held."""
    args = request.view_args or {}
    if request.endpoint == f"{bp.name}.break_glass_open":
        reference = request.form.get("reference", "").strip()[:16] or None
        return FormOrigin(url_for(".break_glass_form", reference=reference), "reason",
                          "unsent_reason")
    if "reference" in args:
        action = str(args.get("action", ""))
        field, label = UNSENT.get(action, ("", ""))
        back = url_for(".contact_page", reference=args["reference"]) + DONE_AT.get(action, "")
        return FormOrigin(back, field, label)
    return FormOrigin(url_for(".queue"))


answer_unsent_forms(bp, form_origin)


def expired_form(back: str, *, field: str = "", label: str = "") -> ResponseReturnValue:
    """Answer a staff form sent with an expired CSRF token (or none): nothing was sent or
    done (400), a link `back` to its page; the free text its box `field` held (a reply, a
    note, a reason) shown under `label`, to copy, so that nothing typed is lost. Nothing is
    stored, not even as a draft: a post without a valid token changes nothing."""
    log.info("staff.form_expired", endpoint=request.endpoint)
    return unsent_page(back, field=field, label=label, why="expired"), 400


def unavailable_form(error: Exception, back: str, *, field: str = "",
                     label: str = "") -> ResponseReturnValue:
    """Answer a staff form the database did not take (locked past its wait, restarting, a
    failover) as an expired one is answered, with a 503 and Retry-After: a link `back` to
    its page, what its box `field` held (a reply, a note, a reason) shown under `label` to
    copy, rather than the public page that loses it. Nothing is stored, not even as a
    draft: the database did not answer. The failure is logged as every failure's is."""
    current_app.log_exception((type(error), error, error.__traceback__))  # type: ignore[arg-type]
    page = unsent_page(back, field=field, label=label, why="unavailable")
    return page, 503, {"Retry-After": str(RETRY_AFTER_S)}


def unsent_page(back: str, *, field: str, label: str, why: str) -> str:
    """Render the page of a staff form that did nothing, saying `why` (its token
    `expired`, the database `unavailable`): a link `back`, and the free text its box
    `field` held shown under `label`."""
    typed = str(request.form.get(field, ""))[:workspace.MAX_NOTE] if field else ""
    return render_template("desk/expired.html", logout=False, back=back, why=why,
                           typed=typed if typed.strip() else "", typed_label=label)


def keep_typed(user: User, seen: Contact, action: str, form: Any) -> None:
    """Keep what a refused action's box held as its draft, so that the page shown again
    (without JavaScript nothing else saved it) still holds it; quietly nothing when even a
    draft is refused (the contact is no longer the counsellor's to work on)."""
    if action not in TYPED:
        return
    kind, field = TYPED[action]
    body = str(form.get(field, ""))
    if not body.strip():
        return
    try:
        with writing() as session:
            contact = locked_or_404(session, user, seen)
            workspace.save_draft(session=session, user=user, contact=contact, kind=kind,
                                 body=body[:workspace.MAX_NOTE])
    except (contacts.Conflict, workspace.Refused, HTTPException):
        return


def perform(session: Any, user: User, contact: Contact, action: str, form: Any,
            settings: Any) -> str:
    """Run one action in the unit of work; return what to tell the counsellor."""
    where = source()
    if action == "claim":
        workspace.claim(session=session, user=user, contact=contact,
                        max_live=settings.max_live_chats, source=where)
        return "claimed"
    if action == "release":
        workspace.release(session=session, contact=contact, user=user, source=where)
        return "released"
    if action == "draft":
        workspace.save_draft(session=session, user=user, contact=contact,
                             kind=form.get("kind", ""), body=form.get("body", ""))
        return "draft"
    if action in ("call", "answer", "call_outcome", "warm_transfer", "plan_callback"):
        return perform_call(session, user, contact, action, form, settings)
    if action == "wish":
        workspace.record_person_wish(session=session, user=user, contact=contact,
                                     opted_out=form.get("opted_out") == "1", source=where)
        return "wish"
    if action == "risk":
        still_open(contact, field="risk")
        rerouted = workspace.set_risk(session=session, user=user, contact=contact,
                                      risk=form.get("risk", ""), decide=rules_runtime.decide,
                                      source=where)
        return "rerouted" if rerouted else "risk"
    done = perform_with_text(session, user, contact, action, form, settings)
    if done is None:
        workspace.unmask(session=session, user=user, contact=contact, source=where)
        return "unmasked"
    workspace.clear_draft(session=session, user=user, contact=contact, kind=action)
    return done


def still_open(contact: Contact, *, field: str) -> None:
    """Refuse a change to a closed contact (its risk routes it again: a closed case would
    move to another desk, which could then read it)."""
    if contact.status == access.CLOSED:
        raise workspace.Refused("the contact is closed", field=field, key="r_contact_closed")


def perform_call(session: Any, user: User, contact: Contact, action: str, form: Any,
                 settings: Any) -> str:
    """Call a person back, answer a waiting caller, say how a callback went, plan one or
    hand a live call over."""
    where = source()
    if action == "call":
        calls.start_callback(session=session, user=user, contact=contact, source=where)
        return "calling"
    if action == "answer":
        calls.answer_waiting_call(session=session, user=user, contact=contact, source=where)
        return "answering"
    if action == "plan_callback":
        calls.plan_callback(session=session, user=user, contact=contact,
                            window=form.get("window", ""),
                            voicemail_allowed=form.get("voicemail") == "1",
                            personal=form.get("personal") == "1", source=where)
        return "plan_callback"
    if action == "warm_transfer":
        calls.warm_transfer(session=session, user=user, contact=contact,
                            desk=form.get("desk", ""), note=form.get("note", ""), source=where)
        return "warm_transfer"
    # How a call went is the holder's to say (as the page offers it): a colleague ending
    # someone's due callback would leave the person never called back.
    contacts.require_held(contact, user)
    calls.record_outcome(session=session, user=user, contact=contact,
                         outcome=form.get("outcome", ""), policy=calls.Policy.of(settings),
                         source=where)
    return "call_outcome"


def perform_with_text(session: Any, user: User, contact: Contact, action: str, form: Any,
                      settings: Any) -> str | None:
    """Run an action that carries what the counsellor wrote; None for any other action."""
    where = source()
    if action == "reply":
        once = reply_once_key(user, form)
        if once is not None and inbound.find_answer(session=session, key=once) is not None:
            return "sent"  # the same form sent again (a double click, a resend): sent once
        workspace.reply(session=session, user=user, contact=contact,
                        text=form.get("text", "").strip() or canned_text(form, user, contact),
                        source=where)
        if once is not None:
            inbound.record(session=session, key=once, channel=REPLY_CHANNEL, kind="desk.reply",
                           payload="", response="sent", response_type="text/plain",
                           contact_id=contact.id)
        return "sent"
    if action == "note":
        workspace.add_note(session=session, user=user, contact=contact,
                           text=form.get("text", ""), source=where)
        return "noted"
    if action == "transfer":
        workspace.transfer(session=session, user=user, contact=contact,
                           desk=form.get("desk", ""), note=form.get("note", ""), source=where)
        return "transferred"
    if action == "close":
        configured = workspace_lists()
        workspace.close(session=session, user=user, contact=contact,
                        outcome=form.get("outcome", ""),
                        contact_type=form.get("contact_type", "conversation"),
                        categories=form.getlist("categories"),
                        note=form.get("note", ""),
                        wrapup=timedelta(minutes=settings.wrapup_minutes), source=where,
                        outcomes=configured.outcome_keys,
                        category_keys=configured.category_keys,
                        seen=message_id(form.get("seen", "")))
        return "closed"
    return None


def message_id(value: str) -> int | None:
    """Return the id of the newest message a form had on screen (None: the form did not
    say, or said nothing a message id can be)."""
    value = value.strip()
    return message_number(value) if value else None


def canned_text(form: Any, user: User, contact: Contact) -> str:
    """Return the chosen canned reply in the person's language (it is sent to them), or
    nothing (without JavaScript a counsellor sends one by choosing it and leaving the text
    empty)."""
    key = form.get("canned", "")
    lang = contact.language
    for canned in workspace_lists().canned_for(user.desk):
        if f"{canned.desk}/{canned.choice.key}" == key:
            return canned.choice.label(lang).replace("{name}", workspace.holder_name(user))
    return ""


def conflict_text(exc: contacts.Conflict, contact: Contact) -> str:
    """Say, in the reader's language, why this counsellor could not act on a contact: it
    was closed meanwhile (in another tab, say), or who holds it."""
    lang = request_language()
    get_session().refresh(contact)  # as the refused unit of work found it
    if contact.status == access.CLOSED:
        return texts.text("r_contact_closed", lang)
    holder = get_session().get(User, exc.holder) if exc.holder is not None else None
    if holder is None or holder.id == current_staff_id():
        return texts.text("r_not_held", lang)
    return texts.text("r_held", lang, name=workspace.holder_name(holder))


def refused_text(exc: workspace.Refused) -> str:
    """Say a broken rule in the reader's language."""
    return texts.text(exc.key, request_language(), **exc.values)


def current_staff_id() -> int | None:
    """Return the logged-in user's id."""
    user = current_staff()
    return user.id if user else None


@bp.post("/continuity")
@staff_required("counsellor")
def continuity() -> ResponseReturnValue:
    """Opt in or out of being offered returning persons first."""
    with writing() as session:
        workspace.set_continuity(session=session, user=me(),
                                 offered=request.form.get("offered") == "1")
    flash("done_continuity", "notice")
    return redirect(url_for(".queue"), 303)


@bp.post("/availability")
@staff_required("counsellor")
def availability() -> ResponseReturnValue:
    """Set this counsellor's availability (available, busy, wrap-up, away)."""
    try:
        with writing() as session:
            workspace.set_availability(session=session, user=me(),
                                       status=request.form.get("status", ""))
    except workspace.Refused as exc:
        flash(refused_text(exc), "error")
    return redirect(url_for(".queue"), 303)


@bp.get("/break-glass")
@staff_required("counsellor")
def break_glass_form() -> ResponseReturnValue:
    """Ask for emergency access to another desk's contact: a reference and a reason."""
    minutes = current_app.config["LOKET"].break_glass_minutes
    return render_template("desk/break_glass.html", minutes=minutes,
                           reference=request.args.get("reference", "")[:16], reason="")


@bp.post("/break-glass")
@staff_required("counsellor")
def break_glass_open() -> ResponseReturnValue:
    """Open another desk's contact for a limited time, logged as an emergency access."""
    minutes = current_app.config["LOKET"].break_glass_minutes
    reference = request.form.get("reference", "").strip()[:16]
    reason = request.form.get("reason", "")
    try:
        with writing() as session:
            contact = break_glass.open_case(session=session, user=me(), reference=reference,
                                            reason=reason, minutes=minutes, source=source())
            found = contact.reference if contact is not None else None
    except workspace.Refused as exc:
        return render_template("desk/break_glass.html", minutes=minutes, reference=reference,
                               reason=reason[:500], error=refused_text(exc)), 400
    if found is None:
        return render_template("desk/break_glass.html", minutes=minutes, reference=reference,
                               reason=reason[:500],
                               error=texts.text("bg_unknown", request_language())), 404
    flash("done_break_glass", "notice")
    return redirect(url_for(".contact_page", reference=found), 303)
