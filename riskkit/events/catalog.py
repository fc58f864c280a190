"""Event catalogs: loading and validation, day 0 on the exchange calendar, overlaps, audit.

The bundled catalog (``riskkit/_bundled/events/events.csv``, documented in EVENTS.md next
to it) lists dated AI/HPC-pivot events of bitcoin miners. A user's own catalog is a CSV
file or a DataFrame with at least ``event_id, ticker, date`` (``timing`` and
``event_type`` recommended).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit._validation import warn

__all__ = [
    "MARKET_TICKER",
    "TIMINGS",
    "assign_day0",
    "audit_catalog",
    "expand_market_events",
    "load_events",
]

#: Allowed values of ``timing``.
TIMINGS = ("pre-market", "during session", "after close", "unknown")
#: Ticker of market-wide events, expanded to a user-chosen universe.
MARKET_TICKER = "MKT"
_REQUIRED = ("event_id", "ticker", "date")
_HAS_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# the date texts pd.to_datetime(format="ISO8601") reads as pd.Timestamp does, a column at a
# time (ASCII digits, years 1000-2999, to the microsecond, offsets under 20 h); others are
# read one by one
_FAST_DATE = re.compile(
    r"[12][0-9]{3}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][01][0-9]:[0-5][0-9])?)?"
)
_CLOCK = np.array(["pre-market", "during session", "after close"], dtype=object)
_UNITS = ("s", "ms", "us", "ns")
_TIMING_ALIASES = {
    "premarket": "pre-market",
    "pre market": "pre-market",
    "bmo": "pre-market",
    "before open": "pre-market",
    "during": "during session",
    "intraday": "during session",
    "session": "during session",
    "after-close": "after close",
    "afterclose": "after close",
    "after hours": "after close",
    "amc": "after close",
}


def _read_events_csv(path: Path) -> pd.DataFrame:
    """Read a user's events CSV (UTF-8, comma-separated) with one-line errors.

    Empty files, other encodings (UTF-16, latin-1/Windows-1252) and other delimiters
    (``;``, tab) are named in the error instead of surfacing as a parser traceback.
    """
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"events file {str(path)!r} cannot be read: {exc.strerror}.") from exc
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(data) > 1 and b"\x00" in data[:200]):
        raise DataError(
            f"events file {name} is UTF-16 encoded; riskkit reads UTF-8. Save it as "
            "'CSV UTF-8' (Excel) or convert it with iconv -f UTF-16 -t UTF-8."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(
            f"events file {name} is not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}; "
            "latin-1 or Windows-1252?). Save it as 'CSV UTF-8' or convert it with "
            "iconv -f latin1 -t UTF-8."
        ) from exc
    if not text.strip():
        raise DataError(
            f"events file {name} is empty; it needs a header line 'event_id,ticker,date' "
            "and one line per event."
        )
    header = text.lstrip().splitlines()[0]
    if "," not in header:
        for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in header:
                raise DataError(
                    f"events file {name} separates its columns with {label}; riskkit reads "
                    "comma-separated files (header 'event_id,ticker,date'). Re-save it with "
                    "commas, or read it yourself: load_events(pd.read_csv(path, sep=';')) ."
                )
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        msg = " ".join(str(exc).split())
        raise DataError(
            f"events file {name} is not a valid CSV ({msg}); quote fields that contain commas."
        ) from exc


def _clock_of(text: str) -> str | None:
    """:func:`_dates_and_clock`'s timing for one text read on its own."""
    ts = None
    if _HAS_TIME.match(text):
        try:
            ts = pd.Timestamp(text)
        except (ValueError, TypeError):
            ts = None  # _dates_and_clock reports it
    if ts is None or (ts.tzinfo is None and ts == ts.normalize()):
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_convert("America/New_York")
    return _CLOCK[int(ts.hour * 60 + ts.minute >= 570) + int(ts.hour >= 16)]


