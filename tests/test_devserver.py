"""The `loket dev` supervisor: a child that dies is named with why, the instance folder is
claimed by one run, and what a killed run left behind is stopped by the next."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

from loket.cli.dev_instance import InstanceClaim
from loket.config import load_settings
from loket.devserver import DevSupervisor


class _Healthz(BaseHTTPRequestHandler):
    ready_at = 0.0

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        self.send_response(200 if time.monotonic() >= self.ready_at else 503)
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        return


@pytest.fixture
def healthz_port() -> Iterator[int]:
    """A /healthz that answers 503 for a second, then 200 (a web app starting)."""
    _Healthz.ready_at = time.monotonic() + 1.0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Healthz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _supervisor(tmp_path: Path, port: int) -> DevSupervisor:
    settings = load_settings(environ={"LOKET_INSTANCE_PATH": str(tmp_path)})
    return DevSupervisor(settings, port=port, seed_demo=False)


def test_a_worker_that_dies_while_the_web_app_starts_is_started_again(
    tmp_path: Path, healthz_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    supervisor = _supervisor(tmp_path, healthz_port)
    marker = tmp_path / "runs"
    # Dies at once on its first start (as a worker missing Redis would), then keeps running.
    script = (
        "import os, sys, time\n"
        f"first = not os.path.exists({str(marker)!r})\n"
        f"open({str(marker)!r}, 'a').write('x')\n"
        "if first: sys.exit(0)\n"
        "time.sleep(30)\n"
    )
    worker = [sys.executable, "-c", script]
    try:
        supervisor.spawn("web", ["sleep", "30"], {})
        supervisor.spawn("worker", worker, {})
        assert supervisor.wait_healthy() is True
    finally:
        supervisor.stop_all()
    assert "worker stopte met status 0; opnieuw gestart" in capsys.readouterr().out
    assert marker.read_text() == "xx"


def test_the_web_app_dying_while_it_starts_is_reported(
    tmp_path: Path, healthz_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    supervisor = _supervisor(tmp_path, healthz_port)
    try:
        supervisor.spawn("web", [sys.executable, "-c", "raise SystemExit(3)"], {})
        supervisor.spawn("worker", ["sleep", "30"], {})
        assert supervisor.wait_healthy() is False
    finally:
        supervisor.stop_all()
    assert "web stopte tijdens het starten met status 3" in capsys.readouterr().out


def test_a_killed_child_is_named_with_the_signal_that_killed_it(
    tmp_path: Path, healthz_port: int, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    supervisor = _supervisor(tmp_path, healthz_port)
    try:
        supervisor.spawn("web", ["sleep", "30"], {})
        worker = supervisor.spawn("worker", ["sleep", "30"], {})
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait(10)
        assert supervisor.wait_healthy() is True
    finally:
        supervisor.stop_all()
    assert "worker was killed by signal SIGKILL; started again" in capsys.readouterr().out


@pytest.fixture
def own_signals() -> Iterator[None]:
    """`run()` takes SIGINT and SIGTERM; give them back to pytest afterwards."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_an_instance_folder_it_cannot_write_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], own_signals: None
) -> None:
    # /sys takes no new files, not even from root (a folder of mode 0500 would stop any other).
    supervisor = _supervisor(tmp_path, 1)
    supervisor.settings = dataclasses.replace(supervisor.settings, instance_path="/sys/kernel")
    assert supervisor.run() == 2
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("loket dev: kan niet schrijven in de instance-map /sys/kernel (")
    assert "LOKET_INSTANCE_PATH" in lines[0]


def test_ctrl_c_while_a_step_runs_stops_the_step_and_says_no_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    supervisor = _supervisor(tmp_path, 1)
    threading.Timer(0.5, lambda: setattr(supervisor, "stopping", True)).start()
    started = time.monotonic()
    supervisor.run_step([sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ))
    assert time.monotonic() - started < 5
    assert "mislukte" not in capsys.readouterr().out


def test_a_second_claim_on_the_instance_folder_names_the_run_that_holds_it(
    tmp_path: Path,
) -> None:
    first = InstanceClaim.take(tmp_path, 8765)
    try:
        with pytest.raises(RuntimeError) as refused:
            InstanceClaim.take(tmp_path, 8766)
    finally:
        first.release()
    assert f"(pid {os.getpid()}, http://127.0.0.1:8765/)" in str(refused.value)
    assert str(tmp_path) in str(refused.value)
    InstanceClaim.take(tmp_path, 8766).release()  # free again once the first let go


def test_what_a_killed_run_left_running_is_stopped_by_the_next(tmp_path: Path) -> None:
    # A run killed where its children outlive it (no PDEATHSIG: macOS; or a child that was
    # stopped): its Redis keeps running on the instance's data until the next run stops it.
    orphan = subprocess.Popen(["sleep", "60"], start_new_session=True)  # noqa: S607
    killed_run = InstanceClaim.take(tmp_path, 8765)
    killed_run.record([("redis", orphan.pid)])
    killed_run.release()  # what the kernel does when the supervisor is killed
    unrelated = subprocess.Popen(["sleep", "60"], start_new_session=True)  # noqa: S607
    try:
        next_run = InstanceClaim.take(tmp_path, 8765)
        started = time.monotonic()
        assert next_run.stop_leftovers() == [("redis", orphan.pid)]
        assert time.monotonic() - started < 5
        assert not psutil.pid_exists(orphan.pid)  # stopped (and, our child here, reaped)
        assert next_run.stop_leftovers() == []  # said once, not again
        assert unrelated.poll() is None
        next_run.release()
    finally:
        for process in (orphan, unrelated):
            process.kill()
            process.wait()
