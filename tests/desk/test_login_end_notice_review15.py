"""A staff login ends `staff_session_hours` after it began, however active its user is
(WCAG 2.2.1 Timing Adjustable): from 15 minutes before, every staff page says when (Amsterdam
time), in the page's language, and what to do, with a link to log in again that comes back
to the page; before then the notice is in the page, hidden, for login_end.js to show on a
page left open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from loket.domain import logins
from loket.domain.callbacks import AMSTERDAM
from loket.store.db import session_scope
from loket.store.models import LoginSession, User
from loket.store.types import utcnow
from tests.desk.helpers import log_in, make_user
from tests.desk.test_login import code_of, post_code, post_password
from tests.desk.test_workspace import act, counsellor, engine_of, waiting


class Notice(HTMLParser):
    """The layout's login-end region: its attributes, whether its notice is hidden, its
    words and its link."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.region: dict[str, str | None] | None = None
        self.hidden: bool | None = None
        self.words = ""
        self.link: str | None = None
        self._depth = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._depth:
            self._depth += tag not in ("a", "br")
            if tag == "p":
                self.hidden = "hidden" in dict(attrs)
            if tag == "a":
                self.link = dict(attrs).get("href")
        elif dict(attrs).get("id") == "login-end":
            self.region, self._depth = dict(attrs), 1

    def handle_endtag(self, tag: str) -> None:
        if self._depth and tag not in ("a", "br"):
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.words += data

    @property
    def text(self) -> str:
        return " ".join(self.words.split())


def ends_in(app: Flask, user: User, left: timedelta) -> datetime:
    """Move the user's login back so that its hard end is `left` from now; return the end."""
    hours = app.config["LOKET"].staff_session_hours
    with session_scope(engine_of(app)) as session:
        login = session.exec(select(LoginSession).where(LoginSession.user_id == user.id,
                                                        LoginSession.ended_at == None)  # noqa: E711
                             ).one()
        login.created_at = utcnow() - timedelta(hours=hours) + left
        session.add(login)
        return login.created_at + timedelta(hours=hours)


def clock(at: datetime) -> str:
    return f"{at.astimezone(AMSTERDAM):%H:%M}"


def notice(client: FlaskClient, path: str, **headers: str) -> Notice:
    page = client.get(path, headers=headers)
    assert page.status_code == 200
    return Notice(page.get_data(as_text=True))


# --- the domain ----------------------------------------------------------------------------


def test_a_login_s_hard_end_is_its_hours_after_it_began_and_the_notice_15_minutes_before(
) -> None:
    began = datetime(2025, 3, 30, 0, 30, tzinfo=UTC)  # the night the clocks go forward
    end = logins.hard_end(began, session_hours=12)
    assert end == datetime(2025, 3, 30, 12, 30, tzinfo=UTC)
    assert clock(end) == "14:30"  # summer time already
    assert logins.end_notice_in(end, now=end - timedelta(minutes=20)) == timedelta(minutes=5)
    assert logins.end_notice_in(end, now=end - timedelta(minutes=15)) == timedelta(0)
    login = LoginSession(token_hash="x", user_id=1, created_at=began, last_seen_at=end)
    assert not logins.timed_out(login, idle_minutes=30, session_hours=12, now=end)
    assert logins.timed_out(login, idle_minutes=30, session_hours=12,
                            now=end + timedelta(seconds=1))


# --- the pages -----------------------------------------------------------------------------


def test_within_the_last_15_minutes_a_conversation_page_says_when_the_login_ends(
    app: Flask,
) -> None:
    reference = waiting(app, channel="webchat", crisis=True)
    client, user = counsellor(app)
    act(client, reference, "claim")
    end = ends_in(app, user, timedelta(minutes=14))
    found = notice(client, f"/desk/contacts/{reference}", **{"Accept-Language": "nl"})
    assert found.region is not None and found.region.get("role") == "status"
    assert found.hidden is False
    assert f"Je inlog eindigt om {clock(end)}." in found.text
    assert "Log voor die tijd opnieuw in om je gesprekken te houden" in found.text
    assert "Nu opnieuw inloggen" in found.text
    assert found.link == f"/desk/login?next=/desk/contacts/{reference}"
    assert found.region.get("data-shows-in") == "0"
    assert found.region.get("data-ends-at") == end.isoformat(timespec="seconds")


def test_the_notice_speaks_english_by_the_browser_or_the_language_switch(app: Flask) -> None:
    client, user = counsellor(app)
    end = ends_in(app, user, timedelta(minutes=5))
    by_browser = notice(client, "/desk", **{"Accept-Language": "en-GB,en;q=0.9"})
    assert by_browser.hidden is False
    assert f"Your login ends at {clock(end)}." in by_browser.text
    assert "the contacts you are working go back to the queue" in by_browser.text
    assert "Log in again now" in by_browser.text
    switched = notice(client, "/desk?lang=en", **{"Accept-Language": "nl"})
    assert f"Your login ends at {clock(end)}." in switched.text
    assert "Je inlog" not in switched.text


def test_before_the_last_15_minutes_the_notice_waits_hidden_for_a_page_left_open(
    app: Flask,
) -> None:
    client, user = counsellor(app)
    end = ends_in(app, user, timedelta(minutes=25))
    found = notice(client, "/desk")
    assert found.region is not None and found.hidden is True
    assert "role" not in found.region  # the page's own status line is its only one till then
    assert f"Je inlog eindigt om {clock(end)}." in found.text  # for the script to show
    assert 590 <= int(found.region.get("data-shows-in") or 0) <= 600
    fresh, _ = counsellor(app)
    assert notice(fresh, "/desk").hidden is True  # a login just begun: 11 h 45 min to go
    login_page = app.test_client().get("/desk/login").get_data(as_text=True)
    assert Notice(login_page).region is None  # no login, no notice


def test_a_manager_s_reports_page_says_it_too_without_the_counsellor_s_advice(
    app: Flask,
) -> None:
    manager = make_user(app, role="manager", desk="police")
    client = app.test_client()
    log_in(client, app, manager)
    end = ends_in(app, manager, timedelta(minutes=10))
    for path in ("/reports", "/desk/manager"):
        found = notice(client, path)
        assert found.hidden is False, path
        assert f"Je inlog eindigt om {clock(end)}." in found.text
        assert "wachtrij" not in found.text


def test_logging_in_again_by_the_notice_s_link_comes_back_to_the_page(app: Flask) -> None:
    reference = waiting(app, channel="webchat")
    client, user = counsellor(app)
    act(client, reference, "claim")
    ends_in(app, user, timedelta(minutes=3))
    link = notice(client, f"/desk/contacts/{reference}?lang=en").link
    assert link is not None and link.startswith("/desk/login?next=")
    step = post_password(client, user.email, next_=unescape(link).split("?next=", 1)[1])
    assert step.status_code == 303
    done = post_code(client, code_of(user), path=step.location)
    assert done.status_code == 303
    assert done.location.endswith(f"/desk/contacts/{reference}?lang=en")
    assert notice(client, f"/desk/contacts/{reference}").hidden is True  # a new login
