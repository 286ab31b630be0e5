"""`loket simulate call|text`: try the phone menu and the text conversation without Twilio.

Each request is shaped and signed as Twilio sends it (twilio's own `RequestValidator`: the
URL plus the sorted parameters, HMAC-SHA1 with the auth token, base64, in
`X-Twilio-Signature`), posted to a running Loket, and its TwiML answer told in words. In
development without a Twilio account the token is the development one Loket keeps in
`instance/twilio_dev_token`, so run this from the folder where `make run` runs.
"""

from __future__ import annotations

import re
import textwrap
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

import click

from loket.cli.help import Group
from loket.cli.language import cli_language
from loket.i18n import Catalog
from loket.routing.trace_words import value_in_language

DEFAULT_FROM = "+31612345678"
SANDBOX_TO = "+3185000000"
DEV_ACCOUNT_SID = "AC" + "0" * 32
TIMEOUT_S = 15.0  # Twilio gives up on a webhook after 15 s
MAX_REQUESTS = 40  # a menu that never ends is reported, not followed for ever
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
KEYS = re.compile(r"[0-9*#]*")
WITHHELD = "anonymous"

TEXTS = Catalog(
    "simulate",
    {
        "call_start": {
            "nl": "Je belt Loket vanaf {number} ({url}).",
            "en": "You call Loket from {number} ({url}).",
        },
        "text_start": {
            "nl": "Je stuurt een {kind} vanaf {number} ({url}): \u201c{body}\u201d",
            "en": "You send {kind} from {number} ({url}): \u201c{body}\u201d",
        },
        "kind_sms": {"nl": "sms", "en": "an SMS"},
        "kind_whatsapp": {"nl": "WhatsApp-bericht", "en": "a WhatsApp message"},
        "says": {"nl": "Loket zegt: ", "en": "Loket says: "},
        "asks": {"nl": "Loket vraagt: ", "en": "Loket asks: "},
        "replies": {"nl": "Loket antwoordt: ", "en": "Loket replies: "},
        "no_reply": {
            "nl": "Loket stuurt geen antwoord.",
            "en": "Loket sends no reply.",
        },
        "press": {"nl": "Je toetst {keys}.", "en": "You press {keys}."},
        "press_nothing": {
            "nl": "Je toetst niets; na de wachttijd gaat het gesprek verder.",
            "en": "You press nothing; after the time-out the call goes on.",
        },
        "pause": {"nl": "(stilte, {seconds} s)", "en": "(silence, {seconds} s)"},
        "music": {"nl": "(muziek)", "en": "(music)"},
        "queue": {
            "nl": "Je wacht in wachtrij {queue} tot een hulpverlener opneemt.",
            "en": "You wait in queue {queue} until a counsellor answers.",
        },
        "hang_up": {
            "nl": "Je hangt op: de simulatie stopt hier, Loket noteert het gesprek als beëindigd.",
            "en": "You hang up: the simulation stops here, Loket records the call as ended.",
        },
        "dial": {
            "nl": "Je wordt doorverbonden met {number}. Het gesprek gaat daar verder.",
            "en": "You are put through to {number}. The call goes on there.",
        },
        "ends": {"nl": "Het gesprek eindigt.", "en": "The call ends."},
        "too_long": {
            "nl": "Gestopt na {n} stappen zonder einde: het menu lijkt rond te draaien.",
            "en": "Stopped after {n} steps without an end: the menu seems to go round.",
        },
        "bad_url": {
            "nl": "{url!r} is geen http(s)-adres met een host en een poort van 1 tot 65535 "
                  "(bijvoorbeeld http://127.0.0.1:8000)",
            "en": "{url!r} is not an http(s) address with a host and a port from 1 to 65535 "
                  "(such as http://127.0.0.1:8000)",
        },
        "down": {
            "nl": "Loket antwoordt niet op {url}: start het eerst met `make run` "
            "(of geef met --url aan waar het draait).",
            "en": "Loket does not answer at {url}: start it first with `make run` "
            "(or say with --url where it runs).",
        },
        "slow": {
            "nl": "Loket antwoordt niet binnen {seconds} s op {path} (Twilio zou hier ophangen).",
            "en": "Loket does not answer {path} within {seconds} s (Twilio would give up here).",
        },
        "refused": {
            "nl": "Loket weigert de handtekening (403): draai dit in dezelfde map als "
            "`make run` (de sleutel staat in instance/twilio_dev_token) en gebruik als --url "
            "het LOKET_PUBLIC_URL van de server.",
            "en": "Loket refuses the signature (403): run this in the folder of `make run` "
            "(the token is in instance/twilio_dev_token) and use the server's "
            "LOKET_PUBLIC_URL as --url.",
        },
        "failed": {
            "nl": "Loket antwoordt {status} op {path}: {reason}",
            "en": "Loket answers {status} to {path}: {reason}",
        },
        "bad_keys": {
            "nl": "{item!r} is geen toetsaanslag: gebruik 0-9, * en #, één item per vraag, "
                  "gescheiden door komma's (2,1,1)",
            "en": "{item!r} is not a key press: use 0-9, * and #, one item per question, "
                  "comma separated (2,1,1)",
        },
        "bad_number": {
            "nl": "{number!r} is geen E.164-nummer zoals +31612345678",
            "en": "{number!r} is not an E.164 number like +31612345678",
        },
        "bad_number_or_withheld": {
            "nl": "{number!r} is geen E.164-nummer zoals +31612345678 of 'anonymous'",
            "en": "{number!r} is not an E.164 number like +31612345678 or 'anonymous'",
        },
        "production": {
            "nl": "LOKET_ENV is production: `loket simulate` is alleen voor development",
            "en": "LOKET_ENV is production: `loket simulate` is for development only",
        },
        "unreadable": {
            "nl": "Loket antwoordt iets dat geen TwiML is op {path}.",
            "en": "Loket answers something that is not TwiML to {path}.",
        },
    },
)


