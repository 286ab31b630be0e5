"""A folder of JSON files holding what is slow to work out and the same every time.

Each file is named by a hash of its key and holds the key beside the value, so a
file is used only for exactly what it was written for. A file that is missing,
unreadable, damaged or written for another key is worked out again; a folder that
cannot be written is not an error: nothing is kept. Only plain JSON data is kept,
never code, and of each kind only the files written last (a rules file edited many
times leaves no trail of old readings).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

CACHE_DIR_ENV = "XDG_CACHE_HOME"
KEPT_PER_KIND = 32


def cache_dir() -> Path | None:
    """Return the folder of routing's cache files: $XDG_CACHE_HOME/loket or ~/.cache/loket."""
    base = os.environ.get(CACHE_DIR_ENV, "")
    if not os.path.isabs(base):  # unset, empty or relative: the XDG default
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home folder to be found
            return None
    return Path(base) / "loket"


def _file(kind: str, key: object) -> tuple[Path | None, str]:
    """Return the file of a key (None when there is no cache folder) and the key as text."""
    text = json.dumps(key, sort_keys=True, separators=(",", ":"))
    folder = cache_dir()
    if folder is None:
        return None, text
    return folder / f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:32]}.json", text


def read(kind: str, key: object) -> Any | None:
    """Return the value kept for a key, or None."""
    path, text = _file(kind, key)
    if path is None:
        return None
    try:
        with path.open("rb") as file:
            stored = json.loads(file.read())
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != text:
        return None
    return stored.get("value")


def write(kind: str, key: object, value: object) -> bool:
    """Keep a value for a key; return whether it was written."""
    path, text = _file(kind, key)
    if path is None:
        return False
    temporary = path.with_name(f".{path.name}.{os.urandom(6).hex()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with temporary.open("w", encoding="utf-8") as file:
            json.dump({"key": text, "value": value}, file, separators=(",", ":"))
        os.replace(temporary, path)  # readers see the old file or the new one, never half
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        return False
    _forget_old(path.parent, kind)
    return True


def _forget_old(folder: Path, kind: str) -> None:
    """Remove the files of a kind beyond the KEPT_PER_KIND written last."""
    try:
        files = sorted(folder.glob(f"{kind}-*.json"), key=lambda file: file.stat().st_mtime_ns)
        for file in files[:-KEPT_PER_KIND]:
            file.unlink(missing_ok=True)
    except OSError:  # another process removed one first, or the folder went away
        pass
