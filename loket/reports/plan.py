"""The capacity plan: counsellors needed per hour of the week, desks separate and pooled.

Observed load. From the contacts of the last whole weeks (Amsterdam days up to today,
today excluded): per owner desk and Amsterdam hour of the week, the mean arrivals an hour
(over the times that hour occurred: twice in a week for 02:00 on the night the clocks go
back, not at all on the night they go forward) and the mean handle time (`closed_at -
answered_at` of the contacts answered and closed, each counting at most two hours:
`tally.HANDLE_CAP_S`, so that a text conversation left open for days does not count as days
of a counsellor's work). An hour's own mean counts only when at least five
contacts give it (`suppression.THRESHOLD`): fewer make a shaky figure, and one that
describes a person. Such an hour takes the desk's mean (over all its hours; over its hours
of five or more when the other hours hold only 1 to 4 contacts, so that their mean cannot be
worked back), and `DEFAULT_AHT_S` where even that has fewer than five; `observed.aht_basis`
says which ("hour", "desk", "default"). Erlang C then gives the counsellors each hour needs
to meet the service target.
The counts come from the hourly tally (`tally.HOURS`: per desk and UTC hour, a few thousand
rows for eight weeks, never a row per contact); the Amsterdam hour of the week is found per
UTC hour in Python, so daylight-saving weeks land on the right local hour.

Separate: every desk staffs its own queue for its own load, every hour.

In either plan no hour's counsellors are busy with contacts more than `max_occupancy` of
their time (85% unless set: `DEFAULT_MAX_OCCUPANCY`): at a service target alone a large
load is met by people busy nearly all the time, which no roster keeps up.
`without_cap` holds both plans as the service target alone would staff them, and
`counsellor_hours.by_cap` the counsellor-hours a week the cap adds to each: so a reader
can tell an hour the cap raised from one the target asks for.

Pooled, as the routing policy (DESIGN.md, "The default policy") works:
- Pooled hours. The hours come from the rules' own `pooled-hours` window (the rules file
  in force, or the window passed in), not from a copy here: in an ordinary week the hours
  its periods of weekdays and clock times hold (for the default rules every night from
  22:00 up to, not including, 07:00, and all of Saturday and Sunday, `POOLED_HOURS`). Then
  police and veterans are one queue (`pool`), staffed for their arrivals together with
  their arrival-weighted handle time; De Basis stays on its own.
- Overflow outside those hours: the policy sends a police or veterans contact to the other
  desk when the owner's expected wait is over `OVERFLOW_WAIT_S` and the other has someone
  free; so the two desks share their idle counsellors. Modelled as: the two desks together
  are staffed as one Erlang C queue for their combined load, but each keeps a floor of its
  own: the counsellors its own load needs to meet the level within `OVERFLOW_WAIT_S` (a
  desk must keep its own waits under the overflow threshold, for only then does the other
  desk take over); the counsellors above the floors go one by one to the desk with the
  most load per counsellor. This is what full sharing above the floors gives: an upper
  bound of what overflow saves, which the simulation (`loket.reports.simulation`) checks
  against the actual policy. `counsellor_hours` shows the saving by the clock and by
  overflow apart.
- Public holidays (pooled all day by routing) are not hours of an ordinary week: the week
  plan (`separate`, `pooled`, `counsellor_hours`) is for a week without one. `holidays`
  then lists the Dutch public holidays of the coming weeks, as many as were observed
  (today included), with the hours they pool beyond an ordinary week and the
  counsellor-hours this saves in all over that range (the pool's need for those hours
  instead of the two desks' pooled-plan staffing). The observed weeks are not cleaned of
  holidays: a holiday's arrivals count towards its hour of the week.

`same_people` answers the other way round: the contact-weighted service level over the
ordinary week with exactly the separate plan's counsellors, kept apart (`separate_level`)
and pooled by the policy (`pooled_level`: the pool served by police's and veterans'
counsellors together at pooled hours, and the two desks sharing as above otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlmodel import Session

from loket.reports import tally
from loket.reports.capacity import (
    MAX_OCCUPANCY,
    MAX_SHRINKAGE,
    counsellors_needed,
    offered_load,
    rostered,
    service_level,
)
from loket.reports.periods import AMSTERDAM, day_start, hour_of_week
from loket.reports.suppression import SMALL, THRESHOLD, small
from loket.routing.values import DESKS, PAIRED_DESKS
from loket.routing.windows import Window
from loket.store.snapshots import snapshot

HOURS_PER_WEEK = 168
DEFAULT_AHT_S = 600.0  # as the desk's expected wait assumes before it has its own figures
DEFAULT_TARGET_S = 20.0
DEFAULT_LEVEL = 0.8
DEFAULT_MAX_OCCUPANCY = MAX_OCCUPANCY  # the plan's occupancy cap unless a manager sets one
NIGHT = (22, 7)  # from 22:00 up to, not including, 07:00
WEEKEND = (5, 6)  # Saturday, Sunday (Monday is 0)
POOL = "pool"
POOLED_WINDOW = "pooled-hours"  # the rules' window of the hours police and veterans pool
# The expected wait over which a contact goes to the other desk: routing_rules/default.yaml,
# rule `long-wait-overflow` (`state.owner.expected_wait_s: {gt: 900}`).
OVERFLOW_WAIT_S = 900.0
_A_MONDAY = datetime(2024, 1, 1)  # any Monday: an ordinary week's hours are read from it


def pooled_hour(how: int) -> bool:
    """Return whether an hour of the week (0 = Monday 00:00) is pooled by the default rules:
    night or weekend."""
    day, hour = divmod(how, 24)
    return day in WEEKEND or hour >= NIGHT[0] or hour < NIGHT[1]


# The default rules' pooled hours of an ordinary week; `plan` reads the rules' window.
POOLED_HOURS: frozenset[int] = frozenset(h for h in range(HOURS_PER_WEEK) if pooled_hour(h))


class Load(Protocol):
    """Arrivals an hour and mean handle time per desk and hour of the week."""

    def rate(self, desk: str, how: int) -> float:
        """Return the mean arrivals an hour of a desk in an hour of the week."""
        ...

    def aht_s(self, desk: str, how: int) -> float:
        """Return the mean handle time in seconds of a desk in an hour of the week."""
        ...


@dataclass
class Observed:
    """Per desk and hour of the week: contacts arrived, handle seconds and contacts handled."""

    weeks: int
    arrivals: dict[str, list[int]] = field(default_factory=dict)
    work_s: dict[str, list[float]] = field(default_factory=dict)
    handled: dict[str, list[int]] = field(default_factory=dict)
    # How often each hour of the week occurred in the observed days: `weeks`, but one more
    # for the hour the clocks go back (02:00 twice) and one fewer for the hour they skip.
    occurred: list[int] | None = None
    # The first Amsterdam day of the observed days with a contact (None: none at all).
    first_day: date | None = None

    def add(self, desk: str, how: int, arrived: int, work_s: float, handled: int) -> None:
        """Add one hour's counts of one desk."""
        self.arrivals.setdefault(desk, [0] * HOURS_PER_WEEK)[how] += arrived
        self.work_s.setdefault(desk, [0.0] * HOURS_PER_WEEK)[how] += work_s
        self.handled.setdefault(desk, [0] * HOURS_PER_WEEK)[how] += handled

    def rate(self, desk: str, how: int) -> float:
        """Return the mean arrivals an hour of a desk in an hour of the week: its arrivals
        over the times that hour occurred (an hour that never occurred had none)."""
        times = self.weeks if self.occurred is None else self.occurred[how]
        return self.arrivals.get(desk, [0] * HOURS_PER_WEEK)[how] / times if times else 0.0

    def aht_s(self, desk: str, how: int) -> float:
        """Return the mean handle time of a desk in an hour of the week (see the module)."""
        return self.handle_time(desk, how)[0]

    def handle_time(self, desk: str, how: int) -> tuple[float, str]:
        """Return the handle time planned with for a desk in an hour of the week and where
        it comes from: "hour" (its own, of five contacts or more), "desk" (the desk's
        mean) or "default" (see the module)."""
        handled = self.handled.get(desk, [0] * HOURS_PER_WEEK)
        work = self.work_s.get(desk, [0.0] * HOURS_PER_WEEK)
        if handled[how] >= THRESHOLD:
            return work[how] / handled[how], "hour"
        hours = [h for h in range(HOURS_PER_WEEK) if handled[h] >= THRESHOLD]
        if not small(sum(handled) - sum(handled[h] for h in hours)):
            hours = list(range(HOURS_PER_WEEK))  # the other hours hold 0, or 5 and more
        contacts = sum(handled[h] for h in hours)
        if contacts:
            return sum(work[h] for h in hours) / contacts, "desk"
        return DEFAULT_AHT_S, "default"


