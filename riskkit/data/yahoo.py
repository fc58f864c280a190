"""Yahoo Finance through yfinance: fetching, retries and shape checks.

The network call is isolated in a *fetcher*: a callable with the signature of
:func:`default_fetcher` that returns a frame shaped like ``yfinance.download(...,
group_by="column")`` output (columns ``(Price, Ticker)``, fields ``Adj Close, Close, High,
Low, Open, Volume``). Tests pass a fake fetcher; nothing here touches the network at
import time.

Adjustment is explicit: riskkit requests ``auto_adjust=False`` so ``close`` is the raw
(split-adjusted) close and ``adj_close`` Yahoo's split-and-dividend-adjusted close.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from riskkit._errors import DataError, SourceUnavailableError
from riskkit.data._schema import FIELDS
from riskkit.data.aliases import canonical_ticker, yahoo_symbol
from riskkit.data.dates import parse_date

__all__ = ["Fetcher", "YahooResult", "default_fetcher", "fetch_yahoo", "offline"]

Fetcher = Callable[[list[str], str, str, float], pd.DataFrame]

_YF_FIELDS = {
    "Open": "open",
    "High": "high",
    "Low": "low",
    "Close": "close",
    "Adj Close": "adj_close",
    "Volume": "volume",
}


def offline() -> bool:
    """True when ``RISKKIT_OFFLINE`` is set to anything but ``''``, ``0``, ``false`` or ``no``."""
    return os.environ.get("RISKKIT_OFFLINE", "").strip().lower() not in ("", "0", "false", "no")


def default_fetcher(symbols: list[str], start: str, end: str, timeout: float) -> pd.DataFrame:
    """Call ``yfinance.download`` (``end`` exclusive, daily bars, unadjusted + Adj Close).

    Raises :class:`~riskkit.SourceUnavailableError` at once, without touching the
    network, when ``RISKKIT_OFFLINE`` is set (:func:`offline`); :func:`fetch_yahoo` does
    not retry that error.
    """
    if offline():
        raise SourceUnavailableError(
            f"RISKKIT_OFFLINE is set, so Yahoo is not contacted for {symbols}. Unset it to "
            "download, or use source='cache' or source='bundled'."
        )
    import yfinance as yf

    out = yf.download(
        symbols,
        start=start,
        end=end,
        interval="1d",
        auto_adjust=False,
        actions=False,
        group_by="column",
        multi_level_index=True,
        progress=False,
        threads=False,
        timeout=timeout,
    )
    return out if out is not None else pd.DataFrame()


@dataclass(frozen=True)
class YahooResult:
    """What a Yahoo fetch returned: frames per canonical ticker, and what was dropped."""

    frames: dict[str, pd.DataFrame]
    missing: dict[str, str] = field(default_factory=dict)
    dropped_rows: dict[str, list[str]] = field(default_factory=dict)


def _split_by_ticker(raw: pd.DataFrame, symbols: list[str]) -> dict[str, pd.DataFrame]:
    if raw.empty or len(raw.columns) == 0:
        return {}
    if not isinstance(raw.columns, pd.MultiIndex):
        if len(symbols) != 1:
            raise DataError(
                "Yahoo returned single-level columns for several symbols; expected "
                "(Price, Ticker) columns from yfinance.download(group_by='column')."
            )
        raw = pd.DataFrame(pd.concat({symbols[0]: raw}, axis=1).swaplevel(0, 1, axis=1))
    lvl0 = set(map(str, raw.columns.get_level_values(0)))
    price_level = 0 if lvl0 & set(_YF_FIELDS) else 1
    out: dict[str, pd.DataFrame] = {}
    for sym in symbols:
        try:
            sub = raw.xs(sym, axis=1, level=1 - price_level)
        except KeyError:
            continue
        out[sym] = pd.DataFrame(sub)
    return out


def _normalise(sub: pd.DataFrame, sym: str) -> tuple[pd.DataFrame, list[str]]:
    missing_fields = [f for f in _YF_FIELDS if f not in sub.columns]
    if missing_fields:
        raise DataError(
            f"Yahoo frame for {sym} lacks fields {missing_fields}; riskkit requests "
            "auto_adjust=False so that both Close and Adj Close are present."
        )
    idx = pd.DatetimeIndex(sub.index)
    if idx.tz is not None:
        # Daily bars are stamped at the exchange's local midnight (or 00:00 UTC for
        # crypto): the session date is the local calendar date.
        idx = idx.tz_localize(None)
    dates = pd.DatetimeIndex(idx.normalize(), name="date")
    cols: dict[str, object] = {}
    notes: list[str] = []
    for k, f in _YF_FIELDS.items():
        raw = sub[k]
        num = pd.to_numeric(raw, errors="coerce")
        if not pd.api.types.is_numeric_dtype(raw):
            bad = (num.isna() & raw.notna()).to_numpy()
            notes += [
                f"{d.date()}: non-numeric {f} {v!r:.30}"
                for d, v in zip(dates[bad], raw.to_numpy()[bad], strict=True)
            ]
        cols[f] = num.to_numpy(float)
    frame = pd.DataFrame(cols, index=dates)[list(FIELDS)]
    return frame, notes


def fetch_yahoo(
    tickers: list[str],
    start: str | pd.Timestamp,
    end: str | pd.Timestamp,
    *,
    fetcher: Fetcher | None = None,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 10.0,
    today: pd.Timestamp | None = None,
    sleep: Callable[[float], None] = time.sleep,
    raise_if_empty: bool = True,
) -> YahooResult:
    """Download daily bars for ``tickers`` from ``start`` to ``end`` (both inclusive).

    Parameters
    ----------
    tickers
        Canonical riskkit tickers (aliases such as BITF -> KEEL are resolved here).
    fetcher
        Callable ``(symbols, start, end_exclusive, timeout) -> frame``; defaults to
        :func:`default_fetcher` (yfinance).
    retries, backoff, timeout
        A failing call is retried ``retries`` times, sleeping ``backoff * 2**k`` seconds.
    today
        The current date (UTC). A row dated today is a partial session and is dropped
        and reported, never stored as if complete.
    raise_if_empty
        If False, an answer with no usable rows gives a result with every ticker in
        ``missing`` instead of raising.

    Notes
    -----
    With ``RISKKIT_OFFLINE=1`` the default fetcher fails at once with
    :class:`~riskkit.SourceUnavailableError`: no network, no retry, no backoff. A fetcher
    raising ``SourceUnavailableError`` is never retried.
    Non-numeric values in Yahoo's answer are reported in ``dropped_rows`` (the value
    becomes NaN; :func:`riskkit.data.fetch_to_cache` then rejects the row).

    Returns
    -------
    YahooResult
        ``frames`` per canonical ticker; ``missing`` tickers with the reason (empty answer,
        all-NaN columns); ``dropped_rows`` per ticker (partial last bar, all-NaN rows).

    Raises
    ------
    SourceUnavailableError
        ``RISKKIT_OFFLINE`` is set, every attempt failed (offline, blocked, rate limited)
        or nothing at all came back.
    DataError
        Bad tickers or dates (see :func:`riskkit.data.dates.parse_date`).
    """
    symbols = [yahoo_symbol(t) for t in tickers]
    start_ts, end_ts = parse_date(start, "start"), parse_date(end, "end")
    if start_ts > end_ts:
        raise DataError(f"start {start_ts.date()} is after end {end_ts.date()}; swap them.")
    fetch = fetcher or default_fetcher
    start_s = start_ts.strftime("%Y-%m-%d")
    end_s = end_ts.strftime("%Y-%m-%d")
    end_excl = (end_ts + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    last_exc: Exception | None = None
    raw: pd.DataFrame | None = None
    for attempt in range(retries + 1):
        try:
            raw = fetch(symbols, start_s, end_excl, timeout)
            break
        except SourceUnavailableError:  # offline, or a fetcher that knows: never retried
            raise
        except Exception as exc:  # network stacks raise many types; all are retried
            last_exc = exc
            if attempt < retries:
                sleep(backoff * 2**attempt)
    if raw is None:
        raise SourceUnavailableError(
            f"Yahoo could not be reached for {symbols} after {retries + 1} attempt(s): "
            f"{type(last_exc).__name__}: {last_exc}. Check the network, or use "
            "source='bundled' (offline snapshot) or source='cache'."
        )
    by_sym = _split_by_ticker(raw, symbols)
    today_ts = parse_date(
        today if today is not None else pd.Timestamp.now(tz="UTC"), "today", tz="UTC"
    )
    frames: dict[str, pd.DataFrame] = {}
    missing: dict[str, str] = {}
    dropped: dict[str, list[str]] = {}
    for t, sym in zip(tickers, symbols, strict=True):
        name = canonical_ticker(t)
        if sym not in by_sym:
            missing[name] = f"Yahoo returned no columns for {sym}"
            continue
        frame, notes = _normalise(by_sym[sym], sym)
        empty_rows = frame[["open", "high", "low", "close"]].isna().all(axis=1)
        notes += [f"{d.date()}: no prices in Yahoo's answer" for d in frame.index[empty_rows]]
        frame = frame[~empty_rows]
        if len(frame) and frame.index[-1] >= today_ts:
            notes.append(f"{frame.index[-1].date()}: partial session (dated today), dropped")
            frame = frame[frame.index < today_ts]
        if frame.empty:
            missing[name] = f"Yahoo returned no prices for {sym} between {start_s} and {end_s}"
            continue
        if notes:
            dropped[name] = notes
        frames[name] = frame
    if not frames and raise_if_empty:
        raise SourceUnavailableError(
            f"Yahoo returned no data for any of {symbols} between {start_s} and {end_s}: "
            f"{missing}. Check the symbols and dates, or use source='bundled'."
        )
    return YahooResult(frames=frames, missing=missing, dropped_rows=dropped)
