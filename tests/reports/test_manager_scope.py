"""What a desk manager's figures count (DESIGN.md "Who sees what": the manager of desk D
sees the counts, waits and outcomes of D and the pool): the contacts D owns, those D's
queue served (another desk's overflow to D), and, for police and veterans, who serve the
night and weekend pool together, every contact of the pool. De Basis serves no pool. The
report and `access.can(…, "count")` say the same."""

from __future__ import annotations

from flask import Flask

from loket.domain.access import can
from loket.store.models import Contact, User
from tests.reports.seed import local, seed
from tests.reports.test_volumes import NOV_1, NOV_30, report


def seeded(app: Flask) -> None:
    day = local("2026-11-10 14:00")
    seed(app, day, desk="police", count=6)
    seed(app, local("2026-11-10 23:30"), desk="veterans", queue="pool", flags=("pooled",),
         count=7)
    seed(app, day, desk="veterans", queue="police", flags=("overflow",), count=8)
    seed(app, day, desk="veterans", count=9)
    seed(app, day, desk="debasis", count=10)


def test_a_desk_manager_s_figures_are_their_desk_and_the_pool(store_app: Flask) -> None:
    seeded(store_app)
    police = report(store_app, NOV_1, NOV_30, "police")["contacts"]
    assert police["total"] == 6 + 7 + 8  # own, the pool, the veterans' overflow it served
    assert police["by_queue"] == {"police": 14, "veterans": 0, "debasis": 0, "pool": 7}
    veterans = report(store_app, NOV_1, NOV_30, "veterans")["contacts"]
    assert veterans["total"] == 7 + 8 + 9  # all its own (the pool's among them)
    debasis = report(store_app, NOV_1, NOV_30, "debasis")["contacts"]
    assert debasis["total"] == 10 and debasis["by_queue"]["pool"] == 0
    assert report(store_app, NOV_1, NOV_30)["contacts"]["total"] == 40


def manager(desk: str) -> User:
    return User(email=f"m@{desk}.test", name="M", role="manager", desk=desk, active=True,
                password_hash="-")


def contact(desk: str, queue: str) -> Contact:
    return Contact(reference="K7M-4Q2", channel="sms", desk=desk, queue=queue)


def test_the_rights_say_what_the_report_counts() -> None:
    police, debasis = manager("police"), manager("debasis")
    assert can(police, "count", contact("veterans", "pool"))
    assert can(police, "count", contact("veterans", "police"))  # overflow it served
    assert not can(police, "count", contact("veterans", "veterans"))
    assert can(debasis, "count", contact("debasis", "debasis"))
    assert not can(debasis, "count", contact("veterans", "pool"))  # De Basis serves no pool
