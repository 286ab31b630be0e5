"""Demo data: staff of every role and desk, and contacts shaped like the desks' real traffic.

The generator builds no app: it takes an engine and the routing `decide` function, so every
demo contact carries the decision the rules in force would take at that contact's moment
(with a synthetic but reproducible queue load, `demo_state`). Contacts go in with
SQLAlchemy Core in chunks, one transaction each, through the ORM tables' own columns: the
column types encrypt the personal fields exactly as an ORM write would.

Phone numbers are fictional: +31 6 00xx xxxx. Dutch mobile numbers are issued from 06-1
to 06-5 (and 06-8); the 06-0 block is not issued to subscribers, so no demo number can
reach a person. E-mail addresses use the reserved example.org domain (RFC 2606).
"""

from __future__ import annotations

import bisect
import hashlib
import multiprocessing
import random
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlmodel import Session, col, select

from loket.domain.accounts import UserIn, create_user
from loket.domain.callbacks import AMSTERDAM, callback_window
from loket.domain.calls import Policy
from loket.domain.contacts import (
    DEFAULT_HANDLE_S,
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    Decide,
    overflow_direction,
)
from loket.reports import tally
from loket.store import seed as seed_rows
from loket.store.crypto import keyring
from loket.store.models import User
from loket.store.types import utcnow

DEMO_PASSWORD = "loket-demo-2026"  # noqa: S105 - the published demo password
DEMO_ACTOR = "demo"
DEMO_USERS: list[tuple[str, str, str | None]] = [
    ("counsellor.police@demo.loket.test", "counsellor", "police"),
    ("counsellor2.police@demo.loket.test", "counsellor", "police"),
    ("counsellor.veterans@demo.loket.test", "counsellor", "veterans"),
    ("counsellor2.veterans@demo.loket.test", "counsellor", "veterans"),
    ("counsellor.debasis@demo.loket.test", "counsellor", "debasis"),
    ("counsellor2.debasis@demo.loket.test", "counsellor", "debasis"),
    ("manager.police@demo.loket.test", "manager", "police"),
    ("manager.veterans@demo.loket.test", "manager", "veterans"),
    ("manager.debasis@demo.loket.test", "manager", "debasis"),
    ("manager@demo.loket.test", "manager", None),
    ("admin@demo.loket.test", "admin", None),
]
DEFAULT_CONTACTS = 2000
# Contacts planned and committed together: large enough that the indexes' pages are
# written once for many rows, small enough that a transaction holds SQLite's write lock
# for a second or two. The chunks seed their generators: changing this changes the data.
CHUNK_SIZE = 20_000
SQLITE_CACHE_KIB = 512 * 1024
MAX_WORKERS = 4
TURN_TIMEOUT_S = 600
WINDOW = timedelta(weeks=8)
# The last hours get a few extra contacts, so the desk views have open work to show.
LIVE_WINDOW_S = 3 * 3600
LIVE_SHARE, LIVE_MAX = 0.02, 40
# Right now the desks are busy: part of the recent contacts are still being served (by demo
# counsellors, never waiting in a live queue: a real visitor's place in the queue and wait
# must not count people nobody will serve), by channel kind.
BUSY_NOW_P = 0.6
STILL_SERVED_S = {"phone": 20 * 60, "chat": 90 * 60}
FAKE_PHONE_PREFIX = "+31600"
CHAT_CHANNELS = ("sms", "whatsapp", "webchat")
DESK_QUEUES = ("police", "veterans", "debasis")

# Contacts per hour of the day (Europe/Amsterdam): quiet 02-07, peaks late morning and evening.
HOUR_WEIGHTS = (
    3.0, 2.0, 1.1, 0.7, 0.6, 0.7, 1.2, 2.4, 4.2, 5.8, 6.8, 7.2,  # 00-11
    6.2, 5.6, 5.5, 5.4, 5.0, 4.6, 5.0, 6.0, 6.6, 6.3, 5.0, 4.0,  # 12-23
)  # fmt: skip
# Monday first: Mondays a little busier, weekends lower.
WEEKDAY_WEIGHTS = (1.15, 1.05, 1.0, 1.0, 0.95, 0.75, 0.7)
HOLIDAY_BUMP = 1.3  # 113 sees its peaks around the December holidays


class Mix:
    """Values with relative weights; `pick` draws one."""

    def __init__(self, weights: dict[str, float]) -> None:
        self.values = tuple(weights)
        self.cum: list[float] = []
        total = 0.0
        for weight in weights.values():
            total += weight
            self.cum.append(total)
        self.total = total

    def pick(self, rng: random.Random) -> str:
        """Draw one value."""
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


DAY_CHANNELS = Mix({"phone": 56, "webchat": 15, "sms": 10, "whatsapp": 9.5, "webform": 9.5})
NIGHT_CHANNELS = Mix({"phone": 42, "webchat": 19, "sms": 11, "whatsapp": 14, "webform": 14})
ORGANISATIONS = Mix({"police": 38, "defence": 45, "both": 4, "unknown": 13})
SERVING_STATUS = {
    "police": Mix({"serving": 55, "former": 35, "unknown": 10}),
    "defence": Mix({"serving": 18, "former": 72, "unknown": 10}),
    "both": Mix({"serving": 30, "former": 60, "unknown": 10}),
    "unknown": Mix({"serving": 10, "former": 20, "unknown": 70}),
}
RELATIONS = Mix({"self": 68, "family": 22, "colleague": 7, "professional": 3})
NEEDS = Mix(
    {"psychological": 42, "practical": 22, "peer_support": 10, "information": 18, "unknown": 8}
)
# Risk follows need: overall about 2% acute and 10% concern.
RISK_PSYCHOLOGICAL = Mix({"acute": 4, "concern": 17, "none": 79})
RISK_OTHER = Mix({"acute": 0.7, "concern": 5, "none": 94.3})
LANGUAGES = Mix({"nl": 94, "en": 6})
# Provinces by population; given by fewer than half of the people.
REGIONS = Mix({"ZH": 21, "NH": 16, "NB": 15, "GE": 12, "UT": 8, "OV": 7, "LI": 6, "FR": 4,
               "GR": 3, "DR": 3, "FL": 2.5, "ZE": 2.5})  # fmt: skip
