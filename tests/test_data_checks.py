"""Validation findings on synthetic frames, and on the bundled snapshot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskkit.data import bundled_tickers, check_prices
from riskkit.data.bundled import read_bundled


def _ok(dates: list[str]) -> pd.DataFrame:  # SYNTHETIC bars
    n = len(dates)
    c = 10.0 + np.arange(n, dtype=float)
    return pd.DataFrame(
        {
            "open": c,
            "high": c + 1,
            "low": c - 1,
            "close": c,
            "adj_close": c,
            "volume": np.full(n, 5.0),
        },
        index=pd.to_datetime(dates),
    )


def _checks(frame: pd.DataFrame, ticker: str = "X") -> dict[str, tuple[str, int]]:
    return {f.check: (f.severity, f.count) for f in check_prices(frame, ticker)}


def test_clean_frame_has_no_findings():
    assert _checks(_ok(["2025-11-12", "2025-11-13", "2025-11-14", "2025-11-17"])) == {}


def test_each_finding():
    f = _ok(["2025-11-12", "2025-11-13", "2025-11-13", "2025-11-15", "2025-11-14"])
    got = _checks(f)
    assert got["duplicate_dates"] == ("error", 1)
    assert got["unsorted_dates"] == ("error", 1)
    g = _ok(["2025-11-12", "2025-11-13", "2025-11-14"])
    g.iloc[0, g.columns.get_loc("low")] = 50.0  # low above open/close
    g.iloc[1, g.columns.get_loc("close")] = -1.0
    g.iloc[2, g.columns.get_loc("volume")] = 0.0
    got = _checks(g)
    assert got["ohlc"][0] == "error" and got["non_positive"] == ("error", 1)
    assert got["zero_volume"] == ("warning", 1)
    h = _ok(["2025-11-10", "2025-11-11", "2025-11-12", "2025-11-14", "2025-11-15"])
    h["close"] = [5.0, 5.0, 5.0, 6.0, 7.0]
    h["open"] = h["close"]
    h["high"], h["low"] = h["close"] + 1, h["close"] - 1
    got = _checks(h)
    assert got["flat_run"] == ("warning", 1)
    assert got["missing_sessions"] == ("warning", 1)  # 2025-11-13 missing
    assert got["non_session_rows"] == ("warning", 1)  # Saturday 2025-11-15


def test_btc_checked_against_every_calendar_day():
    f = _ok(["2025-11-14", "2025-11-15", "2025-11-17"])
    assert _checks(f, "BTC-USD") == {"missing_sessions": ("warning", 1)}


def test_bundled_snapshot_has_no_errors_and_documented_warnings():
    found = {t: check_prices(read_bundled(t), t) for t in bundled_tickers()}
    assert all(f.severity == "warning" for fs in found.values() for f in fs)
    clsk = [f for f in found["CLSK"] if f.check == "zero_volume"]
    assert clsk and clsk[0].examples == ("2024-11-08",)  # the placeholder row in SOURCES.md
    assert not any(f.check == "missing_sessions" for fs in found.values() for f in fs)
