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
    "find_overlaps",
    "load_events",
]

#: Allowed values of ``timing``.
TIMINGS = ("pre-market", "during session", "after close", "unknown")
#: Ticker of market-wide events, expanded to a user-chosen universe.
MARKET_TICKER = "MKT"
_REQUIRED = ("event_id", "ticker", "date")
_HAS_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
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


def _event_dates(values: pd.Series, ids: pd.Series, what: str) -> pd.Series:
    """Each event's US date: ISO dates as they are, times with an offset in New York.

    ``2025-11-04T02:00:00Z`` is 21:00 on 2025-11-03 in New York, so its date is
    2025-11-03 (and an 'after close' timing then gives day 0 on 11-04). Each value is
    parsed on its own, so mixed offsets are fine.
    """
    from riskkit.data import parse_date

    out: list[pd.Timestamp | None] = []
    bad: list[str] = []
    for v, eid in zip(values, ids, strict=True):
        try:
            out.append(parse_date(str(v).strip(), "date"))
        except DataError:
            bad.append(eid)
            out.append(None)
    if bad:
        raise DataError(
            f"{what}: unparseable date for event(s) {bad[:5]}; write dates as YYYY-MM-DD "
            "(or an ISO date-time with an offset, e.g. 2025-11-04T02:00:00Z, read in New York)."
        )
    return pd.Series(pd.DatetimeIndex(out), index=values.index)


def _clock_timing(values: pd.Series) -> pd.Series:
    """The timing a date-time's New York clock time implies; NaN for plain dates.

    Before 09:30 is ``pre-market``, 09:30 to 15:59 ``during session``, from 16:00 ``after
    close``. A time without an offset is read as New York time; a naive midnight is taken
    for a plain date.
    """
    found: list[str | None] = []
    for v in values:
        text = str(v).strip()
        ts = None
        if _HAS_TIME.match(text):
            try:
                ts = pd.Timestamp(text)
            except (ValueError, TypeError):
                ts = None  # _event_dates reports it
        # a naive midnight is a plain date (e.g. a Timestamp column), not a time of day
        if ts is None or (ts.tzinfo is None and ts == ts.normalize()):
            found.append(None)
            continue
        if ts.tzinfo is not None:
            ts = ts.tz_convert("America/New_York")
        minutes = ts.hour * 60 + ts.minute
        found.append(
            "pre-market"
            if minutes < 9 * 60 + 30
            else "during session"
            if minutes < 16 * 60
            else "after close"
        )
    return pd.Series(found, index=values.index, dtype=object)


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
    clock = _clock_timing(df["date"])
    df["date"] = _event_dates(df["date"], df["event_id"], what)
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
    timing = timing.map(lambda t: _TIMING_ALIASES.get(t.replace("_", " "), t.replace("_", " ")))
    unknown_timing = sorted(set(timing) - set(TIMINGS))
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
        unknown = sorted(set(df["ticker"]) - allowed)
        if unknown:
            raise DataError(
                f"{what}: unknown ticker(s) {unknown}; available are {sorted(allowed)}. "
                "Fix the ticker or pass returns that include it."
            )
    return df.sort_values(["date", "ticker", "event_id"], kind="stable").reset_index(drop=True)


def expand_market_events(events: pd.DataFrame, universe: Sequence[str]) -> pd.DataFrame:
    """Replace each ``MKT`` event by one event per ticker of ``universe``.

    The new ``event_id`` is ``"<id>:<TICKER>"``; ``parent_id`` keeps the catalog id (equal
    to ``event_id`` for firm events).

    Examples
    --------
    >>> ev = pd.DataFrame({"event_id": ["m"], "ticker": ["MKT"], "date": ["2025-01-27"]})
    >>> expand_market_events(ev, ["IREN", "WULF"])["event_id"].tolist()
    ['m:IREN', 'm:WULF']
    """
    firm = events[events["ticker"] != MARKET_TICKER].copy()
    firm["parent_id"] = firm["event_id"]
    parts = [firm]
    for _, row in events[events["ticker"] == MARKET_TICKER].iterrows():
        for t in universe:
            r = row.copy()
            r["parent_id"] = row["event_id"]
            r["event_id"] = f"{row['event_id']}:{t}"
            r["ticker"] = t
            parts.append(r.to_frame().T)
    out = pd.concat(parts, ignore_index=True)
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
    day0: list = []
    if sessions is None:
        from riskkit.data import next_session, session_on_or_after

        try:
            day0 = [
                next_session(d) if t == "after close" else session_on_or_after(d)
                for d, t in zip(out["date"], out["timing"], strict=True)
            ]
        except Exception as exc:  # exchange-calendars raises its own errors out of range
            raise DataError(
                f"an event date ({out['date'].min().date()} to {out['date'].max().date()}) is "
                "outside the NYSE calendar (2000-2030) riskkit uses. Map day 0 on your own "
                "dates instead: event_study(..., calendar='returns')."
            ) from exc
    else:
        s = pd.DatetimeIndex(sessions)
        for d, t in zip(out["date"], out["timing"], strict=True):
            pos = int(s.searchsorted(d, side="right" if t == "after close" else "left"))
            day0.append(s[pos] if pos < len(s) else pd.NaT)
    out["day0"] = pd.to_datetime(pd.Series(day0, index=out.index))
    out["widened"] = out["timing"] == "unknown"
    return out


