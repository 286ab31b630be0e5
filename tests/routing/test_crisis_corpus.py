"""The crisis patterns against a labelled corpus written for Loket: every crisis phrasing is
found, and at most 3% of the plain messages the desks get raise a false alarm."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.routing.routing_support import default_rules

CORPUS = Path(__file__).parent / "crisis_corpus"
LANGUAGES = ("nl", "en")
MAX_FALSE_ALARMS = 0.03


def corpus(language: str) -> list[dict[str, Any]]:
    """Return the labelled lines of one language, from every file of the corpus."""
    rows: list[dict[str, Any]] = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            rows.extend(json.loads(line) for line in lines if line.strip())
    return [row for row in rows if row["language"] == language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_corpus_is_large_and_labelled(language: str) -> None:
    rows = corpus(language)
    assert {row["label"] for row in rows} == {"crisis", "plain"}
    assert all(row["text"].strip() and row["class"] for row in rows)
    texts = [row["text"] for row in rows]
    assert len(set(texts)) == len(texts)


def test_both_halves_have_at_least_300_lines() -> None:
    rows = [row for language in LANGUAGES for row in corpus(language)]
    assert sum(row["label"] == "crisis" for row in rows) >= 300
    assert sum(row["label"] == "plain" for row in rows) >= 300


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_crisis_phrasing_is_found(language: str) -> None:
    rules = default_rules()
    missed = [row["text"] for row in corpus(language)
              if row["label"] == "crisis" and not rules.is_crisis_text(row["text"])]
    assert missed == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_few_plain_messages_raise_a_false_alarm(language: str) -> None:
    rules = default_rules()
    plain = [row["text"] for row in corpus(language) if row["label"] == "plain"]
    alarms = [(text, rules.find_crisis_phrase(text)) for text in plain
              if rules.is_crisis_text(text)]
    assert len(alarms) <= MAX_FALSE_ALARMS * len(plain), alarms
