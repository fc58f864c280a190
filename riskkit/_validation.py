"""The one shared validator for time-series inputs.

Every public function that takes returns or prices calls :func:`check_timeseries` first,
so a user gets the same clear error everywhere: what was received, what is allowed, and
how to fix it.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from riskkit._errors import DataError, RiskkitWarning

__all__ = ["NanPolicy", "check_timeseries", "check_window_fits", "edge_nan_mask", "warn"]

NanPolicy = Literal["raise", "omit"]


def warn(message: str, *, stacklevel: int = 3) -> None:
    """Issue a :class:`RiskkitWarning` pointing at the caller's caller."""
    warnings.warn(message, RiskkitWarning, stacklevel=stacklevel)


def edge_nan_mask(nans: np.ndarray) -> np.ndarray:
    """True where a NaN lies before the first or after the last value of its column.

    ``nans`` is an ``(n_obs, n_cols)`` boolean array; an all-NaN column is all edge.
    In a wide frame these are the dates before a listing or after a delisting.
    """
    valid = ~nans
    lead = np.cumsum(valid, axis=0) == 0
    trail = np.cumsum(valid[::-1], axis=0)[::-1] == 0
    return nans & (lead | trail)


def check_timeseries(
    x: object,
    *,
    name: str = "returns",
    min_length: int = 2,
    nan_policy: NanPolicy = "raise",
    require_datetime_index: bool = True,
    listing_span: bool = False,
    native_calendar: bool = False,
) -> pd.Series | pd.DataFrame:
    """Check a Series/DataFrame of numbers on a sorted, unique DatetimeIndex.

    Parameters
    ----------
    x
        The user's input.
    name
        What the input is called in error messages.
    min_length
        Fewest non-missing observations (per column) required.
    nan_policy
        ``"raise"``: any NaN is an error. ``"omit"``: NaNs are allowed (the caller drops
        them per column and must report what it dropped).
    require_datetime_index
        If False, any unique sorted index is accepted (e.g. trade numbers).
    listing_span
        For a DataFrame: NaNs before a column's first value or after its last one (not
        listed yet, delisted) are its listing span, not missing data, and are allowed
        under ``nan_policy="raise"`` (the caller uses each column on its own span and
        reports it). Interior NaNs still follow ``nan_policy``.
    native_calendar
        For a DataFrame from :func:`riskkit.risk.native_returns`: interior NaNs mark days
        the asset does not trade (its own calendar) and are allowed too.

    Returns
    -------
    Series or DataFrame
        The same object (never a copy with changed values).

    Raises
    ------
    DataError
        Wrong type, bad index, non-numeric, boolean or infinite values, NaNs under
        ``nan_policy="raise"``, too few observations.
    """
    if nan_policy not in ("raise", "omit"):
        raise DataError(f"nan_policy={nan_policy!r} is not allowed; use 'raise' or 'omit'.")
    if not isinstance(x, pd.Series | pd.DataFrame):
        raise DataError(
            f"{name} must be a pandas Series or DataFrame, got {type(x).__name__}. "
            "Wrap arrays as pd.Series(values, index=pd.DatetimeIndex(dates))."
        )
    idx = x.index
    if require_datetime_index and not isinstance(idx, pd.DatetimeIndex):
        raise DataError(
            f"{name} must have a DatetimeIndex, got {type(idx).__name__}. "
            "Fix with x.index = pd.to_datetime(x.index)."
        )
    if idx.has_duplicates:
        dups = idx[idx.duplicated()].unique()[:5]
        raise DataError(
            f"{name} has duplicate index labels, e.g. {list(map(str, dups))}. "
            "Each date must appear once; drop them with x[~x.index.duplicated()]."
        )
    if not idx.is_monotonic_increasing:
        raise DataError(f"{name} index is not sorted ascending. Fix with x.sort_index().")
    if isinstance(x, pd.DataFrame) and x.columns.has_duplicates:
        dup_cols = list(x.columns[x.columns.duplicated()].unique()[:5])
        raise DataError(
            f"{name} has duplicate column labels {dup_cols}. Each column must be named once; "
            "rename them or drop the copies with x.loc[:, ~x.columns.duplicated()]."
        )
    dtypes = list(x.dtypes.items()) if isinstance(x, pd.DataFrame) else [(x.name, x.dtype)]
    non_numeric = [c for c, dt in dtypes if not pd.api.types.is_numeric_dtype(dt)]
    if non_numeric:
        raise DataError(
            f"{name} has non-numeric columns {non_numeric}. Only numbers are allowed; "
            "convert with pd.to_numeric or drop those columns."
        )
    booleans = [c for c, dt in dtypes if pd.api.types.is_bool_dtype(dt)]
    if booleans:
        raise DataError(
            f"{name} has boolean values (columns {booleans}); returns must be numbers. "
            "Signals go to riskkit.backtest.Signals; to use them as numbers, convert "
            "explicitly with x.astype(float)."
        )
    arr = x.to_numpy(dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    if np.isinf(arr).any():
        raise DataError(
            f"{name} contains +/-inf values. Returns must be finite; a zero or negative price "
            "upstream is the usual cause."
        )
    nans = np.isnan(arr)
    counted = nans
    if native_calendar:
        counted = np.zeros_like(nans)
    elif listing_span:
        counted = nans & ~edge_nan_mask(nans)
    if counted.any() and nan_policy == "raise":
        first = x.index[counted.any(axis=1)][0]
        where = "inside a column's listing span " if counted is not nans else ""
        raise DataError(
            f"{name} contains {int(counted.sum())} NaN value(s) {where}(first at {first}). "
            "Pass nan_policy='omit' to drop them per column, or clean them with x.dropna()."
        )
    counts = (~nans).sum(axis=0)
    if counts.size == 0 or counts.min() < min_length:
        got = int(counts.min()) if counts.size else 0
        raise DataError(
            f"{name} has {got} non-missing observation(s); at least {min_length} are needed. "
            "Pass a longer sample."
        )
    return x


def check_window_fits(x: pd.Series | pd.DataFrame, window: int, *, name: str = "returns") -> None:
    """Refuse a rolling window longer than the data; warn for the columns it does not fit.

    A window of more observations than a column has gives that column only NaN, which
    is a silent wrong result rather than an answer.

    Raises
    ------
    DataError
        If ``window`` exceeds the non-missing observations of every column.
    """
    counts = (
        x.notna().sum() if isinstance(x, pd.DataFrame) else pd.Series({x.name: x.notna().sum()})
    )
    longest = int(counts.max()) if len(counts) else 0
    if window > longest:
        raise DataError(
            f"window={window} is longer than {name} ({longest} non-missing observations): "
            f"every rolling value would be NaN. Use window <= {longest} or a longer sample."
        )
    short = {k: int(v) for k, v in counts.items() if v < window}
    if short:
        warn(
            f"window={window} is longer than the data of column(s) {short} "
            "(non-missing observations): their rolling values are all NaN.",
            stacklevel=4,
        )