PREFERENCES = {
    "phone": Mix({"now": 75, "callback": 25}),
    "chat": Mix({"chat": 75, "now": 15, "callback": 10}),
    "webform": Mix({"callback": 1}),
}
CALLBACK_WINDOWS = Mix({"asap": 65, "evening": 22, "tomorrow": 13})
# The attempt that reaches the person; "never" when none does (unreachable, or missed when
# the window ends first). Attempts are spaced as the callback policy says (calls.Policy).
CALLBACK_ATTEMPTS = Mix({"1": 76, "2": 13, "3": 6, "never": 5})
NOT_REACHED = Mix({"no_answer": 70, "voicemail": 20, "busy": 10})
WRONG_NUMBER_P = 0.02  # of the calls that reach someone
LATE_ASAP_P = 0.08  # "as soon as possible" first tried only after its two hours: a busy desk
UNTRIED_P = 0.02  # an evening or tomorrow window that passes without an attempt
RING_S = 40  # an attempt that reaches nobody ends after this long
# A manager closes an unreachable or missed callback's contact after this long (hours).
MANAGER_CLOSES_H = (2.0, 48.0)
OUTCOMES = Mix({"helped": 55, "referred": 31, "handed_over": 14})
CRISIS_OUTCOMES = Mix({"referred": 50, "helped": 42, "handed_over": 8})
BOTH_OUTCOMES = Mix({"helped": 45, "referred": 20, "handed_over": 35})
ABANDON_P = 0.10  # of phone calls answered live, about 8% of all calls
NO_ANSWER_P = 0.07  # of text conversations: the person stops replying
BASE_WAIT_S = {"urgent": 20.0, "high": 60.0, "normal": 150.0, "low": 240.0}
MAX_WAIT_S = 45 * 60
INTAKE_S = {
    "phone": (20, 90),
    "sms": (60, 600),
    "whatsapp": (60, 600),
    "webchat": (30, 180),
    "webform": (0, 5),
}
HANDLE_MEDIAN_S = {"phone": 14 * 60, "chat": 25 * 60}

FIRST_NAMES = (
    "Anna", "Bas", "Chantal", "Dennis", "Eva", "Fatima", "Gerrit", "Hanneke", "Ilse", "Jeroen",
    "Karim", "Linda", "Mark", "Nadia", "Oscar", "Petra", "Ruben", "Sanne", "Tom", "Wendy",
    "Yusuf", "Kees", "Marloes", "Sjoerd",
)  # fmt: skip
SURNAMES = ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
            "Bos", "Vos")  # fmt: skip

# Free text people write: plausible, about no one in particular, by language and need.
TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "nl": {
        "psychological": (
            "Sinds mijn uitzending slaap ik slecht en schrik ik van harde geluiden.",
            "Ik heb steeds beelden van een incident tijdens mijn dienst in mijn hoofd.",
            "Ik merk dat ik thuis sneller boos word en dat wil ik niet.",
            "Na een heftige melding vorige maand kom ik niet meer tot rust.",
            "Ik voel me somber en weet niet goed bij wie ik terecht kan.",
            "Ik drink meer dan goed voor me is sinds ik uit dienst ben.",
        ),
        "practical": (
            "Ik heb een vraag over de aanvraag van mijn veteranenpas.",
            "Mijn aanvraag voor een voorziening loopt vast. Wie kan mij helpen?",
            "Ik zoek hulp bij geldzaken na mijn ontslag uit dienst.",
            "Hoe kan ik de stukken over mijn diensttijd opvragen?",
        ),
        "peer_support": (
            "Ik wil graag praten met iemand die hetzelfde heeft meegemaakt.",
            "Is er een lotgenotengroep bij mij in de buurt?",
        ),
        "information": (
            "Wat kan het loket voor mij betekenen?",
            "Kan ik ook anoniem met iemand praten?",
            "Zijn jullie ook in het weekend bereikbaar?",
        ),
        "unknown": ("Ik weet niet goed waar ik moet beginnen.", "Kan iemand mij terugbellen?"),
        "family": (
            "Mijn partner is sinds de uitzending erg veranderd en ik maak me zorgen.",
            "Mijn vader is veteraan en praat nergens over. Hoe kan ik hem helpen?",
        ),
        "colleague": ("Een collega is sinds een zwaar incident erg stil. Wat kan ik doen?",),
        "professional": ("Ik ben huisarts en wil een patiënt naar jullie verwijzen.",),
        "crisis": (
            "Ik zie het niet meer zitten.",
            "Soms denk ik erover om er een eind aan te maken.",
            "Ik wil niet meer leven.",
        ),
    },
    "en": {
        "psychological": (
            "Since my deployment I sleep badly and loud noises startle me.",
            "I keep seeing an incident from my time in service.",
            "I feel low and do not know who to talk to.",
        ),
        "practical": (
            "I have a question about applying for my veteran's card.",
            "I need help with money matters after leaving the service.",
        ),
        "peer_support": ("I would like to talk to someone who has been through the same.",),
        "information": ("What can the desk do for me?", "Can I talk to someone anonymously?"),
        "unknown": ("I am not sure where to start.",),
        "family": ("My partner has changed a lot since the deployment and I am worried.",),
        "colleague": ("A colleague has been very quiet since a bad incident. What can I do?",),
        "professional": ("I am a GP and would like to refer a patient to you.",),
        "crisis": ("I want to die.", "I keep thinking about ending my life."),
    },
}
# The chance that a text holds a crisis phrase, by the risk the intake recorded.
CRISIS_TEXT_P = {"acute": 0.6, "concern": 0.1, "none": 0.003}
TEXT_P = {"phone": 0.0, "sms": 0.8, "whatsapp": 0.8, "webchat": 0.85, "webform": 1.0}
ANONYMOUS_P = {"phone": 0.35, "sms": 0.4, "whatsapp": 0.4, "webchat": 0.5, "webform": 0.2}

