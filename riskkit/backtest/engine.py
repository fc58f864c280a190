"""Backtest engine: a thin wrapper over vectorbt ``Portfolio.from_signals`` with an honest fill contract.

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

How this is expressed in vectorbt 1.2
-------------------------------------
vectorbt fills at the same bar's close by default, checks stops only from the bar
*after* the entry (one order per bar), measures stops from the close, and gives stop
exits no slippage (``StopExitPrice.StopLimit``). So each day is split into two rows: an
*open row* (open = high = low = close = the day's open), where every signal order fills,
and a *session row* (the day's true open, high, low, close). Signals are shifted by one
day onto the open rows. Stops are measured with ``StopEntryPrice.Price`` (the open) and
exit with ``StopExitPrice.StopMarket`` (slippage applies; a gap fills at the open). The
kernel :func:`riskkit.backtest._kernels.adjust_sl_nb` applies the ambiguous-bar rule,
lets a target gapped through at the open fill there (vectorbt tests the stop first), and
records exit reasons. The result is verified against an independent plain-Python loop
in ``tests/test_backtest_reference.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.backtest import _kernels as K
from riskkit.backtest._metrics import equity_stats
from riskkit.backtest.results import BacktestResult
from riskkit.backtest.signals import Signals

__all__ = ["FILL_CONTRACT", "Ambiguity", "bars_for", "run_backtest"]

Ambiguity = Literal["stop_first", "optimistic", "pessimistic"]
_AMBIG = {
    "stop_first": K.AMBIG_STOP_FIRST,
    "optimistic": K.AMBIG_OPTIMISTIC,
    "pessimistic": K.AMBIG_PESSIMISTIC,
}
_REASONS = {
    K.REASON_NONE: "signal",
    K.REASON_STOP: "stop",
    K.REASON_STOP_GAP: "stop_gap",
    K.REASON_TARGET: "target",
    K.REASON_TARGET_GAP: "target_gap",
}
FILL_CONTRACT = (
    "signal at bar t close -> fill at bar t+1 open; stops/targets checked on each bar's "
    "high/low incl. the entry bar; gaps fill at the open; fees and slippage on every fill "
    "incl. stop exits; ambiguous bars (stop and target in one range) by rule '{rule}'"
)
_FIELDS = ("open", "high", "low", "close")


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
    if b.isna().to_numpy().any():
        first = b.index[b.isna().any(axis=1)][0]
        raise DataError(
            f"bars has missing prices (first at {first.date()}); the engine cannot fill on a "
            "bar without prices. Trim with riskkit.backtest.bars_for or bars.dropna()."
        )
    if (b.to_numpy() <= 0).any():
        raise DataError("bars has zero or negative prices; only positive prices are allowed.")
    hi_bad = b["high"] < b[["open", "close"]].max(axis=1) * (1 - 1e-9)
    lo_bad = b["low"] > b[["open", "close"]].min(axis=1) * (1 + 1e-9)
    if (hi_bad | lo_bad).any():
        d = b.index[hi_bad | lo_bad][0]
        raise DataError(
            f"bars has an inconsistent bar on {d.date()}: high below open/close or low above "
            "open/close. Fix the data source."
        )
    return b


def _split_rows(values: np.ndarray) -> np.ndarray:
    """(n, m) -> (2n, m) by repeating each day: open row then session row."""
    return np.repeat(values, 2, axis=0)


def _onto_open_rows(sig: np.ndarray, fill: float | bool) -> np.ndarray:
    """Decision at day k -> open row of day k+1 (row 2k+2); the last day's decision is dropped."""
    n, m = sig.shape
    out = np.full((2 * n, m), fill, dtype=sig.dtype)
    out[2::2] = sig[:-1]
    return out


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
    The fill contract is in the module docstring. Statistics are defined in
    :func:`riskkit.backtest._metrics.equity_stats`; the equity curve is valued at each
    bar's close.

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
    import vectorbt as vbt
    from vectorbt.portfolio.enums import (
        ConflictMode,
        DirectionConflictMode,
        OppositeEntryMode,
        SizeType,
        StopEntryPrice,
        StopExitPrice,
    )

    from riskkit.risk._annualization import infer_periods_per_year

    if ambiguity not in _AMBIG:
        raise DataError(f"ambiguity={ambiguity!r} is not allowed; use one of {sorted(_AMBIG)}.")
    for nm, v in (("fees", fees), ("slippage", slippage)):
        if not (np.isfinite(v) and 0 <= v < 1):
            raise DataError(f"{nm}={v!r} must be a fraction in [0, 1), e.g. 0.001 for 10 bp.")
    if not (np.isfinite(init_cash) and init_cash > 0):
        raise DataError(f"init_cash={init_cash!r} must be a positive number.")
    b = _check_bars(bars)
    sig_map = {"config": signals} if isinstance(signals, Signals) else dict(signals)
    if not sig_map:
        raise DataError("signals is empty; pass at least one Signals.")
    if len(b) < 2:
        raise DataError(f"bars has {len(b)} row(s); at least 2 are needed (signal, then fill).")
    labels = list(sig_map)
    cols: dict[str, dict[str, pd.Series]] = {}
    for lab, s in sig_map.items():
        if not isinstance(s, Signals):
            raise DataError(f"signals[{lab!r}] is a {type(s).__name__}, not a Signals.")
        if not s.entries.index.equals(b.index):
            raise DataError(
                f"signals[{lab!r}] is not on the bars' dates; build signals from the same "
                "bars or reindex with .reindex(bars.index, fill_value=False)."
            )
        cols[lab] = s.frames()

    def stack(key: str) -> np.ndarray:
        return np.column_stack([cols[lab][key].to_numpy() for lab in labels])

    n, m = len(b), len(labels)
    o2, h2, l2, c2 = (_split_rows(np.tile(b[f].to_numpy()[:, None], (1, m))) for f in _FIELDS)
    h2[0::2], l2[0::2], c2[0::2] = o2[0::2], o2[0::2], o2[0::2]
    entries, exits = (
        _onto_open_rows(stack("entries"), False),
        _onto_open_rows(stack("exits"), False),
    )
    s_entries = _onto_open_rows(stack("short_entries"), False)
    s_exits = _onto_open_rows(stack("short_exits"), False)
    sl = _onto_open_rows(stack("sl_stop"), np.nan)
    dist = _onto_open_rows(stack("sl_distance"), np.nan)
    sl = np.where(np.isnan(dist), sl, dist / o2)
    tp = _onto_open_rows(stack("tp_stop"), np.nan)
    trail = np.tile(np.array([bool(sig_map[lab].sl_trail) for lab in labels]), (2 * n, 1))
    unfilled = int(
        (stack("entries")[-1] | stack("exits")[-1] | stack("short_entries")[-1]).sum()
        + stack("short_exits")[-1].sum()
    )
    ambiguous = np.zeros((2 * n, m), dtype=np.int8)
    reasons = np.zeros((2 * n, m), dtype=np.int8)
    days = pd.DatetimeIndex(b.index)
    rows = pd.DatetimeIndex(
        np.column_stack(
            [
                (days + pd.Timedelta(hours=9, minutes=30)).to_numpy(),
                (days + pd.Timedelta(hours=16)).to_numpy(),
            ]
        ).ravel()
    )
    wrap = lambda a: pd.DataFrame(a, index=rows, columns=labels)  # noqa: E731
    pf = vbt.Portfolio.from_signals(
        wrap(c2),
        entries=wrap(entries),
        exits=wrap(exits),
        short_entries=wrap(s_entries),
        short_exits=wrap(s_exits),
        open=wrap(o2),
        high=wrap(h2),
        low=wrap(l2),
        size=1.0,
        size_type=SizeType.Percent,
        fees=fees,
        slippage=slippage,
        sl_stop=wrap(sl),
        sl_trail=wrap(trail),
        tp_stop=wrap(tp),
        use_stops=True,
        stop_entry_price=StopEntryPrice.Price,
        stop_exit_price=StopExitPrice.StopMarket,
        upon_long_conflict=ConflictMode.Exit,
        upon_short_conflict=ConflictMode.Exit,
        upon_dir_conflict=DirectionConflictMode.Opposite,
        upon_opposite_entry=OppositeEntryMode.Close,
        adjust_sl_func_nb=K.adjust_sl_nb,
        adjust_sl_args=(_AMBIG[ambiguity], o2, h2, l2, tp, ambiguous, reasons),
        init_cash=init_cash,
        freq="12h",
    )
    value = pf.value().to_numpy()[1::2]
    assets = pf.assets().to_numpy()[1::2]
    equity = pd.DataFrame(value, index=days, columns=pd.Index(labels, name="config"))
    trades = _trade_table(pf.trades.records, labels, days, reasons, ambiguous, ticker)
    ann = (
        infer_periods_per_year(b.index).periods_per_year
        if periods_per_year is None
        else float(periods_per_year)
    )
    stats = {}
    closed = trades[trades["exit_reason"] != "open"]
    pnl_by = {k: g.to_numpy(dtype=float) for k, g in closed.groupby("config")["pnl"]}
    for j, lab in enumerate(labels):
        stats[lab] = equity_stats(
            equity[lab],
            init_cash=init_cash,
            periods_per_year=ann,
            trade_pnl=pnl_by.get(lab, np.empty(0)),
            exposure=float(np.mean(assets[:, j] != 0)),
            ambiguous_bars=int(ambiguous[:, j].sum()),
        )
    stats_df = pd.DataFrame.from_dict(stats, orient="index")
    stats_df.index.name = "config"
    params = pd.DataFrame.from_dict(
        {lab: {"ticker": ticker, **sig_map[lab].params} for lab in labels}, orient="index"
    )
    params.index.name = "config"
    settings = {
        "fill_contract": FILL_CONTRACT.format(rule=ambiguity),
        "ambiguity": ambiguity,
        "fees": fees,
        "slippage": slippage,
        "init_cash": init_cash,
        "periods_per_year": ann,
        "first": str(b.index[0].date()),
        "last": str(b.index[-1].date()),
        "bars": n,
        "unfilled_signals": unfilled,
        "engine": f"vectorbt {vbt.__version__} Portfolio.from_signals (split open/session rows)",
    }
    return BacktestResult(
        stats=stats_df, trades=trades, equity=equity, params=params, settings=settings
    )


