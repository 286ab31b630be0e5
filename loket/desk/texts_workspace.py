"""The texts of the workspace pages (queue, contact, manager), Dutch and English."""

from __future__ import annotations

QUEUE: dict[str, dict[str, str]] = {
    "queue_title": {"nl": "Wachtrij", "en": "Queue"},
    "queue_refresh": {"nl": "Vernieuwen", "en": "Refresh"},
    "queue_empty": {"nl": "Niemand wacht.", "en": "Nobody is waiting."},
    "queue_more": {
        "nl": "En nog {n} wachtenden die hier niet staan (bovenaan staat wie het eerst aan de "
              "beurt is).",
        "en": "And {n} more waiting, not shown here (the first in turn are at the top).",
    },
    "col_reference": {"nl": "Referentie", "en": "Reference"},
    "col_channel": {"nl": "Kanaal", "en": "Channel"},
    "col_queue": {"nl": "Wachtrij", "en": "Queue"},
    "col_flags": {"nl": "Kenmerken", "en": "Flags"},
    "col_waited": {"nl": "Wacht", "en": "Waiting"},
    "col_holder": {"nl": "In behandeling bij", "en": "Worked by"},
    "crisis": {"nl": "Crisis", "en": "Crisis"},
    "free": {"nl": "vrij", "en": "free"},
    # A queue row's web chat whose person can no longer read it (closed, or left unused).
    "queue_chat_ended": {"nl": "Chat beëindigd: leest niets meer",
                         "en": "Chat ended: reads nothing more"},
    "seconds": {"nl": "{n} s", "en": "{n} s"},
    "minutes": {"nl": "{n} min", "en": "{n} min"},
    "availability": {"nl": "Beschikbaarheid", "en": "Availability"},
    "availability_available": {"nl": "Beschikbaar", "en": "Available"},
    "availability_busy": {"nl": "Bezet", "en": "Busy"},
    "availability_wrap-up": {"nl": "Afronden", "en": "Wrap-up"},
    "availability_away": {"nl": "Afwezig", "en": "Away"},
    "set": {"nl": "Instellen", "en": "Set"},
    "continuity": {
        "nl": "Mensen die ik eerder hielp, krijg ik eerst aangeboden",
        "en": "Offer me first the people I helped before",
    },
    "done_continuity": {"nl": "Opgeslagen.", "en": "Saved."},
    "desk_police": {"nl": "Politie (24/7 Loket)", "en": "Police (24/7 Loket)"},
    "desk_veterans": {"nl": "Veteranenloket", "en": "Veterans' desk"},
    "desk_debasis": {"nl": "De Basis", "en": "De Basis"},
    "desk_pool": {"nl": "Gezamenlijke wachtrij", "en": "Shared pool"},
}

