"""The staff texts of callbacks and live calls, Dutch and English."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from loket.domain.callbacks import AMSTERDAM, CALLBACK_WINDOWS, callback_window
from loket.i18n import Catalog
from loket.store.types import utcnow

TEXTS: dict[str, dict[str, str]] = {
    "calls_title": {"nl": "Bellen", "en": "Calls"},
    "cb_window": {"nl": "Terugbellen: {window}", "en": "Call back: {window}"},
    "cb_window_asap": {"nl": "zo snel mogelijk", "en": "as soon as possible"},
    # Without its day (the trail, a due row): `window_label` names the day.
    "cb_window_evening": {"nl": "tussen 18 en 21 uur", "en": "between 18 and 21"},
    "cb_window_tomorrow": {"nl": "tussen 9 en 12 uur", "en": "between 9 and 12"},
    "cb_when": {"nl": "{day} {start}–{end} uur", "en": "{day} {start}–{end}"},
    "cb_day_evening_today": {"nl": "vanavond", "en": "this evening"},
    "cb_day_evening_tomorrow": {"nl": "morgenavond", "en": "tomorrow evening"},
    "cb_day_morning_today": {"nl": "vanochtend", "en": "this morning"},
    "cb_day_morning_tomorrow": {"nl": "morgenochtend", "en": "tomorrow morning"},
    "cb_late": {"nl": "{n} min te laat", "en": "{n} min late"},
    "cb_voicemail_yes": {
        "nl": "Inspreken mag (een neutraal bericht zonder organisatienaam).",
        "en": "A voicemail is safe (a neutral message naming no organisation).",
    },
    "cb_voicemail_no": {
        "nl": "Niet inspreken: een voicemail is niet veilig voor deze persoon.",
        "en": "Leave no voicemail: it is not safe for this person.",
    },
    "cb_attempts": {"nl": "Pogingen: {n}", "en": "Attempts: {n}"},
    "cb_status": {"nl": "Stand: {status}", "en": "State: {status}"},
    "cb_status_pending": {"nl": "ingepland", "en": "scheduled"},
    "cb_status_due": {"nl": "nu aan de beurt", "en": "due now"},
    "cb_status_calling": {"nl": "wordt gebeld", "en": "being called"},
    "cb_status_done": {"nl": "afgerond", "en": "done"},
    "cb_status_unreachable": {"nl": "onbereikbaar", "en": "unreachable"},
    "cb_status_missed": {"nl": "venster verstreken", "en": "window passed"},
    "cb_status_cancelled": {"nl": "vervallen", "en": "cancelled"},
    "cb_status_closed": {"nl": "gesloten", "en": "closed"},
    "cb_status_crisis": {"nl": "crisis: nu beantwoord", "en": "crisis: answered now"},
    "cb_call": {"nl": "Bel terug", "en": "Call back"},
    "cb_dropped_hint": {
        "nl": "Het gesprek met deze persoon in crisis is voorbij. Viel het weg, bel dan "
              "direct terug: je eigen telefoon gaat eerst over; neem je op, dan bellen we de "
              "persoon met het nummer van de desk.",
        "en": "The call with this person in crisis has ended. If it dropped, call them back "
              "now: your own phone rings first; when you answer, we call the person from the "
              "desk's number.",
    },
    "cb_call_hint": {
        "nl": "Je eigen telefoon gaat eerst over; neem je op, dan bellen we de persoon met het "
              "nummer van de desk. Jouw nummer ziet de persoon nooit. Er wordt niets opgenomen.",
        "en": "Your own phone rings first; when you answer, we call the person from the "
              "desk's number. The person never sees your number. Nothing is recorded.",
    },
    "cb_answer": {"nl": "Neem dit gesprek aan", "en": "Take this call"},
    "cb_answer_hint": {
        "nl": "Je eigen telefoon gaat over; neem je op, dan halen we de beller uit de wachtrij.",
        "en": "Your own phone rings; when you answer, the caller is taken out of the queue.",
    },
    "cb_outcome": {"nl": "Hoe ging het?", "en": "How did it go?"},
    "cb_outcome_set": {"nl": "Uitkomst vastleggen", "en": "Record outcome"},
    "call_outcome_reached": {"nl": "Bereikt", "en": "Reached"},
    "call_outcome_no_answer": {"nl": "Niet opgenomen", "en": "No answer"},
    "call_outcome_busy": {"nl": "In gesprek", "en": "Busy"},
    "call_outcome_voicemail": {"nl": "Voicemail ingesproken", "en": "Voicemail left"},
    "call_outcome_wrong_number": {"nl": "Verkeerd nummer", "en": "Wrong number"},
    "call_outcome_failed": {"nl": "Kon niet bellen", "en": "Could not call"},
    "cb_last_outcome": {"nl": "Vorige poging: {outcome}", "en": "Last attempt: {outcome}"},
    "cb_error": {"nl": "Let op: {error}", "en": "Note: {error}"},
    # What went wrong with a call, as the domain stores it (English sentences; see
    # desk/_call_words.html), and a line's state as Twilio names it.
    "call_error_no_report": {
        "nl": "het gesprek meldde zich niet terug; probeer opnieuw",
        "en": "the call did not report back; try again",
    },
    "call_error_not_placed": {
        "nl": "het gesprek kon niet worden opgezet ({reason})",
        "en": "the call could not be placed ({reason})",
    },
    "call_error_counsellor_hung_up": {
        "nl": "niet gebeld: je hing zelf eerst op",
        "en": "not called: you hung up first",
    },
    "call_error_caller_hung_up": {
        "nl": "de beller hing op voordat je verbonden was",
        "en": "the caller hung up before you were connected",
    },
    "call_error_called_off": {
        "nl": "niet doorverbonden: de telefoon van de hulpverlener hing op voordat de beller "
              "erbij kwam; de beller wacht weer in de wachtrij",
        "en": "not connected: the counsellor's phone hung up before the caller joined; the "
              "caller waits in the queue again",
    },
    "call_error_move_refused": {
        "nl": "niet doorverbonden: Twilio kon de beller niet naar je toe halen; de beller wacht "
              "nog in de wachtrij, voor iedereen van de desk",
        "en": "not connected: Twilio could not bring the caller to you; the caller still waits "
              "in the queue, for anyone of the desk",
    },
    "call_error_no_number_left": {
        "nl": "geen nummer meer om te bellen (de gegevens zijn gewist)",
        "en": "no number left to call (the data was erased)",
    },
    "call_error_never_met": {
        "nl": "niet doorverbonden: de hulpverlener was al weg toen de beller erbij kwam; de "
              "beller wacht weer in de wachtrij",
        "en": "not connected: the counsellor had left when the caller joined; the caller "
              "waits in the queue again",
    },
    "call_error_caller_gone_first": {
        "nl": "de beller had al opgehangen toen de telefoon werd opgenomen",
        "en": "the caller had hung up when the phone was answered",
    },
    "call_error_counsellor_no_answer": {
        "nl": "de telefoon van de hulpverlener werd niet opgenomen",
        "en": "the counsellor's phone did not answer",
    },
    "call_error_counsellor_left": {
        "nl": "de hulpverlener hing op voordat de persoon opnam",
        "en": "the counsellor hung up before the person answered",
    },
    "call_error_counsellor_hung_up_early": {
        "nl": "de hulpverlener hing op voordat de persoon gebeld werd",
        "en": "the counsellor hung up before the person was called",
    },
    "call_error_call_ended": {
        "nl": "het gesprek was al afgelopen",
        "en": "the call had ended",
    },
    "call_error_no_longer_theirs": {
        "nl": "niet doorverbonden: de toegang veranderde terwijl de telefoon overging",
        "en": "not put through: the access changed while the phone rang",
    },
    "call_error_not_theirs": {
        "nl": "de collega mag het contact niet meer zien",
        "en": "the colleague may no longer see the contact",
    },
    "call_error_not_confirmed": {
        "nl": "je telefoon bevestigde het gesprek niet (geen 1 gedrukt)",
        "en": "your phone did not confirm the call (no 1 pressed)",
    },
    "leg_status_queued": {"nl": "in de rij", "en": "queued"},
    "leg_status_placed": {"nl": "wordt gebeld", "en": "being placed"},
    "leg_status_dialing": {"nl": "wordt gebeld", "en": "dialling"},
    "leg_status_moving": {"nl": "wordt doorverbonden", "en": "being connected"},
    "leg_status_initiated": {"nl": "wordt gebeld", "en": "dialling"},
    "leg_status_ringing": {"nl": "gaat over", "en": "ringing"},
    "leg_status_answered": {"nl": "opgenomen", "en": "answered"},
    "leg_status_in-progress": {"nl": "verbonden", "en": "connected"},
    "leg_status_completed": {"nl": "beëindigd", "en": "ended"},
    "leg_status_busy": {"nl": "in gesprek", "en": "busy"},
    "leg_status_no-answer": {"nl": "niet opgenomen", "en": "no answer"},
    "leg_status_failed": {"nl": "mislukt", "en": "failed"},
    "leg_status_canceled": {"nl": "geannuleerd", "en": "cancelled"},
    "legs_title": {"nl": "Lijnen", "en": "Lines"},
    "leg_counsellor": {"nl": "Jouw telefoon", "en": "Your phone"},
    "leg_person": {"nl": "De persoon", "en": "The person"},
    "leg_caller": {"nl": "De beller", "en": "The caller"},
    "leg_coach": {
        "nl": "Leidinggevende luistert mee (alleen jij hoort hen)",
        "en": "Your manager is listening in (only you hear them)",
    },
    "leg_transfer": {"nl": "Collega van de andere desk", "en": "Colleague of the other desk"},
    "warm_title": {"nl": "Warm doorverbinden", "en": "Warm transfer"},
    "warm_hint": {
        "nl": "Een beschikbare collega van die desk komt erbij in het gesprek. Praat eerst met "
              "hen, hang dan op; de overdrachtsnotitie gaat mee en zij nemen het contact over.",
        "en": "An available colleague of that desk joins the call. Talk to them first, then "
              "hang up; the handover note goes along and they take the contact over.",
    },
    "warm_go": {"nl": "Collega erbij halen", "en": "Bring in a colleague"},
    "done_warm_transfer": {
        "nl": "De collega wordt gebeld en komt in het gesprek.",
        "en": "The colleague is being called and will join the call.",
    },
    "mgr_listen": {"nl": "Meeluisteren", "en": "Listen in"},
    "done_listening": {
        "nl": "Je telefoon gaat zo over. Druk op 1 om mee te luisteren: je hoort het gesprek "
              "en alleen de hulpverlener hoort jou.",
        "en": "Your phone will ring shortly. Press 1 to listen in: you hear the call and only "
              "the counsellor hears you.",
    },
    "r_no_help_asked": {
        "nl": "Meeluisteren kan alleen als de hulpverlener jouw desk om hulp vroeg.",
        "en": "You can only listen in when the counsellor asked your desk for help.",
    },
    "r_no_live_call": {"nl": "Er loopt nu geen gesprek.", "en": "No call is live now."},
    "r_nobody_available": {
        "nl": "Niemand van die desk is nu beschikbaar om het gesprek over te nemen.",
        "en": "Nobody of that desk is available to take the call now.",
    },
    "done_calling": {
        "nl": "Je telefoon gaat zo over. Neem op om verbonden te worden.",
        "en": "Your phone will ring shortly. Answer to be connected.",
    },
    "done_answering": {
        "nl": "Je telefoon gaat zo over. Neem op om de beller te spreken.",
        "en": "Your phone will ring shortly. Answer to speak to the caller.",
    },
    "done_call_outcome": {"nl": "Uitkomst vastgelegd.", "en": "Outcome recorded."},
    "r_no_phone": {
        "nl": "In je profiel staat geen telefoonnummer om eerst te bellen. Vraag de beheerder.",
        "en": "Your profile has no phone number to ring first. Ask the administrator.",
    },
    "r_no_callback": {
        "nl": "Er staat voor dit contact geen terugbelverzoek klaar.",
        "en": "No callback of this contact is due.",
    },
    "r_not_call": {
        "nl": "Dit contact is geen wachtend telefoongesprek.",
        "en": "This contact is not a waiting call.",
    },
    "r_caller_left": {
        "nl": "De beller heeft opgehangen voordat iemand opnam: het gesprek telt als "
              "opgegeven.",
        "en": "The caller hung up before anyone answered: the call counts as abandoned.",
    },
    "r_call_outcome": {"nl": "Kies een uitkomst.", "en": "Choose an outcome."},
    "e_banner": {
        "nl": "Escalatie: crisis {reference} ({desk}) wacht al {minutes} min zonder "
              "hulpverlener.",
        "en": "Escalation: crisis {reference} ({desk}) has waited {minutes} min without a "
              "counsellor.",
    },
    "e_banner_row": {
        "nl": "Escalatie: crisis {reference} ({desk}) wacht zonder hulpverlener, al",
        "en": "Escalation: crisis {reference} ({desk}) is waiting without a counsellor, for",
    },
    "e_no_oncall": {
        "nl": "Er is geen dienstnummer ingesteld (LOKET_ONCALL_NUMBER): bij een escalatie "
              "gaat er geen sms naar de dienstdoende.",
        "en": "No on-call number is set (LOKET_ONCALL_NUMBER): an escalation texts no one "
              "on call.",
    },
    "e_not_texted": {
        "nl": "De sms naar de dienstdoende is (nog) niet verstuurd: bel zelf.",
        "en": "The text to the on-call phone has not gone out (yet): call them yourself.",
    },
    "e_title": {"nl": "Escalaties", "en": "Escalations"},
    "e_none": {"nl": "Geen open escalaties.", "en": "No open escalations."},
    "plan_title": {"nl": "Terugbellen afspreken", "en": "Agree a callback"},
    "plan_window": {"nl": "Wanneer", "en": "When"},
    "plan_voicemail": {"nl": "Inspreken is veilig voor deze persoon",
                       "en": "A voicemail is safe for this person"},
    "plan_personal": {
        "nl": "Ik bel zelf: mijn telefoon gaat over zodra het zover is",
        "en": "I call myself: my phone rings when it is time",
    },
    "plan_go": {"nl": "Afspreken", "en": "Agree"},
    "done_plan_callback": {
        "nl": "Terugbelafspraak vastgelegd; het contact wacht tot het zover is.",
        "en": "Callback agreed; the contact waits until it is time.",
    },
    "r_crisis_callback": {
        "nl": "Een crisis wordt nu beantwoord, nooit alleen teruggebeld.",
        "en": "A crisis is answered now, never only called back.",
    },
    "r_no_number": {"nl": "Dit contact heeft geen nummer om terug te bellen.",
                    "en": "This contact has no number to call back."},
    "r_window": {"nl": "Kies wanneer.", "en": "Choose when."},
    "mgr_unreachable": {"nl": "Onbereikbaar en verlopen terugbelverzoeken",
                        "en": "Unreachable and missed callbacks"},
    "mgr_unreachable_none": {"nl": "Geen.", "en": "None."},
    "mgr_try_again": {"nl": "Nog één keer proberen", "en": "Try once more"},
    "mgr_close_unreachable": {"nl": "Sluiten (geen contact)", "en": "Close (no contact)"},
    "mgr_unreachable_hint": {
        "nl": "Nog één keer proberen zet de terugbelafspraak opnieuw in de wachtrij van de "
              "desk. Sluiten (geen contact) sluit het contact met uitkomst 'geen contact': "
              "er wordt niet meer gebeld. Een crisis wordt nooit zo gesloten.",
        "en": "Try once more puts the callback back in the desk's queue. Close (no contact) "
              "closes the contact with the outcome 'no contact': nobody calls again. A "
              "crisis is never closed this way.",
    },
    "col_attempts": {"nl": "Pogingen", "en": "Attempts"},
    "col_state": {"nl": "Stand", "en": "State"},
    "done_tried_again": {"nl": "Het terugbelverzoek staat weer klaar voor de desk.",
                         "en": "The callback is due for the desk again."},
    "done_closed_unreachable": {"nl": "Gesloten.", "en": "Closed."},
}


@cache
def _catalog() -> Catalog:
    return Catalog("desk-calls", TEXTS)


def text(key: str, lang: str, **values: Any) -> str:
    """Return one of these texts (`desk.texts` merges them into the staff pages' catalog,
    and imports this module: so they are read here, not through it)."""
    return _catalog().get(key, lang, **values)


def _clock(moment: datetime) -> str:
    """Say a time of day as the desk does: "18", "9", "19:30"."""
    return str(moment.hour) if moment.minute == 0 else f"{moment.hour}:{moment:%M}"


def window_label(window: str, start: datetime, end: datetime, lang: str, *,
                 now: datetime | None = None) -> str:
    """Name a callback's window by its real day as seen in Amsterdam now: "vanavond 18–21
    uur", "morgenavond 18–21 uur", "vanochtend 9–12 uur", else its date ("7-12-2026 ...")."""
    if window == "asap":
        return text("cb_window_asap", lang)
    local_start, local_end = start.astimezone(AMSTERDAM), end.astimezone(AMSTERDAM)
    today = (now or utcnow()).astimezone(AMSTERDAM).date()
    part = "evening" if window == "evening" else "morning"
    if local_start.date() == today:
        day = text(f"cb_day_{part}_today", lang)
    elif local_start.date() == today + timedelta(days=1):
        day = text(f"cb_day_{part}_tomorrow", lang)
    else:
        day = f"{local_start.day}-{local_start.month}-{local_start.year}"
    return text("cb_when", lang, day=day, start=_clock(local_start), end=_clock(local_end))


def plan_windows(lang: str, *, now: datetime | None = None) -> list[tuple[str, str]]:
    """Return the windows a counsellor may agree now as (value, label), by their real day."""
    at = now or utcnow()
    return [(window, window_label(window, *callback_window(window, at), lang, now=at))
            for window in CALLBACK_WINDOWS]
