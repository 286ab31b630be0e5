"""The managers' report pages: `/reports` (volumes, service, callbacks for a range of days,
a desk and a channel) with a CSV download of every table, and `/reports/capacity` (the
plan, desks separate and pooled).

Managers only. A desk's manager sees their desk (the contacts it owns or served, and the
pool for police and veterans), in the plan too; a manager of no one desk chooses a desk or
all, and sees the whole plan. Nothing personal is read: the figures are counts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue

from loket.desk import texts
from loket.desk.identity import current_staff, staff_required
from loket.domain import access
from loket.i18n import request_language
from loket.reports import charts
from loket.reports.capacity import LEVEL_RANGE, MAX_SHRINKAGE, TARGET_RANGE_S, rostered
from loket.reports.periods import AMSTERDAM, reportable
from loket.reports.plan import DEFAULT_AHT_S, DEFAULT_MAX_OCCUPANCY, POOL
from loket.reports.tables import Table, key_figures, tables
from loket.reports.tally import HANDLE_CAP_S
from loket.reports.volumes import Targets, figures, shown
from loket.routing.values import CHANNELS, DESKS
from loket.store.db import get_engine, read_scope
from loket.store.models import User

bp = Blueprint("reports", __name__, url_prefix="/reports")
MAX_DAYS = 3660  # ten years, as `loket report`
MIN_OCCUPANCY_CAP = 0.5  # a lower cap is a typing error, not a plan
WEEKDAYS = 7


class BadFilter(ValueError):
    """A filter the page cannot use; the message is for the manager, `fields` the form's
    fields it is about (their names, as the query's)."""

    def __init__(self, message: str, *fields: str) -> None:
        super().__init__(message)
        self.fields = fields


@dataclass(frozen=True)
class Filters:
    """What a report shows: Amsterdam days `start`..`end`, a desk or all, a channel or all."""

    start: date
    end: date
    desk: str | None
    channel: str | None

    def query(self) -> dict[str, str]:
        """Return the filters as a page's query string."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "desk": self.desk or "", "channel": self.channel or ""}


def last_month(today: date) -> tuple[date, date]:
    """Return the first and last day of the month before `today`'s."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def today() -> date:
    """Return today in Amsterdam."""
    return datetime.now(AMSTERDAM).date()


def parse_day(args: Mapping[str, str], name: str, default: date, say: Any) -> date:
    """Return a date parameter, or its default when empty; BadFilter when unreadable or
    in a year no report covers (0001 or 9999 would not even give a day's bounds)."""
    value = (args.get(name) or "").strip()
    if not value:
        return default
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not reportable(day):
        raise BadFilter(say("rep_bad_date", field=say(f"rep_{name}")), name)
    return day


def desks_for(user: User) -> list[str]:
    """Return the desks a manager may report on: their own, or every desk."""
    return [user.desk] if user.desk else list(DESKS)


def read_filters(args: Mapping[str, str], user: User, say: Any) -> Filters:
    """Return the filters asked for; BadFilter with the reason when one cannot be used.

    Neither day given: last month. Only `from`: up to today. Only `to`: from the first of
    that day's month."""
    first, last = last_month(today())
    if (args.get("from") or "").strip():
        start = parse_day(args, "from", first, say)
        end = parse_day(args, "to", today(), say)
    else:
        end = parse_day(args, "to", last, say)
        start = end.replace(day=1)
    if end < start:
        raise BadFilter(say("rep_bad_range", start=start.isoformat(), end=end.isoformat()),
                        "from", "to")
    if (end - start).days > MAX_DAYS:
        raise BadFilter(say("rep_too_long", days=MAX_DAYS), "from", "to")
    allowed = desks_for(user)
    desk = (args.get("desk") or "").strip() or None
    if user.desk:
        desk = desk or user.desk
    if desk is not None and desk not in allowed:
        raise BadFilter(say("rep_bad_choice", field=say("rep_desk")), "desk")
    channel = (args.get("channel") or "").strip() or None
    if channel is not None and channel not in CHANNELS:
        raise BadFilter(say("rep_bad_choice", field=say("rep_channel")), "channel")
    return Filters(start, end, desk, channel)


def say_in(lang: str) -> Any:
    """Return the staff texts in one language as `say(key, **values)`."""
    return lambda key, **values: texts.text(key, lang, **values)


def report_tables(filters: Filters, say: Any) -> tuple[list[Table], dict[str, Any]]:
    """Count the figures in one snapshot and return the tables and the shown figures."""
    settings = current_app.config["LOKET"]
    targets = Targets(crisis_s=settings.crisis_target_s, other_s=settings.service_target_s)
    with read_scope(get_engine()) as session:
        counted = figures(session, filters.start, filters.end, filters.desk, filters.channel,
                          targets=targets)
    visible = shown(counted)
    return tables(visible, say), visible


def chart_of(table: Table) -> Any:
    """Return the SVG picture of a table, or None."""
    if table.chart == "bars":
        return charts.bars([str(r[0]) for r in table.rows], [r[1] for r in table.rows])
    if table.chart == "columns":
        return charts.columns([str(r[0])[5:] for r in table.rows], [r[1] for r in table.rows])
    if table.chart == "heat":
        return charts.heat([str(r[0]) for r in table.rows], [r[1:] for r in table.rows])
    return None


def manager() -> User:
    """Return the logged-in manager (the decorator made sure there is one)."""
    user = current_staff()
    assert user is not None  # noqa: S101 - staff_required ran first
    return user


@bp.get("")
@staff_required("manager")
def index() -> ResponseReturnValue:
    """Show the report: key figures, then each table with its chart and its CSV link."""
    user, lang = manager(), request_language()
    say = say_in(lang)
    try:
        filters = read_filters(request.args, user, say)
    except BadFilter as exc:
        return render_template("reports/index.html", error=str(exc), invalid=exc.fields,
                               tables=[], key=[],
                               filters=as_typed(request.args, user),
                               typed={name: (request.args.get(name) or "").strip()[:32]
                                      for name in ("from", "to")},
                               desks=desks_for(user), channels=CHANNELS, chart_of=chart_of,
                               links=month_links()), 400
    found, shown = report_tables(filters, say)
    return render_template("reports/index.html", error=None, invalid=(), tables=found,
                           key=key_figures(shown, say), filters=filters, typed={},
                           desks=desks_for(user), channels=CHANNELS, chart_of=chart_of,
                           links=month_links())


def as_typed(args: Mapping[str, str], user: User) -> Filters:
    """Return the filters of a refused report as far as they can be kept: the desk and the
    channel chosen when valid, last month for the days (the form shows the days typed)."""
    first, last = last_month(today())
    desk = (args.get("desk") or "").strip()
    channel = (args.get("channel") or "").strip()
    return Filters(first, last, desk if desk in desks_for(user) else user.desk,
                   channel if channel in CHANNELS else None)


def month_links() -> dict[str, dict[str, str]]:
    """Return the query strings of last month and this month so far."""
    now = today()
    first, last = last_month(now)
    return {"rep_last_month": {"from": first.isoformat(), "to": last.isoformat()},
            "rep_this_month": {"from": now.replace(day=1).isoformat(), "to": now.isoformat()}}


@bp.get("/<slug>.csv")
@staff_required("manager")
def download(slug: str) -> ResponseReturnValue:
    """Download one table of the report as CSV (a header row; "<5" as on the page)."""
    user, lang = manager(), request_language()
    say = say_in(lang)
    try:
        filters = read_filters(request.args, user, say)
    except BadFilter as exc:
        return Response(f"{exc}\n", status=400, mimetype="text/plain")
    found, _ = report_tables(filters, say)
    table = next((t for t in found if t.slug == slug), None)
    if table is None:
        return Response(f"{say('rep_unknown_table')}\n", status=404, mimetype="text/plain")
    name = f"loket-{slug}-{filters.start.isoformat()}-{filters.end.isoformat()}"
    if filters.desk:
        name += f"-{filters.desk}"
    if filters.channel:
        name += f"-{filters.channel}"
    return csv_response(table, name)


@dataclass(frozen=True)
class PlanFilters:
    """What a capacity plan is made of: whole weeks of data, a target and a service goal,
    the share of paid time away from the desk (shrinkage) to roster for, and the most of
    their time counsellors may be busy with contacts (occupancy cap)."""

    weeks: int = 8
    target_s: int = 20
    level: float = 0.8
    shrinkage: float = 0.0
    occupancy: float = DEFAULT_MAX_OCCUPANCY

    def query(self) -> dict[str, str]:
        """Return the filters as a page's query string."""
        return {"weeks": str(self.weeks), "target": str(self.target_s),
                "level": f"{self.level:g}", "shrinkage": f"{self.shrinkage:g}",
                "occupancy": f"{self.occupancy:g}"}


def read_number(args: Mapping[str, str], name: str, default: float, low: float, high: float,
                say: Any, field: str) -> float:
    """Return a number parameter within [low, high], or its default when empty."""
    value = (args.get(name) or "").strip().replace(",", ".")
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not low <= number <= high:
        raise BadFilter(say("cap_bad_number", field=say(field), low=f"{low:g}",
                            high=f"{high:g}"), name)
    return number


def read_plan_filters(args: Mapping[str, str], say: Any) -> PlanFilters:
    """Return the plan's filters; BadFilter naming the field when one cannot be used."""
    weeks = read_number(args, "weeks", 8, 1, 52, say, "cap_weeks")
    target = read_number(args, "target", 20, *TARGET_RANGE_S, say, "cap_target")
    level = read_number(args, "level", 0.8, *LEVEL_RANGE, say, "cap_level")
    shrinkage = read_number(args, "shrinkage", 0.0, 0.0, MAX_SHRINKAGE, say, "cap_shrinkage")
    occupancy = read_number(args, "occupancy", DEFAULT_MAX_OCCUPANCY, MIN_OCCUPANCY_CAP, 1.0,
                            say, "cap_occupancy_cap_field")
    if weeks != int(weeks) or target != int(target):
        name = "weeks" if weeks != int(weeks) else "target"
        raise BadFilter(say("cap_bad_number", field=say(f"cap_{name}"),
                            low="1", high="52" if name == "weeks" else "600"), name)
    return PlanFilters(int(weeks), int(target), level, shrinkage, occupancy)


def queues_seen(user: User) -> tuple[str, ...] | None:
    """Return the queues of the plan a manager sees: a desk's manager their desk's and, for
    police and veterans, the pool's (DESIGN.md "Who sees what": D and the pool); None for a
    manager of no one desk: every queue."""
    return access.queues_counted(user.desk) if user.desk else None


def seen_in(queues_shown: tuple[str, ...] | None, queue: str) -> bool:
    """Return whether a queue of the plan is shown (every queue when `queues_shown` is None)."""
    return queues_shown is None or queue in queues_shown


def per_hour(plan_of: Mapping[str, list[int]], queues_shown: tuple[str, ...] | None,
             ) -> list[int]:
    """Return the counsellors per hour of the week of the queues shown together."""
    return [sum(counts[h] for queue, counts in plan_of.items() if seen_in(queues_shown, queue))
            for h in range(168)]


def raised_hours(made: Mapping[str, Any], slug: str,
                 queues_shown: tuple[str, ...] | None) -> list[int]:
    """Return the hours of the week at which the occupancy cap raised the counsellors of
    the queues shown above what the service target alone asks (plan `slug`)."""
    capped = per_hour(made[slug], queues_shown)
    alone = per_hour(made["without_cap"][slug], queues_shown)
    return [h for h in range(168) if capped[h] > alone[h]]


def hour_ranges(hours: list[int], say: Any) -> str:
    """Return hours of the week as runs a reader takes in: "ma 09:00-12:00, di 14:00-15:00"."""
    runs: list[list[int]] = []
    for how in sorted(hours):
        if runs and how == runs[-1][1] + 1 and how % 24:
            runs[-1][1] = how
        else:
            runs.append([how, how])
    return ", ".join(f"{say(f'weekday_{first // 24}')} {first % 24:02d}:00\u2013"
                     f"{last % 24 + 1:02d}:00" for first, last in runs)


def plan_tables(made: Mapping[str, Any], say: Any,
                queues_shown: tuple[str, ...] | None = None) -> list[Table]:
    """Return the plan's tables: hours a week per queue, and the counsellors needed per
    hour of the week, separate and pooled (every desk together), each with the hours the
    occupancy cap raised; only the queues `queues_shown` (all when None), their total the
    sum of those. A desk's manager who sees the pool gets no total: the pool is staffed by
    police and veterans together, and added to one desk's hours it would make pooling look
    dearer than it is."""
    hours = made["counsellor_hours"]
    shared = queues_shown is not None and POOL in queues_shown
    separate_by = {q: n for q, n in hours["separate_by_desk"].items()
                   if seen_in(queues_shown, q)}
    pooled_by = {q: n for q, n in hours["pooled_by_queue"].items() if seen_in(queues_shown, q)}
    queues = [*separate_by, *(q for q in pooled_by if q not in separate_by)]
    rows = [[say(f"desk_{q}"), separate_by.get(q, 0), pooled_by.get(q, 0)] for q in queues]
    if not shared:
        rows.append([say("cap_all"), sum(separate_by.values()), sum(pooled_by.values())])
    per_queue = Table("hours", say("cap_hours"),
                      [say("cap_queue"), say("cap_separate"), say("cap_pooled")], rows,
                      note=say("cap_pool_shared") if shared else "")
    cap = f"{made['max_occupancy'] * 100:g}"
    grids = []
    for slug, kind in (("separate", "cap_need_separate"), ("pooled", "cap_need_pooled")):
        counts = per_hour(made[slug], queues_shown)
        raised = raised_hours(made, slug, queues_shown)
        notes = [say("cap_raised_hours", cap=cap, hours=hour_ranges(raised, say))] if raised \
            else []
        if shared and slug == "pooled":
            notes.append(say("cap_pool_shared"))
        grids.append(Table(
            f"need-{slug}", say(kind), [say("rep_day"), *(f"{h:02d}" for h in range(24))],
            [[say(f"weekday_{d}"), *counts[d * 24:(d + 1) * 24]] for d in range(WEEKDAYS)],
            "heat", note=" ".join(notes),
        ))
    return [per_queue, *grids]


def cap_said(made: Mapping[str, Any], say: Any, queues_shown: tuple[str, ...] | None) -> str:
    """Return the sentence on what the occupancy cap did to the queues shown: the
    counsellor-hours a week it adds to either plan, or that it raised no hour."""
    cap = f"{made['max_occupancy'] * 100:g}"
    if not any(raised_hours(made, slug, queues_shown) for slug in ("separate", "pooled")):
        return str(say("cap_not_raised", cap=cap))
    added = {slug: sum(per_hour(made[slug], queues_shown))
             - sum(per_hour(made["without_cap"][slug], queues_shown))
             for slug in ("separate", "pooled")}
    return str(say("cap_raised", cap=cap, **added))


def sentence(made: Mapping[str, Any], filters: PlanFilters, say: Any,
             desk: str | None = None) -> list[str]:
    """Return the sentences a manager can quote: the hours saved in a week without public
    holidays, what the holidays of the coming weeks save on top, and the service level the
    same people give pooled, what the occupancy cap adds. For a desk's manager (`desk`) only
    what their desk's and the pool's hours say (the whole plan's figures hold the other
    desks' too), and the warning that the weeks asked reach back before the first contact
    (the plan of every desk, theirs too, then asks too few people)."""
    hours = made["counsellor_hours"]
    level = f"{filters.level * 100:g}"
    cap = say("cap_occupancy_cap", cap=f"{filters.occupancy * 100:g}")
    since, enough = made.get("observed_since"), made.get("weeks_with_data", 0)
    too_few = [say("cap_data_since", since=since, weeks=filters.weeks, enough=enough)
               ] if since and enough < filters.weeks else []
    if desk is not None:
        return [*desk_sentence(made, filters, say, desk), *too_few, cap,
                cap_said(made, say, access.queues_counted(desk))]
    said = []
    if hours["difference"] > 0:
        said.append(say("cap_saves", level=level, target=filters.target_s,
                        hours=hours["difference"], pooled=hours["pooled"],
                        separate=hours["separate"]))
    else:
        said.append(say("cap_no_saving", level=level, target=filters.target_s))
    if filters.shrinkage:
        said.append(say("cap_rostered", shrinkage=f"{filters.shrinkage * 100:g}",
                        separate=hours["rostered"]["separate"],
                        pooled=hours["rostered"]["pooled"]))
    busy = made.get("occupancy") or {}
    if busy.get("separate") is not None and busy.get("pooled") is not None:
        said.append(say("cap_occupancy", separate=f"{busy['separate'] * 100:.1f}",
                        pooled=f"{busy['pooled'] * 100:.1f}"))
    said.extend(too_few)
    holidays = made.get("holidays")
    if holidays and holidays["days"]:
        said.append(say("cap_holidays", start=holidays["from"], end=holidays["to"],
                        days=", ".join(day["date"] for day in holidays["days"]),
                        hours=holidays["pooled_hours"],
                        saved=holidays["counsellor_hours_saved"]))
    same = made.get("same_people")
    if same and same.get("pooled_level") is not None:
        said.append(say("cap_same_people", pooled=f"{same['pooled_level'] * 100:.1f}",
                        separate=f"{same['separate_level'] * 100:.1f}"))
    said.extend([cap, cap_said(made, say, None)])
    return said


def desk_sentence(made: Mapping[str, Any], filters: PlanFilters, say: Any,
                  desk: str) -> list[str]:
    """Return the sentences of a desk's manager: their desk's hours a week separate and
    pooled (the pool's apart), rostered with shrinkage, and that the whole is shown to a
    manager of every desk."""
    hours = made["counsellor_hours"]
    separate = hours["separate_by_desk"].get(desk, 0)
    pooled = hours["pooled_by_queue"].get(desk, 0)
    pool = hours["pooled_by_queue"].get(POOL, 0) if POOL in access.queues_counted(desk) else 0
    said = [say("cap_desk_hours", desk=say(f"desk_{desk}"), level=f"{filters.level * 100:g}",
                target=filters.target_s, separate=separate, pooled=pooled)]
    if pool:
        said.append(say("cap_desk_pool", pool=pool))
    if filters.shrinkage and pool:
        said.append(say("cap_desk_rostered", shrinkage=f"{filters.shrinkage * 100:g}",
                        separate=rostered(separate, filters.shrinkage),
                        pooled=rostered(pooled, filters.shrinkage),
                        pool=rostered(pool, filters.shrinkage)))
    elif filters.shrinkage:
        said.append(say("cap_rostered", shrinkage=f"{filters.shrinkage * 100:g}",
                        separate=rostered(separate, filters.shrinkage),
                        pooled=rostered(pooled, filters.shrinkage)))
    said.append(say("cap_desk_only"))
    return said


def make_plan(filters: PlanFilters) -> dict[str, Any]:
    """Make the capacity plan from the store."""
    from loket import rules_runtime
    from loket.reports.plan import POOLED_WINDOW, plan

    window = rules_runtime.rules().windows.get(POOLED_WINDOW)
    with read_scope(get_engine()) as session:
        return plan(session, filters.weeks, target_s=filters.target_s, level=filters.level,
                    window=window, shrinkage=filters.shrinkage,
                    max_occupancy=filters.occupancy)


PLAN_FIELDS = ("weeks", "target", "level", "shrinkage", "occupancy")  # the form's fields


@bp.get("/capacity")
@staff_required("manager")
def capacity() -> ResponseReturnValue:
    """Show the capacity plan: the sentence, the hours a week, the counsellors per hour."""
    say = say_in(request_language())
    try:
        filters = read_plan_filters(request.args, say)
    except BadFilter as exc:
        # The form shows back what was asked (the defaults only where nothing was).
        typed = {name: (request.args.get(name) or "").strip()[:32] for name in PLAN_FIELDS}
        return render_template("reports/capacity.html", error=str(exc), invalid=exc.fields,
                               said=[], tables=[],
                               made=None, filters=PlanFilters(), typed=typed,
                               chart_of=chart_of), 400
    made, user = make_plan(filters), manager()
    return render_template("reports/capacity.html", error=None, invalid=(), typed={},
                           said=sentence(made, filters, say, user.desk),
                           tables=plan_tables(made, say, queues_seen(user)), made=made,
                           filters=filters, chart_of=chart_of,
                           aht_default=f"{DEFAULT_AHT_S:g}",
                           handle_cap_h=f"{HANDLE_CAP_S / 3600:g}")


@bp.get("/capacity/<slug>.csv")
@staff_required("manager")
def capacity_download(slug: str) -> ResponseReturnValue:
    """Download one table of the capacity plan as CSV."""
    say = say_in(request_language())
    try:
        filters = read_plan_filters(request.args, say)
    except BadFilter as exc:
        return Response(f"{exc}\n", status=400, mimetype="text/plain")
    found = plan_tables(make_plan(filters), say, queues_seen(manager()))
    table = next((t for t in found if t.slug == slug), None)
    if table is None:
        return Response(f"{say('rep_unknown_table')}\n", status=404, mimetype="text/plain")
    return csv_response(table, f"loket-capacity-{slug}-{filters.weeks}w")


def csv_response(table: Table, name: str) -> Response:
    """Return a table as a CSV download: a header row, then its rows as shown."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if value is None else value for value in row])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def init_app(app: Any) -> None:
    """Register the report pages and give templates the percent filter."""
    app.register_blueprint(bp)
    app.add_template_filter(percent, "cell")


def percent(value: Any) -> str:
    """Return a share as a percentage with one decimal; a dash when not given."""
    if value is None:
        return "\u2013"
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    return str(value)
