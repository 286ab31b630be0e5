"""A long conversation comes a page at a time (review 13), as the API's already did.

A chat kept going for days, or a person texting again and again, is a conversation of
thousands of messages. The counsellor's contact page sent all of them at once (3,000 long
texts: a page of 5 MB, on every open), its poll with no `after` the same again, and the
person's own chat page 5.4 MB, sent anew on every reload without JavaScript. Now the pages
show the newest `MESSAGES_PAGE` (500) and say, above them, that earlier ones are not shown,
with a plain link to them (working without JavaScript), page by page back to the first; a
poll answers at most 500 after the newest it was given, and asking on gets the rest. No
message is ever silently left out. Dutch by default, English when chosen.

Messages are read from the store, so the tests run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from loket.domain.conversations import MESSAGES_PAGE
from loket.store.db import session_scope
from loket.store.models import Contact, Message
from tests.channels.test_webchat import start_chat
from tests.desk.test_trail import staff
from tests.desk.test_workspace import waiting

COUNT = 6 * MESSAGES_PAGE  # 3,000 messages: a chat kept going for days
SIZE = 1600  # characters each: one long SMS, shorter than a web chat's limit (2,000)
NUMBER = re.compile(r"Bericht (\d+) ")
EARLIER = re.compile(r'<a[^>]* href="([^"]*before=\d+[^"]*)"')


def write(app: Flask, count: int, *, reference: str | None = None, size: int = SIZE,
          first: int = 0) -> None:
    """Store `count` messages, the person's and the counsellor's in turn, on the contact;
    each says its number ("Bericht 12 ...")."""
    with session_scope(app.extensions["loket.engine"]) as session:
        query = select(Contact)
        if reference is not None:
            query = query.where(Contact.reference == reference)
        contact = session.exec(query).one()
        session.add_all([
            Message(contact_id=contact.id or 0, direction="in" if n % 2 else "out",
                    body=(f"Bericht {n} " + "x" * size)[:size])
            for n in range(first, first + count)])


def shown(page: str) -> list[int]:
    """Return the numbers of the messages a page shows, in the order it shows them."""
    return [int(n) for n in NUMBER.findall(page)]


def earlier_link(page: str) -> str | None:
    """Return where the page's link to the earlier messages leads, if it has one."""
    found = EARLIER.search(page)
    return html.unescape(found.group(1)).split("#")[0] if found else None


def every_page(client: FlaskClient, url: str) -> list[list[int]]:
    """Open a page and follow its links to the earlier messages back to the first; return
    the messages each page showed, newest page first."""
    pages: list[list[int]] = []
    next_url: str | None = url
    while next_url is not None:
        answer = client.get(next_url)
        assert answer.status_code == 200
        page = answer.get_data(as_text=True)
        pages.append(shown(page))
        next_url = earlier_link(page)
        assert len(pages) <= COUNT // MESSAGES_PAGE + 1, "the earlier links go round"
    return pages


def test_the_counsellor_sees_the_newest_messages_and_reaches_every_earlier_one(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="police", channel="webchat")
    write(store_app, COUNT, reference=reference)
    counsellor, _ = staff(store_app, "counsellor", "police")

    page = counsellor.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    # The newest 500, oldest first, and above them: earlier messages are not shown, a link.
    assert shown(page) == list(range(COUNT - MESSAGES_PAGE, COUNT))
    assert len(page) < 2 * MESSAGES_PAGE * SIZE  # about 1 MB, not 5
    assert "Eerdere berichten" in page
    assert page.index("Eerdere berichten") < page.index(f"Bericht {COUNT - MESSAGES_PAGE} ")
    # Back page by page to the first message: every message once, none left out.
    pages = every_page(counsellor, f"/desk/contacts/{reference}")
    assert all(len(numbers) <= MESSAGES_PAGE for numbers in pages)
    assert [n for numbers in reversed(pages) for n in numbers] == list(range(COUNT))
    # An earlier page leads back to the newest messages.
    older = counsellor.get(earlier_link(page) or "").get_data(as_text=True)
    assert f'href="/desk/contacts/{reference}#conversation"' in older
    english = counsellor.get(f"/desk/contacts/{reference}?lang=en").get_data(as_text=True)
    assert "Earlier messages" in english


