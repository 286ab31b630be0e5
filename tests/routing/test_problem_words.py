"""What is wrong with a rules file or a request, in Dutch for `loket route` and `loket rules
check`; English as the routing package says it under an English locale.

Every message form is made by the real code: a small rules file that breaks one thing,
loaded with load_rules; a bad request through parse_request; bad JSON through json.loads;
the schema keywords the rules schema does not use (yet) through jsonschema itself.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from loket.cli.route import route_command, rules_group
from loket.routing import RoutingInputError, RulesError, RulesHolder, load_rules, parse_request
from loket.routing.cache import CACHE_DIR_ENV
from loket.routing.phrases import PhraseMatcher, pattern_of, pattern_problem
from loket.routing.problem_words import problem_in_language
from tests.routing.routing_support import ROOT

DUTCH_ENV = {"LC_ALL": "C"}
ENGLISH_ENV = {"LANG": "en_GB.UTF-8", "LC_ALL": ""}
# Words of the English messages that a Dutch one must not keep (outside quotes).
ENGLISH = re.compile(r"\b(expected|expecting|got|rule|is not|required|unknown|must|should|"
                     r"found|while|was|were|the|needs|does not|already|given|twice|missing|"
                     r"cannot|not|has|key|line|step|window|pattern|phrase list)\b", re.I)

GOOD = """format: 1
windows:
  hours:
    timezone: Europe/Amsterdam
    periods:
      - days: [monday]
phrases:
  crisis:
    nl: ["ik zie het niet meer zitten", "ik wil dood", "ik denk aan zelfmoord"]
    en: ["I want to die", "I am thinking about suicide"]
steps:
  owner:
    - id: o
      then: {desk: police}
  priority:
    - id: acute
      when: {contact.risk: acute}
      then: {priority: urgent, crisis: true}
    - id: phrase
      when: {contact.text: {mentions: crisis}}
      then: {priority: urgent, crisis: true}
    - id: p
      then: {priority: normal}
  queue:
    - id: q
      then: {queue: owner}
  response:
    - id: now
      when: {decision.crisis: true}
      then: {respond: now}
    - id: r
      then: {respond: callback}
