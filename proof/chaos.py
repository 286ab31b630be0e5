"""`make chaos`: people reach Loket at production shape while its parts fail.

On the production shape (proof/shape.py: PostgreSQL, Redis with AOF, two `loket serve`
behind nginx, two workers, two schedulers), at a concurrency of 20:
- signed Twilio webhooks, everything through nginx: callers walking the phone menu (waiting
  live, then hanging up; or asking for a callback), people texting (SMS and WhatsApp, three
  messages each); 5% of the webhooks are sent twice, half of those at the same moment;
- web chats (with a message) and web forms, as a browser sends them;
- counsellors through the API: each claims the texts and chats of their desk, replies and
  closes them, and calls back the callers who asked for it.
Meanwhile: a worker and its work horse are killed (SIGKILL) every 100 finished jobs; one web
process is killed and restarted; Redis is restarted once, and once restarted empty; the
PostgreSQL server is restarted once.

A person told "something went wrong, try again" (or who gets no answer) tries again, as
people do, with the same request (Twilio's own retry), for up to two minutes.

Pass: every contact is stored exactly once (each call, each texting number, each chat, each
form; nothing else); every reply and every callback is placed at least once with Twilio (the
REST double counts them) and recorded exactly once; no promised job is left undone once the
reconciler has had its period after the faults; every duplicate webhook got the answer the
first one got. The figures are printed; the exit status is 1 when anything failed.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import urljoin

import requests
from twilio.request_validator import RequestValidator

from proof.shape import Shape, running
from tests.twilio_double import AUTH_TOKEN, FROM_NUMBER

CONCURRENCY = 20
RETRY_FOR_S = 120.0  # how long a person keeps trying when told to try again
SETTLE_LIMIT_S = 240.0  # after the faults: every promised job done within this
WORKER_KILL_EVERY = 100  # finished jobs
DESKS = ("police", "veterans", "debasis")
FAILED_ANSWER = re.compile(r"er ging bij ons iets mis", re.IGNORECASE)
TOKEN_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
FORM_ID = re.compile(r'name="form_id"[^>]*value="([^"]+)"')
START_ID = re.compile(r'name="start_id"[^>]*value="([^"]+)"')
COUNSELLOR_PHONES = {"police": "+31611100001", "veterans": "+31611100002",
                     "debasis": "+31611100003"}


@dataclass
class Figures:
    """What the run did and saw, counted across threads."""

    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, n: int = 1) -> None:
        """Count something."""
        with self.lock:
            self.counts[name] += n

    def problem(self, text: str) -> None:
        """Record something that fails the run."""
        with self.lock:
            self.problems.append(text)


@dataclass
class Made:
    """What the people made, for the check: one contact each."""

    calls: set[str] = field(default_factory=set)  # CallSid
    callbacks: set[str] = field(default_factory=set)  # CallSid of calls asking for one
    texters: dict[str, str] = field(default_factory=dict)  # number -> channel
    chats: set[str] = field(default_factory=set)  # the name given
    forms: set[str] = field(default_factory=set)  # the name given
    replies: dict[str, str] = field(default_factory=dict)  # reply text -> reference
    called_back: set[str] = field(default_factory=set)  # references
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    """One person's (or counsellor's) connection through nginx, retrying as people do."""

    def __init__(self, shape: Shape, figures: Figures) -> None:
        self.shape = shape
        self.figures = figures
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy or CA bundle from the environment
        self.http.verify = shape.cafile
        self.validator = RequestValidator(AUTH_TOKEN)

    def send(self, method: str, path: str, *, ok: Callable[[requests.Response], bool],
             **kwargs: Any) -> requests.Response:
        """Send until the answer is good or RETRY_FOR_S is over; the last answer is returned
        (or an exception raised when there never was one)."""
        deadline = time.monotonic() + RETRY_FOR_S
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = self.http.request(method, self.shape.url + path, timeout=20,
                                           allow_redirects=False, **kwargs)
                if ok(answer):
                    if attempt > 1:
                        self.figures.add("requests retried until answered")
                    return answer
                self.figures.add(f"answers {answer.status_code} to {route(path)} (tried again)")
            except requests.RequestException:
                self.figures.add(f"no answer to {route(path)} (tried again)")
                answer = None
            if time.monotonic() > deadline:
                if answer is None:
                    raise RuntimeError(f"{method} {path}: no answer within {RETRY_FOR_S:.0f} s")
                return answer
            time.sleep(min(1.0 + attempt * 0.5, 5.0))

    def webhook(self, path: str, params: dict[str, str], *, duplicate: str = "") -> ET.Element:
        """Post a signed webhook as Twilio does (`duplicate`: "after" or "together" sends it
        twice); return its TwiML."""
        url = urljoin(self.shape.url + "/", path)
        headers = {"X-Twilio-Signature": self.validator.compute_signature(url, params)}
        local = url.removeprefix(self.shape.url)

        def post(client: Client) -> requests.Response:
            return client.send("POST", local, data=params, headers=headers, ok=good_twiml)

        self.figures.add("webhooks")
        if duplicate == "together":
            twin = Client(self.shape, self.figures)
            with ThreadPoolExecutor(2) as pool:
                both = list(pool.map(post, (self, twin)))
            first, second_or_none = both
            second: requests.Response | None = second_or_none
        else:
            first = post(self)
            second = post(self) if duplicate == "after" else None
        if duplicate:
            self.figures.add(f"webhooks sent twice ({duplicate})")
            if second is not None and second.text != first.text:
                self.figures.problem(f"a duplicate of {local} got another answer")
        if not good_twiml(first):
            raise RuntimeError(f"{local}: no good answer within {RETRY_FOR_S:.0f} s")
        return ET.fromstring(first.text)  # noqa: S314 - Loket's own answer

    def api(self, method: str, path: str, token: str, **kwargs: Any) -> requests.Response:
        """Call the API as a counsellor; a 5xx or no answer is tried again. A step (POST)
        carries an `Idempotency-Key`, the same on every try, as a client that tries again
        must: an answer lost after the step was done (a web process killed, the database
        restarted under the commit) then gets the step's answer, not the step twice."""
        headers = {"Authorization": f"Bearer {token}"}
        if method == "POST":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        return self.send(method, "/api/v1" + path, ok=lambda a: a.status_code < 500,
                         headers=headers, **kwargs)


