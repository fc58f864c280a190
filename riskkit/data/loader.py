"""``load_prices``: one entry point over the bundled, cache and Yahoo sources."""

from __future__ import annotations

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
from riskkit.data.calendars import equity_sessions, is_24_7
from riskkit.data.checks import screen_download
from riskkit.data.dates import DateLike, parse_date
from riskkit.data.yahoo import Fetcher, fetch_yahoo, offline

__all__ = ["Source", "fetch_to_cache", "load_closes", "load_prices", "yahoo_reachable"]

Source = Literal["auto", "bundled", "cache", "yahoo"]
_SOURCES = ("auto", "bundled", "cache", "yahoo")
_EARLIEST = pd.Timestamp("2000-01-01")


def yahoo_reachable(timeout: float = 2.0) -> bool:
    """Whether Yahoo's API host answers a TCP connect (False when ``RISKKIT_OFFLINE`` is set)."""
    if offline():
        return False
    try:
        with socket.create_connection(("query1.finance.yahoo.com", 443), timeout=timeout):
            return True
    except OSError:
        return False


def _normalise_tickers(
    tickers: str | Iterable[str] | None, source: str, store: PriceCache | None = None
) -> list[str]:
    if tickers is None:
        if source in ("bundled", "auto"):
            return list(bundled_tickers())
        if source == "cache":
            return (store or PriceCache()).tickers()
        raise DataError("source='yahoo' needs explicit tickers, e.g. load_prices(['IREN']).")
    if isinstance(tickers, str):
        tickers = [tickers]
    out: list[str] = []
    for t in tickers:
        c = canonical_ticker(t)  # validates: a ticker never becomes a path
        if c not in out:
            out.append(c)
    if not out:
        raise DataError("No tickers given. Pass e.g. ['BITF', 'IREN'] or None for all bundled.")
    return out


def _dates(start: object, end: object) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    s = parse_date(start, "start") if start is not None else None
    e = parse_date(end, "end") if end is not None else None
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


def _listing(notes: list[str], n: int = 5) -> str:
    more = f" and {len(notes) - n} more" if len(notes) > n else ""
    return "; ".join(notes[:n]) + more


def _has_sessions(ticker: str, begin: pd.Timestamp, end: pd.Timestamp) -> bool:
    if begin > end:
        return False
    if is_24_7(ticker):
        return True
    return len(equity_sessions(begin, end)) > 0


