"""Exchange calendars and the pairing of 24/7 bitcoin with equity sessions.

The equity calendar is exchange-calendars' ``XNYS`` (New York Stock Exchange), never a
hand-kept holiday list. It includes special closures such as the national day of mourning
on 2025-01-09.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import exchange_calendars as xcals
import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.data.dates import parse_date

__all__ = [
    "CALENDAR_END",
    "CALENDAR_START",
    "btc_session_returns",
    "equity_calendar",
    "equity_sessions",
    "is_24_7",
    "next_session",
    "session_on_or_after",
]

#: Fixed bounds so results do not depend on the day the code runs.
CALENDAR_START = "2000-01-03"
CALENDAR_END = "2030-12-31"

#: Tickers that trade every calendar day (UTC days).
_TWENTY_FOUR_SEVEN = frozenset({"BTC-USD", "ETH-USD"})


def is_24_7(ticker: str) -> bool:
    """True for assets that trade every calendar day (crypto pairs such as ``BTC-USD``)."""
    return ticker.upper() in _TWENTY_FOUR_SEVEN or ticker.upper().endswith("-USD")


@lru_cache(maxsize=1)
def equity_calendar() -> xcals.ExchangeCalendar:
    """The NYSE calendar (exchange-calendars ``XNYS``) from 2000 to 2030.

    Examples
    --------
    >>> cal = equity_calendar()
    >>> cal.is_session("2025-01-09")  # national day of mourning: closed
    False
    """
    return xcals.get_calendar("XNYS", start=CALENDAR_START, end=CALENDAR_END)


def equity_sessions(start: str | pd.Timestamp, end: str | pd.Timestamp) -> pd.DatetimeIndex:
    """NYSE sessions from ``start`` to ``end`` inclusive, tz-naive, named ``date``.

    ``start`` and ``end`` are read by :func:`riskkit.data.parse_date` (ISO dates or
    date/Timestamp objects; a tz-aware value counts as its date in New York).

    Examples
    --------
    >>> list(equity_sessions("2025-11-26", "2025-12-01").strftime("%Y-%m-%d"))
    ['2025-11-26', '2025-11-28', '2025-12-01']
    """
    start_ts, end_ts = parse_date(start, "start"), parse_date(end, "end")
    if start_ts > end_ts:
        raise DataError(f"start {start_ts.date()} is after end {end_ts.date()}; swap them.")
    cal = equity_calendar()
    lo = max(start_ts, cal.first_session)
    hi = min(end_ts, cal.last_session)
    if lo > hi:
        return pd.DatetimeIndex([], name="date")
    out = cal.sessions_in_range(lo, hi)
    return pd.DatetimeIndex(out.tz_localize(None) if out.tz is not None else out, name="date")


def session_on_or_after(date: str | pd.Timestamp) -> pd.Timestamp:
    """The first NYSE session on or after ``date`` (a session date maps to itself)."""
    cal = equity_calendar()
    return pd.Timestamp(cal.date_to_session(pd.Timestamp(date).normalize(), direction="next"))


def next_session(date: str | pd.Timestamp) -> pd.Timestamp:
    """The first NYSE session strictly after ``date``.

    Examples
    --------
    >>> str(next_session("2025-11-13").date()), str(next_session("2025-11-14").date())
    ('2025-11-14', '2025-11-17')
    """
    return session_on_or_after(pd.Timestamp(date).normalize() + pd.Timedelta(days=1))


def btc_session_returns(
    btc_close: pd.Series,
    sessions: pd.DatetimeIndex,
    *,
    kind: Literal["simple", "log"] = "simple",
) -> pd.Series:
    """Bitcoin's return over each equity session interval.

    Parameters
    ----------
    btc_close
        Daily BTC-USD closes on UTC calendar days (Yahoo's bars: the bar dated D closes
        at 00:00 UTC of D+1).
    sessions
        Equity session dates (e.g. ``equity_sessions(...)`` or a stock's return index).
    kind
        ``"simple"`` gives ``P_s / P_{s_prev} - 1``; ``"log"`` gives ``log(P_s / P_{s_prev})``.

    Returns
    -------
    Series
        Indexed by ``sessions[1:]`` (named ``BTC-USD``): the BTC return from the close of
        the previous session's date to the close of this session's date. Friday to Monday
        compounds Saturday, Sunday and Monday; a holiday is compounded into the next session.

    Raises
    ------
    DataError
        If a BTC close is missing on a session date (no forward fill is done: a missing bar
        is reported, not repaired).

    Notes
    -----
    ``R^BTC_s = P^BTC_{d(s)} / P^BTC_{d(s-1)} - 1`` where ``d(s)`` is the calendar date of
    session ``s``. The product of the daily BTC gross returns over the interval equals this
    ratio, so nothing is lost on weekends.

    Timing caveat: the BTC daily close is at 00:00 UTC (20:00 EDT in summer, 19:00 EST in
    winter), 3 to 4 hours
    *after* the 16:00 ET equity close. News that breaks after the equity close but before
    00:00 UTC is in the BTC return of session ``s`` but in the stock's return of ``s+1``.
    This asynchrony biases same-day betas toward zero; use a lagged term or multi-day
    returns when it matters.

    Examples
    --------
    >>> btc = pd.Series([100.0, 110.0, 121.0, 133.1],
    ...                 index=pd.to_datetime(["2025-11-14", "2025-11-15", "2025-11-16", "2025-11-17"]))
    >>> btc_session_returns(btc, pd.DatetimeIndex(["2025-11-14", "2025-11-17"])).round(4).tolist()
    [0.331]
    """
    if kind not in ("simple", "log"):
        raise DataError(f"kind={kind!r} is not allowed; use 'simple' or 'log'.")
    if not isinstance(btc_close, pd.Series) or not isinstance(btc_close.index, pd.DatetimeIndex):
        raise DataError(
            "btc_close must be a pandas Series with a DatetimeIndex of UTC days; "
            f"got {type(btc_close).__name__}. Use load_closes(['BTC-USD'])['BTC-USD']."
        )
    days = pd.DatetimeIndex(sessions).normalize()
    close = btc_close.copy()
    close.index = pd.DatetimeIndex(close.index).normalize()
    close = close[~close.index.duplicated(keep="last")]
    missing = days.difference(pd.DatetimeIndex(close.dropna().index))
    if len(missing):
        raise DataError(
            f"BTC close is missing on {len(missing)} session date(s), e.g. "
            f"{[str(d.date()) for d in missing[:5]]}. Restrict the sessions to BTC's date "
            "range or supply the missing bars; riskkit does not forward-fill prices."
        )
    level = close.reindex(days).to_numpy(dtype=float)
    ratio = level[1:] / level[:-1]
    values = np.log(ratio) if kind == "log" else ratio - 1.0
    return pd.Series(values, index=pd.DatetimeIndex(sessions[1:], name="date"), name="BTC-USD")
