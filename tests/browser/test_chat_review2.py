"""The web chat in a real browser, reviewed again: a message sent from a page left open past
its token's life (an hour's wait, a long talk at night) is sent, not refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, col, select

from loket.store.models import Contact, Message

pytestmark = pytest.mark.browser


def sent_bodies(live_server: Any) -> list[str]:
    """Return what the person wrote, as stored, oldest first."""
    with Session(live_server.app.extensions["loket.engine"]) as session:
        query = select(Message).where(Message.direction == "in").order_by(col(Message.id))
        return [m.body for m in session.exec(query).all() if not m.automatic]


def test_a_crisis_sent_from_a_page_whose_token_expired_is_sent_at_once(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    page = open_page("/chat")
    page.get_by_role("button", name="Ik werk of werkte bij de politie").click()
    page.get_by_role("button", name="Nu chatten").click()
    expect(page.locator("#chat-status")).to_contain_text("Je bent nummer 1 in de rij.")
    # More than an hour later: the page's token is no longer accepted.
    page.evaluate("() => { document.querySelector('#send [name=csrf_token]').value = 'old'; }")
    box = page.get_by_label("Je bericht")
    box.fill("Ik wil dood")
    page.get_by_role("button", name="Verstuur").click()
    expect(page.locator("#messages")).to_contain_text("Ik wil dood")
    expect(page.locator("#crisis-now")).to_be_visible()  # 112 and 113, straight away
    expect(box).to_have_value("")
    expect(page.locator("#body-error")).to_be_hidden()
    assert sent_bodies(live_server) == ["Ik wil dood"]
    with Session(live_server.app.extensions["loket.engine"]) as session:
        assert session.exec(select(Contact)).one().crisis


def test_a_chat_closed_in_another_tab_leaves_nothing_readable_in_this_one(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    page = open_page("/chat")
    page.get_by_role("button", name="Ik werk of werkte bij de politie").click()
    page.get_by_role("button", name="Nu chatten").click()
    page.get_by_label("Je bericht").fill("Ik slaap slecht sinds het incident")
    page.get_by_role("button", name="Verstuur").click()
    expect(page.locator("#messages")).to_contain_text("Ik slaap slecht")
    other = page.context.new_page()  # a second tab of the same browser (a shared computer)
    other.goto(live_server.url + "/chat")
    other.get_by_role("button", name="Chat sluiten in deze browser").click()
    # The first tab's next poll finds the chat gone: its conversation goes from the screen.
    expect(page.locator("#chat-status")).to_contain_text("niet meer open in deze browser")
    expect(page.locator("#messages")).not_to_contain_text("Ik slaap slecht")
