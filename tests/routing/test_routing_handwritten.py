"""The benchmark's hand-written policy decides exactly as the compiled default rules."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from loket.routing import parse_request
from tests.routing.routing_support import ROOT, default_rules


def _module(name: str) -> ModuleType:
    """Import a module of bench/ by file."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_handwritten_and_compiled_agree() -> None:
    handwritten = _module("handwritten_policy")
    bench = _module("bench_routing")
    rules = default_rules()
    requests = bench.make_requests(4000, seed=7)
    differences = []
    kinds = set()
    for raw in requests:
        request = parse_request(raw)
        compiled = rules.decide(request.contact, request.state, request.at)
        by_hand = handwritten.decide_by_hand(request.contact, request.state, request.at,
                                             rules.is_crisis_text)
        kinds.add((compiled.desk, compiled.queue, compiled.priority, compiled.flags))
        if tuple(compiled[:7]) != tuple(by_hand):
            differences.append((raw, compiled[:7], by_hand))
    assert not differences, differences[:3]
    assert len(kinds) > 40  # the random requests reach many outcomes