def language(ctx: click.Context | None) -> str:
    """Return the language of this run: --lang when given (and read already), else the
    locale's."""
    chosen = ctx.params.get("lang") if ctx is not None else None
    return chosen if isinstance(chosen, str) else cli_language()


class SimulationError(Exception):
    """The simulation cannot go on; the message says why in the chosen language."""


class Keys(click.ParamType):
    """What the caller keys in, one item per question: `2,1,1` (an empty item: no key)."""

    name = "keys"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> list[str]:
        """Split the items and check that each holds only 0-9, * and #."""
        if isinstance(value, list):
            return value
        items = [item.strip() for item in str(value).split(",")]
        for item in items:
            if not KEYS.fullmatch(item):
                self.fail(TEXTS.get("bad_keys", language(ctx), item=item), param, ctx)
        return items


class Number(click.ParamType):
    """A phone number as Twilio sends it: E.164 (+31612345678); a call may be anonymous."""

    name = "number"

    def __init__(self, *, withheld: bool) -> None:
        self.withheld = withheld

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> str:
        """Accept an E.164 number, or `anonymous` where a withheld number is possible."""
        number = str(value).strip()
        if E164.fullmatch(number) or (self.withheld and number.lower() == WITHHELD):
            return number
        key = "bad_number_or_withheld" if self.withheld else "bad_number"
        self.fail(TEXTS.get(key, language(ctx), number=number), param, ctx)


