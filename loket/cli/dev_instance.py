"""One `loket dev` per instance folder, and what a killed one left running.

The supervisor holds an exclusive lock on `dev.lock` in the instance folder while it runs (the
kernel lets go of it however the process ends), so a second `make run` on the same folder stops
with one line instead of starting a second Redis on the same append-only file. `dev.children`
lists the children it started (name, pid, start time); a run that finds the list still there
was preceded by one that was killed, and stops those of its children still running.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil

from loket.cli.dev_texts import DEV_TEXTS
from loket.cli.language import cli_language

LOCK_FILE = "dev.lock"
CHILDREN_FILE = "dev.children"
LEFTOVER_GRACE_S = 5.0


def text(key: str, **values: object) -> str:
    """Return one of `loket dev`'s lines in the locale's language."""
    return DEV_TEXTS.get(key, cli_language(), **values)


class InstanceRefused(RuntimeError):
    """The instance folder cannot be written, or another `loket dev` runs on it."""


@dataclass
class InstanceClaim:
    """This process's hold on an instance folder; `release()` (or the process's end) frees it."""

    folder: Path
    fd: int

    @classmethod
    def take(cls, folder: Path, port: int) -> InstanceClaim:
        """Claim the folder for a run on `port`; InstanceRefused says in one line why not."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):  # it is written to, not only opened
                pass
            fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise InstanceRefused(text("instance_unwritable", path=folder,
                                       error=exc.strerror or exc)) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise
            holder = os.read(fd, 200).decode(errors="replace").split()
            os.close(fd)
            pid, url = (holder + ["?", "?"])[:2]
            raise InstanceRefused(text("instance_busy", path=folder, pid=pid, url=url)) from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} http://127.0.0.1:{port}/\n".encode())
        return cls(folder, fd)

    def release(self) -> None:
        """Let go of the folder (after every child has stopped)."""
        os.close(self.fd)

    def record(self, children: Iterable[tuple[str, int]]) -> None:
        """Write down the running children, so that a run after a kill can stop them."""
        rows = []
        for name, pid in children:
            try:
                started = psutil.Process(pid).create_time()
            except psutil.NoSuchProcess:
                continue
            rows.append({"name": name, "pid": pid, "started": started})
        path = self.folder / CHILDREN_FILE
        written = path.with_name(f"{CHILDREN_FILE}.new")
        written.write_text(json.dumps(rows))
        written.replace(path)

    def forget(self) -> None:
        """Every child stopped: nothing for a next run to stop."""
        (self.folder / CHILDREN_FILE).unlink(missing_ok=True)

    def stop_leftovers(self) -> list[tuple[str, int]]:
        """Stop the process groups a killed run left running; return their names and pids."""
        path = self.folder / CHILDREN_FILE
        try:
            rows = json.loads(path.read_text())
        except (OSError, ValueError):
            rows = []
        left = [(row["name"], process) for row in rows
                if (process := _same_process(int(row["pid"]), float(row["started"])))]
        for _name, process in left:
            _signal_group(process.pid, signal.SIGTERM)
            _signal_group(process.pid, signal.SIGCONT)  # one that was stopped hears it too
        _gone, alive = psutil.wait_procs([p for _n, p in left], timeout=LEFTOVER_GRACE_S)
        for process in [*alive, *(p for _n, p in left)]:
            _signal_group(process.pid, signal.SIGKILL)  # and what each left in its group
        self.forget()
        return [(name, process.pid) for name, process in left]


def _same_process(pid: int, started: float) -> psutil.Process | None:
    """Return the process `pid` if it is still the one started then (pids are reused)."""
    try:
        process = psutil.Process(pid)
        if abs(process.create_time() - started) < 0.01 and os.getpgid(pid) == pid:
            return process
    except (psutil.NoSuchProcess, ProcessLookupError):
        pass
    return None


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass
