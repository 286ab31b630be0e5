"""A rules file that cannot be loaded stops a command that builds the app with its problems,
one line each, and exit 2, never a traceback (review 6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from loket.cli import main
from loket.config import PROJECT_ROOT

DEFAULT = (PROJECT_ROOT / "routing_rules" / "default.yaml").read_text(encoding="utf-8")


def test_a_command_names_each_problem_of_the_rules_file_and_exits_2(
        cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = DEFAULT.replace("expected_wait_s: {gt: 900}", "expected_wait_s: {gt: -900}").replace(
        "state.owner.available: 0", "state.owner.available: -1")
    bad = tmp_path / "rules.yaml"
    bad.write_text(text, encoding="utf-8")
    monkeypatch.setenv("LOKET_RULES_PATH", str(bad))
    result = CliRunner().invoke(main, ["report", "--from", "2026-11-01", "--to", "2026-11-30",
                                       "--format", "json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    crisis, wait = (text.count("\n", 0, text.index(found)) + 1
                    for found in ("available: -1", "gt: -900"))
    assert lines == [
        f"fout: {bad}:{crisis}: rule crisis-overflow: state.owner.available: eq needs a number "
        "of 0 or more, not -1 (a count or a wait is never negative)",
        f"{bad}:{wait}: rule long-wait-overflow: state.owner.expected_wait_s: gt needs a "
        "number of 0 or more, not -900 (a count or a wait is never negative)"]
