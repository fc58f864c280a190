"""Benchmark inputs: the bundled REAL snapshot and a clearly labelled SYNTHETIC panel."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

#: Seed of every synthetic draw in bench/ (fixed, so runs are comparable).
SEED = 20261123


@lru_cache(maxsize=1)
def real_closes() -> pd.DataFrame:
    """Wide closes of every bundled ticker (REAL data, union of calendars)."""
    import riskkit

    return riskkit.load_closes(source="bundled")


def real_return_series() -> dict[str, pd.Series]:
    """Each bundled ticker's simple returns on its own calendar (NaNs of the union dropped)."""
    import riskkit

    closes = real_closes()
    return {t: riskkit.simple_returns(closes[t].dropna()) for t in closes.columns}


def periods_per_year(index: pd.DatetimeIndex) -> int:
    """365 when weekends are traded (BTC-USD), else 252 equity sessions (riskkit's rule)."""
    return 365 if float(np.mean(index.day_of_week >= 5)) >= 0.10 else 252


def real_bars(ticker: str) -> pd.DataFrame:
    """One bundled ticker's open/high/low/close (REAL data)."""
    import riskkit

    px = riskkit.load_prices([ticker], source="bundled")
    bars = pd.DataFrame({f: px[f][ticker] for f in ("open", "high", "low", "close")}).dropna()
    bars.index.name = "date"
    return bars


def synthetic_panel(n_rows: int = 2500, n_cols: int = 500) -> pd.DataFrame:
    """SYNTHETIC daily returns: Student-t(4) scaled to 2% daily vol, on business days.

    Only for scaling measurements; no number from it is a statement about any asset.
    """
    rng = np.random.default_rng(SEED)
    x = rng.standard_t(4, size=(n_rows, n_cols)) * (0.02 / np.sqrt(2.0)) + 0.0003
    idx = pd.bdate_range("2016-01-04", periods=n_rows, name="date")
    return pd.DataFrame(x, index=idx, columns=[f"SYN{i:03d}" for i in range(n_cols)])
