"""SQLite as Loket runs it: WAL, foreign keys, and writers that queue instead of polling.

SQLite lets one writer in at a time. A writer that finds the lock taken waits in SQLite's
busy handler, which sleeps 1, 2, 5, 10 ms and longer between tries: under load the lock
is free most of that time, and two web workers end up taking turns with gaps between them.
So a write transaction here first queues on an advisory file lock beside the database
(`flock`, shared by every process that opens it): the kernel wakes the next writer the
moment the last one commits. Within a process the writers first take turns on a plain
thread lock, so that only one thread per process waits on the file lock: the kernel wakes
every waiter of a `flock` when it is let go, and a web worker's eight threads all woken at
each commit cost more than the commit. SQLite's own lock and busy timeout stay in force
behind it, for anything that writes without the file lock (the `sqlite3` shell, a migration).

SQLite's own automatic checkpoint runs inside the COMMIT that crosses its threshold, so it
would hold everyone's write lock, and keep that request's answer waiting, for as long as
copying and syncing takes. Here every `CHECKPOINT_EVERY` commits of a process wake that
process's checkpoint thread for the database, which checkpoints (PASSIVE: it never waits
for readers or writers) on a connection of its own and ends after a quiet minute. SQLite's
own stays, at a far higher threshold, as a safety net.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import sqlite3
import threading
from typing import Any

BUSY_TIMEOUT_MS = 10_000
CHECKPOINT_EVERY = 100  # commits of one process between its checkpoints
CHECKPOINT_IDLE_S = 60.0  # a checkpoint thread with nothing to do for this long ends
AUTOCHECKPOINT_PAGES = 20_000  # SQLite's own, should ours ever fall behind (~80 MB)
# An execution option marking connections that only read: they take neither lock. With
# True they read in one deferred transaction (one snapshot for every statement); with
# STATEMENT each statement reads on its own, with no BEGIN and no ROLLBACK around it.
READ_ONLY = "loket_read_only"
STATEMENT = "statement"

_held = threading.local()  # this thread's write lock, if it holds one
_commits: dict[str, itertools.count[int]] = {}  # commits per database file in this process
_queues: dict[str, threading.Lock] = {}  # this process's writers of a database file, in turn


class Checkpointer:
    """Checkpoints one database's WAL from a thread of its own, when its writers ask."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.wanted = threading.Event()
        self.guard = threading.Lock()
        self.thread: threading.Thread | None = None

    def request(self) -> None:
        """Ask for a checkpoint soon; start the thread if it is not running."""
        self.wanted.set()
        with self.guard:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(
                    target=self.run, name="loket-sqlite-checkpoint", daemon=True
                )
                self.thread.start()

    def run(self) -> None:
        """Checkpoint whenever asked; end after a quiet while (a request starts it again)."""
        conn = sqlite3.connect(self.path, check_same_thread=False)
        try:
            while self.wanted.wait(CHECKPOINT_IDLE_S):
                self.wanted.clear()
                self.checkpoint(conn)
        finally:
            conn.close()

    @staticmethod
    def checkpoint(conn: sqlite3.Connection) -> None:
        """Copy what the WAL holds into the database as far as readers allow."""
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").close()
        except sqlite3.Error:
            pass  # the next one, or SQLite's own, catches up


_checkpointers: dict[str, Checkpointer] = {}


def _forget_after_fork() -> None:
    """Give a forked child (an RQ job) its own queues and checkpoint threads.

    A lock some other thread of the parent held at the fork would stay held in the child
    for good, and the parent's threads do not exist there.
    """
    _queues.clear()
    _checkpointers.clear()
    _held.connection = None  # the forking thread's write is the parent's, not the child's


_fork_hook = threading.Lock()
_fork_hooked: list[bool] = []  # registered once, by the first connection of a process


def _hook_fork() -> None:
    with _fork_hook:
        if not _fork_hooked:
            os.register_at_fork(after_in_child=_forget_after_fork)
            _fork_hooked.append(True)


class QueuedWriterConnection(sqlite3.Connection):
    """A SQLite connection whose write transactions queue on `<database>-writer`."""

    def __init__(self, database: str | os.PathLike[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        _hook_fork()
        self._path = os.fspath(database)
        self._lock_fd = -1
        self._adopt()

    def _adopt(self) -> None:
        """Take this process's writers' lock, queue and checkpoints for this connection.

        Also for a connection carried into a forked child: its lock file description is
        the parent's (unlocking it would let the parent's lock go), its queue the parent's.
        """
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # this process's copy only
        path = self._path
        self._pid = os.getpid()
        self._lock_fd = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT, 0o600)
        self._locked = False
        self._commits = _commits.setdefault(path, itertools.count(1))
        self._checkpointer = _checkpointers.setdefault(path, Checkpointer(path))
        self._queue = _queues.setdefault(path, threading.Lock())

    def lock_for_write(self) -> None:
        """Wait for the writers' lock (without holding the GIL).

        A thread that already writes on another connection goes straight to SQLite's
        own lock: waiting for itself here would never end.
        """
        if getattr(_held, "connection", None) is not None:
            return
        if self._pid != os.getpid():
            self._adopt()
        self._queue.acquire()
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        except BaseException:
            self._queue.release()
            raise
        self._locked = True
        _held.connection = self

    def unlock(self) -> None:
        """Let the next writer in (a forked child never lets its parent's lock go)."""
        if self._pid != os.getpid():
            self._adopt()
            _held.connection = None
            return
        if self._locked:
            self._locked = False
            _held.connection = None
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            finally:
                self._queue.release()

    def commit(self) -> None:
        wrote = self._locked
        try:
            super().commit()
        finally:
            self.unlock()
        if wrote and next(self._commits) % CHECKPOINT_EVERY == 0:
            self._checkpointer.request()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.unlock()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.unlock()
            if self._lock_fd >= 0:
                os.close(self._lock_fd)
                self._lock_fd = -1


def connect_args() -> dict[str, Any]:
    """Return the driver's arguments: any thread may use a pooled connection."""
    return {
        "check_same_thread": False,
        "timeout": BUSY_TIMEOUT_MS / 1000,
        "factory": QueuedWriterConnection,
    }


def on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Set WAL, the busy timeout and foreign keys; let SQLAlchemy issue BEGIN itself."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
    cursor.close()
    dbapi_connection.isolation_level = None


def on_begin(conn: Any) -> None:
    """Begin a transaction: deferred for readers; writers queue, then BEGIN IMMEDIATE.

    BEGIN IMMEDIATE takes SQLite's write lock at once, so a transaction that reads and then
    writes never fails half-way because another writer committed in between. BEGIN goes
    straight to the driver: a writer's time between lock and commit is everyone's wait.
    """
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    if read_only == STATEMENT:
        return  # the driver runs each statement in autocommit mode
    dbapi_connection = conn.connection.dbapi_connection
    if read_only:
        dbapi_connection.execute("BEGIN").close()
        return
    queued = isinstance(dbapi_connection, QueuedWriterConnection)
    if queued:
        dbapi_connection.lock_for_write()
    try:
        dbapi_connection.execute("BEGIN IMMEDIATE").close()
    except BaseException:
        if queued:
            dbapi_connection.unlock()
        raise
