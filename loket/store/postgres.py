"""PostgreSQL's connection settings: every wait on the database has a bound.

What SQLite's busy timeout does for its one lock, these do for PostgreSQL: a connection
attempt gives up after `CONNECT_TIMEOUT_S` (a frozen server accepts the TCP connection and
never answers), a silent peer is found by TCP keepalives and `tcp_user_timeout`, a lock that
another transaction holds (a row, an advisory lock, a table during a migration) is waited
for at most the lock timeout, one statement runs at most the statement timeout, and a
transaction left open by a stalled process is ended by the server after that bound too,
releasing its locks. Settings already in the database URL's query win.

And one check of the server's upkeep: `warn_when_autovacuum_off`, said when `loket serve`
starts.
"""

from __future__ import annotations

import select
import time
from typing import Any

import structlog
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError

CONNECT_TIMEOUT_S = 5
TCP_USER_TIMEOUT_MS = 15_000  # unacknowledged data: the peer is gone
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
              "keepalives_count": 3}


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def connect_args(url: str, *, lock_timeout_s: float, statement_timeout_s: float) -> dict[str, Any]:
    """Return the driver's connection arguments for this URL: the bounds above, unless the
    URL sets them itself."""
    query = make_url(url).query
    found: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_S,
                             "tcp_user_timeout": TCP_USER_TIMEOUT_MS, **KEEPALIVES}
    found = {key: value for key, value in found.items() if key not in query}
    bounds = (f"-c lock_timeout={_ms(lock_timeout_s)} "
              f"-c statement_timeout={_ms(statement_timeout_s)} "
              f"-c idle_in_transaction_session_timeout={_ms(statement_timeout_s)}")
    given = query.get("options")
    if given and not isinstance(given, str):
        given = " ".join(given)
    # Later `-c` settings win: the URL's own options after ours.
    found["options"] = f"{bounds} {given}" if given else bounds
    return found


# A pooled connection idle longer than this is pinged before use; one used more recently only
# when the server has since said something on it (see `ping_when_needed`).
IDLE_PING_S = 5.0
CHECKED_IN = "loket.checked_in"  # the pool record's info key: when it was last handed back


def ping_when_needed(engine: Engine, *, idle_s: float = IDLE_PING_S) -> None:
    """Hand out only live connections, without a round trip for each request.

    SQLAlchemy's `pool_pre_ping` asks the server on every checkout: one round trip more for
    every unit of work. A server that ends a connection (a restart, `pg_terminate_backend`,
    an idle timeout) first says so on it, so the socket of a connection it ended has
    something to read, while an idle live one has nothing. A connection is therefore pinged
    when its socket is readable or it has been idle longer than `idle_s`; a ping that fails
    makes the pool replace it (`DisconnectionError`), as pre-ping does.
    """
    dialect = engine.dialect

    def _mark(dbapi_connection: Any, record: Any, *_: Any) -> None:
        record.info[CHECKED_IN] = time.monotonic()

    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(CHECKED_IN)
        if since is not None and time.monotonic() - since < idle_s and not _said_something(
            dbapi_connection
        ):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any failure: the pool replaces it
            raise DisconnectionError("the database ended this connection") from error

    event.listen(engine, "connect", _mark)
    event.listen(engine, "checkin", _mark)
    event.listen(engine, "checkout", _check)


def _said_something(dbapi_connection: Any) -> bool:
    """Tell whether the server sent anything on this idle connection (or closed it)."""
    try:
        poller = select.poll()  # not select(): no limit on the descriptor's number
        poller.register(dbapi_connection.pgconn.socket, select.POLLIN)
        return bool(poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return True  # no usable socket: let the ping decide


UNBOUNDED_STATEMENTS = "SET LOCAL statement_timeout = 0"  # a migration may take long


# The tables of this schema that turn autovacuum off for themselves (`autovacuum_enabled`
# read as PostgreSQL reads a boolean: off, false, 0, no, ...).
_TABLES_WITHOUT_AUTOVACUUM = """
SELECT c.relname FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
CROSS JOIN LATERAL unnest(c.reloptions) AS option
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND CASE WHEN split_part(option, '=', 1) = 'autovacuum_enabled'
           THEN NOT split_part(option, '=', 2)::boolean ELSE false END
ORDER BY c.relname
"""


def autovacuum_off(engine: Engine) -> list[str]:
    """Return where PostgreSQL's autovacuum is off for Loket's database: "server" when it is
    off for the whole server, then each table of Loket's schema that turns it off for itself.

    Without it nothing ANALYZEs the tables as they grow: plans made while they were small
    are kept (a pooled connection keeps its prepared statements' generic plans), and the
    dead rows of every update stay. An empty list: nothing to say.
    """
    with engine.connect() as connection:
        server_on = connection.exec_driver_sql("SHOW autovacuum").scalar_one() == "on"
        tables = list(connection.exec_driver_sql(_TABLES_WITHOUT_AUTOVACUUM).scalars())
    return ([] if server_on else ["server"]) + tables


def warn_when_autovacuum_off(engine: Engine) -> list[str]:
    """Log a warning (`db.autovacuum_off`) naming where autovacuum is off; return where.

    Said once when `loket serve` starts. A database that does not answer then is not this
    check's business (the health check says so): it logs only that it could not look
    (`db.autovacuum_unchecked`, info) and lets the server start.
    """
    if engine.dialect.name != "postgresql":
        return []
    # Its logger is taken now, once a start: it logs with the configuration in force then.
    log = structlog.get_logger(__name__)
    try:
        found = autovacuum_off(engine)
    except SQLAlchemyError as error:
        log.info("db.autovacuum_unchecked", error=type(error).__name__)
        return []
    if found:
        log.warning("db.autovacuum_off", where=found,
                    hint="turn autovacuum on (PostgreSQL's default): see docs/production.md")
    return found
