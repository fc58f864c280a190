"""Per-configuration performance statistics from a daily equity curve (no pandas I/O).

Kept apart from the engine so each figure can be checked against empyrical in the tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["STAT_COLUMNS", "equity_returns", "equity_stats"]

STAT_COLUMNS = [
    "total_return",
    "cagr",
    "sharpe",
    "sortino",
    "max_drawdown",
    "trades",
    "win_rate",
    "exposure",
    "ambiguous_bars",
]


def equity_returns(equity: pd.Series, init_cash: float) -> pd.Series:
    """Simple daily returns of an equity curve; the first is against the initial cash."""
    prev = equity.shift(1)
    prev.iloc[0] = init_cash
    return equity / prev - 1.0


def equity_stats(
    equity: pd.Series,
    *,
    init_cash: float,
    periods_per_year: float,
    trade_pnl: np.ndarray,
    exposure: float,
    ambiguous_bars: int,
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
    - win rate: share of closed trades with positive P&L after costs; exposure: share
      of bars that ended with an open position.
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
    return {
        "total_return": total,
        "cagr": cagr,
        "sharpe": sharpe,
        "sortino": sortino,
        "max_drawdown": mdd,
        "trades": float(n_tr),
        "win_rate": win,
        "exposure": float(exposure),
        "ambiguous_bars": float(ambiguous_bars),
    }
