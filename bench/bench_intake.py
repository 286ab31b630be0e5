"""Benchmark the SMS/WhatsApp intake under gunicorn against a minimal baseline webhook.

Both apps run as `loket serve` runs Loket (gunicorn: two workers of eight threads each, its
timeouts and keep-alive), side by side, on each engine in turn: a SQLite file in a temporary
folder, then a PostgreSQL database (LOKET_BENCH_POSTGRES_URL, emptied and migrated; created
when missing), with Redis database 15 (LOKET_BENCH_REDIS_URL, flushed). A small Python
client on loopback posts signed Twilio webhooks (each a new MessageSid, mostly new senders;
one in ten writes again) over keep-alive connections, as prepared bytes so that the client's
own work stays small on the cores it shares with the servers, and measures:
- the maximum throughput of each app (closed loop, a fixed number of connections), in
  rounds that alternate between the apps; the median round of each counts;
- Loket's p50/p99 latency at a fixed offered rate (open loop: each request has a planned
  send time, and its latency counts from that time, so a slow server cannot hide queueing).
Targets, on each engine: >= 200 requests/s, p99 < 100 ms at 200 requests/s (100x the
desks' national peak; one clear write path costs SQLite throughput, and that trade is made
on purpose). On PostgreSQL, production's engine, Loket's maximum throughput is at least
0.6x the baseline's (issue 15); on SQLite the ratio is printed, not a target. A baseline
round with errors makes the ratio meaningless and is reported as a failure of the run.
Exits 1 when a target is missed. Not a test: `make bench` runs it.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from redis import Redis
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PATH = "/twilio/messaging"
TOKEN = "bench-token"  # noqa: S105 - the benchmark's own throwaway token
REDIS_URL = os.environ.get("LOKET_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
POSTGRES_URL = os.environ.get(
    "LOKET_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/loket_bench"
)
ENGINES = ("sqlite", "postgres")
TARGET_RPS = 200.0
TARGET_P99_MS = 100.0
TARGET_RATIO = {"postgres": 0.6}  # Loket's throughput over the bare stack's, same engine
BODIES = (
    "Hallo, ik wil graag met iemand praten",
    "Sinds mijn uitzending slaap ik slecht",
    "Goedemiddag, mijn man werkt bij de politie en ik maak me zorgen",
    "1",
    "2",
)


@dataclass(frozen=True)
class Prepared:
    """One signed webhook, ready to send as it goes on the wire."""

    wire: bytes


@dataclass
class Tally:
    """What a run measured."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    unsent: int = 0
    elapsed: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, latency: float, ok: bool) -> None:
        """Count one answered request."""
        with self.lock:
            self.latencies.append(latency)
            self.errors += 0 if ok else 1

    @property
    def rate(self) -> float:
        """Return answered requests per second."""
        return (len(self.latencies) - self.errors) / self.elapsed if self.elapsed else 0.0

    def quantile_ms(self, q: float, *, count_unsent: bool = False) -> float:
        """Return a latency quantile in milliseconds (given-up requests as infinitely late)."""
        ordered = sorted(self.latencies) + ([float("inf")] * self.unsent if count_unsent else [])
        if not ordered:
            return float("nan")
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def percentile(values: list[float], share: float) -> float:
    """Return the value below which `share` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def loket_processes(env: dict[str, str], commands: list[str], log: Path
                    ) -> list[subprocess.Popen[bytes]]:
    """Start `loket <command>` processes (workers, schedulers) as production runs them."""
    out = log.open("ab")
    return [subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "loket.cli", command], cwd=ROOT, env=env, stdout=out,
        stderr=subprocess.STDOUT, start_new_session=True) for command in commands]


def stop_processes(processes: list[subprocess.Popen[bytes]]) -> None:
    """Stop processes and their children (SIGTERM, then SIGKILL after 20 s)."""
    for proc in processes:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in processes:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def free_port() -> int:
    """Return a free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(port: int, count: int, seed: int) -> list[Prepared]:
    """Sign `count` inbound messages: new MessageSids, mostly senders never seen before."""
    rng = random.Random(seed)
    validator = RequestValidator(TOKEN)
    url = f"http://127.0.0.1:{port}{PATH}"
    senders = [f"+316{rng.randrange(10**8):08d}" for _ in range(count)]
    requests = []
    for i in range(count):
        returning = i > 10 and rng.random() < 0.1  # one in ten writes again
        sender = senders[rng.randrange(i)] if returning else senders[i]
        if rng.random() < 0.2:
            sender = "whatsapp:" + sender
        params = {
            "MessageSid": f"SM{seed:04d}{i:028d}",
            "From": sender,
            "To": "+3185000000",
            "Body": BODIES[rng.randrange(3, 5) if returning else rng.randrange(3)],
        }
        body = urlencode(params).encode()
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {validator.compute_signature(url, params)}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        requests.append(Prepared(head.encode() + body))
    return requests


