"""The queue's poll: the rows of a counsellor's queue every 2 s, 304 while nothing changed.

Kept apart from the pages: it is the one staff route called many times a second.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape
from sqlmodel import Session

from loket.desk import texts
from loket.desk.identity import current_staff, staff_required
from loket.domain import escalation, support, workspace
from loket.i18n import request_language
from loket.store.db import get_session
from loket.store.models import User
from loket.store.types import utcnow

bp = Blueprint("desk_poll", __name__, url_prefix="/desk")


@bp.get("/queue/rows")
@staff_required("counsellor")
def queue_rows() -> ResponseReturnValue:
    """Return the queue's rows for the page's poll; 304 when nothing changed."""
    user = current_staff()
    assert user is not None  # noqa: S101 - staff_required ran first
    session = get_session()
    # From aggregates first: an unchanged queue answers 304 without reading its rows.
    version = workspace.queue_version(session=session, user=user)
    # Rows that show the clock (a due callback's "N min late", an offer first to this
    # counsellor until a time) change with the minute alone: their tag names the minute,
    # so such a queue is answered anew once a minute though nothing else changed (rendered
    # once per desk: `rows_for`). Other rows keep their tag while the waits count on.
    minute = int(utcnow().timestamp()) // 60
    clocked_tag = f"{version.tag}-{minute}"
    if request.if_none_match.contains(version.tag):
        response, tag = Response(status=304), version.tag
    elif request.if_none_match.contains(clocked_tag):
        response, tag = Response(status=304), clocked_tag
    else:
        key = (clocked_tag, request_language(), user.desk if version.shared else user.id)
        html, ago = rows_for(key, lambda: render_rows(session, user, key))
        tag = clocked_tag if clocked(key) else version.tag
        response = make_response(html)
        # The waits in rows rendered earlier (for a colleague) are that old: the page counts
        # on from then.
        response.headers["X-Rendered-Ago"] = str(ago)
    response.set_etag(tag)
    return response


def render_rows(session: Session, user: User, key: tuple[str, str, object] | None = None
                ) -> str:
    """Render the queue's rows (and, under `key`, whether they show the clock)."""
    shown = rows_of(session, user)
    if key is not None:
        remember_clocked(key, any(item.callback_window or item.offered
                                  for item in shown["items"]))
    return render_template("desk/_queue_rows.html", **shown)


def rows_of(session: Session, user: User) -> dict[str, Any]:
    """Return what the queue's rows show, for the poll and the queue page alike: the open
    contacts (at most `QUEUE_SHOWN`), how many there are, the desk's open help requests,
    and the words the rows use."""
    items = workspace.queue_for(session=session, user=user, limit=workspace.QUEUE_SHOWN)
    total = (workspace.queue_size(session=session, user=user)
             if len(items) >= workspace.QUEUE_SHOWN else len(items))
    words = row_words([])  # the rows' own words are looked up for the rows rendered anew
    return {"items": items, "total": total, "words": words,
            "rows_html": rows_html(items, words,
                                   workspace.ended_chats(session=session, items=items)),
            "helps": support.open_help(session=session, desk=user.desk, viewer=user),
            "alarms": alarms_for(session, user)}


# Stand-ins for a row's wait while its fragment is rendered (never in a row's own text).
WAITED_S, WAITED_TEXT = "\x01", "\x02"
ROWS_KEPT = 10_000  # row fragments kept per process (a few desks' queues, many times over)


def rows_html(items: list[workspace.QueueItem], words: dict[str, str],
              ended: frozenset[str] = frozenset()) -> Markup:
    """Return the contacts' rows: each row's HTML rendered once per change of what it shows
    (kept per process, bounded) and joined with its wait, which changes every second (and
    which the page counts on by itself). Hundreds of rows join in about a millisecond.
    `ended`: the web chats whose person can no longer read them (`workspace.ended_chats`)."""
    lang = request_language()
    kept = fragments()
    keys = [(*row_key(item, lang), item.reference in ended) for item in items]
    found: list[tuple[str, str, str] | None] = []
    with kept.lock:
        for key in keys:
            fragment = kept.entries.get(key)
            if fragment is not None:
                kept.entries.move_to_end(key)  # least recently shown goes first
            found.append(fragment)
    missing = [item for item, fragment in zip(items, found, strict=True) if fragment is None]
    if missing:
        words = {**words, **row_words(missing)}
    parts: list[str] = []
    for item, key, fragment in zip(items, keys, found, strict=True):
        if fragment is None:
            fragment = render_row(item, words, ended=item.reference in ended)
            with kept.lock:
                kept.entries[key] = fragment
                while len(kept.entries) > ROWS_KEPT:
                    kept.entries.popitem(last=False)
        head, middle, tail = fragment
        parts += (head, str(item.waited_s), middle, str(escape(waited_text(item, words))), tail)
    return Markup("".join(parts))  # noqa: S704 - fragments rendered by autoescaping Jinja


def row_key(item: workspace.QueueItem, lang: str) -> tuple[object, ...]:
    """Return what a row shows, but its wait: the key of its kept fragment."""
    late = item.late_s // 60 if item.late_s >= 60 else 0
    return (lang, item.reference, item.channel, item.queue, item.priority, item.crisis,
            item.flags, item.person_flags, item.offered, item.holder, item.callback_window,
            late, item.call_error)


def render_row(item: workspace.QueueItem, words: dict[str, str], *,
               ended: bool = False) -> tuple[str, str, str]:
    """Render one row around stand-ins for its wait; return the three pieces between."""
    template = current_app.jinja_env.get_template("desk/_queue_row.html")
    lang = request_language()
    html = template.render(
        item=item, words=words, waited_s=WAITED_S, waited_text=WAITED_TEXT, ended=ended,
        contact_url=url_for("desk_workspace.contact_page", reference="REFERENCE"),
        dt=lambda key, **values: texts.text(key, lang, **values),
    )
    head, rest = html.split(WAITED_S, 1)
    middle, tail = rest.split(WAITED_TEXT, 1)
    return head, middle, tail


