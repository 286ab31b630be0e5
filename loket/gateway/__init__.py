"""The one seam to Twilio: everything Loket sends goes through a gateway."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy.engine import Engine

from loket.config import Settings
from loket.domain import outbound


class GatewayError(Exception):
    """Twilio refused or could not be reached; the job may retry. `code` is Twilio's error
    code of a refusal (21610: an SMS number that opted out), None otherwise."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.code = code


class TwilioGateway(Protocol):
    """What Loket asks of Twilio."""

    def send_message(self, *, to: str, body: str, contact_id: int | None = None) -> str:
        """Send an SMS or WhatsApp message (a `whatsapp:` address); return its sid."""
        ...

    def place_call(
        self, *, to: str, url: str, caller_id: str | None = None, contact_id: int | None = None,
        status_callback: str | None = None, machine_detection: bool = False,
        async_amd_callback: str | None = None,
    ) -> str:
        """Start an outbound call whose TwiML comes from `url` (with answering-machine
        detection when asked, in the background when `async_amd_callback` is given; its
        progress posted to `status_callback`); return its sid."""
        ...

    def redirect_call(self, *, call_sid: str, url: str, contact_id: int | None = None) -> str:
        """Move a live call (e.g. out of a queue to a counsellor) to new TwiML."""
        ...

    def hangup_call(self, *, call_sid: str, contact_id: int | None = None) -> None:
        """End a live call."""
        ...

    def dequeue_call(
        self, *, queue_sid: str, call_sid: str, url: str, contact_id: int | None = None
    ) -> str:
        """Take a waiting call out of a Twilio queue to new TwiML; return its sid."""
        ...

    def add_participant(
        self, *, conference: str, to: str, caller_id: str, status_callback: str | None = None,
        coaching: bool = False, call_sid_to_coach: str | None = None,
        contact_id: int | None = None,
    ) -> str:
        """Ring `to` into a conference (as a coach heard only by `call_sid_to_coach` when
        `coaching`); return the new participant's call sid."""
        ...

    def call_status(self, *, call_sid: str) -> str | None:
        """Return a call's status as Twilio knows it (`in-progress`, `completed`, …); None
        when this gateway cannot tell (the sandbox)."""
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
        self, *, to: str, url: str, caller_id: str | None = None, contact_id: int | None = None,
        status_callback: str | None = None, machine_detection: bool = False,
        async_amd_callback: str | None = None,
    ) -> str:
        """Record a call that would have been placed."""
        return self._record(
            "call", to=to, body=None, url=url, caller_id=caller_id or self.from_number,
            status_callback=status_callback or "", machine_detection=machine_detection,
            async_amd_callback=async_amd_callback or "", contact_id=contact_id,
        )

    def hangup_call(self, *, call_sid: str, contact_id: int | None = None) -> None:
        """Record a call that would have been ended."""
        self._record("hangup", to=None, body=None, call_sid=call_sid, contact_id=contact_id)

    def dequeue_call(
        self, *, queue_sid: str, call_sid: str, url: str, contact_id: int | None = None
    ) -> str:
        """Record a waiting call that would have been taken out of its queue."""
        self._record("dequeue", to=None, body=None, queue_sid=queue_sid, call_sid=call_sid,
                     url=url, contact_id=contact_id)
        return call_sid

    def add_participant(
        self, *, conference: str, to: str, caller_id: str, status_callback: str | None = None,
        coaching: bool = False, call_sid_to_coach: str | None = None,
        contact_id: int | None = None,
    ) -> str:
        """Record a participant that would have been rung into a conference."""
        return self._record(
            "participant", to=to, body=None, conference=conference, caller_id=caller_id,
            status_callback=status_callback or "", coaching=coaching,
            call_sid_to_coach=call_sid_to_coach or "", contact_id=contact_id,
        )

    def redirect_call(self, *, call_sid: str, url: str, contact_id: int | None = None) -> str:
        """Record a live call that would have been redirected."""
        self._record(
            "redirect", to=None, body=None, call_sid=call_sid, url=url, contact_id=contact_id
        )
        return call_sid

    def call_status(self, *, call_sid: str) -> str | None:
        """The sandbox places no real call: it cannot tell."""
        return None


