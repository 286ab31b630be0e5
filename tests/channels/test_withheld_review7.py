"""Withheld caller ids that Twilio spells in keypad digits (its changelog of 16 November
2022: the words ANONYMOUS, RESTRICTED and so on "translated into digits"): each is a call
from an unknown number, answered as any other and never taken for a number to call back,
with or without its "+"."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from loket.channels.senders import caller_number
from tests.channels.test_voice import Call, contact_of, names_crisis_lines, said

SPELLED = {
    "266696687": "ANONYMOUS",
    "7378742833": "RESTRICTED",
    "86282452253": "UNAVAILABLE",
    "2562533": "BLOCKED",
    "8656696": "UNKNOWN",
}
FORMS = [form for digits in SPELLED for form in (f"+{digits}", digits)]


@pytest.mark.parametrize("caller", FORMS)
def test_a_withheld_number_spelled_in_digits_is_no_number(caller: str) -> None:
    assert caller_number(caller) is None
    assert caller_number(f" {caller} ") is None


@pytest.mark.parametrize("caller", ["+2562533", "+8656696", "+7378742833", "+86282452253"])
def test_a_call_from_a_withheld_number_spelled_in_digits_is_answered_as_unknown(
    app: Flask, client: FlaskClient, caller: str
) -> None:
    call = Call(client, caller=caller)
    assert names_crisis_lines(said(call.start()))  # answered (200), not an application error
    contact = contact_of(app, call.sid)
    assert contact.anonymous is True
    assert contact.phone is None and contact.phone_hash is None  # nothing to call back

