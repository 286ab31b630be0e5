"""`make load`: Loket at production shape under a steady mixed load, with latency targets.

On the production shape (proof/shape.py: PostgreSQL, Redis with AOF, two `loket serve`
behind nginx with TLS, two workers, two schedulers), on loopback only, for `--seconds`
(600) after a warm-up of `--warmup` seconds (10, rising to the full rate, not counted), at
`--rate` (300) requests/s in all:
- the 50 counsellors' polls (20 police, 20 veterans, 10 De Basis, each logged in with both
  factors): `GET /desk/queue/rows` every 2 s with the ETag of their last answer (25/s);
- one police manager reloading `GET /reports` (this month so far) every 4 s;
- the rest intake, people arriving at random (Poisson): signed SMS and WhatsApp webhooks
  (a new sender's first text; three in ten write again a few seconds later), signed voice
  webhooks (a new call ringing; four in ten press 1 in the menu a few seconds later), web
  chats (the page, who, chat now, one message, each post followed by its page as a browser
  does) and web forms (the page, the post, the confirmation). Every page that carries a
  form token is read for it, as the next post needs it.
The client is open loop: each request has a planned time, set by the plan (arrivals, the
poll's 2 s, a person's thinking time after the answer before), and its latency counts from
that time, so a server that falls behind cannot hide its queue. A request not sent 10 s
after its planned time is given up; every request has 10 s to be answered.

A request fails when it gets no answer (or is given up), answers 5xx, answers a status its
step does not expect (a webhook and a page: 200; a post: its redirect, 302 or 303; a poll:
200 or 304; so a poll sent to the login page fails), when a webhook's answer is not TwiML or is
Loket's "try again" TwiML, or when a page lacks the form token its next post needs.

Pass: failures under 0.1% of all requests; p99 under 100 ms for each class of intake
routes (webhooks; chat and form), under 200 ms for the desk poll (unanswered requests count
as infinitely late); every part of the shape still running. The figures are printed per
class and per route; the exit status is 1 (with a `MISSED:` line each) when a target is
missed.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import math
import os
import queue
import random
import re
import socket
import ssl
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import psutil
from twilio.request_validator import RequestValidator

from proof.shape import Shape, running
from tests.twilio_double import AUTH_TOKEN, FROM_NUMBER

TARGET_FAILURE_RATIO = 0.001
TARGET_INTAKE_P99_MS = 100.0
TARGET_POLL_P99_MS = 200.0
POLL_S = 2.0
DESK_COUNSELLORS = {"police": 20, "veterans": 20, "debasis": 10}
REPORT_EVERY_S = 4.0
ANSWER_LIMIT_S = 10.0  # one request's answer
GIVE_UP_S = 10.0  # a request not sent this long after its planned time is given up
LOOKAHEAD_S = 0.5  # arrivals are planned (and their webhooks signed) this far ahead
DRAIN_S = 25.0  # after the run: what is still under way has this long to end
IDLE_RECONNECT_S = 30.0  # a connection idle this long is opened anew (keep-alive ends)
# Intake: each kind's share of the intake requests, and its requests per person (on average).
SHARES = {"text": 0.40, "call": 0.25, "chat": 0.23, "form": 0.12}
TEXT_AGAIN, CALL_MENU = 0.3, 0.4  # who texts a second time; who presses 1 in the menu
PER_PERSON = {"text": 1 + TEXT_AGAIN, "call": 1 + CALL_MENU, "chat": 7.0, "form": 3.0}
WEBHOOKS, WEB, POLL, REPORTS = "intake webhooks", "chat and form", "desk poll", "reports"
CLASSES = (WEBHOOKS, WEB, POLL, REPORTS)
PAGE, POSTED, POLLED = frozenset({200}), frozenset({302, 303}), frozenset({200, 304})
FAILED_ANSWER = re.compile(rb"er ging bij ons iets mis", re.IGNORECASE)
TOKEN_FIELD = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
FORM_ID = re.compile(rb'name="form_id"[^>]*value="([^"]+)"')
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SEED_PASSWORD = "een lang en zeldzaam wachtwoord voor de load 42"  # noqa: S105 - made-up


# --- the wire ------------------------------------------------------------------------------


@dataclass
class Answer:
    """What a request got back; `ok` is the verdict, set when it was judged."""

    status: int  # 0: no answer
    body: bytes = b""
    etag: str | None = None
    cookies: list[bytes] = field(default_factory=list)  # the Set-Cookie values
    problem: str = ""  # why there was no answer
    ok: bool = False


class Connection:
    """One keep-alive HTTP/1.1 connection over TLS to nginx, reopened when it was let go.

    Requests go out as prepared bytes; of the answer only the status line, the few headers
    the suite uses and the body are read: the client's own work stays small beside the
    server's on the cores they share.
    """

    def __init__(self, port: int, context: ssl.SSLContext) -> None:
        self.port, self.context = port, context
        self.sock: ssl.SSLSocket | None = None
        self.buffer = b""
        self.used_at = 0.0
        self.got_some = False  # a byte of this request's answer came

    def exchange(self, wire: bytes) -> Answer:
        """Send one request and read its answer (status 0 with the reason when none came).

        Only a connection kept from before that closed before any byte of the answer is
        tried again, once, on a new one (the server let it go while it was idle).
        """
        if self.sock is not None and time.perf_counter() - self.used_at > IDLE_RECONNECT_S:
            self.close()
        deadline = time.perf_counter() + ANSWER_LIMIT_S
        for attempt in (1, 2):
            kept, self.got_some = self.sock is not None, False
            try:
                if self.sock is None:
                    self.connect(deadline)
                assert self.sock is not None
                self.sock.sendall(wire)
                answer = self.read(deadline)
                self.used_at = time.perf_counter()
                return answer
            except (OSError, ValueError) as exc:
                self.close()
                if attempt == 2 or not kept or self.got_some or isinstance(exc, TimeoutError):
                    return Answer(0, problem=problem_of(exc))
        return Answer(0, problem="no answer")

    def connect(self, deadline: float) -> None:
        """Open the TCP connection and its TLS session."""
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=remaining(deadline))
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self.context.wrap_socket(raw, server_hostname="127.0.0.1")
        self.buffer = b""

    def receive(self, deadline: float) -> None:
        """Read more of the answer; a closed connection is an error."""
        assert self.sock is not None
        self.sock.settimeout(remaining(deadline))
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed")
        self.got_some = True
        self.buffer += chunk

    def take(self, count: int, deadline: float) -> bytes:
        """Return the next `count` bytes of the answer."""
        while len(self.buffer) < count:
            self.receive(deadline)
        taken, self.buffer = self.buffer[:count], self.buffer[count:]
        return taken

    def line(self, deadline: float) -> bytes:
        """Return the next line of the answer (without its CRLF)."""
        while b"\r\n" not in self.buffer:
            self.receive(deadline)
        found, _, self.buffer = self.buffer.partition(b"\r\n")
        return found

    def read(self, deadline: float) -> Answer:
        """Read one answer: its head, then its body by length or in chunks."""
        while b"\r\n\r\n" not in self.buffer:
            self.receive(deadline)
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        answer = Answer(int(lines[0].split(b" ", 2)[1]))
        length, chunked, close = 0, False, False
        for header in lines[1:]:
            name, _, value = header.partition(b":")
            name, value = name.strip().lower(), value.strip()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.lower() == b"close"
            elif name == b"etag":
                answer.etag = value.decode()
            elif name == b"set-cookie":
                answer.cookies.append(value)
        answer.body = self.chunks(deadline) if chunked else self.take(length, deadline)
        if close:
            self.close()
        return answer

    def chunks(self, deadline: float) -> bytes:
        """Read a chunked body."""
        parts: list[bytes] = []
        while True:
            size = int(self.line(deadline).split(b";")[0], 16)
            if size == 0:
                while self.line(deadline):  # trailers, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self.take(size, deadline))
            self.take(2, deadline)

    def close(self) -> None:
        """Drop the connection; the next request opens a new one."""
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock, self.buffer = None, b""


def remaining(deadline: float) -> float:
    """Return the time left before `deadline`; a TimeoutError when there is none."""
    left = deadline - time.perf_counter()
    if left <= 0:
        raise TimeoutError("no answer in time")
    return left


def problem_of(exc: BaseException) -> str:
    """Name why a request got no answer."""
    if isinstance(exc, TimeoutError):
        return f"no answer within {ANSWER_LIMIT_S:.0f} s"
    if isinstance(exc, ValueError):
        return "connection closed without an answer"
    return f"no answer ({type(exc).__name__})"


class Jar:
    """One browser's cookies: what Set-Cookie gave, sent back as Cookie."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def take(self, answer: Answer) -> None:
        """Keep the cookies an answer set; drop the ones it expired."""
        for raw in answer.cookies:
            text = raw.decode("latin-1")
            pair, _, attributes = text.partition(";")
            name, _, value = pair.strip().partition("=")
            gone = "max-age=0" in attributes.lower().replace(" ", "") or "1970" in attributes
            if gone or not value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def header(self) -> str:
        """Return the Cookie header line (empty without cookies)."""
        if not self.cookies:
            return ""
        return "Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()) + "\r\n"


