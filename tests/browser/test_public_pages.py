"""The public pages in a real browser: the form by keyboard alone, the chat with and without
JavaScript, small screens and zoom, and a strict CSP that nothing on the pages breaks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from loket.store.db import session_scope
from loket.store.models import Contact, Message

pytestmark = pytest.mark.browser

FORM_ORDER = [
    "who",
    "need",
    "urgent",
    "reach",
    "phone",
    "window",
    "voicemail",
    "email",
    "name",
    "language",
    "message",
    "consent",
    "submit",
]


def focused(page: Page) -> str:
    """Return the name (or id) of the focused element, 'submit' for the send button."""
    return str(
        page.evaluate(
            "() => { const e = document.activeElement;"
            " if (e.type === 'submit') return 'submit';"
            " return e.getAttribute('name') || e.id || e.tagName; }"
        )
    )


def tab_to(page: Page, name: str, limit: int = 80) -> None:
    """Press Tab until the element with this name has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page) == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def tab_order(page: Page, presses: int = 70) -> list[str]:
    """Return the form controls in the order Tab reaches them."""
    seen: list[str] = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        name = focused(page)
        if name in FORM_ORDER and name not in seen:
            seen.append(name)
    return seen


def reply(live_server: Any, body: str) -> None:
    """Write a counsellor's reply into the store, as the workspace will."""
    with session_scope(live_server.app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact)).one()
        session.add(Message(contact_id=contact.id or 0, direction="out", body=body))


def contacts(live_server: Any) -> list[Contact]:
    """Return the stored contacts."""
    with Session(live_server.app.extensions["loket.engine"]) as session:
        return list(session.exec(select(Contact)).all())


def no_horizontal_scroll(page: Page) -> bool:
    """Tell whether the page fits its viewport's width."""
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_form_works_by_keyboard_alone(
    open_page: Callable[..., Page], live_server: Any, console: Any
) -> None:
    page = open_page("/contact")
    assert tab_order(page) == FORM_ORDER
    page.goto(live_server.url + "/contact")
    tab_to(page, "submit")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_contain_text("Kies wie je bent.")
    expect(page.locator("#who")).to_have_attribute("aria-describedby", "who-error")
    expect(page.locator("#who-error")).to_be_visible()

    tab_to(page, "who")
    page.keyboard.press("Space")  # police
    page.keyboard.press("ArrowDown")  # serving
    page.keyboard.press("ArrowDown")  # veteran
    tab_to(page, "need")
    page.keyboard.press("Space")  # psychological
    tab_to(page, "urgent")
    page.keyboard.press("Space")  # no
    tab_to(page, "reach")
    page.keyboard.press("Space")  # call me back
    tab_to(page, "phone")
    page.keyboard.type("06 12345678")
    tab_to(page, "window")
    page.keyboard.press("ArrowDown")  # this evening
    tab_to(page, "message")
    page.keyboard.type("Ik slaap slecht sinds mijn uitzending.")
    tab_to(page, "consent")
    page.keyboard.press("Space")
    tab_to(page, "submit")
    page.keyboard.press("Enter")

    expect(page.locator("h1")).to_have_text("Je bericht is ontvangen")
    expect(page.locator("#reference")).to_have_text(re.compile(r"^[2-9A-Z]{3}-[2-9A-Z]{3}$"))
    expect(page.locator(".crisis")).to_contain_text("112")
    expect(page.locator(".crisis")).to_contain_text("113")
    [contact] = contacts(live_server)
    assert contact.serving_status == "former" and contact.phone == "+31612345678"
    assert page.locator("#reference").inner_text() == contact.reference
    assert console.csp_violations() == []


