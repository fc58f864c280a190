"""The grid-native sweep against run_backtest, the reference loop and numpy statistics.

Bundled bars are REAL (the snapshot); every other bar here is SYNTHETIC and says so.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_backtest_reference import _random_case_wide, reference_loop

from riskkit._errors import DataError
from riskkit.backtest import Signals, atr, bars_for, run_backtest, sweep
from riskkit.backtest._metrics import equity_stats

FEES, SLIP = 0.001, 0.001


@pytest.fixture(scope="module")
def real():
    from riskkit.data import load_prices

    px = load_prices(["IREN", "BTC-USD"], source="bundled", start="2023-06-01")
    bars = {t: bars_for(px, t) for t in ("IREN", "BTC-USD")}
    dip = {t: b["close"].pct_change() < -0.05 for t, b in bars.items()}
    up = {t: b["close"] > b["close"].rolling(20, min_periods=20).mean() for t, b in bars.items()}
    base = {
        t: {
            "dip": Signals(entries=dip[t]),
            "trend": Signals(entries=up[t] & ~up[t].shift(1, fill_value=False), exits=~up[t]),
        }
        for t in bars
    }
    grid = [
        {"sl_stop": [None, 0.05, 0.15], "tp_stop": [None, 0.2], "sl_trail": [False, True],
         "after_stop": ["wait", "bars", "recover"], "after_stop_bars": [3]},
        {"sl_atr": [2.0, 4.0], "tp_stop": [0.3]},
    ]  # fmt: skip
    res = sweep(bars, base, grid, fees=FEES, slippage=SLIP, progress=False)
    return bars, base, grid, res


def _hand_signals(bars, base, row):
    """A configuration's Signals built here from its params row (not by the sweep's code)."""
    s = base[row["ticker"]][row["signals"]]
    kw = {}
    if row["grid"] == 0:
        kw["sl_stop"] = None if math.isnan(row["sl_stop"]) else row["sl_stop"]
        kw["tp_stop"] = None if math.isnan(row["tp_stop"]) else row["tp_stop"]
        kw["sl_trail"] = bool(row["sl_trail"])
        kw["after_stop"] = str(row["after_stop"])
        kw["after_stop_bars"] = int(row["after_stop_bars"])
    else:
        kw["sl_distance"] = row["sl_atr"] * atr(bars[row["ticker"]], window=14)
        kw["tp_stop"] = row["tp_stop"]
    return Signals(entries=s.entries, exits=s.exits, **kw)


def test_every_configuration_equals_run_backtest(real):
    """Final equity, trades and max drawdown of each grid point equal run_backtest's (1e-9)."""
    bars, base, _, res = real
    assert len(res.stats) == 2 * 2 * (3 * 2 * 2 * 3 + 2)  # tickers x signals x (grid 0 + grid 1)
    for t in bars:
        rows = res.params[res.params["ticker"] == t]
        sigs = {int(c): _hand_signals(bars, base, rows.loc[c]) for c in rows.index}
        one = run_backtest(bars[t], {str(k): v for k, v in sigs.items()}, fees=FEES, slippage=SLIP)
        for c in rows.index:
            a, b = res.stats.loc[c], one.stats.loc[str(c)]
            for col in ("final_equity", "trades", "max_drawdown", "sharpe", "exits_stop"):
                assert a[col] == pytest.approx(b[col], rel=1e-9, nan_ok=True), (c, col)


def test_grid_axes_change_what_they_should(real):
    """Re-entry, trailing and ATR axes are live: they change the results (not idle axes)."""
    _, _, _, res = real
    f = res.to_frame()
    dip = f[(f["ticker"] == "IREN") & (f["signals"] == "dip") & (f["grid"] == 0)]
    by_after = dip.groupby("after_stop", observed=True)["trades"].sum()
    assert by_after["bars"] > by_after["wait"] and by_after["recover"] > by_after["wait"]
    assert dip.groupby("sl_trail")["final_equity"].nunique().min() > 1
    atr_rows = f[f["grid"] == 1]
    assert (atr_rows["exits_stop"] + atr_rows["exits_stop_gap"]).sum() > 0


def test_stats_equal_numpy_statistics_of_the_recorded_equity(real):
    """The kernel's streamed statistics vs equity_stats (two-pass numpy) on detail()'s equity."""
    _, _, _, res = real
    for c in res.stats.index[::7]:
        d = res.detail(int(c))
        eq = d.equity.iloc[:, 0]
        tr = d.trades
        closed = tr[tr["exit_reason"] != "open"]
        ref = equity_stats(
            eq, init_cash=100_000.0, periods_per_year=res.settings["periods_per_year"][
                str(res.params.loc[c, "ticker"])],
            trade_pnl=closed["pnl"].to_numpy(), exposure=float(d.stats["exposure"].iloc[0]),
            ambiguous_bars=int(d.stats["ambiguous_bars"].iloc[0]),
            exit_reasons=closed["exit_reason"].to_numpy(), open_at_end=bool((tr["exit_reason"] == "open").any()),
        )  # fmt: skip
        for k, v in ref.items():
            assert res.stats.loc[c, k] == pytest.approx(v, rel=1e-9, abs=1e-12, nan_ok=True), (c, k)