# --- what is sent --------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """One request of the plan: its class and route, its bytes, when it is due, and what
    makes its answer good."""

    kind: str
    route: str
    wire: bytes
    due: float
    expect: frozenset[int]
    check: Callable[[bytes], str] | None = None  # the body's problem, or ""


# A person or a counsellor: yields a request, is sent its judged answer, yields the next.
Journey = Generator[Ask, Answer, None]


def twiml_problem(body: bytes) -> str:
    """Name what is wrong with a webhook's answer: not TwiML, or Loket's "try again"."""
    if FAILED_ANSWER.search(body):
        return "the 'try again' answer"
    return "" if b"<Response" in body else "not TwiML"


def token_problem(body: bytes) -> str:
    """Name what a page that must carry a form token lacks."""
    return "" if TOKEN_FIELD.search(body) else "no form token on the page"


def found(pattern: re.Pattern[bytes], body: bytes) -> str:
    """Return the first group of a pattern in a page (checked to be there)."""
    match = pattern.search(body)
    return match.group(1).decode() if match else ""


@dataclass
class Crowd:
    """Who reaches Loket and how: builds each person's and each staff member's journey."""

    url: str
    port: int
    end: float  # nothing is planned after this
    rng: random.Random
    validator: RequestValidator = field(default_factory=lambda: RequestValidator(AUTH_TOKEN))

    @property
    def host(self) -> str:
        """Return the Host header's value."""
        return f"127.0.0.1:{self.port}"

    def get(self, path: str, headers: str = "") -> bytes:
        """Return a GET as it goes on the wire."""
        return (f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: text/html\r\n"
                f"{headers}\r\n").encode()

    def post(self, path: str, params: dict[str, str], headers: str = "") -> bytes:
        """Return a form POST as it goes on the wire."""
        body = urlencode(params).encode()
        head = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nAccept: text/html\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\n{headers}\r\n")
        return head.encode() + body

    def webhook(self, path: str, params: dict[str, str], due: float) -> Ask:
        """Return a webhook signed as Twilio signs it (for the public address)."""
        signature = self.validator.compute_signature(self.url + path, params)
        wire = self.post(path, params, f"X-Twilio-Signature: {signature}\r\n"
                                       "User-Agent: TwilioProxy/1.1\r\n")
        return Ask(WEBHOOKS, f"POST {path}", wire, due, PAGE, twiml_problem)

    def think(self, low: float, high: float) -> float:
        """Draw a thinking time (drawn when the person is planned: one thread draws)."""
        return self.rng.uniform(low, high)

    # --- people

    def texter(self, n: int, start: float) -> Journey:
        """A new sender's first text; three in ten write "1" a few seconds after the answer."""
        number = f"+3164{n:07d}"
        whatsapp = self.rng.random() < 0.25
        sender = f"whatsapp:{number}" if whatsapp else number
        to = f"whatsapp:{FROM_NUMBER}" if whatsapp else FROM_NUMBER
        again = self.think(4, 12) if self.rng.random() < TEXT_AGAIN else None

        def text(step: int, body: str, due: float) -> Ask:
            return self.webhook("/twilio/messaging", {
                "MessageSid": f"SM{n:024x}{step:08x}", "AccountSid": "AC" + "0" * 32,
                "From": sender, "To": to, "Body": body, "NumMedia": "0"}, due)

        answer = yield text(0, "Hallo, ik wil graag iemand spreken", start)
        if again is not None and answer.ok:
            yield text(1, "1", time.perf_counter() + again)

    def caller(self, n: int, start: float) -> Journey:
        """A new call ringing; four in ten press 1 in the menu a few seconds later."""
        number = f"+3165{n:07d}"
        base = {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01",
                "CallSid": f"CA{n:032x}", "Direction": "inbound", "From": number,
                "Caller": number, "To": FROM_NUMBER, "Called": FROM_NUMBER}
        menu = self.think(5, 9) if self.rng.random() < CALL_MENU else None
        answer = yield self.webhook("/twilio/voice", {**base, "CallStatus": "ringing"}, start)
        if menu is not None and answer.ok:
            yield self.webhook("/twilio/voice/menu", {
                **base, "CallStatus": "in-progress", "Digits": "1", "FinishedOnKey": "",
                "msg": "Gather End"}, time.perf_counter() + menu)

    def chat(self, n: int, start: float) -> Journey:
        """A web chat: the page, who (police, a made-up name), chat now, one message; after
        each post the page it leads to, as a browser follows the redirect."""
        jar = Jar()
        waits = [self.think(2, 5), self.think(1, 3), self.think(4, 10)]
        posts = [("/chat/start", {"choice": "police", "name": f"Load Chat {n}"}),
                 ("/chat/answer", {"choice": "chat"}),
                 ("/chat/send", {"body": f"Hallo, dit is testbericht {n}."})]
        answer = yield Ask(WEB, "GET /chat", self.get("/chat"), start, PAGE, token_problem)
        for (path, params), wait in zip(posts, waits, strict=True):
            if not answer.ok:
                return
            jar.take(answer)
            token = found(TOKEN_FIELD, answer.body)
            answer = yield Ask(WEB, f"POST {path}",
                               self.post(path, {"csrf_token": token, **params}, jar.header()),
                               time.perf_counter() + wait, POSTED)
            if not answer.ok:
                return
            jar.take(answer)
            check = token_problem if path != "/chat/send" else None
            answer = yield Ask(WEB, "GET /chat", self.get("/chat", jar.header()),
                               time.perf_counter(), PAGE, check)

    def form(self, n: int, start: float) -> Journey:
        """A web form: the page, a veteran asking to be e-mailed, the confirmation."""
        jar = Jar()
        wait = self.think(10, 25)
        answer = yield Ask(WEB, "GET /contact", self.get("/contact"), start, PAGE,
                           token_problem)
        if not answer.ok:
            return
        jar.take(answer)
        answer = yield Ask(WEB, "POST /contact", self.post("/contact", {
            "csrf_token": found(TOKEN_FIELD, answer.body),
            "form_id": found(FORM_ID, answer.body), "who": "veteran", "need": "psychological",
            "urgent": "none", "reach": "email", "phone": "", "email": f"form{n}@load.loket.test",
            "window": "evening", "voicemail": "no", "name": f"Load Form {n}", "language": "nl",
            "message": "Ik wil graag contact.", "consent": "y", "website": ""}, jar.header()),
            time.perf_counter() + wait, POSTED)
        if not answer.ok:
            return
        jar.take(answer)
        yield Ask(WEB, "GET /contact/received", self.get("/contact/received", jar.header()),
                  time.perf_counter(), PAGE)

    # --- staff

    def counsellor(self, cookie: str, first: float) -> Journey:
        """A counsellor's queue page polling every 2 s (on the clock, whatever the answers)
        with the ETag of the last rows it got."""
        etag: str | None = None
        for k in itertools.count():
            due = first + k * POLL_S
            if due > self.end:
                return
            condition = f"If-None-Match: {etag}\r\n" if etag else ""
            answer = yield Ask(POLL, "GET /desk/queue/rows",
                               self.get("/desk/queue/rows", f"{cookie}{condition}"), due, POLLED)
            if answer.ok and answer.etag:
                etag = answer.etag

    def manager(self, cookie: str, first: float) -> Journey:
        """A manager reloading this month's report every REPORT_EVERY_S."""
        today = datetime.now(AMSTERDAM).date()
        path = "/reports?" + urlencode({"from": today.replace(day=1).isoformat(),
                                        "to": today.isoformat()})
        wire = self.get(path, cookie)
        for k in itertools.count():
            due = first + k * REPORT_EVERY_S
            if due > self.end:
                return
            yield Ask(REPORTS, "GET /reports", wire, due, PAGE)

    def arrivals(self, start: float, intake_rate: float, warmup: float
                 ) -> Iterator[tuple[float, Journey]]:
        """Yield the people in order of arrival (Poisson), each kind at the rate that gives
        its share of the intake requests; fewer at first, rising over the warm-up."""
        rates = {kind: intake_rate * share / PER_PERSON[kind] for kind, share in SHARES.items()}
        total = sum(rates.values())
        kinds, weights = list(rates), list(rates.values())
        builders = {"text": self.texter, "call": self.caller, "chat": self.chat,
                    "form": self.form}
        at = start
        for n in itertools.count():
            at += self.rng.expovariate(total)
            if at > self.end:
                return
            if warmup and at - start < warmup and self.rng.random() > ramp(at - start, warmup):
                continue
            kind = self.rng.choices(kinds, weights)[0]
            yield at, builders[kind](n, at)


