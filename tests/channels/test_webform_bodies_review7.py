"""The public web form answers a body that is not a form post (JSON, broken or whole; bytes
that are no text) with the form again and a 400, storing nothing: never a 500."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from tests.channels.test_webform import FORM_ID, TOKEN, answers, stored

BODIES = [b'{"message": ', b"[1, 2]", b"\xff\xfe", json.dumps(answers()).encode()]


@pytest.mark.parametrize("body", BODIES, ids=["broken", "array", "not-text", "object"])
def test_a_json_body_gets_the_form_again_not_a_500(app: Flask, body: bytes) -> None:
    app.testing = False  # as in production: an exception is answered, not raised
    app.config["PROPAGATE_EXCEPTIONS"] = False
    answer = app.test_client().post("/contact", data=body, content_type="application/json")
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "Het formulier was verlopen" in page and 'name="form_id"' in page  # no token: kept
    assert stored(app) == []


def test_a_json_body_with_the_form_s_token_is_refused_field_by_field(app: Flask) -> None:
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    page = client.get("/contact").get_data(as_text=True)
    fields = {"csrf_token": TOKEN.search(page).group(1), "form_id": FORM_ID.search(page).group(1)}
    answer = client.post("/contact", data=json.dumps({**fields, **answers()}),
                         content_type="application/json")
    assert answer.status_code == 400
    assert stored(app) == []