def test_reference_loop_on_a_sample_of_the_grid(real):
    """REAL bars: the plain-Python loop reproduces sampled grid points' equity to 1e-9."""
    bars, base, _, res = real
    for c in res.stats.index[::11]:
        row = res.params.loc[c]
        sig = _hand_signals(bars, base, row)
        _, eq, _ = reference_loop(
            bars[row["ticker"]], sig, fees=FEES, slippage=SLIP, ambiguity="stop_first",
            init_cash=100_000.0,
        )  # fmt: skip
        assert res.stats.loc[c, "final_equity"] == pytest.approx(eq[-1], rel=1e-9)
        wealth = np.r_[100_000.0, eq]
        mdd = np.min(wealth / np.maximum.accumulate(wealth) - 1)
        assert res.stats.loc[c, "max_drawdown"] == pytest.approx(mdd, rel=1e-9, abs=1e-15)


def test_chunking_does_not_change_results(real):
    bars, base, grid, res = real
    small = sweep(bars, base, grid, fees=FEES, slippage=SLIP, progress=False, chunk_size=7)
    pd.testing.assert_frame_equal(small.stats, res.stats)
    assert (small.fingerprint == res.fingerprint).all()


def test_best_label_and_detail(real):
    _, _, _, res = real
    top = res.best(3, by="sharpe")
    assert list(top.index) == list(res.stats["sharpe"].sort_values(ascending=False).index[:3])
    c = int(top.index[0])
    d = res.detail(c)
    assert d.stats.index[0] == res.label(c) and res.label(c).startswith(
        str(res.params.loc[c, "ticker"])
    )
    assert d.stats.iloc[0]["final_equity"] == res.stats.loc[c, "final_equity"]  # same kernel
    assert "Sweep:" in res.summary() and "<table" in res._repr_html_()
    with pytest.raises(DataError, match="not in this sweep"):
        res.detail(10**9)
    with pytest.raises(DataError, match="by='nope' unknown"):
        res.best(3, by="nope")


def test_distinct_trials_and_deflated_sharpe_by_hand(real):
    """Trials with identical equity curves count once; pooled on the best's calendar."""
    from riskkit.backtest._metrics import equity_returns
    from riskkit.risk import deflated_sharpe_ratio

    _, _, _, res = real
    f = res.to_frame()
    # SYNTHETIC check of the fingerprint: equal final equity and trade count <=> same curve
    # here (no two distinct curves of this grid share both).
    key = f[["ticker", "final_equity", "trades"]].astype(str).agg("|".join, axis=1)
    assert res.distinct().sum() == key.nunique() < len(f)
    d = res.deflated_sharpe()
    ok = f["sharpe"].notna()
    assert d["n_trials_raw"] == int(ok.sum()) and d["n_trials"] == int((ok & res.distinct()).sum())
    best = int(f["sharpe"].idxmax())
    ppy = {"IREN": 252.0, "BTC-USD": 365.0}
    assert d["best_config"] == best and d["calendar_periods_per_year"] == ppy[f.loc[best, "ticker"]]
    sr = f.loc[ok & res.distinct(), "sharpe"] / np.sqrt(d["calendar_periods_per_year"])
    assert d["sharpe_variance"] == pytest.approx(sr.var(ddof=1), rel=1e-12)
    r = equity_returns(res.detail(best).equity.iloc[:, 0], 100_000.0)
    dsr = deflated_sharpe_ratio(r, n_trials=d["n_trials"], sharpe_variance=sr.var(ddof=1))
    assert d["deflated_sharpe"] == pytest.approx(dsr, rel=1e-12)
    per = res.deflated_sharpe(by_ticker=True)["dsr_by_ticker"]
    assert set(per.index) == {"IREN", "BTC-USD"}