def observe(session: Session, first: date, last: date, weeks: int) -> Observed:
    """Return the arrivals and handle times of the Amsterdam days `first`..`last` by desk and
    hour of the week, from the hourly tally (exact at the moment of reading)."""
    snapshot(session)
    rows = tally.read(session, tally.HOURS, first, last, by=("desk", "hour"))
    observed = Observed(weeks=weeks, occurred=occurrences(first, last))
    for (desk, hour), (arrived, handled, work) in rows.items():
        if not desk:
            continue  # not routed yet: no desk to plan for
        if arrived:
            day = tally.hour_day(int(hour))
            observed.first_day = min(day, observed.first_day or day)
        at = datetime.fromtimestamp(int(hour) * 3600, UTC)
        observed.add(str(desk), hour_of_week(at), int(arrived), float(work), int(handled))
    return observed


def occurrences(first: date, last: date) -> list[int]:
    """Return how many times each Amsterdam hour of the week occurs in the days
    `first`..`last`: daylight saving adds an hour to a day in October and takes one from a
    day in March."""
    times = [0] * HOURS_PER_WEEK
    at, end = day_start(first), day_start(last + timedelta(days=1))
    while at < end:
        times[hour_of_week(at)] += 1
        at += timedelta(hours=1)
    return times


# --- the pooled hours, from the rules' window -----------------------------------------------