class Connection:
    """One keep-alive HTTP/1.1 connection that reconnects when the server closed it.

    Requests go out as prepared bytes and only the status line and Content-Length of the
    answer are read: the client's own work per request stays small beside the server's, on
    the same two cores (http.client parses every header through the email package).
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.close_after = False
        self.etag: str | None = None  # the last answer's ETag, if it had one

    def post(self, request: Prepared) -> int:
        """Send one request; return its status (0 when it could not be sent)."""
        for _ in range(2):
            try:
                if self.sock is None:
                    self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self.buffer = b""
                self.sock.sendall(request.wire)
                return self.read_response()
            except (OSError, ValueError):
                self.close()  # a keep-alive the server let go: reconnect once
        return 0

    def read_response(self) -> int:
        """Read one response; return its status."""
        while b"\r\n\r\n" not in self.buffer:
            self.receive()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = 0
        self.etag = None
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
            elif name.strip().lower() == b"connection" and value.strip().lower() == b"close":
                self.close_after = True
            elif name.strip().lower() == b"etag":
                self.etag = value.strip().decode()  # the workspace benchmark's polls read it
        while len(self.buffer) < length:
            self.receive()
        self.buffer = self.buffer[length:]
        if self.close_after:
            self.close()
        return status

    def receive(self) -> None:
        """Read more of the answer; a closed connection is an error."""
        assert self.sock is not None  # noqa: S101 - connected in post()
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ValueError("connection closed")
        self.buffer += chunk

    def close(self) -> None:
        """Drop the connection; the next request opens a new one."""
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer, self.close_after = None, b"", False


def closed_loop(port: int, requests: list[Prepared], connections: int, limit_s: float) -> Tally:
    """Send as fast as the server answers, `connections` at a time; return the tally."""
    tally = Tally()
    lock = threading.Lock()
    todo = iter(requests)
    deadline = time.perf_counter() + limit_s

    def worker() -> None:
        conn = Connection(port)
        while time.perf_counter() < deadline:
            with lock:
                request = next(todo, None)
            if request is None:
                return
            start = time.perf_counter()
            status = conn.post(request)
            tally.add(time.perf_counter() - start, status == 200)

    started = time.perf_counter()
    run_threads(worker, connections)
    tally.elapsed = time.perf_counter() - started
    return tally


def open_loop(
    port: int, requests: list[Prepared], rate: float, connections: int, grace_s: float = 10
) -> Tally:
    """Offer requests at a fixed rate; latency counts from each request's planned time.

    Requests still unsent `grace_s` after the last planned time are given up and counted,
    so a server far below the rate cannot stretch the run.
    """
    tally = Tally()
    lock = threading.Lock()
    slots = iter(enumerate(requests))
    started = time.perf_counter() + 0.05
    deadline = started + len(requests) / rate + grace_s

    def worker() -> None:
        conn = Connection(port)
        while True:
            with lock:
                slot = next(slots, None)
            if slot is None:
                return
            planned = started + slot[0] / rate
            if time.perf_counter() > deadline:
                with tally.lock:
                    tally.unsent += 1  # never sent: the server fell too far behind
                continue
            delay = planned - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            status = conn.post(slot[1])
            tally.add(time.perf_counter() - planned, status == 200)

    run_threads(worker, connections)
    tally.elapsed = time.perf_counter() - started
    return tally


def run_threads(target: Callable[[], None], count: int) -> None:
    """Run `count` threads of `target` and wait for all of them."""
    threads = [threading.Thread(target=target, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def wait_ready(port: int, path: str, proc: subprocess.Popen[bytes], limit_s: float = 30) -> None:
    """Wait until the server answers `path`; fail when it died or took too long."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with status {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer {path} within {limit_s:.0f} s")


