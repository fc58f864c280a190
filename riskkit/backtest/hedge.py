"""A daily BTC hedge laid over a backtest's equity curve (the "hedge instead of exit" variant).

vectorbt fills at the instrument's own bars; BTC-USD has no print at the NYSE open in
daily data, so the hedge leg is an overlay on daily returns, with a deliberately late
fill (see Notes) and costs on every change of the hedge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskkit._errors import DataError

__all__ = ["daily_btc_hedge"]


def daily_btc_hedge(
    equity: pd.Series,
    hedge_ratio: pd.Series,
    btc_close: pd.Series,
    *,
    init_cash: float,
    fees: float,
    slippage: float,
) -> pd.Series:
    """Equity of ``equity`` plus a BTC position of ``hedge_ratio`` x equity, rebalanced daily.

    Parameters
    ----------
    equity
        Daily equity of the unhedged strategy (session closes).
    hedge_ratio
        Hedge decided at each session's close (e.g. ``-beta`` while BTC is below a level,
        0 otherwise), on ``equity``'s index; NaN means no hedge.
    btc_close
        BTC-USD daily closes (calendar days).
    init_cash, fees, slippage
        As in the engine; costs are charged on every change of the hedge.

    Returns
    -------
    Series
        Hedged equity on ``equity``'s index.

    Notes
    -----
    BTC returns are taken between the BTC closes dated on consecutive sessions (a Monday
    carries the weekend). A decision at session ``t`` (known after BTC's close dated
    ``t``, 00:00 UTC) is filled at the BTC close dated the next session ``t+1``: one day
    late, never early. So the hedge earns :math:`h_{t}\\,b_{t+2}` where :math:`b_k` is the
    BTC return into session ``k``. Daily hedged return
    :math:`r^H_k = r_k + h_{k-2} b_k - |h_{k-2} - h_{k-3}|(f + s)`, all on the previous
    day's equity; hedged equity :math:`C\\prod(1 + r^H)`.

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=4)
    >>> eq = pd.Series([100.0, 100, 100, 100], index=idx)
    >>> btc = pd.Series([10.0, 10, 11, 11, 12], index=pd.date_range("2023-12-31", periods=5))
    >>> h = pd.Series([0.0, -1, 0, 0], index=idx)  # short 1x BTC decided on day 1 only
    >>> # filled at BTC's close dated day 2 (11), earns day 3's BTC move 11 -> 12
    >>> daily_btc_hedge(eq, h, btc, init_cash=100.0, fees=0.0, slippage=0.0).round(4).tolist()
    [100.0, 100.0, 100.0, 90.9091]
    """
    if not equity.index.equals(hedge_ratio.index):
        raise DataError("hedge_ratio must be on the equity curve's dates; reindex it.")
    sess = pd.DatetimeIndex(equity.index)
    b = btc_close.dropna().astype(float).sort_index()
    bs = b.reindex(b.index.union(sess)).ffill().reindex(sess)
    b_ret = (bs / bs.shift(1) - 1.0).fillna(0.0).to_numpy()
    prev = equity.shift(1)
    prev.iloc[0] = init_cash
    r = (equity / prev - 1.0).to_numpy()
    h = hedge_ratio.fillna(0.0).astype(float).to_numpy()
    h_eff = np.r_[0.0, 0.0, h[:-2]] if len(h) > 2 else np.zeros_like(h)
    turnover = np.abs(np.diff(np.r_[0.0, h_eff]))
    rh = r + h_eff * b_ret - turnover * (fees + slippage)
    return pd.Series(init_cash * np.cumprod(1.0 + rh), index=sess, name=equity.name)
