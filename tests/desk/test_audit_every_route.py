"""NEN 7513 route by route: every route that shows or changes a contact writes its audit line
(event, contact, user, from where), found by walking the app's `url_map`, so a route added
later is covered too: it must be exercised here, or listed as unaudited with the reason, or
listed as showing no contact at all; else `test_every_route_is_classified` fails.

Each audited route is called by a user of a role that may use it on a contact they may see,
with a good body, from `SOURCE`; the lines it wrote for that contact and user must be exactly
the events named, each carrying `SOURCE`. A 404 for a contact the user may not see writes
nothing; a step refused (409, 400, 422) writes no line saying it happened, while a read
before it stays in the trail. `loket audit --contact` prints what the routes wrote, and the
trail page shows it to the owning desk's manager and the admin only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from loket.cli import main
from loket.desk.workspace import ACTIONS
from loket.domain import contacts as contact_domain
from loket.domain import conversations, support
from loket.store.db import session_scope
from loket.store.models import (
    AuditEvent,
    BreakGlass,
    CallbackRequest,
    CallLeg,
    Contact,
    HelpRequest,
    User,
)
from loket.store.types import utcnow
from tests.api.calls import Caller
from tests.desk.helpers import api_token, log_in, make_user
from tests.desk.test_workspace import PHONE, TOKEN, engine_of, waiting

SOURCE = "198.51.100.23"  # where every request of these tests comes from
USER_PHONE = "+31201234567"
REASON = "Beller noemt zelfdoding, dossier nodig"
HOME = {"counsellor": "/desk", "manager": "/desk/manager", "admin": "/desk/admin"}

# --- the map: every rule of the app is exactly one of these kinds ---------------------------

# Shows or changes no contact's data: reason.
NO_CONTACT: dict[str, str] = {
    "static": "files",
    "health.healthz": "database and Redis state",
    "metrics.scrape": "counters, no contact",
    "webform.home": "the public front page",
    "webform.contact_form": "the public form, empty",
    "webform.received": "the person's own receipt, no record shown",
    "desk_auth.login": "logging in", "desk_auth.second_factor": "logging in",
    "desk_auth.enrol": "logging in", "desk_auth.password": "the user's own password",
    "desk_auth.logout": "logging out (held contacts released: audited by `workspace.leave`)",
    "desk_admin.users": "users, no contacts (DESIGN: the admin sees no contacts)",
    "desk_admin.add": "users", "desk_admin.change": "users (releases: audited in the domain)",
    "desk_workspace.availability": "the counsellor's own availability",
    "desk_workspace.continuity": "the counsellor's own continuity choice",
    "desk_workspace.break_glass_form": "an empty form (the reference is only echoed back)",
    "desk_trail.lookup": "a form; with a reference it redirects to the audited trail page",
    "api_v1.openapi_document": "the API's description",
    "api_v1.availability": "the counsellor's own availability",
    "reports.index": "aggregates only (DESIGN: reports are aggregates)",
    "reports.download": "aggregates only", "reports.capacity": "aggregates only",
    "reports.capacity_download": "aggregates only",
}
# Deliberately unaudited, though they concern contacts: reason.
UNAUDITED: dict[str, str] = {
    "desk_workspace.queue": "the queue: references, channel, priority, flags and waits; no "
                            "personal data (DESIGN: the queue shows no personal data)",
    "desk_poll.queue_rows": "the queue's rows (no personal data); a 304 shows nothing",
    "api_v1.queue": "the queue as JSON: no personal data (DESIGN)",
    "desk_manager.overview": "counts, waits and references of the desk's own unreachable "
                             "callbacks, help requests and break-glass events (DESIGN: "
                             "never a message, name or number)",
    "desk_workspace.act:draft": "the counsellor's own unsent text, saved as they type (every "
                                "pause of 0.8 s): not yet part of the record; it is shown "
                                "back only on the contact's page, whose read is audited",
    # The person's own channels: the person acting on their own contact, under their own
    # cookie or number; the intake and channels audit what they store (actor webchat,
    # webform, voice, sms), not staff access to a record.
    "webform.submit": "the person's own contact (created: audited by the intake)",
    "webchat.chat": "the person's own chat page", "webchat.start": "the person's own chat",
    "webchat.send": "the person's own chat", "webchat.messages": "the person's own chat",
    "webchat.answer": "the person's own chat", "webchat.callback": "the person's own chat",
    "webchat.leave": "the person's own chat",
    **{f"voice.{name}": "Twilio's webhook for the person's own call" for name in (
        "incoming", "menu", "military", "mode", "queued", "wait", "keep_place", "status",
        "callback_number", "callback_window", "callback_keyed", "callback_voicemail")},
    "messaging.inbound": "Twilio's webhook: the person's own message",
    "messaging.status": "Twilio's delivery report",
    **{f"calls.{name}": "Twilio's webhook for a call leg (audited by the call's steps)"
       for name in ("caller", "confirm", "counsellor", "not_connected", "person", "status")},
}
# The finer kinds of a deliberately unaudited answer of an audited route.
UNAUDITED_ANSWERS = {
    "a 404": "a contact the user may not see, or none: nothing written, so that the trail "
             "of another desk's contact never shows who asked (tested below)",
    "desk_workspace.new_messages 204": "the poll found no new message: nothing shown",
    "desk_poll.queue_rows 304": "the queue did not change: nothing shown",
    "api replay": "an Idempotency-Key replay answers the kept answer: nothing runs again",
    "desk_workspace.act:help again": "asking again while one's request is open changes "
                                     "nothing",
}


# --- the world each case runs in ------------------------------------------------------------


@dataclass
class World:
    """An app, and what a case made in it."""

    app: Flask
    made: dict[str, Any] = field(default_factory=dict)

    def client(self, role: str = "counsellor", desk: str | None = "police",
               phone: str | None = None) -> tuple[FlaskClient, User]:
        user = make_user(self.app, role=role, desk=desk)
        if phone:
            with session_scope(engine_of(self.app)) as session:
                stored = session.get(User, user.id)
                assert stored is not None
                stored.phone = phone
                session.add(stored)
            user.phone = phone
        client = self.app.test_client()
        client.environ_base["REMOTE_ADDR"] = SOURCE
        log_in(client, self.app, user)
        return client, user

    def api(self, desk: str = "police", phone: str | None = None) -> Caller:
        client, user = self.client(desk=desk, phone=phone)
        who = Caller(self.app, user, api_token(self.app, user))
        who.client.environ_base["REMOTE_ADDR"] = SOURCE
        return who

    def contact(self, reference: str) -> Contact:
        with Session(engine_of(self.app)) as session:
            return session.exec(select(Contact).where(Contact.reference == reference)).one()

    def change(self, reference: str, **values: Any) -> None:
        with session_scope(engine_of(self.app)) as session:
            found = session.exec(select(Contact).where(Contact.reference == reference)).one()
            for name, value in values.items():
                setattr(found, name, value)
            session.add(found)

    def hold(self, reference: str, user: User) -> None:
        """Let `user` hold the contact (claimed through the domain, before the case runs)."""
        with session_scope(engine_of(self.app)) as session:
            found = session.exec(select(Contact).where(Contact.reference == reference)).one()
            contact_domain.claim(session=session, contact=found, user=user)

    def add(self, row: Any) -> int:
        with session_scope(engine_of(self.app)) as session:
            session.add(row)
            session.flush()
            return int(row.id)

    def message(self, reference: str, text: str = "Ik kan niet slapen") -> int:
        with session_scope(engine_of(self.app)) as session:
            found = session.exec(select(Contact).where(Contact.reference == reference)).one()
            return conversations.add_message(session=session, contact=found, direction="in",
                                             body=text)

    def due_callback(self, reference: str, status: str = "due") -> int:
        found = self.contact(reference)
        now = utcnow()
        return self.add(CallbackRequest(
            contact_id=found.id, phone=PHONE, window="asap", window_start=now,
            window_end=now + timedelta(hours=2), status=status, due_at=now,
            updated_at=now))

    def live_leg(self, reference: str, user: User) -> int:
        return self.add(CallLeg(contact_id=self.contact(reference).id, user_id=user.id,
                                kind="counsellor", call_sid=f"CA{reference:0>32}"[:34],
                                conference="loket-test", status="in-progress"))

    def help_request(self, reference: str, user: User) -> int:
        return self.add(HelpRequest(user_id=user.id, contact_id=self.contact(reference).id,
                                    desk=user.desk))


def token(client: FlaskClient, role: str) -> str:
    """Return the CSRF token of a logged-in client's session (from its home page)."""
    found = TOKEN.search(client.get(HOME[role]).get_data(as_text=True))
    assert found is not None
    return found.group(1)