def pooled_window(window: Window | None = None) -> Window:
    """Return `window`, or the `pooled-hours` window of the rules file in force."""
    if window is not None:
        return window
    from loket.routing.loader import load_rules  # compiles the rules: only when asked
    from loket.routing.paths import default_rules_path

    found = load_rules(default_rules_path()).windows.get(POOLED_WINDOW)
    if found is None:
        raise ValueError(f"the rules have no window {POOLED_WINDOW!r}")
    return found


def ordinary_pooled_hours(window: Window) -> frozenset[int]:
    """Return the hours of the week the window holds by weekday and clock time alone (its
    periods of listed dates or public holidays left out): the pooled hours of an ordinary
    week."""
    periods = [p for p in window.periods if p.dates is None and p.holidays is None]
    return frozenset(
        how for how in range(HOURS_PER_WEEK)
        if any(p.why(_A_MONDAY + timedelta(hours=how)) is not None for p in periods))


@dataclass(frozen=True)
class Holiday:
    """A day of the planning range that pools hours an ordinary week does not."""

    day: date
    name: str
    hours: tuple[int, ...]  # the hours of the week pooled beyond an ordinary week


def holidays_between(window: Window, first: date, days: int,
                     ordinary: frozenset[int]) -> list[Holiday]:
    """Return the days of [first, first + days) on which the window pools more hours than
    an ordinary week does (public holidays and listed dates), with those hours."""
    found: list[Holiday] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        start, end = day_start(day), day_start(day + timedelta(days=1))
        hours: list[int] = []
        at = start
        while at < end:  # 23, 24 or 25 hours: daylight saving
            how = hour_of_week(at)
            if how not in ordinary and window.contains(at):
                hours.append(how)
            at += timedelta(hours=1)
        if hours:
            found.append(Holiday(day, holiday_name(window, day), tuple(sorted(set(hours)))))
    return found


def holiday_name(window: Window, day: date) -> str:
    """Return the name of the public holiday on `day` of the window's calendars, or the
    label of the period that holds it (a listed date)."""
    for period in window.periods:
        if period.holidays is not None:
            name = period.holidays.name(day)
            if name is not None:
                return name
    for period in window.periods:
        if period.dates is not None and day in period.dates:
            return period.label
    return ""


# --- staffing ---------------------------------------------------------------------------------


def combined(load: Load, how: int, desks: Iterable[str] = PAIRED_DESKS) -> tuple[float, float]:
    """Return the arrivals an hour of desks together, and their arrival-weighted handle time."""
    rates = {desk: load.rate(desk, how) for desk in desks}
    rate = sum(rates.values())
    if not rate:
        return 0.0, DEFAULT_AHT_S
    return rate, sum(r * load.aht_s(desk, how) for desk, r in rates.items()) / rate


