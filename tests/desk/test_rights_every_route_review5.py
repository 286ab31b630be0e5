"""One desk never reads another desk's cases, route by route (DESIGN.md "Who sees what",
held by `loket/domain/access.py`), found by walking the app's `url_map` as
`test_audit_every_route` does, so a route added later is covered too: every route under
/desk, /reports and /api/v1 (and the call legs' webhooks, which name a leg by its id) must be
called here for every method it takes, or listed as naming no contact with the reason; else
`test_every_route_is_probed_or_listed` fails with its name.

Each probe is sent by someone who may not see the contact it names: a counsellor of another
desk (police on a De Basis contact, De Basis on a police and on a veterans contact), a
manager of another desk and the admin. Their answer must be a refusal (403 or 404) that is
exactly the answer for a reference (or id) that does not exist, so it never reveals that the
contact exists; the database must be as it was (no message, note, claim, transfer, close,
flag, draft, callback or audit line written); and the answer holds none of the contact's
personal data. Where DESIGN lets the user in (the admin reads any trail; a counsellor opens
another desk's contact in an emergency with a stated reason) the probe says so, and the
answer still holds no personal data.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from difflib import unified_diff
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, SQLModel

from loket.desk.workspace import ACTIONS
from loket.domain import conversations, support
from loket.store.db import session_scope
from loket.store.models import BreakGlass, CallbackRequest, CallLeg, Contact, HelpRequest, Note
from loket.store.types import utcnow
from tests.api.calls import CALL, Caller
from tests.desk.helpers import api_token, log_in, make_user
from tests.desk.test_audit_every_route import HOME, REASON, token
from tests.desk.test_workspace import PHONE, engine_of, stored, waiting

BODY = "Ik durf niet meer naar huis"  # the person's message
NOTE = "Woont bij zijn moeder in Zwolle"  # a counsellor's note
PRIVATE = (PHONE, PHONE[3:], "06 12 34 56 78", "0612345678", BODY, NOTE)
MISSING_REFERENCE = "Z9999-NO"
CSRF = re.compile(r'name="csrf_token" value="[^"]*"')  # signed with the second it was made
MISSING_ID = 987654
# The contacts asked about: (desk, queue, status, flags).
KINDS: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "police": ("police", "police", "waiting", ()),
    "veterans": ("veterans", "veterans", "waiting", ()),
    "debasis": ("debasis", "debasis", "waiting", ()),
    # Flagged `both`, handed to De Basis: De Basis's alone (after a transfer away, nothing).
    "both handed to debasis": ("debasis", "debasis", "waiting", ("both",)),
    # Police's overflow De Basis served, closed: no longer De Basis's to serve.
    "closed overflow": ("police", "debasis", "closed", ()),
}
# Who asks, of which desk, about which contact (DESIGN: none of them may see it).
ASKERS: list[tuple[str, str | None, str]] = [
    ("counsellor", "police", "debasis"),
    ("counsellor", "debasis", "police"),
    ("counsellor", "debasis", "veterans"),
    ("counsellor", "police", "both handed to debasis"),
    ("counsellor", "debasis", "closed overflow"),
    ("manager", "police", "debasis"),
    ("admin", None, "debasis"),
]
# Rows that change on every request of a logged-in user (when they were last active), not
# a contact's: left out of the comparison.
VOLATILE = {"login_session", "api_token", "user"}

# --- the map ------------------------------------------------------------------------------------

# Routes under /desk, /reports and /api/v1 naming no contact (no part of the URL, no field of
# the form or body names one): reason.
NAMES_NO_CONTACT: dict[str, str] = {
    "desk_auth.login GET": "logging in", "desk_auth.login POST": "logging in",
    "desk_auth.second_factor GET": "logging in", "desk_auth.second_factor POST": "logging in",
    "desk_auth.enrol GET": "logging in", "desk_auth.enrol POST": "logging in",
    "desk_auth.password GET": "the user's own password",
    "desk_auth.password POST": "the user's own password",
    "desk_auth.logout POST": "logging out",
    "desk_admin.users GET": "users", "desk_admin.add POST": "users",
    "desk_admin.change POST": "a user, by user id",
    "desk_workspace.queue GET": "the user's own desk's queue (visible_to)",
    "desk_poll.queue_rows GET": "the user's own desk's queue (visible_to)",
    "desk_workspace.availability POST": "the user's own availability",
    "desk_workspace.continuity POST": "the user's own continuity choice",
    "desk_trail.lookup GET": "a form; a reference redirects to `desk_trail.trail` (probed)",
    "desk_manager.overview GET": "the manager's own desk (counts, references; no details)",
    "api_v1.queue GET": "a queue, by name: the user's own desk's rows only (visible_to)",
    "api_v1.availability PUT": "the user's own availability",
    "api_v1.openapi_document GET": "the API's description",
    "reports.index GET": "aggregates", "reports.download GET": "aggregates",
    "reports.capacity GET": "aggregates", "reports.capacity_download GET": "aggregates",
}
# URL parts that name no contact.
NOT_A_CONTACT = {"user_id", "change", "queue", "slug", "round_"}


def walked(rule: Any) -> bool:
    """Tell whether the walk covers a route: the staff's pages and API, and the call legs."""
    return rule.rule.startswith(("/desk", "/reports", "/api/v1", "/twilio/calls/<"))