def test_the_chat_updates_live_with_javascript(
    open_page: Callable[..., Page], live_server: Any, console: Any
) -> None:
    page = open_page("/chat")
    page.get_by_role("button", name="Ik werk of werkte bij de politie").click()
    page.get_by_role("button", name="Nu chatten").click()
    expect(page.locator("#chat-status")).to_contain_text("Je bent nummer 1 in de rij.")
    expect(page.locator("#refresh-hint")).to_be_hidden()
    page.evaluate("() => { window.samePage = true; }")
    page.get_by_label("Je bericht").fill("Ik wil even met iemand praten.")
    page.get_by_role("button", name="Verstuur").click()
    expect(page.locator("#messages")).to_contain_text("Ik wil even met iemand praten.")
    expect(page.get_by_label("Je bericht")).to_have_value("")
    reply(live_server, "Hoi, ik ben Anouk. Ik lees met je mee.")
    expect(page.locator("#messages")).to_contain_text("ik ben Anouk", timeout=10_000)
    page.get_by_label("Je bericht").fill("Eigenlijk wil ik niet meer leven.")
    page.get_by_role("button", name="Verstuur").click()
    expect(page.locator("#crisis-now")).to_be_visible()
    expect(page.locator("#crisis-now")).to_be_in_viewport()
    assert page.evaluate("() => window.samePage === true")  # no page reload at all
    [contact] = contacts(live_server)
    assert contact.crisis and contact.priority == "urgent"
    assert console.csp_violations() == []


def test_the_chat_reads_and_sends_without_javascript(
    open_page: Callable[..., Page], live_server: Any, console: Any
) -> None:
    page = open_page("/chat", javascript=False)
    page.get_by_label("Hoe mogen we je noemen?").fill("Ruud")
    page.keyboard.press("Enter")  # Enter in the name field must not pick an answer
    expect(page.locator("#error-summary")).to_contain_text("Kies een van de knoppen hieronder.")
    expect(page.get_by_label("Hoe mogen we je noemen?")).to_have_value("Ruud")
    assert contacts(live_server) == []
    page.get_by_role("button", name="Ik ben veteraan of militair").click()
    page.get_by_role("button", name="Ik ben veteraan of oud-militair").click()
    page.get_by_role("button", name="Nu chatten").click()
    expect(page.locator("#refresh-hint")).to_be_visible()
    page.get_by_label("Je bericht").fill("Ik heb een vraag over mijn uitzending.")
    page.get_by_role("button", name="Verstuur").click()
    expect(page.locator("#messages")).to_contain_text("Ik heb een vraag over mijn uitzending.")
    reply(live_server, "Goed dat je er bent, Ruud.")
    page.get_by_role("button", name="Nieuwe berichten ophalen").click()
    expect(page.locator("#messages")).to_contain_text("Goed dat je er bent, Ruud.")
    [contact] = contacts(live_server)
    assert contact.name == "Ruud" and not contact.anonymous and contact.desk == "veterans"
    assert console.csp_violations() == []


@pytest.mark.parametrize(("width", "height"), [(320, 640), (640, 400)], ids=["320px", "zoom200"])
def test_pages_fit_a_phone_and_200_percent_zoom(
    open_page: Callable[..., Page], live_server: Any, width: int, height: int
) -> None:
    # 200% zoom of a 1280 px window is a 640 px wide viewport.
    page = open_page("/", width=width, height=height)
    assert no_horizontal_scroll(page)
    for path in ("/contact", "/chat", "/contact?lang=en"):
        page.goto(live_server.url + path)
        assert no_horizontal_scroll(page), path
    page.goto(live_server.url + "/contact?lang=nl")
    page.get_by_role("button", name="Verstuur").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert no_horizontal_scroll(page)
    page.goto(live_server.url + "/chat")
    page.get_by_role("button", name="Ik heb nu direct hulp nodig").click()
    expect(page.locator("#crisis-now")).to_be_visible()
    assert no_horizontal_scroll(page)


def test_the_language_switch_changes_the_page_and_its_lang(
    open_page: Callable[..., Page], console: Any
) -> None:
    page = open_page("/contact")
    page.get_by_role("navigation", name="Taal").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Contact form")
    page.get_by_role("link", name="Chat", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the cookie remembers
    expect(page.get_by_role("button", name="I need help right now")).to_be_visible()
    assert console.csp_violations() == []
