"""Test-wide settings: no network, a throwaway cache, a headless plotting backend."""

from __future__ import annotations

import os
import tempfile

# Tests never touch the network: load_prices(source="auto") sees Yahoo as unreachable,
# and the cache lives in a temporary folder, never in the user's cache dir.
os.environ["RISKKIT_OFFLINE"] = "1"
os.environ.setdefault("RISKKIT_CACHE_DIR", tempfile.mkdtemp(prefix="riskkit-test-cache-"))
os.environ.setdefault("MPLBACKEND", "Agg")
