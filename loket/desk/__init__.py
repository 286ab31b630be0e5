"""The counsellors' workspace: logins, the queue, a contact's page, the manager's page,
the admin's users. Server-rendered pages under /desk; the JSON API is `loket.api`."""

from __future__ import annotations

from flask import Flask, current_app, redirect, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, NotFound

# The staff pages' addresses: one typed with a slash at the end goes to the page without.
STAFF_PREFIXES = ("/desk/", "/reports/")


def init_app(app: Flask) -> None:
    """Wire staff identity (sessions, API tokens) and register the workspace's pages."""
    from loket.desk import admin, auth, identity, manager, poll, support, trail, workspace

    identity.init_app(app)
    from loket.reports import web as reports

    for module in (auth, admin, workspace, poll, manager, support, trail):
        app.register_blueprint(module.bp)
    reports.init_app(app)
    app.before_request(without_trailing_slash)


def without_trailing_slash() -> ResponseReturnValue | None:
    """Send a staff page's address typed with a slash at the end (`/desk/`, `/reports/`)
    to the page itself, with what was asked (`?lang=`): otherwise a 404. Only a page that
    exists, and only to read it (GET, HEAD): a form's post is never moved."""
    path = request.path
    if (not isinstance(request.routing_exception, NotFound)
            or request.method not in ("GET", "HEAD") or not path.startswith(STAFF_PREFIXES)):
        return None
    bare = path.rstrip("/")
    adapter = current_app.create_url_adapter(request)
    try:
        if adapter is None:
            return None
        adapter.match(bare, method="GET")
    except HTTPException:  # no such page (or one that moved): the 404 stands
        return None
    query = request.query_string.decode("latin-1")
    return redirect(request.script_root + bare + (f"?{query}" if query else ""), 308)
