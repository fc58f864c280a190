"""Shared plumbing for the risk functions: input checks and Series/DataFrame dispatch."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit._validation import NanPolicy, check_timeseries, edge_nan_mask, warn

if TYPE_CHECKING:
    from riskkit._annualization import Annualization

__all__ = [
    "NATIVE_CALENDAR_ATTR",
    "apply_annualized",
    "apply_by_column",
    "apply_columns",
    "as_weights",
    "check_horizon",
    "check_level",
    "clean_series",
    "column_values",
    "each_column",
    "without_attrs",
]


#: ``attrs`` key set by :func:`riskkit.risk.native_returns`: interior NaNs are non-sessions.
NATIVE_CALENDAR_ATTR = "riskkit_native_calendar"


def _is_native(x: object) -> bool:
    return isinstance(x, pd.Series | pd.DataFrame) and bool(
        x.attrs.get(NATIVE_CALENDAR_ATTR, False)
    )


def _label_date(v: object) -> str:
    return str(v.date()) if isinstance(v, pd.Timestamp) else str(v)


def report_nans(
    name: str, checked: pd.Series | pd.DataFrame, nan: np.ndarray, *, native: bool, stacklevel: int
) -> None:
    """Warn about the NaNs dropped per column, split by kind.

    For a DataFrame, NaNs before a column's first or after its last value are its listing
    span (the column is used from its first to its last value); with ``native`` the
    interior NaNs are the days the asset does not trade; any other NaN was dropped under
    ``nan_policy='omit'``. One :class:`RiskkitWarning` per kind found.
    """
    if isinstance(checked, pd.Series):
        nan = nan.reshape(-1, 1)
        if not native and not edge_nan_mask(nan).any():
            n_nan = int(nan.sum())
            if n_nan:
                warn(
                    f"{name}: dropped {n_nan} NaN observation(s) (nan_policy='omit').",
                    stacklevel=stacklevel + 1,
                )
            return
        checked = checked.to_frame(name=checked.name if checked.name is not None else name)
    labels = list(checked.columns)
    edge = edge_nan_mask(nan)
    spans = {}
    for j in np.flatnonzero(edge.any(axis=0) & (~nan).any(axis=0)):
        valid = checked.index[~nan[:, j]]
        spans[labels[j]] = f"{_label_date(valid[0])} to {_label_date(valid[-1])}"
    if spans:
        warn(
            f"{name}: column(s) used on their own listing span (NaN before the first or after "
            f"the last value = not listed yet or delisted): {spans}.",
            stacklevel=stacklevel + 1,
        )
    inner = (nan & ~edge).sum(axis=0)
    dropped = {labels[j]: int(inner[j]) for j in np.flatnonzero(inner)}
    if dropped and native:
        warn(
            f"{name}: each column on its own trading calendar (native returns); days without "
            f"a session skipped per column: {dropped}.",
            stacklevel=stacklevel + 1,
        )
    elif dropped:
        warn(
            f"{name}: dropped NaN observations per column (nan_policy='omit'): {dropped}.",
            stacklevel=stacklevel + 1,
        )


def check_level(level: float) -> float:
    """Validate a confidence level in (0, 1) such as 0.99."""
    if (
        isinstance(level, bool)
        or not isinstance(level, int | float | np.floating)
        or not (0.0 < float(level) < 1.0)
    ):
        raise DataError(
            f"level must be a confidence level strictly between 0 and 1 (e.g. 0.99), got "
            f"{level!r}. Write 99% as 0.99."
        )
    return float(level)


def check_horizon(horizon: int) -> int:
    """Validate a horizon in periods (a positive integer)."""
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise DataError(
            f"horizon must be a positive integer number of periods, got {horizon!r}. "
            "Use horizon=10 for a 10-day VaR."
        )
    return int(horizon)


def clean_series(s: pd.Series, *, name: str, min_length: int, nan_policy: NanPolicy) -> pd.Series:
    """Drop NaNs (allowed only under ``nan_policy='omit'``) and check the length again."""
    n_nan = int(s.isna().sum())
    if n_nan:
        s = s.dropna()
        if len(s) < min_length:
            raise DataError(
                f"{name} has {len(s)} non-missing observation(s) after dropping {n_nan} NaN(s); "
                f"at least {min_length} are needed. Pass a longer sample."
            )
    return s.astype(float)


def one_series(
    x: object, *, name: str, min_length: int, nan_policy: NanPolicy, what: str, stacklevel: int = 4
) -> pd.Series:
    """Validate a one-Series input like :func:`apply_by_column` does for each column.

    NaNs before the first or after the last value (listing span) and, for a column of
    :func:`native_returns`, the days the asset does not trade are skipped and reported;
    other NaNs follow ``nan_policy``. A DataFrame is refused with ``what`` (how to use
    the function on a frame).
    """
    if isinstance(x, pd.DataFrame):
        raise DataError(what)
    native = _is_native(x)
    checked = check_timeseries(
        x, name=name, min_length=min_length, nan_policy=nan_policy,
        listing_span=True, native_calendar=native,
    )  # fmt: skip
    if not isinstance(checked, pd.Series):
        raise DataError(what)
    report_nans(name, checked, np.isnan(checked.to_numpy(dtype=float)), native=native,
                stacklevel=stacklevel)  # fmt: skip
    return clean_series(checked, name=name, min_length=min_length, nan_policy="omit")


def apply_by_column(
    x: object,
    func: Callable[[pd.Series], Any],
    *,
    name: str = "returns",
    min_length: int = 2,
    nan_policy: NanPolicy = "raise",
    require_datetime_index: bool = True,
    stacklevel: int = 4,
) -> Any:
    """Validate ``x`` and apply ``func`` to each column.

    Series in gives ``func``'s value; DataFrame in gives a Series indexed by the columns
    (or a DataFrame when ``func`` returns Series). NaNs dropped under ``nan_policy='omit'``
    are reported with a RiskkitWarning.
    """
    native = _is_native(x)
    checked = check_timeseries(
        x,
        name=name,
        min_length=min_length,
        nan_policy=nan_policy,
        require_datetime_index=require_datetime_index,
        listing_span=True,
        native_calendar=native,
    )
    nan = np.isnan(column_values(checked))
    if isinstance(checked, pd.Series):
        report_nans(name, checked, nan, native=native, stacklevel=stacklevel)
        return func(clean_series(checked, name=name, min_length=min_length, nan_policy=nan_policy))
    results: dict[Any, Any] = {}
    for col in checked.columns:
        s = checked[col]
        results[col] = func(
            clean_series(s, name=f"{name}[{col!r}]", min_length=min_length, nan_policy=nan_policy)
        )
    report_nans(name, checked, nan, native=native, stacklevel=stacklevel)
    first = next(iter(results.values()))
    if isinstance(first, pd.Series):
        return pd.DataFrame(results)
    return pd.Series({k: float(v) for k, v in results.items()}, dtype=float)


def as_weights(weights: object, columns: pd.Index) -> pd.Series:
    """Turn a dict/Series/sequence of weights into a Series on ``columns``.

    Raises
    ------
    DataError
        Unknown or missing tickers, wrong length, non-finite weights.
    """
    if isinstance(weights, dict):
        weights = pd.Series(weights, dtype=float)
    if isinstance(weights, pd.Series):
        unknown = [k for k in weights.index if k not in columns]
        if unknown:
            raise DataError(
                f"weights name tickers {unknown} that are not columns of the returns "
                f"({list(columns)}). Use the same tickers in both."
            )
        missing = [c for c in columns if c not in weights.index]
        if missing:
            raise DataError(
                f"weights are missing for {missing}. Give a weight (0 is fine) for every "
                "column, or drop those columns from the returns."
            )
        w = weights.reindex(columns).astype(float)
    else:
        arr = np.asarray(weights, dtype=float).ravel()
        if arr.size != len(columns):
            raise DataError(
                f"got {arr.size} weights for {len(columns)} columns {list(columns)}; "
                "pass one weight per column or a dict {ticker: weight}."
            )
        w = pd.Series(arr, index=columns)
    if not np.isfinite(w.to_numpy()).all():
        raise DataError("weights must be finite numbers; found NaN or inf.")
    return w


def without_attrs(x: object) -> object:
    """``x`` with the same data and index but no ``attrs`` (no copy of the values).

    pandas deep-copies ``attrs`` (e.g. the provenance that ``riskkit.load_closes``
    records) into every object derived from ``x``, several times per validation; the
    statistics never read them, and their results carry their own ``attrs``.
    """
    if isinstance(x, pd.Series) and x.attrs:
        return pd.Series(x.array, index=x.index, name=x.name, copy=False)
    if isinstance(x, pd.DataFrame) and x.attrs:
        return pd.DataFrame(x, copy=False)  # shares the data, starts with empty attrs
    return x


def column_values(checked: pd.Series | pd.DataFrame) -> np.ndarray:
    """The values of a checked Series/DataFrame as one float64 ``(n_obs, n_cols)`` array.

    Column-major, so each column is contiguous: numpy reductions along ``axis=0`` then run
    the same (pairwise) summation per column as on a 1-D column, and the figures are
    bit-identical to a column-by-column computation.
    """
    arr = checked.to_numpy(dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    return np.asfortranarray(arr)


def _column_labels(checked: pd.Series | pd.DataFrame) -> list[Any]:
    if isinstance(checked, pd.Series):
        return [checked.name if checked.name is not None else 0]  # as Series.to_frame()
    return list(checked.columns)


def _runs(arr: np.ndarray, nan: np.ndarray) -> list[tuple[slice, np.ndarray]]:
    """Split the columns, in order, into runs of NaN-free columns and single NaN columns.

    A run of NaN-free columns is one ``(n, k)`` view (column slices of a column-major
    array stay column-major, no copy); a column with NaNs comes alone as an ``(m, 1)``
    array with its NaNs dropped. Kernels therefore see the columns in their order.
    """
    has_nan = np.asarray(nan.any(axis=0), dtype=bool).tolist()
    runs: list[tuple[slice, np.ndarray]] = []
    j, k = 0, arr.shape[1]
    while j < k:
        if has_nan[j]:
            runs.append((slice(j, j + 1), arr[~nan[:, j], j][:, None]))
            j += 1
            continue
        stop = j + 1
        while stop < k and not has_nan[stop]:
            stop += 1
        runs.append((slice(j, stop), arr[:, j:stop]))
        j = stop
    return runs


def each_column(func: Callable[[np.ndarray], float]) -> Callable[[np.ndarray], np.ndarray]:
    """Turn a statistic of one 1-D array into a kernel for :func:`apply_columns`.

    Each column of a column-major array is contiguous, so ``func`` sees exactly the
    array it would get from that column alone.
    """
    return lambda a: np.array([func(a[:, j]) for j in range(a.shape[1])], dtype=float)


def apply_columns(
    x: object,
    func: Callable[[np.ndarray], np.ndarray],
    *,
    name: str = "returns",
    min_length: int = 2,
    nan_policy: NanPolicy = "raise",
    stacklevel: int = 4,
) -> Any:
    """Validate ``x`` once and apply a column-wise array kernel.

    ``func`` takes a float64 ``(n, k)`` column-major array without NaNs and returns the
    ``k`` values (one per column). It is called in column order, once per run of
    consecutive NaN-free columns (a single call when no column has NaNs) and once per
    column with NaNs (those dropped first, allowed only under ``nan_policy='omit'``).
    Series in gives a float; DataFrame in gives a Series indexed by the columns. Dropped
    NaNs are reported exactly as :func:`apply_by_column` does.
    """
    native = _is_native(x)
    checked = check_timeseries(
        without_attrs(x),
        name=name,
        min_length=min_length,
        nan_policy=nan_policy,
        listing_span=True,
        native_calendar=native,
    )
    arr = column_values(checked)
    nan = np.isnan(arr)
    labels = _column_labels(checked)
    runs = _runs(arr, nan)
    if isinstance(checked, pd.Series):
        report_nans(name, checked, nan, native=native, stacklevel=stacklevel)
        ((_, values),) = runs
        return float(func(values)[0])
    out = np.empty(arr.shape[1])
    for cols, values in runs:
        out[cols] = func(values)
    report_nans(name, checked, nan, native=native, stacklevel=stacklevel)
    return pd.Series(dict(zip(labels, out.tolist(), strict=True)), dtype=float)


def apply_annualized(
    x: object,
    func: Callable[[np.ndarray, float], np.ndarray],
    *,
    periods_per_year: float | None,
    name: str = "returns",
    min_length: int = 2,
    nan_policy: NanPolicy = "raise",
) -> Any:
    """Like :func:`apply_columns` for annualised statistics.

    ``func(values, periods_per_year)`` is a column-wise array kernel as in
    :func:`apply_columns`; each column gets its own factor (inferred from that column's
    non-missing dates unless overridden; inferred once for all NaN-free columns, which
    share their dates). A Series gives an :class:`AnnualizedFloat`; a DataFrame gives a
    Series whose ``attrs`` record the factor of every column.
    """
    from riskkit._annualization import (
        AnnualizedFloat,
        annualized_series,
        infer_periods_per_year,
        user_annualization,
    )

    native = _is_native(x)
    checked = check_timeseries(
        without_attrs(x),
        name=name,
        min_length=min_length,
        nan_policy=nan_policy,
        listing_span=True,
        native_calendar=native,
    )
    arr = column_values(checked)
    nan = np.isnan(arr)
    labels = _column_labels(checked)
    runs = _runs(arr, nan)
    # one factor per column, resolved in column order (the first column that cannot be
    # annualised raises); NaN-free columns share their dates, so theirs is inferred once
    anns: list[Annualization] = []
    if periods_per_year is not None:
        anns = [user_annualization(periods_per_year)] * arr.shape[1]
    else:
        index, shared = checked.index, None
        for j in range(arr.shape[1]):
            if nan[:, j].any():
                anns.append(infer_periods_per_year(index[~nan[:, j]]))
                continue
            if shared is None:
                shared = infer_periods_per_year(index)
            anns.append(shared)
    out = np.empty(arr.shape[1])
    for cols, values in runs:
        out[cols] = func(values, float(anns[cols.start].periods_per_year))
    report_nans(name, checked, nan, native=native, stacklevel=4)
    if isinstance(checked, pd.Series):
        return AnnualizedFloat(float(out[0]), anns[0])
    return annualized_series(
        dict(zip(labels, out.tolist(), strict=True)), dict(zip(labels, anns, strict=True))
    )
