"""What Loket writes by SMS and WhatsApp, in Dutch and English side by side.

Texts are short: every one is an SMS the person pays attention to. The menu numbers are
the phone menu's numbers, so people who switch channel recognise them.
"""

from __future__ import annotations

from loket.i18n import Catalog

TEXTS = Catalog(
    "messaging",
    {
        "welcome": {
            "nl": "Welkom bij Loket, voor (oud-)politiemensen, veteranen, militairen en hun "
            "naasten. {crisis}",
            "en": "Welcome to Loket, for (former) police staff, veterans, military personnel "
            "and their loved ones. {crisis}",
        },
        "who": {
            "nl": "Wie ben je? Antwoord met een cijfer:\n"
            "1 politie (nu of vroeger)\n"
            "2 veteraan of militair\n"
            "3 familie of naaste van iemand bij de politie\n"
            "4 familie of naaste van een veteraan of militair\n"
            "5 anders of weet ik niet\n"
            "0 ik heb nu direct hulp nodig\n"
            "For English, reply EN.",
            "en": "Who are you? Reply with a number:\n"
            "1 police (now or earlier)\n"
            "2 veteran or military\n"
            "3 family or close one of someone at the police\n"
            "4 family or close one of a veteran or soldier\n"
            "5 other or don't know\n"
            "0 I need help right now\n"
            "Voor Nederlands, antwoord NL.",
        },
        "serving": {
            "nl": "Ben je nu in dienst, of ben je veteraan of oud-militair?\n"
            "1 nu in dienst\n"
            "2 veteraan of oud-militair",
            "en": "Are you serving now, or are you a veteran or former military?\n"
            "1 serving now\n"
            "2 veteran or former military",
        },
        "respond": {
            "nl": "Wil je nu chatten met een hulpverlener, of teruggebeld worden?\n"
            "1 nu chatten\n"
            "2 terugbellen",
            "en": "Would you like to chat with a counsellor now, or be called back?\n"
            "1 chat now\n"
            "2 call me back",
        },
        "window": {
            "nl": "Wanneer mogen we je bellen?\n"
            "1 zo snel mogelijk\n"
            "2 's avonds (18-21 uur)\n"
            "3 morgenochtend (9-12 uur)",
            "en": "When may we call you?\n"
            "1 as soon as possible\n"
            "2 in the evening (6-9 pm)\n"
            "3 tomorrow morning (9 am-12 noon)",
        },
        "again": {
            "nl": "Sorry, dat antwoord ken ik niet. Kies een van de cijfers.",
            "en": "Sorry, I did not recognise that answer. Please choose one of the numbers.",
        },
        "other_language": {
            "nl": "For English, reply EN.",
            "en": "Voor Nederlands, antwoord NL.",
        },
        "default": {
            "nl": "Geen probleem, we gaan verder.",
            "en": "No problem, let's continue.",
        },
        "chat_confirmed": {
            "nl": "Dank je. Je referentie is {reference}. Een hulpverlener antwoordt je hier "
            "zo snel mogelijk. Je bent nummer {position} in de rij.",
            "en": "Thank you. Your reference is {reference}. A counsellor will reply here as "
            "soon as possible. You are number {position} in the queue.",
        },
        "callback_confirmed": {
            "nl": "Dank je. Je referentie is {reference}. We bellen je {when} terug op dit "
            "nummer. Je kunt hier ook nog schrijven.",
            "en": "Thank you. Your reference is {reference}. We will call you back on this "
            "number {when}. You can also keep writing here.",
        },
        "when_asap": {"nl": "zo snel mogelijk", "en": "as soon as possible"},
        "when_evening": {"nl": "'s avonds tussen 18 en 21 uur", "en": "in the evening, 6-9 pm"},
        "when_evening_tomorrow": {"nl": "morgenavond tussen 18 en 21 uur",
                                  "en": "tomorrow evening, 6-9 pm"},
        "when_tomorrow": {
            "nl": "morgen tussen 9 en 12 uur",
            "en": "tomorrow between 9 am and noon",
        },
        "crisis": {
            "nl": "{crisis} Een hulpverlener neemt nu contact met je op. Je referentie is "
            "{reference}.",
            "en": "{crisis} A counsellor will contact you now. Your reference is {reference}.",
        },
        "ack_chat": {
            "nl": "Dank je, je bericht is bij ons. Een hulpverlener antwoordt je hier. "
            "Referentie {reference}.",
            "en": "Thank you, we have your message. A counsellor will reply here. "
            "Reference {reference}.",
        },
        "ack_callback": {
            "nl": "Dank je, je bericht is bij ons. We bellen je terug zoals afgesproken. "
            "Referentie {reference}.",
            "en": "Thank you, we have your message. We will call you back as agreed. "
            "Reference {reference}.",
        },
        # A person whose callback could not be made (unanswered, or its time passed) writes
        # again: their message is back in the desk's queue.
        "written_again": {
            "nl": "Dank je, je bericht is bij ons. We konden je eerder niet bereiken. Een "
            "hulpverlener neemt zo snel mogelijk contact met je op. Referentie {reference}.",
            "en": "Thank you, we have your message. We could not reach you earlier. A "
            "counsellor will contact you as soon as possible. Reference {reference}.",
        },
        "media": {
            "nl": "Foto's, video's en spraakberichten kunnen we hier niet zien of horen. "
            "Wil je het typen? {crisis}",
            "en": "We cannot see or hear photos, videos or voice notes here. Could you type "
            "it? {crisis}",
        },
        "location": {
            "nl": "Dank je, je locatie is bij ons aangekomen. {crisis}",
            "en": "Thank you, we have received your location. {crisis}",
        },
        "location_stored": {
            "nl": "[Locatie gedeeld: {place}]",
            "en": "[Location shared: {place}]",
        },
        "media_stored": {
            "nl": "[Bijlage: foto, video of spraakbericht; niet te zien in Loket]",
            "en": "[Attachment: photo, video or voice note; not shown in Loket]",
        },
        "goodbye_crisis": {
            "nl": "We sturen je geen berichten meer. Omdat je schreef dat het niet goed met je "
            "gaat, belt een hulpverlener je nog op om te horen hoe het met je is. {again} "
            "{crisis}",
            "en": "We will not send you more messages. Because of what you wrote, a counsellor "
            "will still call you to hear how you are. {again} {crisis}",
        },
        "goodbye": {
            "nl": "Je gesprek met Loket is gestopt; we sturen je geen berichten meer. {again} "
            "{crisis}",
            "en": "Your conversation with Loket has ended; we will not send you more messages. "
            "{again} {crisis}",
        },
        # After a stop word Twilio delivers no SMS to the number until it sends START; on
        # WhatsApp any message opens the conversation again.
        "again_sms": {
            "nl": "Wil je ons later weer schrijven, stuur dan eerst START.",
            "en": "To write to us again later, first send START.",
        },
        "again_whatsapp": {
            "nl": "Wil je ons later weer schrijven, stuur dan gewoon een nieuw bericht.",
            "en": "To write to us again later, just send a new message.",
        },
    },
)
