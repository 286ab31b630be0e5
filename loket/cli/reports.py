"""`loket report` (the managers' figures) and `loket capacity` (the Erlang C plan).

`report --from DATE --to DATE [--desk D] --format json|csv` counts the contacts that
reached Loket on those Amsterdam days (both included): JSON as DESIGN.md's "Reports", or
CSV rows `figure,key,count` under a header. A count from 1 to 4 is written "<5".
`capacity --calls-per-hour N --aht S --target T --level L` gives the counsellors one load
needs; `capacity --from-data --weeks W` the plan per hour of the week from the store, the
desks separate and pooled. Bad input exits 2 naming the option.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

import click

from loket.cli.common import build_app, fail
from loket.i18n import Catalog

MAX_DAYS = 3660  # ten years: more is a typing error, not a report
MAX_WEEKS = 520
CSV_HEADER = ("figure", "key", "count")

TEXTS = Catalog(
    "cli.reports",
    {
        "from_after_to": {
            "nl": "--from: {start} ligt na --to {end}",
            "en": "--from: {start} is after --to {end}",
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
            "nl": "Samen (nacht 22-07 en weekend politie en veteranen in één pool): "
                  "{hours} hulpverlener-uren per week ({detail}).",
            "en": "Pooled (night 22-07 and weekend police and veterans in one pool): "
                  "{hours} counsellor-hours a week ({detail}).",
        },
        "plan_saves": {
            "nl": "Bij hetzelfde servicedoel scheelt samenwerken {hours} "
                  "hulpverlener-uren per week.",
            "en": "At the same service target, pooling saves {hours} counsellor-hours "
                  "a week.",
        },
    },
)

_LANG = click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True,
                     help="Language of the text output (JSON and CSV keys stay the same).")


def day_option(name: str, dest: str, help_text: str) -> Any:
    """Return a required option taking one calendar day, YYYY-MM-DD."""
    return click.option(name, dest, required=True,
                        type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
                        help=help_text)


@click.command("report")
@day_option("--from", "from_", "First Amsterdam calendar day, included.")
@day_option("--to", "to", "Last Amsterdam calendar day, included.")
@click.option("--desk", type=click.Choice(["police", "veterans", "debasis"]),
              help="Only the contacts this desk owns or served.")
@click.option("--format", "output", type=click.Choice(["json", "csv"]), default="json",
              show_default=True, help="JSON (one object) or CSV (figure,key,count).")
@_LANG
def report_command(from_: datetime, to: datetime, desk: str | None, output: str,
                   lang: str) -> None:
    """Print the managers' figures of the contacts that reached Loket on these days."""
    start, end = from_.date(), to.date()
    check_range(start, end, lang)
    from loket.reports.suppression import suppress_counts
    from loket.reports.volumes import figures
    from loket.store.db import read_scope

    app = build_app()
    with app.app_context(), read_scope(app.extensions["loket.engine"]) as session:
        shown = suppress_counts(figures(session, start, end, desk))
    if output == "json":
        click.echo(json.dumps(shown, ensure_ascii=False))
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(shown))
    click.echo(buffer.getvalue(), nl=False)


def check_range(start: date, end: date, lang: str) -> None:
    """Exit 2 naming the option when the range runs backwards or is absurdly long."""
    if start > end:
        fail(TEXTS.get("from_after_to", lang, start=start.isoformat(), end=end.isoformat()))
    if (end - start).days > MAX_DAYS:
        fail(TEXTS.get("too_long", lang, days=str(MAX_DAYS)))


