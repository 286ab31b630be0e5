"""The poll's rendered rows: after a change, the desk's counsellors polling at once in one
process render the rows once; a render that never finishes holds nobody longer than its
bound."""

from __future__ import annotations

import threading

import pytest
from flask import Flask

from loket.desk import poll


def test_polls_at_once_after_a_change_render_once(app: Flask) -> None:
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []
    answers: list[tuple[str, int]] = []
    key = ("v1", "nl", "police")

    def render() -> str:
        calls.append("render")
        started.set()
        release.wait(5)
        return "<tr>rows</tr>"

    def poll_once() -> None:
        with app.app_context():
            answers.append(poll.rows_for(key, render))

    first = threading.Thread(target=poll_once)
    first.start()
    assert started.wait(5)
    others = [threading.Thread(target=poll_once) for _ in range(3)]
    for thread in others:
        thread.start()
    release.set()
    for thread in (first, *others):
        thread.join(5)
    assert calls == ["render"] and [html for html, _ in answers] == ["<tr>rows</tr>"] * 4


def test_a_stuck_render_holds_the_others_no_longer_than_the_bound(
    app: Flask, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(poll, "RENDER_WAIT_S", 0.05)
    key = ("v2", "nl", "police")
    stuck = threading.Event()
    with app.app_context():
        poll.cache().rendering[key] = stuck  # another thread's render, never finishing
        html, ago = poll.rows_for(key, lambda: "<tr>mine</tr>")
    assert (html, ago) == ("<tr>mine</tr>", 0)
