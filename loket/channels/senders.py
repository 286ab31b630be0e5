"""Who sent a Twilio webhook: the `From` values Twilio sends, and nothing else.

Pure functions: each returns the sender as stored, or raises ValueError with a reason that
names the field (never the value: it may be a phone number, or an attack).
"""

from __future__ import annotations

import re

WHATSAPP = "whatsapp:"
E164 = re.compile(r"\+[1-9][0-9]{7,14}")  # "+" and 8 to 15 digits, no leading zero
CLIENT = re.compile(r"client:[A-Za-z0-9_.@-]{1,121}")  # a Twilio Voice SDK (browser) caller
# What Twilio and carriers put in a call's From when the caller withholds their number
# (+266696687 spells ANONYMOUS on a keypad).
WITHHELD = frozenset({
    "", "anonymous", "restricted", "unknown", "private", "unavailable", "blocked",
    "+266696687", "266696687",
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
