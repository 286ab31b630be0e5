"""A staff request that breaks a rule, said so that a page and the API can both use it."""

from __future__ import annotations


class Refused(ValueError):
    """A counsellor's request that breaks a rule: `field` names it, `key` (with `values`)
    lets a page say it in the reader's language; the message is the API's English."""

    def __init__(self, message: str, *, field: str, key: str, **values: object) -> None:
        super().__init__(f"{field}: {message}")
        self.message = message
        self.field = field
        self.key = key
        self.values = values
