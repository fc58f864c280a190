"""Price validation that reports, never repairs.

Errors (``riskkit data check`` exits non-zero): duplicate or unsorted dates, missing,
infinite or non-positive prices, OHLC inconsistency (``low <= min(open, close)``,
``max(open, close) <= high``). Warnings: sessions missing against the exchange calendar
(every UTC day for 24/7 assets), rows on non-session days, zero-volume rows, runs of
identical closes.

The same checks screen every download before it is stored (:func:`screen_download`) and
can be run over the Parquet cache (:func:`check_cache`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.data.aliases import canonical_ticker
from riskkit.data.cache import PriceCache
from riskkit.data.calendars import equity_sessions, is_24_7

__all__ = ["Finding", "check_cache", "check_prices", "row_errors", "screen_download"]

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


def row_errors(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Boolean masks of the rows that fail each row-level error check.

    Keys: ``missing_price`` (NaN or infinite open/high/low/close), ``non_positive`` (a price
    <= 0), ``ohlc`` (``low <= min(open, close)``, ``max(open, close) <= high`` violated).
    """
    px = frame[["open", "high", "low", "close"]].to_numpy(dtype=float)
    o, h, lo, c = px.T
    with np.errstate(invalid="ignore"):
        bad = (lo > np.minimum(o, c)) | (h < np.maximum(o, c)) | (lo > h)
    return {
        "missing_price": ~np.isfinite(px).all(axis=1),
        "non_positive": np.asarray((px <= 0).any(axis=1), dtype=bool),
        "ohlc": np.asarray(bad, dtype=bool),
    }


_ROW_WHAT = {
    "missing_price": "row(s) with a missing price",
    "non_positive": "row(s) with a zero or negative price",
    "ohlc": "row(s) violating low <= open, close <= high",
}


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
    for check, mask in row_errors(frame).items():
        add("error", check, mask, _ROW_WHAT[check])
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


def screen_download(frame: pd.DataFrame, ticker: str) -> tuple[pd.DataFrame, list[str]]:
    """Reject the rows of a download that a load or ``riskkit data check`` would refuse.

    Parameters
    ----------
    frame
        One ticker's ``open..volume`` frame as downloaded (before it is stored).
    ticker
        Its name, for messages.

    Returns
    -------
    (DataFrame, list of str)
        The frame without the rejected rows, and one note per rejected row
        (``'2025-11-13: zero or negative price'``). Nothing is repaired or filled.

    Raises
    ------
    DataError
        Duplicate or unsorted dates: the whole answer is suspect and nothing is stored.

    Examples
    --------
    >>> idx = pd.to_datetime(["2025-11-12", "2025-11-13"])
    >>> f = pd.DataFrame({"open": [1.0, 1.0], "high": [1.1, 1.1], "low": [0.9, 0.9],
    ...                   "close": [1.0, float("nan")], "adj_close": 1.0, "volume": 5.0}, index=idx)
    >>> screen_download(f, "X")[1]
    ['2025-11-13: missing or non-finite price']
    """
    idx = pd.DatetimeIndex(frame.index)
    if idx.has_duplicates or not idx.is_monotonic_increasing:
        dup = [str(d.date()) for d in idx[idx.duplicated()][:3]]
        what = f"duplicate dates (e.g. {', '.join(dup)})" if dup else "unsorted dates"
        raise DataError(
            f"The download for {ticker} has {what}; nothing was stored. Fetch again later, "
            "or report the symbol if it persists."
        )
    reasons = {
        "missing_price": "missing or non-finite price",
        "non_positive": "zero or negative price",
        "ohlc": "high/low inconsistent with open/close",
    }
    masks = row_errors(frame)
    bad = np.zeros(len(frame), dtype=bool)
    notes: dict[pd.Timestamp, list[str]] = {}
    for check, mask in masks.items():
        bad |= mask
        for d in idx[mask]:
            notes.setdefault(d, []).append(reasons[check])
    listing = [f"{d.date()}: {', '.join(r)}" for d, r in sorted(notes.items())]
    return frame[~bad], listing


def check_cache(
    tickers: list[str] | None = None, *, cache: PriceCache | None = None, min_run: int = 3
) -> dict[str, list[Finding]]:
    """Run :func:`check_prices` on cached tickers (the library side of ``data check``).

    Parameters
    ----------
    tickers
        Tickers to check (default: every ticker in the cache).
    cache
        A :class:`~riskkit.data.PriceCache` (default: the user's cache).

    Returns
    -------
    dict
        Ticker -> findings. A file that cannot be read gives one ``unreadable`` error
        finding whose message says what is wrong; a ticker absent from the cache gives a
        ``not_cached`` error finding.
    """
    store = cache or PriceCache()
    names = [canonical_ticker(t) for t in tickers] if tickers is not None else store.tickers()
    out: dict[str, list[Finding]] = {}
    for t in names:
        try:
            entry = store.read(t)
        except DataError as exc:
            out[t] = [Finding(t, "error", "unreadable", 1, (), str(exc))]
            continue
        if entry is None:
            msg = f"{t} is not in the cache at {store.root}; run `riskkit data fetch {t}`."
            out[t] = [Finding(t, "error", "not_cached", 1, (), msg)]
            continue
        out[t] = check_prices(entry.frame, t, min_run=min_run)
    return out
