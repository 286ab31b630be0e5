"""The managers' counts per Amsterdam day, exact at every read: the tallies for the days that
did not change since they were counted, the contacts themselves for the days that did.

Four tallies (`loket.store.models`): contacts by channel, desk, queue, outcome, flags and
an overflow's direction as routed (`tally_contact`); contacts and handle times per UTC hour
(`tally_hour`, for the heat map and the capacity plan); phone waits by how they ended
(`tally_wait`); callbacks by status (`tally_callback`). Every row is a count over contacts of
one Amsterdam day; none holds a person's data.

Triggers (migrations 0009 and 0018) mark the UTC hour of every contact whose counted fields, flags
or callback change, in `report_dirty`, in the same transaction as the change. A read takes
one snapshot (`snapshot`): the days with a mark are counted from the contacts by the very
count that fills the tallies (`count_day`), the others read from the tallies. `refresh`
(the scheduler, every minute; `loket demo` at its end, side by side on PostgreSQL with
`refresh_marked`) recounts the marked days into the
tallies and removes the marks it saw, in one transaction: a change committed meanwhile
keeps its mark (on PostgreSQL the refresh reads and deletes in one REPEATABLE READ
snapshot, so a mark it did not see is not deleted). So a report never waits for the
refresh and is never stale; the refresh only keeps the marked days few.

Waits are counted to the second up to ten minutes (every service target is well below),
in steps of 30 s up to an hour, and as 3,600 beyond. A contact's handle time (answer to
close) counts up to two hours (`HANDLE_CAP_S`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    extract,
    func,
    insert,
    literal,
    not_,
    or_,
    text,
)
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from loket.domain import access
from loket.domain.contacts import overflow_direction
from loket.reports.periods import AMSTERDAM, day_start
from loket.store import seed as seed_rows
from loket.store.models import (
    CallbackRequest,
    Contact,
    ContactFlag,
    ReportDirty,
    TallyCallback,
    TallyContact,
    TallyHour,
    TallyWait,
    table_of,
)
from loket.store.snapshots import is_postgres, snapshot

WAIT_EXACT_S = 600
WAIT_STEP_S = 30
WAIT_CAP_S = 3600
# The most one contact's handle time counts (two hours): a text conversation a counsellor
# answered and closed days later was not worked on all that time, and one such contact made
# an hour's mean handle time, and so the capacity plan's staffing, many times too large.
# Migration 0019 has this figure too: a change of it needs a revision that recounts.
HANDLE_CAP_S = 2 * 3600
REFRESH_DAYS = 7  # days recounted per transaction: the write lock is held briefly
REFRESH_LOCK = 0x4C4F4B45  # PostgreSQL advisory lock: one refresh at a time ("LOKE")
DIMENSIONS = ("channel", "desk", "queue")
# The intake step of a caller kept to be called back after leaving the queue unanswered
# (`calls.keep_crisis_open` for a crisis, `voice.queue_failed`; both record their wait).
KEPT_CRISIS_STEP = "callback"
# The callback status counted for a crisis contact's number kept to be called back at once,
# which nobody asked for (`CallbackRequest.asked` false: `raw_callbacks`).
KEPT_CRISIS = "kept"


def hour_of(session: Session, column: Any) -> ColumnElement[int]:
    """Return the SQL for a timestamp as whole UTC hours since 1970."""
    return hour_sql(column, postgres=is_postgres(session))


def hour_sql(column: Any, *, postgres: bool) -> ColumnElement[int]:
    """Return the SQL for a timestamp as whole UTC hours since 1970, on either engine."""
    if postgres:
        return cast(func.floor(extract("epoch", column) / 3600), Integer)
    return cast(func.strftime("%s", column), Integer) // 3600  # stored as UTC text


# SQLite's row triggers that mark the hours of new rows (migration 0009).
SQLITE_INSERT_MARKERS = tuple(f"report_dirty_{table}_insert"
                              for table in ("contact", "contact_flag", "callback_request"))


@contextmanager
def marked_once(conn: Connection, contact_ids: Sequence[int]) -> Iterator[None]:
    """Write a bulk of new contacts (and their flags and callbacks) in the transaction of
    `conn`, marking their hours once at the end instead of once per row.

    On SQLite each inserted row fires a trigger that looks its hour up and marks it: a third
    of a bulk load's time. Here those insert triggers are dropped for the writes and created
    again from their own stored SQL, and the hours of the contacts `contact_ids` are marked
    by one statement, all in the same transaction: SQLite has one writer, so no other
    connection ever writes while the triggers are gone, and a failure rolls it all back.
    The rows written inside must be these contacts and rows that belong to them; the hours
    marked are those of the contacts from the lowest id to the highest (a wider span than
    the ids given only marks more, which costs a recount, never a lost mark). On
    PostgreSQL the triggers are per statement already: nothing changes.
    """
    if conn.dialect.name != "sqlite" or not contact_ids:
        yield
        return
    marks = ", ".join("?" for _ in SQLITE_INSERT_MARKERS)
    triggers = conn.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks})",  # noqa: S608 - placeholders only
        SQLITE_INSERT_MARKERS).all()
    for name, _ in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    hours = sa_select(hour_sql(col(Contact.created_at), postgres=False).label("h")).where(
        col(Contact.id).between(min(contact_ids), max(contact_ids))).subquery()
    conn.execute(insert(ReportDirty).from_select(["hour"], sa_select(hours.c.h).distinct().where(
        hours.c.h.is_not(None),
        ~sa_select(col(ReportDirty.id)).where(col(ReportDirty.hour) == hours.c.h).exists())))
    for _, sql in triggers:
        conn.exec_driver_sql(sql)


def handle_seconds(session: Session) -> ColumnElement[float]:
    """Return the SQL for a contact's handle time in seconds: answer to close, at most
    `HANDLE_CAP_S`."""
    if is_postgres(session):
        seconds = cast(extract("epoch", col(Contact.closed_at) - col(Contact.answered_at)),
                       Float)
        return func.least(seconds, HANDLE_CAP_S)
    return func.min((func.julianday(col(Contact.closed_at))
                     - func.julianday(col(Contact.answered_at))) * 86400.0, HANDLE_CAP_S)


def has_flag(flag: str) -> ColumnElement[bool]:
    """Return the condition that a contact carries a routing flag (a `contact_flag` row).

    A probe of the flag's primary key per contact (a scalar subquery with LIMIT 1): an
    EXISTS here lets PostgreSQL hash every row of that flag first, all time's, for a day.
    """
    found = (sa_select(literal(1)).where(col(ContactFlag.contact_id) == col(Contact.id),
                                         col(ContactFlag.flag) == flag)
             .limit(1).scalar_subquery())
    return found.is_not(None)


def direction(overflow: bool, routed: str | None, desk: str, queue: str) -> str:
    """Return an overflow's direction as counted, "owner>queue": the one its routing
    recorded (`Contact.overflow_direction`), which a transfer leaves alone; for an overflow
    stored without one (a row written around the routing, as some tests seed them), its
    desk and queue as they are. '' for none."""
    if not overflow:
        return ""
    return routed or overflow_direction(desk, queue, ("overflow",)) or ""


def wait_bucket(seconds: int) -> int:
    """Return a wait as counted: seconds to ten minutes, then steps, then a cap."""
    if seconds <= WAIT_EXACT_S:
        return seconds
    if seconds < WAIT_CAP_S:
        return seconds // WAIT_STEP_S * WAIT_STEP_S
    return WAIT_CAP_S


def dims() -> list[ColumnElement[Any]]:
    """Return channel, desk and queue of a contact, '' for none."""
    return [cast(col(Contact.channel), String), func.coalesce(col(Contact.desk), ""),
            func.coalesce(col(Contact.queue), "")]


def facts(session: Session, where: ColumnElement[bool]) -> Select[Any]:
    """Return, per contact, what the contact, hour and wait tallies count: one pass over
    the contacts of a range by their arrival index (a day is counted from one read)."""
    handled = and_(col(Contact.answered_at).is_not(None), col(Contact.closed_at).is_not(None),
                   col(Contact.closed_at) >= col(Contact.answered_at))
    return sa_select(
        col(Contact.channel), col(Contact.desk), col(Contact.queue), col(Contact.outcome),
        col(Contact.crisis), hour_of(session, col(Contact.created_at)),
        col(Contact.answered_at).is_not(None), col(Contact.wait_seconds),
        case((handled, handle_seconds(session)), else_=None),
        has_flag("overflow"), has_flag("pooled"), col(Contact.intake_step), col(Contact.id),
        col(Contact.overflow_direction),
    ).where(where)


def count_facts(rows: Iterable[Sequence[Any]], day: date
                ) -> tuple[dict[str, list[Row]], tuple[int, int] | None]:
    """Count contacts' facts into the rows of the contact, hour and wait tallies; return
    them and the lowest and highest id of the contacts counted (None when there were none)."""
    contacts: dict[tuple[Any, ...], int] = {}
    hours: dict[tuple[Any, ...], list[float]] = {}
    waits: dict[tuple[Any, ...], int] = {}
    ids: list[int] = []
    for channel, desk, queue, outcome, crisis, hour, answered, wait, work, overflow, pooled, \
            step, contact_id, routed in rows:
        ids.append(contact_id)
        desk, queue, outcome, crisis = desk or "", queue or "", outcome or "", bool(crisis)
        key = (channel, desk, queue, outcome, crisis, bool(overflow),
               queue == "pool" or bool(pooled), direction(bool(overflow), routed, desk, queue))
        contacts[key] = contacts.get(key, 0) + 1
        sums = hours.setdefault((int(hour), channel, desk, queue), [0, 0, 0.0])
        sums[0] += 1
        if work is not None:
            sums[1] += 1
            sums[2] += float(work)
        # A caller who left the queue unanswered and is kept to be called back: a crisis
        # caller who hung up (`calls.left_unanswered`), a caller whose queue failed twice
        # (`voice.queue_failed`); both with their wait. Their call is abandoned, even once
        # a counsellor takes the contact from the desk later. (A caller who chose to keep
        # their place has another step and no wait: a callback asked for, not abandoned.)
        kept = step == KEPT_CRISIS_STEP
        if channel == "phone" and wait is not None and (answered or outcome == "abandoned"
                                                        or kept):
            waited = (channel, desk, queue, crisis,
                      "answered" if answered and not kept else "abandoned",
                      wait_bucket(int(wait)))
            waits[waited] = waits.get(waited, 0) + 1
    return {
        CONTACTS.name: [{"day": day, **dict(zip(CONTACTS.keys, key, strict=True)), "n": n}
                        for key, n in contacts.items()],
        HOURS.name: [{"day": day, **dict(zip(HOURS.keys, key, strict=True)), "n": int(s[0]),
                      "handled": int(s[1]), "work_s": s[2]} for key, s in hours.items()],
        WAITS.name: [{"day": day, **dict(zip(WAITS.keys, key, strict=True)), "n": n}
                     for key, n in waits.items()],
    }, ((min(ids), max(ids)) if ids else None)


def raw_callbacks(session: Session, where: ColumnElement[bool]) -> Select[Any]:
    """Count the callbacks of the contacts by status, reached, in window and attempts.

    A callback closed by a manager counts as it stood on their list: missed (its window
    passed unserved) or unreachable (every attempt failed). Reached: the last attempt
    reached the person; in its window: no later than the window's end (an attempt's end is
    the callback's last update).

    A failed callback (unreachable, missed) made callable at once when its contact became a
    crisis counts as it had failed, whatever came after.

    A callback nobody asked for (`asked` false) is `KEPT_CRISIS`, whatever became of it:
    the number of a person in crisis kept for the desk to call back at once (a caller who
    hung up in the queue, a texter who sent the stop word: `calls.keep_crisis_open`).
    """
    reached = func.coalesce(col(CallbackRequest.last_outcome), "") == "reached"
    # A callback the manager closed from their list keeps how it ended there.
    closed = col(CallbackRequest.status) == "closed"
    kept = not_(col(CallbackRequest.asked))
    fate = case(
        (kept, KEPT_CRISIS),
        # Failed, then made callable at once when its contact became a crisis: it still
        # counts as it had failed (`callbacks.make_crisis_callbacks`).
        (col(CallbackRequest.failed_as).is_not(None), col(CallbackRequest.failed_as)),
        (and_(closed, col(CallbackRequest.window_missed_at).is_not(None)), "missed"),
        (and_(closed, col(CallbackRequest.attempts) > 0, not_(reached)), "unreachable"),
        else_=col(CallbackRequest.status),
    )
    keys = [*dims(), fate, cast(reached, Boolean),
            cast(and_(reached, col(CallbackRequest.updated_at)
                      <= col(CallbackRequest.window_end)), Boolean),
            col(CallbackRequest.attempts)]
    return sa_select(*keys, func.count()).where(
        col(CallbackRequest.contact_id) == col(Contact.id), where,
    ).group_by(*keys)


@dataclass(frozen=True)
class Spec:
    """One tally: its table, the keys of a row (after `day`) and its sums."""

    model: type[Any]
    keys: tuple[str, ...]
    sums: tuple[str, ...]

    @property
    def name(self) -> str:
        """Return the tally's table name."""
        return str(table_of(self.model).name)

    def column(self, name: str) -> Any:
        """Return a column of the tally's table."""
        return table_of(self.model).c[name]


