"""Walk-forward evaluation: parameters chosen on each train window, judged on the next test window."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.backtest._metrics import equity_returns, equity_stats
from riskkit.backtest.engine import Ambiguity, run_backtest
from riskkit.backtest.results import BacktestResult
from riskkit.backtest.signals import Signals, slice_signals

__all__ = ["walk_forward"]


def walk_forward(
    bars: pd.DataFrame,
    signals: Mapping[str, Signals],
    *,
    train: int,
    test: int,
    step: int | None = None,
    metric: str = "sharpe",
    fees: float = 0.001,
    slippage: float = 0.001,
    ambiguity: Ambiguity = "stop_first",
    init_cash: float = 100_000.0,
    ticker: str | None = None,
) -> BacktestResult:
    """Rolling walk-forward over one instrument's candidate configurations.

    Parameters
    ----------
    bars
        Open/high/low/close of one instrument.
    signals
        ``label -> Signals`` candidates, computed on the full history (each value uses
        data up to its own bar only, so cutting them into windows adds no look-ahead).
    train, test
        Window lengths in bars.
    step
        Bars between fold starts (default ``test``: back-to-back test windows).
    metric
        Statistic maximised on each train window (a column of ``BacktestResult.stats``).

    Returns
    -------
    BacktestResult
        One configuration ``"walk_forward"``: the out-of-sample equity chained across the
        test windows (each starts flat, with the previous window's ending equity), its
        stats and trades; ``extras["folds"]`` lists each fold's dates, the chosen
        configuration, its train metric and its test return.

    Notes
    -----
    Fold ``k`` trains on bars ``[s, s+train)`` and tests on ``[s+train, s+train+test)``
    with ``s = k*step``; the choice uses only train-window stats. Each window starts
    flat; a rule that is "on" when a window starts enters at the window's second open
    (:func:`riskkit.backtest.signals.slice_signals` with ``carry_in=True``).

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=60, freq="B")
    >>> c = pd.Series(10 + np.sin(np.arange(60) / 3), index=idx)
    >>> bars = pd.DataFrame({"open": c, "high": c + .2, "low": c - .2, "close": c})
    >>> up = c > c.rolling(5).mean()
    >>> cands = {"trend": Signals(entries=up, exits=~up), "fade": Signals(entries=~up, exits=up)}
    >>> wf = walk_forward(bars, cands, train=30, test=10)
    >>> len(wf.extras["folds"])
    3
    """
    if not signals:
        raise DataError("signals is empty; pass at least one candidate configuration.")
    step = test if step is None else step
    for nm, v in (("train", train), ("test", test), ("step", step)):
        if not isinstance(v, int) or v < 2:
            raise DataError(f"{nm}={v!r} must be an integer >= 2 (bars).")
    n = len(bars)
    if train + test > n:
        raise DataError(f"train + test = {train + test} bars exceeds the {n} bars available.")
    kw = dict(fees=fees, slippage=slippage, ambiguity=ambiguity, ticker=ticker)
    folds, pieces, trades = [], [], []
    equity_now = init_cash
    for s in range(0, n - train - test + 1, step):
        tr_idx = pd.DatetimeIndex(bars.index[s : s + train])
        te_idx = pd.DatetimeIndex(bars.index[s + train : s + train + test])
        tr = run_backtest(
            bars.loc[tr_idx], {k: slice_signals(v, tr_idx, carry_in=True) for k, v in signals.items()},
            init_cash=init_cash, **kw,  # type: ignore[arg-type]
        )  # fmt: skip
        chosen = tr.best(metric)
        te = run_backtest(
            bars.loc[te_idx], {chosen: slice_signals(signals[chosen], te_idx, carry_in=True)},
            init_cash=equity_now, **kw,  # type: ignore[arg-type]
        )  # fmt: skip
        eq = te.equity[chosen]
        pieces.append(eq)
        trades.append(te.trades)
        folds.append({
            "train_start": tr_idx[0], "train_end": tr_idx[-1], "test_start": te_idx[0],
            "test_end": te_idx[-1], "chosen": chosen,
            f"train_{metric}": float(tr.stats.loc[chosen, metric]),  # type: ignore[arg-type]
            "test_return": float(eq.iloc[-1] / equity_now - 1.0),
        })  # fmt: skip
        equity_now = float(eq.iloc[-1])
    oos = pd.concat(pieces)
    oos = oos[~oos.index.duplicated(keep="last")]
    tr_all = pd.concat(trades, ignore_index=True)
    closed = tr_all[tr_all["exit_reason"] != "open"]
    ppy = float(tr.settings["periods_per_year"])
    # Exposure from the folds' own runs is not kept; recompute from trade spans.
    in_mkt = np.zeros(len(oos), dtype=bool)
    for t in tr_all.itertuples():
        in_mkt |= (oos.index >= t.entry_date) & (oos.index < t.exit_date)
    stats = equity_stats(
        oos, init_cash=init_cash, periods_per_year=ppy,
        trade_pnl=closed["pnl"].to_numpy(dtype=float), exposure=float(in_mkt.mean()),
        ambiguous_bars=int(closed["ambiguous"].sum()),
    )  # fmt: skip
    label = "walk_forward"
    settings = dict(tr.settings)
    settings.update(first=str(oos.index[0].date()), last=str(oos.index[-1].date()),
                    train=train, test=test, step=step, metric=metric, init_cash=init_cash)  # fmt: skip
    return BacktestResult(
        stats=pd.DataFrame([stats], index=pd.Index([label], name="config")),
        trades=tr_all.assign(config=label),
        equity=oos.rename(label).to_frame(),
        params=pd.DataFrame([{"ticker": ticker}], index=pd.Index([label], name="config")),
        settings=settings,
        extras={"folds": pd.DataFrame(folds), "oos_returns": equity_returns(oos, init_cash)},
    )