def ramp(elapsed: float, warmup: float) -> float:
    """Return the share of the full rate offered this far into the warm-up."""
    return min(1.0, 0.25 + 0.75 * elapsed / warmup)


# --- what was measured ---------------------------------------------------------------------


@dataclass
class Tally:
    """One class's (or route's) requests: latencies of the answered, the lost, the failed."""

    latencies: list[float] = field(default_factory=list)
    lost: int = 0  # never answered or given up: infinitely late
    failed: int = 0  # all failures, the lost included
    size: int = 0  # bytes of the answers' bodies

    @property
    def count(self) -> int:
        """Return how many requests there were."""
        return len(self.latencies) + self.lost

    def quantile_ms(self, share: float) -> float:
        """Return a latency quantile in ms (nearest rank; the lost as infinitely late)."""
        if not self.count:
            return float("nan")
        rank = max(0, min(self.count - 1, math.ceil(share * self.count) - 1))
        ordered = sorted(self.latencies)
        return 1000 * ordered[rank] if rank < len(ordered) else float("inf")


@dataclass
class Figures:
    """Everything the run measured, counted across threads (the warm-up apart)."""

    classes: dict[str, Tally] = field(default_factory=lambda: {c: Tally() for c in CLASSES})
    routes: dict[str, Tally] = field(default_factory=dict)
    warmup: Tally = field(default_factory=Tally)
    reasons: Counter[str] = field(default_factory=Counter)
    lag: list[float] = field(default_factory=list)  # the client's own: due to sent
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ask: Ask, latency: float | None, problem: str, *, counted: bool,
            size: int = 0) -> None:
        """Count one request (latency None: lost) and the size of its answer."""
        with self.lock:
            tallies = ([self.classes[ask.kind],
                        self.routes.setdefault(f"{ask.kind}: {ask.route}", Tally())]
                       if counted else [self.warmup])
            for tally in tallies:
                if latency is None:
                    tally.lost += 1
                else:
                    tally.latencies.append(latency)
                tally.failed += bool(problem)
                tally.size += size
            if problem:
                self.reasons[f"{'' if counted else '(warm-up) '}{ask.route}: {problem}"] += 1