CONTACTS = Spec(TallyContact, (*DIMENSIONS, "outcome", "crisis", "overflow", "pooled",
                               "overflow_direction"), ("n",))
HOURS = Spec(TallyHour, ("hour", *DIMENSIONS), ("n", "handled", "work_s"))
WAITS = Spec(TallyWait, (*DIMENSIONS, "crisis", "result", "wait_s"), ("n",))
CALLBACKS = Spec(TallyCallback, (*DIMENSIONS, "status", "reached", "in_window", "attempts"),
                 ("n",))
SPECS = (CONTACTS, HOURS, WAITS, CALLBACKS)


def hour_day(hour: int) -> date:
    """Return the Amsterdam day of a UTC hour (hours since 1970)."""
    return datetime.fromtimestamp(hour * 3600, UTC).astimezone(AMSTERDAM).date()


def created_on(day: date) -> ColumnElement[bool]:
    """Return the condition that a contact reached Loket on an Amsterdam day."""
    return and_(col(Contact.created_at) >= day_start(day),
                col(Contact.created_at) < day_start(day + timedelta(days=1)))


def dirty_days(session: Session, start: date, end: date) -> set[date]:
    """Return the days from `start` to `end` with contacts changed since they were tallied."""
    first = int(day_start(start).timestamp()) // 3600
    last = int(day_start(end + timedelta(days=1)).timestamp()) // 3600 - 1
    hours = session.execute(
        sa_select(col(ReportDirty.hour)).distinct()
        .where(col(ReportDirty.hour) >= first, col(ReportDirty.hour) <= last)
    ).scalars()
    return {hour_day(hour) for hour in hours}


