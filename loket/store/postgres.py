"""PostgreSQL's connection settings: every wait on the database has a bound.

What SQLite's busy timeout does for its one lock, these do for PostgreSQL: a connection
attempt gives up after `CONNECT_TIMEOUT_S` (a frozen server accepts the TCP connection and
never answers), a silent peer is found by TCP keepalives and `tcp_user_timeout`, a lock that
another transaction holds (a row, an advisory lock, a table during a migration) is waited
for at most the lock timeout, one statement runs at most the statement timeout, and a
transaction left open by a stalled process is ended by the server after that bound too,
releasing its locks. Settings already in the database URL's query win.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url

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


UNBOUNDED_STATEMENTS = "SET LOCAL statement_timeout = 0"  # a migration may take long
