"""The routing rules in force in this process: loaded at start, reloaded when the file changes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from flask import Flask, current_app

from loket.config import PROJECT_ROOT, ConfigError, Settings, os_reason
from loket.routing import Rules, RulesError, RulesHolder

log = structlog.get_logger(__name__)
DEFAULT_RULES = PROJECT_ROOT / "routing_rules" / "default.yaml"
# One holder per rules file and check interval in a process: apps built in the same process
# (tests, CLI commands) share the compiled rules instead of compiling them again.
_holders: dict[tuple[str, float], RulesHolder] = {}


def rules_path(settings: Settings) -> Path:
    """Return the rules file this process uses."""
    return Path(settings.rules_path or os.environ.get("LOKET_RULES_PATH") or DEFAULT_RULES)


def init_app(app: Flask, settings: Settings) -> None:
    """Load the rules once; a broken file stops the start with its problems, a line each (a
    ConfigError: a command says them and exits 2)."""
    path = rules_path(settings)
    key = (str(path.resolve()), settings.rules_reload_s)
    if key not in _holders:
        try:
            with path.open("rb"):
                pass
        except OSError as exc:  # said in the operator's language, naming the variable
            raise ConfigError("rules_unreadable", path=path, reason=os_reason(exc)) from None
        try:
            _holders[key] = RulesHolder(key[0], settings.rules_reload_s)
        except RulesError as error:
            raise ConfigError(str(error)) from None
    app.extensions["loket.rules"] = _holders[key]


_reported: set[int] = set()


def holder(app: Flask | None = None) -> RulesHolder:
    """Return the app's rules holder."""
    h: RulesHolder = (app or current_app).extensions["loket.rules"]
    return h


def rules(app: Flask | None = None) -> Rules:
    """Return the rules in force; report once when a newer file failed to load."""
    h = holder(app)
    current = h.current()
    error = h.last_error
    if error is not None and id(error) not in _reported:
        _reported.add(id(error))
        log.error(
            "rules.reload_failed",
            path=str(h.path),
            problems=[str(problem) for problem in error.problems][:20],
            in_force=current.version,
        )
    return current


def status(app: Flask | None = None) -> dict[str, str]:
    """Return the version in force and whether the file on disk failed to load."""
    current = rules(app)
    return {"version": current.version, "state": "stale" if holder(app).last_error else "ok"}


def decide(contact: Mapping[str, Any], state: Mapping[str, Any], at: datetime) -> dict[str, Any]:
    """Route one contact with the rules in force; return the decision as the contract's JSON."""
    return rules().decide_json(contact, state, at)


def is_crisis_text(text: str | None) -> bool:
    """Tell whether a text holds a crisis phrase of the rules in force."""
    return bool(text) and rules().is_crisis_text(text or "")


def crisis_language(text: str | None) -> str | None:
    """Return the language of the crisis phrase a text holds (`nl`, `en`), None: none."""
    return rules().crisis_language(text) if text else None
