"""Price validation that reports, never repairs.

Errors (``riskkit data check`` exits non-zero): duplicate or unsorted dates, missing or
non-positive prices, OHLC inconsistency (``low <= min(open, close)``,
``max(open, close) <= high``). Warnings: sessions missing against the exchange calendar
(every UTC day for 24/7 assets), rows on non-session days, zero-volume rows, runs of
identical closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from riskkit.data.calendars import equity_sessions, is_24_7

__all__ = ["Finding", "check_prices"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem found in one ticker's prices."""

    ticker: str
    severity: Severity
    check: str
    count: int
    examples: tuple[str, ...]
    message: str


def _dates(idx: pd.Index, mask: np.ndarray) -> tuple[str, ...]:
    return tuple(str(pd.Timestamp(d).date()) for d in idx[mask][:3])


def check_prices(frame: pd.DataFrame, ticker: str, *, min_run: int = 3) -> list[Finding]:
    """Check one ticker's ``open..volume`` frame (rows in file order).

    Parameters
    ----------
    frame
        Columns ``open, high, low, close, adj_close, volume`` on a DatetimeIndex.
    ticker
        Its name (24/7 assets such as BTC-USD are checked against every calendar day).
    min_run
        Length of a run of identical consecutive closes that is reported.

    Returns
    -------
    list of Finding
        Empty when nothing was found.

    Examples
    --------
    >>> idx = pd.to_datetime(["2025-11-12", "2025-11-13"])
    >>> f = pd.DataFrame({"open": [1.0, 1.0], "high": [1.1, 0.9], "low": [0.9, 0.8],
    ...                   "close": [1.0, 1.0], "adj_close": [1.0, 1.0], "volume": [10, 0]}, index=idx)
    >>> sorted((x.check, x.severity) for x in check_prices(f, "X"))
    [('ohlc', 'error'), ('zero_volume', 'warning')]
    """
    out: list[Finding] = []

    def add(sev: Severity, check: str, mask: np.ndarray, what: str) -> None:
        n = int(mask.sum())
        if n:
            ex = _dates(frame.index, mask)
            out.append(Finding(ticker, sev, check, n, ex, f"{n} {what} (e.g. {', '.join(ex)})"))

    idx = pd.DatetimeIndex(frame.index)
    add("error", "duplicate_dates", np.asarray(idx.duplicated(), dtype=bool), "duplicate date(s)")
    unsorted = np.zeros(len(idx), dtype=bool)
    if len(idx) > 1:
        unsorted[1:] = np.asarray(idx[1:] < idx[:-1])
    add("error", "unsorted_dates", unsorted, "date(s) earlier than the row before")
    px = frame[["open", "high", "low", "close"]].to_numpy(dtype=float)
    add("error", "missing_price", np.isnan(px).any(axis=1), "row(s) with a missing price")
    add(
        "error",
        "non_positive",
        np.asarray((px <= 0).any(axis=1), dtype=bool),
        "row(s) with a zero or negative price",
    )
    o, h, lo, c = px.T
    with np.errstate(invalid="ignore"):
        bad = (lo > np.minimum(o, c)) | (h < np.maximum(o, c)) | (lo > h)
    add("error", "ohlc", bad, "row(s) violating low <= open, close <= high")
    vol = frame["volume"].to_numpy(dtype=float)
    if not is_24_7(ticker):
        add("warning", "zero_volume", np.asarray(vol == 0, dtype=bool), "zero-volume row(s)")
    closes = frame["close"].to_numpy(dtype=float)
    if len(closes) >= min_run:
        same = np.r_[False, closes[1:] == closes[:-1]]
        run_end = np.zeros(len(closes), dtype=bool)
        run = 1
        for i in range(1, len(closes)):
            run = run + 1 if same[i] else 1
            if run == min_run:
                run_end[i] = True
        add("warning", "flat_run", run_end, f"run(s) of >= {min_run} identical closes")
    if len(idx) and not idx.has_duplicates and idx.is_monotonic_increasing:
        if is_24_7(ticker):
            expected = pd.date_range(idx[0], idx[-1], freq="D")
        else:
            expected = equity_sessions(idx[0], idx[-1])
        missing = expected.difference(idx)
        if len(missing):
            ex = tuple(str(d.date()) for d in missing[:3])
            out.append(
                Finding(
                    ticker,
                    "warning",
                    "missing_sessions",
                    len(missing),
                    ex,
                    f"{len(missing)} session(s) missing (e.g. {', '.join(ex)})",
                )
            )
        extra = idx.difference(expected)
        if len(extra):
            ex = tuple(str(d.date()) for d in extra[:3])
            out.append(
                Finding(
                    ticker,
                    "warning",
                    "non_session_rows",
                    len(extra),
                    ex,
                    f"{len(extra)} row(s) on non-session days (e.g. {', '.join(ex)})",
                )
            )
    return out
