"""A database address for a driver Loket does not install (`postgresql+psycopg2://`, SQLAlchemy's
usual form, or another database) stops a production start with one line naming
LOKET_DATABASE_URL, exit 2, as README promises: not a 56-line traceback from the release
step (`loket db upgrade`) when the engine first loads the missing module."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet


def production_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """Every setting a production start requires (README, "Configuration"), well formed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOKET_", "TWILIO_"))}
    env.update({
        "LANG": "en_GB.UTF-8",
        "LOKET_ENV": "production",
        "LOKET_INSTANCE_PATH": str(tmp_path / "instance"),
        "LOKET_DATABASE_URL": database_url,
        "LOKET_REDIS_URL": "redis://127.0.0.1:6379/8",
        "LOKET_SECRET_KEY": "Zq3v9WmT1pXc7LkR2sYb8NfH4dJgA6uE0oVtCiQyBw5",
        "LOKET_DATA_KEY": Fernet.generate_key().decode(),
        "LOKET_HASH_KEY": "Hk7Pq2Lm9Xv4Rt1Zs8Nb3Wc6Yd0Fg5JuAeQiToKpMx",
        "LOKET_PUBLIC_URL": "https://loket.example.org",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef",
        "TWILIO_FROM_NUMBER": "+31850000000",
    })
    return env


@pytest.mark.parametrize("url", ["postgresql+psycopg2://loket@db/loket", "mysql://loket@db/loket"])
def test_a_production_start_with_another_driver_is_one_line(tmp_path: Path, url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loket.cli", "db", "upgrade"], env=production_env(tmp_path, url),
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2
    assert done.stderr == ("error: LOKET_DATABASE_URL: a kind of database Loket does not know; "
                           "it starts with postgresql+psycopg:// (or sqlite:/// in "
                           "development)\n")


def test_the_drivers_loket_installs_pass_the_check() -> None:
    from loket.config import Settings, check_addresses

    for url in ("postgresql+psycopg://loket@db/loket", "postgresql://loket@db/loket",
                "sqlite:////srv/loket/loket.sqlite3"):
        check_addresses(Settings(database_url=url))  # refuses by raising
