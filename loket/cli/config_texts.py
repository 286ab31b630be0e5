"""The configuration's errors in Dutch and English; each starts with the variable it names.

`loket.config.ConfigError` carries a key of this catalog and its values, and is said in the
language of the locale when it is printed (see `loket.cli.language`).
"""

from __future__ import annotations

from loket.i18n import Catalog

CONFIG_TEXTS = Catalog(
    "config",
    {
        "not_whole": {
            "nl": "{var}: geen geheel getal: {value!r}",
            "en": "{var}: not a whole number: {value!r}",
        },
        "not_number": {
            "nl": "{var}: geen getal: {value!r}",
            "en": "{var}: not a number: {value!r}",
        },
        "unknown": {
            "nl": "onbekende instelling: {name}",
            "en": "unknown setting: {name}",
        },
        "env": {
            "nl": "LOKET_ENV: moet development of production zijn, niet {value!r}",
            "en": "LOKET_ENV: must be development or production, not {value!r}",
        },
        "at_least_0": {
            "nl": "{var}: moet 0 of meer zijn",
            "en": "{var}: must be 0 or more",
        },
        "at_least_1": {
            "nl": "{var}: moet 1 of meer zijn",
            "en": "{var}: must be 1 or more",
        },
        "retention_at_most": {
            "nl": "{var}: hooguit {days} dagen",
            "en": "{var}: at most {days} days",
        },
        "at_most_600": {
            "nl": "{var}: hooguit 600 seconden",
            "en": "{var}: at most 600 seconds",
        },
        "timeout_bounds": {
            "nl": "{var}: tussen 0.01 en 3600 seconden",
            "en": "{var}: between 0.01 and 3600 seconds",
        },
        "retry_minutes": {
            "nl": "LOKET_CALLBACK_RETRY_MINUTES: hele minuten, 1 of meer, gescheiden door "
                  "komma's (bijvoorbeeld 15,60)",
            "en": "LOKET_CALLBACK_RETRY_MINUTES: whole minutes, 1 or more, comma "
                  "separated (e.g. 15,60)",
        },
        "desk_numbers": {
            "nl": "LOKET_DESK_NUMBERS: verwacht desk=+number (police, veterans of debasis; een "
                  "nummer in internationale vorm, + en hooguit 15 cijfers, zonder spaties), "
                  "niet {got!r}",
            "en": "LOKET_DESK_NUMBERS: expected desk=+number (police, veterans or debasis; a "
                  "number in international form, + and at most 15 digits, no spaces), "
                  "got {got!r}",
        },
        "port_range": {
            "nl": "{var}: een poort van 1 tot en met 65535, niet {value}",
            "en": "{var}: a port from 1 to 65535, not {value}",
        },
        "default_language": {
            "nl": "LOKET_DEFAULT_LANGUAGE: nl of en, niet {value!r}",
            "en": "LOKET_DEFAULT_LANGUAGE: nl or en, not {value!r}",
        },
        "database_url_malformed": {
            "nl": "LOKET_DATABASE_URL: geen database-adres; het heeft de vorm "
                  "soort://gebruiker@host/naam (bijvoorbeeld postgresql+psycopg://loket@db/loket)",
            "en": "LOKET_DATABASE_URL: not a database address; it has the form "
                  "kind://user@host/name (for example postgresql+psycopg://loket@db/loket)",
        },
        "database_url_unknown_kind": {
            "nl": "LOKET_DATABASE_URL: een soort database die Loket niet kent; het begint met "
                  "postgresql+psycopg:// (of sqlite:/// in ontwikkeling)",
            "en": "LOKET_DATABASE_URL: a kind of database Loket does not know; it starts with "
                  "postgresql+psycopg:// (or sqlite:/// in development)",
        },
        "redis_url_malformed": {
            "nl": "LOKET_REDIS_URL: geen Redis-adres; het begint met redis://, rediss:// of "
                  "unix:// (bijvoorbeeld redis://redis:6379/0)",
            "en": "LOKET_REDIS_URL: not a Redis address; it starts with redis://, rediss:// or "
                  "unix:// (for example redis://redis:6379/0)",
        },
        "rate_limit_storage_malformed": {
            "nl": "LOKET_RATE_LIMIT_STORAGE_URL: geen opslag voor de limieten; het begint met "
                  "bijvoorbeeld redis://, rediss://, memcached:// of memory://",
            "en": "LOKET_RATE_LIMIT_STORAGE_URL: not a storage for the rate limits; it starts "
                  "with, for example, redis://, rediss://, memcached:// or memory://",
        },
        "rules_unreadable": {
            "nl": "LOKET_RULES_PATH: kan het regelbestand {path} niet lezen: {reason}",
            "en": "LOKET_RULES_PATH: cannot read the rules file {path}: {reason}",
        },
        "workspace_lists_unreadable": {
            "nl": "LOKET_WORKSPACE_LISTS: kan het lijstenbestand {path} niet lezen: {reason}",
            "en": "LOKET_WORKSPACE_LISTS: cannot read the lists file {path}: {reason}",
        },
        "data_key_malformed": {
            "nl": "LOKET_DATA_KEY: sleutel {position} is geen gegevenssleutel (32 willekeurige "
                  "bytes in URL-veilige base64, zoals Fernet.generate_key() ze geeft)",
            "en": "LOKET_DATA_KEY: key {position} is not a data key (32 random bytes in "
                  "URL-safe base64, as Fernet.generate_key() prints)",
        },
        "hash_key_short": {
            "nl": "LOKET_HASH_KEY ontbreekt of is korter dan {n} tekens: zet één lange "
                  "willekeurige waarde die nooit verandert",
            "en": "LOKET_HASH_KEY is missing or shorter than {n} characters: set one long "
                  "random value that never changes",
        },
        "oncall_number": {
            "nl": "LOKET_ONCALL_NUMBER: één telefoonnummer in internationale vorm, + en 8 tot "
                  "15 cijfers (bijvoorbeeld +31612345678)",
            "en": "LOKET_ONCALL_NUMBER: one phone number in international form, + and 8 to 15 "
                  "digits (e.g. +31612345678)",
        },
        "retention_desk_days": {
            "nl": "LOKET_RETENTION_DESK_DAYS: verwacht desk=days (police, veterans of debasis, "
                  "1 tot en met {days}), niet {got!r}",
            "en": "LOKET_RETENTION_DESK_DAYS: expected desk=days (police, veterans or debasis, "
                  "1 to {days}), got {got!r}",
        },
        "workspace_lists": {
            "nl": "LOKET_WORKSPACE_LISTS: {problem}",
            "en": "LOKET_WORKSPACE_LISTS: {problem}",
        },
        "data_key_not_fernet": {
            "nl": "LOKET_DATA_KEY bevat een waarde die geen Fernet-sleutel is",
            "en": "LOKET_DATA_KEY holds a value that is not a Fernet key",
        },
        "data_key_weak": {
            "nl": "LOKET_DATA_KEY bevat een zwakke sleutel: gebruik Fernet.generate_key()",
            "en": "LOKET_DATA_KEY holds a weak key: use Fernet.generate_key()",
        },
        "secret_default": {
            "nl": "LOKET_SECRET_KEY ontbreekt of is een standaardwaarde: zet een lange "
                  "willekeurige waarde",
            "en": "LOKET_SECRET_KEY is missing or a default: set a long random value",
        },
        "secret_weak": {
            "nl": "LOKET_SECRET_KEY is zwak: zet een willekeurige waarde van minstens {n} tekens "
                  "(python -c 'import secrets; print(secrets.token_urlsafe(48))')",
            "en": "LOKET_SECRET_KEY is weak: set a random value of at least {n} characters "
                  "(python -c 'import secrets; print(secrets.token_urlsafe(48))')",
        },
        "data_key_missing": {
            "nl": "LOKET_DATA_KEY ontbreekt: zet een of meer Fernet-sleutels",
            "en": "LOKET_DATA_KEY is missing: set one or more Fernet keys",
        },
        "instance_unwritable": {
            "nl": "LOKET_INSTANCE_PATH: de map {path} kan niet worden gemaakt of beschreven "
                  "({error}); kies een map waarin Loket mag schrijven",
            "en": "LOKET_INSTANCE_PATH: the folder {path} cannot be made or written "
                  "({error}); choose a folder Loket may write in",
        },
        "hash_key_weak": {
            "nl": "LOKET_HASH_KEY ontbreekt of is zwak: zet voorgoed een lange willekeurige "
                  "waarde",
            "en": "LOKET_HASH_KEY is missing or weak: set a long random value for good",
        },
        "redis_missing": {
            "nl": "LOKET_REDIS_URL ontbreekt: productie heeft een echte Redis nodig",
            "en": "LOKET_REDIS_URL is missing: production needs a real Redis",
        },
        "database_missing": {
            "nl": "LOKET_DATABASE_URL ontbreekt: productie heeft PostgreSQL nodig",
            "en": "LOKET_DATABASE_URL is missing: production needs PostgreSQL",
        },
        "database_sqlite": {
            "nl": "LOKET_DATABASE_URL is SQLite: productie heeft PostgreSQL nodig",
            "en": "LOKET_DATABASE_URL is SQLite: production needs PostgreSQL",
        },
        "public_url_missing": {
            "nl": "LOKET_PUBLIC_URL ontbreekt: Twilio-handtekeningen worden ermee gecontroleerd",
            "en": "LOKET_PUBLIC_URL is missing: Twilio signatures are checked against it",
        },
        "public_url_https": {
            "nl": "LOKET_PUBLIC_URL moet in productie met https:// beginnen",
            "en": "LOKET_PUBLIC_URL must start with https:// in production",
        },
        "twilio_missing": {
            "nl": "{var} ontbreekt: productie antwoordt en verstuurt via Twilio",
            "en": "{var} is missing: production answers and sends through Twilio",
        },
    },
)

# Why a file cannot be read, by the operating system's error (errno's name); another reason
# is said as the system says it.
OS_REASONS = Catalog(
    "os reasons",
    {
        "ENOENT": {"nl": "het bestand bestaat niet", "en": "no such file"},
        "EACCES": {"nl": "geen toegang", "en": "permission denied"},
        "EPERM": {"nl": "geen toegang", "en": "permission denied"},
        "EISDIR": {"nl": "het is een map", "en": "it is a folder"},
        "ENOTDIR": {"nl": "een deel van het pad is geen map",
                    "en": "a part of the path is not a folder"},
        "ENAMETOOLONG": {"nl": "de naam is te lang", "en": "the name is too long"},
        "ELOOP": {"nl": "te veel symbolische koppelingen",
                  "en": "too many symbolic links"},
    },
)
