"""Keep the rules of a file in force, reloading them when the file changes."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from loket.routing.engine import Rules
from loket.routing.errors import Problem, RulesError
from loket.routing.loader import load_rules

_Signature = tuple[int, int, int]


def _signature(path: Path) -> _Signature:
    """Return what changes when a file is written: time, size and inode."""
    stat = os.stat(path)
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


class RulesHolder:
    """The rules of one file; a bad new version leaves the last good rules in force."""

    def __init__(self, path: str | os.PathLike[str], check_every: float = 2.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 loader: Callable[[Path], Rules] = load_rules) -> None:
        """Load the rules now; raise RulesError when there are no good rules to hold."""
        self.path = Path(path)
        self.check_every = check_every
        self._clock = clock
        self._load = loader
        self._lock = threading.Lock()
        self._error: RulesError | None = None
        # What the file said when last read (None: good), reported again when a file that
        # could not be read comes back as it was.
        self._seen_error: RulesError | None = None
        self._seen: _Signature | None = None
        self._seen = self._stat()
        self._rules = self._load(self.path)
        self._next_check = clock() + check_every

    @property
    def last_error(self) -> RulesError | None:
        """Return why the newest version of the file is not in force, or None."""
        return self._error

    def current(self) -> Rules:
        """Return the rules in force, checking the file at most every `check_every` s."""
        if self._clock() >= self._next_check and self._lock.acquire(blocking=False):
            try:
                self._next_check = self._clock() + self.check_every
                self._refresh()
            finally:
                self._lock.release()
        return self._rules

    def reload(self) -> bool:
        """Check the file now; return whether new rules came into force."""
        with self._lock:
            self._next_check = self._clock() + self.check_every
            return self._refresh()

    def _stat(self) -> _Signature | None:
        """Return the file's signature, recording an error when it cannot be read."""
        try:
            return _signature(self.path)
        except OSError as error:
            self._error = RulesError([Problem(
                str(self.path), None, None, f"cannot read: {error.strerror or error}")])
            return None

    def _refresh(self) -> bool:
        """Load the file if it changed since last seen; keep the last good rules on error."""
        signature = self._stat()
        if signature is None:
            return False
        if signature == self._seen:
            self._error = self._seen_error  # back as it was read last, if it went away
            return False
        self._seen = signature
        try:
            rules = self._load(self.path)
        except RulesError as error:
            self._error = self._seen_error = error
            return False
        self._error = self._seen_error = None
        if rules.version == self._rules.version:
            return False
        self._rules = rules
        return True
