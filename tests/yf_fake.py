"""A fake yfinance fetcher. SYNTHETIC prices; the frame *shape* copies yfinance 1.x.

``yfinance.download(tickers, group_by="column", auto_adjust=False)`` (yfinance 1.7,
multi.py) builds one frame per symbol with columns Open, High, Low, Close, Adj Close,
Volume and index named "Date"; a failed symbol gets ``utils.empty_df()`` (all-NaN);
frames are reindexed to the union of dates, concatenated with keys ``names=["Ticker",
"Price"]``, the levels swapped to ``(Price, Ticker)`` and sorted. Daily bars are
tz-naive unless ``ignore_tz=False`` (then exchange-local tz-aware midnights).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def one_symbol(dates: pd.DatetimeIndex, base: float = 10.0) -> pd.DataFrame:
    n = len(dates)
    close = base + np.arange(n, dtype=float)
    df = pd.DataFrame(
        {
            "Open": close - 0.5,
            "High": close + 1.0,
            "Low": close - 1.0,
            "Close": close,
            "Adj Close": close * 0.99,
            "Volume": np.full(n, 1000.0),
        },
        index=dates,
    )
    df.index.name = "Date"
    return df


def empty_df() -> pd.DataFrame:
    e = pd.DataFrame(
        index=[],
        data={
            "Open": np.nan,
            "High": np.nan,
            "Low": np.nan,
            "Close": np.nan,
            "Adj Close": np.nan,
            "Volume": np.nan,
        },
    )
    e.index.name = "Date"
    return e


def assemble(dfs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The tail of yfinance.download: reindex to the union, concat, swap, sort."""
    idx = None
    for df in dfs.values():
        if not df.empty:
            idx = df.index if idx is None else idx.union(df.index)
    if idx is None:
        idx = pd.DatetimeIndex([])
    dfs = {k: v.reindex(idx) for k, v in dfs.items()}
    data = pd.concat(dfs.values(), axis=1, sort=True, keys=dfs.keys(), names=["Ticker", "Price"])
    data.columns = data.columns.swaplevel(0, 1)
    return data.sort_index(level=0, axis=1)


class FakeFetcher:
    """Records calls; serves synthetic bars for the symbols it knows."""

    def __init__(
        self,
        known: dict[str, pd.DatetimeIndex],
        *,
        fail_times: int = 0,
        tz: str | None = None,
        base_shift: float = 0.0,
    ):
        self.known = known
        self.base_shift = base_shift
        self.fail_times = fail_times
        self.tz = tz
        self.calls: list[tuple[list[str], str, str]] = []

    def __call__(self, symbols: list[str], start: str, end: str, timeout: float) -> pd.DataFrame:
        self.calls.append((list(symbols), start, end))
        if self.fail_times > 0:
            self.fail_times -= 1
            raise ConnectionError("synthetic network failure")
        dfs = {}
        for s in symbols:
            if s in self.known:
                d = self.known[s]
                d = d[(d >= pd.Timestamp(start)) & (d < pd.Timestamp(end))]
                f = one_symbol(d, base=10.0 + len(s) + self.base_shift)
                if self.tz is not None:
                    f.index = f.index.tz_localize(self.tz)
                dfs[s] = f
            else:
                dfs[s] = empty_df()
        return assemble(dfs)