Row = dict[str, Any]


def read(
    session: Session,
    spec: Spec,
    start: date,
    end: date,
    *,
    by: Sequence[str],
    desk: str | None = None,
    channel: str | None = None,
    dirty: set[date] | None = None,
    counted: dict[date, dict[str, list[Row]]] | None = None,
) -> dict[tuple[Any, ...], list[float]]:
    """Return the sums of a tally over the Amsterdam days `start`..`end`, grouped `by` some
    of its keys (`day` among them if wanted), of one desk (what it owns, and the queues
    its manager counts: `access.queues_counted`) and channel.

    Call `snapshot` first for one consistent reading. `dirty` saves a second look at the
    marked days, and `counted` a second count of them, when several tallies are read in
    one snapshot.
    """
    counted = {} if counted is None else counted
    dirty = dirty_days(session, start, end) if dirty is None else dirty
    columns = [spec.column(name) for name in by]
    day = spec.column("day")
    where: list[ColumnElement[bool]] = [day >= start, day <= end]
    if dirty:
        where.append(not_(day.in_(sorted(dirty))))
    if desk is not None:
        queues = access.queues_counted(desk)
        where.append(or_(spec.column("desk") == desk, spec.column("queue").in_(queues)))
    if channel is not None:
        where.append(spec.column("channel") == channel)
    totals: dict[tuple[Any, ...], list[float]] = {}
    rows = session.execute(
        sa_select(*columns, *(func.sum(spec.column(name)) for name in spec.sums))
        .where(*where).group_by(*columns)
    ).all()
    for row in rows:
        add(totals, tuple(normal(v) for v in row[:len(by)]), row[len(by):])
    for marked in sorted(d for d in dirty if start <= d <= end):
        if marked not in counted:
            counted[marked] = count_day(session, marked)
        for found in counted[marked][spec.name]:
            if desk is not None and not (found["desk"] == desk
                                         or found["queue"] in access.queues_counted(desk)):
                continue
            if channel is not None and found["channel"] != channel:
                continue
            add(totals, tuple(normal(found[name]) for name in by),
                [found[name] for name in spec.sums])
    return totals