def form(client: FlaskClient, role: str, path: str, **data: Any) -> Any:
    """Post a staff form with the session's CSRF token."""
    return client.post(path, data={"csrf_token": token(client, role), **data})


@dataclass(frozen=True)
class Sent:
    """What a case did: the answer, the contact and user whose lines to look for, the events
    expected (exactly, in order) and the status expected."""

    answer: Any
    reference: str
    user: User
    events: list[str]
    status: int
    before: int  # the newest audit id before the request


def newest_audit_id(app: Flask) -> int:
    with Session(engine_of(app)) as session:
        found = session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id).desc())).first()
        return int(found or 0)


def lines_since(app: Flask, before: int) -> list[AuditEvent]:
    with Session(engine_of(app)) as session:
        return list(session.exec(select(AuditEvent).where(col(AuditEvent.id) > before)
                                 .order_by(col(AuditEvent.id))).all())


Case = Callable[[World], Sent]
CASES: dict[str, tuple[str, Case]] = {}  # name: (endpoint[:action], the case)


def case(endpoint: str) -> Callable[[Case], Case]:
    def register(run: Case) -> Case:
        CASES[run.__name__] = (endpoint, run)
        return run

    return register


def send(w: World, reference: str, user: User, events: list[str], status: int,
         request: Callable[[], Any]) -> Sent:
    """Send the request (after the case's preparation) and say what to expect of it."""
    before = newest_audit_id(w.app)
    return Sent(request(), reference, user, events, status, before)