def route(path: str) -> str:
    """Return the kind of route a path is, for the figures."""
    if path.startswith("/twilio/"):
        return "webhooks"
    if path.startswith("/api/"):
        return "the API"
    return "chat and form pages"


def good_twiml(answer: requests.Response) -> bool:
    """Tell whether a webhook's answer is Loket's TwiML and not its "try again" answer."""
    return answer.status_code == 200 and not FAILED_ANSWER.search(answer.text)


def good_page(answer: requests.Response) -> bool:
    """Tell whether a page or form answer is not an error (a redirect is fine)."""
    return answer.status_code < 400


class People:
    """The people who reach Loket, one scenario each."""

    def __init__(self, shape: Shape, figures: Figures, made: Made, seed: int) -> None:
        self.shape, self.figures, self.made = shape, figures, made
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()

    def duplicate(self) -> str:
        """Decide whether this webhook goes twice (5%: half after, half together)."""
        with self.rng_lock:
            roll = self.rng.random()
        return "after" if roll < 0.025 else "together" if roll < 0.05 else ""

    def call(self, n: int, *, callback: bool) -> None:
        """A caller: police, then either wait live and hang up, or ask for a callback at
        the calling number, as soon as possible, no voicemail."""
        client = Client(self.shape, self.figures)
        sid = f"CA{n:032x}"
        caller = f"+3162{n:07d}"
        keys = ["1", "2", "1", "1", "2"] if callback else ["1", "1"]
        base = {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "CallSid": sid,
                "Direction": "inbound", "From": caller, "Caller": caller,
                "To": FROM_NUMBER, "Called": FROM_NUMBER}
        twiml = client.webhook("/twilio/voice", {**base, "CallStatus": "ringing"},
                               duplicate=self.duplicate())
        with self.made.lock:
            self.made.calls.add(sid)
        for _ in range(12):
            gather, enqueue = twiml.find("./Gather"), twiml.find("./Enqueue")
            if gather is not None and keys:
                digits = keys.pop(0)
                twiml = client.webhook(gather.get("action") or "", {
                    **base, "CallStatus": "in-progress", "Digits": digits,
                    "FinishedOnKey": "", "msg": "Gather End"}, duplicate=self.duplicate())
                continue
            if enqueue is not None:
                queued = {**base, "QueueSid": "QU" + "1" * 32, "QueueTime": "20"}
                if enqueue.get("waitUrl"):
                    client.webhook(enqueue.get("waitUrl") or "", {
                        **queued, "CallStatus": "in-progress", "QueuePosition": "1",
                        "AvgQueueTime": "0", "CurrentQueueSize": "1"},
                        duplicate=self.duplicate())
                if enqueue.get("action"):
                    client.webhook(enqueue.get("action") or "", {
                        **queued, "CallStatus": "completed", "QueueResult": "hangup"},
                        duplicate=self.duplicate())
            break
        if callback:
            with self.made.lock:
                self.made.callbacks.add(sid)
        client.webhook("/twilio/voice/status", {
            **base, "CallStatus": "completed", "CallDuration": "40",
            "CallbackSource": "call-progress-events", "SequenceNumber": "0"},
            duplicate=self.duplicate())
        self.figures.add("calls (callback asked)" if callback else "calls (waited, hung up)")

    def texter(self, n: int) -> None:
        """A person texting: hello, police, now (WhatsApp for one in four)."""
        client = Client(self.shape, self.figures)
        number = f"+3163{n:07d}"
        whatsapp = n % 4 == 0
        sender = f"whatsapp:{number}" if whatsapp else number
        to = f"whatsapp:{FROM_NUMBER}" if whatsapp else FROM_NUMBER
        for step, body in enumerate(("Hallo, ik wil graag iemand spreken", "1", "1")):
            client.webhook("/twilio/messaging", {
                "MessageSid": f"SM{n:026x}{step:06x}", "From": sender, "To": to,
                "Body": body, "NumMedia": "0", "AccountSid": "AC" + "0" * 32,
            }, duplicate=self.duplicate())
            if step == 0:
                with self.made.lock:
                    self.made.texters[number] = "whatsapp" if whatsapp else "sms"
        self.figures.add("texters (3 messages)")

    def chat(self, n: int) -> None:
        """A web chat: police, chat now, one message."""
        client = Client(self.shape, self.figures)
        name = f"Chaos Chat {n}"

        def fields(*wanted: re.Pattern[str]) -> list[str]:
            """Return these hidden fields of the chat page's form, as a browser holds them."""
            page = client.send("GET", "/chat", ok=good_page).text
            found = [pattern.search(page) for pattern in wanted]
            if not all(found):
                raise RuntimeError("the chat page's form lacks a field it always has")
            return [match.group(1) for match in found if match]

        def token() -> str:
            return fields(TOKEN_FIELD)[0]

        # As a browser sends the start page's form: with its one-time id, the same again
        # when the answer was lost (the same start is the same chat).
        csrf, start_id = fields(TOKEN_FIELD, START_ID)
        client.send("POST", "/chat/start", ok=good_page,
                    data={"csrf_token": csrf, "start_id": start_id,
                          "choice": "police", "name": name})
        with self.made.lock:
            self.made.chats.add(name)
        client.send("POST", "/chat/answer", ok=good_page,
                    data={"csrf_token": token(), "choice": "chat"})
        # A counsellor may have answered and closed the chat already: a 409 says so.
        client.send("POST", "/chat/send", ok=lambda a: good_page(a) or a.status_code == 409,
                    data={"csrf_token": token(), "body": f"Hallo, ik ben {name}"})
        self.figures.add("web chats")

    def form(self, n: int) -> None:
        """A web form: a veteran asking to be e-mailed."""
        client = Client(self.shape, self.figures)
        name = f"Chaos Form {n}"
        page = client.send("GET", "/contact", ok=good_page).text
        token, form_id = TOKEN_FIELD.search(page), FORM_ID.search(page)
        if not token or not form_id:
            raise RuntimeError("the form page has no token or form id")
        client.send("POST", "/contact", ok=good_page, data={
            "csrf_token": token.group(1), "form_id": form_id.group(1), "who": "veteran",
            "need": "psychological", "urgent": "none", "reach": "email", "phone": "",
            "email": f"form{n}@chaos.loket.test", "window": "evening", "voicemail": "no",
            "name": name, "language": "nl", "message": "Ik wil graag contact.",
            "consent": "y", "website": "",
        })
        with self.made.lock:
            self.made.forms.add(name)
        self.figures.add("web forms")


