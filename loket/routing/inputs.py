"""Turn a request JSON object into typed routing values, or say what is wrong."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from loket.routing.model import Contact, QueueState, RoutingRequest, State
from loket.routing.values import (
    CHANNELS,
    LANGUAGES,
    METRICS,
    NEEDS,
    ORGANISATIONS,
    PREFERENCES,
    QUEUES,
    REGIONS,
    RELATIONS,
    RISKS,
    STATUSES,
)

_ENUM_FIELDS: dict[str, tuple[str, ...]] = {
    "channel": CHANNELS,
    "organisation": ORGANISATIONS,
    "status": STATUSES,
    "relation": RELATIONS,
    "need": NEEDS,
    "risk": RISKS,
    "language": LANGUAGES,
    "preference": PREFERENCES,
    "region": REGIONS,
}
_ENUM_SETS = {name: frozenset(values) for name, values in _ENUM_FIELDS.items()}
# Every valid (field, value) of the fixed-value fields: one lookup checks both.
_VALID_PAIRS = frozenset((name, value) for name, values in _ENUM_FIELDS.items()
                         for value in values)
_CONTACT_FIELDS = (*_ENUM_FIELDS, "text", "anonymous")
_CONTACT_KEYS = frozenset(_CONTACT_FIELDS)
_REQUEST_KEYS = ("contact", "state", "at")
_QUEUE_KEYS = frozenset(QUEUES)
_METRIC_KEYS = frozenset(METRICS)
_INFINITY = float("inf")
_new_tuple = tuple.__new__
_EMPTY_QUEUE = QueueState()
_EMPTY_STATE = State()
_REQUEST_KEY_SET = frozenset(("contact", "state", "at"))


class RoutingInputError(ValueError):
    """A request field has a wrong type or an unknown value."""

    def __init__(self, field: str, value: object, problem: str) -> None:
        self.field = field
        self.value = value
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def _show(value: object) -> str:
    """Return a short printable form of a JSON value for an error message."""
    text = repr(value) if not isinstance(value, bool | type(None)) else _json_name(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _json_name(value: bool | None) -> str:
    """Return the JSON spelling of true, false and null."""
    return "null" if value is None else ("true" if value else "false")


def _type_name(value: object) -> str:
    """Return the JSON type name of a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _wrong_type(field: str, value: object, expected: str) -> RoutingInputError:
    """Return the error for a value of the wrong JSON type."""
    got = "null" if value is None else f"{_type_name(value)} {_show(value)}"  # not "null null"
    return RoutingInputError(field, value, f"expected {expected}, got {got}")


def _unknown_keys(where: str, obj: Mapping[str, Any], allowed: frozenset[str],
                  names: tuple[str, ...]) -> None:
    """Raise for the first key of obj that is not allowed."""
    for key in obj:
        if key not in allowed:
            raise RoutingInputError(
                f"{where}.{key}" if where else str(key), key,
                f"unknown field (expected one of {', '.join(names)})",
            )


def parse_contact(obj: object, *, where: str = "contact") -> Contact:
    """Return the Contact in a JSON object, applying the contract's defaults."""
    if obj.__class__ is dict:
        # The common case, in one pass of C: known values, text a string or null, anonymous
        # true or false. Anything else takes the careful path, which names what is wrong.
        fields: dict[str, Any] = obj
        text = None
        anonymous = False
        if "text" in obj or "anonymous" in obj:
            fields = obj.copy()
            text = fields.pop("text", None)
            anonymous = fields.pop("anonymous", False)
        try:
            known = _VALID_PAIRS.issuperset(fields.items())
        except TypeError:  # an array or an object as a value
            known = False
        if (known and "channel" in fields and (text is None or text.__class__ is str)
                and (anonymous is False or anonymous is True)):
            get = fields.get
            channel = fields["channel"]
            return _new_tuple(Contact, (
                channel, get("organisation", "unknown"), get("status", "unknown"),
                get("relation", "self"), get("need", "unknown"), get("risk", "none"),
                get("language", "nl"), get("region"),
                get("preference") or ("callback" if channel == "webform" else "now"),
                text, anonymous))
    return _parse_contact(obj, where)


def _parse_contact(obj: object, where: str) -> Contact:
    """Return the Contact in a JSON object, or raise naming the first field that is wrong."""
    if not isinstance(obj, dict):
        raise _wrong_type(where, obj, "an object")
    values: dict[str, Any] = {}
    for name, value in obj.items():
        allowed = _ENUM_SETS.get(name)
        if allowed is not None:
            if value.__class__ is str and value in allowed:
                values[name] = value
            elif value is not None:
                if not isinstance(value, str):
                    raise _wrong_type(f"{where}.{name}", value, "a string")
                raise RoutingInputError(
                    f"{where}.{name}", value, f"unknown value {value!r} "
                    f"(expected one of {', '.join(_ENUM_FIELDS[name])})")
        elif name == "text":
            if value is not None and not isinstance(value, str):
                raise _wrong_type(f"{where}.text", value, "a string or null")
            values["text"] = value
        elif name == "anonymous":
            if value is not None and not isinstance(value, bool):
                raise _wrong_type(f"{where}.anonymous", value, "true or false")
            values["anonymous"] = bool(value)
        else:
            _unknown_keys(where, {name: value}, _CONTACT_KEYS, _CONTACT_FIELDS)
    if "channel" not in values:
        raise RoutingInputError(f"{where}.channel", obj.get("channel"), "is required")
    return Contact(**values)