def page_case(action: str, events: list[str], *, held: bool = True, channel: str = "sms",
              prepare: Callable[[World, str, User], dict[str, Any]] | None = None,
              status: int = 303, phone: str | None = None, name: str = "") -> None:
    """Register a case of one action posted from a contact's page."""

    def run(w: World) -> Sent:
        reference = waiting(w.app, channel=channel)
        client, user = w.client(phone=phone)
        if held:
            w.hold(reference, user)
        data = prepare(w, reference, user) if prepare else {}
        csrf = token(client, "counsellor")
        return send(w, reference, user, events, status, lambda: client.post(
            f"/desk/contacts/{reference}/{action}", data={"csrf_token": csrf, **data}))

    run.__name__ = name or f"page_{action}"
    case(f"desk_workspace.act:{action}")(run)


# --- the contact's page and its fragments ----------------------------------------------------


@case("desk_workspace.contact_page")
def page_read(w: World) -> Sent:
    reference = waiting(w.app)
    client, user = w.client()
    return send(w, reference, user, ["read"], 200,
                lambda: client.get(f"/desk/contacts/{reference}"))


@case("desk_workspace.new_messages")
def page_new_messages(w: World) -> Sent:
    reference = waiting(w.app)
    w.message(reference)
    client, user = w.client()
    return send(w, reference, user, ["read"], 200,
                lambda: client.get(f"/desk/contacts/{reference}/messages?after=0"))


page_case("claim", ["claim"], held=False)
page_case("release", ["release"])
page_case("reply", ["reply"], prepare=lambda w, r, u: {"text": "Hoi, ik ben Sam."})
page_case("note", ["note"], held=False, prepare=lambda w, r, u: {"text": "Belt 's nachts."})
page_case("transfer", ["note", "transfer"],
          prepare=lambda w, r, u: {"desk": "debasis", "note": "Wil De Basis spreken."})
page_case("close", ["close"], prepare=lambda w, r, u: {"outcome": "helped", "note": ""})
page_case("unmask", ["unmask"], held=False, status=200)
page_case("risk", ["update"], held=False, prepare=lambda w, r, u: {"risk": "concern"})
page_case("wish", ["update"], held=False, prepare=lambda w, r, u: {"opted_out": "1"})


def _due(w: World, reference: str, user: User) -> dict[str, Any]:
    w.due_callback(reference)
    return {}


def _on_the_line(w: World, reference: str, user: User) -> dict[str, Any]:
    w.change(reference, external_id="CA" + "7" * 32)
    return {}


