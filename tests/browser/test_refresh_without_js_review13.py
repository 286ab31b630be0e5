"""Without JavaScript, the person's and the counsellor's only way to see a new message is the
page's own "fetch new messages" control. It carries when its page was drawn, so its address
is never the page's own: pressed twice, or from a page whose address already ends in its
#fragment, the browser fetches the page anew (it would only scroll to the fragment) and a
counsellor's reply, or the person's answer, shows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from loket.domain import conversations
from loket.store.db import session_scope
from loket.store.models import Contact, Message
from tests.browser.conftest import LiveServer
from tests.browser.test_desk import REFERENCE, give_code, give_password
from tests.desk.helpers import make_user
from tests.desk.test_workspace import waiting

pytestmark = pytest.mark.browser


def write(live_server: LiveServer, reference: str, direction: str, body: str) -> None:
    """Store a message in a contact's conversation (the other side writing)."""
    with session_scope(live_server.app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        if direction == "in":
            conversations.add_message(session=session, contact=contact, direction="in",
                                      body=body)
        else:
            session.add(Message(contact_id=contact.id or 0, direction="out", body=body))


def test_a_person_without_javascript_who_checks_twice_sees_the_reply(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    # A person writes, presses "Nieuwe berichten ophalen" (nothing yet), waits, and presses
    # it again: the counsellor's reply, written meanwhile, must be there.
    page = open_page("/chat", javascript=False)
    page.get_by_role("button", name="Ik werk of werkte bij de politie").click()
    page.get_by_role("button", name="Nu chatten").click()
    match = REFERENCE.search(page.locator(".reference-line").inner_text())
    assert match is not None
    page.get_by_label("Je bericht").fill("Ik wil even met iemand praten.")
    page.get_by_role("button", name="Verstuur").click()
    expect(page.locator("#messages")).to_contain_text("Ik wil even met iemand praten.")
    check = page.get_by_role("button", name="Nieuwe berichten ophalen")
    check.click()  # nothing new yet
    page.wait_for_load_state()
    expect(page.locator("#messages li")).to_have_count(1)
    write(live_server, match.group(), "out", "Hoi, ik ben Anouk. Ik lees met je mee.")
    check.click()
    expect(page.locator("#messages")).to_contain_text("Ik lees met je mee.", timeout=5000)


def test_a_counsellor_without_javascript_fetches_the_person_s_new_message(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    # The contact's page without JavaScript says new messages come with its "Nieuwe
    # berichten ophalen" link: the person's message written after the page opened must show.
    reference = waiting(live_server.app, channel="webchat", phone=None)
    counsellor = make_user(live_server.app, role="counsellor", desk="police")
    page = open_page("/desk/login", javascript=False)
    give_password(page, counsellor)
    give_code(page, counsellor)
    page.goto(f"{live_server.url}/desk/contacts/{reference}")
    page.get_by_role("button", name="Oppakken").click()
    expect(page.get_by_text("Jij behandelt dit contact.")).to_be_visible()
    write(live_server, reference, "in", "Ben je daar nog?")
    page.get_by_role("link", name="Nieuwe berichten ophalen").click()
    expect(page.locator("#conversation-list")).to_contain_text("Ben je daar nog?",
                                                               timeout=5000)
