"""A rules file with a number out of its range, or other bad input, is refused with one line
naming the file, line, rule and field, never a traceback (review 6).

The numbers of the policy format: a threshold a state test compares a queue's waiting,
available counsellors or expected wait with (never negative, so a threshold below 0 is a
mistake); a time of day as minutes (0 to 1440); the forgiveness of a phrase list (typos 0 to
2, a typo's least word length 3 or more, within 1 to 20 words) and a pattern's own within
(1 to 20).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from loket.cli.route import route_command, rules_group
from loket.routing import RulesError, load_rules
from tests.routing.routing_support import DEFAULT_RULES, route

BASE = DEFAULT_RULES.read_text(encoding="utf-8")
LONG_WAIT = "state.owner.expected_wait_s: {gt: 900}"
OTHER_FREE = "state.other.available: {gte: 1}"
NO_ONE_FREE = "state.owner.available: 0"
NIGHT = 'hours: {from: "22:00", to: "07:00"}'
LINE = '{"contact": {"channel": "phone", "organisation": "police"}}'


def write(text: str, tmp_path: Path) -> Path:
    """Write rules text to a file and return its path."""
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(text: str, tmp_path: Path) -> list[str]:
    """Return the problems of rules text, as `loket rules check` prints them."""
    with pytest.raises(RulesError) as caught:
        load_rules(write(text, tmp_path))
    return [str(problem) for problem in caught.value.problems]


def line_of(text: str, needle: str) -> int:
    """Return the line number of the first occurrence of needle in text."""
    return text.count("\n", 0, text.index(needle)) + 1


@pytest.mark.parametrize(("old", "new", "rule", "field"), [
    (LONG_WAIT, "state.owner.expected_wait_s: {gt: -900}", "long-wait-overflow",
     "state.owner.expected_wait_s"),
    (LONG_WAIT, "state.owner.expected_wait_s: {gte: -0.5}", "long-wait-overflow",
     "state.owner.expected_wait_s"),
    (OTHER_FREE, "state.other.available: {gte: -1}", "long-wait-overflow",
     "state.other.available"),
    (OTHER_FREE, "state.other.available: {lt: -1}", "long-wait-overflow",
     "state.other.available"),
    (OTHER_FREE, "state.other.waiting: {lte: -3}", "long-wait-overflow", "state.other.waiting"),
    (OTHER_FREE, "state.other.waiting: {ne: -1}", "long-wait-overflow", "state.other.waiting"),
    (NO_ONE_FREE, "state.owner.available: -1", "crisis-overflow", "state.owner.available"),
    (NO_ONE_FREE, "state.police.available: {eq: -2}", "crisis-overflow",
     "state.police.available"),
])
def test_a_negative_threshold_is_refused_naming_rule_and_field(
        tmp_path: Path, old: str, new: str, rule: str, field: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    (found,) = problems(text, tmp_path)
    assert found.startswith(f"{tmp_path / 'rules.yaml'}:{line_of(text, new)}: rule {rule}: "
                            f"{field}: ")
    assert "0 or more" in found, found


def test_a_threshold_of_zero_is_a_threshold(tmp_path: Path) -> None:
    rules = load_rules(write(BASE.replace(LONG_WAIT, "state.owner.expected_wait_s: {gt: 0}"),
                             tmp_path))
    state = {"police": {"expected_wait_s": 1}, "veterans": {"available": 1}}
    assert route({"organisation": "police"}, state).queue == "police"
    assert route({"organisation": "police"}, state, rules=rules).queue == "veterans"


@pytest.mark.parametrize(("old", "new", "field", "says"), [
    (NIGHT, "hours: {from: -60, to: 420}", "windows.pooled-hours.periods[0].hours.from",
     "-60 is less than the minimum of 0"),
    (NIGHT, "hours: {from: 1320, to: 1500}", "windows.pooled-hours.periods[0].hours.to",
     "1500 is greater than the maximum of 1440"),
    (NIGHT, 'hours: {from: "-1:00", to: "07:00"}', "windows.pooled-hours.periods[0].hours.from",
     "'-1:00' does not match"),
    ("typos_per_phrase: 1 ", "typos_per_phrase: -1 ", "phrases.crisis.forgive.typos_per_phrase",
     "-1 is less than the minimum of 0"),
    ("typo_min_word_length: 5 ", "typo_min_word_length: -5 ",
     "phrases.crisis.forgive.typo_min_word_length", "-5 is less than the minimum of 3"),
    ("within: 8  ", "within: -8  ", "phrases.crisis.forgive.within",
     "-8 is less than the minimum of 1"),
    ("in_order: true, within: 2}", "in_order: true, within: -2}", "phrases.crisis.nl[1].within",
     "-2 is less than the minimum of 1"),
])
def test_every_other_number_of_the_format_has_its_range(
        tmp_path: Path, old: str, new: str, field: str, says: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    (found,) = problems(text, tmp_path)
    assert found.startswith(f"{tmp_path / 'rules.yaml'}:{line_of(text, new)}: {field}: ")
    assert says in found


def test_rules_check_refuses_a_negative_threshold_with_exit_2(tmp_path: Path) -> None:
    text = BASE.replace(LONG_WAIT, "state.owner.expected_wait_s: {gt: -900}")
    path = write(text, tmp_path)
    result = CliRunner().invoke(rules_group, ["check", str(path)],
                                env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": "en_GB.UTF-8"})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"error: {path}:{line_of(text, 'gt: -900')}: rule long-wait-overflow: "
        "state.owner.expected_wait_s: ")
    assert result.stderr.count("\n") == 1


def test_route_with_a_negative_threshold_routes_nothing_and_exits_2(tmp_path: Path) -> None:
    path = write(BASE.replace(OTHER_FREE, "state.other.available: {gte: -1}"), tmp_path)
    result = CliRunner().invoke(route_command, ["--rules", str(path)], input=LINE)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"fout: {path}:")
    assert "regel long-wait-overflow: state.other.available: gte heeft een getal van 0 of meer " \
        "nodig, niet -1" in result.stderr


# Other bad input the loader met with a traceback (a 500 when the web app reloads the file).

def test_minutes_written_with_a_decimal_point_are_minutes(tmp_path: Path) -> None:
    rules = load_rules(write(BASE.replace(NIGHT, "hours: {from: 1320.0, to: 420.0}"), tmp_path))
    assert route({"organisation": "police"}, {}, "2026-01-13T22:00:00+01:00",
                 rules=rules).queue == "pool"
    assert route({"organisation": "police"}, {}, "2026-01-14T07:00:00+01:00",
                 rules=rules).queue == "police"


def test_minutes_that_are_not_whole_are_refused(tmp_path: Path) -> None:
    text = BASE.replace(NIGHT, "hours: {from: 1320.5, to: 420}")
    (found,) = problems(text, tmp_path)
    assert found.startswith(f"{tmp_path / 'rules.yaml'}:{line_of(text, '1320.5')}: "
                            "windows.pooled-hours.periods[0].hours.from: ")


@pytest.mark.parametrize(("key", "read_as"), [("1", "a number"), ("null", "null"),
                                             ("yes", "true or false")])
def test_a_key_that_is_not_text_in_a_condition(tmp_path: Path, key: str, read_as: str) -> None:
    old = "when: {contact.organisation: police}"
    text = BASE.replace(old, f"when: {{{key}: police}}", 1)
    (found,) = problems(text, tmp_path)
    assert found == (f"{tmp_path / 'rules.yaml'}:{line_of(text, f'{{{key}: police}}')}: "
                     f"steps.owner[3].when: key {key} is read as {read_as}, not as text: put "
                     f"it in quotes ('{key}')")


@pytest.mark.parametrize(("key", "read_as"), [
    ("no", "true or false"), ("on", "true or false"), ("off", "true or false"),
    ("yes", "true or false"), ("12", "a number")])
def test_a_spelling_yaml_reads_as_true_false_or_a_number(tmp_path: Path, key: str,
                                                         read_as: str) -> None:
    text = BASE.replace("      k: ik\n", f"      k: ik\n      {key}: nee\n", 1)
    (found,) = problems(text, tmp_path)
    assert found == (f"{tmp_path / 'rules.yaml'}:{line_of(text, f'{key}: nee')}: "
                     f"phrases.crisis.spellings: key {key} is read as {read_as}, not as text: "
                     f"put it in quotes ('{key}')")
    quoted = text.replace(f"      {key}: nee\n", f"      '{key}': nee\n")
    assert load_rules(write(quoted, tmp_path)).is_crisis_text("ik wil dood")


def test_a_key_that_is_a_list(tmp_path: Path) -> None:
    text = BASE.replace("      k: ik\n", "      k: ik\n      [k, z]: nee\n", 1)
    assert problems(text, tmp_path) == [f"{tmp_path / 'rules.yaml'}:"
                                        f"{line_of(text, '[k, z]: nee')}: "
                                        "phrases.crisis.spellings: a key is a list, not text"]


def test_an_unknown_holiday_region_is_named_as_such(tmp_path: Path) -> None:
    text = BASE.replace("holidays: NL ", "holidays: {country: NL, subdivision: XX} ", 1)
    (found,) = problems(text, tmp_path)
    assert found.startswith(f"{tmp_path / 'rules.yaml'}:{line_of(text, 'subdivision: XX')}: ")
    assert "unknown holiday region 'XX' of NL" in found


def test_a_word_class_word_without_letters(tmp_path: Path) -> None:
    text = BASE.replace("    spellings:", "      nothing: ['!!']\n    spellings:", 1).replace(
        '- {id: nl-113, all: [["113", "0113", zelfmoordlijn]]}',
        '- {id: nl-113, all: [["@nothing"], [zelfmoordlijn]]}')
    found = problems(text, tmp_path)
    assert found[0] == (f"{tmp_path / 'rules.yaml'}:{line_of(text, 'nothing: [')}: phrase list "
                        "crisis: word class nothing: '!!' has no letters")
    assert all(problem.startswith(f"{tmp_path / 'rules.yaml'}:") for problem in found)


def test_conditions_nested_too_deeply(tmp_path: Path) -> None:
    condition = "{contact.organisation: police}"
    for _ in range(150):
        condition = "{not: {not: " + condition + "}}"
    text = BASE.replace("when: {contact.organisation: police}", f"when: {condition}", 1)
    assert problems(text, tmp_path) == [f"{tmp_path / 'rules.yaml'}: the file is nested too "
                                        "deeply to read"]


def test_a_date_written_without_quotes(tmp_path: Path) -> None:
    text = BASE.replace("        holidays: NL ",
                        "        holidays: NL \n      - label: Christmas eve\n"
                        "        dates: [2026-12-24]\n        ", 1)
    assert problems(text, tmp_path) == [
        f"{tmp_path / 'rules.yaml'}:{line_of(text, '[2026-12-24]')}: "
        "windows.pooled-hours.periods[3].dates[0]: 2026-12-24 is read as a date, not as text: "
        "put it in quotes ('2026-12-24')"]
