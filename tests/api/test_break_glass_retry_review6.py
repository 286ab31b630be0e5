"""Review: break-glass was the one POST without `Idempotency-Key`. A client retrying it (the
answer lost on a flaky network) opened a second emergency access, logged and shown to the
desk's manager twice. With the key, a retry answers the contact again and opens nothing
more; the key with another reason is refused naming the header; the document says so."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlmodel import Session, select

from loket.store.models import BreakGlass
from tests.api.calls import CALL, Caller, caller
from tests.desk.test_workspace import engine_of, trail, waiting

KEY = "Idempotency-Key"
REASON = {"reason": "Beller noemt zelfdoding, dossier nodig"}


def opened(app: Flask) -> int:
    """Return how many emergency accesses were opened."""
    with Session(engine_of(app)) as session:
        return len(session.exec(select(BreakGlass)).all())


def break_glass(who: Caller, reference: str, key: str, body: Any = None) -> Any:
    _method, path, good = CALL["break_glass"]
    return who("POST", path.format(ref=reference), body or good, headers={KEY: key})


def test_a_retried_break_glass_opens_one_emergency_access(store_app: Flask) -> None:
    reference = waiting(store_app, desk="veterans")
    who = caller(store_app, desk="police")
    first = break_glass(who, reference, "bg-1")
    again = break_glass(who, reference, "bg-1")
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert opened(store_app) == 1
    events = [event for event, _user in trail(store_app, reference)]
    assert events.count("break-glass") == 1
    # The retry is a read of the contact like any other: audited.
    assert events.count("read") == 2
    # Without a key (or with a new one) a call is a new call: the access is renewed.
    assert who.do("break_glass", reference).status_code == 200
    assert break_glass(who, reference, "bg-2").status_code == 200
    assert opened(store_app) == 3


def test_the_same_key_with_another_reason_is_refused_naming_the_header(app: Flask) -> None:
    reference = waiting(app, desk="veterans")
    who = caller(app, desk="police")
    assert break_glass(who, reference, "bg-1").status_code == 200
    other = break_glass(who, reference, "bg-1", {"reason": "Een andere reden, even lang"})
    assert other.status_code == 422 and other.get_json()["field"] == KEY
    assert opened(app) == 1


def test_a_refused_break_glass_is_judged_again_on_retry(app: Flask) -> None:
    who = caller(app, desk="police")
    assert break_glass(who, "NOPE-999", "bg-1").status_code == 404
    assert break_glass(who, "NOPE-999", "bg-1").status_code == 404
    assert opened(app) == 0


def test_two_copies_sent_at_once_open_one_emergency_access(store_app: Flask) -> None:
    reference = waiting(store_app, desk="veterans")
    who = caller(store_app, desk="police")
    copies = [caller(store_app), caller(store_app)]
    for copy in copies:  # the same client on two connections: its token, its key
        copy.user, copy.token = who.user, who.token
    barrier = threading.Barrier(2, timeout=10)
    answers: list[Any] = [None, None]

    def send(index: int) -> None:
        barrier.wait()
        answers[index] = break_glass(copies[index], reference, "at-once")

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].get_json()["reference"] == answers[1].get_json()["reference"]
    assert opened(store_app) == 1


def test_the_document_describes_the_header_on_break_glass(app: Flask) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/contacts/{reference}/break-glass"]["post"]
    [header] = [p for p in operation.get("parameters", []) if p["in"] == "header"]
    assert (header["name"], header["required"]) == (KEY, False)
    assert "422" in operation["responses"]
