"""The staff pages in a real browser: a counsellor logs in with both factors, sees a new chat
appear in the queue without reloading, claims it and replies, and the person reads the reply
live; the queue without JavaScript; and axe-core's WCAG 2.1 AA rules on every staff page, in
Dutch and English, wide and at 320 px."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect
from sqlmodel import select

from loket.domain import accounts, break_glass, conversations
from loket.store.db import session_scope
from loket.store.models import Contact, User
from tests.browser.conftest import Console, LiveServer
from tests.desk.helpers import PASSWORD, make_user
from tests.desk.test_workspace import waiting

pytestmark = pytest.mark.browser

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
REFERENCE = re.compile(r"[2-9A-Z]{3}-[2-9A-Z]{3}")
POLL_S = 2  # desk.js asks for the queue's rows this often
WORDS: dict[str, dict[str, str]] = {  # what the staff pages say, as a person reads them
    "nl": {
        "email": "E-mailadres", "password": "Wachtwoord", "code": "Code", "next": "Verder",
        "queue": "Wachtrij", "claim": "Oppakken", "reviewed": "Beoordeeld",
        "reply": "Antwoord", "send": "Versturen", "note": "Notitie toevoegen",
        "kept": "Ik heb ze bewaard", "logout": "Uitloggen",
        "yours": "Jij behandelt dit contact.",
    },
    "en": {
        "email": "E-mail address", "password": "Password", "code": "Code", "next": "Continue",
        "queue": "Queue", "claim": "Claim", "reviewed": "Reviewed",
        "reply": "Reply", "send": "Send", "note": "Add note",
        "kept": "I have kept them", "logout": "Log out",
        "yours": "You are working this contact.",
    },
}
_axe = Axe()


@dataclass
class Watched:
    """A page in a browser context of its own, and the errors on its console."""

    page: Page
    errors: list[str] = field(default_factory=list)

    def add(self, message: ConsoleMessage) -> None:
        """Keep a console error with the address it is about."""
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url', '')})")


@pytest.fixture
def open_watched(
    browser: Browser, live_server: LiveServer, console: Console
) -> Iterator[Callable[..., Watched]]:
    """Open a page in a fresh context, its console watched from before the first request
    (and kept in `console` too, for its CSP violations)."""
    contexts: list[BrowserContext] = []

    def open_(path: str, *, javascript: bool = True) -> Watched:
        context = browser.new_context(java_script_enabled=javascript, locale="nl-NL")
        contexts.append(context)
        watched = Watched(context.new_page())
        watched.page.on("console", watched.add)
        watched.page.on("console", console.add)
        watched.page.goto(live_server.url + path)
        return watched

    yield open_
    for context in contexts:
        context.close()


def type_into(page: Page, label: str, text: str) -> None:
    """Click the field with this label and type the text, key by key, as a person does."""
    field = page.get_by_label(label, exact=True)
    field.click()
    field.press_sequentially(text)


def give_password(page: Page, user: User, lang: str = "nl") -> None:
    """Fill in the first login step (e-mail and password) and send it."""
    words = WORDS[lang]
    type_into(page, words["email"], user.email)
    type_into(page, words["password"], PASSWORD)
    page.get_by_role("button", name=words["next"]).click()


def give_code(page: Page, user: User, lang: str = "nl") -> None:
    """Fill in the second step with the code the user's authenticator app shows now."""
    words = WORDS[lang]
    assert user.totp_secret is not None
    type_into(page, words["code"], pyotp.TOTP(user.totp_secret).now())
    page.get_by_role("button", name=words["next"]).click()


def sign_in(page: Page, live_server: LiveServer, user: User, lang: str = "nl") -> None:
    """Log in at /desk/login with both factors, by typing in the forms."""
    page.goto(f"{live_server.url}/desk/login?lang={lang}")
    give_password(page, user, lang)
    expect(page).to_have_url(re.compile(r"/desk/second-factor"))
    give_code(page, user, lang)
    expect(page.get_by_role("button", name=WORDS[lang]["logout"])).to_be_visible()


def sign_out(page: Page, lang: str) -> None:
    """Log out with the button in the staff menu."""
    page.get_by_role("button", name=WORDS[lang]["logout"]).click()
    expect(page).to_have_url(re.compile(r"/desk/login"))


def newcomer(app: Flask, *, display_name: str) -> User:
    """Store a police counsellor who has not set up the second factor yet (their first
    login enrols it)."""
    user_in = accounts.UserIn(
        email="nieuw@example.org", role="counsellor", desk="police",
        name="Nieuwe Medewerker", display_name=display_name, password=PASSWORD,
    )
    with session_scope(app.extensions["loket.engine"]) as session:
        user, _ = accounts.create_user(session=session, user_in=user_in)
    return user


