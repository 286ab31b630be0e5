"""Failure answers: Twilio's routes answer TwiML that names 112 and 113, public pages answer a
Loket page in the visitor's language, JSON routes answer JSON; tracebacks reach the logs as
a stack without the values of the request."""

from __future__ import annotations

import io
import json
import re
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - Loket's own answers
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

BASE = "https://loket.example.org"
AUTH_TOKEN = "test-auth-token"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')
SECRET_STORY = "Mijn geheime verhaal 7319"


@pytest.fixture
def broken_app(make_app: Callable[..., Flask], database_url: str) -> Flask:
    """The app on a database that can be read but not written, run as in production: an
    exception is answered, not raised into the test."""
    path = database_url.removeprefix("sqlite:///")
    app = make_app(database_url=f"sqlite:///file:{path}?mode=ro&uri=true")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app


def twilio_paths(app: Flask) -> list[str]:
    """Every route of the app under /twilio/."""
    paths = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/twilio/")}
    assert paths, "no Twilio routes"
    return sorted(paths)


def signed_post(client: FlaskClient, path: str) -> TestResponse:
    """Post what Twilio posts to any of its webhooks, signed for the public URL."""
    params = {
        "CallSid": "CA" + uuid.uuid4().hex, "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + uuid.uuid4().hex, "From": "+31612345678", "To": "+3197010250000",
        "Body": "Hallo", "Digits": "1", "CallStatus": "completed", "MessageStatus": "delivered",
        "QueueResult": "hangup", "QueueTime": "3",
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(BASE + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature})


def is_status_callback(path: str) -> bool:
    return path.rstrip("/").endswith("/status")


# --- Twilio ---------------------------------------------------------------------------------


def test_every_twilio_route_answers_a_database_failure_with_112_and_113(
    broken_app: Flask,
) -> None:
    client = broken_app.test_client()
    for path in twilio_paths(broken_app):
        response = signed_post(client, path)
        assert response.mimetype == "text/xml", path
        twiml = ET.fromstring(response.data)  # noqa: S314
        assert twiml.tag == "Response", path
        if is_status_callback(path):
            # Nobody hears a status callback: an empty answer, the failure in the status.
            assert response.status_code >= 500 and len(twiml) == 0, path
            continue
        # Twilio plays or sends nothing from an error status: the kind answer is a 200.
        assert response.status_code == 200, path
        if path.startswith("/twilio/messaging"):
            [message] = twiml.findall("./Message")
            texted = message.text or ""
            assert "112" in texted and "113" in texted, path
            assert "opnieuw" in texted and "again" in texted, path
            continue
        said = twiml.findall("./Say")
        assert [s.get("language") for s in said] == ["nl-NL", "nl-NL", "en-GB", "en-GB"], path
        spoken = " ".join(s.text or "" for s in said)
        assert spoken.count("1 1 2") == 2 and "1 1 3" in spoken, path
        assert "opnieuw" in spoken and "again" in spoken, path
        assert twiml.find("./Hangup") is not None, path


def test_an_unknown_twilio_path_is_still_answered_in_twiml(client: FlaskClient) -> None:
    response = signed_post(client, "/twilio/voice/nowhere")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    assert b"1 1 2" in response.data


# --- public pages ---------------------------------------------------------------------------


def assert_loket_page(response: TestResponse, lang: str, *phrases: str) -> str:
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert f'<html lang="{lang}">' in html
    assert "tel:112" in html and "tel:113" in html
    assert "Werkzeug" not in html and "<title>4" not in html and "<title>5" not in html
    for phrase in phrases:
        assert phrase in html
    return html


@pytest.mark.parametrize(
    ("lang", "phrase"),
    [("nl", "Deze pagina bestaat niet"), ("en", "This page does not exist")],
)
def test_an_unknown_page_is_a_loket_page_in_the_visitors_language(
    client: FlaskClient, lang: str, phrase: str
) -> None:
    response = client.get("/nergens", headers={"Accept-Language": lang})
    assert response.status_code == 404
    assert_loket_page(response, lang, phrase)


def test_a_wrong_method_is_a_loket_page_that_says_what_is_allowed(client: FlaskClient) -> None:
    response = client.put("/contact?lang=en")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert_loket_page(response, "en", "This cannot be done this way")


def test_a_post_too_large_is_a_loket_page(client: FlaskClient) -> None:
    response = client.post("/contact", data={"message": "x" * 300_000})
    assert response.status_code == 413
    assert_loket_page(response, "nl", "Wat je stuurde is te groot")


def test_too_many_posts_is_a_loket_page(make_app: Callable[..., Flask]) -> None:
    client = make_app(public_rate_limit="1 per minute").test_client()
    page = client.get("/chat").get_data(as_text=True)
    token = TOKEN.search(page)
    assert token
    english = {"Accept-Language": "en"}
    client.post("/chat/start", data={"csrf_token": token.group(1)}, headers=english)
    response = client.post("/chat/start", data={"csrf_token": token.group(1)}, headers=english)
    assert response.status_code == 429
    assert_loket_page(response, "en")


