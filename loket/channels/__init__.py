"""Channel adapters: request -> ContactIn -> intake -> TwiML, JSON or HTML. They never import
each other; what they share is in `loket.channels.common`."""

from __future__ import annotations

from flask import Flask, request

from loket.security import csrf, limiter


def register(app: Flask) -> None:
    """Register every channel; the signed Twilio routes are exempt from CSRF and rate limits.

    Twilio calls from shared addresses and signs every request: the signature is the gate.
    """
    from loket.channels import messaging, voice, webchat, webform

    signed = {voice.bp.name, messaging.bp.name}
    for bp in (voice.bp, messaging.bp):
        csrf(app).exempt(bp)
    # A request filter, not `exempt`: it skips the limiter's whole lookup on these routes.
    limiter(app).request_filter(lambda: request.blueprint in signed)
    for bp in (voice.bp, messaging.bp, webchat.bp, webform.bp):
        app.register_blueprint(bp)