def pool_needed(load: Load, how: int, target_s: float, level: float,
                max_occupancy: float | None = None) -> int:
    """Return the counsellors the pool needs in an hour: what one queue of the two desks'
    load needs, and never fewer than either desk's own load needs alone. (One queue of
    their arrival-weighted handle time understates a mix of long and short contacts: many
    short ones hide the long conversations of the other desk.)"""
    together = counsellors_needed(*combined(load, how), target_s, level,
                                  max_occupancy=max_occupancy)
    alone = max(counsellors_needed(load.rate(desk, how), load.aht_s(desk, how), target_s,
                                   level, max_occupancy=max_occupancy)
                for desk in PAIRED_DESKS)
    return max(together, alone)


def shared(load: Load, how: int, target_s: float, level: float,
           max_occupancy: float | None = None) -> dict[str, int]:
    """Return police's and veterans' counsellors in an hour they share by overflow.

    Together they need what one queue of their combined load needs; each keeps the floor
    its own load needs to meet `level` within `OVERFLOW_WAIT_S`; the counsellors above the
    floors go one by one to the desk with the most load per counsellor (ties: the first of
    `PAIRED_DESKS`). With `max_occupancy`, neither the two together nor a floor is busier.
    """
    rate, aht = combined(load, how)
    together = counsellors_needed(rate, aht, target_s, level, max_occupancy=max_occupancy)
    loads = {desk: offered_load(load.rate(desk, how), load.aht_s(desk, how))
             for desk in PAIRED_DESKS}
    counts: dict[str, int] = {
        desk: counsellors_needed(load.rate(desk, how), load.aht_s(desk, how), OVERFLOW_WAIT_S,
                                 level, max_occupancy=max_occupancy) for desk in PAIRED_DESKS}
    for _ in range(together - sum(counts.values())):
        busiest = max(PAIRED_DESKS, key=lambda desk: loads[desk] / (counts[desk] or 0.5))
        counts[busiest] += 1
    return counts


def staff(load: Load, target_s: float, level: float, *,
          pooled_hours: frozenset[int] = POOLED_HOURS, overflow: bool = True,
          max_occupancy: float | None = None) -> dict[str, Any]:
    """Return the counsellors per hour of the week, separate and pooled, the totals,
    `same_people` and `without_cap` (see the module). `overflow=False` pools by the clock
    alone; with `max_occupancy` no hour's counsellors are busier than that share of their
    time."""
    separate, pooled, by_clock, by_overflow = staffed(load, target_s, level, pooled_hours,
                                                      overflow, max_occupancy)
    if max_occupancy is None:
        loose_separate, loose_pooled = separate, pooled
    else:
        loose_separate, loose_pooled, _, _ = staffed(load, target_s, level, pooled_hours,
                                                     overflow, None)
    separate_hours = sum(map(sum, separate.values()))
    pooled_hours_total = sum(map(sum, pooled.values()))
    return {
        "separate": separate,
        "pooled": pooled,
        "counsellor_hours": {
            "separate": separate_hours,
            "pooled": pooled_hours_total,
            "difference": separate_hours - pooled_hours_total,
            "by_clock": by_clock,
            "by_overflow": by_overflow,
            "separate_by_desk": {desk: sum(hours) for desk, hours in separate.items()},
            "pooled_by_queue": {queue: sum(hours) for queue, hours in pooled.items()},
            "by_cap": {"separate": separate_hours - sum(map(sum, loose_separate.values())),
                       "pooled": pooled_hours_total - sum(map(sum, loose_pooled.values()))},
        },
        "same_people": same_people(load, separate, target_s, pooled_hours=pooled_hours,
                                   overflow=overflow),
        "without_cap": {"separate": loose_separate, "pooled": loose_pooled},
    }


def staffed(load: Load, target_s: float, level: float, pooled_hours: frozenset[int],
            overflow: bool, cap: float | None,
            ) -> tuple[dict[str, list[int]], dict[str, list[int]], int, int]:
    """Return the counsellors per hour of the week, separate and pooled, and the
    counsellor-hours pooling saves by the clock and by overflow."""
    separate: dict[str, list[int]] = {
        desk: [counsellors_needed(load.rate(desk, h), load.aht_s(desk, h), target_s, level,
                                  max_occupancy=cap)
               for h in range(HOURS_PER_WEEK)]
        for desk in DESKS
    }
    pooled: dict[str, list[int]] = {desk: list(hours) for desk, hours in separate.items()}
    pooled[POOL] = [0] * HOURS_PER_WEEK
    by_clock = by_overflow = 0
    for how in range(HOURS_PER_WEEK):
        apart = sum(separate[desk][how] for desk in PAIRED_DESKS)
        if how in pooled_hours:
            pooled[POOL][how] = pool_needed(load, how, target_s, level, max_occupancy=cap)
            for desk in PAIRED_DESKS:
                pooled[desk][how] = 0
            by_clock += apart - pooled[POOL][how]
        elif overflow:
            for paired, n in shared(load, how, target_s, level, cap).items():
                pooled[paired][how] = n
            by_overflow += apart - sum(pooled[desk][how] for desk in PAIRED_DESKS)
    return separate, pooled, by_clock, by_overflow


