"""A Twilio REST double: a real HTTP server on a free loopback port that speaks enough of
Twilio's API (2010-04-01) for the real `twilio` client, with Basic auth, and records every
request for the tests to assert on. Plus the fixtures that point an app's gateway at it and
a helper that posts signed webhooks as Twilio would.

- `twilio_double`: the running `TwilioDouble` (stopped at teardown): `.url`, `.requests`
  and `.received(resource)` (each a `Recorded`: method, path, params, auth_ok, ...),
  `.fail_next(status=, code=, times=)`, `.stop()`;
- `rest_app(**overrides)`: an app whose gateway is the REST gateway aimed at the double;
- `signed_post(client, path, params)`: a webhook or status callback, signed like Twilio's;
- `answer_counsellor_leg(client, leg_id, params, digits="1")`: the counsellor's own phone
  answers a leg Loket placed and a key is pressed at the prompt, as Twilio posts both.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import xml.etree.ElementTree as ET  # noqa: S405 - Loket's own answers
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
ACCOUNT_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
ACCOUNT = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)(?P<rest>/.*)\.json$")


@dataclass(frozen=True)
class Recorded:
    """One request the double received."""

    method: str
    path: str
    params: dict[str, str]  # the last value of each form parameter
    auth_ok: bool
    lists: dict[str, list[str]] = field(default_factory=dict)  # every value, in order
    status: int = 0  # what the double answered
    answer: dict[str, Any] = field(default_factory=dict)

    @property
    def resource(self) -> str:
        """The path below the account (`/Calls.json`, `/Calls/CA….json`)."""
        return self.path.removeprefix(ACCOUNT_PATH)


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
    # What a GET of a call answers (its status); a call not named here is in progress.
    call_statuses: dict[str, str] = field(default_factory=dict)
    # Called with each request the double accepted, before it answers (a test's moment to
    # make something happen between Twilio taking a request and the caller hearing back).
    before_answer: Callable[[Recorded], None] | None = None

    def fail_next(self, *, status: int = 500, code: int = 20500, times: int = 1) -> None:
        """Answer the next `times` requests with a Twilio error."""
        with self.lock:
            self.failing = Failure(status, code, times)

    def received(self, resource: str = "") -> list[Recorded]:
        """Return a copy of the requests received so far (those on paths ending in
        `resource` when given), in order."""
        with self.lock:
            return [r for r in self.requests if r.path.endswith(resource)]

    def calls_to(self) -> list[str]:
        """Return the To of every call placed (Calls.json), in order."""
        return [r.params.get("To", "") for r in self.received("/Calls.json")]

    def stop(self) -> None:
        """Stop answering (a connection is refused from now on)."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def take_failure(self) -> Failure | None:
        """Return the failure for this request, if one is due, and count it."""
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
    found = re.fullmatch(r"/Queues/(QU\w+)/Members/(CA\w+|Front)", rest)
    if found and method == "POST":
        call_sid = found.group(2) if found.group(2) != "Front" else sid("CA")
        return 200, {**base, "queue_sid": found.group(1), "call_sid": call_sid,
                     "position": 0, "wait_time": 0}
    found = re.fullmatch(r"/Conferences/([\w-]+)/Participants", rest)
    if found and method == "POST":
        return 201, {**base, "call_sid": sid("CA"), "conference_sid": "CF" + "0" * 32,
                     "label": None, "status": "queued", "coaching": params.get("Coaching")
                     == "true", "muted": False, "hold": False}
    return twilio_error(404, 20404, "The requested resource was not found")


def twilio_error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    """Return an error answer in Twilio's shape."""
    return status, {"code": code, "message": message, "status": status,
                    "more_info": f"https://www.twilio.com/docs/errors/{code}"}


def respond(double: TwilioDouble, method: str, path: str, params: dict[str, str], *,
            auth_ok: bool) -> tuple[int, dict[str, Any]]:
    """Return the double's answer: 401 without the account's Basic auth, the failure due,
    404 off the account's resources, else Twilio's answer."""
    if not auth_ok:
        return twilio_error(401, 20003, "Authenticate")
    failing = double.take_failure()
    if failing is not None:
        return twilio_error(failing.status, failing.code, "refused by the double")
    found = ACCOUNT.match(path)
    if found is None or found.group("account") != ACCOUNT_SID:
        return twilio_error(404, 20404, "The requested resource was not found")
    call = re.fullmatch(r"/Calls/(CA\w+)", found.group("rest"))
    if call and method == "GET":
        with double.lock:
            status = double.call_statuses.get(call.group(1), "in-progress")
        return 200, {"account_sid": ACCOUNT_SID, "api_version": "2010-04-01",
                     "sid": call.group(1), "status": status}
    return answer_for(method, found.group("rest"), params)


def handler_for(double: TwilioDouble) -> type[BaseHTTPRequestHandler]:
    """Return the request handler class of one double."""
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's
            pass

        def answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting (its timeout): Twilio's answer is lost

        def handle_any(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            lists = parse_qs(raw, keep_blank_values=True)
            params = {k: v[-1] for k, v in lists.items()}
            auth_ok = self.headers.get("Authorization") == expected
            path = self.path.split("?")[0]
            status, body = respond(double, method, path, params, auth_ok=auth_ok)
            recorded = Recorded(method, path, params, auth_ok, lists, status, body)
            with double.lock:
                double.requests.append(recorded)
                hook = double.before_answer
            if hook is not None and status < 400:
                hook(recorded)
            self.answer(status, body)

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


def answer_counsellor_leg(client: FlaskClient, leg_id: int, params: dict[str, str], *,
                          digits: str | None = "1") -> TestResponse:
    """The counsellor's phone answers leg `leg_id` (its webhook), and `digits` are pressed
    at the prompt (posted to the `<Gather>`'s action, as Twilio does; "" for no key: the
    `<Redirect>` it falls through to). Return the answer to the key, or the first answer
    when there is no prompt (a hang-up) or `digits` is None."""
    answer = signed_post(client, f"/twilio/calls/{leg_id}/counsellor", params)
    if digits is None:
        return answer
    return press(client, answer, params, digits)


def press(client: FlaskClient, answer: TestResponse, params: dict[str, str], digits: str
          ) -> TestResponse:
    """Press `digits` at a prompt Loket answered (or none, with ""), as Twilio posts it;
    return the answer as it is when it asks for no key."""
    root = ET.fromstring(answer.get_data(as_text=True))  # noqa: S314 - Loket's own
    gather = root.find("./Gather")
    if answer.status_code != 200 or gather is None:
        return answer
    if digits:
        return signed_post(client, gather.get("action") or "", {**params, "Digits": digits})
    redirect = root.find("./Redirect")
    assert redirect is not None and redirect.text  # noqa: S101 - a prompt falls through
    return signed_post(client, redirect.text.strip(), params)
