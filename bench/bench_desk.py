"""Benchmark the counsellors' workspace under load, beside the intake, as `loket serve` runs.

Loket runs as `loket serve` runs it (gunicorn: two workers of eight threads each)
on each engine in turn (a SQLite file, then PostgreSQL: LOKET_BENCH_POSTGRES_URL, emptied
and migrated), with Redis database 15 (LOKET_BENCH_REDIS_URL). The database holds 500
waiting contacts of the police desk and 50 logged-in police counsellors. Measured, side by
side in one run:
- the poll: each counsellor asks `GET /desk/queue/rows` every 2 s with the ETag of its last
  answer (an unchanged queue answers 304), WHILE signed SMS webhooks arrive at 100
  requests/s (open loop: latency counts from each request's planned time);
- time to screen: a person texts in (three messages: hello, police, now) and a counsellor
  polling every 2 s (a random phase) sees the new reference; from the last webhook's answer
  to the first poll that shows it;
- a reply: a counsellor claims a waiting web chat and replies; from the reply's answer to
  the first poll of the person's chat page (every 2 s, a random phase) that shows it.
Targets: poll p99 < 20 ms; intake at 100/s with no failures; time to screen and reply p99
< 3 s. Exits 1 when a target is missed. Not a test: `make bench` runs it.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from redis import Redis
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_intake import (  # noqa: E402 - the intake benchmark's server and client parts
    POSTGRES_URL,
    REDIS_URL,
    TOKEN,
    Connection,
    Prepared,
    empty_postgres,
    free_port,
    loket_env,
    migrate,
    open_loop,
    percentile,
    prepare,
    serving,
)

COUNSELLORS = 50
WAITING = 500
POLL_S = 2.0
TARGET_POLL_P99_MS = 20.0
TARGET_SCREEN_P99_S = 3.0
INTAKE_RPS = 100.0
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Polls:
    """What the counsellors' polls measured."""

    latencies: list[float] = field(default_factory=list)
    by_status: dict[int, list[float]] = field(default_factory=dict)
    not_modified: int = 0
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def seed(env: dict[str, str]) -> tuple[list[str], str]:
    """Store 500 waiting police contacts and 50 logged-in police counsellors; return each
    counsellor's session cookie and the cookie's name."""
    os.environ.update(env)
    from sqlmodel import Session

    from loket.app import create_app
    from loket.domain import accounts, logins
    from loket.store.models import Contact
    from loket.store.types import utcnow

    app = create_app({})
    engine = app.extensions["loket.engine"]
    now = utcnow()
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    cookies = []
    with Session(engine) as session:
        for n in range(WAITING):
            session.add(Contact(reference=f"B{n:03d}-WAIT", channel="sms", status="waiting",
                                desk="police", queue="police", priority="normal",
                                routed_at=now - timedelta(seconds=n * 7)))
        for n in range(COUNSELLORS):
            user, _ = accounts.create_user(session=session, user_in=accounts.UserIn(
                email=f"counsellor{n}@bench.loket.test", role="counsellor", desk="police",
                name=f"Bench {n}", password="bench-password-that-is-long"))  # noqa: S106
            user.totp_enrolled_at = now
            session.flush()
            token = logins.complete(session=session, token=logins.start(
                session=session, user=user, source="127.0.0.1"))
            assert token is not None  # noqa: S101 - a login just started
            cookies.append(serializer.dumps({"_user_id": token, "_fresh": True}))
        session.commit()
    name = app.config.get("SESSION_COOKIE_NAME", "session")
    engine.dispose()
    return cookies, name


def poll_once(conn: http.client.HTTPConnection, cookie: str, etag: str | None
              ) -> tuple[int, str | None, str]:
    """Ask for the queue's rows; return the status, the ETag and the body."""
    headers = {"Cookie": cookie}
    if etag:
        headers["If-None-Match"] = etag
    conn.request("GET", "/desk/queue/rows", headers=headers)
    answer = conn.getresponse()
    body = answer.read().decode()
    return answer.status, answer.getheader("ETag"), body


