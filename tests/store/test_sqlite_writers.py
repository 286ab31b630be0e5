"""SQLite writers queue on a file lock beside the database; readers never wait for it."""

from __future__ import annotations

import fcntl
import os
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from loket.store import sqlite
from loket.store.db import make_engine, read_connection, writing
from loket.store.sqlite import QueuedWriterConnection


@pytest.fixture
def sqlite_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def lock_path(engine: Engine) -> Path:
    return Path(f"{engine.url.database}-writer")


def locked(path: Path) -> bool:
    """Tell whether some connection holds this writers' lock (tried without waiting)."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing also lets go of a lock taken here
    return False


def writers_lock_taken(engine: Engine) -> bool:
    return locked(lock_path(engine))


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_write_transaction_holds_the_writers_lock_until_it_ends(
    sqlite_engine: Engine, end: str
) -> None:
    with sqlite_engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # any statement begins a write transaction
        assert writers_lock_taken(sqlite_engine)
        getattr(conn, end)()
        assert not writers_lock_taken(sqlite_engine)


def test_a_connection_returned_to_the_pool_lets_go_of_the_lock(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert not writers_lock_taken(sqlite_engine)


def test_readers_neither_take_nor_wait_for_the_writers_lock(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as writer:
        writer.execute(text("CREATE TABLE note (body TEXT)"))
        writer.commit()
        writer.execute(text("INSERT INTO note VALUES ('kept')"))
        with read_connection(sqlite_engine) as reader:
            # The reader sees what was committed before, not the writer's open work.
            assert reader.execute(text("SELECT count(*) FROM note")).scalar() == 0
        writer.commit()
    with read_connection(sqlite_engine) as reader:
        assert reader.execute(text("SELECT body FROM note")).scalar() == "kept"
        assert not writers_lock_taken(sqlite_engine)


def test_a_second_writer_waits_for_the_first_and_then_goes_on(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as conn:
        conn.execute(text("CREATE TABLE tally (n INTEGER)"))
        conn.commit()
    order: list[str] = []
    first_in = threading.Event()

    def second() -> None:
        first_in.wait()
        with sqlite_engine.connect() as conn:
            conn.execute(text("INSERT INTO tally VALUES (2)"))
            order.append("second")
            conn.commit()

    thread = threading.Thread(target=second)
    thread.start()
    with sqlite_engine.connect() as conn:
        conn.execute(text("INSERT INTO tally VALUES (1)"))
        first_in.set()
        thread.join(timeout=0.3)  # it cannot get in while the first holds the lock
        assert thread.is_alive()
        order.append("first")
        conn.commit()
    thread.join(timeout=10)
    assert order == ["first", "second"]


def test_a_thread_that_writes_twice_at_once_does_not_wait_for_itself(tmp_path: Path) -> None:
    path = tmp_path / "loket.sqlite3"
    one, two = QueuedWriterConnection(path), QueuedWriterConnection(path)
    done = threading.Event()

    def both() -> None:
        one.lock_for_write()
        two.lock_for_write()  # goes on to SQLite's own lock instead of waiting here
        done.set()

    thread = threading.Thread(target=both, daemon=True)
    thread.start()
    thread.join(timeout=10)
    assert done.is_set()
    one.close()
    two.close()
    assert not locked(Path(f"{path}-writer"))


def test_the_wal_reaches_the_database_file_after_commits_without_the_lock_held(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every CHECKPOINT_EVERY commits a thread of its own checkpoints, lock or no lock."""
    monkeypatch.setattr(sqlite, "CHECKPOINT_EVERY", 4)
    checkpoint = sqlite.Checkpointer.checkpoint
    done = threading.Event()
    in_request_threads: list[bool] = []

    def watched(conn: Any) -> None:
        in_request_threads.append(threading.current_thread() is threading.main_thread())
        checkpoint(conn)
        done.set()

    monkeypatch.setattr(sqlite.Checkpointer, "checkpoint", staticmethod(watched))
    with sqlite_engine.connect() as conn:
        conn.execute(text("CREATE TABLE note (body TEXT)"))
        conn.commit()
    database = Path(str(sqlite_engine.url.database))
    size_before = database.stat().st_size
    for _ in range(8):
        with sqlite_engine.connect() as conn:
            conn.execute(text("INSERT INTO note VALUES (:b)"), {"b": "x" * 8000})
            conn.commit()
    # The rows sat in the WAL until a checkpoint copied them over, never waiting for
    # SQLite's own, much later threshold; and never in the writer's own thread.
    assert done.wait(10)
    deadline = time.monotonic() + 10
    while database.stat().st_size == size_before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert database.stat().st_size > size_before
    assert in_request_threads and not any(in_request_threads)
    with read_connection(sqlite_engine) as reader:
        assert reader.execute(text("SELECT count(*) FROM note")).scalar() == 8


