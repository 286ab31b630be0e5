"""The public web form: validation a person can act on, a stored and routed contact, a clear
confirmation with 112/113, and the bot defences (honeypot, rate limit)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from loket.store.models import CallbackRequest, Contact, Outbox
from tests.channels.conftest import at_once

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM_ID = re.compile(r'name="form_id" value="([^"]+)"')
PHONE = "06 12345678"
STORY = "Sinds mijn uitzending slaap ik slecht"


class Page(HTMLParser):
    """Collect the elements of a page with their attributes."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        """Return the attributes of every `tag` element whose attributes include `attrs`."""
        return [
            a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())
        ]

    def by_id(self, element_id: str) -> dict[str, str]:
        """Return the attributes of the element with this id."""
        found = [a for _, a in self.elements if a.get("id") == element_id]
        assert found, f"no element with id {element_id!r}"
        return found[0]


def engine_of(app: Flask) -> Engine:
    """Return the app's engine."""
    engine: Engine = app.extensions["loket.engine"]
    return engine


def stored(app: Flask, model: Any = Contact) -> list[Any]:
    """Return every stored row of a model."""
    with Session(engine_of(app)) as session:
        return list(session.exec(select(model)).all())


def answers(**changes: str) -> dict[str, str]:
    """Return a complete, valid set of answers with some changed."""
    data = {
        "who": "veteran",
        "need": "psychological",
        "urgent": "none",
        "reach": "phone",
        "phone": PHONE,
        "email": "",
        "window": "evening",
        "voicemail": "no",
        "name": "",
        "language": "nl",
        "message": STORY,
        "consent": "y",
        "website": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def jobs(app: Flask) -> set[str]:
    """Return the kinds of job promised in the outbox."""
    return {row.job for row in stored(app, Outbox)}


def form_fields(client: FlaskClient) -> dict[str, str]:
    """Fetch the form as a browser would; return its token and form id."""
    page = client.get("/contact").get_data(as_text=True)
    return {"csrf_token": TOKEN.search(page).group(1), "form_id": FORM_ID.search(page).group(1)}


def reference_shown(client: FlaskClient) -> str:
    """Return the reference the confirmation page shows this browser."""
    html = client.get("/contact/received").get_data(as_text=True)
    found = re.search(r'id="reference">([^<]+)<', html)
    assert found, "no confirmation shown"
    return found.group(1)


def send(client: FlaskClient, data: dict[str, str], url: str = "/contact") -> Any:
    """Fetch the form as a browser would, then post it with its token and form id."""
    page = client.get(url).get_data(as_text=True)
    fields = {"csrf_token": TOKEN.search(page).group(1), "form_id": FORM_ID.search(page).group(1)}
    return client.post("/contact", data={**fields, **data})


def test_landing_page_leads_to_chat_and_form_and_names_112_and_113(client: FlaskClient) -> None:
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    links = {a["href"] for a in Page(html).find("a")}
    assert {"/chat", "/contact", "tel:112", "tel:113"} <= links
    assert "Direct gevaar: bel 112" in html


def test_form_labels_every_control_and_groups_every_choice(client: FlaskClient) -> None:
    response = client.get("/contact")
    html = response.get_data(as_text=True)
    page = Page(html)
    assert response.status_code == 200
    assert '<html lang="nl">' in html
    labelled = {label["for"] for label in page.find("label")}
    controls = [
        a for t, a in page.elements if t in ("input", "textarea") if a.get("type") != "hidden"
    ]
    assert controls and all(c["id"] in labelled for c in controls)
    legends = html.count("<legend")
    assert legends == html.count("<fieldset") and legends >= 8
    assert "113" in html and "112" in html
    # The honeypot is hidden by a class (the strict CSP forbids inline styles) and unreachable.
    honeypot = page.by_id("website")
    assert honeypot["tabindex"] == "-1" and "style=" not in html
    assert "<script>" not in html


def test_missing_answers_are_named_beside_each_field_and_nothing_is_stored(
    app: Flask, client: FlaskClient
) -> None:
    response = send(client, {"message": STORY})
    html = response.get_data(as_text=True)
    page = Page(html)
    assert response.status_code == 400
    summary = page.by_id("error-summary")
    assert summary["role"] == "alert" and "autofocus" in summary
    targets = [a["href"] for a in page.find("a") if a["href"].startswith("#")]
    assert targets[1:] == ["#who-0", "#need-0", "#urgent-0", "#reach-0", "#consent"]
    assert "who-error" in page.by_id("who")["aria-describedby"]
    assert "Kies wie je bent." in html
    assert page.by_id("consent")["aria-invalid"] == "true"
    assert "consent-error" in page.by_id("consent")["aria-describedby"]
    assert STORY in html  # what they wrote is not lost
    assert stored(app) == [] and stored(app, Outbox) == []


@pytest.mark.parametrize(
    ("phone", "error"),
    [("", "Vul je telefoonnummer in"), ("bel me maar", "Vul een telefoonnummer in zoals")],
)
def test_a_callback_needs_a_usable_phone_number(
    app: Flask, client: FlaskClient, phone: str, error: str
) -> None:
    response = send(client, answers(phone=phone))
    page = Page(response.get_data(as_text=True))
    assert response.status_code == 400
    assert error in response.get_data(as_text=True)
    assert page.by_id("phone")["aria-invalid"] == "true"
    assert page.by_id("phone")["aria-describedby"] == "phone-hint phone-error"
    assert stored(app) == []


@pytest.mark.postgres
def test_a_valid_form_is_stored_encrypted_routed_and_confirmed(store_app: Flask) -> None:
    app, client = store_app, store_app.test_client()
    response = send(client, answers())
    assert response.status_code == 303
    assert response.headers["Location"] == "/contact/received"
    [contact] = stored(app)
    assert (contact.channel, contact.organisation, contact.serving_status) == (
        "webform",
        "defence",
        "former",
    )
    assert (contact.need, contact.risk, contact.language) == ("psychological", "none", "nl")
    assert contact.consent and contact.anonymous
    assert contact.phone == "+31612345678" and contact.text == STORY
    assert contact.desk == "veterans" and contact.priority == "normal"
    assert contact.queue in ("veterans", "pool", "police")
    assert ("pooled" in contact.flags) == (contact.queue == "pool")
    assert contact.status == "callback" and not contact.crisis
    [callback] = stored(app, CallbackRequest)
    assert (callback.window, callback.voicemail_allowed) == ("evening", False)
    assert {row.job for row in stored(app, Outbox)} == {"contact_routed", "schedule_callback"}
    with engine_of(app).connect() as conn:
        raw_phone, raw_text = conn.execute(text("SELECT phone, text FROM contact")).one()
    assert "612345678" not in raw_phone and "uitzending" not in raw_text
    confirmation = client.get("/contact/received").get_data(as_text=True)
    assert contact.reference in confirmation
    # The evening window starts at 18:00, or now when the form comes in during the evening.
    assert "het Veteranenloket" in confirmation
    assert re.search(r"tussen \d\d:\d\d en 21:00", confirmation)
    assert "We spreken geen voicemail in." in confirmation
    assert "112" in confirmation and "113" in confirmation


def test_the_reference_lives_in_the_session_not_in_a_guessable_url(
    app: Flask, client: FlaskClient
) -> None:
    send(client, answers())
    [contact] = stored(app)
    other = app.test_client()
    assert contact.reference not in other.get("/contact/received").get_data(as_text=True)
    assert other.get("/contact/received").headers["Location"] == "/contact"


def test_sending_the_same_form_twice_stores_it_once(app: Flask, client: FlaskClient) -> None:
    page = client.get("/contact").get_data(as_text=True)
    fields = {"csrf_token": TOKEN.search(page).group(1), "form_id": FORM_ID.search(page).group(1)}
    first = client.post("/contact", data={**fields, **answers()})
    second = client.post("/contact", data={**fields, **answers()})
    assert first.status_code == second.status_code == 303
    [contact] = stored(app)
    assert contact.reference in client.get("/contact/received").get_data(as_text=True)


def test_acute_risk_is_urgent_now_and_never_only_a_callback(
    app: Flask, client: FlaskClient
) -> None:
    send(client, answers(urgent="acute", need="unknown", message=""))
    [contact] = stored(app)
    assert contact.crisis and contact.priority == "urgent" and contact.risk == "acute"
    assert contact.respond == "now" and contact.status == "waiting"
    assert contact.phone == "+31612345678"  # they can be called now
    [kept] = stored(app, CallbackRequest)  # how to reach them, never a callback to wait for
    assert kept.status == "crisis" and "schedule_callback" not in jobs(app)
    html = client.get("/contact/received").get_data(as_text=True)
    page = Page(html)
    assert page.by_id("crisis-now")["role"] == "alert" and "hidden" not in page.by_id("crisis-now")
    assert "Wacht niet op ons: bel nu" in html and "bel 112" in html and "Bel 113" in html
    assert "We bellen je terug op het nummer" not in html


def test_a_crisis_phrase_in_the_message_makes_the_contact_urgent(
    app: Flask, client: FlaskClient
) -> None:
    send(client, answers(message="Ik zie het niet meer zitten"))
    [contact] = stored(app)
    assert contact.crisis and contact.priority == "urgent"
    assert [c.status for c in stored(app, CallbackRequest)] == ["crisis"]
    assert "schedule_callback" not in jobs(app)


def test_e_mail_keeps_only_the_address_and_checks_it(app: Flask, client: FlaskClient) -> None:
    wrong = send(client, answers(reach="email", email="naam-at-voorbeeld"))
    assert wrong.status_code == 400
    assert "Vul een e-mailadres in zoals" in wrong.get_data(as_text=True)
    send(client, answers(reach="email", email="naam@voorbeeld.nl", name="Sanne"))
    [contact] = stored(app)
    assert contact.email == "naam@voorbeeld.nl" and contact.phone is None
    assert not contact.anonymous and contact.name == "Sanne"
    assert stored(app, CallbackRequest) == []
    confirmation = client.get("/contact/received").get_data(as_text=True)
    assert "mailt je zo snel mogelijk" in confirmation


def test_a_bot_filling_the_honeypot_sees_a_confirmation_but_nothing_is_stored(
    app: Flask, client: FlaskClient
) -> None:
    response = send(client, answers(website="https://spam.example"))
    assert response.status_code == 303
    confirmation = client.get("/contact/received").get_data(as_text=True)
    assert "Je bericht is ontvangen" in confirmation
    assert re.search(r'id="reference">[2-9A-Z]{3}-[2-9A-Z]{3}<', confirmation)
    assert stored(app) == [] and stored(app, Outbox) == []


def test_an_old_or_missing_token_shows_the_form_again_with_the_answers_kept(
    app: Flask, client: FlaskClient
) -> None:
    client.get("/contact")
    response = client.post("/contact", data={**answers(), "csrf_token": "stale"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Het formulier was verlopen" in html and STORY in html
    assert stored(app) == []


def test_too_many_posts_get_a_friendly_429_that_names_112_and_113(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(public_rate_limit="3 per minute")
    client = app.test_client()
    codes = [send(client, {"who": "police"}).status_code for _ in range(3)]
    over = send(client, answers())
    html = over.get_data(as_text=True)
    assert codes == [400, 400, 400]
    assert over.status_code == 429
    assert "Even wachten" in html and "bel 112" in html and "Bel 113" in html
    assert client.get("/contact").status_code == 200  # reading stays possible
    assert stored(app) == []


def test_english_is_chosen_with_a_link_and_remembered(app: Flask, client: FlaskClient) -> None:
    first = client.get("/contact?lang=en")
    assert "loket_lang=en" in first.headers["Set-Cookie"]
    html = client.get("/contact").get_data(as_text=True)
    assert '<html lang="en">' in html and "Who are you?" in html
    assert "In direct danger? Call 112." in html
    assert 'href="/contact?lang=nl"' in html
    errors = send(client, {"consent": "y"}).get_data(as_text=True)
    assert "Choose who you are." in errors
    send(client, answers(language="en", reach="none", phone=""))
    [contact] = stored(app)
    assert contact.language == "en" and contact.phone is None
    confirmation = client.get("/contact/received").get_data(as_text=True)
    assert "We have received your message" in confirmation and contact.reference in confirmation
    assert "you stay anonymous" in confirmation.lower()


def test_pages_hold_to_the_strict_content_security_policy(client: FlaskClient) -> None:
    for url in ("/", "/contact", "/chat"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "style=" not in html and "<style" not in html
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []


CRISIS = "Ik zie het niet meer zitten en wil er een eind aan maken"


def test_a_form_sent_again_with_changed_content_is_a_new_contact_routed_on_it(
    app: Flask, client: FlaskClient
) -> None:
    fields = form_fields(client)
    client.post("/contact", data={**fields, **answers()})
    first = reference_shown(client)
    # Back, the message changed into a crisis, sent again with the same form id.
    again = client.post("/contact", data={**fields, **answers(message=CRISIS, urgent="acute")})
    assert again.status_code == 303
    old, new = sorted(stored(app), key=lambda c: c.id or 0)
    assert (old.reference, old.crisis, old.text) == (first, False, STORY)
    assert new.crisis and new.priority == "urgent" and new.text == CRISIS
    assert new.external_id != old.external_id
    html = client.get("/contact/received").get_data(as_text=True)
    assert new.reference in html and first not in html
    assert "Wacht niet op ons: bel nu" in html
    # The same content once more is a replay: the same confirmation, nothing new stored.
    client.post("/contact", data={**fields, **answers(message=CRISIS, urgent="acute")})
    assert len(stored(app)) == 2 and reference_shown(client) == new.reference


def test_another_browser_posting_a_known_form_id_never_sees_that_confirmation(
    app: Flask, client: FlaskClient
) -> None:
    fields = form_fields(client)
    client.post("/contact", data={**fields, **answers()})
    mine = reference_shown(client)
    stranger = app.test_client()
    their = {**form_fields(stranger), "form_id": fields["form_id"]}
    response = stranger.post("/contact", data={**their, **answers()})
    assert response.status_code == 303
    shown = reference_shown(stranger)
    assert shown != mine
    assert sorted(c.reference for c in stored(app)) == sorted([mine, shown])
    assert reference_shown(client) == mine


def test_a_double_click_of_five_posts_at_once_answers_the_one_stored_contact(
    app: Flask, client: FlaskClient
) -> None:
    fields = form_fields(client)
    cookie = client.get_cookie("session")
    assert cookie is not None
    browsers = [app.test_client() for _ in range(5)]
    for browser in browsers:  # five requests of one browser: one session cookie
        browser.set_cookie("session", cookie.value)

    def post(browser: FlaskClient) -> int:
        return browser.post("/contact", data={**fields, **answers()}).status_code

    codes = at_once(*(lambda b=b: post(b) for b in browsers))
    assert codes == [303] * 5
    [contact] = stored(app)
    assert {reference_shown(b) for b in browsers} == {contact.reference}
    assert len(stored(app, CallbackRequest)) == 1


def test_the_session_cookie_holds_no_details_of_the_confirmation(
    app: Flask, client: FlaskClient
) -> None:
    send(client, answers(name="Sanne"))
    [contact] = stored(app)
    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    readable = str(serializer.loads(cookie.value))
    for detail in (contact.reference, "veterans", "evening", "Sanne", "612345678"):
        assert detail not in readable
    assert contact.reference in client.get("/contact/received").get_data(as_text=True)


def test_a_crisis_keeps_the_window_and_no_voicemail_they_chose(
    app: Flask, client: FlaskClient
) -> None:
    send(client, answers(message=CRISIS, window="tomorrow", voicemail="no"))
    [contact] = stored(app)
    assert contact.crisis and contact.respond == "now" and contact.status == "waiting"
    [kept] = stored(app, CallbackRequest)
    assert (kept.window, kept.voicemail_allowed, kept.phone) == ("tomorrow", False, "+31612345678")
    assert kept.status == "crisis" and "schedule_callback" not in jobs(app)
    html = client.get("/contact/received").get_data(as_text=True)
    assert "Wacht niet op ons: bel nu" in html and "We spreken geen voicemail in." in html


@pytest.mark.parametrize("message", [
    "ik zie het nietmeer zitten",  # the design's own example, two words run together
    "i want too die",              # "too" for "to"
    "I wantto die",
])
def test_crisis_words_with_a_common_slip_in_a_callback_form_are_never_parked(
    app: Flask, client: FlaskClient, message: str
) -> None:
    send(client, answers(message=message, window="tomorrow"))
    [contact] = stored(app)
    [callback] = stored(app, CallbackRequest)
    assert contact.crisis and contact.respond == "now"
    assert callback.status == "crisis"  # not a callback pending until tomorrow morning