@contextmanager
def serving(app: str, port: int, env: dict[str, str], log: Path, ready: str) -> Iterator[None]:
    """Run this app on loopback under gunicorn as `loket serve` runs Loket (its workers,
    threads and timeouts), then stop it."""
    from loket.cli.processes import WORKERS, gunicorn_argv

    command = gunicorn_argv(port, WORKERS, "127.0.0.1", app=app, pythonpath=str(BENCH))
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_ready(port, ready, proc)
            yield
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def base_env() -> dict[str, str]:
    """Return the environment without anything that would reach the real Twilio."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LOKET_", "TWILIO_", "BASELINE_"))}
    env["TWILIO_AUTH_TOKEN"] = TOKEN
    return env


def loket_env(tmp: Path, port: int, database_url: str) -> dict[str, str]:
    """Return Loket's settings for a run: this database, the bench's Redis, this port."""
    env = base_env()
    env.update({
        "LOKET_DATABASE_URL": database_url,
        "LOKET_REDIS_URL": REDIS_URL,
        "LOKET_INSTANCE_PATH": str(tmp / "instance"),
        "LOKET_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "LOKET_ENV": "development",
    })
    return env


def migrate(env: dict[str, str]) -> None:
    """Bring the benchmark database to the newest schema."""
    subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "loket.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True,
        stdout=subprocess.DEVNULL,
    )


@dataclass
class Result:
    """One app's figures: the maximum throughput of each round, and Loket's latency."""

    rounds: list[float] = field(default_factory=list)
    max_errors: int = 0
    fixed: Tally | None = None
    sustained: Tally | None = None
    sustained_rate: float = 0.0

    @property
    def max_rps(self) -> float:
        """Return the median of the rounds' maximum throughputs."""
        ordered = sorted(self.rounds)
        return ordered[len(ordered) // 2] if ordered else 0.0


def measure_round(port: int, args: argparse.Namespace, seed: int, result: Result) -> None:
    """Measure one round of maximum throughput (fresh messages every round)."""
    burst = prepare(port, args.requests, seed)
    maximum = closed_loop(port, burst, args.connections, args.limit)
    result.rounds.append(maximum.rate)
    result.max_errors += maximum.errors


def measure_latency(port: int, args: argparse.Namespace, seed: int, result: Result) -> None:
    """Measure latency at the fixed rate, and at 80% of the maximum if that is lower."""
    count = int(args.rate * args.seconds)
    result.fixed = open_loop(port, prepare(port, count, seed), args.rate, args.open_connections)
    if result.max_rps < args.rate:
        # For the record: latency at a rate this server can carry (80% of its maximum).
        result.sustained_rate = max(1.0, 0.8 * result.max_rps)
        count = int(result.sustained_rate * min(args.seconds, 8))
        calm = prepare(port, count, seed + 1)
        result.sustained = open_loop(port, calm, result.sustained_rate, args.open_connections)


def empty_postgres(url: str) -> None:
    """Create the benchmark's PostgreSQL database when missing, and empty it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        ).first()
        if found is None:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = create_engine(target)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def run_both(
    tmp: Path, args: argparse.Namespace, redis: Redis, engine: str
) -> tuple[Result, Result]:
    """Serve Loket and the baseline side by side and measure them in alternating rounds.

    Alternating rounds, and the median of each app's rounds, keep a machine that speeds up
    or slows down during the run (other work, CPU frequency) from tilting the ratio.
    """
    loket_port, baseline_port = free_port(), free_port()
    tmp = tmp / engine
    tmp.mkdir()
    if engine == "postgres":
        empty_postgres(POSTGRES_URL)
        database_url = POSTGRES_URL
        baseline_database = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    else:
        database_url = f"sqlite:///{tmp / 'loket.sqlite3'}"
        baseline_database = str(tmp / "baseline.sqlite3")
    env = loket_env(tmp, loket_port, database_url)
    (tmp / "instance").mkdir()
    migrate(env)
    redis.flushdb()
    baseline_env = base_env()
    baseline_env.update({
        "BASELINE_DATABASE": baseline_database,
        "BASELINE_REDIS_URL": REDIS_URL,
        "BASELINE_PUBLIC_URL": f"http://127.0.0.1:{baseline_port}",
    })
    loket, baseline = Result(), Result()
    with (
        serving(args.app, loket_port, env, tmp / "loket.log", "/healthz"),
        serving("baseline_app:create_app()", baseline_port, baseline_env,
                tmp / "baseline.log", "/healthz"),
    ):
        for port, seed in ((loket_port, 1000), (baseline_port, 2000)):
            closed_loop(port, prepare(port, args.warmup, seed), args.connections, args.limit)
        for n in range(args.rounds):
            measure_round(loket_port, args, 1001 + n, loket)
            measure_round(baseline_port, args, 2001 + n, baseline)
        measure_latency(loket_port, args, 1100, loket)
    return loket, baseline


def report(loket: Result, baseline: Result, args: argparse.Namespace, engine: str) -> list[str]:
    """Print one engine's figures; return the targets missed."""
    fixed = loket.fixed
    assert fixed is not None
    ratio = loket.max_rps / baseline.max_rps if baseline.max_rps else 0.0
    p50, p99 = fixed.quantile_ms(0.50), fixed.quantile_ms(0.99)
    p99_all = fixed.quantile_ms(0.99, count_unsent=True)
    rounds = len(loket.rounds)
    print(f"--- {engine}")
    print(f"loket    max throughput  {loket.max_rps:8.1f} requests/s, median of {rounds} "
          f"({', '.join(f'{r:.0f}' for r in loket.rounds)}; {loket.max_errors} errors, "
          f"{args.connections} connections)")
    print(f"baseline max throughput  {baseline.max_rps:8.1f} requests/s, median of {rounds} "
          f"({', '.join(f'{r:.0f}' for r in baseline.rounds)}; {baseline.max_errors} errors)")
    print(f"ratio loket/baseline     {ratio:8.2f}")
    print(f"loket at {args.rate:.0f} requests/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
          f"(achieved {fixed.rate:.1f} requests/s, {fixed.errors} errors, "
          f"{len(fixed.latencies)} sent, {fixed.unsent} given up)")
    calm = loket.sustained
    if calm is not None:
        print(f"loket at {loket.sustained_rate:.0f} requests/s (80% of its maximum, for the "
              f"record)  p50 {calm.quantile_ms(0.5):6.1f} ms  p99 {calm.quantile_ms(0.99):6.1f} "
              f"ms  ({calm.errors} errors, {calm.unsent} given up)")
    missed = []
    if loket.max_rps < TARGET_RPS:
        missed.append(f"{engine}: throughput {loket.max_rps:.1f} < {TARGET_RPS:.0f} requests/s")
    if not p99_all < TARGET_P99_MS:
        missed.append(f"{engine}: p99 {p99_all:.1f} ms >= {TARGET_P99_MS:.0f} ms "
                      f"at {args.rate:.0f}/s")
    target_ratio = TARGET_RATIO.get(engine)
    if target_ratio is not None and ratio < target_ratio:
        missed.append(f"{engine}: {ratio:.2f}x the baseline < {target_ratio}x")
    if baseline.max_errors:
        missed.append(f"{engine}: the baseline failed {baseline.max_errors} requests "
                      "(see its log with --keep)")
    if loket.max_errors or fixed.errors or fixed.unsent:
        missed.append(f"{engine}: {loket.max_errors + fixed.errors} requests failed, "
                      f"{fixed.unsent} given up")
    return missed


def parse_args() -> argparse.Namespace:
    """Read the run's bounds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="requests per throughput run")
    parser.add_argument("--rounds", type=int, default=5,
                        help="alternating throughput rounds per app (the median counts)")
    parser.add_argument("--warmup", type=int, default=300, help="requests before measuring")
    parser.add_argument("--connections", type=int, default=16, help="closed-loop connections")
    parser.add_argument("--open-connections", type=int, default=48,
                        help="connections for the fixed-rate run")
    parser.add_argument("--rate", type=float, default=TARGET_RPS, help="fixed offered rate")
    parser.add_argument("--seconds", type=float, default=15, help="length of the fixed-rate run")
    parser.add_argument("--limit", type=float, default=60, help="time bound of a throughput run")
    parser.add_argument("--app", default="loket.app:create_app()",
                        help="the Loket app gunicorn serves (e.g. a profiling wrapper)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--engines", default=",".join(ENGINES),
                        help="comma-separated engines to measure (sqlite, postgres)")
    return parser.parse_args()


def main() -> int:
    """Run both apps, print the figures, fail when a target is missed."""
    args = parse_args()
    one, five, fifteen = os.getloadavg()
    print(f"load average before the run: {one:.2f} {five:.2f} {fifteen:.2f} "
          f"on {os.cpu_count()} CPUs (the client shares them)")
    redis = Redis.from_url(REDIS_URL)
    redis.ping()
    engines = [name.strip() for name in args.engines.split(",") if name.strip()]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        print(f"--engines: unknown {', '.join(unknown)} (expected sqlite, postgres)")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="loket-bench-"))
    missed: list[str] = []
    try:
        for engine in engines:
            loket, baseline = run_both(tmp, args, redis, engine)
            missed += report(loket, baseline, args, engine)
    finally:
        redis.flushdb()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept {tmp}")
    for line in missed:
        print(f"MISSED: {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
