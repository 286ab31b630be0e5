"""The texts of logging in, enrolling the second factor, changing one's password, and the
admin's page."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # Logging in
    "login_title": {"nl": "Inloggen", "en": "Log in"},
    "login_intro": {
        "nl": "Voor medewerkers van het 24/7 Loket, het Veteranenloket en De Basis.",
        "en": "For staff of the 24/7 Loket, the Veteranenloket and De Basis.",
    },
    "email": {"nl": "E-mailadres", "en": "E-mail address"},
    "password": {"nl": "Wachtwoord", "en": "Password"},
    "next": {"nl": "Verder", "en": "Continue"},
    "login_failed": {
        "nl": "E-mail, wachtwoord of code klopt niet. Probeer het opnieuw; na een paar "
        "pogingen moet je even wachten.",
        "en": "E-mail, password or code is not right. Please try again; after a few "
        "attempts you have to wait a while.",
    },
    # A form sent with an expired token (its page open longer than a login lasts) or none.
    "expired_title": {"nl": "Deze pagina stond te lang open",
                      "en": "This page was open too long"},
    "expired_text": {
        "nl": "Deze pagina stond te lang open: er is niets gedaan. Open haar opnieuw en "
              "probeer het nog een keer.",
        "en": "This page was open too long: nothing was done. Open it again and try once "
              "more.",
    },
    "expired_back": {"nl": "Pagina opnieuw openen", "en": "Open the page again"},
    "expired_logout": {
        "nl": "Je bent nog niet uitgelogd: deze pagina stond te lang open. Log nu uit met "
              "de knop hieronder.",
        "en": "You are not logged out yet: this page was open too long. Log out now with "
              "the button below.",
    },
    "code_title": {"nl": "Tweede stap", "en": "Second step"},
    "code_intro": {
        "nl": "Vul de code van zes cijfers uit je authenticator-app in, of een herstelcode.",
        "en": "Enter the six-digit code from your authenticator app, or a recovery code.",
    },
    "code": {"nl": "Code", "en": "Code"},
    "enrol_title": {"nl": "Tweede stap instellen", "en": "Set up the second step"},
    "enrol_intro": {
        "nl": "Scan deze QR-code met je authenticator-app (of typ de sleutel over) en vul "
        "daarna de code in die de app toont.",
        "en": "Scan this QR code with your authenticator app (or type in the key), then "
        "enter the code the app shows.",
    },
    "enrol_key": {"nl": "Sleutel", "en": "Key"},
    "enrol_qr": {
        "nl": "QR-code voor je authenticator-app",
        "en": "QR code for your authenticator app",
    },
    "recovery_title": {"nl": "Je herstelcodes", "en": "Your recovery codes"},
    "recovery_intro": {
        "nl": "Bewaar deze codes op een veilige plek. Elke code werkt één keer, als je je "
        "telefoon niet bij je hebt. Je ziet ze maar één keer.",
        "en": "Keep these codes somewhere safe. Each works once, when you do not have your "
        "phone. You see them only once.",
    },
    "recovery_done": {"nl": "Ik heb ze bewaard", "en": "I have kept them"},
    "logged_out": {"nl": "Je bent uitgelogd.", "en": "You are logged out."},
    # Changing one's own password
    "pw_title": {"nl": "Wachtwoord wijzigen", "en": "Change your password"},
    "pw_intro": {
        "nl": "Kies een wachtwoord van minstens 12 tekens dat je nergens anders gebruikt, "
              "bijvoorbeeld een zin van een paar woorden. Daarna worden je andere logins "
              "beëindigd; deze blijft open.",
        "en": "Choose a password of at least 12 characters that you use nowhere else, for "
              "example a sentence of a few words. Your other logins end then; this one "
              "stays open.",
    },
    "pw_forced": {
        "nl": "Je bent ingelogd met een tijdelijk wachtwoord. Kies eerst je eigen wachtwoord; "
              "daarna kun je verder met je werk.",
        "en": "You logged in with a temporary password. Choose your own password first; "
              "then you can go on with your work.",
    },
    "pw_current": {"nl": "Huidig wachtwoord", "en": "Current password"},
    "pw_current_temporary": {"nl": "Tijdelijk wachtwoord", "en": "Temporary password"},
    "pw_new": {"nl": "Nieuw wachtwoord", "en": "New password"},
    "pw_again": {"nl": "Nieuw wachtwoord nog een keer", "en": "New password again"},
    "pw_submit": {"nl": "Wachtwoord wijzigen", "en": "Change password"},
    "pw_changed": {
        "nl": "Je wachtwoord is gewijzigd. Je andere logins zijn beëindigd.",
        "en": "Your password was changed. Your other logins have ended.",
    },
    "pw_refused": {
        "nl": "Je wachtwoord is niet gewijzigd: {reason}",
        "en": "Your password was not changed: {reason}",
    },
    # Why a change of one's own password was refused (auth.PASSWORD_REFUSALS).
    "pw_wrong_current": {
        "nl": "huidig wachtwoord: dat klopt niet; na een paar pogingen moet je even wachten",
        "en": "current password: that is not right; after a few attempts you have to wait "
              "a while",
    },
    "pw_locked": {
        "nl": "huidig wachtwoord: te veel mislukte pogingen; wacht even en probeer het "
              "opnieuw",
        "en": "current password: too many failed attempts; wait a while and try again",
    },
    "pw_mismatch": {
        "nl": "nieuw wachtwoord nog een keer: dat is niet hetzelfde als het nieuwe "
              "wachtwoord",
        "en": "new password again: that is not the same as the new password",
    },
    "pw_same": {
        "nl": "nieuw wachtwoord: dat is je huidige wachtwoord; kies een ander",
        "en": "new password: that is your current password; choose another",
    },
    "pw_short": {"nl": "nieuw wachtwoord: minstens 12 tekens",
                 "en": "new password: at least 12 characters"},
    "pw_long": {"nl": "nieuw wachtwoord: hooguit 200 tekens",
                "en": "new password: at most 200 characters"},
    "pw_common": {"nl": "nieuw wachtwoord: te gebruikelijk, kies een ander",
                  "en": "new password: too common, choose another"},
    "pw_pattern": {"nl": "nieuw wachtwoord: een toetsenbordpatroon, kies een ander",
                   "en": "new password: a keyboard pattern, choose another"},
    "pw_incomplete": {
        "nl": "vul alle drie de velden in (elk hooguit 200 tekens)",
        "en": "fill in all three fields (each at most 200 characters)",
    },
    # The admin's page
    "a_title": {"nl": "Gebruikers", "en": "Users"},
    "a_name": {"nl": "Naam", "en": "Name"},
    "a_display_name": {
        "nl": "Naam voor cliënten (voornaam of schuilnaam)",
        "en": "Name shown to clients (first name or pseudonym)",
    },
    "a_role": {"nl": "Rol", "en": "Role"},
    "a_desk": {"nl": "Desk", "en": "Desk"},
    "a_state": {"nl": "Status", "en": "State"},
    "a_actions": {"nl": "Acties", "en": "Actions"},
    "a_active": {"nl": "actief", "en": "active"},
    "a_disabled": {"nl": "uitgeschakeld", "en": "disabled"},
    "a_not_enrolled": {
        "nl": "tweede stap nog niet ingesteld",
        "en": "second step not set up yet",
    },
    "a_enable": {"nl": "Inschakelen", "en": "Enable"},
    "a_disable": {"nl": "Uitschakelen", "en": "Disable"},
    "a_reset": {"nl": "Tweede stap opnieuw instellen", "en": "Reset second step"},
    "a_actions_hint": {
        "nl": "Uitschakelen beëindigt meteen alle logins van die gebruiker, zijn "
              "API-tokens werken niet meer (ze zijn ingetrokken, ook na weer inschakelen), "
              "wat hij vasthield gaat terug naar de wachtrij en zijn persoonlijke "
              "terugbelafspraken gaan naar de desk; een andere rol of desk doet die laatste "
              "twee ook. API-tokens intrekken kan niet ongedaan worden. Tweede "
              "stap opnieuw instellen beëindigt alle logins en heft een blokkade op; bij de "
              "volgende login koppelt de gebruiker opnieuw een authenticator-app.",
        "en": "Disable ends all of that user's logins at once, revokes their API tokens "
              "(enabled again, the user needs new ones), puts what they held back in the "
              "queue and hands their personal callbacks to the desk; another role or desk "
              "does the last two as well. Revoking API tokens cannot be undone. Reset "
              "second step ends all their logins and lifts a lockout; at their next login "
              "they link an authenticator app again.",
    },
    "a_must_change": {"nl": "kiest bij de volgende login een wachtwoord",
                      "en": "chooses a password at the next login"},
    "a_locked": {"nl": "geblokkeerd na mislukte pogingen",
                 "en": "locked out after failed attempts"},
    "a_temp_password": {"nl": "Tijdelijk wachtwoord voor {email}",
                        "en": "Temporary password for {email}"},
    "a_set_password": {"nl": "Tijdelijk wachtwoord instellen",
                       "en": "Set a temporary password"},
    "a_own_password_link": {"nl": "Je eigen wachtwoord wijzigen",
                            "en": "Change your own password"},
    "a_password_hint": {
        "nl": "Een tijdelijk wachtwoord instellen beëindigt meteen alle logins van die "
              "gebruiker en heft een blokkade na mislukte pogingen op; na de volgende login "
              "kiest de gebruiker een eigen wachtwoord. Geef het tijdelijke wachtwoord "
              "persoonlijk of telefonisch door, niet per e-mail.",
        "en": "Setting a temporary password ends all of that user's logins at once and "
              "lifts a lockout after failed attempts; after their next login the user "
              "chooses their own password. Pass the temporary password on in person or by "
              "phone, not by e-mail.",
    },
    "a_password_set": {
        "nl": "Tijdelijk wachtwoord ingesteld; de gebruiker kiest na de volgende login een "
              "eigen wachtwoord.",
        "en": "Temporary password set; the user chooses their own after their next login.",
    },
    "a_own_password": {
        "nl": "gebruiker: je eigen wachtwoord wijzig je via Wachtwoord wijzigen, met je "
              "huidige wachtwoord",
        "en": "user: change your own password under Change password, with your current one",
    },
    "a_change": {"nl": "Wijzigen", "en": "Change"},
    "a_tokens": {"nl": "API-tokens: {n}", "en": "API tokens: {n}"},
    "a_revoke_tokens": {"nl": "API-tokens intrekken", "en": "Revoke API tokens"},
    "a_tokens_revoked": {"nl": "API-tokens ingetrokken; ze werken meteen niet meer.",
                         "en": "API tokens revoked; they stop working at once."},
    "a_phone_set": {"nl": "Telefoon om eerst te bellen: ingesteld (nieuw nummer)",
                    "en": "Phone rung first: set (new number)"},
    "a_phone_none": {"nl": "Telefoon om eerst te bellen: geen (nummer)",
                     "en": "Phone rung first: none (number)"},
    "a_add": {"nl": "Gebruiker toevoegen", "en": "Add a user"},
    "a_no_desk": {"nl": "geen", "en": "none"},
    "a_added": {"nl": "Gebruiker toegevoegd.", "en": "User added."},
    "a_changed": {"nl": "Gebruiker aangepast.", "en": "User changed."},
    "a_refused": {"nl": "Dat lukte niet: {reason}", "en": "That did not work: {reason}"},
    # Why an admin's change was refused, by the field it concerns (admin.REFUSALS).
    "a_bad_email": {"nl": "e-mail: dit is geen e-mailadres",
                    "en": "e-mail: this is not an e-mail address"},
    "a_email_taken": {"nl": "e-mail: er is al een gebruiker met dit adres",
                      "en": "e-mail: a user with this address exists already"},
    "a_pw_short": {"nl": "wachtwoord: minstens 12 tekens",
                   "en": "password: at least 12 characters"},
    "a_pw_long": {"nl": "wachtwoord: hooguit 200 tekens",
                  "en": "password: at most 200 characters"},
    "a_pw_common": {"nl": "wachtwoord: te gebruikelijk, kies een ander",
                    "en": "password: too common, choose another"},
    "a_pw_pattern": {"nl": "wachtwoord: een toetsenbordpatroon, kies een ander",
                     "en": "password: a keyboard pattern, choose another"},
    "a_bad_role": {"nl": "rol: kies hulpverlener, manager of beheerder",
                   "en": "role: choose counsellor, manager or admin"},
    "a_own_admin": {"nl": "rol: je kunt je eigen beheerdersrol niet afnemen",
                    "en": "role: you cannot take away your own admin role"},
    "a_bad_desk": {"nl": "loket: een hulpverlener hoort bij een loket (politie, veteranen of "
                         "De Basis)",
                   "en": "desk: a counsellor needs a desk (police, veterans or De Basis)"},
    "a_admin_desk": {"nl": "loket: een beheerder hoort bij geen loket",
                     "en": "desk: an admin belongs to no desk"},
    "a_last_admin": {"nl": "gebruiker: de laatste actieve beheerder blijft beheerder, anders "
                           "kan niemand de gebruikers nog beheren",
                     "en": "user: the last active admin stays one, or nobody could manage "
                           "the users any more"},
    "a_self_disable": {"nl": "gebruiker: je kunt jezelf niet uitschakelen",
                       "en": "user: you cannot disable yourself"},
    "a_bad_phone": {"nl": "telefoon: een internationaal nummer zoals +31612345678",
                    "en": "phone: an international number like +31612345678"},
    "a_bad_name": {"nl": "naam: te lang of niet leesbaar", "en": "name: too long or unreadable"},
    "a_bad_display_name": {"nl": "roepnaam: te lang of niet leesbaar",
                           "en": "display name: too long or unreadable"},
    "a_bad_input": {"nl": "een veld klopt niet; kijk het formulier na",
                    "en": "a field is not right; check the form"},
    "role_counsellor": {"nl": "Hulpverlener", "en": "Counsellor"},
    "role_manager": {"nl": "Manager", "en": "Manager"},
    "role_admin": {"nl": "Beheerder", "en": "Admin"},
    "a_desk_police": {"nl": "24/7 Loket (politie)", "en": "24/7 Loket (police)"},
    "a_desk_veterans": {"nl": "Veteranenloket", "en": "Veterans' desk"},
    "a_desk_debasis": {"nl": "De Basis", "en": "De Basis"},
}
