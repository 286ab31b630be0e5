"""Review 9 (DESIGN.md's interfaces against the code): the report's `by_outcome` named the
counsellors' close outcomes "no_contact" and "wrong_desk" only when some contact had one,
so its keys (and a CSV's rows) changed from report to report."""

from __future__ import annotations

import json

from click.testing import CliRunner
from flask import Flask

from loket.cli import main
from loket.domain.workspace import CLOSE_OUTCOMES
from tests.reports.seed import local, seed
from tests.reports.test_suppression_review5 import NOVEMBER


def test_every_close_outcome_is_counted_zero_or_not(app: Flask, cli_env: dict[str, str]) -> None:
    seed(app, local("2026-11-10 14:00"), channel="phone", desk="police", count=6,
         outcome="helped")
    result = CliRunner().invoke(main, ["report", *NOVEMBER, "--format", "json"])
    assert result.exit_code == 0, result.output
    by_outcome = json.loads(result.output)["contacts"]["by_outcome"]
    assert set(CLOSE_OUTCOMES) <= set(by_outcome)
    assert by_outcome["helped"] == 6
    assert by_outcome["no_contact"] == 0 and by_outcome["wrong_desk"] == 0
