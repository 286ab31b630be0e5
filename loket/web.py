"""What every page shares, public and staff: the layout's language, texts and 112/113 block,
and the language chosen with `?lang=` kept in the `loket_lang` cookie."""

from __future__ import annotations

from flask import Flask

from loket.channels.web_texts import layout_context, remember_language


def init_app(app: Flask) -> None:
    """Give every template the layout's context and remember a chosen language."""
    app.context_processor(layout_context)
    app.after_request(remember_language)
