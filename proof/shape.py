"""The production shape on one machine: what `make chaos` and `make load` run against.

`Shape.start()` starts what production runs (docs/production.md), every part in a run folder
of its own and on loopback only:
- a PostgreSQL cluster of its own (Debian's `pg_createcluster` on a free port, dropped at the
  end), with the two roles production uses: the owner migrates (`loket db upgrade`, `loket db
  grant`), the application's role runs everything else;
- Redis with AOF (`appendfsync everysec`) and `maxmemory-policy noeviction`;
- the Twilio REST double (tests/twilio_double.py) in this process, counting every request;
- two `loket serve` (gunicorn, two workers each) on their own ports, behind nginx (Debian's
  package, a config of its own and `-p` the run folder): TLS with a certificate made for the
  run, `X-Forwarded-For` / `-Proto` set and trusted through `LOKET_TRUSTED_PROXIES=1`;
- two `loket worker`s and two `loket scheduler`s.

Every process is in its process group, its output in `<run>/logs/`. The faults (`kill_*`,
`restart_*`) are the chaos suite's. `python -m proof.shape` starts it all and waits for
Ctrl-C, printing where everything is.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import psutil
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loket.devserver import free_port  # noqa: E402
from tests.twilio_double import (  # noqa: E402
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    TwilioDouble,
    start_double,
)

PG_VERSION = os.environ.get("LOKET_SHAPE_PG_VERSION", "")
CLUSTER_PREFIX = "loket_shape_"  # + the pid of the process that made it
OWNER = "postgres"
APP_ROLE = "loket_app"
DATABASE = "loket"
START_LIMIT_S = 60.0
STOP_LIMIT_S = 20.0

NGINX_CONF = """\
worker_processes 1;
error_log {run}/logs/nginx-error.log warn;
pid {run}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {run}/nginx/body;
    proxy_temp_path {run}/nginx/proxy;
    fastcgi_temp_path {run}/nginx/fastcgi;
    uwsgi_temp_path {run}/nginx/uwsgi;
    scgi_temp_path {run}/nginx/scgi;
    client_max_body_size 1m;
    upstream loket {{
        server 127.0.0.1:{web1} max_fails=1 fail_timeout=2s;
        server 127.0.0.1:{web2} max_fails=1 fail_timeout=2s;
        keepalive 64;
        # Below gunicorn's --keep-alive 5: nginx lets an idle connection go before gunicorn
        # closes it, so no request goes out on one being closed (a 502 on a POST).
        keepalive_timeout 4s;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {run}/tls/cert.pem;
        ssl_certificate_key {run}/tls/key.pem;
        keepalive_requests 100000;
        location / {{
            proxy_pass http://loket;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
            # A web process gone (killed, restarting): the other one answers. A POST is
            # tried again only when it never reached the first (connection refused).
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries 2;
        }}
    }}
}}
"""


def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    """Run a command to its end; its output is returned, an error naming it raised on failure."""
    done = subprocess.run(  # noqa: S603 - fixed commands of our own
        argv, check=False, capture_output=True, text=True, timeout=120, **kwargs)  # type: ignore[call-overload]
    if done.returncode:
        raise RuntimeError(f"{' '.join(argv[:3])} failed: {(done.stderr or done.stdout)[-800:]}")
    return done  # type: ignore[no-any-return]


def pg_version() -> str:
    """Return the installed PostgreSQL major version (Debian's layout)."""
    if PG_VERSION:
        return PG_VERSION
    versions = sorted(p.name for p in Path("/usr/lib/postgresql").iterdir() if p.name.isdigit())
    if not versions:
        raise SystemExit("the production shape needs Debian's postgresql (pg_createcluster)")
    return versions[-1]


def drop_cluster(version: str, name: str) -> None:
    """Stop and drop one PostgreSQL cluster (its files go with it)."""
    subprocess.run(["pg_dropcluster", "--stop", version, name],  # noqa: S603, S607
                   capture_output=True, check=False, timeout=60)


def drop_stale_clusters(version: str) -> None:
    """Drop the clusters of earlier runs whose process is gone (killed before it stopped)."""
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True,  # noqa: S607
                            check=False, timeout=30).stdout
    for line in listed.splitlines():
        parts = line.split()
        if len(parts) > 1 and parts[0] == version and parts[1].startswith(CLUSTER_PREFIX):
            pid = parts[1].removeprefix(CLUSTER_PREFIX)
            if not (pid.isdigit() and psutil.pid_exists(int(pid))):
                drop_cluster(version, parts[1])