def waited_text(item: workspace.QueueItem, words: dict[str, str]) -> str:
    """Return a row's wait in words: seconds for a crisis or under two minutes."""
    if item.crisis or item.waited_s < 120:
        return words["seconds"].replace("{n}", str(item.waited_s))
    return words["minutes"].replace("{n}", str(item.waited_s // 60))


@dataclass
class Fragments:
    """Rendered rows by what they show, shared by a process's threads (an LRU)."""

    entries: OrderedDict[tuple[object, ...], tuple[str, str, str]] = field(
        default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def fragments() -> Fragments:
    """Return this app's kept row fragments (made on first use)."""
    found: Fragments | None = current_app.extensions.get("loket.queue_row_fragments")
    if found is None:
        found = current_app.extensions.setdefault("loket.queue_row_fragments", Fragments())
    return found


def alarms_for(session: Session, user: User) -> list[dict[str, Any]]:
    """Return the open escalations every desk is shown (a reference links only for those
    who may open it)."""
    banners = escalation.open_banners(session=session)
    if not banners:
        return []
    may_open = workspace.visible_references(
        session=session, user=user, references=[b.reference for b in banners])
    return [{"banner": b, "link": b.reference in may_open} for b in banners]


def row_words(items: list[workspace.QueueItem]) -> dict[str, str]:
    """Return every word the rows show, looked up once per render rather than per row
    (hundreds of rows render in milliseconds): `channel:sms`, `flag:pooled`, and so on."""
    lang = request_language()

    found: dict[str, str] = {
        "crisis": texts.text("crisis", lang), "free": texts.text("free", lang),
        "offered": texts.text("offered", lang),
        "chat_ended": texts.text("queue_chat_ended", lang),
        "seconds": texts.text("seconds", lang, n="{n}"),
        "minutes": texts.text("minutes", lang, n="{n}"),
    }
    for item in items:
        for kind, value in (("channel", item.channel), ("priority", item.priority),
                            ("desk", item.queue), *(("flag", f) for f in item.flags)):
            found.setdefault(f"{kind}:{value}", texts.code_text(f"{kind}_{value}", value, lang))
        for flag in item.person_flags:
            found.setdefault(f"person:{flag}", texts.code_text(f"s_flag_{flag}", flag, lang))
    return found


# The rows as last rendered, per version and language: the desk's counsellors all poll the
# same rows, so after a change one of them renders and the rest get the same text. Bounded,
# per process, and keyed by a version that changes with every row (never stale).
CACHE_SIZE = 64


@dataclass
class RowCache:
    """A small LRU of rendered rows, shared by a process's threads, and the renders under
    way (so that the desk's counsellors polling at once after a change render once)."""

    entries: OrderedDict[tuple[str, str, object], tuple[str, float]] = field(
        default_factory=OrderedDict)  # the rows and when (monotonic) they were rendered
    # Whether the rows kept under a key show the clock (`queue_rows`); unknown: they do.
    clocked: OrderedDict[tuple[str, str, object], bool] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rendering: dict[tuple[str, str, object], threading.Event] = field(default_factory=dict)


# How long a poll waits for a colleague's render of the same rows before rendering itself.
RENDER_WAIT_S = 1.0


def rows_for(key: tuple[str, str, object], render: Callable[[], str]) -> tuple[str, int]:
    """Return the rows for this key and how many seconds ago they were rendered: kept, or
    rendered now by this request, or (when another thread of this process is rendering
    them) that render's, waited for at most RENDER_WAIT_S."""
    found = rendered(key)
    if found is not None:
        return found
    rows = cache()
    with rows.lock:
        under_way = rows.rendering.get(key)
        if under_way is None:
            rows.rendering[key] = threading.Event()
    if under_way is not None:
        under_way.wait(RENDER_WAIT_S)
        found = rendered(key)
        return found if found is not None else (render(), 0)
    try:
        html = render()
        remember(key, html)
    finally:
        with rows.lock:
            rows.rendering.pop(key).set()
    return html, 0


def cache() -> RowCache:
    """Return this app's row cache (made on first use)."""
    found: RowCache | None = current_app.extensions.get("loket.queue_rows")
    if found is None:
        found = current_app.extensions.setdefault("loket.queue_rows", RowCache())
    return found


def rendered(key: tuple[str, str, object]) -> tuple[str, int] | None:
    """Return rows rendered before for this key, if any, and how many seconds ago."""
    rows = cache()
    with rows.lock:
        found = rows.entries.get(key)
        if found is None:
            return None
        rows.entries.move_to_end(key)
    html, at = found
    return html, int(time.monotonic() - at)


def remember(key: tuple[str, str, object], html: str) -> None:
    """Keep rendered rows for the desk's other counsellors."""
    rows = cache()
    with rows.lock:
        rows.entries[key] = (html, time.monotonic())
        rows.entries.move_to_end(key)
        while len(rows.entries) > CACHE_SIZE:
            rows.entries.popitem(last=False)


def remember_clocked(key: tuple[str, str, object], shows_clock: bool) -> None:
    """Keep whether the rows rendered under this key show the clock."""
    rows = cache()
    with rows.lock:
        rows.clocked[key] = shows_clock
        while len(rows.clocked) > CACHE_SIZE:
            rows.clocked.popitem(last=False)


def clocked(key: tuple[str, str, object]) -> bool:
    """Tell whether the rows under this key show the clock (unknown: as if they did)."""
    rows = cache()
    with rows.lock:
        return rows.clocked.get(key, True)