def _count(field: str, value: object, *, integer: bool) -> float:
    """Return a non-negative number from a state metric."""
    if value.__class__ is bool or not isinstance(value, int | float):
        raise _wrong_type(field, value, "a non-negative integer" if integer else
                          "a non-negative number")
    if integer and not isinstance(value, int):
        if not float(value).is_integer():
            raise RoutingInputError(field, value, f"expected a whole number, got {value!r}")
        value = int(value)
    if value < 0 or value != value or value == float("inf"):
        raise RoutingInputError(field, value, f"expected a non-negative number, got {value!r}")
    return value


def _queue_state(field: str, load: object) -> QueueState:
    """Return the load of one queue from its JSON object."""
    if not isinstance(load, dict):
        raise _wrong_type(field, load, "an object")
    waiting: Any = load.get("waiting", 0)
    available: Any = load.get("available", 0)
    wait: Any = load.get("expected_wait_s", 0)
    if (waiting.__class__ is int and available.__class__ is int
            and (wait.__class__ is float or wait.__class__ is int)
            and waiting >= 0 and available >= 0 and 0 <= wait < _INFINITY
            and _METRIC_KEYS.issuperset(load)):
        return _new_tuple(QueueState, (waiting, available, wait))
    _unknown_keys(field, load, _METRIC_KEYS, METRICS)
    return QueueState(
        waiting=int(_count(f"{field}.waiting", waiting, integer=True)),
        available=int(_count(f"{field}.available", available, integer=True)),
        expected_wait_s=_count(f"{field}.expected_wait_s", wait, integer=False),
    )


def parse_state(obj: object, *, where: str = "state") -> State:
    """Return the State in a JSON object; a missing queue or metric counts as 0."""
    if obj is None:
        return _EMPTY_STATE
    if not isinstance(obj, dict):
        raise _wrong_type(where, obj, "an object")
    queues: dict[str, QueueState] = {}
    for queue, load in obj.items():
        if queue not in _QUEUE_KEYS:
            _unknown_keys(where, {queue: load}, _QUEUE_KEYS, QUEUES)
        if load is None:
            continue
        if load.__class__ is dict and len(load) == 3:  # every metric given: the common case
            waiting: Any = load.get("waiting")
            available: Any = load.get("available")
            wait: Any = load.get("expected_wait_s")
            if (waiting.__class__ is int and available.__class__ is int
                    and (wait.__class__ is float or wait.__class__ is int)
                    and waiting >= 0 and available >= 0 and 0 <= wait < _INFINITY):
                queues[queue] = _new_tuple(QueueState, (waiting, available, wait))
                continue
        queues[queue] = _queue_state(f"{where}.{queue}", load)
    get = queues.get
    return _new_tuple(State, (get("police", _EMPTY_QUEUE), get("veterans", _EMPTY_QUEUE),
                              get("debasis", _EMPTY_QUEUE), get("pool", _EMPTY_QUEUE)))


def parse_at(value: object, *, where: str = "at",
             now: Callable[[], datetime] | None = None) -> datetime:
    """Return the ISO 8601 time with offset in value; None means now."""
    if value is None:
        return now() if now is not None else datetime.now(UTC)
    if not isinstance(value, str):
        raise _wrong_type(where, value, "an ISO 8601 time string")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise RoutingInputError(
            where, value, f"not an ISO 8601 time: {_show(value)}"
        ) from None
    if at.tzinfo is None or at.utcoffset() is None:
        raise RoutingInputError(
            where, value, f"{_show(value)} has no UTC offset (add e.g. +01:00 or Z)"
        )
    return at


def parse_request(obj: object, *, now: Callable[[], datetime] | None = None) -> RoutingRequest:
    """Return the contact, state and time of a request JSON object."""
    if not isinstance(obj, dict):
        raise _wrong_type("request", obj, "a JSON object")
    if not obj.keys() <= _REQUEST_KEY_SET:
        _unknown_keys("", obj, _REQUEST_KEY_SET, _REQUEST_KEYS)
    if "contact" not in obj:
        raise RoutingInputError("contact", None, "is required")
    return _new_tuple(RoutingRequest, (parse_contact(obj["contact"]), parse_state(obj.get("state")),
                                       parse_at(obj.get("at"), now=now)))
