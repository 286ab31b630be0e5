"""gunicorn's hooks for `loket serve` and `loket dev` (`-c python:loket.gunicorn_conf`): the
metrics directory that lets one scrape of /metrics sum every worker.

`loket serve` (and `loket dev` for its web process) makes a fresh private directory per
process tree (`private_metrics_dir`) and names it in PROMETHEUS_MULTIPROC_DIR before gunicorn
starts; each worker writes its figures there (prometheus_client's multiprocess mode). The
hooks below keep it: created and emptied when gunicorn starts, a dead worker's live gauges
dropped, and the directory removed when gunicorn stops.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
PREFIX = "loket-metrics-"


def private_metrics_dir() -> str:
    """Make a fresh directory only this user can read, for one tree's metrics files."""
    return tempfile.mkdtemp(prefix=PREFIX)


def _metrics_dir() -> Path | None:
    path = os.environ.get(MULTIPROCESS_DIR)
    return Path(path) if path else None


def on_starting(_server: Any) -> None:
    """Before any worker: the directory exists and holds no figures of an earlier run."""
    path = _metrics_dir()
    if path is None:
        return
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def child_exit(_server: Any, worker: Any) -> None:
    """A worker ended: its live gauges no longer count (its counters still do)."""
    if _metrics_dir() is None:
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(_server: Any) -> None:
    """gunicorn stops: remove the directory when it is one `private_metrics_dir` made."""
    path = _metrics_dir()
    if path is not None and path.name.startswith(PREFIX):
        shutil.rmtree(path, ignore_errors=True)
