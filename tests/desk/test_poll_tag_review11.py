"""The queue poll's tag tells nothing of another desk's work: a flag a desk approves on a
person none of this queue's contacts is about, or one of no concern to this desk, leaves this
desk's poll answering 304; a flag the rows show changes it. So does a colleague's help
request on another desk's case opened in an emergency, which the rows never show. On SQLite
and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.desk.test_flags_help_review7 import BADGE, EMERGENCY, approved_flag
from tests.desk.test_workspace import counsellor, post, waiting


def poll(client: FlaskClient, tag: str | None = None) -> tuple[int, str]:
    headers = {"If-None-Match": f'"{tag}"'} if tag else {}
    response = client.get("/desk/queue/rows", headers=headers)
    return response.status_code, response.headers["ETag"].strip('"')


def test_another_desk_s_flag_leaves_the_poll_unchanged(store_app: Flask) -> None:
    veterans_ref = waiting(store_app, desk="veterans", phone="+31687654321")
    basis_ref = waiting(store_app, desk="debasis", phone="+31611111111")
    police_ref = waiting(store_app, desk="police")
    police, _ = counsellor(store_app, desk="police")
    status, tag = poll(police)
    assert status == 200
    # The veterans flag their own caller, De Basis theirs: neither is in the police queue.
    approved_flag(store_app, veterans_ref, "veterans", "abusive")
    approved_flag(store_app, basis_ref, "debasis", "frequent")
    assert poll(police, tag) == (304, tag)
    # A police flag on the person of the police contact shows in its row: a new answer.
    approved_flag(store_app, police_ref, "police", "abusive")
    status, changed = poll(police, tag)
    assert status == 200 and changed != tag
    assert BADGE in police.get("/desk/queue/rows").get_data(as_text=True)


def test_a_flag_of_another_desk_on_the_same_person_stays_that_desk_s(store_app: Flask) -> None:
    # De Basis flags a person who also waits in the police queue: the police rows do not
    # show it (`support.flags_shown`), so the police poll does not change on it either.
    police_ref = waiting(store_app, desk="police")
    basis_ref = waiting(store_app, desk="debasis")  # the same person (the same number)
    police, _ = counsellor(store_app, desk="police")
    basis, _ = counsellor(store_app, desk="debasis")
    _, police_tag = poll(police)
    _, basis_tag = poll(basis)
    approved_flag(store_app, basis_ref, "debasis", "frequent")
    assert poll(police, police_tag) == (304, police_tag)
    rows = police.get("/desk/queue/rows").get_data(as_text=True)
    assert police_ref in rows and BADGE not in rows
    assert poll(basis, basis_tag)[0] == 200


def test_a_colleague_s_help_request_on_another_desk_s_case_leaves_the_poll_unchanged(
    store_app: Flask,
) -> None:
    waiting(store_app, desk="police")
    veterans_ref = waiting(store_app, desk="veterans", phone="+31687654321")
    opener, _ = counsellor(store_app, desk="police")
    colleague, _ = counsellor(store_app, desk="police")
    assert post(opener, "/desk/break-glass", reference=veterans_ref,
                reason=EMERGENCY).status_code == 303
    status, tag = poll(colleague)
    assert status == 200
    assert poll(colleague, tag) == (304, tag)
    # The opener asks the police desk for help on the veterans' case.
    assert post(opener, f"/desk/contacts/{veterans_ref}/help").status_code == 303
    after = colleague.get("/desk/queue/rows").get_data(as_text=True)
    assert veterans_ref not in after  # the rows show the colleague nothing of it ...
    # ... so neither may the tag change: it tells the colleague that something happened
    # on a case they may not see (another desk's, opened in an emergency), and when.
    assert poll(colleague, tag) == (304, tag)


def test_a_colleague_s_help_request_on_the_desk_s_own_case_changes_the_poll(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="police")
    asker, _ = counsellor(store_app, desk="police")
    colleague, _ = counsellor(store_app, desk="police")
    _, tag = poll(colleague)
    assert post(asker, f"/desk/contacts/{reference}/help").status_code == 303
    status, changed = poll(colleague, tag)
    assert status == 200 and changed != tag