CONTACT: dict[str, dict[str, str]] = {
    "contact_title": {"nl": "Contact {reference}", "en": "Contact {reference}"},
    "erased_notice": {
        "nl": "De persoonsgegevens van dit contact zijn gewist (op verzoek of na de "
              "bewaartermijn): nummer, naam, berichten en notities zijn er niet meer. Wat "
              "overblijft, is wat de cijfers nodig hebben.",
        "en": "This contact's personal data was erased (on request, or after the retention "
              "period): number, name, messages and notes are gone. What is left is what the "
              "figures need.",
    },
    "held_by_you": {"nl": "Jij behandelt dit contact.", "en": "You are working this contact."},
    "held_by": {"nl": "{name} behandelt dit contact.", "en": "{name} is working this contact."},
    "claim": {"nl": "Oppakken", "en": "Claim"},
    "release": {"nl": "Teruggeven aan de wachtrij", "en": "Give back to the queue"},
    "conversation": {"nl": "Gesprek", "en": "Conversation"},
    "no_messages": {"nl": "Nog geen berichten.", "en": "No messages yet."},
    "messages_earlier": {
        "nl": "Eerdere berichten van dit gesprek staan niet op deze pagina.",
        "en": "Earlier messages of this conversation are not on this page.",
    },
    "messages_earlier_link": {"nl": "Eerdere berichten tonen", "en": "Show earlier messages"},
    "messages_later": {
        "nl": "Latere berichten van dit gesprek staan niet op deze pagina.",
        "en": "Later messages of this conversation are not on this page.",
    },
    "messages_newest_link": {"nl": "Naar de nieuwste berichten",
                             "en": "Go to the newest messages"},
    "conversation_refresh": {"nl": "Nieuwe berichten ophalen", "en": "Fetch new messages"},
    "conversation_gone": {
        "nl": "Dit gesprek wordt niet meer bijgewerkt: je kunt dit contact niet meer zien "
              "(het ging naar een andere desk, of je noodtoegang is verlopen). Ga terug naar "
              "de wachtrij.",
        "en": "This conversation no longer updates: you can no longer see this contact (it "
              "went to another desk, or your emergency access ended). Go back to the queue.",
    },
    "from_person": {"nl": "Persoon", "en": "Person"},
    "from_loket": {"nl": "Loket (automatisch)", "en": "Loket (automatic)"},
    "from_counsellor": {"nl": "Hulpverlener", "en": "Counsellor"},
    "reply": {"nl": "Antwoord", "en": "Reply"},
    "delivery_failed": {
        "nl": "Niet afgeleverd: de persoon heeft dit bericht niet gekregen. Bel hen als dat "
              "kan.",
        "en": "Not delivered: the person did not get this message. Call them if you can.",
    },
    "emergency_until": {"nl": "Noodtoegang tot {until}: dan verdwijnt dit contact voor je.",
                        "en": "Emergency access until {until}: then this contact goes from "
                        "your view."},
    "emergency_renew": {"nl": "Noodtoegang verlengen (met reden)",
                        "en": "Renew the emergency access (with a reason)"},
    "person_english": {"nl": "leest Engels: antwoord in het Engels",
                       "en": "reads English: answer in English"},
    # A conversation no text goes to, per channel: an SMS number Twilio opted out hears
    # nothing from us until it sends START; on WhatsApp any new message opens it again.
    "stopped_texts_sms": {
        "nl": "Deze persoon stuurde STOP: hun nummer is afgemeld en krijgt geen sms van ons "
              "tot ze START sturen. Schrijven ze zonder START, dan lees je het hier, maar een "
              "antwoord komt niet aan. Bel hen.",
        "en": "This person sent STOP: their number is opted out and gets no texts from us "
              "until they send START. What they write without START shows here, but a reply "
              "would not arrive. Call them.",
    },
    "stopped_texts_whatsapp": {
        "nl": "Deze persoon stuurde STOP: er gaan geen berichten meer naar hen tot ze weer "
              "schrijven. Bel hen terug.",
        "en": "This person sent STOP: no more messages go to them until they write again. "
              "Call them back.",
    },
    "stopped_call": {"nl": "Bellen", "en": "Call"},
    "chat_ended": {
        "nl": "De chat is voor deze persoon beëindigd: ze hebben hem gesloten, of {span} niet "
              "gebruikt. Ze lezen hier niets meer, dus een antwoord gaat niet weg; ze kunnen "
              "een nieuwe chat beginnen. Sluit dit contact af, of bel terug als er een nummer "
              "is.",
        "en": "The chat has ended for this person: they closed it, or did not use it for "
              "{span}. They read nothing more here, so a reply is not sent; they can start a "
              "new chat. Close this contact, or call back if there is a number.",
    },
    "chat_quiet": {
        "nl": "Deze persoon schreef al meer dan {span} niets. Is hun chatpagina zo lang "
              "gesloten, dan is de chat voor hen beëindigd en lezen ze je antwoord niet "
              "(ze kunnen een nieuwe chat beginnen). Zeker weten we het pas als ze terugkomen.",
        "en": "This person has not written for more than {span}. If their chat page has been "
              "closed that long, the chat has ended for them and they will not read your "
              "reply (they can start a new chat). We only know for sure when they come back.",
    },
    "unsent_reply": {"nl": "Je niet verstuurde antwoord", "en": "Your reply, not sent"},
    # A form sent from a page open too long (its CSRF token expired): what it carried.
    "unsent_note": {"nl": "Je niet opgeslagen notitie", "en": "Your note, not saved"},
    "unsent_reason": {"nl": "Je niet verstuurde reden", "en": "Your reason, not sent"},
    "expired_unsent": {
        "nl": "Deze pagina stond te lang open: er is niets verstuurd of opgeslagen. Wat je "
              "schreef staat hieronder: kopieer het, open de pagina opnieuw en probeer het "
              "nog een keer.",
        "en": "This page was open too long: nothing was sent or saved. What you wrote is "
              "below: copy it, open the page again and try once more.",
    },
    # A form the database did not take (locked past its wait, restarting): shown as above.
    "unavailable_title": {"nl": "Even niet gelukt", "en": "That did not work just now"},
    "unavailable_unsent": {
        "nl": "De database gaf even geen antwoord: wat je stuurde is waarschijnlijk niet "
              "verstuurd of opgeslagen. Wat je schreef staat hieronder: kopieer het, open de "
              "pagina opnieuw, kijk of het er al staat en probeer het anders over een paar "
              "seconden nog een keer.",
        "en": "The database did not answer for a moment: what you sent probably did not go "
              "through. What you wrote is below: copy it, open the page again, check whether "
              "it is there already and otherwise try again in a few seconds.",
    },
    "unavailable_text": {
        "nl": "De database gaf even geen antwoord: dit is waarschijnlijk niet gelukt. Open de "
              "pagina opnieuw, kijk of het al gedaan is en probeer het anders over een paar "
              "seconden nog een keer.",
        "en": "The database did not answer for a moment: this probably did not go through. "
              "Open the page again, check whether it was done already and otherwise try "
              "again in a few seconds.",
    },
    "send": {"nl": "Versturen", "en": "Send"},
    "intake": {"nl": "Intake en routering", "en": "Intake and routing"},
    "answers": {"nl": "Antwoorden", "en": "Answers"},
    "trace": {"nl": "Waarom deze wachtrij", "en": "Why this queue"},
    "reach": {"nl": "Bereikbaar op", "en": "Reachable at"},
    "unmask": {"nl": "Volledig tonen (wordt vastgelegd)", "en": "Show in full (logged)"},
    "notes": {"nl": "Notities", "en": "Notes"},
    "add_note": {"nl": "Notitie toevoegen", "en": "Add note"},
    "note": {"nl": "Notitie", "en": "Note"},
    "close_note": {"nl": "Bij afsluiten", "en": "On closing"},
    "handover_note": {"nl": "Overdracht", "en": "Handover"},
    "earlier": {"nl": "Eerdere contacten", "en": "Earlier contacts"},
    "transfer": {"nl": "Overdragen", "en": "Transfer"},
    "transfer_to": {"nl": "Naar", "en": "To"},
    "transfer_note": {
        "nl": "Overdrachtsnotitie (wat moet de volgende desk weten?)",
        "en": "Handover note (what does the next desk need to know?)",
    },
    "close": {"nl": "Afsluiten", "en": "Close"},
    "contact_type": {"nl": "Soort contact", "en": "Contact type"},
    "outcome": {"nl": "Uitkomst", "en": "Outcome"},
    "type_conversation": {"nl": "Gesprek", "en": "Conversation"},
    "type_silent": {"nl": "Stil", "en": "Silent"},
    "type_hang-up": {"nl": "Opgehangen", "en": "Hang-up"},
    "type_abusive": {"nl": "Grensoverschrijdend", "en": "Abusive"},
    "type_wrong-number": {"nl": "Verkeerd verbonden", "en": "Wrong number"},
    "type_test": {"nl": "Test", "en": "Test"},
    "outcome_helped": {"nl": "Geholpen", "en": "Helped"},
    "outcome_referred": {"nl": "Doorverwezen", "en": "Referred"},
    "outcome_no_contact": {"nl": "Geen contact", "en": "No contact"},
    "outcome_wrong_desk": {"nl": "Verkeerde desk", "en": "Wrong desk"},
    "outcome_other": {"nl": "Anders", "en": "Other"},
}

