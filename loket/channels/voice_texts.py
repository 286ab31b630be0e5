"""What the phone menu says, in Dutch and English (the crisis lines come from loket.i18n)."""

from __future__ import annotations

from loket.i18n import Catalog

TEXTS = Catalog(
    "voice",
    {
        "welcome": {
            "nl": "Welkom bij Loket, de gezamenlijke hulplijn van het 24/7 Loket van de "
            "politie, het Veteranenloket en Stichting De Basis.",
            "en": "Welcome to Loket, the shared helpline of the police's 24/7 Loket, the "
            "Veteranenloket and Stichting De Basis.",
        },
        "menu": {
            "nl": "Werkt u bij de politie, nu of vroeger, toets 1. Bent u veteraan of militair, "
            "toets 2. Bent u familie of naaste van iemand bij de politie, toets 3. Bent u "
            "familie of naaste van een veteraan of militair, toets 4. Voor iets anders, of als "
            "u het niet weet, toets 5. Heeft u nu direct hulp nodig, toets 0.",
            "en": "If you work for the police, now or in the past, press 1. If you are a "
            "veteran or in the military, press 2. If you are family or close to someone at "
            "the police, press 3. If you are family or close to a veteran or soldier, press 4. "
            "For anything else, or if you are not sure, press 5. If you need help right now, "
            "press 0.",
        },
        # Said in its own language, as the way to switch to it.
        "offer_language": {
            "nl": "Voor Nederlands, toets 9.",
            "en": "For English, press 9.",
        },
        "military": {
            "nl": "Dient u nu als militair, toets 1. Bent u veteraan of oud-militair, toets 2.",
            "en": "If you are serving now, press 1. If you are a veteran or former military, "
            "press 2.",
        },
        "mode": {
            "nl": "Wilt u nu wachten op een hulpverlener, toets 1. Wilt u liever teruggebeld "
            "worden, toets 2.",
            "en": "To wait for a counsellor now, press 1. To be called back instead, press 2.",
        },
        "callback_number": {
            "nl": "Mogen we u terugbellen op het nummer waarmee u nu belt, toets 1. Wilt u een "
            "ander nummer intoetsen, toets 2.",
            "en": "To be called back on the number you are calling from, press 1. To key in "
            "another number, press 2.",
        },
        "callback_keyed": {
            "nl": "Toets het telefoonnummer waarop we u kunnen bellen, gevolgd door een hekje.",
            "en": "Key in the phone number we can call you on, followed by the hash key.",
        },
        "callback_window": {
            "nl": "Wanneer mogen we bellen? Zo snel mogelijk, toets 1. In de avond tussen 18 en "
            "21 uur, toets 2. Morgen tussen 9 en 12 uur, toets 3.",
            "en": "When may we call? As soon as possible, press 1. In the evening between 6 and "
            "9 pm, press 2. Tomorrow between 9 am and noon, press 3.",
        },
        "callback_voicemail": {
            "nl": "Mogen we een voicemail inspreken als u niet opneemt? Ja, toets 1. Nee, toets 2.",
            "en": "May we leave a voicemail if you do not answer? Yes, press 1. No, press 2.",
        },
        "when_asap": {"nl": "zo snel mogelijk", "en": "as soon as possible"},
        "when_evening": {"nl": "in de avond tussen 18 en 21 uur", "en": "in the evening "
                         "between 6 and 9 pm"},
        "when_evening_tomorrow": {"nl": "morgenavond tussen 18 en 21 uur",
                                  "en": "tomorrow evening between 6 and 9 pm"},
        "when_tomorrow": {"nl": "morgen tussen 9 en 12 uur", "en": "tomorrow between 9 am "
                          "and noon"},
        "callback_confirmed": {
            "nl": "Dank u wel. We bellen u {when} terug. Uw referentie is: {reference}. "
            "Nogmaals: {reference}.",
            "en": "Thank you. We will call you back {when}. Your reference is: {reference}. "
            "Once more: {reference}.",
        },
        # Said first at the window question when the keyed-in number was not understood
        # twice: the number is never read out, as everywhere ("the number you are calling
        # from"), and the caller may refuse it.
        "callback_own_instead": {
            "nl": "We bellen u dan terug op het nummer waarmee u nu belt. Wilt u niet op dat "
            "nummer gebeld worden, toets 4: dan wacht u nu op een hulpverlener.",
            "en": "We will then call you back on the number you are calling from. If you do "
            "not want to be called on that number, press 4 to wait for a counsellor now "
            "instead.",
        },
        "callback_not_own": {
            "nl": "We bellen u niet terug op dit nummer. Blijf aan de lijn, dan verbinden we u "
            "met een hulpverlener.",
            "en": "We will not call you back on this number. Please stay on the line and we "
            "will connect you with a counsellor.",
        },
        "callback_confirmed_own": {
            "nl": "Dank u wel. We bellen u {when} terug op het nummer waarmee u nu belt. Uw "
            "referentie is: {reference}. Nogmaals: {reference}.",
            "en": "Thank you. We will call you back {when} on the number you are calling "
            "from. Your reference is: {reference}. Once more: {reference}.",
        },
        "callback_no_number": {
            "nl": "Zonder telefoonnummer kunnen we u niet terugbellen. Blijf aan de lijn, dan "
            "verbinden we u met een hulpverlener.",
            "en": "Without a phone number we cannot call you back. Please stay on the line and "
            "we will connect you with a counsellor.",
        },
        "callback_crisis": {
            "nl": "Omdat u nu direct hulp nodig heeft, bellen we u niet later terug maar "
            "verbinden we u nu met een hulpverlener. Blijf aan de lijn.",
            "en": "Because you need help right now, we will not call you back later but connect "
            "you with a counsellor now. Please stay on the line.",
        },
        "no_input": {
            "nl": "Bent u er nog? Heeft u nu direct iemand nodig, toets 0.",
            "en": "Are you still there? If you need someone right now, press 0.",
        },
        "not_understood": {
            "nl": "Sorry, dat heb ik niet begrepen.",
            "en": "Sorry, I did not catch that.",
        },
        "connecting": {
            "nl": "We verbinden u zo snel mogelijk met een hulpverlener. Blijf aan de lijn.",
            "en": "We will connect you with a counsellor as soon as possible. Please stay on "
            "the line.",
        },
        "connecting_crisis": {
            "nl": "We verbinden u nu direct met een hulpverlener. Blijf aan de lijn.",
            "en": "We are connecting you with a counsellor right now. Please stay on the line.",
        },
        "next": {
            "nl": "U bent de volgende in de wachtrij.",
            "en": "You are next in the queue.",
        },
        "position": {
            "nl": "U bent nummer {position} in de wachtrij.",
            "en": "You are number {position} in the queue.",
        },
        "wait_short": {
            "nl": "De verwachte wachttijd is minder dan een minuut.",
            "en": "The expected waiting time is less than a minute.",
        },
        "wait_one": {
            "nl": "De verwachte wachttijd is ongeveer een minuut.",
            "en": "The expected waiting time is about one minute.",
        },
        "wait_minutes": {
            "nl": "De verwachte wachttijd is ongeveer {minutes} minuten.",
            "en": "The expected waiting time is about {minutes} minutes.",
        },
        "keep_place_offer": {
            "nl": "Wilt u uw plek houden en teruggebeld worden, toets 1.",
            "en": "To keep your place and be called back, press 1.",
        },
        "place_kept": {
            "nl": "Uw plek is bewaard: we bellen u zo snel mogelijk terug op het nummer waarmee "
            "u nu belt. Uw referentie is: {reference}. Nogmaals: {reference}.",
            "en": "Your place is kept: we will call you back as soon as possible on the number "
            "you are calling from. Your reference is: {reference}. Once more: {reference}.",
        },
        "hold": {
            "nl": "Alle hulpverleners zijn in gesprek. Blijf aan de lijn, u wordt zo geholpen.",
            "en": "All counsellors are busy. Please stay on the line, you will be helped soon.",
        },
        "closed_while_waiting": {
            "nl": "Sorry, uw gesprek is inmiddels afgesloten en er komt nu geen hulpverlener "
            "meer aan de lijn. Heeft u nog hulp nodig, bel ons dan gerust opnieuw.",
            "en": "Sorry, your call has been closed in the meantime and no counsellor will come "
            "on the line now. If you still need help, please call us again.",
        },
        "queue_retry": {
            "nl": "Sorry, er ging iets mis met de wachtrij. We proberen het opnieuw.",
            "en": "Sorry, something went wrong with the queue. We are trying again.",
        },
        "queue_failed_callback": {
            "nl": "Sorry, we kunnen u nu niet verbinden. We bellen u zo snel mogelijk terug. "
            "Uw referentie is: {reference}. Nogmaals: {reference}.",
            "en": "Sorry, we cannot connect you right now. We will call you back as soon as "
            "possible. Your reference is: {reference}. Once more: {reference}.",
        },
        "queue_failed_crisis": {
            "nl": "Sorry, we kunnen u nu niet verbinden. Een hulpverlener belt u meteen terug "
            "op het nummer waarmee u nu belt. Uw referentie is: {reference}. Nogmaals: "
            "{reference}.",
            "en": "Sorry, we cannot connect you right now. A counsellor will call you back "
            "straight away on the number you are calling from. Your reference is: "
            "{reference}. Once more: {reference}.",
        },
        "queue_failed": {
            "nl": "Sorry, we kunnen u nu niet verbinden. Bel ons alstublieft opnieuw.",
            "en": "Sorry, we cannot connect you right now. Please call us again.",
        },
        "call_unreadable": {
            "nl": "Sorry, dit gesprek kunnen we niet verwerken. Bel ons alstublieft opnieuw.",
            "en": "Sorry, we cannot handle this call. Please call us again.",
        },
        "goodbye": {
            "nl": "Dank u wel voor uw telefoontje. Tot ziens.",
            "en": "Thank you for calling. Goodbye.",
        },
    },
)