def find_overlaps(
    events: pd.DataFrame,
    sessions: pd.DatetimeIndex,
    *,
    estimation: int,
    gap: int,
    window: tuple[int, int],
) -> pd.DataFrame:
    """Same-firm events that fall in another event's estimation or event window.

    Parameters
    ----------
    events
        Events with ``day0`` (:func:`assign_day0`), one ticker each.
    sessions
        The trading-day grid (day offsets are counted on it).
    estimation, gap
        Estimation window ``[-gap-estimation, -gap-1]`` in trading days.
    window
        The union of the event windows ``(first, last)``. An event with
        ``widened`` True (unknown timing, column optional) reaches one session further.

    Returns
    -------
    DataFrame
        Columns ``event_id, other_event_id, ticker, kind`` with ``kind`` either
        ``"in_estimation_window"`` (the other event's window days lie in this event's
        estimation window) or ``"event_windows_overlap"``.

    Examples
    --------
    >>> s = pd.bdate_range("2025-01-01", periods=60)
    >>> ev = pd.DataFrame({"event_id": ["a", "b"], "ticker": ["X", "X"],
    ...                    "day0": [s[50], s[20]]})
    >>> find_overlaps(ev, s, estimation=30, gap=5, window=(-1, 1))["kind"].tolist()
    ['in_estimation_window']
    """
    rows = []
    s = pd.DatetimeIndex(sessions)
    pos = {
        eid: int(s.searchsorted(d))
        for eid, d in zip(events["event_id"], events["day0"], strict=True)
        if pd.notna(d)
    }
    a, b = window
    wide = (
        dict(zip(events["event_id"], events["widened"].astype(bool), strict=True))
        if "widened" in events
        else {}
    )
    for _, grp in events.groupby("ticker", sort=True):
        ids = [e for e in grp["event_id"] if e in pos]
        for i in ids:
            est_lo, est_hi = pos[i] - gap - estimation, pos[i] - gap - 1
            b_i = b + int(wide.get(i, False))
            for j in ids:
                if i == j:
                    continue
                w_lo, w_hi = pos[j] + a, pos[j] + b + int(wide.get(j, False))
                if w_lo <= est_hi and w_hi >= est_lo:
                    rows.append((i, j, grp["ticker"].iloc[0], "in_estimation_window"))
                if i < j and w_lo <= pos[i] + b_i and w_hi >= pos[i] + a:
                    rows.append((i, j, grp["ticker"].iloc[0], "event_windows_overlap"))
    return pd.DataFrame(rows, columns=["event_id", "other_event_id", "ticker", "kind"])


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
    out = []
    for _, r in ev.iterrows():
        ret0 = ret01 = np.nan
        if r["ticker"] in closes.columns:
            px = closes[r["ticker"]].dropna()
            p = int(px.index.searchsorted(r["day0"]))
            if 0 < p < len(px) and px.index[p] == r["day0"]:
                ret0 = px.iloc[p] / px.iloc[p - 1] - 1.0
                if p + 1 < len(px):
                    ret01 = px.iloc[p + 1] / px.iloc[p - 1] - 1.0
        out.append((r["event_id"], r["ticker"], r["day0"], ret0, ret01, r["reported_move_pct"]))
    df = pd.DataFrame(
        out,
        columns=["event_id", "ticker", "day0", "return_day0", "return_day0_1", "reported_move_pct"],
    )
    df["sign_disagrees"] = (
        df["return_day0"].notna()
        & (df["reported_move_pct"] != 0)
        & (np.sign(df["return_day0"]) != np.sign(df["reported_move_pct"]))
    )
    return df