def person_writes(app: Flask, reference: str, body: str) -> None:
    """Store a message the person wrote in a waiting contact's chat."""
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        conversations.add_message(session=session, contact=contact, direction="in", body=body)


def emergency_access(app: Flask, reference: str) -> None:
    """Have a counsellor of another desk open a police contact by break-glass, so that the
    police manager has an emergency access to review."""
    other = make_user(app, role="counsellor", desk="veterans")
    with session_scope(app.extensions["loket.engine"]) as session:
        user = session.get(User, other.id)
        assert user is not None
        break_glass.open_case(session=session, user=user, reference=reference, minutes=30,
                              reason="De beller noemde dit kenmerk in een crisisgesprek.")


def violations(page: Page) -> list[str]:
    """Return axe-core's WCAG 2.1 A and AA violations on the page: rule, element, summary."""
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    found: list[dict[str, Any]] = _axe.run(page, options=options).response["violations"]
    return [
        f"{v['id']} at {', '.join(map(str, node['target']))}: {node['failureSummary']}"
        for v in found
        for node in v["nodes"]
    ]


def fits(page: Page) -> bool:
    """Tell whether the page fits its viewport's width (no sideways scrolling)."""
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def accessible(page: Page, lang: str) -> list[str]:
    """Check the page as it is and at 320 px: return axe's violations and, at 320 px,
    whether the page scrolls sideways; the page is in the language asked for."""
    expect(page.locator("html")).to_have_attribute("lang", lang)
    where = page.url.split("/", 3)[-1]
    found = [f"{where}: {v}" for v in violations(page)]
    wide = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    found += [f"{where} at 320 px: {v}" for v in violations(page)]
    if not fits(page):
        found.append(f"{where} at 320 px: the page scrolls sideways")
    assert wide is not None
    page.set_viewport_size(wide)
    return found


# --- end to end --------------------------------------------------------------------------


def test_a_counsellor_sees_a_new_chat_live_claims_it_and_the_person_reads_the_reply(
    open_watched: Callable[..., Watched], live_server: LiveServer, console: Console
) -> None:
    counsellor = make_user(live_server.app, role="counsellor", desk="police",
                           display_name="Anouk")
    staff = open_watched("/desk/login")
    desk = staff.page
    give_password(desk, counsellor)
    expect(desk.locator("h1")).to_have_text("Tweede stap")
    give_code(desk, counsellor)
    expect(desk.locator("h1")).to_have_text("Wachtrij")
    expect(desk.locator("#queue-rows")).to_contain_text("Niemand wacht.")
    desk.evaluate("() => { window.samePage = true; }")

    visitor = open_watched("/chat")
    person = visitor.page
    person.get_by_role("button", name="Ik werk of werkte bij de politie").click()
    person.get_by_role("button", name="Nu chatten").click()
    match = REFERENCE.search(person.locator(".reference-line").inner_text())
    assert match is not None
    reference = match.group()
    person.evaluate("() => { window.samePage = true; }")
    person.get_by_label("Je bericht").fill("Ik wil even met iemand praten.")
    person.get_by_role("button", name="Verstuur").click()
    expect(person.locator("#messages")).to_contain_text("Ik wil even met iemand praten.")

    row = desk.locator("#queue-rows tr", has_text=reference)
    expect(row).to_be_visible(timeout=(POLL_S + 3) * 1000)  # the next poll or the one after
    expect(row).to_contain_text("webchat")
    expect(row).to_contain_text("vrij")
    assert desk.evaluate("() => window.samePage === true")  # no reload

    row.get_by_role("link", name=reference).click()
    expect(desk.locator("h1")).to_contain_text(reference)
    expect(desk.locator(".conversation")).to_contain_text("Ik wil even met iemand praten.")
    desk.get_by_role("button", name="Oppakken").click()
    expect(desk.get_by_text("Jij behandelt dit contact.")).to_be_visible()
    type_into(desk, "Antwoord", "Hoi, ik ben Anouk. Ik lees met je mee.")
    desk.get_by_role("button", name="Versturen").click()
    expect(desk.get_by_role("status")).to_contain_text("Verstuurd.")

    reply = person.locator("#messages li", has_text="Ik lees met je mee.")
    expect(reply).to_be_visible(timeout=(POLL_S + 3) * 1000)
    expect(reply.locator(".message__who")).to_have_text("Anouk")
    assert person.evaluate("() => window.samePage === true")  # no reload

    # The person answers: it comes to the counsellor's page as it is written, and the
    # close form knows it was on screen.
    desk.evaluate("() => { window.samePage = true; }")
    person.get_by_label("Je bericht").fill("Fijn, dank je. Ik ben er nog.")
    person.get_by_role("button", name="Verstuur").click()
    answered = desk.locator("#conversation-list li", has_text="Ik ben er nog.")
    expect(answered).to_be_visible(timeout=(POLL_S + 3) * 1000)
    assert desk.evaluate("() => window.samePage === true")  # no reload
    shown = desk.locator("#conversation-list").get_attribute("data-last")
    assert shown and desk.locator("input[name=seen]").get_attribute("value") == shown
    assert staff.errors == []
    # The public layout names no icon, so Chromium's request for /favicon.ico is a 404 on
    # the person's page: the public pages' to fix, not a staff page's.
    assert [e for e in visitor.errors if not e.endswith("/favicon.ico)")] == []
    assert console.csp_violations() == []


