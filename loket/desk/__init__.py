"""The counsellors' workspace: logins, the queue, a contact's page, the manager's page,
the admin's users. Server-rendered pages under /desk; the JSON API is `loket.api`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Wire staff identity (sessions, API tokens) and register the workspace's pages."""
    from loket.desk import admin, auth, identity, manager, poll, support, trail, workspace

    identity.init_app(app)
    from loket.reports import web as reports

    for module in (auth, admin, workspace, poll, manager, support, trail):
        app.register_blueprint(module.bp)
    reports.init_app(app)
