"""Parsing a request: defaults, and errors that name the field and the value."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from loket.routing import (
    CHANNELS,
    Contact,
    QueueState,
    RoutingInputError,
    State,
    parse_request,
)


def test_defaults_of_the_contract() -> None:
    request = parse_request({"contact": {"channel": "sms"}, "at": "2026-01-13T12:00:00Z"})
    assert request.contact == Contact(
        channel="sms", organisation="unknown", status="unknown", relation="self",
        need="unknown", risk="none", language="nl", region=None, preference="now", text=None,
        anonymous=False)
    assert request.state == State()
    assert request.at == datetime(2026, 1, 13, 12, tzinfo=UTC)


@pytest.mark.parametrize("channel", CHANNELS)
def test_preference_defaults_by_channel(channel: str) -> None:
    contact = parse_request({"contact": {"channel": channel}}).contact
    assert contact.preference == ("callback" if channel == "webform" else "now")
    assert Contact(channel=channel).preference == contact.preference  # type: ignore[arg-type]


def test_null_means_the_default() -> None:
    contact = parse_request({"contact": {"channel": "phone", "organisation": None,
                                         "text": None, "anonymous": None}}).contact
    assert (contact.organisation, contact.text, contact.anonymous) == ("unknown", None, False)


def test_state_missing_queues_and_metrics_count_as_zero() -> None:
    state = parse_request({"contact": {"channel": "phone"},
                           "state": {"police": {"waiting": 3}, "veterans": None}}).state
    assert state.police == QueueState(3, 0, 0)
    assert state.veterans == state.debasis == QueueState(0, 0, 0)


def test_missing_at_is_now() -> None:
    before = datetime.now(UTC)
    at = parse_request({"contact": {"channel": "phone"}}).at
    assert before <= at <= datetime.now(UTC)


BAD: list[tuple[Any, str]] = [
    ({"contact": {"channel": "fax"}},
     "contact.channel: unknown value 'fax' (expected one of phone, sms, whatsapp, webchat, "
     "webform)"),
    ({"contact": {}}, "contact.channel: is required"),
    ({"contact": {"channel": None}}, "contact.channel: is required"),
    ({"state": {}}, "contact: is required"),
    ([], "request: expected a JSON object, got array []"),
    ({"contact": "phone"}, "contact: expected an object, got string 'phone'"),
    ({"contact": {"channel": 3}}, "contact.channel: expected a string, got number 3"),
    ({"contact": {"channel": "phone", "organisation": "navy"}},
     "contact.organisation: unknown value 'navy' (expected one of police, defence, both, "
     "unknown)"),
    ({"contact": {"channel": "phone", "risk": "high"}},
     "contact.risk: unknown value 'high' (expected one of none, concern, acute)"),
    ({"contact": {"channel": "phone", "language": "de"}},
     "contact.language: unknown value 'de' (expected one of nl, en)"),
    ({"contact": {"channel": "phone", "region": "XX"}}, "contact.region: unknown value 'XX'"),
    ({"contact": {"channel": "phone", "anonymous": "yes"}},
     "contact.anonymous: expected true or false, got string 'yes'"),
    ({"contact": {"channel": "phone", "text": 12}},
     "contact.text: expected a string or null, got number 12"),
    ({"contact": {"channel": "phone", "chanel": "sms"}}, "contact.chanel: unknown field"),
    ({"contact": {"channel": "phone"}, "extra": 1}, "extra: unknown field"),
    ({"contact": {"channel": "phone"}, "state": []}, "state: expected an object, got array"),
    ({"contact": {"channel": "phone"}, "state": {"army": {}}}, "state.army: unknown field"),
    ({"contact": {"channel": "phone"}, "state": {"police": {"waiting": -1}}},
     "state.police.waiting: expected a non-negative number, got -1"),
    ({"contact": {"channel": "phone"}, "state": {"police": {"available": 1.5}}},
     "state.police.available: expected a whole number, got 1.5"),
    ({"contact": {"channel": "phone"}, "state": {"police": {"available": True}}},
     "state.police.available: expected a non-negative integer, got boolean true"),
    ({"contact": {"channel": "phone"}, "state": {"police": {"expected_wait_s": "10"}}},
     "state.police.expected_wait_s: expected a non-negative number, got string '10'"),
    ({"contact": {"channel": "phone"}, "state": {"police": {"queue": 1}}},
     "state.police.queue: unknown field"),
    ({"contact": {"channel": "phone"}, "at": "2026-01-13T12:00:00"},
     "at: '2026-01-13T12:00:00' has no UTC offset"),
    ({"contact": {"channel": "phone"}, "at": "tomorrow"}, "at: not an ISO 8601 time: 'tomorrow'"),
    ({"contact": {"channel": "phone"}, "at": 1700000000},
     "at: expected an ISO 8601 time string, got number 1700000000"),
]


@pytest.mark.parametrize(("request_obj", "message"), BAD)
def test_bad_input_names_the_field_and_value(request_obj: Any, message: str) -> None:
    with pytest.raises(RoutingInputError) as caught:
        parse_request(request_obj)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_the_error_carries_field_and_value() -> None:
    with pytest.raises(RoutingInputError) as caught:
        parse_request({"contact": {"channel": "fax"}})
    assert (caught.value.field, caught.value.value) == ("contact.channel", "fax")
    assert isinstance(caught.value, ValueError)
