"""Loading rules files: schema and meaning checks name file, line and rule id."""

from __future__ import annotations

from pathlib import Path

import pytest

from loket.routing import RulesError, load_rules, parse_rules
from tests.routing.routing_support import DEFAULT_RULES, RICHER_RULE, default_rules, route

BASE = DEFAULT_RULES.read_text(encoding="utf-8")


# A line of the default crisis patterns, to add a pattern after.
VAARWEL = "      - {id: nl-vaarwel, all: [[vaarwel]]}\n"

def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """Return the line number of the nth occurrence of needle in text."""
    position = -1
    for _ in range(occurrence):
        position = text.index(needle, position + 1)
    return text.count("\n", 0, position) + 1


def problems(text: str, tmp_path: Path) -> list[str]:
    """Return the problems of rules text written to a file, as strings."""
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    return [str(problem) for problem in caught.value.problems]


def test_the_default_file_loads() -> None:
    rules = default_rules()
    assert rules.rule_count == 19
    assert rules.rule_ids()[:3] == ("peer-support", "serving-military", "veterans")
    assert set(rules.steps) == {"owner", "priority", "queue", "response"}


def test_version_is_a_hash_of_the_bytes(tmp_path: Path) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_text(BASE + "\n# a comment\n", encoding="utf-8")
    assert load_rules(copy).version != default_rules().version
    assert parse_rules(BASE).version == default_rules().version


def test_duplicate_id(tmp_path: Path) -> None:
    text = BASE.replace("- id: police\n", "- id: veterans\n")
    found = problems(text, tmp_path)
    assert found == [f"{tmp_path / 'rules.yaml'}:{line_of(text, '- id: veterans', 2)}: "
                     f"rule veterans: duplicate id: rule veterans is also at line "
                     f"{line_of(text, '- id: veterans')}"]


def test_unknown_field(tmp_path: Path) -> None:
    text = BASE.replace("contact.need: peer_support", "contact.nede: peer_support")
    (found,) = problems(text, tmp_path)
    assert found.startswith(f"{tmp_path / 'rules.yaml'}:{line_of(text, 'contact.nede')}: "
                            "rule peer-support: unknown field 'contact.nede'")


def test_unknown_desk(tmp_path: Path) -> None:
    text = BASE.replace("then: {desk: debasis}", "then: {desk: basis}", 1)
    (found,) = problems(text, tmp_path)
    assert found == (f"{tmp_path / 'rules.yaml'}:{line_of(text, 'desk: basis')}: "
                     "rule peer-support: unknown desk 'basis' (expected one of police, "
                     "veterans, debasis)")


def test_unknown_desk_in_a_pick(tmp_path: Path) -> None:
    text = BASE.replace("among: [police, veterans]\n", "among: [police, veteran]\n", 1)
    (found,) = problems(text, tmp_path)
    assert "rule both-uniforms: unknown desk 'veteran'" in found


def test_unknown_value(tmp_path: Path) -> None:
    text = BASE.replace("contact.status: serving", "contact.status: servng")
    (found,) = problems(text, tmp_path)
    assert f":{line_of(text, 'servng')}: rule serving-military: unknown value 'servng' for " \
        "contact.status (expected one of serving, former, unknown)" in found


def test_unreachable_rule_after_a_catch_all(tmp_path: Path) -> None:
    text = BASE.replace("    - id: information\n",
                        "    - id: always-normal\n      then: {priority: normal}\n"
                        "    - id: information\n")
    found = problems(text, tmp_path)
    assert found == [
        f"{tmp_path / 'rules.yaml'}:{line_of(text, '- id: information')}: rule information: "
        "unreachable: every case it matches is already decided by rule always-normal before it",
        f"{tmp_path / 'rules.yaml'}:{line_of(text, '- id: normal-priority')}: rule "
        "normal-priority: unreachable: every case it matches is already decided by rule "
        "always-normal before it",
    ]


def test_unreachable_rule_covered_by_earlier_rules(tmp_path: Path) -> None:
    text = BASE.replace("  # 2. Priority.", "    - id: too-late\n      when: "
                        "{contact.organisation: police, contact.need: practical}\n"
                        "      then: {desk: police}\n  # 2. Priority.")
    (found,) = problems(text, tmp_path)
    assert found.endswith("rule too-late: unreachable: every case it matches is already "
                          "decided by rule police before it")


