"""Third review of the managers' figures: the callbacks a person asked for apart from the
crisis contacts the desk keeps to call back at once, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlmodel import col, select

from loket.domain import callbacks, calls
from loket.reports import tally
from loket.reports.volumes import figures
from loket.store.db import read_scope, session_scope
from loket.store.models import CallbackRequest, Contact
from tests.desk.helpers import log_in, make_user
from tests.reports.seed import PHONE, local, seed, seed_callback

NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)
AT = local("2026-11-10 14:00")


def report(app: Flask) -> dict[str, Any]:
    with read_scope(app.extensions["loket.engine"]) as session:
        return figures(session, NOV_1, NOV_30)


def newest(app: Flask, count: int) -> list[int]:
    with session_scope(app.extensions["loket.engine"]) as session:
        return [c or 0 for c in session.exec(
            select(Contact.id).order_by(col(Contact.id).desc()).limit(count)).all()]


def crisis_callers_who_hung_up(app: Flask, count: int) -> list[int]:
    """Crisis callers waiting in the queue who hang up: kept to be called back at once."""
    seed(app, AT, channel="phone", crisis=True, count=count)
    made = newest(app, count)
    with session_scope(app.extensions["loket.engine"]) as session:
        for contact_id in made:
            contact = session.get(Contact, contact_id)
            assert contact is not None
            contact.routed_at, contact.status, contact.intake_step = AT, "waiting", "queued"
            contact.phone = PHONE
            calls.left_unanswered(session=session, contact=contact, waited_s=60,
                                  actor="voice", detail="call abandoned")
    return made


def crisis_texters_who_said_stop(app: Flask, count: int) -> list[int]:
    """People in crisis by text who sent STOP: kept to be called back at once."""
    seed(app, AT, channel="sms", crisis=True, count=count)
    made = newest(app, count)
    with session_scope(app.extensions["loket.engine"]) as session:
        for contact_id in made:
            contact = session.get(Contact, contact_id)
            assert contact is not None
            assert calls.keep_crisis_open(session=session, contact=contact, phone=PHONE,
                                          step="stopped")
    return made


def crisis_forms_asking_a_callback(app: Flask, count: int) -> None:
    """People in crisis who asked on the web form to be called back (answered now)."""
    seed(app, AT, channel="webform", crisis=True, count=count)
    with session_scope(app.extensions["loket.engine"]) as session:
        for contact_id in newest(app, count):
            contact = session.get(Contact, contact_id)
            assert contact is not None
            contact.preference = "callback"
            callbacks.keep_crisis_reach(session=session, contact=contact, phone=PHONE,
                                        window="evening")


def reach(app: Flask, contact_ids: list[int]) -> None:
    """A counsellor calls the kept crisis contacts back and reaches them."""
    with session_scope(app.extensions["loket.engine"]) as session:
        for callback in session.exec(select(CallbackRequest).where(
                col(CallbackRequest.contact_id).in_(contact_ids))).all():
            callback.attempts = 1
            calls.attempt_ended(session=session, callback=callback, outcome="reached")


def test_crisis_contacts_kept_to_be_called_back_are_not_callbacks_requested(
    store_app: Flask
) -> None:
    """Nobody asked these six people's callbacks: a crisis caller who hung up, a person in
    crisis who sent STOP. The manager's "requested" counts the seven who asked (five
    callbacks, two crisis forms); the six kept ones are counted as such, reached or not."""
    for _ in range(5):
        seed_callback(store_app, AT, status="done", attempts=1, last_outcome="reached")
    crisis_forms_asking_a_callback(store_app, 2)
    hung_up = crisis_callers_who_hung_up(store_app, 3)
    crisis_texters_who_said_stop(store_app, 3)
    reach(store_app, hung_up)

    for _ in range(2):  # counted from the contacts, then from the refreshed tallies
        counted = report(store_app)["callbacks"]
        assert counted["requested"] == 7
        assert counted["reached"] == 5 and counted["in_window"] == 5
        assert counted["attempts"] == 5
        assert counted["reached_by_attempts"] == {"1": 5, "2": 0, "3+": 0}
        assert counted["crisis_kept"] == 6 and counted["crisis_kept_reached"] == 3
        tally.refresh_all(lambda: session_scope(store_app.extensions["loket.engine"]))


def test_the_kept_crisis_callbacks_are_a_row_of_their_own_on_the_page_and_in_the_csv(
    app: Flask
) -> None:
    crisis_callers_who_hung_up(app, 5)
    client = app.test_client()
    log_in(client, app, make_user(app, role="manager", desk="police"))
    query = {"from": "2026-11-01", "to": "2026-11-30", "lang": "en"}
    page = client.get("/reports", query_string=query)
    assert page.status_code == 200
    assert "Crisis contacts kept to be called back at once" in page.get_data(as_text=True)
    lines = client.get("/reports/callbacks.csv", query_string=query).get_data(
        as_text=True).splitlines()
    assert "Requested,0" in lines
    assert "Crisis contacts kept to be called back at once,5" in lines


# --- the capacity plan: counsellors at the desk, and the people to roster for them ---------


def test_the_counsellors_to_roster_for_those_at_the_desk() -> None:
    """Erlang C gives the counsellors at the desk; breaks, training, leave and sickness take
    a share of paid time (shrinkage), so an operations lead rosters more: 22 at the desk with
    30% shrinkage is 22 / 0.7 = 31.4, so 32 on the roster; 7 is exactly 10, not 11."""
    from loket.reports.capacity import rostered

    assert rostered(22, 0.3) == 32 and rostered(22, 0) == 22 and rostered(0, 0.5) == 0
    assert rostered(7, 0.3) == 10
    for wrong in (-0.1, 0.95, 1.0, float("nan")):
        with pytest.raises(ValueError, match="shrinkage"):
            rostered(22, wrong)


def test_the_plan_from_data_rosters_its_counsellor_hours(store_app: Flask) -> None:
    from loket.reports.plan import plan

    seed(store_app, local("2026-11-10 14:20"), desk="police", count=100, handle_s=600)
    with read_scope(store_app.extensions["loket.engine"]) as session:
        made = plan(session, 1, target_s=20, level=0.8, today=date(2026, 11, 16),
                    shrinkage=0.3)
    hours = made["counsellor_hours"]
    assert made["shrinkage"] == 0.3 and hours["separate"] == hours["pooled"] == 22
    assert hours["rostered"] == {"separate": 32, "pooled": 32, "difference": 0}


def test_the_capacity_page_takes_shrinkage_and_names_it_when_wrong(store_app: Flask) -> None:
    seed(store_app, local("2026-11-10 14:20"), desk="police", count=1)
    client = store_app.test_client()
    log_in(client, store_app, make_user(store_app, role="manager", desk="police"))
    page = client.get("/reports/capacity", query_string={"weeks": "2", "shrinkage": "0.3"})
    assert page.status_code == 200
    assert 'name="shrinkage"' in page.get_data(as_text=True)
    assert "in te roosteren" in page.get_data(as_text=True)
    refused = client.get("/reports/capacity", query_string={"shrinkage": "0.95", "lang": "en"})
    assert refused.status_code == 400
    assert "Shrinkage (share, 0 to 0.9): give a number from 0 to 0.9" in \
        refused.get_data(as_text=True)


def test_a_report_asked_up_to_a_day_alone_starts_on_the_first_of_that_month(
    app: Flask
) -> None:
    """Only "to" given (a link, a bookmark): the report of that month up to that day, not a
    refusal that "from" (never typed: last month's first) lies after it."""
    seed(app, local("2026-10-10 14:00"), channel="phone", count=6)
    client = app.test_client()
    log_in(client, app, make_user(app, role="manager", desk="police"))
    page = client.get("/reports", query_string={"to": "2026-10-15", "lang": "en"})
    assert page.status_code == 200, page.get_data(as_text=True)
    assert "Report 2026-10-01 to 2026-10-15" in page.get_data(as_text=True)
    lines = client.get("/reports/channels.csv", query_string={
        "to": "2026-10-15", "lang": "en"}).get_data(as_text=True).splitlines()
    assert "phone,6" in lines


def test_a_plan_over_weeks_before_the_first_contact_says_so(store_app: Flask) -> None:
    """Loket has contacts for two weeks; a plan of eight divides them by eight and asks a
    quarter of the people. The plan says since when there are contacts and how many weeks
    to choose, on the page and in the JSON."""
    from loket.reports import web
    from loket.reports.plan import plan

    for day in ("2026-11-03", "2026-11-10"):  # Tuesdays, 14:00
        seed(store_app, local(f"{day} 14:20"), desk="police", count=40, handle_s=600)
    with read_scope(store_app.extensions["loket.engine"]) as session:
        made = plan(session, 8, today=date(2026, 11, 16))
    assert made["observed_since"] == "2026-11-03"
    with read_scope(store_app.extensions["loket.engine"]) as session:
        enough = plan(session, 2, today=date(2026, 11, 16))
    assert enough["observed_since"] == "2026-11-03"

    def say(key: str, **values: Any) -> str:
        return web.say_in("en")(key, **values)

    said = web.sentence(made, web.PlanFilters(weeks=8), say)
    assert any("only since 2026-11-03" in line and "Weeks: choose 2 at most" in line
               for line in said), said
    assert not any("only since" in line
                   for line in web.sentence(enough, web.PlanFilters(weeks=2), say))


def test_loket_capacity_from_data_says_since_when_there_are_contacts(
    app: Flask, cli_env: dict[str, str]
) -> None:
    from datetime import datetime, timedelta

    from click.testing import CliRunner

    from loket.cli import main
    from loket.reports.periods import AMSTERDAM

    today = datetime.now(AMSTERDAM).date()
    since = today - timedelta(days=3)
    seed(app, local(f"{since} 14:20"), desk="police", count=10, handle_s=600)
    dutch = CliRunner().invoke(main, ["capacity", "--from-data", "--weeks", "8"])
    english = CliRunner().invoke(main, ["capacity", "--from-data", "--weeks", "8",
                                        "--lang", "en"])
    assert dutch.exit_code == english.exit_code == 0, dutch.output + english.output
    assert f"pas contacten sinds {since}" in dutch.output and "kies hooguit 1" in dutch.output
    assert f"contacts only since {since}" in english.output
    assert "Occupancy: busy with contacts" in english.output and "Bezetting:" in dutch.output
    quiet = CliRunner().invoke(main, ["capacity", "--from-data", "--weeks", "1"])
    assert "sinds" not in quiet.output


def test_the_plan_says_how_busy_the_counsellors_are_separate_and_pooled(
    store_app: Flask
) -> None:
    """Occupancy: the offered load over the counsellor-hours. 100 contacts of 600 s in one
    hour are 16.7 Erlang-hours for 22 counsellor-hours: 75.8% busy; at night (pooled) 50
    police and 50 veterans contacts need 2 x 13 apart, 22 together: busier pooled."""
    from loket.reports import web
    from loket.reports.plan import plan

    seed(store_app, local("2026-11-10 14:20"), desk="police", count=100, handle_s=600)
    with read_scope(store_app.extensions["loket.engine"]) as session:
        day = plan(session, 1, today=date(2026, 11, 16))
    assert day["occupancy"] == {"separate": 0.758, "pooled": 0.758}
    seed(store_app, local("2026-11-11 23:05"), desk="police", count=50, handle_s=600)
    seed(store_app, local("2026-11-11 23:40"), desk="veterans", count=50, handle_s=600)
    with read_scope(store_app.extensions["loket.engine"]) as session:
        both = plan(session, 1, today=date(2026, 11, 16))
    hours = both["counsellor_hours"]
    load = 2 * 100 * 600 / 3600
    assert both["occupancy"] == {"separate": round(load / hours["separate"], 3),
                                 "pooled": round(load / hours["pooled"], 3)}
    assert both["occupancy"]["pooled"] > both["occupancy"]["separate"]
    said = web.sentence(both, web.PlanFilters(weeks=1), web.say_in("nl"))
    assert any(f"{both['occupancy']['separate'] * 100:.1f}%" in line and "bezig" in line
               for line in said), said


def test_a_callback_asked_for_stays_requested_when_the_person_turns_out_in_crisis(
    store_app: Flask
) -> None:
    """A texter asks to be called back tomorrow, then writes that they see no way out: the
    contact becomes a crisis answered now (its preference `now`, the pending callback
    cancelled). They did ask: still one callback requested, none kept."""
    from loket import rules_runtime
    from loket.domain import contacts

    seed(store_app, AT, channel="sms", count=1)
    with store_app.app_context(), session_scope(store_app.extensions["loket.engine"]) as session:
        contact = session.get(Contact, newest(store_app, 1)[0])
        assert contact is not None
        callbacks.request_callback(session=session, contact=contact, phone=PHONE,
                                   window="tomorrow", at=AT)
        assert contacts.escalate(session=session, contact=contact, decide=rules_runtime.decide)
    for _ in range(2):
        counted = report(store_app)["callbacks"]
        assert counted["requested"] == 1 and counted["crisis_kept"] == 0
        tally.refresh_all(lambda: session_scope(store_app.extensions["loket.engine"]))


def test_a_refused_period_keeps_what_the_manager_typed(app: Flask) -> None:
    """From after to: refused with the reason, and the form shows the days typed (to mend
    one of them), not last month's."""
    client = app.test_client()
    log_in(client, app, make_user(app, role="manager", desk="police"))
    refused = client.get("/reports", query_string={"from": "2026-11-30", "to": "2026-11-01",
                                                   "channel": "sms", "lang": "en"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "From: 2026-11-30 is after to 2026-11-01" in page
    assert 'name="from" value="2026-11-30"' in page and 'name="to" value="2026-11-01"' in page
    assert '<option value="sms" selected>' in page


def test_an_unknown_table_is_a_404_that_says_so(app: Flask) -> None:
    client = app.test_client()
    log_in(client, app, make_user(app, role="manager", desk="police"))
    for url in ("/reports/nothing.csv", "/reports/capacity/nothing.csv"):
        missing = client.get(url, query_string={"lang": "en"})
        assert missing.status_code == 404
        assert "There is no such table." in missing.get_data(as_text=True)