# --- the world: contacts of one desk, and what hangs from them ------------------------------


@dataclass(frozen=True)
class Hidden:
    """A contact of another desk and the things that name it by another id."""

    reference: str
    desk: str
    help_id: int
    grant_id: int
    callback_id: int
    flag_id: int
    leg_id: int


def add(app: Flask, row: Any) -> int:
    with session_scope(engine_of(app)) as session:
        session.add(row)
        session.flush()
        return int(row.id)


def hidden_contact(app: Flask, kind: str) -> Hidden:
    """Store a phone contact of this kind with a message, a note, a help request, a
    break-glass grant, an unreachable callback, a flag waiting for approval and a live leg."""
    desk, queue, status, flags = KINDS[kind]
    reference = waiting(app, desk=desk, queue=queue, status=status, flags=flags,
                        channel="phone")
    owner = make_user(app, role="counsellor", desk=desk)
    stranger = make_user(app, role="counsellor", desk="veterans" if desk != "veterans"
                         else "police")
    contact_id, owner_id, stranger_id = stored(app, reference).id, owner.id, stranger.id
    assert contact_id is not None and owner_id is not None and stranger_id is not None
    # The unreachable callback's contact waits for a call (one back in a queue is not on
    # the manager's list): another of the same desk.
    called_id = stored(app, waiting(app, desk=desk, queue=queue, flags=flags, channel="phone",
                                    status="callback" if status == "waiting" else status)).id
    now = utcnow()
    with session_scope(engine_of(app)) as session:
        found = session.get(Contact, contact_id)
        assert found is not None
        conversations.add_message(session=session, contact=found, direction="in", body=BODY)
        session.add(Note(contact_id=contact_id, user_id=owner_id, body=NOTE))
        found.external_id = f"CA{reference:4>32}"
        session.add(found)
        flag = support.set_flag(session=session, user=owner, contact=found, flag="abusive",
                                reason="Scheldt medewerkers uit", days=30)
        session.flush()
        flag_id = int(flag.id)  # type: ignore[arg-type]
    return Hidden(
        reference=reference, desk=desk, flag_id=flag_id,
        help_id=add(app, HelpRequest(user_id=owner_id, contact_id=contact_id, desk=desk)),
        grant_id=add(app, BreakGlass(user_id=stranger_id, contact_id=contact_id, desk=desk,
                                     reason=REASON, created_at=now,
                                     expires_at=now + timedelta(minutes=30))),
        callback_id=add(app, CallbackRequest(
            contact_id=called_id, phone=PHONE, window="asap", window_start=now,
            window_end=now + timedelta(hours=2), status="unreachable", due_at=now,
            updated_at=now)),
        leg_id=add(app, CallLeg(contact_id=contact_id, user_id=owner_id, kind="counsellor",
                                call_sid=f"CA{reference:3>32}", conference="loket-test",
                                status="in-progress")),
    )


@dataclass
class Asker:
    """A logged-in user of one role and desk: their session and their API token."""

    role: str
    user: Any
    client: FlaskClient
    api: Caller

    def form(self, path: str, data: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, data={"csrf_token": token(self.client, self.role),
                                            **(data or {})})


def asker(app: Flask, role: str, desk: str | None) -> Asker:
    user = make_user(app, role=role, desk=desk)
    client = app.test_client()
    log_in(client, app, user)
    assert client.get(HOME[role]).status_code == 200
    return Asker(role, user, client, Caller(app, user, api_token(app, user)))


def snapshot(app: Flask) -> dict[str, list[str]]:
    """Return every row of every table but the volatile ones, as text."""
    with Session(engine_of(app)) as session:
        return {table.name: sorted(repr(tuple(row)) for row in
                                   session.connection().execute(table.select()).all())
                for table in SQLModel.metadata.sorted_tables if table.name not in VOLATILE}


