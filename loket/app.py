"""The app factory: settings, store, queue, gateway, security, blueprints, error answers."""

from __future__ import annotations

import gc
from collections.abc import Mapping
from typing import Any

from flask import Flask

from loket import (
    api,
    channels,
    desk,
    errors,
    gateway,
    health,
    logs,
    metrics,
    rules_runtime,
    security,
    web,
)
from loket.config import load_settings
from loket.queue import connection as queue_connection
from loket.store import crypto, db


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build a Loket web app from defaults, the environment and `test_config`."""
    settings = load_settings(test_config)
    app = Flask(__name__, instance_path=settings.instance_path or None)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        LOKET=settings,
        TESTING=settings.testing,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        MAX_CONTENT_LENGTH=256 * 1024,
        JSON_SORT_KEYS=False,
    )
    if not settings.testing:
        logs.configure()
    web.init_app(app)
    logs.init_app(app)
    db.init_app(app, settings.database_url, lock_timeout_s=settings.database_lock_timeout_s,
                statement_timeout_s=settings.database_statement_timeout_s)
    crypto.init_app(app, settings)
    queue_connection.init_app(app, settings.redis_url)
    gateway.init_app(app, settings)
    security.init_app(app, settings)
    rules_runtime.init_app(app, settings)
    app.register_blueprint(health.bp)
    metrics.init_app(app)
    channels.register(app)
    desk.init_app(app)
    api.init_app(app)
    errors.init_app(app)
    if not settings.testing:
        # What start-up built (rules, models, templates) lives as long as the process:
        # keep it out of the collector's scans on every request.
        gc.collect()
        gc.freeze()
    return app

