"""The grid-native sweep: base signals per ticker times a grid over ``Signals`` fields.

No Python runs per configuration: the grid becomes a few integer and float arrays
(which signal set, which stop row and multiplier, which target, trailing and re-entry
rows) and :func:`riskkit.backtest._sim.sweep_chunk` streams the statistics of each
configuration in parallel, chunk by chunk. Memory grows with the chunk (the kernel keeps
no equity curve or trade list) plus one row of statistics per configuration.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.backtest import _sim as S
from riskkit.backtest.engine import Ambiguity, _check_bars, check_costs, ohlc_arrays
from riskkit.backtest.indicators import atr
from riskkit.backtest.signals import AFTER_STOP, Signals

__all__ = [
    "GRID_AXES",
    "GridBlock",
    "GridPlan",
    "GridSpec",
    "TickerArrays",
    "plan_grid",
    "run_grid",
    "run_slice",
]

#: The ``Signals`` fields a grid may vary, plus ``signals`` (the name of a base signal set)
#: and ``sl_atr`` (a stop at that many ATR(``atr_window``) below/above the entry).
GRID_AXES = ("signals", "sl_stop", "sl_atr", "tp_stop", "sl_trail", "after_stop", "after_stop_bars")


def _level(v: Any, axis: str) -> float:
    """A stop/target grid value: None or NaN (none), or a positive finite number."""
    if v is None:
        return math.nan
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise DataError(f"grid[{axis!r}] value {v!r} is not a number or None.") from None
    if math.isnan(f):
        return f
    if not math.isfinite(f) or f < 0:
        raise DataError(f"grid[{axis!r}] value {v!r} must be positive (or None for none).")
    if f == 0:
        raise DataError(
            f"grid[{axis!r}] has 0: a stop or target at the entry price exits at the entry "
            "open, a silent round trip. Use a positive distance, or None for none."
        )
    return f


def _check_axis(axis: str, values: Any) -> list[Any]:
    if axis not in GRID_AXES:
        raise DataError(f"grid axis {axis!r} is not known; use any of {list(GRID_AXES)}.")
    if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray) or len(values) == 0:
        raise DataError(f"grid[{axis!r}] must be a non-empty list of values, got {values!r}.")
    vals = list(values)
    if axis in ("sl_stop", "sl_atr", "tp_stop"):
        return [_level(v, axis) for v in vals]
    if axis == "sl_trail":
        if not all(isinstance(v, bool | np.bool_) for v in vals):
            raise DataError(f"grid['sl_trail'] must hold True/False, got {vals!r}.")
        return [bool(v) for v in vals]
    if axis == "after_stop":
        bad = [v for v in vals if v not in AFTER_STOP]
        if bad:
            raise DataError(f"grid['after_stop'] has {bad!r}; allowed: {list(AFTER_STOP)}.")
        return vals
    if axis == "after_stop_bars":
        if not all(
            isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= 1 for v in vals
        ):
            raise DataError(f"grid['after_stop_bars'] must hold integers >= 1, got {vals!r}.")
        return [int(v) for v in vals]
    return vals  # signals: names, checked against each ticker's base signals


def _normalise_grid(grid: Any) -> list[dict[str, list[Any]]]:
    subs = [grid] if isinstance(grid, Mapping) else list(grid)
    if not subs or not all(isinstance(g, Mapping) for g in subs):
        raise DataError(
            "grid must be a mapping {field: [values]} or a list of such mappings (a union)."
        )
    out = []
    for g in subs:
        if "sl_stop" in g and "sl_atr" in g:
            raise DataError(
                "one grid cannot vary both sl_stop and sl_atr (a stop is a fraction or an ATR "
                "distance); pass a list of grids: [{'sl_stop': [...]}, {'sl_atr': [...]}]."
            )
        out.append({k: _check_axis(k, v) for k, v in g.items()})
    return out


@dataclass(frozen=True)
class GridSpec:
    """Everything needed to rebuild any configuration of a grid (for ``detail``)."""

    bars: dict[str, pd.DataFrame]
    signals: dict[str, dict[str, Signals]]
    grids: list[dict[str, list[Any]]]
    atr_window: int
    costs: dict[str, Any]

    def atr_of(self, ticker: str) -> pd.Series:
        """ATR(``atr_window``) of a ticker's bars, computed once."""
        cache = self.__dict__.setdefault("_atr", {})
        if ticker not in cache:
            cache[ticker] = atr(self.bars[ticker], window=self.atr_window)
        return cache[ticker]

    def signals_for(self, row: Mapping[str, Any]) -> Signals:
        """The :class:`Signals` of one configuration (a row of ``SweepResult.params``)."""
        base = self.signals[str(row["ticker"])][str(row["signals"])]
        g = self.grids[int(row["grid"])]
        kw: dict[str, Any] = {}

        def opt(v: Any) -> float | None:
            return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

        if "sl_stop" in g:
            kw.update(sl_stop=opt(row["sl_stop"]), sl_distance=None)
        if "sl_atr" in g:
            m = opt(row["sl_atr"])
            dist = None if m is None else m * self.atr_of(str(row["ticker"]))
            kw.update(sl_stop=None, sl_distance=dist)
        if "tp_stop" in g:
            kw["tp_stop"] = opt(row["tp_stop"])
        if "sl_trail" in g:
            kw["sl_trail"] = bool(row["sl_trail"])
        if "after_stop" in g:
            kw["after_stop"] = str(row["after_stop"])
        if "after_stop_bars" in g:
            kw["after_stop_bars"] = int(row["after_stop_bars"])
        params = {**base.params, **{k: row[k] for k in g if k != "signals"}}
        return replace(base, params=params, **kw)


