"""Daily BTC hedge overlay and the hedge-instead-of-exit ratio (SYNTHETIC series)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit._errors import DataError
from riskkit.backtest.hedge import daily_btc_hedge
from strategies.stop_loss import btc_level_hedge_ratio


def test_daily_hedge_hand_calculation_with_costs():
    idx = pd.bdate_range("2024-01-01", periods=5)  # Mon..Fri
    eq = pd.Series([101.0, 102.0, 100.0, 103.0, 104.0], index=idx)
    btc = pd.Series([50.0, 50, 55, 50, 60, 66], index=pd.date_range("2023-12-31", periods=6))
    h = pd.Series([0.0, -0.5, -0.5, 0.0, 0.0], index=idx)
    out = daily_btc_hedge(eq, h, btc, init_cash=100.0, fees=0.001, slippage=0.002)
    # BTC on sessions: 50, 55, 50, 60, 66 -> returns 0, .1, -1/11, .2, .1
    # decided on day t, filled at BTC's close dated day t+1, so it earns day t+2's BTC return:
    # effective hedge 0, 0, 0, -.5, -.5; turnover .5 on day 3
    r = np.array([0.01, 102 / 101 - 1, 100 / 102 - 1, 103 / 100 - 1, 104 / 103 - 1])
    rh = r + np.array([0, 0, 0, -0.5 * 0.2, -0.5 * 0.1]) - np.array([0, 0, 0, 0.5, 0]) * 0.003
    np.testing.assert_allclose(out.to_numpy(), 100 * np.cumprod(1 + rh), rtol=1e-12)
    with pytest.raises(DataError, match="reindex"):
        daily_btc_hedge(eq, h.iloc[:-1], btc, init_cash=100.0, fees=0, slippage=0)


def test_hedge_ratio_no_look_ahead_and_level():
    rng = np.random.default_rng(0)
    days = pd.date_range("2024-01-01", periods=300)
    btc = pd.Series(110_000 * np.exp(np.cumsum(rng.normal(0, 0.02, 300))), index=days)
    sess = pd.bdate_range("2024-01-02", "2024-10-25")
    bars = pd.DataFrame(
        {"close": (btc.reindex(sess) / 5000).to_numpy() * np.exp(rng.normal(0, 0.01, len(sess)))},
        index=sess,
    )
    h = btc_level_hedge_ratio(bars, btc, level=112_000.0, beta_window=60, min_obs=30)
    above = btc.reindex(sess) >= 112_000.0
    assert (h[above] == 0).all() and (h[~above].iloc[40:] < 0).all()
    t = 150
    btc2, bars2 = btc.copy(), bars.copy()
    btc2[btc2.index > sess[t]] *= 0.5
    bars2.iloc[t + 1 :] *= 2.0
    h2 = btc_level_hedge_ratio(bars2, btc2, level=112_000.0, beta_window=60, min_obs=30)
    pd.testing.assert_series_equal(h.iloc[: t + 1], h2.iloc[: t + 1])
    with pytest.raises(DataError, match="min_obs"):
        btc_level_hedge_ratio(bars, btc, min_obs=200, beta_window=100)
