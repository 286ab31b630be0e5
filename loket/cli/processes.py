"""`loket serve`, `loket worker`, `loket scheduler` and `loket dev`."""

from __future__ import annotations

import os
import sys

import click

from loket.cli.common import build_app, fail, text
from loket.cli.help import Command
from loket.devserver import DevSupervisor
from loket.gunicorn_conf import MULTIPROCESS_DIR, private_metrics_dir

# How `loket serve` runs gunicorn unless told: two worker processes of eight threads each.
# Measured on a 2-core machine, runs alternated. Alone with its database (bench/bench_intake.py,
# no job workers), fewer threads answer a flood of identical texts with a shorter tail: at
# 200 a second on PostgreSQL, p99 20-41 ms with 2 x 3 against 70-297 ms with 2 x 8 (a
# worker's threads mostly wait for one another's GIL); the desk's poll came out the same
# with 3, 4 or 8 threads. But at production's shape (proof/load.py at 150 requests/s: two
# `serve`s behind nginx, job workers, a mix of webhooks, pages and reports; more than the
# machine can answer quickly), three threads fell much further behind than eight: 3-4% of
# requests given up and p50 6-9 s with 2 x 3 (two runs), 2.7% with 2 x 5, none given up and
# p50 1.3-1.7 s with 2 x 8 (two runs); the job workers took more of the cores when the web
# processes had fewer threads. Eight it stays.
WORKERS = 2
THREADS = 8
APP = "loket.app:create_app()"


def gunicorn_argv(
    port: int,
    workers: int,
    host: str = "0.0.0.0",  # noqa: S104
    *,
    threads: int = THREADS,
    app: str = APP,
    pythonpath: str | None = None,
) -> list[str]:
    """Return the command line that serves `app` under gunicorn (the benchmarks serve their
    own wrappers and the baseline app with it, from `pythonpath`)."""
    return [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--timeout", "30",
        "--graceful-timeout", "10",
        "--keep-alive", "5",
        # gunicorn's control socket is one path per user: a second `loket serve` on the
        # machine would take it over from the first. Loket does not use it.
        "--no-control-socket",
        # Its hooks keep the metrics directory of PROMETHEUS_MULTIPROC_DIR (see there).
        "--config", "python:loket.gunicorn_conf",
        *(("--pythonpath", pythonpath) if pythonpath else ()),
        app,
    ]  # fmt: skip


@click.command("serve", cls=Command)
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port to listen on (default $LOKET_PORT, $PORT or 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=WORKERS, show_default=True,
              help="Web processes.")
@click.option("--threads", type=click.IntRange(1, 64), default=THREADS, show_default=True,
              help="Threads per web process.")
@click.option("--host", default="0.0.0.0", show_default=True)  # noqa: S104
def serve_command(port: int | None, workers: int, threads: int, host: str) -> None:
    """Serve the web app under gunicorn."""
    from loket.store.db import get_engine
    from loket.store.postgres import warn_when_autovacuum_off

    app = build_app()
    port = port or app.config["LOKET"].port
    engine = get_engine(app)
    warn_when_autovacuum_off(engine)
    engine.dispose()  # gunicorn's workers open their own connections
    argv = gunicorn_argv(port, workers, host, threads=threads)
    # One scrape of /metrics sums every worker of this tree (gunicorn removes it on exit).
    os.environ[MULTIPROCESS_DIR] = private_metrics_dir()
    os.execv(sys.executable, argv)  # noqa: S606


@click.command("worker", cls=Command)
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker with RQ's scheduler (delayed jobs and retries); survives Redis outages."""
    from loket.queue.connection import make_process_redis
    from loket.queue.worker import run_worker

    app = build_app()
    url = app.config["LOKET"].redis_url
    if not url:
        fail(text("worker_redis"))
    run_worker(app, make_process_redis(url), burst=burst)


@click.command("scheduler", cls=Command)
def scheduler_command() -> None:
    """Run the periodic jobs (the outbox reconciler); survives Redis outages."""
    from loket.queue.connection import make_process_redis
    from loket.queue.scheduler import run_scheduler

    app = build_app()
    url = app.config["LOKET"].redis_url
    if not url:
        fail(text("scheduler_redis"))
    run_scheduler(make_process_redis(url))


@click.command("dev", cls=Command)
@click.option("--port", type=click.IntRange(1, 65535),
              help="Port of the web app (default $LOKET_PORT, $PORT or 8000).")
@click.option("--no-demo", is_flag=True, help="Do not seed demo data into an empty database.")
def dev_command(port: int | None, no_demo: bool) -> None:
    """Run web, worker, scheduler and an embedded Redis as one process tree."""
    app = build_app()
    settings = app.config["LOKET"]
    supervisor = DevSupervisor(settings, port=port or settings.port, seed_demo=not no_demo)
    raise SystemExit(supervisor.run())

