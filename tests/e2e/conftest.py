"""Real-browser fixtures: a Streamlit server on a free loopback port and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ui.devserver import CHROMIUM, CHROMIUM_ARGS, free_port, start, stop
from ui.timings import ENV_CACHE_DIR


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark browser tests; where no Chromium exists (not CI: `make test` installs it) skip them."""
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not shutil.which(CHROMIUM) and not os.environ.get("CI"):
                item.add_marker(
                    pytest.mark.skip(reason="no /usr/bin/chromium (make test installs it)")
                )


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def server_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server") / "streamlit.log"


@pytest.fixture(scope="session")
def base_url(server_log: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # the server's small files (sensitivity timings) in this session's folder, not the user's
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_CACHE_DIR, str(tmp_path_factory.mktemp("cache")))
        proc, url = start(free_port(), log=server_log)
    yield url
    stop(proc)
