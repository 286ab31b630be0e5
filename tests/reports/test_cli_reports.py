"""`loket report` and `loket capacity`: JSON parsed, CSV read back, "<5", no personal data,
and bad input exits 2 naming the option."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from flask import Flask

from loket.cli import main
from loket.reports.periods import AMSTERDAM
from tests.reports.seed import PERSONAL, local, seed

NOVEMBER = ["--from", "2026-11-01", "--to", "2026-11-30"]


def seeded(app: Flask) -> None:
    seed(app, local("2026-11-10 14:00"), channel="phone", desk="police", count=6)
    seed(app, local("2026-11-30 23:30"), channel="sms", desk="veterans", queue="pool",
         flags=("pooled",), count=2)
    seed(app, local("2026-12-01 00:30"), channel="sms", desk="veterans", count=3)


def test_report_json_has_the_design_shape_with_small_counts_hidden(
    app: Flask, cli_env: dict[str, str]
) -> None:
    seeded(app)
    result = CliRunner().invoke(main, ["report", *NOVEMBER, "--format", "json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["from"] == "2026-11-01" and got["to"] == "2026-11-30" and got["desk"] is None
    contacts = got["contacts"]
    assert contacts["total"] == 8
    # Review 5: a count that would give a "<5" back from the total is not given (null).
    assert contacts["by_channel"] == {"phone": None, "sms": "<5", "whatsapp": 0, "webchat": 0,
                                      "webform": 0}
    assert contacts["by_desk"] == {"police": None, "veterans": "<5", "debasis": 0}
    assert contacts["by_queue"] == {"police": None, "veterans": 0, "debasis": 0, "pool": "<5"}
    assert contacts["crisis"] == 0 and contacts["overflow"] == 0 and contacts["pooled"] == "<5"
    assert not [field for field in PERSONAL if field.lower() in result.output.lower()]


def test_report_channel_filter(app: Flask, cli_env: dict[str, str]) -> None:
    seeded(app)
    result = CliRunner().invoke(main, ["report", *NOVEMBER, "--channel", "phone"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["channel"] == "phone" and got["contacts"]["total"] == 6
    bad = CliRunner().invoke(main, ["report", *NOVEMBER, "--channel", "fax"])
    assert bad.exit_code == 2 and "--channel" in bad.output


def test_report_desk_filter(app: Flask, cli_env: dict[str, str]) -> None:
    seeded(app)
    result = CliRunner().invoke(main, ["report", *NOVEMBER, "--desk", "police"])
    assert result.exit_code == 0, result.output
    # The police desk's six and the pool's two (DESIGN.md: a manager sees D and the pool).
    assert json.loads(result.output)["contacts"]["total"] == 8
    assert json.loads(result.output)["desk"] == "police"
    debasis = CliRunner().invoke(main, ["report", *NOVEMBER, "--desk", "debasis"])
    assert json.loads(debasis.output)["contacts"]["total"] == 0  # serves no pool


def test_report_csv_reads_back_with_the_same_figures(
    app: Flask, cli_env: dict[str, str]
) -> None:
    seeded(app)
    result = CliRunner().invoke(main, ["report", *NOVEMBER, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows and set(rows[0]) == {"figure", "key", "value"}
    counts = {(row["figure"], row["key"]): row["value"] for row in rows}
    assert counts[("contacts.total", "")] == "8"
    assert counts[("contacts.by_channel", "phone")] == ""  # it would give sms's "<5" back
    assert counts[("contacts.by_channel", "sms")] == "<5"
    assert counts[("contacts.by_queue", "pool")] == "<5"
    assert counts[("contacts.crisis", "")] == "0"
    assert counts[("callbacks.requested", "")] == "0"
    assert counts[("callbacks.reached_by_attempts", "3+")] == "0"
    days = [f for f, k in counts if f.startswith("per_day.") and k == "total"]
    assert days[0] == "per_day.2026-11-01" and len(days) == 30
    assert len([f for f, _ in counts if f.startswith("by_hour_of_week.")]) == 7 * 24
    assert counts[("service.targets_s", "crisis")] == "30"
    assert counts[("service.level", "")] == ""  # fewer than five calls waited: not given
    assert not [field for field in PERSONAL if field.lower() in result.output.lower()]


@pytest.mark.parametrize(("args", "named"), [
    (["--from", "2026-11-30", "--to", "2026-11-01"], "--from"),
    (["--from", "2026-13-01", "--to", "2026-11-30"], "--from"),
    (["--from", "2026-11-01", "--to", "yesterday"], "--to"),
    (["--to", "2026-11-30"], "--from"),
    ([*NOVEMBER, "--desk", "defence"], "--desk"),
    ([*NOVEMBER, "--format", "xml"], "--format"),
])
def test_report_bad_input_exits_2_naming_the_option(
    app: Flask, cli_env: dict[str, str], args: list[str], named: str
) -> None:
    result = CliRunner().invoke(main, ["report", *args])
    assert result.exit_code == 2
    assert named in result.output


def test_capacity_json_for_the_standard_example() -> None:
    result = CliRunner().invoke(main, ["capacity", "--calls-per-hour", "100", "--aht", "600",
                                       "--target", "20", "--level", "0.8", "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["counsellors"] == 22
    assert got["service_level"] == pytest.approx(0.870, abs=0.0005)
    assert got["one_fewer"]["counsellors"] == 21
    assert got["one_fewer"]["service_level"] == pytest.approx(0.80, abs=0.002)


def test_capacity_text_is_dutch_by_default_and_english_on_request() -> None:
    args = ["capacity", "--calls-per-hour", "100", "--aht", "600"]
    dutch = CliRunner().invoke(main, args)
    english = CliRunner().invoke(main, [*args, "--lang", "en"])
    assert dutch.exit_code == english.exit_code == 0
    assert "22 hulpverleners" in dutch.output and "87.0%" in dutch.output
    assert "22 counsellors" in english.output


@pytest.mark.parametrize(("args", "named"), [
    (["--aht", "600"], "--calls-per-hour"),
    (["--calls-per-hour", "100"], "--aht"),
    (["--calls-per-hour", "-1", "--aht", "600"], "--calls-per-hour"),
    (["--calls-per-hour", "100", "--aht", "600", "--level", "1.2"], "--level"),
    (["--calls-per-hour", "100", "--aht", "600", "--from-data"], "--from-data"),
    (["--from-data", "--weeks", "0"], "--weeks"),
])
def test_capacity_bad_input_exits_2_naming_the_option(args: list[str], named: str) -> None:
    result = CliRunner().invoke(main, ["capacity", *args])
    assert result.exit_code == 2
    assert named in result.output


def test_capacity_from_data_prints_both_plans(app: Flask, cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, ["capacity", "--from-data", "--weeks", "8", "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["weeks"] == 8
    assert set(got["separate"]) == {"police", "veterans", "debasis"}
    assert set(got["pooled"]) == {"police", "veterans", "debasis", "pool"}
    assert set(got["counsellor_hours"]) >= {"separate", "pooled", "difference"}
    text = CliRunner().invoke(main, ["capacity", "--from-data", "--weeks", "2", "--lang", "en"])
    assert text.exit_code == 0, text.output
    assert "counsellor-hours a week" in text.output


def test_capacity_simulate_agrees_with_erlang_c_in_the_json() -> None:
    result = CliRunner().invoke(main, ["capacity", "--calls-per-hour", "100", "--aht", "600",
                                       "--target", "20", "--level", "0.8", "--json",
                                       "--simulate", "--seed", "1"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["counsellors"] == 22 and got["service_level"] == pytest.approx(0.870, abs=0.0005)
    simulated = got["simulation"]
    assert simulated["seed"] == 1 and simulated["weeks"] == 4
    assert simulated["overall"]["service_level"] == pytest.approx(0.870, abs=0.015)
    assert simulated["overall"]["contacts"] > 60_000
    assert {"mean_wait_s", "median_wait_s", "p90_wait_s"} <= set(simulated["overall"])
    plain = CliRunner().invoke(main, ["capacity", "--calls-per-hour", "100", "--aht", "600",
                                      "--json"])
    assert "simulation" not in json.loads(plain.output)


def test_capacity_simulate_text_in_dutch_and_english() -> None:
    args = ["capacity", "--calls-per-hour", "30", "--aht", "300", "--simulate"]
    dutch = CliRunner().invoke(main, args)
    english = CliRunner().invoke(main, [*args, "--lang", "en"])
    assert dutch.exit_code == english.exit_code == 0, dutch.output + english.output
    assert "Simulatie van één wachtrij" in dutch.output and "servicelevel" in dutch.output
    assert "Simulation of one queue" in english.output and "90% within" in english.output


@pytest.mark.parametrize(("args", "named"), [
    (["--calls-per-hour", "100", "--aht", "600", "--simulate", "--seed", "-1"], "--seed"),
    (["--calls-per-hour", "100", "--aht", "600", "--seed", "x"], "--seed"),
    (["--calls-per-hour", "90000", "--aht", "600", "--simulate"], "--simulate"),
])
def test_capacity_simulate_bad_input_exits_2(args: list[str], named: str) -> None:
    result = CliRunner().invoke(main, ["capacity", *args])
    assert result.exit_code == 2
    assert named in result.output


def test_capacity_from_data_simulates_both_plans(app: Flask, cli_env: dict[str, str]) -> None:
    # The last Tuesday before today (within the week observed) at 14:00 and 23:00 (pooled).
    today = datetime.now(AMSTERDAM).date()
    tuesday = today - timedelta(days=(today.weekday() - 1) % 7 or 7)
    seed(app, local(f"{tuesday} 14:20"), desk="police", count=30, handle_s=600)
    seed(app, local(f"{tuesday} 23:10"), desk="veterans", count=10, handle_s=600)
    result = CliRunner().invoke(main, ["capacity", "--from-data", "--weeks", "1", "--json",
                                       "--simulate", "--seed", "2"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert set(got["same_people"]) == {"separate_level", "pooled_level"}
    assert got["same_people"]["pooled_level"] >= got["same_people"]["separate_level"]
    simulation = got["simulation"]
    assert set(simulation) == {"separate", "pooled"}
    for run in simulation.values():
        assert set(run["desks"]) == {"police", "veterans", "debasis"} and run["seed"] == 2
        assert run["overall"]["contacts"] > 10
    assert simulation["separate"]["overall"]["pooled"] == 0
    assert simulation["pooled"]["desks"]["veterans"]["pooled"] > 0
    text = CliRunner().invoke(main, ["capacity", "--from-data", "--weeks", "1", "--simulate",
                                     "--lang", "en"])
    assert text.exit_code == 0, text.output
    assert "Simulation of the pooled plan" in text.output
    assert "With the same people as separate" in text.output
    dutch = CliRunner().invoke(main, ["capacity", "--from-data", "--weeks", "1", "--simulate"])
    assert "Simulatie van het plan samen" in dutch.output


def test_capacity_caps_how_busy_counsellors_are() -> None:
    # 100 contacts an hour of 10 minutes (16.7 Erlangs) answered within 10 minutes for half
    # of them: Erlang C alone is met by 18 counsellors, busy 93% of their time; at most 85%
    # busy takes 20 (16.7 / 0.85 = 19.6), and `--occupancy 1` lifts the cap.
    args = ["capacity", "--calls-per-hour", "100", "--aht", "600", "--target", "600",
            "--level", "0.5", "--json"]
    capped = json.loads(CliRunner().invoke(main, args).output)
    uncapped = json.loads(CliRunner().invoke(main, [*args, "--occupancy", "1"]).output)
    assert (capped["counsellors"], capped["max_occupancy"]) == (20, 0.85)
    assert capped["occupancy"] <= 0.85
    assert (uncapped["counsellors"], uncapped["occupancy"]) == (18, 0.926)
    said = CliRunner().invoke(main, args[:-1] + ["--lang", "en"]).output
    assert "at most 85%" in said
    refused = CliRunner().invoke(main, [*args, "--occupancy", "0.2"])
    assert refused.exit_code == 2 and "--occupancy" in refused.output
