"""Per-configuration performance statistics from a daily equity curve (no pandas I/O).

Kept apart from the engine so each figure can be checked against empyrical in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from riskkit.backtest._sim import REASONS, STAT_NAMES

__all__ = ["STAT_COLUMNS", "equity_returns", "equity_stats"]

STAT_COLUMNS = list(STAT_NAMES)


def equity_returns(equity: pd.Series, init_cash: float) -> pd.Series:
    """Simple daily returns of an equity curve; the first is against the initial cash.

    After ruin (equity 0) the returns are 0, not 0/0.
    """
    prev = equity.shift(1)
    prev.iloc[0] = init_cash
    return (equity / prev.where(prev > 0) - 1.0).where(prev > 0, 0.0)


def equity_stats(
    equity: pd.Series,
    *,
    init_cash: float,
    periods_per_year: float,
    trade_pnl: np.ndarray,
    exposure: float,
    ambiguous_bars: int,
    exit_reasons: Sequence[str] | np.ndarray = (),
    open_at_end: bool = False,
) -> dict[str, float]:
    """Statistics of one configuration.

    Notes
    -----
    With daily simple returns :math:`r_1..r_n` (``r_1`` against the initial cash), final
    equity :math:`E_n`, initial cash :math:`C` and :math:`P` periods a year:

    - total return :math:`E_n/C - 1`; CAGR :math:`(E_n/C)^{P/n} - 1`;
    - Sharpe :math:`\\bar r / s_r \\sqrt{P}` with :math:`s_r` the ddof=1 standard
      deviation and a zero risk-free rate (empyrical's ``sharpe_ratio``);
    - Sortino :math:`P \\bar r / (\\sqrt{P}\\,\\sqrt{\\tfrac1n\\sum \\min(r_i,0)^2})`
      with a zero target (empyrical's ``sortino_ratio``);
    - max drawdown :math:`\\min_t (W_t / \\max_{s\\le t} W_s - 1)` on the wealth path
      :math:`W = (C, E_1, \\dots, E_n)`;
    - volatility :math:`s_r\\sqrt{P}` (ddof=1);
    - win rate: share of closed trades with positive P&L after costs; exposure: share
      of bars that ended with an open position; ``exits_*`` count closed trades by
      ``exit_reason``, ``gap_fills`` the stop and target exits at a gapped open,
      ``ruined`` is 1 after a ruin exit.

    This numpy version is the cross-check of the statistics the kernel streams
    (:func:`riskkit.backtest._sim.simulate`, Welford's mean and variance).
    """
    r = equity_returns(equity, init_cash).to_numpy(dtype=float)
    n = r.size
    final = float(equity.iloc[-1])
    total = final / init_cash - 1.0
    cagr = (final / init_cash) ** (periods_per_year / n) - 1.0 if final > 0 else -1.0
    sd = float(np.std(r, ddof=1)) if n > 1 else np.nan
    mean = float(np.mean(r))
    sharpe = mean / sd * np.sqrt(periods_per_year) if sd > 0 else np.nan
    downside = float(np.sqrt(np.mean(np.minimum(r, 0.0) ** 2)))
    sortino = (
        mean * periods_per_year / (downside * np.sqrt(periods_per_year)) if downside > 0 else np.nan
    )
    wealth = np.concatenate([[init_cash], equity.to_numpy(dtype=float)])
    mdd = float(np.min(wealth / np.maximum.accumulate(wealth) - 1.0))
    n_tr = int(trade_pnl.size)
    win = float(np.mean(trade_pnl > 0)) if n_tr else np.nan
    reasons = np.asarray(exit_reasons, dtype=object)
    count = {r: float(np.sum(reasons == r)) for r in REASONS}
    return {
        "final_equity": final,
        "total_return": total,
        "cagr": cagr,
        "sharpe": sharpe,
        "sortino": sortino,
        "volatility": sd * np.sqrt(periods_per_year),
        "max_drawdown": mdd,
        "trades": float(n_tr),
        "win_rate": win,
        "exposure": float(exposure),
        "exits_signal": count["signal"],
        "exits_stop": count["stop"],
        "exits_stop_gap": count["stop_gap"],
        "exits_target": count["target"],
        "exits_target_gap": count["target_gap"],
        "gap_fills": count["stop_gap"] + count["target_gap"],
        "ambiguous_bars": float(ambiguous_bars),
        "ruined": float(count["ruin"] > 0),
        "open_at_end": float(open_at_end),
    }
