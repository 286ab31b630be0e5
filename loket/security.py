"""Web security: CSRF on every form, a strict Content-Security-Policy, no caching of what
a page shows, rate limits, and the client's address as the trusted proxies pass it on."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from flask import Flask, current_app, request
from flask.sansio.app import App
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from itsdangerous import URLSafeTimedSerializer
from redis.backoff import NoBackoff
from redis.retry import Retry
from werkzeug.middleware.proxy_fix import ProxyFix

from loket.config import Settings

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
# Pages and JSON show what people wrote: no browser or proxy keeps a copy (Back on a shared
# computer must not show them again). Only /static may be cached.
NO_STORE = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
# A stalled Redis may cost a rate-limited request this much, once; the limiter then counts in
# memory and looks at Redis again now and then.
LIMITER_REDIS_TIMEOUT_S = 0.1


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
    """Trust the configured proxies, protect forms, set security headers, build the limiter."""
    if settings.trusted_proxies:
        # The last N hops of X-Forwarded-For / -Proto are the proxies' own: the client's
        # address (for rate limits) and https (for `request.is_secure`) come from them.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    app.session_interface = SessionCookies()
    # Flask-WTF's extra check on https wants a Referer from the same host, and our pages
    # send none (Referrer-Policy: no-referrer, so that no address leaves with a visitor):
    # behind TLS every form would be refused. The signed token and SameSite cookies remain.
    app.config["WTF_CSRF_SSL_STRICT"] = False
    # A form's token lasts as long as a staff login can (its absolute limit), not Flask-WTF's
    # hour: a counsellor keeps a contact open through a long conversation, and the login
    # itself ends after its idle time and that limit. The token stays bound to the session.
    app.config["WTF_CSRF_TIME_LIMIT"] = settings.staff_session_hours * 3600
    app.extensions["loket.csrf"] = CSRFProtect(app)
    app.extensions["loket.limiter"] = build_limiter(app, settings)

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
        if request.endpoint != "static":
            for name, value in NO_STORE:
                response.headers[name] = value
        return response


def keyed(who: str) -> str:
    """Return a keyed hash of an account, a device or an address, for rate limits and
    cookies: what it names stays out of Redis and the logs."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, who.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def address_key() -> str:
    """Return the rate limit's key for the client's address (as the trusted proxies pass
    it): a keyed hash, never the address, which Flask-Limiter writes into its Redis keys
    and its "exceeded" log line."""
    return keyed(f"address:{get_remote_address()}")


def build_limiter(app: Flask, settings: Settings) -> Limiter:
    """Build the rate limiter on Redis (memory in tests) that never holds a request up.

    On Redis every call gives up after `LIMITER_REDIS_TIMEOUT_S`, without retries; the
    limiter then counts in memory (per process) until Redis answers again.
    """
    storage = settings.rate_limit_storage_url or (
        settings.redis_url if settings.redis_url and not settings.testing else "memory://"
    )
    options: dict[str, Any] = {}
    if storage.startswith(("redis://", "rediss://", "redis+unix://")):
        options = {
            "socket_timeout": LIMITER_REDIS_TIMEOUT_S,
            "socket_connect_timeout": LIMITER_REDIS_TIMEOUT_S,
            "retry": Retry(NoBackoff(), 0),
        }
    return Limiter(
        address_key,
        app=app,
        storage_uri=storage,
        storage_options=options,
        # Limits must never take the intake down: with Redis away, count in memory.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
        headers_enabled=True,
    )


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
