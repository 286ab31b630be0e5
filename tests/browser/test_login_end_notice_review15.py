"""A desk page left open (the queue refreshes without reloading) shows, when the last 15
minutes of the login begin, the notice of when it ends that the layout rendered hidden:
login_end.js reveals it in its status region, without a reload and within the CSP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from loket.domain.callbacks import AMSTERDAM
from loket.store.db import session_scope
from loket.store.models import LoginSession
from loket.store.types import utcnow
from tests.browser.conftest import Console, LiveServer
from tests.browser.test_desk import sign_in
from tests.desk.helpers import make_user

pytestmark = pytest.mark.browser
LEAD_S = 6  # the notice is due this long after the page is loaded


def test_a_page_left_open_shows_the_login_s_end_when_its_last_15_minutes_begin(
    open_page: Callable[..., Page], live_server: LiveServer, console: Console
) -> None:
    app = live_server.app
    user = make_user(app, role="counsellor", desk="police")
    page = open_page("/desk/login")
    sign_in(page, live_server, user)
    hours = app.config["LOKET"].staff_session_hours
    with session_scope(app.extensions["loket.engine"]) as session:
        login = session.exec(select(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.second_factor_at != None)  # noqa: E711
        ).one()
        login.created_at = (utcnow() - timedelta(hours=hours) + timedelta(minutes=15)
                            + timedelta(seconds=LEAD_S))
        session.add(login)
        end = login.created_at + timedelta(hours=hours)
    page.goto(f"{live_server.url}/desk")
    page.evaluate("() => { window.loketLeftOpen = true; }")
    region = page.locator("#login-end")
    words = f"Je inlog eindigt om {end.astimezone(AMSTERDAM):%H:%M}."
    said = region.get_by_text(words)
    expect(said).to_be_hidden()
    expect(region).not_to_have_attribute("role", "status")  # the page's own stays the one
    expect(said).to_be_visible(timeout=(LEAD_S + 10) * 1000)
    expect(region).to_have_attribute("role", "status")  # a live region says it
    expect(region.get_by_role("link", name="Nu opnieuw inloggen")).to_have_attribute(
        "href", "/desk/login?next=/desk")
    assert page.evaluate("() => window.loketLeftOpen === true"), "the page was reloaded"
    assert console.csp_violations() == []