def normal(value: Any) -> Any:
    """Return a key as both databases give it: booleans as bool, days as date."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        return date.fromisoformat(value)
    return value


def add(totals: dict[tuple[Any, ...], list[float]], key: tuple[Any, ...],
        values: Iterable[Any]) -> None:
    """Add one row's sums to its group."""
    sums = totals.setdefault(key, [])
    for i, value in enumerate(values):
        if i < len(sums):
            sums[i] += value or 0
        else:
            sums.append(value or 0)


def count_day(session: Session, day: date) -> dict[str, list[Row]]:
    """Return every tally's rows of one day (by table name), counted from the contacts:
    one pass over the day's contacts, and the callbacks grouped in SQL."""
    where = created_on(day)
    # A changed day of a busy desk is thousands of rows: read them as the driver gives them
    # (no result processing). The statement's only values are the day's bounds and this
    # module's constants, rendered into it.
    connection = session.connection()
    statement = facts(session, where).compile(connection, compile_kwargs={"literal_binds": True})
    found, ids = count_facts(connection.exec_driver_sql(str(statement)), day)
    names = (*CALLBACKS.keys, *CALLBACKS.sums)
    # The day's callbacks belong to contacts with ids in the span just read: the span lets
    # the database read them by their contact's index instead of scanning every callback.
    found[CALLBACKS.name] = [] if ids is None else [
        {"day": day, **{name: normal_key(name, v) for name, v in zip(names, row, strict=True)}}
        for row in session.execute(raw_callbacks(
            session, and_(where, col(CallbackRequest.contact_id).between(*ids))))
    ]
    return found