FEEDBACK: dict[str, dict[str, str]] = {
    "done_claimed": {"nl": "Je behandelt dit contact nu.",
                     "en": "You are working this contact now."},
    "done_released": {"nl": "Terug in de wachtrij.", "en": "Back in the queue."},
    "done_sent": {"nl": "Verstuurd.", "en": "Sent."},
    "done_noted": {"nl": "Notitie opgeslagen.", "en": "Note saved."},
    "done_transferred": {"nl": "Overgedragen.", "en": "Transferred."},
    "done_closed": {"nl": "Afgesloten. Neem even de tijd om af te ronden.",
                    "en": "Closed. Take a moment to wrap up."},
    "refused": {"nl": "Dat ging niet: {reason}", "en": "That did not work: {reason}"},
    "r_held": {"nl": "{name} behandelt dit contact al.",
               "en": "{name} is already working this contact."},
    "r_not_held": {"nl": "Pak het contact eerst op.", "en": "Claim the contact first."},
    "r_contact_closed": {"nl": "Dit contact is afgesloten: daar verandert niets meer aan.",
                         "en": "This contact is closed: nothing about it changes any more."},
    "r_erased": {
        "nl": "Niet opgeslagen: de persoonsgegevens van dit contact zijn gewist. Er wordt "
              "niets meer bij geschreven.",
        "en": "Not saved: this contact's personal data was erased. Nothing is written to it "
              "any more.",
    },
    "r_on_call": {"nl": "Je bent in gesprek aan de telefoon.", "en": "You are on a call."},
    "r_unseen_message": {
        "nl": "Er kwam net een nieuw bericht binnen. Lees het voordat je afsluit.",
        "en": "A new message just came in. Read it before you close.",
    },
    "r_account_changed": {
        "nl": "Je account is zojuist gewijzigd. Log opnieuw in.",
        "en": "Your account was just changed. Please log in again.",
    },
    "r_max_live": {"nl": "Je hebt al {n} lopende gesprekken.",
                   "en": "You already hold {n} live conversations."},
    "r_empty_reply": {"nl": "Schrijf een bericht.", "en": "Write a message."},
    "r_empty_note": {"nl": "Schrijf een notitie.", "en": "Write a note."},
    "r_too_long": {"nl": "Hooguit {n} tekens.", "en": "At most {n} characters."},
    "r_stopped": {"nl": "Deze persoon vroeg ons te stoppen met berichten: bel hen.",
                  "en": "This person asked us to stop texting them: call them."},
    "r_stopped_sms": {
        "nl": "Niet verstuurd: deze persoon vroeg ons te stoppen met berichten: bel hen. Hun "
              "nummer krijgt geen sms van ons tot ze START sturen.",
        "en": "Not sent: this person asked us to stop texting them: call them. Their number "
              "gets no texts from us until they send START.",
    },
    "r_chat_ended": {
        "nl": "Niet verstuurd: de persoon leest je antwoord niet meer, want de chat is voor hen "
              "beëindigd (gesloten, of te lang niet gebruikt). Ze kunnen een nieuwe chat "
              "beginnen.",
        "en": "Not sent: the person will no longer read your reply, as the chat has ended for "
              "them (closed, or left unused too long). They can start a new chat.",
    },
    "r_not_text": {"nl": "Dit contact heeft geen geschreven gesprek.",
                   "en": "This contact has no written conversation."},
    "r_desk": {"nl": "Kies politie, veteranen of De Basis.",
               "en": "Choose police, veterans or De Basis."},
    "r_same_desk": {"nl": "Het contact hoort al bij deze desk.",
                    "en": "The contact already belongs to this desk."},
    "r_emergency_transfer": {
        "nl": "Een noodtoegang maakt het contact niet van jouw desk: de eigen desk draagt "
              "het over.",
        "en": "An emergency access does not make the case your desk's: its own desk hands "
              "it over.",
    },
    "r_handover_note": {"nl": "Schrijf wat de volgende desk moet weten.",
                        "en": "Write what the next desk needs to know."},
    "r_outcome": {"nl": "Kies een uitkomst.", "en": "Choose an outcome."},
    "r_contact_type": {"nl": "Kies een soort contact.", "en": "Choose a contact type."},
    "r_availability": {"nl": "Kies een beschikbaarheid.", "en": "Choose an availability."},
    # The API's refusals of who is calling (loket.api): its English is the API's own.
    "r_api_token": {"nl": "Er is een geldig API-token nodig.",
                    "en": "A valid API token is needed."},
    "r_api_role": {"nl": "Deze aanroep hoort niet bij jouw rol.",
                   "en": "This call is not part of your role."},
}

