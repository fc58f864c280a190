"""Atomic cache writes: a process killed mid-write leaves the previous cache intact."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from riskkit import DataError
from riskkit.data import PriceCache


def _frame(n: int, base: float) -> pd.DataFrame:  # SYNTHETIC prices
    idx = pd.DatetimeIndex(pd.bdate_range("2025-01-02", periods=n), name="date")
    c = base + np.arange(n, dtype=float)
    return pd.DataFrame(
        {
            "open": c,
            "high": c + 1,
            "low": c - 1,
            "close": c,
            "adj_close": c,
            "volume": np.full(n, 10.0),
        },
        index=idx,
    )


def test_roundtrip_keeps_values_and_metadata(tmp_path):
    cache = PriceCache(tmp_path)
    f = _frame(5, 10.0)
    cache.write("IREN", f, source="test")
    entry = cache.read("IREN")
    assert entry is not None
    pd.testing.assert_frame_equal(entry.frame, f, check_freq=False)
    assert entry.meta["rows"] == 5 and entry.meta["first"] == "2025-01-02"
    assert cache.tickers() == ["IREN"]


def test_kill_during_write_leaves_previous_cache_intact(tmp_path):
    cache = PriceCache(tmp_path)
    old = _frame(5, 10.0)
    cache.write("IREN", old, source="old")
    child = textwrap.dedent(
        f"""
        import os, signal
        import numpy as np, pandas as pd
        import riskkit.data.cache as mod

        def dying_write(table, fh, **kw):
            fh.write(b"PAR1" + b"x" * 1000)   # half a parquet file...
            fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)  # ...and the process dies

        mod.pq.write_table = dying_write
        idx = pd.DatetimeIndex(pd.bdate_range("2025-01-02", periods=50), name="date")
        c = np.arange(50, dtype=float) + 100
        new = pd.DataFrame({{"open": c, "high": c, "low": c, "close": c,
                             "adj_close": c, "volume": c}}, index=idx)
        mod.PriceCache({str(tmp_path)!r}).write("IREN", new, source="new")
        """
    )
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()
    stray = list(tmp_path.glob(".IREN~*.tmp"))
    assert len(stray) == 1  # the half-written temp file, never the real one
    entry = PriceCache(tmp_path).read("IREN")
    assert entry is not None and entry.meta["source"] == "old"
    pd.testing.assert_frame_equal(entry.frame, old, check_freq=False)
    # the next successful write cleans the stray temp file up
    cache.write("IREN", _frame(6, 20.0), source="newer")
    assert not list(tmp_path.glob(".IREN~*.tmp"))
    assert cache.read("IREN").meta["rows"] == 6  # type: ignore[union-attr]


def test_exception_during_write_removes_temp_and_keeps_old(tmp_path, monkeypatch):
    import riskkit.data.cache as mod

    cache = PriceCache(tmp_path)
    cache.write("IREN", _frame(3, 1.0), source="old")

    def boom(table, fh, **kw):
        fh.write(b"garbage")
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(mod.pq, "write_table", boom)
    with pytest.raises(DataError, match=r"disk full.*previous cache file is unchanged"):
        cache.write("IREN", _frame(9, 1.0), source="new")
    assert not list(tmp_path.glob(".IREN~*.tmp"))
    assert cache.read("IREN").meta["source"] == "old"  # type: ignore[union-attr]


def test_bad_frames_refused_and_corrupt_file_reported(tmp_path):
    cache = PriceCache(tmp_path)
    with pytest.raises(DataError, match="empty frame"):
        cache.write("IREN", _frame(0, 1.0), source="x")
    with pytest.raises(DataError, match="must have columns"):
        cache.write("IREN", _frame(2, 1.0)[["close"]], source="x")
    (tmp_path / "BAD.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match=r"unreadable.*riskkit data fetch BAD"):
        cache.read("BAD")
