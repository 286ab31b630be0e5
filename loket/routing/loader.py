"""Load a rules file: schema, then meaning, then compile to plain callables."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loket.routing import cache
from loket.routing.actions import compile_action
from loket.routing.analysis import RuleShape, check_step
from loket.routing.conditions import ALWAYS, ConditionCompiler, ConditionError
from loket.routing.engine import CRISIS_PHRASES, Rule, Rules
from loket.routing.errors import Problem, RulesError, dotted
from loket.routing.paths import schema_path
from loket.routing.phrases import (
    Forgiveness,
    Pattern,
    PhraseMatcher,
    pattern_of,
    pattern_problem,
    split_word,
)
from loket.routing.safety import CRISIS_FLOOR, SafetyRule, check_crisis_promises
from loket.routing.source import SourceMap
from loket.routing.values import STEP_FIELD, STEPS
from loket.routing.windows import WEEKDAYS, HolidayCalendar, Period, Window

Where = tuple[str | int, ...]
# Keys of a phrase list that are not a language's patterns.
LIST_KEYS = ("forgive", "description", "spellings", "words")

# Part of the key of kept readings: raise it when what a file reads as changes (the
# reading of YAML, its lines, the schema check), and readings kept before are not used.
_READING_FORMAT = 2


def rules_version(content: bytes) -> str:
    """Return the version of a rules file: a hash of its bytes."""
    return "sha256:" + hashlib.sha256(content).hexdigest()[:12]


def load_rules(path: str | Path) -> Rules:
    """Return the compiled rules of a file, or raise RulesError naming what is wrong."""
    file = str(path)
    try:
        content = Path(path).read_bytes()
    except OSError as error:
        raise RulesError([Problem(file, None, None, f"cannot read: {error.strerror or error}")]
                         ) from None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RulesError([Problem(file, None, None, f"not UTF-8 text: {error}")]) from None
    return parse_rules(text, file=file, version=rules_version(content))


def parse_rules(text: str, *, file: str = "<rules>", version: str | None = None) -> Rules:
    """Return the compiled rules in YAML text, or raise RulesError."""
    content = text.encode("utf-8")
    try:
        data, source = _read_checked(text, content, file)
        return _Compiler(data, source).compile(version or rules_version(content))
    except RecursionError:  # conditions nested some hundred deep (no real policy is)
        raise RulesError([Problem(file, None, None, "the file is nested too deeply to read")]
                         ) from None


def _read_checked(text: str, content: bytes, file: str) -> tuple[Any, SourceMap]:
    """Return the data and lines of YAML text that conforms to the schema, or raise RulesError.

    The reading of a good file is kept in the cache folder, keyed by a hash of its text
    and of the schema, so the next start skips PyYAML and the schema check. The meaning
    of the rules is checked and compiled every time.
    """
    key = {"format": _READING_FORMAT, "rules": hashlib.sha256(content).hexdigest(),
           "schema": _schema_digest()}
    kept = _restore(cache.read("rules", key), file)
    if kept is not None:
        return kept
    from loket.routing.source import read_yaml  # imports PyYAML

    data, source = read_yaml(text, file)
    _validate_schema(data, source)
    try:
        plain = json.loads(json.dumps(data)) == data  # no dates, non-text keys, NaN...
    except (TypeError, ValueError):
        plain = False
    if plain:
        cache.write("rules", key, {"data": data, "lines": [
            [list(path), line] for path, line in source.lines.items()]})
    return data, source


def _restore(kept: Any, file: str) -> tuple[dict[str, Any], SourceMap] | None:
    """Return the data and lines of a kept reading, or None when it is not one."""
    if not isinstance(kept, dict):
        return None
    data, lines = kept.get("data"), kept.get("lines")
    if not isinstance(data, dict) or not isinstance(lines, list):
        return None
    source = SourceMap(file)
    try:
        source.lines = {tuple(path): int(line) for path, line in lines}
    except (TypeError, ValueError):
        return None
    return data, source


@lru_cache(maxsize=1)
def _schema_digest() -> str:
    """Return a hash of the schema of rules files (read once, as the checks read it)."""
    try:
        return hashlib.sha256(schema_path().read_bytes()).hexdigest()
    except OSError:
        return ""


@lru_cache(maxsize=1)
def _validator() -> Any:
    """Return the JSON Schema validator of rules files (built on first use)."""
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _rule_at(data: Any, path: Where) -> str | None:
    """Return the id of the rule that path lies in, if any."""
    if len(path) >= 3 and path[0] == "steps" and isinstance(path[2], int):
        try:
            rule = data["steps"][path[1]][path[2]]
        except (KeyError, IndexError, TypeError):
            return None
        if isinstance(rule, dict) and isinstance(rule.get("id"), str):
            return str(rule["id"])
    return None


def _validate_schema(data: Any, source: SourceMap) -> None:
    """Raise RulesError for every place the data breaks the schema."""
    from loket.routing.schema import conforms

    if conforms(data) is True:  # surely valid: jsonschema is needed only to say what is wrong
        return
    from jsonschema.exceptions import best_match

    problems: list[Problem] = []
    for error in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.path))):
        chosen = best_match([error]) if error.context else error
        path = tuple(chosen.absolute_path)
        said = chosen.message
        if isinstance(chosen.instance, date) and chosen.validator == "type":
            written = chosen.instance.isoformat()  # YAML reads 2026-12-24 as a date
            said = f"{written} is read as a date, not as text: put it in quotes ('{written}')"
        problems.append(Problem(source.file, source.line(path), _rule_at(data, path),
                                f"{dotted(path)}: {said}"))
    if problems:
        raise RulesError(problems)


def _minutes(value: str | float) -> int:
    """Return a time of day as minutes since midnight ("HH:MM", or minutes: 1320 or 1320.0,
    which the schema counts as a whole number too)."""
    if not isinstance(value, str):
        return int(value)
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _unknown_holidays(country: str, region: str | None) -> str:
    """Return what is wrong when the holidays package knows no calendar of a country (and
    region): the country, or only the region."""
    if region is not None:
        try:
            HolidayCalendar(country)
        except NotImplementedError:
            pass
        else:
            return (f"unknown holiday region {region!r} of {country} (a subdivision of "
                    "the holidays package)")
    return (f"unknown holiday country {country!r} (a country code of the holidays package, "
            "e.g. NL)")


class _Compiler:
    """Check the meaning of schema-valid rules data and compile it."""

    def __init__(self, data: dict[str, Any], source: SourceMap) -> None:
        self.data = data
        self.source = source
        self.problems: list[Problem] = []
        self.env: dict[str, object] = {}

    def problem(self, path: Where, message: str, rule: str | None = None) -> None:
        """Record a problem at a place in the file."""
        self.problems.append(Problem(self.source.file, self.source.line(path),
                                     rule if rule is not None else _rule_at(self.data, path),
                                     message))

    def compile(self, version: str) -> Rules:
        """Return the compiled rules, or raise RulesError with every problem found."""
        windows = self._windows()
        phrases = self._phrases()
        steps = self._steps(windows, phrases)
        if not self.problems:
            self._crisis_promises(steps, phrases)
        if self.problems:
            raise RulesError(self.problems)
        return Rules(path=self.source.file, version=version,
                     title=str(self.data.get("title", "")), steps=steps, windows=windows,
                     phrases=phrases, env=self.env)

    def _windows(self) -> dict[str, Window]:
        """Return the named windows."""
        windows: dict[str, Window] = {}
        calendars: dict[tuple[str, str | None], HolidayCalendar] = {}
        for name, doc in self.data.get("windows", {}).items():
            where: Where = ("windows", name)
            try:
                zone = ZoneInfo(doc["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                self.problem((*where, "timezone"), f"window {name}: unknown time zone "
                             f"{doc['timezone']!r} (e.g. Europe/Amsterdam)")
                zone = ZoneInfo("UTC")  # keeps rules naming the window from erring too
            periods: list[Period] = []
            for index, spec in enumerate(doc["periods"]):
                period = self._period(spec, (*where, "periods", index), calendars)
                if period is not None:
                    periods.append(period)
            windows[name] = Window(name, zone, tuple(periods))
        return windows

    def _period(self, spec: dict[str, Any], where: Where,
                calendars: dict[tuple[str, str | None], HolidayCalendar]) -> Period | None:
        """Return one period of a window, or None after recording its problem."""
        if not {"days", "hours", "dates", "holidays"} & set(spec):
            self.problem(where, "a period needs days, hours, dates or holidays")
            return None
        hours = None
        if "hours" in spec:
            start, end = _minutes(spec["hours"]["from"]), _minutes(spec["hours"]["to"])
            if start == end:
                self.problem((*where, "hours"), "an hour range from and to the same time "
                             "is empty")
                return None
            hours = (start % 1440, end)
        dates = None
        if "dates" in spec:
            try:
                dates = frozenset(date.fromisoformat(day) for day in spec["dates"])
            except ValueError as error:
                self.problem((*where, "dates"), f"not a date: {error}")
                return None
        calendar = None
        if "holidays" in spec:
            country_spec = spec["holidays"]
            key = ((country_spec, None) if isinstance(country_spec, str)
                   else (country_spec["country"], country_spec.get("subdivision")))
            calendar = calendars.get(key)
            if calendar is None:
                try:
                    calendar = calendars[key] = HolidayCalendar(*key)
                except NotImplementedError:
                    self.problem((*where, "holidays"), _unknown_holidays(*key))
                    return None
        days = frozenset(WEEKDAYS.index(day) for day in spec["days"]) if "days" in spec else None
        label = spec.get("label") or ", ".join(k for k in ("days", "hours", "dates", "holidays")
                                               if k in spec)
        return Period(label=label, days=days, hours=hours, dates=dates, holidays=calendar)

    def _phrases(self) -> dict[str, PhraseMatcher]:
        """Return the named pattern lists."""
        lists: dict[str, PhraseMatcher] = {}
        for name, doc in self.data.get("phrases", {}).items():
            forgive = Forgiveness(**doc.get("forgive", {}))
            classes = self._word_classes(name, doc.get("words") or {})
            patterns: list[Pattern] = []
            seen: dict[str, Where] = {}
            for language, items in doc.items():
                if language in LIST_KEYS:
                    continue
                for index, item in enumerate(items):
                    where: Where = ("phrases", name, language, index)
                    pattern = pattern_of(item, language)
                    problem = pattern_problem(pattern, classes)
                    if problem:
                        self.problem(where, f"phrase list {name}: {problem}")
                    elif pattern.id in seen:
                        self.problem(where, f"phrase list {name}: pattern id {pattern.id!r} is "
                                     f"also at line {self.source.line(seen[pattern.id])}")
                    else:
                        seen[pattern.id] = where
                        patterns.append(pattern)
            try:
                lists[name] = PhraseMatcher(patterns, forgive, doc.get("spellings"), classes)
            except ValueError as error:
                self.problem(("phrases", name), f"phrase list {name}: {error}")
        if CRISIS_PHRASES not in lists and not self.problems:
            self.problem(("phrases",), "the phrase list 'crisis' is missing (the SMS channel "
                         "and the crisis rule use it)")
        return lists

    def _word_classes(self, name: str, classes: dict[str, list[str]]) -> dict[str, list[str]]:
        """Return the word classes of a phrase list, leaving out (as a problem) a word that is
        not one word, and a class left with none."""
        kept: dict[str, list[str]] = {}
        for cls, words in classes.items():
            good = []
            for index, word in enumerate(words):
                parts = split_word(word)
                if len(parts) == 1:
                    good.append(word)
                    continue
                said = "has no letters" if not parts else "is more than one word"
                self.problem(("phrases", name, "words", cls, index),
                             f"phrase list {name}: word class {cls}: {word!r} {said}")
            if good:
                kept[cls] = good
        return kept

    def _crisis_promises(self, steps: dict[str, tuple[Rule, ...]],
                         phrases: dict[str, PhraseMatcher]) -> None:
        """Refuse rules that would let a crisis down (routing/safety.py), naming the rule."""
        crisis = phrases[CRISIS_PHRASES]
        for text in CRISIS_FLOOR:
            if crisis.find(text) is None:
                self.problem(("phrases", CRISIS_PHRASES), f"phrase list {CRISIS_PHRASES} no "
                             f"longer recognises {text!r}: the crisis phrases must")
        shapes: dict[str, list[SafetyRule]] = {}
        places: dict[str, Where] = {}
        for step, rules in steps.items():
            for index, (rule, doc) in enumerate(zip(rules, self.data["steps"][step],
                                                    strict=True)):
                shapes.setdefault(step, []).append(
                    SafetyRule(rule.id, rule.when, doc["then"], rule.go_on))
                places[rule.id] = ("steps", step, index, "then")
        for finding in check_crisis_promises(shapes, CRISIS_PHRASES):
            self.problem(places[finding.rule], finding.message, finding.rule)

    def _steps(self, windows: dict[str, Window],
               phrases: dict[str, PhraseMatcher]) -> dict[str, tuple[Rule, ...]]:
        """Return the compiled rules of every step, after checking each."""
        steps: dict[str, tuple[Rule, ...]] = {}
        seen: dict[str, int | None] = {}
        for position, step in enumerate(STEPS):
            conditions = ConditionCompiler(step, windows, phrases, STEPS[:position], self.env)
            rules: list[Rule] = []
            for index, doc in enumerate(self.data["steps"][step]):
                where: Where = ("steps", step, index)
                rule_id = doc["id"]
                line = self.source.line(where)
                if rule_id in seen:
                    self.problem(where, f"duplicate id: rule {rule_id} is also at line "
                                 f"{seen[rule_id]}", rule_id)
                seen.setdefault(rule_id, line)
                rule = self._rule(step, doc, where, conditions, line)
                if rule is not None:
                    rules.append(rule)
            steps[step] = tuple(rules)
            if rules and len(rules) == len(self.data["steps"][step]):
                shapes = [RuleShape(r.id, r.when, not r.go_on, r.when is ALWAYS) for r in rules]
                for finding in check_step(step, shapes):
                    index = next(i for i, r in enumerate(rules) if r.id == finding.rule)
                    self.problem(("steps", step, index), finding.message, finding.rule)
        return steps

    def _rule(self, step: str, doc: dict[str, Any], where: Where,
              conditions: ConditionCompiler, line: int | None) -> Rule | None:
        """Return one compiled rule, or None after recording its problems."""
        rule_id = doc["id"]
        go_on = bool(doc.get("continue", False))
        try:
            when = conditions.compile(doc["when"], (*where, "when")) if "when" in doc else ALWAYS
            then = compile_action(step, doc["then"], (*where, "then"), conditions.name)
        except ConditionError as error:
            self.problem(error.path, str(error), rule_id)
            return None
        if not go_on and not then.decides:
            self.problem((*where, "then"), f"sets no {STEP_FIELD[step]}: every rule of step "
                         f"{step} must, unless it has 'continue: true'", rule_id)
            return None
        return Rule(rule_id, step, line, when, then, go_on, str(doc.get("description", "")))
