"""Shared plumbing for the risk functions: input checks and Series/DataFrame dispatch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit._validation import NanPolicy, check_timeseries, warn

__all__ = ["apply_by_column", "check_level", "check_horizon", "clean_series", "as_weights"]


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
    checked = check_timeseries(
        x,
        name=name,
        min_length=min_length,
        nan_policy=nan_policy,
        require_datetime_index=require_datetime_index,
    )
    if isinstance(checked, pd.Series):
        n_nan = int(checked.isna().sum())
        if n_nan:
            warn(
                f"{name}: dropped {n_nan} NaN observation(s) (nan_policy='omit').",
                stacklevel=stacklevel,
            )
        return func(clean_series(checked, name=name, min_length=min_length, nan_policy=nan_policy))
    results: dict[Any, Any] = {}
    dropped = {}
    for col in checked.columns:
        s = checked[col]
        n_nan = int(s.isna().sum())
        if n_nan:
            dropped[col] = n_nan
        results[col] = func(
            clean_series(s, name=f"{name}[{col!r}]", min_length=min_length, nan_policy=nan_policy)
        )
    if dropped:
        warn(
            f"{name}: dropped NaN observations per column (nan_policy='omit'): {dropped}.",
            stacklevel=stacklevel,
        )
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


def apply_annualized(
    x: object,
    func: Callable[[pd.Series, float], float],
    *,
    periods_per_year: float | None,
    name: str = "returns",
    min_length: int = 2,
    nan_policy: NanPolicy = "raise",
) -> Any:
    """Like :func:`apply_by_column` for annualised statistics.

    ``func(series, periods_per_year)`` gets each column's own factor (inferred from that
    column's non-missing dates unless overridden). A Series gives an
    :class:`AnnualizedFloat`; a DataFrame gives a Series whose ``attrs`` record the
    factor of every column.
    """
    from riskkit.risk._annualization import (
        AnnualizedFloat,
        annualized_series,
        resolve_annualization,
    )

    checked = check_timeseries(x, name=name, min_length=min_length, nan_policy=nan_policy)
    frame = checked.to_frame() if isinstance(checked, pd.Series) else checked
    values, anns, dropped = {}, {}, {}
    for col in frame.columns:
        s = frame[col]
        n_nan = int(s.isna().sum())
        if n_nan:
            dropped[col] = n_nan
        s = clean_series(s, name=name, min_length=min_length, nan_policy=nan_policy)
        ann = resolve_annualization(s, periods_per_year)
        values[col] = float(func(s, float(ann.periods_per_year)))
        anns[col] = ann
    if dropped:
        warn(f"{name}: dropped NaN observations (nan_policy='omit'): {dropped}.", stacklevel=4)
    if isinstance(checked, pd.Series):
        (col,) = values
        return AnnualizedFloat(values[col], anns[col])
    return annualized_series(values, anns)
