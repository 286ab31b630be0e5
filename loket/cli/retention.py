"""`loket erase --contact REF` (one person's data removed, on request) and `loket purge`
(the retention now: personal data past each desk's period removed).

Both keep the counts the reports need and the audit trail, and write an audit line for
every contact they change. A reference is found however its spaces, dashes and capitals were
typed; one that does not exist, or a database never migrated, exits 2 naming what is wrong.
"""

from __future__ import annotations

import click

from loket.cli.common import build_app, fail, say, text
from loket.cli.help import Command
from loket.cli.users import UNREADY

MAX_REFERENCE = 16


@click.command("erase", cls=Command)
@click.option("--contact", "reference", required=True, metavar="REF",
              help="The reference of a contact of the person whose data is to be erased.")
def erase_command(reference: str) -> None:
    """Erase one person's data: this contact, their other contacts with the same number,
    and the flags on that number. The audit trail keeps that it happened."""
    from loket.domain import erasure
    from loket.store.db import session_scope

    reference = erasure.as_reference(reference)
    if not reference or len(reference) > MAX_REFERENCE:
        fail(text("erase_reference"))
    app = build_app()
    try:
        with app.app_context(), session_scope(app.extensions["loket.engine"]) as session:
            erased = erasure.erase(session=session, reference=reference, actor="cli")
    except erasure.NoSuchContact:
        fail(text("erase_no_contact", reference=reference))
    except UNREADY:
        fail(text("no_tables"))
    say("erased", n=len(erased), references=", ".join(erased))


@click.command("purge", cls=Command)
@click.option("--dry-run", is_flag=True,
              help="Only count, per desk, the contacts the retention would anonymise now; "
                   "changes nothing (not audited: it reads no one's data).")
def purge_command(dry_run: bool) -> None:
    """Run the retention now: remove the personal data of every contact past its desk's
    period (LOKET_RETENTION_DAYS, LOKET_RETENTION_DESK_DAYS)."""
    from loket.domain import erasure
    from loket.store.db import read_scope, session_scope

    app = build_app()
    settings = app.config["LOKET"]
    retention = erasure.Retention(days=settings.retention_days,
                                  by_desk=settings.retention_by_desk)
    engine = app.extensions["loket.engine"]
    try:
        with app.app_context():
            if dry_run:
                with read_scope(engine) as session:
                    per_desk = erasure.due_by_desk(session, retention)
            else:
                done = erasure.retain(lambda: session_scope(engine), retention)
    except UNREADY:
        fail(text("no_tables"))
    if not dry_run:
        say("purged", n=done, days=settings.retention_days,
            by_desk="".join(f", {d} {n}" for d, n in settings.retention_by_desk.items()))
        return
    say("purge_dry_header")
    for desk, n in per_desk.items():
        days = settings.retention_by_desk.get(desk or "", settings.retention_days)
        name = desk if desk is not None else text("purge_dry_no_desk")
        click.echo(f"{name}\t{n}\t{text('purge_dry_days', n=days)}")
    say("purge_dry_total", n=sum(per_desk.values()))
    say("purge_dry_nothing")
