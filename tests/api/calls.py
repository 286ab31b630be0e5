"""Calling the API as a client does: a user's bearer token, JSON in and out."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from loket.store.models import User
from tests.desk.helpers import api_token, make_user

# Every call of the workspace: (name, method, path with {ref}, a good body).
CALLS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("read", "GET", "/api/v1/contacts/{ref}", None),
    ("claim", "POST", "/api/v1/contacts/{ref}/claim", None),
    ("release", "POST", "/api/v1/contacts/{ref}/release", None),
    ("reply", "POST", "/api/v1/contacts/{ref}/messages", {"text": "Hoi, ik ben Sam."}),
    ("note", "POST", "/api/v1/contacts/{ref}/notes", {"text": "Belt vaker 's nachts."}),
    ("transfer", "POST", "/api/v1/contacts/{ref}/transfer",
     {"desk": "debasis", "note": "Wil een collega van De Basis spreken."}),
    ("close", "POST", "/api/v1/contacts/{ref}/close", {"outcome": "helped", "note": ""}),
    ("break_glass", "POST", "/api/v1/contacts/{ref}/break-glass",
     {"reason": "Beller noemt zelfdoding, dossier nodig"}),
    ("call", "POST", "/api/v1/contacts/{ref}/call", None),
]
CALL = {name: (method, path, body) for name, method, path, body in CALLS}


class Caller:
    """A user of the API with their token."""

    def __init__(self, app: Flask, user: User, token: str) -> None:
        self.app, self.user, self.token = app, user, token
        self.client: FlaskClient = app.test_client()

    def __call__(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        """Send one request with the bearer token (none without one); JSON body when given."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(kwargs.pop("headers", {}))
        if body is not None:
            kwargs["json"] = body
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def do(self, name: str, ref: str, body: Any = None) -> Any:
        """Make one of the workspace's calls on a contact (its good body by default)."""
        method, path, good = CALL[name]
        return self(method, path.format(ref=ref), good if body is None else body)


def caller(app: Flask, *, role: str = "counsellor", desk: str | None = "police",
           **extra: Any) -> Caller:
    """A new user of this role and desk, calling with a fresh token."""
    user = make_user(app, role=role, desk=desk, **extra)
    return Caller(app, user, api_token(app, user))