class _Rows:
    """Shared kernel rows of one ticker, deduplicated by identity of their purpose."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.sl: list[np.ndarray] = [np.ones(n), np.full(n, np.nan)]  # rows 0 ones, 1 none
        self.tp: list[np.ndarray] = [np.ones(n)]
        self.trail: list[np.ndarray] = [np.zeros(n, np.uint8), np.ones(n, np.uint8)]
        self.re: dict[int, int] = {}

    def add(self, rows: list[np.ndarray], row: np.ndarray) -> int:
        rows.append(row)
        return len(rows) - 1

    def re_row(self, code: int) -> int:
        return self.re.setdefault(int(code), len(self.re))

    def re_rows(self) -> np.ndarray:
        out = np.empty((max(len(self.re), 1), self.n), dtype=np.int64)
        for code, i in self.re.items():
            out[i] = code
        return out


@dataclass(frozen=True)
class TickerArrays:
    """The kernel rows one ticker's configurations share (sent once to each worker)."""

    ohlc: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    sigs: np.ndarray
    sl_rows: np.ndarray
    tp_rows: np.ndarray
    trail_rows: np.ndarray
    re_rows: np.ndarray
    ppy: float


@dataclass(frozen=True)
class GridBlock:
    """One ticker x one sub-grid: the per-configuration kernel arrays and their params."""

    ticker: str
    cfg: tuple[np.ndarray, ...]
    params: pd.DataFrame

    @property
    def size(self) -> int:
        """Number of configurations."""
        return int(self.cfg[0].shape[0])


@dataclass(frozen=True)
class GridPlan:
    """An expanded grid, ready to run in slices: :func:`run_slice` on each block, then
    :meth:`assemble` (the slices of every block, in order)."""

    arrays: dict[str, TickerArrays]
    blocks: list[GridBlock]
    spec: GridSpec
    ppy: dict[str, float]
    costs: tuple[float, float, int, float]  # fees, slippage, ambiguity code, init_cash

    @property
    def size(self) -> int:
        """Number of configurations of the whole grid."""
        return sum(b.size for b in self.blocks)

    def assemble(
        self, results: Sequence[tuple[np.ndarray, np.ndarray]]
    ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, GridSpec, dict[str, float]]:
        """(stats, params, fingerprints, spec, periods per ticker) from one
        ``(stats, fingerprints)`` pair per block, in block order."""
        params = pd.concat([b.params for b in self.blocks], ignore_index=True)
        for col in ("sl_stop", "sl_atr", "tp_stop"):
            if col in params:
                params[col] = params[col].astype(float)
        for col in ("ticker", "signals", "after_stop"):
            if col in params:
                params[col] = params[col].astype("category")
        if "after_stop_bars" in params:
            params["after_stop_bars"] = params["after_stop_bars"].astype("Int64")
        if "sl_trail" in params:
            params["sl_trail"] = params["sl_trail"].astype("boolean")
        params.index.name = "config"
        stats = pd.DataFrame(np.concatenate([r[0] for r in results]), columns=list(S.STAT_NAMES))
        stats.index.name = "config"
        fp = np.concatenate([r[1] for r in results])
        return stats, params, fp, self.spec, self.ppy


