"""The routing trace in a reader's language, the language given.

The engine explains a decision in English, rule by rule: that is the routing contract's
`trace`, which `loket route` answers in its JSON and the contact stores as the engine said
it. A reader of Dutch gets each line in Dutch, phrase by phrase, from the finite set of
phrases the engine says (loket/routing/conditions.py, actions.py, windows.py): a counsellor
on the staff pages (the desk passes the request's language) and `loket route --explain` in
a Dutch locale, which imports no Flask. What a rules file names stays as written: rule ids,
window names, pattern ids, a label the file made up. A phrase this table does not know
stays in English: a new phrase of the engine is then untranslated, never lost
(tests/desk/test_trace_words.py checks that every phrase the default rules say has its
Dutch).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from loket.i18n import holiday_names_nl

_LINE = re.compile(r"(?P<rule>[^:]+): (?P<verdict>yes|no) \((?P<rest>.*)", re.DOTALL)
_QUOTED = re.compile(r"('[^']*')")  # a pattern id the file gave: kept as written
_DAYS = dict(zip(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
                 ("ma", "di", "wo", "do", "vr", "za", "zo"), strict=True))
_MONTHS = dict(zip(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                    "Nov", "Dec"),
                   ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt",
                    "nov", "dec"), strict=True))


def _list(name: str) -> str:
    """Return a phrase list's patterns in Dutch words."""
    return "crisispatroon" if name == "crisis" else f"patroon uit de lijst {name}"


def _when(found: re.Match[str]) -> str:
    day, date, month, year, clock, zone, where = found.groups()
    inside = "valt in" if where == "in" else "valt buiten"
    return f"{_DAYS[day]} {date} {_MONTHS[month]} {year} {clock} ({zone}) {inside} "