@dataclass
class Counsellor:
    """A counsellor working their desk's queues through the API."""

    shape: Shape
    figures: Figures
    made: Made
    email: str
    desk: str
    token: str
    stop: threading.Event
    replied: int = 0
    handled: set[str] = field(default_factory=set)  # references replied to or called

    def run(self) -> None:
        """Take texts and chats (reply, close) and due callbacks (call) until stopped."""
        client = Client(self.shape, self.figures)
        client.api("PUT", "/me/availability", self.token, json={"status": "available"})
        while not self.stop.is_set():
            worked = False
            for queue in ((self.desk, "pool") if self.desk != "debasis" else (self.desk,)):
                answer = client.api("GET", f"/queue/{queue}", self.token)
                if answer.status_code != 200:
                    continue
                for item in answer.json()["items"][:3]:
                    worked |= self.work(client, item)
            if not worked:
                self.stop.wait(1.0)

    def work(self, client: Client, item: dict[str, Any]) -> bool:
        """Work one queue item; return whether anything was done."""
        ref = item["reference"]
        if ref in self.handled:  # replied or called already: only its close is left
            return self.close(client, ref)
        if item["channel"] == "phone":
            answer = client.api("POST", f"/contacts/{ref}/call", self.token)
            if answer.status_code == 202:
                self.handled.add(ref)
                with self.made.lock:
                    self.made.called_back.add(ref)
                self.figures.add("callbacks called")
                self.close(client, ref)
                return True
            self.figures.add(f"calls refused {answer.status_code}")
            return False
        if item["channel"] not in ("sms", "whatsapp", "webchat"):
            return False
        if client.api("POST", f"/contacts/{ref}/claim", self.token).status_code != 200:
            return False
        self.handled.add(ref)
        self.replied += 1
        text = f"Hier {self.email.split('@')[0]}, antwoord {self.replied}."
        answer = client.api("POST", f"/contacts/{ref}/messages", self.token, json={"text": text})
        if answer.status_code == 201:
            with self.made.lock:
                self.made.replies[text] = ref
            self.figures.add(f"replies ({item['channel']})")
        else:
            self.figures.problem(f"a reply was refused: {answer.status_code} {answer.text[:120]}")
        self.close(client, ref)
        return True

    def close(self, client: Client, ref: str) -> bool:
        """Close a held contact; return whether it closed."""
        answer = client.api("POST", f"/contacts/{ref}/close", self.token,
                            json={"outcome": "helped", "contact_type": "conversation"})
        self.figures.add(f"closes answered {answer.status_code}")
        return answer.status_code == 200