def test_many_threads_writing_at_once_all_commit_and_leave_no_lock_behind(
    sqlite_engine: Engine,
) -> None:
    """A process's writers queue among themselves before the file lock; none is lost."""
    with sqlite_engine.connect() as conn:
        conn.execute(text("CREATE TABLE tally (thread INTEGER, n INTEGER)"))
        conn.commit()
    failures: list[BaseException] = []

    def write(thread: int) -> None:
        try:
            for n in range(20):
                with sqlite_engine.begin() as conn:
                    conn.execute(text("INSERT INTO tally VALUES (:t, :n)"), {"t": thread, "n": n})
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=write, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with read_connection(sqlite_engine) as reader:
        assert reader.execute(text("SELECT count(*) FROM tally")).scalar() == 160
    assert not writers_lock_taken(sqlite_engine)
    with sqlite_engine.begin() as conn:  # the next writer gets straight in
        conn.execute(text("INSERT INTO tally VALUES (0, 20)"))


def test_a_reader_goes_on_to_one_write_on_the_same_connection(sqlite_engine: Engine) -> None:
    with sqlite_engine.begin() as conn:
        conn.execute(text("CREATE TABLE note (body TEXT)"))
    with read_connection(sqlite_engine) as conn:
        assert conn.execute(text("SELECT count(*) FROM note")).scalar() == 0
        assert not writers_lock_taken(sqlite_engine)
        with writing(conn):
            assert writers_lock_taken(sqlite_engine)
            conn.execute(text("INSERT INTO note VALUES ('kept')"))
        assert not writers_lock_taken(sqlite_engine)
        with pytest.raises(RuntimeError), writing(conn):
            conn.execute(text("INSERT INTO note VALUES ('dropped')"))
            raise RuntimeError("rolled back whole")
        assert not writers_lock_taken(sqlite_engine)
    with read_connection(sqlite_engine) as reader:
        assert reader.execute(text("SELECT body FROM note")).scalars().all() == ["kept"]


def test_a_forked_child_writes_even_if_a_parent_thread_held_the_queue(
    sqlite_engine: Engine,
) -> None:
    """An RQ job forked while a web thread writes must not wait for a thread it lacks."""
    with sqlite_engine.begin() as conn:
        conn.execute(text("CREATE TABLE note (body TEXT)"))
    queue = sqlite._queues[str(sqlite_engine.url.database)]
    assert queue.acquire(timeout=5)  # as if another thread were writing at the fork
    try:
        with warnings.catch_warnings():  # Python 3.12+ warns of fork() beside threads
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child: a fresh engine, as a job builds its own
            code = 1
            try:
                child = make_engine(str(sqlite_engine.url))
                with child.begin() as conn:
                    conn.execute(text("INSERT INTO note VALUES ('from the child')"))
                code = 0
            finally:
                os._exit(code)
        # The child waits on the file lock only for writers that exist: none here.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child never got to write")
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        queue.release()
    with read_connection(sqlite_engine) as reader:
        assert reader.execute(text("SELECT body FROM note")).scalar() == "from the child"


def test_a_forked_child_never_lets_its_parents_write_lock_go(sqlite_engine: Engine) -> None:
    """A connection carried across fork shares the parent's lock; the child must not undo it."""
    with sqlite_engine.connect() as conn:
        conn.execute(text("SELECT 1"))  # the parent writes: it holds the writers' lock
        inherited = conn.connection.dbapi_connection
        assert isinstance(inherited, QueuedWriterConnection)
        with warnings.catch_warnings():  # Python 3.12+ warns of fork() beside threads
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:  # the child lets go of what it inherited, as a closing connection does
            code = 1
            try:
                inherited.unlock()
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert writers_lock_taken(sqlite_engine)  # still the parent's
        conn.commit()
    assert not writers_lock_taken(sqlite_engine)
