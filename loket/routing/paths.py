"""Where the rules files live."""

from __future__ import annotations

import os
from pathlib import Path

RULES_PATH_ENV = "LOKET_RULES_PATH"


def rules_dir() -> Path:
    """Return the project's routing_rules folder, beside the loket package."""
    # This file is loket/routing/paths.py; robust even when loket is a namespace package.
    return Path(__file__).resolve().parent.parent.parent / "routing_rules"


def default_rules_path() -> Path:
    """Return the rules file in force: $LOKET_RULES_PATH, else routing_rules/default.yaml."""
    configured = os.environ.get(RULES_PATH_ENV)
    return Path(configured) if configured else rules_dir() / "default.yaml"


def schema_path() -> Path:
    """Return the JSON Schema of rules files."""
    return rules_dir() / "schema.json"