def outbox_count(shape: Shape, *, done: bool) -> int | None:
    """Return how many promised jobs are done (or not yet); None while the database does not
    answer."""
    import psycopg

    where = "done_at IS NOT NULL" if done else "done_at IS NULL"
    try:
        with psycopg.connect(shape.database_url("postgres").replace("+psycopg", ""),
                             connect_timeout=2) as conn:
            row = conn.execute(f"SELECT count(*) FROM outbox WHERE {where}").fetchone()  # noqa: S608
            return int(row[0]) if row else 0
    except psycopg.Error:
        return None


def done_jobs(shape: Shape) -> int | None:
    """Return how many promised jobs are done."""
    return outbox_count(shape, done=True)


def undone_jobs(shape: Shape) -> int | None:
    """Return how many promised jobs are not done yet."""
    return outbox_count(shape, done=False)


def undone_rows(shape: Shape) -> list[str]:
    """Describe the promised jobs not done (ids and states only)."""
    import psycopg

    with psycopg.connect(shape.database_url("postgres").replace("+psycopg", ""),
                         connect_timeout=2) as conn:
        rows = conn.execute("SELECT id, job, attempts, last_error, dispatched_at, created_at "
                            "FROM outbox WHERE done_at IS NULL ORDER BY id").fetchall()
    return [f"outbox {r[0]} {r[1]}: attempts {r[2]}, last error {r[3]!r}, dispatched "
            f"{r[4]:%H:%M:%S}, promised {r[5]:%H:%M:%S}; in Redis: {job_state(shape, r[0])}"
            if r[4] else f"outbox {r[0]} {r[1]}: never dispatched, promised {r[5]:%H:%M:%S}"
            for r in rows]