MANAGER: dict[str, dict[str, str]] = {
    "m_waiting": {"nl": "Wachtend", "en": "Waiting"},
    "m_longest": {"nl": "Langste wachttijd", "en": "Longest wait"},
    "m_crisis": {"nl": "Crisis wachtend", "en": "Crisis waiting"},
    "m_in_progress": {"nl": "In behandeling", "en": "In progress"},
    "m_counsellors": {"nl": "Hulpverleners", "en": "Counsellors"},
    "m_overflow": {
        "nl": "Overloop vandaag: {out} naar een andere desk, {into} van een andere desk.",
        "en": "Overflow today: {out} to another desk, {into} from another desk.",
    },
}

BREAK_GLASS: dict[str, dict[str, str]] = {
    "bg_title": {"nl": "Noodtoegang", "en": "Emergency access"},
    "nav_trail": {"nl": "Logboek", "en": "Audit trail"},
    "bg_intro": {
        "nl": "Alleen in een noodgeval: open een contact van een andere desk. Je toegang "
              "duurt {minutes} minuten, wordt vastgelegd en de leidinggevende van die desk "
              "beoordeelt hem.",
        "en": "In an emergency only: open another desk's contact. Your access lasts "
              "{minutes} minutes, is logged, and that desk's manager reviews it.",
    },
    "bg_reference": {"nl": "Referentie", "en": "Reference"},
    "bg_reason": {"nl": "Reden (verplicht)", "en": "Reason (required)"},
    "bg_submit": {"nl": "Noodtoegang openen", "en": "Open emergency access"},
    "bg_unknown": {"nl": "Er is geen contact met deze referentie.",
                   "en": "There is no contact with this reference."},
    "bg_link": {"nl": "Noodgeval? Vraag noodtoegang aan.",
                "en": "An emergency? Ask for emergency access."},
    "not_found_title": {"nl": "Niet gevonden", "en": "Not found"},
    "not_found": {
        "nl": "Dit contact bestaat niet of hoort bij een andere desk.",
        "en": "This contact does not exist or belongs to another desk.",
    },
    "done_break_glass": {"nl": "Noodtoegang geopend; dit is vastgelegd.",
                         "en": "Emergency access opened; this is logged."},
    "r_break_glass_reason": {"nl": "Schrijf waarom, in minstens {n} tekens.",
                             "en": "Say why, in at least {n} characters."},
    "m_reviews": {"nl": "Noodtoegang te beoordelen", "en": "Emergency access to review"},
    "m_no_reviews": {"nl": "Niets te beoordelen.", "en": "Nothing to review."},
    "m_review_line": {
        "nl": "{name} ({desk}) opende {reference} op {at}: {reason}",
        "en": "{name} ({desk}) opened {reference} at {at}: {reason}",
    },
    "m_review_line_no_reason": {
        "nl": "{name} ({desk}) opende {reference} op {at}",
        "en": "{name} ({desk}) opened {reference} at {at}",
    },
    "m_reviewed": {"nl": "Beoordeeld", "en": "Reviewed"},
    "done_reviewed": {"nl": "Gemarkeerd als beoordeeld.", "en": "Marked as reviewed."},
}

