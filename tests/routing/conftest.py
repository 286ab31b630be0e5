"""Routing tests keep routing's cache files in a folder of their own, not the user's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loket.routing.cache import CACHE_DIR_ENV


@pytest.fixture(autouse=True, scope="session")
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point $XDG_CACHE_HOME at a temporary folder for the whole session."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_DIR_ENV, str(folder))
        yield folder
