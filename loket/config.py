"""Settings: config/defaults.toml, then LOKET_* environment variables, then test overrides."""

from __future__ import annotations

import base64
import binascii
import errno
import math
import os
import re
import secrets
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from cryptography.fernet import Fernet

from loket.cli.config_texts import CONFIG_TEXTS, OS_REASONS
from loket.cli.language import cli_language
from loket.i18n import LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULTS_FILE = PROJECT_ROOT / "config" / "defaults.toml"
ENV_PREFIX = "LOKET_"
# Twilio's own variable names are kept as Twilio documents them.
UNPREFIXED = {
    "twilio_account_sid": "TWILIO_ACCOUNT_SID",
    "twilio_auth_token": "TWILIO_AUTH_TOKEN",
    "twilio_from_number": "TWILIO_FROM_NUMBER",
    "twilio_api_base_url": "TWILIO_API_BASE_URL",
}
INSECURE_SECRETS = {"", "dev", "change-me", "changeme", "secret", "development"}
# A production secret: at least this long, with this many distinct characters and this
# much Shannon entropy per character (`secrets.token_urlsafe(32)` has about 5).
MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 10
MIN_SECRET_BITS_PER_CHAR = 3.0
# The 32 random bytes of a Fernet key hold about 30 distinct values; a made-up key far fewer.
MIN_KEY_DISTINCT_BYTES = 16
# A phone number in international form (E.164): the on-call phone the crisis alarms text.
E164 = r"\+[1-9]\d{7,14}"
# A desk's caller id: E.164's form alone (+, a country code not starting with 0, at most 15
# digits), no spaces; Twilio refuses anything else as a caller id.
E164_FORM = r"\+[1-9]\d{1,14}"
# The desks a desk's own setting may name (loket.store.models.DESKS, kept here so reading the
# configuration imports no models).
DESKS = ("police", "veterans", "debasis")


T = TypeVar("T")


