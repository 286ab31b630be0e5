"""Routing's cache: slow work is kept between starts, and never stands in for a change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import holidays
import pytest

from loket.routing import RulesError, cache, load_rules
from loket.routing.windows import HolidayCalendar
from tests.routing.routing_support import DEFAULT_RULES, ROOT, route

KINGS_DAY = "2026-04-27T12:00:00+02:00"  # a Monday: pooled only as a public holiday
START = ("import json, sys; from loket.routing import load_rules, default_rules_path, "
         "parse_request; rules = load_rules(default_rules_path()); "
         "request = {'contact': {'channel': 'phone', 'organisation': 'police'}, "
         f"'at': {KINGS_DAY!r}}}; decision = rules.decide(*parse_request(request)); "
         "print(decision.queue, [m for m in ('yaml', 'holidays', 'jsonschema') "
         "if m in sys.modules])")


def _start(cache_home: Path) -> str:
    """Load the default rules and route on King's Day in a fresh process; return its line."""
    env = {**os.environ, cache.CACHE_DIR_ENV: str(cache_home)}
    env.pop("LOKET_RULES_PATH", None)
    done = subprocess.run([sys.executable, "-c", START], capture_output=True, text=True,
                          check=True, timeout=120, cwd=ROOT, env=env)
    return done.stdout.strip()


def _kept(cache_home: Path) -> list[Path]:
    """Return the cache files in a cache home."""
    return sorted((cache_home / "loket").glob("*.json"))


def test_a_second_start_reads_neither_yaml_nor_the_holidays_package(tmp_path: Path) -> None:
    assert _start(tmp_path) == "pool ['yaml', 'holidays']"
    assert [path.name.split("-")[0] for path in _kept(tmp_path)] == ["holidays", "rules"]
    assert _start(tmp_path) == "pool []"


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    assert route({"organisation": "police"}, rules=load_rules(path)).desk == "police"
    rule = "when: {contact.organisation: police}\n      then: {desk: %s}"
    path.write_text(text.replace(rule % "police", rule % "debasis"), encoding="utf-8")
    assert route({"organisation": "police"}, rules=load_rules(path)).desk == "debasis"
    path.write_text(text, encoding="utf-8")
    assert route({"organisation": "police"}, rules=load_rules(path)).desk == "police"


def test_a_kept_reading_names_the_same_lines(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace(
        "then: {desk: debasis}", "then: {desk: basis}", 1), encoding="utf-8")
    said = []
    for _ in range(2):  # read by PyYAML, then from the cache
        with pytest.raises(RulesError) as caught:
            load_rules(path)
        said.append([str(problem) for problem in caught.value.problems])
    assert said[0] == said[1]
    assert "rule peer-support: unknown desk 'basis'" in said[0][0]


def test_damaged_cache_files_are_worked_out_again(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    HolidayCalendar("NL")
    load_rules(DEFAULT_RULES)
    files = _kept(tmp_path)
    assert len(files) == 2
    for damage in ('{"key": ', json.dumps({"key": "another key", "value": {}})):
        for path in files:
            path.write_text(damage, encoding="utf-8")
        assert route({"organisation": "police"}, at=KINGS_DAY,
                     rules=load_rules(DEFAULT_RULES)).queue == "pool"
        assert all(json.loads(path.read_text(encoding="utf-8"))["value"] for path in files)
    for path in files:  # the right key, a value of the wrong shape
        stored = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps({"key": stored["key"], "value": {"2026": {"x": 1}}}),
                        encoding="utf-8")
    assert route({"organisation": "police"}, at=KINGS_DAY,
                 rules=load_rules(DEFAULT_RULES)).queue == "pool"


def test_a_cache_folder_that_cannot_be_written_is_no_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(blocker))  # its loket folder cannot be made
    assert route({"organisation": "police"}, at=KINGS_DAY,
                 rules=load_rules(DEFAULT_RULES)).queue == "pool"
    assert cache.write("rules", {"a": 1}, {"b": 2}) is False
    assert cache.read("rules", {"a": 1}) is None


def test_the_cache_folder_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    assert cache.cache_dir() == tmp_path / "loket"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for unset in ("", "relative/path"):  # the XDG default, ~/.cache
        monkeypatch.setenv(cache.CACHE_DIR_ENV, unset)
        assert cache.cache_dir() == tmp_path / "home" / ".cache" / "loket"


def test_a_value_is_read_only_for_its_own_key(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    assert cache.write("rules", {"k": 1}, [1, 2])
    assert cache.read("rules", {"k": 1}) == [1, 2]
    assert cache.read("rules", {"k": 2}) is None
    (path,) = _kept(tmp_path)
    other = cache._file("rules", {"k": 2})[0]
    assert other is not None
    other.write_bytes(path.read_bytes())  # as if the hashes of two keys were the same
    assert cache.read("rules", {"k": 2}) is None


def test_kept_holidays_are_the_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    HolidayCalendar("NL")
    for year in (1999, 2026, 2051):  # outside the kept years: worked out, then kept too
        expected = {day: str(name)
                    for day, name in holidays.country_holidays("NL", years=year).items()}
        assert expected
        calendar = HolidayCalendar("NL")
        assert {day: calendar.name(day) for day in expected} == expected
        assert calendar.name(date(year, 4, 28)) is None
    assert {1999, 2026, 2051} <= set(HolidayCalendar("NL")._read())


def test_holiday_names_follow_the_locale_when_kept(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    for language, name in [("en_US", "King's Day"), ("nl", "Koningsdag"), ("en_US", "King's Day"),
                           ("nl", "Koningsdag")]:
        monkeypatch.setenv("LANGUAGE", language)
        assert HolidayCalendar("NL").name(date(2026, 4, 27)) == name
    assert len(_kept(tmp_path)) == 2


def test_an_unknown_country_is_still_refused(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    with pytest.raises(NotImplementedError):
        HolidayCalendar("XX")
    assert _kept(tmp_path) == []


def test_only_the_files_written_last_are_kept(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path))
    for number in range(cache.KEPT_PER_KIND + 5):
        assert cache.write("rules", {"n": number}, number)
        path = cache._file("rules", {"n": number})[0]
        assert path is not None
        os.utime(path, ns=(number * 10**9, number * 10**9))  # written in this order
    assert cache.write("holidays", {"n": 0}, 0)
    assert len(_kept(tmp_path)) == cache.KEPT_PER_KIND + 1
    assert cache.read("rules", {"n": 0}) is None
    assert cache.read("rules", {"n": cache.KEPT_PER_KIND + 4}) == cache.KEPT_PER_KIND + 4
    assert cache.read("holidays", {"n": 0}) == 0
