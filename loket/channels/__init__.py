"""Channel adapters: request -> ContactIn -> intake -> TwiML, JSON or HTML. They never import
each other; what they share is in `loket.channels.common`."""

from __future__ import annotations

from flask import Flask

from loket.security import csrf


def register(app: Flask) -> None:
    """Register every channel; the signed Twilio routes are exempt from CSRF."""
    from loket.channels import messaging, voice, webchat, webform

    csrf(app).exempt(voice.bp)
    csrf(app).exempt(messaging.bp)
    for bp in (voice.bp, messaging.bp, webchat.bp, webform.bp):
        app.register_blueprint(bp)
