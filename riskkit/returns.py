"""Simple and log returns, and explicit alignment that reports what it drops."""

from __future__ import annotations

import copy
from typing import Literal, TypeVar

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit._validation import check_timeseries, warn

__all__ = [
    "Calendar",
    "align",
    "log_returns",
    "simple_returns",
    "to_log",
    "to_simple",
    "total_returns",
]

T = TypeVar("T", pd.Series, pd.DataFrame)


def _check_prices(prices: T) -> T:
    check_timeseries(prices, name="prices", min_length=2, nan_policy="omit")
    arr = prices.to_numpy(dtype=float)
    if (arr[~np.isnan(arr)] <= 0).any():
        raise DataError(
            "prices contain zero or negative values; returns are undefined there. "
            "Check the data with `riskkit data check` and remove those rows."
        )
    return prices


Calendar = Literal["own", "shared"]


def _per_column(prices: T, op: str, calendar: Calendar) -> T:
    """Returns between each column's consecutive non-missing prices, or between rows."""
    if calendar not in ("own", "shared"):
        raise DataError(f"calendar={calendar!r} is not allowed; use 'own' or 'shared'.")

    def ratio(p: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
        return p / p.shift(1)

    frame = prices.to_frame() if isinstance(prices, pd.Series) else prices
    if calendar == "own":
        cols = {c: ratio(frame[c].dropna()).reindex(frame.index) for c in frame.columns}
        rel = pd.DataFrame(cols, index=frame.index, columns=frame.columns)
    else:
        rel = pd.DataFrame(ratio(frame))
        own = pd.DataFrame(
            {c: ratio(frame[c].dropna()).reindex(frame.index) for c in frame.columns},
            index=frame.index,
            columns=frame.columns,
        )
        lost = (rel.isna() & own.notna()).sum()
        lost = lost[lost > 0]
        if len(lost):
            listing = ", ".join(f"{c}: {int(n)}" for c, n in lost.items())
            warn(
                f"{op}(calendar='shared'): returns next to a missing price are NaN, so "
                f"{int(lost.sum())} return(s) were lost ({listing}); pass calendar='own' to "
                "compute each column on its own dates.",
                stacklevel=4,
            )
    out = (rel - 1.0) if op == "simple_returns" else rel.apply(np.log)
    out = out.iloc[1:]
    out.attrs = copy.deepcopy(prices.attrs)  # provenance (load_closes' sources) travels on
    if isinstance(prices, pd.Series):
        col = out.iloc[:, 0]
        col.name = prices.name
        return col  # type: ignore[return-value]
    return out  # type: ignore[return-value]


def simple_returns(prices: T, *, calendar: Calendar = "own") -> T:
    """Simple returns ``R_t = P_t / P_{t-1} - 1``, each column on its own calendar.

    No price is filled. With ``calendar="own"`` (default) each column's return at ``t``
    is taken from its previous *non-missing* price, so a wide frame mixing equities and
    BTC-USD (``load_prices([..., "BTC-USD"])["close"]``, whose index is the union of both
    calendars) keeps every Monday and post-holiday equity return (Friday to Monday); a
    column has NaN only on dates where it has no price, and at its first price.

    Parameters
    ----------
    prices
        Positive prices on a sorted unique DatetimeIndex.
    calendar
        ``"own"``: between each column's consecutive non-missing prices. ``"shared"``:
        between consecutive rows, so a return next to a missing price is NaN; a
        :class:`~riskkit.RiskkitWarning` then counts, per column, the returns lost that way.

    Returns
    -------
    Series or DataFrame
        Same type and columns as ``prices``, index ``prices.index[1:]``.

    Notes
    -----
    A NaN inside one column's data (a missing session, not a different calendar) is
    bridged the same way under ``"own"``: the next return spans from the last price.
    ``riskkit data check`` reports such missing sessions.

    Examples
    --------
    >>> p = pd.Series([100.0, 110.0, 99.0], index=pd.date_range("2025-01-01", periods=3))
    >>> simple_returns(p).round(4).tolist()
    [0.1, -0.1]
    >>> wide = pd.DataFrame({"EQ": [10.0, None, None, 11.0], "BTC": [1.0, 2.0, 2.0, 4.0]},
    ...                     index=pd.date_range("2025-11-14", periods=4))  # Fri..Mon
    >>> simple_returns(wide)["EQ"].round(2).tolist()  # Monday's return: 11 / 10 - 1
    [nan, nan, 0.1]
    """
    _check_prices(prices)
    return _per_column(prices, "simple_returns", calendar)


def log_returns(prices: T, *, calendar: Calendar = "own") -> T:
    """Log returns ``r_t = ln(P_t / P_{t-1})``; same conventions as :func:`simple_returns`.

    Examples
    --------
    >>> p = pd.Series([100.0, 110.0], index=pd.date_range("2025-01-01", periods=2))
    >>> round(float(log_returns(p).iloc[0]), 6)
    0.09531
    """
    _check_prices(prices)
    return _per_column(prices, "log_returns", calendar)


def total_returns(prices: pd.Series, dividends: pd.Series) -> pd.Series:
    """Simple total returns ``R_t = (P_t + D_t) / P_{t-1} - 1`` from raw closes and cash dividends.

    ``D_t`` is the cash dividend with ex-date ``t`` (0 on other days), as in the bundled
    ``dividends/SPY.csv``. An ex-date that is not a row of ``prices`` is an error (it
    would be lost silently otherwise).

    Examples
    --------
    >>> idx = pd.to_datetime(["2025-03-20", "2025-03-21", "2025-03-24"])
    >>> p = pd.Series([100.0, 99.0, 100.0], index=idx)
    >>> d = pd.Series([1.5], index=pd.to_datetime(["2025-03-21"]))
    >>> total_returns(p, d).round(4).tolist()
    [0.005, 0.0101]
    """
    _check_prices(prices)
    if not isinstance(dividends, pd.Series):
        raise DataError("dividends must be a Series of cash amounts indexed by ex-date.")
    inside = dividends[(dividends.index > prices.index[0]) & (dividends.index <= prices.index[-1])]
    off = inside.index.difference(prices.index)
    if len(off):
        raise DataError(
            f"{len(off)} dividend ex-date(s) are not price dates, e.g. {off[0].date()}. "
            "Align the dividend dates to sessions first."
        )
    d = inside.reindex(prices.index, fill_value=0.0)
    out = (prices + d) / prices.shift(1) - 1.0
    return out.iloc[1:]


def to_log(simple: T) -> T:
    """``ln(1 + R)``: convert simple to log returns."""
    return simple.apply(np.log1p)


def to_simple(log: T) -> T:
    """``exp(r) - 1``: convert log to simple returns."""
    return log.apply(np.expm1)


def align(
    *objs: pd.Series | pd.DataFrame,
    how: Literal["inner", "dropna"] = "inner",
    names: list[str] | None = None,
) -> tuple[pd.Series | pd.DataFrame, ...]:
    """Align several series/frames on common dates, reporting every dropped date.

    Parameters
    ----------
    *objs
        Series or DataFrames with DatetimeIndex.
    how
        ``"inner"``: keep dates present in every input. ``"dropna"``: additionally drop
        dates where any input has a NaN.
    names
        Labels for the warning (default ``input 0``, ``input 1``...).

    Returns
    -------
    tuple
        The inputs restricted to the kept dates, in the same order.

    Warns
    -----
    RiskkitWarning
        Listing, per input, how many dates were dropped and the first few.

    Examples
    --------
    >>> a = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2025-01-01", periods=3))
    >>> b = pd.Series([1.0, 2.0], index=pd.date_range("2025-01-02", periods=2))
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     x, y = align(a, b)
    >>> len(x), len(y)
    (2, 2)
    """
    if not objs:
        raise DataError("align() needs at least one Series or DataFrame.")
    if how not in ("inner", "dropna"):
        raise DataError(f"how={how!r} is not allowed; use 'inner' or 'dropna'.")
    labels = names or [f"input {i}" for i in range(len(objs))]
    common = objs[0].index
    for o in objs[1:]:
        common = common.intersection(o.index)
    if how == "dropna":
        keep = pd.Series(True, index=common)
        for o in objs:
            sub = o.reindex(common)
            bad = sub.isna() if isinstance(sub, pd.Series) else sub.isna().any(axis=1)
            keep &= ~bad
        common = common[keep.to_numpy()]
    messages = []
    for label, o in zip(labels, objs, strict=True):
        dropped = o.index.difference(common)
        if len(dropped):
            first = ", ".join(str(d.date()) for d in dropped[:3])
            messages.append(f"{label}: {len(dropped)} date(s) dropped (first: {first})")
    if messages:
        warn("align(): " + "; ".join(messages), stacklevel=3)
    return tuple(o.loc[common] for o in objs)