page_case("call", ["call"], channel="phone", phone=USER_PHONE, prepare=_due)
page_case("answer", ["call"], channel="phone", phone=USER_PHONE, prepare=_on_the_line)
page_case("call_outcome", ["update"], channel="phone",
          prepare=lambda w, r, u: {**_due(w, r, u), "outcome": "no_answer"})
page_case("plan_callback", ["update"], channel="phone",
          prepare=lambda w, r, u: {"window": "evening"})


def _warm(w: World, reference: str, user: User) -> dict[str, Any]:
    w.live_leg(reference, user)
    colleague = make_user(w.app, role="counsellor", desk="debasis")
    with session_scope(engine_of(w.app)) as session:
        stored = session.get(User, colleague.id)
        assert stored is not None
        stored.phone, stored.available, stored.availability = USER_PHONE, True, "available"
        session.add(stored)
    return {"desk": "debasis", "note": "Wil De Basis spreken."}


page_case("warm_transfer", ["note", "transfer", "transfer"], channel="phone",
          prepare=_warm)


@case("desk_support.ask_help")
def page_help(w: World) -> Sent:
    reference = waiting(w.app)
    client, user = w.client()
    csrf = token(client, "counsellor")
    return send(w, reference, user, ["help"], 303, lambda: client.post(
        f"/desk/contacts/{reference}/help", data={"csrf_token": csrf}))


@case("desk_support.set_flag")
def page_flag(w: World) -> Sent:
    reference = waiting(w.app)
    client, user = w.client()
    csrf = token(client, "counsellor")
    return send(w, reference, user, ["flag"], 303, lambda: client.post(
        f"/desk/contacts/{reference}/flag",
        data={"csrf_token": csrf, "flag": "abusive", "reason": "Scheldt medewerkers uit"}))


def _flag_case(role: str) -> Case:
    def run(w: World) -> Sent:
        reference = waiting(w.app)
        _, setter = w.client()
        with session_scope(engine_of(w.app)) as session:
            found = session.exec(select(Contact).where(Contact.reference == reference)).one()
            flag = support.set_flag(session=session, user=setter, contact=found,
                                    flag="abusive", reason="Scheldt medewerkers uit", days=30)
            session.flush()
            flag_id = flag.id
        client, user = w.client(role=role)
        csrf = token(client, role)
        return send(w, reference, user, ["flag-approve"], 303, lambda: client.post(
            f"/desk/flags/{flag_id}/approve", data={"csrf_token": csrf}))

    run.__name__ = f"flag_approve_by_{role}"
    return run


def _resolve_case(role: str) -> Case:
    def run(w: World) -> Sent:
        reference = waiting(w.app)
        _, asker = w.client()
        help_id = w.help_request(reference, asker)
        client, user = w.client(role=role)
        csrf = token(client, role)
        return send(w, reference, user, ["help-done"], 303, lambda: client.post(
            f"/desk/help/{help_id}/resolve", data={"csrf_token": csrf}))

    run.__name__ = f"help_resolve_by_{role}"
    return run


for _role in ("counsellor", "manager"):
    case("desk_support.approve_flag")(_flag_case(_role))
    case("desk_support.resolve_help")(_resolve_case(_role))


@case("desk_workspace.break_glass_open")
def page_break_glass(w: World) -> Sent:
    reference = waiting(w.app, desk="veterans")
    client, user = w.client()
    csrf = token(client, "counsellor")
    return send(w, reference, user, ["break-glass"], 303, lambda: client.post(
        "/desk/break-glass", data={"csrf_token": csrf, "reference": reference,
                                   "reason": REASON}))


# --- the trail, the manager's steps ------------------------------------------------------------


def _trail_case(role: str, desk: str | None) -> Case:
    def run(w: World) -> Sent:
        reference = waiting(w.app)
        client, user = w.client(role=role, desk=desk)
        return send(w, reference, user, ["trail"], 200,
                    lambda: client.get(f"/desk/contacts/{reference}/trail"))

    run.__name__ = f"trail_by_{role}"
    return run


case("desk_trail.trail")(_trail_case("manager", "police"))
case("desk_trail.trail")(_trail_case("admin", None))


@case("desk_manager.listen")
def manager_listen(w: World) -> Sent:
    reference = waiting(w.app, channel="phone")
    _, holder = w.client()
    w.hold(reference, holder)
    w.live_leg(reference, holder)
    w.help_request(reference, holder)
    client, user = w.client(role="manager", phone=USER_PHONE)
    csrf = token(client, "manager")
    return send(w, reference, user, ["call"], 303, lambda: client.post(
        f"/desk/manager/listen/{reference}", data={"csrf_token": csrf}))


