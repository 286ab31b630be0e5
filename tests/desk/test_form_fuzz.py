"""Hypothesis over every staff page and form (the workspace, its support, the manager's and
admin's pages, the trail, the reports), as a counsellor, a manager and an admin: whatever a
browser sends — a known field with a strange value, a field too long, a NUL, an unknown
action or id — the answer is a page with a reason (4xx) or the page itself, never a 500.
The JSON API has its own fuzzing (tests/api/test_fuzz.py), the webhooks theirs
(tests/channels/test_webhook_fuzz.py)."""

from __future__ import annotations

import os
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loket.desk.admin import CHANGES
from loket.desk.workspace import ACTIONS
from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import waiting

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

# Every staff route a browser reaches; {ref}, {action}, {change} and {id} are filled in.
POSTS = (
    "/desk/contacts/{ref}/{action}",
    "/desk/contacts/{ref}/flag",
    "/desk/contacts/{ref}/help",
    "/desk/availability",
    "/desk/continuity",
    "/desk/break-glass",
    "/desk/flags/{id}/approve",
    "/desk/help/{id}/resolve",
    "/desk/manager/break-glass/{id}/reviewed",
    "/desk/manager/callbacks/{id}/again",
    "/desk/manager/callbacks/{id}/close",
    "/desk/manager/listen/{ref}",
    "/desk/admin/users",
    "/desk/admin/users/{id}/{change}",
)
GETS = (
    "/desk",
    "/desk/queue/rows",
    "/desk/contacts/{ref}",
    "/desk/contacts/{ref}/trail",
    "/desk/contacts/{ref}/messages",
    "/desk/trail",
    "/desk/break-glass",
    "/desk/manager",
    "/desk/admin",
    "/reports",
    "/reports/volumes.csv",
    "/reports/capacity",
    "/reports/capacity/plan.csv",
)
# The names the staff forms and filters read, and a few they do not.
FIELDS = (
    "body", "canned", "categories", "channel", "contact_type", "desk", "display_name",
    "email", "flag", "from", "to", "kind", "name", "next", "note", "offered", "opted_out",
    "outcome", "password", "personal", "phone", "reason", "reference", "risk", "role",
    "status", "text", "voicemail", "window", "weeks", "target", "level", "lang", "after",
    "choice", "start_id", "wish", "x",
)
KNOWN_VALUES = (
    "police", "veterans", "debasis", "pool", "both", "none", "concern", "acute", "sms",
    "webchat", "phone", "counsellor", "manager", "admin", "conversation", "silent",
    "helped", "1", "0", "-1", "99999999999999999999", "2026-12-05", "2026-02-30",
    "9999-12-31", "0001-01-01", "1e309", "nan", "on", "true", "+31612345678", "06 1234",
    "a@b", "", " ", "\x00", "<script>", "x" * 20_000,
)
values = st.one_of(st.sampled_from(KNOWN_VALUES), st.text(max_size=40))
# Any field may come, each on its own: a form mostly holds what its route reads.
forms = st.fixed_dictionaries({}, optional=dict.fromkeys(FIELDS, values))


def test_no_staff_page_or_form_answers_a_500(store_app: Flask) -> None:
    app = store_app
    police = waiting(app, desk="police")
    veterans = waiting(app, desk="veterans")
    clients: dict[str, FlaskClient] = {}
    for role, desk in (("counsellor", "police"), ("manager", "police"), ("admin", None)):
        client = app.test_client()
        log_in(client, app, make_user(app, role=role, desk=desk))
        clients[role] = client
    tokens = {role: csrf_token(client, HOME[role]) for role, client in clients.items()}
    references = st.sampled_from([police, veterans, "ZZZ-ZZZ", "", "%00", "a" * 300])
    seen: set[int] = set()
    routes = [(True, path) for path in POSTS] + [(False, path) for path in GETS]
    for post, template in routes:
        for role in sorted(clients):
            fuzz(clients[role], tokens[role], post, template, references, seen)
    # Pages were shown and forms done, not only refused.
    assert {200, 303, 400, 404} <= seen, seen


def fuzz(client: FlaskClient, token: str, post: bool, template: str,
         references: st.SearchStrategy[str], seen: set[int]) -> None:
    """Send one route a few generated forms (or queries); add the statuses to `seen`."""

    @settings(max_examples=int(os.environ.get("FUZZ_N", "10")), deadline=None,
              derandomize=not os.environ.get("FUZZ_N"), database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def answers(data: st.DataObject) -> None:
        path = template.format(
            ref=data.draw(references),
            action=data.draw(st.one_of(st.sampled_from(ACTIONS), st.just("nothing"))),
            change=data.draw(st.one_of(st.sampled_from(CHANGES), st.just("nothing"))),
            id=data.draw(st.sampled_from([1, 2, 0, 2**63, 2**70])),
        )
        form: dict[str, Any] = data.draw(forms)
        if post:
            if data.draw(st.integers(0, 9)):  # mostly a real form: with its token
                form["csrf_token"] = token
            response = client.post(path, data=form)
        else:
            response = client.get(path, query_string=form)
        seen.add(response.status_code)
        assert response.status_code < 500, ("POST" if post else "GET", path, form)

    answers()


HOME = {"counsellor": "/desk", "manager": "/desk/manager", "admin": "/desk/admin"}


def csrf_token(client: FlaskClient, page: str) -> str:
    """Return the CSRF token of a logged-in staff client's session (from its home page)."""
    found = TOKEN.search(client.get(page).get_data(as_text=True))
    assert found, f"no form token on {page}"
    return found.group(1)
