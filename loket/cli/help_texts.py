"""The `--help` of every `loket` command and option, in Dutch and English.

Keys: a command's path below `loket` ("db upgrade"; `loket` itself for the group), an
option's path and long name ("db upgrade --revision"); `--help` and `--version` alone.
"""

from __future__ import annotations

from loket.i18n import Catalog


def _both(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


URL_NL = ("Waar Loket draait (standaard $LOKET_PUBLIC_URL, anders http://127.0.0.1 op de poort "
          "$LOKET_PORT, $PORT of 8000).")
URL_EN = ("Where Loket runs (default $LOKET_PUBLIC_URL, else http://127.0.0.1 on port "
          "$LOKET_PORT, $PORT or 8000).")
LANG_NL = ("Taal van deze regels: nl of en (standaard: de taal van de locale). Loket zelf "
           "spreekt Nederlands tot je 9 toetst of EN stuurt.")
LANG_EN = ("Language of these lines: nl or en (default: the locale's language). Loket itself "
           "speaks Dutch until you press 9 or text EN.")
REPORT_LANG_NL = ("Taal van de tekst (standaard: de taal van de locale); JSON- en CSV-sleutels "
                  "blijven gelijk.")
REPORT_LANG_EN = ("Language of the text output (default: the locale's language); JSON and CSV "
                  "keys stay the same.")

HELP = Catalog(
    "cli.help",
    {
        "--help": _both("Toon deze hulp en stop.", "Show this message and exit."),
        "--version": _both("Toon de versie en stop.", "Show the version and exit."),
        "loket": _both(
            "Loket: intake en routering voor het 24/7 Loket, het Veteranenloket en De Basis.",
            "Loket: intake and routing for the 24/7 Loket, the Veteranenloket and De Basis."),
        # --- processes ---------------------------------------------------------------------
        "dev": _both(
            "Start web, worker, scheduler en een ingebouwde Redis als één procesboom.\n\n"
            "Migreert eerst de database en zet demogegevens in een lege database; toont dan "
            "het adres en de demo-logins. Ctrl-C stopt alles.",
            "Run web, worker, scheduler and an embedded Redis as one process tree.\n\n"
            "First migrates the database and seeds demo data into an empty one; then prints "
            "the address and the demo logins. Ctrl-C stops everything."),
        "dev --port": _both(
            "Poort van de webapp (standaard $LOKET_PORT, $PORT of 8000).",
            "Port of the web app (default $LOKET_PORT, $PORT or 8000)."),
        "dev --no-demo": _both(
            "Zet geen demogegevens in een lege database.",
            "Do not seed demo data into an empty database."),
        "serve": _both("Draai de webapp onder gunicorn.", "Serve the web app under gunicorn."),
        "serve --port": _both(
            "Poort om op te luisteren (standaard $LOKET_PORT, $PORT of 8000).",
            "Port to listen on (default $LOKET_PORT, $PORT or 8000)."),
        "serve --workers": _both("Webprocessen.", "Web processes."),
        "serve --threads": _both("Threads per webproces.", "Threads per web process."),
        "serve --host": _both("Adres om op te luisteren.", "Address to listen on."),
        "worker": _both(
            "Draai een RQ-worker met de scheduler van RQ (uitgestelde taken en herhalingen); "
            "overleeft storingen van Redis.",
            "Run an RQ worker with RQ's scheduler (delayed jobs and retries); survives Redis "
            "outages."),
        "worker --burst": _both(
            "Werk tot de wachtrijen leeg zijn en stop dan.",
            "Work until the queues are empty, then stop."),
        "scheduler": _both(
            "Draai de periodieke taken; overleeft storingen van Redis.\n\n"
            "De outbox-controle (ook terugbelverzoeken die aan de beurt zijn en sms-gesprekken "
            "zonder antwoord), escalaties van crises die niemand oppakt, de zegels van het "
            "auditspoor, de rapporttellingen, wachtende gesprekken navragen bij Twilio, en "
            "elke nacht om 03:30 de bewaartermijn.",
            "Run the periodic jobs; survives Redis outages.\n\n"
            "The outbox reconciler (also callbacks that are due and text conversations left "
            "unanswered), escalations of crises nobody claims, the audit trail's seals, the "
            "report tallies, waiting calls checked with Twilio, and every night at 03:30 the "
            "retention."),
        # --- db ----------------------------------------------------------------------------
        "db": _both(
            "Beheer het databaseschema en de versleutelingssleutels.",
            "Manage the database schema and its encryption keys."),
        "db upgrade": _both(
            "Migreer de database naar het nieuwste schema.",
            "Migrate the database to the newest schema."),
        "db upgrade --revision": _both("Doelrevisie.", "Target revision."),
        "db rotate-keys": _both(
            "Versleutel elk persoonlijk veld opnieuw met de nieuwste sleutel (de eerste in "
            "LOKET_DATA_KEY).\n\nDe gesleutelde telefoonhashes hangen alleen af van "
            "LOKET_HASH_KEY en blijven zoals ze zijn. Daarna kunnen de oudere sleutels uit "
            "LOKET_DATA_KEY.",
            "Re-encrypt every personal field with the newest data key (the first in "
            "LOKET_DATA_KEY).\n\nThe keyed phone hashes depend on LOKET_HASH_KEY alone and "
            "stay as they are. Once this has run, the older keys can be removed from "
            "LOKET_DATA_KEY."),
        "db rotate-keys --batch": _both(
            "Rijen herschreven per transactie.", "Rows rewritten per transaction."),
        "db backup": _both(
            "Maak een backup van de database terwijl Loket draait: SQLite met zijn online "
            "backup-API, PostgreSQL met pg_dump (custom-formaat, voor pg_restore). De "
            "sleutels zitten er niet in: bewaar LOKET_DATA_KEY en LOKET_HASH_KEY los van de "
            "backups, en beide veilig.",
            "Back up the database while Loket runs: SQLite with its online backup API, "
            "PostgreSQL with pg_dump (custom format, for pg_restore). The data keys are not "
            "in it: keep LOKET_DATA_KEY and LOKET_HASH_KEY apart from the backups, and both "
            "safe."),
        "db backup --to": _both(
            "Het backupbestand om te schrijven (het mag nog niet bestaan).",
            "The backup file to write (it must not exist yet)."),
        "db grant": _both(
            "Geef de PostgreSQL-rol van de applicatie wat die nodig heeft en niet meer (draai "
            "als de migratierol, die de tabellen bezit): de tabellen lezen en schrijven, maar "
            "het auditspoor en zijn zegels alleen lezen en aanvullen, nooit een regel wijzigen "
            "of verwijderen. Draai opnieuw na `loket db upgrade` (nieuwe tabellen).",
            "Give the application's PostgreSQL role what it needs and no more (run as the "
            "migration role, which owns the tables): read and write the tables, but only read "
            "and add to the audit trail and its seals, never change or delete a line. Run "
            "again after `loket db upgrade` (new tables)."),
        "db grant --app-role": _both(
            "De PostgreSQL-rol waarmee `loket serve`, `worker` en `scheduler` inloggen.",
            "The PostgreSQL role `loket serve`, `worker` and `scheduler` log in as."),
        # --- demo --------------------------------------------------------------------------
        "demo": _both(
            "Voeg demogebruikers van elke rol en desk toe, en gerouteerde democontacten.",
            "Add demo users of every role and desk, and routed demo contacts."),
        "demo --contacts": _both(
            "Hoeveel democontacten, verspreid over de laatste acht weken.",
            "How many demo contacts to add, spread over the last eight weeks."),
        "demo --if-empty": _both(
            "Voeg niets toe als de database al een gebruiker of een contact heeft.",
            "Add nothing when the database already has a user or a contact."),
        "demo --seed": _both(
            "Random seed: dezelfde seed, dezelfde gegevens.",
            "Random seed: the same seed, the same data."),
        "demo --workers": _both(
            "Processen die de contacten plannen en schrijven (standaard één per CPU, hooguit "
            "4); de gegevens zijn bij elk aantal gelijk.",
            "Processes that plan and write the contacts (default: one per CPU, at most 4); "
            "the data is the same for any number."),
        # --- user, token -------------------------------------------------------------------
        "user": _both("Beheer accounts van medewerkers.", "Manage staff accounts."),
        "user add": _both(
            "Voeg een gebruiker toe; het wachtwoord komt van stdin, nooit van de opdrachtregel.",
            "Add a user; the password is read from stdin, never from the command line."),
        "user add --email": _both(
            "Het e-mailadres van de gebruiker (de login).",
            "The user's e-mail address (their login)."),
        "user add --role": _both("Rol.", "Role."),
        "user add --desk": _both(
            "Desk: verplicht voor een hulpverlener; een manager met een desk ziet die desk, "
            "zonder desk alle desks.",
            "Desk: required for a counsellor; a manager with a desk sees that desk, without "
            "one every desk."),
        "user add --name": _both(
            "Volledige naam (medewerkers zien die).", "Full name (staff see it)."),
        "user add --display-name": _both(
            "Voornaam of schuilnaam die de hulpvragers zien.",
            "First name or pseudonym the people helped see."),
        "user add --phone": _both(
            "De telefoon die een terugbelverzoek eerst belt, E.164 (+31612345678).",
            "The phone a callback rings first, E.164 (+31612345678)."),
        "user password": _both(
            "Stel het wachtwoord van een gebruiker in; het komt van stdin, nooit van de "
            "opdrachtregel. Alle logins van de gebruiker eindigen en een blokkade na "
            "mislukte pogingen wordt opgeheven: de weg terug als de enige beheerder is "
            "buitengesloten. Komt in het auditlog.",
            "Set a user's password; it is read from stdin, never from the command line. All "
            "the user's logins end and a lockout after failed attempts is cleared: the way "
            "back in when the only admin is locked out. Written to the audit log."),
        "user password --email": _both(
            "Het e-mailadres van de gebruiker.", "The user's e-mail address."),
        "user password --temporary": _both(
            "De gebruiker kiest na de volgende login een eigen wachtwoord.",
            "The user chooses their own password after their next login."),
        "user reset-factor": _both(
            "Wis de tweede factor van een gebruiker: alle logins eindigen, de herstelcodes "
            "vervallen en bij de volgende login koppelt de gebruiker een nieuwe "
            "authenticator-app (de weg terug als de enige beheerder telefoon en herstelblad "
            "kwijt is). Komt in het auditlog.",
            "Reset a user's second factor: their logins end, their recovery codes go, and "
            "they link a new authenticator app at their next login (the way back in when the "
            "only admin lost their phone and their recovery sheet). Written to the audit "
            "log."),
        "user reset-factor --email": _both(
            "Het e-mailadres van de gebruiker.", "The user's e-mail address."),
        "user code": _both(
            "Toon de huidige TOTP-code van een gebruiker (alleen development: voor de "
            "demo-logins).",
            "Print a user's current TOTP code (development only: for the demo logins)."),
        "user code --email": _both(
            "Het e-mailadres van de gebruiker.", "The user's e-mail address."),
        "token": _both("Beheer API-tokens.", "Manage API tokens."),
        "token create": _both(
            "Toon een nieuw API-token met precies de rechten van die gebruiker (één keer "
            "getoond; alleen de hash wordt bewaard).",
            "Print a new API token with exactly that user's rights (shown once; only its hash "
            "is kept)."),
        "token create --email": _both(
            "E-mailadres van de gebruiker namens wie het token werkt (verplicht; --user: "
            "hetzelfde).",
            "E-mail of the user the token acts as (required; --user: the same)."),
        "token create --user": _both(
            "De oudere spelling van --email.", "The older spelling of --email."),
        "token create --expires": _both(
            "Dagen tot het token niet meer werkt (standaard: tot het wordt ingetrokken).",
            "Days until the token stops working (default: until revoked)."),
        "token revoke": _both(
            "Trek de API-tokens van een gebruiker in, of één token (zelf of met zijn id); ze "
            "werken meteen niet meer.",
            "Revoke a user's API tokens, or one token (by itself or by its id); they stop "
            "working at once."),
        "token revoke --email": _both(
            "Trek elk token van deze gebruiker (e-mailadres; --user: hetzelfde) in.",
            "Revoke every token of this user (e-mail; --user: the same)."),
        "token revoke --user": _both(
            "De oudere spelling van --email.", "The older spelling of --email."),
        "token revoke --token": _both("Trek dit ene token in.", "Revoke this one token."),
        "token revoke --id": _both(
            "Trek het ene token met dit id in (`loket token list` toont het).",
            "Revoke the one token with this id (`loket token list` shows it)."),
        "token list": _both(
            "Toon de API-tokens: id (voor `revoke --id`), van wie, aangemaakt, verloopt, "
            "laatst gebruikt en of elk nog werkt (nooit een token of zijn hash). Leest alleen: "
            "komt niet in het auditlog.",
            "List the API tokens: id (for `revoke --id`), whose, created, expires, last used "
            "and whether each still works (never a token nor its hash). Only reads: not "
            "written to the audit log."),
        "token list --email": _both(
            "Alleen de tokens van deze gebruiker (e-mailadres; --user: hetzelfde).",
            "Only this user's tokens (e-mail; --user: the same)."),
        "token list --user": _both(
            "De oudere spelling van --email.", "The older spelling of --email."),
        # --- route, rules ------------------------------------------------------------------
        "route": _both(
            "Route een contact: lees een request als JSON-object op stdin, toon het besluit "
            "als JSON.\n\nHet request heeft \"contact\", \"state\" en \"at\" (een ISO-tijd "
            "met offset; velden en standaardwaarden: docs/routing.md); zonder \"at\": nu. Een "
            "fout veld geeft één regel op stderr die het veld en de waarde noemt, en "
            "exitstatus 2.",
            "Route a contact: read a request JSON object on stdin, print its decision as "
            "JSON.\n\nThe request has \"contact\", \"state\" and \"at\" (an ISO time with "
            "offset; fields and defaults: docs/routing.md); without \"at\", now. A bad "
            "field prints one line naming the field and the value on stderr and exits with "
            "status 2."),
        "route --batch": _both(
            "Lees één request per regel (JSON lines) en schrijf één besluit per regel, op "
            "volgorde. Stopt bij de eerste foute regel en noemt het regelnummer. Een groot "
            "bestand op stdin (geen pipe) wordt over de CPU's verdeeld.",
            "Read one request per line (JSON lines) and write one decision per line, in "
            "order. Stops at the first bad line, naming its line number. A big file on stdin "
            "(not a pipe) is split over the CPUs."),
        "route --explain": _both(
            "Toon elk besluit als tekst in plaats van JSON: de uitkomst, dan waarom, regel "
            "voor regel (met --batch een lege regel tussen besluiten).",
            "Instead of JSON, print each decision as text: the outcome, then why, rule by "
            "rule (in --batch, a blank line between decisions)."),
        "route --rules": _both(
            "Regelbestand om te gebruiken (standaard: $LOKET_RULES_PATH, anders "
            "routing_rules/default.yaml).",
            "Rules file to use (default: $LOKET_RULES_PATH, else "
            "routing_rules/default.yaml)."),
        "rules": _both("Werk met routeringsregelbestanden.", "Work with routing rules files."),
        "rules check": _both(
            "Controleer regelbestanden (standaard: het regelbestand dat geldt); exitstatus 2 "
            "bij elk probleem.\n\nToont \"ok: PATH (N regels, versie ...)\" voor een goed "
            "bestand, en één regel per probleem (bestand:regel: regel-ID: wat er fout is) op "
            "stderr voor een fout bestand.",
            "Validate rules files (default: the rules file in force); exit 2 on any "
            "problem.\n\nPrints \"ok: PATH (N rules, version ...)\" for a good file, and one "
            "line per problem (file:line: rule ID: what is wrong) on stderr for a bad one."),
        # --- simulate ----------------------------------------------------------------------
        "simulate": _both(
            "Bel of sms een draaiend Loket zoals Twilio dat doet, en toon wat het antwoordt.",
            "Call or text a running Loket as Twilio would, and print what it answers."),
        "simulate call": _both(
            "Bel Loket en volg het telefoonmenu.\n\nToont wat elke stap zegt en vraagt, "
            "toetst de --digits, één per vraag (niets als ze op zijn, zoals een beller die "
            "wacht), en vertelt waar het gesprek eindigt: een wachtrij, een terugbelverzoek "
            "of het einde van het gesprek. Een beller die nog in een wachtrij wacht, hangt "
            "aan het eind op.",
            "Call Loket and follow the phone menu.\n\nPrints what each step says and asks, "
            "presses the --digits one per question (none when they run out, as a caller who "
            "waits), and tells where the call ends: a queue, a callback or the end of the "
            "call. A caller still waiting in a queue hangs up at the end."),
        "simulate call --digits": _both(
            "Getoetste toetsen, één item per vraag, bijvoorbeeld 2,1,1 (een leeg item: geen).",
            "Keys pressed, one item per question, e.g. 2,1,1 (an empty item: none)."),
        "simulate call --from": _both(
            "Nummer dat belt (E.164), of anonymous.", "Calling number (E.164), or anonymous."),
        "simulate call --url": _both(URL_NL, URL_EN),
        "simulate call --lang": _both(LANG_NL, LANG_EN),
        "simulate text": _both(
            "Stuur Loket een sms of WhatsApp-bericht en toon het antwoord.\n\nEen volgend "
            "bericht van hetzelfde --from gaat verder in hetzelfde gesprek.",
            "Text Loket by SMS or WhatsApp and print its reply.\n\nA next text from the "
            "same --from continues the same conversation."),
        "simulate text --from": _both(
            "Nummer dat verstuurt (E.164); hetzelfde nummer gaat verder.",
            "Sending number (E.164); the same number continues."),
        "simulate text --whatsapp": _both(
            "Verstuur als WhatsApp in plaats van sms.", "Send as WhatsApp instead of SMS."),
        "simulate text --url": _both(URL_NL, URL_EN),
        "simulate text --lang": _both(LANG_NL, LANG_EN),
        # --- audit, erase, purge -----------------------------------------------------------
        "audit": _both(
            "Het NEN 7513-auditspoor: het spoor van één contact (--contact REF), of `verify` "
            "de fraudebestendige keten over het hele spoor.",
            "The NEN 7513 audit trail: one contact's trail (--contact REF), or `verify` the "
            "tamper-evident chain over the whole trail."),
        "audit --contact": _both(
            "De referentie van een contact: toon zijn spoor, oudste eerst.",
            "A contact's reference: print its trail, oldest first."),
        "audit verify": _both(
            "Verzegel de regels die nog niet verzegeld zijn en herbereken dan de hele keten: "
            "exitstatus 0 als die intact is, 1 met de eerste gebroken regel.",
            "Seal the rows not sealed yet, then recompute the whole chain: exit 0 when "
            "intact, 1 naming the first broken row."),
        "erase": _both(
            "Wis de gegevens van één persoon: dit contact, hun andere contacten met hetzelfde "
            "nummer, en de kenmerken op dat nummer. Het auditspoor houdt bij dat het gebeurde.",
            "Erase one person's data: this contact, their other contacts with the same "
            "number, and the flags on that number. The audit trail keeps that it happened."),
        "erase --contact": _both(
            "De referentie van een contact van de persoon wiens gegevens gewist worden.",
            "The reference of a contact of the person whose data is to be erased."),
        "purge": _both(
            "Pas de bewaartermijn nu toe: verwijder de persoonsgegevens van elk contact dat "
            "langer gesloten is dan de termijn van zijn desk (LOKET_RETENTION_DAYS, "
            "LOKET_RETENTION_DESK_DAYS); een open contact blijft.",
            "Run the retention now: remove the personal data of every contact closed longer "
            "ago than its desk's period (LOKET_RETENTION_DAYS, LOKET_RETENTION_DESK_DAYS); an "
            "open contact stays."),
        "purge --dry-run": _both(
            "Tel alleen, per desk, de contacten die de bewaartermijn nu zou anonimiseren; "
            "verandert niets (komt niet in het auditlog: het leest niemands gegevens).",
            "Only count, per desk, the contacts the retention would anonymise now; changes "
            "nothing (not written to the audit log: it reads no one's data)."),
        # --- report, capacity --------------------------------------------------------------
        "report": _both(
            "Toon de cijfers voor managers over de contacten die Loket op deze dagen "
            "bereikten.",
            "Print the managers' figures of the contacts that reached Loket on these days."),
        "report --from": _both(
            "Eerste kalenderdag in Amsterdam, meegeteld.",
            "First Amsterdam calendar day, included."),
        "report --to": _both(
            "Laatste kalenderdag in Amsterdam, meegeteld.",
            "Last Amsterdam calendar day, included."),
        "report --desk": _both(
            "Alleen de contacten die deze desk heeft of hielp.",
            "Only the contacts this desk owns or served."),
        "report --channel": _both(
            "Alleen de contacten van dit kanaal.", "Only the contacts of this channel."),
        "report --format": _both(
            "JSON (één object) of CSV (figure,key,value).",
            "JSON (one object) or CSV (figure,key,value)."),
        "report --lang": _both(REPORT_LANG_NL, REPORT_LANG_EN),
        "capacity": _both(
            "Erlang C: de hulpverleners die een belasting vraagt voor een servicedoel, of het "
            "plan per uur van de week uit de opgeslagen contacten, de desks apart en samen; "
            "--simulate controleert het.",
            "Erlang C: the counsellors a load needs for a service target, or the plan per "
            "hour of the week from the store, the desks separate and pooled; --simulate "
            "checks it."),
        "capacity --calls-per-hour": _both(
            "Contacten die per uur binnenkomen.", "Contacts arriving an hour."),
        "capacity --aht": _both(
            "Gemiddelde gespreksduur in seconden.", "Average handle time in seconds."),
        "capacity --target": _both(
            "Beantwoord binnen zoveel seconden ...", "Answered within this many seconds ..."),
        "capacity --level": _both(
            "... voor dit deel (0.8: 80%).", "... for this share (0.8: 80%)."),
        "capacity --occupancy": _both(
            "Het grootste deel van hun tijd dat hulpverleners bezig zijn met contacten (0.85: "
            "85%).",
            "The most of their time counsellors are busy with contacts (0.85: 85%)."),
        "capacity --from-data": _both(
            "Plan in plaats daarvan uit de opgeslagen contacten per uur van de week.",
            "Plan from the store's contacts per hour of the week instead."),
        "capacity --weeks": _both(
            "Met --from-data: de hele weken voor vandaag.",
            "With --from-data: the whole weeks before today."),
        "capacity --simulate": _both(  # 4: reports.LOAD_SIM_WEEKS
            "Simuleer ook de bezetting (SimPy): één wachtrij gedurende 4 weken, of met "
            "--from-data één week van het routeringsbeleid.",
            "Also simulate the staffing (SimPy): one queue for 4 weeks, or one week of "
            "the routing policy with --from-data."),
        "capacity --seed": _both(
            "Met --simulate: de random seed (dezelfde seed, dezelfde run).",
            "With --simulate: the random seed (same seed, same run)."),
        "capacity --json": _both("Toon één JSON-object.", "Print one JSON object."),
        "capacity --lang": _both(REPORT_LANG_NL, REPORT_LANG_EN),
    },
)
