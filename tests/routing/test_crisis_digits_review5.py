"""Crisis words with digits written for letters ("d00d", "z3lfmoord") are crisis words; a
number on its own, or a word with a number that means one ("2e", "5km", "mp3"), is not."""

from __future__ import annotations

import pytest

from loket.routing.phrases import PhraseMatcher
from tests.routing.routing_support import default_rules


@pytest.mark.parametrize(
    "text",
    [
        "ik wil d00d",
        "z3lfmoord",
        "ik denk aan z3lfm00rd",
        "1k w1l d00d",
        "ik zie het n1et meer z1tten",
        "i want to d1e",
        "thinking about su1c1de",
        "I will k1ll mys3lf",
    ],
)
def test_digits_for_letters_are_read_as_the_letters(text: str) -> None:
    assert default_rules().is_crisis_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ik bel voor de 2e keer over mijn pensioen",
        "ik heb vandaag 5km gelopen en voel me goed",
        "mijn mp3 speler is kapot",
        "Mijn uitzending was in 2004, missie 3 in Uruzgan",
    ],
)
def test_numbers_and_words_with_numbers_raise_no_alarm(text: str) -> None:
    assert not default_rules().is_crisis_text(text)


def test_a_number_alone_is_left_as_it_is() -> None:
    matcher = PhraseMatcher(["ik wil dood"])
    assert matcher.tokens("d00d 113 0800") == ["dood", "113", "0800", "$"]
