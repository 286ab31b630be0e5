"""`loket report` (the managers' figures) and `loket capacity` (the Erlang C plan).

`report --from DATE --to DATE [--desk D] --format json|csv` counts the contacts that
reached Loket on those Amsterdam days (both included): JSON as DESIGN.md's "Reports", or
CSV rows `figure,key,value` under a header. A count from 1 to 4 is written "<5", and a
count that would give one back by subtraction is not given (null; empty in CSV).
`capacity --calls-per-hour N --aht S --target T --level L` gives the counsellors one load
needs; `capacity --from-data --weeks W` the plan per hour of the week from the store, the
desks separate and pooled. `--simulate [--seed N]` adds a SimPy run of that staffing (one
plain queue, or a week of the routing policy) with its service level and waits, in the
JSON as `simulation`. Bad input exits 2 naming the option.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

import click

from loket.cli.common import build_app, fail
from loket.cli.help import Command
from loket.cli.language import cli_language
from loket.i18n import Catalog, holiday_name
from loket.reports.capacity import LEVEL_RANGE, MAX_OCCUPANCY, TARGET_RANGE_S

MAX_DAYS = 3660  # ten years: more is a typing error, not a report
MAX_WEEKS = 520
# `capacity --simulate` of one load: this many weeks (enough to agree with Erlang C within a
# percent or so), and no more contacts a week than this (memory and time).
LOAD_SIM_WEEKS = 4
MAX_SIMULATED_PER_WEEK = 200_000
CSV_HEADER = ("figure", "key", "value")

TEXTS = Catalog(
    "cli.reports",
    {
        "from_after_to": {
            "nl": "--from: {start} ligt na --to {end}",
            "en": "--from: {start} is after --to {end}",
        },
        "out_of_years": {
            "nl": "{option}: geef een datum in de jaren {first} tot en met {last}",
            "en": "{option}: give a date in the years {first} to {last}",
        },
        "not_a_number": {
            "nl": "{option}: geef een getal (geen nan)",
            "en": "{option}: give a number (not nan)",
        },
        "too_many": {
            "nl": "--calls-per-hour: deze belasting vraagt meer dan {n} hulpverleners; "
                  "controleer --calls-per-hour, --aht, --target en --level",
            "en": "--calls-per-hour: this load needs more than {n} counsellors; "
                  "check --calls-per-hour, --aht, --target and --level",
        },
        "too_long": {
            "nl": "--to: hooguit {days} dagen na --from",
            "en": "--to: at most {days} days after --from",
        },
        "one_way": {
            "nl": "--from-data: geef --from-data of --calls-per-hour met --aht, niet beide",
            "en": "--from-data: give --from-data or --calls-per-hour with --aht, not both",
        },
        "need_load": {
            "nl": "--calls-per-hour: geef --calls-per-hour en --aht (of --from-data)",
            "en": "--calls-per-hour: give --calls-per-hour and --aht (or --from-data)",
        },
        "need_aht": {
            "nl": "--aht: geef de gemiddelde gespreksduur in seconden",
            "en": "--aht: give the average handle time in seconds",
        },
        "load": {
            "nl": "{calls} contacten per uur van {aht} s: {erlangs} Erlang aangeboden.",
            "en": "{calls} contacts an hour of {aht} s: {erlangs} Erlangs offered.",
        },
        "needed": {
            "nl": "Nodig voor {level}% binnen {target} s: {n} hulpverleners "
                  "(servicelevel {shown}%, kans op wachten {wait}%, gemiddelde wachttijd "
                  "{asa} s).",
            "en": "Needed for {level}% within {target} s: {n} counsellors "
                  "(service level {shown}%, chance to wait {wait}%, mean wait {asa} s).",
        },
        "occupancy": {
            "nl": "Zij zijn {busy}% van hun tijd bezig met contacten (hoogstens {cap}%).",
            "en": "They are busy with contacts {busy}% of their time (at most {cap}%).",
        },
        "cap_raised": {
            "nl": "Het servicedoel alleen vraagt {alone} hulpverleners; de bezettingsgrens van "
                  "{cap}% maakt er {n} van.",
            "en": "The service target alone needs {alone} counsellors; the occupancy cap of "
                  "{cap}% makes it {n}.",
        },
        "plan_cap": {
            "nl": "De bezettingsgrens van {cap}% voegt {separate} hulpverlener-uren per week "
                  "toe apart, {pooled} samen (het servicedoel alleen vraagt er {alone_separate} "
                  "en {alone_pooled}).",
            "en": "The occupancy cap of {cap}% adds {separate} counsellor-hours a week "
                  "separate, {pooled} pooled (the service target alone asks "
                  "{alone_separate} and {alone_pooled}).",
        },
        "plan_cap_none": {
            "nl": "De bezettingsgrens van {cap}% verhoogt in dit plan geen enkel uur.",
            "en": "The occupancy cap of {cap}% raises no hour in this plan.",
        },
        "one_fewer": {
            "nl": "Met {n} hulpverleners: servicelevel {shown}%.",
            "en": "With {n} counsellors: service level {shown}%.",
        },
        "plan_head": {
            "nl": "Capaciteitsplan uit {weeks} weken ({start} t/m {end}), doel {level}% "
                  "binnen {target} s.",
            "en": "Capacity plan from {weeks} weeks ({start} to {end}), target {level}% "
                  "within {target} s.",
        },
        "plan_separate": {
            "nl": "Apart: {hours} hulpverlener-uren per week ({detail}).",
            "en": "Separate: {hours} counsellor-hours a week ({detail}).",
        },
        "plan_pooled": {
            "nl": "Samen ({pooled} uur per week politie en veteranen in één pool, de andere "
                  "uren overloop): {hours} hulpverlener-uren per week ({detail}).",
            "en": "Pooled ({pooled} hours a week police and veterans in one pool, overflow "
                  "in the other hours): {hours} counsellor-hours a week ({detail}).",
        },
        "plan_saves": {
            "nl": "Bij hetzelfde servicedoel scheelt samenwerken {hours} "
                  "hulpverlener-uren per week.",
            "en": "At the same service target, pooling saves {hours} counsellor-hours "
                  "a week.",
        },
        "plan_saves_how": {
            "nl": "Daarvan {clock} door de pool en {overflow} door overloop in de andere "
                  "uren (een bovengrens; zie --simulate).",
            "en": "Of these, {clock} by the pool and {overflow} by overflow in the other "
                  "hours (an upper bound; see --simulate).",
        },
        "plan_same_people": {
            "nl": "Met dezelfde mensen als apart: servicelevel {pooled}% samen in plaats "
                  "van {separate}% apart.",
            "en": "With the same people as separate: a service level of {pooled}% pooled "
                  "instead of {separate}% separate.",
        },
        "plan_occupancy": {
            "nl": "Bezetting: {separate}% van de tijd aan de desk bezig met contacten apart, "
                  "{pooled}% samen.",
            "en": "Occupancy: busy with contacts {separate}% of the time at the desk "
                  "separate, {pooled}% pooled.",
        },
        "plan_data_since": {
            "nl": "Let op: er zijn pas contacten sinds {since}; de weken daarvoor tellen mee "
                  "als weken zonder contacten, dus vraagt het plan te weinig mensen. "
                  "--weeks: kies hooguit {enough}.",
            "en": "Note: there are contacts only since {since}; the weeks before count as "
                  "weeks without contacts, so the plan asks too few people. --weeks: choose "
                  "{enough} at most.",
        },
        "plan_holidays": {
            "nl": "Feestdagen {start} t/m {end}: {days}; {hours} uur extra in de pool, "
                  "{saved} hulpverlener-uren minder in totaal.",
            "en": "Public holidays {start} to {end}: {days}; {hours} hours more in the "
                  "pool, {saved} counsellor-hours fewer in all.",
        },
        "plan_no_holidays": {
            "nl": "Geen feestdagen van {start} t/m {end}.",
            "en": "No public holidays from {start} to {end}.",
        },
        "sim_head": {
            "nl": "Simulatie van {what} ({weeks} wk, seed {seed}), doel {target} s:",
            "en": "Simulation of {what} ({weeks} wk, seed {seed}), target {target} s:",
        },
        "sim_line": {
            "nl": "  {name}: {contacts} contacten, servicelevel {level}%, wachttijd "
                  "gemiddeld {mean} s, mediaan {median} s, 90% binnen {p90} s.",
            "en": "  {name}: {contacts} contacts, service level {level}%, wait mean "
                  "{mean} s, median {median} s, 90% within {p90} s.",
        },
        "sim_none": {
            "nl": "  {name}: geen contacten.",
            "en": "  {name}: no contacts.",
        },
        "sim_one_queue": {
            "nl": "één wachtrij met {n} hulpverleners",
            "en": "one queue of {n} counsellors",
        },
        "sim_separate": {
            "nl": "het plan apart (geen pool, geen overloop)",
            "en": "the separate plan (no pool, no overflow)",
        },
        "sim_pooled": {
            "nl": "het plan samen (het routeringsbeleid: pool en overloop)",
            "en": "the pooled plan (the routing policy: pool and overflow)",
        },
        "sim_too_big": {
            "nl": "--simulate: hooguit {n} contacten per week",
            "en": "--simulate: at most {n} contacts a week",
        },
        "all": {"nl": "alles", "en": "overall"},
        "crisis": {"nl": "crisis", "en": "crisis"},
    },
)

_LANG = click.option("--lang", type=click.Choice(["nl", "en"]),
                     help="Language of the text output (default: the locale's language); JSON "
                          "and CSV keys stay the same.")


def day_option(name: str, dest: str, help_text: str) -> Any:
    """Return a required option taking one calendar day, YYYY-MM-DD."""
    return click.option(name, dest, required=True,
                        type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
                        help=help_text)


@click.command("report", cls=Command)
@day_option("--from", "from_", "First Amsterdam calendar day, included.")
@day_option("--to", "to", "Last Amsterdam calendar day, included.")
@click.option("--desk", type=click.Choice(["police", "veterans", "debasis"]),
              help="Only the contacts this desk owns or served.")
@click.option("--channel", type=click.Choice(["phone", "sms", "whatsapp", "webchat", "webform"]),
              help="Only the contacts of this channel.")
@click.option("--format", "output", type=click.Choice(["json", "csv"]), default="json",
              show_default=True, help="JSON (one object) or CSV (figure,key,value).")
@_LANG
def report_command(from_: datetime, to: datetime, desk: str | None, channel: str | None,
                   output: str, lang: str | None) -> None:
    """Print the managers' figures of the contacts that reached Loket on these days."""
    lang = lang or cli_language()
    start, end = from_.date(), to.date()
    check_range(start, end, lang)
    from loket.reports.volumes import Targets, figures
    from loket.reports.volumes import shown as shown_figures
    from loket.store.db import read_scope

    app = build_app(lang=lang)
    settings = app.config["LOKET"]
    targets = Targets(crisis_s=settings.crisis_target_s, other_s=settings.service_target_s)
    with app.app_context(), read_scope(app.extensions["loket.engine"]) as session:
        shown = shown_figures(figures(session, start, end, desk, channel, targets=targets))
    if output == "json":
        click.echo(json.dumps(shown, ensure_ascii=False))
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(shown))
    click.echo(buffer.getvalue(), nl=False)