# --- running the plan ----------------------------------------------------------------------


class Runner:
    """Sends the plan open loop: one thread keeps the clock and hands due requests to the
    senders (earliest planned first), each with a connection of its own; a journey's next
    request is planned when its answer came."""

    def __init__(self, port: int, context: ssl.SSLContext, figures: Figures, *,
                 counted_from: float, end: float, senders: int) -> None:
        self.port, self.context, self.figures = port, context, figures
        self.counted_from, self.end = counted_from, end
        self.deadline = end + DRAIN_S
        self.senders = senders
        self.heap: list[tuple[float, int, Ask, Journey]] = []
        self.order = itertools.count()
        self.cond = threading.Condition()
        # Due requests, earliest planned first: a poll behind its clock goes before the
        # people who came after its planned time, as an open loop sends in plan order.
        self.ready: queue.PriorityQueue[tuple[float, int, Ask | None, Journey | None]] = (
            queue.PriorityQueue())
        self.under_way = 0  # handed to a sender and not finished

    def plan(self, journey: Journey, answer: Answer | None = None) -> None:
        """Ask a journey for its next request and put it on the clock (none after the end);
        one already too late to send (a poll behind its clock) is given up at once."""
        while True:
            try:
                ask = journey.send(answer) if answer is not None else next(journey)
            except StopIteration:
                return
            if ask.due > self.end:
                journey.close()
                return
            if time.perf_counter() - ask.due <= GIVE_UP_S:
                break
            self.figures.add(ask, None, f"given up (not sent within {GIVE_UP_S:.0f} s)",
                             counted=ask.due >= self.counted_from)
            answer = Answer(0)
        with self.cond:
            heapq.heappush(self.heap, (ask.due, next(self.order), ask, journey))
            self.cond.notify()

    def run(self, staff: list[Journey], arrivals: Iterator[tuple[float, Journey]]) -> None:
        """Run the plan to its end and what is under way to its answer (bounded)."""
        for journey in staff:
            self.plan(journey)
        threads = [threading.Thread(target=self.send, daemon=True) for _ in range(self.senders)]
        for thread in threads:
            thread.start()
        self.clock(arrivals)
        for _ in threads:
            self.ready.put((math.inf, next(self.order), None, None))
        for thread in threads:
            thread.join(max(0.0, self.deadline - time.perf_counter()) + ANSWER_LIMIT_S)
        self.abandon()  # planned by answers that came after the clock stopped

    def clock(self, arrivals: Iterator[tuple[float, Journey]]) -> None:
        """Hand each request to the senders when it is due; take arrivals in LOOKAHEAD_S
        ahead (their first request prepared then); stop when all is done or at the deadline."""
        coming = next(arrivals, None)
        while True:
            now = time.perf_counter()
            while coming is not None and coming[0] <= now + LOOKAHEAD_S:
                self.plan(coming[1])
                coming = next(arrivals, None)
            with self.cond:
                while self.heap and self.heap[0][0] <= now:
                    item = heapq.heappop(self.heap)
                    self.under_way += 1
                    self.ready.put(item)
                if coming is None and not self.heap and not self.under_way:
                    return
                if now > self.deadline:
                    self.abandon()
                    return
                wake = min(self.heap[0][0] if self.heap else now + 0.05,
                           coming[0] - LOOKAHEAD_S if coming else now + 0.05)
                self.cond.wait(min(0.05, max(0.0, wake - now)))

    def abandon(self) -> None:
        """Give up what is still planned: the run's time is over."""
        with self.cond:
            for _, _, ask, journey in self.heap:
                self.figures.add(ask, None, "given up (the run's time was over)",
                                 counted=ask.due >= self.counted_from)
                journey.close()
            self.heap.clear()

    def send(self) -> None:
        """Send due requests on this thread's connection, judge their answers, plan on."""
        conn = Connection(self.port, self.context)
        while True:
            _, _, ask, journey = self.ready.get()
            if ask is None or journey is None:
                conn.close()
                return
            try:
                self.one(conn, ask, journey)
            finally:
                with self.cond:
                    self.under_way -= 1
                    self.cond.notify()

    def one(self, conn: Connection, ask: Ask, journey: Journey) -> None:
        """Send one request (or give it up when far too late) and plan the journey's next."""
        counted = ask.due >= self.counted_from
        started = time.perf_counter()
        if started - ask.due > GIVE_UP_S or started > self.deadline:
            self.figures.add(ask, None, f"given up (not sent within {GIVE_UP_S:.0f} s)",
                             counted=counted)
            answer = Answer(0)
        else:
            answer = conn.exchange(ask.wire)
            done = time.perf_counter()
            problem = judge(ask, answer)
            answer.ok = not problem
            with self.figures.lock:
                self.figures.lag.append(started - ask.due)
            self.figures.add(ask, done - ask.due if answer.status else None, problem,
                             counted=counted, size=len(answer.body))
        self.plan(journey, answer)


