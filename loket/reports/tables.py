"""The report's tables, from its figures: one list that the page prints (each with its
chart) and that each CSV download writes, so both always show the same numbers.

Takes the figures as shown (`volumes.shown`): a count from 1 to 4 is "<5", and a count
that would give one back by subtraction is not given (None, "–"), in every table, chart and
file. `say(key, **values)` gives a text in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loket.routing.values import CHANNELS

Say = Callable[..., str]


@dataclass(frozen=True)
class Table:
    """One table: its file name, title, column heads and rows (a label, then values), and
    the chart drawn of it ("bars" of the first value, "columns" over days, "heat")."""

    slug: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: str | None = None
    note: str = ""
    labels: list[str] = field(default_factory=list)


def counted(slug: str, title: str, head: str, counts: Mapping[str, Any], say: Say,
            prefix: str, chart: str | None = "bars") -> Table:
    """Return a table of one count per key, the key in words (`prefix` + key)."""
    return Table(slug, title, [head, say("rep_count")],
                 [[word(say, prefix, key), value] for key, value in counts.items()], chart)


def word(say: Say, prefix: str, key: str) -> str:
    """Return a code in words: its text when there is one, else the code."""
    try:
        return say(f"{prefix}{key}")
    except KeyError:
        return key


def tables(shown: Mapping[str, Any], say: Say) -> list[Table]:
    """Return every table of a report, in the page's order."""
    contacts = shown["contacts"]
    days = shown["per_day"]
    service = shown["service"]
    callbacks = shown["callbacks"]
    channel_heads = [say(f"channel_{c}") for c in CHANNELS]
    per_day = Table(
        "days", say("rep_per_day"),
        [say("rep_day"), say("rep_total"), say("rep_crisis"), *channel_heads],
        [[day, v["total"], v["crisis"], *(v[c] for c in CHANNELS)] for day, v in days.items()],
        "columns",
    )
    hours = Table(
        "hours", say("rep_heat"), [say("rep_day"), *(f"{h:02d}" for h in range(24))],
        [[say(f"weekday_{d}"), *row] for d, row in enumerate(shown["by_hour_of_week"])],
        "heat",
    )
    by_queue = {("none" if k == "none" else k): v for k, v in contacts["by_queue"].items()}
    directions = Table(
        "overflow", say("rep_overflow_ways"), [say("rep_direction"), say("rep_count")],
        [[" \u2192 ".join(say(f"desk_{d}") for d in way.split(">")), n]
         for way, n in contacts["overflow_by_direction"].items()],
    )
    targets = service["targets_s"]
    kinds = [("crisis", service["crisis"]), ("other", service["other"]), ("all", service)]
    phone = Table(
        "service", say("rep_service"),
        [say("rep_class"), say("rep_answered"), say("rep_abandoned"), say("rep_within"),
         say("rep_share")],
        [[say(f"rep_class_{k}"), v["answered"], v["abandoned"], v["within_target"],
          v["level"]] for k, v in kinds],
        note=say("rep_service_note", crisis=targets["crisis"], other=targets["other"]),
    )
    waits = Table(
        "waits", say("rep_waits"), [say("rep_name"), say("rep_median"), say("rep_p90")],
        [[say("rep_wait_answered"), service["answer_wait_s"]["median"],
          service["answer_wait_s"]["p90"]],
         [say("rep_wait_abandoned"), service["abandon_wait_s"]["median"],
          service["abandon_wait_s"]["p90"]]],
    )
    calls_back = Table(
        "callbacks", say("rep_callbacks"), [say("rep_name"), say("rep_count")],
        [[say(f"rep_cb_{k}"), callbacks[k]] for k in
         ("requested", "reached", "in_window", "unreachable", "missed", "attempts")]
        + [[say("rep_cb_by_attempts", n=k), v]
           for k, v in callbacks["reached_by_attempts"].items()]
        + [[say(f"rep_cb_{k}"), callbacks[k]] for k in ("crisis_kept", "crisis_kept_reached")],
        note=say("rep_cb_note"),
    )
    return [
        per_day,
        counted("channels", say("rep_by_channel"), say("rep_channel"), contacts["by_channel"],
                say, "channel_"),
        counted("desks", say("rep_by_desk"), say("rep_desk"), contacts["by_desk"], say,
                "desk_"),
        counted("queues", say("rep_by_queue"), say("rep_desk"), by_queue, say, "desk_"),
        directions,
        counted("outcomes", say("rep_outcomes"), say("rep_outcome"), contacts["by_outcome"],
                say, "outcome_"),
        hours,
        phone,
        waits,
        calls_back,
    ]


def key_figures(shown: Mapping[str, Any], say: Say) -> list[tuple[str, Any]]:
    """Return the few numbers at the top of the page."""
    contacts = shown["contacts"]
    return [
        (say("rep_total"), contacts["total"]),
        (say("rep_crisis"), contacts["crisis"]),
        (say("rep_overflow"), contacts["overflow"]),
        (say("rep_pooled"), contacts["pooled"]),
        (say("rep_level"), shown["service"]["level"]),
    ]
