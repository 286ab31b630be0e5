"""The valid values of every contact, state and decision field."""

from __future__ import annotations

from typing import Literal, get_args

Channel = Literal["phone", "sms", "whatsapp", "webchat", "webform"]
Organisation = Literal["police", "defence", "both", "unknown"]
Status = Literal["serving", "former", "unknown"]
Relation = Literal["self", "family", "colleague", "professional"]
Need = Literal["psychological", "practical", "peer_support", "information", "unknown"]
Risk = Literal["none", "concern", "acute"]
Language = Literal["nl", "en"]
Preference = Literal["callback", "now", "chat"]
Region = Literal["DR", "FL", "FR", "GE", "GR", "LI", "NB", "NH", "OV", "UT", "ZE", "ZH"]
Desk = Literal["police", "veterans", "debasis"]
Queue = Literal["police", "veterans", "debasis", "pool"]
Priority = Literal["urgent", "high", "normal", "low"]
Respond = Literal["now", "callback"]
Flag = Literal["anonymous", "both", "crisis", "overflow", "pooled"]
Metric = Literal["waiting", "available", "expected_wait_s"]

CHANNELS: tuple[Channel, ...] = get_args(Channel)
ORGANISATIONS: tuple[Organisation, ...] = get_args(Organisation)
STATUSES: tuple[Status, ...] = get_args(Status)
RELATIONS: tuple[Relation, ...] = get_args(Relation)
NEEDS: tuple[Need, ...] = get_args(Need)
RISKS: tuple[Risk, ...] = get_args(Risk)
LANGUAGES: tuple[Language, ...] = get_args(Language)
PREFERENCES: tuple[Preference, ...] = get_args(Preference)
REGIONS: tuple[Region, ...] = get_args(Region)
DESKS: tuple[Desk, ...] = get_args(Desk)
QUEUES: tuple[Queue, ...] = get_args(Queue)
PRIORITIES: tuple[Priority, ...] = get_args(Priority)
RESPONSES: tuple[Respond, ...] = get_args(Respond)
FLAGS: tuple[Flag, ...] = get_args(Flag)
METRICS: tuple[Metric, ...] = get_args(Metric)

# The desks that pool their capacity and overflow to each other.
PAIRED_DESKS: tuple[Desk, Desk] = ("police", "veterans")

# The other desk of each desk of that pair.
OTHER_DESK: dict[str, str] = {"police": "veterans", "veterans": "police"}

# The four steps of a policy, in the order they run, and the field each decides.
STEPS: tuple[str, ...] = ("owner", "priority", "queue", "response")
STEP_FIELD: dict[str, str] = {
    "owner": "desk",
    "priority": "priority",
    "queue": "queue",
    "response": "respond",
}
