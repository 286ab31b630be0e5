"""`loket route` given JSON nested deeper than the parser reads (a corrupt or generated
file): one line naming it and exit 2, alone and as a batch's line, never a traceback."""

from __future__ import annotations

from tests.routing.test_routing_cli import LINE, _spawn

DEEP = '{"contact": {"channel": "phone", "text": ' + "[" * 5000 + "]" * 5000 + "}}"


def test_one_request_nested_too_deeply_is_one_line_and_exit_2() -> None:
    done = _spawn([], DEEP)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "fout: request: geen geldige JSON (te diep genest om te lezen)\n"


def test_a_batch_line_nested_too_deeply_is_named_after_the_lines_before_it() -> None:
    done = _spawn(["--batch"],
                  "\n".join([LINE, DEEP, LINE]) + "\n")
    assert done.returncode == 2 and len(done.stdout.splitlines()) == 1
    assert done.stderr == ("fout: regel 2: request: geen geldige JSON (te diep genest om te "
                           "lezen)\n")
