"""The `loket dev` supervisor while the web app starts: a worker that dies meanwhile comes back."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

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
    assert "worker stopte (status 0), opnieuw gestart" in capsys.readouterr().out
    assert marker.read_text() == "xx"


def test_the_web_app_dying_while_it_starts_is_reported(tmp_path: Path, healthz_port: int) -> None:
    supervisor = _supervisor(tmp_path, healthz_port)
    try:
        supervisor.spawn("web", [sys.executable, "-c", "raise SystemExit(3)"], {})
        supervisor.spawn("worker", ["sleep", "30"], {})
        assert supervisor.wait_healthy() is False
    finally:
        supervisor.stop_all()
