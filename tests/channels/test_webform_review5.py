"""The web form at 3 a.m., fifth review: numbers as people type them, odd names, an e-mail
only with a number typed before they changed their mind (no script to hide the field)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.channels.test_webform import answers, send, stored


@pytest.mark.parametrize(
    "number",
    ["06-123 456 78", "+31 (0)6 1234 5678", "0031612345678", "06\u00a012345678", " 06 1234 5678 ",
     "06/12345678", "06/123.456.78"],
)
def test_a_national_number_as_people_type_it_is_kept_international(
    app: Flask, client: FlaskClient, number: str
) -> None:
    assert send(client, answers(phone=number)).status_code == 303
    assert [c.phone for c in stored(app)] == ["+31612345678"]


@pytest.mark.parametrize(
    "name", ["José Ñúñez-O'Brien", "<script>alert(1)</script>", "😀", "Ⅻ" * 5]
)
def test_an_odd_name_is_stored_and_confirmed(app: Flask, client: FlaskClient, name: str) -> None:
    response = send(client, answers(name=name, reach="email", email="jan@example.nl", phone=""))
    assert response.status_code == 303
    page = client.get("/contact/received").get_data(as_text=True)
    assert 'id="reference"' in page and "<script>alert" not in page
    assert [c.name for c in stored(app)] == [name]


def test_an_e_mail_only_keeps_no_number_typed_before(app: Flask, client: FlaskClient) -> None:
    assert send(client, answers(reach="email", email=" jan@example.nl ")).status_code == 303
    contact = stored(app)[0]
    assert (contact.phone, contact.email) == (None, "jan@example.nl")
    page = client.get("/contact/received").get_data(as_text=True)
    assert "mailt je" in page and "bellen" not in page.split("<h2>Wat gebeurt er nu?</h2>")[1]