def same_people(load: Load, separate: Mapping[str, Sequence[int]], target_s: float, *,
                pooled_hours: frozenset[int] = POOLED_HOURS,
                overflow: bool = True) -> dict[str, float | None]:
    """Return the contact-weighted service level over the week of the `separate`
    counsellors kept apart and pooled (see the module); None for both with no contacts."""
    contacts = apart = together = 0.0
    for how in range(HOURS_PER_WEEK):
        for desk in DESKS:
            rate, aht = load.rate(desk, how), load.aht_s(desk, how)
            level = service_level(separate[desk][how], offered_load(rate, aht), aht, target_s)
            contacts += rate
            apart += rate * level
            if desk not in PAIRED_DESKS:
                together += rate * level
        if how in pooled_hours or overflow:
            rate, aht = combined(load, how)
            people = sum(separate[desk][how] for desk in PAIRED_DESKS)
            together += rate * service_level(people, offered_load(rate, aht), aht, target_s)
        else:
            for desk in PAIRED_DESKS:
                rate, aht = load.rate(desk, how), load.aht_s(desk, how)
                together += rate * service_level(separate[desk][how], offered_load(rate, aht),
                                                 aht, target_s)
    if not contacts:
        return {"separate_level": None, "pooled_level": None}
    return {"separate_level": apart / contacts, "pooled_level": together / contacts}


def holiday_saving(load: Load, holidays: Sequence[Holiday], pooled: Mapping[str, Sequence[int]],
                   target_s: float, level: float, max_occupancy: float | None = None) -> int:
    """Return the counsellor-hours the holidays' extra pooled hours save in all: per hour,
    the two desks' pooled-plan staffing minus what the pool needs."""
    saved = 0
    for holiday in holidays:
        for how in holiday.hours:
            pool = pool_needed(load, how, target_s, level, max_occupancy=max_occupancy)
            saved += sum(pooled[desk][how] for desk in PAIRED_DESKS) - pool
    return saved


def offered_hours(load: Load) -> float:
    """Return the load offered in an ordinary week, in Erlang-hours: the hours of
    conversation the counsellors of either plan carry."""
    return sum(offered_load(load.rate(desk, how), load.aht_s(desk, how))
               for desk in DESKS for how in range(HOURS_PER_WEEK))


def observed_figures(load: Observed) -> dict[str, dict[str, list[Any]]]:
    """Return the load as plain lists per desk: calls an hour, the handle seconds planned
    with and where they come from ("hour", "desk", "default": see the module)."""
    times = {desk: [load.handle_time(desk, h) for h in range(HOURS_PER_WEEK)] for desk in DESKS}
    return {
        "calls_per_hour": {desk: [round(load.rate(desk, h), 4) for h in range(HOURS_PER_WEEK)]
                           for desk in DESKS},
        "aht_s": {desk: [round(seconds, 1) for seconds, _ in hours]
                  for desk, hours in times.items()},
        "aht_basis": {desk: [basis for _, basis in hours] for desk, hours in times.items()},
    }