def job_state(shape: Shape, outbox_id: int) -> str:
    """Describe where RQ holds an outbox row's job: its status and the lists naming it."""
    from redis import Redis
    from rq.job import Job
    from rq.queue import Queue

    redis = Redis.from_url(shape.redis_url, socket_timeout=5)
    job = Job.fetch_many([f"outbox-{outbox_id}"], connection=redis)[0]
    if job is None:
        return "no job"
    queue = Queue(job.origin, connection=redis)
    places = [name for name, registry in (
        ("started", queue.started_job_registry), ("scheduled", queue.scheduled_job_registry),
        ("failed", queue.failed_job_registry), ("finished", queue.finished_job_registry),
        ("deferred", queue.deferred_job_registry)) if job.id in registry]
    if redis.lpos(queue.key, job.id) is not None:
        places.append("queue")
    locks = sorted(k.decode() for k in redis.scan_iter("rq:scheduler-lock:*"))
    return (f"{job.get_status()} on {job.origin}, in {places or 'nothing'}, worker "
            f"{job.worker_name}, enqueued {job.enqueued_at}, started {job.started_at}, "
            f"retries left {job.retries_left}; scheduler locks {locks}")


class Faults:
    """The faults: each planned one done once, at its share of the people's progress (a web
    process comes back by itself a few seconds after its kill); and, beside them, a worker
    killed every WORKER_KILL_EVERY finished jobs, until the people are done."""

    PLAN = ((0.15, "kill web process 1"), (0.35, "restart Redis"),
            (0.55, "restart PostgreSQL"), (0.75, "restart Redis empty"))

    def __init__(self, shape: Shape, figures: Figures, total: int) -> None:
        self.shape, self.figures, self.total = shape, figures, total
        self.finished = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.done: list[str] = []
        self.threads = [threading.Thread(target=self.planned, daemon=True),
                        threading.Thread(target=self.kill_workers, daemon=True)]

    def start(self) -> None:
        """Start both fault threads."""
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        """Stop killing workers; wait for the planned faults still due to be done."""
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def progress(self) -> None:
        """Count one finished person."""
        with self.lock:
            self.finished += 1

    def share(self) -> float:
        """Return the share of the people done."""
        with self.lock:
            return self.finished / self.total

    def planned(self) -> None:
        """Do each planned fault when its time comes (what is left, once the people are done)."""
        for at, fault in self.PLAN:
            while self.share() < at and not self.stop.is_set():
                time.sleep(0.2)
            share = self.share()
            started = time.monotonic()
            self.do(fault)
            when = f"at {share:.0%}" if not self.stop.is_set() else "after the people"
            self.done.append(f"{fault} {when} ({time.monotonic() - started:.1f} s)")
            print(f"  fault: {self.done[-1]}", flush=True)

    def kill_workers(self) -> None:
        """SIGKILL a worker (alternately) and its work horse every WORKER_KILL_EVERY jobs."""
        next_kill, victim = WORKER_KILL_EVERY, 0
        while not self.stop.is_set():
            jobs = done_jobs(self.shape)
            if jobs is not None and jobs >= next_kill:
                killed = self.shape.kill_worker(victim % 2)
                print(f"  fault: worker {victim % 2 + 1} killed ({killed} processes) at {jobs} "
                      "jobs done", flush=True)
                self.figures.add("workers killed (SIGKILL, with their work horse)")
                self.figures.add("processes killed with the workers", killed)
                victim += 1
                next_kill = jobs + WORKER_KILL_EVERY
            self.stop.wait(0.3)

    def do(self, fault: str) -> None:
        """Do one fault."""
        if fault == "kill web process 1":
            self.shape.kill_web(0, down_s=3.0, wait=False)
        elif fault == "restart Redis":
            self.shape.restart_redis(empty=False)
        elif fault == "restart Redis empty":
            self.shape.restart_redis(empty=True)
        elif fault == "restart PostgreSQL":
            self.shape.restart_postgres()