# Phrases first, longest and most particular before the shorter ones they contain; a
# replacement is Dutch that no later phrase matches.
_PHRASES: tuple[tuple[str, str | Callable[[re.Match[str]], str]], ...] = (
    (r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d\d) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov"
     r"|Dec) (\d{4}) (\d\d:\d\d) (\S+) is (in|outside) ", _when),
    (r"\bthe text has no (\S+) pattern\b", lambda m: f"de tekst bevat geen {_list(m[1])}"),
    (r"\bthe text mentions (\S+) pattern ", lambda m: f"de tekst noemt {_list(m[1])} "),
    (r", with (\d+) typos?\b",
     lambda m: f", met {m[1]} tikfout{'' if m[1] == '1' else 'en'}"),
    (r"\bthere is no text\b", "er is geen tekst"),
    (r"(\w+): wait (\S+) s, (\d+) available, (\d+) waiting",
     r"\1: wachttijd \2 s, \3 beschikbaar, \4 wachtend"),
    (r"\ba tie, so the first listed\b", "gelijk, dus de eerstgenoemde"),
    (r"\ba tie, so the owner ", "gelijk, dus de eigen desk "),
    (r"\ba tie, so ", "gelijk, dus "),
    (r"\bshorter expected wait\b", "kortere verwachte wachttijd"),
    (r"\bmore counsellors available\b", "meer hulpverleners beschikbaar"),
    (r"\bfewer people waiting\b", "minder mensen wachtend"),
    (r"\bno flag \(the owner desk\)", "geen kenmerk (de eigen desk)"),
    (r"\(the other desk\)", "(de andere desk)"),
    (r"\(the owner desk\)", "(de eigen desk)"),
    (r"\((\w+) has no other desk\)", r"(\1 heeft geen andere desk)"),
    (r"\(not the owner (\w+)\)", r"(niet de eigen desk \1)"),
    (r"\(owner (\w+) has none\)", r"(eigen desk \1 heeft er geen)"),
    (r"\bexpected wait at ", "verwachte wachttijd bij "),
    (r"\bavailable counsellors at ", "beschikbare hulpverleners bij "),
    (r"\bwaiting at ", "wachtend bij "),
    (r"\bexpected wait\b", "verwachte wachttijd"),
    (r"\bthe other desk\b", "de andere desk"),
    (r"\bowner desk\b", "eigen desk"),
    (r"\bowner ", "eigen desk "),
    (r", not one of ", ", geen van "),
    (r", one of ", ", een van "),
    (r", not over ", ", niet meer dan "),
    (r", not at least ", ", niet minstens "),
    (r", not under ", ", niet minder dan "),
    (r", not at most ", ", niet hoogstens "),
    (r", not exactly ", ", niet precies "),
    (r", equal to ", ", gelijk aan "),
    (r", over ", ", meer dan "),
    (r", at least ", ", minstens "),
    (r", under ", ", minder dan "),
    (r", at most ", ", hoogstens "),
    (r", exactly ", ", precies "),
    (r", not ", ", niet "),
    (r" and ", " en "),
    (r" or ", " of "),
    (r"\balways\b", "altijd"),
    (r"\ba listed date\b", "een genoemde datum"),
    (r"\bno region\b", "geen regio"),
    (r"\brespond now\b", "nu antwoorden"),
    (r"\brespond callback\b", "terugbellen"),
    (r"\bpublic holiday\b", "feestdag"),
)
# Single words: the fields the rules read and their values, and what a rule decides. A word
# joined to another by a hyphen is a name from the file (pooled-hours) and is left alone.
_WORDS = {
    "organisation": "organisatie", "need": "hulpvraag", "risk": "risico",
    "relation": "relatie", "preference": "voorkeur", "anonymous": "anoniem",
    "channel": "kanaal", "language": "taal", "region": "regio", "priority": "prioriteit",
    "queue": "wachtrij", "flag": "kenmerk", "respond": "antwoord",
    "psychological": "psychisch", "practical": "praktisch", "peer_support": "lotgenoten",
    "information": "informatie", "unknown": "onbekend", "police": "politie",
    "defence": "defensie", "both": "beide", "serving": "in dienst", "former": "voormalig",
    "self": "zichzelf", "family": "familie", "colleague": "collega", "none": "geen",
    "concern": "zorg", "acute": "acuut", "true": "ja", "false": "nee", "now": "nu",
    "callback": "terugbellen", "high": "hoog", "normal": "normaal", "low": "laag",
    "veterans": "veteranen", "debasis": "De Basis", "pool": "gezamenlijk",
    "pooled": "gezamenlijk", "overflow": "overloop", "phone": "telefoon",
    "webform": "webformulier", "night": "nacht", "monday": "maandag", "tuesday": "dinsdag",
    "wednesday": "woensdag", "thursday": "donderdag", "friday": "vrijdag",
    "saturday": "zaterdag", "sunday": "zondag",
}


@cache
def _dutch() -> tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...]:
    """Return the Dutch phrases and words as compiled patterns, in the order they apply."""
    holidays = holiday_names_nl()
    names = (r"\((" + "|".join(re.escape(name) for name in sorted(holidays, key=len,
                                                                  reverse=True)) + r")\)")
    words = r"(?<![\w-])(" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")(?![\w-])"
    return (*((re.compile(pattern), said) for pattern, said in _PHRASES),
            (re.compile(names), lambda m: f"({holidays[m[1]]})"),
            (re.compile(words), lambda m: _WORDS[m[1]]))


def value_in_language(value: str, lang: str) -> str:
    """Return one value a decision names (a desk, queue, priority, flag) in this language, as
    its trace says it ("pool" is "gezamenlijk" in Dutch); a name of the file's stays."""
    return _WORDS.get(value, value) if lang == "nl" else value


def in_language(line: str, lang: str) -> str:
    """Return one trace line in this language (Dutch, or English as the engine said it)."""
    found = _LINE.fullmatch(line)
    if lang == "en" or found is None:
        return line
    verdict = "ja" if found["verdict"] == "yes" else "nee"
    parts = _QUOTED.split(found["rest"])
    for index in range(0, len(parts), 2):  # the even parts are outside quotes
        for pattern, said in _dutch():
            parts[index] = pattern.sub(said, parts[index])
    return f"{found['rule']}: {verdict} ({''.join(parts)}"