def normal_key(name: str, value: Any) -> Any:
    """Return a counted value as the tally stores it."""
    if name in ("crisis", "overflow", "pooled", "reached", "in_window"):
        return bool(value)
    if name in ("n", "handled", "attempts", "hour", "wait_s"):
        return int(value)
    if name == "work_s":
        return float(value)
    return value


@dataclass(frozen=True)
class Refreshed:
    """What one refresh recounted: days, and whether another refresh held the lock."""

    days: int
    busy: bool = False


def refresh(session: Session, *, limit_days: int = REFRESH_DAYS) -> Refreshed:
    """Recount up to `limit_days` marked days into the tallies and remove their marks, in
    the caller's unit of work (one transaction). Call on a fresh session.

    On PostgreSQL: one snapshot (REPEATABLE READ) and an advisory lock; when another
    refresh holds it, nothing is done (`busy`). On SQLite the write lock orders them.
    """
    postgres = is_postgres(session)
    if postgres:
        snapshot(session)
        got = session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                              {"key": REFRESH_LOCK}).scalar()
        if not got:
            return Refreshed(0, busy=True)
    else:
        session.connection()  # BEGIN IMMEDIATE: the write lock, held to the commit
    newest = session.execute(sa_select(func.max(col(ReportDirty.id)))).scalar()
    if newest is None:
        return Refreshed(0)
    hours = session.execute(
        sa_select(col(ReportDirty.hour)).distinct().where(col(ReportDirty.id) <= newest)
    ).scalars().all()
    by_day: dict[date, list[int]] = {}
    for hour in hours:
        by_day.setdefault(hour_day(hour), []).append(hour)
    days = sorted(by_day)[:limit_days]
    for day in days:
        recount(session, day)
    done = [hour for day in days for hour in by_day[day]]
    for part in range(0, len(done), 500):
        session.execute(delete(ReportDirty).where(col(ReportDirty.id) <= newest,
                                                  col(ReportDirty.hour).in_(done[part:part + 500])))
    return Refreshed(len(days))


