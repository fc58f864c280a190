"""Formatting by meaning: the one cell formatter of the report pages and of the result
objects' summaries (:mod:`riskkit._display`); the CSVs stay raw decimals.

A column's *kind* decides how its cells read; the kind comes from the column's key when
the key is a known convention, from its dtype otherwise:

==========  ==========================================================  ================
kind        columns                                                     reads as
==========  ==========================================================  ================
percent     returns and probabilities stored as decimals: ``car``,      ``-21.42%``
            ``ar``, ``bhar``, ``car_se``, ``cagr``, ``*return*``,
            ``*drawdown*``, ``volatility``, ``var``, ``cvar``,
            ``*_rate``, ``share_*``, ``exposure*``, ``psr``,
            ``deflated_sharpe``, ``weight``, ``level``, ...
points      already in percent points: ``*_pct``                        ``6.4%``
pvalue      ``p``, ``p_value``, ``p_*``, ``*_p``                         ``0.030``,
                                                                        ``<0.001``
count       integer dtype, or known counts (``n``, ``nobs``,            ``1,106``
            ``trades``, ``n_*``, ``exits_*``...) even when stored as
            floats
df          ``df`` (degrees of freedom): ``inf`` is the normal limit    ``95``,
                                                                        ``normal``
price       ``*_price``, ``final_equity``                               ``14.51``
date        datetime dtype                                              ``2025-11-13``
bool        bool dtype                                                  ``yes``/``no``
number      any other float: statistics, ratios, betas                  ``1.286``
text        anything else                                               as is
==========  ==========================================================  ================

P-values are decimals, not percent: they are compared with a level such as 0.05 and
every statistics package prints them so; three decimals, and ``<0.001`` below that (a
p-value of exactly zero is a rounding, never a certainty). Missing values (None, NaN,
NaT) read ``–``; an empty string stays empty. Labels: a table of known keys
(``car_se`` -> ``CAR s.e.``, ``ghk_p`` -> ``GHK p``), otherwise the key's words with
underscores as spaces and acronyms spelled (``marginal_cvar`` -> ``marginal CVaR``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "KINDS",
    "MISSING",
    "column_kind",
    "column_label",
    "value_label",
    "format_frame",
    "format_value",
]

Kind = Literal[
    "percent", "points", "pvalue", "count", "df", "price", "date", "bool", "number", "text"
]

#: Every kind a column can have.
KINDS: tuple[str, ...] = (
    "percent",
    "points",
    "pvalue",
    "count",
    "df",
    "price",
    "date",
    "bool",
    "number",
    "text",
)

#: What a missing value reads as.
MISSING = "–"

_PERCENT = frozenset(
    {
        "ar", "car", "caar", "bhar", "car_se", "estimate", "return", "cagr", "volatility",
        "vol", "ann_volatility", "var", "cvar", "es", "depth", "rate", "rejection_rate",
        "ci_low", "ci_high", "psr", "deflated_sharpe", "weight", "level", "target",
        "stop_value", "sl_stop", "tp_stop", "marginal_var", "component_var",
        "marginal_cvar", "component_cvar", "mean_drawdown_change",
    }
)  # fmt: skip
_PVALUE = frozenset({"p", "p_value", "pvalue", "pval", "ghk_p"})
_COUNT = frozenset(
    {
        "n", "nobs", "n_obs", "rows", "errors", "trades", "exceptions", "folds",
        "configurations", "to_trough", "to_recovery", "duration", "gap_fills",
        "ambiguous_bars", "ruined", "open_at_end", "best_config", "periods_per_year",
        "calendar_periods_per_year", "in_estimation_window", "event_windows_overlap",
        "window", "obs", "events", "hold",
    }
)  # fmt: skip

_LABELS: dict[str, str] = {
    "ar": "AR",
    "car": "CAR",
    "caar": "CAAR",
    "bhar": "BHAR",
    "car_se": "CAR s.e.",
    "t": "t",
    "p": "p",
    "p_value": "p",
    "ghk_p": "GHK p",
    "nobs": "obs",
    "n_obs": "obs",
    "event_id": "event",
    "day0": "day 0",
    "signif": "signif.",
    "cagr": "CAGR",
    "psr": "PSR",
    "t_stat": "t",
    "sd": "s.d.",
    "p_pof": "Kupiec POF p",
    "p_ind": "independence p",
    "p_cc": "cond. coverage p",
    "lr_pof": "LR POF",
    "lr_ind": "LR ind.",
    "lr_cc": "LR cc",
    "ann_return": "annual return",
    "ann_volatility": "annual volatility",
    "beta_mkt": "beta market",
    "corr_mkt": "corr. market",
    "corr_btc": "corr. BTC",
    "return_day0": "return day 0",
    "return_day0_1": "return days 0..+1",
    "reported_move_pct": "reported move",
    "stop_value": "stop level",
    "share_better_sharpe": "share with better Sharpe",
    "rate": "exception rate",
}

_WORDS = {
    "var": "VaR",
    "cvar": "CVaR",
    "btc": "BTC",
    "mkt": "market",
    "se": "s.e.",
    "ci": "CI",
    "oos": "OOS",
    "dsr": "DSR",
    "sharpe": "Sharpe",
    "sortino": "Sortino",
    "calmar": "Calmar",
    "omega": "Omega",
    "ghk": "GHK",
    "bmp": "BMP",
    "pct": "%",
    "n": "n",
    "beta": "beta",
}


#: Names shown for the keys a known text column holds (the CSVs keep the keys): the tests
#: of an event study, the VaR methods. A key not listed reads as its words.
_VALUE_LABELS: dict[str, dict[str, str]] = {
    "test": {
        "cross_sectional_t": "cross-sectional t", "patell_z": "Patell Z", "bmp": "BMP",
        "kolari_pynnonen": "Kolari-Pynnönen", "rank_cz": "Corrado-Zivney rank",
        "generalized_sign": "generalized sign", "grank_t": "GRANK-T", "grank_z": "GRANK-Z",
    },
    "method": {
        "historical": "historical", "gaussian": "Gaussian", "cornish_fisher": "Cornish-Fisher",
        "evt": "EVT (GPD)", "fhs": "filtered historical (GARCH)",
    },
}  # fmt: skip


def value_label(column: object, value: object) -> object:
    """The name shown for a key in a known text column (``test``, ``method``).

    Examples
    --------
    >>> value_label("test", "kolari_pynnonen"), value_label("test", "wild_bootstrap_bmp")
    ('Kolari-Pynnönen', 'wild bootstrap BMP')
    >>> value_label("ticker", "BTC_USD")
    'BTC_USD'
    """
    names = _VALUE_LABELS.get(_key(column))
    if names is None or not isinstance(value, str):
        return value
    if value in names:
        return names[value]
    return " ".join(_WORDS.get(w.lower(), w) for w in value.split("_") if w)


def _key(column: object) -> str:
    return str(column).strip().lower()


def column_label(column: object) -> str:
    """A human header for a column key.

    Examples
    --------
    >>> [column_label(c) for c in ["car_se", "ghk_p", "max_drawdown", "marginal_cvar", "BITF"]]
    ['CAR s.e.', 'GHK p', 'max drawdown', 'marginal CVaR', 'BITF']
    """
    text = str(column)
    key = _key(column)
    if key in _LABELS:
        return _LABELS[key]
    if "_" not in text:
        return _WORDS.get(key, text) if text == key else text
    return " ".join(_WORDS.get(w.lower(), w) for w in text.split("_") if w)


def _name_kind(key: str) -> Kind | None:
    if key in _PVALUE or key.startswith("p_") or key.endswith("_p"):
        return "pvalue"
    if key == "df":
        return "df"
    if key.endswith("_pct"):
        return "points"
    if key in _PERCENT:
        return "percent"
    if key in _COUNT or key.startswith(("n_", "exits_")):
        return "count"
    if key.endswith("_price") or key in {"price", "final_equity"}:
        return "price"
    words = key.split("_")
    if (
        "return" in words
        or "drawdown" in key
        or "volatility" in words
        or key.endswith(("_rate", "_var", "_cvar"))
        or key.startswith(("share_", "exposure"))
    ):
        return "percent"
    return None


def column_kind(column: object, values: pd.Series) -> Kind:
    """The kind of a column: by its key when it is a known convention, else by dtype.

    Examples
    --------
    >>> column_kind("car", pd.Series([0.1]))
    'percent'
    >>> column_kind("ghk_p", pd.Series([0.1]))
    'pvalue'
    >>> column_kind("trades", pd.Series([6.0]))
    'count'
    >>> column_kind("beta_btc", pd.Series([1.07]))
    'number'
    """
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if pd.api.types.is_numeric_dtype(dtype):
        kind = _name_kind(_key(column))
        if kind is not None:
            return kind
        return "count" if pd.api.types.is_integer_dtype(dtype) else "number"
    return "text"


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _number(value: float, decimals: int) -> str:
    return f"{value:,.{decimals}f}".replace("-", "\u2212")


def format_value(
    value: Any, kind: str, *, float_format: str | None = None, decimals: int | None = None
) -> str:
    """One cell as text for a column of ``kind`` (see the module docstring).

    ``float_format`` (e.g. ``"{:.4f}"``) overrides the three decimals of ``number``
    columns (three significant digits below 0.01, so that a variance of 0.00168 does not
    read 0.002 or 0.000); ``decimals`` sets the decimals of ``percent`` and ``number``
    cells (a result's summary asks for four on a coefficient). Negative numbers carry a
    true minus sign (U+2212).

    Examples
    --------
    >>> format_value(-0.21423, "percent"), format_value(0.02968, "pvalue")
    ('−21.42%', '0.030')
    >>> format_value(0.00004, "pvalue"), format_value(95.0, "count")
    ('<0.001', '95')
    >>> format_value(float("inf"), "df"), format_value(None, "number")
    ('normal', '–')
    >>> format_value(pd.Timestamp("2025-11-13"), "date"), format_value(True, "bool")
    ('2025-11-13', 'yes')
    """
    if _is_missing(value):
        return MISSING
    if kind == "text":
        return str(value)
    if kind == "bool":
        return "yes" if bool(value) else "no"
    if kind == "date":
        ts = pd.Timestamp(value)
        if ts.tz is None and ts == ts.normalize():
            return ts.strftime("%Y-%m-%d")
        return ts.strftime("%Y-%m-%d %H:%M")
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isinf(x):
        if kind == "df":
            return "normal"
        return "∞" if x > 0 else "\u2212∞"
    if kind == "percent":
        return _number(100 * x, 2 if decimals is None else decimals) + "%"
    if kind == "points":
        return _number(x, 1) + "%"
    if kind == "pvalue":
        return "<0.001" if x < 0.0005 else f"{x:.3f}"
    if kind in ("count", "df"):
        return _number(x, 0) if x == round(x) else _number(x, 1)
    if kind == "price":
        return _number(x, 2)
    if float_format is not None:
        return float_format.format(x).replace("-", "\u2212")
    if decimals is not None:
        return _number(x, decimals)
    if x == round(x) and abs(x) < 1e15:
        return _number(x, 0) if x != 0 else "0"
    if abs(x) < 0.01:
        return f"{x:.3g}".replace("-", "\u2212")
    return _number(x, 3)


def _whole(values: pd.Series) -> bool:
    v = values.dropna()
    return len(v) > 0 and bool(np.all(np.isfinite(v)) and np.all(v == np.round(v)))


def format_frame(
    frame: pd.DataFrame,
    *,
    formats: Mapping[str, str] | None = None,
    float_format: str | None = None,
) -> tuple[list[str], list[str], list[list[str]]]:
    """A table ready for a page: header labels, column kinds and formatted cells.

    The index becomes leading column(s) when it carries meaning (a name, or labels that
    are not plain row numbers); an unnamed integer index (0..N, or row numbers left over
    from filtering) is dropped.

    Parameters
    ----------
    frame
        The table (unchanged).
    formats
        Column key -> kind (one of :data:`KINDS`) for columns the conventions do not
        cover; the key ``"*"`` sets the kind of every numeric column not named.
    float_format
        Format of ``number`` cells (default three decimals).

    Returns
    -------
    labels, kinds, rows
        One label and one kind per column; one list of strings per row.

    Examples
    --------
    >>> f = pd.DataFrame({"car": [0.1296, -0.2142], "p": [0.1998, 0.0297], "n": [96, 33]})
    >>> labels, kinds, rows = format_frame(f)
    >>> labels, kinds
    (['CAR', 'p', 'n'], ['percent', 'pvalue', 'count'])
    >>> rows
    [['12.96%', '0.200', '96'], ['−21.42%', '0.030', '33']]
    """
    formats = dict(formats or {})
    for k in formats.values():
        if k not in KINDS:
            raise ValueError(f"unknown format kind {k!r}; use one of {list(KINDS)}.")
    idx = frame.index
    keep_index = isinstance(idx, pd.MultiIndex) or not (
        idx.name is None and pd.api.types.is_integer_dtype(idx.dtype)
    )
    f = frame.reset_index() if keep_index else frame
    if keep_index and not isinstance(idx, pd.MultiIndex) and idx.name is None:
        f = f.rename(columns={f.columns[0]: ""})
    labels: list[str] = []
    kinds: list[str] = []
    columns: list[list[str]] = []
    for pos in range(f.shape[1]):
        col = f.columns[pos]
        values = f.iloc[:, pos]
        key = str(col)
        if key in formats:
            kind = formats[key]
        elif "*" in formats and pd.api.types.is_numeric_dtype(values.dtype):
            kind = formats["*"]
        else:
            kind = column_kind(col, values)
            if kind == "number" and _whole(values) and _name_kind(_key(col)) is None:
                kind = "count" if (values.dropna().abs() >= 1).any() else "number"
        labels.append(column_label(col) if key else "")
        kinds.append(kind)
        cells = values.tolist()
        if kind == "text" and _key(col) in _VALUE_LABELS:
            cells = [value_label(col, v) for v in cells]
        columns.append([format_value(v, kind, float_format=float_format) for v in cells])
    rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    return labels, kinds, rows
