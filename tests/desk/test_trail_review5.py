"""A contact's audit trail, from a review: the Detail column reads in the reader's language
(Dutch by default, English), the stored English lines unchanged; a reference typed in
lower case finds its trail. Store-touching tests run on SQLite and PostgreSQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, col, select

import loket
from loket.desk.trail_words import detail_text, reason_text
from loket.domain import audit
from loket.store.db import session_scope
from loket.store.models import AuditEvent, Contact
from tests.desk.test_trail import staff
from tests.desk.test_workspace import act, counsellor, waiting


def stored_details(app: Flask, reference: str) -> list[str]:
    with Session(app.extensions["loket.engine"]) as session:
        return list(session.exec(
            select(AuditEvent.detail).where(AuditEvent.contact_reference == reference)
            .order_by(col(AuditEvent.id))).all())


def test_the_detail_column_reads_in_dutch_and_english_as_stored_in_english(
    store_app: Flask,
) -> None:
    reference = waiting(store_app)
    with session_scope(store_app.extensions["loket.engine"]) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        audit.record(session=session, event="create", contact=contact, actor="person",
                     detail="channel=sms")  # as the intake writes it
    anouk, _ = counsellor(store_app, display_name="Anouk")
    act(anouk, reference, "claim")
    act(anouk, reference, "risk", risk="concern")
    act(anouk, reference, "close", outcome="referred", contact_type="conversation",
        note="Doorverwezen naar de huisarts.")
    manager, _ = staff(store_app, "manager", "police")
    page = manager.get(f"/desk/contacts/{reference}/trail").get_data(as_text=True)
    for dutch in ("Kanaal: sms", "Opgepakt", "Risico: Geen → Zorg",
                  "Afgesloten, uitkomst: Doorverwezen"):
        assert f"<td>{dutch}</td>" in page
    for english in ("channel=sms", "claimed", "risk none -> concern", "outcome=referred"):
        assert english not in page
    english = manager.get(f"/desk/contacts/{reference}/trail?lang=en").get_data(as_text=True)
    for line in ("Channel: SMS", "Claimed", "Risk: None → Concern", "Closed, outcome: Referred"):
        assert f"<td>{line}</td>" in english
    # What is stored stays as written (NEN 7513: a log line is never changed).
    details = stored_details(store_app, reference)
    assert "channel=sms" in details and "closed outcome=referred" in details


@pytest.mark.parametrize("stored", [
    "channel=webchat", "routed desk=veterans queue=pool", "released",
    "released: the counsellor logged out", "transferred desk=debasis",
    "call answered by a counsellor",
    "call abandoned: a crisis, kept open to be called back at once",
    "released: call ended (no-answer): found by asking Twilio before being joined",
    "note kind=close", "person continuity opt-out=True", "number and e-mail shown",
    "asked the desk for support", "help request 12 answered",
    "flag abusive proposed for 30 days", "flag frequent approved",
    "emergency access for 60 min", "break-glass 3 reviewed", "api break-glass",
    "escalation step=2 (crisis unclaimed)",
    "personal data erased on request (with K7M-4Q2); 1 callback(s) still to make cancelled",
    "personal data erased at the person's request; taken out of the queues (it was open)",
    "callback attempt=2 outcome=no_answer status=pending",
    "callback planned window=evening personal=False",
    "callback back to the desk: your phone did not confirm",
    "personal callback handed to the desk: the counsellor's account was disabled",
    "warm transfer desk=veterans on the live call", "listening in (coaching the counsellor)",
    "released: not joined: the counsellor had left",
])
def test_each_detail_the_code_writes_has_its_dutch(stored: str) -> None:
    dutch, english = detail_text(stored, "nl"), detail_text(stored, "en")
    assert dutch != stored and english != stored
    assert "=" not in dutch and "the " not in dutch


# Calls whose `reason=` ends up in a detail ("released: <reason>", "... to the desk: <reason>").
REASON_CALLS = {"put_back", "release_all_held", "release_held", "back_to_desk",
                "hand_over_promises", "caller_back_in_queue"}


def written(node: ast.expr, constants: dict[str, str]) -> str | None:
    """Return a detail or reason as the code writes it, each value in it as `1`; None for
    one the code computes."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(part.value) if isinstance(part, ast.Constant) else "1"
                       for part in node.values)
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    return None


def written_by_the_code() -> list[tuple[str, str, str]]:
    """Return every detail and reason written in the code as a literal: (kind, where, text).
    The admin's lines on a user ("user=..."), never on a contact's trail, are left out."""
    found = []
    for path in sorted(Path(loket.__file__).parent.rglob("*.py")):
        if "cli" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {node.targets[0].id: node.value.value for node in tree.body
                     if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                     and isinstance(node.value, ast.Constant)
                     and isinstance(node.value.value, str)}
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            name = (call.func.attr if isinstance(call.func, ast.Attribute)
                    else getattr(call.func, "id", ""))
            for keyword in call.keywords:
                kind = ("detail" if keyword.arg == "detail" else
                        "reason" if keyword.arg == "reason" and name in REASON_CALLS else None)
                text = written(keyword.value, constants) if kind else None
                if kind and text and not text.startswith("user="):
                    found.append((kind, f"{path.name}:{call.lineno}", text))
    return found


def test_every_detail_and_reason_the_code_writes_has_its_dutch() -> None:
    found = written_by_the_code()
    assert len(found) > 40  # the scan sees the code
    untranslated = [(where, text) for kind, where, text in found
                    if (detail_text if kind == "detail" else reason_text)(text, "nl") == text]
    assert not untranslated


def test_a_detail_without_a_translation_is_shown_as_stored() -> None:
    assert detail_text("something new", "nl") == "something new"
    assert detail_text("", "nl") == ""


def test_a_reference_in_lower_case_finds_its_trail(store_app: Flask) -> None:
    reference = waiting(store_app)
    manager, _ = staff(store_app, "manager", "police")
    answer = manager.get(f"/desk/contacts/{reference.lower()}/trail", follow_redirects=True)
    assert answer.status_code == 200
    assert f"Logboek van contact {reference}" in answer.get_data(as_text=True)
    looked_up = manager.get(f"/desk/trail?reference=%20{reference.lower()}%20",
                            follow_redirects=True)
    assert f"Logboek van contact {reference}" in looked_up.get_data(as_text=True)
    # Another desk's manager still gets the 404 of no contact at all, in any case.
    other, _ = staff(store_app, "manager", "veterans")
    assert other.get(f"/desk/contacts/{reference.lower()}/trail",
                     follow_redirects=True).status_code == 404
    # The page and the language asked go along; nothing else.
    moved = manager.get(f"/desk/contacts/{reference.lower()}/trail?page=2&x=1&lang=en")
    assert moved.location.endswith(f"/desk/contacts/{reference}/trail?page=2&lang=en")