FORM: dict[str, dict[str, str]] = {
    "risk": {"nl": "Risico", "en": "Risk"},
    "risk_none": {"nl": "Geen", "en": "None"},
    "risk_concern": {"nl": "Zorg", "en": "Concern"},
    "risk_acute": {"nl": "Acuut", "en": "Acute"},
    "risk_set": {"nl": "Risico vastleggen", "en": "Record risk"},
    "risk_hint": {
        "nl": "Verhogen routeert het contact opnieuw; acuut maakt het urgent. Heeft een "
              "collega het contact, dan kun je het risico alleen verhogen.",
        "en": "Raising it routes the contact again; acute makes it urgent. While a colleague "
              "holds the contact, you can only raise it.",
    },
    "categories": {"nl": "Onderwerpen (voor de rapportage)", "en": "Topics (for the reports)"},
    "canned": {"nl": "Standaardantwoord", "en": "Canned reply"},
    "canned_none": {"nl": "Geen", "en": "None"},
    "canned_hint": {
        "nl": "Kies een standaardantwoord en laat het tekstvak leeg om het te versturen.",
        "en": "Choose a canned reply and leave the text empty to send it.",
    },
    "draft_saved": {"nl": "Concept bewaard", "en": "Draft saved"},
    "draft_unsaved": {
        "nl": "Concept niet bewaard: geen verbinding, of de pagina is verlopen. Het wordt "
              "opnieuw geprobeerd; sluit de pagina nog niet.",
        "en": "Draft not saved: no connection, or the page has expired. It is tried again; "
              "do not close the page yet.",
    },
    "outcome_choose": {"nl": "Kies een uitkomst", "en": "Choose an outcome"},
    "close_hint": {
        "nl": "Afsluiten is definitief: daarna verandert er niets meer aan dit contact en "
              "kun je de persoon hier niet meer antwoorden. Uitkomst, onderwerpen en notitie "
              "worden zo bewaard.",
        "en": "Closing is final: after it nothing about this contact changes any more and you "
              "can no longer reply to the person here. Outcome, topics and note are kept as "
              "they are.",
    },
    "transfer_hint": {
        "nl": "Het contact gaat met je notitie naar de wachtrij van die desk. Jij behandelt het "
              "dan niet meer en kunt het niet meer openen.",
        "en": "The contact goes to that desk's queue with your note. You then no longer work "
              "it and can no longer open it.",
    },
    "done_risk": {"nl": "Risico vastgelegd.", "en": "Risk recorded."},
    "done_wish": {"nl": "Wens van de persoon vastgelegd.", "en": "The person's wish recorded."},
    "wish_title": {"nl": "Volgende keer", "en": "Next time"},
    "wish_label": {
        "nl": "De persoon wil een volgende keer liever niet eerst bij dezelfde hulpverlener "
              "uitkomen",
        "en": "Next time, the person would rather not be offered first to the same counsellor",
    },
    "wish_set": {"nl": "Wens vastleggen", "en": "Record wish"},
    "r_no_person": {
        "nl": "Dit contact heeft geen nummer om de persoon aan te herkennen.",
        "en": "This contact has no number to know the person again by.",
    },
    "done_rerouted": {
        "nl": "Risico verhoogd: het contact is opnieuw gerouteerd met hogere prioriteit.",
        "en": "Risk raised: the contact was routed again with a higher priority.",
    },
    "done_draft": {"nl": "Concept bewaard.", "en": "Draft saved."},
    "r_risk": {"nl": "Kies een risico.", "en": "Choose a risk."},
    "r_draft": {"nl": "Onbekend soort concept.", "en": "Unknown kind of draft."},
    "r_category": {"nl": "Kies onderwerpen uit de lijst.", "en": "Choose topics from the list."},
    "priority": {"nl": "Prioriteit {priority}", "en": "Priority {priority}"},
}

