"""Review 5: small things staff notice on their pages. An address typed with a slash at the
end lands on its page; the queue's columns name the contact's reference and its flags
apart, as the rest of the product does ("referentie", "kenmerken"); a wait reads in minutes
from two minutes on, a crisis's in seconds (the queue's own rule)."""

from __future__ import annotations

import re

from flask import Flask

from tests.desk.test_queue_review4 import row_of
from tests.desk.test_trail import staff
from tests.desk.test_workspace import counsellor, waiting


def headers(html: str) -> list[str]:
    """Return the column headers of a page's first table."""
    head = html[html.index("<thead>"):html.index("</thead>")]
    return re.findall(r'<th scope="col">([^<]*)</th>', head)


def test_a_staff_address_typed_with_a_slash_lands_on_its_page(app: Flask) -> None:
    desk, _ = counsellor(app)
    answer = desk.get("/desk/")
    assert answer.status_code == 308 and answer.location == "/desk"
    assert desk.get("/desk/", follow_redirects=True).status_code == 200
    assert desk.get("/desk/?lang=en").location == "/desk?lang=en"  # what was asked goes along
    manager, _ = staff(app, "manager", "police")
    assert manager.get("/reports/").location == "/reports"
    assert manager.get("/reports/", follow_redirects=True).status_code == 200
    assert manager.get("/desk/manager/").location == "/desk/manager"
    # No page, no redirect; a form's post is not moved either.
    assert desk.get("/desk/nothing/").status_code == 404
    assert desk.post("/desk/").status_code in (404, 405)


def test_a_slash_typed_before_logging_in_leads_to_the_login(app: Flask) -> None:
    visitor = app.test_client()
    answer = visitor.get("/desk/", follow_redirects=True)
    assert answer.status_code == 200 and "/desk/login" in answer.request.path


def test_the_queue_names_the_reference_and_the_flags_apart(app: Flask) -> None:
    waiting(app)
    desk, _ = counsellor(app)
    dutch = headers(desk.get("/desk").get_data(as_text=True))
    assert dutch[0] == "Referentie" and dutch[3] == "Kenmerken"
    english = headers(desk.get("/desk?lang=en").get_data(as_text=True))
    assert english[0] == "Reference" and english[3] == "Flags"


def test_other_staff_pages_call_the_reference_a_reference_too(app: Flask) -> None:
    desk, _ = counsellor(app)
    form = desk.get("/desk/break-glass").get_data(as_text=True)
    assert re.search(r'<label class="label" for="bg-reference">Referentie</label>', form)
    manager, _ = staff(app, "manager", "police")
    lookup = manager.get("/desk/trail").get_data(as_text=True)
    assert '<label for="trail-reference">Referentie van het contact</label>' in lookup
    assert "kenmerk" not in lookup.lower() and "kenmerk" not in form.lower()


def waited(html: str, reference: str) -> str:
    """Return what a queue row's wait says."""
    row = row_of(html, reference)
    return re.findall(r'class="waited"[^>]*>([^<]*)<', row)[0]


def test_a_wait_reads_in_minutes_from_two_minutes_and_a_crisis_in_seconds(app: Flask) -> None:
    four = waiting(app, seconds_ago=240)
    hour = waiting(app, seconds_ago=3600)
    short = waiting(app, seconds_ago=90)
    crisis = waiting(app, seconds_ago=240, crisis=True)
    desk, _ = counsellor(app)
    for path in ("/desk", "/desk/queue/rows"):
        html = desk.get(path).get_data(as_text=True)
        assert waited(html, four) == "4 min"
        assert waited(html, hour) == "60 min"
        assert waited(html, short) in ("90 s", "91 s", "92 s")
        # A crisis counts in seconds however long (CHANGES: "a crisis shows its wait in
        # seconds"; its target is 30 s and it escalates after 120 s).
        assert waited(html, crisis) in ("240 s", "241 s", "242 s")