def add_counsellors(shape: Shape) -> list[tuple[str, str, str]]:
    """Add two counsellors per desk with a phone and an API token; return (email, desk,
    token) of each."""
    made = []
    for desk in DESKS:
        for n in (1, 2):
            email = f"{desk}{n}@chaos.loket.test"
            shape.loket_cli(["user", "add", "--email", email, "--role", "counsellor",
                             "--desk", desk, "--name", f"{desk.title()} {n}",
                             "--phone", COUNSELLOR_PHONES[desk]],
                            stdin="een lang en zeldzaam wachtwoord 42\n")
            token = shape.loket_cli(["token", "create", "--user", email]).strip().split()[-1]
            made.append((email, desk, token))
    return made


def check(shape: Shape, made: Made, figures: Figures) -> None:
    """Compare what is stored (and what Twilio was asked) with what the people made."""
    import os

    from sqlmodel import Session, select

    os.environ.update(shape.owner_env)
    from loket.app import create_app
    from loket.store.db import get_engine
    from loket.store.models import CallLeg, Contact, Message

    app = create_app()
    with app.app_context(), Session(get_engine(app)) as session:
        contacts = list(session.exec(select(Contact)).all())
        messages = list(session.exec(select(Message).where(Message.direction == "out")).all())
        legs = list(session.exec(select(CallLeg)).all())
    by_channel = Counter(c.channel for c in contacts)
    figures.counts.update({f"contacts stored ({k})": v for k, v in by_channel.items()})
    calls = Counter(c.external_id for c in contacts if c.channel == "phone")
    texts = Counter((c.phone or "").removeprefix("whatsapp:") for c in contacts
                    if c.channel in ("sms", "whatsapp"))
    names = Counter((c.channel, c.name) for c in contacts if c.channel in ("webchat", "webform"))
    expect(figures, "calls", calls, made.calls)
    expect(figures, "texting numbers", texts, set(made.texters))
    expect(figures, "web chats", Counter({n: k for (ch, n), k in names.items()
                                          if ch == "webchat"}), made.chats)
    expect(figures, "web forms", Counter({n: k for (ch, n), k in names.items()
                                          if ch == "webform"}), made.forms)
    expected = len(made.calls) + len(made.texters) + len(made.chats) + len(made.forms)
    if len(contacts) != expected:
        figures.problem(f"{len(contacts)} contacts stored, {expected} made")

    assert shape.double is not None  # noqa: S101 - started
    sent = [r for r in shape.double.received("/Messages.json") if r.status == 201]
    sent_sids = {r.answer.get("sid") for r in sent}
    sent_bodies = Counter(r.params.get("Body") for r in sent)
    by_ref = {c.reference: c for c in contacts}
    stored = Counter(m.body for m in messages if m.author_user_id is not None)
    for text, ref in made.replies.items():
        if stored[text] != 1:
            figures.problem(f"reply {text!r}: recorded {stored[text]} times")
        contact = by_ref.get(ref)
        if contact is not None and contact.channel in ("sms", "whatsapp"):
            figures.add("replies by text placed with Twilio", min(sent_bodies[text], 1))
            figures.add("replies by text placed more than once", sent_bodies[text] > 1)
            row = next((m for m in messages if m.body == text), None)
            if not sent_bodies[text]:
                figures.problem(f"reply {text!r} was never sent to Twilio")
            elif row is None or row.external_id not in sent_sids:
                figures.problem(f"reply {text!r}: its Twilio sid is not recorded")
    placed = [r for r in shape.double.received("/Calls.json") if r.status == 201]
    placed_sids = {r.answer.get("sid") for r in placed}
    for ref in made.called_back:
        contact = by_ref[ref]
        mine = [leg for leg in legs if leg.contact_id == contact.id and leg.user_id is not None
                and leg.kind == "counsellor"]
        if len(mine) != 1:
            figures.problem(f"callback {ref}: {len(mine)} counsellor legs recorded")
            continue
        leg = mine[0]
        rang = [r for r in placed if f"/twilio/calls/{leg.id}/" in r.params.get("Url", "")]
        figures.add("callback calls placed with Twilio", min(len(rang), 1))
        figures.add("callback calls placed more than once", len(rang) > 1)
        if not rang:
            figures.problem(f"callback {ref}: the counsellor's phone was never rung")
        elif leg.call_sid not in placed_sids:
            figures.problem(f"callback {ref}: its call sid is not recorded")


