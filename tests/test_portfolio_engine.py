"""Portfolio mode: look-ahead (every sizing rule, cost model and overlay), statistics
checked by hand, the result object, and every error message.

Bars here are SYNTHETIC (seeded random walks) unless a test says bundled.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskkit import DataError
from riskkit.backtest import Costs, Overlay, Signals, Sizing, run_portfolio

N = 160


def walk(idx, seed, sd=0.04, start=50.0):
    rng = np.random.default_rng(seed)
    c = start * np.exp(np.cumsum(rng.normal(0, sd, len(idx))))
    o = c * np.exp(rng.normal(0, sd / 2, len(idx)))
    hi = np.maximum(o, c) * np.exp(np.abs(rng.normal(0, sd / 2, len(idx))))
    lo = np.minimum(o, c) * np.exp(-np.abs(rng.normal(0, sd / 2, len(idx))))
    vol = rng.uniform(1e4, 1e5, len(idx))
    return pd.DataFrame({"open": o, "high": hi, "low": lo, "close": c, "volume": vol}, index=idx)


def universe(seed=0):
    sess = pd.bdate_range("2024-01-01", periods=N)
    days = pd.date_range("2024-01-01", sess[-1])
    return {
        "AAA": walk(sess, seed + 1),
        "BBB": walk(sess, seed + 2, sd=0.06),
        "BTC-USD": walk(days, seed + 3, sd=0.03, start=112_000.0),
    }


def causal_signals(bars):
    """Decisions from closes up to each bar only: buy a 3% down close, sell a 2% up close,
    short a 5% up close, cover a 2% down close."""
    out = {}
    for t, b in bars.items():
        r = b["close"].pct_change()
        out[t] = Signals(entries=(r < -0.03).fillna(False), exits=(r > 0.02).fillna(False),
                         short_entries=(r > 0.05).fillna(False),
                         short_exits=(r < -0.02).fillna(False), sl_stop=0.08, tp_stop=0.15)  # fmt: skip
    return out


def perturb_after(bars, cut, seed):
    """The same dates; every price and volume after ``cut`` scaled by a random factor."""
    rng = np.random.default_rng(seed)
    out = {}
    for t, b in bars.items():
        b = b.copy()
        later = b.index > cut
        f = np.exp(rng.normal(0, 0.2, later.sum()))
        for col in ("open", "high", "low", "close"):
            b.loc[later, col] = b.loc[later, col] * f
        b.loc[later, "volume"] = b.loc[later, "volume"] * rng.uniform(0.1, 3, later.sum())
        out[t] = b
    return out


CONFIGS = {
    "fixed": dict(sizing=Sizing(fraction=0.3)),
    "fixed_rebalance": dict(sizing=Sizing(fraction=0.3, rebalance=5)),
    "equal_max2": dict(sizing=Sizing(rule="equal", max_positions=2, rebalance=7)),
    "vol_target": dict(sizing=Sizing(rule="vol_target", target_vol=0.4, max_weight=0.5)),
    "vol_target_rebalance": dict(
        sizing=Sizing(rule="vol_target", target_vol=0.4, max_weight=0.5, rebalance=3)
    ),
    "range_slippage_borrow_interest": dict(
        costs=Costs(slippage_model="range", slippage_k=0.2, borrow={"BBB": 0.5}, cash_rate=0.05)
    ),
    "vol_slippage": dict(costs=Costs(slippage_model="vol", slippage_k=0.3)),
    "volume_cap": dict(sizing=Sizing(fraction=0.5), costs=Costs(volume_cap=0.002)),
    "drawdown_stop": dict(sizing=Sizing(fraction=0.6), overlay=Overlay(drawdown_stop=0.1, cooldown=10)),
    "btc_scale": dict(overlay=Overlay(btc_level=112_000.0, btc_scale=0.25)),
    "btc_hedge": dict(overlay=Overlay(btc_level=112_000.0, btc_mode="hedge", hedge_ratio=1.0)),
    "btc_hedge_beta": dict(
        overlay=Overlay(btc_level=112_000.0, btc_mode="hedge", hedge_beta_window=20)
    ),
}  # fmt: skip


@pytest.mark.parametrize("cut_at", [40, 95])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_no_look_ahead(name, cut_at):
    """Change every bar after t: equity, cash, positions and fills up to t do not move."""
    bars = universe()
    cut = bars["AAA"].index[cut_at]
    res = run_portfolio(bars, causal_signals(bars), **CONFIGS[name])
    alt_bars = perturb_after(bars, cut, seed=cut_at)
    alt = run_portfolio(alt_bars, causal_signals(alt_bars), **CONFIGS[name])
    upto = res.equity.index <= cut
    assert res.fills["date"].le(cut).sum() > 3  # the run did trade before the cut
    pd.testing.assert_series_equal(res.equity[upto], alt.equity[upto], rtol=1e-12)
    pd.testing.assert_series_equal(res.cash[upto], alt.cash[upto], rtol=1e-12)
    pd.testing.assert_frame_equal(res.positions[upto], alt.positions[upto], rtol=1e-12)
    f0 = res.fills[res.fills["date"] <= cut].reset_index(drop=True)
    f1 = alt.fills[alt.fills["date"] <= cut].reset_index(drop=True)
    pd.testing.assert_frame_equal(f0, f1, rtol=1e-12)
    # and the change after t is real: the runs differ afterwards
    assert not np.allclose(res.equity[~upto], alt.equity[~upto])


def test_statistics_by_hand():
    bars = universe(5)
    res = run_portfolio(bars, causal_signals(bars), costs=Costs(borrow={"BBB": 0.3}))
    eq = res.equity.to_numpy()
    r = np.r_[eq[0] / 100_000.0 - 1, eq[1:] / eq[:-1] - 1]
    assert res.settings["periods_per_year"] == 365  # BTC-USD puts every day in the calendar
    assert math.isclose(
        res.stats["sharpe"], r.mean() / r.std(ddof=1) * math.sqrt(365), rel_tol=1e-9
    )
    wealth = np.r_[100_000.0, eq]
    mdd = min(w / max(wealth[: i + 1]) - 1 for i, w in enumerate(wealth))
    assert math.isclose(res.stats["max_drawdown"], mdd, rel_tol=1e-12)
    traded = (res.fills["shares"].abs() * res.fills["price"]).sum()
    assert math.isclose(res.stats["turnover"], traded / eq.mean(), rel_tol=1e-12)
    assert math.isclose(res.costs["fees"], 0.001 * traded, rel_tol=1e-9)
    slip = (res.fills["shares"].abs() * res.fills["quote"] * 0.001).sum()
    assert math.isclose(res.costs["slippage"], slip, rel_tol=1e-9)
    # trades: the P&L of the round trips plus the open ones add up to the fills' cash flows
    total = res.trades["pnl"].sum()
    assert math.isclose(total / 100_000.0, res.contribution.drop("interest").sum(), rel_tol=1e-9)
    risk = res.risk(level=0.99)
    assert math.isclose(risk["max_drawdown"], mdd, rel_tol=1e-9)
    assert math.isclose(risk["sharpe"], res.stats["sharpe"], rel_tol=1e-9)
    # historical VaR: the loss at the 1% empirical quantile (riskkit's interpolation rule
    # lies between the two neighbouring order statistics)
    srt = np.sort(r)
    j = 0.01 * (len(r) - 1)
    assert -srt[int(np.ceil(j))] - 1e-12 <= risk["var_historical"] <= -srt[int(np.floor(j))] + 1e-12


def test_result_object_displays():
    bars = universe(7)
    res = run_portfolio(bars, causal_signals(bars))
    text = str(res.summary())
    assert "Portfolio backtest: 3 names" in text and "Sharpe" in text
    assert "<table" in res._repr_html_() and "<pre" not in res._repr_html_()
    assert len(repr(res).splitlines()) <= 3
    tidy = res.to_frame()
    assert list(tidy.columns) == ["statistic", "value"]
    assert set(res.costs.index) == {"fees", "slippage", "borrow", "interest"}
    assert res.exposure.shape == res.positions.shape


# -------------------------------------------------------------------------- errors
def test_spec_errors():
    with pytest.raises(DataError, match=r"Sizing.rule='kelly' is not allowed"):
        Sizing(rule="kelly")  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"needs max_positions"):
        Sizing(rule="equal")
    with pytest.raises(DataError, match=r"Sizing.fraction=0 is not allowed"):
        Sizing(fraction=0)
    with pytest.raises(DataError, match=r"Sizing.rebalance=0 .* integer >= 1"):
        Sizing(rebalance=0)
    with pytest.raises(DataError, match=r"Sizing.vol_window=1 .* integer >= 2"):
        Sizing(vol_window=1)
    with pytest.raises(DataError, match=r"Costs.fees=-0.1 is not allowed"):
        Costs(fees=-0.1)
    with pytest.raises(DataError, match=r"slippage_model='atr' is not allowed"):
        Costs(slippage_model="atr")  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"Costs.borrow must be a mapping"):
        Costs(borrow=0.2)  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"Costs.borrow\['BITF'\]=nan"):
        Costs(borrow={"BITF": float("nan")})
    with pytest.raises(DataError, match=r"Costs.volume_cap=0 is not allowed"):
        Costs(volume_cap=0)
    with pytest.raises(DataError, match=r"Overlay.drawdown_stop=1.5"):
        Overlay(drawdown_stop=1.5)
    with pytest.raises(DataError, match=r"btc_level=-1 must be a positive price"):
        Overlay(btc_level=-1)
    with pytest.raises(DataError, match=r"hedge_beta_window=5 .* integer >= 10"):
        Overlay(hedge_beta_window=5)
    with pytest.raises(DataError, match=r"btc_mode='short' is not allowed"):
        Overlay(btc_mode="short")  # type: ignore[arg-type]


def test_run_errors():
    bars = universe(1)
    sig = causal_signals(bars)
    with pytest.raises(DataError, match="signals_by_ticker is empty"):
        run_portfolio(bars, {})
    with pytest.raises(DataError, match=r"signals for \['ZZZ'\] have no bars"):
        run_portfolio(bars, {"ZZZ": sig["AAA"]})
    with pytest.raises(DataError, match=r"signals_by_ticker\['AAA'\] is not on AAA's bar dates"):
        run_portfolio(bars, {"AAA": sig["BTC-USD"]})
    with pytest.raises(DataError, match=r"is a dict, not a Signals"):
        run_portfolio(bars, {"AAA": {}})  # type: ignore[dict-item]
    trail = Signals(entries=sig["AAA"].entries, sl_stop=0.1, sl_trail=True)
    with pytest.raises(DataError, match="supports fractional sl_stop/tp_stop only"):
        run_portfolio(bars, {"AAA": trail})
    no_vol = {"AAA": bars["AAA"].drop(columns="volume")}
    with pytest.raises(DataError, match="no 'volume' column"):
        run_portfolio(no_vol, {"AAA": sig["AAA"]}, costs=Costs(volume_cap=0.01))
    with pytest.raises(DataError, match="needs BTC-USD bars"):
        run_portfolio({"AAA": bars["AAA"]}, {"AAA": sig["AAA"]}, overlay=Overlay(btc_level=1e5))
    with pytest.raises(DataError, match="sizing must be a Sizing"):
        run_portfolio(bars, sig, sizing=0.1)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="ambiguity='worst' is not allowed"):
        run_portfolio(bars, sig, ambiguity="worst")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="init_cash=0 must be a positive number"):
        run_portfolio(bars, sig, init_cash=0)
    bad = bars["AAA"].copy()
    bad.iloc[3, 0] = np.nan
    with pytest.raises(DataError, match="missing prices"):
        run_portfolio({"AAA": bad}, {"AAA": sig["AAA"]})


def test_start_uses_earlier_bars_for_estimates_only():
    from riskkit.backtest import slice_signals

    bars = universe(11)
    sig = causal_signals(bars)
    cut = bars["AAA"].index[60]
    late = {t: b.loc[cut:] for t, b in bars.items()}
    late_sig = {t: slice_signals(s, pd.DatetimeIndex(late[t].index)) for t, s in sig.items()}
    # fixed sizing and fixed slippage need no history: starting later = cutting the bars
    a = run_portfolio(bars, sig, start=cut)
    b = run_portfolio(late, late_sig)
    pd.testing.assert_series_equal(a.equity, b.equity, rtol=1e-12)
    # the volatility target reads the bars before the start: first entry sized by hand
    vt = Sizing(rule="vol_target", target_vol=0.3, vol_window=20, max_weight=1.0)
    v = run_portfolio(bars, sig, sizing=vt, start=cut)
    first = v.fills.iloc[0]
    t = first["ticker"]
    closes = bars[t]["close"]
    dec = closes.index[closes.index.get_loc(first["date"]) - 1]  # the decision bar
    r = closes.loc[:dec].pct_change().iloc[-20:]
    ppy = 365 if t == "BTC-USD" else 252
    w = min(0.3 / (r.std(ddof=1) * math.sqrt(ppy)), 1.0)
    assert math.isclose(first["shares"], w * v.equity.loc[dec] / closes.loc[dec], rel_tol=1e-9)
    assert v.equity.index[0] == cut


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    cut_at=st.integers(5, N - 5),
    name=st.sampled_from(sorted(CONFIGS)),
)
def test_no_look_ahead_property(seed, cut_at, name):
    bars = universe(seed)
    cut = bars["AAA"].index[cut_at]
    res = run_portfolio(bars, causal_signals(bars), **CONFIGS[name])
    alt_bars = perturb_after(bars, cut, seed=seed + 1)
    alt = run_portfolio(alt_bars, causal_signals(alt_bars), **CONFIGS[name])
    upto = res.equity.index <= cut
    pd.testing.assert_series_equal(res.equity[upto], alt.equity[upto], rtol=1e-12)
    f0 = res.fills[res.fills["date"] <= cut].reset_index(drop=True)
    f1 = alt.fills[alt.fills["date"] <= cut].reset_index(drop=True)
    pd.testing.assert_frame_equal(f0, f1, rtol=1e-12)


def test_inputs_unchanged_and_plot_leaves_rcparams():
    import matplotlib  # the Agg backend: tests/conftest.py sets MPLBACKEND
    import matplotlib.pyplot as plt

    bars = universe(13)
    sig = causal_signals(bars)
    before = {t: b.copy() for t, b in bars.items()}
    entries = {t: s.entries.copy() for t, s in sig.items()}
    res = run_portfolio(bars, sig, costs=Costs(volume_cap=0.01, slippage_model="range"),
                        overlay=Overlay(btc_level=112_000.0, btc_mode="hedge"))  # fmt: skip
    for t in bars:
        pd.testing.assert_frame_equal(bars[t], before[t])
        pd.testing.assert_series_equal(sig[t].entries, entries[t])
    rc = dict(matplotlib.rcParams)
    fig = res.plot()
    assert len(fig.axes) == 2
    plt.close(fig)
    assert dict(matplotlib.rcParams) == rc