# --- the probes: how to call each route with a name ----------------------------------------

# A probe sends one request naming `ident` (a reference or an id) for the contact `h`.
Send = Callable[[Asker, str, Hidden], Any]


@dataclass(frozen=True)
class Probe:
    send: Send
    ident: Callable[[Hidden], str]  # what names the contact in this route
    missing: str  # a name of nothing
    allowed: tuple[str, ...] = ()  # roles DESIGN lets in: the answer then may differ
    details: bool = False  # DESIGN lets those roles read the contact's details too


PROBES: dict[str, Probe] = {}


def by_reference(h: Hidden) -> str:
    return h.reference


def other_desk(h: Hidden) -> str:
    return "police" if h.desk != "police" else "debasis"


def probe(key: str, send: Send, ident: Callable[[Hidden], str] = by_reference,
          missing: str = MISSING_REFERENCE, allowed: tuple[str, ...] = (),
          details: bool = False) -> None:
    PROBES[key] = Probe(send, ident, missing, allowed, details)


# The contact's page and its fragments.
probe("desk_workspace.contact_page GET", lambda a, i, h: a.client.get(f"/desk/contacts/{i}"))
probe("desk_workspace.new_messages GET",
      lambda a, i, h: a.client.get(f"/desk/contacts/{i}/messages?after=0"))
FORMS: dict[str, Callable[[Hidden], dict[str, Any]]] = {
    "claim": lambda h: {}, "release": lambda h: {}, "reply": lambda h: {"text": "Hoi"},
    "note": lambda h: {"text": "Belt 's nachts."},
    "transfer": lambda h: {"desk": other_desk(h), "note": "Graag overnemen."},
    "close": lambda h: {"outcome": "helped", "note": ""}, "unmask": lambda h: {},
    "risk": lambda h: {"risk": "acute"}, "draft": lambda h: {"kind": "reply", "body": "Hoi"},
    "wish": lambda h: {"opted_out": "1"}, "call": lambda h: {}, "answer": lambda h: {},
    "call_outcome": lambda h: {"outcome": "no_answer"},
    "warm_transfer": lambda h: {"desk": other_desk(h), "note": "Graag overnemen."},
    "plan_callback": lambda h: {"window": "evening"},
}


def act(action: str) -> Send:
    """Post one action from a contact's page, with a good form."""
    return lambda a, i, h: a.form(f"/desk/contacts/{i}/{action}", FORMS[action](h))


def api_call(name: str) -> Send:
    """Make one of the API's calls on a contact, with a good body."""
    body = (lambda h: {"desk": other_desk(h), "note": "Graag."}) if name == "transfer" else (
        lambda h: None)
    return lambda a, i, h: a.api.do(name, i, body(h))


def leg_webhook(step: str) -> Send:
    """Post to a call leg's webhook from a staff session (no Twilio signature)."""
    return lambda a, i, h: a.client.post(f"/twilio/calls/{i}/{step}", data={
        "CallSid": f"CA{h.reference:3>32}", "Digits": "1"})


for _action in FORMS:
    probe(f"desk_workspace.act POST:{_action}", act(_action))
probe("desk_support.ask_help POST", lambda a, i, h: a.form(f"/desk/contacts/{i}/help"))
probe("desk_support.set_flag POST", lambda a, i, h: a.form(
    f"/desk/contacts/{i}/flag", {"flag": "abusive", "reason": "Scheldt medewerkers uit"}))
probe("desk_support.approve_flag POST", lambda a, i, h: a.form(f"/desk/flags/{i}/approve"),
      ident=lambda h: str(h.flag_id), missing=str(MISSING_ID))
probe("desk_support.resolve_help POST", lambda a, i, h: a.form(f"/desk/help/{i}/resolve"),
      ident=lambda h: str(h.help_id), missing=str(MISSING_ID))
# The trail: the admin reads any contact's trail (who saw and did what; no personal data).
probe("desk_trail.trail GET", lambda a, i, h: a.client.get(f"/desk/contacts/{i}/trail"),
      allowed=("admin",))
probe("desk_trail.lookup GET", lambda a, i, h: a.client.get(f"/desk/trail?reference={i}",
                                                          follow_redirects=True),
      allowed=("admin",))
# Break-glass: DESIGN lets any counsellor open another desk's contact with a stated reason.
probe("desk_workspace.break_glass_form GET",
      lambda a, i, h: a.client.get(f"/desk/break-glass?reference={i}"), allowed=("counsellor",))