@dataclass
class Twilio:
    """Posts webhooks to a Loket the way Twilio does, signed with the auth token."""

    base_url: str
    token: str
    lang: str
    requests: int = 0

    def url(self, path: str) -> str:
        """Return the absolute URL of a TwiML action (relative ones are the usual)."""
        return urllib.parse.urljoin(self.base_url + "/", path)

    def post(self, path: str, params: dict[str, str]) -> ET.Element:
        """Post one signed webhook and return its parsed TwiML `<Response>`."""
        from twilio.request_validator import RequestValidator

        self.requests += 1
        if self.requests > MAX_REQUESTS:
            raise SimulationError(TEXTS.get("too_long", self.lang, n=str(MAX_REQUESTS)))
        url = self.url(path)
        signature = RequestValidator(self.token).compute_signature(url, params)
        request = urllib.request.Request(  # noqa: S310 - the URL is http(s), checked at start
            url,
            data=urllib.parse.urlencode(params).encode(),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "TwilioProxy/1.1 (loket simulate)",
            },
            method="POST",
        )
        shown = urllib.parse.urlsplit(url).path
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310
                body = answer.read()
        except urllib.error.HTTPError as error:
            with error:  # it holds the connection
                reason = error.read().decode(errors="replace").strip().splitlines()
            if error.code == 403:
                raise SimulationError(TEXTS.get("refused", self.lang)) from None
            raise SimulationError(TEXTS.get(
                "failed", self.lang, status=str(error.code), path=shown,
                reason=reason[0][:200] if reason else str(error.reason),
            )) from None
        except TimeoutError:
            raise SimulationError(TEXTS.get(
                "slow", self.lang, path=shown, seconds=f"{TIMEOUT_S:.0f}")) from None
        except (urllib.error.URLError, OSError) as error:
            if isinstance(getattr(error, "reason", None), TimeoutError):
                raise SimulationError(TEXTS.get(
                    "slow", self.lang, path=shown, seconds=f"{TIMEOUT_S:.0f}")) from None
            raise SimulationError(TEXTS.get("down", self.lang, url=self.base_url)) from None
        try:
            root = ET.fromstring(body)  # noqa: S314 - Loket's own answer, no DTDs
        except ET.ParseError:
            raise SimulationError(TEXTS.get("unreadable", self.lang, path=shown)) from None
        if root.tag != "Response":
            raise SimulationError(TEXTS.get("unreadable", self.lang, path=shown))
        return root


def fresh_sid(prefix: str) -> str:
    """Return a new Twilio-shaped id (CA…, SM…, QU…: two letters and 32 hex digits)."""
    return prefix + uuid.uuid4().hex


def spoken(node: ET.Element) -> str:
    """Return the text of a `<Say>` or `<Message>`, spaces tidied."""
    return " ".join("".join(node.itertext()).split())


def line(label: str, text: str) -> str:
    """Return a labelled text wrapped for a terminal."""
    return textwrap.fill(
        text, width=92, initial_indent=label, subsequent_indent=" " * 4,
        break_on_hyphens=False,
    )


