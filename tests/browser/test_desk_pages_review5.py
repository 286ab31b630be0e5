"""Review 5, in a browser: a counsellor who types the queue's address with a slash at the
end lands on the queue, whose columns name the contact's reference and its flags apart, and
whose waits, counting on each second, read in minutes from two minutes (a crisis's in
seconds)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer
from tests.browser.test_desk import give_code, give_password
from tests.desk.helpers import make_user
from tests.desk.test_workspace import waiting

pytestmark = pytest.mark.browser


def test_the_queue_typed_with_a_slash_names_its_columns_and_waits_plainly(
    open_page: Callable[..., Page], live_server: LiveServer
) -> None:
    app = live_server.app
    calm = waiting(app, seconds_ago=238)
    crisis = waiting(app, seconds_ago=238, crisis=True)
    counsellor = make_user(app, role="counsellor", desk="police")
    page = open_page("/desk/login")
    give_password(page, counsellor)
    give_code(page, counsellor)
    page.goto(f"{live_server.url}/desk/")
    assert page.url == f"{live_server.url}/desk"
    heads = page.locator(".queue thead th")
    expect(heads.nth(0)).to_have_text("Referentie")
    expect(heads.nth(3)).to_have_text("Kenmerken")
    # The page counts on by itself: past four minutes the calm row says minutes.
    page.wait_for_timeout(3000)
    expect(page.locator(f'tr[data-reference="{calm}"] .waited')).to_have_text("4 min")
    expect(page.locator(f'tr[data-reference="{crisis}"] .waited')).to_have_text(
        re.compile(r"^24\d s$"))
