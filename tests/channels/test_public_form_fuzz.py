"""Hypothesis over the public pages and forms a person uses (the contact form, the web chat
from its start to leaving, the callback request): whatever a browser or a script sends — a
field too long, a NUL, a strange choice, no form token, an old chat — the answer is a page
with a reason or the page itself, never a 500."""

from __future__ import annotations

import os
import re
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
START = re.compile(r'name="start_id" value="([^"]+)"')
POSTS = ("/contact", "/chat/start", "/chat/answer", "/chat/send", "/chat/callback",
         "/chat/leave")
GETS = ("/", "/contact", "/contact/received", "/chat", "/chat/messages")
FIELDS = (
    "name", "email", "phone", "message", "text", "body", "choice", "organisation",
    "status", "relation", "need", "preference", "window", "voicemail", "consent",
    "anonymous", "language", "lang", "start_id", "after", "since", "x",
)
KNOWN_VALUES = (
    "police", "defence", "both", "unknown", "serving", "former", "self", "family", "now",
    "callback", "chat", "asap", "evening", "tomorrow", "crisis", "1", "0", "-1", "y", "on",
    "nl", "en", "de", "+31612345678", "0612345678", "06-1234", "a@b", "", " ", "\x00",
    "<script>", "ik wil niet meer leven", "x" * 20_000, "99999999999999999999",
)
values = st.one_of(st.sampled_from(KNOWN_VALUES), st.text(max_size=40))
forms = st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, values))


def test_no_public_page_or_form_answers_a_500(make_app: Any) -> None:
    app: Flask = make_app(public_rate_limit="100000 per minute")
    seen: set[int] = set()
    for path in POSTS:
        fuzz(app, True, path, seen)
    for path in GETS:
        fuzz(app, False, path, seen)
    # Pages were shown and forms taken, not only refused.
    assert {200, 303, 400} <= seen, seen


def fuzz(app: Flask, post: bool, path: str, seen: set[int]) -> None:
    """Send one route generated forms, each from a person part-way through a chat."""
    person = app.test_client()
    page = person.get("/chat").get_data(as_text=True)
    token, start = TOKEN.search(page), START.search(page)
    assert token and start

    @settings(max_examples=int(os.environ.get("FUZZ_N", "15")), deadline=None,
              derandomize=not os.environ.get("FUZZ_N"), database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def answers(data: st.DataObject) -> None:
        form: dict[str, Any] = data.draw(forms)
        if data.draw(st.integers(0, 9)):  # mostly a real form: with its token
            form["csrf_token"] = token.group(1)
        if data.draw(st.booleans()):
            form["start_id"] = start.group(1)
        if data.draw(st.booleans()):  # now and then a chat under way
            person.post("/chat/start", data={"csrf_token": token.group(1),
                                             "start_id": start.group(1), "choice": "police"})
        answer = person.post(path, data=form) if post else person.get(path, query_string=form)
        seen.add(answer.status_code)
        assert answer.status_code < 500, ("POST" if post else "GET", path, form)

    answers()
