"""A rules file edited to let a crisis down is refused, naming the rule; the running app keeps
the last good rules and says so."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner
from flask import Flask

from loket import rules_runtime
from loket.cli.route import rules_group
from loket.routing import load_rules
from tests.routing.routing_support import DEFAULT_RULES
from tests.routing.test_routing_rules_files import problems

BASE = DEFAULT_RULES.read_text(encoding="utf-8")
WEEKDAY_NOON = datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
STATE = {
    "police": {"waiting": 0, "available": 2, "expected_wait_s": 0},
    "veterans": {"waiting": 0, "available": 2, "expected_wait_s": 0},
}
CRISIS_NOW = """    - id: crisis-now
      description: Never a callback only in a crisis; 113 and 112 are shown on every channel.
      when: {decision.crisis: true}
      then: {respond: now}

"""
INFORMATION = """    - id: information
      when: {contact.need: information}
      then: {priority: low}

"""


def test_the_default_rules_keep_every_crisis_promise() -> None:
    assert load_rules(DEFAULT_RULES).rule_count == 19


def test_without_crisis_now_a_crisis_that_asked_for_a_callback_is_refused(
    tmp_path: Path,
) -> None:
    assert CRISIS_NOW in BASE
    (found,) = problems(BASE.replace(CRISIS_NOW, ""), tmp_path)
    assert "rule wants-callback: may decide a crisis (" in found
    assert "contact.preference=callback) as respond callback" in found
    assert "as respond callback: a crisis must be answered now (never a callback only)" in found


def test_a_callback_rule_placed_before_crisis_now_is_refused(tmp_path: Path) -> None:
    callback_first = """    - id: forms-call-back
      when: {contact.channel: webform}
      then: {respond: callback}

"""
    text = BASE.replace(CRISIS_NOW, callback_first + CRISIS_NOW)
    (found,) = problems(text, tmp_path)
    assert "rule forms-call-back: may decide a crisis" in found


def test_information_before_the_crisis_rules_is_refused_for_both_crisis_signs(
    tmp_path: Path,
) -> None:
    text = BASE.replace(INFORMATION, "").replace(
        "  priority:\n    - id: acute-risk", "  priority:\n" + INFORMATION + "    - id: acute-risk")
    found = problems(text, tmp_path)
    assert len(found) == 2
    assert all("rule information: may decide" in line for line in found)
    assert "a contact with acute risk (e.g. contact.need=information" in found[0]
    assert "a contact whose text has a crisis phrase" in found[1]
    assert all("as priority low, not crisis: " in line for line in found)


def test_a_crisis_phrase_made_high_not_urgent_is_refused(tmp_path: Path) -> None:
    text = BASE.replace("when: {contact.text: {mentions: crisis}}\n      then: {priority: urgent, "
                        "crisis: true}", "when: {contact.text: {mentions: crisis}}\n      then: "
                        "{priority: high}")
    (found,) = problems(text, tmp_path)
    assert "rule crisis-phrase: may decide a contact whose text has a crisis phrase" in found
    assert "as priority high, not crisis" in found


def test_urgent_without_the_crisis_flag_is_refused(tmp_path: Path) -> None:
    text = BASE.replace("when: {contact.risk: acute}\n      then: {priority: urgent, crisis: true}",
                        "when: {contact.risk: acute}\n      then: {priority: urgent}")
    found = problems(text, tmp_path)
    assert "rule acute-risk: may decide a contact with acute risk (e.g. " in found[0]
    assert ") as priority urgent, not crisis: a contact with acute risk must be urgent and " \
        "crisis" in found[0]
    # A crisis phrase from someone at acute risk meets that rule first, too.
    assert "rule acute-risk: may decide a contact whose text has a crisis phrase" in found[1]


def test_a_rule_only_for_texts_without_crisis_words_may_say_what_it_likes(
    tmp_path: Path,
) -> None:
    calm = """    - id: calm-question
      when: {not: {contact.text: {mentions: crisis}}, contact.need: information}
      then: {priority: low}

"""
    text = BASE.replace("  priority:\n    - id: acute-risk",
                        "  priority:\n" + calm + "    - id: acute-risk")
    # ... except for acute risk, which the absence of crisis words does not rule out.
    (found,) = problems(text, tmp_path)
    assert "rule calm-question: may decide a contact with acute risk" in found


def test_crisis_phrases_must_still_recognise_what_the_design_quotes(tmp_path: Path) -> None:
    text = BASE.replace("[zitten, zitte]]}", "[lopen]]}").replace("meer zitten", "meer lopen")
    found = problems(text, tmp_path)
    assert any("no longer recognises 'ik zie het niet meer zitten'" in line for line in found)


def test_rules_check_names_the_broken_promise(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(BASE.replace(CRISIS_NOW, ""), encoding="utf-8")
    result = CliRunner().invoke(rules_group, ["check", str(path)])
    assert result.exit_code != 0
    assert "wants-callback" in result.output
    assert "kan een crisis" in result.output  # Dutch, the locale's language by default
    assert "een crisis moet nu beantwoord worden (nooit alleen teruggebeld)" in result.output


def test_a_running_app_keeps_the_last_good_rules_when_an_edit_parks_a_crisis(
    tmp_path: Path, make_app: Callable[..., Flask]
) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(BASE, encoding="utf-8")
    app = make_app(rules_path=str(rules_file), rules_reload_s=0.0)
    form = {"channel": "webform", "organisation": "police", "preference": "callback",
            "text": "Ik wil dood"}
    with app.app_context():
        before = rules_runtime.decide(form, STATE, WEEKDAY_NOON)
        rules_file.write_text(BASE.replace(CRISIS_NOW, ""), encoding="utf-8")
        stat = rules_file.stat()
        os.utime(rules_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
        after = rules_runtime.decide(form, STATE, WEEKDAY_NOON)
    assert before["respond"] == after["respond"] == "now"
    assert after["crisis"] is True and after["priority"] == "urgent"
    assert after["rules_version"] == before["rules_version"]
    health = app.test_client().get("/healthz").json
    assert health is not None and health["rules"]["state"] == "stale"
