"""The managers' figures for a range of Amsterdam days: contacts, service and callbacks.

A contact counts on the day it reached Loket (`Contact.created_at`). With a desk, only the
contacts that desk owns (`Contact.desk`), that its queue served (`Contact.queue`: another
desk's overflow) and, for police and veterans, the pool they serve together count (DESIGN.md:
a manager sees "D and the pool"; `access.queues_counted`); with a channel, only that
channel's. The counts come from the tallies (`tally.read`), exact
at the moment of reading, and unsuppressed: `suppression.suppress_counts` hides small ones
on output. No personal field is read.

Service is the phone's: of the calls that waited in a queue (answered or abandoned), the
share answered within the target (30 s for crisis, 20 s otherwise: configurable), and how
long the answered and the abandoned waited (median and 90th percentile). Every abandoned
call counts in the share's denominator, also one that hung up within the target, and also a
crisis caller who hung up and is kept open to be called back at once. A share or
a percentile of fewer than five calls is not given (None): it would describe a person; nor
is a share made of a count shown as "<5", or a total of the two classes (crisis, other)
when exactly one class's count is "<5": either would give that count back. Likewise
`shown`: where counts add up to one shown beside them (the channels to the total, a day's
channels to its total), enough others are not given that no "<5" follows by subtraction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from loket.reports import tally
from loket.reports.periods import hour_of_week
from loket.reports.suppression import THRESHOLD, Path, Sum, small, suppress_linked
from loket.routing.values import CHANNELS, DESKS, PAIRED_DESKS, QUEUES
from loket.store.models import OUTCOMES
from loket.store.snapshots import snapshot

# The key under which contacts not (yet) given a desk or a queue are counted.
NONE_KEY = "none"
WEEKDAYS = 7
HOURS = 24


@dataclass(frozen=True)
class Targets:
    """The service targets in seconds: crisis calls and the rest."""

    crisis_s: int = 30
    other_s: int = 20


def zeros(keys: Iterable[str]) -> dict[str, int]:
    """Return a count of 0 for every key, in order."""
    return dict.fromkeys(keys, 0)


def figures(
    session: Session,
    start: date,
    end: date,
    desk: str | None = None,
    channel: str | None = None,
    *,
    targets: Targets | None = None,
) -> dict[str, Any]:
    """Return the figures of the contacts that reached Loket on Amsterdam days `start` to
    `end` (both included), of one desk or all, one channel or all: DESIGN.md's "Reports"
    shape and more, exact counts.

    `contacts`: total, by_channel, by_desk (owner), by_queue (served), by_outcome (closed
    ones; `open` for the rest), crisis, overflow (the `overflow` flag), overflow_by_direction
    (owner>served as routed, whatever transfer followed: `tally.direction`; they add up to
    overflow), pooled (the `pooled` flag or queue `pool`). `per_day`: per day the total,
    crisis and each channel. `by_hour_of_week`: seven lists (Monday first) of 24
    counts, Amsterdam time. `service`: the phone's (see the module). `callbacks`: those
    asked for by these contacts.

    Call on a session that has not read yet: everything is read in one snapshot.
    """
    if end < start:
        raise ValueError("the range ends before it starts")
    snapshot(session)
    dirty = tally.dirty_days(session, start, end)
    # The changed days are counted from their contacts once, for all four tallies.
    counted: dict[date, dict[str, list[tally.Row]]] = {}

    def read(spec: tally.Spec, by: tuple[str, ...]) -> dict[tuple[Any, ...], list[float]]:
        return tally.read(session, spec, start, end, by=by, desk=desk, channel=channel,
                          dirty=dirty, counted=counted)

    contacts, per_day = count_contacts(read(tally.CONTACTS, ("day", *tally.CONTACTS.keys)),
                                       start, end)
    hours = read(tally.HOURS, ("hour",))
    waits = read(tally.WAITS, ("crisis", "result", "wait_s"))
    callbacks = read(tally.CALLBACKS, ("status", "reached", "in_window", "attempts"))
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "desk": desk,
        "channel": channel,
        "contacts": contacts,
        "per_day": per_day,
        "by_hour_of_week": hour_of_week_counts(hours),
        "service": service(waits, targets or Targets()),
        "callbacks": count_callbacks(callbacks),
    }


def count_contacts(rows: dict[tuple[Any, ...], list[float]], start: date,
                   end: date) -> tuple[dict[str, Any], dict[str, dict[str, int]]]:
    """Sum the contact tally's rows into the totals and the per-day counts."""
    by_channel, by_desk = zeros(CHANNELS), zeros(DESKS)
    by_queue, by_outcome = zeros(QUEUES), {**zeros(OUTCOMES), "open": 0}
    directions = {f"{a}>{b}": 0 for a in PAIRED_DESKS for b in DESKS if a != b}
    directions.update({f"debasis>{b}": 0 for b in PAIRED_DESKS})
    per_day: dict[str, dict[str, int]] = {}
    day = start
    while day <= end:
        per_day[day.isoformat()] = {"total": 0, "crisis": 0, **zeros(CHANNELS)}
        day += timedelta(days=1)
    total = crisis = overflow = pooled = 0
    for key, (n_float,) in rows.items():
        day_, channel, owner, queue, outcome, is_crisis, is_overflow, is_pooled, way = key
        n = int(n_float)
        total += n
        by_channel[channel] = by_channel.get(channel, 0) + n
        by_desk[owner or NONE_KEY] = by_desk.get(owner or NONE_KEY, 0) + n
        by_queue[queue or NONE_KEY] = by_queue.get(queue or NONE_KEY, 0) + n
        by_outcome[outcome or "open"] = by_outcome.get(outcome or "open", 0) + n
        daily = per_day[day_.isoformat()]
        daily["total"] += n
        daily[channel] = daily.get(channel, 0) + n
        if is_crisis:
            crisis += n
            daily["crisis"] += n
        if is_overflow:
            overflow += n
            if way:  # as routed: a transfer since changed desk and queue, not this
                directions[way] = directions.get(way, 0) + n
        pooled += n if is_pooled else 0
    return {
        "total": total,
        "by_channel": by_channel,
        "by_desk": by_desk,
        "by_queue": by_queue,
        "by_outcome": by_outcome,
        "crisis": crisis,
        "overflow": overflow,
        "overflow_by_direction": directions,
        "pooled": pooled,
    }, per_day


