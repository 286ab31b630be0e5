"""In the app: rules load at start, reload when the file changes, a broken file leaves the
last good rules in force and is reported."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask

from loket import rules_runtime
from loket.config import PROJECT_ROOT

WEEKDAY_NOON = datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
POLICE = {"channel": "phone", "organisation": "police", "preference": "now"}
STATE = {
    "police": {"waiting": 5, "available": 0, "expected_wait_s": 600},
    "veterans": {"waiting": 0, "available": 2, "expected_wait_s": 0},
}


def _touch_later(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))


def test_a_changed_threshold_takes_effect_and_a_broken_file_keeps_the_last_good_rules(
    tmp_path: Path, make_app: Callable[..., Flask]
) -> None:
    rules_file = tmp_path / "rules.yaml"
    original = (PROJECT_ROOT / "routing_rules" / "default.yaml").read_text()
    rules_file.write_text(original)
    app = make_app(rules_path=str(rules_file), rules_reload_s=0.0)
    with app.app_context():
        first = rules_runtime.decide(POLICE, STATE, WEEKDAY_NOON)
        assert (first["desk"], first["queue"]) == ("police", "police")  # 600 s is not over 900

        rules_file.write_text(original.replace("gt: 900", "gt: 300"))
        _touch_later(rules_file)
        lowered = rules_runtime.decide(POLICE, STATE, WEEKDAY_NOON)
        assert (lowered["desk"], lowered["queue"]) == ("police", "veterans")
        assert "overflow" in lowered["flags"]
        assert lowered["rules_version"] != first["rules_version"]

        rules_file.write_text("format: 1\nsteps: [this is not a policy\n")
        _touch_later(rules_file)
        kept = rules_runtime.decide(POLICE, STATE, WEEKDAY_NOON)
        assert kept["rules_version"] == lowered["rules_version"]
    answer = app.test_client().get("/healthz")
    health = answer.json
    assert health is not None
    assert health["rules"] == {"version": lowered["rules_version"], "state": "stale"}
    # The last good rules keep routing: the process stays in the load balancer (200), and
    # the stale state is there to alert on (README, docs/production.md).
    assert answer.status_code == 200 and health["status"] == "ok"


def test_crisis_phrases_of_the_rules_are_used_by_the_app(app: Flask) -> None:
    with app.app_context():
        assert rules_runtime.is_crisis_text("Ik zie het niet meer zitten")
        assert not rules_runtime.is_crisis_text("Ik heb een vraag over mijn pensioen")
        assert not rules_runtime.is_crisis_text(None)
