"""The notes Loket writes into a web chat for the counsellor (the person left it, it went
idle) are in the desk's language (LOKET_DEFAULT_LANGUAGE), as a text's photo or location note
is: they were always Dutch, on an English desk too. And they are Loket's, not the person's
words: labelled so (they were labelled as from the person)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from tests.channels.test_webchat import press, start_chat, the_contact
from tests.desk.test_workspace import counsellor


def test_the_chat_left_note_is_in_the_desk_s_language(make_app: Callable[..., Flask]) -> None:
    app = make_app(default_language="en")
    client = app.test_client()
    start_chat(client, "police", "chat")
    assert press(client, "/chat/leave").status_code == 303
    contact = the_contact(app)
    desk, _ = counsellor(app, desk=contact.desk or "police")
    html = desk.get(f"/desk/contacts/{contact.reference}").get_data(as_text=True)
    assert "The person has closed the chat." in html
    note = html[:html.index("The person has closed the chat.")].rsplit("<li", 1)[1]
    assert "Loket (automatic)" in note and "Person" not in note
    assert "De persoon heeft de chat gesloten." not in html