def _dates_and_clock(values: pd.Series, ids: pd.Series, what: str) -> tuple[pd.Series, pd.Series]:
    """Each event's US date and the timing of its New York clock time (None: no time).

    ISO dates are taken as they are, times with an offset in New York
    (``2025-11-04T02:00:00Z`` is 21:00 on 2025-11-03 there, so its date is 2025-11-03 and
    an 'after close' timing gives day 0 on 11-04); each value on its own, so mixed offsets
    are fine. The clock: before 09:30 ``pre-market``, to 15:59 ``during session``, then
    ``after close``; a time without an offset is New York time, a naive midnight a plain
    date (e.g. a Timestamp column). Each distinct text is read once: the common ISO forms
    a column at a time, any other text (and any such read refuses) by
    :func:`riskkit.data.parse_date` and :func:`_clock_of`, so dates, their unit and the
    errors are the same either way.
    """
    from riskkit.data import parse_date

    raw_codes, raw = pd.factorize(values, use_na_sentinel=False)  # each distinct value once
    raw_text = np.array([str(v).strip() for v in np.asarray(raw, dtype=object)], dtype=object)
    text_codes, found = pd.factorize(raw_text)
    codes = text_codes[raw_codes]
    uniq = np.asarray(found, dtype=object)
    matches = [_FAST_DATE.fullmatch(u) for u in uniq]
    zone = np.array([-1 if m is None else int(m[4] is not None) for m in matches], np.int8)
    day = np.full(len(uniq), np.datetime64("NaT", "us"))
    clock = np.full(len(uniq), None, dtype=object)
    for z in (0, 1):  # naive, with an offset
        sel = np.flatnonzero(zone == z)
        read = pd.to_datetime(pd.Series(uniq[sel]), format="ISO8601", errors="coerce", utc=z == 1)
        ts = pd.DatetimeIndex(read)
        ts = ts.tz_convert("America/New_York").tz_localize(None) if z else ts
        read_ok = ~np.asarray(ts.isna())
        sel, ts = sel[read_ok], ts[read_ok].as_unit("us")
        day[sel] = ts.normalize().to_numpy()
        timed = np.asarray(ts != ts.normalize()) | (z == 1)  # a naive midnight: a plain date
        minutes = np.asarray(ts.hour * 60 + ts.minute)[timed]
        clock[sel[timed]] = _CLOCK[(minutes >= 570).astype(int) + (minutes >= 960)]
    slow = np.flatnonzero(np.isnat(day))
    slow_days, bad_text = [], np.zeros(len(uniq), dtype=bool)
    for k in slow:
        clock[k] = _clock_of(uniq[k])
        try:
            slow_days.append(parse_date(uniq[k], "date"))
        except DataError:
            bad_text[k] = True
    if bad_text[codes].any():
        raise DataError(
            f"{what}: unparseable date for event(s) {ids[bad_text[codes]].tolist()[:5]}; "
            "write dates as YYYY-MM-DD (or an ISO date-time with an offset, e.g. "
            "2025-11-04T02:00:00Z, read in New York)."
        )
    dates = pd.DatetimeIndex([])  # as pd.DatetimeIndex(list of Timestamps): the finest unit
    if len(codes):
        read_one_by_one = pd.DatetimeIndex(slow_days)
        units = {"us"} if len(slow) < len(uniq) else set()
        unit = max(units | ({read_one_by_one.unit} if len(slow) else set()), key=_UNITS.index)
        day = day.astype(f"datetime64[{unit}]")
        day[slow] = read_one_by_one.as_unit(unit).to_numpy()  # type: ignore[arg-type]
        dates = pd.DatetimeIndex(day[codes])
    return pd.Series(dates, index=values.index), pd.Series(clock[codes], values.index, object)


def _read_bundled() -> pd.DataFrame:
    f = resources.files("riskkit").joinpath("_bundled").joinpath("events").joinpath("events.csv")
    with resources.as_file(f) as p:
        return pd.read_csv(p, dtype=str, keep_default_na=False)