class RestGateway:
    """Sends through Twilio's REST API with the configured credentials (to
    `TWILIO_API_BASE_URL` when set: a local double in tests), every request bounded."""

    TIMEOUT_S = 10.0

    def __init__(self, settings: Settings) -> None:
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                             http_client=TwilioHttpClient(timeout=self.TIMEOUT_S))
        if settings.twilio_api_base_url:
            # The API domain's own base URL; no edge or region (TWILIO_EDGE, TWILIO_REGION)
            # may rewrite that host into one of Twilio's.
            self.client.api.base_url = settings.twilio_api_base_url.rstrip("/")
            self.client.edge = self.client.region = None
        self.from_number = settings.twilio_from_number

    def send_message(self, *, to: str, body: str, contact_id: int | None = None) -> str:
        """Send a message through Twilio."""
        sender = f"whatsapp:{self.from_number}" if to.startswith("whatsapp:") else self.from_number
        with refused_as_gateway_error():
            return str(self.client.messages.create(to=to, from_=sender, body=body).sid)

    def place_call(
        self, *, to: str, url: str, caller_id: str | None = None, contact_id: int | None = None,
        status_callback: str | None = None, machine_detection: bool = False,
        async_amd_callback: str | None = None,
    ) -> str:
        """Place a call through Twilio (never recorded)."""
        extra: dict[str, Any] = {}
        if status_callback:
            extra.update(status_callback=status_callback, status_callback_method="POST",
                         status_callback_event=["initiated", "ringing", "answered",
                                                "completed"])
        if machine_detection:
            extra["machine_detection"] = "DetectMessageEnd"
            if async_amd_callback:
                extra.update(async_amd="true", async_amd_status_callback=async_amd_callback,
                             async_amd_status_callback_method="POST")
        with refused_as_gateway_error():
            call = self.client.calls.create(to=to, from_=caller_id or self.from_number,
                                            url=url, method="POST", **extra)
        return str(call.sid)

    def redirect_call(self, *, call_sid: str, url: str, contact_id: int | None = None) -> str:
        """Redirect a live call through Twilio."""
        with refused_as_gateway_error():
            self.client.calls(call_sid).update(url=url, method="POST")
        return call_sid

    def hangup_call(self, *, call_sid: str, contact_id: int | None = None) -> None:
        """End a live call through Twilio."""
        with refused_as_gateway_error():
            self.client.calls(call_sid).update(status="completed")

    def call_status(self, *, call_sid: str) -> str | None:
        """Ask Twilio how a call stands."""
        with refused_as_gateway_error():
            status = self.client.calls(call_sid).fetch().status
        return None if status is None else str(getattr(status, "value", status))

    def dequeue_call(
        self, *, queue_sid: str, call_sid: str, url: str, contact_id: int | None = None
    ) -> str:
        """Take a waiting call out of its Twilio queue to new TwiML."""
        with refused_as_gateway_error():
            member = self.client.queues(queue_sid).members(call_sid).update(
                url=url, method="POST")
        return str(member.call_sid or call_sid)

    def add_participant(
        self, *, conference: str, to: str, caller_id: str, status_callback: str | None = None,
        coaching: bool = False, call_sid_to_coach: str | None = None,
        contact_id: int | None = None,
    ) -> str:
        """Ring a phone into a conference through Twilio (by its name)."""
        extra: dict[str, Any] = {"beep": "false", "record": False,
                                 "end_conference_on_exit": False}
        if status_callback:
            extra.update(status_callback=status_callback, status_callback_method="POST",
                         status_callback_event=["initiated", "ringing", "answered",
                                                "completed"])
        if coaching and call_sid_to_coach:
            extra.update(coaching=True, call_sid_to_coach=call_sid_to_coach)
        with refused_as_gateway_error():
            participant = self.client.conferences(conference).participants.create(
                from_=caller_id, to=to, **extra)
        return str(participant.call_sid)


@contextmanager
def refused_as_gateway_error() -> Iterator[None]:
    """Turn Twilio's refusals and unreachable network into a GatewayError whose reason
    names the kind of failure and Twilio's code, never a number or a body."""
    from requests.exceptions import RequestException
    from twilio.base.exceptions import TwilioException, TwilioRestException

    try:
        yield
    except TwilioRestException as exc:
        raise GatewayError(f"Twilio answered {exc.status} (code {exc.code})",
                           code=exc.code) from None
    except TwilioException as exc:
        raise GatewayError(type(exc).__name__) from None
    except RequestException as exc:
        raise GatewayError(f"Twilio unreachable ({type(exc).__name__})") from None


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