@pytest.mark.parametrize(
    ("grid", "match"),
    [
        ({"sl_stopp": [0.1]}, "grid axis 'sl_stopp' is not known"),
        ({"sl_stop": [0.1], "sl_atr": [2.0]}, "cannot vary both sl_stop and sl_atr"),
        ({"sl_stop": [0.0]}, "has 0: a stop or target at the entry price"),
        ({"tp_stop": [-0.1]}, "must be positive"),
        ({"sl_stop": []}, "non-empty list"),
        ({"sl_trail": [1]}, "True/False"),
        ({"after_stop": ["never"]}, "allowed"),
        ({"after_stop_bars": [0]}, "integers >= 1"),
        ({"signals": ["nope"]}, "not among"),
        ("sl_stop", "mapping"),
    ],
)
def test_grid_errors(grid, match):
    idx = pd.date_range("2024-01-01", periods=5, freq="B")
    c = pd.Series([10.0, 11, 12, 11, 12], index=idx)  # SYNTHETIC
    bars = pd.DataFrame({"open": c, "high": c + 1, "low": c - 1, "close": c})
    base = Signals(entries=pd.Series(idx == idx[0], index=idx))
    with pytest.raises(DataError, match=match):
        sweep({"X": bars}, {"X": base}, grid, progress=False)


def test_grid_input_errors():
    idx = pd.date_range("2024-01-01", periods=5, freq="B")
    c = pd.Series([10.0, 11, 12, 11, 12], index=idx)  # SYNTHETIC
    bars = pd.DataFrame({"open": c, "high": c + 1, "low": c - 1, "close": c})
    base = Signals(entries=pd.Series(idx == idx[0], index=idx))
    with pytest.raises(DataError, match="no base signals for"):
        sweep({"X": bars, "Y": bars}, {"X": base}, {"sl_stop": [0.1]}, progress=False)
    with pytest.raises(DataError, match="not on X's bar dates"):
        off = Signals(entries=pd.Series(True, index=idx[:-1]))
        sweep({"X": bars}, {"X": off}, {"sl_stop": [0.1]}, progress=False)
    with pytest.raises(DataError, match="chunk_size"):
        sweep({"X": bars}, {"X": base}, {"sl_stop": [0.1]}, progress=False, chunk_size=0)
    with pytest.raises(DataError, match="bars_by_ticker is empty"):
        sweep({}, {}, {"sl_stop": [0.1]}, progress=False)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), ambiguity=st.sampled_from(["stop_first", "pessimistic"]))
def test_grid_kernel_matches_reference_loop_random(seed, ambiguity):
    """SYNTHETIC wide bars (gaps, ambiguous bars, shorts, ruin): each grid point's final
    equity and drawdown equal the reference loop's."""
    bars, sig = _random_case_wide(seed)
    base = Signals(entries=sig.entries, exits=sig.exits, short_entries=sig.short_entries,
                   short_exits=sig.short_exits)  # fmt: skip
    grid = {"sl_stop": [None, 0.05, 0.3], "tp_stop": [None, 0.15], "sl_trail": [False, True],
            "after_stop": ["wait", "recover", "bars"], "after_stop_bars": [2]}  # fmt: skip
    res = sweep({"S": bars}, {"S": base}, grid, fees=0.002, slippage=0.003, ambiguity=ambiguity,
                init_cash=1e4, progress=False)  # fmt: skip
    for c, row in res.params.iterrows():
        s = Signals(
            entries=sig.entries, exits=sig.exits, short_entries=sig.short_entries,
            short_exits=sig.short_exits,
            sl_stop=None if math.isnan(row["sl_stop"]) else row["sl_stop"],
            tp_stop=None if math.isnan(row["tp_stop"]) else row["tp_stop"],
            sl_trail=bool(row["sl_trail"]), after_stop=str(row["after_stop"]), after_stop_bars=2,
        )  # fmt: skip
        trades, eq, amb = reference_loop(bars, s, fees=0.002, slippage=0.003, ambiguity=ambiguity,
                                         init_cash=1e4)  # fmt: skip
        got = res.stats.loc[c]
        assert got["final_equity"] == pytest.approx(eq[-1], rel=1e-9, abs=1e-9)
        assert got["trades"] == len(trades) and got["ambiguous_bars"] == amb
        assert got["ruined"] == float((eq <= 0).any())  # ruin leaves the account at 0
        wealth = np.r_[1e4, eq]
        with np.errstate(invalid="ignore", divide="ignore"):
            mdd = np.nanmin(wealth / np.maximum.accumulate(wealth) - 1)
        assert got["max_drawdown"] == pytest.approx(mdd, rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), cut=st.integers(5, 35))
