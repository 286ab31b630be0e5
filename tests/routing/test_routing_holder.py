"""RulesHolder: the last good rules stay in force; changes are picked up cheaply."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from loket.routing import RulesError, RulesHolder
from tests.routing.routing_support import DEFAULT_RULES

BASE = DEFAULT_RULES.read_text(encoding="utf-8")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def write(path: Path, text: str, bump: int) -> None:
    """Write a rules file and move its time on, so a change is seen even within a tick."""
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + bump * 1_000_000_000))


def test_reloads_after_a_change_at_most_every_n_seconds(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    write(path, BASE, 0)
    clock = Clock()
    holder = RulesHolder(path, 5.0, clock=clock)
    first = holder.current()
    assert holder.last_error is None
    write(path, BASE + "\n# changed\n", 1)
    clock.now += 4.9
    assert holder.current() is first  # not checked yet
    clock.now += 0.2
    second = holder.current()
    assert second is not first and second.version != first.version
    assert holder.current() is second


def test_a_broken_file_keeps_the_last_good_rules(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    write(path, BASE, 0)
    clock = Clock()
    holder = RulesHolder(path, 1.0, clock=clock)
    good = holder.current()
    write(path, BASE.replace("then: {desk: debasis}", "then: {desk: basis}", 1), 1)
    clock.now += 2
    assert holder.current() is good
    assert isinstance(holder.last_error, RulesError)
    assert "unknown desk 'basis'" in str(holder.last_error)
    clock.now += 2
    assert holder.current() is good  # the same broken file is not loaded again
    write(path, BASE + "\n# fixed\n", 2)
    clock.now += 2
    fixed = holder.current()
    assert fixed is not good and holder.last_error is None


def test_a_removed_file_keeps_the_rules(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    write(path, BASE, 0)
    clock = Clock()
    holder = RulesHolder(path, 1.0, clock=clock)
    good = holder.current()
    path.unlink()
    clock.now += 2
    assert holder.current() is good
    assert holder.last_error is not None and "cannot read" in str(holder.last_error)


def test_a_file_moved_away_and_back_unchanged_is_no_longer_reported(tmp_path: Path) -> None:
    # An editor or a deploy that moves the file aside and back: the same bytes, time and
    # inode. /healthz must not say "stale" for ever about rules that are fine.
    path = tmp_path / "rules.yaml"
    aside = tmp_path / "rules.yaml.bak"
    write(path, BASE, 0)
    clock = Clock()
    holder = RulesHolder(path, 1.0, clock=clock)
    good = holder.current()
    path.rename(aside)
    clock.now += 2
    holder.current()
    assert holder.last_error is not None
    aside.rename(path)
    clock.now += 2
    assert holder.current() is good
    assert holder.last_error is None
    # A broken file moved aside and back is still reported as broken.
    write(path, "format: 1\nsteps: [broken\n", 5)
    clock.now += 2
    assert holder.current() is good
    assert holder.last_error is not None and "cannot read" not in str(holder.last_error)
    path.rename(aside)
    clock.now += 2
    holder.current()
    aside.rename(path)
    clock.now += 2
    assert holder.current() is good
    assert holder.last_error is not None and "cannot read" not in str(holder.last_error)


def test_reload_now(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    write(path, BASE, 0)
    holder = RulesHolder(path, 3600.0)
    assert holder.reload() is False
    write(path, BASE + "\n# changed\n", 1)
    assert holder.reload() is True
    write(path, BASE + "\n# changed\n", 2)  # touched, same bytes: same rules
    assert holder.reload() is False


def test_no_good_rules_at_start_raises(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("format: 1\n", encoding="utf-8")
    with pytest.raises(RulesError):
        RulesHolder(path)
    with pytest.raises(RulesError):
        RulesHolder(tmp_path / "missing.yaml")
