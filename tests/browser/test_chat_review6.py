"""The web chat as a person on a phone uses it, in a real browser: 112 and 113 in reach while
they type, and a page that says so when new messages stop coming in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.test_public_pages import reply

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}


def open_chat(open_page: Callable[..., Page], path: str = "/chat", **viewport: int) -> Page:
    """Open a chat with the police desk, JavaScript on, in Dutch or (path) English."""
    page = open_page(path, **viewport)
    english = "lang=en" in path
    page.get_by_role(
        "button", name="I work or worked for the police" if english else
        "Ik werk of werkte bij de politie").click()
    page.get_by_role("button", name="Chat now" if english else "Nu chatten").click()
    return page


def in_view(page: Page, selector: str) -> bool:
    """Tell whether the element is wholly inside the visible part of the page."""
    return bool(page.evaluate(
        """(selector) => { const e = document.querySelector(selector);
             if (!e) return false;
             const r = e.getBoundingClientRect();
             return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
        selector))


def test_112_and_113_are_in_view_while_typing_on_a_phone_after_a_long_chat(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    page = open_chat(open_page, **PHONE)
    box = page.get_by_label("Je bericht")
    for i in range(5):
        box.fill(f"Bericht {i}: " + "het gaat eigenlijk helemaal niet goed met me " * 3)
        page.get_by_role("button", name="Verstuur").click()
        expect(page.locator("#messages .message--in")).to_have_count(i + 1)
        reply(live_server, f"Ik lees met je mee ({i}). Vertel gerust verder.")
        expect(page.locator("#messages .message--out")).to_have_count(i + 1, timeout=10_000)
    for where in ("#messages .message--out >> nth=2", "#body"):  # reading back, typing
        page.locator(where).scroll_into_view_if_needed()
        assert not in_view(page, ".crisis")  # the block under the header scrolled away
        assert in_view(page, ".crisis-line a[href='tel:112']"), where
        assert in_view(page, ".crisis-line a[href='tel:113']"), where
    # The line covers nothing they type in: the box is what is under its middle.
    assert page.evaluate("""() => { const r = document.getElementById('body')
        .getBoundingClientRect();
        return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2).id; }""") \
        == "body"
    # By keyboard: straight after the send button.
    page.get_by_role("button", name="Verstuur").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "tel:112"


def test_polling_that_fails_says_new_messages_are_not_coming_in_then_recovers(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    page = open_chat(open_page)
    status = page.locator("#chat-status")
    expect(status).to_contain_text("Je bent nummer 1 in de rij.")
    page.route("**/chat/messages*", lambda route: route.fulfill(status=502, body="Bad gateway"))
    expect(status).to_contain_text("Geen verbinding", timeout=10_000)
    expect(status).to_contain_text("112")
    reply(live_server, "Ik ben er. Wat speelt er?")
    page.unroute("**/chat/messages*")
    expect(page.locator("#messages")).to_contain_text("Wat speelt er?", timeout=10_000)
    expect(status).to_contain_text("Je bent nummer 1 in de rij.")
    expect(status).not_to_contain_text("Geen verbinding")


def test_a_dropped_connection_is_said_in_english_on_an_english_page(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    page = open_chat(open_page, "/chat?lang=en")
    status = page.locator("#chat-status")
    expect(status).to_contain_text("You are number 1 in the queue.")
    page.context.set_offline(True)
    expect(status).to_contain_text("No connection", timeout=10_000)
    page.context.set_offline(False)
    expect(status).to_contain_text("You are number 1 in the queue.", timeout=10_000)


def test_a_slow_connection_gets_one_poll_at_a_time(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    page = open_page("/chat")
    passed: list[str] = []
    held: list[Route] = []

    def slow(route: Route) -> None:
        """Polls go through until the connection turns slow; then an answer that never
        comes. The route is in place before the chat starts (a route added while the page
        is navigating can miss its requests)."""
        if passed:
            held.append(route)
        else:
            passed.append(route.request.url)
            route.continue_()

    page.route("**/chat/messages*", slow)
    page.get_by_role("button", name="Ik werk of werkte bij de politie").click()
    page.get_by_role("button", name="Nu chatten").click()
    # One poll answered, then the next held; then three and a half poll intervals: no
    # second poll while the first is still on its way.
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(200)
    assert len(passed) == 1
    assert len(held) == 1
    page.wait_for_timeout(7_000)
    assert len(held) == 1
    expect(page.locator("#chat-status")).to_contain_text("Je bent nummer 1 in de rij.")


def covered(page: Page) -> str | None:
    """Say what hides the focused control, or None when it is wholly in view and uncovered
    (the 112/113 line at the bottom of the screen included)."""
    return page.evaluate(
        """() => { const e = document.activeElement;
             const r = e.getBoundingClientRect();
             if (r.top < 0 || r.bottom > window.innerHeight) return 'out of view';
             const line = document.querySelector('.crisis-line');
             if (line && line !== e && !line.contains(e)) {
               const l = line.getBoundingClientRect();
               if (r.bottom > l.top && r.top < l.bottom) return 'the 112/113 line';
             }
             const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
             return top === e || e.contains(top) ? null : (top.className || top.tagName); }""")


def test_the_form_by_keyboard_on_a_phone_keeps_112_and_113_in_view_and_hides_no_control(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    page = open_page("/contact", **PHONE)
    seen = 0
    for _ in range(60):
        page.keyboard.press("Tab")
        name = page.evaluate("() => document.activeElement.getAttribute('name')")
        if name in ("who", "need", "urgent", "message", "consent", "email", "name"):
            seen += 1
            assert covered(page) is None, name
            assert in_view(page, ".crisis-line a[href='tel:112']"), name
            assert in_view(page, ".crisis-line a[href='tel:113']"), name
    assert seen >= 7

