"""`loket route --explain` says why, rule by rule, in the reader's language (review 5)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from loket.cli.route import route_command

# A police contact in a crisis who asked for a callback, on a weekday afternoon.
REQUEST = json.dumps({
    "contact": {"channel": "phone", "organisation": "police", "risk": "acute",
                "preference": "callback"},
    "state": {"police": {"waiting": 1, "available": 1, "expected_wait_s": 60}},
    "at": "2026-12-23T12:00:00+01:00",
})


def _explain(lang: str) -> list[str]:
    """Return the lines `loket route --explain` prints under a locale of this language."""
    locale = "en_GB.UTF-8" if lang == "en" else "nl_NL.UTF-8"
    result = CliRunner().invoke(route_command, ["--explain"], input=REQUEST,
                                env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": locale})
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()


def test_explain_in_dutch_says_why_in_dutch() -> None:
    lines = _explain("nl")
    assert lines[2] == "  waarom:"
    assert "   1. peer-support: nee (hulpvraag is onbekend, niet lotgenoten)" in lines
    assert "   5. acute-risk: ja (risico is acuut) -> prioriteit urgent, crisis" in lines
    assert ("   6. pooled-hours: nee (wo 23 dec 2026 12:00 (Europe/Amsterdam) valt buiten "
            "pooled-hours)") in lines
    assert "  11. crisis-now: ja (crisis is ja) -> nu antwoorden" in lines
    assert not any(": yes (" in line or ": no (" in line for line in lines)


def test_explain_in_english_says_why_in_english_in_the_order_applied() -> None:
    lines = _explain("en")
    assert lines[2] == "  why:"
    rules = [line.split(". ", 1)[1].split(":", 1)[0] for line in lines[3:]]
    assert rules == ["peer-support", "serving-military", "veterans", "police", "acute-risk",
                     "pooled-hours", "crisis-overflow", "long-wait-overflow", "owner-queue",
                     "anonymous", "crisis-now"]
    assert lines[9] == ("   7. crisis-overflow: no (available counsellors at owner police "
                        "is 1, not exactly 0)")
    assert lines[-1] == "  11. crisis-now: yes (crisis is true) -> respond now"
