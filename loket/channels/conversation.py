"""The steps of a text conversation (SMS, WhatsApp): what a message answers, what comes next.

A text conversation asks the phone menu's questions one message at a time. Its step lives in
`Contact.intake_step`: who -> serving (only after 2) -> respond -> window (only for a
callback) -> routed -> acked; `:again` marks a question asked a second time, and `stopped`
a conversation the person ended, or one no text reaches (an SMS number Twilio opted out:
routed, to be called, until it sends START). A crisis phrase in any message (or split over two
texts sent moments apart, `loket.channels.messaging`) skips what is left and routes the
contact at once as urgent. A photo or voice note without text is told what Loket cannot do,
and a WhatsApp location pin that it came; neither is taken for a wrong answer. A question
may be answered with its number or in words of one option ("veteraan", "bel me terug"); 0,
"help" or "hulp" at any question asks for someone now, as the phone menu's 0 does.

Pure: `plan` reads the conversation's state and the message and returns the `Step` to take;
the channel stores it (`loket.channels.messaging`). A step with an `action` (route, escalate,
stop, no_texts) needs the store's work before its answer is known.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal, NamedTuple, TypeVar

from loket.channels.messaging_texts import TEXTS
from loket.domain import menu
from loket.domain.conversations import STOPPED
from loket.i18n import CRISIS

T = TypeVar("T")
WHATSAPP = "whatsapp:"
# Two messages this close together may be one sentence split in two (`split_crisis`).
SPLIT_WINDOW = timedelta(minutes=5)
# Twilio's opt-out keywords (after which it delivers no more SMS to the number) and the
# Dutch ways of saying the same; the whole message, whatever its case and punctuation.
STOP_WORDS = frozenset({
    "STOP", "STOPP", "STOPPEN", "UNSUBSCRIBE", "STOPALL", "STOP ALL", "CANCEL", "END", "QUIT",
    "OPTOUT", "REVOKE", "STOP MAAR", "STOP ERMEE", "AFMELDEN",
    # said politely, or twice: the person asks the same
    "STOP ALSJEBLIEFT", "STOP ALSTUBLIEFT", "STOP AUB", "ALSJEBLIEFT STOP", "AUB STOP",
    "PLEASE STOP", "STOP PLEASE", "STOP STOP", "STOPPEN AUB", "STOPPEN ALSJEBLIEFT",
    "STOP TEXTING ME", "STOP MESSAGING ME", "STOP SENDING ME MESSAGES",
})
# Twilio's opt-in keywords: an SMS number that sent a stop word hears from us again only after
# one of these (the whole message); on WhatsApp any message will do.
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
LANGUAGE_WORDS = {"EN": "en", "ENGLISH": "en", "NL": "nl", "NEDERLANDS": "nl"}
# "English please" asks for English; a bare "en" (Dutch for "and") only as the whole message.
LANGUAGE_NAMES = frozenset({"ENGLISH", "NEDERLANDS"})
MENU_ENGLISH = menu.ENGLISH
MENU_NOW = menu.HELP_NOW
SERVING = menu.SERVING_DIGITS
RESPOND = {"1": "chat", "2": "callback"}
WINDOWS = {"1": "asap", "2": "evening", "3": "tomorrow"}
QUESTIONS = ("serving", "respond", "window")  # the questions after "who"
ROUTED_STEPS = ("routed", "acked")  # the questions are behind us
_NON_WORD = re.compile(r"[^\w ]")
_DIGIT = re.compile(r"\s*(\d)\s*[.)!]?\s*")
# A choice with the option's words after it ("1 politie", "2. veteraan").
_DIGIT_WORDS = re.compile(r"\s*(\d)(?:\s*[.):!-]\s*|\s+)([^\W\d_]+)[^\d]*")
_KEYCAP = str.maketrans("", "", "\ufe0f\u20e3")  # 1\ufe0f\u20e3 is the emoji of a 1
# A question answered in words instead of a number ("veteraan", "bel me maar terug"), in
# either language: each option's words, a word matching when it starts with one of four
# letters or more (plurals, "politieagent") or is a shorter one itself ("bel"). Only a short
# answer that names exactly one option is taken; a negation ("niet bellen") or two options
# ("politie en veteraan") is asked again.
_POLICE = ("politi", "police", "agent", "cop", "diender")
_MILITARY = (
    "veter", "militair", "military", "soldaat", "soldier", "defensie", "defence", "defense",
    "leger", "army", "marine", "landmacht", "luchtmacht", "navy", "airforce",
)
# Words that name a relative ("mijn zoon is agent", "wife of a veteran"): only these make the
# answer a family member's; "mijn" or "my" alone does not ("mijn uitzending als militair").
_FAMILY = frozenset({
    "familie", "family", "familielid", "gezin", "naaste", "naasten", "relative", "partner",
    "echtgenoot", "echtgenote", "wife", "husband", "spouse", "moeder", "mother", "mama", "mam",
    "mom", "mum", "vader", "father", "papa", "pap", "dad", "zoon", "son", "dochter", "daughter",
    "broer", "brother", "zus", "zuster", "sister", "ouder", "ouders", "parent", "parents",
    "kind", "kinderen", "child", "children", "opa", "oma", "grandfather", "grandmother",
    "grandpa", "grandma", "kleinzoon", "kleindochter", "kleinkind", "grandson", "granddaughter",
    "oom", "tante", "uncle", "aunt", "schoonvader", "schoonmoeder", "schoonzoon",
    "schoondochter", "zwager", "schoonzus", "stiefvader", "stiefmoeder", "boyfriend",
    "girlfriend", "verloofde", "fiance", "fiancee",
})
# Words that name a relative only after "mijn" (or before "van"): "mijn man", "de vrouw van
# een agent"; "ik ben een vrouw en veteraan" is the person herself.
_FAMILY_AFTER_OWNER = frozenset({"man", "vrouw", "vriend", "vriendin"})
_OWNERS = frozenset({"mijn", "mn", "my", "onze", "our"})  # "m'n" is read as "mn"
_AFTER_OF = (["van"], ["of"])  # the next word, as a slice of the answer's words
_OTHER = ("anders", "other", "overig")
# "help", "hulp nodig", "I need help right now": the menu's 0, "ik heb nu direct hulp nodig"
# (`asks_for_help`). Only a message of these words that names "help" or "hulp": "hulp voor
# mijn man" names no option and is asked again; "geen hulp nodig" is a negation.
_HELP = frozenset({"help", "hulp", "sos"})
_HELP_FILLER = frozenset({
    "ik", "i", "me", "mij", "heb", "have", "nodig", "need", "needed", "wil", "want", "graag",
    "please", "pls", "plz", "aub", "svp", "alsjeblieft", "alstublieft", "nu", "now", "right",
    "direct", "meteen", "dringend", "urgent", "een", "a", "iemand", "someone", "somebody",
    "met", "with", "to", "spreken", "praten", "talk", "speak", "mens", "person", "hulpverlener",
    "counsellor", "counselor", "is", "er", "there", "can", "kan", "kun", "je", "you", "mag",
    "may", "get", "krijgen",
})
# "uit dienst" (left the service) reads as serving: asked again, never taken the wrong way.
_NEGATIONS = frozenset({"niet", "geen", "nooit", "not", "no", "never", "dont", "nee", "uit"})
_WORDED_MAX = 8  # words; a longer message is a story, not an answer
# "Wil je nu chatten ... of teruggebeld worden?" answered with its own word: chat now. Only
# when no option is named otherwise ("bel me nu" is a call).
_RESPOND_NOW = ("nu", "now", "meteen", "direct", "zsm")
WORDED: dict[str, dict[str, tuple[str, ...]]] = {
    "serving": {
        "1": ("dienst", "serving", "actief", "active", "beroeps"),
        "2": ("veter", "oud", "former", "ex", "gepensioneerd", "retired", "vroeger"),
    },
    "respond": {
        "1": ("chat", "schrijv", "schrijf", "type", "app", "appen", "write", "text", "sms"),
        "2": (
            "bel", "bell", "belt", "terugbel", "gebeld", "teruggebeld", "opbel", "call", "phone",
            "telefo",
        ),
    },
    "window": {
        "1": ("snel", "asap", "meteen", "direct", "soon", "now", "nu", "zsm", "gelijk"),
        "2": ("avond", "vanavond", "evening", "tonight"),
        "3": ("morgen", "ochtend", "tomorrow", "morning"),
    },
}


@dataclass(frozen=True)
class Inbound:
    """One message as Twilio posted it."""

    sid: str
    sender: str
    body: str
    media: int = 0  # photos, videos, voice notes attached (Twilio's NumMedia)
    place: str = ""  # a WhatsApp location pin: "52.3731, 4.8922 (its label, address)"

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> Inbound:
        """Read the message from a webhook's form."""
        media = form.get("NumMedia", "").strip()
        return cls(
            form["MessageSid"].strip(), form["From"].strip(), form.get("Body", ""),
            int(media) if media.isdecimal() and media.isascii() else 0,
            shared_place(form),
        )

    @property
    def only_media(self) -> bool:
        """Tell whether the message is a photo, video or voice note without any text."""
        return self.media > 0 and not self.body.strip()

    @property
    def only_place(self) -> bool:
        """Tell whether the message is a location pin without any text."""
        return bool(self.place) and not self.media and not self.body.strip()

    @property
    def channel(self) -> Literal["sms", "whatsapp"]:
        """Return whatsapp for a WhatsApp sender, sms otherwise."""
        return "whatsapp" if self.sender.lower().startswith(WHATSAPP) else "sms"

    @property
    def number(self) -> str:
        """Return the sender's phone number without the `whatsapp:` address prefix."""
        return self.sender[len(WHATSAPP) :] if self.channel == "whatsapp" else self.sender

    @property
    def word(self) -> str:
        """Return the message as one upper-case keyword candidate (STOP, EN, ...)."""
        return keyword(self.body)

    @property
    def language(self) -> str | None:
        """Return the language this message asks for (`EN`, `English please`), if any."""
        words = self.word.split()
        if len(words) == 1 or (words and words[0] in LANGUAGE_NAMES and len(words) <= 3):
            return LANGUAGE_WORDS.get(words[0])
        if len(words) <= 5 and "ENGLISH" in words:  # "In English please", "Do you speak English?"
            return "en"
        return None

    @property
    def digit(self) -> str | None:
        """Return the menu number this message answers, if it is one (`1`, ` 2.`)."""
        found = _DIGIT.fullmatch(plain(self.body))
        return found.group(1) if found else None

    def choice(self, question: str, language: str) -> str | None:
        """Return the menu number this message answers to a question: a bare number (a keycap
        emoji too), a number with a word of its option after it ("1 politie"), or a short
        answer in words that names one option (`worded`), in either language.

        A story that starts with a number ("3 jaar geleden ...") is no choice.
        """
        if self.digit is not None:
            return self.digit
        found = _DIGIT_WORDS.fullmatch(plain(self.body))
        if found is None:
            return worded(question, self.body)
        digit, word = found.group(1), found.group(2).casefold()
        for lang in (language, "en" if language == "nl" else "nl"):
            for line in TEXTS.get(question, lang).splitlines():
                number, _, option = line.partition(" ")
                words = _NON_WORD.sub(" ", option.casefold()).split()
                if number == digit and words and (
                    word == words[0] or (len(word) >= 3 and word in words)
                ):
                    return digit
        return None


