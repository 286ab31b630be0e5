"""Support around a case, from a review: what the desk's manager is shown of a flag waiting
for approval (never the counsellor's free-text reason: it may hold a name, a number, what the
person said); help on a case closed or transferred away; a help request or flag a colleague
answered a moment before; how help and flags read in a contact's trail, a page at a time.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask
from sqlmodel import select

from loket.desk.trail import PER_PAGE
from loket.domain import audit
from loket.store.db import session_scope
from loket.store.models import Contact
from tests.desk.test_support import REASON, manager_of
from tests.desk.test_workspace import act, counsellor, engine_of, post, waiting

PERSONAL = "Jan de Vries 06-12345678 zei dat hij het niet meer ziet zitten"


def test_a_manager_approving_a_flag_is_not_shown_the_counsellor_s_reason(
    store_app: Flask,
) -> None:
    reference = waiting(store_app)
    setter, _ = counsellor(store_app)
    colleague, _ = counsellor(store_app)
    post(setter, f"/desk/contacts/{reference}/flag", flag="abusive", reason=PERSONAL)
    police = manager_of(store_app, "police")
    page = police.get("/desk/manager").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "grensoverschrijdend" in page and reference in page  # what, on which case
    assert "/desk/flags/" in page  # still theirs to approve
    assert "Jan de Vries" not in page and "06-12345678" not in page
    english = police.get("/desk/manager?lang=en").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "abusive on" in english and "Jan de Vries" not in english
    # The colleague who may read the case reads the reason before approving.
    assert PERSONAL in colleague.get("/desk").get_data(as_text=True)


def test_help_and_flags_are_named_in_the_trail_in_dutch_and_english(store_app: Flask) -> None:
    reference = waiting(store_app)
    anouk, _ = counsellor(store_app)
    colleague, _ = counsellor(store_app)
    act(anouk, reference, "claim")
    post(anouk, f"/desk/contacts/{reference}/help")
    post(anouk, f"/desk/contacts/{reference}/flag", flag="frequent", reason=REASON)
    page = colleague.get("/desk").get_data(as_text=True)
    flag_id = page.split("/desk/flags/")[1].split("/")[0]
    assert post(colleague, f"/desk/flags/{flag_id}/approve").status_code == 303
    police = manager_of(store_app, "police")
    manager_page = police.get("/desk/manager").get_data(as_text=True)  # type: ignore[attr-defined]
    help_id = manager_page.split("/desk/help/")[1].split("/")[0]
    token = manager_page.split('name="csrf_token" value="')[1].split('"')[0]
    police.post(f"/desk/help/{help_id}/resolve", data={"csrf_token": token})  # type: ignore[attr-defined]
    dutch = police.get(f"/desk/contacts/{reference}/trail").get_data(as_text=True)  # type: ignore[attr-defined]
    cells = [row.split("</td>")[1].split("<td>")[-1] for row in dutch.split("<tr>")[2:]]
    for raw in ("help", "help-done", "flag", "flag-approve"):
        assert raw not in cells, cells
    assert "Ondersteuning gevraagd" in cells and "Kenmerk goedgekeurd" in cells
    english = police.get(f"/desk/contacts/{reference}/trail?lang=en").get_data(as_text=True)  # type: ignore[attr-defined]
    assert "Support asked" in english and "Flag approved" in english


def manager_post(client: object, path: str) -> object:
    page = client.get("/desk/manager").get_data(as_text=True)  # type: ignore[attr-defined]
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post(path, data={"csrf_token": token})  # type: ignore[attr-defined]


def test_help_on_a_case_transferred_away_goes_from_the_desk_and_its_manager(
    store_app: Flask,
) -> None:
    reference = waiting(store_app)
    anouk, _ = counsellor(store_app, display_name="Anouk")
    act(anouk, reference, "claim")
    post(anouk, f"/desk/contacts/{reference}/help")
    police = manager_of(store_app, "police")
    line = f"Anouk vraagt ondersteuning bij {reference}"
    assert line in police.get("/desk/manager").get_data(as_text=True)  # type: ignore[attr-defined]
    act(anouk, reference, "transfer", desk="veterans",
        note="Wil praten met iemand van de veteranendesk.")
    # The case is the veterans' now: nothing more of it for the police desk's manager,
    # nor a way to listen in on its call.
    assert line not in police.get("/desk/manager").get_data(as_text=True)  # type: ignore[attr-defined]
    listen = manager_post(police, f"/desk/manager/listen/{reference}")
    assert listen.status_code == 404  # type: ignore[attr-defined]


def test_help_on_a_closed_case_is_no_longer_asked(store_app: Flask) -> None:
    reference = waiting(store_app)
    anouk, _ = counsellor(store_app, display_name="Anouk")
    colleague, _ = counsellor(store_app)
    act(anouk, reference, "claim")
    post(anouk, f"/desk/contacts/{reference}/help")
    act(anouk, reference, "close", outcome="referred", contact_type="conversation",
        note="Doorverwezen naar de huisarts.")
    line = f"Anouk vraagt ondersteuning bij {reference}"
    police = manager_of(store_app, "police")
    assert line not in police.get("/desk/manager").get_data(as_text=True)  # type: ignore[attr-defined]
    assert line not in colleague.get("/desk/queue/rows").get_data(as_text=True)


def test_answering_help_a_colleague_just_answered_says_so_not_a_404(store_app: Flask) -> None:
    reference = waiting(store_app)
    anouk, _ = counsellor(store_app, display_name="Anouk")
    act(anouk, reference, "claim")
    post(anouk, f"/desk/contacts/{reference}/help")
    first, second = manager_of(store_app, "police"), manager_of(store_app, "police")
    page = first.get("/desk/manager").get_data(as_text=True)  # type: ignore[attr-defined]
    help_id = page.split("/desk/help/")[1].split("/")[0]
    assert manager_post(first, f"/desk/help/{help_id}/resolve").status_code == 303  # type: ignore[attr-defined]
    late = manager_post(second, f"/desk/help/{help_id}/resolve")
    assert late.status_code == 303  # type: ignore[attr-defined]
    said = second.get(late.location).get_data(as_text=True)  # type: ignore[attr-defined]
    assert "al opgepakt" in said
    # Another desk's manager still finds nothing there.
    assert manager_post(manager_of(store_app, "veterans"),
                        f"/desk/help/{help_id}/resolve").status_code == 404  # type: ignore[attr-defined]


def test_approving_a_flag_a_colleague_just_approved_says_so_not_a_404(
    store_app: Flask,
) -> None:
    reference = waiting(store_app)
    setter, _ = counsellor(store_app)
    one, _ = counsellor(store_app)
    two, _ = counsellor(store_app)
    post(setter, f"/desk/contacts/{reference}/flag", flag="frequent", reason=REASON)
    page = two.get("/desk").get_data(as_text=True)
    flag_id = page.split("/desk/flags/")[1].split("/")[0]
    assert post(one, f"/desk/flags/{flag_id}/approve").status_code == 303
    late = post(two, f"/desk/flags/{flag_id}/approve")
    assert late.status_code == 303
    assert "al goedgekeurd" in two.get(late.location).get_data(as_text=True)
    veterans, _ = counsellor(store_app, desk="veterans")
    assert post(veterans, f"/desk/flags/{flag_id}/approve").status_code == 404


def test_a_long_trail_is_shown_a_page_at_a_time(store_app: Flask) -> None:
    reference = waiting(store_app)
    with session_scope(engine_of(store_app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        for n in range(PER_PAGE + 20):
            audit.record(session=session, event="read", contact=contact,
                         detail=f"line-{n:04d}.")
    police = manager_of(store_app, "police")
    first = police.get(f"/desk/contacts/{reference}/trail").get_data(as_text=True)  # type: ignore[attr-defined]
    assert first.count("<tr>") == PER_PAGE + 1  # the header and a page of lines
    assert "line-0000." in first and f"line-{PER_PAGE + 19:04d}." not in first
    assert "?page=2" in first and "Volgende" in first
    second = police.get(f"/desk/contacts/{reference}/trail?page=2").get_data(as_text=True)  # type: ignore[attr-defined]
    assert f"line-{PER_PAGE + 19:04d}." in second and "line-0000." not in second
    assert "Vorige" in second
    english = police.get(f"/desk/contacts/{reference}/trail?page=2&lang=en").get_data(  # type: ignore[attr-defined]
        as_text=True)
    assert "Previous" in english
    # A page past the end, or no number, is the nearest page, not an error.
    assert police.get(f"/desk/contacts/{reference}/trail?page=99").status_code == 200  # type: ignore[attr-defined]
    assert police.get(f"/desk/contacts/{reference}/trail?page=x").status_code == 200  # type: ignore[attr-defined]
