"""Crisis phrases: both languages, case, accents and small typos; ordinary texts stay calm."""

from __future__ import annotations

import pytest

from loket.routing.phrases import Forgiveness, PhraseMatcher, within_one_edit, words_of
from tests.routing.routing_support import default_rules

CRISIS_TEXTS = [
    # Dutch, as written
    "Ik zie het niet meer zitten",
    "ik zie het echt niet meer zitten",
    "Ik denk aan zelfmoord",
    "zelfmoordgedachten sinds de uitzending",
    "ZELFMOORD",
    "ik heb suïcidale gedachten",
    "Suïcide",
    "ik wil er een eind aan maken",
    "Ik wil er een einde aan maken.",
    "ik wil niet meer leven",
    "Ik wil mezelf iets aandoen",
    "ik ben bang dat ik mijzelf iets aandoe",
    "ik heb een wapen thuis",
    "Mijn dienstwapen ligt naast me",
    "ik wil afscheid nemen van mijn kinderen",
    "Het leven heeft geen zin meer",
    "ik wil dood",
    "Ik heb een afscheidsbrief geschreven",
    "het hoeft voor mij niet meer",
    # Dutch, typos and accents
    "ik denk aan zelfmoort",
    "zelfmoorg",
    "ik zie het niet meer ziten",
    "ik zie het niet meer zittten",
    "Ik zie t niet meer zitten",
    "suicidaal",
    "sucidaal",
    "ik wil er een eind aan makn",
    "ik wil niet mer leven",
    "IK WIL MEZELF IETS AANDOEN",
    "zelfmoord-gedachten",
    # English
    "I want to die",
    "i want to kill myself",
    "I just want to end it all",
    "I feel suicidal",
    "I keep thinking about suicide",
    "I want to hurt myself again",
    "I have a gun at home",
    "I wanted to say goodbye",
    "I don't want to live anymore",
    "I dont want to live",
    "I do not want to live",
    "I’m better off dead",
    "self-harm",
    # English, typos
    "I feel suicidel",
    "i want to kil myself",
    "I want to kill mysef",
    "SUICIDAL",
    "I want to end it al",
]

ORDINARY_TEXTS = [
    "Sinds mijn uitzending slaap ik slecht",
    "ik heb een vraag over mijn pensioen",
    "I need information about the veterans' day",
    "Mijn vader is veteraan en wil graag praten",
    "Kunt u mij terugbellen over mijn uitkering?",
    "ik ben op zoek naar mijn oude wapenbroeders",
    "Mijn leidinggevende begrijpt me niet",
    "Ik heb last van nachtmerries na een incident",
    "Wanneer is de Veteranendag dit jaar?",
    "mijn partner maakt zich zorgen om mij",
    "Ik wil graag een afspraak maken",
    "mijn wagen is kapot, kan ik later bellen",
    "I would like to talk to someone about my PTSD",
    "Can someone call me back tomorrow morning?",
    "My husband came back from a mission and is not himself",
    "ik wil meer weten over de herdenking op 4 mei",
    "Ik heb een vraag over de wapenstilstandsdag",
    "Mijn zoon zit in Mali, ik maak me zorgen",
    "Where can I find the application form?",
    "Het gaat niet zo goed met mijn collega",
    "",
]


@pytest.mark.parametrize("text", CRISIS_TEXTS)
def test_crisis_texts_are_found(text: str) -> None:
    assert default_rules().is_crisis_text(text), text


@pytest.mark.parametrize("text", ORDINARY_TEXTS)
def test_ordinary_texts_are_not_crisis(text: str) -> None:
    assert not default_rules().is_crisis_text(text), default_rules().find_crisis_phrase(text)


def test_no_text_is_no_crisis() -> None:
    assert not default_rules().is_crisis_text(None)


def test_the_match_says_which_phrase_and_how_many_typos() -> None:
    found = default_rules().find_crisis_phrase("Ik zie het niet meer ziten")
    assert found is not None
    assert (found.phrase, found.typos) == ("ik zie het niet meer zitten", 1)


def test_words_ignore_case_accents_and_apostrophes() -> None:
    assert words_of("Suïcide, ZELFMOORD! I’m don't") == ["suicide", "zelfmoord", "im", "dont"]


@pytest.mark.parametrize(("a", "b", "close"), [
    ("zelfmoord", "zelfmoort", True), ("zitten", "ziten", True), ("zitten", "zittten", True),
    ("suicidal", "suicdial", True), ("abc", "abc", True), ("zitten", "zetten", True),
    ("zitten", "zetter", False), ("wapen", "wapenstilstand", False), ("", "a", True),
    ("ab", "ba", True), ("abc", "cab", False),
])
def test_one_edit(a: str, b: str, close: bool) -> None:
    assert within_one_edit(a, b) is close
    assert within_one_edit(b, a) is close


def test_short_one_word_phrases_forgive_no_typo() -> None:
    matcher = PhraseMatcher(["wapen", "gun"], Forgiveness(typo_min_single_word_length=6))
    assert matcher.find("mijn wapen") is not None
    assert matcher.find("mijn wagen") is None
    assert matcher.find("a gum") is None


def test_extra_words_and_typos_are_limited() -> None:
    matcher = PhraseMatcher(["niet meer leven"], Forgiveness(
        extra_words=1, typos_per_phrase=1, typo_min_word_length=4))
    assert matcher.find("niet echt meer leven") is not None
    assert matcher.find("niet heel erg meer leven") is None
    assert matcher.find("niet mer leven") is not None
    assert matcher.find("niet mer leve") is None
    assert matcher.find("nie mer leven") is None


def test_a_star_matches_longer_words() -> None:
    matcher = PhraseMatcher(["zelfmoord*", "wapen"])
    assert matcher.find("zelfmoordpoging") is not None
    assert matcher.find("zelfmoortpoging") is not None
    assert matcher.find("wapens") is None


def test_the_first_phrase_in_list_order_is_reported() -> None:
    matcher = PhraseMatcher(["kill myself", "want to die"])
    found = matcher.find("I want to die, I want to kill myself")
    assert found is not None and found.phrase == "kill myself"


def test_a_phrase_without_letters_is_refused() -> None:
    with pytest.raises(ValueError, match="no letters"):
        PhraseMatcher(["***"])
