"""The audit trail made tamper-evident (NEN 7513: protected like the data itself), and read.

The chain. Every `audit_event` row gets one `audit_seal` row, in id order:

    hash(row) = SHA-256( canonical(previous link's hash, row) ),  the first link's previous
                hash being 64 zeros,
    canonical = UTF-8 of the JSON array [previous hash, id, at, event, contact_reference,
                user_id, on_behalf_of, actor, detail, source] with no spaces
                (`separators=(",", ":")`, `ensure_ascii=False`), `at` in ISO 8601 UTC with
                microseconds (`2026-12-03T23:40:01.123456+00:00`), empty fields as null.

Anyone can recompute it from the two tables. `verify` names the first link that breaks: a
changed row or seal (the hash does not match), a deleted sealed row (a seal without its
row), a deleted seal (a row left unsealed below sealed ones). Rows not sealed yet, above
the last seal, are counted, not an error. Removing the newest rows together with their
seals cannot be seen from the tables alone: the sealing job logs the newest link's hash,
so the log holds the chain's tip outside the database.

One chain, however many sealers (production runs two schedulers): `seal` holds a lock,
waited for at most `wait_s`. On PostgreSQL the lock is `audit_event` in SHARE ROW EXCLUSIVE
mode: only one sealer holds it, and it waits for the transactions still writing audit rows,
so no row can commit later with an id below the sealed ones (ids come from a sequence and
commit out of order). New audit rows wait while a sealer holds or waits for it: at most
`wait_s` plus the seal itself (milliseconds); the lock is taken only when there is
something to seal. (LOCK TABLE in this mode needs UPDATE, DELETE or TRUNCATE privilege on
`audit_event`: the triggers, not the privileges, keep the trail append-only.) On SQLite the
unit of work's write lock (`BEGIN IMMEDIATE`, the busy timeout) does both already. The
primary key of `audit_seal` refuses a second seal of a row in any case.

The trail. `trail` reads one contact's lines (all, or a page of them: `trail_size` counts
them), oldest first, with who acted; who may read it is `access.can(user, "trail", contact)`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.sql import Select
from sqlmodel import Session, col, text

from loket.store.models import AuditEvent, AuditSeal, User, table_of
from loket.store.snapshots import is_postgres, snapshot
from loket.store.types import utcnow

GENESIS = "0" * 64
SEAL_LIMIT = 1_000  # rows sealed per call: the lock is held for milliseconds
# How long a sealer waits for the lock on PostgreSQL (SQLite: the busy timeout). Short:
# while it waits, new audit rows (the intake's too) wait behind it; a sealer that gives up
# leaves the rows to the next run, 10 s later.
WAIT_S = 0.25
PAGE = 1_000  # rows read per query while verifying
Problem = Literal["changed", "row_deleted", "seal_missing"]


class SealBusy(Exception):
    """Another sealer (or a long writer) held the lock longer than the sealer would wait."""


@dataclass(frozen=True)
class Sealed:
    """What one call of `seal` did: rows sealed, and the chain's newest link after it."""

    count: int
    tip_id: int | None
    tip_hash: str


@dataclass(frozen=True)
class ChainReport:
    """What `verify` found: rows sealed and intact, rows not sealed yet, the first break."""

    sealed: int
    unsealed: int
    broken_at: int | None = None  # the audit id where the chain first breaks
    problem: Problem | None = None

    @property
    def intact(self) -> bool:
        """Tell whether every sealed row and seal is as it was sealed."""
        return self.broken_at is None


def canonical(previous: str, row: Any) -> bytes:
    """Return the bytes one link hashes: the previous hash and the row's fields, in order."""
    at: datetime = row.at
    fields = [
        previous,
        row.id,
        at.astimezone(UTC).isoformat(timespec="microseconds"),
        row.event,
        row.contact_reference,
        row.user_id,
        row.on_behalf_of,
        row.actor,
        row.detail,
        row.source,
    ]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def link(previous: str, row: Any) -> str:
    """Return a row's link: SHA-256 (hex) over the previous link's hash and the row."""
    return hashlib.sha256(canonical(previous, row)).hexdigest()


