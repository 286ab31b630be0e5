"""Dutch and English: per-concern catalogs of texts, and the language of a request.

Each concern keeps its texts in a `Catalog` beside its code, Dutch and English side by
side, so a reviewer sees both at once and a test checks that none is missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from string import Formatter
from typing import Any

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"


class Catalog:
    """Texts by key, each in every language; `get(key, lang, **values)` fills placeholders."""

    def __init__(self, name: str, texts: Mapping[str, Mapping[str, str]]) -> None:
        self.name = name
        self.texts = texts
        for key, by_lang in texts.items():
            missing = [lang for lang in LANGUAGES if not by_lang.get(lang)]
            if missing:
                raise ValueError(f"catalog {name}: {key!r} has no text for {', '.join(missing)}")
            fields = [
                {f for _, f, _, _ in Formatter().parse(by_lang[lang]) if f} for lang in LANGUAGES
            ]
            if any(f != fields[0] for f in fields):
                raise ValueError(f"catalog {name}: {key!r} has different placeholders per language")

    def get(self, key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
        """Return the text for a key in a language (Dutch when the language is unknown)."""
        by_lang = self.texts[key]
        text = by_lang.get(lang) or by_lang[DEFAULT_LANGUAGE]
        return text.format(**values) if values else text

    def __contains__(self, key: object) -> bool:
        return key in self.texts


def normalise_language(value: str | None) -> str:
    """Map a language tag (en-GB, NL, nl_NL) onto nl or en; Dutch by default."""
    if not value:
        return DEFAULT_LANGUAGE
    base = value.replace("_", "-").split("-")[0].strip().lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


# The crisis lines, shown first on every channel. Only numbers that work.
CRISIS = Catalog(
    "crisis",
    {
        "short": {
            "nl": "Direct gevaar? Bel 112. Denk je aan zelfdoding? Bel 113 of gratis "
            "0800-0113, of chat op 113.nl (24/7, anoniem).",
            "en": "In direct danger? Call 112. Thinking about suicide? Call 113 or free "
            "0800-0113, or chat at 113.nl (24/7, anonymous).",
        },
        "spoken": {
            "nl": "Bent u in direct gevaar, bel dan 1 1 2. Denkt u aan zelfdoding, bel dan "
            "1 1 3, of gratis 0 800 0 1 1 3.",
            "en": "If you are in direct danger, call 1 1 2. If you are thinking about suicide, "
            "call 1 1 3, or free on 0 800 0 1 1 3.",
        },
        "title": {"nl": "Direct hulp nodig?", "en": "Need help right now?"},
        "danger": {"nl": "Direct gevaar: bel 112", "en": "Direct danger: call 112"},
        "suicide": {
            "nl": "Denk je aan zelfdoding? Bel 113 of gratis 0800-0113, of chat op 113.nl "
            "(24/7, anoniem)",
            "en": "Thinking about suicide? Call 113 or free 0800-0113, or chat at 113.nl "
            "(24/7, anonymous)",
        },
    },
)


LANGUAGE_COOKIE = "loket_lang"


DURATION = Catalog("duration", {
    "hours": {"nl": "{n} uur", "en": "{n} hours"},
    "minutes": {"nl": "{n} minuten", "en": "{n} minutes"},
})


def span(minutes: int, lang: str) -> str:
    """Say a span of time in words, in whole hours from two hours on ("2 uur", "90
    minutes")."""
    if minutes % 60 == 0 and minutes >= 120:
        return DURATION.get("hours", lang, n=minutes // 60)
    return DURATION.get("minutes", lang, n=minutes)


def default_language() -> str:
    """Return the app's default language (LOKET_DEFAULT_LANGUAGE), or Dutch without an app."""
    from flask import current_app, has_app_context

    if has_app_context():
        settings = current_app.config.get("LOKET")
        if settings is not None:
            return normalise_language(getattr(settings, "default_language", None))
    return DEFAULT_LANGUAGE


def request_language() -> str:
    """Return the language of this web request: ?lang=, then the cookie, then the browser,
    then the app's default language (LOKET_DEFAULT_LANGUAGE)."""
    from flask import request
    from werkzeug.exceptions import HTTPException

    try:
        chosen = request.args.get("lang") or request.form.get("lang")
    except HTTPException:  # a body too large or malformed (its error page asks the language)
        chosen = request.args.get("lang")
    if chosen in LANGUAGES:
        return chosen
    cookie = request.cookies.get(LANGUAGE_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    best = request.accept_languages.best_match(LANGUAGES)
    return best or default_language()


@cache
def holiday_names_nl() -> dict[str, str]:
    """Return the Dutch public holidays' names as the routing engine says them (the
    calendar's default, and its English) in Dutch."""
    import holidays  # heavy: every country; only when a holiday is first named in Dutch

    years = range(2020, 2041)  # every name, Liberation Day's lustrum years included
    dutch = holidays.country_holidays("NL", years=years, language="nl")
    said: dict[str, str] = {}
    for language in ("en_US", None):  # None: what the engine says
        named = holidays.country_holidays("NL", years=years, language=language)
        said.update({str(name): str(dutch[day]) for day, name in named.items()})
    return said


def holiday_name(name: str, lang: str) -> str:
    """Return a Dutch public holiday's name (as the engine says it) in this language."""
    return holiday_names_nl().get(name, name) if lang == "nl" else name