def hour_of_week_counts(rows: dict[tuple[Any, ...], list[float]]) -> list[list[int]]:
    """Sum contacts per UTC hour into seven days of 24 Amsterdam hours, Monday first."""
    week = [[0] * HOURS for _ in range(WEEKDAYS)]
    for (hour,), sums in rows.items():
        day, local = divmod(hour_of_week(datetime.fromtimestamp(int(hour) * 3600, UTC)), HOURS)
        week[day][local] += int(sums[0])
    return week


def percentile(counts: dict[int, int], share: float) -> int | None:
    """Return the wait (seconds) at or under which `share` of the counted waits lie; None
    for fewer than five waits."""
    total = sum(counts.values())
    if total < THRESHOLD:
        return None
    rank = share * total
    seen = 0
    for wait in sorted(counts):
        seen += counts[wait]
        if seen >= rank:
            return wait
    return max(counts)


def level(within: int, answered: int, abandoned: int) -> float | None:
    """Return a service level rounded to three places; None for fewer than five calls, and
    None when a count it is made of is shown as "<5": with the counts beside it, the share
    would give that count back (answered 7, abandoned "<5", level 0.7: abandoned is 3)."""
    waited = answered + abandoned
    if waited < THRESHOLD or any(small(n) for n in (within, answered, abandoned)):
        return None
    return round(within / waited, 3)


def total_shown(parts: Iterable[int]) -> int | None:
    """Return the sum of the classes' counts, or None when exactly one of them is shown as
    "<5" and the sum is not: the sum less the other class would give that count back."""
    counts = list(parts)
    total = sum(counts)
    hidden = sum(1 for n in counts if small(n))
    return None if hidden == 1 and not small(total) else total


