"""A contact's form: the risk field (raising it routes again), the configured outcomes and
categories, canned replies, and drafts that survive a lost connection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, select

from loket.config import ConfigError, load_settings
from loket.store.models import Draft, Message
from tests.desk.test_workspace import act, counsellor, engine_of, stored, trail, waiting


def test_raising_the_risk_to_acute_makes_it_an_urgent_crisis_and_says_so(
    store_app: Flask,
) -> None:
    reference = waiting(store_app)
    client, user = counsellor(store_app)
    act(client, reference, "claim")
    raised = act(client, reference, "risk", risk="acute")
    page = client.get(raised.location).get_data(as_text=True)
    assert "opnieuw gerouteerd" in page
    contact = stored(store_app, reference)
    assert (contact.risk, contact.priority, contact.crisis) == ("acute", "urgent", True)
    assert contact.assigned_user_id == user.id  # the counsellor keeps it
    assert any(event == "update" for event, _ in trail(store_app, reference))
    lowered = act(client, reference, "risk", risk="none")
    assert "Risico vastgelegd." in client.get(lowered.location).get_data(as_text=True)
    assert stored(store_app, reference).priority == "urgent"  # lowering never demotes
    bad = act(client, reference, "risk", risk="high")
    assert "Kies een risico." in client.get(bad.location).get_data(as_text=True)


def test_closing_counts_categories_from_the_list_only(store_app: Flask) -> None:
    reference = waiting(store_app)
    client, _ = counsellor(store_app)
    act(client, reference, "claim")
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert 'value="psychological/trauma"' in page and "Gedachten aan zelfdoding" in page
    wrong = client.post(f"/desk/contacts/{reference}/close", data={
        "csrf_token": page.split('name="csrf_token" value="')[1].split('"')[0],
        "outcome": "helped", "categories": ["psychological/trauma", "free text"]})
    assert "Kies onderwerpen uit de lijst." in client.get(wrong.location).get_data(True)
    assert stored(store_app, reference).status == "in_progress"
    client.post(f"/desk/contacts/{reference}/close", data={
        "csrf_token": page.split('name="csrf_token" value="')[1].split('"')[0],
        "outcome": "helped", "categories": ["psychological/trauma", "practical/work"]})
    contact = stored(store_app, reference)
    assert contact.status == "closed"
    assert contact.categories == ["practical/work", "psychological/trauma"]


def test_a_canned_reply_is_sent_without_javascript_with_the_counsellor_s_name(
    app: Flask,
) -> None:
    reference = waiting(app)
    client, _ = counsellor(app, display_name="Sam")
    act(client, reference, "claim")
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert 'value="all/113"' in page and 'value="police/bedrijfsmaatschappelijk"' in page
    assert "veteranenloket" not in page  # another desk's canned reply
    act(client, reference, "reply", text="", canned="all/opening")
    with Session(engine_of(app)) as session:
        [message] = session.exec(select(Message).where(Message.direction == "out")).all()
    assert message.body.startswith("Hallo, je spreekt met Sam.")
    # On an English page the choices read in English; what goes into the box, and to the
    # person, is in the person's language (Dutch here).
    english = client.get(f"/desk/contacts/{reference}?lang=en").get_data(as_text=True)
    assert ">Are you thinking about suicide?" in english
    assert 'data-text="Denk je aan zelfdoding?' in english


def test_a_draft_is_kept_shown_again_and_forgotten_once_sent(store_app: Flask) -> None:
    reference = waiting(store_app)
    client, _ = counsellor(store_app)
    act(client, reference, "claim")
    saved = act(client, reference, "draft", kind="reply", body="Ik begrijp dat het zwaar")
    assert saved.status_code == 204
    with engine_of(store_app).connect() as conn:
        from sqlalchemy import text

        assert "zwaar" not in str(conn.execute(text("SELECT body FROM draft")).scalar_one())
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert ">Ik begrijp dat het zwaar</textarea>" in page
    assert act(client, reference, "draft", kind="poem", body="x").status_code == 303
    act(client, reference, "reply", text="Ik begrijp dat het zwaar is.")
    with Session(engine_of(store_app)) as session:
        assert session.exec(select(Draft)).all() == []


def test_a_broken_lists_file_stops_the_start_naming_the_entry(
    tmp_path: Path, make_app: Callable[..., Flask]
) -> None:
    lists = tmp_path / "lists.toml"
    lists.write_text('[[outcomes]]\nkey = "helped"\nnl = "Geholpen"\n')
    with pytest.raises(ConfigError, match=r"LOKET_WORKSPACE_LISTS: .*outcomes\[0\]\.en"):
        load_settings({"workspace_lists": str(lists)})
    lists.write_text('[[outcomes]]\nkey = "done"\nnl = "Klaar"\nen = "Done"\n')
    app = make_app(workspace_lists=str(lists))
    reference = waiting(app)
    client, _ = counsellor(app)
    act(client, reference, "claim")
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)
    assert '<option value="done">Klaar</option>' in page
    act(client, reference, "close", outcome="helped")
    assert stored(app, reference).status == "in_progress"
    act(client, reference, "close", outcome="done")
    assert stored(app, reference).outcome == "done"
