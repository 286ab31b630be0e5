"""Channel adapters: request -> ContactIn -> intake -> TwiML, JSON or HTML. They never import
each other; what they share is in `loket.channels.common`."""

from __future__ import annotations

from flask import Flask

from loket.security import csrf, limit_only


def register(app: Flask) -> None:
    """Register every channel; the signed Twilio routes are exempt from CSRF and rate limits.

    Twilio calls from shared addresses and signs every request: the signature is the gate.
    The rate limiter runs on the public web pages only.
    """
    from loket.channels import calls, messaging, voice, webchat, webform

    for bp in (voice.bp, messaging.bp, calls.bp):
        csrf(app).exempt(bp)
    for bp in (voice.bp, messaging.bp, calls.bp, webchat.bp, webform.bp):
        app.register_blueprint(bp)
    limit_only(app, (webchat.bp.name, webform.bp.name))