# A number stands on its own (or after a URL-encoded "+"): inside a longer run of letters
# and digits (a request id's hex, "…a531639609756a…") it is not one of the people's numbers.
PERSONAL = re.compile(rb"(?:(?<![0-9A-Za-z])|(?<=%2B)|(?<=%2b))316[23]\d{7}(?![0-9A-Za-z])"
                      rb"|Chaos (?:Chat|Form) \d+|form\d+@chaos|antwoord \d+\.")


def redis_dump(shape: Shape) -> bytes:
    """Return every key and value in Redis now, as bytes (job data and RQ's registries)."""
    from redis import Redis

    client = Redis.from_url(shape.redis_url, socket_timeout=5)
    out = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key)
        out.append(key)
        if kind == b"string":
            out.append(client.get(key) or b"")
        elif kind == b"hash":
            out += [b for pair in client.hgetall(key).items() for b in pair]
        elif kind == b"list":
            out += client.lrange(key, 0, -1)
        elif kind == b"set":
            out += list(client.smembers(key))
        elif kind == b"zset":
            out += client.zrange(key, 0, -1)
        elif kind == b"stream":
            out += [repr(e).encode() for e in client.xrange(key) or []]
    client.close()
    return b"\n".join(out)


def canary(shape: Shape, figures: Figures) -> None:
    """The people's numbers, names, e-mail addresses and the counsellors' replies appear in
    no log, in nothing Redis holds now, and in nothing Redis wrote to its AOF."""
    sources = {p.name: p.read_bytes() for p in (shape.run_dir / "logs").iterdir()}
    sources |= {f"redis/{p.name}": p.read_bytes()
                for p in (shape.run_dir / "redis").rglob("*") if p.is_file()}
    sources["redis (keys and values now)"] = redis_dump(shape)
    scanned = 0
    for name, data in sources.items():
        scanned += len(data)
        found = PERSONAL.search(data)
        if found:
            figures.problem(f"canary: personal data in {name}: {found.group(0)[:4]!r}…")
    figures.counts["canary: bytes of logs and Redis scanned"] = scanned


def expect(figures: Figures, what: str, stored: Counter[Any], made: set[str]) -> None:
    """Each of `made` stored exactly once; nothing stored that nobody made."""
    missing = [m for m in made if stored[m] == 0]
    twice = [m for m in made if stored[m] > 1]
    extra = [s for s in stored if s not in made]
    figures.counts[f"{what}: made"] = len(made)
    for label, items in (("never stored", missing), ("stored more than once", twice),
                         ("stored but never made", extra)):
        if items:
            figures.problem(f"{what}: {len(items)} {label}")