def test_a_short_conversation_is_shown_whole_without_a_link(store_app: Flask) -> None:
    reference = waiting(store_app, desk="police", channel="webchat")
    write(store_app, MESSAGES_PAGE, reference=reference, size=40)
    counsellor, _ = staff(store_app, "counsellor", "police")
    page = counsellor.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert shown(page) == list(range(MESSAGES_PAGE))
    assert earlier_link(page) is None and "Eerdere berichten" not in page


def test_the_counsellors_poll_answers_a_page_and_the_rest_when_asked_on(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="police", channel="webchat")
    write(store_app, COUNT, reference=reference, size=40)
    counsellor, _ = staff(store_app, "counsellor", "police")
    url = f"/desk/contacts/{reference}/messages"
    # Asked with no `after` (or after 0), then on from each answer's last id, as the page's
    # script does every 2 s: at most 500 at a time, all of them in order, then nothing.
    seen: list[int] = []
    answer = counsellor.get(url)
    while answer.status_code == 200:
        numbers = shown(answer.get_data(as_text=True))
        assert 0 < len(numbers) <= MESSAGES_PAGE
        seen += numbers
        answer = counsellor.get(f"{url}?after={answer.headers['X-Last-Message']}")
    assert answer.status_code == 204
    assert seen == list(range(COUNT))
    # The page's own poll, from the newest shown: a new message comes, and only that one.
    page = counsellor.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    last = re.search(r'data-last="(\d+)"', page)
    assert last is not None
    assert counsellor.get(f"{url}?after={last.group(1)}").status_code == 204
    write(store_app, 1, reference=reference, size=40, first=COUNT)
    assert shown(counsellor.get(f"{url}?after={last.group(1)}").get_data(as_text=True)) == [
        COUNT]


def test_the_persons_chat_page_shows_the_newest_and_every_earlier_one(
    store_app: Flask,
) -> None:
    person = store_app.test_client()
    start_chat(person, "family_police", "chat")
    write(store_app, COUNT)
    answer = person.get("/chat")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert shown(page) == list(range(COUNT - MESSAGES_PAGE, COUNT))
    assert len(page) < 2 * MESSAGES_PAGE * SIZE
    assert "Eerdere berichten" in page  # above the messages, with a link to them
    assert page.index("Eerdere berichten") < page.index(f"Bericht {COUNT - MESSAGES_PAGE} ")
    pages = every_page(person, "/chat")
    assert all(len(numbers) <= MESSAGES_PAGE for numbers in pages)
    assert [n for numbers in reversed(pages) for n in numbers] == list(range(COUNT))
    older = person.get(earlier_link(page) or "").get_data(as_text=True)
    assert 'href="/chat#messages"' in older  # back to the newest
    assert "Earlier messages" in person.get("/chat?lang=en").get_data(as_text=True)


def test_the_persons_chat_poll_answers_a_page_and_the_rest_when_asked_on(
    store_app: Flask,
) -> None:
    person = store_app.test_client()
    start_chat(person, "family_police", "chat")
    write(store_app, COUNT, size=40)
    seen: list[int] = []
    after = 0
    while True:
        update = person.get(f"/chat/messages?after={after}").get_json()
        numbers = [int(n) for m in update["messages"] for n in NUMBER.findall(m["body"])]
        assert len(update["messages"]) <= MESSAGES_PAGE
        if not update["messages"]:
            assert update["last_id"] == after
            break
        seen += numbers
        after = update["last_id"]
    assert seen == list(range(COUNT))
