"""Job functions the queue tests need (RQ imports them by name in a worker process)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def hold_once(marker: str) -> str:
    """Note each run; the first run holds for a while (to be killed), later ones finish.

    Safe to run twice: a run that finds a finished run before it changes nothing.
    """
    path = Path(marker)
    with path.open("a") as notes:
        notes.write(f"start {os.getpid()}\n")
    runs = path.read_text().count("start ")
    if runs == 1:
        time.sleep(60)
    if "finish" not in path.read_text():
        with path.open("a") as notes:
            notes.write("finish\n")
    return "held"


def note(marker: str) -> str:
    """Note one run in the marker file."""
    with Path(marker).open("a") as notes:
        notes.write("run\n")
    return "noted"
