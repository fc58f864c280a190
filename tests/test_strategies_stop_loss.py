"""Stop-loss family and entry rules: look-ahead, hand-checked values, error paths (SYNTHETIC data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskkit._errors import DataError
from riskkit.backtest import atr, run_backtest
from strategies.entries import buy_and_hold, dip_buy, ma_trend
from strategies.stop_loss import btc_on_sessions, stop_loss_signals

N = 80


def synthetic(seed: int, n: int = N) -> tuple[pd.DataFrame, pd.Series]:
    """SYNTHETIC bars on weekdays and a SYNTHETIC 7-day BTC close series."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2024-01-01", periods=n)
    c = 20 * np.exp(np.cumsum(rng.normal(0, 0.04, n)))
    o = np.r_[20.0, c[:-1]] * np.exp(rng.normal(0, 0.01, n))
    h = np.maximum(o, c) * (1 + rng.uniform(0, 0.03, n))
    lo = np.minimum(o, c) * (1 - rng.uniform(0, 0.03, n))
    days = pd.date_range(idx[0] - pd.Timedelta(days=3), idx[-1], freq="D")
    btc = pd.Series(112_000 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days)))), index=days)
    return pd.DataFrame({"open": o, "high": h, "low": lo, "close": c}, index=idx), btc


def alter_after(bars, btc, t, seed):
    """Replace everything after bar t (and BTC after bar t's date) with other SYNTHETIC values."""
    rng = np.random.default_rng(seed + 1)
    b = bars.copy()
    k = len(b) - t - 1
    f = np.exp(rng.normal(0, 0.2, k))
    for col in b.columns:
        b.iloc[t + 1 :, b.columns.get_loc(col)] *= f
    b2 = btc.copy()
    after = b2.index > bars.index[t]
    b2[after] *= np.exp(rng.normal(0, 0.2, int(after.sum())))
    return b, b2


CONFIGS = [
    dict(entry="buy_and_hold", stop="fixed", stop_value=0.1, target=0.3),
    dict(
        entry="dip_buy",
        entry_params={"drawdown": 0.1, "lookback": 10},
        stop="trailing",
        stop_value=0.08,
    ),
    dict(entry="ma_trend", entry_params={"window": 10}, stop="atr", stop_value=2.0, target=0.2),
    dict(
        entry="ma_trend",
        entry_params={"window": 5},
        stop="btc_level",
        stop_value=112_000.0,
        reentry="immediate",
    ),
    dict(entry="dip_buy", stop="none", stop_value=None),
]


def _fields(sig, t):
    f = sig.frames()
    return {k: v.iloc[: t + 1] for k, v in f.items()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), t=st.integers(5, N - 3), which=st.integers(0, len(CONFIGS) - 1))
def test_no_look_ahead_signals_and_fills(seed, t, which):
    bars, btc = synthetic(seed)
    bars2, btc2 = alter_after(bars, btc, t, seed)
    cfg = CONFIGS[which]
    s1 = stop_loss_signals(bars, btc_close=btc, **cfg)
    s2 = stop_loss_signals(bars2, btc_close=btc2, **cfg)
    f1, f2 = _fields(s1, t), _fields(s2, t)
    for k in f1:
        pd.testing.assert_series_equal(f1[k], f2[k], check_names=False)
    r1 = run_backtest(bars, s1, fees=0.001, slippage=0.001)
    r2 = run_backtest(bars2, s2, fees=0.001, slippage=0.001)
    pd.testing.assert_frame_equal(r1.equity.iloc[: t + 1], r2.equity.iloc[: t + 1])
    done1 = r1.trades[
        (r1.trades["exit_date"] <= bars.index[t]) & (r1.trades["exit_reason"] != "open")
    ]
    done2 = r2.trades[
        (r2.trades["exit_date"] <= bars.index[t]) & (r2.trades["exit_reason"] != "open")
    ]
    pd.testing.assert_frame_equal(done1.reset_index(drop=True), done2.reset_index(drop=True))


def test_entry_rules_hand_values():
    idx = pd.bdate_range("2024-01-01", periods=6)
    c = pd.Series([10.0, 11, 12, 9, 8, 12.5], index=idx)
    assert buy_and_hold(c).all()
    # MA(3): -, -, 11, 10.667, 9.667, 9.833 -> above on bars 2 and 5 only
    assert ma_trend(c, window=3).tolist() == [False, False, True, False, False, True]
    # 20% below the 3-bar high 12 (9.6): bar 3 (9) and bar 4 (8) on; bar 5 closes 12.5, at or
    # above the previous 2 closes' high max(9, 8) = 9 -> recovered, off
    assert dip_buy(c, drawdown=0.2, lookback=3).tolist() == [False, False, False, True, True, False]