def worded(question: str, body: str) -> str | None:
    """Return the option a short answer names in words ("ik ben veteraan", "call me back"),
    or None when it names none, more than one, or says what it does not want."""
    words = _NON_WORD.sub(" ", plain(body).casefold().replace("'", "")).split()
    if not words or len(words) > _WORDED_MAX or _NEGATIONS.intersection(words):
        return None
    if asks_for_help(words):
        return MENU_NOW

    def names(stems: tuple[str, ...]) -> bool:
        return any(
            word == stem or (len(stem) >= 4 and word.startswith(stem))
            for word in words
            for stem in stems
        )

    if question == "who":
        police, military = names(_POLICE), names(_MILITARY)
        if police == military:
            return "5" if not police and names(_OTHER) else None
        family = names_relative(words)
        return ("3" if family else "1") if police else ("4" if family else "2")
    if question == "window" and "morgenavond" in words:
        return None  # tomorrow evening is no window we offer: ask which
    named = [digit for digit, stems in WORDED.get(question, {}).items() if names(stems)]
    if question == "respond" and not named and names(_RESPOND_NOW):
        return "1"
    return named[0] if len(named) == 1 else None


def asks_for_help(words: list[str]) -> bool:
    """Tell whether an answer's words only ask for help ("help", "ik heb hulp nodig", "I need
    help right now"): the menu's 0, someone now."""
    return bool(_HELP.intersection(words)) and _HELP_FILLER.issuperset(
        word for word in words if word not in _HELP
    )


