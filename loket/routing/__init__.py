"""The pure routing engine: `decide(contact, state, at, rules) -> decision`.

It imports no Flask, database or Redis code; rules are data in routing_rules/.
"""

from loket.routing.engine import Rules, decide
from loket.routing.errors import Problem, RulesError
from loket.routing.holder import RulesHolder
from loket.routing.inputs import (
    RoutingInputError,
    parse_at,
    parse_contact,
    parse_request,
    parse_state,
)
from loket.routing.loader import load_rules, parse_rules, rules_version
from loket.routing.model import Contact, Decision, QueueState, RoutingRequest, State
from loket.routing.paths import default_rules_path, rules_dir
from loket.routing.phrases import Forgiveness, PhraseMatch, PhraseMatcher
from loket.routing.values import (
    CHANNELS,
    DESKS,
    FLAGS,
    LANGUAGES,
    METRICS,
    NEEDS,
    ORGANISATIONS,
    PREFERENCES,
    PRIORITIES,
    QUEUES,
    REGIONS,
    RELATIONS,
    RESPONSES,
    RISKS,
    STATUSES,
)

__all__ = [
    "CHANNELS", "DESKS", "FLAGS", "LANGUAGES", "METRICS", "NEEDS", "ORGANISATIONS",
    "PREFERENCES", "PRIORITIES", "QUEUES", "REGIONS", "RELATIONS", "RESPONSES", "RISKS",
    "STATUSES", "Contact", "Decision", "Forgiveness", "PhraseMatch", "PhraseMatcher", "Problem",
    "QueueState", "RoutingInputError", "RoutingRequest", "Rules", "RulesError", "RulesHolder",
    "State", "decide", "default_rules_path", "load_rules", "parse_at", "parse_contact",
    "parse_request", "parse_rules", "parse_state", "rules_dir", "rules_version",
]
