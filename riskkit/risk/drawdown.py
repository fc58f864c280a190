"""Drawdowns: underwater series, maximum drawdown, durations and a top-N table.

Drawdowns are **negative fractions in [-1, 0]** (-0.25 = 25% below the running peak),
measured on wealth ``W_t = prod_{s<=t}(1 + r_s)`` that starts at 1 before the first
return, so a loss on the first day is already a drawdown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit._validation import NanPolicy, check_timeseries
from riskkit.risk._common import (
    _is_native,
    apply_columns,
    clean_series,
    column_values,
    each_column,
    report_nans,
    without_attrs,
)

__all__ = ["drawdown_series", "drawdown_table", "max_drawdown", "max_drawdown_duration"]


def _dd(x: np.ndarray) -> np.ndarray:
    wealth = np.cumprod(1.0 + x)
    peak = np.maximum.accumulate(np.concatenate([[1.0], wealth]))[1:]
    return wealth / peak - 1.0


def _dd_columns(a: np.ndarray) -> np.ndarray:
    """:func:`_dd` of each column of an ``(n, k)`` array, in one pass.

    ``max(1, running max of W)`` is the running max of ``[1, W]``, so the figures are
    those of :func:`_dd` column by column, bit for bit.
    """
    wealth = 1.0 + a
    np.cumprod(wealth, axis=0, out=wealth)
    peak = np.maximum.accumulate(wealth, axis=0)
    np.maximum(peak, 1.0, out=peak)
    np.divide(wealth, peak, out=wealth)
    wealth -= 1.0
    return wealth


def _check_returns_floor(x: pd.Series | pd.DataFrame | np.ndarray) -> None:
    if np.asarray(x < -1.0).any():
        raise DataError(
            "returns below -100% found; simple returns must be >= -1. Were log returns or "
            "percent numbers passed? Convert with np.expm1(log_r) or r / 100."
        )


def drawdown_series(
    returns: pd.Series | pd.DataFrame, *, nan_policy: NanPolicy = "raise"
) -> pd.Series | pd.DataFrame:
    """Underwater curve: distance of wealth below its running peak.

    Parameters
    ----------
    returns
        Simple returns in decimals.
    nan_policy
        ``"raise"`` or ``"omit"`` (NaN returns are treated as 0 for the wealth path and
        their drawdown is NaN). A frame's leading/trailing NaNs (its listing span) and the
        non-session NaNs of :func:`native_returns` are allowed under either (reported).

    Returns
    -------
    Series or DataFrame
        Same shape and index, values in [-1, 0].

    Notes
    -----
    ``DD_t = W_t / max(1, max_{s<=t} W_s) - 1`` with ``W_t = prod_{s<=t} (1 + r_s)``.
    Identical to ``empyrical.drawdown_series``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.1, -0.5, 0.2], index=pd.bdate_range("2024-01-01", periods=3))
    >>> drawdown_series(r).round(4).tolist()
    [0.0, -0.5, -0.4]
    """
    native = _is_native(returns)
    x = check_timeseries(
        without_attrs(returns),
        min_length=1,
        nan_policy=nan_policy,
        listing_span=True,
        native_calendar=native,
    )
    arr = column_values(x)
    _check_returns_floor(arr)
    nan = np.isnan(arr)
    report_nans("returns", x, nan, native=native, stacklevel=3)
    out = _dd_columns(np.where(nan, 0.0, arr))
    out[nan] = np.nan
    if isinstance(x, pd.Series):
        return pd.Series(out[:, 0], index=x.index, name=x.name)
    return pd.DataFrame(out, index=x.index, columns=x.columns)


def max_drawdown(
    returns: pd.Series | pd.DataFrame, *, nan_policy: NanPolicy = "raise"
) -> float | pd.Series:
    """Maximum drawdown, a number in [-1, 0].

    Returns
    -------
    float or Series
        Float for a Series, Series by column for a DataFrame.

    Notes
    -----
    ``MDD = min_t DD_t`` (see :func:`drawdown_series`); identical to
    ``empyrical.max_drawdown`` and ``quantstats.stats.max_drawdown``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.1, -0.5, 0.2], index=pd.bdate_range("2024-01-01", periods=3))
    >>> max_drawdown(r)
    -0.5
    """

    def columns(a: np.ndarray) -> np.ndarray:
        _check_returns_floor(a)
        return _dd_columns(a).min(axis=0)

    return apply_columns(returns, columns, min_length=1, nan_policy=nan_policy)


def _spells(dd: np.ndarray) -> list[tuple[int, int]]:
    """(start, end_exclusive) of each run of dd < 0."""
    under = dd < 0
    edges = np.diff(np.concatenate([[0], under.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def drawdown_table(
    returns: pd.Series, *, top: int = 5, nan_policy: NanPolicy = "raise"
) -> pd.DataFrame:
    """The ``top`` deepest drawdowns with their peak, trough, recovery and durations.

    Parameters
    ----------
    returns
        One series of simple returns.
    top
        Number of drawdowns, deepest first.
    nan_policy
        ``"raise"`` or ``"omit"``.

    Returns
    -------
    DataFrame
        One row per drawdown: ``peak`` (last date at the running high; NaT when the
        drawdown starts on the first return, i.e. from the initial capital), ``trough``,
        ``recovery`` (first date back at the high; NaT if not recovered), ``depth``
        (in [-1, 0]), ``to_trough`` (periods from peak to trough), ``to_recovery``
        (periods from trough to recovery, NaN if not recovered), ``duration`` (periods
        from the peak to the recovery, or to the last observation if ongoing; a peak
        at the initial capital counts as the period before the first return) and
        ``recovered``. Periods are observations of the input, not calendar days.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.1, -0.5, 1.0, 0.2, -0.1], index=pd.bdate_range("2024-01-01", periods=5))
    >>> drawdown_table(r)[["depth", "duration", "recovered"]]
       depth  duration  recovered
    0   -0.5         2       True
    1   -0.1         1      False
    """
    x = check_timeseries(returns, min_length=1, nan_policy=nan_policy)
    if not isinstance(x, pd.Series):
        raise DataError("drawdown_table takes one Series; loop over the columns of a frame.")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise DataError(f"top must be a positive integer, got {top!r}.")
    x = clean_series(x, name="returns", min_length=1, nan_policy=nan_policy)
    _check_returns_floor(x)
    dd = _dd(x.to_numpy(dtype=float))
    idx = x.index
    rows = []
    for i0, i1 in _spells(dd):
        it = i0 + int(np.argmin(dd[i0:i1]))
        recovered = i1 < len(dd)
        rows.append(
            {
                "peak": idx[i0 - 1] if i0 > 0 else pd.NaT,
                "trough": idx[it],
                "recovery": idx[i1] if recovered else pd.NaT,
                "depth": float(dd[it]),
                "to_trough": it - i0 + 1,
                "to_recovery": float(i1 - it) if recovered else np.nan,
                "duration": (i1 - i0 + 1) if recovered else (i1 - i0),
                "recovered": recovered,
            }
        )
    cols = [
        "peak",
        "trough",
        "recovery",
        "depth",
        "to_trough",
        "to_recovery",
        "duration",
        "recovered",
    ]
    table = pd.DataFrame(rows, columns=cols)
    return table.sort_values("depth", kind="stable").head(top).reset_index(drop=True)


def max_drawdown_duration(
    returns: pd.Series | pd.DataFrame, *, nan_policy: NanPolicy = "raise"
) -> float | pd.Series:
    """Longest time under water, in periods (see ``duration`` in :func:`drawdown_table`).

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.1, -0.5, 1.0, 0.2, -0.1], index=pd.bdate_range("2024-01-01", periods=5))
    >>> max_drawdown_duration(r)
    2.0
    """

    def one(x: np.ndarray) -> float:
        _check_returns_floor(x)
        dd = _dd(x)
        spells = _spells(dd)
        if not spells:
            return 0.0
        return float(max((i1 - i0 + 1) if i1 < len(dd) else (i1 - i0) for i0, i1 in spells))

    return apply_columns(returns, each_column(one), min_length=1, nan_policy=nan_policy)