def tip(session: Session) -> tuple[int | None, str]:
    """Return the newest link: its audit id and hash (None and 64 zeros before the first)."""
    newest = session.execute(
        select(col(AuditSeal.audit_id), col(AuditSeal.hash))
        .order_by(col(AuditSeal.audit_id).desc())
        .limit(1)
    ).first()
    return (newest.audit_id, newest.hash) if newest is not None else (None, GENESIS)


def unsealed_after(session: Session, audit_id: int | None, limit: int) -> Sequence[Any]:
    """Return up to `limit` audit rows after this id, in id order."""
    query = select(*table_of(AuditEvent).columns).order_by(col(AuditEvent.id)).limit(limit)
    if audit_id is not None:
        query = query.where(col(AuditEvent.id) > audit_id)
    return session.execute(query).all()


def take_lock(session: Session, wait_s: float) -> None:
    """Hold the sealers' lock until the transaction ends; SealBusy after the bounded wait.

    PostgreSQL waits at most `wait_s`; SQLite's write lock at most the busy timeout.
    """
    try:
        if is_postgres(session):
            session.execute(text("SELECT set_config('lock_timeout', :ms, true)"),
                            {"ms": f"{max(1, round(wait_s * 1000))}ms"})
            # LOCK TABLE audit_event IN SHARE ROW EXCLUSIVE MODE, by the tables' owner
            # (migration 0011): the application's role may not change audit rows.
            session.execute(text("SELECT loket_lock_audit()"))
        else:
            session.connection()  # BEGIN IMMEDIATE: the write lock
    except OperationalError as exc:
        raise SealBusy("the audit chain's lock was not free in time") from exc


def seal(session: Session, *, limit: int = SEAL_LIMIT, wait_s: float = WAIT_S) -> Sealed:
    """Link up to `limit` not yet sealed audit rows onto the chain, in id order.

    Runs in the caller's unit of work (the seals are written when it commits). Seals only
    rows after the newest link: a row left unsealed below it is for `verify` to report,
    never repaired here. SealBusy when the lock was not free in time. On PostgreSQL the
    lock is taken only when there is something to seal.
    """
    postgres = is_postgres(session)
    if not postgres:
        take_lock(session, wait_s)
    tip_id, previous = tip(session)
    if not unsealed_after(session, tip_id, 1):
        return Sealed(0, tip_id, previous)
    if postgres:
        take_lock(session, wait_s)
        tip_id, previous = tip(session)  # another sealer may have moved it meanwhile
    rows = unsealed_after(session, tip_id, limit)
    if not rows:
        return Sealed(0, tip_id, previous)
    now = utcnow()
    seals = []
    for row in rows:
        previous = link(previous, row)
        seals.append({"audit_id": row.id, "hash": previous, "sealed_at": now})
    # Rows, not objects: a seal is never read back or changed in this unit of work.
    session.execute(insert(table_of(AuditSeal)), seals)
    return Sealed(len(seals), rows[-1].id, previous)


def seal_all(unit_of_work: Callable[[], AbstractContextManager[Session]], *,
             limit: int = SEAL_LIMIT, wait_s: float = WAIT_S) -> Sealed:
    """Seal every row not sealed yet, `limit` rows per unit of work; return how many, and
    the newest link. `unit_of_work()` opens one (`session_scope(engine)`)."""
    total = 0
    while True:
        with unit_of_work() as session:
            done = seal(session, limit=limit, wait_s=wait_s)
        total += done.count
        if done.count < limit:
            return Sealed(total, done.tip_id, done.tip_hash)


def pages(session: Session, query: Select[*tuple[Any, ...]], key: Any) -> Iterator[Any]:
    """Yield a query's rows in `key` order, `PAGE` rows per statement (keyset paging)."""
    after: int | None = None
    while True:
        page = query.order_by(key).limit(PAGE)
        if after is not None:
            page = page.where(key > after)
        rows = session.execute(page).all()
        yield from rows
        if len(rows) < PAGE:
            return
        after = rows[-1][0]