@pytest.mark.parametrize(
    ("lang", "phrase"),
    [("nl", "Probeer het over een paar seconden opnieuw"), ("en", "Please try again in a few")],
)
def test_a_failure_while_storing_the_form_is_a_loket_page(
    broken_app: Flask, lang: str, phrase: str
) -> None:
    client = broken_app.test_client()
    page = client.get(f"/contact?lang={lang}").get_data(as_text=True)
    token, form_id = TOKEN.search(page), FORM_ID.search(page)
    assert token and form_id
    answers = {
        "who": "veteran", "need": "psychological", "urgent": "none", "reach": "none",
        "language": lang, "message": SECRET_STORY, "consent": "y",
    }
    response = client.post(
        "/contact", data={"csrf_token": token.group(1), "form_id": form_id.group(1), **answers}
    )
    # The database would not take the write: "try again shortly" (503), not a crash (500).
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    html = assert_loket_page(response, lang, phrase)
    # The form comes back with what they wrote, to send again: nothing typed is lost.
    assert f">{SECRET_STORY}</textarea>" in html


# --- JSON routes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("post", "/healthz", 405), ("get", "/api/nothing", 404), ("put", "/chat/messages", 405)],
)
def test_json_routes_answer_errors_in_json(
    client: FlaskClient, method: str, path: str, status: int
) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.is_json and response.json is not None
    assert response.json["ok"] is False and response.json["status"] == status
    assert response.json["error"]


# --- tracebacks in the logs -----------------------------------------------------------------


def test_a_failure_is_logged_with_its_stack_and_without_what_was_posted(
    broken_app: Flask, log_lines: io.StringIO
) -> None:
    client = broken_app.test_client()
    page = client.get("/contact").get_data(as_text=True)
    token, form_id = TOKEN.search(page), FORM_ID.search(page)
    assert token and form_id
    client.post("/contact", data={
        "csrf_token": token.group(1), "form_id": form_id.group(1), "who": "veteran",
        "need": "psychological", "urgent": "none", "reach": "none", "language": "nl",
        "message": SECRET_STORY, "consent": "y",
    })
    output = log_lines.getvalue()
    assert "traceback object" not in output and SECRET_STORY not in output
    events = [json.loads(line) for line in output.splitlines()]
    [failure] = [e for e in events if e.get("exception")]
    stacks = failure["exception"]  # the exception and the one it was raised from
    assert all(s["exc_type"] == "OperationalError" for s in stacks)
    assert all("readonly" in s["exc_value"] for s in stacks)
    frames = [frame for s in stacks for frame in s["frames"]]
    assert any(frame["name"] == "submit" for frame in frames)  # the view that failed
    assert all(set(frame) == {"filename", "lineno", "name"} for frame in frames)  # no locals


@contextmanager
def refusing_connections(engine: Engine) -> Iterator[None]:
    """The database refuses every connection and its open ones are cut, as while PostgreSQL
    restarts; afterwards it accepts them again."""
    database = engine.url.database
    admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"),
                         {"name": database})
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
        admin.dispose()


@pytest.mark.postgres
def test_a_database_that_does_not_answer_gets_try_again_not_a_crash(
    postgres_app: Flask, postgres_engine: Engine
) -> None:
    # PostgreSQL refusing connections (restarting): the API answers 503 with Retry-After, a
    # text is answered with "send it again" and 112/113, nothing is a 500.
    postgres_app.config["PROPAGATE_EXCEPTIONS"] = False
    client = postgres_app.test_client()
    with refusing_connections(postgres_engine):
        api = client.get("/api/v1/queue/police", headers={"Authorization": "Bearer any"})
        texted = signed_post(client, "/twilio/messaging")
    assert api.status_code == 503 and int(api.headers["Retry-After"]) > 0
    assert api.json is not None and api.json["status"] == 503 and api.json["error"]
    assert texted.status_code == 200 and "opnieuw" in texted.get_data(as_text=True)
    assert "112" in texted.get_data(as_text=True)
    # Once it answers again, so does Loket.
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize(("language", "said"), [
    ("en", "briefly unavailable: try again after retry-after seconds"),
    ("nl", "even niet beschikbaar"),
])
def test_the_api_says_a_database_outage_as_the_api_does(
    postgres_app: Flask, postgres_engine: Engine, language: str, said: str
) -> None:
    # Under /api/ a database that does not answer is the API's 503 (review 6), in the
    # client's language, not the public pages' words.
    postgres_app.config["PROPAGATE_EXCEPTIONS"] = False
    client = postgres_app.test_client()
    with refusing_connections(postgres_engine):
        api = client.get("/api/v1/queue/police", headers={
            "Authorization": "Bearer any", "Accept-Language": language})
    assert api.status_code == 503 and int(api.headers["Retry-After"]) > 0
    assert api.json is not None and api.json["ok"] is False and api.json["status"] == 503
    assert said in api.json["error"].lower()