CODES: dict[str, dict[str, str]] = {
    "status_new": {"nl": "nieuw", "en": "new"},
    "status_routed": {"nl": "gerouteerd", "en": "routed"},
    "status_waiting": {"nl": "wacht", "en": "waiting"},
    "status_callback": {"nl": "terugbelverzoek", "en": "callback"},
    "status_in_progress": {"nl": "in behandeling", "en": "in progress"},
    "status_closed": {"nl": "afgesloten", "en": "closed"},
    "channel_phone": {"nl": "telefoon", "en": "phone"},
    "channel_sms": {"nl": "sms", "en": "SMS"},
    "channel_whatsapp": {"nl": "WhatsApp", "en": "WhatsApp"},
    "channel_webchat": {"nl": "webchat", "en": "web chat"},
    "channel_webform": {"nl": "webformulier", "en": "web form"},
    "flag_both": {"nl": "politie én defensie", "en": "police and defence"},
    "flag_pooled": {"nl": "gezamenlijk", "en": "pooled"},
    "flag_overflow": {"nl": "overloop", "en": "overflow"},
    "flag_anonymous": {"nl": "anoniem", "en": "anonymous"},
    "flag_crisis": {"nl": "crisis", "en": "crisis"},
    "priority_urgent": {"nl": "urgent", "en": "urgent"},
    "priority_high": {"nl": "hoog", "en": "high"},
    "priority_normal": {"nl": "normaal", "en": "normal"},
    "priority_low": {"nl": "laag", "en": "low"},
    "org_police": {"nl": "politie", "en": "police"},
    "org_defence": {"nl": "defensie", "en": "defence"},
    "org_both": {"nl": "politie en defensie", "en": "police and defence"},
    "org_unknown": {"nl": "organisatie onbekend", "en": "organisation unknown"},
    "serving_serving": {"nl": "in dienst", "en": "serving"},
    "serving_former": {"nl": "oud-medewerker of veteraan", "en": "former or veteran"},
    "serving_unknown": {"nl": "dienst onbekend", "en": "service unknown"},
    "relation_self": {"nl": "voor zichzelf", "en": "for themselves"},
    "relation_family": {"nl": "familielid", "en": "family member"},
    "relation_colleague": {"nl": "collega", "en": "colleague"},
    "relation_professional": {"nl": "professional", "en": "professional"},
    "need_psychological": {"nl": "psychisch", "en": "psychological"},
    "need_practical": {"nl": "praktisch", "en": "practical"},
    "need_peer_support": {"nl": "lotgenoten", "en": "peer support"},
    "need_information": {"nl": "informatie", "en": "information"},
    "need_unknown": {"nl": "vraag onbekend", "en": "need unknown"},
    "offered": {"nl": "voor jou (eerder geholpen)", "en": "for you (helped before)"},
}

TEXTS: dict[str, dict[str, str]] = {
    **CODES,
    **QUEUE, **CONTACT, **FEEDBACK, **MANAGER, **BREAK_GLASS, **FORM,
}
