"""What is wrong with a rules file or a request, in a reader's language, the language given.

The routing package says its problems in English: a rules file's (loket/routing/errors.py,
`file:line: rule ID: message`, with the messages of loader.py, source.py, phrases.py,
conditions.py, actions.py, analysis.py, safety.py and of jsonschema and PyYAML) and a
request's (`field: problem`, inputs.py and engine.py, and the JSON decoder's). The engine,
the logs and the web app keep that English; `loket route` and `loket rules check` print it
in the locale's language, and a reader of Dutch gets each message in Dutch from this table
of the finite set of forms said. What a file or a request wrote stays as written: file
names, line numbers, rule ids, field paths (steps.owner[3].when) and quoted values. A
message this table does not know stays in English as a whole, never half translated
(tests/routing/test_problem_words.py checks every form against the real code). Imported
only to print a problem, never on the decision path.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

Said = str | Callable[[re.Match[str]], str | None]

# One value as Python's repr writes it at the start of a message: a quoted string, a list,
# a mapping, a number, true/false/none, a date.
_VALUE = (r"(?P<v>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\[.*\]|\{.*\}|\(.*\)"
          r"|[\w.+-]+(?:\(.*\))?)")
# A quoted value as Python's repr writes it: a name a file or a request gave.
_QUOTED = r"(?P<v>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
# A place before a message: a rule (translated), the whole file, or a path without spaces.
_PLACE = r"rule \S+|the file|\S+"
# JSON (and jsonschema) type names.
_TYPES = {"object": "object", "array": "lijst", "string": "tekst", "number": "getal",
          "integer": "geheel getal", "boolean": "booleaanse waarde (ja/nee)", "null": "null"}
# What a request field should have been (inputs.py).
_EXPECTED = {"an object": "een object", "a JSON object": "een JSON-object",
             "a string": "een tekst", "a string or null": "een tekst of null",
             "true or false": "true of false",
             "a non-negative integer": "een geheel getal van 0 of meer",
             "a non-negative number": "een getal van 0 of meer",
             "an ISO 8601 time string": "een ISO 8601-tijd als tekst"}
# What YAML reads a key that is not text as (source.py).
_KINDS = {"true or false": "true of false", "a number": "een getal", "null": "null",
          "a date": "een datum", "a list": "een lijst", "a mapping": "een mapping"}
# The operating system's reasons a file cannot be read.
_OS = {"No such file or directory": "bestand of map bestaat niet",
       "Permission denied": "geen toegang", "Is a directory": "is een map",
       "Not a directory": "is geen map", "File name too long": "bestandsnaam te lang",
       "Too many levels of symbolic links": "te veel niveaus van symbolische koppelingen"}
# Why a text is not UTF-8.
_CODEC = {"invalid start byte": "ongeldige beginbyte",
          "invalid continuation byte": "ongeldige vervolgbyte",
          "unexpected end of data": "onverwacht einde van de gegevens"}
# Why a date is not one (datetime.date.fromisoformat).
_DATES = {"month must be in 1..12": "de maand moet van 1 tot en met 12 zijn",
          "day is out of range for month": "die dag bestaat niet in die maand"}
# The crisis promises (safety.py): what is promised, and about whom.
_WHO = {"a contact with acute risk": "een contact met acuut risico",
        "a contact whose text has a crisis phrase": "een contact met een crisiszin in de tekst",
        "a crisis": "een crisis"}
_PROMISE = {"urgent and crisis": ("urgent en crisis zijn", "urgent en crisis is"),
            "answered now (never a callback only)": (
                "nu beantwoord worden (nooit alleen teruggebeld)",
                "nu beantwoord wordt (nooit alleen teruggebeld)")}
# The parts of a PyYAML message: what it was reading, then what it found.
_YAML_THINGS = {"simple key": "een eenvoudige sleutel", "block mapping": "een blok-mapping",
                "block collection": "een blokverzameling", "flow mapping": "een inline-mapping",
                "flow sequence": "een inline-lijst", "quoted scalar": "een waarde tussen "
                "aanhalingstekens", "double-quoted scalar": "een waarde tussen dubbele "
                "aanhalingstekens", "block scalar": "een blokwaarde", "node": "een knoop",
                "mapping": "een mapping", "anchor": "een anker", "alias": "een alias",
                "tag": "een tag", "directive": "een directive", "block node": "een blokknoop",
                "flow node": "een inline-knoop", "Python instance": "een Python-instantie",
                "Python object": "een Python-object", "Python module": "een Python-module",
                "Python name": "een Python-naam", "ordered map": "een geordende mapping",
                "pairs": "paren"}
# What PyYAML expected or found: a quoted character or a <token>.
_YAML_MARK = r"(?:'[^']*'|<[\w ]+>)"
_NODES = {"scalar": "een enkele waarde", "sequence": "een lijst", "mapping": "een mapping"}
_YAML_PROBLEMS: tuple[tuple[str, Said], ...] = (
    (r"expected a single document in the stream but found another document",
     "verwachtte één document, maar vond er nog een"),
    (r"could not find expected ':'", "kon de verwachte ':' niet vinden"),
    (r"mapping values are not allowed here", "waarden van een mapping mogen hier niet"),
    (r"mapping keys are not allowed here", "sleutels van een mapping mogen hier niet"),
    (r"sequence entries are not allowed here", "lijstelementen mogen hier niet"),
    (r"found character (?P<c>.+) that cannot start any token",
     r"teken \g<c> kan geen token beginnen"),
    (r"found unexpected end of stream", "onverwacht einde van de tekst"),
    (r"found unexpected document separator", "onverwacht scheidingsteken van documenten"),
    (r"found undefined alias (?P<a>.+)", r"onbekende alias \g<a>"),
    (r"found unknown escape character (?P<c>.+)", r"onbekend escapeteken \g<c>"),
    (r"found duplicate anchor (?P<a>'[^']*'); first occurrence second occurrence",
     r"anker \g<a> staat er twee keer in"),
    (r"found undefined tag handle (?P<h>'[^']*')", r"onbekende tag-handle \g<h>"),
    (r"found duplicate YAML directive", "de YAML-directive staat er twee keer in"),
    (r"could not determine a constructor for the tag (?P<t>'[^']*')",
     r"kan de tag \g<t> niet lezen"),
    (r"expected the node content, but found (?P<b>{mark})",
     r"verwachtte een waarde, maar vond \g<b>"),
    (r"expected a (?P<a>scalar|sequence|mapping) node, but found (?P<b>scalar|sequence"
     r"|mapping)", lambda m: f"verwachtte {_NODES[m['a']]}, maar vond {_NODES[m['b']]}"),
    (r"expected (?P<a>{mark}(?: or {mark})*), but (?:found|got) (?P<b>{mark})",
     r"verwachtte \g<a>, maar vond \g<b>"),
)
_YAML_CONTEXTS: tuple[tuple[str, str], ...] = (
    (r"while (?:scanning|parsing|composing|constructing) (?:an? )?(?P<t>{things})", ""),
    (r"while scanning for the next token", "bij het zoeken naar het volgende token"),
)


def _types(found: str) -> str | None:
    """Return the JSON type names of a jsonschema message ('string', 'null') in Dutch."""
    names = re.findall(r"'(\w+)'", found)
    said = [_TYPES.get(name) for name in names]
    if not said or None in said:
        return None
    words = [word for word in said if word is not None]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " of " + words[-1]


def _is_type(found: re.Match[str]) -> str | None:
    """Say a value of a type the schema does not allow."""
    types = _types(found["t"])
    return None if types is None else f"{found['v']} is geen {types}"


def _wrong_type(found: re.Match[str]) -> str | None:
    """Say a request value of the wrong JSON type (inputs.py)."""
    expected, got = _EXPECTED.get(found["e"]), _TYPES.get(found["t"])
    if expected is None or got is None:
        return None
    return f"verwacht {expected}, kreeg {got} {found['v']}"


def _key_kind(found: re.Match[str]) -> str | None:
    """Say a YAML key that is not text."""
    kind = _KINDS.get(found["k"], found["k"] if " " not in found["k"] else None)
    if kind is None:
        return None
    if not found["w"]:
        return f"een sleutel is {kind}, geen tekst"
    return (f"sleutel {found['w']} wordt gelezen als {kind}, niet als tekst: zet hem tussen "
            f"aanhalingstekens ('{found['q']}')")


def _inner(template: str, *groups: str) -> Callable[[re.Match[str]], str | None]:
    """Return a replacement that says named groups of a match as messages of their own (a
    phrase list's problem, a YAML message): all known, or the whole message stays English."""
    def said(found: re.Match[str]) -> str | None:
        values = {name: found[name] for name in found.re.groupindex}
        for name in groups:
            inner = _message(found[name])
            if inner is None:
                return None
            values[name] = inner
        return template.format(**values)
    return said


def _table(table: dict[str, str], template: str, group: str = "x"
           ) -> Callable[[re.Match[str]], str | None]:
    """Return a replacement that says one group through a table of words (None: unknown)."""
    def said(found: re.Match[str]) -> str | None:
        word = table.get(found[group])
        if word is None:
            return None
        return template.format(**{**{n: found[n] for n in found.re.groupindex}, group: word})
    return said


def _yaml(found: re.Match[str]) -> str | None:
    """Say PyYAML's message (what it was reading, then what it found) in Dutch."""
    text = found["y"]
    whole = _yaml_problem(text)
    if whole is not None:
        return f"geen geldige YAML: {whole}"
    for context, said in _compiled_yaml()[1]:
        head = context.match(text)
        if head is None or not text[head.end():].startswith(" "):
            continue
        if "t" in context.groupindex:
            thing = _YAML_THINGS.get(head["t"])
            if thing is None:
                return None
            said = f"bij het lezen van {thing}"
        rest = _yaml_problem(text[head.end() + 1:])
        return None if rest is None else f"geen geldige YAML: {said}: {rest}"
    return None


def _yaml_problem(text: str) -> str | None:
    """Say what PyYAML found, or None when it is a problem not known here."""
    dutch = _first_said(_compiled_yaml()[0], text)
    if dutch is None:
        return None
    return dutch.replace("' or '", "' of '").replace("> or ", "> of ")  # tokens ',' or ']'


def _crisis(found: re.Match[str]) -> str | None:
    """Say a rule that may break a crisis promise (safety.py)."""
    who, promise = _WHO.get(found["w"]), _PROMISE.get(found["p"])
    if who is None or promise is None or found["w2"] != found["w"]:
        return None
    example = f" (bijv. {found['e']})" if found["e"] else ""
    if found["r"] is not None:
        done = f"reactie {found['r']}"
    else:
        done = f"prioriteit {found['pr']}, {'crisis' if found['c'] == 'crisis' else 'geen crisis'}"
    return f"kan {who}{example} besluiten als {done}: {who} moet {promise[0]}"


def _one_of(found: re.Match[str]) -> str:
    """Say what a file or request may name instead ('none: add it under ...' when nothing)."""
    listed = found["l"]
    under = re.fullmatch(r"none: add it under (\w+)", listed)
    if under is not None:
        return f"(er is er geen: voeg er een toe onder {under[1]})"
    if listed == "none":
        return "(er is er geen)"
    return f"(verwacht een van {listed})"


def _unknown(noun: str, tail: str = "") -> Callable[[re.Match[str]], str]:
    """Return a replacement for "unknown THING 'x'[ tail] (expected one of ...)"."""
    def said(found: re.Match[str]) -> str:
        return f"{noun} {found['v']}{tail.format(**found.groupdict())} {_one_of(found)}"
    return said


_USE = {"a value, eq, ne, in or not_in": "een waarde, eq, ne, in of not_in",
        "mentions or present": "mentions of present",
        "a number, eq, ne, gt, gte, lt or lte": "een getal, eq, ne, gt, gte, lt of lte",
        "within or outside": "within of outside"}


def _use(found: re.Match[str]) -> str | None:
    """Say a test that does not apply to a field, and which tests do."""
    use = _USE.get(found["u"])
    if use is None:
        return None
    return f"test {found['v']} geldt niet voor {found['s']} (gebruik {use})"


def _wrong_null(found: re.Match[str]) -> str | None:
    """Say a request value that is null where a value of a type was expected."""
    expected = _EXPECTED.get(found["e"])
    return None if expected is None else f"verwacht {expected}, kreeg null"


_ONE_OF = r" \(expected one of (?P<l>.*)\)"
# Every message form, as a whole; the first that matches says it.
_MESSAGES: tuple[tuple[str, Said], ...] = (
    # inputs.py and engine.py: a request
    (r"expected (?P<e>[\w ,-]+?|an ISO 8601 time string), got (?P<t>\w+) (?P<v>.*)",
     _wrong_type),
    (r"expected (?P<e>[\w ,-]+?|an ISO 8601 time string), got null", _wrong_null),
    (r"unknown field" + _ONE_OF, lambda m: f"onbekend veld {_one_of(m)}"),
    (r"unknown value " + _QUOTED + _ONE_OF, _unknown("onbekende waarde")),
    (r"is required", "is verplicht"),
    (r"expected a whole number, got (?P<v>.+)", r"verwacht een geheel getal, kreeg \g<v>"),
    (r"expected a non-negative number, got (?P<v>.+)",
     r"verwacht een getal van 0 of meer, kreeg \g<v>"),
    (r"not an ISO 8601 time: (?P<v>.+)", r"geen ISO 8601-tijd: \g<v>"),
    (r"(?P<v>['\"].*?) has no UTC offset \(add e\.g\. \+01:00 or Z\)",
     r"\g<v> heeft geen UTC-verschil (voeg er bijv. +01:00 of Z aan toe)"),
    (r"(?P<v>['\"].*?) has no UTC offset", r"\g<v> heeft geen UTC-verschil"),
    # Python's JSON decoder (the message without its position)
    (r"Expecting value", "waarde verwacht"),
    (r"Expecting property name enclosed in double quotes",
     "naam van een veld tussen dubbele aanhalingstekens verwacht"),
    (r"Expecting (?P<d>'.') delimiter", r"scheidingsteken \g<d> verwacht"),
    (r"Extra data", "meer gegevens na de waarde"),
    (r"Unterminated string starting at", "niet afgesloten tekst, begonnen"),
    (r"Invalid control character at", "ongeldig stuurteken"),
    (r"Invalid \\escape", lambda m: "ongeldige escape met \\"),
    (r"Invalid \\uXXXX escape", lambda m: "ongeldige escape \\uXXXX"),
    # loader.py, holder.py and source.py: reading the file
    (r"cannot read: (?P<x>.+)", _table(_OS, "kan het bestand niet lezen: {x}")),
    (r"not UTF-8 text: '(?P<c>[\w-]+)' codec can't decode (?P<b>bytes?) (?P<n>\S+) in "
     r"position (?P<p>\S+): (?P<x>.+)",
     lambda m: None if m["x"] not in _CODEC else (
         f"geen UTF-8-tekst: de codec '{m['c']}' kan {'byte' if m['b'] == 'byte' else 'bytes'}"
         f" {m['n']} op positie {m['p']} niet lezen: {_CODEC[m['x']]}")),
    (r"the file is nested too deeply to read", "het bestand is te diep genest om te lezen"),
    (r"the file is empty", "het bestand is leeg"),
    (r"not valid YAML: (?P<y>.+)", _yaml),
    (r"a key is (?P<k>.+?), not text(?P<w>)(?P<q>)", _key_kind),
    (r"key (?P<w>.+) is read as (?P<k>.+?), not as text: put it in quotes \('(?P<q>.*)'\)",
     _key_kind),
    (r"key (?P<v>.+) is given twice", r"sleutel \g<v> staat er twee keer in"),
    (r"(?P<v>\S+) is read as a date, not as text: put it in quotes \('(?P<q>.*)'\)",
     r"\g<v> wordt gelezen als datum, niet als tekst: zet hem tussen aanhalingstekens "
     r"('\g<q>')"),
    # loader.py: windows and periods
    (r"window (?P<w>\S+): unknown time zone (?P<v>.+) \(e\.g\. (?P<e>\S+)\)",
     r"venster \g<w>: onbekende tijdzone \g<v> (bijv. \g<e>)"),
    (r"a period needs days, hours, dates or holidays",
     "een periode heeft days, hours, dates of holidays nodig"),
    (r"an hour range from and to the same time is empty",
     "een reeks uren van en tot dezelfde tijd is leeg"),
    (r"not a date: (?P<x>.+)", lambda m: (
        f"geen datum: {_DATES[m['x']]}" if m["x"] in _DATES else None)),
    (r"not a date: year (?P<y>\d+) is out of range", r"geen datum: jaar \g<y> bestaat niet"),
    (r"unknown holiday region (?P<v>.+) of (?P<c>\S+) \(a subdivision of the holidays "
     r"package\)", r"onbekende feestdagenregio \g<v> van \g<c> (een onderverdeling van het "
     r"pakket holidays)"),
    (r"unknown holiday country (?P<v>.+) \(a country code of the holidays package, "
     r"e\.g\. (?P<e>\S+)\)",
     r"onbekend feestdagenland \g<v> (een landcode van het pakket holidays, bijv. \g<e>)"),
    # loader.py and phrases.py: phrase lists and their patterns
    (r"phrase list (?P<n>\S+): pattern id (?P<v>.+) is also at line (?P<l>\S+)",
     r"zinnenlijst \g<n>: patroon-id \g<v> staat ook op regel \g<l>"),
    (r"phrase list (?P<n>\S+): word class (?P<c>\S+): (?P<v>.+) has no letters",
     r"zinnenlijst \g<n>: woordklasse \g<c>: \g<v> heeft geen letters"),
    (r"phrase list (?P<n>\S+): word class (?P<c>\S+): (?P<v>.+) is more than one word",
     r"zinnenlijst \g<n>: woordklasse \g<c>: \g<v> is meer dan één woord"),
    (r"phrase list (?P<n>\S+): (?P<x>pattern .+)", _inner("zinnenlijst {n}: {x}", "x")),
    (r"the phrase list 'crisis' is missing \(the SMS channel and the crisis rule use it\)",
     "de zinnenlijst 'crisis' ontbreekt (het sms-kanaal en de crisisregel gebruiken hem)"),
    (r"phrase list (?P<n>\S+) no longer recognises (?P<v>.+): the crisis phrases must",
     r"zinnenlijst \g<n> herkent \g<v> niet meer: de crisiszinnen moeten dat doen"),
    (r"pattern " + _QUOTED + " is listed twice", r"patroon \g<v> staat er twee keer in"),
    (r"pattern " + _QUOTED + " has no letters", r"patroon \g<v> heeft geen letters"),
    (r"pattern " + _QUOTED + " has an empty word group",
     r"patroon \g<v> heeft een lege woordgroep"),
    (r"pattern (?P<p>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"): unknown word class (?P<v>.+?)"
     + _ONE_OF, lambda m: f"patroon {m['p']}: onbekende woordklasse {m['v']} {_one_of(m)}"),
    (r"pattern (?P<p>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"): (?P<v>.+) has no letters",
     r"patroon \g<p>: \g<v> heeft geen letters"),
    (r"pattern (?P<p>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"): (?P<v>.+) is more than one word "
     r"\(a group lists words of which one must occur; put each word in a group\)",
     r"patroon \g<p>: \g<v> is meer dan één woord (een groep noemt woorden waarvan er één "
     r"moet voorkomen; zet elk woord in een groep van zichzelf)"),
    # loader.py, analysis.py and safety.py: rules and steps
    (r"duplicate id: rule (?P<r>\S+) is also at line (?P<l>\S+)",
     r"dubbele id: regel \g<r> staat ook op regel \g<l>"),
    (r"sets no (?P<f>\w+): every rule of step (?P<s>\w+) must, unless it has "
     r"'continue: true'", r"zet geen \g<f>: elke regel van stap \g<s> moet dat, tenzij hij "
     r"'continue: true' heeft"),
    (r"unreachable: every case it matches is already decided by rule (?P<r>\S+) before it",
     r"onbereikbaar: elk geval waarop hij past, is al besloten door regel \g<r> ervoor"),
    (r"unreachable: every case is already decided by rule (?P<r>\S+) before it",
     r"onbereikbaar: elk geval is al besloten door regel \g<r> ervoor"),
    (r"unreachable: its conditions can never all hold",
     "onbereikbaar: zijn voorwaarden kunnen nooit allemaal tegelijk gelden"),
    (r"step (?P<s>\w+) has no fallback: no rule decides the case any case \(end the step "
     r"with a rule without 'when'\)", r"stap \g<s> heeft geen vangnet: niet elk geval wordt "
     r"door een regel besloten (sluit de stap af met een regel zonder 'when')"),
    (r"step (?P<s>\w+) has no fallback: no rule decides the case (?P<c>.+) \(end the step "
     r"with a rule without 'when'\)", r"stap \g<s> heeft geen vangnet: geen regel besluit "
     r"het geval \g<c> (sluit de stap af met een regel zonder 'when')"),
    (r"step (?P<s>\w+) has no fallback: end it with a rule without 'when'",
     r"stap \g<s> heeft geen vangnet: sluit hem af met een regel zonder 'when'"),
    (r"too many combinations of fields to prove that (?P<w>.+) is (?P<p>.+): split the "
     r"step's conditions", lambda m: None if m["w"] not in _WHO or m["p"] not in _PROMISE
     else (f"te veel combinaties van velden om te bewijzen dat {_WHO[m['w']]} "
           f"{_PROMISE[m['p']][1]}: splits de voorwaarden van de stap")),
    (r"may decide (?P<w>.+?)(?: \(e\.g\. (?P<e>.+)\))? as (?:respond (?P<r>\S+)|priority "
     r"(?P<pr>\S+), (?P<c>crisis|not crisis)): (?P<w2>.+) must be (?P<p>.+)", _crisis),
    # conditions.py: conditions
    (r"unknown field (?P<v>.+) in step (?P<s>\w+): it is decided in step (?P<d>\w+), which "
     r"comes (?P<when>at the same time|later)",
     lambda m: (f"onbekend veld {m['v']} in stap {m['s']}: het wordt besloten in stap "
                f"{m['d']}, die {'tegelijk' if m['when'] == 'at the same time' else 'later'} "
                "komt")),
    (r"unknown field (?P<v>.+) in step (?P<s>\w+): the owner desk is decided in step owner",
     r"onbekend veld \g<v> in stap \g<s>: de eigen desk wordt besloten in stap owner"),
    (r"unknown field (?P<v>.+) \(expected state\.QUEUE\.METRIC\)",
     r"onbekend veld \g<v> (verwacht state.QUEUE.METRIC)"),
    (r"unknown field (?P<v>.+) \(expected a metric among (?P<l>.*)\)",
     r"onbekend veld \g<v> (verwacht een meetwaarde uit \g<l>)"),
    (r"unknown field " + _QUOTED + _ONE_OF, _unknown("onbekend veld")),
    (r"'present' does not apply to (?P<s>\S+)", r"'present' geldt niet voor \g<s>"),
    (r"test (?P<v>.+) does not apply to (?P<s>\S+) \(use (?P<u>.+)\)", _use),
    (r"unknown (?P<what>desk|value) " + _QUOTED + r" for (?P<s>\w+\.\S+)" + _ONE_OF,
     lambda m: (f"onbekende {'desk' if m['what'] == 'desk' else 'waarde'} {m['v']} voor "
                f"{m['s']} {_one_of(m)}")),
    (r"unknown phrase list " + _QUOTED + _ONE_OF, _unknown("onbekende zinnenlijst")),
    (r"unknown desk " + _QUOTED + r" in (?P<r>\S+)" + _ONE_OF,
     _unknown("onbekende desk", " in {r}")),
    (r"(?P<o>\w+) needs a finite number, not (?P<v>.+)",
     r"\g<o> heeft een eindig getal nodig, niet \g<v>"),
    (r"(?P<o>\w+) needs a number of 0 or more, not (?P<v>.+) \(a count or a wait is never "
     r"negative\)", r"\g<o> heeft een getal van 0 of meer nodig, niet \g<v> (een aantal of "
     r"een wachttijd is nooit negatief)"),
    (r"(?P<o>\w+) needs a number or a state value, not (?P<v>.+)",
     r"\g<o> heeft een getal of een waarde uit state nodig, niet \g<v>"),
    (r"unknown window " + _QUOTED + _ONE_OF, _unknown("onbekend venster")),
    # actions.py: what a rule decides
    (r"unknown flag " + _QUOTED + _ONE_OF, _unknown("onbekend kenmerk")),
    (r"unknown desk " + _QUOTED + r" to prefer" + _ONE_OF, _unknown("onbekende voorkeursdesk")),
    (r"unknown desk " + _QUOTED + r" for queue" + _ONE_OF,
     _unknown("onbekende desk", " voor de wachtrij")),
    (r"unknown desk " + _QUOTED + _ONE_OF, _unknown("onbekende desk")),
    (r"unknown priority " + _QUOTED + _ONE_OF, _unknown("onbekende prioriteit")),
    (r"unknown response " + _QUOTED + _ONE_OF, _unknown("onbekende reactie")),
    (r"crisis is set together with priority", "crisis wordt alleen samen met priority gezet"),
    # jsonschema (loader.py names the place before each)
    (r"(?P<v>'(?:[^'\\]|\\.)*') is a required property", r"\g<v> is verplicht"),
    (_VALUE + r" is not of type (?P<t>'\w+'(?:, '\w+')*)", _is_type),
    (_VALUE + r" is not one of (?P<l>\[.*\])", r"\g<v> is niet toegestaan (verwacht een van "
     r"\g<l>)"),
    (_VALUE + r" was expected", r"verwacht \g<v>"),
    (r"Additional properties are not allowed \((?P<k>.+) was unexpected\)",
     r"extra velden zijn niet toegestaan (\g<k> is onverwacht)"),
    (r"Additional properties are not allowed \((?P<k>.+) were unexpected\)",
     r"extra velden zijn niet toegestaan (\g<k> zijn onverwacht)"),
    (r"(?P<k>'.+) does not match any of the regexes: (?P<p>.+)",
     r"\g<k> past bij geen van de patronen \g<p>"),
    (r"(?P<k>'.+) do not match any of the regexes: (?P<p>.+)",
     r"\g<k> passen bij geen van de patronen \g<p>"),
    (_VALUE + r" does not match (?P<p>'.*'|\".*\")", r"\g<v> past niet bij het patroon \g<p>"),
    (_VALUE + r" is less than the minimum of (?P<m>\S+)",
     r"\g<v> is kleiner dan het minimum \g<m>"),
    (_VALUE + r" is greater than the maximum of (?P<m>\S+)",
     r"\g<v> is groter dan het maximum \g<m>"),
    (_VALUE + r" is less than or equal to the minimum of (?P<m>\S+)",
     r"\g<v> is kleiner dan of gelijk aan het minimum \g<m>"),
    (_VALUE + r" is greater than or equal to the maximum of (?P<m>\S+)",
     r"\g<v> is groter dan of gelijk aan het maximum \g<m>"),
    (_VALUE + r" is not a multiple of (?P<m>\S+)", r"\g<v> is geen veelvoud van \g<m>"),
    (_VALUE + r" should be non-empty", r"\g<v> mag niet leeg zijn"),
    (_VALUE + r" is expected to be empty", r"\g<v> moet leeg zijn"),
    (_VALUE + r" is too short", r"\g<v> is te kort"),
    (_VALUE + r" is too long", r"\g<v> is te lang"),
    (_VALUE + r" does not have enough properties", r"\g<v> heeft te weinig velden"),
    (_VALUE + r" has too many properties", r"\g<v> heeft te veel velden"),
    (_VALUE + r" has non-unique elements", r"\g<v> bevat iets dubbel"),
    (_VALUE + r" is not valid under any of the given schemas",
     r"\g<v> past bij geen van de toegestane vormen"),
    (_VALUE + r" is valid under each of (?P<s>.+)",
     r"\g<v> past bij meer dan één van de vormen \g<s>"),
    (_VALUE + r" should not be valid under (?P<s>.+)", r"\g<v> mag niet passen bij \g<s>"),
    (r"False schema does not allow " + _VALUE, r"\g<v> is hier niet toegestaan"),
)
@cache
def _compiled() -> tuple[tuple[re.Pattern[str], Said], ...]:
    """Return the message forms as compiled patterns, in the order they are tried."""
    return tuple((re.compile(pattern, re.DOTALL), said) for pattern, said in _MESSAGES)