def load_events(
    events: str | Path | pd.DataFrame | None = None,
    *,
    tickers: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Load and validate an event catalog.

    Parameters
    ----------
    events
        None for the bundled catalog; a CSV path; or a DataFrame. Required columns:
        ``event_id`` (unique), ``ticker``, ``date`` (``YYYY-MM-DD``, the US local date the
        news became public; an ISO date-time with an offset, such as
        ``2025-11-04T02:00:00Z``, is converted to America/New_York first, each row on its
        own; without a ``timing``, or with ``unknown``, its New York clock time sets the
        timing: before 09:30 pre-market, to 16:00 during session, then after close). A
        CSV must be UTF-8 and comma-separated. Optional: ``timing`` (one of :data:`TIMINGS`; a missing
        column means ``"during session"``, with a warning), ``event_type`` (default
        ``"event"``), ``reported_move_pct`` (a number or empty) and any other columns,
        kept as they are.
    tickers
        If given, every ticker must be in it or be ``"MKT"`` (a market-wide event).

    Returns
    -------
    DataFrame
        One row per event, sorted by date then ticker, ``date`` as Timestamp,
        ``reported_move_pct`` as float (NaN when empty).

    Raises
    ------
    DataError
        Missing required column, empty or duplicate ``event_id``, unparseable or ambiguous
        date (``10/11/2025``), unknown timing, unknown ticker, non-numeric or non-finite
        ``reported_move_pct``; an empty file, a file that is not UTF-8 or not
        comma-separated.

    Examples
    --------
    >>> ev = load_events()
    >>> len(ev), ev.loc[ev.event_id == "BITF-2025-11-13-pivot", "timing"].item()
    (41, 'pre-market')
    """
    if events is None:
        raw = _read_bundled()
        what = "bundled catalog"
    elif isinstance(events, str | Path):
        path = Path(events)
        if not path.is_file():
            raise DataError(f"events file {str(path)!r} does not exist; pass a CSV path.")
        raw = _read_events_csv(path)
        what = f"events file {path.name}"
    elif isinstance(events, pd.DataFrame):
        raw = events.copy()
        what = "events frame"
    else:
        raise DataError(
            f"events must be None, a CSV path or a DataFrame, got {type(events).__name__}."
        )
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise DataError(
            f"{what} lacks column(s) {missing}; required are {list(_REQUIRED)} "
            f"(got {list(raw.columns)})."
        )
    df = raw.copy()
    df["event_id"] = df["event_id"].astype(str).str.strip()
    df["ticker"] = df["ticker"].astype(str).str.strip().str.upper()
    if (df["event_id"] == "").any():
        raise DataError(f"{what} has an empty event_id; give every event a unique id.")
    dups = df.loc[df["event_id"].duplicated(), "event_id"].unique().tolist()
    if dups:
        raise DataError(f"{what} has duplicate event_id(s) {dups[:5]}; ids must be unique.")
    df["date"], clock = _dates_and_clock(df["date"], df["event_id"], what)
    if "timing" not in df.columns:
        if clock.isna().any():
            warn(
                f"{what} has no 'timing' column; every event without a time of day is treated "
                "as 'during session' (day 0 = the date if it is a session). Add a timing "
                f"column with {list(TIMINGS)}."
            )
        df["timing"] = clock.fillna("during session")
    timing = df["timing"].astype(str).str.strip().str.lower().replace("", "unknown")
    # an unknown timing with a time of day in the date: the New York clock decides
    timing = timing.where(~(timing.eq("unknown") & clock.notna()), clock)
    spelled = {t: t.replace("_", " ") for t in timing.unique()}
    timing = timing.map({t: _TIMING_ALIASES.get(s, s) for t, s in spelled.items()})
    unknown_timing = sorted(set(timing.unique()) - set(TIMINGS))
    if unknown_timing:
        raise DataError(
            f"{what}: unknown timing value(s) {unknown_timing}; allowed are {list(TIMINGS)}."
        )
    df["timing"] = timing
    if "event_type" not in df.columns:
        df["event_type"] = "event"
    df["event_type"] = df["event_type"].astype(str).replace("", "event")
    if "reported_move_pct" in df.columns:
        s = df["reported_move_pct"].replace("", np.nan)
        num = pd.to_numeric(s, errors="coerce")
        bad = df.loc[num.isna() & s.notna(), "event_id"].tolist()
        if bad:
            raise DataError(
                f"{what}: reported_move_pct is not a number for {bad[:5]}; use e.g. -18.9 or "
                "leave it empty."
            )
        inf = df.loc[np.isinf(num.astype(float)), "event_id"].tolist()
        if inf:
            raise DataError(
                f"{what}: reported_move_pct is not finite for {inf[:5]} (a value such as 1e400 "
                "overflows to inf); give the move in percent, e.g. -18.9, or leave it empty."
            )
        df["reported_move_pct"] = num.astype(float)
    else:
        df["reported_move_pct"] = np.nan
    if tickers is not None:
        allowed = {t.upper() for t in tickers} | {MARKET_TICKER}
        unknown = sorted(set(df["ticker"].unique()) - allowed)
        if unknown:
            raise DataError(
                f"{what}: unknown ticker(s) {unknown}; available are {sorted(allowed)}. "
                "Fix the ticker or pass returns that include it."
            )
    return df.sort_values(["date", "ticker", "event_id"], kind="stable").reset_index(drop=True)


def expand_market_events(events: pd.DataFrame, universe: Sequence[str]) -> pd.DataFrame:
    """Replace each ``MKT`` event by one event per ticker of ``universe``.

    The new ``event_id`` is ``"<id>:<TICKER>"``; ``parent_id`` keeps the catalog id (equal
    to ``event_id`` for firm events). Columns keep their dtypes; rows are sorted by date,
    ticker and event_id.

    Examples
    --------
    >>> ev = pd.DataFrame({"event_id": ["m"], "ticker": ["MKT"], "date": ["2025-01-27"]})
    >>> expand_market_events(ev, ["IREN", "WULF"])["event_id"].tolist()
    ['m:IREN', 'm:WULF']
    """
    mkt = (events["ticker"] == MARKET_TICKER).to_numpy(dtype=bool)
    firm_rows, mkt_rows = np.flatnonzero(~mkt), np.flatnonzero(mkt)
    tickers = list(universe)
    out = events.take(np.r_[firm_rows, np.repeat(mkt_rows, len(tickers))]).reset_index(drop=True)
    out["parent_id"] = out["event_id"]
    if len(mkt_rows) and tickers:
        ids = events["event_id"].to_numpy(dtype=object)
        firm_tickers = events["ticker"].to_numpy(dtype=object)[firm_rows]
        new_ids = [f"{e}:{t}" for e in ids[mkt_rows] for t in tickers]
        out["event_id"] = np.r_[ids[firm_rows], np.array(new_ids, dtype=object)]
        out["ticker"] = np.r_[firm_tickers, np.array(tickers * len(mkt_rows), dtype=object)]
    return out.sort_values(["date", "ticker", "event_id"], kind="stable").reset_index(drop=True)


def assign_day0(events: pd.DataFrame, sessions: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """Add ``day0`` and ``widened`` from ``date`` and ``timing``.

    Parameters
    ----------
    events
        Validated events (:func:`load_events`).
    sessions
        Trading sessions to map onto. None: the NYSE calendar (exchange-calendars XNYS).

    Returns
    -------
    DataFrame
        A copy with ``day0`` (Timestamp) and ``widened`` (True for unknown timing).

    Notes
    -----
    ``pre-market`` and ``during session``: the session of ``date`` (the next session if
    ``date`` is not one). ``after close``: the first session strictly after ``date``.
    ``unknown``: as pre-market, and every event window that contains day 0 is widened by
    one session to include day +1 (``widened=True``).

    Examples
    --------
    >>> ev = load_events(pd.DataFrame({"event_id": ["a", "b"], "ticker": ["X", "X"],
    ...     "date": ["2025-11-13", "2025-11-14"], "timing": ["after close", "after close"]}))
    >>> assign_day0(ev)["day0"].dt.strftime("%Y-%m-%d").tolist()  # Fri -> Mon
    ['2025-11-14', '2025-11-17']
    """
    out = events.copy()
    after = (out["timing"] == "after close").to_numpy(dtype=bool)
    nat = pd.DatetimeIndex([pd.NaT] * len(out), dtype="datetime64[s]")  # to_datetime's unit
    if sessions is None:
        from riskkit.data import equity_calendar

        cal = pd.DatetimeIndex(equity_calendar().sessions)
        try:  # next_session / session_on_or_after for the whole column
            wanted = pd.DatetimeIndex(out["date"]).normalize() + pd.to_timedelta(after * 1, "D")
            inside = not len(wanted) or (wanted.min() >= cal[0] and wanted.max() <= cal[-1])
        except (TypeError, ValueError):
            inside = False
        if not inside or wanted.isna().any():
            raise DataError(
                f"an event date ({out['date'].min().date()} to {out['date'].max().date()}) is "
                "outside the NYSE calendar (2000-2030) riskkit uses. Map day 0 on your own "
                "dates instead: event_study(..., calendar='returns')."
            )
        found = cal[cal.searchsorted(wanted)]
        # their unit: a session date's own (+ 1 day: at least us), else the calendar's
        hit, own = np.asarray(found == wanted), pd.DatetimeIndex(out["date"]).unit
        units = {own} if (hit & ~after).any() else set()
        units |= {max(own, "us", key=_UNITS.index)} if (hit & after).any() else set()
        units |= set() if hit.all() else {found.unit}
        unit = max(units, key=_UNITS.index) if units else "s"
        day0 = found.as_unit(unit) if len(out) else nat  # type: ignore[arg-type]
    else:
        s = pd.DatetimeIndex(sessions)
        d = pd.DatetimeIndex(out["date"])
        pos = np.where(after, s.searchsorted(d, side="right"), s.searchsorted(d, side="left"))
        ok = pos < len(s)
        day0 = pd.DatetimeIndex(s[np.minimum(pos, len(s) - 1)].where(ok)) if ok.any() else nat
    out["day0"] = pd.Series(day0, index=out.index)
    out["widened"] = out["timing"] == "unknown"
    return out


def audit_catalog(
    events: str | Path | pd.DataFrame | None = None,
    *,
    closes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compare each event's ``reported_move_pct`` sign with its computed day-0 return.

    Parameters
    ----------
    events
        A catalog (see :func:`load_events`); None for the bundled one. ``MKT`` events are
        left out (their reported move is BTC's).
    closes
        Wide close frame (date x ticker); None loads the bundled prices.

    Returns
    -------
    DataFrame
        One row per firm event with a reported move: ``event_id, ticker, day0,
        return_day0`` (close-to-close simple return on day 0), ``return_day0_1``
        (day -1 close to day +1 close), ``reported_move_pct`` and ``sign_disagrees``.
        Read the rows with ``sign_disagrees`` first: their date or timing deserves doubt.

    Examples
    --------
    >>> a = audit_catalog()
    >>> int(a["sign_disagrees"].sum())
    5
    """
    ev = load_events(events)
    ev = ev[(ev["ticker"] != MARKET_TICKER) & ev["reported_move_pct"].notna()]
    if ev.empty:  # nothing to audit (e.g. a minimal event_id,ticker,date catalog)
        cols = ["event_id", "ticker", "day0", "return_day0", "return_day0_1"]
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
        empty["event_id"] = empty["event_id"].astype(object)
        empty["ticker"] = empty["ticker"].astype(object)
        empty["day0"] = pd.Series(dtype="datetime64[ns]")
        empty["reported_move_pct"] = pd.Series(dtype=float)
        empty["sign_disagrees"] = pd.Series(dtype=bool)
        return empty
    if closes is None:
        from riskkit.data import load_closes

        closes = load_closes(sorted(set(ev["ticker"])), source="bundled")
    ev = assign_day0(ev)
    day0, tickers = pd.DatetimeIndex(ev["day0"]), ev["ticker"].to_numpy(dtype=object)
    ret0, ret01 = np.full(len(ev), np.nan), np.full(len(ev), np.nan)
    computed_in = set()  # float32 closes give float32 returns when none is missing
    codes, names = pd.factorize(tickers)
    by_ticker = np.split(np.argsort(codes, kind="stable"), np.cumsum(np.bincount(codes))[:-1])
    for t, rows in zip(names, by_ticker, strict=True):  # a ticker at a time, on its closes
        if t in closes.columns:
            px = closes[t].dropna()
            v = px.to_numpy()
            p = np.asarray(px.index.searchsorted(day0[rows]))
            hit = (p > 0) & (p < len(px))
            hit[hit] = np.asarray(px.index[p[hit]] == day0[rows[hit]])
            rows, p = rows[hit], p[hit]
            on = p + 1 < len(px)
            ret0[rows], ret01[rows[on]] = v[p] / v[p - 1] - 1.0, v[p[on] + 1] / v[p[on] - 1] - 1.0
            computed_in |= {(v[:1] / v[:1]).dtype} if len(rows) else set()
    one = computed_in.pop() if len(computed_in) == 1 else float
    df = pd.DataFrame(
        {
            "event_id": ev["event_id"].to_numpy(dtype=object),
            "ticker": tickers,
            "day0": day0.to_numpy(),
            "return_day0": ret0 if np.isnan(ret0).any() else ret0.astype(one),
            "return_day0_1": ret01 if np.isnan(ret01).any() else ret01.astype(one),
            "reported_move_pct": ev["reported_move_pct"].to_numpy(),
        }
    )
    df["sign_disagrees"] = (
        df["return_day0"].notna()
        & (df["reported_move_pct"] != 0)
        & (np.sign(df["return_day0"]) != np.sign(df["reported_move_pct"]))
    )
    return df
