"""`loket demo`: demo users of every role and desk, and contacts of the last eight weeks."""

from __future__ import annotations

import os
import secrets
import time
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from loket.cli.common import build_app, fail, text
from loket.cli.dev_texts import DEV_TEXTS
from loket.cli.help import Command
from loket.cli.language import cli_language

if TYPE_CHECKING:
    from loket.demo import DemoSummary

MAX_CONTACTS = 10_000_000
PROGRESS_FROM = 20_000  # print progress for runs at least this large
PROGRESS_STEPS = 20


def _say(key: str, **values: Any) -> None:
    """Print one of the demo's texts in the locale's language."""
    click.echo(DEV_TEXTS.get(key, cli_language(), **values))


class _Progress:
    """Print a line each twentieth of the way through a large run."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.next = 0

    def __call__(self, done: int, total: int) -> None:
        step = max(total // PROGRESS_STEPS, 1)
        if done == 0:  # the contacts start now; the users took their own time
            self.started, self.next = time.monotonic(), step
            return
        if done < self.next and done < total:
            return
        self.next = done + step
        rate = done / max(time.monotonic() - self.started, 1e-6)
        _say("progress", done=f"{done:,}", total=f"{total:,}", rate=f"{rate:,.0f}")


@click.command("demo", cls=Command)
@click.option(
    "--contacts",
    type=click.IntRange(0, MAX_CONTACTS),
    default=2000,
    show_default=True,
    help="How many demo contacts to add, spread over the last eight weeks.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Add nothing when the database already has a user or a contact.",
)
@click.option("--seed", type=click.IntRange(0), help="Random seed: the same seed, the same data.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Processes that plan and write the contacts (default: one per CPU, at most 4); "
    "the data is the same for any number.",
)
def demo_command(contacts: int, if_empty: bool, seed: int | None, workers: int | None) -> None:
    """Add demo users of every role and desk, and routed demo contacts."""
    from loket import demo, rules_runtime
    from loket.domain.calls import Policy

    app = build_app()
    engine = app.extensions["loket.engine"]
    try:
        empty = demo.database_is_empty(engine)
    except (OperationalError, ProgrammingError):
        fail(text("no_tables"))
    if if_empty and not empty:
        _say("not_empty")
        if not app.config["LOKET"].production:
            with app.app_context():
                _second_factors(demo.demo_second_factors(engine))
        return
    seed = secrets.randbelow(2**31) if seed is None else seed
    progress = _Progress() if contacts >= PROGRESS_FROM else None
    workers = workers or min(os.cpu_count() or 1, demo.MAX_WORKERS)
    with app.app_context():
        # The rules in force when the run starts route every demo contact.
        summary = demo.seed_demo(
            engine, decide=rules_runtime.rules(app).decide_json, contacts=contacts, seed=seed,
            progress=progress, policy=Policy.of(app.config["LOKET"]), workers=workers,
        )
    _report(summary)
    _tally(engine, workers)
    if not app.config["LOKET"].production:
        with app.app_context():
            _second_factors(demo.demo_second_factors(engine))


def _tally(engine: Any, workers: int) -> None:
    """Count the new contacts into the report tallies now, as the scheduler would within a
    minute, so the first report reads tallies rather than every contact."""
    from sqlalchemy import text

    from loket.demo import count_tallies

    started = time.monotonic()
    if engine.dialect.name == "postgresql":
        # Fresh statistics after a bulk load: the planner then reads the new rows by index.
        with engine.connect() as conn:
            conn.execute(text("ANALYZE contact, contact_flag, callback_request"))
            conn.commit()
    days = count_tallies(engine, workers)
    _say("tallies", days=days, seconds=f"{time.monotonic() - started:.1f}")


def _report(summary: DemoSummary) -> None:
    """Print what a demo run added."""
    from loket.demo import DEMO_PASSWORD

    rate = summary.contacts / max(summary.seconds, 1e-6)
    _say("users", n=summary.users_created, seconds=f"{summary.users_seconds:.1f}",
         password=DEMO_PASSWORD)
    _say("contacts", n=f"{summary.contacts:,}", seconds=f"{summary.seconds:.1f}",
         rate=f"{rate:,.0f}", seed=summary.seed)
    for key, counts in (
        ("by_channel", summary.by_channel),
        ("by_desk", summary.by_desk),
        ("by_status", summary.by_status),
    ):
        parts = ", ".join(f"{name} {n:,}" for name, n in counts.most_common())
        _say(key, parts=parts or "-")
    _say("crisis", n=f"{summary.crisis:,}")


def _second_factors(logins: list[tuple[str, str]]) -> None:
    """Print the demo logins' second factor: the command for the current code, and each
    secret for an authenticator app (development only)."""
    if not logins:
        return
    _say("second_factor")
    for email, secret in logins:
        click.echo(f"  {email}  {secret}")