def wait_until(check: object, limit_s: float, what: str) -> None:
    """Poll `check()` until true; raise naming `what` after `limit_s`."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except Exception:  # noqa: BLE001, S110 - not up yet
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} not ready within {limit_s:.0f} s")


@dataclass
class Proc:
    """One process of the shape: how to start it, and the running one."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it in a process group of its own, appending to its log."""
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(  # noqa: S603 - fixed commands of our own
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)

    @property
    def pid(self) -> int:
        """Return the running process's id."""
        assert self.popen is not None  # noqa: S101 - started first
        return self.popen.pid

    def alive(self) -> bool:
        """Tell whether it runs."""
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> int:
        """SIGKILL it and every process below it (a worker's work horse has a group of its
        own); return how many processes were killed."""
        if not self.alive():
            return 0
        try:
            family = [psutil.Process(self.pid), *psutil.Process(self.pid).children(recursive=True)]
        except psutil.NoSuchProcess:
            family = []
        for proc in family:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        assert self.popen is not None  # noqa: S101 - alive
        self.popen.wait(STOP_LIMIT_S)
        return len(family)

    def stop(self) -> None:
        """SIGTERM its group; SIGKILL what is left after STOP_LIMIT_S."""
        if not self.alive():
            return
        assert self.popen is not None  # noqa: S101 - alive
        try:
            os.killpg(self.pid, signal.SIGTERM)
            self.popen.wait(STOP_LIMIT_S)
        except subprocess.TimeoutExpired:
            self.kill()
        except ProcessLookupError:
            pass


