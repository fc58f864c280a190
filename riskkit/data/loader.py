"""``load_prices``: one entry point over the bundled, cache and Yahoo sources."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from typing import Literal

import pandas as pd

from riskkit._errors import DataError, SourceUnavailableError
from riskkit._validation import warn
from riskkit.data._schema import FIELDS
from riskkit.data.aliases import canonical_ticker
from riskkit.data.bundled import BUNDLED_SOURCE, bundled_tickers, read_bundled
from riskkit.data.cache import PriceCache
from riskkit.data.yahoo import Fetcher, fetch_yahoo

__all__ = ["Source", "fetch_to_cache", "load_closes", "load_prices", "yahoo_reachable"]

Source = Literal["auto", "bundled", "cache", "yahoo"]
_SOURCES = ("auto", "bundled", "cache", "yahoo")
_EARLIEST = pd.Timestamp("2000-01-01")


def yahoo_reachable(timeout: float = 2.0) -> bool:
    """Whether Yahoo's API host answers a TCP connect (False when ``RISKKIT_OFFLINE`` is set)."""
    if os.environ.get("RISKKIT_OFFLINE"):
        return False
    try:
        with socket.create_connection(("query1.finance.yahoo.com", 443), timeout=timeout):
            return True
    except OSError:
        return False


def _normalise_tickers(tickers: str | Iterable[str] | None, source: str) -> list[str]:
    if tickers is None:
        if source in ("bundled", "auto"):
            return list(bundled_tickers())
        if source == "cache":
            return PriceCache().tickers()
        raise DataError("source='yahoo' needs explicit tickers, e.g. load_prices(['IREN']).")
    if isinstance(tickers, str):
        tickers = [tickers]
    out: list[str] = []
    for t in tickers:
        if not isinstance(t, str) or not t.strip():
            raise DataError(f"Tickers must be non-empty strings, got {t!r}.")
        c = canonical_ticker(t)
        if c not in out:
            out.append(c)
    if not out:
        raise DataError("No tickers given. Pass e.g. ['BITF', 'IREN'] or None for all bundled.")
    return out


