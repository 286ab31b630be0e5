"""The web chat on a flaky phone connection, in a real browser: a message typed is never
lost, nor sent twice, when the connection drops or answers slowly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect
from sqlmodel import Session, col, select

from loket.store.models import Message

pytestmark = pytest.mark.browser


def sent_bodies(live_server: Any) -> list[str]:
    """Return what the person wrote, as stored, oldest first."""
    with Session(live_server.app.extensions["loket.engine"]) as session:
        query = select(Message).where(Message.direction == "in").order_by(col(Message.id))
        return [m.body for m in session.exec(query).all() if not m.automatic]


def open_chat(open_page: Callable[..., Page]) -> Page:
    """Open a chat with the police desk, JavaScript on."""
    page = open_page("/chat")
    page.get_by_role("button", name="Ik werk of werkte bij de politie").click()
    page.get_by_role("button", name="Nu chatten").click()
    expect(page.locator("#chat-status")).to_contain_text("Je bent nummer 1 in de rij.")
    return page


def test_a_dropped_connection_keeps_the_message_in_the_box_and_says_so(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    page = open_chat(open_page)
    page.evaluate("() => { window.samePage = true; }")
    box = page.get_by_label("Je bericht")
    box.fill("Ik zit in de auto en heb bijna geen bereik.")
    page.context.set_offline(True)
    page.get_by_role("button", name="Verstuur").click()
    expect(page.locator("#body-error")).to_be_visible()
    expect(page.locator("#body-error")).to_contain_text("niet verstuurd")
    assert page.evaluate("() => window.samePage === true")  # no browser error page
    expect(box).to_have_value("Ik zit in de auto en heb bijna geen bereik.")
    assert sent_bodies(live_server) == []
    page.context.set_offline(False)
    page.get_by_role("button", name="Verstuur").click()
    expect(page.locator("#messages")).to_contain_text("bijna geen bereik")
    expect(box).to_have_value("")
    assert sent_bodies(live_server) == ["Ik zit in de auto en heb bijna geen bereik."]


def test_a_lost_answer_sent_again_is_stored_once(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    page = open_chat(open_page)
    dropped: list[bool] = []

    def drop_the_answer(route: Route) -> None:
        """Let the message reach the server, then lose its answer (a connection drop)."""
        if not dropped:
            dropped.append(True)
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/chat/send", drop_the_answer)
    page.get_by_label("Je bericht").fill("Hallo, is daar iemand?")
    page.get_by_role("button", name="Verstuur").click()
    expect(page.locator("#body-error")).to_be_visible()
    page.get_by_role("button", name="Verstuur").click()  # the person tries again
    expect(page.get_by_label("Je bericht")).to_have_value("")
    expect(page.locator("#messages .message--in")).to_have_count(1)
    assert sent_bodies(live_server) == ["Hallo, is daar iemand?"]


def test_text_typed_while_a_message_is_on_its_way_is_kept(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    page = open_chat(open_page)
    held: list[Route] = []

    def hold(route: Route) -> None:
        """A slow mobile connection: the message waits on its way."""
        held.append(route)

    page.route("**/chat/send", hold)
    box = page.get_by_label("Je bericht")
    box.fill("Het gaat niet goed.")
    page.get_by_role("button", name="Verstuur").click()
    box.press("End")
    box.press_sequentially(" En dan nog dit", delay=20)
    expect(box).to_have_value("Het gaat niet goed. En dan nog dit")
    for _ in range(100):  # the request is on its way to the route
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()  # now the message arrives and its answer comes back
    expect(page.locator("#messages")).to_contain_text("Het gaat niet goed.")
    expect(box).to_have_value("En dan nog dit")
    assert sent_bodies(live_server) == ["Het gaat niet goed."]


def test_a_send_that_hangs_gives_up_in_time_and_can_be_sent_again(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    page = open_chat(open_page)
    held: list[Route] = []

    def hang(route: Route) -> None:
        """A connection that takes the message and never answers."""
        held.append(route)

    page.route("**/chat/send", hang)
    box = page.get_by_label("Je bericht")
    box.fill("Hallo, hoort iemand dit?")
    page.get_by_role("button", name="Verstuur").click()
    expect(page.locator("#body-error")).to_contain_text("niet verstuurd", timeout=30_000)
    expect(box).to_have_value("Hallo, hoort iemand dit?")
    page.unroute("**/chat/send")
    page.get_by_role("button", name="Verstuur").click()
    expect(page.locator("#messages")).to_contain_text("hoort iemand dit?")
    expect(box).to_have_value("")
    assert sent_bodies(live_server) == ["Hallo, hoort iemand dit?"]
