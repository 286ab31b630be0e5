"""What Loket sent, or would have sent: the sandbox gateway's record of each action."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from loket.store.db import session_scope
from loket.store.models import OutboundAction


def record_sandbox(
    engine: Engine,
    *,
    sid: str,
    kind: str,
    to: str | None,
    body: str | None,
    params: dict[str, Any],
    contact_id: int | None,
) -> None:
    """Store one action the sandbox gateway would have sent, in a transaction of its own."""
    with session_scope(engine) as session:
        session.add(
            OutboundAction(
                sid=sid, kind=kind, to=to, body=body, params=params, contact_id=contact_id
            )
        )
