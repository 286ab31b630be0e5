"""A crisis written to a chat this browser no longer holds, sent with a page token that
expired: nothing is stored, the text is shown back to copy with the 112/113 block above it.
The page opens with focus on that block (a screen reader is not read a block present at
load as an alert), as the web form sent back to someone in crisis does; no error summary
below takes the focus from it."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

CRISIS = "ik wil dood, ik heb de pillen al klaarliggen"


def test_an_unsent_crisis_text_opens_the_page_at_the_112_113_block(client: FlaskClient) -> None:
    page = client.post("/chat/send", data={"body": CRISIS})  # no valid token, no chat
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert CRISIS in html  # kept to copy
    block = re.search(r'<div id="crisis-now"[^>]*>', html)
    assert block is not None and "autofocus" in block.group(0) and 'tabindex="-1"' in block.group(0)
    assert html.count("autofocus") == 1, "only the crisis block takes the focus"
