"""The API's bodies as pydantic models: they validate what comes in and describe what goes
out, and the OpenAPI document (`/api/v1/openapi.json`) is generated from them.

Shapes are DESIGN.md's ("The command line and the API"). Bodies refuse unknown fields, so a
misspelt field is named, not silently ignored. Queue rows carry no personal data.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.json_schema import SkipJsonSchema

from loket.domain import break_glass, contacts, conversations, workspace
from loket.routing import values
from loket.routing.values import Desk


def one_of(allowed: Iterable[str]) -> WithJsonSchema:
    """Describe a string the API answers as one of these values (the code's own)."""
    return WithJsonSchema({"type": "string", "enum": list(allowed)})


# What a contact is described by: strings in the store, whose values the routing contract
# (`loket.routing.values`) and the contact's life (`contacts.STATUS_RANK`) define; the
# document lists them, the answers are not checked against them again.
ChannelName = Annotated[str, one_of(values.CHANNELS)]
DeskName = Annotated[str, one_of(values.DESKS)]
QueueName = Annotated[str, one_of(values.QUEUES)]
PriorityName = Annotated[str, one_of(values.PRIORITIES)]
FlagName = Annotated[str, one_of(values.FLAGS)]
StatusName = Annotated[str, one_of(contacts.STATUS_RANK)]

QUEUE_PAGE = 100  # a queue's contacts listed when the client names no `limit`
# A conversation's messages in one answer (`Link: rel="next"`: more), as a page shows them.
MESSAGES_PAGE = conversations.MESSAGES_PAGE


class Body(BaseModel):
    """A request body: a JSON object with only the fields named here."""

    model_config = ConfigDict(extra="forbid")


class Retry(BaseModel):
    """The headers of a call that changes something: an optional key that makes a retry
    safe (every other header passes, and is not kept)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    idempotency_key: str | SkipJsonSchema[None] = Field(
        default=None, alias="Idempotency-Key", min_length=1, max_length=255,
        pattern=r"^[!-~]+$",
        description="a key the client makes up for this one call (a UUID, say), sent again "
                    "with a retry: the same key with the same body answers the first "
                    "answer again and does nothing more (header `Idempotent-Replayed: "
                    "true`); with another body it is refused (422, field "
                    "`Idempotency-Key`). Keys are kept per token for at least 24 hours. "
                    "Only a call that succeeded is kept: a refused one is judged again.")


class ReplyIn(Body):
    """A counsellor's reply, sent on the contact's own channel."""

    text: str = Field(min_length=1, max_length=workspace.MAX_REPLY)


class NoteIn(Body):
    """A note on a contact, kept encrypted."""

    text: str = Field(min_length=1, max_length=workspace.MAX_NOTE)


class TransferIn(Body):
    """Hand a held contact over to another desk, with what that desk needs to know."""

    desk: Desk
    note: str = Field(min_length=1, max_length=workspace.MAX_NOTE)


class CloseIn(Body):
    """Close a held contact with its outcome (the default list; configurable)."""

    outcome: str = Field(min_length=1, max_length=32,
                         json_schema_extra={"examples": list(workspace.CLOSE_OUTCOMES)})
    note: str = Field(default="", max_length=workspace.MAX_NOTE)
    contact_type: str = Field(default="conversation", max_length=16,
                              json_schema_extra={"examples": list(workspace.CONTACT_TYPES)})
    categories: list[str] = Field(default_factory=list, max_length=20,
                                  json_schema_extra={"examples": [["psychological/stress"]]})
    seen: int | None = Field(
        default=None, ge=0, le=2**62,
        description="the id of the newest message the counsellor had on screen: the close "
                    "is refused (409) while the person wrote after it")


class BreakGlassIn(Body):
    """Why another desk's contact must be opened now (logged as an emergency access)."""

    reason: str = Field(min_length=break_glass.MIN_REASON, max_length=break_glass.MAX_REASON)


class AvailabilityIn(Body):
    """The counsellor's availability."""

    status: workspace.Availability


class QueueItemOut(BaseModel):
    """One contact waiting in a queue: no personal data."""

    reference: str
    channel: ChannelName
    priority: PriorityName | None
    flags: list[FlagName]
    waiting_since: datetime
    chat_ended: bool = Field(
        default=False,
        description="a web chat its person can no longer read: a reply to it is refused")


class QueueQuery(BaseModel):
    """How much of a queue to list."""

    limit: int = Field(default=QUEUE_PAGE, ge=1, le=workspace.QUEUE_SHOWN,
                       description="list at most this many (the first, crisis first)")


class ContactQuery(BaseModel):
    """Which page of a contact's conversation to show."""

    after: int = Field(default=0, ge=0, le=2**62,
                       description="only the messages after this one (its id): a client "
                                   "polling a conversation sends the newest id it has. At "
                                   f"most {MESSAGES_PAGE} come at once, oldest first; while "
                                   'more follow, the answer has `Link: <...>; rel="next"`')


class QueueOut(BaseModel):
    """A queue's open contacts, crisis first, then by priority and wait."""

    queue: QueueName
    items: list[QueueItemOut]
    total: int = Field(description="how many contacts wait in this queue (counted up to "
                                   f"{workspace.QUEUE_SHOWN}): more than `items` when "
                                   "the list was cut at `limit`")


class MessageOut(BaseModel):
    """One message of the conversation."""

    id: int = Field(description="its number: a later message has a higher one")
    direction: Literal["in", "out"]
    text: str
    at: datetime


class NoteOut(BaseModel):
    """One note: handover notes first."""

    kind: str
    text: str
    at: datetime
    by: str | None = Field(description="the author's display name")


class ContactOut(BaseModel):
    """A contact's details (reading them is audited)."""

    reference: str
    channel: ChannelName
    desk: DeskName | None
    queue: QueueName | None
    priority: PriorityName | None
    crisis: bool
    flags: list[FlagName]
    status: StatusName
    claimed_by: str | None = Field(description="the e-mail address of who holds it")
    waiting_since: datetime
    messages: list[MessageOut]
    notes: list[NoteOut]
    history: list[str] = Field(description="earlier contacts of the person this user may see")
    chat_ended: bool = Field(
        default=False,
        description="a web chat its person can no longer read (they closed it, or left it "
                    "unused past the idle limit): a reply to it is refused (422, field text); "
                    "they can start a new chat. Always false for other channels")


class ClaimOut(BaseModel):
    """A claimed contact."""

    status: Literal["claimed"]
    claimed_by: str


class DoneOut(BaseModel):
    """What a call did to the contact."""

    status: str


class CreatedOut(BaseModel):
    """A message or note made."""

    id: int
    status: str


class AvailabilityOut(BaseModel):
    """The counsellor's availability now."""

    status: str


class ErrorOut(BaseModel):
    """Why a call was refused: `field` names the field (or the rule) at fault."""

    error: str
    field: str | None = None
    holder: str | None = Field(default=None, description="who holds the contact, on a 409")
