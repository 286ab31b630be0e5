"""A counsellor's reply form sent twice (a double click, or the browser sending the POST
again) is one reply: stored once and sent once; each new page's form is a new reply. On
SQLite and PostgreSQL."""

from __future__ import annotations

import re

from flask import Flask
from redis import Redis
from sqlmodel import Session, select

from loket.queue.worker import SimpleAppWorker, queues
from loket.store.models import Message, OutboundAction
from tests.desk.test_workspace import TOKEN, act, counsellor, engine_of, waiting

REPLY_KEY = re.compile(r'name="reply_key" value="([^"]+)"')


def reply_form(client: object, reference: str, text: str) -> dict[str, str]:
    page = client.get(f"/desk/contacts/{reference}").get_data(as_text=True)  # type: ignore[attr-defined]
    token, key = TOKEN.search(page), REPLY_KEY.search(page)
    assert token is not None and key is not None
    return {"csrf_token": token.group(1), "reply_key": key.group(1), "text": text}


def sent_and_stored(app: Flask, redis: Redis) -> tuple[int, int]:
    SimpleAppWorker(queues(redis), connection=redis, app=app).work(burst=True)
    with Session(engine_of(app)) as session:
        sent = session.exec(select(OutboundAction).where(OutboundAction.kind == "message"))
        out = session.exec(select(Message).where(Message.direction == "out"))
        return len(sent.all()), len(out.all())


def test_a_reply_form_sent_twice_reaches_the_person_once(
    store_app: Flask, redis_conn: Redis
) -> None:
    reference = waiting(store_app)
    client, _ = counsellor(store_app)
    act(client, reference, "claim")
    form = reply_form(client, reference, "Ik bel je over vijf minuten.")
    path = f"/desk/contacts/{reference}/reply"
    # Each answer read in full, as a browser does (the outbox moves to RQ after it).
    first = client.post(path, data=form, buffered=True)
    second = client.post(path, data=form, buffered=True)
    assert first.status_code == second.status_code == 303
    assert sent_and_stored(store_app, redis_conn) == (1, 1)
    # The same words from the next page are a new reply: sent again.
    again = client.post(path, data=reply_form(client, reference, "Ik bel je over vijf minuten."),
                        buffered=True)
    assert again.status_code == 303
    assert sent_and_stored(store_app, redis_conn) == (2, 2)