def judge(ask: Ask, answer: Answer) -> str:
    """Return why an answer is a failure, or "" when it is good."""
    if not answer.status:
        return answer.problem or "no answer"
    if answer.status not in ask.expect:
        return f"answered {answer.status}"
    return ask.check(answer.body) if ask.check is not None else ""


# --- the staff's sessions ------------------------------------------------------------------


def staff_cookies(shape: Shape) -> tuple[list[str], str]:
    """Add the counsellors and a police manager, each logged in with both factors (in the
    login store, as the login pages would); return each counsellor's Cookie header line and
    the manager's."""
    os.environ.update(shape.owner_env)
    from sqlmodel import Session

    from loket.app import create_app
    from loket.domain import accounts, logins
    from loket.store.types import utcnow

    app = create_app()
    engine = app.extensions["loket.engine"]
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    people = [(f"{desk}{n}@load.loket.test", "counsellor", desk)
              for desk, count in DESK_COUNSELLORS.items() for n in range(count)]
    people.append(("manager@load.loket.test", "manager", "police"))
    lines = []
    with Session(engine) as session:
        for email, role, desk in people:
            user, _ = accounts.create_user(session=session, user_in=accounts.UserIn.model_validate(
                {"email": email, "role": role, "desk": desk,
                 "name": f"Load {email.split('@')[0]}", "password": SEED_PASSWORD}))
            user.totp_enrolled_at = utcnow()
            session.flush()
            token = logins.complete(
                session=session, token=logins.start(session=session, user=user,
                                                    source="127.0.0.1"))
            assert token is not None  # noqa: S101 - a login just started
            lines.append(f"Cookie: {name}={serializer.dumps({'_user_id': token, '_fresh': True})}"
                         "\r\n")
        session.commit()
    engine.dispose()
    return lines[:-1], lines[-1]