def main() -> int:
    """Run the people, the counsellors and the faults on the shape; check; print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=120)
    parser.add_argument("--texters", type=int, default=150)
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--forms", type=int, default=40)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    figures, made = Figures(), Made()
    # Thousands of people, all from 127.0.0.1: the public pages' limit per address is lifted.
    shape = Shape(overrides={"LOKET_PUBLIC_RATE_LIMIT": "1000000 per minute"})
    print(f"chaos: starting the production shape in {shape.run_dir}", flush=True)
    started = time.monotonic()
    with running(shape):
        counsellors_made = add_counsellors(shape)
        people = People(shape, figures, made, args.seed)
        todo: list[Callable[[], None]] = []
        todo += [partial(people.call, n, callback=n % 3 == 0) for n in range(args.calls)]
        todo += [partial(people.texter, n) for n in range(args.texters)]
        todo += [partial(people.chat, n) for n in range(args.chats)]
        todo += [partial(people.form, n) for n in range(args.forms)]
        random.Random(args.seed).shuffle(todo)
        faults = Faults(shape, figures, len(todo))
        stop = threading.Event()
        counsellors = [Counsellor(shape, figures, made, email, desk, token, stop)
                       for email, desk, token in counsellors_made]
        threads = [threading.Thread(target=c.run, daemon=True) for c in counsellors]
        for thread in threads:
            thread.start()
        faults.start()

        def person(work: Callable[[], None]) -> None:
            try:
                work()
            except Exception as exc:  # noqa: BLE001 - a person who never got through
                figures.problem(f"a person never got through: {exc}")
            finally:
                faults.progress()

        print(f"chaos: {len(todo)} people at a concurrency of {CONCURRENCY}, "
              f"{len(counsellors)} counsellors", flush=True)
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            list(pool.map(person, todo))
        people_s = time.monotonic() - started
        print(f"chaos: the people are done after {people_s:.0f} s; the workers catch up, "
              "still killed every 100 jobs", flush=True)
        # The jobs lag behind the people on two shared cores: the workers go on being killed
        # until fewer than a killing's worth of jobs is left (bounded), then the faults end.
        catch_up_until = time.monotonic() + SETTLE_LIMIT_S
        while time.monotonic() < catch_up_until:
            undone = undone_jobs(shape)
            if undone is not None and undone < WORKER_KILL_EVERY:
                break
            time.sleep(1)
        faults.join()
        faults_s = time.monotonic() - started
        print(f"chaos: the faults end after {faults_s:.0f} s; settling", flush=True)
        settle_started = time.monotonic()
        while time.monotonic() - settle_started < SETTLE_LIMIT_S:
            if undone_jobs(shape) == 0 and not waiting_for_counsellors(shape, counsellors):
                break
            time.sleep(2)
        stop.set()
        for thread in threads:
            thread.join(30)
        while time.monotonic() - settle_started < SETTLE_LIMIT_S and undone_jobs(shape) != 0:
            time.sleep(2)
        settled_s = time.monotonic() - settle_started
        undone = undone_jobs(shape)
        if undone != 0:
            figures.problem(f"{undone} promised jobs not done {SETTLE_LIMIT_S:.0f} s after "
                            "the faults")
            for line in undone_rows(shape)[:20]:
                figures.problem(line)
        figures.counts["jobs done (outbox)"] = done_jobs(shape) or 0
        down = shape.alive()
        if down:
            figures.problem(f"not running at the end: {', '.join(down)}")
        check(shape, made, figures)
        canary(shape, figures)
    report(figures, faults.done, people_s, faults_s, settled_s)
    return 1 if figures.problems else 0


def waiting_for_counsellors(shape: Shape, counsellors: list[Counsellor]) -> bool:
    """Tell whether texts, chats or callbacks still wait for a counsellor (checked through
    the API as the first counsellor of each desk)."""
    client = Client(shape, Figures())
    for c in counsellors[::2]:
        answer = client.api("GET", f"/queue/{c.desk}", c.token)
        if answer.status_code == 200 and answer.json()["items"]:
            return True
    return False


def report(figures: Figures, faults: list[str], people_s: float, faults_s: float,
           settled_s: float) -> None:
    """Print the figures and what failed."""
    print("--- chaos at production shape")
    for fault in faults:
        print(f"fault: {fault}")
    for name, value in sorted(figures.counts.items()):
        print(f"{name:58} {value:6}")
    print(f"people done after {people_s:.0f} s, faults ended after {faults_s:.0f} s; "
          f"everything settled {settled_s:.0f} s after the faults")
    for problem in figures.problems[:50]:
        print(f"FAILED: {problem}")
    if len(figures.problems) > 50:
        print(f"FAILED: ... and {len(figures.problems) - 50} more")
    print("chaos: " + ("FAILED" if figures.problems else "passed"))


if __name__ == "__main__":
    sys.exit(main())