def run_slice(
    arrays: TickerArrays,
    cfg: Sequence[np.ndarray],
    costs: tuple[float, float, int, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Statistics and fingerprints of the configurations ``cfg`` (the kernel arrays of a
    slice of one block) on one ticker's rows: one :func:`~riskkit.backtest._sim.sweep_chunk`
    call."""
    fees, slip, rule, init_cash = costs
    m = int(cfg[0].shape[0])
    st = np.empty((m, S.NSTAT))
    fp = np.empty(m, dtype=np.uint64)
    S.sweep_chunk(
        *arrays.ohlc, arrays.sigs, arrays.sl_rows, arrays.tp_rows, arrays.trail_rows,
        arrays.re_rows, *cfg, fees, slip, rule, init_cash, arrays.ppy, st, fp,
    )  # type: ignore[call-arg]  # fmt: skip
    return st, fp


def check_chunk_size(chunk_size: Any) -> int:
    """``chunk_size`` as a positive integer, or a DataError."""
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise DataError(f"chunk_size={chunk_size!r} must be a positive integer (configurations).")
    return chunk_size


def run_grid(
    bars_by_ticker: Mapping[str, pd.DataFrame],
    signals_by_ticker: Mapping[str, Signals | Mapping[str, Signals]],
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Sequence[Any]]],
    *,
    fees: float,
    slippage: float,
    ambiguity: Ambiguity,
    init_cash: float,
    atr_window: int,
    chunk_size: int,
    progress: bool,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, GridSpec, dict[str, float]]:
    """Expand the grid and run it: (stats, params, fingerprints, spec, periods per ticker)."""
    from tqdm.auto import tqdm

    check_costs(fees, slippage, ambiguity, init_cash)
    check_chunk_size(chunk_size)
    plan = plan_grid(
        bars_by_ticker, signals_by_ticker, grid, fees=fees, slippage=slippage,
        ambiguity=ambiguity, init_cash=init_cash, atr_window=atr_window,
    )  # fmt: skip
    results = []
    with tqdm(total=plan.size, desc="sweep", unit="cfg", disable=not progress) as bar:
        for b in plan.blocks:
            parts = []
            for a0 in range(0, b.size, chunk_size):
                cfg = [x[a0 : a0 + chunk_size] for x in b.cfg]
                parts.append(run_slice(plan.arrays[b.ticker], cfg, plan.costs))
                bar.update(parts[-1][1].shape[0])
            results.append((np.concatenate([p[0] for p in parts]),
                            np.concatenate([p[1] for p in parts])))  # fmt: skip
    return plan.assemble(results)


def plan_grid(
    bars_by_ticker: Mapping[str, pd.DataFrame],
    signals_by_ticker: Mapping[str, Signals | Mapping[str, Signals]],
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Sequence[Any]]],
    *,
    fees: float,
    slippage: float,
    ambiguity: Ambiguity,
    init_cash: float,
    atr_window: int,
) -> GridPlan:
    """Check the inputs and expand the grid into kernel arrays (nothing is run)."""
    from riskkit._annualization import infer_periods_per_year

    fees, slip, rule, init_cash = check_costs(fees, slippage, ambiguity, init_cash)
    if not bars_by_ticker:
        raise DataError("bars_by_ticker is empty; pass at least one ticker's bars.")
    missing = sorted(set(bars_by_ticker) - set(signals_by_ticker))
    if missing:
        raise DataError(f"no base signals for {missing}; signals_by_ticker needs every ticker.")
    grids = _normalise_grid(grid)
    bars: dict[str, pd.DataFrame] = {}
    bases: dict[str, dict[str, Signals]] = {}
    for t, b in bars_by_ticker.items():
        bars[t] = _check_bars(b)
        if len(bars[t]) < 2:
            raise DataError(f"{t}: {len(bars[t])} bar(s); at least 2 are needed.")
        sg = signals_by_ticker[t]
        named = {"base": sg} if isinstance(sg, Signals) else dict(sg)
        if not named:
            raise DataError(f"signals_by_ticker[{t!r}] is empty.")
        for nm, s in named.items():
            if not isinstance(s, Signals):
                raise DataError(f"signals_by_ticker[{t!r}][{nm!r}] is not a Signals.")
            if not s.entries.index.equals(bars[t].index):
                raise DataError(
                    f"signals_by_ticker[{t!r}][{nm!r}] is not on {t}'s bar dates; build it from "
                    "the same bars or reindex with .reindex(bars.index, fill_value=False)."
                )
        bases[t] = named
    ppy: dict[str, float] = {}
    plans = []
    for t in bars:
        names = list(bases[t])
        for gi, g in enumerate(grids):
            sig_names = g.get("signals", names)
            bad = [v for v in sig_names if v not in bases[t]]
            if bad:
                raise DataError(f"grid['signals'] has {bad!r}, not among {t}'s {names}.")
            plans.append((t, gi, [str(v) for v in sig_names]))
    blocks: list[GridBlock] = []
    arrays: dict[str, TickerArrays] = {}
    for t in bars:
        ohlc = ohlc_arrays(bars[t])
        n = len(bars[t])
        ppy[t] = float(infer_periods_per_year(bars[t].index).periods_per_year)
        rows = _Rows(n)
        names = list(bases[t])
        arrs = [bases[t][nm].arrays() for nm in names]
        sigs = np.empty((len(names), 4, n), dtype=np.uint8)
        base_sl, base_tp, base_tr, base_re = [], [], [], []
        for k, a in enumerate(arrs):
            sigs[k] = (a.ent, a.ex, a.sent, a.sex)
            base_sl.append((rows.add(rows.sl, a.sl), rows.add(rows.sl, a.sld)))
            base_tp.append(rows.add(rows.tp, a.tp))
            base_tr.append(rows.add(rows.trail, a.trail))
            base_re.append(rows.re_row(int(a.reentry[0])))
        atr_row = -1
        for tt, gi, sig_names in plans:
            if tt != t:
                continue
            g = grids[gi]
            if "sl_atr" in g and atr_row < 0:
                atr_row = rows.add(rows.sl, atr(bars[t], window=atr_window).to_numpy())
            axes = {"signals": [names.index(v) for v in sig_names]}
            axes.update({k: v for k, v in g.items() if k != "signals"})
            keys = list(axes)
            shape = tuple(len(axes[k]) for k in keys)
            idx = np.indices(shape).reshape(len(keys), -1)
            vals = {k: np.asarray(axes[k], dtype=object)[idx[i]] for i, k in enumerate(keys)}
            m = idx.shape[1]
            # the row of ``sigs`` (indexed like ``names``), not the position in sig_names:
            # a sub-grid may list a subset of the base signals, in any order
            sig_id = np.asarray(axes["signals"], dtype=np.int64)[idx[0]]
            cfg = _config_arrays(g, vals, sig_id, rows, base_sl, base_tp, base_tr, base_re, atr_row)
            p = {
                "ticker": np.full(m, t, dtype=object),
                "signals": np.array(sig_names, dtype=object)[idx[0]],
            }
            for ax in g:
                if ax != "signals":
                    p[ax] = vals[ax]
            p["grid"] = np.full(m, gi)
            blocks.append(GridBlock(t, cfg, pd.DataFrame(p)))
        # rows are only ever appended, so the final stack serves every sub-grid's indices
        arrays[t] = TickerArrays(
            ohlc, sigs, np.stack(rows.sl), np.stack(rows.tp), np.stack(rows.trail),
            rows.re_rows(), ppy[t],
        )  # fmt: skip
    spec = GridSpec(
        bars=bars, signals=bases, grids=grids, atr_window=atr_window,
        costs={"fees": fees, "slippage": slip, "ambiguity": ambiguity, "init_cash": init_cash},
    )  # fmt: skip
    return GridPlan(arrays, blocks, spec, ppy, (fees, slip, rule, init_cash))


def _config_arrays(
    g: dict[str, list[Any]],
    vals: dict[str, np.ndarray],
    sig_id: np.ndarray,
    rows: _Rows,
    base_sl: list[tuple[int, int]],
    base_tp: list[int],
    base_tr: list[int],
    base_re: list[int],
    atr_row: int,
) -> tuple[np.ndarray, ...]:
    """Per-configuration kernel arrays for one sub-grid of one ticker."""
    m = sig_id.shape[0]
    nan_row = np.ones(m, np.int64)
    if "sl_stop" in g:
        slf_row, slf_mult = np.zeros(m, np.int64), vals["sl_stop"].astype(np.float64)
        sld_row, sld_mult = nan_row, np.ones(m)
    elif "sl_atr" in g:
        slf_row, slf_mult = nan_row, np.ones(m)
        sld_row, sld_mult = np.full(m, atr_row, np.int64), vals["sl_atr"].astype(np.float64)
    else:
        slf_row = np.array([f for f, _ in base_sl], np.int64)[sig_id]
        sld_row = np.array([d for _, d in base_sl], np.int64)[sig_id]
        slf_mult, sld_mult = np.ones(m), np.ones(m)
    if "tp_stop" in g:
        tp_row = np.zeros(m, np.int64)
        tp_mult = vals["tp_stop"].astype(np.float64)
    else:
        tp_row = np.array(base_tp, np.int64)[sig_id]
        tp_mult = np.ones(m)
    if "sl_trail" in g:
        trail = vals["sl_trail"].astype(np.int64)  # rows 0 (off) and 1 (on)
    else:
        trail = np.array(base_tr, np.int64)[sig_id]
    if "after_stop" in g or "after_stop_bars" in g:
        # only after_stop_bars on the grid means after_stop="bars"
        after = vals["after_stop"] if "after_stop" in g else np.full(m, "bars", dtype=object)
        nbar = (
            vals["after_stop_bars"].astype(np.int64)
            if "after_stop_bars" in g
            else np.ones(m, np.int64)
        )
        code = np.where(after == "wait", -1, np.where(after == "recover", 0, nbar))
        uniq, inv = np.unique(code, return_inverse=True)
        re = np.array([rows.re_row(int(u)) for u in uniq], np.int64)[inv]
    else:
        re = np.array(base_re, np.int64)[sig_id]
    return (sig_id, slf_row, slf_mult, sld_row, sld_mult, tp_row, tp_mult, trail, re)
