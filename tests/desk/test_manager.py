"""The manager's page: the live state of their desk and the pool, and nothing personal."""

from __future__ import annotations

from flask import Flask

from tests.desk.helpers import log_in, make_user
from tests.desk.test_workspace import PHONE, act, counsellor, waiting


def test_a_manager_sees_waiting_crisis_counsellors_and_overflow_but_no_person(
    store_app: Flask,
) -> None:
    first = waiting(store_app, seconds_ago=125)
    crisis = waiting(store_app, crisis=True, seconds_ago=20)
    to_veterans = waiting(store_app, desk="police", queue="veterans", flags=("overflow",))
    waiting(store_app, desk="veterans")  # another desk's: not counted here
    client, _ = counsellor(store_app)
    act(client, first, "claim")
    manager = store_app.test_client()
    log_in(manager, store_app, make_user(store_app, role="manager", desk="police"))
    page = manager.get("/desk/manager").get_data(as_text=True)
    police = page[page.index('id="desk-police"'):]
    row = police.split('<th scope="row">')[1].split("</tr>")[0]
    cells = row.split("<td>")[1:]
    assert cells[0].startswith("1<") and cells[2].startswith("1<")  # waiting 1, crisis 1
    assert cells[3].startswith("1<")  # one in progress
    assert "Bezet: 1" in page  # the counsellor who claimed is busy
    assert "1 naar een andere desk" in page
    for secret in (first, crisis, to_veterans, PHONE, "56 78"):
        assert secret not in page
    assert "Veteranenloket</h2>" not in page  # only their own desk


def test_the_manager_page_is_for_managers(app: Flask) -> None:
    client, _ = counsellor(app)
    assert client.get("/desk/manager").status_code == 403
    admin = app.test_client()
    log_in(admin, app, make_user(app, role="admin"))
    assert admin.get("/desk/manager").status_code == 403
