"""The intake's first question, "who are you", as every channel asks it.

The phone menu and the text conversation take a digit, the web chat a button, the web form
a radio choice; all of them mean one of these options. The military option asks next
whether the person serves now or served before (the web form asks both at once).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class Who:
    """One answer to "who are you": its name, its menu digit and what it tells us."""

    key: str
    digit: str
    answers: Mapping[str, str] = field(default_factory=dict)
    asks_serving: bool = False


WHO: tuple[Who, ...] = (
    Who("police", "1", MappingProxyType({"organisation": "police", "relation": "self"})),
    Who(
        "military", "2",
        MappingProxyType({"organisation": "defence", "relation": "self"}),
        asks_serving=True,
    ),
    Who("family_police", "3", MappingProxyType({"organisation": "police", "relation": "family"})),
    Who(
        "family_defence", "4",
        MappingProxyType({"organisation": "defence", "relation": "family"}),
    ),
    Who("other", "5", MappingProxyType({"organisation": "unknown", "relation": "self"})),
)
OTHER = WHO[-1]  # the default after no usable answer
BY_KEY = {who.key: who for who in WHO}
BY_DIGIT = {who.digit: who for who in WHO}
# Serving now or before, for the military option: answer name -> serving_status.
SERVING = {"serving": "serving", "former": "former"}
SERVING_DIGITS = {"1": "serving", "2": "former"}
HELP_NOW = "0"  # "I need help right now", honoured at every one-key question
ENGLISH = "9"


def form_choices() -> dict[str, dict[str, str]]:
    """Return the web form's choices: the military option split into serving and veteran."""
    choices: dict[str, dict[str, str]] = {}
    for who in WHO:
        if who.asks_serving:
            choices["serving"] = {**who.answers, "serving_status": "serving"}
            choices["veteran"] = {**who.answers, "serving_status": "former"}
        else:
            choices[who.key] = dict(who.answers)
    return choices
