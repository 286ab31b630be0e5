"""Review 15 (WCAG 3.3.1, 1.3.1): a refused filter of the managers' report pages is tied to the
field it is about: that field (and no other) is marked `aria-invalid` and described by the
refusal (#filter-error, before its own hint), and the page's title starts with "Fout:"
("Error:"), as the public error pages' titles do."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.desk.helpers import log_in, make_user

TITLE = re.compile(r"<title>(.*?)</title>", re.S)


class Fields(HTMLParser):
    """The attributes of a page's form fields (input, select), by id."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.attrs: dict[str, dict[str, str]] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag in ("input", "select") and found.get("id"):
            self.attrs[found["id"]] = found

    def invalid(self) -> list[str]:
        """Return the ids of the fields marked invalid."""
        return [i for i, a in self.attrs.items() if a.get("aria-invalid") == "true"]


def manager_client(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client, app, make_user(app, role="manager", desk="police"))
    return client


def refused(client: FlaskClient, path: str, lang: str = "nl") -> tuple[Fields, str]:
    page = client.get(path, headers={"Accept-Language": lang})
    html = page.get_data(as_text=True)
    assert page.status_code == 400, html
    assert 'id="filter-error"' in html
    title = TITLE.search(html)
    assert title
    return Fields(html), title.group(1).strip()


@pytest.mark.parametrize(("lang", "prefix"), [("nl", "Fout: "), ("en", "Error: ")])
def test_the_plan_s_weeks_in_error_are_marked_and_the_title_says_so(
        app: Flask, lang: str, prefix: str) -> None:
    fields, title = refused(manager_client(app), "/reports/capacity?weeks=99", lang)
    assert fields.invalid() == ["weeks"]
    assert fields.attrs["weeks"]["aria-describedby"] == "filter-error"
    assert fields.attrs["shrinkage"]["aria-describedby"] == "shrinkage-hint"  # untouched
    assert title.startswith(prefix), title


def test_a_plan_field_with_a_hint_is_described_by_the_error_first(app: Flask) -> None:
    fields, _ = refused(manager_client(app), "/reports/capacity?shrinkage=5")
    assert fields.invalid() == ["shrinkage"]
    assert fields.attrs["shrinkage"]["aria-describedby"].split() == ["filter-error",
                                                                     "shrinkage-hint"]


def test_a_whole_number_refused_marks_its_own_field(app: Flask) -> None:
    fields, _ = refused(manager_client(app), "/reports/capacity?target=20.5")
    assert fields.invalid() == ["target"]


@pytest.mark.parametrize(("query", "wrong"), [
    ("from=2026-01-01&to=2026-02-31", ["to"]),  # "Tot en met" wrong: not tied to "Van"
    ("from=2026-13-01&to=2026-02-01", ["from"]),
    ("from=2026-03-01&to=2026-02-01", ["from", "to"]),  # the range: both
    ("channel=pigeon", ["channel"]),
    ("desk=veterans", ["desk"]),  # a police manager's report
])
def test_the_report_marks_the_field_in_error(app: Flask, query: str, wrong: list[str]) -> None:
    fields, title = refused(manager_client(app), f"/reports?{query}")
    assert fields.invalid() == wrong
    for name in wrong:
        assert fields.attrs[name]["aria-describedby"] == "filter-error"
    assert all("aria-describedby" not in a for i, a in fields.attrs.items() if i not in wrong)
    assert title.startswith("Fout: "), title