# --- the report ----------------------------------------------------------------------------


def cpu_by_part(shape: Shape) -> dict[str, float]:
    """Return the CPU seconds each kind of part has used so far (its processes, their
    children, and the children that ended), PostgreSQL's server and backends included."""
    parts: list[tuple[str, int]] = [
        (name, proc.pid) for name, procs in (
            ("nginx", [shape.nginx]), ("web", shape.web), ("workers", shape.workers),
            ("schedulers", shape.schedulers), ("redis", [shape.redis]))
        for proc in procs if proc is not None and proc.alive()]
    parts += [("postgres", p.pid) for p in psutil.process_iter(["cmdline"])
              if shape.cluster in " ".join(p.info["cmdline"] or []) and "-D" in
              (p.info["cmdline"] or [])]
    used: dict[str, float] = {}
    for name, pid in parts:
        try:
            top = psutil.Process(pid)
            for proc in (top, *top.children(recursive=True)):
                times = proc.cpu_times()
                used[name] = used.get(name, 0.0) + (
                    times.user + times.system + times.children_user + times.children_system)
        except psutil.Error:
            continue
    used["this client"] = time.process_time()
    return used


def stored_contacts(shape: Shape) -> Counter[str]:
    """Return the contacts stored, by channel (what the load made: a check of the plan)."""
    import psycopg

    url = shape.database_url("postgres").replace("+psycopg", "")
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            rows = conn.execute("SELECT channel, count(*) FROM contact GROUP BY channel"
                                ).fetchall()
    except psycopg.Error:
        return Counter()
    return Counter({str(channel): int(count) for channel, count in rows})


