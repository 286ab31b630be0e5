"""The language switch on a page that answered a form post (a mistake shown back, a message
refused, a number shown in full) leads to the page the form belongs to in the other
language, not to the post's address, which answers no GET ("This cannot be done this
way")."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_desk import give_code, give_password
from tests.desk.helpers import make_user
from tests.desk.test_workspace import waiting

pytestmark = pytest.mark.browser


def to_english(page: Page) -> None:
    """Press the header's "English" link."""
    page.get_by_role("navigation", name="Taal").get_by_role("link", name="English").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_the_callback_form_with_a_mistake_switches_to_english(
    open_page: Callable[..., Page], live_server: LiveServer, javascript: bool
) -> None:
    # A veteran asks to be called back, mistypes the number, and would rather read the
    # page in English: they get the chat's callback step in English, not an error page.
    page = open_page("/chat", javascript=javascript)
    page.get_by_role("button", name="Ik ben veteraan of militair").click()
    page.get_by_role("button", name="Ik ben veteraan of oud-militair").click()
    page.get_by_role("button", name="Bel me terug").click()
    page.locator("#phone").fill("06 12")
    page.get_by_role("button", name="Bel me terug").click()
    expect(page.locator("#error-summary")).to_be_visible()
    to_english(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Chat")
    expect(page.get_by_label("Phone number")).to_be_visible()


def test_the_chat_s_first_question_with_a_mistake_switches_to_english(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    # Enter pressed in the name field (no answer chosen): the question comes back with the
    # error; switching to English must show the question in English.
    page = open_page("/chat", javascript=False)
    page.get_by_label("Hoe mogen we je noemen?").fill("Ruud")
    page.keyboard.press("Enter")
    expect(page.locator("#error-summary")).to_be_visible()
    to_english(page)
    expect(page.locator("h1")).to_have_text("Chat")
    expect(page.get_by_role("button", name="I need help right now")).to_be_visible()


def test_a_counsellor_who_unmasked_a_number_can_switch_to_english(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    # The contact's page after "Toon volledig" is the answer to a post: its language link
    # must open the contact's page in English, not an error page.
    reference = waiting(live_server.app, channel="sms")
    counsellor = make_user(live_server.app, role="counsellor", desk="police")
    page = open_page("/desk/login", javascript=False)
    give_password(page, counsellor)
    give_code(page, counsellor)
    page.goto(f"{live_server.url}/desk/contacts/{reference}")
    page.locator("form[action$='/unmask'] button").click()
    expect(page.locator("h1")).to_contain_text(reference)
    to_english(page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text(reference)
