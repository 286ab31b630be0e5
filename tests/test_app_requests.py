"""What every request gets: a request id it cannot forge, its own rate-limit bucket behind a
load balancer, no copies of personal pages in caches, and limits that never wait on Redis."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from werkzeug.test import TestResponse

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')
FRESH_ID = re.compile(r"[0-9a-f]{32}")
PROXY = "10.0.0.1"  # the load balancer, the only TCP peer the app sees
ANSWERS = {
    "who": "veteran", "need": "psychological", "urgent": "none", "reach": "none",
    "language": "nl", "message": "Ik slaap slecht", "consent": "y",
}


def post_form(client: FlaskClient, **data: str) -> TestResponse:
    """Fetch the web form as a browser does and post it back with its token."""
    page = client.get("/contact").get_data(as_text=True)
    token, form_id = TOKEN.search(page), FORM_ID.search(page)
    assert token and form_id
    return client.post(
        "/contact", data={"csrf_token": token.group(1), "form_id": form_id.group(1), **data}
    )


def behind_proxy(app: Flask, client_address: str) -> FlaskClient:
    """A browser at `client_address` whose requests reach the app through the proxy."""
    client = app.test_client()
    client.environ_base.update(
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_address,
        HTTP_X_FORWARDED_PROTO="https",
    )
    return client


# --- request ids ----------------------------------------------------------------------------


def test_a_well_formed_request_id_from_the_load_balancer_is_kept(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a9c2e_01"})
    assert response.headers["X-Request-Id"] == "lb-7f3a9c2e_01"


@pytest.mark.parametrize(
    "given",
    [
        "short",
        "x" * 65,
        'abc123456"} {"event": "forged',
        "<script>alert(1)</script>",
        "id with spaces in it",
    ],
)
def test_a_malformed_request_id_is_replaced_by_a_fresh_one(
    client: FlaskClient, given: str
) -> None:
    response = client.get("/healthz", headers={"X-Request-Id": given})
    assert FRESH_ID.fullmatch(response.headers["X-Request-Id"])


# --- behind a load balancer -----------------------------------------------------------------


def test_two_visitors_behind_one_trusted_proxy_have_their_own_rate_limit(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(trusted_proxies=1, public_rate_limit="2 per minute")
    first, second = behind_proxy(app, "203.0.113.1"), behind_proxy(app, "203.0.113.2")
    assert [post_form(first).status_code for _ in range(3)] == [400, 400, 429]
    assert post_form(second).status_code == 400  # their own bucket: not limited


def test_without_trusted_proxies_x_forwarded_for_is_ignored(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(public_rate_limit="2 per minute")
    first, second = behind_proxy(app, "203.0.113.1"), behind_proxy(app, "203.0.113.2")
    assert [post_form(first).status_code for _ in range(2)] == [400, 400]
    # A header anyone can send does not buy a fresh bucket: the peer is the same.
    assert post_form(second).status_code == 429


def test_the_form_still_posts_behind_a_tls_terminating_proxy(
    make_app: Callable[..., Flask],
) -> None:
    # Behind TLS the request is https; the pages send no Referer, and the form must work.
    app = make_app(trusted_proxies=1)
    visitor = behind_proxy(app, "203.0.113.7")
    assert post_form(visitor, **ANSWERS).status_code == 303


# --- nothing personal in caches -------------------------------------------------------------


def assert_not_stored(response: TestResponse) -> None:
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_the_form_confirmation_is_never_cached(client: FlaskClient) -> None:
    sent = post_form(client, **ANSWERS)
    assert sent.status_code == 303
    confirmation = client.get("/contact/received")
    assert confirmation.status_code == 200
    assert_not_stored(confirmation)
    assert_not_stored(sent)


def test_the_chat_page_and_its_json_are_never_cached(client: FlaskClient) -> None:
    page = client.get("/chat").get_data(as_text=True)
    token = TOKEN.search(page)
    assert token
    started = client.post("/chat/start", data={"csrf_token": token.group(1), "choice": "help_now"})
    assert started.status_code == 303
    chat = client.get("/chat")
    assert chat.status_code == 200 and "112" in chat.get_data(as_text=True)
    assert_not_stored(chat)
    poll = client.get("/chat/messages?after=0", headers={"Accept": "application/json"})
    assert poll.status_code == 200 and poll.is_json
    assert_not_stored(poll)


def test_static_files_may_be_cached(client: FlaskClient) -> None:
    response = client.get("/static/css/loket.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert "Pragma" not in response.headers
    response.close()


# --- a stalled Redis does not hold the public form up ---------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A redis-server of this test's own, on a free port (the shared one is never touched)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed", pytrace=False)
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    probe = Redis.from_url(url, socket_timeout=1)
    for _ in range(100):
        try:
            probe.ping()
            break
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.05)
    probe.close()
    try:
        yield server, url
    finally:
        os.kill(server.pid, signal.SIGCONT)
        server.terminate()
        server.wait(timeout=10)


def test_a_stalled_limiter_redis_costs_a_public_post_no_more_than_a_moment(
    make_app: Callable[..., Flask], own_redis: tuple[subprocess.Popen[bytes], str]
) -> None:
    server, url = own_redis
    app = make_app(rate_limit_storage_url=url, public_rate_limit="2 per minute")
    client = app.test_client()
    assert post_form(client).status_code == 400
    assert Redis.from_url(url).keys("LIMITS*")  # counted in Redis while it answers

    os.kill(server.pid, signal.SIGSTOP)
    took: list[float] = []
    answers: list[int] = []

    def stalled_posts() -> None:
        for _ in range(3):
            start = time.monotonic()
            answers.append(post_form(client).status_code)
            took.append(time.monotonic() - start)

    worker = threading.Thread(target=stalled_posts, daemon=True)
    worker.start()
    worker.join(timeout=15)
    assert not worker.is_alive(), "a public post waited on the stalled Redis"
    # Redis is given 0.1 s once; the limit is then counted in memory, and still holds.
    assert max(took) < 1.0, took
    assert answers == [400, 400, 429]
