"""Failure answers: every error is a Loket answer that names 112 and 113, never Werkzeug's HTML.

- Twilio's routes answer TwiML Twilio can use: a caller hears (Dutch, then English) that
  something went wrong, to call again, and 112 and 113; a texter gets the same as a text.
  These answers carry HTTP 200: Twilio plays or sends nothing from a 4xx or 5xx answer, only
  its own "application error". Delivery and call status callbacks get an empty `<Response/>`
  with the error's own status, so Twilio's debugger shows the failure (nobody hears them).
- JSON routes (`/api/…`, `/healthz`, the chat's poll, a script asking for JSON) answer JSON.
- Every other page is a Loket page in the visitor's language with the 112/113 block.

Unexpected exceptions reach here as a 500 after Flask has logged them with their stack.
"""

from __future__ import annotations

import structlog
from flask import Flask, Response, current_app, jsonify, render_template, request
from psycopg.errors import IdleInTransactionSessionTimeout
from sqlalchemy.exc import DisconnectionError, InternalError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from loket.channels.common import VOICES
from loket.i18n import CRISIS, LANGUAGES, Catalog, request_language

log = structlog.get_logger(__name__)
TWIML = "text/xml; charset=utf-8"
JSON_PATHS = {"/healthz", "/chat/messages"}
# What each status is called on a page; any other status is answered as 400 or 500 are.
PAGE_STATUSES = (400, 403, 404, 405, 413, 429, 500, 503)
# The database went away under a request (a restart, a failover, a cut connection) or its
# pool had no connection free in time: the request did not happen; try again shortly.
UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, DisconnectionError, PoolTimeout)
RETRY_AFTER_S = 5

TEXTS = Catalog(
    "errors",
    {
        "title_400": {
            "nl": "Dit verzoek kunnen we niet verwerken",
            "en": "We cannot handle this request",
        },
        "text_400": {
            "nl": "Er klopt iets niet aan wat de pagina stuurde. Ga terug en probeer het opnieuw.",
            "en": "Something in what the page sent is not right. Go back and try again.",
        },
        "title_403": {"nl": "Geen toegang", "en": "No access"},
        "text_403": {
            "nl": "Deze pagina is niet voor jou bedoeld.",
            "en": "This page is not meant for you.",
        },
        "title_404": {"nl": "Deze pagina bestaat niet", "en": "This page does not exist"},
        "text_404": {
            "nl": "Misschien is de link oud of verkeerd getypt. Op de startpagina kun je chatten "
            "of een bericht achterlaten.",
            "en": "The link may be old or mistyped. On the home page you can chat or leave a "
            "message.",
        },
        "title_405": {"nl": "Dit kan zo niet", "en": "This cannot be done this way"},
        "text_405": {
            "nl": "Deze pagina werkt niet op deze manier. Ga terug en probeer het opnieuw.",
            "en": "This page does not work this way. Go back and try again.",
        },
        "title_413": {"nl": "Wat je stuurde is te groot", "en": "What you sent is too large"},
        "text_413": {
            "nl": "Maak je bericht korter en probeer het opnieuw.",
            "en": "Make your message shorter and try again.",
        },
        "title_429": {"nl": "Even wachten", "en": "Please wait a moment"},
        "text_429": {
            "nl": "Er kwamen veel berichten achter elkaar van dit adres. Wacht een minuut en "
            "probeer het dan opnieuw.",
            "en": "Many messages came from this address in a row. Wait a minute, then try "
            "again.",
        },
        "title_500": {"nl": "Er ging bij ons iets mis", "en": "Something went wrong on our side"},
        "text_500": {
            "nl": "Wat je net stuurde, is misschien niet bewaard. Probeer het over een paar "
            "minuten opnieuw.",
            "en": "What you just sent may not have been saved. Please try again in a few "
            "minutes.",
        },
        "title_503": {
            "nl": "Even niet beschikbaar",
            "en": "Briefly unavailable",
        },
        "text_503": {
            "nl": "We konden wat je net stuurde even niet opslaan. Probeer het over een paar "
            "seconden opnieuw.",
            "en": "We could not store what you just sent for a moment. Please try again in a "
            "few seconds.",
        },
        "back_home": {"nl": "Naar de startpagina", "en": "Go to the home page"},
        "spoken": {
            "nl": "Het spijt ons, er ging bij ons iets mis. Bel over een paar minuten opnieuw.",
            "en": "We are sorry, something went wrong on our side. Please call again in a few "
            "minutes.",
        },
        "texted": {
            "nl": "Er ging bij ons iets mis. Stuur je bericht over een paar minuten opnieuw.",
            "en": "Something went wrong on our side. Please send your message again in a few "
            "minutes.",
        },
    },
)