def _trade_table(
    rec: np.ndarray,
    labels: list[str],
    dates: pd.DatetimeIndex,
    reasons: np.ndarray,
    ambiguous: np.ndarray,
    ticker: str | None,
) -> pd.DataFrame:
    """vectorbt exit-trade records -> tidy trade list on the original dates."""
    cols = [
        "config", "ticker", "direction", "entry_date", "entry_price", "exit_date",
        "exit_price", "size", "fees", "pnl", "return", "exit_reason", "ambiguous", "bars_held",
    ]  # fmt: skip
    ei, xi, col = rec["entry_idx"], rec["exit_idx"], rec["col"]
    is_open = rec["status"] == 0
    reason = np.array([_REASONS[int(r)] for r in reasons[xi, col]] or [], dtype=object)
    reason[is_open] = "open"
    out = pd.DataFrame(
        {
            "config": pd.array([labels[c] for c in col], dtype="str"),
            "ticker": ticker,
            "direction": np.where(rec["direction"] == 0, "long", "short"),
            "entry_date": dates[ei // 2],
            "entry_price": rec["entry_price"],
            "exit_date": dates[xi // 2],
            "exit_price": np.where(is_open, np.nan, rec["exit_price"]),
            "size": rec["size"],
            "fees": rec["entry_fees"] + rec["exit_fees"],
            "pnl": rec["pnl"],
            "return": rec["pnl"] / (rec["size"] * rec["entry_price"] + rec["entry_fees"]),
            "exit_reason": pd.array(reason, dtype="str"),
            "ambiguous": ambiguous[xi, col].astype(bool) & ~is_open,
            "bars_held": xi // 2 - ei // 2,
        }
    )
    return out[cols].sort_values(["config", "entry_date"], kind="stable").reset_index(drop=True)
