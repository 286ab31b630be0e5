"""The texts of help requests and flags on a person, Dutch and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "s_help": {"nl": "Ondersteuning vragen", "en": "Ask for support"},
    "s_help_hint": {
        "nl": "Je leidinggevende en beschikbare collega's zien je vraag meteen.",
        "en": "Your manager and available colleagues see your request at once.",
    },
    "s_help_line": {"nl": "{name} vraagt ondersteuning bij {reference} (sinds {since})",
                    "en": "{name} asks for support on {reference} (since {since})"},
    "s_help_title": {"nl": "Vragen om ondersteuning", "en": "Requests for support"},
    "s_no_help": {"nl": "Niemand vraagt nu ondersteuning.", "en": "Nobody asks for support now."},
    "s_resolve": {"nl": "Opgepakt", "en": "Answered"},
    "s_done_help": {"nl": "Je vraag om ondersteuning is verstuurd.",
                    "en": "Your request for support was sent."},
    "s_done_help_open": {"nl": "Je vraag om ondersteuning staat nog open.",
                         "en": "Your request for support is still open."},
    "s_help_closed": {
        "nl": "Dit contact is afgesloten: hierbij kun je geen ondersteuning meer vragen.",
        "en": "This contact is closed: support can no longer be asked on it.",
    },
    "s_done_resolved": {"nl": "Gemarkeerd als opgepakt.", "en": "Marked as answered."},
    "s_done_resolved_already": {"nl": "Deze vraag was al opgepakt door een collega.",
                                "en": "A colleague had already answered this request."},
    "s_flags": {"nl": "Kenmerken van deze persoon", "en": "Flags on this person"},
    "s_flag_label": {"nl": "Kenmerk voorstellen", "en": "Propose a flag"},
    "s_flag_hint": {
        "nl": "Een collega of je leidinggevende moet het goedkeuren; het vervalt na {days} "
              "dagen. Een kenmerk blokkeert nooit een contact, ook geen crisis.",
        "en": "A colleague or your manager must approve it; it expires after {days} days. "
              "A flag never blocks a contact, nor a crisis.",
    },
    "s_flag_reason": {"nl": "Reden", "en": "Reason"},
    "s_flag_submit": {"nl": "Voorstellen", "en": "Propose"},
    "s_flag_abusive": {"nl": "grensoverschrijdend", "en": "abusive"},
    "s_flag_frequent": {"nl": "belt vaak", "en": "frequent caller"},
    "s_waiting_title": {"nl": "Kenmerken wachten op goedkeuring",
                        "en": "Flags waiting for approval"},
    "s_no_waiting": {"nl": "Niets te keuren.", "en": "Nothing to approve."},
    "s_waiting_line": {"nl": "{flag} bij {reference}, voorgesteld door {name}: {reason}",
                       "en": "{flag} on {reference}, proposed by {name}: {reason}"},
    "s_waiting_line_no_reason": {"nl": "{flag} bij {reference}, voorgesteld door {name}",
                                 "en": "{flag} on {reference}, proposed by {name}"},
    "s_approve": {"nl": "Goedkeuren", "en": "Approve"},
    "s_done_flag": {"nl": "Kenmerk voorgesteld; een collega keurt het goed.",
                    "en": "Flag proposed; a colleague approves it."},
    "s_done_approved": {"nl": "Kenmerk goedgekeurd.", "en": "Flag approved."},
    "s_done_approved_already": {"nl": "Dit kenmerk was al goedgekeurd door een collega.",
                                "en": "A colleague had already approved this flag."},
    "s_flag": {"nl": "Kies een kenmerk.", "en": "Choose a flag."},
    "s_reason": {"nl": "Schrijf waarom, in minstens {n} tekens.",
                 "en": "Say why, in at least {n} characters."},
    "s_no_number": {"nl": "Dit contact heeft geen nummer om de persoon aan te herkennen.",
                    "en": "This contact has no number to recognise the person by."},
}
