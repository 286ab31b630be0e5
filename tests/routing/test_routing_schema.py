"""The quick schema check agrees with jsonschema whenever it gives an answer."""

from __future__ import annotations

import copy
import json
import random
from datetime import date
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from loket.routing.paths import schema_path
from loket.routing.schema import conforms
from loket.routing.source import read_yaml
from tests.routing.routing_support import DEFAULT_RULES

ODD_VALUES: list[Any] = [None, True, False, 0, 1, 2, 1.0, 2.5, -1, 1441, "", "x", "NL", "22:00",
                         "Police", "monday", "pooled-hours", "Europe/Amsterdam", [], ["x"],
                         ["monday", "monday"], [1], {}, {"x": 1}, {"eq": 1}, {"pick": {}},
                         date(2026, 12, 24), {1: "x"}, "shorter_wait", "a" * 3]


def _validator() -> Draft202012Validator:
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _default_data() -> Any:
    data, _ = read_yaml(DEFAULT_RULES.read_text(encoding="utf-8"), str(DEFAULT_RULES))
    return data


def _places(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Return the path of every value inside a document."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _places(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _places(item, (*path, index))
    return found


def _mutate(data: Any, rng: random.Random) -> Any:
    """Return a copy of data with one or two random changes."""
    data = copy.deepcopy(data)
    for _ in range(rng.choice([1, 1, 2])):
        path = rng.choice(_places(data)[1:])
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        action = rng.randrange(4)
        if action == 0:
            parent[last] = copy.deepcopy(rng.choice(ODD_VALUES))
        elif action == 1 and isinstance(parent, dict):
            del parent[last]
        elif action == 1:
            parent.pop(last)
        elif action == 2 and isinstance(parent, dict):
            parent[rng.choice(["extra", "when", "then", "continue", "label", "pick", "eq",
                               "contact.need", "gte", "days", "any"])] = copy.deepcopy(
                rng.choice(ODD_VALUES))
        elif action == 2:
            parent.append(copy.deepcopy(parent[last]))
        else:
            parent[last] = copy.deepcopy(rng.choice(_places_values(data, rng)))
    return data


def _places_values(data: Any, rng: random.Random) -> list[Any]:
    """Return a few values found elsewhere in the document."""
    values = []
    for path in rng.sample(_places(data), 5):
        value = data
        for step in path:
            value = value[step]
        values.append(value)
    return values


def test_the_default_file_conforms() -> None:
    data = _default_data()
    assert conforms(data) is True
    assert not list(_validator().iter_errors(data))


@pytest.mark.parametrize("seed", range(4))
def test_a_quick_answer_is_the_answer_of_jsonschema(seed: int) -> None:
    rng = random.Random(seed)
    validator = _validator()
    base = _default_data()
    answered = 0
    for _ in range(60):
        data = _mutate(base, rng)
        verdict = conforms(data)
        if verdict is None:
            continue
        answered += 1
        assert verdict is validator.is_valid(data), data
    assert answered > 30
