"""The app a job runs in: set by `loket worker` (or a test), built from the environment else."""

from __future__ import annotations

import os

from flask import Flask

_app: Flask | None = None
_pid: int = 0


def set_job_app(app: Flask | None) -> None:
    """Make this app the one jobs run in."""
    global _app, _pid
    _app, _pid = app, os.getpid()


def job_app() -> Flask:
    """Return the app jobs run in; a forked work horse drops the pool it inherited."""
    global _app, _pid
    if _app is None:
        from loket.app import create_app

        set_job_app(create_app())
    assert _app is not None  # noqa: S101 - set just above
    if _pid != os.getpid():
        _app.extensions["loket.engine"].dispose(close=False)
        _pid = os.getpid()
    return _app