def test_contradiction_can_never_match(tmp_path: Path) -> None:
    text = BASE.replace("when: {contact.organisation: police}",
                        "when: {contact.organisation: police, all: [{contact.organisation: "
                        "defence}]}")
    found = problems(text, tmp_path)
    assert any("rule police: unreachable: its conditions can never all hold" in f
               for f in found)


def test_step_without_fallback(tmp_path: Path) -> None:
    text = BASE.replace("    - id: normal-priority\n      then: {priority: normal}\n", "")
    (found,) = problems(text, tmp_path)
    assert found == (f"{tmp_path / 'rules.yaml'}:{line_of(text, '- id: information')}: rule "
                     "information: step priority has no fallback: no rule decides the case "
                     "contact.need=psychological, contact.risk=none (end the step with a rule "
                     "without 'when')")


def test_owner_step_without_fallback(tmp_path: Path) -> None:
    text = BASE.replace("      when: {contact.organisation: unknown}\n",
                        "      when: {contact.organisation: unknown, contact.channel: phone}\n")
    (found,) = problems(text, tmp_path)
    assert "rule unknown-organisation: step owner has no fallback" in found
    assert "contact.channel=sms" in found


def test_schema_error(tmp_path: Path) -> None:
    text = BASE.replace("then: {priority: high}", "then: {priority: high, queue: pool}")
    (found,) = problems(text, tmp_path)
    assert found == (f"{tmp_path / 'rules.yaml'}:{line_of(text, 'queue: pool}')}: rule "
                     "concern: steps.priority[2].then: Additional properties are not allowed "
                     "('queue' was unexpected)")


def test_schema_error_misspelled_key(tmp_path: Path) -> None:
    text = BASE.replace("      when: {contact.risk: concern}", "      wen: {contact.risk: concern}")
    (found,) = problems(text, tmp_path)
    assert "rule concern:" in found and "'wen' was unexpected" in found


def test_schema_error_outside_rules(tmp_path: Path) -> None:
    text = BASE.replace("format: 1", "format: 2")
    (found,) = problems(text, tmp_path)
    assert found.startswith(f"{tmp_path / 'rules.yaml'}:{line_of(text, 'format: 2')}: format:")


def test_a_step_is_required(tmp_path: Path) -> None:
    text = BASE[:BASE.index("  # 4. Response")]
    (found,) = problems(text, tmp_path)
    assert "'response' is a required property" in found


def test_yaml_syntax_error(tmp_path: Path) -> None:
    found = problems(BASE.replace("  owner:", "  owner: [", 1), tmp_path)
    assert len(found) == 1 and "not valid YAML" in found[0]


def test_duplicate_key(tmp_path: Path) -> None:
    text = BASE.replace("      when: {contact.organisation: police}\n",
                        "      when: {contact.organisation: police}\n"
                        "      when: {contact.organisation: police}\n")
    (found,) = problems(text, tmp_path)
    line = line_of(text, "when: {contact.organisation: police}", 2)
    assert found == f"{tmp_path / 'rules.yaml'}:{line}: key 'when' is given twice"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("        clock: {within: pooled-hours}", "        clock: {within: pooled}",
     "unknown window 'pooled'"),
    ("timezone: Europe/Amsterdam", "timezone: Europe/Amsterdm",
     "unknown time zone 'Europe/Amsterdm'"),
    ("holidays: NL ", "holidays: XX ", "unknown holiday country 'XX'"),
    ("when: {contact.need: information}", "when: {decision.queue: pool}",
     "unknown field 'decision.queue' in step priority: it is decided in step queue"),
    ("flags: [pooled]", "flags: [pooledd]", "unknown flag 'pooledd'"),
    ("when: {contact.organisation: police}", "when: {state.owner.available: 0}",
     "unknown field 'state.owner.available' in step owner"),
    ("state.other.available: {gte: 1}", "state.other.free: {gte: 1}",
     "unknown field 'state.other.free'"),
    ("state.other.available: {gte: 1}", "state.army.available: {gte: 1}",
     "unknown desk 'army'"),
    ("state.other.available: {gte: 1}", "state.other.available: {mentions: crisis}",
     "test 'mentions' does not apply"),
    ("when: {contact.text: {mentions: crisis}}", "when: {contact.text: {mentions: crises}}",
     "unknown phrase list 'crises'"),
    ("then: {priority: high}", "then: {priority: hi}", "unknown priority 'hi'"),
    ("then: {respond: now}", "then: {respond: later}", "unknown response 'later'"),
    ('hours: {from: "22:00", to: "07:00"}', 'hours: {from: "22:00", to: "22:00"}',
     "an hour range from and to the same time is empty"),
    ("prefer: owner ", "prefer: pool ", "unknown desk 'pool' to prefer"),
    ("then: {priority: high}", "then: {flags: [crisis]}",
     "sets no priority: every rule of step priority must"),
])
def test_meaning_errors(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in BASE
    found = problems(BASE.replace(old, new, 1), tmp_path)
    assert any(message in problem for problem in found), found
    assert all(problem.startswith(str(tmp_path / "rules.yaml") + ":") for problem in found)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="nothing.yaml: cannot read: No such file"):
        load_rules(tmp_path / "nothing.yaml")


