"""The routing trace on the staff pages in the reader's language: Dutch by default, every
phrase the default rules say in Dutch, the engine's own words in English, the file's names
as written."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from hypothesis import given
from sqlmodel import select

from loket.routing import parse_request
from loket.routing.trace_words import in_language
from loket.store.db import session_scope
from loket.store.models import Contact
from tests.desk.test_workspace import counsellor, engine_of, waiting
from tests.routing.routing_support import default_rules
from tests.routing.test_routing_properties import SETTINGS, requests

# What the engine says in English that must not be left in a Dutch line (words that are
# the same in Dutch, such as crisis, urgent, chat, weekend, status, desk and in, are not).
ENGLISH = set("""
yes no always not the there text mentions pattern has with typo typos wait available
waiting owner other over under least most exactly equal to one of and or outside tie so
first listed shorter expected more counsellors fewer people at priority queue flag respond
organisation need risk relation preference anonymous channel language region
psychological practical peer_support information unknown police defence both serving
former self family colleague none concern acute true false now callback high normal low
veterans debasis pool pooled overflow phone webform night public holiday monday tuesday
wednesday thursday friday saturday sunday Mon Tue Wed Thu Fri Sat Sun Jan Feb Mar Apr May
Jun Jul Aug Sep Oct Nov Dec Day Year's Good Friday Easter Monday King's Ascension
Pentecost Christmas Second Liberation
""".split())


def english_words(line: str) -> set[str]:
    """Return the English words left in a line, leaving out what a rules file names: the
    rule id, quoted pattern ids, hyphenated names (pooled-hours) and the time zone."""
    said = line.split(": ", 1)[1]
    said = re.sub(r"'[^']*'|\S*/\S*|\S*-\S*", " ", said)
    return set(re.findall(r"[A-Za-z_']+", said)) & ENGLISH


@SETTINGS
@given(requests)
def test_every_line_the_default_rules_say_reads_in_dutch(request: dict[str, Any]) -> None:
    parsed = parse_request(request)
    decision = default_rules().decide(parsed.contact, parsed.state, parsed.at)
    for line in decision.trace:
        dutch = in_language(line, "nl")
        assert not english_words(dutch), (line, dutch)
        assert dutch.split(": ", 1)[0] == line.split(": ", 1)[0]  # the rule's id as written
        assert in_language(line, "en") == line  # English: as the engine said it


def test_the_dutch_says_what_the_engine_said() -> None:
    assert in_language("information: no (need is psychological, not information)", "nl") == (
        "information: nee (hulpvraag is psychisch, niet informatie)")
    assert in_language(
        "crisis-phrase: yes (the text mentions crisis pattern 'nl-wil-dood', with 2 typos) "
        "-> priority urgent, crisis", "nl") == (
        "crisis-phrase: ja (de tekst noemt crisispatroon 'nl-wil-dood', met 2 tikfouten) "
        "-> prioriteit urgent, crisis")
    assert in_language(
        "long-wait-overflow: yes (owner desk is police and expected wait at owner police is "
        "1200 s, over 900 s and available counsellors at the other desk veterans is 2, at "
        "least 1) -> queue veterans (the other desk), flag overflow (not the owner police)",
        "nl") == (
        "long-wait-overflow: ja (eigen desk is politie en verwachte wachttijd bij eigen desk "
        "politie is 1200 s, meer dan 900 s en beschikbare hulpverleners bij de andere desk "
        "veteranen is 2, minstens 1) -> wachtrij veteranen (de andere desk), kenmerk "
        "overloop (niet de eigen desk politie)")
    assert in_language(
        "pooled-hours: yes (owner desk is veterans and Fri 25 Dec 2026 14:00 Europe/Amsterdam "
        "is in pooled-hours: public holiday (Christmas Day)) -> queue pool, flag pooled",
        "nl") == (
        "pooled-hours: ja (eigen desk is veteranen en vr 25 dec 2026 14:00 (Europe/Amsterdam) "
        "valt in pooled-hours: feestdag (Eerste kerstdag)) -> wachtrij gezamenlijk, kenmerk "
        "gezamenlijk")


def test_a_crisis_kept_at_its_own_desk_says_so_in_dutch() -> None:
    assert in_language(
        "crisis-overflow: yes (crisis is true and available counsellors at owner debasis is "
        "0, exactly 0) -> queue debasis (debasis: wait 0 s, 0 available, 0 waiting; a tie, "
        "so the owner debasis), no flag (the owner desk)", "nl") == (
        "crisis-overflow: ja (crisis is ja en beschikbare hulpverleners bij eigen desk De "
        "Basis is 0, precies 0) -> wachtrij De Basis (De Basis: wachttijd 0 s, 0 "
        "beschikbaar, 0 wachtend; gelijk, dus de eigen desk De Basis), geen kenmerk (de "
        "eigen desk)")


def test_what_the_table_does_not_know_stays_as_the_engine_said_it() -> None:
    # A line of another shape, and a phrase of a newer engine: kept, never lost.
    assert in_language("a note the engine may add", "nl") == "a note the engine may add"
    assert in_language("x: yes (the moon is full) -> desk police", "nl") == (
        "x: ja (the moon is full) -> desk politie")


def test_a_counsellor_reads_why_this_queue_in_their_language(app: Flask) -> None:
    reference = waiting(app)
    request = {"contact": {"channel": "sms", "organisation": "police", "need": "practical"},
               "at": "2026-01-13T12:00:00+01:00"}
    parsed = parse_request(request)
    trace = list(default_rules().decide(parsed.contact, parsed.state, parsed.at).trace)
    with session_scope(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        contact.trace = trace
        session.add(contact)
    client, _ = counsellor(app)
    dutch = html.unescape(client.get(f"/desk/contacts/{reference}").get_data(as_text=True))
    assert "Waarom deze wachtrij" in dutch
    assert "police: ja (organisatie is politie) -> desk politie" in dutch
    assert "information: nee (hulpvraag is praktisch, niet informatie)" in dutch
    assert "police: yes (" not in dutch
    english = html.unescape(
        client.get(f"/desk/contacts/{reference}?lang=en").get_data(as_text=True))
    assert "Why this queue" in english
    assert "information: no (need is practical, not information)" in english