# The longest retention period, in days (a hundred years): a longer one is no period, and
# past what a date can hold once taken from today.
RETENTION_MAX_DAYS = 36_500


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the variable.

    It holds a key of `CONFIG_TEXTS` and its values, and is said in the locale's language
    when printed (Dutch by default); one made from a ready message says just that. A value
    that is itself said per language is a callable given the language (see `os_reason`).
    """

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def in_language(self, lang: str) -> str:
        """Return the message in a language (nl or en)."""
        if self.key in CONFIG_TEXTS:
            values = {name: value(lang) if callable(value) else value
                      for name, value in self.values.items()}
            return CONFIG_TEXTS.get(self.key, lang, **values)
        return self.key

    def __str__(self) -> str:
        return self.in_language(cli_language())


def os_reason(exc: OSError) -> Callable[[str], str]:
    """Return why a file cannot be read or written, said in a language when called with it
    (the system's own words for a reason `OS_REASONS` does not hold)."""
    name = errno.errorcode.get(exc.errno or 0, "")

    def said(lang: str) -> str:
        if name in OS_REASONS:
            return OS_REASONS.get(name, lang)
        return exc.strerror or type(exc).__name__

    return said


class DeskValuesError(ValueError):
    """A part of a "desk=value,..." setting that is not of the form expected."""

    def __init__(self, form: str, part: str) -> None:
        super().__init__(f"expected {form}, got {part!r}")
        self.part = part


@dataclass(frozen=True)
class Settings:
    """Everything Loket reads from its configuration."""

    env: str = "development"
    database_url: str = ""
    redis_url: str = ""
    secret_key: str = ""
    data_key: str = ""
    hash_key: str = ""
    public_url: str = ""
    instance_path: str = ""
    rules_path: str = ""
    port: int = 8000
    rules_reload_s: float = 2.0
    # PostgreSQL's bounds on a wait (SQLite has its busy timeout): a lock held by another
    # transaction, one statement, and a transaction left open by a stalled process.
    database_lock_timeout_s: float = 5.0
    database_statement_timeout_s: float = 60.0
    public_rate_limit: str = "20 per minute"
    # Where the rate limiter counts: empty means LOKET_REDIS_URL (in tests: memory).
    rate_limit_storage_url: str = ""
    # Proxies in front of Loket whose X-Forwarded-For / -Proto are believed (0: none).
    trusted_proxies: int = 0
    # The bearer token a scrape of /metrics must send; empty: only loopback may scrape.
    metrics_token: str = ""
    retention_days: int = 730
    # A desk's own period, days ("police=730,veterans=1095"); the others keep retention_days.
    retention_desk_days: str = ""
    # A web chat's access ends after this long without a request from its browser.
    chat_idle_minutes: int = 120
    # The counsellors' workspace (see config/defaults.toml for what each means).
    staff_idle_minutes: int = 30
    staff_session_hours: int = 12
    login_attempts: int = 5
    break_glass_minutes: int = 60
    max_live_chats: int = 3
    wrapup_minutes: int = 5
    continuity_minutes: int = 5
    # A text conversation whose person stops answering the intake's questions is routed
    # with the defaults after this long (a counsellor writes first).
    text_answer_minutes: int = 5
    person_flag_days: int = 30
    # The contact form's outcomes and categories and the canned replies (TOML); empty:
    # config/workspace.toml.
    workspace_lists: str = ""
    default_language: str = "nl"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    # Where the REST client sends (Twilio's own API when empty; a local double in tests).
    twilio_api_base_url: str = ""
    # Callbacks (issue 13): attempts in all, the minutes between them (the last repeats), and
    # the caller id per desk ("police=+31...,veterans=+31..."; TWILIO_FROM_NUMBER otherwise).
    callback_attempts: int = 3
    callback_retry_minutes: str = "15,60"
    desk_numbers: str = ""
    # A crisis contact unclaimed this long raises an escalation, again every `..._every_s`;
    # with an on-call number, each step also texts the reference to that phone.
    escalate_after_s: int = 120
    escalate_every_s: int = 300
    oncall_number: str = ""
    # The managers' reports: a phone contact counts as answered in time within these seconds
    # (crisis and the rest), at most ten minutes (waits are counted to the second up to it).
    service_target_s: int = 20
    crisis_target_s: int = 30
    testing: bool = False

    @property
    def production(self) -> bool:
        """Tell whether this is a production start."""
        return self.env == "production"

    @property
    def data_keys(self) -> list[str]:
        """Return the Fernet keys, newest first."""
        return [k.strip() for k in self.data_key.split(",") if k.strip()]

    @property
    def twilio_configured(self) -> bool:
        """Tell whether real Twilio credentials are set."""
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def continuity(self) -> timedelta | None:
        """Return how long a returning person's new contact is offered to their last
        counsellor first (None: not at all)."""
        return timedelta(minutes=self.continuity_minutes) if self.continuity_minutes else None

    @property
    def callback_delays(self) -> list[int]:
        """Return the minutes between callback attempts (the last one repeats)."""
        return [int(part) for part in self.callback_retry_minutes.split(",") if part.strip()]

    @property
    def desk_number_map(self) -> dict[str, str]:
        """Return each desk's caller id for callbacks ("desk=+31...")."""
        return desk_values(self.desk_numbers, "desk=+number (police, veterans or debasis)",
                           lambda desk, number: desk in DESKS
                           and re.fullmatch(E164_FORM, number) is not None, str)

    @property
    def retention_by_desk(self) -> dict[str, int]:
        """Return the desks' own retention periods in days ("desk=days,...")."""
        return desk_values(
            self.retention_desk_days,
            f"desk=days (police, veterans or debasis, 1 to {RETENTION_MAX_DAYS})",
            lambda desk, days: desk in DESKS and days.isascii() and days.isdigit()
            and 1 <= int(days) <= RETENTION_MAX_DAYS, int)

    def desk_number(self, desk: str | None) -> str:
        """Return the number a desk calls from (its own, else TWILIO_FROM_NUMBER)."""
        return self.desk_number_map.get(desk or "", "") or self.twilio_from_number or "+3185000000"

    @property
    def embedded_redis(self) -> bool:
        """Tell whether Loket must start its own Redis."""
        return not self.redis_url


def env_name(field: str) -> str:
    """Return the environment variable that sets a field."""
    return UNPREFIXED.get(field, ENV_PREFIX + field.upper())


def _coerce(name: str, value: Any, kind: Any) -> Any:
    if kind in (int, "int"):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError("not_whole", var=env_name(name), value=value) from None
    if kind in (float, "float"):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError("not_number", var=env_name(name), value=value) from None
    if kind in (bool, "bool"):
        return str(value).lower() in {"1", "true", "yes", "on"}
    return str(value)


def desk_values(text: str, form: str, valid: Callable[[str, str], bool],
                convert: Callable[[str], T]) -> dict[str, T]:
    """Return "desk=value,desk=value" as a mapping; DeskValuesError (a ValueError) naming
    the form expected at the first part that is not valid."""
    found: dict[str, T] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        desk, sep, value = (piece.strip() for piece in part.partition("="))
        if not sep or not valid(desk, value):
            raise DeskValuesError(form, part.strip())
        found[desk] = convert(value)
    return found


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read defaults, then the environment, then overrides; check and complete them."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if DEFAULTS_FILE.exists():
        with DEFAULTS_FILE.open("rb") as fh:
            values.update(tomllib.load(fh))
    types = {f.name: f.type for f in fields(Settings)}
    for name in types:
        var = env_name(name)
        if var in environ and environ[var] != "":
            values[name] = environ[var]
    port_var = env_name("port")
    if "port" not in values or str(values.get("port")) == "8000":
        if environ.get("PORT"):
            values["port"] = environ["PORT"]
            port_var = "PORT"
    values.update(overrides or {})
    unknown = sorted(set(values) - set(types))
    if unknown:
        raise ConfigError("unknown", name=unknown[0])
    clean = {k: _coerce(k, v, types[k]) for k, v in values.items()}
    settings = Settings(**clean)
    if settings.env not in {"development", "production"}:
        raise ConfigError("env", value=settings.env)
    if not 1 <= settings.port <= 65535:
        if "port" in (overrides or {}):
            port_var = env_name("port")
        raise ConfigError("port_range", var=port_var, value=settings.port)
    if settings.default_language not in LANGUAGES:
        raise ConfigError("default_language", value=settings.default_language)
    if settings.trusted_proxies < 0:
        raise ConfigError("at_least_0", var="LOKET_TRUSTED_PROXIES")
    for name in (
        "chat_idle_minutes", "staff_idle_minutes", "staff_session_hours", "login_attempts",
        "break_glass_minutes", "max_live_chats", "person_flag_days", "callback_attempts",
        "retention_days", "text_answer_minutes",
        "escalate_after_s", "escalate_every_s", "service_target_s", "crisis_target_s",
    ):
        if getattr(settings, name) < 1:
            raise ConfigError("at_least_1", var=env_name(name))
    if settings.retention_days > RETENTION_MAX_DAYS:
        raise ConfigError("retention_at_most", var=env_name("retention_days"),
                          days=RETENTION_MAX_DAYS)
    for name in ("service_target_s", "crisis_target_s"):
        if getattr(settings, name) > 600:
            raise ConfigError("at_most_600", var=env_name(name))
    for name in ("wrapup_minutes", "continuity_minutes"):
        if getattr(settings, name) < 0:
            raise ConfigError("at_least_0", var=env_name(name))
    for name in ("database_lock_timeout_s", "database_statement_timeout_s"):
        # A bound, never "wait for ever" (0 would mean that to PostgreSQL).
        if not 0.01 <= getattr(settings, name) <= 3600:
            raise ConfigError("timeout_bounds", var=env_name(name))
    check_addresses(settings)
    check_lists(settings)
    check_calls(settings)
    if settings.production:
        check_production(settings)
        return settings
    return complete_development(settings)


def check_calls(settings: Settings) -> None:
    """Refuse unreadable callback delays and desk numbers at start, naming the variable."""
    try:
        delays = settings.callback_delays
    except ValueError:
        delays = []
    if not delays or any(d < 1 for d in delays):
        raise ConfigError("retry_minutes")
    try:
        settings.desk_number_map  # noqa: B018 - read to check
    except DeskValuesError as exc:
        raise ConfigError("desk_numbers", got=exc.part) from None
    if settings.oncall_number and not re.fullmatch(E164, settings.oncall_number):
        # Found now, not by a crisis's first alarm whose text cannot go out.
        raise ConfigError("oncall_number")
    try:
        settings.retention_by_desk  # noqa: B018 - read to check
    except DeskValuesError as exc:
        raise ConfigError("retention_desk_days", got=exc.part, days=RETENTION_MAX_DAYS) from None


# The databases Loket runs on, each through the driver it installs: (backend, driver).
DATABASE_DRIVERS = (("postgresql", "psycopg"), ("sqlite", "pysqlite"))


def check_addresses(settings: Settings) -> None:
    """Refuse a database, Redis or rate limit address that cannot be read, naming the
    variable, without connecting. The address is not repeated: it may hold a password."""
    if settings.database_url:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError, NoSuchModuleError

        try:
            url = make_url(settings.database_url)
            url.get_dialect()
        except NoSuchModuleError:
            raise ConfigError("database_url_unknown_kind") from None
        except (ArgumentError, ValueError):
            raise ConfigError("database_url_malformed") from None
        # Another driver (`postgresql+psycopg2://`, `mysql://`) is a module Loket does not
        # install: refused here, not as a traceback when the engine first loads it.
        if (url.get_backend_name(), url.get_driver_name()) not in DATABASE_DRIVERS:
            raise ConfigError("database_url_unknown_kind")
    if settings.redis_url:
        from redis.connection import parse_url

        try:
            parse_url(settings.redis_url)
        except ValueError:
            raise ConfigError("redis_url_malformed") from None
    if settings.rate_limit_storage_url:
        from urllib.parse import urlparse

        from limits.storage import SCHEMES

        try:
            scheme = urlparse(settings.rate_limit_storage_url).scheme
        except ValueError:
            scheme = ""
        # The limiter counts synchronously: an async+ storage is not one it can use.
        if scheme not in SCHEMES or scheme.startswith("async+"):
            raise ConfigError("rate_limit_storage_malformed")


def check_lists(settings: Settings) -> None:
    """Read the workspace's lists now, so a broken file stops the start, naming the entry."""
    from loket.domain import lists

    path = lists.path_of(settings.workspace_lists)
    try:
        lists.load(path)
    except lists.ListError as exc:
        if exc.unreadable is not None:
            raise ConfigError("workspace_lists_unreadable", path=path,
                              reason=os_reason(exc.unreadable)) from exc
        raise ConfigError("workspace_lists", problem=str(exc)) from exc


def bits_per_char(value: str) -> float:
    """Return the Shannon entropy of a string, in bits per character."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def weak_secret(value: str) -> bool:
    """Tell whether a secret is short or made of few characters."""
    return (
        len(value) < MIN_SECRET_LENGTH
        or len(set(value)) < MIN_SECRET_DISTINCT
        or bits_per_char(value) < MIN_SECRET_BITS_PER_CHAR
    )


def check_data_key(key: str) -> None:
    """Refuse a data key that is not a Fernet key, or one not made of random bytes."""
    try:
        Fernet(key.encode())
        raw = base64.urlsafe_b64decode(key.encode())
    except (ValueError, binascii.Error):
        raise ConfigError("data_key_not_fernet") from None
    if len(set(raw)) < MIN_KEY_DISTINCT_BYTES:
        raise ConfigError("data_key_weak")


def check_production(settings: Settings) -> None:
    """Refuse a production start that would be unsafe; name the variable."""
    if settings.secret_key.strip().lower() in INSECURE_SECRETS:
        raise ConfigError("secret_default")
    if weak_secret(settings.secret_key):
        raise ConfigError("secret_weak", n=MIN_SECRET_LENGTH)
    if not settings.data_keys:
        raise ConfigError("data_key_missing")
    for key in settings.data_keys:
        check_data_key(key)
    if weak_secret(settings.hash_key):
        raise ConfigError("hash_key_weak")
    if settings.embedded_redis:
        raise ConfigError("redis_missing")
    if not settings.database_url:
        raise ConfigError("database_missing")
    if settings.database_url.lower().startswith("sqlite"):
        raise ConfigError("database_sqlite")
    if not settings.public_url:
        raise ConfigError("public_url_missing")
    if not settings.public_url.lower().startswith("https://"):
        raise ConfigError("public_url_https")
    for field in ("twilio_account_sid", "twilio_auth_token", "twilio_from_number"):
        if not getattr(settings, field).strip():
            raise ConfigError("twilio_missing", var=env_name(field))


def _kept_secret(path: Path, make: Any) -> str:
    if path.exists():
        return path.read_text().strip()
    path.write_text(make())
    path.chmod(0o600)
    return path.read_text().strip()


def complete_development(settings: Settings) -> Settings:
    """Fill in what development may leave empty: instance folder, database, keys."""
    instance = Path(settings.instance_path or (Path.cwd() / "instance")).resolve()
    try:
        instance.mkdir(parents=True, exist_ok=True)
        return _completed(settings, instance)
    except OSError as exc:  # a folder it may not make or write: one line, not a traceback
        raise ConfigError("instance_unwritable", path=instance, error=os_reason(exc)) from exc


def _completed(settings: Settings, instance: Path) -> Settings:
    """Return development's settings with the instance folder's database and keys."""
    changes: dict[str, Any] = {"instance_path": str(instance)}
    if not settings.database_url:
        changes["database_url"] = f"sqlite:///{instance / 'loket.sqlite3'}"
    if not settings.secret_key:
        changes["secret_key"] = _kept_secret(
            instance / "secret_key", lambda: secrets.token_urlsafe(48)
        )
    if not settings.data_key:
        changes["data_key"] = _kept_secret(
            instance / "data_key", lambda: Fernet.generate_key().decode()
        )
    if not settings.hash_key:
        changes["hash_key"] = _kept_secret(instance / "hash_key", lambda: secrets.token_urlsafe(32))
    if not settings.public_url:
        changes["public_url"] = f"http://127.0.0.1:{settings.port}"
    if not settings.twilio_auth_token and not settings.twilio_account_sid:
        # No Twilio account: webhooks are signed with a development token (`loket simulate`).
        changes["twilio_auth_token"] = _kept_secret(
            instance / "twilio_dev_token", lambda: secrets.token_hex(16)
        )
    return replace(settings, **changes)
