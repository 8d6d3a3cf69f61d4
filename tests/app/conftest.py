from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from ui.timings import ENV_CACHE_DIR

logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The pages' small files (sensitivity timings) in a folder of this test session, never the
    user's cache: a test of 'nothing measured yet' must not read the last session's file."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_CACHE_DIR, str(tmp_path_factory.mktemp("cache")))
        yield
