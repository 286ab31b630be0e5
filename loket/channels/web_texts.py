"""The texts of the public web pages (layout, landing page, form, chat), Dutch and English.

Also the little the layout needs on every page: the page language, the language switch
(which remembers the choice in the `loket_lang` cookie) and the 112/113 texts.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException
from wtforms import Field, Form, StringField
from wtforms.validators import StopValidation

from loket.domain.callbacks import AMSTERDAM, CALLBACK_WINDOWS, said_window
from loket.i18n import CRISIS, LANGUAGE_COOKIE, LANGUAGES, Catalog, request_language
from loket.store.types import utcnow

PHONE = re.compile(r"\+[1-9][0-9]{7,14}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL = 254
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600
MAX_MESSAGE = 4000
MAX_CHAT_MESSAGE = 2000
MAX_NAME = 100

TEXTS = Catalog(
    "web",
    {
        # The layout of every page.
        "skip": {"nl": "Naar de inhoud", "en": "Skip to main content"},
        "site_name": {"nl": "Loket", "en": "Loket"},
        "site_tagline": {
            "nl": "Dag en nacht hulp voor politiemensen, veteranen, militairen en hun naasten",
            "en": "Help day and night for police staff, veterans, military personnel "
            "and their loved ones",
        },
        "lang_nav": {"nl": "Taal", "en": "Language"},
        "lang_name_nl": {"nl": "Nederlands", "en": "Nederlands"},
        "lang_name_en": {"nl": "English", "en": "English"},
        "footer_about": {
            "nl": "Loket is de gezamenlijke ingang van het 24/7 Loket van de politie, het "
            "Veteranenloket en Stichting De Basis.",
            "en": "Loket is the shared front door of the police's 24/7 Loket, the "
            "Veteranenloket (veterans' desk) and Stichting De Basis.",
        },
        "footer_confidential": {
            "nl": "Wat je ons vertelt, behandelen we vertrouwelijk.",
            "en": "What you tell us is treated in confidence.",
        },
        "footer_home": {"nl": "Begin", "en": "Home"},
        "footer_chat": {"nl": "Chat", "en": "Chat"},
        "footer_form": {"nl": "Contactformulier", "en": "Contact form"},
        # The 112/113 block.
        "call_112": {"nl": "Bel 112", "en": "Call 112"},
        "call_113": {"nl": "Bel 113", "en": "Call 113"},
        "call_0800": {"nl": "Bel gratis 0800-0113", "en": "Call free 0800-0113"},
        "chat_113": {"nl": "Chat op 113.nl", "en": "Chat at 113.nl"},
        "crisis_now_title": {
            "nl": "Wacht niet op ons: bel nu",
            "en": "Do not wait for us: call now",
        },
        # The landing page.
        "home_title": {
            "nl": "Hulp en een luisterend oor, dag en nacht",
            "en": "Help and someone to listen, day and night",
        },
        "home_intro": {
            "nl": "Voor wie bij de politie werkt of werkte, voor veteranen en militairen, en "
            "voor hun familie en naasten. Je mag anoniem blijven.",
            "en": "For people who work or worked for the police, for veterans and military "
            "personnel, and for their family and loved ones. You may stay anonymous.",
        },
        "home_chat_title": {"nl": "Chatten", "en": "Chat"},
        "home_chat_text": {
            "nl": "Schrijf nu met een hulpverlener, of vraag of we je terugbellen.",
            "en": "Write with a counsellor now, or ask us to call you back.",
        },
        "home_chat_link": {"nl": "Begin een chat", "en": "Start a chat"},
        "home_form_title": {"nl": "Een bericht achterlaten", "en": "Leave a message"},
        "home_form_text": {
            "nl": "Vul een kort formulier in. We bellen of mailen je terug, op een moment dat "
            "jou uitkomt.",
            "en": "Fill in a short form. We call or e-mail you back, at a time that suits you.",
        },
        "home_form_link": {"nl": "Naar het formulier", "en": "Go to the form"},
        "home_who_title": {"nl": "Wie helpt je?", "en": "Who helps you?"},
        "home_who_text": {
            "nl": "Afhankelijk van wat je vertelt, helpt het 24/7 Loket van de politie, het "
            "Veteranenloket of een hulpverlener van Stichting De Basis je verder.",
            "en": "Depending on what you tell us, the police's 24/7 Loket, the Veteranenloket "
            "or a counsellor of Stichting De Basis helps you further.",
        },
        # Who are you (the same choices as the phone menu).
        "who_legend": {"nl": "Wie ben je?", "en": "Who are you?"},
        "who_police": {
            "nl": "Ik werk of werkte bij de politie",
            "en": "I work or worked for the police",
        },
        "who_serving": {
            "nl": "Ik ben nu militair in actieve dienst",
            "en": "I am serving in the armed forces now",
        },
        "who_veteran": {
            "nl": "Ik ben veteraan of oud-militair",
            "en": "I am a veteran or former military",
        },
        "who_military": {
            "nl": "Ik ben veteraan of militair",
            "en": "I am a veteran or in the military",
        },
        "who_family_police": {
            "nl": "Ik ben familie of naaste van iemand bij de politie",
            "en": "I am family of, or close to, someone in the police",
        },
        "who_family_defence": {
            "nl": "Ik ben familie of naaste van een veteraan of militair",
            "en": "I am family of, or close to, a veteran or soldier",
        },
        "who_other": {"nl": "Anders, of ik weet het niet", "en": "Something else, or I don't know"},
        "who_help_now": {"nl": "Ik heb nu direct hulp nodig", "en": "I need help right now"},
        # The form.
        "form_title": {"nl": "Contactformulier", "en": "Contact form"},
        "form_intro": {
            "nl": "Vertel ons kort wie je bent en wat je nodig hebt. Een hulpverlener leest je "
            "bericht en neemt contact op zoals jij dat wilt. Je mag anoniem blijven.",
            "en": "Tell us briefly who you are and what you need. A counsellor reads your "
            "message and gets in touch the way you choose. You may stay anonymous.",
        },
        "optional": {"nl": "(niet verplicht)", "en": "(optional)"},
        "need_legend": {"nl": "Waar kunnen we je mee helpen?", "en": "What can we help you with?"},
        "need_psychological": {
            "nl": "Hoe het met me gaat: spanning, slapen, nare herinneringen",
            "en": "How I am doing: stress, sleep, bad memories",
        },
        "need_practical": {
            "nl": "Praktische zaken: werk, geld, regelingen, zorg",
            "en": "Practical matters: work, money, benefits, care",
        },
        "need_peer_support": {
            "nl": "Praten met iemand die het zelf heeft meegemaakt",
            "en": "Talking to someone who has been through it (peer support)",
        },
        "need_information": {"nl": "Ik zoek informatie", "en": "I am looking for information"},
        "need_unknown": {"nl": "Dat weet ik nog niet", "en": "I don't know yet"},
        "urgent_legend": {"nl": "Is het dringend?", "en": "Is it urgent?"},
        "urgent_none": {"nl": "Nee", "en": "No"},
        "urgent_concern": {
            "nl": "Ik maak me zorgen, om mezelf of om iemand anders",
            "en": "I am worried, about myself or about someone else",
        },
        "urgent_acute": {"nl": "Ja, ik heb nu hulp nodig", "en": "Yes, I need help right now"},
        "reach_legend": {"nl": "Hoe kunnen we je bereiken?", "en": "How can we reach you?"},
        "reach_phone": {"nl": "Bel me terug", "en": "Call me back"},
        "reach_email": {"nl": "Mail me", "en": "E-mail me"},
        "reach_none": {
            "nl": "Niet: ik wil anoniem blijven",
            "en": "Not at all: I want to stay anonymous",
        },
        "reach_none_hint": {
            "nl": "Kies je 'anoniem', dan kunnen we je niet terugbellen of mailen.",
            "en": "If you choose 'anonymous', we cannot call or e-mail you back.",
        },
        "only_phone": {
            "nl": "Alleen nodig als je 'Bel me terug' kiest.",
            "en": "Only needed if you choose 'Call me back'.",
        },
        "only_email": {
            "nl": "Alleen nodig als je 'Mail me' kiest.",
            "en": "Only needed if you choose 'E-mail me'.",
        },
        "phone_label": {"nl": "Telefoonnummer", "en": "Phone number"},
        "phone_hint": {
            "nl": "Bijvoorbeeld 06 12345678 of +31 6 12345678.",
            "en": "For example 06 12345678 or +31 6 12345678.",
        },
        "email_label": {"nl": "E-mailadres", "en": "E-mail address"},
        "window_legend": {"nl": "Wanneer mogen we bellen?", "en": "When may we call?"},
        "window_asap": {"nl": "Zo snel mogelijk", "en": "As soon as possible"},
        "window_evening": {
            "nl": "Vanavond tussen 18:00 en 21:00",
            "en": "This evening between 18:00 and 21:00",
        },
        "window_evening_tomorrow": {
            "nl": "Morgenavond tussen 18:00 en 21:00",
            "en": "Tomorrow evening between 18:00 and 21:00",
        },
        "window_tomorrow": {
            "nl": "Morgen tussen 9:00 en 12:00",
            "en": "Tomorrow between 9:00 and 12:00",
        },
        "voicemail_legend": {
            "nl": "Mogen we een voicemail inspreken als je niet opneemt?",
            "en": "May we leave a voicemail if you do not answer?",
        },
        "voicemail_hint": {
            "nl": "Kies 'nee' als iemand anders je voicemail kan horen.",
            "en": "Choose 'no' if someone else might hear your voicemail.",
        },
        "yes": {"nl": "Ja", "en": "Yes"},
        "no": {"nl": "Nee", "en": "No"},
        "name_label": {"nl": "Naam", "en": "Name"},
        "name_hint": {
            "nl": "Of hoe we je mogen noemen. Laat leeg om anoniem te blijven.",
            "en": "Or what we may call you. Leave empty to stay anonymous.",
        },
        "language_legend": {
            "nl": "In welke taal wil je geholpen worden?",
            "en": "Which language would you like to be helped in?",
        },
        "language_nl": {"nl": "Nederlands", "en": "Dutch"},
        "language_en": {"nl": "Engels", "en": "English"},
        "message_label": {"nl": "Je bericht", "en": "Your message"},
        "message_hint": {
            "nl": "Vertel in je eigen woorden wat er speelt. Je hoeft niet alles te vertellen. "
            "Hoogstens {max} tekens.",
            "en": "Tell us in your own words what is going on. You do not have to tell "
            "everything. At most {max} characters.",
        },
        "consent_legend": {"nl": "Wat we bewaren", "en": "What we keep"},
        "consent_hint": {
            "nl": "We bewaren wat je hier invult versleuteld en gebruiken het alleen om je te "
            "helpen. Alleen de medewerkers van het loket dat je helpt, kunnen het lezen. Hooguit "
            "{period} nadat je contact met ons is afgesloten, wissen we het. Wil je weten wat we "
            "van je bewaren, of dat we het eerder wissen? Vraag het aan het loket.",
            "en": "We keep what you fill in here encrypted and use it only to help you. Only the "
            "staff of the desk that helps you can read it. We erase it at most {period} after "
            "your contact with us is closed. Want to know what we keep about you, or have it "
            "erased sooner? Ask the desk.",
        },
        "consent_label": {
            "nl": "Ik ga akkoord dat Loket bewaart wat ik hier invul",
            "en": "I agree that Loket keeps what I fill in here",
        },
        "period_years": {"nl": "{n} jaar", "en": "{n} years"},
        "period_year": {"nl": "{n} jaar", "en": "{n} year"},
        "period_days": {"nl": "{n} dagen", "en": "{n} days"},
        "honeypot_label": {"nl": "Laat dit veld leeg", "en": "Leave this field empty"},
        "submit": {"nl": "Verstuur", "en": "Send"},
        # Errors.
        "error_prefix": {"nl": "Fout:", "en": "Error:"},
        "err_summary_title": {
            "nl": "Er ontbreekt iets of er klopt iets niet",
            "en": "Something is missing or not right",
        },
        "err_who": {"nl": "Kies wie je bent.", "en": "Choose who you are."},
        "err_need": {
            "nl": "Kies waar we je mee kunnen helpen, of 'Dat weet ik nog niet'.",
            "en": "Choose what we can help you with, or 'I don't know yet'.",
        },
        "err_urgent": {"nl": "Kies of het dringend is.", "en": "Choose whether it is urgent."},
        "err_reach": {
            "nl": "Kies hoe we je kunnen bereiken.",
            "en": "Choose how we can reach you.",
        },
        "err_phone_missing": {
            "nl": "Vul je telefoonnummer in, zodat we je kunnen terugbellen.",
            "en": "Enter your phone number, so that we can call you back.",
        },
        "err_phone_invalid": {
            "nl": "Vul een telefoonnummer in zoals 06 12345678 of +31 6 12345678.",
            "en": "Enter a phone number like 06 12345678 or +31 6 12345678.",
        },
        "err_email_missing": {
            "nl": "Vul je e-mailadres in, zodat we je kunnen mailen.",
            "en": "Enter your e-mail address, so that we can e-mail you.",
        },
        "err_email_invalid": {
            "nl": "Vul een e-mailadres in zoals naam@voorbeeld.nl.",
            "en": "Enter an e-mail address like name@example.com.",
        },
        "err_window": {"nl": "Kies wanneer we mogen bellen.", "en": "Choose when we may call."},
        "err_voicemail": {
            "nl": "Kies of we een voicemail mogen inspreken.",
            "en": "Choose whether we may leave a voicemail.",
        },
        "err_language": {"nl": "Kies een taal.", "en": "Choose a language."},
        "err_name_long": {
            "nl": "Je naam mag hoogstens {max_name} tekens hebben.",
            "en": "Your name can have at most {max_name} characters.",
        },
        "err_message_long": {
            "nl": "Je bericht is te lang: hoogstens {max} tekens.",
            "en": "Your message is too long: at most {max} characters.",
        },
        "err_consent": {
            "nl": "Vink aan dat we bewaren wat je invult. Zonder dat kunnen we je via dit "
            "formulier niet helpen.",
            "en": "Tick that we may keep what you fill in. Without it we cannot help you "
            "through this form.",
        },
        "err_expired": {
            "nl": "Het formulier was verlopen. Je antwoorden staan er nog: controleer ze en "
            "verstuur opnieuw.",
            "en": "The form had expired. Your answers are still there: check them and send again.",
        },
        "err_invalid": {
            "nl": "Er klopt iets niet in je antwoorden. Controleer ze en verstuur opnieuw.",
            "en": "Something in your answers is not right. Check them and send again.",
        },
        "form_crisis_lead": {
            "nl": "Je schreef dat je nu hulp nodig hebt. Je bericht is nog niet verstuurd: "
            "wacht daar niet mee en bel nu.",
            "en": "You wrote that you need help now. Your message has not been sent yet: do not "
            "wait for it, call now.",
        },
        # The confirmation.
        "done_title": {"nl": "Je bericht is ontvangen", "en": "We have received your message"},
        "done_reference": {"nl": "Je referentie", "en": "Your reference"},
        "done_reference_hint": {
            "nl": "Noem deze code als je ons opnieuw benadert; dan weten we meteen over welk "
            "bericht het gaat.",
            "en": "Mention this code when you contact us again; then we know straight away "
            "which message it is about.",
        },
        "done_next_title": {"nl": "Wat gebeurt er nu?", "en": "What happens next?"},
        "done_desk": {
            "nl": "Je bericht is doorgezet naar {desk}.",
            "en": "Your message has been passed on to {desk}.",
        },
        "desk_police": {"nl": "het 24/7 Loket van de politie", "en": "the police's 24/7 Loket"},
        "desk_veterans": {"nl": "het Veteranenloket", "en": "the Veteranenloket"},
        "desk_debasis": {"nl": "Stichting De Basis", "en": "Stichting De Basis"},
        "done_callback": {
            "nl": "We bellen je terug op het nummer dat je gaf: {when}.",
            "en": "We will call you back on the number you gave: {when}.",
        },
        "when_asap": {"nl": "zo snel mogelijk", "en": "as soon as possible"},
        "when_window": {
            "nl": "{day} tussen {start} en {end}",
            "en": "{day} between {start} and {end}",
        },
        "day_today": {"nl": "vandaag", "en": "today"},
        "day_tomorrow": {"nl": "morgen", "en": "tomorrow"},
        "done_voicemail_yes": {
            "nl": "Neem je niet op, dan mogen we een korte voicemail inspreken.",
            "en": "If you do not answer, we may leave a short voicemail.",
        },
        "done_voicemail_no": {
            "nl": "We spreken geen voicemail in.",
            "en": "We will not leave a voicemail.",
        },
        "done_email": {
            "nl": "Een hulpverlener mailt je zo snel mogelijk op het adres dat je gaf.",
            "en": "A counsellor will e-mail you as soon as possible at the address you gave.",
        },
        "done_none": {
            "nl": "Je blijft anoniem, dus we kunnen je niet terugbellen of mailen. Je bericht "
            "komt wel bij een hulpverlener. Wil je met iemand praten? Begin dan een chat.",
            "en": "You stay anonymous, so we cannot call or e-mail you back. Your message does "
            "reach a counsellor. Would you like to talk to someone? Then start a chat.",
        },
        "done_crisis_lead": {
            "nl": "Je schreef dat je nu hulp nodig hebt. We hebben je bericht met voorrang "
            "doorgezet.",
            "en": "You wrote that you need help now. We have passed your message on with priority.",
        },
        "done_crisis_phone": {
            "nl": "Een hulpverlener probeert je zo snel mogelijk te bellen.",
            "en": "A counsellor will try to call you as soon as possible.",
        },
        "done_crisis_email": {
            "nl": "Een hulpverlener neemt zo snel mogelijk contact met je op.",
            "en": "A counsellor will contact you as soon as possible.",
        },
        "done_crisis_none": {
            "nl": "Je liet geen nummer of e-mailadres achter, dus we kunnen je niet bereiken.",
            "en": "You left no number or e-mail address, so we cannot reach you.",
        },
        "done_chat_link": {"nl": "Begin een chat", "en": "Start a chat"},
        "done_again": {
            "nl": "Nog iets kwijt? Je kunt altijd een nieuw bericht sturen of een chat beginnen.",
            "en": "Anything else? You can always send a new message or start a chat.",
        },
        "done_new_form": {"nl": "Nieuw bericht", "en": "New message"},
        # The chat.
        "chat_title": {"nl": "Chat", "en": "Chat"},
        "chat_intro": {
            "nl": "Chat met een hulpverlener van het 24/7 Loket van de politie, het "
            "Veteranenloket of Stichting De Basis. Je mag anoniem blijven.",
            "en": "Chat with a counsellor of the police's 24/7 Loket, the Veteranenloket or "
            "Stichting De Basis. You may stay anonymous.",
        },
        "chat_store_note": {
            "nl": "Door te beginnen ga je akkoord dat we dit gesprek versleuteld bewaren, alleen "
            "om je te helpen, en hooguit {period} na het afsluiten ervan wissen. Wil je weten wat "
            "we van je bewaren, of dat we het eerder wissen? Vraag het aan het loket.",
            "en": "By starting you agree that we keep this conversation encrypted, only to help "
            "you, and erase it at most {period} after it is closed. Want to know what we keep "
            "about you, or have it erased sooner? Ask the desk.",
        },
        "chat_name_label": {"nl": "Hoe mogen we je noemen?", "en": "What may we call you?"},
        "chat_name_hint": {
            "nl": "Laat leeg om anoniem te blijven.",
            "en": "Leave empty to stay anonymous.",
        },
        "chat_military_legend": {
            "nl": "Ben je nu in dienst, of ben je veteraan?",
            "en": "Are you serving now, or are you a veteran?",
        },
        "chat_serving": {"nl": "Ik ben nu in dienst", "en": "I am serving now"},
        "chat_former": {
            "nl": "Ik ben veteraan of oud-militair",
            "en": "I am a veteran or former military",
        },
        "chat_mode_legend": {
            "nl": "Wil je nu chatten, of wil je dat we je terugbellen?",
            "en": "Would you like to chat now, or shall we call you back?",
        },
        "chat_mode_chat": {"nl": "Nu chatten", "en": "Chat now"},
        "chat_mode_callback": {"nl": "Bel me terug", "en": "Call me back"},
        "chat_callback_title": {"nl": "Terugbellen", "en": "Call back"},
        "chat_callback_submit": {"nl": "Bel me terug", "en": "Call me back"},
        "chat_instead": {"nl": "Liever nu chatten", "en": "Rather chat now"},
        "chat_instead_hint": {
            "nl": "Kun je nu niet veilig bellen, of typ je liever? Chat dan nu met een "
            "hulpverlener.",
            "en": "Is a call not safe right now, or would you rather type? Then chat with a "
            "counsellor now.",
        },
        "chat_callback_done": {
            "nl": "We bellen je terug: {when}. Je referentie is {reference}.",
            "en": "We will call you back: {when}. Your reference is {reference}.",
        },
        "chat_callback_more": {
            "nl": "Wil je alvast iets vertellen? Schrijf het hieronder; de hulpverlener leest "
            "het voordat die belt.",
            "en": "Would you like to tell us something already? Write it below; the counsellor "
            "reads it before calling.",
        },
        "chat_conversation": {"nl": "Gesprek", "en": "Conversation"},
        "chat_welcome": {
            "nl": "Welkom. Je chat komt binnen bij {desk}. Schrijf gerust alvast wat er speelt; "
            "een hulpverlener reageert zodra die vrij is.",
            "en": "Welcome. Your chat goes to {desk}. Feel free to write what is going on; a "
            "counsellor will answer as soon as they are free.",
        },
        "chat_reference": {
            "nl": "Je referentie is {reference}.",
            "en": "Your reference is {reference}.",
        },
        "chat_position": {
            "nl": "Je bent nummer {position} in de rij.",
            "en": "You are number {position} in the queue.",
        },
        "chat_wait_minutes": {
            "nl": "Verwachte wachttijd: ongeveer {minutes} minuten.",
            "en": "Expected wait: about {minutes} minutes.",
        },
        "chat_wait_soon": {
            "nl": "Een hulpverlener is zo bij je.",
            "en": "A counsellor will be with you shortly.",
        },
        "chat_in_progress": {
            "nl": "Een hulpverlener is bij je in het gesprek.",
            "en": "A counsellor is with you in the conversation.",
        },
        "chat_callback_state": {
            "nl": "We bellen je terug.",
            "en": "We will call you back.",
        },
        "chat_closed": {
            "nl": "Dit gesprek is afgesloten. Je kunt altijd een nieuwe chat beginnen.",
            "en": "This conversation has been closed. You can always start a new chat.",
        },
        "chat_unsent": {
            "nl": "Dit gesprek was al afgesloten: je bericht is niet verstuurd. Begin een nieuwe "
            "chat en stuur het daar; bij direct gevaar bel 112, bij gedachten aan zelfdoding "
            "113 of 0800-0113.",
            "en": "This conversation had already been closed: your message was not sent. Start "
            "a new chat and send it there; in immediate danger call 112, with thoughts of "
            "suicide 113 or 0800-0113.",
        },
        "chat_unsent_label": {"nl": "Wat je schreef", "en": "What you wrote"},
        "chat_empty": {"nl": "Nog geen berichten.", "en": "No messages yet."},
        "chat_earlier": {
            "nl": "Eerdere berichten van dit gesprek staan niet op deze pagina.",
            "en": "Earlier messages of this conversation are not on this page.",
        },
        "chat_earlier_link": {"nl": "Eerdere berichten tonen", "en": "Show earlier messages"},
        "chat_later": {
            "nl": "Latere berichten van dit gesprek staan niet op deze pagina.",
            "en": "Later messages of this conversation are not on this page.",
        },
        "chat_newest_link": {"nl": "Naar de nieuwste berichten", "en": "Go to the newest messages"},
        "who_me": {"nl": "Jij", "en": "You"},
        "who_counsellor": {"nl": "Hulpverlener", "en": "Counsellor"},
        "who_loket": {"nl": "Loket", "en": "Loket"},
        "chat_message_label": {"nl": "Je bericht", "en": "Your message"},
        "chat_send": {"nl": "Verstuur", "en": "Send"},
        "chat_refresh": {"nl": "Nieuwe berichten ophalen", "en": "Check for new messages"},
        "chat_refresh_hint": {
            "nl": "Nieuwe berichten verschijnen als je op 'Nieuwe berichten ophalen' drukt.",
            "en": "New messages appear when you press 'Check for new messages'.",
        },
        "chat_idle_hint": {
            "nl": "Gebruik je deze chat {span} niet (pagina dicht, niets verstuurd), dan sluit "
            "hij in deze browser en lees je hier niets meer. Je kunt dan een nieuwe chat "
            "beginnen.",
            "en": "If you do not use this chat for {span} (page closed, nothing sent), it "
            "closes in this browser and you can read nothing more here. You can then start a "
            "new chat.",
        },
        "chat_leave": {"nl": "Chat sluiten in deze browser", "en": "Close chat in this browser"},
        "chat_leave_hint": {
            "nl": "Handig op een gedeelde computer of telefoon: het gesprek verdwijnt uit deze "
            "browser. De hulpverlener ziet dat je weg bent.",
            "en": "Useful on a shared computer or phone: the conversation disappears from this "
            "browser. The counsellor sees that you have left.",
        },
        "chat_left": {
            "nl": "De chat is gesloten in deze browser.",
            "en": "The chat has been closed in this browser.",
        },
        "chat_left_note": {
            "nl": "De persoon heeft de chat gesloten.",
            "en": "The person has closed the chat.",
        },
        "chat_idle_note": {
            "nl": "De persoon heeft de chat {span} niet gebruikt: hij is voor hen gesloten.",
            "en": "The person did not use the chat for {span}: it is closed for them.",
        },
        "err_leave_expired": {
            "nl": "De pagina was verlopen: de chat staat nog open in deze browser. Druk nog een "
            "keer op de knop.",
            "en": "The page had expired: the chat is still open in this browser. Press the "
            "button once more.",
        },
        "chat_new": {"nl": "Nieuwe chat beginnen", "en": "Start a new chat"},
        "chat_crisis_lead": {
            "nl": "We hebben je gesprek voorrang gegeven. Een hulpverlener komt zo snel mogelijk "
            "bij je.",
            "en": "We have given your conversation priority. A counsellor will be with you as "
            "soon as possible.",
        },
        "err_chat_empty": {"nl": "Typ eerst een bericht.", "en": "Type a message first."},
        "err_chat_long": {
            "nl": "Je bericht is te lang: hoogstens {max_chat} tekens.",
            "en": "Your message is too long: at most {max_chat} characters.",
        },
        "err_choice": {
            "nl": "Kies een van de knoppen hieronder.",
            "en": "Choose one of the buttons below.",
        },
        "err_chat_offline": {
            "nl": "Je bericht is niet verstuurd: er kwam geen antwoord, misschien is de "
            "verbinding weg. Je tekst staat er nog; probeer het zo opnieuw. Bij direct gevaar "
            "bel 112, bij gedachten aan zelfdoding 113 of 0800-0113.",
            "en": "Your message was not sent: no answer came back, perhaps the connection "
            "dropped. Your text is still there; please try again in a moment. In immediate "
            "danger call 112, with thoughts of suicide 113 or 0800-0113.",
        },
        "err_after": {
            "nl": "after: verwacht een berichtnummer",
            "en": "after: expected a message number",
        },
        "err_unavailable": {
            "nl": "We konden je formulier even niet opslaan. Alles wat je invulde staat er nog. "
            "Probeer het over een paar seconden opnieuw: verstuur het dan nog eens. Bij direct "
            "gevaar bel 112, bij gedachten aan zelfdoding 113 of 0800-0113.",
            "en": "We could not save your form just now. Everything you filled in is still "
            "here. Please try again in a few seconds: send it once more then. In immediate "
            "danger call 112, with thoughts of suicide 113 or 0800-0113.",
        },
        "err_chat_unavailable": {
            "nl": "We konden je bericht even niet opslaan: het is niet verstuurd. Je tekst staat "
            "hieronder. Probeer het over een paar seconden opnieuw. Bij direct gevaar bel "
            "112, bij gedachten aan zelfdoding 113 of 0800-0113.",
            "en": "We could not save your message just now: it was not sent. Your text is "
            "below. Please try again in a few seconds. In immediate danger call 112, with "
            "thoughts of suicide 113 or 0800-0113.",
        },
        "chat_send_again": {"nl": "Verstuur opnieuw", "en": "Send again"},
        "chat_back": {"nl": "Terug naar je chat", "en": "Back to your chat"},
        "err_start_expired": {
            "nl": "De pagina was verlopen. Kies hieronder nog eens wie je bent.",
            "en": "The page had expired. Please choose who you are below once more.",
        },
        "err_callback_gone": {
            "nl": "Deze chat is niet meer open in deze browser: hij is hier gesloten, of een "
            "tijd niet gebruikt. Je terugbelverzoek is niet verstuurd. Kies hieronder wie je "
            "bent om opnieuw te beginnen; bij direct gevaar bel 112, bij gedachten aan "
            "zelfdoding 113 of 0800-0113.",
            "en": "This chat is no longer open in this browser: it was closed here, or not used "
            "for a while. Your callback request was not sent. Choose who you are below to "
            "start again; in immediate danger call 112, with thoughts of suicide 113 or "
            "0800-0113.",
        },
        "err_chat_gone": {
            "nl": "Deze chat is niet meer open in deze browser: hij is hier gesloten, of een "
            "tijd niet gebruikt. Je bericht is niet verstuurd. Begin een nieuwe chat en stuur "
            "het daar; bij direct gevaar bel 112, bij gedachten aan zelfdoding 113 of "
            "0800-0113.",
            "en": "This chat is no longer open in this browser: it was closed here, or not used "
            "for a while. Your message was not sent. Start a new chat and send it there; in "
            "immediate danger call 112, with thoughts of suicide 113 or 0800-0113.",
        },
        "chat_poll_offline": {
            "nl": "Geen verbinding: nieuwe berichten komen nu niet binnen. We blijven het "
            "proberen. Bij direct gevaar bel 112, bij gedachten aan zelfdoding 113 of "
            "0800-0113.",
            "en": "No connection: new messages are not coming in right now. We keep trying. "
            "In immediate danger call 112, with thoughts of suicide 113 or 0800-0113.",
        },
        "chat_gone_status": {
            "nl": "Deze chat is niet meer open in deze browser. Begin een nieuwe chat om verder "
            "te schrijven.",
            "en": "This chat is no longer open in this browser. Start a new chat to write on.",
        },
        "err_chat_expired": {
            "nl": "De pagina was verlopen. Probeer het opnieuw; je gesprek is er nog.",
            "en": "The page had expired. Please try again; your conversation is still there.",
        },
        # Too many requests.
        "too_many_title": {"nl": "Even wachten", "en": "Please wait a moment"},
        "too_many_text": {
            "nl": "Er is in korte tijd veel verstuurd vanaf dit adres. Wacht een minuut en "
            "probeer het dan opnieuw. Heb je nu hulp nodig? Wacht dan niet:",
            "en": "A lot has been sent from this address in a short time. Wait a minute and "
            "then try again. Do you need help now? Then do not wait:",
        },
        "back_home": {"nl": "Terug naar het begin", "en": "Back to the start"},
    },
)


def text(key: str, lang: str, **values: Any) -> str:
    """Return a text of the public pages in a language, with the common values filled in."""
    return TEXTS.get(
        key, lang, max=MAX_MESSAGE, max_chat=MAX_CHAT_MESSAGE, max_name=MAX_NAME, **values
    )


def retention_period(lang: str) -> str:
    """Return the longest any desk keeps a contact's personal data, in words ("2 jaar",
    "90 days"): the retention removes it then."""
    settings = current_app.config["LOKET"]
    days = max([int(settings.retention_days), *settings.retention_by_desk.values()])
    if days % 365 == 0:
        years = days // 365
        return text("period_year" if years == 1 else "period_years", lang, n=years)
    return text("period_days", lang, n=days)


def callback_when(window: str, start: datetime, end: datetime, lang: str) -> str:
    """Say when a callback is due, as seen in Amsterdam ("vandaag tussen 18:00 en 21:00")."""
    if window == "asap":
        return text("when_asap", lang)
    local_start, local_end = start.astimezone(AMSTERDAM), end.astimezone(AMSTERDAM)
    today = utcnow().astimezone(AMSTERDAM).date()
    if local_start.date() == today:
        day = text("day_today", lang)
    elif local_start.date() == today + timedelta(days=1):
        day = text("day_tomorrow", lang)
    else:
        day = f"{local_start:%d-%m-%Y}"
    start_text, end_text = f"{local_start:%H:%M}", f"{local_end:%H:%M}"
    return text("when_window", lang, day=day, start=start_text, end=end_text)


def window_options(lang: str, now: datetime | None = None) -> list[tuple[str, str]]:
    """Return the callback windows as (value, text) to choose from, the evening named as
    it falls now: with under half an hour of it left it is tomorrow evening, as the
    callback will be (`callbacks.said_window`), never an evening already gone."""
    at = now or utcnow()
    return [(w, text(f"window_{said_window(w, at)}", lang)) for w in CALLBACK_WINDOWS]


def language_url(code: str) -> str:
    """Return this page's address in another language (a GET; other arguments dropped).

    A page that answers a form (a mistake shown back, a refusal, a number shown in full)
    has an address that takes posts only: its language link leads to the page the form
    belongs to, the nearest address above it that answers a GET (`/chat/callback` ->
    `/chat`, `/desk/contacts/REF/unmask` -> `/desk/contacts/REF`)."""
    path = request.path if request.method == "GET" else page_of(request.path)
    return f"{path}?{urlencode({'lang': code})}"


def page_of(path: str) -> str:
    """Return the nearest address at or above `path` that answers a GET."""
    adapter = current_app.url_map.bind("localhost")
    while path.count("/") > 1:
        try:
            adapter.match(path, method="GET")
            return path
        except HTTPException:  # posts only, or nothing here: one step up
            path = path.rstrip("/").rsplit("/", 1)[0] or "/"
    return path


def layout_context() -> dict[str, Any]:
    """Give every template the page language, its texts and the 112/113 texts, and this
    page's `page_stamp` (when it was drawn)."""
    lang = request_language()
    return {
        "lang": lang,
        "languages": LANGUAGES,
        "t": lambda key, **values: text(key, lang, **values),
        "crisis": lambda key: CRISIS.get(key, lang),
        "language_url": language_url,
        # A "fetch new messages" control without JavaScript carries it: its address then
        # differs from the page's own, which a browser would only scroll to (`#messages`).
        "page_stamp": time.time_ns() // 1_000_000,
    }


