"""The language the API refuses in: English, its own, unless the client asks for Dutch
(`Accept-Language`); the texts are the staff pages' own (`loket.desk.texts`)."""

from __future__ import annotations

from flask import request

from loket.desk import texts
from loket.i18n import LANGUAGES


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