def init_app(app: Flask) -> None:
    """Answer every HTTP error (and every unexpected exception, as a 500) the Loket way."""
    app.register_error_handler(HTTPException, answer_error)
    for kind in UNAVAILABLE:
        app.register_error_handler(kind, answer_unavailable)
    app.register_error_handler(InternalError, answer_internal)


def answer_internal(error: InternalError) -> Response:
    """A transaction the server ended past its bound (PostgreSQL's idle-in-transaction
    timeout) is the database going away under the request: a 503; anything else a 500."""
    if isinstance(error.orig, IdleInTransactionSessionTimeout):
        return answer_unavailable(error)
    current_app.log_exception((type(error), error, error.__traceback__))  # type: ignore[arg-type]
    return respond(InternalServerError())


def respond(error: HTTPException) -> Response:
    """Answer an HTTP error through the handler the app registered for its status (the
    API's under /api/), else as `answer_error` does."""
    answer = current_app.handle_http_exception(error)
    return answer if isinstance(answer, Response) else answer_error(error)


def answer_unavailable(error: Exception) -> Response:
    """The database did not answer (restarting, cut off, no connection free): a 503 with
    Retry-After, not a 500, asking to try again (the open transaction was rolled back). Its
    stack is logged as every failure's is, without the values of the request."""
    # Logged as Flask logs a 500 (stdlib logging, rendered without locals or values).
    current_app.log_exception((type(error), error, error.__traceback__))  # type: ignore[arg-type]
    # Through the app's handler of a 503: under /api/ the API's own (`api.failures`).
    return respond(ServiceUnavailable(retry_after=RETRY_AFTER_S))


def answer_error(error: HTTPException) -> Response:
    """Answer an error with TwiML, JSON or a Loket page, as the route's client reads it."""
    status = error.code or 500
    if request.path.startswith("/twilio/"):
        log.warning("twilio.failure_answered", path=request.path, status=status)
        return twilio_answer(status)
    if wants_json():
        lang = request_language()
        text = TEXTS.get(f"text_{page_status(status)}", lang)
        body = jsonify(ok=False, status=status, error=text)
        body.status_code = status
        return carry_headers(error, body)
    try:
        page = error_page(status)
    except Exception:  # noqa: BLE001 - the page itself failed: still name 112 and 113
        log.exception("errors.page_failed", status=status)
        page = plain_page()
    return carry_headers(error, Response(page, status, mimetype="text/html"))


def page_status(status: int) -> int:
    """Return the status whose texts answer this one."""
    if status in PAGE_STATUSES:
        return status
    return 500 if status >= 500 else 400


def wants_json() -> bool:
    """Tell whether this request's client reads JSON."""
    if request.path.startswith("/api/") or request.path in JSON_PATHS:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_page(status: int) -> str:
    """Render the error page in the visitor's language, with the 112/113 block."""
    shown = page_status(status)
    lang = request_language()
    return render_template(
        "errors/error.html",
        status=status,
        error_title=TEXTS.get(f"title_{shown}", lang),
        error_text=TEXTS.get(f"text_{shown}", lang),
        back_home=TEXTS.get("back_home", lang),
    )


def plain_page() -> str:
    """Return the bare error page: what went wrong and 112/113, in both languages."""
    parts = [
        f'<p lang="{lang}">{TEXTS.get("text_500", lang)} {CRISIS.get("short", lang)}</p>'
        for lang in LANGUAGES
    ]
    return "<!doctype html><title>Loket</title>" + "".join(parts)


def twilio_answer(status: int) -> Response:
    """Answer Twilio: spoken for a call, texted for a message, empty for a status callback."""
    if request.path.rstrip("/").endswith("/status"):
        return Response(str(VoiceResponse()), status, content_type=TWIML)
    if request.path.startswith("/twilio/messaging"):
        message = "\n\n".join(
            f"{TEXTS.get('texted', lang)} {CRISIS.get('short', lang)}" for lang in LANGUAGES
        )
        texted = MessagingResponse()
        texted.message(message)
        return Response(str(texted), 200, content_type=TWIML)
    twiml = VoiceResponse()
    for lang in LANGUAGES:  # Dutch first
        language, voice = VOICES[lang]
        twiml.say(TEXTS.get("spoken", lang), language=language, voice=voice)
        twiml.say(CRISIS.get("spoken", lang), language=language, voice=voice)
    twiml.hangup()
    return Response(str(twiml), 200, content_type=TWIML)


def carry_headers(error: HTTPException, response: Response) -> Response:
    """Keep what the error itself tells the client (Allow on a 405, Retry-After on a 429)."""
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