def plan(
    session: Session,
    weeks: int,
    *,
    target_s: float = DEFAULT_TARGET_S,
    level: float = DEFAULT_LEVEL,
    today: date | None = None,
    window: Window | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float = DEFAULT_MAX_OCCUPANCY,
) -> dict[str, Any]:
    """Return the capacity plan from the last `weeks` whole weeks before `today` (Amsterdam).

    `separate` and `pooled` hold, per desk (and `pool`), 168 counsellor counts: hour 0 is
    Monday 00:00-01:00 Amsterdam time. `counsellor_hours` sums them per week and gives the
    difference (separate minus pooled: what pooling saves at the same service target), and
    that by the clock and by overflow. `same_people` holds the service levels of the
    separate plan's counsellors apart and pooled; `holidays` the public holidays of the
    coming `weeks` weeks and what they save; `observed` the load the plan is made for,
    `occupancy` the share of the counsellor-hours spent in conversation, separate and
    pooled (None without counsellor-hours); `observed_since` its first day with a contact
    and `weeks_with_data` the weeks back to it (a plan of more weeks counts the weeks
    before as weeks without contacts).
    `window` is the rules' `pooled-hours` window (default: of the rules file in force).
    `counsellor_hours.rostered` gives the hours a week to roster for the separate and the
    pooled plan when a share `shrinkage` of paid time is spent away from the desk.
    `max_occupancy`: no hour's counsellors are busy with contacts more than this share of
    their time (85%, the usual contact-centre cap): `max_occupancy` in the result;
    `without_cap` both plans without it, `counsellor_hours.by_cap` the hours it adds.
    """
    if weeks < 1:
        raise ValueError("weeks: at least 1")
    if not 0 <= shrinkage <= MAX_SHRINKAGE:  # nan too
        raise ValueError(f"shrinkage: a share from 0 to {MAX_SHRINKAGE:g}")
    today = today or datetime.now(AMSTERDAM).date()
    window = pooled_window(window)
    ordinary = ordinary_pooled_hours(window)
    first = today - timedelta(weeks=weeks)
    observed = observe(session, first, today - timedelta(days=1), weeks)
    result = staff(observed, target_s, level, pooled_hours=ordinary,
                   max_occupancy=max_occupancy)
    hours = result["counsellor_hours"]
    roster = {name: rostered(hours[name], shrinkage) for name in ("separate", "pooled")}
    hours["rostered"] = {**roster, "difference": roster["separate"] - roster["pooled"]}
    load = offered_hours(observed)
    occupancy = {name: (round(load / hours[name], 3) if hours[name] else None)
                 for name in ("separate", "pooled")}
    holidays = holidays_between(window, today, 7 * weeks, ordinary)
    saved = holiday_saving(observed, holidays, result["pooled"], target_s, level,
                           max_occupancy)
    return {
        "from": first.isoformat(),
        "to": (today - timedelta(days=1)).isoformat(),
        "weeks": weeks,
        "target_s": target_s,
        "level": level,
        "shrinkage": shrinkage,
        "max_occupancy": max_occupancy,
        "pooled_hours": sorted(ordinary),
        **result,
        "occupancy": occupancy,
        "holidays": {
            "from": today.isoformat(),
            "to": (today + timedelta(weeks=weeks, days=-1)).isoformat(),
            "days": [{"date": h.day.isoformat(), "name": h.name, "hours": len(h.hours)}
                     for h in holidays],
            "pooled_hours": sum(len(h.hours) for h in holidays),
            "counsellor_hours_saved": saved,
        },
        "observed": observed_figures(observed),
        "observed_since": observed.first_day and observed.first_day.isoformat(),
        "weeks_with_data": weeks_with_data(observed.first_day, today),
    }


def weeks_with_data(first_day: date | None, today: date) -> int:
    """Return the whole weeks before `today` that reach back to the first contact (the
    most a plan should be made of: more count weeks before Loket had contacts as weeks
    without any); 0 with no contact."""
    if first_day is None:
        return 0
    return max(1, -(-(today - first_day).days // 7))


def shown_plan(made: Mapping[str, Any]) -> dict[str, Any]:
    """Return a plan as it is shown (JSON): its observed figures with small counts hidden as
    the reports hide them. An hour of a desk whose contacts over the observed days number 1
    to 4 has "<5" for its calls an hour (the mean times the weeks would give the count
    back) and no handle time (None: the mean of so few describes a person)."""
    times = occurrences(date.fromisoformat(made["from"]), date.fromisoformat(made["to"]))
    observed = made["observed"]
    calls: dict[str, list[Any]] = {}
    aht: dict[str, list[Any]] = {}
    for desk, rates in observed["calls_per_hour"].items():
        counts = [round(rate * times[how]) for how, rate in enumerate(rates)]
        calls[desk] = [SMALL if small(n) else rate for n, rate in zip(counts, rates, strict=True)]
        aht[desk] = [None if small(n) else seconds
                     for n, seconds in zip(counts, observed["aht_s"][desk], strict=True)]
    return {**made, "observed": {**observed, "calls_per_hour": calls, "aht_s": aht}}
