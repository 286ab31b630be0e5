"""Review 15 (WCAG 3.3.1, 1.3.1, 2.4.3): a counsellor's refused reply, note, handover or close
is said beside the field it is about, not only in a box under the h1 of a page with four text
boxes. That field is marked `aria-invalid`, described by the refusal (before its own
description) and has the focus (`autofocus`: the page opens at it); what was typed is
kept. A refusal about a field the page no longer shows is still said under the h1."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.desk.test_workspace import act, counsellor, waiting

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr", "area", "col"}


class Page(HTMLParser):
    """The elements of a page that have an id: their tag, attributes and text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}
        self.attrs: dict[str, dict[str, str]] = {}
        self.texts: dict[str, str] = {}
        self.open: list[str | None] = []  # the id (or None) of each element we are in
        self.autofocused: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        ident = found.get("id")
        if ident:
            self.tags[ident], self.attrs[ident], self.texts[ident] = tag, found, ""
        if "autofocus" in found:
            self.autofocused.append(ident or tag)
        if tag not in VOID:
            self.open.append(ident)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for ident in self.open:
            if ident:
                self.texts[ident] += data

    def described(self, ident: str) -> list[str]:
        """Return the ids that describe an element, in order."""
        return self.attrs[ident].get("aria-describedby", "").split()


def refused(client: FlaskClient, reference: str, action: str, lang: str = "nl",
            **data: str) -> tuple[Page, str]:
    """Send an action that is refused; return the page it leads back to, and its HTML."""
    answer = act(client, reference, action, lang=lang, **data)
    assert answer.status_code == 303
    where = answer.headers["Location"]
    html = client.get(where, headers={"Accept-Language": lang}).get_data(as_text=True)
    return Page(html), html


def assert_said_at(page: Page, html: str, box: str, words: str) -> None:
    """The refusal is said once, beside `box`, which is invalid, described by it, focused."""
    assert page.attrs[box].get("aria-invalid") == "true", page.attrs[box]
    error = page.described(box)[0]
    assert error == f"{box}-error", page.attrs[box]
    assert words in page.texts[error]
    assert html.count(words) == 1, "said under the h1 as well"
    assert page.autofocused == [box]


@pytest.mark.parametrize(("lang", "words"), [("nl", "Schrijf een bericht."),
                                             ("en", "Write a message.")])
def test_a_refused_reply_is_said_at_the_reply_box_which_gets_the_focus(
        app: Flask, lang: str, words: str) -> None:
    reference = waiting(app, channel="webchat")
    client, _ = counsellor(app)
    act(client, reference, "claim")
    page, html = refused(client, reference, "reply", lang, text="  ")
    assert_said_at(page, html, "reply-text", words)
    assert page.described("reply-text")[1:] == ["reply-text-saved"]  # its own, after it
    for other in ("note-text", "transfer-note", "close-note"):
        assert "aria-invalid" not in page.attrs[other], other


def test_a_refused_reply_keeps_what_was_typed_in_the_marked_box(app: Flask) -> None:
    reference = waiting(app, channel="webchat")
    client, _ = counsellor(app)
    act(client, reference, "claim")
    typed = "Dank voor je bericht. " * 80  # over the 1600 characters of a reply
    page, html = refused(client, reference, "reply", text=typed)
    assert_said_at(page, html, "reply-text", "Hooguit 1600 tekens.")
    assert page.texts["reply-text"] == typed


@pytest.mark.parametrize(("action", "data", "box", "words"), [
    ("note", {"text": ""}, "note-text", "Schrijf een notitie."),
    ("transfer", {"desk": "veterans", "note": " "}, "transfer-note",
     "Schrijf wat de volgende desk moet weten."),
    ("close", {"outcome": "", "note": "Verwezen naar de huisarts."}, "close-outcome",
     "Kies een uitkomst."),
])
def test_a_refused_note_handover_or_close_is_said_at_its_own_field(
        app: Flask, action: str, data: dict[str, str], box: str, words: str) -> None:
    reference = waiting(app, channel="webchat")
    client, _ = counsellor(app)
    act(client, reference, "claim")
    page, html = refused(client, reference, action, **data)
    assert_said_at(page, html, box, words)
    assert "aria-invalid" not in page.attrs["reply-text"]
    if action == "close":  # the note typed with it is kept
        assert page.texts["close-note"] == data["note"]


def test_a_refusal_about_a_field_the_page_no_longer_shows_is_said_under_the_h1(
        app: Flask) -> None:
    """A guard: a close refused for a colleague who does not hold the contact (a page open
    from before) cannot be said at the close form, which this page does not show."""
    reference = waiting(app, channel="webchat")
    client, _ = counsellor(app)
    page, html = refused(client, reference, "close", outcome="")
    assert "close-outcome" not in page.attrs
    assert '<div class="error-box" role="alert">Dat ging niet: Kies een uitkomst.</div>' in html
    assert page.autofocused == []