def _unreachable_case(step: str, events: list[str]) -> Case:
    def run(w: World) -> Sent:
        reference = waiting(w.app, channel="phone", status="callback")
        callback_id = w.due_callback(reference, status="unreachable")
        client, user = w.client(role="manager")
        csrf = token(client, "manager")
        return send(w, reference, user, events, 303, lambda: client.post(
            f"/desk/manager/callbacks/{callback_id}/{step}", data={"csrf_token": csrf}))

    run.__name__ = f"manager_callback_{step}"
    return run


case("desk_manager.callback_again")(_unreachable_case("again", ["update"]))
case("desk_manager.callback_close")(_unreachable_case("close", ["close"]))


@case("desk_manager.reviewed")
def manager_reviewed(w: World) -> Sent:
    reference = waiting(w.app)
    _, other = w.client(desk="veterans")
    now = utcnow()
    grant = w.add(BreakGlass(user_id=other.id, contact_id=w.contact(reference).id,
                             desk="police", reason=REASON, created_at=now,
                             expires_at=now + timedelta(minutes=30)))
    client, user = w.client(role="manager")
    csrf = token(client, "manager")
    return send(w, reference, user, ["review"], 303, lambda: client.post(
        f"/desk/manager/break-glass/{grant}/reviewed", data={"csrf_token": csrf}))


# --- the API -----------------------------------------------------------------------------------


def api_case(name: str, endpoint: str, events: list[str], status: int, *,
             held: bool = True, channel: str = "sms", desk: str = "police",
             phone: str | None = None,
             prepare: Callable[[World, str, User], None] | None = None) -> None:
    def run(w: World) -> Sent:
        reference = waiting(w.app, channel=channel, desk=desk)
        who = w.api(phone=phone)
        if held:
            w.hold(reference, who.user)
        if prepare:
            prepare(w, reference, who.user)
        return send(w, reference, who.user, events, status, lambda: who.do(name, reference))

    run.__name__ = f"api_{name}"
    case(f"api_v1.{endpoint}")(run)


api_case("read", "contact", ["read"], 200, held=False)
api_case("claim", "claim", ["claim"], 200, held=False)
api_case("release", "release", ["release"], 200)
api_case("reply", "reply", ["reply"], 201)
api_case("note", "note", ["note"], 201, held=False)
api_case("transfer", "transfer", ["note", "transfer"], 200)
api_case("close", "close", ["close"], 200)
api_case("break_glass", "emergency", ["break-glass", "read"], 200, held=False,
         desk="veterans")
api_case("call", "call", ["claim", "call"], 202, held=False, channel="phone",
         phone=USER_PHONE, prepare=lambda w, r, u: w.change(r, external_id="CA" + "5" * 32))


# --- the walk ----------------------------------------------------------------------------------


def unclassified(app: Flask) -> list[str]:
    """Return the app's routes neither audited here nor listed as unaudited or as showing
    no contact, and those listed as showing no contact whose URL names one."""
    audited = {endpoint.partition(":")[0] for endpoint, _ in CASES.values()}
    found = []
    for rule in app.url_map.iter_rules():
        names_contact = "reference" in rule.arguments or "/contacts/" in rule.rule
        if (rule.endpoint not in audited and rule.endpoint not in UNAUDITED
                and (names_contact or rule.endpoint not in NO_CONTACT)):
            found.append(f"{rule.rule} ({rule.endpoint})")
    return sorted(found)


def test_every_route_is_classified(app: Flask) -> None:
    unknown = unclassified(app)
    assert not unknown, ("routes neither audited here nor listed (with why) as unaudited or "
                         f"as showing no contact: {unknown}")
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    # Every action a contact's page posts is audited or listed.
    actions = {e.partition(":")[2] for e, _ in CASES.values()
               if e.startswith("desk_workspace.act:")}
    listed = {e.partition(":")[2] for e in UNAUDITED if e.startswith("desk_workspace.act:")}
    assert set(ACTIONS) == actions | listed, sorted(set(ACTIONS) ^ (actions | listed))
    # No stale entries: what is listed is still there.
    stale = {e.partition(":")[0] for e in (*UNAUDITED, *NO_CONTACT)} - endpoints
    assert not stale, stale


