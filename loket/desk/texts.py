"""The texts of the staff pages, Dutch and English: the layout's here, the rest by concern.

`texts_auth` holds the logins', the password page's and the admin page's, `texts_workspace`
the queue's, a contact's and the manager's. Templates read them as `dt(key, **values)`, in
the request's language (`?lang=`, the `loket_lang` cookie, the browser), Dutch by default.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Flask

from loket.i18n import Catalog, request_language

LAYOUT: dict[str, dict[str, str]] = {
    "staff": {"nl": "Medewerkers", "en": "Staff"},
    "nav": {"nl": "Menu medewerkers", "en": "Staff menu"},
    "nav_queue": {"nl": "Wachtrij", "en": "Queue"},
    "nav_manager": {"nl": "Overzicht desk", "en": "Desk overview"},
    "nav_admin": {"nl": "Gebruikers", "en": "Users"},
    "nav_password": {"nl": "Wachtwoord wijzigen", "en": "Change password"},
    "logout": {"nl": "Uitloggen", "en": "Log out"},
    "signed_in_as": {"nl": "Ingelogd als {name}", "en": "Signed in as {name}"},
    "forbidden": {
        "nl": "Deze pagina hoort niet bij jouw rol.",
        "en": "This page is not part of your role.",
    },
    # The layout's notice from 15 minutes before a login's hard end (`logins.hard_end`).
    # What a counsellor held goes back to its queue, their drafts of it forgotten, as soon
    # as no complete login of theirs is left: at the end, unless they logged in again before
    # (the earlier login then ends at the new one's second factor, `desk.auth.complete`).
    "login_end": {"nl": "Je inlog eindigt om {time}.", "en": "Your login ends at {time}."},
    "login_end_held": {
        "nl": "Log voor die tijd opnieuw in om je gesprekken te houden. Doe je dat niet, dan "
              "gaan de contacten die je behandelt daarna terug naar de wachtrij (een lopend "
              "telefoongesprek niet) en vervallen je concepten.",
        "en": "Log in again before then to keep your conversations. If you do not, the "
              "contacts you are working go back to the queue after that (not a call in "
              "progress) and your drafts are lost.",
    },
    "login_end_other": {
        "nl": "Daarna log je opnieuw in; wat je dan nog niet hebt opgeslagen, gaat verloren.",
        "en": "After that you log in again; what you have not saved by then is lost.",
    },
    "login_end_again": {"nl": "Nu opnieuw inloggen", "en": "Log in again now"},
}


@cache
def catalog() -> Catalog:
    """Return every staff text: the layout's, the logins' and admin's, the workspace's."""
    from loket.desk import texts_audit, texts_auth, texts_calls, texts_support, texts_workspace
    from loket.reports import texts as texts_reports

    merged: dict[str, dict[str, str]] = {}
    for part in (LAYOUT, texts_auth.TEXTS, texts_workspace.TEXTS, texts_audit.TEXTS,
                 texts_support.TEXTS, texts_calls.TEXTS, texts_reports.TEXTS):
        clash = sorted(key for key in merged.keys() & part.keys() if merged[key] != part[key])
        if clash:
            raise ValueError(f"staff texts: {', '.join(clash)} defined twice, differently")
        merged.update(part)
    return Catalog("desk", merged)


def text(key: str, lang: str, **values: Any) -> str:
    """Return a staff text in a language (Dutch when the language is unknown)."""
    return catalog().get(key, lang, **values)


def code_text(key: str, value: object, lang: str) -> str:
    """Return a stored code (a status, channel, flag) in words by its text's key, or the
    code itself when it has none (the rules may make up a new flag)."""
    return text(key, lang) if key in catalog() else str(value)


def desk_context() -> dict[str, Any]:
    """Give templates `dt(key, **values)` in the request's language, `cb_when(callback)`
    (its window by its real day) and `cb_windows()` (the windows to agree, likewise)."""
    from loket.desk.texts_calls import plan_windows, window_label

    lang = request_language()
    return {
        "dt": lambda key, **values: text(key, lang, **values),
        "cb_when": lambda cb: window_label(cb.window, cb.window_start, cb.window_end, lang),
        "cb_windows": lambda: plan_windows(lang),
    }


def init_app(app: Flask) -> None:
    """Check the staff texts (every key in both languages) and give them to templates."""
    catalog()
    app.context_processor(desk_context)