def csv_rows(shown: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """Yield (figure, key, count) for every count of the report: `contacts.by_channel`,
    `phone`, 12; a single figure has an empty key (`contacts.total`, ``, 30)."""
    for section in ("contacts", "callbacks"):
        for name, value in shown.get(section, {}).items():
            figure = f"{section}.{name}"
            if isinstance(value, Mapping):
                for key, count in value.items():
                    yield figure, str(key), count
            else:
                yield figure, "", value


@click.command("capacity")
@click.option("--calls-per-hour", type=click.FloatRange(min=0, max=100_000),
              help="Contacts arriving an hour.")
@click.option("--aht", type=click.FloatRange(min=1, max=86_400, min_open=False),
              help="Average handle time in seconds.")
@click.option("--target", type=click.FloatRange(min=0, max=3600), default=20.0,
              show_default=True, help="Answered within this many seconds ...")
@click.option("--level", type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
              default=0.8, show_default=True, help="... for this share (0.8: 80%).")
@click.option("--from-data", is_flag=True,
              help="Plan from the store's contacts per hour of the week instead.")
@click.option("--weeks", type=click.IntRange(min=1, max=MAX_WEEKS), default=8,
              show_default=True, help="With --from-data: the whole weeks before today.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@_LANG
def capacity_command(calls_per_hour: float | None, aht: float | None, target: float,
                     level: float, from_data: bool, weeks: int, as_json: bool,
                     lang: str) -> None:
    """Erlang C: the counsellors a load needs for a service target, or the plan per hour
    of the week from the store, the desks separate and pooled."""
    if from_data:
        if calls_per_hour is not None or aht is not None:
            fail(TEXTS.get("one_way", lang))
        print_plan(weeks, target, level, as_json, lang)
        return
    if calls_per_hour is None:
        fail(TEXTS.get("need_load", lang))
    if aht is None:
        fail(TEXTS.get("need_aht", lang))
    print_load(calls_per_hour, aht, target, level, as_json, lang)


def print_load(calls_per_hour: float, aht: float, target: float, level: float,
               as_json: bool, lang: str) -> None:
    """Print the counsellors one load needs, and what one fewer would give."""
    from loket.reports.capacity import counsellors_needed, staffing

    needed = counsellors_needed(calls_per_hour, aht, target, level)
    best = staffing(needed, calls_per_hour, aht, target)
    fewer = staffing(needed - 1, calls_per_hour, aht, target) if needed > 0 else None
    if as_json:
        click.echo(json.dumps({
            "calls_per_hour": calls_per_hour, "aht_s": aht, "target_s": target,
            "level": level, "load_erlangs": round(best.load_erlangs, 3),
            "counsellors": needed, "service_level": round(best.service_level, 3),
            "wait_probability": round(best.wait_probability, 3),
            "average_wait_s": round(best.average_wait_s, 1),
            "occupancy": round(best.occupancy, 3),
            "one_fewer": None if fewer is None else {
                "counsellors": fewer.counsellors,
                "service_level": round(fewer.service_level, 3)},
        }))
        return
    click.echo(TEXTS.get("load", lang, calls=f"{calls_per_hour:g}", aht=f"{aht:g}",
                         erlangs=f"{best.load_erlangs:.2f}"))
    click.echo(TEXTS.get("needed", lang, level=percent(level), target=f"{target:g}", n=needed,
                         shown=percent(best.service_level),
                         wait=percent(best.wait_probability),
                         asa=f"{best.average_wait_s:.1f}"))
    if fewer is not None:
        click.echo(TEXTS.get("one_fewer", lang, n=fewer.counsellors,
                             shown=percent(fewer.service_level)))


def percent(share: float) -> str:
    """Return a share as a percentage with one decimal (0.8704 -> 87.0)."""
    return f"{share * 100:.1f}"


def print_plan(weeks: int, target: float, level: float, as_json: bool, lang: str) -> None:
    """Print the plan from the store's last `weeks` weeks: separate, pooled, the saving."""
    from loket.reports.plan import plan
    from loket.store.db import read_scope

    app = build_app()
    with app.app_context(), read_scope(app.extensions["loket.engine"]) as session:
        result = plan(session, weeks, target_s=target, level=level)
    if as_json:
        click.echo(json.dumps(result))
        return
    hours = result["counsellor_hours"]
    click.echo(TEXTS.get("plan_head", lang, weeks=weeks, start=result["from"],
                         end=result["to"], level=percent(level), target=f"{target:g}"))
    click.echo(TEXTS.get("plan_separate", lang, hours=hours["separate"],
                         detail=detail(hours["separate_by_desk"])))
    click.echo(TEXTS.get("plan_pooled", lang, hours=hours["pooled"],
                         detail=detail(hours["pooled_by_queue"])))
    click.echo(TEXTS.get("plan_saves", lang, hours=hours["difference"]))


def detail(by_name: Mapping[str, int]) -> str:
    """Return `police 120, veterans 96, ...` for counsellor-hours by desk or queue."""
    return ", ".join(f"{name} {n}" for name, n in by_name.items())
