"""A counsellor working by keyboard picks a canned reply in its list with the arrow keys, as
one does in any select: each step shows that reply in the empty box, the focus stays on
the list (WCAG 3.2.2), and words the counsellor typed are never replaced."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_desk import give_code, give_password
from tests.desk.helpers import make_user
from tests.desk.test_workspace import waiting

pytestmark = pytest.mark.browser

OPENING = "Hallo, je spreekt met Anouk. Fijn dat je contact opneemt. Waar wil je over praten?"


def holding_a_chat(open_page: Callable[..., Page], live_server: LiveServer) -> Page:
    """Log Anouk of the police in and have her claim a waiting web chat; her page."""
    reference = waiting(live_server.app, channel="webchat", phone=None)
    counsellor = make_user(live_server.app, role="counsellor", desk="police",
                           display_name="Anouk")
    page = open_page("/desk/login")
    give_password(page, counsellor)
    give_code(page, counsellor)
    page.goto(f"{live_server.url}/desk/contacts/{reference}")
    page.get_by_role("button", name="Oppakken").click()
    return page


def test_a_keyboard_user_reaches_the_second_canned_reply_with_the_arrow_keys(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = holding_a_chat(open_page, live_server)
    expect(page.get_by_text("Jij behandelt dit contact.")).to_be_visible()
    canned = page.get_by_label("Standaardantwoord")
    reply = page.get_by_label("Antwoord", exact=True)
    canned.focus()
    page.keyboard.press("ArrowDown")  # the opening, shown in the box...
    expect(reply).to_have_value(OPENING)
    page.keyboard.press("ArrowDown")  # ...then "Denk je aan zelfdoding?" in its place
    expect(reply).to_have_value(re.compile("zelfdoding"))
    assert page.evaluate("() => document.activeElement.id") == "reply-canned"
    page.get_by_role("button", name="Versturen").click()
    expect(page.locator("#conversation-list")).to_contain_text("zelfdoding")


def test_a_canned_reply_never_replaces_what_the_counsellor_typed(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    page = holding_a_chat(open_page, live_server)
    reply = page.get_by_label("Antwoord", exact=True)
    reply.fill("Goedemiddag, ik ben er.")
    page.get_by_label("Standaardantwoord").select_option(index=1)
    expect(reply).to_have_value("Goedemiddag, ik ben er.")
