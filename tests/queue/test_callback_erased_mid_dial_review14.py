"""The person's leg of a callback placed while the person is erased (`loket erase` commits
after the place job read their number, before Twilio answers): the call rang after the
erasure, was never hung up, and the sandbox kept the number for good (its row names no
contact, and no leg held its sid when the erasure looked). Now the call is hung up as soon
as its sid is kept, once, and the sandbox's record of it forgotten. Found in review 14; the
"answer first" case failed before its fix ("status first": the erasure finds the sid and
ends the call itself, which the job must not do again). On SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlmodel import Session, col, select

from loket.domain import erasure
from loket.store.db import session_scope
from loket.store.models import CallLeg, Contact, OutboundAction
from tests.channels.conftest import signed_post
from tests.desk.test_workspace import act, engine_of
from tests.queue.test_callbacks import (
    COUNSELLOR_PHONE,
    PERSON,
    callback_for,
    counsellor_with_phone,
    legs,
    make_due_now,
    run_jobs,
)
from tests.twilio_double import press


class ErasingGateway:
    """The sandbox gateway, but the person's erasure (`loket erase`, another process)
    commits while the job's request to ring them is under way: after the job read the
    number, before Twilio's answer reaches it (and, `status_first`, after the call's first
    status callback kept its sid on the leg)."""

    def __init__(self, app: Flask, reference: str, *, status_first: bool = False) -> None:
        self.inner = app.extensions["loket.gateway"]
        self.app, self.reference, self.status_first = app, reference, status_first
        self.erased = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def place_call(self, **kwargs: Any) -> str:
        if kwargs.get("to") != PERSON or self.erased:
            return str(self.inner.place_call(**kwargs))
        sid = str(self.inner.place_call(**kwargs))
        if self.status_first:  # Twilio's word of the call comes before its answer
            path = str(kwargs["status_callback"]).removeprefix("https://loket.example.org")
            answer = signed_post(self.app.test_client(), path,
                                 {"CallSid": sid, "CallStatus": "initiated",
                                  "From": "+3185000000", "To": PERSON})
            assert answer.status_code == 200
        with session_scope(engine_of(self.app)) as session:
            erasure.erase(session=session, reference=self.reference, actor="cli")
        self.erased = True
        return sid


def sandbox_rows(app: Flask) -> list[OutboundAction]:
    with Session(engine_of(app)) as session:
        return list(session.exec(select(OutboundAction).order_by(col(OutboundAction.id))).all())


def nightly_retention(app: Flask) -> None:
    erasure.retain(lambda: session_scope(engine_of(app)), erasure.Retention(days=730))


def person_leg(app: Flask) -> CallLeg:
    with Session(engine_of(app)) as session:
        return session.exec(select(CallLeg).where(CallLeg.kind == "person")).one()


def hang_ups(app: Flask, call_sid: str) -> int:
    return sum(1 for row in sandbox_rows(app)
               if row.kind == "hangup" and row.params.get("call_sid") == call_sid)


@pytest.mark.parametrize("status_first", [False, True], ids=["answer first", "status first"])
def test_a_callback_leg_placed_while_its_person_is_erased_is_hung_up_and_forgotten(
    store_app: Flask, redis_conn: Redis, status_first: bool,
) -> None:
    app = store_app
    reference, callback_id = callback_for(app)
    make_due_now(app, callback_id)
    client, _ = counsellor_with_phone(app)
    gateway = ErasingGateway(app, reference, status_first=status_first)
    app.extensions["loket.gateway"] = gateway
    act(client, reference, "claim")
    assert act(client, reference, "call").status_code == 303
    run_jobs(app, redis_conn)  # the counsellor's phone rings (sandbox)
    leg = [each for each in legs(app, reference) if each.kind == "counsellor"][-1]
    assert leg.call_sid
    params = {"CallSid": leg.call_sid, "CallStatus": "in-progress", "From": "+3185000000",
              "To": COUNSELLOR_PHONE}
    prompt = signed_post(app.test_client(), f"/twilio/calls/{leg.id}/counsellor", params)
    press(app.test_client(), prompt, params, "1")  # the counsellor takes it: person's leg
    run_jobs(app, redis_conn)  # taken (number read), erased, then dialled
    assert gateway.erased
    with Session(engine_of(app)) as session:
        contact = session.exec(select(Contact).where(Contact.reference == reference)).one()
        assert contact.anonymised_at is not None

    nightly_retention(app)
    left = [(row.kind, row.sid, row.contact_id) for row in sandbox_rows(app)
            if row.to == PERSON]
    person = person_leg(app)
    assert left == [], (f"the erased person's number in outbound_action: {left}; "
                        f"their leg: {(person.status, person.call_sid)}")
    # The call rung after the erasure is hung up, once (whoever found its sid first: the
    # erasure, when its status callback kept it before the job could; else the job).
    assert person.call_sid
    assert hang_ups(app, person.call_sid) == 1
    assert not any(row.to and PERSON[-8:] in row.to for row in sandbox_rows(app))
