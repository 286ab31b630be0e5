"""The routing rules in force in this process: loaded at start, reloaded when the file changes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from flask import Flask, current_app

from loket.config import PROJECT_ROOT, Settings
from loket.routing import RulesHolder

log = structlog.get_logger(__name__)
DEFAULT_RULES = PROJECT_ROOT / "routing_rules" / "default.yaml"
# One holder per rules file and check interval in a process: apps built in the same process
# (tests, CLI commands) share the compiled rules instead of compiling them again.
_holders: dict[tuple[str, float], RulesHolder] = {}


def rules_path(settings: Settings) -> Path:
    """Return the rules file this process uses."""
    return Path(settings.rules_path or os.environ.get("LOKET_RULES_PATH") or DEFAULT_RULES)


def init_app(app: Flask, settings: Settings) -> None:
    """Load the rules once; a broken file stops the start with its errors."""
    key = (str(rules_path(settings).resolve()), settings.rules_reload_s)
    if key not in _holders:
        _holders[key] = RulesHolder(key[0], settings.rules_reload_s)
    app.extensions["loket.rules"] = _holders[key]


def holder(app: Flask | None = None) -> RulesHolder:
    """Return the app's rules holder."""
    h: RulesHolder = (app or current_app).extensions["loket.rules"]
    return h


def decide(contact: Mapping[str, Any], state: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """Route one contact with the rules in force; return the decision as the contract's JSON."""
    return holder().current().decide_json(contact, state, at)


def is_crisis_text(text: str | None) -> bool:
    """Tell whether a text holds a crisis phrase of the rules in force."""
    return bool(text) and holder().current().is_crisis_text(text or "")
