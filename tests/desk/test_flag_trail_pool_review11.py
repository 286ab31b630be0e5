"""A desk's flag on a person is told in the trail of that desk's own contact of the person,
never in another desk's contact the police counsellor may see in the pool: that desk's
manager would read there a flag its counsellors are never shown. Proposed or approved; on
SQLite and PostgreSQL."""

from __future__ import annotations

import re

from flask import Flask

from tests.desk.test_rights_review import REASON
from tests.desk.test_trail import staff
from tests.desk.test_workspace import PHONE, counsellor, post, trail, waiting


def test_a_police_flag_s_approval_is_not_written_in_a_veterans_contact_s_trail(
    store_app: Flask,
) -> None:
    own = waiting(store_app, desk="police", phone=PHONE, seconds_ago=3600)
    setter, _ = counsellor(store_app, desk="police")
    colleague, _ = counsellor(store_app, desk="police")
    assert post(setter, f"/desk/contacts/{own}/flag", flag="abusive",
                reason=REASON).status_code == 303
    # The same person later contacts the veterans desk at night: its contact waits in the
    # pool (the police serve it too, for now).
    theirs = waiting(store_app, desk="veterans", queue="pool", phone=PHONE)
    page = colleague.get("/desk").get_data(as_text=True)
    found = re.search(r"/desk/flags/(\d+)/approve", page)
    assert found
    assert post(colleague, found.group(0)).status_code == 303
    # The veterans counsellors are never shown the police desk's flag on their contact ...
    veterans, _ = counsellor(store_app, desk="veterans")
    assert "badge--person" not in veterans.get(f"/desk/contacts/{theirs}").get_data(
        as_text=True)
    # ... nor may their manager read of it in their contact's trail.
    events = [event for event, _ in trail(store_app, theirs)]
    boss, _ = staff(store_app, "manager", "veterans")
    lines = boss.get(f"/desk/contacts/{theirs}/trail").get_data(as_text=True)
    assert "flag-approve" not in events, lines[lines.find("<tbody>"):][:1500]


def test_a_police_flag_proposed_from_a_pooled_veterans_contact_stays_out_of_its_trail(
    store_app: Flask,
) -> None:
    # The same root: a police counsellor serving a veterans contact in the pool proposes a
    # (police) flag on its person; the veterans desk is never shown that flag, but its
    # manager reads "flag abusive proposed" by the police counsellor in the contact's trail.
    theirs = waiting(store_app, desk="veterans", queue="pool", phone=PHONE)
    setter, _ = counsellor(store_app, desk="police")
    assert post(setter, f"/desk/contacts/{theirs}/flag", flag="abusive",
                reason=REASON).status_code == 303
    veterans, _ = counsellor(store_app, desk="veterans")
    assert "badge--person" not in veterans.get(f"/desk/contacts/{theirs}").get_data(
        as_text=True)
    assert "flag" not in [event for event, _ in trail(store_app, theirs)]