@dataclass
class Call:
    """One simulated phone call: follows Loket's TwiML from verb to verb, keys one per Gather."""

    twilio: Twilio
    caller: str
    called: str
    account: str
    keys: list[str]
    sid: str = field(default_factory=lambda: fresh_sid("CA"))

    @property
    def lang(self) -> str:
        """Return the language of the simulation's own words."""
        return self.twilio.lang

    def params(self, status: str = "in-progress", **extra: str) -> dict[str, str]:
        """Return what Twilio posts about this call, with a step's own parameters."""
        return {
            "AccountSid": self.account, "ApiVersion": "2010-04-01", "CallSid": self.sid,
            "CallStatus": status, "Direction": "inbound", "From": self.caller,
            "Caller": self.caller, "To": self.called, "Called": self.called, **extra,
        }

    def run(self) -> Iterator[str]:
        """Place the call and yield what happens, line by line, until it ends."""
        response: ET.Element | None = self.twilio.post("/twilio/voice", self.params("ringing"))
        yield TEXTS.get("call_start", self.lang, number=self.caller, url=self.twilio.base_url)
        while response is not None:
            response = yield from self.perform(response)

    def perform(self, response: ET.Element) -> Generator[str, None, ET.Element | None]:
        """Yield what one TwiML document does; return the next document, or None at the end."""
        for verb in response:
            if verb.tag == "Say":
                yield line(TEXTS.get("says", self.lang), spoken(verb))
            elif verb.tag == "Pause":
                yield TEXTS.get("pause", self.lang, seconds=verb.get("length", "1"))
            elif verb.tag == "Play":
                yield TEXTS.get("music", self.lang)
            elif verb.tag == "Gather":
                for said in verb.iter("Say"):
                    yield line(TEXTS.get("asks", self.lang), spoken(said))
                keys = self.keys.pop(0) if self.keys else ""
                if keys:
                    yield TEXTS.get("press", self.lang, keys=keys)
                    digits = keys.removesuffix(verb.get("finishOnKey", "#") or "\0")
                    finished = keys[len(digits):]
                    if verb.get("numDigits", "").isdigit():  # Twilio takes only so many
                        digits = digits[: int(verb.get("numDigits", ""))]
                    return self.twilio.post(verb.get("action") or "", self.params(
                        Digits=digits, FinishedOnKey=finished, msg="Gather End"))
                yield TEXTS.get("press_nothing", self.lang)
            elif verb.tag == "Redirect":
                return self.twilio.post((verb.text or "").strip(), self.params())
            elif verb.tag == "Enqueue":
                yield from self.wait_in_queue(verb)
                return None
            elif verb.tag == "Dial":
                yield TEXTS.get("dial", self.lang, number=spoken(verb))
                self.ended()
                return None
            elif verb.tag in ("Hangup", "Reject"):
                break
        yield TEXTS.get("ends", self.lang)
        self.ended()
        return None

    def wait_in_queue(self, enqueue: ET.Element) -> Iterator[str]:
        """Wait one round in the queue (its hold message), then hang up as the caller."""
        queue = spoken(enqueue)
        # As the routing's trace names it in this language ("debasis" is "De Basis").
        yield TEXTS.get("queue", self.lang, queue=value_in_language(queue, self.lang))
        queue_sid = fresh_sid("QU")
        wait_url = enqueue.get("waitUrl")
        if wait_url:
            hold = self.twilio.post(wait_url, self.params(
                QueueSid=queue_sid, QueuePosition="1", QueueTime="0", AvgQueueTime="0",
                CurrentQueueSize="1"))
            for said in hold.iter("Say"):
                yield line(TEXTS.get("says", self.lang), spoken(said))
        yield TEXTS.get("hang_up", self.lang)
        action = enqueue.get("action")
        if action:
            self.twilio.post(action, self.params(
                "completed", QueueResult="hangup", QueueSid=queue_sid, QueueTime="30"))
        self.ended()

    def ended(self) -> None:
        """Post the status callback Twilio sends when a call is over."""
        self.twilio.post("/twilio/voice/status", self.params(
            "completed", CallDuration="30", CallbackSource="call-progress-events",
            SequenceNumber="0"))


def text_params(*, sender: str, to: str, body: str, account: str, whatsapp: bool
                ) -> dict[str, str]:
    """Return what Twilio posts for one inbound SMS or WhatsApp message."""
    params = {
        "AccountSid": account, "ApiVersion": "2010-04-01", "Body": body,
        "MessageSid": (sid := fresh_sid("SM")), "SmsMessageSid": sid, "SmsSid": sid,
        "SmsStatus": "received", "NumMedia": "0", "NumSegments": "1",
        "From": sender, "To": to,
    }
    if whatsapp:
        params.update({
            "From": f"whatsapp:{sender}", "To": f"whatsapp:{to}",
            "WaId": sender.lstrip("+"), "ProfileName": "Loket simulate",
        })
    return params


