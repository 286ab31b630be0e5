"""Web security: CSRF on every form, a strict Content-Security-Policy, rate limits."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from flask import Flask
from flask.sansio.app import App
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer

from loket.config import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookies, with the signer built once per app, not per request."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Return the app's signer (None without a secret key, as Flask does)."""
        signer = app.extensions.get("loket.session_signer")
        if signer is None:
            signer = super().get_signing_serializer(app)
            app.extensions["loket.session_signer"] = signer
        return signer


def init_app(app: Flask, settings: Settings) -> None:
    """Protect forms, set security headers and build the rate limiter."""
    app.session_interface = SessionCookies()
    app.extensions["loket.csrf"] = CSRFProtect(app)
    storage = settings.redis_url if settings.redis_url and not settings.testing else "memory://"
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=storage,
        # Limits must never take the intake down: with Redis away, count in memory.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=True,
    )
    app.extensions["loket.limiter"] = limiter

    headers = [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if settings.production:
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))

    defaults = [(name.lower(), name, value) for name, value in headers]

    @app.after_request
    def _headers(response: Any) -> Any:
        present = {name.lower() for name, _ in response.headers.items()}
        for key, name, value in defaults:  # a view may have set its own
            if key not in present:
                response.headers.add(name, value)
        return response


def limit_only(app: Flask, blueprints: Iterable[str]) -> None:
    """Run the rate limiter on these blueprints' requests only, not on every request.

    Flask-Limiter hooks into every request of the app; the routes without limits (the
    signed Twilio webhooks, the health check) would pay for its lookup all the same. Its
    three hooks move to these blueprints; should a new Flask-Limiter hook in differently,
    this refuses to start rather than leave the limits unchecked.
    """
    lim = limiter(app)
    hooks: list[tuple[dict[Any, list[Any]], Callable[[Any], bool]]] = [
        (app.before_request_funcs, lambda f: f == lim._check_request_limit),
        (
            app.after_request_funcs,
            lambda f: isinstance(f, partial) and f.args[:1] == (lim,),
        ),
        (
            app.teardown_request_funcs,
            lambda f: getattr(f, "__self__", None) is lim,
        ),
    ]
    for registry, is_limiters in hooks:
        found = [f for f in registry.get(None, []) if is_limiters(f)]
        if len(found) != 1:
            raise RuntimeError("Flask-Limiter's request hooks are not where Loket expects them")
        registry[None].remove(found[0])
        for name in blueprints:
            registry.setdefault(name, []).append(found[0])


def limiter(app: Flask | App) -> Limiter:
    """Return the app's rate limiter."""
    lim: Limiter = app.extensions["loket.limiter"]
    return lim


def csrf(app: Flask) -> CSRFProtect:
    """Return the app's CSRF protection (channels exempt their signed Twilio routes)."""
    protect: CSRFProtect = app.extensions["loket.csrf"]
    return protect
