"""A person who sends the web form or the chat too often leaves no internet address behind:
Flask-Limiter writes its key into Redis and into its "exceeded" log line, and Loket's key
is a keyed hash of the address. Each address still has its own count."""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import Flask
from redis import Redis

from tests.channels.test_webchat import press, start_chat
from tests.channels.test_webform import answers, send
from tests.conftest import REDIS_URL
from tests.test_canary import redis_dump

ADDRESS = "203.0.113.77"  # the person's own address, as their browser reaches Loket
OTHER = "198.51.100.23"


def limited_app(make_app: Callable[..., Flask]) -> Flask:
    # Production counts in Redis (LOKET_REDIS_URL): so does this app.
    return make_app(public_rate_limit="2 per minute", rate_limit_storage_url=REDIS_URL)


def test_the_web_form_sent_too_often_leaves_no_address_in_logs_or_redis(
    make_app: Callable[..., Flask], redis_conn: Redis, log_lines: io.StringIO,
) -> None:
    app = limited_app(make_app)
    person = app.test_client()
    person.environ_base["REMOTE_ADDR"] = ADDRESS
    assert [send(person, answers()).status_code for _ in range(3)] == [303, 303, 429]
    dumped, logged = redis_dump(redis_conn), log_lines.getvalue()
    assert "webform.submit" in dumped and "exceeded" in logged  # counted, and said so
    assert ADDRESS not in dumped, [line for line in dumped.splitlines() if ADDRESS in line]
    assert ADDRESS not in logged, [line for line in logged.splitlines() if ADDRESS in line]
    # Someone else, from another address, is not held back by this person's count.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = OTHER
    assert send(other, answers()).status_code == 303


def test_the_chat_sent_too_often_leaves_no_address_in_logs_or_redis(
    make_app: Callable[..., Flask], redis_conn: Redis, log_lines: io.StringIO,
) -> None:
    app = make_app(public_rate_limit="3 per minute", rate_limit_storage_url=REDIS_URL)
    person = app.test_client()
    person.environ_base["REMOTE_ADDR"] = ADDRESS
    start_chat(person, "police", "chat")  # two posts
    assert press(person, "/chat/send", body="Hallo?").status_code == 303
    assert press(person, "/chat/send", body="Is daar iemand?").status_code == 429
    dumped, logged = redis_dump(redis_conn), log_lines.getvalue()
    assert "webchat" in dumped and "exceeded" in logged
    assert ADDRESS not in dumped and ADDRESS not in logged
