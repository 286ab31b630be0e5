"""`loket audit --contact REF` (one contact's NEN 7513 trail) and `loket audit verify`.

The trail is printed oldest first, one line a row, tab-separated under a header: the time
in Amsterdam, the event, who (the user's e-mail, else the actor), on whose behalf, from
where, the detail. Printing a trail is itself an audit line (`trail`, actor `cli`).
`verify` seals what is not sealed yet, then recomputes the chain: exit 0 when intact, 1
at the first broken link, which it names. Bad input exits 2 naming the option.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from loket.cli.common import build_app, fail, say, text
from loket.cli.help import Group

if TYPE_CHECKING:
    from loket.domain.audit_chain import ChainReport

MAX_REFERENCE = 16


@click.group("audit", cls=Group, invoke_without_command=True)
@click.option("--contact", "reference", metavar="REF",
              help="A contact's reference: print its trail, oldest first.")
@click.pass_context
def audit_group(ctx: click.Context, reference: str | None) -> None:
    """The NEN 7513 audit trail: one contact's trail (--contact REF), or `verify` the
    tamper-evident chain over the whole trail."""
    if ctx.invoked_subcommand is not None:
        if reference is not None:
            fail(text("audit_contact_and_command"))
        return
    if reference is None:
        fail(text("audit_contact_needed"))
    print_trail(reference)


def print_trail(reference: str) -> None:
    """Print one contact's trail and audit that it was printed; exit 2 for no such contact."""
    from sqlmodel import select

    from loket.domain import audit, audit_chain
    from loket.domain.callbacks import AMSTERDAM
    from loket.domain.erasure import as_reference
    from loket.store.db import read_scope, session_scope
    from loket.store.models import Contact

    reference = as_reference(reference)  # as `loket erase` and the trail page read it
    if not reference or len(reference) > MAX_REFERENCE:
        fail(text("audit_reference_length", n=MAX_REFERENCE))
    app = build_app()
    engine = app.extensions["loket.engine"]
    with app.app_context():
        with read_scope(engine) as session:
            lines = audit_chain.trail(session, reference)
            known = session.exec(select(Contact.id).where(Contact.reference == reference)).first()
        if not lines and known is None:
            fail(text("audit_no_contact", reference=reference))
        with session_scope(engine) as session:
            contact = session.exec(select(Contact).where(Contact.reference == reference)).first()
            audit.record(session=session, event="trail", contact=contact, actor="cli",
                         detail="" if contact else f"trail of {reference} (erased)",
                         source="cli")
    say("audit_header")
    for line in lines:
        click.echo("\t".join((
            line.at.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M:%S %Z"),
            line.event,
            line.who,
            line.on_behalf_of or "-",
            line.source or "-",
            line.detail or "-",
        )))


@audit_group.command("verify")
def verify_command() -> None:
    """Seal the rows not sealed yet, then recompute the whole chain: exit 0 when intact,
    1 naming the first broken row."""
    from loket.domain import audit_chain
    from loket.store.db import read_scope, session_scope

    app = build_app()
    engine = app.extensions["loket.engine"]
    with app.app_context():
        try:
            audit_chain.seal_all(lambda: session_scope(engine))
        except audit_chain.SealBusy:
            click.echo(text("audit_seal_busy"), err=True)
        with read_scope(engine) as session:
            report = audit_chain.verify(session)
    click.echo(describe(report))
    if not report.intact:
        raise SystemExit(1)


def describe(report: ChainReport) -> str:
    """Say in one line, in the locale's language, what `verify` found."""
    if report.intact:
        if report.unsealed:
            return text("audit_intact_waiting", sealed=report.sealed, unsealed=report.unsealed)
        return text("audit_intact", sealed=report.sealed)
    return text(f"audit_{report.problem or 'changed'}", row=report.broken_at,
                sealed=report.sealed)
