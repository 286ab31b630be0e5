"""Check rules data against their JSON Schema quickly, without importing jsonschema.

`conforms` knows the keywords routing_rules/schema.json uses and answers True only
when the data surely conforms, the same as jsonschema would. On False (it does not) or
None (a case it leaves to jsonschema: another keyword, an unusual value) the loader
asks jsonschema, which names every problem. Loading a good file then skips importing
jsonschema and building its validator, about a third of the start-up of
`loket route`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from loket.routing.paths import schema_path

Verdict = bool | None  # True: conforms; False: does not; None: ask jsonschema
_IGNORED = frozenset({"$schema", "$id", "$defs", "title", "description"})
_TYPES: dict[str, Callable[[object], Verdict]] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "null": lambda value: value is None,
    # JSON Schema counts 1.0 as an integer; such floats are left to jsonschema.
    "integer": lambda value: None if isinstance(value, float) else (
        isinstance(value, int) and not isinstance(value, bool)),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
}
# What YAML data may hold that is a JSON value; anything else is left to jsonschema.
_JSON_TYPES = (dict, list, str, int, float, bool, type(None))


@lru_cache(maxsize=1)
def _schema() -> Any:
    """Return the JSON Schema of rules files."""
    return json.loads(schema_path().read_text(encoding="utf-8"))


def conforms(data: object) -> Verdict:
    """Return whether rules data conforms to the schema (None: ask jsonschema)."""
    root = _schema()
    return _Checker(root.get("$defs", {})).check(data, root)


def _all(verdicts: list[Verdict]) -> Verdict:
    """Return whether all hold (three-valued)."""
    if False in verdicts:
        return False
    return None if None in verdicts else True


class _Checker:
    """Check values against schemas, three-valued, for the keywords of our schema."""

    def __init__(self, defs: Mapping[str, Any]) -> None:
        self.defs = defs

    def check(self, value: object, schema: object) -> Verdict:
        """Return whether value conforms to schema."""
        if schema is True or schema is False:
            return schema
        if not isinstance(schema, dict) or not isinstance(value, _JSON_TYPES):
            return None
        verdicts: list[Verdict] = []
        for keyword, arg in schema.items():
            if keyword in _IGNORED:
                continue
            rule = _KEYWORDS.get(keyword)
            if rule is None:
                return None
            verdict = rule(self, value, arg, schema)
            if verdict is False:
                return False
            verdicts.append(verdict)
        return _all(verdicts)

    def ref(self, value: object, ref: object, schema: Mapping[str, Any]) -> Verdict:
        """Check a reference to a definition of the schema."""
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            return None
        target = self.defs.get(ref.removeprefix("#/$defs/"))
        return None if target is None else self.check(value, target)

    def types(self, value: object, names: object, schema: Mapping[str, Any]) -> Verdict:
        """Check the type (or one of the types)."""
        verdicts = [_TYPES[name](value) if name in _TYPES else None
                    for name in (names if isinstance(names, list) else [names])]
        if True in verdicts:
            return True
        return None if None in verdicts else False

    def const(self, value: object, wanted: object, schema: Mapping[str, Any]) -> Verdict:
        """Check equality with one value."""
        return self.enum(value, [wanted], schema)

    def enum(self, value: object, allowed: object, schema: Mapping[str, Any]) -> Verdict:
        """Check equality with one of the values: strings, and whole numbers among them."""
        if not isinstance(allowed, list):
            return None
        if isinstance(value, str):
            return value in [item for item in allowed if isinstance(item, str)]
        if value.__class__ is int and all(item.__class__ in (int, str) for item in allowed):
            return value in [item for item in allowed if item.__class__ is int]
        return None

    def pattern(self, value: object, pattern: object, schema: Mapping[str, Any]) -> Verdict:
        """Check a string against a regular expression (searched, as jsonschema does)."""
        if not isinstance(value, str):
            return True
        return None if not isinstance(pattern, str) else re.search(pattern, value) is not None

    def min_length(self, value: object, least: object, schema: Mapping[str, Any]) -> Verdict:
        """Check the length of a string."""
        if not isinstance(value, str):
            return True
        return None if not isinstance(least, int) else len(value) >= least

    def minimum(self, value: object, least: object, schema: Mapping[str, Any]) -> Verdict:
        """Check a number is at least the limit."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return True
        return None if not isinstance(least, int | float) else value >= least

    def maximum(self, value: object, most: object, schema: Mapping[str, Any]) -> Verdict:
        """Check a number is at most the limit."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return True
        return None if not isinstance(most, int | float) else value <= most

    def min_items(self, value: object, least: object, schema: Mapping[str, Any]) -> Verdict:
        """Check the length of an array."""
        if not isinstance(value, list):
            return True
        return None if not isinstance(least, int) else len(value) >= least

    def unique_items(self, value: object, unique: object, schema: Mapping[str, Any]) -> Verdict:
        """Check the items of an array differ (for arrays of strings)."""
        if not isinstance(value, list) or unique is False:
            return True
        if unique is not True or not all(isinstance(item, str) for item in value):
            return None
        return len(set(value)) == len(value)

    def items(self, value: object, schema_of_items: object,
              schema: Mapping[str, Any]) -> Verdict:
        """Check every item of an array."""
        if not isinstance(value, list):
            return True
        return _all([self.check(item, schema_of_items) for item in value])

    def min_properties(self, value: object, least: object,
                       schema: Mapping[str, Any]) -> Verdict:
        """Check the size of an object."""
        if not isinstance(value, dict):
            return True
        return None if not isinstance(least, int) else len(value) >= least

    def required(self, value: object, names: object, schema: Mapping[str, Any]) -> Verdict:
        """Check an object has the required keys."""
        if not isinstance(value, dict):
            return True
        return None if not isinstance(names, list) else all(name in value for name in names)

    def properties(self, value: object, schemas: object, schema: Mapping[str, Any]) -> Verdict:
        """Check the values of the named keys."""
        if not isinstance(value, dict):
            return True
        if not isinstance(schemas, dict) or not all(isinstance(key, str) for key in value):
            return None
        return _all([self.check(value[key], sub) for key, sub in schemas.items()
                     if key in value])

    def pattern_properties(self, value: object, schemas: object,
                           schema: Mapping[str, Any]) -> Verdict:
        """Check the values of the keys that match a pattern."""
        if not isinstance(value, dict):
            return True
        if not isinstance(schemas, dict) or not all(isinstance(key, str) for key in value):
            return None
        return _all([self.check(item, sub) for pattern, sub in schemas.items()
                     for key, item in value.items() if re.search(pattern, key)])

    def additional_properties(self, value: object, rest: object,
                              schema: Mapping[str, Any]) -> Verdict:
        """Check the keys neither named nor matching a pattern."""
        if not isinstance(value, dict):
            return True
        if not all(isinstance(key, str) for key in value):
            return None
        named = schema.get("properties", {})
        patterns = "|".join(schema.get("patternProperties", {}))
        extra = [key for key in value
                 if key not in named and not (patterns and re.search(patterns, key))]
        if rest is False:
            return not extra
        return _all([self.check(value[key], rest) for key in extra])

    def property_names(self, value: object, names: object,
                       schema: Mapping[str, Any]) -> Verdict:
        """Check every key of an object."""
        if not isinstance(value, dict):
            return True
        return _all([self.check(key, names) for key in value])

    def all_of(self, value: object, schemas: object, schema: Mapping[str, Any]) -> Verdict:
        """Check all of the schemas hold."""
        if not isinstance(schemas, list):
            return None
        return _all([self.check(value, sub) for sub in schemas])

    def any_of(self, value: object, schemas: object, schema: Mapping[str, Any]) -> Verdict:
        """Check at least one of the schemas holds."""
        if not isinstance(schemas, list):
            return None
        verdicts = [self.check(value, sub) for sub in schemas]
        if True in verdicts:
            return True
        return None if None in verdicts else False

    def one_of(self, value: object, schemas: object, schema: Mapping[str, Any]) -> Verdict:
        """Check exactly one of the schemas holds."""
        if not isinstance(schemas, list):
            return None
        verdicts = [self.check(value, sub) for sub in schemas]
        if None in verdicts:
            return None
        return verdicts.count(True) == 1


_KEYWORDS: dict[str, Callable[[_Checker, object, object, Mapping[str, Any]], Verdict]] = {
    "$ref": _Checker.ref,
    "type": _Checker.types,
    "const": _Checker.const,
    "enum": _Checker.enum,
    "pattern": _Checker.pattern,
    "minLength": _Checker.min_length,
    "minimum": _Checker.minimum,
    "maximum": _Checker.maximum,
    "minItems": _Checker.min_items,
    "uniqueItems": _Checker.unique_items,
    "items": _Checker.items,
    "minProperties": _Checker.min_properties,
    "required": _Checker.required,
    "properties": _Checker.properties,
    "patternProperties": _Checker.pattern_properties,
    "additionalProperties": _Checker.additional_properties,
    "propertyNames": _Checker.property_names,
    "allOf": _Checker.all_of,
    "anyOf": _Checker.any_of,
    "oneOf": _Checker.one_of,
}