class RawPoller:
    """One counsellor's keep-alive connection (bench_intake's client: prepared bytes, only
    the status line, the ETag and the body's length read), so the client's own work stays
    small beside the server's on the cores they share."""

    def __init__(self, port: int, cookie: str) -> None:
        self.conn = Connection(port)
        self.head = (f"GET /desk/queue/rows HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     f"Cookie: {cookie}\r\n")

    def poll(self, etag: str | None) -> tuple[int, str | None]:
        """Ask once (reconnecting once if the server let the connection go)."""
        wire = self.head + (f"If-None-Match: {etag}\r\n" if etag else "") + "\r\n"
        status = self.conn.post(Prepared(wire.encode()))
        return status, self.conn.etag if status else None


def counsellors_polling(port: int, cookies: list[str], until: float, polls: Polls) -> None:
    """Each counsellor polls every 2 s from a random phase until `until`."""

    def one(cookie: str) -> None:
        poller = RawPoller(port, cookie)
        etag: str | None = None
        time.sleep(random.uniform(0, POLL_S))  # noqa: S311 - a phase, not a secret
        while time.perf_counter() < until:
            started = time.perf_counter()
            status, tag = poller.poll(etag)
            took = time.perf_counter() - started
            with polls.lock:
                polls.latencies.append(took)
                polls.by_status.setdefault(status, []).append(took)
                polls.not_modified += status == 304
                polls.errors += status not in (200, 304)
            etag = tag or etag
            time.sleep(max(0.0, POLL_S - took))

    threads = [threading.Thread(target=one, args=(c,)) for c in cookies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def sign(port: int, params: dict[str, str]) -> dict[str, str]:
    """Return Twilio's signature header for a webhook to this server."""
    url = f"http://127.0.0.1:{port}/twilio/messaging"
    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, params)}


def text_in(port: int, sender: str, n: int) -> float:
    """Text in as a new person (hello, police, now); return when the last answer came."""
    done = 0.0
    for step, body in enumerate(("Hallo, ik wil iemand spreken", "1", "1")):
        params = {"MessageSid": f"SMdesk{n:06d}{step:02d}{random.randrange(10**8):08d}",  # noqa: S311
                  "From": sender, "To": "+3185000000", "Body": body}
        answer = requests.post(f"http://127.0.0.1:{port}/twilio/messaging", data=params,
                               headers=sign(port, params), timeout=10)
        answer.raise_for_status()
        done = time.perf_counter()
    return done


def reference_of(sender: str) -> str | None:
    """Return the newest contact's reference for a sender (the bench process's own read)."""
    from sqlmodel import Session, col, select

    from loket.app import create_app
    from loket.domain.contacts import phone_hash
    from loket.store.models import Contact

    app = APP.get("app") or APP.setdefault("app", create_app({}))
    with app.app_context(), Session(app.extensions["loket.engine"]) as session:
        digest = phone_hash(sender, session=session)
        return session.exec(select(Contact.reference).where(Contact.phone_hash == digest)
                            .order_by(col(Contact.id).desc())).first()


APP: dict[str, Any] = {}


def until_seen(see: Any, since: float, limit_s: float = 15.0) -> float | None:
    """Poll every 2 s from a random phase until `see()` is true; return the delay."""
    time.sleep(random.uniform(0, POLL_S))  # noqa: S311 - a phase, not a secret
    while time.perf_counter() - since < limit_s:
        if see():
            return time.perf_counter() - since
        time.sleep(POLL_S)
    return None


