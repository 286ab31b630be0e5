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
def purge_command() -> None:
    """Run the retention now: remove the personal data of every contact past its desk's
    period (LOKET_RETENTION_DAYS, LOKET_RETENTION_DESK_DAYS)."""
    from loket.domain import erasure
    from loket.store.db import session_scope

    app = build_app()
    settings = app.config["LOKET"]
    retention = erasure.Retention(days=settings.retention_days,
                                  by_desk=settings.retention_by_desk)
    try:
        with app.app_context():
            done = erasure.retain(lambda: session_scope(app.extensions["loket.engine"]),
                                  retention)
    except UNREADY:
        fail(text("no_tables"))
    say("purged", n=done, days=settings.retention_days,
        by_desk="".join(f", {d} {n}" for d, n in settings.retention_by_desk.items()))
