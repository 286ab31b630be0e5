"""What the `loket` command says to a person, in Dutch and English.

Option names, variable names, commands, references and values stay as they are inside
both texts, so an error still names the field. `loket report`, `capacity` and `simulate`
keep their own catalogs beside their code; the help is in `help_texts`, the dev server's
banner in `dev_texts`.
"""

from __future__ import annotations

from loket.i18n import Catalog

TEXTS = Catalog(
    "cli",
    {
        # --- every command -----------------------------------------------------------------
        "error": {"nl": "fout: {message}", "en": "error: {message}"},
        "no_tables": {
            "nl": "de database heeft nog geen tabellen; draai eerst `loket db upgrade`",
            "en": "the database has no tables yet; run `loket db upgrade` first",
        },
        "data_key_unreadable": {
            "nl": "een opgeslagen waarde is met de sleutels in LOKET_DATA_KEY niet te lezen: "
                  "zet de sleutel terug waarmee ze geschreven is (verwijderd voordat "
                  "`loket db rotate-keys` klaar was?)",
            "en": "a stored value cannot be read with the keys in LOKET_DATA_KEY: put back "
                  "the key it was written with (removed before `loket db rotate-keys` "
                  "finished?)",
        },
        # --- loket audit -------------------------------------------------------------------
        "audit_contact_and_command": {
            "nl": "--contact: geef het zonder opdracht: loket audit --contact REF",
            "en": "--contact: give it without a command: loket audit --contact REF",
        },
        "audit_contact_needed": {
            "nl": "--contact: geef de referentie van een contact (of de opdracht verify)",
            "en": "--contact: give a contact's reference (or the command verify)",
        },
        "audit_reference_length": {
            "nl": "--contact: een referentie heeft 1 tot {n} tekens",
            "en": "--contact: a reference has 1 to {n} characters",
        },
        "audit_no_contact": {
            "nl": "--contact: geen contact {reference}",
            "en": "--contact: no contact {reference}",
        },
        "audit_header": {
            "nl": "tijd\tgebeurtenis\twie\tnamens\tvanaf\tdetail",
            "en": "time\tevent\twho\ton behalf of\tfrom\tdetail",
        },
        "audit_seal_busy": {
            "nl": "let op: een andere verzegelaar heeft het slot van de keten; ik controleer "
                  "wat verzegeld is",
            "en": "note: another sealer holds the chain's lock; verifying what is sealed",
        },
        "audit_intact": {
            "nl": "intact: {sealed} regels verzegeld",
            "en": "intact: {sealed} rows sealed",
        },
        "audit_intact_waiting": {
            "nl": "intact: {sealed} regels verzegeld, {unsealed} nog niet verzegeld",
            "en": "intact: {sealed} rows sealed, {unsealed} not sealed yet",
        },
        "audit_changed": {
            "nl": "gebroken: auditregel {row} klopt niet met zijn zegel: de regel of het zegel "
                  "is gewijzigd, of een verzegelde regel ervoor is met zijn zegel verwijderd "
                  "({sealed} regels ervoor intact)",
            "en": "broken: audit row {row} does not match its seal: the row or its seal was "
                  "changed, or a sealed row before it was deleted with its seal "
                  "({sealed} rows before it intact)",
        },
        "audit_row_deleted": {
            "nl": "gebroken: auditregel {row} is verwijderd: zijn zegel bestaat nog "
                  "({sealed} regels ervoor intact)",
            "en": "broken: audit row {row} was deleted: its seal remains "
                  "({sealed} rows before it intact)",
        },
        "audit_seal_missing": {
            "nl": "gebroken: auditregel {row} is niet verzegeld terwijl latere regels dat wel "
                  "zijn: het zegel is verwijderd, of de regel is later toegevoegd "
                  "({sealed} regels ervoor intact)",
            "en": "broken: audit row {row} is not sealed though rows after it are: its seal "
                  "was deleted, or the row was added afterwards ({sealed} rows before it "
                  "intact)",
        },
        # --- loket db ----------------------------------------------------------------------
        "db_revision_past": {
            "nl": "--revision: {revision} ligt voorbij de nieuwste migratie",
            "en": "--revision: {revision} lies past the newest migration",
        },
        "db_at": {"nl": "database op {revision}", "en": "database at {revision}"},
        "db_no_way_back": {
            "nl": "--revision: de database staat op {at}, na {revision}; upgrade gaat niet "
                  "terug (de database is niet veranderd)",
            "en": "--revision: the database is at {at}, past {revision}; upgrade does not go "
                  "back (the database is unchanged)",
        },
        "db_key_problem": {
            "nl": "een opgeslagen waarde is met de sleutels in LOKET_DATA_KEY niet te lezen; "
                  "herstel LOKET_DATA_KEY en draai opnieuw (wat herschreven is, blijft)",
            "en": "a stored value cannot be read with the keys in LOKET_DATA_KEY; fix "
                  "LOKET_DATA_KEY and run again (what was rewritten stays)",
        },
        "db_value_unreadable": {
            "nl": "{place} van rij {row} is met de sleutels in LOKET_DATA_KEY niet te lezen "
                  "(beschadigd, of geschreven met een sleutel die er niet meer in staat); "
                  "herstel LOKET_DATA_KEY of die waarde en draai opnieuw (wat herschreven is, "
                  "blijft)",
            "en": "{place} of row {row} cannot be read with the keys in LOKET_DATA_KEY "
                  "(damaged, or written with a key no longer in it); fix LOKET_DATA_KEY or "
                  "that value and run again (what was rewritten stays)",
        },
        "db_rotated": {
            "nl": "{total} waarden opnieuw versleuteld met de nieuwste sleutel ({kept} waren "
                  "dat al); de oudere sleutels kunnen nu uit LOKET_DATA_KEY",
            "en": "re-encrypted {total} values with the newest key ({kept} already were); "
                  "the older keys can now be removed from LOKET_DATA_KEY",
        },
        "db_backup_exists": {
            "nl": "--to: {target} bestaat al; geef een nieuw bestand",
            "en": "--to: {target} exists already; give a new file",
        },
        "db_backup_no_folder": {
            "nl": "--to: de map {folder} bestaat niet",
            "en": "--to: the folder {folder} does not exist",
        },
        "db_backup_no_name": {
            "nl": "--to: geef de naam van het backupbestand",
            "en": "--to: give the backup file's name",
        },
        "db_backup_unwritable": {
            "nl": "--to: kan {target} niet schrijven: {reason}",
            "en": "--to: cannot write {target}: {reason}",
        },
        "db_backup_no_database": {
            "nl": "LOKET_DATABASE_URL: er is geen SQLite-database {database}; controleer het "
                  "pad",
            "en": "LOKET_DATABASE_URL: there is no SQLite database {database}; check the path",
        },
        "db_backup_failed": {
            "nl": "backup mislukt, er is niets geschreven: {reason}",
            "en": "backup failed, nothing was written: {reason}",
        },
        "db_pg_dump_timeout": {
            "nl": "pg_dump: na {minutes} minuten gestopt, er is niets geschreven",
            "en": "pg_dump: stopped after {minutes} minutes, nothing was written",
        },
        "db_backup_done": {
            "nl": "backup: {dialect}-database geschreven naar {path}",
            "en": "backup: {dialect} database written to {path}",
        },
        "db_no_pg_dump": {
            "nl": "pg_dump staat niet op PATH: installeer de clientprogramma's van PostgreSQL "
                  "(de hoofdversie van de server of nieuwer), of zet hun map op PATH",
            "en": "pg_dump is not on PATH: install PostgreSQL's client tools (the server's "
                  "major version or newer), or put their folder on PATH",
        },
        "db_pg_dump_failed": {"nl": "pg_dump: mislukt", "en": "pg_dump: failed"},
        "db_role_name": {
            "nl": "--app-role: een PostgreSQL-rolnaam (kleine letters, cijfers, _)",
            "en": "--app-role: a PostgreSQL role name (lower case letters, digits, _)",
        },
        "db_role_sqlite": {
            "nl": "--app-role: rollen zijn van PostgreSQL; SQLite heeft er geen (één machine, "
                  "één gebruiker)",
            "en": "--app-role: roles are PostgreSQL's; SQLite has none (one machine, one user)",
        },
        "db_no_role": {
            "nl": "--app-role: geen rol {role}; maak die eerst (CREATE ROLE {role} LOGIN ...)",
            "en": "--app-role: no role {role}; create it first (CREATE ROLE {role} LOGIN ...)",
        },
        "db_granted": {
            "nl": "grant: {role} mag de tabellen van Loket lezen en schrijven; het auditspoor "
                  "alleen lezen en aanvullen",
            "en": "grant: {role} may read and write Loket's tables; the audit trail only read "
                  "and added to",
        },
        # --- loket erase, loket purge ------------------------------------------------------
        "erase_reference": {
            "nl": "--contact: geef de referentie van een contact, zoals K7Q-4MZ2X",
            "en": "--contact: give a contact's reference, such as K7Q-4MZ2X",
        },
        "erase_no_contact": {
            "nl": "--contact: geen contact heeft de referentie {reference}",
            "en": "--contact: no contact has the reference {reference}",
        },
        "erased": {
            "nl": "erase: persoonsgegevens verwijderd uit {n} contact(en): {references}",
            "en": "erase: personal data removed from {n} contact(s): {references}",
        },
        "purged": {
            "nl": "purge: persoonsgegevens verwijderd uit {n} contact(en) voorbij hun "
                  "bewaartermijn ({days} dagen{by_desk})",
            "en": "purge: personal data removed from {n} contact(s) past their retention "
                  "period ({days} days{by_desk})",
        },
        "purge_dry_header": {"nl": "desk\tcontacten\tbewaartermijn",
                             "en": "desk\tcontacts\tperiod"},
        "purge_dry_no_desk": {"nl": "(geen desk)", "en": "(no desk)"},
        "purge_dry_days": {"nl": "{n} dagen", "en": "{n} days"},
        "purge_dry_total": {"nl": "samen\t{n}", "en": "total\t{n}"},
        "purge_dry_nothing": {
            "nl": "purge --dry-run: niets gewijzigd; zonder --dry-run worden de "
                  "persoonsgegevens van deze contacten nu verwijderd",
            "en": "purge --dry-run: nothing changed; without --dry-run these contacts' "
                  "personal data is removed now",
        },
        # --- loket user, loket token -------------------------------------------------------
        "user_added": {
            "nl": "{email} toegevoegd ({role}{desk})",
            "en": "added {email} ({role}{desk})",
        },
        "user_totp": {"nl": "TOTP-koppeling: {uri}", "en": "TOTP enrolment: {uri}"},
        "user_code_production": {
            "nl": "LOKET_ENV: `loket user code` werkt alleen in development",
            "en": "LOKET_ENV: `loket user code` works in development only",
        },
        "user_no_email": {"nl": "--email: geen gebruiker {email}",
                          "en": "--email: no user {email}"},
        "user_pw_short": {"nl": "wachtwoord (stdin): minstens {n} tekens",
                          "en": "password (stdin): at least {n} characters"},
        "user_pw_long": {"nl": "wachtwoord (stdin): hooguit {n} tekens",
                         "en": "password (stdin): at most {n} characters"},
        "user_pw_common": {"nl": "wachtwoord (stdin): te gebruikelijk, kies een ander",
                           "en": "password (stdin): too common, choose another"},
        "user_pw_pattern": {"nl": "wachtwoord (stdin): een toetsenbordpatroon, kies een ander",
                            "en": "password (stdin): a keyboard pattern, choose another"},
        "user_bad_email": {"nl": "--email: geen e-mailadres",
                           "en": "--email: not an e-mail address"},
        "user_email_taken": {"nl": "--email: {email} bestaat al",
                             "en": "--email: {email} already exists"},
        "user_needs_desk": {
            "nl": "--desk: een hulpverlener heeft een desk nodig (police, veterans of debasis)",
            "en": "--desk: a counsellor needs a desk (police, veterans or debasis)",
        },
        "user_admin_desk": {
            "nl": "--desk: een beheerder hoort bij geen desk (laat --desk weg)",
            "en": "--desk: an admin belongs to no desk (leave out --desk)",
        },
        "user_bad_phone": {
            "nl": "--phone: een internationaal nummer zoals +31612345678 (E.164)",
            "en": "--phone: an international number like +31612345678 (E.164)",
        },
        "user_long_name": {"nl": "--name: hoogstens {n} tekens",
                           "en": "--name: at most {n} characters"},
        "user_long_display_name": {"nl": "--display-name: hoogstens {n} tekens",
                                   "en": "--display-name: at most {n} characters"},
        "user_password_set": {
            "nl": "wachtwoord van {email} ingesteld; alle logins beëindigd, blokkade opgeheven",
            "en": "password of {email} set; all logins ended, lockout cleared",
        },
        "user_password_temporary": {
            "nl": "tijdelijk wachtwoord van {email} ingesteld; alle logins beëindigd, blokkade "
                  "opgeheven; na de volgende login kiest de gebruiker een eigen wachtwoord",
            "en": "temporary password of {email} set; all logins ended, lockout cleared; "
                  "after the next login the user chooses their own password",
        },
        "user_factor_reset": {
            "nl": "tweede factor van {email} gewist; alle logins beëindigd, bij de volgende "
                  "login koppelt de gebruiker een nieuwe authenticator-app",
            "en": "second factor of {email} reset; all logins ended, the user links a new "
                  "authenticator app at their next login",
        },
        "user_password_disabled": {
            "nl": "let op: {email} is uitgeschakeld; een beheerder schakelt de gebruiker weer in",
            "en": "note: {email} is disabled; an admin enables the user again",
        },
        "token_no_active_user": {
            "nl": "{option}: geen actieve gebruiker {email}",
            "en": "{option}: no active user {email}",
        },
        "token_one_of": {
            "nl": "--id, --email/--user of --token: geef er precies één",
            "en": "--id, --email/--user or --token: give exactly one",
        },
        "token_no_user": {"nl": "{option}: geen gebruiker {email}",
                          "en": "{option}: no user {email}"},
        "token_no_email": {
            "nl": "--email: geef het e-mailadres van de gebruiker",
            "en": "--email: give the user's e-mail address",
        },
        "token_email_twice": {
            "nl": "--email: geef --email of --user (dezelfde optie), niet beide",
            "en": "--email: give --email or --user (the same option), not both",
        },
        "token_no_id": {
            "nl": "--id: geen token {id} dat nog werkt (zie `loket token list`)",
            "en": "--id: no token {id} that still works (see `loket token list`)",
        },
        "token_none": {
            "nl": "--token: zo'n token bestaat niet of werkt niet meer",
            "en": "--token: no such token that is still valid",
        },
        "token_revoked_one": {"nl": "{n} token ingetrokken", "en": "revoked {n} token"},
        "token_revoked_many": {"nl": "{n} tokens ingetrokken", "en": "revoked {n} tokens"},
        "token_list_no_user": {
            "nl": "{option}: geen gebruiker {email}", "en": "{option}: no user {email}"},
        "token_list_none": {"nl": "geen API-tokens", "en": "no API tokens"},
        "token_list_header": {
            "nl": "id\tgebruiker\taangemaakt\tverloopt\tlaatst gebruikt\tstatus",
            "en": "id\tuser\tcreated\texpires\tlast used\tstate",
        },
        "token_never": {"nl": "nooit", "en": "never"},
        "token_until_revoked": {"nl": "tot intrekking", "en": "until revoked"},
        "token_works": {"nl": "werkt", "en": "works"},
        "token_state_revoked": {"nl": "ingetrokken", "en": "revoked"},
        "token_expired": {"nl": "verlopen", "en": "expired"},
        "token_user_disabled": {"nl": "gebruiker uitgeschakeld", "en": "user disabled"},
        # --- loket worker, loket scheduler -------------------------------------------------
        "worker_redis": {
            "nl": "LOKET_REDIS_URL: de worker heeft Redis nodig (`loket dev` start er een "
                  "voor je)",
            "en": "LOKET_REDIS_URL: the worker needs Redis (`loket dev` starts one for you)",
        },
        "scheduler_redis": {
            "nl": "LOKET_REDIS_URL: de scheduler heeft Redis nodig (`loket dev` start er een "
                  "voor je)",
            "en": "LOKET_REDIS_URL: the scheduler needs Redis (`loket dev` starts one for you)",
        },
        # --- loket route, loket rules check ------------------------------------------------
        "route_no_input": {
            "nl": "request: geen invoer (verwacht één JSON-object op stdin)",
            "en": "request: no input (expected one JSON object on stdin)",
        },
        "route_not_json": {
            "nl": "{where}request: geen geldige JSON ({detail})",
            "en": "{where}request: not valid JSON ({detail})",
        },
        "route_not_utf8": {
            "nl": "{where}request: geen UTF-8-tekst (byte {byte})",
            "en": "{where}request: not UTF-8 text (byte {byte})",
        },
        "route_json_at": {"nl": "{msg} in kolom {column}", "en": "{msg} at column {column}"},
        "route_json_deep": {"nl": "te diep genest om te lezen", "en": "nested too deeply to read"},
        "route_line": {"nl": "regel {n}: ", "en": "line {n}: "},
        "route_decision": {
            "nl": "desk {desk}, wachtrij {queue}, prioriteit {priority}, reactie {respond}, "
                  "crisis {crisis}, kenmerken {flags}\n  besloten door regel {rule} "
                  "(regels {version})",
            "en": "desk {desk}, queue {queue}, priority {priority}, respond {respond}, "
                  "crisis {crisis}, flags {flags}\n  decided by rule {rule} "
                  "(rules {version})",
        },
        "route_why": {"nl": "  waarom:", "en": "  why:"},
        "yes": {"nl": "ja", "en": "yes"},
        "no": {"nl": "nee", "en": "no"},
        "none": {"nl": "geen", "en": "none"},
        "rules_ok": {
            "nl": "ok: {path} ({n} regels, versie {version})",
            "en": "ok: {path} ({n} rules, version {version})",
        },
    },
)