Progress = Callable[[int, int], None]


@dataclass
class DemoSummary:
    """What a demo run added."""

    seed: int
    users_created: int = 0
    users_seconds: float = 0.0
    contacts: int = 0
    seconds: float = 0.0
    by_channel: Counter[str] = field(default_factory=Counter)
    by_desk: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    crisis: int = 0

    def add(self, other: DemoSummary) -> None:
        """Add another run's (a chunk's) contacts to these counts."""
        self.contacts += other.contacts
        self.by_channel.update(other.by_channel)
        self.by_desk.update(other.by_desk)
        self.by_status.update(other.by_status)
        self.crisis += other.crisis


@dataclass
class Planned:
    """One demo contact and the rows that hang off it, ready to insert."""

    contact: dict[str, Any]
    callback: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    flags: list[str] = field(default_factory=list)


@dataclass
class Timeline:
    """When a contact was answered and closed, how, and when a callback was tried.

    A callback has its window, the times its attempts started with how each ended, and how
    the callback ends: `done` (the last attempt reached someone), `unreachable` (every
    attempt failed) or `missed` (its window ended first).
    """

    answered: float | None
    closed: float | None
    outcome: str | None
    window: tuple[str, datetime, datetime] | None = None
    attempts: list[tuple[float, str]] = field(default_factory=list)
    ends: str | None = None


def database_is_empty(engine: Engine) -> bool:
    """Tell whether the database has no user and no contact yet."""
    with engine.connect() as conn:
        users = conn.execute(select(func.count()).select_from(seed_rows.table("user")))
        contacts = conn.execute(select(func.count()).select_from(seed_rows.table("contact")))
        return users.scalar_one() == 0 and contacts.scalar_one() == 0


def create_demo_users(engine: Engine) -> dict[str, list[int]]:
    """Add the demo users that do not exist yet; return every demo counsellor id by desk."""
    with Session(engine, expire_on_commit=False) as session:
        for email, role, desk in DEMO_USERS:
            if session.exec(select(User).where(User.email == email)).first() is None:
                label = f"{role} {desk}" if desk else role
                # A counsellor's phone (a made-up number: the sandbox records the calls).
                phone = (f"+3160000{len(label):02d}{DEMO_USERS.index((email, role, desk)):02d}"
                         if role == "counsellor" else None)
                user_in = UserIn.model_validate(
                    {"email": email, "role": role, "desk": desk, "password": DEMO_PASSWORD,
                     "name": f"Demo {label}", "phone": phone}
                )  # fmt: skip
                # One counsellor of each desk starts on duty; once the scheduler runs, whoever
                # is not logged in is away, as anyone would be (log in and say "available").
                user, _ = create_user(
                    session=session, user_in=user_in,
                    available=role == "counsellor" and not email.startswith("counsellor2."),
                )
                # Enrolled: `loket user code --email E` prints the current code (development).
                user.totp_enrolled_at = utcnow()
        session.commit()
        emails = [email for email, role, _ in DEMO_USERS if role == "counsellor"]
        rows = session.exec(select(User.id, User.desk).where(col(User.email).in_(emails))).all()
    counsellors: dict[str, list[int]] = {desk: [] for desk in DESK_QUEUES}
    for user_id, desk in rows:
        if user_id is not None and desk in counsellors:
            counsellors[desk].append(user_id)
    return counsellors


def demo_second_factors(engine: Engine) -> list[tuple[str, str]]:
    """Return each demo login's e-mail and TOTP secret (printed in development only)."""
    emails = [email for email, _, _ in DEMO_USERS]
    with Session(engine) as session:
        users = session.exec(select(User).where(col(User.email).in_(emails))).all()
        secrets = {user.email: user.totp_secret or "" for user in users}
    return [(email, secrets[email]) for email in emails if email in secrets]


