"""Benchmark the crisis patterns: recall and false alarms on the labelled corpus, and time.

Run: .venv/bin/python bench/bench_crisis.py [--rules PATH] [--show]

Prints, per language, the recall on the crisis half and the false-alarm rate on the plain
half of tests/routing/crisis_corpus/ (the patterns of routing_rules/default.yaml), the
matching time per corpus message, and the time to match bodies of 256 KB (one word, random
words, and ordinary words with a crisis at the end). Exits 1 when a target is missed: 100%
recall, at most 3% false alarms per language, and every 256 KB body matched in under 50 ms
(best of 5, each round with nothing remembered of the round before).
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loket.routing import PhraseMatcher, default_rules_path, load_rules  # noqa: E402

CORPUS = ROOT / "tests" / "routing" / "crisis_corpus"
TARGET_RECALL = 1.0
TARGET_FALSE_ALARMS = 0.03
TARGET_LONG_MS = 50.0
LONG = 256 * 1024


def _long_bodies() -> dict[str, str]:
    """Return the 256 KB bodies that once took a worker's memory and CPU."""
    rng = random.Random(9)
    words = [("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 12))))
             for _ in range(40_000)]
    ordinary = ("Ik heb een vraag over mijn pensioen en de nazorg na mijn uitzending. " * 4000)
    return {
        "one word": "a" * LONG,
        "random words": " ".join(words)[:LONG],
        "ordinary, crisis at the end": ordinary[:LONG - 40] + " ik wil er een einde aan maken",
    }


def _best_ms(run: Callable[[], object], rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best * 1000


def _first_sight_ms(matcher: PhraseMatcher, body: str) -> float:
    """Return the time to match body with nothing remembered of earlier texts."""
    matcher.forget()
    start = time.perf_counter()
    matcher.find(body)
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=Path, default=None,
                        help="the rules file to measure (default: the one in force)")
    parser.add_argument("--show", action="store_true",
                        help="list the crisis lines missed and the plain lines flagged")
    args = parser.parse_args()
    failed = False
    path = args.rules or default_rules_path()
    rules = load_rules(path)
    matcher = rules.phrases["crisis"]
    print(f"crisis patterns of {path.name}: {len(rules.phrases['crisis'].phrases)}")
    for language in ("nl", "en"):
        rows = [row for path in sorted(CORPUS.glob("*.jsonl"))
                for row in map(json.loads, path.open(encoding="utf-8"))
                if row["language"] == language]
        crisis = [row["text"] for row in rows if row["label"] == "crisis"]
        plain = [row["text"] for row in rows if row["label"] == "plain"]
        found = sum(rules.is_crisis_text(text) for text in crisis)
        alarms = sum(rules.is_crisis_text(text) for text in plain)
        recall, false_alarms = found / len(crisis), alarms / len(plain)
        matcher.forget()
        texts = crisis + plain
        per_message = _best_ms(lambda: [matcher.find(t) for t in texts], 1)  # noqa: B023
        if args.show:
            for text in crisis:
                if not rules.is_crisis_text(text):
                    print(f"  missed: {text}")
            for text in plain:
                found_pattern = rules.find_crisis_phrase(text)
                if found_pattern is not None:
                    print(f"  flagged by {found_pattern.phrase}: {text}")
        ok = recall >= TARGET_RECALL and false_alarms <= TARGET_FALSE_ALARMS
        failed |= not ok
        print(f"{language}: recall {recall:.1%} ({found}/{len(crisis)}), false alarms "
              f"{false_alarms:.1%} ({alarms}/{len(plain)}), "
              f"{per_message * 1000 / len(texts):.0f} us a message, first sight "
              f"(targets 100%, <= 3%) {'ok' if ok else 'MISSED'}")
    for name, body in _long_bodies().items():
        ms = min(_first_sight_ms(matcher, body) for _ in range(5))
        crisis_found = rules.is_crisis_text(body)
        ok = ms < TARGET_LONG_MS
        failed |= not ok
        print(f"256 KB, {name}: {max(ms, 0.0):.1f} ms (crisis: {crisis_found}) "
              f"(target < {TARGET_LONG_MS:.0f} ms) {'ok' if ok else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
