"""Erasing a person on request names the reference asked with on its own contact only: the
trail of the person's contact at another desk says the erasure, not the other case. On
SQLite and PostgreSQL."""

from __future__ import annotations

from flask import Flask

from loket.domain import erasure
from loket.store.db import session_scope
from tests.desk.test_trail import staff
from tests.desk.test_workspace import engine_of, waiting


def test_police_manager_reads_no_veterans_reference_in_the_trail_of_an_erased_police_contact(
    store_app: Flask,
) -> None:
    police_ref = waiting(store_app, desk="police", status="closed")
    veterans_ref = waiting(store_app, desk="veterans", status="closed")  # same person (PHONE)
    # The person asks the veterans desk to erase them (loket erase --contact VETERANS-REF).
    with session_scope(engine_of(store_app)) as session:
        erased = erasure.erase(session=session, reference=veterans_ref, actor="cli")
    assert set(erased) == {police_ref, veterans_ref}
    manager, _ = staff(store_app, "manager", "police")
    assert manager.get(f"/desk/contacts/{veterans_ref}/trail").status_code == 404
    page = manager.get(f"/desk/contacts/{police_ref}/trail").get_data(as_text=True)
    # The police manager may read their own contact's trail, but it must not name the
    # veterans desk's contact of the same person (its reference, that it exists).
    assert veterans_ref not in page
    assert "Persoonsgegevens gewist op verzoek van de persoon" in page
    veterans, _ = staff(store_app, "manager", "veterans")
    own = veterans.get(f"/desk/contacts/{veterans_ref}/trail").get_data(as_text=True)
    assert f"Persoonsgegevens gewist op verzoek (met {veterans_ref})" in own
