"""A staff request that breaks a rule, said so that a page and the API can both use it."""

from __future__ import annotations

from pydantic import ValidationError


class Refused(ValueError):
    """A counsellor's request that breaks a rule: `field` names it, `key` (with `values`)
    lets a page say it in the reader's language; the message is the API's English."""

    def __init__(self, message: str, *, field: str, key: str, **values: object) -> None:
        super().__init__(f"{field}: {message}")
        self.message = message
        self.field = field
        self.key = key
        self.values = values


def written(text: str, *, field: str, limit: int, minimum: int = 1,
            short_key: str = "") -> str:
    """Return what a counsellor wrote, trimmed; Refused when it is empty or shorter than
    `minimum` (`short_key` says so, with `n`), or longer than `limit`."""
    body = text.strip()
    if len(body) < minimum:
        wanted = "write something" if minimum <= 1 else f"write at least {minimum} characters"
        raise Refused(wanted, field=field, key=short_key, n=minimum)
    if len(body) > limit:
        raise Refused(f"at most {limit} characters", field=field, key="r_too_long", n=limit)
    return body


def validation_line(exc: ValidationError) -> str:
    """Return the first validation error as `field: reason` (the domain's English)."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "input"
    reason = str(err["msg"]).removeprefix("Value error, ")
    return reason if reason.startswith(field) or ": " in reason else f"{field}: {reason}"


def refusal_key(line: str, refusals: tuple[tuple[str, str, str], ...], default: str) -> str:
    """Return the text key of a refusal the domain gave as `field: reason` (in English):
    the first of `refusals` (field, a word of the reason, key) that matches, else
    `default`. A page or the command line then says it in the reader's language."""
    field, _, reason = line.partition(": ")
    for name, word, key in refusals:
        if field == name and word in reason:
            return key
    return default
