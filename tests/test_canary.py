"""The canary: unmistakable fake personal data sent through every channel and the
workspace, the flows run (jobs included), and then none of it anywhere it must not be: the
logs, Redis (every key and value, RQ's job data and registries), the database file as
stored (personal fields are encrypted; traces, audit lines and tallies hold none), and the
queue's cache of rendered rows."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

from flask import Flask
from redis import Redis
from sqlmodel import Session, select

from loket.routing.values import DESKS
from loket.store.models import Contact, Message
from tests.channels import test_messaging as sms
from tests.channels.conftest import run_jobs, signed_post
from tests.channels.test_webchat import press, start_chat
from tests.channels.test_webform import answers, send
from tests.desk.test_workspace import act, counsellor

NAME = "Kanariepiet Zwanenburg"
PHONE = "+31612349876"
EMAIL = "kanariepiet.zwanenburg@example.org"
TEXT = "KANARIE-7F3Q slaap slecht sinds de missie"
# What would give the person away, in any of the forms it could take.
NEEDLES = ("Kanariepiet", "Zwanenburg", "kanariepiet", "612349876", "12349876",
           "KANARIE-7F3Q", "slaap slecht sinds de missie")


def hits(text: str) -> list[str]:
    return [needle for needle in NEEDLES if needle in text]


def redis_dump(redis: Redis) -> str:
    """Every key and value of the tests' Redis database, RQ's job data decompressed."""
    parts: list[bytes] = []
    for key in redis.scan_iter(count=1000):
        parts.append(key)
        kind = redis.type(key).decode()
        if kind == "string":
            parts.append(redis.get(key) or b"")
        elif kind == "hash":
            for field, value in redis.hgetall(key).items():
                parts += [field, value]
                try:
                    parts.append(zlib.decompress(value))  # RQ's job data and results
                except zlib.error:
                    pass
        elif kind == "list":
            parts += redis.lrange(key, 0, -1)
        elif kind == "set":
            parts += list(redis.smembers(key))
        elif kind == "zset":
            parts += [member for member, _ in redis.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            parts += [repr(entry).encode() for entry in redis.xrange(key)]
    return b"\n".join(parts).decode("utf-8", "replace")


def test_no_trace_of_a_person_outside_their_encrypted_record(
    make_app: object, redis_conn: Redis, log_lines: io.StringIO,
) -> None:
    app: Flask = make_app()  # type: ignore[operator]
    # Text messages, a phone call, a web form and a web chat, all from the canary.
    texter = app.test_client()
    sms.walk(texter, f"Hallo, ik ben {NAME}. {TEXT}", "1", "1", sender=PHONE)
    signed_post(app.test_client(), "/twilio/voice",
                {"CallSid": "CA" + "7" * 32, "From": PHONE, "To": "+3185000000"})
    form = app.test_client()
    assert send(form, answers(name=NAME, phone=PHONE, email=EMAIL, message=TEXT)
                ).status_code == 303
    chat = app.test_client()
    start_chat(chat, "police", "chat", name=NAME)
    assert press(chat, "/chat/send", body=TEXT).status_code == 303
    # A form refused: what was typed must not end up in an error report either.
    send(app.test_client(), answers(name=NAME, phone="not a number " + TEXT, email=EMAIL))
    run_jobs(app, redis_conn)

    # The workspace: a counsellor opens each contact, reveals the number, replies, notes.
    with Session(app.extensions["loket.engine"]) as session:  # those in a queue by now
        found = [c for c in session.exec(select(Contact)) if c.desk]
        references = [(c.reference, c.queue if c.queue in DESKS else c.desk) for c in found]
        texts = sum(c.channel in ("sms", "whatsapp", "webchat") for c in found)
    assert len(references) >= 3
    for reference, desk in references:
        worker, _ = counsellor(app, desk=desk or "police")
        worker.get(f"/desk/contacts/{reference}")
        for action, data in (("claim", {}), ("unmask", {}),
                             ("reply", {"text": f"Dag {NAME}, fijn dat je schrijft."}),
                             ("note", {"text": f"{NAME} belt over {TEXT}"})):
            done = act(worker, reference, action, **data)
            assert done.status_code in (200, 303), (action, done.status_code)
        worker.get("/desk/queue/rows")
    run_jobs(app, redis_conn)
    with Session(app.extensions["loket.engine"]) as session:
        replies = session.exec(select(Message).where(Message.direction == "out")).all()
        # Every reply on a text channel was made and kept (a form's answer is a call).
        assert texts >= 2 and sum(NAME in m.body for m in replies) == texts

    logged = log_lines.getvalue()
    assert logged.count("\n") > 10  # the flows did log
    assert hits(logged) == []
    dumped = redis_dump(redis_conn)
    assert "rq:job:" in dumped and hits(dumped) == []  # RQ's jobs and registries included
    database = Path(app.config["LOKET"].database_url.removeprefix("sqlite:///"))
    stored = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    assert len(stored) > 100_000 and hits(stored.decode("utf-8", "replace")) == []
    cache = app.extensions.get("loket.queue_row_fragments")
    assert hits(repr(vars(cache)) if cache is not None else "") == []