"""
WHEN = "{contact.risk: acute}"
EN_LIST = 'en: ["I want to die"'
ONE_DAY = "days: [monday]"
QUEUE = "    - id: q\n      then: {queue: owner}"


def edited(*pairs: str) -> str:
    """Return the good rules with each (old, new) pair replaced once."""
    text = GOOD
    for old, new in zip(pairs[::2], pairs[1::2], strict=True):
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


# (rules text, a part of the English problem, the Dutch message after the place).
RULES_CASES: list[tuple[str, str, str]] = [
    # loader.py and source.py: reading the file
    ("", "the file is empty", "het bestand is leeg"),
    ("format: 1\nsteps: " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply",
     "het bestand is te diep genest om te lezen"),
    (edited("format: 1", "format: 1\nformat: 1"), "is given twice",
     "sleutel 'format' staat er twee keer in"),
    (edited("format: 1", "format: 1\n1: x"), "key 1 is read as a number",
     "het bestand: sleutel 1 wordt gelezen als een getal, niet als tekst: zet hem tussen "
     "aanhalingstekens ('1')"),
    (edited("format: 1", "format: 1\nextra: {yes: 1}"), "key yes is read as true or false",
     "extra: sleutel yes wordt gelezen als true of false, niet als tekst: zet hem tussen "
     "aanhalingstekens ('yes')"),
    (edited("format: 1", "format: 1\n? [a]\n: x"), "a key is a list",
     "het bestand: een sleutel is een lijst, geen tekst"),
    ("a: b: c\n", "mapping values are not allowed",
     "geen geldige YAML: waarden van een mapping mogen hier niet"),
    ("a: [1, 2\n", "while parsing a flow sequence",
     "geen geldige YAML: bij het lezen van een inline-lijst: verwachtte ',' of ']', maar vond "
     "'<stream end>'"),
    ("a:\n\t- b\n", "cannot start any token",
     "geen geldige YAML: bij het zoeken naar het volgende token: teken '\\t' kan geen token "
     "beginnen"),
    ("a: 'x\n", "while scanning a quoted scalar",
     "geen geldige YAML: bij het lezen van een waarde tussen aanhalingstekens: onverwacht "
     "einde van de tekst"),
    ("a: *x\n", "undefined alias", "geen geldige YAML: onbekende alias 'x'"),
    ("a: 1\n---\nb: 2\n", "single document",
     "geen geldige YAML: verwachtte één document, maar vond er nog een"),
    ("? a\nb", "could not find expected ':'", "geen geldige YAML: bij het lezen van een "
     "eenvoudige sleutel: kon de verwachte ':' niet vinden"),
    ("a: ? b\n", "mapping keys", "geen geldige YAML: sleutels van een mapping mogen hier niet"),
    ("a: - b\n", "sequence entries", "geen geldige YAML: lijstelementen mogen hier niet"),
    ("a: 'x\n---\ny'\n", "document separator", "geen geldige YAML: bij het lezen van een "
     "waarde tussen aanhalingstekens: onverwacht scheidingsteken van documenten"),
    ('a: "\\q"\n', "unknown escape character", "geen geldige YAML: bij het lezen van een "
     "waarde tussen dubbele aanhalingstekens: onbekend escapeteken 'q'"),
    ("a: &x 1\nb: &x 2\n", "duplicate anchor", "geen geldige YAML: anker 'x' staat er twee "
     "keer in"),
    ("a: {b: c\n", "flow mapping", "geen geldige YAML: bij het lezen van een inline-mapping: "
     "verwachtte ',' of '}', maar vond '<stream end>'"),
    ("a: [\n", "node content", "geen geldige YAML: bij het lezen van een inline-knoop: "
     "verwachtte een waarde, maar vond '<stream end>'"),
    ("a: !<tag:yaml.org,2002:str x\n", "while parsing a tag", "geen geldige YAML: bij het "
     "lezen van een tag: verwachtte '>', maar vond ' '"),
    ("a: !x!y z\n", "tag handle", "geen geldige YAML: bij het lezen van een knoop: onbekende "
     "tag-handle '!x!'"),
    ("%YAML 1.1\n%YAML 1.1\n---\na\n", "duplicate YAML directive",
     "geen geldige YAML: de YAML-directive staat er twee keer in"),
    ("a: !!python/name:os.system x\n", "could not determine a constructor",
     "geen geldige YAML: kan de tag 'tag:yaml.org,2002:python/name:os.system' niet lezen"),
    ("a: !!str\n  - x\n", "expected a scalar node",
     "geen geldige YAML: verwachtte een enkele waarde, maar vond een lijst"),
    ("a:\n  b: 1\n c: 2\n", "while parsing a block mapping",
     "geen geldige YAML: bij het lezen van een blok-mapping: verwachtte <block end>, maar vond "
     "'<block mapping start>'"),
    # jsonschema, each after the place in the file it names
    (edited("      then: {desk: police}\n", ""), "is a required property",
     "steps.owner[0]: 'then' is verplicht"),
    (edited("format: 1", "format: 1\ntitle: 5"), "is not of type",
     "title: 5 is geen tekst"),
    (edited(ONE_DAY, "days: [mondy]"), "is not one of",
     "windows.hours.periods[0].days[0]: 'mondy' is niet toegestaan (verwacht een van "
     "['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'])"),
    (edited("format: 1", "format: 2"), "was expected", "format: verwacht 1"),
    (edited("format: 1", "format: 1\nx: 1"), "Additional properties",
     "het bestand: extra velden zijn niet toegestaan ('x' is onverwacht)"),
    (edited("format: 1", "format: 1\nx: 1\ny: 2"), "Additional properties",
     "het bestand: extra velden zijn niet toegestaan ('x', 'y' zijn onverwacht)"),
    (edited("- id: o", "- id: O"), "does not match",
     "steps.owner[0].id: 'O' past niet bij het patroon '^[a-z0-9][a-z0-9_-]*$'"),
    (edited(WHEN, "{foo: 1, bar: 2}"), "do not match any of the regexes",
     "steps.priority[0].when: 'bar', 'foo' passen bij geen van de patronen "
     "'^(contact|decision|state|clock)(\\\\.[a-z_]+)*$'"),
    (edited(WHEN, "{foo: acute}"), "does not match any of the regexes",
     "steps.priority[0].when: 'foo' past bij geen van de patronen "
     "'^(contact|decision|state|clock)(\\\\.[a-z_]+)*$'"),
    (edited(ONE_DAY, "hours: {from: -5, to: 60}"), "less than the minimum",
     "windows.hours.periods[0].hours.from: -5 is kleiner dan het minimum 0"),
    (edited(ONE_DAY, "hours: {from: 1500, to: 60}"), "greater than the maximum",
     "windows.hours.periods[0].hours.from: 1500 is groter dan het maximum 1440"),
    (edited("Europe/Amsterdam", "''"), "should be non-empty",
     "windows.hours.timezone: '' mag niet leeg zijn"),
    (edited(ONE_DAY, "days: []"), "should be non-empty",
     "windows.hours.periods[0].days: [] mag niet leeg zijn"),
    (edited(ONE_DAY, "days: [monday, monday]"), "non-unique",
     "windows.hours.periods[0].days: ['monday', 'monday'] bevat iets dubbel"),
    (edited("then: {queue: owner}", "then: {}"), "should be non-empty",
     "steps.queue[0].then: {} mag niet leeg zijn"),
    (edited(EN_LIST, 'EN: ["I want to die"'), "is not valid under any of the given schemas",
     "phrases.crisis: 'EN' past bij geen van de toegestane vormen"),
    (edited(ONE_DAY, "dates: [2026-12-24]"), "is read as a date",
     "windows.hours.periods[0].dates[0]: 2026-12-24 wordt gelezen als datum, niet als tekst: "
     "zet hem tussen aanhalingstekens ('2026-12-24')"),
    # loader.py: windows
    (edited("Europe/Amsterdam", "Europe/Amsterdm"), "unknown time zone",
     "venster hours: onbekende tijdzone 'Europe/Amsterdm' (bijv. Europe/Amsterdam)"),
    (edited(ONE_DAY, "label: x"), "a period needs",
     "een periode heeft days, hours, dates of holidays nodig"),
    (edited(ONE_DAY, "hours: {from: '10:00', to: '10:00'}"), "an hour range",
     "een reeks uren van en tot dezelfde tijd is leeg"),
    (edited(ONE_DAY, "dates: ['2026-13-24']"), "not a date",
     "geen datum: de maand moet van 1 tot en met 12 zijn"),
    (edited(ONE_DAY, "dates: ['2026-02-30']"), "not a date",
     "geen datum: die dag bestaat niet in die maand"),
    (edited(ONE_DAY, "dates: ['0000-02-03']"), "not a date",
     "geen datum: jaar 0 bestaat niet"),
    (edited(ONE_DAY, "holidays: XX"), "unknown holiday country",
     "onbekend feestdagenland 'XX' (een landcode van het pakket holidays, bijv. NL)"),
    (edited(ONE_DAY, "holidays: {country: NL, subdivision: QQ}"), "unknown holiday region",
     "onbekende feestdagenregio 'QQ' van NL (een onderverdeling van het pakket holidays)"),
    # loader.py and phrases.py: phrase lists
    (edited(EN_LIST, 'en: [{id: a, all: [x]}, {id: a, all: [y]}, "I want to die"'),
     "pattern id", "zinnenlijst crisis: patroon-id 'a' staat ook op regel 10"),
    (edited("  crisis:\n", "  crisis:\n    words: {self: ['a b']}\n"), "more than one word",
     "zinnenlijst crisis: woordklasse self: 'a b' is meer dan één woord"),
    (edited("  crisis:\n", "  crisis:\n    words: {self: ['!!']}\n"), "has no letters",
     "zinnenlijst crisis: woordklasse self: '!!' heeft geen letters"),
    (edited("  crisis:\n", "  other:\n", "mentions: crisis", "mentions: other"),
     "is missing",
     "de zinnenlijst 'crisis' ontbreekt (het sms-kanaal en de crisisregel gebruiken hem)"),
    (edited('"ik wil dood", ', ""), "no longer recognises",
     "zinnenlijst crisis herkent 'ik wil dood' niet meer: de crisiszinnen moeten dat doen"),
    (edited(EN_LIST, 'en: ["!!", "I want to die"'), "has no letters",
     "zinnenlijst crisis: patroon '!!' heeft geen letters"),
    (edited(EN_LIST, 'en: [{id: e, all: ["@me"]}, "I want to die"'), "unknown word class",
     "zinnenlijst crisis: patroon 'e': onbekende woordklasse '@me' (er is er geen)"),
    (edited("  crisis:\n", "  crisis:\n    words: {me: [mij]}\n",
            EN_LIST, 'en: [{id: e, all: ["@you"]}, "I want to die"'), "unknown word class",
     "zinnenlijst crisis: patroon 'e': onbekende woordklasse '@you' (verwacht een van @me)"),
    (edited(EN_LIST, 'en: [{id: e, all: [["!!", a]]}, "I want to die"'), "has no letters",
     "zinnenlijst crisis: patroon 'e': '!!' heeft geen letters"),
    (edited(EN_LIST, 'en: [{id: e, all: [["a b", a]]}, "I want to die"'),
     "is more than one word",
     "zinnenlijst crisis: patroon 'e': 'a b' is meer dan één woord (een groep noemt woorden "
     "waarvan er één moet voorkomen; zet elk woord in een groep van zichzelf)"),
    # loader.py, analysis.py and safety.py: rules and steps
    (edited("- id: p\n", "- id: o\n"), "duplicate id",
     "regel o: dubbele id: regel o staat ook op regel 13"),
    (edited("then: {queue: owner}", "then: {flags: [both]}"), "sets no",
     "regel q: zet geen queue: elke regel van stap queue moet dat, tenzij hij 'continue: true' "
     "heeft"),
    (edited(QUEUE, QUEUE + "\n    - id: q2\n      then: {queue: owner}"), "unreachable",
     "regel q2: onbereikbaar: elk geval waarop hij past, is al besloten door regel q ervoor"),
    (edited("    - id: q\n", "    - id: q0\n      when: {all: [{contact.risk: acute}, "
            "{contact.risk: none}]}\n      then: {queue: owner}\n    - id: q\n"),
     "unreachable", "regel q0: onbereikbaar: zijn voorwaarden kunnen nooit allemaal tegelijk "
     "gelden"),
    (edited(QUEUE, "    - id: q\n      when: {contact.risk: acute}\n      then: {queue: owner}"),
     "no fallback", "regel q: stap queue heeft geen vangnet: geen regel besluit het geval "
     "contact.risk=none (sluit de stap af met een regel zonder 'when')"),
    (edited(QUEUE, "    - id: q\n      when: {contact.text: {mentions: crisis}}\n"
            "      then: {queue: owner}"), "any case",
     "regel q: stap queue heeft geen vangnet: niet elk geval wordt door een regel besloten "
     "(sluit de stap af met een regel zonder 'when')"),
    (edited("then: {priority: urgent, crisis: true}", "then: {priority: high}"),
     "may decide a contact with acute risk as",
     "regel acute: kan een contact met acuut risico besluiten als prioriteit high, geen "
     "crisis: een contact met acuut risico moet urgent en crisis zijn"),
    (edited("then: {priority: urgent, crisis: true}", "then: {priority: high}"),
     "crisis phrase (e.g.", "regel acute: kan een contact met een crisiszin in de tekst (bijv. "
     "contact.risk=acute) besluiten als prioriteit high, geen crisis: een contact met een "
     "crisiszin in de tekst moet urgent en crisis zijn"),
    (edited("then: {respond: now}", "then: {respond: callback}"), "may decide a crisis",
     "regel now: kan een crisis besluiten als reactie callback: een crisis moet nu beantwoord "
     "worden (nooit alleen teruggebeld)"),
    # conditions.py: conditions
    (edited(WHEN, "{decision.queue: police}"), "which comes later",
     "regel acute: onbekend veld 'decision.queue' in stap priority: het wordt besloten in stap "
     "queue, die later komt"),
    (edited("    - id: q\n      then", "    - id: q\n      when: {decision.queue: police}\n"
            "      then"), "at the same time",
     "regel q: onbekend veld 'decision.queue' in stap queue: het wordt besloten in stap queue, "
     "die tegelijk komt"),
    (edited(WHEN, "{contact.foo: acute}"), "unknown field",
     "regel acute: onbekend veld 'contact.foo' (verwacht een van contact.channel, "
     "contact.organisation, contact.status, contact.relation, contact.need, contact.risk, "
     "contact.language, contact.preference, contact.region, contact.anonymous, decision.desk, "
     "decision.priority, decision.crisis, decision.queue, contact.text, state.QUEUE.METRIC, "
     "clock)"),
    (edited(WHEN, "{contact.risk: {present: true}}"), "'present'",
     "regel acute: 'present' geldt niet voor contact.risk"),
    (edited(WHEN, "{contact.risk: {gt: 1}}"), "does not apply",
     "regel acute: test 'gt' geldt niet voor contact.risk (gebruik een waarde, eq, ne, in of "
     "not_in)"),
    (edited(WHEN, "{contact.risk: acut}"), "unknown value",
     "regel acute: onbekende waarde 'acut' voor contact.risk (verwacht een van none, concern, "
     "acute)"),
    (edited("    - id: q\n      then", "    - id: q\n      when: {decision.desk: polce}\n"
            "      then"), "unknown desk",
     "regel q: onbekende desk 'polce' voor decision.desk (verwacht een van police, veterans, "
     "debasis)"),
    (edited("{mentions: crisis}", "{gt: 1}"), "does not apply",
     "regel phrase: test 'gt' geldt niet voor contact.text (gebruik mentions of present)"),
    (edited("{mentions: crisis}", "{mentions: crises}"), "unknown phrase list",
     "regel phrase: onbekende zinnenlijst 'crises' (verwacht een van crisis)"),
    (edited(WHEN, "{state.police: 1}"), "state.QUEUE.METRIC",
     "regel acute: onbekend veld 'state.police' (verwacht state.QUEUE.METRIC)"),
    (edited(WHEN, "{state.polce.waiting: 1}"), "unknown desk",
     "regel acute: onbekende desk 'polce' in state.polce.waiting (verwacht een van police, "
     "veterans, debasis, pool, owner, other)"),
    (edited(WHEN, "{state.police.wait: 1}"), "a metric among",
     "regel acute: onbekend veld 'state.police.wait' (verwacht een meetwaarde uit waiting, "
     "available, expected_wait_s)"),
    (edited("    - id: o\n      then", "    - id: o\n      when: {state.owner.waiting: 1}\n"
            "      then"), "the owner desk is decided",
     "regel o: onbekend veld 'state.owner.waiting' in stap owner: de eigen desk wordt besloten "
     "in stap owner"),
    (edited(WHEN, "{state.police.waiting: {mentions: x}}"), "does not apply",
     "regel acute: test 'mentions' geldt niet voor state.police.waiting (gebruik een getal, eq, "
     "ne, gt, gte, lt of lte)"),
    (edited(WHEN, "{state.police.waiting: {gt: .inf}}"), "finite",
     "regel acute: gt heeft een eindig getal nodig, niet inf"),
    (edited(WHEN, "{state.police.waiting: {gt: -1}}"), "0 or more",
     "regel acute: state.police.waiting: gt heeft een getal van 0 of meer nodig, niet -1 (een "
     "aantal of een wachttijd is nooit negatief)"),
    (edited(WHEN, "{state.police.waiting: {eq: true}}"), "a state value",
     "regel acute: eq heeft een getal of een waarde uit state nodig, niet 'true'"),
    (edited(WHEN, "{clock: {gt: 1}}"), "does not apply",
     "regel acute: test 'gt' geldt niet voor clock (gebruik within of outside)"),
    (edited(WHEN, "{clock: {within: hourz}}"), "unknown window",
     "regel acute: onbekend venster 'hourz' (verwacht een van hours)"),
    (edited("windows:\n  hours:\n    timezone: Europe/Amsterdam\n    periods:\n"
            "      - days: [monday]\n", "", WHEN, "{clock: {within: hours}}"), "unknown window",
     "regel acute: onbekend venster 'hours' (er is er geen: voeg er een toe onder windows)"),
    # actions.py: what a rule decides
    (edited("{desk: police}", "{desk: polce}"), "unknown desk",
     "regel o: onbekende desk 'polce' (verwacht een van police, veterans, debasis)"),
    (edited("{desk: police}", "{desk: police, flags: [fooo]}"), "unknown flag",
     "regel o: onbekend kenmerk 'fooo' (verwacht een van anonymous, both, crisis, overflow, "
     "pooled)"),
    (edited("{desk: police}", "{desk: {pick: {among: [police, vets], by: [shorter_wait]}}}"),
     "unknown desk", "regel o: onbekende desk 'vets' (verwacht een van police, veterans, "
     "debasis)"),
    (edited("{desk: police}", "{desk: {pick: {among: [police, veterans], by: [shorter_wait], "
            "prefer: debasis}}}"), "to prefer",
     "regel o: onbekende voorkeursdesk 'debasis' (verwacht een van police, veterans)"),
    (edited("then: {priority: normal}", "then: {crisis: true}"), "set together",
     "regel p: crisis wordt alleen samen met priority gezet"),
    (edited("then: {priority: normal}", "then: {priority: norml}"), "unknown priority",
     "regel p: onbekende prioriteit 'norml' (verwacht een van urgent, high, normal, low)"),
    (edited("then: {respond: callback}", "then: {respond: later}"), "unknown response",
     "regel r: onbekende reactie 'later' (verwacht een van now, callback)"),
    (edited("then: {queue: owner}", "then: {queue: polce}"), "for queue",
     "regel q: onbekende desk 'polce' voor de wachtrij (verwacht een van police, veterans, "
     "debasis, pool, owner, other)"),
]


def problems_of(path: Path) -> list[str]:
    """Return the problems of a rules file, as `loket rules check` prints them in English."""
    with pytest.raises(RulesError) as raised:
        load_rules(path)
    return [str(problem) for problem in raised.value.problems]


def the_problem(tmp_path: Path, text: str, english: str) -> str:
    """Return the one problem of a rules file that says `english`."""
    path = tmp_path / "my-rules.yaml"
    path.write_text(text, encoding="utf-8")
    found = [line for line in problems_of(path) if english in line]
    assert len(found) == 1, problems_of(path)
    return found[0].replace(str(tmp_path) + "/", "", 1)


def assert_dutch(english: str, dutch_message: str) -> None:
    """Check a problem in both languages: English as said, Dutch with its place kept."""
    assert problem_in_language(english, "en") == english
    dutch = problem_in_language(english, "nl")
    place = english.split(": ", 1)[0]
    assert dutch.startswith(place + ": "), dutch
    assert dutch.endswith(": " + dutch_message) or dutch == dutch_message, dutch
    rule = re.search(r"^[^:]*(?::\d+)?: rule (\S+): ", english)
    if rule is not None:
        assert f": regel {rule[1]}: " in dutch
    unquoted = re.sub(r"'[^']*'|\"[^\"]*\"|<[^>]*>", "", dutch.removeprefix(place))
    assert ENGLISH.search(unquoted) is None, dutch


@pytest.mark.parametrize(("text", "english", "dutch"), RULES_CASES,
                         ids=[f"{n}-{case[1]}" for n, case in enumerate(RULES_CASES)])
def test_every_problem_of_a_rules_file_says_in_dutch(
    tmp_path: Path, text: str, english: str, dutch: str
) -> None:
    assert_dutch(the_problem(tmp_path, text, english), dutch)


def test_the_good_rules_of_these_tests_load(tmp_path: Path) -> None:
    path = tmp_path / "good.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_rules(path).rule_count == 7


@pytest.mark.parametrize(("limit", "english", "dutch"), [
    ("loket.routing.analysis.MAX_CASES", "already decided",
     "regel q2: onbereikbaar: elk geval is al besloten door regel q ervoor"),
    ("loket.routing.analysis.MAX_CASES", "no fallback",
     "regel now: stap response heeft geen vangnet: sluit hem af met een regel zonder 'when'"),
])
def test_a_step_too_big_to_prove_says_in_dutch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, english: str, dutch: str
) -> None:
    monkeypatch.setattr(limit, 0)
    text = edited(QUEUE, QUEUE + "\n    - id: q2\n      then: {queue: owner}",
                  "    - id: r\n      then: {respond: callback}\n", "")
    assert_dutch(the_problem(tmp_path, text, english), dutch)


def test_a_promise_too_big_to_prove_says_in_dutch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("loket.routing.safety.MAX_CASES", 0)
    path = tmp_path / "my-rules.yaml"
    path.write_text(GOOD, encoding="utf-8")
    said = [problem_in_language(line, "nl") for line in problems_of(path)]
    assert said == [
        f"{path}:18: regel acute: te veel combinaties van velden om te bewijzen dat een contact "
        "met acuut risico urgent en crisis is: splits de voorwaarden van de stap",
        f"{path}:18: regel acute: te veel combinaties van velden om te bewijzen dat een contact "
        "met een crisiszin in de tekst urgent en crisis is: splits de voorwaarden van de stap",
        f"{path}:30: regel now: te veel combinaties van velden om te bewijzen dat een crisis nu "
        "beantwoord wordt (nooit alleen teruggebeld): splits de voorwaarden van de stap"]


def test_a_file_that_cannot_be_read_says_in_dutch(tmp_path: Path) -> None:
    missing = tmp_path / "none.yaml"
    (line,) = problems_of(missing)
    assert_dutch(line, "kan het bestand niet lezen: bestand of map bestaat niet")
    (line,) = problems_of(tmp_path)
    assert_dutch(line, "kan het bestand niet lezen: is een map")
    rules = tmp_path / "rules.yaml"
    rules.write_text(GOOD, encoding="utf-8")
    holder = RulesHolder(rules)
    rules.unlink()
    holder.reload()
    assert holder.last_error is not None
    (problem,) = holder.last_error.problems
    assert_dutch(str(problem), "kan het bestand niet lezen: bestand of map bestaat niet")


@pytest.mark.parametrize(("raw", "dutch"), [
    (b"\xff", "geen UTF-8-tekst: de codec 'utf-8' kan byte 0xff op positie 0 niet lezen: "
              "ongeldige beginbyte"),
    (b"a\xc3", "geen UTF-8-tekst: de codec 'utf-8' kan byte 0xc3 op positie 1 niet lezen: "
               "onverwacht einde van de gegevens"),
    (b"a: \xc3(", "geen UTF-8-tekst: de codec 'utf-8' kan byte 0xc3 op positie 3 niet lezen: "
                  "ongeldige vervolgbyte"),
])
def test_a_file_not_in_utf8_says_in_dutch(tmp_path: Path, raw: bytes, dutch: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_bytes(raw)
    (line,) = problems_of(path)
    assert_dutch(line, dutch)


def test_a_pattern_with_an_empty_group_says_in_dutch() -> None:
    problem = pattern_problem(pattern_of({"id": "e", "all": [[]]}, "en"))
    assert problem == "pattern 'e' has an empty word group"
    said = problem_in_language(f"my-rules.yaml:9: phrase list crisis: {problem}", "nl")
    assert said == "my-rules.yaml:9: zinnenlijst crisis: patroon 'e' heeft een lege woordgroep"


def test_a_pattern_listed_twice_says_in_dutch() -> None:
    with pytest.raises(ValueError, match="listed twice") as raised:
        PhraseMatcher(["ik wil dood", "ik wil dood"])
    said = problem_in_language(f"phrase list crisis: {raised.value}", "nl")
    assert said == "zinnenlijst crisis: patroon 'ik wil dood' staat er twee keer in"


# --- a request (inputs.py, engine.py) and its JSON ---------------------------------------

REQUEST_CASES = [
    ("[]", "request: verwacht een JSON-object, kreeg lijst []"),
    ('{"x": 1}', "x: onbekend veld (verwacht een van contact, state, at)"),
    ("{}", "contact: is verplicht"),
    ('{"contact": 1}', "contact: verwacht een object, kreeg getal 1"),
    ('{"contact": {}}', "contact.channel: is verplicht"),
    ('{"contact": {"channel": 5}}', "contact.channel: verwacht een tekst, kreeg getal 5"),
    ('{"contact": {"channel": "fax"}}', "contact.channel: onbekende waarde 'fax' (verwacht een "
     "van phone, sms, whatsapp, webchat, webform)"),
    ('{"contact": {"channel": "phone", "text": 5}}',
     "contact.text: verwacht een tekst of null, kreeg getal 5"),
    ('{"contact": {"channel": "phone", "anonymous": "no"}}',
     "contact.anonymous: verwacht true of false, kreeg tekst 'no'"),
    ('{"contact": {"channel": "phone", "region": true}}',
     "contact.region: verwacht een tekst, kreeg booleaanse waarde (ja/nee) true"),
    ('{"contact": {"channel": "phone", "foo": null}}',
     "contact.foo: onbekend veld (verwacht een van channel, organisation, status, relation, "
     "need, risk, language, preference, region, text, anonymous)"),
    ('{"contact": {"channel": "phone"}, "state": []}',
     "state: verwacht een object, kreeg lijst []"),
    ('{"contact": {"channel": "phone"}, "state": {"foo": {}}}',
     "state.foo: onbekend veld (verwacht een van police, veterans, debasis, pool)"),
    ('{"contact": {"channel": "phone"}, "state": {"police": {"x": 1}}}',
     "state.police.x: onbekend veld (verwacht een van waiting, available, expected_wait_s)"),
    ('{"contact": {"channel": "phone"}, "state": {"police": {"waiting": 1.5}}}',
     "state.police.waiting: verwacht een geheel getal, kreeg 1.5"),
    ('{"contact": {"channel": "phone"}, "state": {"police": {"waiting": null}}}',
     "state.police.waiting: verwacht een geheel getal van 0 of meer, kreeg null"),
    ('{"contact": {"channel": "phone"}, "state": {"police": {"expected_wait_s": -1}}}',
     "state.police.expected_wait_s: verwacht een getal van 0 of meer, kreeg -1"),
    ('{"contact": {"channel": "phone"}, "state": {"pool": {"expected_wait_s": {}}}}',
     "state.pool.expected_wait_s: verwacht een getal van 0 of meer, kreeg object {}"),
    ('{"contact": {"channel": "phone"}, "at": 5}',
     "at: verwacht een ISO 8601-tijd als tekst, kreeg getal 5"),
    ('{"contact": {"channel": "phone"}, "at": "x"}', "at: geen ISO 8601-tijd: 'x'"),
    ('{"contact": {"channel": "phone"}, "at": "2026-01-13T12:00:00"}',
     "at: '2026-01-13T12:00:00' heeft geen UTC-verschil (voeg er bijv. +01:00 of Z aan toe)"),
]


@pytest.mark.parametrize(("raw", "dutch"), REQUEST_CASES)
def test_every_problem_of_a_request_says_in_dutch(raw: str, dutch: str) -> None:
    with pytest.raises(RoutingInputError) as raised:
        parse_request(json.loads(raw))
    english = str(raised.value)
    assert problem_in_language(english, "en") == english
    assert problem_in_language(english, "nl") == dutch
    unquoted = re.sub(r"'[^']*'", "", dutch.split(": ", 1)[1])
    assert ENGLISH.search(unquoted) is None, dutch


def test_a_time_without_offset_given_to_the_engine_says_in_dutch(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(RoutingInputError) as raised:
        load_rules(path).decide_json({"channel": "phone"}, None, datetime(2026, 1, 13, 12))
    assert problem_in_language(str(raised.value), "nl") == (
        "at: '2026-01-13T12:00:00' heeft geen UTC-verschil")


@pytest.mark.parametrize(("raw", "dutch"), [
    ("", "waarde verwacht"),
    ("{", "naam van een veld tussen dubbele aanhalingstekens verwacht"),
    ("[1 2]", "scheidingsteken ',' verwacht"),
    ('{"a" 1}', "scheidingsteken ':' verwacht"),
    ("1 2", "meer gegevens na de waarde"),
    ('"abc', "niet afgesloten tekst, begonnen"),
    ('"a\x01"', "ongeldig stuurteken"),
    ('"\\x"', "ongeldige escape met \\"),
    ('"\\u12"', "ongeldige escape \\uXXXX"),
])
def test_every_json_decoder_message_says_in_dutch(raw: str, dutch: str) -> None:
    with pytest.raises(json.JSONDecodeError) as raised:
        json.loads(raw)
    assert problem_in_language(raised.value.msg, "en") == raised.value.msg
    assert problem_in_language(raised.value.msg, "nl") == dutch


# --- the schema keywords the rules schema does not use now, from jsonschema itself ----------

@pytest.mark.parametrize(("schema", "value", "dutch"), [
    ({"exclusiveMinimum": 0}, 0, "0 is kleiner dan of gelijk aan het minimum 0"),
    ({"exclusiveMaximum": 5}, 5, "5 is groter dan of gelijk aan het maximum 5"),
    ({"minLength": 3}, "ab", "'ab' is te kort"),
    ({"maxLength": 1}, "ab", "'ab' is te lang"),
    ({"maxLength": 0}, "ab", "'ab' moet leeg zijn"),
    ({"minItems": 2}, [1], "[1] is te kort"),
    ({"maxItems": 1}, [1, 2], "[1, 2] is te lang"),
    ({"minProperties": 2}, {"a": 1}, "{'a': 1} heeft te weinig velden"),
    ({"maxProperties": 1}, {"a": 1, "b": 2}, "{'a': 1, 'b': 2} heeft te veel velden"),
    ({"anyOf": [{"type": "string"}, {"type": "null"}]}, 5,
     "5 past bij geen van de toegestane vormen"),
    ({"oneOf": [{"type": "number"}, {"type": "integer"}]}, 5,
     "5 past bij meer dan één van de vormen {'type': 'integer'}, {'type': 'number'}"),
    ({"type": ["string", "number", "boolean", "null"]}, [],
     "[] is geen tekst, getal, booleaanse waarde (ja/nee) of null"),
    ({"type": "integer"}, "x", "'x' is geen geheel getal"),
    ({"type": "array"}, {}, "{} is geen lijst"),
    ({"not": {"type": "string"}}, "x", "'x' mag niet passen bij {'type': 'string'}"),
    ({"properties": {"a": False}}, {"a": 1}, "1 is hier niet toegestaan"),
    ({"multipleOf": 2}, 3, "3 is geen veelvoud van 2"),
    ({"const": "x"}, "y", "verwacht 'x'"),
])
def test_every_schema_message_says_in_dutch(schema: object, value: object, dutch: str) -> None:
    from jsonschema import Draft202012Validator

    (error,) = Draft202012Validator(schema).iter_errors(value)
    line = f"my-rules.yaml:3: rule a: steps.owner[0]: {error.message}"
    assert problem_in_language(line, "en") == line
    assert problem_in_language(line, "nl") == f"my-rules.yaml:3: regel a: steps.owner[0]: {dutch}"


# --- a message not known here stays English, whole ---------------------------------------------

@pytest.mark.parametrize("line", [
    "my-rules.yaml:3: rule a: something new went wrong",
    "my-rules.yaml:3: phrase list crisis: something new went wrong",
    "my-rules.yaml:3: phrase list crisis: pattern 'x' has something new",
    "my-rules.yaml:3: not valid YAML: while reading a riddle found a sphinx",
    "my-rules.yaml:3: not valid YAML: while parsing a block mapping found a sphinx",
    "my-rules.yaml: cannot read: Device is on fire",
    "my-rules.yaml: not a date: the moon is out of range",
    "my rules.yaml:3: phrase list crisis: 'a' has no letters",
    "contact.channel: expected a banana, got number 5",
    "Expecting a miracle",
])
def test_a_message_not_known_stays_english_whole(line: str) -> None:
    assert problem_in_language(line, "nl") == line
    assert problem_in_language(line, "en") == line


def test_names_and_values_are_kept_as_written() -> None:
    line = ("my rules: v2.yaml:717: rule police-2: steps.owner[3].then.desk: 'rule is not "
            "required' is not one of ['police']")
    assert problem_in_language(line, "nl") == (
        "my rules: v2.yaml:717: regel police-2: steps.owner[3].then.desk: 'rule is not "
        "required' is niet toegestaan (verwacht een van ['police'])")


# --- the commands -------------------------------------------------------------------------

BAD_REQUEST = json.dumps({"contact": {"channel": "phone", "risk": "severe"}})
GOOD_REQUEST = json.dumps({"contact": {"channel": "phone", "organisation": "police"},
                           "at": "2026-01-13T12:00:00+01:00"})


def route(args: list[str], stdin: str, env: dict[str, str]):  # noqa: ANN201
    """Run `loket route` in-process in a locale."""
    return CliRunner().invoke(route_command, args, input=stdin, env=env)


def check(paths: list[str], env: dict[str, str]):  # noqa: ANN201
    """Run `loket rules check` in-process in a locale."""
    return CliRunner().invoke(rules_group, ["check", *paths], env=env)


@pytest.mark.parametrize(("args", "stdin", "dutch", "english"), [
    ([], BAD_REQUEST,
     "fout: contact.risk: onbekende waarde 'severe' (verwacht een van none, concern, acute)\n",
     "error: contact.risk: unknown value 'severe' (expected one of none, concern, acute)\n"),
    ([], "[]", "fout: request: verwacht een JSON-object, kreeg lijst []\n",
     "error: request: expected a JSON object, got array []\n"),
    ([], "{", "fout: request: geen geldige JSON (naam van een veld tussen dubbele "
              "aanhalingstekens verwacht in kolom 2)\n",
     "error: request: not valid JSON (Expecting property name enclosed in double quotes at "
     "column 2)\n"),
    ([], "[1 2]", "fout: request: geen geldige JSON (scheidingsteken ',' verwacht in kolom 4)\n",
     "error: request: not valid JSON (Expecting ',' delimiter at column 4)\n"),
    (["--batch"], GOOD_REQUEST + "\n" + BAD_REQUEST + "\n",
     "fout: regel 2: contact.risk: onbekende waarde 'severe' (verwacht een van none, concern, "
     "acute)\n",
     "error: line 2: contact.risk: unknown value 'severe' (expected one of none, concern, "
     "acute)\n"),
    (["--batch", "--explain"], GOOD_REQUEST + "\n{}\n",
     "fout: regel 2: contact: is verplicht\n", "error: line 2: contact: is required\n"),
    (["--batch"], GOOD_REQUEST + "\n" + '"abc' + "\n",
     "fout: regel 2: request: geen geldige JSON (niet afgesloten tekst, begonnen in kolom 1)\n",
     "error: line 2: request: not valid JSON (Unterminated string starting at at column "
     "1)\n"),  # the English of today, "at" twice
])
def test_route_says_a_bad_request_in_the_locales_language(
    args: list[str], stdin: str, dutch: str, english: str
) -> None:
    result = route(args, stdin, DUTCH_ENV)
    assert result.exit_code == 2
    assert result.stderr == dutch
    result = route(args, stdin, ENGLISH_ENV)
    assert result.exit_code == 2
    assert result.stderr == english


def test_route_decisions_are_the_same_in_either_locale() -> None:
    dutch = route(["--batch"], GOOD_REQUEST + "\n" + GOOD_REQUEST + "\n", DUTCH_ENV)
    english = route(["--batch"], GOOD_REQUEST + "\n" + GOOD_REQUEST + "\n", ENGLISH_ENV)
    assert dutch.exit_code == english.exit_code == 0
    assert dutch.stdout == english.stdout
    assert json.loads(dutch.stdout.splitlines()[0])["desk"] == "police"


def test_route_with_bad_rules_says_every_problem_in_the_locales_language(
    tmp_path: Path
) -> None:
    path = tmp_path / "my-rules.yaml"
    path.write_text(edited("{desk: police}", "{desk: polce}", "then: {respond: callback}",
                           "then: {respond: later}"), encoding="utf-8")
    result = route(["--rules", str(path)], GOOD_REQUEST, DUTCH_ENV)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (  # the first problem last, with the exit
        f"fout: {path}:32: regel r: onbekende reactie 'later' (verwacht een van now, callback)\n"
        f"fout: {path}:14: regel o: onbekende desk 'polce' (verwacht een van police, veterans, "
        "debasis)\n")
    result = route(["--rules", str(path)], GOOD_REQUEST, ENGLISH_ENV)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: {path}:32: rule r: unknown response 'later' (expected one of now, callback)\n"
        f"error: {path}:14: rule o: unknown desk 'polce' (expected one of police, veterans, "
        "debasis)\n")


@pytest.mark.parametrize(("text", "dutch", "english"), [
    (edited("{desk: police}", "{desk: polce}"),
     "fout: {path}:14: regel o: onbekende desk 'polce' (verwacht een van police, veterans, "
     "debasis)\n",
     "error: {path}:14: rule o: unknown desk 'polce' (expected one of police, veterans, "
     "debasis)\n"),
    (edited("      then: {desk: police}\n", ""),
     "fout: {path}:13: regel o: steps.owner[0]: 'then' is verplicht\n",
     "error: {path}:13: rule o: steps.owner[0]: 'then' is a required property\n"),
    (edited("format: 1", "format: 1\nx: 1"),
     "fout: {path}:1: het bestand: extra velden zijn niet toegestaan ('x' is onverwacht)\n",
     "error: {path}:1: the file: Additional properties are not allowed ('x' was unexpected)\n"),
    ("a: b: c\n", "fout: {path}:1: geen geldige YAML: waarden van een mapping mogen hier niet\n",
     "error: {path}:1: not valid YAML: mapping values are not allowed here\n"),
])
def test_rules_check_says_every_problem_in_the_locales_language(
    tmp_path: Path, text: str, dutch: str, english: str
) -> None:
    path = tmp_path / "my-rules.yaml"
    path.write_text(text, encoding="utf-8")
    result = check([str(path)], DUTCH_ENV)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == dutch.format(path=path)
    result = check([str(path)], ENGLISH_ENV)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == english.format(path=path)


def test_rules_check_of_a_missing_file_in_either_locale(tmp_path: Path) -> None:
    missing = tmp_path / "none.yaml"
    result = check([str(missing)], DUTCH_ENV)
    assert result.exit_code == 2
    assert result.stderr == (f"fout: {missing}: kan het bestand niet lezen: bestand of map "
                             "bestaat niet\n")
    result = check([str(missing)], ENGLISH_ENV)
    assert result.exit_code == 2
    assert result.stderr == f"error: {missing}: cannot read: No such file or directory\n"


def test_routing_a_good_request_does_not_import_the_words_of_problems() -> None:
    code = ("import sys\nfrom loket.cli.route import route_command\n"
            "try:\n    route_command([])\nexcept SystemExit:\n    pass\n"
            "print('loket.routing.problem_words' in sys.modules, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], input=GOOD_REQUEST, text=True,
                          capture_output=True, cwd=ROOT, check=False, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LC_ALL": "C",
                               **_cache_env()})
    assert json.loads(done.stdout)["desk"] == "police"
    assert done.stderr.strip() == "False"


def _cache_env() -> dict[str, str]:
    """Return the routing cache folder of the tests (conftest.py sets it)."""
    return {CACHE_DIR_ENV: os.environ[CACHE_DIR_ENV]}

