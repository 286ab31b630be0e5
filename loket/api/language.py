"""The language the API refuses in: English, its own, unless the client asks for Dutch
(`Accept-Language`); the texts are the staff pages' own (`loket.desk.texts`), the API's
own (`TEXTS`), and for a body, query or header its model refused, pydantic's English or
`PROBLEMS` in Dutch."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request

from loket.desk import texts
from loket.i18n import LANGUAGES, Catalog

TEXTS = Catalog("api", {
    "not_json": {
        "en": "send a JSON object (Content-Type: application/json)",
        "nl": "Stuur een JSON-object (Content-Type: application/json).",
    },
    "no_contact": {"en": "no such contact", "nl": "Er is geen contact met deze referentie."},
    "no_queue": {"en": "no such queue", "nl": "Deze wachtrij bestaat niet."},
    "key_reused": {
        "en": "this key was used for another call or body; use a new key for a new call",
        "nl": "Deze sleutel is al gebruikt voor een andere aanroep of body; gebruik een "
              "nieuwe sleutel voor een nieuwe aanroep.",
    },
    # An HTTP error no call refused itself (`loket.api.failures`).
    "failed_400": {"en": "this request cannot be handled: check what was sent",
                   "nl": "Dit verzoek kunnen we niet verwerken: kijk na wat je stuurde."},
    "failed_404": {"en": "no such call in this API (see /api/v1/openapi.json)",
                   "nl": "Deze aanroep bestaat niet in deze API (zie /api/v1/openapi.json)."},
    "failed_405": {"en": "{method} is not a method of this call (it takes {allowed})",
                   "nl": "{method} kan niet bij deze aanroep (wel: {allowed})."},
    "failed_413": {"en": "too large: send at most {limit} bytes",
                   "nl": "Te groot: stuur hoogstens {limit} bytes."},
    "failed_429": {"en": "too many requests: wait a minute, then try again",
                   "nl": "Te veel verzoeken: wacht een minuut en probeer het dan opnieuw."},
    "failed_500": {"en": "something went wrong on our side: what was sent may not have been "
                         "done; try again in a few minutes",
                   "nl": "Er ging bij ons iets mis: wat je stuurde is misschien niet gedaan; "
                         "probeer het over een paar minuten opnieuw."},
    "failed_503": {"en": "briefly unavailable: try again after Retry-After seconds",
                   "nl": "Even niet beschikbaar: probeer het na Retry-After seconden opnieuw."},
})
# What pydantic's refusals say in Dutch, by its error type (placeholders: its context).
PROBLEMS: Mapping[str, str] = {
    "missing": "Dit veld is verplicht.",
    "extra_forbidden": "Dit veld kent deze aanroep niet.",
    "string_type": "Dit moet tekst zijn.",
    "string_unicode": "Dit moet geldige tekst (Unicode) zijn.",
    "string_too_short": "Dit moet minstens {min_length} tekens lang zijn.",
    "string_too_long": "Dit mag hoogstens {max_length} tekens lang zijn.",
    "string_too_short_1": "Dit mag niet leeg zijn.",  # one character: not "1 tekens"
    "string_too_long_1": "Dit mag hoogstens 1 teken lang zijn.",
    "string_pattern_mismatch": "Dit heeft niet de vorm {pattern}.",
    "list_too_short": "Geef er minstens {min_length}.",
    "list_too_long": "Geef er hoogstens {max_length}.",
    "int_type": "Dit moet een geheel getal zijn.",
    "int_parsing": "Dit moet een geheel getal zijn.",
    "int_from_float": "Dit moet een geheel getal zijn.",
    "finite_number": "Dit moet een eindig getal zijn.",
    "greater_than_equal": "Dit moet minstens {ge} zijn.",
    "less_than_equal": "Dit mag hoogstens {le} zijn.",
    "literal_error": "Kies uit {expected}.",
    "list_type": "Dit moet een lijst zijn.",
    "model_type": "Stuur een JSON-object.",
    "dict_type": "Stuur een JSON-object.",
    "bool_type": "Dit moet true of false zijn.",
    "bool_parsing": "Dit moet true of false zijn.",
}
UNKNOWN_PROBLEM = "Dit klopt niet."


def language() -> str:
    """Return the language a client reads refusals in (`Accept-Language`: nl or en); the
    API's own English when it does not say."""
    if "Accept-Language" not in request.headers:
        return "en"
    return request.accept_languages.best_match(LANGUAGES) or "en"


def said(english: str, key: str, **values: object) -> str:
    """Return a refusal's reason in the client's language (the staff pages' text)."""
    lang = language()
    return english if lang == "en" or not key else texts.text(key, lang, **values)


def say(key: str, **values: object) -> str:
    """Return one of the API's own texts in the client's language."""
    return TEXTS.get(key, language(), **values)


def problem(found: Mapping[str, Any]) -> str:
    """Return what is wrong with a field a model refused (a pydantic error, with its
    context): pydantic's own English, or its Dutch."""
    if language() == "en":
        return str(found.get("msg") or "not valid")
    kind = str(found.get("type", ""))
    context = dict(found.get("ctx") or {})
    if kind in ("too_short", "too_long"):  # a list's length, or a header's (a string)
        kind = ("list_" if context.get("field_type") == "List" else "string_") + kind
    if kind.startswith("string_too_") and 1 in (context.get("min_length"),
                                                 context.get("max_length")):
        kind += "_1"
    if kind == "literal_error":
        context["expected"] = str(context.get("expected", "")).replace("' or '", "' of '")
    try:
        return PROBLEMS.get(kind, UNKNOWN_PROBLEM).format(**context)
    except (KeyError, IndexError):  # a context without what the text names
        return UNKNOWN_PROBLEM
