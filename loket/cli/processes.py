"""`loket serve`, `loket worker`, `loket scheduler` and `loket dev`."""

from __future__ import annotations

import os
import sys

import click

from loket.cli.common import build_app, fail
from loket.gunicorn_conf import MULTIPROCESS_DIR, private_metrics_dir


def gunicorn_argv(port: int, workers: int, host: str = "0.0.0.0") -> list[str]:  # noqa: S104
    """Return the command line that serves the app under gunicorn."""
    return [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", "8",
        "--timeout", "30",
        "--graceful-timeout", "10",
        "--keep-alive", "5",
        # gunicorn's control socket is one path per user: a second `loket serve` on the
        # machine would take it over from the first. Loket does not use it.
        "--no-control-socket",
        # Its hooks keep the metrics directory of PROMETHEUS_MULTIPROC_DIR (see there).
        "--config", "python:loket.gunicorn_conf",
        "loket.app:create_app()",
    ]  # fmt: skip


@click.command("serve")
@click.option("--port", type=int, help="Port to listen on (default $LOKET_PORT, $PORT or 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--host", default="0.0.0.0", show_default=True)  # noqa: S104
def serve_command(port: int | None, workers: int, host: str) -> None:
    """Serve the web app under gunicorn."""
    app = build_app()
    port = port or app.config["LOKET"].port
    argv = gunicorn_argv(port, workers, host)
    # One scrape of /metrics sums every worker of this tree (gunicorn removes it on exit).
    os.environ[MULTIPROCESS_DIR] = private_metrics_dir()
    os.execv(sys.executable, argv)  # noqa: S606


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker with RQ's scheduler (delayed jobs and retries); survives Redis outages."""
    from loket.queue.connection import make_process_redis
    from loket.queue.worker import run_worker

    app = build_app()
    url = app.config["LOKET"].redis_url
    if not url:
        fail("LOKET_REDIS_URL: the worker needs Redis (`loket dev` starts one for you)")
    run_worker(app, make_process_redis(url), burst=burst)


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the periodic jobs (the outbox reconciler); survives Redis outages."""
    from loket.queue.connection import make_process_redis
    from loket.queue.scheduler import run_scheduler

    app = build_app()
    url = app.config["LOKET"].redis_url
    if not url:
        fail("LOKET_REDIS_URL: the scheduler needs Redis (`loket dev` starts one for you)")
    run_scheduler(make_process_redis(url))


@click.command("dev")
@click.option("--port", type=int, help="Port of the web app (default $LOKET_PORT, $PORT or 8000).")
@click.option("--no-demo", is_flag=True, help="Do not seed demo data into an empty database.")
def dev_command(port: int | None, no_demo: bool) -> None:
    """Run web, worker, scheduler and an embedded Redis as one process tree."""
    from loket.devserver import DevSupervisor

    app = build_app()
    settings = app.config["LOKET"]
    supervisor = DevSupervisor(settings, port=port or settings.port, seed_demo=not no_demo)
    raise SystemExit(supervisor.run())