def load_average() -> str:
    """Return the load average, as uptime shows it."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def heading(width: int) -> str:
    """Return the table's column names."""
    return (f"{'':{width}} {'requests':>8} {'failed':>7} {'p50 ms':>8} {'p95 ms':>8} "
            f"{'p99 ms':>8} {'offered/s':>9} {'good/s':>9} {'kB/answer':>9}")


def row(name: str, tally: Tally, seconds: float, width: int) -> str:
    """Return one line of the table: count, failures, p50/p95/p99, offered and achieved."""
    good = tally.count - tally.failed
    return (f"{name:{width}} {tally.count:8} {tally.failed:7} {tally.quantile_ms(0.5):8.1f} "
            f"{tally.quantile_ms(0.95):8.1f} {tally.quantile_ms(0.99):8.1f} "
            f"{tally.count / seconds:9.1f} {good / seconds:9.1f} "
            f"{tally.size / 1000 / max(1, len(tally.latencies)):9.1f}")


def report(figures: Figures, seconds: float) -> list[str]:
    """Print the figures per class and per route; return the targets missed."""
    everything = Tally(failed=sum(t.failed for t in figures.classes.values()),
                       lost=sum(t.lost for t in figures.classes.values()),
                       size=sum(t.size for t in figures.classes.values()),
                       latencies=[x for t in figures.classes.values() for x in t.latencies])
    print(heading(16))
    for name in CLASSES:
        print(row(name, figures.classes[name], seconds, 16))
    print(row("all", everything, seconds, 16))
    print(heading(42).replace(" " * 9, "per route", 1))
    for name, tally in sorted(figures.routes.items()):
        print(row(name, tally, seconds, 42))
    warm = figures.warmup
    print(f"warm-up (not counted): {warm.count} requests, {warm.failed} failed, "
          f"p99 {warm.quantile_ms(0.99):.1f} ms")
    lag = Tally(latencies=figures.lag)
    print(f"planned time to sent (the client's queue: every connection busy with a slow "
          f"answer, or the client short of CPU): p50 {lag.quantile_ms(0.5):.1f} ms, "
          f"p99 {lag.quantile_ms(0.99):.1f} ms")
    for reason, count in figures.reasons.most_common(20):
        print(f"failed: {count:7}  {reason}")
    missed = []
    ratio = everything.failed / everything.count if everything.count else 1.0
    print(f"target: failures {ratio:.3%} of {everything.count} (< {TARGET_FAILURE_RATIO:.1%})")
    if not everything.count or not ratio < TARGET_FAILURE_RATIO:
        missed.append(f"failures {ratio:.3%} of {everything.count} requests "
                      f"(target < {TARGET_FAILURE_RATIO:.1%})")
    for name, target in ((WEBHOOKS, TARGET_INTAKE_P99_MS), (WEB, TARGET_INTAKE_P99_MS),
                         (POLL, TARGET_POLL_P99_MS)):
        p99 = figures.classes[name].quantile_ms(0.99)
        print(f"target: {name} p99 {p99:.1f} ms (< {target:.0f} ms)")
        if not p99 < target:
            missed.append(f"{name} p99 {p99:.1f} ms (target < {target:.0f} ms)")
    return missed