def test_atr_hand_values():
    idx = pd.bdate_range("2024-01-01", periods=4)
    b = pd.DataFrame(
        {"high": [11.0, 12, 15, 13], "low": [9.0, 10, 11, 10], "close": [10.0, 11, 14, 12]},
        index=idx,
    )
    # TR: 2, max(2, 2, 0)=2, max(4, 4, 0)=4, max(3, 1, 4)=4; Wilder n=2: seed (2+2)/2 = 2,
    # then 2 + (4-2)/2 = 3, 3 + (4-3)/2 = 3.5; before the seed the mean TR so far: 2
    assert atr(b, window=2).tolist() == pytest.approx([2.0, 2.0, 3.0, 3.5])
    # n=3: warm-up means 2, 2; seed mean(2, 2, 4) = 8/3; then 8/3 + (4 - 8/3)/3
    assert atr(b, window=3).tolist() == pytest.approx([2.0, 2.0, 8 / 3, 8 / 3 + (4 - 8 / 3) / 3])


def test_atr_stop_exists_before_atr_window_regression():
    """Bug: ATR(14) was NaN on the first 13 bars, so an entry decided there (buy and hold,
    the first dip-buy of BITF, IREN, WULF, HUT) ran with no stop at all, and all buy-and-hold
    x ATR configurations equalled "no stop". Now every entry has a finite ATR stop."""
    from riskkit.backtest import bars_for, run_backtest
    from riskkit.data import load_prices

    px = load_prices(["BITF"], source="bundled")
    bars = bars_for(px, "BITF")
    sig = stop_loss_signals(bars, entry="buy_and_hold", stop="atr", stop_value=2.0)
    assert np.isfinite(sig.sl_distance.to_numpy()).all()  # type: ignore[union-attr]
    none = stop_loss_signals(bars, entry="buy_and_hold", stop="none", stop_value=None)
    res = run_backtest(bars, {"atr": sig, "none": none}, fees=0.001, slippage=0.001)
    first = res.trades[res.trades["config"] == "atr"].iloc[0]
    assert first["exit_reason"] in ("stop", "stop_gap")
    assert res.equity["atr"].iloc[-1] != res.equity["none"].iloc[-1]


def test_btc_on_sessions_uses_latest_close_dated_on_or_before():
    btc = pd.Series(
        [1.0, 2.0, 3.0, 4.0],
        index=pd.to_datetime(["2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08"]),
    )
    out = btc_on_sessions(btc, pd.DatetimeIndex(["2024-01-05", "2024-01-08", "2024-01-09"]))
    assert out.tolist() == [1.0, 4.0, 4.0]


def test_fresh_vs_immediate_reentry():
    bars, btc = synthetic(3)
    fresh = stop_loss_signals(bars, stop="fixed", stop_value=0.05)
    imm = stop_loss_signals(bars, stop="fixed", stop_value=0.05, reentry="immediate")
    assert fresh.entries.sum() == 1 and imm.entries.all()


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(entry="momentum"), "entry='momentum' is not known"),
        (dict(stop="chandelier"), "stop='chandelier' is not known"),
        (dict(stop="fixed", stop_value=-0.1), "needs a positive stop_value"),
        (dict(target=0.0), "must be a positive fraction"),
        (dict(stop="btc_level", stop_value=112_000.0), "needs btc_close"),
        (dict(reentry="later"), "must be 'fresh' or 'immediate'"),
    ],
)
def test_stop_loss_errors(kw, match):
    bars, _ = synthetic(1, n=10)
    with pytest.raises(DataError, match=match):
        stop_loss_signals(bars, **kw)


def test_entry_rule_errors():
    c = pd.Series([1.0, 2.0, 3.0], index=pd.bdate_range("2024-01-01", periods=3))
    with pytest.raises(DataError, match="drawdown"):
        dip_buy(c, drawdown=1.5)
    with pytest.raises(DataError, match="lookback"):
        dip_buy(c, lookback=1)
    with pytest.raises(DataError, match="window"):
        ma_trend(c, window=1)
    with pytest.raises(DataError, match="NaN"):
        ma_trend(pd.Series([1.0, np.nan, 3.0], index=c.index))
    with pytest.raises(DataError, match="window"):
        atr(pd.DataFrame({"high": c, "low": c, "close": c}), window=0)
