"""The texts of a contact's audit trail page ("who viewed this"), Dutch and English.

Every key starts with `t_`, so none clashes with the other staff texts.
"""

from __future__ import annotations

PAGE: dict[str, dict[str, str]] = {
    "t_title": {"nl": "Logboek van contact {reference}",
                "en": "Audit trail of contact {reference}"},
    "t_lookup_title": {"nl": "Logboek van een contact", "en": "A contact's audit trail"},
    "t_intro": {
        "nl": "Wie dit dossier inzag of er iets mee deed, oudste eerst (NEN 7513). Tijden in "
              "Nederlandse tijd. Ook het openen van deze pagina komt in het logboek.",
        "en": "Who viewed this record or acted on it, oldest first (NEN 7513). Times in "
              "Amsterdam time. Opening this page is logged too.",
    },
    "t_reference": {"nl": "Kenmerk van het contact", "en": "The contact's reference"},
    "t_show": {"nl": "Logboek tonen", "en": "Show the trail"},
    "t_none": {"nl": "Nog geen regels in het logboek.", "en": "No lines in the trail yet."},
    "t_pages": {"nl": "Pagina's van het logboek", "en": "Pages of the trail"},
    "t_page_lines": {"nl": "Regels {first}–{last} van {total}",
                     "en": "Lines {first}–{last} of {total}"},
    "t_previous": {"nl": "Vorige regels", "en": "Previous lines"},
    "t_next": {"nl": "Volgende regels", "en": "Next lines"},
    "t_col_time": {"nl": "Tijd", "en": "Time"},
    "t_col_event": {"nl": "Gebeurtenis", "en": "Event"},
    "t_col_who": {"nl": "Wie", "en": "Who"},
    "t_col_behalf": {"nl": "Namens", "en": "On behalf of"},
    "t_col_source": {"nl": "Vanaf", "en": "From"},
    "t_col_detail": {"nl": "Toelichting", "en": "Detail"},
}

EVENTS: dict[str, dict[str, str]] = {
    "t_event_create": {"nl": "Aangemaakt", "en": "Created"},
    "t_event_read": {"nl": "Ingezien", "en": "Viewed"},
    "t_event_update": {"nl": "Gewijzigd", "en": "Changed"},
    "t_event_delete": {"nl": "Verwijderd", "en": "Deleted"},
    "t_event_search": {"nl": "Gezocht", "en": "Searched"},
    "t_event_export": {"nl": "Geëxporteerd", "en": "Exported"},
    "t_event_emergency": {"nl": "Noodtoegang", "en": "Emergency access"},
    "t_event_break-glass": {"nl": "Noodtoegang", "en": "Emergency access"},
    "t_event_review": {"nl": "Noodtoegang beoordeeld", "en": "Emergency access reviewed"},
    "t_event_claim": {"nl": "Opgepakt", "en": "Claimed"},
    "t_event_release": {"nl": "Teruggegeven", "en": "Released"},
    "t_event_reply": {"nl": "Antwoord gestuurd", "en": "Reply sent"},
    "t_event_note": {"nl": "Notitie", "en": "Note"},
    "t_event_transfer": {"nl": "Overgedragen", "en": "Transferred"},
    "t_event_close": {"nl": "Afgesloten", "en": "Closed"},
    "t_event_unmask": {"nl": "Nummer getoond", "en": "Number shown"},
    "t_event_trail": {"nl": "Logboek ingezien", "en": "Trail viewed"},
    "t_event_call": {"nl": "Gesprek", "en": "Call"},
    "t_event_escalate": {"nl": "Crisis opgeschaald", "en": "Crisis escalated"},
    "t_event_help": {"nl": "Ondersteuning gevraagd", "en": "Support asked"},
    "t_event_help-done": {"nl": "Ondersteuning opgepakt", "en": "Support answered"},
    "t_event_flag": {"nl": "Kenmerk voorgesteld", "en": "Flag proposed"},
    "t_event_flag-approve": {"nl": "Kenmerk goedgekeurd", "en": "Flag approved"},
}

ACTORS: dict[str, dict[str, str]] = {
    "t_actor_system": {"nl": "Loket (automatisch)", "en": "Loket (automatic)"},
    "t_actor_cli": {"nl": "Beheer (opdrachtregel)", "en": "Operations (command line)"},
    "t_actor_person": {"nl": "De persoon zelf", "en": "The person"},
    "t_actor_voice": {"nl": "Telefoon (keuzemenu)", "en": "Phone (menu)"},
    "t_actor_webchat": {"nl": "Webchat", "en": "Web chat"},
    "t_actor_webform": {"nl": "Webformulier", "en": "Web form"},
}

TEXTS: dict[str, dict[str, str]] = {**PAGE, **EVENTS, **ACTORS}