def time_to_screen(port: int, cookie: str, samples: int) -> list[float | None]:
    """Measure from a text's last answer to the counsellor's poll that shows it."""
    results: list[float | None] = []
    lock = threading.Lock()

    def sample(n: int) -> None:
        sender = f"+3169{n:07d}"
        answered = text_in(port, sender, n)
        reference = reference_of(sender)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

        def see() -> bool:
            return bool(reference) and str(reference) in poll_once(conn, cookie, None)[2]

        delay = until_seen(see, answered)
        with lock:
            results.append(delay)

    run_batches(sample, samples)
    return results


def chat_reply(port: int, cookies: list[str], samples: int, cookie_name: str
               ) -> list[float | None]:
    """Measure from a counsellor's reply to the person's chat poll that shows it."""
    base = f"http://127.0.0.1:{port}"
    results: list[float | None] = []
    lock = threading.Lock()

    def sample(n: int) -> None:
        person = requests.Session()
        token = CSRF.search(person.get(f"{base}/chat", timeout=10).text)
        person.post(f"{base}/chat/start", data={"csrf_token": token.group(1) if token else "",
                                                "choice": "police", "name": ""}, timeout=10)
        page = person.get(f"{base}/chat", timeout=10).text
        token = CSRF.search(page)
        person.post(f"{base}/chat/answer", data={"csrf_token": token.group(1) if token else "",
                                                 "choice": "chat"}, timeout=10)
        page = person.get(f"{base}/chat", timeout=10).text
        found = re.search(r"\b([2-9A-Z]{3}-[2-9A-Z]{3})\b", page)
        if not found:
            with lock:
                results.append(None)
            return
        reference = found.group(1)
        staff = requests.Session()
        staff.cookies.set(cookie_name, cookies[n % len(cookies)], domain="127.0.0.1", path="/")
        contact = staff.get(f"{base}/desk/contacts/{reference}", timeout=10).text
        csrf = CSRF.search(contact)
        form = {"csrf_token": csrf.group(1) if csrf else ""}
        staff.post(f"{base}/desk/contacts/{reference}/claim", data=form, timeout=10,
                   allow_redirects=False)
        text = f"Hallo, ik ben er (bench {n})."
        staff.post(f"{base}/desk/contacts/{reference}/reply", data={**form, "text": text},
                   timeout=10, allow_redirects=False)
        sent = time.perf_counter()

        def see() -> bool:
            update = person.get(f"{base}/chat/messages?after=0", timeout=10).json()
            return any(m["body"] == text for m in update.get("messages", []))

        delay = until_seen(see, sent)
        staff.post(f"{base}/desk/contacts/{reference}/close",
                   data={**form, "outcome": "helped"}, timeout=10, allow_redirects=False)
        with lock:
            results.append(delay)

    run_batches(sample, samples)
    return results