# --- the run -------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    """Read the run's length, rate and seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600.0, help="measured run time")
    parser.add_argument("--rate", type=float, default=300.0, help="requests/s in all")
    parser.add_argument("--seed", type=int, default=1, help="the plan's random seed")
    parser.add_argument("--warmup", type=float, default=10.0,
                        help="seconds before measuring, the rate rising to the full one")
    parser.add_argument("--senders", type=int, default=64,
                        help="client threads, each with a keep-alive connection")
    return parser.parse_args()


def main() -> int:
    """Start the shape, add the staff, run the load, print the figures and the targets."""
    args = parse_args()
    staff_rate = sum(DESK_COUNSELLORS.values()) / POLL_S + 1 / REPORT_EVERY_S
    intake_rate = args.rate - staff_rate
    if intake_rate <= 0:
        print(f"--rate must be above the staff's own {staff_rate:.2f} requests/s")
        return 2
    print(f"load average before: {load_average()}", flush=True)
    shape = Shape(overrides={"LOKET_PUBLIC_RATE_LIMIT": "1000000 per minute"})
    print(f"load: starting the production shape in {shape.run_dir} (logs: "
          f"{shape.run_dir / 'logs'})", flush=True)
    figures = Figures()
    with running(shape):
        counsellors, manager = staff_cookies(shape)
        start = time.perf_counter() + 0.5
        counted_from = start + args.warmup
        end = counted_from + args.seconds
        crowd = Crowd(shape.url, shape.port, end, random.Random(args.seed))
        staff = [crowd.counsellor(c, start + crowd.rng.uniform(0, POLL_S)) for c in counsellors]
        staff.append(crowd.manager(manager, start + crowd.rng.uniform(0, REPORT_EVERY_S)))
        print(f"load: {args.warmup:.0f} s warm-up, then {args.seconds:.0f} s at {args.rate:.0f} "
              f"requests/s ({intake_rate:.1f}/s intake, {len(counsellors)} counsellors "
              f"polling every {POLL_S:.0f} s, a manager every {REPORT_EVERY_S:.0f} s; seed "
              f"{args.seed}, {args.senders} connections to nginx over TLS)", flush=True)
        runner = Runner(shape.port, shape.ssl_context(), figures, counted_from=counted_from,
                        end=end, senders=args.senders)
        cpu = cpu_by_part(shape)
        runner.run(staff, crowd.arrivals(start, intake_rate, args.warmup))
        took = time.perf_counter() - counted_from
        after = cpu_by_part(shape)
        cpu = {name: used - cpu.get(name, 0.0) for name, used in after.items()}
        down = shape.alive()
        stored = stored_contacts(shape)
    print(f"--- load at production shape: {args.seconds:.0f} s at {args.rate:.0f} requests/s "
          f"(the last answers came {took - args.seconds:.1f} s after the plan's end)")
    missed = report(figures, args.seconds)
    wall = took + args.warmup
    cores = os.cpu_count() or 1
    print(f"CPU seconds used in the {wall:.0f} s of load ({cores} cores give "
          f"{cores * wall:.0f}): "
          + ", ".join(f"{name} {used:.1f}" for name, used in
                      sorted(cpu.items(), key=lambda item: -item[1])))
    if down:
        missed.append(f"not running at the end: {', '.join(down)}")
    print("contacts stored (warm-up included): "
          + ", ".join(f"{channel} {count}" for channel, count in sorted(stored.items())))
    print(f"load average after: {load_average()}")
    print(f"run folder: {shape.run_dir} (logs in {shape.run_dir / 'logs'})")
    for line in missed:
        print(f"MISSED: {line}")
    print("load: " + ("targets missed" if missed else "passed"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
