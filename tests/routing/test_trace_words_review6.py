"""The routing trace in Dutch is routing's own: `loket route --explain` says it without
importing Flask, the language given as an argument (review 6)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.routing.routing_support import ROOT

REQUEST = json.dumps({"contact": {"channel": "phone", "organisation": "police"},
                      "at": "2026-12-25T14:00:00+01:00"})
# Runs `loket route --explain` in this process, then says which web modules it imported.
EXPLAIN = """
import sys
from loket.cli import main
try:
    main(["route", "--explain"])
except SystemExit as done:
    assert done.code in (0, None), done.code
print(sorted(m for m in ("flask", "werkzeug", "jinja2", "loket.desk") if m in sys.modules),
      file=sys.stderr)
"""


def test_route_explain_says_why_in_dutch_without_importing_flask() -> None:
    env = {"PATH": "/usr/bin:/bin", "LANG": "nl_NL.UTF-8", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", EXPLAIN], input=REQUEST, capture_output=True,
                          text=True, cwd=ROOT, env=env, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert ("pooled-hours: ja (eigen desk is politie en vr 25 dec 2026 14:00 (Europe/Amsterdam) "
            "valt in pooled-hours: feestdag (Eerste kerstdag)) -> wachtrij gezamenlijk, kenmerk "
            "gezamenlijk") in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_the_translation_takes_the_language_as_an_argument() -> None:
    from loket.routing.trace_words import in_language

    line = "police: yes (organisation is police) -> desk police"
    assert in_language(line, "nl") == "police: ja (organisatie is politie) -> desk politie"
    assert in_language(line, "en") == line