@dataclass
class Shape:
    """The production shape's parts and the faults that can be done to them."""

    run_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="loket-shape-")))
    port: int = 0  # nginx, the one address everything is sent to
    web_ports: list[int] = field(default_factory=list)
    pg_port: int = 0
    redis_port: int = 0
    double: TwilioDouble | None = None
    web: list[Proc] = field(default_factory=list)
    workers: list[Proc] = field(default_factory=list)
    schedulers: list[Proc] = field(default_factory=list)
    redis: Proc | None = None
    nginx: Proc | None = None
    env: dict[str, str] = field(default_factory=dict)
    owner_env: dict[str, str] = field(default_factory=dict)
    version: str = ""
    # Settings of a suite's own on top of production's (e.g. the public pages' rate limit:
    # a suite's thousands of people all come from 127.0.0.1).
    overrides: dict[str, str] = field(default_factory=dict)
    cluster: str = field(default_factory=lambda: f"{CLUSTER_PREFIX}{os.getpid()}")

    # --- where things are

    @property
    def url(self) -> str:
        """Return the public address (nginx, TLS)."""
        return f"https://127.0.0.1:{self.port}"

    @property
    def cafile(self) -> str:
        """Return the run's certificate, for clients to trust."""
        return str(self.run_dir / "tls" / "cert.pem")

    def ssl_context(self) -> ssl.SSLContext:
        """Return a client TLS context that trusts the run's certificate."""
        return ssl.create_default_context(cafile=self.cafile)

    @property
    def redis_url(self) -> str:
        """Return the Redis address."""
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def database_url(self, role: str = APP_ROLE) -> str:
        """Return the database address as one role."""
        return f"postgresql+psycopg://{role}@127.0.0.1:{self.pg_port}/{DATABASE}"

    # --- start and stop

    def start(self) -> None:
        """Start every part, in order; on a failure stop what started and raise."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        for folder in ("logs", "tls", "redis", "nginx", "instance", "tmp"):
            (self.run_dir / folder).mkdir(parents=True, exist_ok=True)
        self.version = pg_version()
        self.port, self.pg_port, self.redis_port = free_port(), free_port(), free_port()
        self.web_ports = [free_port(), free_port()]
        self.start_postgres()
        self.double = start_double()
        self.make_env()
        self.start_redis()
        self.migrate()
        self.web = [self.loket(f"web{i + 1}", ["serve", "--host", "127.0.0.1", "--port",
                                               str(port), "--workers", "2"])
                    for i, port in enumerate(self.web_ports)]
        self.workers = [self.loket(f"worker{i + 1}", ["worker"]) for i in range(2)]
        self.schedulers = [self.loket(f"scheduler{i + 1}", ["scheduler"]) for i in range(2)]
        for proc in (*self.web, *self.workers, *self.schedulers):
            proc.start()
        self.start_nginx()
        for port in self.web_ports:
            self.wait_web(port)
        wait_until(lambda: self.get("/healthz") == 200, START_LIMIT_S, "nginx")

    def start_postgres(self) -> None:
        """Create and start a cluster of our own on a free port (an old one dropped)."""
        drop_stale_clusters(self.version)
        run(["pg_createcluster", self.version, self.cluster, "--port", str(self.pg_port),
             "-o", "max_connections=400",
             "--", "--auth=trust"])
        self.pg_ctl("start")
        run(["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", OWNER, "-q", "-c",
             f"CREATE ROLE {APP_ROLE} LOGIN", "-c", f"CREATE DATABASE {DATABASE}"])

    def pg_ctl(self, action: str) -> None:
        """Start, stop or restart the cluster (fast shutdown: sessions are cut)."""
        run(["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.cluster, action,
             *(["-m", "fast"] if action in ("stop", "restart") else [])])
        if action != "stop":
            wait_until(lambda: run(["pg_isready", "-q", "-h", "127.0.0.1", "-p",
                                    str(self.pg_port)]).returncode == 0, START_LIMIT_S,
                       "PostgreSQL")

    def make_env(self) -> None:
        """Write the run's settings: production, as the app role, secrets made for it."""
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("LOKET_", "TWILIO_"))}
        assert self.double is not None  # noqa: S101 - started first
        self.env = {
            **base,
            "PYTHONUNBUFFERED": "1",
            "TMPDIR": str(self.run_dir / "tmp"),  # what the processes leave (metrics) stays here
            "LOKET_ENV": "production",
            "LOKET_DATABASE_URL": self.database_url(),
            "LOKET_REDIS_URL": self.redis_url,
            "LOKET_SECRET_KEY": secrets.token_urlsafe(48),
            "LOKET_DATA_KEY": Fernet.generate_key().decode(),
            "LOKET_HASH_KEY": secrets.token_urlsafe(32),
            "LOKET_PUBLIC_URL": self.url,
            "LOKET_TRUSTED_PROXIES": "1",
            "LOKET_INSTANCE_PATH": str(self.run_dir / "instance"),
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_BASE_URL": self.double.url,
            **self.overrides,
        }
        self.owner_env = {**self.env, "LOKET_DATABASE_URL": self.database_url(OWNER)}
        lines = [f"{k}={v}" for k, v in sorted(self.env.items())
                 if k.startswith(("LOKET_", "TWILIO_"))]
        (self.run_dir / "env").write_text("\n".join(lines) + "\n")

    def start_redis(self) -> None:
        """Start Redis with AOF every second and no eviction, in the run folder."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("the production shape needs redis-server")
        self.redis = Proc("redis", [
            binary, "--port", str(self.redis_port), "--bind", "127.0.0.1",
            "--dir", str(self.run_dir / "redis"), "--save", "", "--appendonly", "yes",
            "--appendfsync", "everysec", "--maxmemory", "1gb",
            "--maxmemory-policy", "noeviction"], self.env, self.run_dir / "logs" / "redis.log")
        self.redis.start()
        wait_until(self.redis_answers, START_LIMIT_S, "Redis")

    def redis_answers(self) -> bool:
        """Tell whether Redis answers a PING."""
        from redis import Redis

        client = Redis.from_url(self.redis_url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()

    def migrate(self) -> None:
        """Migrate as the owner, then grant the application's role what it needs."""
        self.loket_cli(["db", "upgrade"], owner=True)
        self.loket_cli(["db", "grant", "--app-role", APP_ROLE], owner=True)

    def loket_cli(self, args: list[str], *, owner: bool = False, stdin: str = "") -> str:
        """Run one `loket` command to its end; return what it printed."""
        done = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
            [sys.executable, "-m", "loket.cli", *args], cwd=ROOT, input=stdin, text=True,
            env=self.owner_env if owner else self.env, capture_output=True, timeout=120,
            check=False)
        if done.returncode:
            raise RuntimeError(f"loket {' '.join(args[:2])} failed: {done.stderr.strip()}")
        return done.stdout

    def loket(self, name: str, args: list[str]) -> Proc:
        """Return a `loket` process of the shape (not started)."""
        return Proc(name, [sys.executable, "-m", "loket.cli", *args], self.env,
                    self.run_dir / "logs" / f"{name}.log")

    def start_nginx(self) -> None:
        """Make the run's certificate and start nginx in front of the two web processes."""
        tls = self.run_dir / "tls"
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(tls / "key.pem"), "-out", str(tls / "cert.pem")])
        for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.run_dir / "nginx" / folder).mkdir(exist_ok=True)
        conf = self.run_dir / "nginx" / "nginx.conf"
        conf.write_text(NGINX_CONF.format(run=self.run_dir, port=self.port,
                                          web1=self.web_ports[0], web2=self.web_ports[1]))
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.nginx = Proc("nginx", [binary, "-p", str(self.run_dir / "nginx"), "-c", str(conf),
                                    "-g", "daemon off;"], self.env,
                          self.run_dir / "logs" / "nginx.log")
        self.nginx.start()

    def get(self, path: str, port: int | None = None) -> int:
        """Return the status of a GET (through nginx unless a web port is given)."""
        if port is None:
            url, context = self.url + path, self.ssl_context()
        else:
            url, context = f"http://127.0.0.1:{port}{path}", None
        with urllib.request.urlopen(url, timeout=5, context=context) as answer:  # noqa: S310
            return int(answer.status)

    def wait_web(self, port: int) -> None:
        """Wait until one web process answers its health check."""
        wait_until(lambda: self.get("/healthz", port) == 200, START_LIMIT_S,
                   f"the web process on port {port}")

    def stop(self) -> None:
        """Stop everything that runs and drop the cluster; the run folder stays."""
        for proc in (self.nginx, *self.web, *self.schedulers, *self.workers, self.redis):
            if proc is not None:
                proc.stop()
        if self.double is not None:
            self.double.stop()
        if self.version:
            drop_cluster(self.version, self.cluster)

    # --- faults

    def kill_worker(self, index: int) -> int:
        """SIGKILL a worker and its work horse, then start it again (as systemd would)."""
        worker = self.workers[index]
        killed = worker.kill()
        worker.start()
        return killed

    def kill_web(self, index: int, down_s: float = 2.0, *, wait: bool = True) -> None:
        """SIGKILL a web process (gunicorn and its workers); start it again after `down_s`
        (in the background unless `wait`: then return once it answers)."""
        web = self.web[index]
        web.kill()

        def again() -> None:
            time.sleep(down_s)
            web.start()
            self.wait_web(self.web_ports[index])

        if wait:
            again()
        else:
            threading.Thread(target=again, daemon=True).start()

    def restart_redis(self, *, empty: bool, down_s: float = 1.0) -> None:
        """Restart Redis: a clean restart keeps its AOF; an empty one loses everything (as a
        failover to a replica that had nothing would)."""
        assert self.redis is not None  # noqa: S101 - started
        if empty:
            self.redis.kill()
            shutil.rmtree(self.run_dir / "redis")
            (self.run_dir / "redis").mkdir()
        else:
            self.redis.stop()
        time.sleep(down_s)
        self.redis.start()
        wait_until(self.redis_answers, START_LIMIT_S, "Redis")

    def restart_postgres(self) -> None:
        """Restart PostgreSQL (fast: every open session cut)."""
        self.pg_ctl("restart")

    def alive(self) -> list[str]:
        """Return the names of the parts that should run and do not."""
        parts = [self.nginx, self.redis, *self.web, *self.workers, *self.schedulers]
        return [p.name for p in parts if p is not None and not p.alive()]