def _dates(
    start: str | pd.Timestamp | None, end: str | pd.Timestamp | None
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    try:
        s = pd.Timestamp(start) if start is not None else None
        e = pd.Timestamp(end) if end is not None else None
    except (ValueError, TypeError) as exc:
        raise DataError(f"Bad start/end date ({start!r}, {end!r}): use 'YYYY-MM-DD'.") from exc
    if s is not None and e is not None and s > e:
        raise DataError(f"start {s.date()} is after end {e.date()}. Pass start <= end (swap them).")
    return s, e


def _check_structure(frame: pd.DataFrame, ticker: str, source: str) -> None:
    idx = frame.index
    if idx.has_duplicates:
        d = idx[idx.duplicated()][0]
        raise DataError(
            f"{ticker} from {source} has duplicate dates (e.g. {d.date()}). Run "
            "`riskkit data check` to list them; fix the file before loading."
        )
    if not idx.is_monotonic_increasing:
        raise DataError(
            f"{ticker} from {source} has unsorted dates. Run `riskkit data check`; sort the "
            "file by date before loading."
        )


def fetch_to_cache(
    tickers: Iterable[str],
    *,
    cache: PriceCache | None = None,
    fetcher: Fetcher | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    today: pd.Timestamp | None = None,
    retries: int = 3,
    backoff: float = 1.0,
) -> dict[str, pd.DataFrame]:
    """Fetch from Yahoo into the cache; a cached ticker only fetches dates after its last.

    Returns the merged cached frames. Raises :class:`SourceUnavailableError` when Yahoo
    cannot be reached; the cache is then left untouched.
    """
    store = cache or PriceCache()
    today_ts = (today or pd.Timestamp.now(tz="UTC").tz_localize(None)).normalize()
    end_ts = pd.Timestamp(end) if end is not None else today_ts
    out: dict[str, pd.DataFrame] = {}
    for t in _normalise_tickers(list(tickers), "yahoo"):
        entry = store.read(t)
        if entry is not None and start is None:
            begin = entry.frame.index[-1] + pd.Timedelta(days=1)
        else:
            begin = pd.Timestamp(start) if start is not None else _EARLIEST
        if begin > end_ts:
            out[t] = entry.frame if entry is not None else pd.DataFrame(columns=list(FIELDS))
            continue
        res = fetch_yahoo(
            [t], begin, end_ts, fetcher=fetcher, today=today_ts, retries=retries, backoff=backoff
        )
        for name, notes in res.dropped_rows.items():
            warn(f"{name}: {len(notes)} row(s) dropped from Yahoo's answer: {notes[:3]}")
        if t not in res.frames:
            raise SourceUnavailableError(f"{t}: {res.missing.get(t, 'no data')}")
        new = res.frames[t]
        if entry is not None:
            old = entry.frame[entry.frame.index < new.index[0]]
            merged = pd.concat([old, new])
        else:
            merged = new
        store.write(t, merged, source="yahoo (yfinance, auto_adjust=False)")
        out[t] = merged
    return out


def load_prices(
    tickers: str | Iterable[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    *,
    source: Source = "auto",
    cache: PriceCache | None = None,
    fetcher: Fetcher | None = None,
) -> pd.DataFrame:
    """Daily OHLCV for several tickers in one frame.

    Parameters
    ----------
    tickers
        Ticker or list of tickers (``KEEL`` is accepted for ``BITF``). None: every
        ticker of the source.
    start, end
        Inclusive date bounds (``YYYY-MM-DD``); None for the full history.
    source
        ``"bundled"``: the real snapshot shipped with riskkit (offline, reproducible).
        ``"cache"``: the local Parquet cache filled by ``riskkit data fetch``.
        ``"yahoo"``: download now with yfinance (and store in the cache).
        ``"auto"``: per ticker, the cache if it has it, else Yahoo if reachable, else
        bundled; a :class:`~riskkit.RiskkitWarning` says which source served each ticker.

    Returns
    -------
    DataFrame
        Index: tz-naive session dates named ``date`` (the union over tickers; a ticker
        absent on a date has NaN there, e.g. BTC-USD trades on weekends). Columns:
        MultiIndex ``(field, ticker)`` with fields ``open, high, low, close, adj_close,
        volume``, so ``df["close"]`` is a wide close frame. ``df.attrs["riskkit_sources"]``
        maps each ticker to ``{"source", "first", "last", "rows"}``.

    Raises
    ------
    DataError
        Unknown ticker (the message lists the available ones), start after end, a range
        with no rows, a malformed file, duplicate or unsorted dates.
    SourceUnavailableError
        ``source="yahoo"`` and Yahoo cannot be reached.

    Examples
    --------
    >>> px = load_prices(["BITF", "IREN"], "2025-11-10", "2025-11-14", source="bundled")
    >>> round(float(px["close"]["BITF"].pct_change().loc["2025-11-13"]), 4)
    -0.1798
    """
    if source not in _SOURCES:
        raise DataError(f"source={source!r} is not allowed; use one of {list(_SOURCES)}.")
    names = _normalise_tickers(tickers, source)
    s, e = _dates(start, end)
    store = cache or PriceCache()
    frames: dict[str, pd.DataFrame] = {}
    served: dict[str, str] = {}

    if source == "bundled":
        unknown = [t for t in names if t not in bundled_tickers()]
        if unknown:
            raise DataError(
                f"Unknown ticker(s) {unknown} for source 'bundled'. Available: "
                f"{', '.join(bundled_tickers())}. Use source='yahoo' for other tickers."
            )
    online: bool | None = None
    for t in names:
        if source in ("cache", "auto"):
            entry = store.read(t)
            if entry is not None:
                frames[t], served[t] = entry.frame, f"cache ({entry.meta.get('source', '?')})"
                continue
            if source == "cache":
                raise DataError(
                    f"{t} is not in the cache at {store.root}. Run `riskkit data fetch {t}` "
                    "first, or use source='bundled'."
                )
        if source in ("yahoo", "auto"):
            if source == "auto" and online is None:
                online = yahoo_reachable()
            if source == "yahoo" or online:
                try:
                    got = fetch_to_cache([t], cache=store, fetcher=fetcher)
                    frames[t], served[t] = got[t], "yahoo"
                    continue
                except SourceUnavailableError:
                    if source == "yahoo":
                        raise
        if t not in bundled_tickers():
            raise DataError(
                f"Unknown ticker {t!r}: not cached, Yahoo unreachable, and not bundled. "
                f"Bundled tickers: {', '.join(bundled_tickers())}."
            )
        frames[t], served[t] = read_bundled(t), "bundled"

    parts: dict[str, pd.DataFrame] = {}
    sources: dict[str, dict[str, object]] = {}
    for t, f in frames.items():
        _check_structure(f, t, served[t])
        if s is not None:
            f = f[f.index >= s]
        if e is not None:
            f = f[f.index <= e]
        if f.empty:
            raise DataError(
                f"{t} has no rows between {s.date() if s is not None else 'start'} and "
                f"{e.date() if e is not None else 'end'} (source {served[t]}). Widen the "
                "date range; `riskkit data list` shows each ticker's first and last date."
            )
        parts[t] = f
        sources[t] = {
            "source": served[t] if served[t] != "bundled" else BUNDLED_SOURCE,
            "first": str(f.index[0].date()),
            "last": str(f.index[-1].date()),
            "rows": len(f),
        }
    if source == "auto":
        listing = "; ".join(
            f"{t}: {str(v['source']).split(' (')[0]} to {v['last']}" for t, v in sources.items()
        )
        warn(f"load_prices(source='auto') served {listing}", stacklevel=3)
    wide = pd.concat(parts, axis=1, names=["ticker", "field"], sort=True).swaplevel(0, 1, axis=1)
    wide = wide.reindex(
        columns=pd.MultiIndex.from_product([list(FIELDS), names], names=["field", "ticker"])
    )
    wide.index.name = "date"
    wide.attrs["riskkit_sources"] = sources
    return wide


def load_closes(
    tickers: str | Iterable[str] | None = None,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
    *,
    source: Source = "auto",
    cache: PriceCache | None = None,
    fetcher: Fetcher | None = None,
) -> pd.DataFrame:
    """Wide close frame (date x ticker): ``load_prices(...)["close"]`` keeping the sources.

    Examples
    --------
    >>> c = load_closes(["IREN"], "2025-10-31", "2025-11-03", source="bundled")
    >>> round(float(c["IREN"].pct_change().iloc[-1]), 4)
    0.1152
    """
    px = load_prices(tickers, start, end, source=source, cache=cache, fetcher=fetcher)
    closes = pd.DataFrame(px["close"]).copy()
    closes.columns.name = None
    closes.attrs["riskkit_sources"] = px.attrs["riskkit_sources"]
    return closes
