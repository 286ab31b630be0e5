"""The managers' figures on seeded contacts, on SQLite and PostgreSQL: exact counts, the
Amsterdam day edges (DST too), the desk filter, and "<5" on output only."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from flask import Flask

from loket.reports.suppression import suppress_counts, suppressed
from loket.reports.volumes import figures
from loket.store.db import read_scope
from tests.reports.seed import PERSONAL, local, seed, seed_callback

NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)


def report(app: Flask, start: date, end: date, desk: str | None = None) -> dict[str, Any]:
    with read_scope(app.extensions["loket.engine"]) as session:
        return figures(session, start, end, desk)


def test_suppressed_hides_one_to_four_and_keeps_zero() -> None:
    assert [suppressed(n) for n in range(7)] == [0, "<5", "<5", "<5", "<5", 5, 6]
    shown = suppress_counts({"from": "2026-11-01", "desk": None, "contacts": {
        "total": 7, "crisis": 3, "by_desk": {"police": 0, "veterans": 4}}})
    assert shown == {"from": "2026-11-01", "desk": None, "contacts": {
        "total": 7, "crisis": "<5", "by_desk": {"police": 0, "veterans": "<5"}}}


def test_figures_count_exactly_the_contacts_made(store_app: Flask) -> None:
    day = local("2026-11-10 14:00")
    seed(store_app, day, channel="phone", desk="police", count=6, outcome="helped",
         handle_s=300)
    seed(store_app, day, channel="sms", desk="veterans", count=5)
    seed(store_app, day, channel="webchat", desk="veterans", queue="police",
         flags=("overflow",), count=2)
    seed(store_app, day, channel="whatsapp", desk="police", queue="pool", flags=("pooled",),
         crisis=True, count=3)
    seed(store_app, day, channel="webform", desk="debasis", count=1)
    seed(store_app, day, channel="sms", desk=None, count=1)  # not routed yet

    got = report(store_app, NOV_1, NOV_30)
    assert got["from"] == "2026-11-01" and got["to"] == "2026-11-30" and got["desk"] is None
    contacts = got["contacts"]
    assert contacts["total"] == 18
    assert contacts["by_channel"] == {"phone": 6, "sms": 6, "whatsapp": 3, "webchat": 2,
                                      "webform": 1}
    assert contacts["by_desk"] == {"police": 9, "veterans": 7, "debasis": 1, "none": 1}
    assert contacts["by_queue"] == {"police": 8, "veterans": 5, "debasis": 1, "pool": 3,
                                    "none": 1}
    assert contacts["crisis"] == 3 and contacts["overflow"] == 2 and contacts["pooled"] == 3
    assert contacts["by_outcome"]["helped"] == 6 and contacts["by_outcome"]["open"] == 12
    assert sum(contacts["by_outcome"].values()) == 18

    shown = suppress_counts(got)["contacts"]
    assert shown["total"] == 18 and shown["by_channel"]["phone"] == 6
    assert shown["crisis"] == "<5" and shown["overflow"] == "<5"
    assert shown["by_channel"]["webform"] == "<5" and shown["by_desk"]["debasis"] == "<5"
    assert shown["by_outcome"]["abandoned"] == 0


def test_the_last_amsterdam_day_counts_up_to_its_midnight(store_app: Flask) -> None:
    seed(store_app, local("2026-11-01 00:00"))  # the first instant of the first day
    seed(store_app, local("2026-10-31 23:59"))  # the day before
    seed(store_app, local("2026-11-30 23:30"))  # 22:30 UTC: the last day, counted
    seed(store_app, local("2026-12-01 00:30"))  # 23:30 UTC on the 30th: the next day
    assert report(store_app, NOV_1, NOV_30)["contacts"]["total"] == 2
    assert report(store_app, date(2026, 12, 1), date(2026, 12, 1))["contacts"]["total"] == 1
    assert report(store_app, date(2026, 10, 31), date(2026, 10, 31))["contacts"]["total"] == 1


def test_a_daylight_saving_day_has_its_own_hours(store_app: Flask) -> None:
    # 25 October 2026: clocks go back at 03:00 CEST to 02:00 CET, the day lasts 25 hours.
    seed(store_app, local("2026-10-25 00:10"))  # 22:10 UTC on the 24th
    seed(store_app, local("2026-10-25 23:50"))  # 22:50 UTC on the 25th
    seed(store_app, local("2026-10-24 23:50"))  # 21:50 UTC on the 24th: the day before
    seed(store_app, local("2026-10-26 00:10"))  # 23:10 UTC on the 25th: the day after
    oct_25 = date(2026, 10, 25)
    assert report(store_app, oct_25, oct_25)["contacts"]["total"] == 2
    # 29 March 2026: clocks go forward at 02:00 CET, the day lasts 23 hours.
    seed(store_app, local("2026-03-29 00:30"))  # 23:30 UTC on the 28th
    seed(store_app, local("2026-03-29 23:30"))  # 21:30 UTC on the 29th
    seed(store_app, local("2026-03-28 23:30"))  # 22:30 UTC on the 28th: the day before
    mar_29 = date(2026, 3, 29)
    assert report(store_app, mar_29, mar_29)["contacts"]["total"] == 2


def test_a_desk_sees_what_it_owns_or_served(store_app: Flask) -> None:
    day = local("2026-11-10 14:00")
    seed(store_app, day, desk="police", count=2)
    seed(store_app, day, desk="veterans", queue="police", flags=("overflow",))  # served
    seed(store_app, day, desk="police", queue="veterans", flags=("overflow",))  # owned
    seed(store_app, day, desk="veterans", count=3)
    seed(store_app, day, desk="debasis")
    police = report(store_app, NOV_1, NOV_30, "police")
    assert police["desk"] == "police"
    assert police["contacts"]["total"] == 4 and police["contacts"]["overflow"] == 2
    assert police["contacts"]["by_desk"] == {"police": 3, "veterans": 1, "debasis": 0}
    assert report(store_app, NOV_1, NOV_30, "veterans")["contacts"]["total"] == 5
    assert report(store_app, NOV_1, NOV_30, "debasis")["contacts"]["total"] == 1


def test_no_contacts_gives_zeros_not_small_counts(store_app: Flask) -> None:
    shown = suppress_counts(report(store_app, NOV_1, NOV_30))
    assert shown["contacts"]["total"] == 0 and shown["contacts"]["pooled"] == 0
    assert set(shown["contacts"]["by_channel"].values()) == {0}
    assert shown["callbacks"]["requested"] == 0


def test_callbacks_reached_in_their_window_attempts_and_failures(store_app: Flask) -> None:
    day = local("2026-11-10 18:00")
    seed_callback(store_app, day, status="done", attempts=1, last_outcome="reached")
    seed_callback(store_app, day, status="done", attempts=2, last_outcome="reached",
                  reached_after=timedelta(hours=3))  # reached after its window ended
    seed_callback(store_app, day, status="done", attempts=4, last_outcome="reached")
    seed_callback(store_app, day, status="unreachable", attempts=3, last_outcome="no_answer")
    seed_callback(store_app, day, status="missed", attempts=1, last_outcome="busy")
    seed_callback(store_app, day - timedelta(days=20), status="missed", attempts=1,
                  last_outcome="busy")  # asked for in October
    callbacks = report(store_app, NOV_1, NOV_30)["callbacks"]
    assert callbacks == {"requested": 5, "reached": 3, "in_window": 2, "unreachable": 1,
                         "missed": 1, "attempts": 11,
                         "reached_by_attempts": {"1": 1, "2": 1, "3+": 1},
                         "crisis_kept": 0, "crisis_kept_reached": 0}
    assert report(store_app, NOV_1, NOV_30, "debasis")["callbacks"]["requested"] == 0


def test_no_personal_field_in_the_figures(store_app: Flask) -> None:
    seed(store_app, local("2026-11-10 14:00"), count=6)
    seed_callback(store_app, local("2026-11-10 18:00"), status="done", attempts=1,
                  last_outcome="reached")
    text = json.dumps(suppress_counts(report(store_app, NOV_1, NOV_30)))
    assert not [field for field in PERSONAL if field.lower() in text.lower()]


def seed_waits(app: Flask, at: Any, waits: list[int], *, crisis: bool = False,
               abandoned: bool = False) -> None:
    """Store phone calls that waited these seconds in the police queue, then were answered
    (or hung up)."""
    from sqlmodel import col, select

    from loket.store.db import session_scope
    from loket.store.models import Contact

    seed(app, at, channel="phone", crisis=crisis, count=len(waits))
    with session_scope(app.extensions["loket.engine"]) as session:
        made = session.exec(select(Contact).order_by(col(Contact.id).desc())
                            .limit(len(waits))).all()
        for contact, wait in zip(made, waits, strict=True):
            contact.wait_seconds = wait
            if abandoned:
                contact.outcome, contact.status = "abandoned", "closed"
            else:
                contact.answered_at = at + timedelta(seconds=wait)


def test_service_levels_waits_and_abandoned_calls(store_app: Flask) -> None:
    day = local("2026-11-10 14:00")
    seed_waits(store_app, day, [5, 10, 20, 21, 40, 60, 90, 120, 700, 4000])  # 3 within 20 s
    seed_waits(store_app, day, [10, 25, 30, 31, 45], crisis=True)  # 3 within 30 s
    seed_waits(store_app, day, [15, 30, 60, 90, 300], abandoned=True)
    seed(store_app, day, channel="sms", count=3)  # a text never waits on the phone
    service = report(store_app, NOV_1, NOV_30)["service"]
    assert service["targets_s"] == {"crisis": 30, "other": 20}
    # 3 within the target is shown as "<5": a share beside the counts would give it back.
    assert service["other"] == {"answered": 10, "abandoned": 5, "within_target": 3,
                                "level": None}
    assert service["crisis"] == {"answered": 5, "abandoned": 0, "within_target": 3,
                                 "level": None}
    assert (service["answered"], service["abandoned"], service["within_target"]) == (15, 5, 6)
    assert service["level"] == 0.3
    # Answered waits in order: 5 10 10 20 21 25 30 31 40 45 60 90 120 690 3600(capped).
    assert service["answer_wait_s"] == {"median": 31, "p90": 690}
    assert service["abandon_wait_s"] == {"median": 60, "p90": 300}
    shown = suppress_counts(report(store_app, NOV_1, NOV_30))["service"]
    assert shown["answer_wait_s"] == {"median": 31, "p90": 690}  # seconds are not people
    narrow = report(store_app, NOV_1, NOV_30, "veterans")["service"]
    assert narrow["level"] is None and narrow["answer_wait_s"]["median"] is None


def test_a_share_of_fewer_than_five_calls_is_not_given(store_app: Flask) -> None:
    seed_waits(store_app, local("2026-11-10 14:00"), [5, 10, 15, 40])
    service = report(store_app, NOV_1, NOV_30)["service"]
    assert service["answered"] == 4 and service["level"] is None
    assert service["answer_wait_s"] == {"median": None, "p90": None}
    assert suppress_counts({"service": service})["service"]["answered"] == "<5"


def test_per_day_hour_of_week_and_overflow_by_direction(store_app: Flask) -> None:
    seed(store_app, local("2026-11-02 09:30"), channel="phone", count=2)  # a Monday
    seed(store_app, local("2026-11-08 23:10"), channel="sms", crisis=True)  # a Sunday
    seed(store_app, local("2026-11-08 23:50"), desk="veterans", queue="police",
         flags=("overflow",), count=3)
    seed(store_app, local("2026-11-09 10:00"), desk="police", queue="veterans",
         flags=("overflow",))
    got = report(store_app, NOV_1, NOV_30)
    per_day = got["per_day"]
    assert list(per_day)[0] == "2026-11-01" and list(per_day)[-1] == "2026-11-30"
    assert per_day["2026-11-02"]["total"] == 2 and per_day["2026-11-02"]["phone"] == 2
    assert per_day["2026-11-08"] == {"total": 4, "crisis": 1, "phone": 0, "sms": 4,
                                     "whatsapp": 0, "webchat": 0, "webform": 0}
    assert per_day["2026-11-03"]["total"] == 0
    week = got["by_hour_of_week"]
    assert week[0][9] == 2 and week[6][23] == 4 and week[0][10] == 1
    assert sum(map(sum, week)) == got["contacts"]["total"] == 7
    directions = got["contacts"]["overflow_by_direction"]
    assert directions["veterans>police"] == 3 and directions["police>veterans"] == 1
    assert suppress_counts(got)["by_hour_of_week"][0][9] == "<5"


def test_the_channel_filter(store_app: Flask) -> None:
    day = local("2026-11-10 14:00")
    seed(store_app, day, channel="phone", count=2)
    seed(store_app, day, channel="webchat", count=5)
    got = report_channel(store_app, "webchat")
    assert got["channel"] == "webchat" and got["contacts"]["total"] == 5
    assert got["contacts"]["by_channel"]["phone"] == 0


def report_channel(app: Flask, channel: str) -> dict[str, Any]:
    with read_scope(app.extensions["loket.engine"]) as session:
        return figures(session, NOV_1, NOV_30, None, channel)


def test_callbacks_a_manager_closed_count_as_they_stood_on_the_list(store_app: Flask) -> None:
    from sqlmodel import col, select

    from loket.store.db import session_scope
    from loket.store.models import CallbackRequest

    day = local("2026-11-10 18:00")
    seed_callback(store_app, day, status="unreachable", attempts=3, last_outcome="no_answer")
    seed_callback(store_app, day, status="missed", attempts=0, last_outcome=None)
    seed_callback(store_app, day, status="done", attempts=1, last_outcome="reached")
    with session_scope(store_app.extensions["loket.engine"]) as session:
        rows = session.exec(select(CallbackRequest).order_by(col(CallbackRequest.id))).all()
        rows[1].window_missed_at = day + timedelta(hours=2)
        for row in rows[:2]:
            row.status = "closed"  # what the manager's "close" leaves
    callbacks = report(store_app, NOV_1, NOV_30)["callbacks"]
    assert (callbacks["unreachable"], callbacks["missed"], callbacks["reached"]) == (1, 1, 1)
