"""Backtest engine: the fill contract, run by one fused numba kernel (:mod:`riskkit.backtest._sim`).

The fill contract (the default, and the only mode)
--------------------------------------------------
1. **Next open.** A signal computed on bar ``t``'s close fills at bar ``t+1``'s open.
   A signal on the last bar is not filled (counted in ``settings["unfilled_signals"]``).
2. **Stops on the range.** Stop-loss and take-profit levels are set from the entry
   bar's open (the quote before slippage) once the entry fills, and checked on every
   bar's high/low *including the entry bar* (the whole entry bar trades after its open).
3. **Gaps.** If a bar opens beyond the stop (or beyond the target), the order fills at
   the open, not at the level.
4. **Costs on every fill.** ``fees`` (fraction of traded value) and ``slippage``
   (fraction of price, against the trader) apply to entries, signal exits, stop exits
   and target exits alike.
5. **Ambiguous bars.** When one bar's range contains both the stop and the target,
   ``ambiguity`` decides: ``"stop_first"`` (default: the stop fills at its level),
   ``"optimistic"`` (the target fills at its level) or ``"pessimistic"`` (the stop fills
   at the bar's worst price: the low for a long, the high for a short). The count of such
   bars is reported per configuration (``ambiguous_bars``) and per trade.
6. **Trailing stops** trail the highest high (long) / lowest low (short) *of the bars
   already completed* plus the current bar's open: a bar's own high never raises the
   stop that is checked against that same bar's low.
7. **Conflicts.** An exit and an entry on the same bar: the exit wins. An opposite entry
   while in a position closes it (no reversal in one fill); so does a long and a short
   entry on the same bar while in a position (the opposite one acts); when flat both
   are ignored. All-in sizing: each entry uses 100% of the available cash (long) or
   shorts for 100% of it.

"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.backtest import _sim as S
from riskkit.backtest.results import BacktestResult
from riskkit.backtest.signals import SignalArrays, Signals

__all__ = ["FILL_CONTRACT", "Ambiguity", "bars_for", "check_costs", "run_backtest"]

Ambiguity = Literal["stop_first", "optimistic", "pessimistic"]
AMBIG = {
    "stop_first": S.AMBIG_STOP_FIRST,
    "optimistic": S.AMBIG_OPTIMISTIC,
    "pessimistic": S.AMBIG_PESSIMISTIC,
}
FILL_CONTRACT = (
    "signal at bar t close -> fill at bar t+1 open; stops/targets checked on each bar's "
    "high/low incl. the entry bar; gaps fill at the open; fees and slippage on every fill "
    "incl. stop exits; ambiguous bars (stop and target in one range) by rule '{rule}'; "
    "a short at or below zero equity is liquidated (ruin)"
)
_FIELDS = ("open", "high", "low", "close")
ENGINE = "riskkit fused kernel (riskkit.backtest._sim, numba)"


def bars_for(prices: pd.DataFrame, ticker: str) -> pd.DataFrame:
    """One ticker's open/high/low/close from a :func:`riskkit.data.load_prices` frame.

    Rows where all four prices are missing are removed: dates on which this ticker does
    not trade (weekends of a mixed equity/BTC frame, before listing, after the file ends);
    their count is in ``bars.attrs["calendar_rows_removed"]``. A bar with only some
    prices missing is an error.

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=3)
    >>> cols = pd.MultiIndex.from_product([["open", "high", "low", "close"], ["X"]],
    ...                                   names=["field", "ticker"])
    >>> p = pd.DataFrame(1.0, index=idx, columns=cols)
    >>> bars_for(p, "X").shape
    (3, 4)
    """
    if not isinstance(prices.columns, pd.MultiIndex):
        raise DataError("prices must have (field, ticker) MultiIndex columns as from load_prices.")
    tickers = prices.columns.get_level_values(-1)
    if ticker not in set(tickers):
        raise DataError(f"ticker {ticker!r} is not in prices; available: {sorted(set(tickers))}.")
    bars = pd.DataFrame({f: prices[(f, ticker)] for f in _FIELDS}).astype(float)
    empty = bars.isna().all(axis=1)
    bars = bars[~empty]
    if bars.empty:
        raise DataError(f"{ticker} has no complete open/high/low/close bar.")
    partial = bars.isna().any(axis=1)
    if partial.any():
        raise DataError(
            f"{ticker} has {int(partial.sum())} bar(s) with some of open/high/low/close missing "
            f"(first {bars.index[partial][0].date()}); the engine needs full bars. Repair the "
            "source or drop those dates explicitly."
        )
    bars.attrs["calendar_rows_removed"] = int(empty.sum())
    return bars


def _check_bars(bars: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(bars, pd.DataFrame) or not set(_FIELDS) <= set(bars.columns):
        raise DataError(
            "bars must be a DataFrame with columns open, high, low, close; "
            "use riskkit.backtest.bars_for(load_prices(...), ticker)."
        )
    if not isinstance(bars.index, pd.DatetimeIndex) or not bars.index.is_monotonic_increasing:
        raise DataError("bars must have a sorted DatetimeIndex; fix with bars.sort_index().")
    if bars.index.has_duplicates:
        raise DataError("bars has duplicate dates; drop them with bars[~bars.index.duplicated()].")
    b = bars[list(_FIELDS)].astype(float)
    v = b.to_numpy()
    bad = np.isnan(v).any(axis=1)
    if bad.any():
        raise DataError(
            f"bars has missing prices (first at {b.index[bad.argmax()].date()}); the engine "
            "cannot fill on a bar without prices. Trim with riskkit.backtest.bars_for or "
            "bars.dropna()."
        )
    if (v <= 0).any():
        raise DataError("bars has zero or negative prices; only positive prices are allowed.")
    oc_hi = np.maximum(v[:, 0], v[:, 3])
    oc_lo = np.minimum(v[:, 0], v[:, 3])
    wrong = (v[:, 1] < oc_hi * (1 - 1e-9)) | (v[:, 2] > oc_lo * (1 + 1e-9))
    if wrong.any():
        raise DataError(
            f"bars has an inconsistent bar on {b.index[wrong.argmax()].date()}: high below "
            "open/close or low above open/close. Fix the data source."
        )
    return b


def check_costs(
    fees: float, slippage: float, ambiguity: str, init_cash: float
) -> tuple[float, float, int, float]:
    """Validate the cost and rule options shared by every engine entry point."""
    if ambiguity not in AMBIG:
        raise DataError(f"ambiguity={ambiguity!r} is not allowed; use one of {sorted(AMBIG)}.")
    for nm, v in (("fees", fees), ("slippage", slippage)):
        if not (np.isfinite(v) and 0 <= v < 1):
            raise DataError(f"{nm}={v!r} must be a fraction in [0, 1), e.g. 0.001 for 10 bp.")
    if not (np.isfinite(init_cash) and init_cash > 0):
        raise DataError(f"init_cash={init_cash!r} must be a positive number.")
    return float(fees), float(slippage), AMBIG[ambiguity], float(init_cash)


def prepare_run(
    bars: pd.DataFrame,
    signals: Signals | Mapping[str, Signals],
    periods_per_year: float | None,
) -> tuple[pd.DataFrame, dict[str, Signals], float]:
    """Checked bars, ``label -> Signals`` on their dates, and the annualisation factor.

    The one validation of a single-instrument run, shared by :func:`run_backtest` and
    :func:`riskkit.backtest.run_backtest_vectorbt`.
    """
    from riskkit._annualization import infer_periods_per_year

    b = _check_bars(bars)
    sig_map = {"config": signals} if isinstance(signals, Signals) else dict(signals)
    if not sig_map:
        raise DataError("signals is empty; pass at least one Signals.")
    if len(b) < 2:
        raise DataError(f"bars has {len(b)} row(s); at least 2 are needed (signal, then fill).")
    for lab, s in sig_map.items():
        if not isinstance(s, Signals):
            raise DataError(f"signals[{lab!r}] is a {type(s).__name__}, not a Signals.")
        if not s.entries.index.equals(b.index):
            raise DataError(
                f"signals[{lab!r}] is not on the bars' dates; build signals from the same "
                "bars or reindex with .reindex(bars.index, fill_value=False)."
            )
    ann = (
        infer_periods_per_year(b.index).periods_per_year
        if periods_per_year is None
        else float(periods_per_year)
    )
    return b, sig_map, float(ann)


def run_record(
    b: pd.DataFrame,
    sig_map: Mapping[str, Signals],
    ticker: str | None,
    *,
    ambiguity: str,
    fees: float,
    slippage: float,
    init_cash: float,
    periods_per_year: float,
    unfilled: int,
    engine: str,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The ``params`` frame and ``settings`` dict a single-instrument run records."""
    params = pd.DataFrame.from_dict(
        {lab: {"ticker": ticker, **s.params} for lab, s in sig_map.items()}, orient="index"
    )
    params.index.name = "config"
    settings = {
        "fill_contract": FILL_CONTRACT.format(rule=ambiguity),
        "ambiguity": ambiguity,
        "fees": fees,
        "slippage": slippage,
        "init_cash": init_cash,
        "periods_per_year": periods_per_year,
        "first": str(b.index[0].date()),
        "last": str(b.index[-1].date()),
        "bars": len(b),
        "unfilled_signals": unfilled,
        "engine": engine,
    }
    return params, settings