def test_the_queue_refreshes_by_its_link_without_javascript(
    open_page: Callable[..., Page], live_server: LiveServer, console: Console
) -> None:
    counsellor = make_user(live_server.app, role="counsellor", desk="police")
    desk = open_page("/desk/login", javascript=False)
    give_password(desk, counsellor)
    give_code(desk, counsellor)
    expect(desk.locator("#queue-rows")).to_contain_text("Niemand wacht.")
    reference = waiting(live_server.app, channel="webchat", phone=None)
    desk.get_by_role("link", name="Vernieuwen").click()
    expect(desk.locator("#queue-rows tr", has_text=reference)).to_be_visible()
    expect(desk.locator("#queue-rows")).not_to_contain_text("Niemand wacht.")
    assert [m for m in console.messages if m.startswith("error")] == []
    assert console.csp_violations() == []


def test_the_queue_s_columns_fit_a_laptop_screen_without_scrolling(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    # A counsellor at a 1280 px screen sees every column of the queue, flags and who works
    # a contact included, without scrolling the table's region sideways.
    counsellor = make_user(live_server.app, role="counsellor", desk="police")
    waiting(live_server.app, channel="whatsapp", queue="pool", seconds_ago=5400,
            flags=("anonymous", "pooled", "overflow"))
    desk = open_page("/desk/login", javascript=False, width=1280, height=800)
    give_password(desk, counsellor)
    give_code(desk, counsellor)
    region = desk.locator(".table-scroll")
    expect(region).to_be_visible()
    assert region.evaluate("(el) => el.scrollWidth <= el.clientWidth"), "the queue scrolls"


def test_the_queue_keeps_the_keyboard_s_place_and_says_only_the_new_contacts(
    open_page: Callable[..., Page], live_server: LiveServer, console: Console
) -> None:
    crisis = waiting(live_server.app, crisis=True, seconds_ago=5)
    counsellor = make_user(live_server.app, role="counsellor", desk="police")
    desk = open_page("/desk/login")
    give_password(desk, counsellor)
    give_code(desk, counsellor)
    link = desk.get_by_role("link", name=crisis)
    for _ in range(20):
        desk.keyboard.press("Tab")
        if desk.evaluate("() => document.activeElement.textContent") == crisis:
            break
    expect(link).to_be_focused()
    waited = desk.locator("#queue-rows tr", has_text=crisis).locator("td").nth(3)
    before = waited.inner_text()
    expect(waited).not_to_have_text(before, timeout=(POLL_S + 3) * 1000)  # rows replaced
    expect(link).to_be_focused()
    expect(desk.locator("#queue-news")).to_be_empty()  # a growing wait is not news

    newcomer = waiting(live_server.app, seconds_ago=0)
    news = desk.locator("#queue-news")
    expect(news).to_contain_text(newcomer, timeout=(POLL_S + 3) * 1000)
    expect(news).not_to_contain_text(crisis)
    expect(link).to_be_focused()
    assert [m for m in console.messages if m.startswith("error")] == []


# --- accessibility -----------------------------------------------------------------------


def callbacks_for_the_pages(app: Flask) -> str:
    """Give the pages what calls add: a due callback (returned), one never reached (the
    manager's list), and an escalated crisis (the banner)."""
    from datetime import timedelta

    from loket.domain import callbacks, calls, escalation
    from loket.store.models import CallbackRequest
    from loket.store.types import utcnow

    due, unreachable = waiting(app, status="callback"), waiting(app, status="callback")
    waiting(app, crisis=True, seconds_ago=400)
    with session_scope(app.extensions["loket.engine"]) as session:
        for reference in (due, unreachable):
            contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
            callback = callbacks.request_callback(session=session, contact=contact,
                                                  phone="+31612345678")
            callback.next_attempt_at = utcnow() - timedelta(seconds=1)
        session.flush()
        calls.make_due(session=session)
        never = session.exec(select(CallbackRequest).order_by(CallbackRequest.id.desc())  # type: ignore[union-attr]
                             ).first()
        assert never is not None
        never.status, never.attempts, never.last_outcome = "unreachable", 3, "no_answer"
        escalation.raise_due(session=session, timing=escalation.Timing())
    return due


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_staff_pages_pass_axe_wcag_21_aa(
    open_page: Callable[..., Page], live_server: LiveServer, console: Console, lang: str
) -> None:
    app = live_server.app
    words = WORDS[lang]
    chat = waiting(app, channel="webchat", phone=None, seconds_ago=200)
    person_writes(app, chat, "Ik slaap slecht sinds mijn uitzending.")
    waiting(app, crisis=True, seconds_ago=15, flags=("both",))
    emergency_access(app, waiting(app, desk="police", seconds_ago=900))
    due = callbacks_for_the_pages(app)
    counsellor = newcomer(app, display_name="Anouk")
    with session_scope(app.extensions["loket.engine"]) as session:
        stored = session.get(User, counsellor.id)
        assert stored is not None
        stored.phone = "+31687654321"
    found: list[str] = []

    page = open_page(f"/desk/login?lang={lang}")
    found += accessible(page, lang)
    type_into(page, words["email"], counsellor.email)
    type_into(page, words["password"], "niet-het-wachtwoord")
    page.get_by_role("button", name=words["next"]).click()
    expect(page.get_by_role("alert")).to_be_visible()
    found += accessible(page, lang)  # the login refused
    expect(page.get_by_label(words["email"], exact=True)).to_have_value(counsellor.email)
    type_into(page, words["password"], PASSWORD)
    page.get_by_role("button", name=words["next"]).click()
    expect(page).to_have_url(re.compile(r"/desk/enrol"))
    found += accessible(page, lang)
    give_code(page, counsellor, lang)
    expect(page.locator(".codes li")).to_have_count(10)
    found += accessible(page, lang)
    page.get_by_role("link", name=words["kept"]).click()

    expect(page.locator("h1")).to_have_text(words["queue"])
    expect(page.locator("#queue-rows .badge--crisis").first).to_be_visible()
    expect(page.locator("#queue-rows .escalation")).to_be_visible()  # the escalated crisis
    found += accessible(page, lang)
    page.get_by_role("link", name=chat).click()
    page.get_by_role("button", name=words["claim"]).click()
    expect(page.get_by_text(words["yours"])).to_be_visible()
    type_into(page, words["reply"], "Goed dat je schrijft. Wat houdt je wakker?")
    page.get_by_role("button", name=words["send"]).click()
    expect(page.locator(".conversation li")).to_have_count(2)
    type_into(page, words["note"], "Slaapt slecht; bespreek doorverwijzing.")
    page.get_by_role("button", name=words["note"]).click()
    expect(page.locator(".note")).to_contain_text("bespreek doorverwijzing")
    found += accessible(page, lang)
    page.goto(f"{live_server.url}/desk/contacts/{due}")
    page.get_by_role("button", name=words["claim"]).click()
    expect(page.locator("#calls")).to_be_visible()  # a due callback: call back, outcome
    found += accessible(page, lang)
    sign_out(page, lang)

    manager = make_user(app, role="manager", desk="police")
    give_password(page, manager, lang)
    expect(page).to_have_url(re.compile(r"/desk/second-factor"))
    found += accessible(page, lang)
    give_code(page, manager, lang)
    expect(page).to_have_url(re.compile(r"/desk/manager"))
    expect(page.get_by_role("button", name=words["reviewed"])).to_be_visible()
    found += accessible(page, lang)
    page.goto(f"{live_server.url}/reports?from=2026-01-01&to={date.today().isoformat()}")
    expect(page.locator("#table-channels")).to_be_visible()  # the tables, charts and links
    expect(page.locator("figure.chart svg").first).to_be_visible()
    found += accessible(page, lang)
    page.goto(f"{live_server.url}/reports/capacity?weeks=2")
    expect(page.locator("#table-need-pooled")).to_be_visible()
    found += accessible(page, lang)
    sign_out(page, lang)

    admin = make_user(app, role="admin")
    sign_in(page, live_server, admin, lang)
    expect(page).to_have_url(re.compile(r"/desk/admin"))
    found += accessible(page, lang)
    page.goto(f"{live_server.url}/desk/password")  # one's own password, then refused
    found += accessible(page, lang)
    page.locator("#current_password").fill("niet-het-wachtwoord")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    found += accessible(page, lang)

    assert not found, "\n".join(found)
    assert console.csp_violations() == []