def test_unquoted_times_are_minutes(tmp_path: Path) -> None:
    text = BASE.replace('hours: {from: "22:00", to: "07:00"}', "hours: {from: 21:00, to: 7:30}")
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    assert route({"organisation": "police"}, {}, "2026-01-13T21:00:00+01:00",
                 rules=rules).queue == "pool"
    assert route({"organisation": "police"}, {}, "2026-01-14T07:29:00+01:00",
                 rules=rules).queue == "pool"
    assert route({"organisation": "police"}, {}, "2026-01-14T07:30:00+01:00",
                 rules=rules).queue == "police"


def test_a_threshold_is_a_value_in_the_file(tmp_path: Path) -> None:
    text = BASE.replace("expected_wait_s: {gt: 900}", "expected_wait_s: {gt: 600}")
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    state = {"police": {"expected_wait_s": 700}, "veterans": {"available": 1}}
    assert route({"organisation": "police"}, state).queue == "police"
    assert route({"organisation": "police"}, state, rules=load_rules(path)).queue == "veterans"


def test_a_new_crisis_phrase(tmp_path: Path) -> None:
    text = BASE.replace(VAARWEL, VAARWEL + "      - laatste reis\n")
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    assert not default_rules().is_crisis_text("ik maak mijn laatste reis")
    assert load_rules(path).is_crisis_text("ik maak mijn laatste reis")


def test_richer_conditions(tmp_path: Path) -> None:
    text = BASE.replace("    - id: owner-queue\n", RICHER_RULE + "    - id: owner-queue\n")
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    state = {"police": {"waiting": 3}, "veterans": {"waiting": 3}}
    hit = route({"organisation": "defence", "channel": "webchat"}, state, rules=rules)
    assert (hit.desk, hit.queue) == ("veterans", "police")
    assert any(line.startswith("webchat-night-police: yes") for line in hit.trace)
    miss = route({"organisation": "defence", "channel": "webchat", "language": "en"}, state,
                 rules=rules)
    assert miss.queue == "veterans"
    assert "webchat-night-police: no (language is en)" in miss.trace
    fewer = route({"organisation": "defence", "region": "UT"},
                  {"police": {"waiting": 1}, "veterans": {"waiting": 3}}, rules=rules)
    assert fewer.queue == "veterans"
    assert any("waiting at police is 1, not at least waiting at veterans (3)" in line
               for line in fewer.trace)


def test_dates_window(tmp_path: Path) -> None:
    text = BASE.replace("        holidays: NL ",
                        "        holidays: NL \n      - label: Christmas eve\n"
                        "        dates: [\"2026-12-24\"]\n        hours: {from: \"18:00\", "
                        "to: \"24:00\"}\n        ", 1)
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    assert route({"organisation": "police"}, {}, "2026-12-24T18:00:00+01:00",
                 rules=rules).queue == "pool"
    assert route({"organisation": "police"}, {}, "2026-12-24T17:59:00+01:00",
                 rules=rules).queue == "police"


@pytest.mark.parametrize("limit", [".inf", ".nan", "1.0e+999", "100000000000000000000000" * 20])
def test_a_threshold_must_be_a_finite_number(tmp_path: Path, limit: str) -> None:
    text = BASE.replace("expected_wait_s: {gt: 900}", f"expected_wait_s: {{gt: {limit}}}")
    found = problems(text, tmp_path)
    assert any("rule long-wait-overflow: gt needs a finite number" in f for f in found), found


def test_importing_routing_builds_nothing_and_imports_no_web_code() -> None:
    import subprocess
    import sys

    code = ("import sys, loket.routing; print(sorted(m for m in ('flask', 'sqlalchemy', "
            "'sqlmodel', 'redis', 'rq', 'jsonschema', 'holidays') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "[]"