@contextmanager
def running(shape: Shape) -> Iterator[Shape]:
    """Start the shape; stop it whatever happens (SIGTERM from `timeout` or a CI runner
    included, so no process outlives the suite and the cluster is dropped)."""

    def stop_on_term(_signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(143)

    previous = signal.signal(signal.SIGTERM, stop_on_term)
    try:
        shape.start()
        try:
            yield shape
        finally:
            shape.stop()
    finally:
        signal.signal(signal.SIGTERM, previous)


def main() -> int:
    """Start the shape, print where it is, wait for Ctrl-C, stop it."""
    shape = Shape()
    print(f"starting the production shape in {shape.run_dir} ...", flush=True)
    shape.start()
    print(f"Loket (nginx, TLS): {shape.url}  (certificate: {shape.cafile})")
    print(f"web processes: {', '.join(str(p) for p in shape.web_ports)}; PostgreSQL cluster "
          f"{shape.version}/{shape.cluster} on {shape.pg_port}; Redis {shape.redis_url}")
    assert shape.double is not None  # noqa: S101 - started
    print(f"Twilio REST double: {shape.double.url}; settings: {shape.run_dir / 'env'}; "
          f"logs: {shape.run_dir / 'logs'}")
    print("Ctrl-C stops it.", flush=True)
    try:
        # Blocked, the signals wait for sigwait instead of ending the process at once.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        shape.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