def remember_language(response: Response) -> Response:
    """Keep a language chosen with ?lang= in the `loket_lang` cookie."""
    if b"lang=" not in request.query_string:
        return response  # most requests: nothing chosen, no query to parse
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != chosen:
        response.set_cookie(
            LANGUAGE_COOKIE,
            chosen,
            max_age=LANGUAGE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config["LOKET"].production),
        )
    return response


# What both web forms check. Error messages are catalog keys; the templates translate them.


def normalise_phone(raw: str | None) -> str | None:
    """Return a phone number in international form (+31612345678), or None if it is not one."""
    number = re.sub(r"[\s()./-]", "", raw or "")  # 06-123 456 78, 06/12345678, 06.12.34
    if number.startswith("00"):
        number = "+" + number[2:]
    elif number.startswith("0"):
        number = "+31" + number[1:]
    if number.startswith("+310"):
        number = "+31" + number[4:]
    return number if PHONE.fullmatch(number) else None


def valid_email(raw: str | None) -> bool:
    """Tell whether a text looks like an e-mail address."""
    value = (raw or "").strip()
    return len(value) <= MAX_EMAIL and bool(EMAIL.fullmatch(value))


class ChoiceField(StringField):
    """A radio group or a row of buttons: one value of a fixed list, rendered by the template."""


def one_of(values: Sequence[str], error: str) -> Callable[[Form, Field], None]:
    """Build a validator that accepts only these values and reports `error` (a text key)."""

    def check(_form: Form, field: Field) -> None:
        if field.data not in values:
            field.data = None
            raise StopValidation(error)

    return check


def form_errors(form: Form) -> list[tuple[str, str]]:
    """Return (id of the control to jump to, text key) for each error, in form order."""
    errors = []
    for field in form:
        if field.errors and field.name != "csrf_token":
            target = f"{field.id}-0" if isinstance(field, ChoiceField) else field.id
            errors.append((target, str(field.errors[0])))
    return errors