def demo_state(at: datetime) -> dict[str, dict[str, int]]:
    """Return a synthetic queue load for a moment: staffed by the hour, busy by chance."""
    local = at.astimezone(AMSTERDAM)
    on_duty = _on_duty(local)
    noise = zlib.crc32(int(at.timestamp() // 600).to_bytes(8, "big"))
    state: dict[str, dict[str, int]] = {}
    for i, queue in enumerate(DESK_QUEUES):
        bits = (noise >> (i * 8)) & 0xFF
        busy = bits & 15
        available = on_duty[i] if busy < 8 else max(0, on_duty[i] - 1) if busy < 13 else 0
        waiting = (bits >> 4) & (7 if available == 0 else 1)
        state[queue] = _load(waiting, available)
    police, veterans = state["police"], state["veterans"]
    state["pool"] = _load(
        police["waiting"] + veterans["waiting"], police["available"] + veterans["available"]
    )
    return state


def _on_duty(local: datetime) -> tuple[int, int, int]:
    """Return counsellors on duty at police, veterans and De Basis at a local time."""
    if local.weekday() < 5 and 8 <= local.hour < 18:
        return (3, 4, 2)
    if local.weekday() < 5 and 18 <= local.hour < 22:
        return (2, 2, 1)
    return (1, 2, 1)


def _load(waiting: int, available: int) -> dict[str, int]:
    """Return one queue's load, with the expected wait computed as the intake does."""
    expected = (
        0
        if available and waiting < available
        else ((waiting + 1) * DEFAULT_HANDLE_S // max(available, 1))
    )
    return {"waiting": waiting, "available": available, "expected_wait_s": expected}


def contact_times(rng: random.Random, n: int, now: datetime) -> list[int]:
    """Return n sorted contact times (UTC seconds) over the eight weeks before now."""
    end = int(now.timestamp())
    start = end - int(WINDOW.total_seconds())
    hours = int(WINDOW.total_seconds()) // 3600
    cum: list[float] = []
    total = 0.0
    for i in range(hours):
        total += _hour_weight(datetime.fromtimestamp(start + i * 3600, AMSTERDAM))
        cum.append(total)
    live = min(int(n * LIVE_SHARE), LIVE_MAX)
    slots = rng.choices(range(hours), cum_weights=cum, k=n - live)
    times = [start + slot * 3600 + int(rng.random() * 3600) for slot in slots]
    # Denser towards now, like a queue that is filling up.
    times += [end - 1 - int(rng.random() ** 2 * LIVE_WINDOW_S) for _ in range(live)]
    times.sort()
    return times


def _hour_weight(local: datetime) -> float:
    """Return the relative number of contacts in the hour starting at a local time."""
    weight = HOUR_WEIGHTS[local.hour] * WEEKDAY_WEIGHTS[local.weekday()]
    return weight * HOLIDAY_BUMP if _holiday_season(local.date()) else weight


def _holiday_season(day: date) -> bool:
    """Tell whether a day falls in the December holidays (20 December to 2 January)."""
    return (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 2)


def new_references(rng: random.Random, n: int, taken: set[str]) -> list[str]:
    """Return n unused references in the intake's format, without a query per row.

    The letters are drawn for all of the references still needed at once: the same draws
    in the same order as one reference at a time, so the same references."""
    refs: list[str] = []
    size = REFERENCE_LENGTH
    while len(refs) < n:
        raw = "".join(rng.choices(REFERENCE_ALPHABET, k=(n - len(refs)) * size))
        for at in range(0, len(raw), size):
            ref = f"{raw[at:at + 3]}-{raw[at + 3:at + size]}"
            if ref not in taken:
                taken.add(ref)
                refs.append(ref)
    return refs


def _profile(rng: random.Random, channel: str) -> dict[str, Any]:
    """Return what the person told the intake, with plausible mixes."""
    organisation = ORGANISATIONS.pick(rng)
    need = NEEDS.pick(rng)
    kind = channel if channel in ("phone", "webform") else "chat"
    return {
        "channel": channel,
        "organisation": organisation,
        "serving_status": SERVING_STATUS[organisation].pick(rng),
        "relation": RELATIONS.pick(rng),
        "need": need,
        "risk": (RISK_PSYCHOLOGICAL if need == "psychological" else RISK_OTHER).pick(rng),
        "language": LANGUAGES.pick(rng),
        "region": REGIONS.pick(rng) if rng.random() < 0.45 else None,
        "preference": PREFERENCES[kind].pick(rng),
        "anonymous": rng.random() < ANONYMOUS_P[channel],
    }


def _personal(
    rng: random.Random, profile: dict[str, Any], hash_phone: Callable[[str], str]
) -> dict[str, Any]:
    """Return fictional personal data: a number where the channel has one, few names."""
    channel, anonymous = profile["channel"], profile["anonymous"]
    phone: str | None = FAKE_PHONE_PREFIX + f"{rng.randrange(1_000_000):06d}"
    if channel == "phone" and anonymous and rng.random() < 0.5:
        phone = None  # number withheld
    elif channel == "webchat" and profile["preference"] != "callback":
        phone = None
    first = rng.choice(FIRST_NAMES)
    roll = rng.random()
    name = None if anonymous or roll >= 0.48 else first
    if name and roll < 0.08:
        name = f"{first} {rng.choice(SURNAMES)}"
    wants_mail = channel == "webform" and not anonymous and rng.random() < 0.4
    email = f"{first.lower()}{rng.randrange(10, 1000)}@example.org" if wants_mail else None
    return {
        "phone": phone,
        "phone_hash": hash_phone(phone) if phone else None,
        "name": name,
        "email": email,
        "text": _text(rng, profile),
        "consent": bool(phone or name or email) and not anonymous,
    }


def _text(rng: random.Random, profile: dict[str, Any]) -> str | None:
    """Return the free text a person wrote, if any; a few hold crisis phrases."""
    if rng.random() >= TEXT_P[profile["channel"]]:
        return None
    texts = TEXTS[profile["language"]]
    if rng.random() < CRISIS_TEXT_P[profile["risk"]]:
        return rng.choice(texts["crisis"])
    relation = profile["relation"]
    pool = texts[relation] if relation != "self" and rng.random() < 0.7 else texts[profile["need"]]
    return rng.choice(pool)


def routing_contact(row: dict[str, Any]) -> dict[str, Any]:
    """Return a planned contact as the routing contract's `contact` object."""
    data: dict[str, Any] = {
        "channel": row["channel"],
        "organisation": row["organisation"],
        "status": row["serving_status"],
        "relation": row["relation"],
        "need": row["need"],
        "risk": row["risk"],
        "language": row["language"],
        "preference": row["preference"],
        "anonymous": row["anonymous"],
    }
    if row["region"]:
        data["region"] = row["region"]
    if row["text"]:
        data["text"] = row["text"]
    return data


def _handle_s(rng: random.Random, channel: str) -> float:
    """Return how long a conversation takes once answered."""
    median = HANDLE_MEDIAN_S["phone" if channel == "phone" else "chat"]
    return min(max(median * rng.lognormvariate(0, 0.5), 180), 90 * 60)


def _outcome(rng: random.Random, decision: dict[str, Any]) -> str:
    """Return how an answered contact ended."""
    if decision["crisis"]:
        return CRISIS_OUTCOMES.pick(rng)
    return (BOTH_OUTCOMES if "both" in decision["flags"] else OUTCOMES).pick(rng)


def _live_timeline(
    rng: random.Random,
    channel: str,
    decision: dict[str, Any],
    state: dict[str, Any],
    routed: float,
) -> Timeline:
    """Return the timeline of a contact answered now: wait, maybe hang up, talk, close."""
    if decision["crisis"]:
        wait = rng.uniform(5, 40)
    else:
        mean = BASE_WAIT_S[decision["priority"]] + 0.5 * state[decision["queue"]]["expected_wait_s"]
        wait = min(rng.expovariate(1 / mean), MAX_WAIT_S)
        if channel == "phone" and rng.random() < ABANDON_P:
            return Timeline(None, routed + 5 + wait * rng.uniform(0.2, 1.0), "abandoned")
    answered = routed + wait
    if channel in CHAT_CHANNELS and not decision["crisis"] and rng.random() < NO_ANSWER_P:
        return Timeline(answered, answered + rng.uniform(300, 1800), "no_answer")
    return Timeline(answered, answered + _handle_s(rng, channel), _outcome(rng, decision))


def _callback_timeline(
    rng: random.Random, decision: dict[str, Any], routed: float, policy: Policy
) -> Timeline:
    """Return the timeline of a callback: attempts spaced as the policy says, then a talk.

    As `calls.attempt_ended` decides: reached (or a wrong number) ends it; after the last
    attempt it is unreachable; an evening or tomorrow window that ends before the next
    attempt is missed ("as soon as possible" is tried on after its window).
    """
    name = CALLBACK_WINDOWS.pick(rng)
    start, end = callback_window(name, datetime.fromtimestamp(routed, UTC))
    window = (name, start, end)
    span = (end - start).total_seconds()
    if name != "asap" and rng.random() < UNTRIED_P:
        return Timeline(None, _manager_closes(rng, end.timestamp()), "callback_failed", window,
                        ends="missed")
    late = name == "asap" and rng.random() < LATE_ASAP_P
    at = end.timestamp() + rng.uniform(0, 3600) if late else (
        start.timestamp() + rng.uniform(0, 0.6) * span)
    needed = CALLBACK_ATTEMPTS.pick(rng)
    reached_on = 0 if needed == "never" else int(needed)
    attempts: list[tuple[float, str]] = []
    for made in range(1, max(policy.attempts, 1) + 1):
        if made == reached_on:
            wrong = rng.random() < WRONG_NUMBER_P
            attempts.append((at, "wrong_number" if wrong else "reached"))
            if wrong:
                return Timeline(None, at + 60, "wrong_number", window, attempts, "done")
            closed = at + _handle_s(rng, "phone")
            return Timeline(at, closed, _outcome(rng, decision), window, attempts, "done")
        attempts.append((at, NOT_REACHED.pick(rng)))
        later = at + RING_S + policy.delay(made).total_seconds()
        if made < policy.attempts and (name == "asap" or later < end.timestamp()):
            at = later + rng.uniform(0, 300)
            continue
        ends = "unreachable" if made >= policy.attempts else "missed"
        return Timeline(None, _manager_closes(rng, at + RING_S), "callback_failed", window,
                        attempts, ends)
    raise AssertionError("a callback's attempts end in the loop")  # pragma: no cover


def _manager_closes(rng: random.Random, since: float) -> float:
    """Return when a manager closes the contact of an unreachable or missed callback."""
    return since + rng.uniform(*MANAGER_CLOSES_H) * 3600


def _status(timeline: Timeline, respond: str, now: float) -> str:
    """Return the status a contact has now, given its timeline."""
    if timeline.closed is not None and timeline.closed <= now:
        return "closed"
    if timeline.answered is not None and timeline.answered <= now:
        return "in_progress"
    return "waiting" if respond == "now" else "callback"


def _at(ts: float | None) -> datetime | None:
    """Return UTC seconds as an aware datetime, whole seconds."""
    return None if ts is None else datetime.fromtimestamp(int(ts), UTC)


def _external_id(channel: str, reference: str) -> str | None:
    """Return the channel's own id for a demo contact, derived from its reference."""
    digest = hashlib.blake2b(reference.encode(), digest_size=16).hexdigest()
    prefix = {"phone": "CA", "sms": "SM", "whatsapp": "SM", "webchat": "chat-"}.get(channel)
    return None if prefix is None else prefix + digest


def plan_contact(
    rng: random.Random,
    created: int,
    reference: str,
    *,
    now: int,
    decide: Decide,
    counsellors: dict[str, list[int]],
    hash_phone: Callable[[str], str],
    policy: Policy,
) -> Planned:
    """Plan one contact: profile, routing at its moment, and what happened since."""
    channel = (NIGHT_CHANNELS if _is_night(created) else DAY_CHANNELS).pick(rng)
    row = _profile(rng, channel)
    row.update(_personal(rng, row, hash_phone))
    low, high = INTAKE_S[channel]
    routed = min(created + rng.randint(low, high), now)
    routed_at = datetime.fromtimestamp(routed, UTC)
    state = demo_state(routed_at)
    decision = dict(decide(routing_contact(row), state, routed_at))
    timeline = _timeline(rng, channel, decision, state, routed, now, policy)
    status = _status(timeline, decision["respond"], now)
    served_by = _counsellor(rng, decision["queue"], counsellors) if timeline.answered else None
    row.update(_contact_row(reference, decision, timeline, status, created, routed, served_by))
    row["external_id"] = _external_id(channel, reference)
    planned = Planned(row, flags=sorted(set(decision["flags"])))
    if timeline.window is not None:
        planned.callback = _callback_row(rng, row, timeline, now)
    if channel in CHAT_CHANNELS and row["text"]:
        planned.message = _message_row(row)
    return planned


def _timeline(
    rng: random.Random,
    channel: str,
    decision: dict[str, Any],
    state: dict[str, Any],
    routed: int,
    now: int,
    policy: Policy,
) -> Timeline:
    """Return what happens to a routed contact: answered now, or called back.

    Nobody waits in a live queue when the demo is made: a contact not yet answered by now
    is being served by a demo counsellor (answered between its routing and now). A
    callback's attempts still to come are simply not made yet.
    """
    if decision["respond"] != "now":
        return _callback_timeline(rng, decision, routed, policy)
    timeline = _live_timeline(rng, channel, decision, state, routed)
    age = now - routed
    busy = age < LIVE_WINDOW_S and not decision["crisis"] and rng.random() < BUSY_NOW_P
    if busy and age < STILL_SERVED_S["phone" if channel == "phone" else "chat"]:
        return Timeline(rng.uniform(routed, now), None, None)  # in conversation now
    if _status(timeline, "now", now) == "waiting":
        return Timeline(rng.uniform(routed, now), None, None)
    return timeline


def _is_night(ts: int) -> bool:
    """Tell whether a time falls in the quiet hours (00-07 in Amsterdam)."""
    return datetime.fromtimestamp(ts, AMSTERDAM).hour < 7


def _counsellor(rng: random.Random, queue: str, counsellors: dict[str, list[int]]) -> int | None:
    """Return a demo counsellor of the queue that served a contact."""
    desk = rng.choice(("police", "veterans")) if queue == "pool" else queue
    ids = counsellors.get(desk) or []
    return rng.choice(ids) if ids else None


def _contact_row(
    reference: str,
    decision: dict[str, Any],
    timeline: Timeline,
    status: str,
    created: int,
    routed: float,
    served_by: int | None,
) -> dict[str, Any]:
    """Return the decision and timeline columns of a contact row."""
    closed = timeline.closed if status == "closed" else None
    answered = timeline.answered if status in ("closed", "in_progress") else None
    last = max(t for t in (created, routed, answered, closed) if t is not None)
    return {
        "reference": reference,
        "status": status,
        "outcome": timeline.outcome if status == "closed" else None,
        "desk": decision["desk"],
        "queue": decision["queue"],
        "overflow_direction": overflow_direction(
            decision["desk"], decision["queue"], decision["flags"]),
        "priority": decision["priority"],
        "crisis": bool(decision["crisis"]),
        "respond": decision["respond"],
        "rule": decision["rule"],
        "rules_version": decision.get("rules_version"),
        "trace": list(decision.get("trace", [])),
        "intake_step": "done",
        "assigned_user_id": served_by if answered else None,
        "created_at": _at(created),
        "updated_at": _at(last),
        "routed_at": _at(routed),
        "answered_at": _at(answered),
        "closed_at": _at(closed),
        "wait_seconds": _waited(timeline, status, answered, routed),
    }


def _waited(timeline: Timeline, status: str, answered: float | None, routed: float) -> int | None:
    """Return the seconds waited: until answered, or until an abandoned call hung up."""
    if answered is not None:
        return int(answered) - int(routed)
    if status == "closed" and timeline.outcome == "abandoned" and timeline.closed is not None:
        return int(timeline.closed) - int(routed)
    return None


def _callback_row(
    rng: random.Random, row: dict[str, Any], timeline: Timeline, now: int
) -> dict[str, Any]:
    """Return the callback request of a contact that chose to be called back, as it is now:
    pending (its next attempt still to come), calling (in conversation), or how it ended."""
    assert timeline.window is not None  # noqa: S101 - only callbacks have a window
    window, start, end = timeline.window
    made = [(at, result) for at, result in timeline.attempts if at <= now]
    upcoming = [at for at, _ in timeline.attempts[len(made):]]
    last_outcome = made[-1][1] if made else None
    state, updated = "pending", (made[-1][0] + RING_S if made else None)
    started: float | None = None
    missed: float | None = None
    if timeline.ends == "done" and made and len(made) == len(timeline.attempts):
        reached = made[-1][0]
        finished = timeline.closed if timeline.answered is not None else reached + 60
        if finished is not None and finished <= now:
            state, updated = "done", finished
        else:  # in conversation now: the attempt's outcome comes when the call ends
            state, updated, started = "calling", reached, reached
            last_outcome = made[-2][1] if len(made) > 1 else None
    elif timeline.ends in ("unreachable", "missed") and not upcoming:
        final = made[-1][0] + RING_S if made else end.timestamp()
        if final <= now:
            state, updated = timeline.ends, final
            missed = final if timeline.ends == "missed" else None
    next_try = upcoming[0] if state == "pending" and upcoming else None
    if state == "pending" and next_try is None:  # the window's end is still to come
        next_try = max(start.timestamp(), float(now))
    first = timeline.attempts[0][0] if timeline.attempts else end.timestamp()
    return {
        "phone": row["phone"],
        "window": window,
        "window_start": start,
        "window_end": end,
        "voicemail_allowed": rng.random() < 0.4,
        "attempts": len(made),
        "max_attempts": 3,
        "next_attempt_at": _at(next_try),
        "status": state,
        "claimed_by": row["assigned_user_id"] if state in ("calling", "done") else None,
        "created_at": row["routed_at"],
        "updated_at": _at(updated) if updated is not None else row["routed_at"],
        "due_at": _at(first) if first <= now else None,
        "attempt_started_at": _at(started),
        "last_outcome": last_outcome,
        "window_missed_at": _at(missed),
    }


def _message_row(row: dict[str, Any]) -> dict[str, Any]:
    """Return the first message of a text conversation."""
    return {
        "direction": "in",
        "author_user_id": None,
        "body": row["text"],
        "automatic": False,
        "external_id": row["external_id"] if row["channel"] != "webchat" else None,
        "delivery_status": None,
        "created_at": row["created_at"],
    }


@dataclass(frozen=True)
class DemoPlan:
    """What a demo run plans from: the contacts' times and references, and how to route.

    Each chunk draws from its own generator, seeded by the seed and the chunk's number, so
    the same plan gives the same contacts whichever process plans which chunk.
    """

    seed: int
    now: int
    times: list[int]
    references: list[str]
    decide: Decide
    counsellors: dict[str, list[int]]
    hash_phone: Callable[[str], str]
    policy: Policy
    chunk_size: int = CHUNK_SIZE

    @property
    def chunks(self) -> int:
        """Return how many chunks the contacts make."""
        return -(-len(self.times) // self.chunk_size)

    def chunk(self, index: int) -> list[Planned]:
        """Plan the contacts of one chunk, oldest first."""
        rng = random.Random(f"loket demo {self.seed} chunk {index}")  # noqa: S311 - demo data
        part = slice(index * self.chunk_size, (index + 1) * self.chunk_size)
        return [
            plan_contact(rng, created, reference, now=self.now, decide=self.decide,
                         counsellors=self.counsellors, hash_phone=self.hash_phone,
                         policy=self.policy)
            for created, reference in zip(self.times[part], self.references[part], strict=True)
        ]


def make_plan(
    *,
    seed: int,
    n: int,
    now: datetime,
    decide: Decide,
    counsellors: dict[str, list[int]],
    taken: set[str] | None = None,
    hash_phone: Callable[[str], str] | None = None,
    policy: Policy | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> DemoPlan:
    """Return the plan of n demo contacts; the phone hash is the current app's by default."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    times = contact_times(rng, n, now)
    refs = new_references(rng, n, set(taken or ()))
    return DemoPlan(seed=seed, now=int(now.timestamp()), times=times, references=refs,
                    decide=decide, counsellors=counsellors,
                    hash_phone=hash_phone or keyring().keyed_hash, policy=policy or Policy(),
                    chunk_size=chunk_size)


@dataclass
class Bound:
    """A chunk's rows bound by the column types (`seed_rows.Bulk`), in any process: the
    contacts without their ids, and the rows that name a contact by its place in the
    chunk; the writer gives the ids."""

    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    dependents: dict[str, list[tuple[int, tuple[Any, ...]]]] = field(default_factory=dict)
    audits: list[tuple[Any, ...]] = field(default_factory=list)


DEPENDENTS = ("contact_flag", "callback_request", "message")


def bulks(dialect: Dialect) -> dict[str, seed_rows.Bulk]:
    """Return the binders of the tables a chunk writes, for an engine's dialect (which
    holds the engine's data keys: never shared between engines)."""
    return {
        "contact": seed_rows.Bulk("contact", dialect),
        "contact_flag": seed_rows.Bulk("contact_flag", dialect),
        "callback_request": seed_rows.Bulk("callback_request", dialect, skip=("id",)),
        "message": seed_rows.Bulk("message", dialect, skip=("id",)),
        "audit_event": seed_rows.Bulk("audit_event", dialect, skip=("id",)),
    }


def bind_chunk(chunk: Sequence[Planned], dialect: Dialect) -> Bound:
    """Bind a chunk's contacts, flags, callbacks, messages and audit lines."""
    tables = bulks(dialect)
    bound = Bound(dependents={name: [] for name in DEPENDENTS})
    flags, callbacks = bound.dependents["contact_flag"], bound.dependents["callback_request"]
    messages = bound.dependents["message"]
    for place, planned in enumerate(chunk):
        bound.contacts.append(tables["contact"].bind({**planned.contact, "id": 0}))
        flags.extend((place, tables["contact_flag"].bind({"contact_id": 0, "flag": flag}))
                     for flag in planned.flags)
        if planned.callback is not None:
            callbacks.append((place, tables["callback_request"].bind(
                {**planned.callback, "contact_id": 0})))
        if planned.message is not None:
            messages.append((place, tables["message"].bind(
                {**planned.message, "contact_id": 0})))
        bound.audits.append(tables["audit_event"].bind({
            "at": planned.contact["created_at"],
            "event": "create",
            "contact_reference": planned.contact["reference"],
            "user_id": None,
            "on_behalf_of": None,
            "actor": DEMO_ACTOR,
            "detail": f"channel={planned.contact['channel']}",
        }))
    return bound


def write_chunk(engine: Engine, chunk: Sequence[Planned]) -> None:
    """Insert a chunk of planned contacts in one transaction."""
    write_bound(engine, bind_chunk(chunk, engine.dialect))


def write_bound(engine: Engine, bound: Bound, ids: Sequence[int] | None = None) -> None:
    """Write a bound chunk in one transaction: the contacts get `ids`, or new ones here.

    On SQLite the connection's page cache is made large enough to hold the indexes that
    grow at random places (references, phone hashes): with the default 2 MB, every chunk
    rewrites most of their pages. And its statement journals are kept in memory: a
    journal spilled to a temporary file costs a write per page. Neither changes any data or
    the durability of a commit (the statement journal only undoes a failed statement within
    its transaction). The report tallies' hours are marked once for the chunk rather than by
    a trigger per row (`tally.marked_once`): on SQLite a third of the writing.
    """
    tables = bulks(engine.dialect)
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
            conn.execute(text("PRAGMA temp_store = MEMORY"))
        if ids is None:
            ids = new_contact_ids(conn, len(bound.contacts))
        at = tables["contact"].columns.index("id")
        with tally.marked_once(conn, ids):
            seed_rows.write(conn, tables["contact"], [
                row[:at] + (contact_id,) + row[at + 1:]
                for contact_id, row in zip(ids, bound.contacts, strict=True)
            ])
            for name in DEPENDENTS:
                at = tables[name].columns.index("contact_id")
                seed_rows.write(conn, tables[name], [
                    row[:at] + (ids[place],) + row[at + 1:]
                    for place, row in bound.dependents[name]
                ])
        seed_rows.write(conn, tables["audit_event"], bound.audits)


def new_contact_ids(conn: Connection, n: int) -> list[int]:
    """Return n new contact ids, in order: from the sequence on PostgreSQL, after the
    highest id on SQLite (its write lock is held: no one else adds a contact meanwhile)."""
    if n == 0:
        return []
    if conn.dialect.name == "postgresql":
        return list(conn.execute(
            text("SELECT nextval(pg_get_serial_sequence('contact', 'id')) "
                 "FROM generate_series(1, :n)"), {"n": n}).scalars())
    highest = conn.execute(text("SELECT coalesce(max(id), 0) FROM contact")).scalar_one()
    return list(range(int(highest) + 1, int(highest) + 1 + n))


def existing_references(engine: Engine) -> set[str]:
    """Return the references already in use."""
    with engine.connect() as conn:
        return set(conn.execute(select(seed_rows.table("contact").c.reference)).scalars())


def seed_demo(
    engine: Engine,
    *,
    decide: Decide,
    contacts: int = DEFAULT_CONTACTS,
    seed: int = 0,
    now: datetime | None = None,
    progress: Progress | None = None,
    policy: Policy | None = None,
    workers: int = 1,
    chunk_size: int = CHUNK_SIZE,
) -> DemoSummary:
    """Add the demo users and `contacts` routed demo contacts; return what was added.

    With `workers` above 1 (and fork available), that many processes plan and write the
    chunks; they commit in order, so contact ids follow time as they would in use, and the
    data is the same as with one process.
    """
    started = time.monotonic()
    summary = DemoSummary(seed=seed)
    before = _user_count(engine)
    counsellors = create_demo_users(engine)
    summary.users_created = _user_count(engine) - before
    summary.users_seconds = time.monotonic() - started
    started = time.monotonic()
    plan = make_plan(seed=seed, n=contacts, now=now or datetime.now(UTC), decide=decide,
                     counsellors=counsellors, taken=existing_references(engine),
                     policy=policy, chunk_size=chunk_size)
    if progress is not None:
        progress(0, contacts)
    for counted in _run(engine, plan, workers):
        summary.add(counted)
        if progress is not None:
            progress(summary.contacts, contacts)
    summary.seconds = time.monotonic() - started
    return summary


def _run(engine: Engine, plan: DemoPlan, workers: int) -> Iterator[DemoSummary]:
    """Plan and write every chunk, in order; yield each chunk's counts as it commits."""
    workers = min(workers, plan.chunks)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for index in range(plan.chunks):
            chunk = plan.chunk(index)
            write_chunk(engine, chunk)
            yield counts(plan.seed, chunk)
        return
    context = multiprocessing.get_context("fork")
    turn = context.Condition()
    written = context.Value("q", 0, lock=False)  # the chunks committed so far
    with context.Pool(workers, _start_worker, (engine, plan, turn, written)) as pool:
        yield from pool.imap(_plan_and_write, range(plan.chunks))


# A demo worker's engine, plan and turn, given once when it starts (inherited on fork).
_worker: dict[str, Any] = {}


def _start_worker(engine: Engine, plan: DemoPlan, turn: Any, written: Any) -> None:
    """Start a worker: connections of its own (never the parent's), the plan, the turn."""
    engine.dispose(close=False)
    _worker.update(engine=engine, plan=plan, turn=turn, written=written)


def _plan_and_write(index: int) -> DemoSummary:
    """Plan and bind one chunk, then write it in its turn: ids follow time either way.

    SQLite has one writer: a chunk is written once every chunk before it has committed.
    PostgreSQL writes chunks side by side: a chunk takes its ids from the sequence in its
    turn (once every chunk before it has its ids), then writes while the next takes its.
    """
    plan: DemoPlan = _worker["plan"]
    turn, written = _worker["turn"], _worker["written"]
    chunk = plan.chunk(index)
    engine: Engine = _worker["engine"]
    bound = bind_chunk(chunk, engine.dialect)
    with turn:
        if not turn.wait_for(lambda: written.value == index, timeout=TURN_TIMEOUT_S):
            raise RuntimeError(f"demo: chunk {index} waited {TURN_TIMEOUT_S} s for its turn")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            ids = new_contact_ids(conn, len(bound.contacts))
        with turn:
            written.value = index + 1
            turn.notify_all()
        write_bound(engine, bound, ids)
        return counts(plan.seed, chunk)
    write_bound(engine, bound)
    with turn:
        written.value = index + 1
        turn.notify_all()
    return counts(plan.seed, chunk)


def count_tallies(engine: Engine, workers: int = 1) -> int:
    """Count the demo's contacts into the report tallies now (the scheduler would within a
    minute); return the days counted. On PostgreSQL `workers` processes count days side by
    side; SQLite has one writer."""
    from loket.reports import tally
    from loket.store.db import session_scope

    def unit_of_work() -> Any:
        return session_scope(engine)

    if (engine.dialect.name != "postgresql" or workers <= 1
            or "fork" not in multiprocessing.get_all_start_methods()):
        return tally.refresh_all(unit_of_work)

    def recount_days(days: list[date]) -> None:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(workers, len(days)), _start_counter, (engine,)) as pool:
            for _ in pool.imap_unordered(_count_day, days):
                pass

    return tally.refresh_marked(unit_of_work, recount_days)


def _start_counter(engine: Engine) -> None:
    """Start a tally counter: connections of its own (never the parent's)."""
    engine.dispose(close=False)
    _worker.update(engine=engine)


def _count_day(day: date) -> None:
    """Recount one day into the tallies (in a counter process)."""
    from loket.reports import tally
    from loket.store.db import session_scope

    engine: Engine = _worker["engine"]
    tally.recount_day(lambda: session_scope(engine), day)


def _user_count(engine: Engine) -> int:
    """Return how many users there are."""
    with engine.connect() as conn:
        users = conn.execute(select(func.count()).select_from(seed_rows.table("user")))
        return int(users.scalar_one())


def counts(seed: int, chunk: Sequence[Planned]) -> DemoSummary:
    """Return a chunk's counts by channel, desk and status, and its crisis contacts."""
    summary = DemoSummary(seed=seed)
    for planned in chunk:
        row = planned.contact
        summary.contacts += 1
        summary.by_channel[row["channel"]] += 1
        summary.by_desk[row["desk"]] += 1
        summary.by_status[row["status"]] += 1
        summary.crisis += bool(row["crisis"])
    return summary