def test_kernel_has_no_look_ahead(seed, cut):
    """SYNTHETIC: replacing every bar after ``cut`` changes nothing up to ``cut``'s close
    (fills at ``cut + 1`` use that bar's open, decided at ``cut``)."""
    bars, sig = _random_case_wide(seed)
    other, _ = _random_case_wide(seed + 1)
    mixed = bars.copy()
    mixed.iloc[cut + 1 :] = other.iloc[cut + 1 :].to_numpy() * (bars["close"].iloc[cut] / 100)
    a = run_backtest(bars, sig, fees=0.001, slippage=0.001, init_cash=1e4)
    b = run_backtest(mixed, sig, fees=0.001, slippage=0.001, init_cash=1e4)
    np.testing.assert_array_equal(a.equity.iloc[: cut + 1], b.equity.iloc[: cut + 1])
    ta = a.trades[a.trades["exit_date"] <= bars.index[cut]]
    ta = ta[ta["exit_reason"] != "open"]
    tb = b.trades[b.trades["exit_date"] <= bars.index[cut]]
    tb = tb[tb["exit_reason"] != "open"]
    pd.testing.assert_frame_equal(ta.reset_index(drop=True), tb.reset_index(drop=True))


def test_deflated_sharpe_counts_identical_strategies_once_regression():
    """Bug: identical strategies counted as separate trials (69-83 distinct curves of
    123-127 per ticker). SYNTHETIC bars where only the 2% stop ever fires: the 5%..40%
    stops and no stop are one strategy, so 2 distinct trials, not 9."""
    idx = pd.date_range("2024-01-01", periods=60, freq="B")
    rng = np.random.default_rng(3)
    c = pd.Series(100 * np.exp(np.cumsum(rng.normal(0.001, 0.004, 60))), index=idx)
    bars = pd.DataFrame({"open": c.shift(1).fillna(100.0), "close": c})
    bars["high"] = bars[["open", "close"]].max(axis=1) * 1.001
    bars["low"] = bars[["open", "close"]].min(axis=1) * 0.98  # one 2% dip per bar at most
    base = Signals(entries=pd.Series(idx == idx[0], index=idx))
    grid = {"sl_stop": [None, 0.021, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4]}
    res = sweep({"X": bars}, {"X": base}, grid, fees=0.0, slippage=0.0, progress=False)
    curves = {tuple(res.detail(int(i)).equity.iloc[:, 0].round(9)) for i in res.stats.index}
    d = res.deflated_sharpe()
    assert d["n_trials_raw"] == 9 and d["n_trials"] == len(curves) == 2


def test_pooled_deflated_sharpe_uses_one_calendar_regression():
    """Bug: the pooled DSR mixed per-session (252) and per-calendar-day (365) Sharpes.
    Now every trial's annualised Sharpe is divided by sqrt(P) of the best's calendar."""
    from riskkit.backtest.sweep import deflated_sharpe_of_trials

    sharpe = pd.Series({"eq1": 1.2, "eq2": 0.6, "btc": 0.9})
    ppy = pd.Series({"eq1": 252.0, "eq2": 252.0, "btc": 365.0})
    r = pd.Series(
        np.random.default_rng(5).normal(0.001, 0.02, 500),
        index=pd.bdate_range("2020-01-01", periods=500),
    )  # SYNTHETIC
    d = deflated_sharpe_of_trials(sharpe, ppy, pd.Series(True, index=sharpe.index), lambda _: r)
    by_hand = np.var([1.2 / np.sqrt(252), 0.6 / np.sqrt(252), 0.9 / np.sqrt(252)], ddof=1)
    assert d["best_config"] == "eq1" and d["calendar_periods_per_year"] == 252
    assert d["sharpe_variance"] == pytest.approx(by_hand, rel=1e-12)
    mixed = np.var([1.2 / np.sqrt(252), 0.6 / np.sqrt(252), 0.9 / np.sqrt(365)], ddof=1)
    assert abs(d["sharpe_variance"] - mixed) > 1e-5


def test_stop_on_buy_and_hold_is_compared_like_with_like_regression():
    """Bug: a stop on buy and hold exits for good, so "did the stop help" measured time out
    of the market. With re-entry rules on the grid the stop stays (mostly) invested; the
    study's comparison shows both exposures (REAL bundled IREN bars)."""
    from riskkit.backtest.report import stop_loss_table
    from riskkit.studies import compare_with_no_stop, run_stop_loss_sweep

    grid = [{"signals": ["buy_and_hold"], "sl_stop": [None]},
            {"signals": ["buy_and_hold"], "sl_stop": [0.1], "after_stop": ["wait", "bars"],
             "after_stop_bars": [5]}]  # fmt: skip
    res = run_stop_loss_sweep(["IREN"], grid=grid, walk_forward_windows=None, hedge_level=None,
                              progress=False)  # fmt: skip
    cmp = compare_with_no_stop(stop_loss_table(res)).loc["IREN"].loc["fixed"]
    assert cmp.loc["wait", "exposure"] < 0.2 < 0.8 < cmp.loc["bars", "exposure"]
    assert (cmp["exposure_no_stop"] > 0.99).all()