def recount(session: Session, day: date) -> None:
    """Replace one day's rows in every tally by a count of that day's contacts.

    On PostgreSQL, for the rest of the transaction, without JIT compilation or parallel
    workers: a day's count is estimated as costly (a flag probe per contact), so the
    server would compile its expressions and scan the callbacks in parallel, which spends
    more CPU than either saves on one day's rows (the demo's recount of a million contacts:
    a third of the server's CPU). What is counted is the same.
    """
    if is_postgres(session):
        session.execute(text("SET LOCAL jit = off"))
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))
    counted = count_day(session, day)
    connection = session.connection()
    for spec in SPECS:
        table = table_of(spec.model)
        session.execute(delete(table).where(table.c.day == day))
        # A busy day is thousands of rows (waits to the second): written in bulk by the
        # driver (COPY on PostgreSQL), bound by the tally's own column types.
        bulk = seed_rows.Bulk(spec.name, connection.dialect, skip=("id",))
        seed_rows.write(connection, bulk, [bulk.bind(row) for row in counted[spec.name]])


def refresh_all(unit_of_work: Callable[[], Any], *, limit_days: int = REFRESH_DAYS) -> int:
    """Refresh in units of `limit_days` days until no mark is left; return the days
    recounted. `unit_of_work()` opens one (`session_scope(engine)`)."""
    total = 0
    while True:
        with unit_of_work() as session:
            done = refresh(session, limit_days=limit_days)
        total += done.days
        if done.busy or done.days < limit_days:
            return total


def refresh_marked(unit_of_work: Callable[[], Any],
                   recount_days: Callable[[list[date]], None]) -> int:
    """Recount every marked day through `recount_days`, which may count them side by side in
    processes of its own (PostgreSQL, after a bulk load such as the demo's); return the days.

    The marks are read in one snapshot; `recount_days` recounts each day in a transaction
    of its own (`recount_day`), started after that snapshot, so it sees every change those
    marks stand for; then exactly the marks read are removed: a change committed meanwhile
    keeps its own mark. PostgreSQL only: SQLite's triggers add no second mark to an hour
    already marked, so a change made meanwhile could lose its mark (`refresh` holds the
    write lock there instead).
    """
    with unit_of_work() as session:
        if not is_postgres(session):
            raise ValueError("refresh_marked: PostgreSQL only; use refresh_all on SQLite")
        snapshot(session)
        marks = session.execute(sa_select(col(ReportDirty.id), col(ReportDirty.hour))).all()
    days = sorted({hour_day(hour) for _, hour in marks})
    if not days:
        return 0
    recount_days(days)
    ids = [mark_id for mark_id, _ in marks]
    with unit_of_work() as session:
        for part in range(0, len(ids), 1000):
            session.execute(delete(ReportDirty).where(
                col(ReportDirty.id).in_(ids[part:part + 1000])))
    return len(days)


def recount_day(unit_of_work: Callable[[], Any], day: date) -> None:
    """Recount one day into the tallies in a unit of work of its own."""
    with unit_of_work() as session:
        recount(session, day)