def _merge(old: pd.DataFrame, new: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """Every cached row is kept; the download replaces the cached rows on its own dates."""
    merged = pd.concat([old[~old.index.isin(new.index)], new]).sort_index()
    inside = old.index[(old.index >= new.index[0]) & (old.index <= new.index[-1])]
    kept = inside.difference(new.index)
    if len(kept):
        warn(
            f"{ticker}: {len(kept)} cached row(s) inside the downloaded range were not in "
            f"Yahoo's answer and were kept (e.g. {', '.join(str(d.date()) for d in kept[:3])})."
        )
    return merged


def _holes(
    ticker: str, merged: pd.DataFrame, new: pd.DataFrame, *, rejected: pd.DatetimeIndex
) -> pd.DatetimeIndex:
    """Sessions inside the download's span that neither it nor the cache has (not rejected)."""
    lo, hi = new.index[0], new.index[-1]
    expected = pd.date_range(lo, hi, freq="D") if is_24_7(ticker) else equity_sessions(lo, hi)
    have = pd.DatetimeIndex(merged.index).union(rejected)
    return pd.DatetimeIndex(expected.difference(have))


def _stamp(frame: pd.DataFrame, status: str, message: str) -> pd.DataFrame:
    frame = frame.copy()
    frame.attrs["riskkit_fetch"] = {"status": status, "message": message}
    return frame


def fetch_to_cache(
    tickers: str | Iterable[str],
    *,
    cache: PriceCache | None = None,
    fetcher: Fetcher | None = None,
    start: DateLike | None = None,
    end: DateLike | None = None,
    today: pd.Timestamp | None = None,
    retries: int = 3,
    backoff: float = 1.0,
) -> dict[str, pd.DataFrame]:
    """Fetch from Yahoo into the cache, merging with what is cached.

    Without ``start`` a cached ticker only fetches the complete sessions after its last
    cached date; with ``start``/``end`` the range is fetched again. Either way every
    cached row outside the downloaded range is kept, and the download replaces the cached
    rows on the dates it has.

    Each download is screened before it is stored (:func:`riskkit.data.screen_download`):
    rows with a missing, non-numeric, zero or negative price or with high/low
    inconsistent with open/close are rejected and listed in a
    :class:`~riskkit.RiskkitWarning`; duplicate or unsorted dates store nothing
    (:class:`~riskkit.DataError`); sessions missing from the answer are reported. The
    download runs without a lock; the ticker's cache lock is then held while the cache
    is read again, merged and written, so concurrent fetches never lose each other's rows.

    Returns
    -------
    dict
        Ticker -> the cached frame after the fetch. ``frame.attrs["riskkit_fetch"]`` is
        ``{"status": "updated" | "up to date", "message": ...}``: a cache that already
        holds every complete session is reported as up to date, not as an error.

    Raises
    ------
    SourceUnavailableError
        Yahoo cannot be reached (or ``RISKKIT_OFFLINE`` is set and a download is needed),
        or it has no rows for a ticker that is not cached; the cache is left untouched.
    DataError
        Bad tickers or dates, an unusable cache folder, a download whose every row was
        rejected or whose dates are duplicated or unsorted.
    """
    store = cache or PriceCache()
    today_ts = parse_date(
        today if today is not None else pd.Timestamp.now(tz="UTC"), "today", tz="UTC"
    )
    last_complete = today_ts - pd.Timedelta(days=1)  # a bar dated today is partial
    start_ts, end_ts = _dates(start, end)
    end_eff = min(end_ts, last_complete) if end_ts is not None else last_complete
    out: dict[str, pd.DataFrame] = {}
    for t in _normalise_tickers(tickers, "yahoo"):  # a str is one ticker, not letters
        try:
            entry = store.read(t)
        except DataError as exc:
            warn(f"{t}: the cache file is unusable and is fetched again in full. {exc}")
            entry = None
        if entry is not None and start_ts is None:
            begin = entry.frame.index[-1] + pd.Timedelta(days=1)
        else:
            begin = start_ts if start_ts is not None else _EARLIEST
        if not _has_sessions(t, begin, end_eff):
            span = f"{begin.date()} to {end_eff.date()}"
            if entry is None:
                raise DataError(
                    f"{t}: no complete session between {span} to fetch (a bar dated "
                    f"today, {today_ts.date()}, is partial). Pass an earlier start."
                )
            out[t] = _stamp(
                entry.frame,
                "up to date",
                f"{t} is up to date: cached to {entry.frame.index[-1].date()}, no "
                f"complete session in {span}.",
            )
            continue
        res = fetch_yahoo(
            [t],
            begin,
            end_eff,
            fetcher=fetcher,
            today=today_ts,
            retries=retries,
            backoff=backoff,
            raise_if_empty=False,
        )
        for name, notes in res.dropped_rows.items():
            warn(f"{name}: {len(notes)} row(s) dropped from Yahoo's answer: {_listing(notes)}")
        if t not in res.frames:
            reason = res.missing.get(t, "no data")
            if entry is not None and start_ts is None:
                out[t] = _stamp(
                    entry.frame,
                    "up to date",
                    f"{t} is up to date: cached to {entry.frame.index[-1].date()}; "
                    f"Yahoo has no newer rows yet ({reason}).",
                )
                continue
            raise SourceUnavailableError(
                f"{t}: {reason}. The cache was left untouched; check the symbol and dates."
            )
        new, rejected = screen_download(res.frames[t], t)
        if rejected:
            warn(
                f"{t}: {len(rejected)} row(s) of Yahoo's answer rejected, not stored: "
                f"{_listing(rejected)}. Run `riskkit data check` after the next fetch."
            )
        if new.empty:
            raise DataError(
                f"{t}: every row Yahoo sent between {begin.date()} and {end_eff.date()} was "
                f"rejected ({_listing(rejected, 3)}); nothing was stored."
            )
        with store.lock(t):  # merge with the cache as it is now, not as it was read
            try:
                current = store.read(t)
            except DataError:
                current = None  # already reported above; replaced by this download
            merged = _merge(current.frame, new, t) if current is not None else new
            store.write(t, merged, source="yahoo (yfinance, auto_adjust=False)")
        holes = _holes(
            t, merged, new, rejected=pd.DatetimeIndex(res.frames[t].index.difference(new.index))
        )
        if len(holes):
            warn(
                f"{t}: Yahoo's answer lacks {len(holes)} session(s) between "
                f"{new.index[0].date()} and {new.index[-1].date()} (e.g. "
                f"{', '.join(str(d.date()) for d in holes[:3])}), and the cache has no rows "
                "for them. Fetch that range again later with start/end."
            )
        out[t] = _stamp(
            merged,
            "updated",
            f"{t}: {len(new)} row(s) stored, cached to {merged.index[-1].date()}.",
        )
    return out


def load_prices(
    tickers: str | Iterable[str] | None = None,
    start: DateLike | None = None,
    end: DateLike | None = None,
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
        Inclusive date bounds; None for the full history. ``'YYYY-MM-DD'``, an ISO
        date-time, ``datetime.date``/``datetime``/``Timestamp``; a tz-aware value counts
        as its date in New York (:func:`riskkit.data.parse_date`). Other forms
        (``'10/11/2025'``, ``2025``) are refused.
    source
        ``"bundled"``: the real snapshot shipped with riskkit (offline, reproducible).
        ``"cache"``: the local Parquet cache filled by ``riskkit data fetch``.
        ``"yahoo"``: download now with yfinance (and store in the cache).
        ``"auto"``: per ticker, the cache if it has it (and it is readable, with sorted
        unique dates), else Yahoo if reachable, else bundled; a
        :class:`~riskkit.RiskkitWarning` says which source served each ticker and why a
        source was skipped.

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
    names = _normalise_tickers(tickers, source, cache)
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
            try:
                entry = store.read(t)
                if entry is not None:
                    _check_structure(entry.frame, t, f"the cache ({store.path(t)})")
            except DataError as exc:
                if source == "cache":
                    raise
                warn(f"{t}: the cache is unusable, falling back to Yahoo or bundled. {exc}")
                entry = None
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
                except (SourceUnavailableError, DataError) as exc:
                    if source == "yahoo":
                        raise
                    warn(f"{t}: Yahoo could not serve it, falling back to bundled. {exc}")
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
    start: DateLike | None = None,
    end: DateLike | None = None,
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
