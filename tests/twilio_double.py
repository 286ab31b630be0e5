"""A Twilio REST double: a real HTTP server on a free loopback port that speaks enough of
Twilio's API (2010-04-01) for the real `twilio` client, with Basic auth, and records every
request for the tests to assert on. Plus the fixtures that point an app's gateway at it and
a helper that posts signed webhooks as Twilio would.

- `twilio_double`: the running double (stopped at teardown);
- `rest_app(**overrides)`: an app whose gateway is the REST gateway aimed at the double;
- `signed_post(client, path, params)`: a webhook or status callback, signed like Twilio's.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"  # noqa: S105 - the tests' own token
FROM_NUMBER = "+3185000000"
BASE = "https://loket.example.org"
ACCOUNT = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)(?P<rest>/.*)\.json$")


@dataclass(frozen=True)
class Recorded:
    """One request the double received."""

    method: str
    path: str
    params: dict[str, str]
    auth_ok: bool


@dataclass
class Failure:
    """How the next requests fail (a Twilio error answer)."""

    status: int
    code: int
    times: int


@dataclass
class TwilioDouble:
    """The running double: its base URL, what it received, how it should fail next."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    failing: Failure | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def fail_next(self, *, status: int = 500, code: int = 20500, times: int = 1) -> None:
        """Answer the next `times` requests with a Twilio error."""
        with self.lock:
            self.failing = Failure(status, code, times)

    def calls_to(self) -> list[str]:
        """Return the To of every call placed (Calls.json), in order."""
        return [r.params.get("To", "") for r in self.requests if r.path.endswith("/Calls.json")]

    def stop(self) -> None:
        """Stop answering (a connection is refused from now on)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def take_failure(self) -> Failure | None:
        with self.lock:
            failing = self.failing
            if failing is None:
                return None
            failing.times -= 1
            if failing.times <= 0:
                self.failing = None
            return failing


def sid(prefix: str) -> str:
    """Return a new sid of this kind (`CA`, `SM`)."""
    return prefix + secrets.token_hex(16)


def answer_for(method: str, rest: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """Return Twilio's answer to a request on one resource."""
    base = {"account_sid": ACCOUNT_SID, "api_version": "2010-04-01",
            "date_created": None, "date_updated": None}
    if rest == "/Calls" and method == "POST":
        return 201, {**base, "sid": sid("CA"), "status": "queued", "to": params.get("To"),
                     "from": params.get("From"), "direction": "outbound-api"}
    if rest == "/Messages" and method == "POST":
        return 201, {**base, "sid": sid("SM"), "status": "queued", "to": params.get("To"),
                     "from": params.get("From"), "body": params.get("Body")}
    found = re.fullmatch(r"/Calls/(CA\w+)", rest)
    if found and method == "POST":
        return 200, {**base, "sid": found.group(1), "status": params.get("Status", "in-progress")}
    found = re.fullmatch(r"/Queues/(QU\w+)/Members/(CA\w+)", rest)
    if found and method == "POST":
        return 200, {**base, "queue_sid": found.group(1), "call_sid": found.group(2),
                     "position": 0, "wait_time": 0}
    found = re.fullmatch(r"/Conferences/([\w-]+)/Participants", rest)
    if found and method == "POST":
        return 201, {**base, "call_sid": sid("CA"), "conference_sid": "CF" + "0" * 32,
                     "label": None, "status": "queued", "coaching": params.get("Coaching")
                     == "true", "muted": False, "hold": False}
    return 404, {"code": 20404, "message": "The requested resource was not found",
                 "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}


def handler_for(double: TwilioDouble) -> type[BaseHTTPRequestHandler]:
    """Return the request handler class of one double."""
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's
            pass

        def answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def handle_any(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            params = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            auth_ok = self.headers.get("Authorization") == expected
            path = self.path.split("?")[0]
            with double.lock:
                double.requests.append(Recorded(method, path, params, auth_ok))
            if not auth_ok:
                self.answer(401, {"code": 20003, "message": "Authenticate", "status": 401,
                                  "more_info": "https://www.twilio.com/docs/errors/20003"})
                return
            failing = double.take_failure()
            if failing is not None:
                self.answer(failing.status, {
                    "code": failing.code, "message": "refused by the double",
                    "status": failing.status,
                    "more_info": f"https://www.twilio.com/docs/errors/{failing.code}"})
                return
            found = ACCOUNT.match(path)
            if found is None or found.group("account") != ACCOUNT_SID:
                self.answer(404, {"code": 20404, "message": "Not found", "status": 404})
                return
            self.answer(*answer_for(method, found.group("rest"), params))

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.handle_any("POST")

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.handle_any("GET")

    return Handler


def start_double() -> TwilioDouble:
    """Start a double on a free loopback port."""
    double = TwilioDouble()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(double))
    server.daemon_threads = True
    double.server = server
    double.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return double


@pytest.fixture
def twilio_double() -> Iterator[TwilioDouble]:
    """A running Twilio REST double, stopped after the test."""
    double = start_double()
    yield double
    double.stop()


@pytest.fixture
def rest_app(make_app: Callable[..., Flask], twilio_double: TwilioDouble
             ) -> Callable[..., Flask]:
    """Build an app whose gateway is the REST gateway, sending to the double."""

    def build(**overrides: Any) -> Flask:
        return make_app(**{
            "twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": AUTH_TOKEN,
            "twilio_from_number": FROM_NUMBER, "twilio_api_base_url": twilio_double.url,
            **overrides,
        })

    return build


def signed_post(client: FlaskClient, path: str, params: dict[str, str], *,
                token: str = AUTH_TOKEN, base: str = BASE) -> TestResponse:
    """Post form parameters as Twilio does: signed for the app's public URL."""
    signature = RequestValidator(token).compute_signature(base + path, params)
    answer = client.post(path, data=params, headers={"X-Twilio-Signature": signature})
    answer.get_data()  # read in full, as a server sends it (work after the response runs)
    return answer
