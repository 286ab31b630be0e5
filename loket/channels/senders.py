"""Who sent a Twilio webhook: the `From` values Twilio sends, and nothing else.

Pure functions: each returns the sender as stored, or raises ValueError with a reason that
names the field (never the value: it may be a phone number, or an attack).
"""

from __future__ import annotations

import re

WHATSAPP = "whatsapp:"
E164 = re.compile(r"\+[1-9][0-9]{7,14}")  # "+" and 8 to 15 digits, no leading zero
CLIENT = re.compile(r"client:[A-Za-z0-9_.@-]{1,121}")  # a Twilio Voice SDK (browser) caller
# What Twilio and carriers put in a call's From when the caller withholds their number.
# Twilio has sent the words spelled in keypad digits (its changelog of 16 November 2022,
# "Upcoming changes to withheld caller ID behavior for <Dial> calls"), with or without
# "+"; some are too short for a number (BLOCKED, UNKNOWN) and others look like one
# (RESTRICTED, UNAVAILABLE), so each is named here: never refused, never called back.
SPELLED = (
    "266696687",  # ANONYMOUS
    "7378742833",  # RESTRICTED
    "86282452253",  # UNAVAILABLE
    "2562533",  # BLOCKED
    "8656696",  # UNKNOWN
)
WITHHELD = frozenset({
    "", "anonymous", "restricted", "unknown", "private", "unavailable", "blocked",
    *SPELLED, *(f"+{digits}" for digits in SPELLED),
})
MESSAGE_REASON = "From: expected a phone number like +31612345678 or whatsapp:+31612345678"
CALLER_REASON = (
    "From: expected a phone number like +31612345678, a client: id, or a withheld number"
)


def message_sender(value: str) -> str:
    """Return an SMS or WhatsApp sender (`+31…` or `whatsapp:+31…`) as Twilio sends it."""
    sender = value.strip()
    number = sender[len(WHATSAPP):] if sender.lower().startswith(WHATSAPP) else sender
    if not E164.fullmatch(number):
        raise ValueError(MESSAGE_REASON)
    return sender


def caller_number(value: str) -> str | None:
    """Return a caller's number; None for a withheld number or a browser (client:) caller.

    A call from a withheld number is answered like any other, as "unknown number".
    """
    caller = value.strip()
    if caller.lower() in WITHHELD or CLIENT.fullmatch(caller):
        return None
    if not E164.fullmatch(caller):
        raise ValueError(CALLER_REASON)
    return caller
