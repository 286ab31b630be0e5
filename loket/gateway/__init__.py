"""The one seam to Twilio: everything Loket sends goes through a gateway."""

from __future__ import annotations

import secrets
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from loket.config import Settings
from loket.domain import outbound


class GatewayError(Exception):
    """Twilio refused or could not be reached; the job may retry."""


class TwilioGateway(Protocol):
    """What Loket asks of Twilio."""

    def send_message(self, *, to: str, body: str, contact_id: int | None = None) -> str:
        """Send an SMS or WhatsApp message (a `whatsapp:` address); return its sid."""
        ...

    def place_call(
        self, *, to: str, url: str, caller_id: str | None = None, contact_id: int | None = None
    ) -> str:
        """Start an outbound call whose TwiML comes from `url`; return its sid."""
        ...

    def redirect_call(self, *, call_sid: str, url: str, contact_id: int | None = None) -> str:
        """Move a live call (e.g. out of a queue to a counsellor) to new TwiML."""
        ...


class SandboxGateway:
    """Records each outbound action in the database instead of sending it."""

    def __init__(self, engine: Engine, from_number: str = "+3185000000") -> None:
        self.engine = engine
        self.from_number = from_number

    def _record(self, kind: str, *, to: str | None, body: str | None, **params: Any) -> str:
        sid = ("SM" if kind == "message" else "CA") + secrets.token_hex(16)
        contact_id = params.pop("contact_id", None)
        outbound.record_sandbox(
            self.engine, sid=sid, kind=kind, to=to, body=body, params=params,
            contact_id=contact_id,
        )
        return sid

    def send_message(self, *, to: str, body: str, contact_id: int | None = None) -> str:
        """Record a message that would have been sent."""
        sender = f"whatsapp:{self.from_number}" if to.startswith("whatsapp:") else self.from_number
        return self._record("message", to=to, body=body, from_=sender, contact_id=contact_id)

    def place_call(
        self, *, to: str, url: str, caller_id: str | None = None, contact_id: int | None = None
    ) -> str:
        """Record a call that would have been placed."""
        return self._record(
            "call", to=to, body=None, url=url, caller_id=caller_id or "", contact_id=contact_id
        )

    def redirect_call(self, *, call_sid: str, url: str, contact_id: int | None = None) -> str:
        """Record a live call that would have been redirected."""
        self._record(
            "redirect", to=None, body=None, call_sid=call_sid, url=url, contact_id=contact_id
        )
        return call_sid


class RestGateway:
    """Sends through Twilio's REST API with the configured credentials."""

    def __init__(self, settings: Settings) -> None:
        from twilio.rest import Client

        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token)
        self.from_number = settings.twilio_from_number

    def send_message(self, *, to: str, body: str, contact_id: int | None = None) -> str:
        """Send a message through Twilio."""
        from twilio.base.exceptions import TwilioException

        sender = f"whatsapp:{self.from_number}" if to.startswith("whatsapp:") else self.from_number
        try:
            return str(self.client.messages.create(to=to, from_=sender, body=body).sid)
        except TwilioException as exc:
            raise GatewayError(type(exc).__name__) from None

    def place_call(
        self, *, to: str, url: str, caller_id: str | None = None, contact_id: int | None = None
    ) -> str:
        """Place a call through Twilio."""
        from twilio.base.exceptions import TwilioException

        try:
            call = self.client.calls.create(to=to, from_=caller_id or self.from_number, url=url)
        except TwilioException as exc:
            raise GatewayError(type(exc).__name__) from None
        return str(call.sid)

    def redirect_call(self, *, call_sid: str, url: str, contact_id: int | None = None) -> str:
        """Redirect a live call through Twilio."""
        from twilio.base.exceptions import TwilioException

        try:
            self.client.calls(call_sid).update(url=url, method="POST")
        except TwilioException as exc:
            raise GatewayError(type(exc).__name__) from None
        return call_sid


def make_gateway(settings: Settings, engine: Engine) -> TwilioGateway:
    """Return the real gateway when credentials are set, else the recording sandbox."""
    if settings.twilio_configured:
        return RestGateway(settings)
    return SandboxGateway(engine, settings.twilio_from_number or "+3185000000")


def init_app(app: Flask, settings: Settings) -> None:
    """Give the app its gateway."""
    app.extensions["loket.gateway"] = make_gateway(settings, app.extensions["loket.engine"])


def get_gateway(app: Flask | None = None) -> TwilioGateway:
    """Return the app's gateway."""
    gateway: TwilioGateway = (app or current_app).extensions["loket.gateway"]
    return gateway