@cache
def _compiled_yaml() -> tuple[tuple[tuple[re.Pattern[str], Said], ...],
                              tuple[tuple[re.Pattern[str], str], ...]]:
    """Return PyYAML's problems and contexts as compiled patterns."""
    things = "|".join(sorted(map(re.escape, _YAML_THINGS), key=len, reverse=True))
    return (tuple((re.compile(p.replace("{mark}", _YAML_MARK), re.DOTALL),
                   said) for p, said in _YAML_PROBLEMS),
            tuple((re.compile(p.format(things=things)), said) for p, said in _YAML_CONTEXTS))


@cache
def _place_pattern() -> re.Pattern[str]:
    """Return the pattern of a place named before a message (after the first)."""
    return re.compile(_PLACE)


def _message(text: str) -> str | None:
    """Return one message (no place before it) in Dutch, or None when it is not known."""
    return _first_said(_compiled(), text)


def _first_said(forms: tuple[tuple[re.Pattern[str], Said], ...], text: str) -> str | None:
    """Return the text said in Dutch by the first of these forms that matches it whole and
    can say it, or None."""
    for pattern, said in forms:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        dutch = found.expand(said) if isinstance(said, str) else said(found)
        if dutch is not None:
            return dutch
    return None


def _place(text: str) -> str:
    """Return a place in Dutch: a rule's, the whole file; a file, line or path as written."""
    if text == "the file":
        return "het bestand"
    return "regel " + text[5:] if text.startswith("rule ") else text


def problem_in_language(text: str, lang: str) -> str:
    """Return one problem line in this language: Dutch, or English as the routing package
    said it (and as it is when the message is not one this module knows).

    The line is places, then a message: `file:line: rule ID: path: message`, `field:
    message`, or a message alone. The first place is the file or field, as written; the
    others are a rule, a path or "the file". The message is the longest tail that is a
    known form.
    """
    if lang != "nl":
        return text
    starts = [0, *(found.end() for found in re.finditer(": ", text))]
    for start in starts:
        said = _message(text[start:])
        if said is None:
            continue
        places = text[:start - 2].split(": ") if start else []
        if not all(_place_pattern().fullmatch(place) for place in places[1:]):
            return text
        return ": ".join([*map(_place, places), said])
    return text