def service(rows: dict[tuple[Any, ...], list[float]], targets: Targets) -> dict[str, Any]:
    """Return the phone's service: answered in time, waits, abandoned calls."""
    classes = {name: {"answered": 0, "abandoned": 0, "within_target": 0}
               for name in ("crisis", "other")}
    answered_waits: dict[int, int] = {}
    abandoned_waits: dict[int, int] = {}
    for (is_crisis, result, wait), (n_float,) in rows.items():
        n, wait = int(n_float), int(wait)
        kind = "crisis" if is_crisis else "other"
        classes[kind][result] += n
        waits = answered_waits if result == "answered" else abandoned_waits
        waits[wait] = waits.get(wait, 0) + n
        target = targets.crisis_s if is_crisis else targets.other_s
        if result == "answered" and wait <= target:
            classes[kind]["within_target"] += n
    shown: dict[str, Any] = {"targets_s": {"crisis": targets.crisis_s, "other": targets.other_s}}
    for name, counts in classes.items():
        shown[name] = {**counts, "level": level(counts["within_target"], counts["answered"],
                                                counts["abandoned"])}
    # The totals of both classes: not given where they would give a class's "<5" back.
    answered, abandoned, within = (total_shown(c[key] for c in classes.values())
                                   for key in ("answered", "abandoned", "within_target"))
    shown.update({
        "answered": answered,
        "abandoned": abandoned,
        "within_target": within,
        "level": (None if answered is None or abandoned is None or within is None
                  else level(within, answered, abandoned)),
        "answer_wait_s": {"median": percentile(answered_waits, 0.5),
                          "p90": percentile(answered_waits, 0.9)},
        "abandon_wait_s": {"median": percentile(abandoned_waits, 0.5),
                           "p90": percentile(abandoned_waits, 0.9)},
    })
    return shown


def count_callbacks(rows: dict[tuple[Any, ...], list[float]]) -> dict[str, Any]:
    """Count the callbacks people asked for: requested, reached, reached in their window,
    unreachable, missed (the window passed unserved), the calls placed, and the reached
    ones by the attempts they took (1, 2, 3 and more as "3+"). Apart from these, the crisis
    contacts kept to be called back at once though nobody asked (`crisis_kept`: a caller
    who hung up in the queue, a texter who sent the stop word) and how many of them were
    reached (`crisis_kept_reached`)."""
    found = {"requested": 0, "reached": 0, "in_window": 0, "unreachable": 0, "missed": 0,
             "attempts": 0}
    by_attempts = {"1": 0, "2": 0, "3+": 0}
    kept = kept_reached = 0
    for (status, reached, in_window, attempts), (n_float,) in rows.items():
        n = int(n_float)
        if status == tally.KEPT_CRISIS:
            kept += n
            kept_reached += n if reached else 0
            continue
        found["requested"] += n
        found["attempts"] += n * int(attempts)
        if status in ("unreachable", "missed"):
            found[status] += n
        if reached:
            found["reached"] += n
            found["in_window"] += n if in_window else 0
            key = "3+" if attempts >= 3 else str(max(int(attempts), 1))
            by_attempts[key] += n
    return {**found, "reached_by_attempts": by_attempts, "crisis_kept": kept,
            "crisis_kept_reached": kept_reached}


def sums(counted: Mapping[str, Any]) -> list[Sum]:
    """Return the report's counts that add up to a count shown beside them: the total by
    channel, desk, queue and outcome, and by hour of the week; each day's total by
    channel; the total, crisis and each channel over the days; overflow by direction;
    the callbacks reached by attempts. (The phone's classes: `total_shown`.)"""
    contacts = counted["contacts"]
    days = list(counted["per_day"])
    found: list[Sum] = [
        (("contacts", "total"), [("contacts", part, key) for key in contacts[part]])
        for part in ("by_channel", "by_desk", "by_queue", "by_outcome")
    ]
    found.append((("contacts", "overflow"),
                  [("contacts", "overflow_by_direction", way)
                   for way in contacts["overflow_by_direction"]]))
    found += [(("per_day", day, "total"), [("per_day", day, c) for c in CHANNELS])
              for day in days]
    found += [(("contacts", name), [("per_day", day, name) for day in days])
              for name in ("total", "crisis")]
    found += [(("contacts", "by_channel", c), [("per_day", day, c) for day in days])
              for c in CHANNELS]
    found.append((("contacts", "total"),
                  [("by_hour_of_week", d, h) for d in range(WEEKDAYS) for h in range(HOURS)]))
    found.append((("callbacks", "reached"),
                  [("callbacks", "reached_by_attempts", k)
                   for k in counted["callbacks"]["reached_by_attempts"]]))
    return found


def shown(counted: Mapping[str, Any]) -> dict[str, Any]:
    """Return the figures as a report shows them (page, CSV and JSON alike): a count from 1
    to 4 as "<5", and counts that would give one back by subtraction not given (None):
    the days' and hours' counts before the breakdowns, the breakdowns before the totals
    (`rank`)."""
    return suppress_linked(counted, sums(counted), rank=rank)


def rank(path: Path) -> int:
    """Return how much a count of the report is kept shown when one must be hidden: a day's
    or an hour's 0, a breakdown's (by channel, desk, direction, attempts) 1, a total 2."""
    if path[0] in ("per_day", "by_hour_of_week"):
        return 0
    return 1 if len(path) > 2 else 2
