"""`loket route --batch` names what is wrong with a bad line (review 5)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from loket.cli.route import route_command

GOOD = json.dumps({"contact": {"channel": "phone", "organisation": "police"},
                   "at": "2026-12-23T12:00:00+01:00"}).encode()
# Valid JSON but not UTF-8: "café" written in Latin-1.
LATIN1 = b'{"contact": {"channel": "sms", "text": "caf\xe9"}}'


def _batch(stdin: bytes, lang: str = "nl"):  # noqa: ANN202
    """Run `loket route --batch` in-process under a locale of this language."""
    locale = "en_GB.UTF-8" if lang == "en" else "nl_NL.UTF-8"
    return CliRunner().invoke(route_command, ["--batch"], input=stdin,
                              env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": locale})


def test_a_line_not_in_utf8_is_named_with_its_number() -> None:
    result = _batch(GOOD + b"\n" + LATIN1 + b"\n" + GOOD + b"\n")
    assert result.exit_code == 2
    assert len(result.stdout.splitlines()) == 1  # the decisions before it, then stop
    assert result.stderr == "fout: regel 2: request: geen UTF-8-tekst (byte 44)\n"


def test_a_line_not_in_utf8_in_english() -> None:
    result = _batch(LATIN1 + b"\n", "en")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "error: line 1: request: not UTF-8 text (byte 44)\n"


def test_a_bad_field_after_a_byte_order_mark_is_named() -> None:
    bad = json.dumps({"contact": {"channel": "fax"}}).encode()
    result = _batch(GOOD + b"\n" + b"\xef\xbb\xbf" + bad + b"\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("fout: regel 2: contact.channel: onbekende waarde 'fax'")


def _one(stdin: bytes):  # noqa: ANN202
    """Run `loket route` (one request) in-process under a Dutch locale."""
    return CliRunner().invoke(route_command, [], input=stdin,
                              env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": "nl_NL.UTF-8"})


def test_one_request_not_in_utf8_is_named_as_in_a_batch() -> None:
    result = _one(LATIN1)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "fout: request: geen UTF-8-tekst (byte 44)\n"


def test_one_request_after_a_byte_order_mark_is_routed() -> None:
    result = _one(b"\xef\xbb\xbf" + GOOD)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["desk"] == "police"