def run_batches(sample: Any, samples: int, at_once: int = 5) -> None:
    """Run `samples` samples, `at_once` at a time."""
    for first in range(0, samples, at_once):
        threads = [threading.Thread(target=sample, args=(n,))
                   for n in range(first, min(samples, first + at_once))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def run(engine: str, args: argparse.Namespace, redis: Redis) -> list[str]:
    """Serve Loket on one engine and measure; return the report's lines (and misses)."""
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix=f"loket-bench-desk-{engine}-"))
    if engine == "postgres":
        empty_postgres(POSTGRES_URL)
        database_url = POSTGRES_URL
    else:
        database_url = f"sqlite:///{tmp / 'loket.sqlite3'}"
    env = loket_env(tmp, port, database_url)
    env["LOKET_RATE_LIMIT_STORAGE_URL"] = "memory://"
    env["LOKET_PUBLIC_RATE_LIMIT"] = "100000 per minute"
    (tmp / "instance").mkdir()
    migrate(env)
    redis.flushdb()
    APP.clear()
    cookies, cookie_name = seed(env)
    polls = Polls()
    with serving(args.app, port, env, tmp / "loket.log", "/healthz"):
        until = time.perf_counter() + args.seconds
        pollers = threading.Thread(target=counsellors_polling,
                                   args=(port, [f"{cookie_name}={c}" for c in cookies],
                                             until, polls))
        pollers.start()
        time.sleep(POLL_S)  # every counsellor has its first ETag
        with polls.lock:
            polls.latencies.clear()
            polls.by_status.clear()
            polls.not_modified = polls.errors = 0
        intake = open_loop(port, prepare(port, int(INTAKE_RPS * (args.seconds - 4)), 77),
                           INTAKE_RPS, 16)
        pollers.join()
        screen = time_to_screen(port, f"{cookie_name}={cookies[0]}", args.samples)
        replies = chat_reply(port, cookies[1:], args.samples, cookie_name)
    poll_p99 = percentile(polls.latencies, 0.99) * 1000
    intake_p99 = percentile(intake.latencies, 0.99) * 1000
    seen = [s for s in screen if s is not None]
    replied = [r for r in replies if r is not None]
    screen_p99 = percentile(seen, 0.99) if len(seen) == len(screen) else float("inf")
    reply_p99 = percentile(replied, 0.99) if len(replied) == len(replies) else float("inf")
    rate = len(intake.latencies) / intake.elapsed if intake.elapsed else 0.0
    count = max(1, len(polls.latencies))
    lines = [
        f"{engine}: {WAITING} waiting, {COUNSELLORS} counsellors polling every {POLL_S:.0f} s, "
        f"intake offered at {INTAKE_RPS:.0f}/s",
        f"  poll: {len(polls.latencies)} answers, p50 "
        f"{percentile(polls.latencies, 0.5) * 1000:.1f} ms, p99 {poll_p99:.1f} ms "
        f"(target < {TARGET_POLL_P99_MS:.0f}), {polls.not_modified / count:.0%} 304, "
        f"{polls.errors} errors",
        "  poll by answer: " + ", ".join(
            f"{status} p50 {percentile(took, 0.5) * 1000:.1f} ms p99 "
            f"{percentile(took, 0.99) * 1000:.1f} ms" for status, took
            in sorted(polls.by_status.items())),
        f"  intake meanwhile: {rate:.0f}/s achieved, p99 {intake_p99:.1f} ms, "
        f"{intake.errors} failed, {intake.unsent} unsent",
        f"  time to screen (text in -> on a polling counsellor's queue): p50 "
        f"{percentile(seen, 0.5):.2f} s, p99 {screen_p99:.2f} s over {len(screen)} "
        f"(target < {TARGET_SCREEN_P99_S:.0f} s; {len(screen) - len(seen)} never seen)",
        f"  reply (counsellor -> the person's chat page): p50 {percentile(replied, 0.5):.2f} s, "
        f"p99 {reply_p99:.2f} s over {len(replies)} (target < {TARGET_SCREEN_P99_S:.0f} s; "
        f"{len(replies) - len(replied)} never seen)",
    ]
    misses = []
    if not poll_p99 < TARGET_POLL_P99_MS or polls.errors:
        misses.append("poll")
    if intake.errors or intake.unsent:
        misses.append("intake")
    if not screen_p99 < TARGET_SCREEN_P99_S:
        misses.append("time to screen")
    if not reply_p99 < TARGET_SCREEN_P99_S:
        misses.append("reply")
    if misses:
        lines.append(f"  MISSED: {', '.join(misses)}")
    return lines


def main() -> int:
    """Run the workspace benchmark on each engine; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--seconds", type=float, default=24.0, help="poll and intake run time")
    parser.add_argument("--samples", type=int, default=20, help="time-to-screen and reply")
    parser.add_argument("--app", default="loket.app:create_app()")
    args = parser.parse_args()
    redis = Redis.from_url(REDIS_URL, socket_timeout=5)
    failed = False
    for engine in args.engines.split(","):
        lines = run(engine, args, redis)
        print("\n".join(lines), flush=True)  # noqa: T201 - the benchmark's report
        failed = failed or any("MISSED" in line for line in lines)
    redis.flushdb()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
