"""From a review: a desk's flag on a person is shown only where that desk may know of the
person anyway (on its own contacts and to its own counsellors), never on another desk's
contact of the same person; a help request is not there for anyone not shown it (a
colleague who may not see the case, a manager of a case transferred away): 404 as for an
id that does not exist, and nothing changed. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlmodel import Session, col, select

from loket.domain import support
from loket.store.models import AuditEvent, Contact, HelpRequest, PersonFlag, User
from loket.store.types import utcnow
from tests.desk.helpers import make_user
from tests.desk.test_support import REASON, manager_of
from tests.desk.test_support_review5 import manager_post
from tests.desk.test_workspace import act, counsellor, engine_of, post, waiting

BADGE = "badge badge--person"
EMERGENCY = "Acuut gevaar, de eigen desk is onbereikbaar"


def approved_flag(app: Flask, reference: str, desk: str, flag: str) -> None:
    """Store an approved flag of a desk on the person behind a contact."""
    setter = make_user(app, role="counsellor", desk=desk)
    with Session(engine_of(app)) as session:
        phone_hash = session.exec(
            select(Contact.phone_hash).where(Contact.reference == reference)).one()
        now = utcnow()
        assert phone_hash is not None and setter.id is not None
        session.add(PersonFlag(phone_hash=phone_hash, flag=flag, desk=desk, reason=REASON,
                               set_by=setter.id, approved_by=setter.id, approved_at=now,
                               expires_at=now + timedelta(days=30)))
        session.commit()


def test_a_police_flag_shows_on_police_pages_only_not_on_de_basis_s_contact_of_the_person(
    store_app: Flask,
) -> None:
    police_ref = waiting(store_app, desk="police")
    basis_ref = waiting(store_app, desk="debasis")  # the same person (the same number)
    setter, _ = counsellor(store_app, desk="police")
    colleague, _ = counsellor(store_app, desk="police")
    basis, _ = counsellor(store_app, desk="debasis")
    post(setter, f"/desk/contacts/{police_ref}/flag", flag="abusive", reason=REASON)
    with Session(engine_of(store_app)) as session:
        flag_id = session.exec(select(PersonFlag.id)).one()
    assert post(colleague, f"/desk/flags/{flag_id}/approve").status_code == 303
    # The police desk sees its flag, in the queue and on the page ...
    assert BADGE in setter.get(f"/desk/contacts/{police_ref}").get_data(as_text=True)
    assert BADGE in colleague.get("/desk/queue/rows").get_data(as_text=True)
    # ... De Basis, which may not see the police contact, learns nothing of it.
    assert basis.get(f"/desk/contacts/{police_ref}").status_code == 404
    rows = basis.get("/desk/queue/rows").get_data(as_text=True)
    page = basis.get(f"/desk/contacts/{basis_ref}").get_data(as_text=True)
    assert basis_ref in rows and BADGE not in rows
    assert BADGE not in page


def test_a_contact_shows_the_flags_of_its_own_desk_and_of_the_reader_s_desk(
    store_app: Flask,
) -> None:
    police_own = waiting(store_app, desk="police")
    veterans_pooled = waiting(store_app, desk="veterans", queue="pool")
    police_overflow = waiting(store_app, desk="police", queue="debasis")
    basis_own = waiting(store_app, desk="debasis")
    other_person = waiting(store_app, desk="police", phone="+31687654321")
    approved_flag(store_app, police_own, "police", "abusive")
    approved_flag(store_app, basis_own, "debasis", "frequent")
    references = [police_own, veterans_pooled, police_overflow, basis_own, other_person]

    def shown(user: User) -> dict[str, tuple[str, ...]]:
        with Session(engine_of(store_app)) as session:
            return support.flags_shown(session=session, viewer=user, references=references)

    police = make_user(store_app, role="counsellor", desk="police")
    basis = make_user(store_app, role="counsellor", desk="debasis")
    veterans = make_user(store_app, role="counsellor", desk="veterans")
    # The police's own flag on its own contacts and on the veterans' pool contact it serves;
    # never De Basis's, nor the flag of another person.
    assert shown(police) == {police_own: ("abusive",), veterans_pooled: ("abusive",),
                             police_overflow: ("abusive",)}
    # De Basis: on the police contact it serves by overflow, the owning desk's flag and its
    # own; on its own contact its own only; the police's own contact it may not read.
    assert shown(basis) == {police_overflow: ("abusive", "frequent"),
                            basis_own: ("frequent",)}
    # The veterans' own contact of the person: neither the police's nor De Basis's flag.
    assert shown(veterans) == {}
    assert shown(make_user(store_app, role="manager", desk="police")) == {}


def test_a_colleague_who_cannot_see_the_case_finds_no_help_request_to_resolve(
    store_app: Flask,
) -> None:
    reference = waiting(store_app, desk="veterans")
    opener, _ = counsellor(store_app, desk="police")
    colleague, colleague_user = counsellor(store_app, desk="police")
    assert post(opener, "/desk/break-glass", reference=reference,
                reason=EMERGENCY).status_code == 303
    assert post(opener, f"/desk/contacts/{reference}/help").status_code == 303
    with Session(engine_of(store_app)) as session:
        help_id = session.exec(select(HelpRequest.id)).one()
    missing = post(colleague, "/desk/help/987654/resolve")
    hidden = post(colleague, f"/desk/help/{help_id}/resolve")
    assert missing.status_code == hidden.status_code == 404
    with Session(engine_of(store_app)) as session:
        row = session.get(HelpRequest, help_id)
        assert row is not None and row.resolved_at is None
        assert not session.exec(select(AuditEvent).where(
            AuditEvent.user_id == colleague_user.id,
            col(AuditEvent.event).in_(("help-done",)))).all()
    # The one who asked may resolve it; then the colleague still finds nothing there (not
    # "answered already", which would tell that it exists).
    assert post(opener, f"/desk/help/{help_id}/resolve").status_code == 303
    assert post(colleague, f"/desk/help/{help_id}/resolve").status_code == 404


def test_a_manager_finds_no_help_request_on_a_case_transferred_away(store_app: Flask) -> None:
    reference = waiting(store_app)
    anouk, _ = counsellor(store_app, display_name="Anouk")
    act(anouk, reference, "claim")
    post(anouk, f"/desk/contacts/{reference}/help")
    with Session(engine_of(store_app)) as session:
        help_id = session.exec(select(HelpRequest.id)).one()
    act(anouk, reference, "transfer", desk="veterans",
        note="Wil praten met iemand van de veteranendesk.")
    police = manager_of(store_app, "police")
    answer = manager_post(police, f"/desk/help/{help_id}/resolve")
    assert answer.status_code == 404  # type: ignore[attr-defined]
    with Session(engine_of(store_app)) as session:
        row = session.get(HelpRequest, help_id)
        assert row is not None and row.resolved_at is None
        events = session.exec(select(AuditEvent.event).where(
            AuditEvent.contact_reference == reference)).all()
    assert "help-done" not in events
