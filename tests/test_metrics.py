"""`/metrics`: requests counted by route template (never the path), the queues' lengths, only
for loopback or the metrics token, and one sum over every gunicorn worker of `loket serve`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

from loket.devserver import free_port
from loket.queue.connection import get_queue
from tests.conftest import loket_env

CONTACT = "/api/v1/contacts/<reference>"
REFERENCE = "K7M-4Q2"
PHONE = "+31612345678"
TOKEN = "metrics-token-for-this-test-only-4f9c2a"
OUTSIDE = "203.0.113.9"
SERVE_READY_S = 20.0
BOTH_WORKERS_S = 10.0
SCRAPE_TIMEOUT_S = 5.0


def sample(text: str, name: str, **labels: str) -> float:
    """Return the value of one sample of a scrape (0 when it is not there)."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return 0.0


def scrape(client: FlaskClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    return response.get_data(as_text=True)


def requests_total(text: str, route: str, status: str, method: str = "GET") -> float:
    return sample(text, "loket_http_requests_total", route=route, method=method, status=status)


# --- what is counted, and under which route ---------------------------------------------------


def test_a_request_counts_under_its_route_template_never_its_path(client: FlaskClient) -> None:
    for value in (REFERENCE, PHONE, REFERENCE):
        assert client.get(f"/api/v1/contacts/{value}").status_code == 401  # no API token
    text = scrape(client)
    assert requests_total(text, CONTACT, "401") == 3
    duration = "loket_http_request_duration_seconds_count"
    assert sample(text, duration, route=CONTACT, method="GET") == 3
    assert REFERENCE not in text and PHONE not in text and "31612345678" not in text


def test_counts_go_up_by_exactly_the_requests_made(client: FlaskClient) -> None:
    client.get("/healthz")
    before = scrape(client)
    for _ in range(5):
        client.get(f"/api/v1/contacts/{REFERENCE}")
    for _ in range(2):
        client.get("/healthz")
    after = scrape(client)
    assert requests_total(after, CONTACT, "401") - requests_total(before, CONTACT, "401") == 5
    assert requests_total(after, "/healthz", "200") - requests_total(before, "/healthz", "200") == 2


def test_a_path_without_a_rule_is_unmatched(client: FlaskClient) -> None:
    assert client.get(f"/no-such-page/{REFERENCE}").status_code == 404
    assert client.open("/healthz", method="BREW").status_code == 405
    text = scrape(client)
    assert requests_total(text, "unmatched", "404") == 1
    # A made-up method is not a label either.
    assert requests_total(text, "unmatched", "405", method="other") == 1
    assert REFERENCE not in text and "no-such-page" not in text and "BREW" not in text


def test_scrapes_and_static_files_are_not_counted(client: FlaskClient) -> None:
    response = client.get("/static/css/loket.css")
    assert response.status_code == 200
    response.close()
    scrape(client)
    text = scrape(client)
    assert "/metrics" not in text and "/static" not in text
    assert "loket_http_requests_total{" not in text


def test_the_queues_lengths_are_read_from_redis(client: FlaskClient, redis_conn: Redis) -> None:
    queue = get_queue("callbacks", redis_conn)
    queue.enqueue("loket.queue.jobs.not_run_here", 1)
    queue.enqueue("loket.queue.jobs.not_run_here", 2)
    text = scrape(client)
    assert sample(text, "loket_queue_jobs", queue="callbacks") == 2
    assert sample(text, "loket_queue_jobs", queue="urgent") == 0


def test_without_redis_the_scrape_still_answers(make_app: Callable[..., Flask]) -> None:
    client = make_app(redis_url="redis://127.0.0.1:1/0").test_client()
    client.get("/healthz")
    text = scrape(client)
    assert "loket_queue_jobs" not in text
    assert requests_total(text, "/healthz", "503") == 1


def test_a_figure_that_cannot_be_written_costs_the_request_nothing(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unwritable(*_labels: str) -> None:
        raise FileNotFoundError("the metrics directory is gone")

    monkeypatch.setattr(app.extensions["loket.metrics"].requests, "labels", unwritable)
    assert client.get("/healthz").status_code == 200


# --- who may scrape ---------------------------------------------------------------------------


def refused_like_an_unknown_page(client: FlaskClient, **headers: str) -> None:
    refused = client.get("/metrics", headers=headers)
    unknown = client.get("/no-such-page", headers=headers)
    assert refused.status_code == unknown.status_code == 404
    page = refused.get_data(as_text=True)
    # The same page, its language link aside (it names the path asked for).
    assert page.replace("/metrics", "/no-such-page") == unknown.get_data(as_text=True)
    assert "loket_" not in page


def test_loopback_may_scrape(app: Flask) -> None:
    for address in ("127.0.0.1", "::1"):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        scrape(client)


def test_another_address_gets_a_404(app: Flask) -> None:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = OUTSIDE
    refused_like_an_unknown_page(client)


def test_behind_a_trusted_proxy_the_client_address_decides(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(trusted_proxies=1)
    client = app.test_client()  # the proxy on this machine: 127.0.0.1
    refused_like_an_unknown_page(client, **{"X-Forwarded-For": OUTSIDE})
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_a_forwarded_request_without_trusted_proxies_gets_a_404(client: FlaskClient) -> None:
    # A proxy on this machine that Loket was not told about: its loopback address is no proof.
    refused_like_an_unknown_page(client, **{"X-Forwarded-For": OUTSIDE})
    refused_like_an_unknown_page(client, Forwarded=f"for={OUTSIDE}")


def test_with_a_token_only_that_token_may_scrape(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOKET_METRICS_TOKEN", TOKEN)
    app = make_app()
    assert app.config["LOKET"].metrics_token == TOKEN
    client = app.test_client()
    refused_like_an_unknown_page(client)  # loopback is not enough now
    refused_like_an_unknown_page(client, Authorization=f"Bearer {TOKEN}x")
    refused_like_an_unknown_page(client, Authorization=f"Basic {TOKEN}")
    remote = app.test_client()
    remote.environ_base["REMOTE_ADDR"] = OUTSIDE
    answer = remote.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200 and "loket_queue_jobs" in answer.get_data(as_text=True)


# --- several gunicorn workers, one sum --------------------------------------------------------


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=SCRAPE_TIMEOUT_S) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


@contextmanager
def serving(app: Flask, port: int, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Run `loket serve --workers 2` on loopback on this test's database; stop its group."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LOKET_", "TWILIO_", "PROMETHEUS_"))}
    env.update(loket_env(app))
    env["TMPDIR"] = str(tmp_path)  # where `loket serve` makes its metrics directory
    command = [sys.executable, "-m", "loket.cli", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "2"]
    with (tmp_path / "serve.out").open("wb") as out:
        proc = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + SERVE_READY_S
        while get(f"http://127.0.0.1:{port}/healthz")[0] != 200:
            assert proc.poll() is None and time.monotonic() < deadline, (
                (tmp_path / "serve.out").read_text()[-2000:]
            )
            time.sleep(0.1)
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_one_scrape_sums_every_worker_of_loket_serve(app: Flask, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with serving(app, port, tmp_path) as proc:
        [directory] = tmp_path.glob("loket-metrics-*")
        assert directory.stat().st_mode & 0o077 == 0  # this user's only
        sent = 0
        # At least 20 requests, and on until both workers have answered some (a worker's
        # counters are a file of its own; the second may still be starting), for at most
        # BOTH_WORKERS_S.
        deadline = time.monotonic() + BOTH_WORKERS_S
        while sent < 20 or (
            len(list(directory.glob("counter_*.db"))) < 2 and time.monotonic() < deadline
        ):
            assert get(f"{base}/api/v1/contacts/{REFERENCE}-{sent}")[0] == 401
            sent += 1
        assert len(list(directory.glob("counter_*.db"))) == 2, sent
        status, text = get(f"{base}/metrics")
        assert status == 200
        assert requests_total(text, CONTACT, "401") == sent
        assert REFERENCE not in text
        assert proc.poll() is None
    assert proc.returncode == 0
    assert not list(tmp_path.glob("loket-metrics-*"))  # gunicorn removed it on its way out