probe("desk_workspace.break_glass_open POST", lambda a, i, h: a.form(
    "/desk/break-glass", {"reference": i, "reason": REASON}), allowed=("counsellor",),
      details=True)
# The manager's steps.
probe("desk_manager.listen POST", lambda a, i, h: a.form(f"/desk/manager/listen/{i}"))
probe("desk_manager.callback_again POST",
      lambda a, i, h: a.form(f"/desk/manager/callbacks/{i}/again"),
      ident=lambda h: str(h.callback_id), missing=str(MISSING_ID))
probe("desk_manager.callback_close POST",
      lambda a, i, h: a.form(f"/desk/manager/callbacks/{i}/close"),
      ident=lambda h: str(h.callback_id), missing=str(MISSING_ID))
probe("desk_manager.reviewed POST",
      lambda a, i, h: a.form(f"/desk/manager/break-glass/{i}/reviewed"),
      ident=lambda h: str(h.grant_id), missing=str(MISSING_ID))
# The API.
_ENDPOINTS = {"read": "contact", "claim": "claim", "release": "release", "reply": "reply",
              "note": "note", "transfer": "transfer", "close": "close",
              "break_glass": "emergency", "call": "call"}
for _name, _endpoint in _ENDPOINTS.items():
    _method = CALL[_name][0]
    _emergency = _name == "break_glass"  # DESIGN: any counsellor, with a stated reason
    probe(f"api_v1.{_endpoint} {_method}", api_call(_name),
          allowed=("counsellor",) if _emergency else (), details=_emergency)
# The call legs' webhooks: a staff session (no Twilio signature) naming a leg of a contact.
for _step, _endpoint in (("caller", "caller"), ("counsellor", "counsellor"),
                         ("not_connected", "not_connected"), ("person", "person"),
                         ("confirm/1", "confirm")):
    probe(f"calls.{_endpoint} POST", leg_webhook(_step), ident=lambda h: str(h.leg_id),
          missing=str(MISSING_ID))


# --- the walk ------------------------------------------------------------------------------------


def unprobed(app: Flask) -> list[str]:
    """Return each route and method the walk covers that is neither probed here nor listed
    as naming no contact, and those listed whose URL names a contact after all."""
    probed = {key.partition(":")[0] for key in PROBES}
    found = []
    for rule in app.url_map.iter_rules():
        if not walked(rule):
            continue
        names = set(rule.arguments) - NOT_A_CONTACT
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            key = f"{rule.endpoint} {method}"
            if key not in probed and (names or key not in NAMES_NO_CONTACT):
                found.append(f"{method} {rule.rule} ({rule.endpoint})")
    return sorted(found)


def test_every_route_is_probed_or_listed(app: Flask) -> None:
    missing = unprobed(app)
    assert not missing, ("routes naming a contact (or not listed as naming none) that this "
                         f"test does not know how to call: {missing}")
    actions = {key.partition(":")[2] for key in PROBES if key.startswith("desk_workspace.act")}
    assert actions == set(ACTIONS), sorted(actions ^ set(ACTIONS))
    keys = {f"{rule.endpoint} {method}" for rule in app.url_map.iter_rules()
            for method in (rule.methods or set())}
    stale = {key.partition(":")[0] for key in (*PROBES, *NAMES_NO_CONTACT)} - keys
    assert not stale, stale


def test_a_new_route_naming_a_contact_fails_the_walk(make_app: Callable[..., Flask]) -> None:
    fresh = make_app()
    fresh.add_url_rule("/desk/contacts/<reference>/export", "desk_workspace.export",
                       lambda reference: reference, methods=["GET", "POST"])
    fresh.add_url_rule("/api/v1/help/<int:help_id>", "api_v1.help", lambda help_id: "")
    fresh.add_url_rule("/reports/search", "reports.search", lambda: "")
    assert unprobed(fresh) == [
        "GET /api/v1/help/<int:help_id> (api_v1.help)",
        "GET /desk/contacts/<reference>/export (desk_workspace.export)",
        "GET /reports/search (reports.search)",
        "POST /desk/contacts/<reference>/export (desk_workspace.export)",
    ]


