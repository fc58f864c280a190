"""Per-configuration statistics checked against empyrical and hand calculations."""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest

from riskkit.backtest._metrics import equity_returns, equity_stats


@pytest.fixture
def equity():
    rng = np.random.default_rng(7)
    r = rng.normal(0.0008, 0.02, 300)
    idx = pd.bdate_range("2024-01-01", periods=300)
    return pd.Series(1000.0 * np.cumprod(1 + r), index=idx), r


def test_stats_match_empyrical(equity):
    eq, r = equity
    st = equity_stats(
        eq, init_cash=1000.0, periods_per_year=252, trade_pnl=np.array([1.0, -2.0, 3.0]),
        exposure=0.5, ambiguous_bars=2,
    )  # fmt: skip
    np.testing.assert_allclose(equity_returns(eq, 1000.0).to_numpy(), r, rtol=1e-10)
    assert st["sharpe"] == pytest.approx(empyrical.sharpe_ratio(r, annualization=252), rel=1e-10)
    assert st["sortino"] == pytest.approx(empyrical.sortino_ratio(r, annualization=252), rel=1e-10)
    assert st["max_drawdown"] == pytest.approx(empyrical.max_drawdown(r), rel=1e-10)
    assert st["cagr"] == pytest.approx(empyrical.annual_return(r, annualization=252), rel=1e-10)
    assert st["total_return"] == pytest.approx(empyrical.cum_returns_final(r), rel=1e-10)
    assert st["win_rate"] == pytest.approx(2 / 3)
    assert st["trades"] == 3 and st["ambiguous_bars"] == 2 and st["exposure"] == 0.5


def test_stats_hand_calculation():
    # equity 100 -> 110 -> 99 -> 108.9 from init 100: returns 0, +10%, -10%, +10%
    eq = pd.Series([100.0, 110.0, 99.0, 108.9], index=pd.bdate_range("2024-01-01", periods=4))
    st = equity_stats(
        eq,
        init_cash=100.0,
        periods_per_year=4,
        trade_pnl=np.array([]),
        exposure=0.0,
        ambiguous_bars=0,
    )
    r = np.array([0.0, 0.1, -0.1, 0.1])
    assert st["total_return"] == pytest.approx(0.089)
    assert st["cagr"] == pytest.approx(1.089 ** (4 / 4) - 1)
    assert st["sharpe"] == pytest.approx(r.mean() / r.std(ddof=1) * 2.0)
    assert st["sortino"] == pytest.approx(r.mean() * 4 / (np.sqrt(0.01 / 4) * 2.0))
    assert st["max_drawdown"] == pytest.approx(99 / 110 - 1)
    assert np.isnan(st["win_rate"])


def test_flat_equity_gives_nan_ratios_without_warnings():
    eq = pd.Series(100.0, index=pd.bdate_range("2024-01-01", periods=5))
    st = equity_stats(
        eq,
        init_cash=100.0,
        periods_per_year=252,
        trade_pnl=np.array([]),
        exposure=0,
        ambiguous_bars=0,
    )
    assert np.isnan(st["sharpe"]) and np.isnan(st["sortino"]) and st["max_drawdown"] == 0.0
