"""The staff pages as they are used all night: what a counsellor types survives a lost
connection, a waiting contact that turns into a crisis is said, closing and transferring say
what they will do before they do it, and the admin's users table fits a laptop's screen."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from loket.store.db import session_scope
from loket.store.models import Contact
from loket.store.types import utcnow
from tests.browser.conftest import LiveServer
from tests.browser.test_desk import POLL_S, give_code, give_password, sign_in
from tests.desk.helpers import make_user
from tests.desk.test_workspace import stored, waiting

pytestmark = pytest.mark.browser


def counsellor_on(open_page: Callable[..., Page], live_server: LiveServer, reference: str,
                  *, claim: bool = True) -> Page:
    """Log a police counsellor in and open a contact's page, claimed by them."""
    counsellor = make_user(live_server.app, role="counsellor", desk="police")
    page = open_page("/desk/login")
    give_password(page, counsellor)
    give_code(page, counsellor)
    page.goto(f"{live_server.url}/desk/contacts/{reference}")
    if claim:
        page.get_by_role("button", name="Oppakken").click()
        expect(page.get_by_text("Jij behandelt dit contact.")).to_be_visible()
    return page


def test_a_reply_typed_while_the_connection_was_down_is_kept_once_it_is_back(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    # The counsellor types while the wifi is gone, and keeps the cursor in the box. When
    # the connection is back the draft is saved without them doing anything: another tab
    # (or the page after a crash) shows it.
    reference = waiting(live_server.app, channel="webchat", phone=None)
    page = counsellor_on(open_page, live_server, reference)
    page.context.set_offline(True)
    box = page.get_by_label("Antwoord", exact=True)
    box.click()
    box.press_sequentially("Ik ben er nog, de verbinding viel even weg.")
    page.wait_for_timeout(1500)  # the autosave has tried and failed
    page.context.set_offline(False)
    page.wait_for_timeout(3000)
    other = page.context.new_page()
    other.goto(f"{live_server.url}/desk/contacts/{reference}")
    expect(other.get_by_label("Antwoord", exact=True)).to_have_value(
        "Ik ben er nog, de verbinding viel even weg.")


def test_a_draft_the_server_refused_to_keep_is_not_counted_as_kept(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    # The page's login form expired (its token no longer matches): the autosave's answer
    # is a refusal, not a save, and the counsellor is told the draft is not kept.
    reference = waiting(live_server.app, channel="webchat", phone=None)
    page = counsellor_on(open_page, live_server, reference)
    page.evaluate("() => document.querySelectorAll('input[name=csrf_token]')"
                  ".forEach((i) => { i.value = 'verlopen'; })")
    box = page.get_by_label("Antwoord", exact=True)
    box.click()
    box.press_sequentially("Dit mag niet verloren gaan.")
    status = page.locator("#reply-text-saved")
    expect(status).to_have_text(re.compile("niet bewaard", re.I), timeout=5000)


def test_a_waiting_contact_that_becomes_a_crisis_is_said_on_the_queue(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    # A person already waiting writes a crisis phrase: their row turns into a crisis row.
    # A counsellor with a screen reader hears it, not only someone who looks.
    app = live_server.app
    reference = waiting(app, seconds_ago=40)
    counsellor = make_user(app, role="counsellor", desk="police")
    page = open_page("/desk/login")
    give_password(page, counsellor)
    give_code(page, counsellor)
    expect(page.locator("#queue-rows tr", has_text=reference)).to_be_visible()
    page.wait_for_timeout((POLL_S + 1) * 1000)
    expect(page.locator("#queue-news")).to_be_empty()
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.crisis, contact.priority, contact.updated_at = True, "urgent", utcnow()
        session.add(contact)
    row = page.locator("#queue-rows tr.crisis", has_text=reference)
    expect(row).to_be_visible(timeout=(POLL_S + 3) * 1000)
    expect(page.locator("#queue-news")).to_contain_text(reference)
    expect(page.locator("#queue-news")).to_contain_text("Crisis")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_close_and_transfer_say_what_they_will_do(
    open_page: Callable[..., Page], live_server: LiveServer, lang: str
) -> None:
    reference = waiting(live_server.app, channel="webchat", phone=None)
    counsellor = make_user(live_server.app, role="counsellor", desk="police")
    page = open_page()
    sign_in(page, live_server, counsellor, lang)
    page.goto(f"{live_server.url}/desk/contacts/{reference}")
    page.get_by_role("button", name={"nl": "Oppakken", "en": "Claim"}[lang]).click()
    close = page.locator("#close").locator("xpath=..").get_by_role("button")
    transfer = page.locator("#transfer").locator("xpath=..").get_by_role("button")
    expect(close).to_have_accessible_description(
        {"nl": re.compile("verandert er niets meer"),
         "en": re.compile("nothing about this contact changes")}[lang])
    expect(transfer).to_have_accessible_description(
        {"nl": re.compile("niet meer openen"), "en": re.compile("no longer open")}[lang])
    for hint in (close, transfer):
        described = hint.get_attribute("aria-describedby")
        assert described
        expect(page.locator(f"#{described}")).to_be_visible()


def test_closing_needs_an_outcome_chosen_not_the_first_one_taken(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    # A counsellor who presses Afsluiten without choosing how it ended does not close the
    # contact with whatever outcome came first in the list (it would count in the reports).
    reference = waiting(live_server.app, channel="webchat", phone=None)
    page = counsellor_on(open_page, live_server, reference)
    page.locator("#close").locator("xpath=..").get_by_role("button").click()
    page.wait_for_timeout(1000)
    assert stored(live_server.app, reference).status != "closed"
    expect(page.get_by_label("Uitkomst")).to_be_focused()
    page.get_by_label("Uitkomst").select_option(index=1)
    page.locator("#close").locator("xpath=..").get_by_role("button").click()
    expect(page.locator("h1")).to_have_text("Wachtrij")
    assert stored(live_server.app, reference).status == "closed"


@pytest.mark.parametrize(("lang", "width"), [("nl", 1280), ("en", 1280), ("en", 360)])
def test_the_admin_s_users_table_fits_the_screen_without_scrolling(
    open_page: Callable[..., Page], live_server: LiveServer, lang: str, width: int
) -> None:
    app = live_server.app
    for desk in ("police", "veterans", "debasis"):
        make_user(app, role="counsellor", desk=desk, name="Marie-Louise van den Berg-Hoekstra",
                  display_name="Marie-Louise",
                  email=f"marielouise.vandenberghoekstra@{desk}.veteranenloket.example.org")
    make_user(app, role="manager", desk="veterans")
    admin = make_user(app, role="admin")
    page = open_page(width=width, height=800)
    sign_in(page, live_server, admin, lang)
    region = page.locator(".table-scroll")
    expect(region).to_be_visible()
    page.screenshot(path=f"/tmp/admin-{lang}-{width}.png", full_page=True)
    if width == 1280:
        assert region.evaluate("(el) => el.scrollWidth <= el.clientWidth"), "the table scrolls"
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


CONTRAST = """(el) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const page = rgb(getComputedStyle(document.body).backgroundColor);
  const row = getComputedStyle(el);
  const first = getComputedStyle(el.firstElementChild);
  const marks = [row.backgroundColor];
  if (parseFloat(first.borderLeftWidth) >= 3) { marks.push(first.borderLeftColor); }
  return Math.max(...marks.map((c) => rgb(c)).filter((c) => c.length < 4 || c[3] > 0)
                        .map((c) => ratio(c, page)));
}"""


def test_a_crisis_row_is_marked_so_it_stands_out_from_the_other_rows(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    # The crisis rows (and an escalated crisis) are told apart from the rest at a glance:
    # their marking has at least 3:1 contrast with the page (WCAG 1.4.11), not a pale pink
    # that a tired eye or a dim screen at night does not see.
    from tests.browser.test_desk import callbacks_for_the_pages

    app = live_server.app
    waiting(app, seconds_ago=20)
    callbacks_for_the_pages(app)  # an escalated crisis among them
    counsellor = make_user(app, role="counsellor", desk="police")
    page = open_page("/desk/login", javascript=False, width=1280)
    give_password(page, counsellor)
    give_code(page, counsellor)
    rows = page.locator("#queue-rows tr.crisis")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 2
    for i in range(rows.count()):
        assert rows.nth(i).evaluate(CONTRAST) >= 3, rows.nth(i).inner_text()


def test_a_contact_that_goes_out_of_sight_says_so_instead_of_falling_silent(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    # A counsellor reads a waiting contact; a colleague's risk change routes it to another
    # desk. Their page no longer gets its messages, and it tells them, rather than look like
    # a person who stopped writing.
    app = live_server.app
    reference = waiting(app, channel="webchat", phone=None)
    page = counsellor_on(open_page, live_server, reference, claim=False)
    notice = page.locator("#conversation-gone")
    expect(notice).to_be_hidden()
    with session_scope(app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.desk, contact.queue = "veterans", "veterans"
        session.add(contact)
    expect(page.get_by_role("alert")).to_contain_text("wordt niet meer bijgewerkt",
                                                      timeout=(POLL_S + 3) * 1000)
