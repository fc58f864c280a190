"""Test-wide settings: no network, a throwaway cache, a headless plotting backend."""

from __future__ import annotations

import os
import tempfile

# Tests never touch the network: load_prices(source="auto") sees Yahoo as unreachable,
# and the cache lives in a temporary folder, never in the user's cache dir.
os.environ["RISKKIT_OFFLINE"] = "1"
os.environ.setdefault("RISKKIT_CACHE_DIR", tempfile.mkdtemp(prefix="riskkit-test-cache-"))
os.environ.setdefault("MPLBACKEND", "Agg")


import pytest


@pytest.fixture(scope="session")
def main_job(tmp_path_factory: pytest.TempPathFactory):
    """The main job (``riskkit report``) on the bundled study, run once per test session
    (about a minute): the summary, page and browser tests read it."""
    from riskkit.studies import run_full_report

    return run_full_report(tmp_path_factory.mktemp("main_job"))