def ohlc_arrays(b: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Contiguous float64 open, high, low, close of checked bars."""
    return tuple(np.ascontiguousarray(b[f].to_numpy(np.float64)) for f in _FIELDS)  # type: ignore[return-value]


def simulate_record(
    ohlc: tuple[np.ndarray, ...],
    a: SignalArrays,
    *,
    sl_mult: float = 1.0,
    sld_mult: float = 1.0,
    tp_mult: float = 1.0,
    fees: float,
    slip: float,
    rule: int,
    init_cash: float,
    ppy: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Record mode of the kernel: (stats, equity, side at close, trade ints, trade floats)."""
    o, h, lo, c = ohlc
    n = o.shape[0]
    stats = np.empty(S.NSTAT)
    eq = np.empty(n)
    side = np.empty(n, dtype=np.int8)
    ti = np.empty((n + 1, 5), dtype=np.int64)
    tf = np.empty((n + 1, 6))
    ntr, _ = S.simulate(
        o, h, lo, c, a.ent, a.ex, a.sent, a.sex, a.sl, sl_mult, a.sld, sld_mult, a.tp, tp_mult,
        a.trail, a.reentry, fees, slip, rule, init_cash, ppy, True, stats, eq, side, ti, tf,
    )  # fmt: skip
    return stats, eq, side, ti[:ntr], tf[:ntr]


def run_backtest(
    bars: pd.DataFrame,
    signals: Signals | Mapping[str, Signals],
    *,
    fees: float = 0.001,
    slippage: float = 0.001,
    ambiguity: Ambiguity = "stop_first",
    init_cash: float = 100_000.0,
    periods_per_year: float | None = None,
    ticker: str | None = None,
) -> BacktestResult:
    """Backtest one instrument's bars under one or many signal configurations.

    Parameters
    ----------
    bars
        Open/high/low/close of one instrument on a sorted DatetimeIndex, no gaps.
    signals
        A :class:`Signals` or a mapping ``label -> Signals`` (one column per label), all
        on ``bars.index``.
    fees
        Proportional fee on every fill (0.001 = 10 bp of traded value).
    slippage
        Proportional price slippage on every fill, against the trader (0.001 = 10 bp).
    ambiguity
        Rule for a bar whose range contains both the stop and the target:
        ``"stop_first"``, ``"optimistic"`` or ``"pessimistic"`` (see module doc).
    init_cash
        Starting cash of each configuration.
    periods_per_year
        Annualisation factor; inferred from ``bars.index`` when None (252 for equity
        sessions, 365 when weekends are present).
    ticker
        Name recorded in the result.

    Returns
    -------
    BacktestResult
        Stats per configuration, trades, daily equity, parameters and settings.

    Raises
    ------
    DataError
        Bad bars (missing, non-positive, inconsistent), signals off the bars' index, bad
        cost or rule values.

    Notes
    -----
    The fill contract is in the module docstring. The statistics are streamed by the
    kernel and equal :func:`riskkit.backtest._metrics.equity_stats` of the recorded equity
    (see there for the formulas, ddof=1, annualised with ``periods_per_year``); the
    equity curve is valued at each bar's close.

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=4, freq="B")
    >>> bars = pd.DataFrame({"open": [10.0, 10, 11, 12], "high": [10.0, 11, 12, 13],
    ...                      "low": [10.0, 9.5, 10.5, 11.5], "close": [10.0, 11, 12, 13]},
    ...                     index=idx)
    >>> sig = Signals(entries=pd.Series([True, False, False, False], index=idx))
    >>> res = run_backtest(bars, sig, fees=0.0, slippage=0.0, init_cash=100.0)
    >>> round(float(res.equity.iloc[-1, 0]), 6)  # bought at day 2's open 10, worth 13
    130.0
    """
    fees, slip, rule, init_cash = check_costs(fees, slippage, ambiguity, init_cash)
    b, sig_map, ann = prepare_run(bars, signals, periods_per_year)
    ohlc = ohlc_arrays(b)
    labels = list(sig_map)
    n, m = len(b), len(labels)
    equity = np.empty((n, m))
    stats = np.empty((m, S.NSTAT))
    trade_parts: list[tuple[int, np.ndarray, np.ndarray]] = []
    unfilled = 0
    for j, lab in enumerate(labels):
        a = sig_map[lab].arrays()
        unfilled += int(a.ent[-1] | a.ex[-1] | a.sent[-1]) + int(a.sex[-1])
        st, eq, _, ti, tf = simulate_record(
            ohlc, a, fees=fees, slip=slip, rule=rule, init_cash=init_cash, ppy=ann
        )
        stats[j], equity[:, j] = st, eq
        trade_parts.append((j, ti, tf))
    days = pd.DatetimeIndex(b.index)
    stats_df = pd.DataFrame(
        stats, index=pd.Index(labels, name="config"), columns=list(S.STAT_NAMES)
    )
    params, settings = run_record(
        b, sig_map, ticker, ambiguity=ambiguity, fees=fees, slippage=slip, init_cash=init_cash,
        periods_per_year=ann, unfilled=unfilled, engine=ENGINE,
    )  # fmt: skip
    return BacktestResult(
        stats=stats_df,
        trades=trade_table(trade_parts, labels, days, ticker),
        equity=pd.DataFrame(equity, index=days, columns=pd.Index(labels, name="config")),
        params=params,
        settings=settings,
    )


TRADE_COLUMNS = [
    "config", "ticker", "direction", "entry_date", "entry_price", "exit_date",
    "exit_price", "size", "fees", "pnl", "return", "exit_reason", "ambiguous", "bars_held",
]  # fmt: skip


def trade_table(
    parts: list[tuple[int, np.ndarray, np.ndarray]],
    labels: list[str],
    dates: pd.DatetimeIndex,
    ticker: str | None,
) -> pd.DataFrame:
    """Kernel trade records -> tidy trade list on the original dates (``exit_reason`` open
    for a position still held at the end: marked at the last close, no exit costs)."""
    ti = np.concatenate([p[1] for p in parts]) if parts else np.empty((0, 5), dtype=np.int64)
    tf = np.concatenate([p[2] for p in parts]) if parts else np.empty((0, 6))
    col = np.concatenate([np.full(len(p[1]), p[0]) for p in parts]) if parts else np.empty(0, int)
    ei, xi = ti[:, S.TI_ENTRY], ti[:, S.TI_EXIT]
    reasons = np.array(S.REASONS, dtype=object)[ti[:, S.TI_REASON]]
    out = pd.DataFrame(
        {
            "config": pd.array(np.array(labels, dtype=object)[col], dtype="str"),
            "ticker": ticker,
            "direction": np.where(ti[:, S.TI_SIDE] > 0, "long", "short"),
            "entry_date": dates[ei],
            "entry_price": tf[:, S.TF_ENTRY_PX],
            "exit_date": dates[xi],
            "exit_price": tf[:, S.TF_EXIT_PX],
            "size": tf[:, S.TF_SIZE],
            "fees": tf[:, S.TF_FEES],
            "pnl": tf[:, S.TF_PNL],
            "return": tf[:, S.TF_PNL] / tf[:, S.TF_COMMITTED],
            "exit_reason": pd.array(reasons, dtype="str"),
            "ambiguous": ti[:, S.TI_AMBIG].astype(bool),
            "bars_held": xi - ei,
        }
    )
    return (
        out[TRADE_COLUMNS]
        .sort_values(["config", "entry_date"], kind="stable")
        .reset_index(drop=True)
    )