def verify(session: Session) -> ChainReport:
    """Recompute the chain from the first row; report the first broken link, if any.

    Call it on a fresh session that only reads (`read_scope`): it reads in one snapshot.
    """
    snapshot(session)
    events = pages(session, select(*table_of(AuditEvent).columns), col(AuditEvent.id))
    seals = pages(session, select(col(AuditSeal.audit_id), col(AuditSeal.hash)),
                  col(AuditSeal.audit_id))
    row, mark = next(events, None), next(seals, None)
    previous, sealed, unsealed = GENESIS, 0, 0
    first_unsealed: int | None = None
    while row is not None or mark is not None:
        if row is not None and (mark is None or row.id < mark.audit_id):
            # A row without a seal: waiting for the sealer above the newest seal; below
            # it, a seal was deleted (reported once a later seal shows up).
            unsealed += 1
            if first_unsealed is None:
                first_unsealed = row.id
            row = next(events, None)
            continue
        assert mark is not None  # noqa: S101 - the loop's condition and the branch above
        if first_unsealed is not None:
            return ChainReport(sealed, unsealed, first_unsealed, "seal_missing")
        if row is None or row.id > mark.audit_id:
            return ChainReport(sealed, 0, mark.audit_id, "row_deleted")
        if link(previous, row) != mark.hash:
            return ChainReport(sealed, 0, row.id, "changed")
        previous, sealed = mark.hash, sealed + 1
        row, mark = next(events, None), next(seals, None)
    return ChainReport(sealed, unsealed)


def describe(report: ChainReport) -> str:
    """Say in one line what `verify` found (for the command line and the log)."""
    if report.intact:
        waiting = f", {report.unsealed} not sealed yet" if report.unsealed else ""
        return f"intact: {report.sealed} rows sealed{waiting}"
    what = {
        "changed": "does not match its seal: the row or its seal was changed, or a sealed "
                   "row before it was deleted with its seal",
        "row_deleted": "was deleted: its seal remains",
        "seal_missing": "is not sealed though rows after it are: its seal was deleted, or "
                        "the row was added afterwards",
    }[report.problem or "changed"]
    return (f"broken: audit row {report.broken_at} {what} "
            f"({report.sealed} rows before it intact)")


# --- the trail of one contact -------------------------------------------------------------


@dataclass(frozen=True)
class TrailLine:
    """One line of a contact's trail, with who acted (a user's e-mail and name, if a user)."""

    id: int
    at: datetime
    event: str
    actor: str
    email: str | None
    name: str | None
    on_behalf_of: str | None
    source: str
    detail: str

    @property
    def who(self) -> str:
        """Return who acted: the user's e-mail, else the actor (system, voice, cli, ...)."""
        return self.email or self.actor


def trail(session: Session, reference: str, *, offset: int = 0,
          limit: int | None = None) -> list[TrailLine]:
    """Return one contact's audit lines, oldest first: every one, or (a page) `limit`
    lines from the `offset`-th, read as such from the database."""
    query = (
        select(AuditEvent, col(User.email), col(User.display_name), col(User.name))
        .outerjoin(User, col(User.id) == col(AuditEvent.user_id))
        .where(col(AuditEvent.contact_reference) == reference)
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    )
    if offset or limit is not None:
        query = query.offset(offset).limit(limit)
    rows = session.execute(query).all()
    return [
        TrailLine(
            id=line.id, at=line.at, event=line.event, actor=line.actor, email=email,
            name=(display_name or name or None) if email else None,
            on_behalf_of=line.on_behalf_of, source=line.source, detail=line.detail,
        )
        for line, email, display_name, name in rows
    ]


def has_trail(session: Session, reference: str) -> bool:
    """Tell whether any audit line names this reference (also after the contact's erasure)."""
    return bool(trail_size(session, reference))


def trail_size(session: Session, reference: str) -> int:
    """Return how many audit lines name this reference (also after the contact's erasure)."""
    found: int = session.execute(
        select(func.count()).select_from(AuditEvent)
        .where(col(AuditEvent.contact_reference) == reference)
    ).scalar_one()
    return found