def check_range(start: date, end: date, lang: str) -> None:
    """Exit 2 naming the option when a day lies in a year no report covers, or the range
    runs backwards or is absurdly long."""
    from loket.reports.periods import FIRST_YEAR, LAST_YEAR, reportable

    for option, day in (("--from", start), ("--to", end)):
        if not reportable(day):
            fail(TEXTS.get("out_of_years", lang, option=option, first=str(FIRST_YEAR),
                           last=str(LAST_YEAR)), lang)
    if start > end:
        fail(TEXTS.get("from_after_to", lang, start=start.isoformat(), end=end.isoformat()),
             lang)
    if (end - start).days > MAX_DAYS:
        fail(TEXTS.get("too_long", lang, days=str(MAX_DAYS)), lang)


SECTIONS = ("contacts", "per_day", "by_hour_of_week", "service", "callbacks")


def csv_rows(shown: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """Yield (figure, key, value) for every figure of the report: `contacts.by_channel`,
    `phone`, 12; a single figure has an empty key (`contacts.total`, ``, 30). Deeper ones
    join their path (`service.crisis`, `level`, 0.87; `by_hour_of_week.0`, `9`, 12 is
    Monday 09:00); a value not given is empty."""
    for section in SECTIONS:
        yield from flatten(section, shown.get(section, {}))


def entries(value: Any) -> list[tuple[str, Any]]:
    """Return a mapping's items, or a list's with their positions as keys."""
    if isinstance(value, Mapping):
        return [(str(k), v) for k, v in value.items()]
    return [(str(i), v) for i, v in enumerate(value)]


def flatten(figure: str, value: Any) -> Iterator[tuple[str, str, Any]]:
    """Yield the rows of one figure: a container of plain values is one key per row."""
    for name, item in entries(value):
        if isinstance(item, Mapping | list):
            inner = f"{figure}.{name}"
            if any(isinstance(v, Mapping | list) for _, v in entries(item)):
                yield from flatten(inner, item)
            else:
                for key, plain in entries(item):
                    yield inner, key, "" if plain is None else plain
        else:
            yield f"{figure}.{name}", "", "" if item is None else item


@click.command("capacity", cls=Command)
@click.option("--calls-per-hour", type=click.FloatRange(min=0, max=100_000),
              help="Contacts arriving an hour.")
@click.option("--aht", type=click.FloatRange(min=1, max=86_400, min_open=False),
              help="Average handle time in seconds.")
@click.option("--target", type=click.FloatRange(*TARGET_RANGE_S), default=20.0,
              show_default=True, help="Answered within this many seconds ...")
@click.option("--level", type=click.FloatRange(*LEVEL_RANGE), default=0.8, show_default=True,
              help="... for this share (0.8: 80%).")
@click.option("--occupancy", type=click.FloatRange(min=0.5, max=1), default=MAX_OCCUPANCY,
              show_default=True,
              help="The most of their time counsellors are busy with contacts (0.85: 85%).")
@click.option("--from-data", is_flag=True,
              help="Plan from the store's contacts per hour of the week instead.")
@click.option("--weeks", type=click.IntRange(min=1, max=MAX_WEEKS), default=8,
              show_default=True, help="With --from-data: the whole weeks before today.")
@click.option("--simulate", is_flag=True,
              help="Also simulate the staffing (SimPy): one queue for "
                   f"{LOAD_SIM_WEEKS} weeks, or one week of the routing policy with "
                   "--from-data.")
@click.option("--seed", type=click.IntRange(min=0, max=2**31 - 1), default=1,
              show_default=True, help="With --simulate: the random seed (same seed, same run).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_LANG
def capacity_command(calls_per_hour: float | None, aht: float | None, target: float,
                     level: float, occupancy: float, from_data: bool, weeks: int,
                     simulate: bool, seed: int, as_json: bool, lang: str | None) -> None:
    """Erlang C: the counsellors a load needs for a service target, or the plan per hour
    of the week from the store, the desks separate and pooled; --simulate checks it."""
    lang = lang or cli_language()
    # click's FloatRange lets nan through (it compares false with either bound).
    for option, value in (("--calls-per-hour", calls_per_hour), ("--aht", aht),
                          ("--target", target), ("--level", level),
                          ("--occupancy", occupancy)):
        if value is not None and math.isnan(value):
            fail(TEXTS.get("not_a_number", lang, option=option), lang)
    if from_data:
        if calls_per_hour is not None or aht is not None:
            fail(TEXTS.get("one_way", lang), lang)
        print_plan(weeks, target, level, as_json, lang, seed if simulate else None,
                   occupancy=occupancy)
        return
    if calls_per_hour is None:
        fail(TEXTS.get("need_load", lang), lang)
    if aht is None:
        fail(TEXTS.get("need_aht", lang), lang)
    if simulate and calls_per_hour * 168 > MAX_SIMULATED_PER_WEEK:
        fail(TEXTS.get("sim_too_big", lang, n=MAX_SIMULATED_PER_WEEK), lang)
    print_load(calls_per_hour, aht, target, level, as_json, lang, seed if simulate else None,
               occupancy=occupancy)


def print_load(calls_per_hour: float, aht: float, target: float, level: float,
               as_json: bool, lang: str, seed: int | None = None, *,
               occupancy: float = MAX_OCCUPANCY) -> None:
    """Print the counsellors one load needs (none busy more than `occupancy` of their time),
    and what one fewer would give; with a `seed`, what a simulation of one plain queue of
    them gives."""
    from loket.reports.capacity import (
        MAX_COUNSELLORS,
        TooManyCounsellors,
        counsellors_needed,
        staffing,
    )

    try:
        needed = counsellors_needed(calls_per_hour, aht, target, level,
                                    max_occupancy=occupancy)
    except TooManyCounsellors:
        fail(TEXTS.get("too_many", lang, n=str(MAX_COUNSELLORS)), lang)
    alone = counsellors_needed(calls_per_hour, aht, target, level)  # never more than needed
    best = staffing(needed, calls_per_hour, aht, target)
    fewer = staffing(needed - 1, calls_per_hour, aht, target) if needed > 0 else None
    simulated = None if seed is None else simulate_load(calls_per_hour, aht, needed, target,
                                                        seed)
    if as_json:
        shown: dict[str, Any] = {
            "calls_per_hour": calls_per_hour, "aht_s": aht, "target_s": target,
            "level": level, "max_occupancy": occupancy,
            "load_erlangs": round(best.load_erlangs, 3),
            "counsellors": needed, "counsellors_without_cap": alone,
            "service_level": round(best.service_level, 3),
            "wait_probability": round(best.wait_probability, 3),
            "average_wait_s": round(best.average_wait_s, 1),
            "occupancy": round(best.occupancy, 3),
            "one_fewer": None if fewer is None else {
                "counsellors": fewer.counsellors,
                "service_level": round(fewer.service_level, 3)},
        }
        if simulated is not None:
            shown["simulation"] = simulated
        click.echo(json.dumps(shown))
        return
    click.echo(TEXTS.get("load", lang, calls=f"{calls_per_hour:g}", aht=f"{aht:g}",
                         erlangs=f"{best.load_erlangs:.2f}"))
    click.echo(TEXTS.get("needed", lang, level=percent(level), target=f"{target:g}", n=needed,
                         shown=percent(best.service_level),
                         wait=percent(best.wait_probability),
                         asa=f"{best.average_wait_s:.1f}"))
    click.echo(TEXTS.get("occupancy", lang, busy=percent(best.occupancy),
                         cap=f"{occupancy * 100:g}"))
    if alone < needed:
        click.echo(TEXTS.get("cap_raised", lang, alone=alone, cap=f"{occupancy * 100:g}",
                             n=needed))
    if fewer is not None:
        click.echo(TEXTS.get("one_fewer", lang, n=fewer.counsellors,
                             shown=percent(fewer.service_level)))
    if simulated is not None:
        echo_simulation(simulated, TEXTS.get("sim_one_queue", lang, n=needed), lang,
                        {"overall": TEXTS.get("all", lang)})


def simulate_load(calls_per_hour: float, aht: float, counsellors: int, target: float,
                  seed: int) -> dict[str, Any]:
    """Return the simulation of one plain queue (first come, first served) of this load and
    these counsellors over `LOAD_SIM_WEEKS` weeks: what Erlang C assumes, checked."""
    from loket.reports.simulation import constant_pattern, simulate

    pattern = constant_pattern(calls_per_hour, aht, desk="police")
    result = simulate(pattern, {"police": [counsellors] * 168}, weeks=LOAD_SIM_WEEKS,
                      seed=seed, target_s=target, mix={"normal": 1.0})
    return {"weeks": result["weeks"], "seed": seed, "target_s": target,
            "overall": result["overall"]}


def percent(share: float) -> str:
    """Return a share as a percentage with one decimal (0.8704 -> 87.0)."""
    return f"{share * 100:.1f}"


def print_plan(weeks: int, target: float, level: float, as_json: bool, lang: str,
               seed: int | None = None, *, occupancy: float = MAX_OCCUPANCY) -> None:
    """Print the plan from the store's last `weeks` weeks (no hour's counsellors busy more
    than `occupancy` of their time): separate, pooled, the saving; with a `seed`, what one
    simulated week of each plan gives."""
    from loket import rules_runtime
    from loket.reports.plan import POOLED_WINDOW, plan, shown_plan
    from loket.store.db import read_scope

    app = build_app(lang=lang)
    with app.app_context(), read_scope(app.extensions["loket.engine"]) as session:
        window = rules_runtime.rules(app).windows.get(POOLED_WINDOW)
        result = plan(session, weeks, target_s=target, level=level, window=window,
                      max_occupancy=occupancy)
    simulated = None if seed is None else simulate_plan(result, seed)
    if as_json:
        shown = shown_plan(result)  # the observed figures' small counts hidden
        click.echo(json.dumps(shown if simulated is None
                              else {**shown, "simulation": simulated}))
        return
    hours = result["counsellor_hours"]
    click.echo(TEXTS.get("plan_head", lang, weeks=weeks, start=result["from"],
                         end=result["to"], level=percent(level), target=f"{target:g}"))
    if result["observed_since"] and result["weeks_with_data"] < weeks:
        click.echo(TEXTS.get("plan_data_since", lang, since=result["observed_since"],
                             enough=result["weeks_with_data"]))
    click.echo(TEXTS.get("plan_separate", lang, hours=hours["separate"],
                         detail=detail(hours["separate_by_desk"])))
    click.echo(TEXTS.get("plan_pooled", lang, hours=hours["pooled"],
                         pooled=len(result["pooled_hours"]),
                         detail=detail(hours["pooled_by_queue"])))
    click.echo(TEXTS.get("plan_saves", lang, hours=hours["difference"]))
    click.echo(TEXTS.get("plan_saves_how", lang, clock=hours["by_clock"],
                         overflow=hours["by_overflow"]))
    by_cap, cap = hours["by_cap"], f"{occupancy * 100:g}"
    if by_cap["separate"] or by_cap["pooled"]:
        click.echo(TEXTS.get("plan_cap", lang, cap=cap, separate=by_cap["separate"],
                             pooled=by_cap["pooled"],
                             alone_separate=hours["separate"] - by_cap["separate"],
                             alone_pooled=hours["pooled"] - by_cap["pooled"]))
    else:
        click.echo(TEXTS.get("plan_cap_none", lang, cap=cap))
    busy = result["occupancy"]
    if busy["separate"] is not None and busy["pooled"] is not None:
        click.echo(TEXTS.get("plan_occupancy", lang, separate=percent(busy["separate"]),
                             pooled=percent(busy["pooled"])))
    same = result["same_people"]
    if same["separate_level"] is not None:
        click.echo(TEXTS.get("plan_same_people", lang, pooled=percent(same["pooled_level"]),
                             separate=percent(same["separate_level"])))
    holidays = result["holidays"]
    if holidays["days"]:
        click.echo(TEXTS.get(
            "plan_holidays", lang, start=holidays["from"], end=holidays["to"],
            days=", ".join(f"{holiday_name(day['name'], lang)} {day['date']}"
                          for day in holidays["days"]),
            hours=holidays["pooled_hours"], saved=holidays["counsellor_hours_saved"]))
    else:
        click.echo(TEXTS.get("plan_no_holidays", lang, start=holidays["from"],
                             end=holidays["to"]))
    if simulated is not None:
        names = {**{desk: desk for desk in result["separate"]},
                 "crisis": TEXTS.get("crisis", lang), "overall": TEXTS.get("all", lang)}
        echo_simulation(simulated["separate"], TEXTS.get("sim_separate", lang), lang, names)
        echo_simulation(simulated["pooled"], TEXTS.get("sim_pooled", lang), lang, names)


def simulate_plan(result: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Return one simulated week of the plan's load: the separate plan with every desk on
    its own, and the pooled plan under the routing policy (pool and overflow)."""
    from loket.reports.simulation import Pattern, simulate

    observed = result["observed"]
    pattern = Pattern(observed["calls_per_hour"], observed["aht_s"])
    pooled_hours = frozenset(result["pooled_hours"])
    target = result["target_s"]
    return {
        "separate": simulate(pattern, result["separate"], seed=seed, target_s=target),
        "pooled": simulate(pattern, result["pooled"], pooled_hours=pooled_hours,
                           overflow=True, seed=seed, target_s=target),
    }


def echo_simulation(simulated: Mapping[str, Any], what: str, lang: str,
                    names: Mapping[str, str]) -> None:
    """Print a simulation's figures: a line per desk (when it has them), crisis, overall."""
    click.echo(TEXTS.get("sim_head", lang, what=what, weeks=simulated["weeks"],
                         seed=simulated["seed"], target=f"{simulated['target_s']:g}"))
    rows = {**simulated.get("desks", {}), "crisis": simulated.get("crisis"),
            "overall": simulated["overall"]}
    for key, shown in rows.items():
        if shown is None or key not in names:
            continue
        if not shown["contacts"]:
            click.echo(TEXTS.get("sim_none", lang, name=names[key]))
            continue
        click.echo(TEXTS.get("sim_line", lang, name=names[key], contacts=shown["contacts"],
                             level=percent(shown["service_level"]),
                             mean=f"{shown['mean_wait_s']:g}",
                             median=f"{shown['median_wait_s']:g}",
                             p90=f"{shown['p90_wait_s']:g}"))


def detail(by_name: Mapping[str, int]) -> str:
    """Return `police 120, veterans 96, ...` for counsellor-hours by desk or queue."""
    return ", ".join(f"{name} {n}" for name, n in by_name.items())