def test_a_new_contact_route_fails_the_walk_until_it_is_audited_or_listed(
    make_app: Callable[..., Flask],
) -> None:
    fresh = make_app()
    fresh.add_url_rule("/desk/contacts/<reference>/export", "desk_workspace.export",
                       lambda reference: reference)
    fresh.add_url_rule("/desk/persons/<int:person>", "desk_workspace.person",
                       lambda person: str(person))
    assert unclassified(fresh) == [
        "/desk/contacts/<reference>/export (desk_workspace.export)",
        "/desk/persons/<int:person> (desk_workspace.person)",
    ]
    # Listing it as showing no contact does not do for a URL that names one.
    NO_CONTACT["desk_workspace.export"] = "wrongly listed"
    try:
        assert "desk_workspace.export" in " ".join(unclassified(fresh))
    finally:
        del NO_CONTACT["desk_workspace.export"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_route_writes_its_audit_line(store_app: Flask, name: str) -> None:
    endpoint, run = CASES[name]
    done = run(World(store_app))
    assert done.answer.status_code == done.status, (
        name, done.answer.status_code, done.answer.get_data(as_text=True)[:500])
    written = lines_since(store_app, done.before)
    mine = [line for line in written
            if line.contact_reference == done.reference and line.user_id == done.user.id]
    assert [line.event for line in mine] == done.events, (endpoint, [
        (line.event, line.contact_reference, line.user_id, line.detail) for line in written])
    by_user = [line for line in written if line.user_id == done.user.id]
    assert {line.source for line in by_user} == {SOURCE}, [
        (line.event, line.source) for line in by_user]
    assert all(line.actor == "user" for line in mine)


# --- the earlier contacts the page lists -------------------------------------------------------


def test_the_earlier_contacts_a_page_lists_are_audited_as_searched(store_app: Flask) -> None:
    # The contact's page and the API's `history` show the person's earlier contacts (their
    # reference, channel, day and status): each is a search of that record, in its trail.
    w = World(store_app)
    earlier = waiting(store_app)
    hidden = waiting(store_app, desk="debasis")  # the same person; not police's to see
    reference = waiting(store_app)
    client, user = w.client()
    before = newest_audit_id(store_app)
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert earlier in page and hidden not in page
    who = w.api()
    assert who.do("read", reference).get_json()["history"] == [earlier]
    lines = [(line.event, line.contact_reference, line.user_id, line.source)
             for line in lines_since(store_app, before)]
    assert lines == [
        ("read", reference, user.id, SOURCE), ("search", earlier, user.id, SOURCE),
        ("read", reference, who.user.id, SOURCE), ("search", earlier, who.user.id, SOURCE),
    ]
    # The page shown with the number unmasked lists them too.
    before = newest_audit_id(store_app)
    shown = client.post(f"/desk/contacts/{reference}/unmask",
                        data={"csrf_token": token(client, "counsellor")})
    assert shown.status_code == 200 and earlier in shown.get_data(as_text=True)
    assert [(line.event, line.contact_reference) for line in lines_since(store_app, before)
            ] == [("unmask", reference), ("search", earlier)]
    # And so does another desk's contact opened in an emergency.
    other_person = "+31687654321"
    waiting(store_app, desk="veterans", phone=other_person)  # earlier: not police's to see
    also = waiting(store_app, desk="veterans", phone=other_person)
    before = newest_audit_id(store_app)
    opened = who.do("break_glass", also)
    assert opened.status_code == 200 and opened.get_json()["history"] == []
    assert [line.event for line in lines_since(store_app, before)] == ["break-glass", "read"]
    neighbour = waiting(store_app, desk="veterans", flags=("both",), phone=other_person)
    with session_scope(engine_of(store_app)) as session:  # the person's earlier contact
        row = session.exec(select(Contact).where(Contact.reference == neighbour)).one()
        row.created_at = row.created_at - timedelta(days=1)
    before = newest_audit_id(store_app)
    opened = who.do("break_glass", also)
    assert opened.get_json()["history"] == [neighbour]  # flagged both: police may see it
    # Breaking it again while the access runs renews it (a reason, a new period, logged).
    assert [(line.event, line.contact_reference) for line in lines_since(store_app, before)
            ] == [("break-glass", also), ("read", also), ("search", neighbour)]


# --- what is not audited, and must write nothing -------------------------------------------


def test_a_contact_the_user_may_not_see_is_a_404_that_writes_nothing(store_app: Flask) -> None:
    w = World(store_app)
    theirs = waiting(store_app, desk="veterans")
    client, _ = w.client()
    who = w.api()
    boss, _ = w.client(role="manager")
    other_boss, _ = w.client(role="manager", desk="veterans")
    admin, _ = w.client(role="admin", desk=None)
    ours = waiting(store_app)
    csrf = token(client, "counsellor")
    boss_csrf = token(boss, "manager")
    before = newest_audit_id(store_app)
    answers = [
        client.get(f"/desk/contacts/{theirs}"),
        client.get(f"/desk/contacts/{theirs}/messages?after=0"),
        *(client.post(f"/desk/contacts/{theirs}/{action}", data={"csrf_token": csrf})
          for action in ACTIONS),
        client.post(f"/desk/contacts/{theirs}/help", data={"csrf_token": csrf}),
        client.post(f"/desk/contacts/{theirs}/flag", data={"csrf_token": csrf,
                                                          "flag": "abusive",
                                                          "reason": "Scheldt medewerkers uit"}),
        boss.post(f"/desk/manager/listen/{theirs}", data={"csrf_token": boss_csrf}),
        boss.get(f"/desk/contacts/{theirs}/trail"),
        *(who.do(name, theirs) for name in ("read", "claim", "release", "reply", "note",
                                            "transfer", "close", "call")),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    # Roles without a contact's page are refused before any contact is looked up.
    for reader in (boss, admin):
        for path in (f"/desk/contacts/{ours}", f"/desk/contacts/{ours}/messages?after=0",
                     f"/desk/contacts/{theirs}"):
            assert reader.get(path).status_code == 403
    assert other_boss.get(f"/desk/contacts/{theirs}/trail").status_code == 200  # theirs
    assert [line.event for line in lines_since(store_app, before)] == ["trail"]


def test_an_unchanged_poll_and_no_new_messages_write_nothing(store_app: Flask) -> None:
    w = World(store_app)
    reference = waiting(store_app)
    newest = w.message(reference)
    client, _ = w.client()
    first = client.get("/desk/queue/rows")
    before = newest_audit_id(store_app)
    again = client.get("/desk/queue/rows", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    nothing = client.get(f"/desk/contacts/{reference}/messages?after={newest}")
    assert nothing.status_code == 204
    assert lines_since(store_app, before) == []


# --- refused steps: no line saying they happened; a read before them stays ------------------


def test_a_step_refused_writes_no_line_saying_it_happened(store_app: Flask) -> None:
    w = World(store_app)
    reference = waiting(store_app)
    holder_client, holder = w.client()
    w.hold(reference, holder)
    client, user = w.client()
    who = w.api()
    csrf = token(client, "counsellor")
    read = client.get(f"/desk/contacts/{reference}")  # a read before the refusals
    assert read.status_code == 200
    api_read = who.do("read", reference)
    assert api_read.status_code == 200
    before = newest_audit_id(store_app)
    # 409: someone else holds it.
    for name in ("claim", "release", "reply", "transfer", "close", "call"):
        assert who.do(name, reference).status_code == 409, name
    for action, data in (("claim", {}), ("release", {}), ("reply", {"text": "Hoi"}),
                         ("transfer", {"desk": "debasis", "note": "Graag overnemen"}),
                         ("close", {"outcome": "helped"}), ("call_outcome",
                                                            {"outcome": "reached"})):
        answer = client.post(f"/desk/contacts/{reference}/{action}",
                             data={"csrf_token": csrf, **data})
        assert answer.status_code == 303, action
    # 400 / 422: a bad body, from the holder.
    holder_api = Caller(store_app, holder, api_token(store_app, holder))
    holder_api.client.environ_base["REMOTE_ADDR"] = SOURCE
    bad = [
        holder_api.do("reply", reference, {"text": ""}),
        holder_api.do("reply", reference, {"txt": "Hoi"}),
        holder_api.do("note", reference, {"text": "   "}),
        holder_api.do("transfer", reference, {"desk": "police", "note": "Zelfde desk"}),
        holder_api.do("transfer", reference, {"desk": "debasis", "note": ""}),
        holder_api.do("close", reference, {"outcome": "opgelost"}),
        holder_api.do("break_glass", reference, {"reason": "kort"}),
        holder_api("POST", f"/api/v1/contacts/{reference}/messages", data="geen json",
                   headers={"Content-Type": "text/plain"}),
    ]
    assert all(a.status_code in (400, 422) for a in bad), [a.status_code for a in bad]
    holder_csrf = token(holder_client, "counsellor")
    for action, data in (("reply", {"text": ""}), ("note", {"text": ""}),
                         ("transfer", {"desk": "police", "note": "x"}),
                         ("close", {"outcome": "opgelost"}), ("risk", {"risk": "hoog"}),
                         ("plan_callback", {"window": "nooit"}),
                         ("call_outcome", {"outcome": "misschien"})):
        holder_client.environ_base["REMOTE_ADDR"] = SOURCE
        answer = holder_client.post(f"/desk/contacts/{reference}/{action}",
                                    data={"csrf_token": holder_csrf, **data})
        assert answer.status_code == 303, action
    written = lines_since(store_app, before)
    assert [line.event for line in written] == [], [
        (line.event, line.user_id, line.detail) for line in written]
    # The reads before the refusals are in the trail, with who and from where.
    with Session(engine_of(store_app)) as session:
        reads = session.exec(select(AuditEvent).where(
            AuditEvent.contact_reference == reference, AuditEvent.event == "read",
            col(AuditEvent.id) <= before)).all()
    assert {(r.user_id, r.source) for r in reads} == {(user.id, SOURCE), (who.user.id, SOURCE)}


# --- the command line and the trail page show what the routes wrote ------------------------


def test_loket_audit_prints_every_line_the_routes_wrote(
    app: Flask, cli_env: dict[str, str]
) -> None:
    w = World(app)
    reference = waiting(app)
    client, user = w.client()
    csrf = token(client, "counsellor")
    client.get(f"/desk/contacts/{reference}")
    for action, data in (("claim", {}), ("note", {"text": "Belt 's nachts."}),
                         ("reply", {"text": "Hoi, ik ben Sam."}), ("unmask", {}),
                         ("close", {"outcome": "helped"})):
        client.post(f"/desk/contacts/{reference}/{action}", data={"csrf_token": csrf, **data})
    with Session(engine_of(app)) as session:
        stored = session.exec(select(AuditEvent).where(
            AuditEvent.contact_reference == reference).order_by(col(AuditEvent.id))).all()
    by_user = [line.event for line in stored if line.user_id == user.id]
    assert by_user == ["read", "claim", "note", "reply", "unmask", "close"]
    result = CliRunner().invoke(main, ["audit", "--contact", reference])
    assert result.exit_code == 0, result.output
    rows = [row.split("\t") for row in result.output.splitlines()[1:]]
    assert [row[1] for row in rows] == [line.event for line in stored]
    for row, line in zip(rows, stored, strict=True):
        if line.user_id == user.id:
            assert row[2] == user.email and row[4] == SOURCE
    assert PHONE not in result.output


def test_the_trail_page_shows_the_lines_to_the_desk_s_manager_and_the_admin_only(
    store_app: Flask,
) -> None:
    w = World(store_app)
    reference = waiting(store_app)
    client, user = w.client()
    csrf = token(client, "counsellor")
    client.get(f"/desk/contacts/{reference}")
    client.post(f"/desk/contacts/{reference}/claim", data={"csrf_token": csrf})
    client.post(f"/desk/contacts/{reference}/unmask", data={"csrf_token": csrf})
    boss, _ = w.client(role="manager", desk="police")
    admin, _ = w.client(role="admin", desk=None)
    other_boss, _ = w.client(role="manager", desk="veterans")
    before = newest_audit_id(store_app)
    assert client.get(f"/desk/contacts/{reference}/trail").status_code == 403
    assert other_boss.get(f"/desk/contacts/{reference}/trail").status_code == 404
    assert lines_since(store_app, before) == []
    for reader in (boss, admin):
        page = reader.get(f"/desk/contacts/{reference}/trail?lang=en")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        for shown in ("Viewed", "Claimed", "Number shown", SOURCE, user.email):
            assert shown in text, shown
        assert PHONE not in text and re.search(r"\+31 ?6", text) is None