def comparable(answer: Any, ident: str) -> tuple[int, str, str]:
    """Return what the asker sees of an answer, with the name they sent left out (an id,
    a number the page may hold elsewhere, only where it stands in a path)."""
    body, location = answer.get_data(as_text=True), answer.headers.get("Location", "")
    said = (f"/{ident}/", f"/{ident}?") if ident.isdigit() else (ident,)
    for name in said:
        body = body.replace(name, name.replace(ident, "{name}"))
        location = location.replace(name, name.replace(ident, "{name}"))
    # The login-end notice counts the seconds until it shows from each request's own
    # moment: two requests a second apart differ there, whatever they were asked.
    body = SHOWS_IN.sub("data-shows-in={seconds}", body)
    return answer.status_code, location, CSRF.sub("{csrf}", body)


SHOWS_IN = re.compile(r'data-shows-in="\d+"')


@pytest.mark.parametrize("key", sorted(PROBES))
def test_another_desk_s_contact_is_neither_shown_nor_changed(store_app: Flask,
                                                             key: str) -> None:
    run = PROBES[key]
    contacts = {kind: hidden_contact(store_app, kind) for kind in KINDS}
    for role, desk, theirs in ASKERS:
        who = asker(store_app, role, desk)
        hidden = contacts[theirs]
        ident = run.ident(hidden)
        before = snapshot(store_app)
        answer = run.send(who, ident, hidden)
        after = snapshot(store_app)
        said = (key, role, desk, theirs, answer.status_code)
        text = answer.get_data(as_text=True)
        if role in run.allowed and run.details:
            continue  # an emergency opening (DESIGN): audited, tested in test_break_glass
        leaked = [item for item in PRIVATE if item in text]
        assert not leaked, (*said, leaked)
        if role in run.allowed:
            continue  # DESIGN lets them in (the admin reads any trail)
        changed = sorted(name for name in before if before[name] != after[name])
        assert not changed, (*said, {name: sorted(set(after[name]) ^ set(before[name]))
                                     for name in changed})
        assert answer.status_code in (403, 404), (*said, text[:300])
        nothing = run.send(who, run.missing, hidden)
        seen, none = comparable(answer, ident), comparable(nothing, run.missing)
        assert seen == none, (*said, list(unified_diff(
            none[2].splitlines(), seen[2].splitlines(), lineterm="", n=0)), none[:2])


# Who may use each probe on the contact (DESIGN): their answer is not the answer for nothing,
# so a probe above is a live request (right path, form and token), not one refused anyway.
RIGHTFUL = {
    "desk_trail": ("manager", "debasis"), "desk_manager": ("manager", "debasis"),
    "calls": None,  # Twilio's webhooks: no staff session is let in (they check the signature)
    # The same empty form for any reference: it only echoes what was typed.
    "desk_workspace.break_glass_form GET": None,
}


def rightful_of(key: str) -> tuple[str, str] | None:
    """Return who may use a probe (role, desk), or None when no staff user may."""
    return RIGHTFUL.get(key, RIGHTFUL.get(key.partition(".")[0], ("counsellor", "debasis")))


@pytest.mark.parametrize("key", sorted(key for key in PROBES if rightful_of(key) is not None))
def test_each_probe_reaches_its_route_for_who_may_use_it(store_app: Flask, key: str) -> None:
    run = PROBES[key]
    rightful = rightful_of(key)
    assert rightful is not None
    hidden = hidden_contact(store_app, "debasis")
    if "break_glass" in key or "emergency" in key:
        hidden = hidden_contact(store_app, "veterans")  # broken open from another desk
    who = asker(store_app, *rightful)
    answer = run.send(who, run.ident(hidden), hidden)
    nothing = run.send(who, run.missing, hidden)
    assert comparable(answer, run.ident(hidden)) != comparable(nothing, run.missing), (
        key, answer.status_code, nothing.status_code)


def test_a_queue_named_by_another_desk_lists_none_of_its_contacts(store_app: Flask) -> None:
    # The queue routes name a queue, not a contact: asked for another desk's queue they list
    # only what the asker may see (visible_to), never another desk's references.
    contacts = {kind: hidden_contact(store_app, kind) for kind in KINDS}
    for role, desk, theirs in ASKERS:
        who = asker(store_app, role, desk)
        hidden = contacts[theirs]
        answers = [who.api("GET", f"/api/v1/queue/{queue}")
                   for queue in ("police", "veterans", "debasis", "pool")]
        answers += [who.client.get("/desk"), who.client.get("/desk/queue/rows"),
                    who.client.get("/desk/manager")]
        for answer in answers:
            text = answer.get_data(as_text=True)
            assert hidden.reference not in text, (role, desk, theirs, answer.status_code)
            assert not [item for item in PRIVATE if item in text], (role, desk, theirs)
