"""The fill contract expressed in vectorbt: an independent cross-check of the kernel.

:func:`run_backtest_vectorbt` gives the same trades and equity as
:func:`riskkit.backtest.run_backtest` (tested to 1e-9 on synthetic and bundled bars),
through a different implementation: vectorbt's ``Portfolio.from_signals``. It is slower
(per-configuration pandas work, vectorbt's simulator compiled in every process) and does
not implement re-entry after a stop (``Signals.after_stop``) or ruin; it raises on the
former and its result is only comparable while no short loses its capital.

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

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.backtest import _kernels as K
from riskkit.backtest._metrics import equity_stats
from riskkit.backtest.engine import Ambiguity, check_costs, prepare_run, run_record
from riskkit.backtest.results import BacktestResult
from riskkit.backtest.signals import Signals

__all__ = ["import_vectorbt", "run_backtest_vectorbt"]

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
_FIELDS = ("open", "high", "low", "close")


def import_vectorbt() -> Any:
    """Import vectorbt without letting it change the caller's matplotlib settings.

    vectorbt 1.2 rewrites ~34 ``matplotlib.rcParams`` on import (its plotting theme);
    they are restored here, so importing riskkit's cross-check changes no global state.
    """
    import sys

    if "vectorbt" in sys.modules:
        return sys.modules["vectorbt"]
    import matplotlib

    saved = matplotlib.rcParams.copy()
    try:
        import vectorbt as vbt
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matplotlib.rcParams.update(saved)
    return vbt


def _split_rows(values: np.ndarray) -> np.ndarray:
    """(n, m) -> (2n, m) by repeating each day: open row then session row."""
    return np.repeat(values, 2, axis=0)


def _onto_open_rows(sig: np.ndarray, fill: float | bool) -> np.ndarray:
    """Decision at day k -> open row of day k+1 (row 2k+2); the last day's decision is dropped."""
    n, m = sig.shape
    out = np.full((2 * n, m), fill, dtype=sig.dtype)
    out[2::2] = sig[:-1]
    return out


def run_backtest_vectorbt(
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
    """Backtest under the fill contract on vectorbt (cross-check of :func:`run_backtest`).

    Parameters, return value and errors are those of
    :func:`riskkit.backtest.run_backtest`; statistics come from
    :func:`riskkit.backtest._metrics.equity_stats` of vectorbt's value curve (the kernel
    streams its own), so comparing the two also checks the statistics.

    Raises
    ------
    DataError
        As :func:`riskkit.backtest.run_backtest`, and for a ``Signals`` with
        ``after_stop`` re-entry or a time-varying ``sl_trail`` (not expressed here).

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=4, freq="B")
    >>> bars = pd.DataFrame({"open": [10.0, 10, 11, 12], "high": [10.0, 11, 12, 13],
    ...                      "low": [10.0, 9.5, 10.5, 11.5], "close": [10.0, 11, 12, 13]},
    ...                     index=idx)
    >>> sig = Signals(entries=pd.Series([True, False, False, False], index=idx))
    >>> res = run_backtest_vectorbt(bars, sig, fees=0.0, slippage=0.0, init_cash=100.0)
    >>> round(float(res.equity.iloc[-1, 0]), 6)  # bought at day 2's open 10, worth 13
    130.0
    """
    vbt = import_vectorbt()
    from vectorbt.portfolio.enums import (
        ConflictMode,
        DirectionConflictMode,
        OppositeEntryMode,
        SizeType,
        StopEntryPrice,
        StopExitPrice,
    )

    check_costs(fees, slippage, ambiguity, init_cash)
    b, sig_map, ann = prepare_run(bars, signals, periods_per_year)
    labels = list(sig_map)
    cols: dict[str, dict[str, pd.Series]] = {}
    for lab, s in sig_map.items():
        if s.after_stop != "wait" or isinstance(s.sl_trail, pd.Series):
            raise DataError(
                f"signals[{lab!r}]: run_backtest_vectorbt supports neither after_stop "
                f"re-entry nor a time-varying sl_trail; use riskkit.backtest.run_backtest."
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
    stats = {}
    closed = trades[trades["exit_reason"] != "open"]
    pnl_by = {k: g.to_numpy(dtype=float) for k, g in closed.groupby("config")["pnl"]}
    reasons_by = {k: g.to_numpy() for k, g in closed.groupby("config")["exit_reason"]}
    open_cfgs = set(trades.loc[trades["exit_reason"] == "open", "config"])
    for j, lab in enumerate(labels):
        stats[lab] = equity_stats(
            equity[lab],
            init_cash=init_cash,
            periods_per_year=ann,
            trade_pnl=pnl_by.get(lab, np.empty(0)),
            exit_reasons=reasons_by.get(lab, np.empty(0, dtype=object)),
            open_at_end=lab in open_cfgs,
            exposure=float(np.mean(assets[:, j] != 0)),
            ambiguous_bars=int(ambiguous[:, j].sum()),
        )
    stats_df = pd.DataFrame.from_dict(stats, orient="index")
    stats_df.index.name = "config"
    params, settings = run_record(
        b, sig_map, ticker, ambiguity=ambiguity, fees=fees, slippage=slippage,
        init_cash=init_cash, periods_per_year=ann, unfilled=unfilled,
        engine=f"vectorbt {vbt.__version__} Portfolio.from_signals (split open/session rows)",
    )  # fmt: skip
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