def names_relative(words: list[str]) -> bool:
    """Tell whether an answer's words name a relative: a word such as "zoon" or "wife", or
    "man", "vrouw", "vriend(in)" after a possessive ("mijn man") or before "van"."""
    if any(word in _FAMILY for word in words):
        return True
    return any(
        word in _FAMILY_AFTER_OWNER
        and ((at > 0 and words[at - 1] in _OWNERS) or words[at + 1 : at + 2] in _AFTER_OF)
        for at, word in enumerate(words)
    )


def shared_place(form: Mapping[str, str]) -> str:
    """Return a location pin Twilio posted (WhatsApp's Latitude, Longitude, Label, Address) as
    the counsellor reads it, or "" when the message holds none."""
    try:
        latitude = float(form.get("Latitude", "").strip())
        longitude = float(form.get("Longitude", "").strip())
    except ValueError:
        return ""
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return ""  # nan and inf fail these too
    words = [" ".join(form.get(name, "").split())[:200] for name in ("Label", "Address")]
    named = ", ".join(word for word in words if word)
    return f"{latitude:.5f}, {longitude:.5f}" + (f" ({named})" if named else "")


def plain(body: str) -> str:
    """Return a message with keycap emoji and full-width digits as plain digits."""
    return unicodedata.normalize("NFKC", body.translate(_KEYCAP))


