"""The capacity plan: the pool is never staffed with fewer counsellors than one of its desks
needs alone in that hour (one queue of the two desks' mean handle time let many short
contacts hide the other desk's long conversations: 3 for a pool holding police's load that
alone needs 4). And `loket capacity` asks for what the page asks for: a target of 1 to
600 s and a level of 50% to 99% (it took 0 s and 99.9999%, and then said one counsellor
fewer gives the same 100%)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from loket.cli import main
from loket.reports.capacity import counsellors_needed
from loket.reports.plan import HOURS_PER_WEEK, POOLED_HOURS, Observed, staff

SATURDAY_03 = 5 * 24 + 3  # a pooled hour of the default rules


def test_the_pool_is_never_smaller_than_one_of_its_desks_alone() -> None:
    # Police: 3 conversations an hour of 30 minutes (five handled in the hour, for an hour's
    # own handle time); veterans: 100 short contacts of 5 s.
    load = Observed(weeks=1, occurred=[1] * HOURS_PER_WEEK)
    load.add("police", SATURDAY_03, 3, 5 * 1800.0, 5)
    load.add("veterans", SATURDAY_03, 100, 100 * 5.0, 100)
    assert SATURDAY_03 in POOLED_HOURS
    police_alone = counsellors_needed(3, 1800, 20, 0.8, max_occupancy=0.85)
    made = staff(load, 20, 0.8, max_occupancy=0.85)
    assert made["separate"]["police"][SATURDAY_03] == police_alone == 4
    # The pool serves the same police conversations: it cannot need fewer people.
    assert made["pooled"]["pool"][SATURDAY_03] >= police_alone


@pytest.mark.parametrize(("args", "named"), [
    (["--target", "0"], "--target"),
    (["--target", "601"], "--target"),
    (["--level", "0.999999"], "--level"),
    (["--level", "0.4"], "--level"),
])
def test_capacity_refuses_what_the_page_refuses(args: list[str], named: str) -> None:
    result = CliRunner().invoke(main, ["capacity", "--calls-per-hour", "10", "--aht", "300",
                                       *args, "--lang", "en"])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1].startswith(f"error: {named}: give a number")
