"""The default policy, rule by rule and boundary by boundary (DESIGN.md)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.routing.routing_support import WEEKDAY_NOON, default_rules, load, route

FREE = {"police": load(0, 2, 0), "veterans": load(0, 2, 0), "debasis": load(0, 2, 0)}


def test_the_design_example() -> None:
    decision = route(
        {"channel": "phone", "organisation": "defence", "status": "former", "relation": "self",
         "need": "psychological", "risk": "none", "language": "nl", "region": "UT",
         "preference": "callback", "text": "Sinds mijn uitzending slaap ik slecht"},
        {"police": load(2, 1, 240), "veterans": load(9, 0, 1500), "debasis": load(0, 3, 0)},
        "2026-12-24T23:15:00+01:00",
    )
    assert decision.to_dict() | {"trace": None, "rules_version": None} == {
        "desk": "veterans", "queue": "pool", "priority": "normal", "crisis": False,
        "respond": "callback", "flags": ["pooled"], "rule": "veterans", "trace": None,
        "rules_version": None,
    }
    assert "veterans: yes (organisation is defence) -> desk veterans" in decision.trace
    assert decision.trace[0] == "peer-support: no (need is psychological, not peer_support)"
    assert decision.rules_version == default_rules().version
    assert decision.rules_version.startswith("sha256:") and len(decision.rules_version) == 19


OWNER_CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, str, tuple[str, ...]]] = [
    ("peer support beats the organisation", {"organisation": "police", "need": "peer_support"},
     FREE, "debasis", "peer-support", ()),
    ("peer support, unknown organisation", {"need": "peer_support"}, FREE, "debasis",
     "peer-support", ()),
    ("serving military for themselves", {"organisation": "defence", "status": "serving",
                                         "relation": "self"}, FREE, "debasis",
     "serving-military", ()),
    ("serving military's family", {"organisation": "defence", "status": "serving",
                                   "relation": "family"}, FREE, "veterans", "veterans", ()),
    ("a veteran", {"organisation": "defence", "status": "former"}, FREE, "veterans",
     "veterans", ()),
    ("defence, status unknown", {"organisation": "defence"}, FREE, "veterans", "veterans", ()),
    ("a colleague of a veteran", {"organisation": "defence", "relation": "colleague"}, FREE,
     "veterans", "veterans", ()),
    ("police, serving", {"organisation": "police", "status": "serving"}, FREE, "police",
     "police", ()),
    ("police, former, professional", {"organisation": "police", "status": "former",
                                      "relation": "professional"}, FREE, "police", "police", ()),
    ("both uniforms: police waits less", {"organisation": "both"},
     {"police": load(1, 0, 100), "veterans": load(1, 5, 200)}, "police", "both-uniforms",
     ("both",)),
    ("both uniforms: veterans waits less", {"organisation": "both"},
     {"police": load(1, 5, 300), "veterans": load(1, 0, 200)}, "veterans", "both-uniforms",
     ("both",)),
    ("both uniforms: same wait, police has more free", {"organisation": "both"},
     {"police": load(1, 3, 200), "veterans": load(1, 1, 200)}, "police", "both-uniforms",
     ("both",)),
    ("both uniforms: same wait and free, veterans", {"organisation": "both"},
     {"police": load(1, 1, 200), "veterans": load(1, 1, 200)}, "veterans", "both-uniforms",
     ("both",)),
    ("both uniforms: no state at all, veterans", {"organisation": "both"}, {}, "veterans",
     "both-uniforms", ("both",)),
    ("unknown: police waits less, no flag", {"organisation": "unknown"},
     {"police": load(0, 1, 10), "veterans": load(0, 1, 20)}, "police", "unknown-organisation",
     ()),
    ("unknown: same wait, more free at veterans", {},
     {"police": load(0, 1, 20), "veterans": load(0, 2, 20)}, "veterans",
     "unknown-organisation", ()),
    ("unknown: a full tie goes to veterans", {}, {}, "veterans", "unknown-organisation", ()),
    ("unknown: a missing queue counts as no wait", {},
     {"police": load(0, 9, 1)}, "veterans", "unknown-organisation", ()),
]


@pytest.mark.parametrize(("contact", "state", "desk", "rule", "flags"),
                         [case[1:] for case in OWNER_CASES], ids=[c[0] for c in OWNER_CASES])
def test_owner_desk(contact: dict[str, Any], state: dict[str, Any], desk: str, rule: str,
                    flags: tuple[str, ...]) -> None:
    decision = route(contact, state)
    assert (decision.desk, decision.rule, decision.flags) == (desk, rule, flags)


PRIORITY_CASES = [
    ({"risk": "acute"}, "urgent", True),
    ({"risk": "acute", "need": "information"}, "urgent", True),
    ({"text": "Ik zie het niet meer zitten"}, "urgent", True),
    ({"text": "I want to die", "language": "nl"}, "urgent", True),
    ({"risk": "concern", "text": "zelfmoordgedachten"}, "urgent", True),
    ({"risk": "concern"}, "high", False),
    ({"risk": "concern", "need": "information"}, "high", False),
    ({"need": "information"}, "low", False),
    ({"need": "information", "text": "I need information about the veterans' day"}, "low",
     False),
    ({"need": "practical"}, "normal", False),
    ({"text": "ik heb een vraag over mijn pensioen"}, "normal", False),
    ({}, "normal", False),
]


@pytest.mark.parametrize(("contact", "priority", "crisis"), PRIORITY_CASES)
def test_priority(contact: dict[str, Any], priority: str, crisis: bool) -> None:
    decision = route({"organisation": "police", **contact}, FREE)
    assert (decision.priority, decision.crisis) == (priority, crisis)
    assert ("crisis" in decision.flags) is crisis
    if crisis:
        assert decision.respond == "now"


# Europe/Amsterdam: +01:00 in winter, +02:00 in summer.
POOLED_TIMES = [
    ("winter 21:59", "2026-01-13T21:59:00+01:00", False),
    ("winter 21:59:59", "2026-01-13T21:59:59+01:00", False),
    ("winter 22:00", "2026-01-13T22:00:00+01:00", True),
    ("winter 06:59", "2026-01-14T06:59:00+01:00", True),
    ("winter 06:59:59", "2026-01-14T06:59:59+01:00", True),
    ("winter 07:00", "2026-01-14T07:00:00+01:00", False),
    ("winter 21:59 in UTC", "2026-01-13T20:59:00Z", False),
    ("winter 22:00 in UTC", "2026-01-13T21:00:00Z", True),
    ("summer 21:59", "2026-07-14T21:59:00+02:00", False),
    ("summer 22:00", "2026-07-14T22:00:00+02:00", True),
    ("summer 06:59", "2026-07-15T06:59:00+02:00", True),
    ("summer 07:00", "2026-07-15T07:00:00+02:00", False),
    ("summer 22:00 in UTC", "2026-07-14T20:00:00Z", True),
    ("summer 21:59 in UTC", "2026-07-14T19:59:00Z", False),
    ("summer 07:00 written in winter offset", "2026-07-15T06:00:00+01:00", False),
    ("summer 06:59 written in winter offset", "2026-07-15T05:59:00+01:00", True),
    ("night of the clock change", "2026-03-29T01:30:00Z", True),
    ("Saturday noon", "2026-01-17T12:00:00+01:00", True),
    ("Sunday noon", "2026-01-18T12:00:00+01:00", True),
    ("Sunday 23:59", "2026-01-18T23:59:00+01:00", True),
    ("Monday noon", "2026-01-19T12:00:00+01:00", False),
    ("Friday 21:59", "2026-01-16T21:59:00+01:00", False),
    ("Koningsdag 27 April 2026 (Monday)", "2026-04-27T12:00:00+02:00", True),
    ("Koningsdag moves to 26 April 2025", "2025-04-26T12:00:00+02:00", True),
    ("the day after Koningsdag", "2026-04-28T12:00:00+02:00", False),
    ("2nd Christmas day 2025 (Friday)", "2025-12-26T12:00:00+01:00", True),
    ("Christmas eve is no public holiday", "2025-12-24T12:00:00+01:00", False),
    ("New Year's day", "2026-01-01T12:00:00+01:00", True),
    ("Ascension day", "2026-05-14T12:00:00+02:00", True),
    ("Liberation day in a lustrum year", "2025-05-05T12:00:00+02:00", True),
]


@pytest.mark.parametrize(("at", "pooled"), [case[1:] for case in POOLED_TIMES],
                         ids=[case[0] for case in POOLED_TIMES])
@pytest.mark.parametrize("organisation", ["police", "defence"])
def test_pooled_hours(organisation: str, at: str, pooled: bool) -> None:
    decision = route({"organisation": organisation}, FREE, at)
    desk = "police" if organisation == "police" else "veterans"
    assert decision.desk == desk
    assert decision.queue == ("pool" if pooled else desk)
    assert decision.flags == (("pooled",) if pooled else ())


@pytest.mark.parametrize("at", ["2026-01-13T23:00:00+01:00", "2026-01-17T12:00:00+01:00"])
def test_debasis_is_never_pooled(at: str) -> None:
    decision = route({"need": "peer_support"}, FREE, at)
    assert (decision.desk, decision.queue, decision.flags) == ("debasis", "debasis", ())


QUEUE_CASES: list[tuple[str, dict[str, Any], dict[str, Any], str, str, tuple[str, ...]]] = [
    ("long wait: exactly 900 s is not over", {"organisation": "police"},
     {"police": load(5, 0, 900), "veterans": load(0, 2, 0)}, "police", "police", ()),
    ("long wait: 901 s overflows to veterans", {"organisation": "police"},
     {"police": load(5, 0, 901), "veterans": load(0, 1, 0)}, "police", "veterans",
     ("overflow",)),
    ("long wait: 900.5 s is over", {"organisation": "police"},
     {"police": load(5, 0, 900.5), "veterans": load(0, 1, 0)}, "police", "veterans",
     ("overflow",)),
    ("long wait at veterans overflows to police", {"organisation": "defence"},
     {"veterans": load(5, 1, 1500), "police": load(0, 1, 0)}, "veterans", "police",
     ("overflow",)),
    ("long wait, nobody free at the other desk", {"organisation": "police"},
     {"police": load(5, 0, 2000), "veterans": load(0, 0, 0)}, "police", "police", ()),
    ("long wait, other desk missing from state", {"organisation": "police"},
     {"police": load(5, 0, 2000)}, "police", "police", ()),
    ("long wait at De Basis does not overflow", {"need": "peer_support"},
     {"debasis": load(9, 0, 5000), "police": load(0, 3, 0)}, "debasis", "debasis", ()),
    ("short wait stays", {"organisation": "defence"},
     {"veterans": load(1, 0, 60), "police": load(0, 3, 0)}, "veterans", "veterans", ()),
    ("crisis, owner has someone free", {"organisation": "police", "risk": "acute"},
     {"police": load(9, 1, 300), "veterans": load(0, 5, 0)}, "police", "police",
     ("crisis",)),
    ("crisis, owner has someone free but a long wait", {"organisation": "police",
                                                        "risk": "acute"},
     {"police": load(9, 1, 2000), "veterans": load(0, 5, 0)}, "police", "veterans",
     ("crisis", "overflow")),
    ("crisis, nobody free at the owner: most free", {"organisation": "police", "risk": "acute"},
     {"police": load(0, 0, 0), "veterans": load(0, 2, 500), "debasis": load(0, 1, 0)},
     "police", "veterans", ("crisis", "overflow")),
    ("crisis, equal free: shorter wait", {"organisation": "police", "risk": "acute"},
     {"police": load(0, 0, 0), "veterans": load(0, 2, 500), "debasis": load(0, 2, 100)},
     "police", "debasis", ("crisis", "overflow")),
    ("crisis with nobody available: shortest wait", {"organisation": "defence",
                                                     "risk": "acute"},
     {"police": load(3, 0, 300), "veterans": load(9, 0, 900), "debasis": load(1, 0, 50)},
     "veterans", "debasis", ("crisis", "overflow")),
    ("crisis with nobody available, full tie: the owner", {"organisation": "defence",
                                                           "risk": "acute"},
     {}, "veterans", "veterans", ("crisis",)),
    ("crisis with nobody available, owner ties best: the owner",
     {"organisation": "police", "risk": "acute"},
     {"police": load(0, 0, 50), "veterans": load(0, 0, 50), "debasis": load(0, 0, 90)},
     "police", "police", ("crisis",)),
    ("crisis at De Basis, nobody free there", {"need": "peer_support", "risk": "acute"},
     {"debasis": load(4, 0, 600), "police": load(0, 1, 0)}, "debasis", "police",
     ("crisis", "overflow")),
    ("crisis text overflows too", {"organisation": "police", "text": "I want to kill myself"},
     {"police": load(0, 0, 0), "veterans": load(0, 1, 0)}, "police", "veterans",
     ("crisis", "overflow")),
    ("both uniforms and overflow", {"organisation": "both"},
     {"police": load(9, 0, 1000), "veterans": load(9, 1, 1200)}, "police", "veterans",
     ("both", "overflow")),
]


@pytest.mark.parametrize(("contact", "state", "desk", "queue", "flags"),
                         [case[1:] for case in QUEUE_CASES], ids=[c[0] for c in QUEUE_CASES])
def test_queue(contact: dict[str, Any], state: dict[str, Any], desk: str, queue: str,
               flags: tuple[str, ...]) -> None:
    decision = route(contact, state)
    assert (decision.desk, decision.queue, decision.flags) == (desk, queue, flags)


def test_pooled_crisis_goes_to_the_pool() -> None:
    decision = route({"organisation": "police", "risk": "acute", "preference": "callback"},
                     {"police": load(0, 0, 0), "veterans": load(0, 3, 0)},
                     "2026-01-13T23:30:00+01:00")
    assert (decision.queue, decision.flags) == ("pool", ("crisis", "pooled"))
    assert (decision.priority, decision.respond) == ("urgent", "now")


def test_pooled_hours_win_over_long_wait_overflow() -> None:
    decision = route({"organisation": "police"},
                     {"police": load(9, 0, 5000), "veterans": load(0, 3, 0)},
                     "2026-01-17T12:00:00+01:00")
    assert (decision.queue, decision.flags) == ("pool", ("pooled",))


RESPONSE_CASES = [
    ({"channel": "phone"}, "now", ()),
    ({"channel": "sms"}, "now", ()),
    ({"channel": "whatsapp"}, "now", ()),
    ({"channel": "webchat"}, "now", ()),
    ({"channel": "webform"}, "callback", ()),
    ({"channel": "webform", "preference": "now"}, "now", ()),
    ({"channel": "phone", "preference": "callback"}, "callback", ()),
    ({"channel": "webchat", "preference": "chat"}, "now", ()),
    ({"channel": "webform", "risk": "acute"}, "now", ("crisis",)),
    ({"channel": "webform", "preference": "callback", "text": "zelfmoord"}, "now", ("crisis",)),
    ({"channel": "phone", "anonymous": True}, "now", ("anonymous",)),
    ({"channel": "webform", "anonymous": True, "risk": "acute"}, "now",
     ("anonymous", "crisis")),
    ({"channel": "webform", "anonymous": False}, "callback", ()),
]


@pytest.mark.parametrize(("contact", "respond", "flags"), RESPONSE_CASES)
def test_response(contact: dict[str, Any], respond: str, flags: tuple[str, ...]) -> None:
    decision = route({"organisation": "police", **contact}, FREE)
    assert (decision.respond, decision.flags) == (respond, flags)


def test_flags_are_sorted_and_unique() -> None:
    decision = route({"organisation": "both", "anonymous": True, "risk": "acute"},
                     {"police": load(0, 0, 10)}, "2026-01-17T12:00:00+01:00")
    assert decision.flags == ("anonymous", "both", "crisis", "pooled")


def test_trace_says_why_rule_by_rule() -> None:
    decision = route({"organisation": "police"},
                     {"police": load(5, 0, 901), "veterans": load(0, 1, 0)})
    trace = decision.trace
    assert trace[:4] == (
        "peer-support: no (need is unknown, not peer_support)",
        "serving-military: no (organisation is police, not defence)",
        "veterans: no (organisation is police, not defence)",
        "police: yes (organisation is police) -> desk police",
    )
    assert ("long-wait-overflow: yes (owner desk is police and expected wait at owner police "
            "is 901 s, over 900 s and available counsellors at the other desk veterans is 1, "
            "at least 1) -> queue veterans (the other desk), flag overflow (not the owner "
            "police)") in trace
    assert "pooled-hours: no (Tue 13 Jan 2026 12:00 Europe/Amsterdam is outside pooled-hours)" \
        in trace
    assert trace[-1] == "wants-now: yes (preference is now) -> respond now"


def test_trace_names_the_crisis_pattern_never_the_persons_words() -> None:
    decision = route({"organisation": "police",
                      "text": "Morgen maak ik er een eind aan, groet Pieter"})
    line = next(line for line in decision.trace if line.startswith("crisis-phrase"))
    assert line == ("crisis-phrase: yes (the text mentions crisis pattern "
                    "'nl-eind-eraan') -> priority urgent, crisis")
    trace = " ".join(decision.trace)
    assert "Pieter" not in trace and "maak" not in trace


def test_no_at_means_now() -> None:
    decision = route({"organisation": "police"}, FREE, at=None)
    assert decision.desk == "police"


def test_decide_json_for_the_web_app() -> None:
    from datetime import datetime

    rules = default_rules()
    answer = rules.decide_json({"channel": "webform", "organisation": "police"}, None,
                               datetime.fromisoformat(WEEKDAY_NOON))
    assert answer["desk"] == "police" and answer["respond"] == "callback"
    assert isinstance(answer["trace"], list) and answer["rules_version"] == rules.version