class State(NamedTuple):
    """What the steps read of a conversation's contact."""

    intake_step: str
    language: str
    status: str
    reference: str


@dataclass(frozen=True)
class Step:
    """What one message does: answers to store, the step reached, the reply.

    With an `action` the reply is not known yet: `before` comes first, then what the
    action says (the route's confirmation, the crisis answer, the goodbye).
    """

    reply: str | None = None
    answers: Mapping[str, str] = field(default_factory=dict)
    intake_step: str | None = None
    action: Literal["route", "escalate", "stop", "no_texts"] | None = None
    window: str = "asap"
    before: str = ""


def keyword(body: str) -> str:
    """Return a text as one upper-case keyword candidate (STOP, EN, ...)."""
    return _NON_WORD.sub("", body).strip().upper()


def split_crisis(before: str | None, body: str, is_crisis: Callable[[str], bool]) -> bool:
    """Tell whether a message and the person's one before it (sent within SPLIT_WINDOW)
    make a crisis phrase together ("ik zie het niet" / "meer zitten"), in either order:
    texts are split by a thumb, a carrier, or arrive out of order."""
    before, body = (before or "").strip(), body.strip()
    if not before or not body or is_crisis(before):
        return False  # a crisis before was answered: this one is read on its own
    if keyword(before) in STOP_WORDS:
        return False  # a stop was a word to us, not half a sentence ("ik wil" + "stop")
    return any(is_crisis(joined) for joined in (f"{before} {body}", f"{body} {before}"))


def greeting(language: str) -> str:
    """Return the answer to a first message: welcome, 112 and 113, who is writing."""
    welcome = TEXTS.get("welcome", language, crisis=CRISIS.get("short", language))
    return welcome + "\n\n" + TEXTS.get("who", language)


def plan(state: State, message: Inbound, *, crisis: bool) -> Step:
    """Return what a later message of a conversation does: crisis, stop, language or answer.

    `crisis` tells whether the message holds a crisis phrase of the rules in force.
    """
    if crisis:
        return Step(action="escalate")
    if message.word in STOP_WORDS:
        return Step(action="stop")
    if state.intake_step == STOPPED:
        if message.channel == "sms" and message.word not in START_WORDS:
            # Twilio delivers no SMS to the number until it sends START: no answer, and
            # the conversation stays one to call (`loket.channels.messaging`).
            return Step(action="no_texts")
        # START, or a WhatsApp message after their stop: the conversation goes on by hand,
        # and a counsellor may text them again.
        return Step(intake_step="acked")
    if message.language:
        return switch_language(state, message.language)
    step, _, again = state.intake_step.partition(":")
    if message.only_media or message.only_place:
        return on_media(state, step, "location" if message.only_place else "media")
    if step in ROUTED_STEPS and state.status == "callback" and \
            message.choice("who", state.language) == MENU_NOW:
        # "help", "0": someone now, also after a callback was promised (a person waiting to
        # be called back tomorrow is not parked until then), as the phone's 0 in the queue.
        return Step(action="escalate")
    if step == "routed":
        return acknowledge(state)
    if step == "acked":
        return Step()  # a counsellor answers by hand; no automatic reply to every message
    if message.digit == MENU_ENGLISH:
        return switch_language(state, "en")
    question = step if step in QUESTIONS else "who"
    if message.choice(question, state.language) == MENU_NOW:
        return Step(action="escalate")  # 0 or "help": someone now, at every question
    if step == "serving":
        return on_serving(state, message, bool(again))
    if step == "respond":
        return on_respond(state, message, bool(again))
    if step == "window":
        return on_window(state, message, bool(again))
    return on_who(state, message, bool(again))


