"""Review 6: the plan says where its occupancy cap raised the counsellors above what the
service target alone asks (JSON, page, command line); an hour's handle time of fewer than
five contacts is neither shown nor planned with (the desk's mean, or the default, instead,
marked so); a desk's manager is not shown a total that adds the pool shared with the other
desk to their own desk's hours."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from loket.cli import main
from loket.config import PROJECT_ROOT
from loket.reports.capacity import counsellors_needed
from loket.reports.periods import AMSTERDAM
from loket.reports.plan import DEFAULT_AHT_S, plan, shown_plan, weeks_with_data
from loket.reports.suppression import SMALL
from loket.store.db import read_scope
from tests.reports.seed import local, seed
from tests.reports.test_pages import manager, rows_of

MONDAY = date(2026, 11, 16)  # one week back: Monday 9 to Sunday 15 November
TUESDAY_14 = 24 + 14
WEDNESDAY_10 = 2 * 24 + 10
THURSDAY_10 = 3 * 24 + 10
LOOSE = {"target_s": 600, "level": 0.5}  # a target the cap, not Erlang C, decides


def made(app: Flask, **options: object) -> dict[str, object]:
    with read_scope(app.extensions["loket.engine"]) as session:
        return plan(session, 1, today=MONDAY, **options)  # type: ignore[arg-type]


# --- 1. the cap, said -------------------------------------------------------------------


def test_the_plan_gives_what_the_target_alone_would_need(store_app: Flask) -> None:
    # 100 police contacts of 600 s: the target alone asks 18, busy 93%; the cap 20.
    seed(store_app, local("2026-11-10 14:20"), desk="police", count=100, handle_s=600)
    capped = made(store_app, **LOOSE)
    assert capped["separate"]["police"][TUESDAY_14] == 20  # type: ignore[index]
    without = capped["without_cap"]
    assert without["separate"]["police"][TUESDAY_14] == 18  # type: ignore[index]
    assert without["pooled"]["police"][TUESDAY_14] == 18  # type: ignore[index]
    assert capped["counsellor_hours"]["by_cap"] == {"separate": 2, "pooled": 2}  # type: ignore[index]
    # At 80% within 20 s Erlang C asks 22, busy 76%: the cap raises nothing.
    strict = made(store_app)
    assert strict["separate"]["police"][TUESDAY_14] == 22  # type: ignore[index]
    assert strict["without_cap"]["separate"]["police"][TUESDAY_14] == 22  # type: ignore[index]
    assert strict["counsellor_hours"]["by_cap"] == {"separate": 0, "pooled": 0}  # type: ignore[index]


def last_week_day() -> datetime:
    """A weekday afternoon in the last two whole weeks (not pooled by the clock)."""
    day = datetime.now(AMSTERDAM).replace(hour=14, minute=10, second=0, microsecond=0)
    day -= timedelta(days=7)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


WEEKDAYS_NL = ("ma", "di", "wo", "do", "vr", "za", "zo")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def test_the_page_says_the_cap_raised_the_counsellors_and_at_which_hours(
        store_app: Flask) -> None:
    day = last_week_day()
    seed(store_app, day, desk="police", count=100, handle_s=600)  # 50 an hour over 2 weeks
    capped = counsellors_needed(50, 600, 600, 0.5, max_occupancy=0.85)
    alone = counsellors_needed(50, 600, 600, 0.5)
    assert capped > alone
    client = manager(store_app)
    query = {"weeks": "2", "target": "600", "level": "0.5"}
    page = client.get("/reports/capacity", query_string=query).get_data(as_text=True)
    extra = capped - alone
    assert (f"De bezettingsgrens van 85% vraagt {extra} hulpverlener-uren per week meer dan "
            "het servicedoel alleen") in page
    hour = f"{WEEKDAYS_NL[day.weekday()]} 14:00\u201315:00"
    assert page.count(f"Hoger door de bezettingsgrens (85%): {hour}.") == 2  # both grids
    english = client.get("/reports/capacity", query_string={**query, "lang": "en"}
                         ).get_data(as_text=True)
    assert f"The occupancy cap of 85% asks {extra} counsellor-hours a week more" in english
    assert f"Raised by the occupancy cap (85%): {WEEKDAYS_EN[day.weekday()]} 14:00" in english
    # A desk's manager is told the same of their own desk.
    desk_page = manager(store_app, desk="police").get(
        "/reports/capacity", query_string=query).get_data(as_text=True)
    assert f"vraagt {extra} hulpverlener-uren per week meer" in desk_page
    # Where Erlang C asks more than the cap, the page says the cap raised nothing.
    strict = client.get("/reports/capacity", query_string={"weeks": "2", "lang": "nl"}
                        ).get_data(as_text=True)
    assert "De bezettingsgrens van 85% verhoogt in dit plan geen enkel uur" in strict
    assert "Hoger door de bezettingsgrens" not in strict


def test_the_command_line_says_what_the_target_alone_would_need() -> None:
    args = ["capacity", "--calls-per-hour", "100", "--aht", "600", "--target", "600",
            "--level", "0.5"]
    got = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    assert got["counsellors"] == 20 and got["counsellors_without_cap"] == 18
    text = CliRunner().invoke(main, [*args, "--lang", "en"])
    assert text.exit_code == 0, text.output
    assert "The service target alone needs 18 counsellors; the occupancy cap of 85% " \
           "makes it 20." in text.output
    strict = json.loads(CliRunner().invoke(main, ["capacity", "--calls-per-hour", "100",
                                                  "--aht", "600", "--json"]).output)
    assert strict["counsellors"] == strict["counsellors_without_cap"] == 22


def test_the_plan_on_the_command_line_says_what_the_cap_adds(
        app: Flask, cli_env: dict[str, str]) -> None:
    seed(app, last_week_day(), desk="police", count=100, handle_s=600)
    args = ["capacity", "--from-data", "--weeks", "2", "--target", "600", "--level", "0.5"]
    got = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    extra = (counsellors_needed(50, 600, 600, 0.5, max_occupancy=0.85)
             - counsellors_needed(50, 600, 600, 0.5))
    assert got["counsellor_hours"]["by_cap"] == {"separate": extra, "pooled": extra}
    assert set(got["without_cap"]) == {"separate", "pooled"}
    text = CliRunner().invoke(main, [*args, "--lang", "en"]).output
    assert f"The occupancy cap of 85% adds {extra} counsellor-hours a week separate, " \
           f"{extra} pooled" in text
    dutch = CliRunner().invoke(main, args).output
    assert f"De bezettingsgrens van 85% voegt {extra} hulpverlener-uren per week toe" in dutch


# --- 2. an hour's handle time of fewer than five ----------------------------------------


def test_an_hour_with_fewer_than_five_handle_times_takes_the_desk_s_mean(
        store_app: Flask) -> None:
    # Tuesday 14:00: 20 contacts, only 3 answered and closed (50 minutes each): shown, they
    # would be a handle time of three people; planned with, a shaky one.
    seed(store_app, local("2026-11-10 14:20"), desk="police", count=3, handle_s=3000)
    seed(store_app, local("2026-11-10 14:30"), desk="police", count=17)
    seed(store_app, local("2026-11-11 10:20"), desk="police", count=10, handle_s=300)
    result = made(store_app)
    shown = shown_plan(result)["observed"]
    assert shown["calls_per_hour"]["police"][TUESDAY_14] == 20.0
    # The desk's mean of its hours of five or more (the three are not worked back from it).
    assert shown["aht_s"]["police"][TUESDAY_14] == 300.0
    assert shown["aht_basis"]["police"][TUESDAY_14] == "desk"
    assert shown["aht_s"]["police"][WEDNESDAY_10] == 300.0
    assert shown["aht_basis"]["police"][WEDNESDAY_10] == "hour"
    assert result["separate"]["police"][TUESDAY_14] == \
        counsellors_needed(20, 300, 20, 0.8, max_occupancy=0.85)  # type: ignore[index]


def test_a_desk_mean_includes_the_small_hours_only_when_they_are_five_or_more(
        store_app: Flask) -> None:
    seed(store_app, local("2026-11-10 14:20"), desk="police", count=3, handle_s=600)
    seed(store_app, local("2026-11-12 10:20"), desk="police", count=3, handle_s=1200)
    seed(store_app, local("2026-11-11 10:20"), desk="police", count=10, handle_s=300)
    shown = shown_plan(made(store_app))["observed"]
    mean = (3 * 600 + 3 * 1200 + 10 * 300) / 16  # six in the small hours: a group of six
    assert shown["aht_s"]["police"][TUESDAY_14] is None  # three arrived: "<5" hides it
    assert shown["calls_per_hour"]["police"][TUESDAY_14] == SMALL
    assert shown["aht_s"]["police"][0] == round(mean, 1)
    assert shown["aht_basis"]["police"][0] == "desk"


def test_a_desk_with_fewer_than_five_handle_times_in_all_takes_the_default(
        store_app: Flask) -> None:
    seed(store_app, local("2026-11-10 14:20"), desk="veterans", count=3, handle_s=3000)
    seed(store_app, local("2026-11-10 14:30"), desk="veterans", count=7)
    result = made(store_app)
    shown = shown_plan(result)["observed"]
    assert shown["aht_s"]["veterans"][TUESDAY_14] == DEFAULT_AHT_S == 600
    assert shown["aht_basis"]["veterans"][TUESDAY_14] == "default"
    assert shown["aht_basis"]["debasis"][TUESDAY_14] == "default"
    assert result["separate"]["veterans"][TUESDAY_14] == \
        counsellors_needed(10, DEFAULT_AHT_S, 20, 0.8, max_occupancy=0.85)  # type: ignore[index]


def test_the_page_says_how_an_hour_of_few_handle_times_is_planned(store_app: Flask) -> None:
    client = manager(store_app, desk="veterans")
    page = client.get("/reports/capacity", query_string={"weeks": "2"}).get_data(as_text=True)
    assert ("Een uur met minder dan vijf gesprekken met een bekende duur rekent met de "
            "gemiddelde gespreksduur van zijn desk, of met 600 s") in page
    english = client.get("/reports/capacity", query_string={"weeks": "2", "lang": "en"}
                         ).get_data(as_text=True)
    assert "An hour with fewer than five conversations of known length takes its desk" in english


# --- 3. a desk's manager: no total of their desk and the shared pool ---------------------


def test_a_desk_manager_is_not_given_a_total_of_their_desk_and_the_shared_pool(
        store_app: Flask) -> None:
    day = last_week_day().replace(hour=23)  # a pooled hour (night)
    seed(store_app, day, desk="police", count=40, handle_s=600)
    seed(store_app, day, desk="veterans", count=40, handle_s=600)
    client = manager(store_app, desk="police")
    page = client.get("/reports/capacity", query_string={"weeks": "2"}).get_data(as_text=True)
    hours = rows_of(page, "hours")
    assert set(hours) == {"Politie (24/7 Loket)", "Gezamenlijke wachtrij"}
    assert "politie en veteranen samen" in page.split('id="table-hours"')[0]
    # With shrinkage, the desk's own hours and the pool's are rostered apart, too.
    shrunk = client.get("/reports/capacity", query_string={"weeks": "2", "shrinkage": "0.5"}
                        ).get_data(as_text=True)
    police = hours["Politie (24/7 Loket)"]
    pool = hours["Gezamenlijke wachtrij"][1]
    assert (f"{2 * int(police[0])} hulpverlener-uren in te roosteren apart, "
            f"{2 * int(police[1])} samen, en {2 * int(pool)} voor de gezamenlijke "
            "wachtrij") in shrunk


# --- 3. a desk's manager is warned of weeks before the first contact too -----------------


def test_a_desk_manager_is_told_the_plan_counts_weeks_without_contacts(
        store_app: Flask) -> None:
    day = last_week_day()
    seed(store_app, day, desk="police", count=12, handle_s=600)
    weeks = weeks_with_data(day.date(), datetime.now(AMSTERDAM).date())
    client = manager(store_app, desk="police")
    page = client.get("/reports/capacity", query_string={"weeks": "8"}).get_data(as_text=True)
    assert f"Let op: er zijn pas contacten sinds {day.date().isoformat()}." in page
    assert f"Weken: kies hooguit {weeks}." in page
    enough = client.get("/reports/capacity", query_string={"weeks": str(weeks)}
                        ).get_data(as_text=True)
    assert "Let op: er zijn pas contacten sinds" not in enough


# --- 3. the command line names the pooled hours of the rules in force, not a copy -------


def test_the_command_line_says_the_pooled_hours_of_the_rules_in_force(
        cli_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = CliRunner().invoke(main, ["capacity", "--from-data", "--weeks", "1",
                                        "--lang", "en"])
    assert "Pooled (93 hours a week police and veterans in one pool, overflow in the " \
           "other hours)" in default.output
    rules = (PROJECT_ROOT / "routing_rules" / "default.yaml").read_text(encoding="utf-8")
    weekend = "      - label: weekend\n        days: [saturday, sunday]\n"
    assert weekend in rules
    nights = tmp_path / "nights.yaml"
    nights.write_text(rules.replace(weekend, ""), encoding="utf-8")
    monkeypatch.setenv("LOKET_RULES_PATH", str(nights))
    result = CliRunner().invoke(main, ["capacity", "--from-data", "--weeks", "1"])
    assert result.exit_code == 0, result.output
    assert "Samen (63 uur per week politie en veteranen in \u00e9\u00e9n pool, de andere " \
           "uren overloop)" in result.output
    assert "weekend" not in result.output
