"""A callback window is the one the person means, in Amsterdam time across DST: an evening
too nearly gone is tomorrow's, "tomorrow morning" asked in the night is the coming morning,
and the desk names the real day ("morgenavond 18–21 uur"), in Dutch and in English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loket.desk import texts_calls
from loket.domain.callbacks import AMSTERDAM, callback_window


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMSTERDAM)


def window_at(window: str, at: datetime) -> tuple[datetime, datetime]:
    start, end = callback_window(window, at.astimezone(UTC))
    return start.astimezone(AMSTERDAM), end.astimezone(AMSTERDAM)


@pytest.mark.parametrize(
    ("at", "start", "end"),
    [
        (local(2026, 12, 7, 20, 0), local(2026, 12, 7, 20, 0), local(2026, 12, 7, 21, 0)),
        (local(2026, 12, 7, 20, 30), local(2026, 12, 7, 20, 30), local(2026, 12, 7, 21, 0)),
        # Less than half an hour of this evening left: tomorrow evening, the whole of it.
        (local(2026, 12, 7, 20, 31), local(2026, 12, 8, 18, 0), local(2026, 12, 8, 21, 0)),
        (local(2026, 12, 7, 20, 55), local(2026, 12, 8, 18, 0), local(2026, 12, 8, 21, 0)),
        (local(2026, 12, 7, 22, 0), local(2026, 12, 8, 18, 0), local(2026, 12, 8, 21, 0)),
        # The evening before the clocks go forward, and back: still 18–21 in Amsterdam.
        (local(2026, 3, 28, 20, 45), local(2026, 3, 29, 18, 0), local(2026, 3, 29, 21, 0)),
        (local(2026, 10, 24, 20, 45), local(2026, 10, 25, 18, 0), local(2026, 10, 25, 21, 0)),
    ],
)
def test_an_evening_nearly_gone_is_tomorrows_whole_evening(
    at: datetime, start: datetime, end: datetime
) -> None:
    begin, finish = window_at("evening", at)
    assert (begin, finish) == (start, end)
    assert finish - begin >= (end - start)  # never a few minutes only


def test_the_evening_window_is_right_in_utc_across_dst() -> None:
    spring, _ = callback_window("evening", local(2026, 3, 28, 22, 0))
    autumn, _ = callback_window("evening", local(2026, 10, 24, 22, 0))
    assert spring.astimezone(UTC).hour == 16 and autumn.astimezone(UTC).hour == 17


@pytest.mark.parametrize(
    ("at", "day"),
    [
        # In the night, "tomorrow morning" is the morning after it: the same date.
        (local(2026, 12, 7, 0, 30), 7),
        (local(2026, 12, 7, 5, 59), 7),
        (local(2026, 3, 29, 0, 30), 29),  # the night the clocks go forward
        (local(2026, 10, 25, 2, 30), 25),  # the night they go back
        # Once the day has begun it is the next day's morning.
        (local(2026, 12, 7, 6, 0), 8),
        (local(2026, 12, 7, 23, 59), 8),
    ],
)
def test_tomorrow_morning_asked_in_the_night_is_the_coming_morning(
    at: datetime, day: int
) -> None:
    begin, finish = window_at("tomorrow", at)
    assert (begin.day, begin.hour, begin.minute) == (day, 9, 0)
    assert (finish.day, finish.hour, finish.minute) == (day, 12, 0)


@pytest.mark.parametrize(
    ("asked", "now", "window", "nl", "en"),
    [
        (local(2026, 12, 7, 10, 0), local(2026, 12, 7, 10, 5), "evening",
         "vanavond 18–21 uur", "this evening 18–21"),
        (local(2026, 12, 7, 19, 30), local(2026, 12, 7, 19, 31), "evening",
         "vanavond 19:30–21 uur", "this evening 19:30–21"),
        (local(2026, 12, 7, 21, 30), local(2026, 12, 7, 21, 31), "evening",
         "morgenavond 18–21 uur", "tomorrow evening 18–21"),
        (local(2026, 12, 7, 20, 55), local(2026, 12, 7, 20, 56), "evening",
         "morgenavond 18–21 uur", "tomorrow evening 18–21"),
        # Seen the next day, yesterday's "tomorrow evening" is this evening.
        (local(2026, 12, 7, 21, 30), local(2026, 12, 8, 9, 0), "evening",
         "vanavond 18–21 uur", "this evening 18–21"),
        (local(2026, 12, 7, 10, 0), local(2026, 12, 7, 10, 5), "tomorrow",
         "morgenochtend 9–12 uur", "tomorrow morning 9–12"),
        (local(2026, 12, 7, 0, 30), local(2026, 12, 7, 0, 31), "tomorrow",
         "vanochtend 9–12 uur", "this morning 9–12"),
        # Further off, or past: the date.
        (local(2026, 12, 7, 10, 0), local(2026, 12, 9, 8, 0), "evening",
         "7-12-2026 18–21 uur", "7-12-2026 18–21"),
    ],
)
def test_the_desk_names_the_real_day_of_a_window(
    asked: datetime, now: datetime, window: str, nl: str, en: str
) -> None:
    start, end = callback_window(window, asked)
    assert texts_calls.window_label(window, start, end, "nl", now=now) == nl
    assert texts_calls.window_label(window, start, end, "en", now=now) == en


def test_as_soon_as_possible_stays_as_soon_as_possible() -> None:
    now = local(2026, 12, 7, 23, 0)
    start, end = callback_window("asap", now)
    assert texts_calls.window_label("asap", start, end, "nl", now=now) == "zo snel mogelijk"
    assert texts_calls.window_label("asap", start, end, "en", now=now) == "as soon as possible"


@pytest.mark.parametrize(
    ("now", "evening", "morning"),
    [
        (local(2026, 12, 7, 12, 0), "vanavond 18–21 uur", "morgenochtend 9–12 uur"),
        (local(2026, 12, 7, 20, 45), "morgenavond 18–21 uur", "morgenochtend 9–12 uur"),
        (local(2026, 12, 8, 0, 30), "vanavond 18–21 uur", "vanochtend 9–12 uur"),
    ],
)
def test_a_counsellor_planning_a_callback_is_offered_the_real_days(
    now: datetime, evening: str, morning: str
) -> None:
    choices = dict(texts_calls.plan_windows("nl", now=now))
    assert choices == {"asap": "zo snel mogelijk", "evening": evening, "tomorrow": morning}
    assert list(dict(texts_calls.plan_windows("en", now=now))) == ["asap", "evening", "tomorrow"]