def on_media(state: State, step: str, key: str = "media") -> Step:
    """Say that a photo, video or voice note cannot be seen or heard here, every time (it may
    hold what the person could not type), or that a location pin came (`key` location); a
    question is asked again, not counted as missed."""
    reply = say(state.language, key, crisis=CRISIS.get("short", state.language))
    if step in ROUTED_STEPS:
        return Step(reply=reply)
    return Step(reply=reply + "\n\n" + say(state.language, step if step in QUESTIONS else "who"))


def say(language: str, key: str, **values: str | int) -> str:
    """Return a text in this language."""
    return TEXTS.get(key, language, **values)


def ask(
    state: State, step: str, before: str = "", answers: Mapping[str, str] | None = None
) -> Step:
    """Move to a question and ask it (in the language the answers leave)."""
    answers = answers or {}
    language = answers.get("language", state.language)
    return Step(reply=before + say(language, step), answers=answers, intake_step=step)


def ask_again(state: State, step: str) -> Step:
    """Ask a question a second time, kindly; the next miss takes the default."""
    reply = say(state.language, "again") + "\n" + say(state.language, step)
    if step != "who":  # the first question names the other language itself
        reply += "\n" + say(state.language, "other_language")
    return Step(reply=reply, intake_step=f"{step}:again")


def pick(
    state: State,
    message: Inbound,
    question: str,
    options: Mapping[str, T],
    again: bool,
    default: T,
) -> tuple[T | None, str]:
    """Return the chosen option, or the default after a second miss with a word about it."""
    choice = options.get(message.choice(question, state.language) or "")
    if choice is not None:
        return choice, ""
    if again:
        return default, say(state.language, "default") + "\n"
    return None, ""


def on_who(state: State, message: Inbound, again: bool) -> Step:
    """Take who is writing: police, veteran or military, family of either, or other."""
    choice, before = pick(state, message, "who", menu.BY_DIGIT, again, menu.OTHER)
    if choice is None:
        return ask_again(state, "who")
    return ask(state, "serving" if choice.asks_serving else "respond", before, choice.answers)


def on_serving(state: State, message: Inbound, again: bool) -> Step:
    """Take whether a veteran or soldier serves now or served before."""
    choice, before = pick(state, message, "serving", SERVING, again, "unknown")
    if choice is None:
        return ask_again(state, "serving")
    return ask(state, "respond", before, {"serving_status": choice})


def on_respond(state: State, message: Inbound, again: bool) -> Step:
    """Take chat now or a callback; chat now routes at once."""
    choice, before = pick(state, message, "respond", RESPOND, again, "chat")
    if choice is None:
        return ask_again(state, "respond")
    if choice == "callback":
        return ask(state, "window", before, {"preference": choice})
    return Step(answers={"preference": choice}, action="route", before=before)


def on_window(state: State, message: Inbound, again: bool) -> Step:
    """Take the callback window, then route."""
    choice, before = pick(state, message, "window", WINDOWS, again, "asap")
    if choice is None:
        return ask_again(state, "window")
    return Step(action="route", window=choice, before=before)


def acknowledge(state: State, answers: Mapping[str, str] | None = None) -> Step:
    """Say once, after routing, that the message arrived; later messages get no reply."""
    answers = answers or {}
    language = answers.get("language", state.language)
    key = "ack_callback" if state.status == "callback" else "ack_chat"
    reply = say(language, key, reference=state.reference)
    return Step(reply=reply, answers=answers, intake_step="acked")


def switch_language(state: State, language: str) -> Step:
    """Speak this language from now on; repeat the question or acknowledge in it."""
    answers = {"language": language}
    if state.intake_step in ROUTED_STEPS:
        return acknowledge(state, answers)
    step = state.intake_step.partition(":")[0]
    return ask(state, step if step in QUESTIONS else "who", answers=answers)