def connect(url: str | None, lang: str) -> tuple[Twilio, str, str]:
    """Return the Twilio stand-in for this Loket, and the called number and account."""
    from loket.cli.common import fail
    from loket.config import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError as exc:
        fail(exc.in_language(lang), lang)
    if settings.production:
        fail(TEXTS.get("production", lang), lang)
    base = (url or settings.public_url).rstrip("/")
    if not usable_url(base):
        # Raised in the command, past the parsing that words Click's refusals in the
        # locale's language: refused here as the parsing would (`fout: --url: ...`).
        from loket.cli.usage import USAGE, Refused

        raise Refused(USAGE.get("invalid", lang, field="--url",
                                reason=TEXTS.get("bad_url", lang, url=url or base)),
                      click.get_current_context(silent=True), lang)
    twilio = Twilio(base, settings.twilio_auth_token, lang)
    return (twilio, settings.twilio_from_number or SANDBOX_TO,
            settings.twilio_account_sid or DEV_ACCOUNT_SID)


def usable_url(url: str) -> bool:
    """Return whether `url` is an http(s) address urllib can post to: a host, a port (when
    given) from 1 to 65535, no spaces or control characters."""
    if any(c.isspace() or not c.isprintable() for c in url):
        return False
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # ValueError when not a number or out of range
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port != 0


def stop(error: SimulationError) -> NoReturn:
    """Print why the simulation stopped, in one line, and exit with status 1."""
    click.echo(str(error), err=True)
    raise SystemExit(1)


_URL_HELP = "Where Loket runs (default $LOKET_PUBLIC_URL, else http://127.0.0.1:8000)."
_LANG_HELP = (
    "Language of these lines: nl or en (default: the locale's language). Loket itself speaks "
    "Dutch until you press 9 or text EN."
)


@click.group("simulate", cls=Group)
def simulate_group() -> None:
    """Call or text a running Loket as Twilio would, and print what it answers."""


@simulate_group.command("call")
@click.option("--digits", type=Keys(), default="", show_default=False,
              help="Keys pressed, one item per question, e.g. 2,1,1 (an empty item: none).")
@click.option("--from", "caller", type=Number(withheld=True), default=DEFAULT_FROM,
              show_default=True, help="Calling number (E.164), or anonymous.")
@click.option("--url", help=_URL_HELP)
@click.option("--lang", type=click.Choice(["nl", "en"]), help=_LANG_HELP)
def call_command(digits: list[str], caller: str, url: str | None, lang: str | None) -> None:
    """Call Loket and follow the phone menu.

    Prints what each step says and asks, presses the --digits one per question (none when
    they run out, as a caller who waits), and tells where the call ends: a queue, a
    callback or the end of the call. A caller still waiting in a queue hangs up at the end.
    """
    twilio, called, account = connect(url, lang or cli_language())
    call = Call(twilio, caller, called, account, list(digits))
    try:
        for said in call.run():
            click.echo(said)
    except SimulationError as error:
        stop(error)


@simulate_group.command("text")
@click.argument("body")
@click.option("--from", "sender", type=Number(withheld=False), default=DEFAULT_FROM,
              show_default=True, help="Sending number (E.164); the same number continues.")
@click.option("--whatsapp", is_flag=True, help="Send as WhatsApp instead of SMS.")
@click.option("--url", help=_URL_HELP)
@click.option("--lang", type=click.Choice(["nl", "en"]), help=_LANG_HELP)
def text_command(body: str, sender: str, whatsapp: bool, url: str | None,
                 lang: str | None) -> None:
    """Text Loket by SMS or WhatsApp and print its reply.

    A next text from the same --from continues the same conversation.
    """
    lang = lang or cli_language()
    twilio, to, account = connect(url, lang)
    params = text_params(sender=sender, to=to, body=body, account=account, whatsapp=whatsapp)
    try:
        response = twilio.post("/twilio/messaging", params)
    except SimulationError as error:
        stop(error)
    kind = TEXTS.get("kind_whatsapp" if whatsapp else "kind_sms", lang)
    click.echo(TEXTS.get("text_start", lang, kind=kind, number=sender, url=twilio.base_url,
                         body=body))
    replies = [spoken(message) for message in response.iter("Message")]
    for reply in replies:
        click.echo(line(TEXTS.get("replies", lang), reply))
    if not replies:
        click.echo(TEXTS.get("no_reply", lang))
