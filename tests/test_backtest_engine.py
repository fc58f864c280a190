"""Engine API: error paths, settings, results object, sweep/walk-forward (SYNTHETIC bars)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from riskkit._errors import DataError
from riskkit.backtest import (
    BacktestResult,
    Signals,
    bars_for,
    grid_points,
    run_backtest,
    sweep,
    walk_forward,
)
from riskkit.backtest._metrics import equity_returns

IDX = pd.bdate_range("2024-01-01", periods=60)


def _bars(seed=0, n=60):
    rng = np.random.default_rng(seed)
    c = 50 * np.exp(np.cumsum(rng.normal(0, 0.03, n)))
    o = np.r_[50.0, c[:-1]]
    return pd.DataFrame(
        {"open": o, "high": np.maximum(o, c) * 1.02, "low": np.minimum(o, c) * 0.98, "close": c},
        index=pd.bdate_range("2024-01-01", periods=n),
    )


def _first(idx):
    return pd.Series(idx == idx[0], index=idx)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda b: b.drop(columns="low"), "columns open, high, low, close"),
        (
            lambda b: b.assign(close=np.where(np.arange(len(b)) == 5, np.nan, b["close"])),
            "missing prices",
        ),
        (lambda b: b.assign(open=-b["open"]), "zero or negative"),
        (lambda b: b.assign(high=b["low"] * 0.5), "inconsistent bar"),
        (lambda b: b.iloc[::-1], "sorted DatetimeIndex"),
        (lambda b: b.reset_index(drop=True), "sorted DatetimeIndex"),
        (lambda b: b.iloc[:1], "at least 2 are needed"),
    ],
)
def test_bad_bars(mutate, match):
    b = _bars()
    bad = mutate(b)
    with pytest.raises(DataError, match=match):
        run_backtest(
            bad,
            Signals(entries=_first(bad.index))
            if isinstance(bad.index, pd.DatetimeIndex)
            else Signals(entries=pd.Series(False, index=bad.index)),
        )


def test_bad_options_and_signals():
    b = _bars()
    s = Signals(entries=_first(b.index))
    with pytest.raises(DataError, match="ambiguity='coin_flip'"):
        run_backtest(b, s, ambiguity="coin_flip")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="fees"):
        run_backtest(b, s, fees=-0.01)
    with pytest.raises(DataError, match="slippage"):
        run_backtest(b, s, slippage=1.5)
    with pytest.raises(DataError, match="init_cash"):
        run_backtest(b, s, init_cash=0)
    with pytest.raises(DataError, match="not on the bars' dates"):
        run_backtest(b, Signals(entries=_first(b.index[:-1])))
    with pytest.raises(DataError, match="empty"):
        run_backtest(b, {})
    with pytest.raises(DataError, match="either sl_stop"):
        Signals(entries=_first(b.index), sl_stop=0.1, sl_distance=pd.Series(1.0, index=b.index))
    with pytest.raises(DataError, match="negative or infinite values"):
        run_backtest(b, Signals(entries=_first(b.index), tp_stop=-0.1))
    with pytest.raises(DataError, match="NaN values"):
        run_backtest(b, Signals(entries=_first(b.index), exits=pd.Series(np.nan, index=b.index)))
    with pytest.raises(DataError, match="boolean pandas Series"):
        Signals(entries=[True, False])  # type: ignore[arg-type]


def test_last_bar_signal_is_counted_not_filled():
    b = _bars()
    ent = pd.Series(b.index == b.index[-1], index=b.index)
    res = run_backtest(b, Signals(entries=ent))
    assert res.settings["unfilled_signals"] == 1 and res.trades.empty
    assert res.stats["trades"].iloc[0] == 0


def test_fees_and_slippage_hand_calculation():
    """Buy at bar 1 open, sell at bar 3 open (SYNTHETIC); costs written out by hand."""
    b = _bars()
    ent = pd.Series(b.index == b.index[0], index=b.index)
    ext = pd.Series(b.index == b.index[2], index=b.index)
    res = run_backtest(
        b, Signals(entries=ent, exits=ext), fees=0.002, slippage=0.003, init_cash=1000.0
    )
    o1, o3 = b["open"].iloc[1], b["open"].iloc[3]
    shares = 1000.0 / 1.002 / (o1 * 1.003)
    final = shares * o3 * 0.997 * (1 - 0.002)
    assert res.equity.iloc[-1, 0] == pytest.approx(final, rel=1e-12)
    t = res.trades.iloc[0]
    assert (t.entry_date, t.exit_date, t.exit_reason) == (b.index[1], b.index[3], "signal")


def test_bars_for_drops_non_trading_rows_and_rejects_partial():
    days = pd.date_range("2024-01-05", periods=4)  # Fri..Mon
    cols = pd.MultiIndex.from_product(
        [["open", "high", "low", "close"], ["X", "BTC"]], names=["field", "ticker"]
    )
    p = pd.DataFrame(1.0, index=days, columns=cols)
    p.loc[days[1:3], (slice(None), "X")] = np.nan  # weekend: X does not trade
    b = bars_for(p, "X")
    assert list(b.index) == [days[0], days[3]] and b.attrs["calendar_rows_removed"] == 2
    p.loc[days[3], ("close", "X")] = np.nan
    with pytest.raises(DataError, match="some of open/high/low/close missing"):
        bars_for(p, "X")
    with pytest.raises(DataError, match="not in prices"):
        bars_for(p, "Y")


def test_result_object_methods():
    b = _bars()
    sigs = {
        f"s{v}": Signals(entries=_first(b.index), sl_stop=v, params={"stop": v, "k": 1})
        for v in (0.02, 0.2)
    }
    res = run_backtest(b, sigs, ticker="X")
    assert isinstance(res, BacktestResult)
    fr = res.to_frame()
    assert {"ticker", "stop", "sharpe", "ambiguous_bars"} <= set(fr.columns)
    assert "Fill contract" in res.summary() and "<table" in res._repr_html_()
    assert res.best("total_return") in sigs
    fig = res.plot("s0.2")
    assert len(fig.axes) == 2
    hm = res.plot_heatmap("stop", "k", metric="total_return")
    assert hm.axes
    import matplotlib.pyplot as plt

    plt.close("all")
    with pytest.raises(DataError, match="metric 'alpha' unknown"):
        res.best("alpha")
    with pytest.raises(DataError, match="not in this result"):
        res.plot("nope")
    with pytest.raises(DataError, match="labels repeat"):
        BacktestResult.concat([res, res])


def test_grid_points_errors():
    assert len(grid_points({"a": [1, 2], "b": [3, 4, 5]})) == 6
    with pytest.raises(DataError, match="non-empty list"):
        grid_points({"a": []})
    with pytest.raises(DataError, match="non-empty list"):
        grid_points({"a": "abc"})


def test_sweep_deflated_sharpe_hand_formula():
    """DSR of the best configuration recomputed from Bailey & Lopez de Prado (2014), eqs. by hand."""
    b = _bars(5, n=60)
    up = b["close"] > b["close"].rolling(3).mean()

    def factory(bars, stop, window):
        u = bars["close"] > bars["close"].rolling(window).mean()
        return Signals(entries=u, exits=~u, sl_stop=stop)

    res = sweep({"X": b}, factory, {"stop": [0.02, 0.05, 0.5], "window": [2, 3, 5]}, progress=False)
    assert up.any()
    sr = {}
    for lab in res.equity:
        r = equity_returns(res.equity[lab], 100_000.0).to_numpy()
        if r.std(ddof=1) > 0:
            sr[lab] = r.mean() / r.std(ddof=1)
    srs = pd.Series(sr)
    best = srs.idxmax()
    n_tr, v = len(srs), srs.var(ddof=1)
    g = 0.5772156649015329
    sr0 = np.sqrt(v) * (
        (1 - g) * stats.norm.ppf(1 - 1 / n_tr) + g * stats.norm.ppf(1 - 1 / (n_tr * np.e))
    )
    r = equity_returns(res.equity[best], 100_000.0).to_numpy()
    s = r.mean() / r.std(ddof=1)
    g3, g4 = stats.skew(r), stats.kurtosis(r, fisher=False)
    dsr = stats.norm.cdf(
        (s - sr0) * np.sqrt(len(r) - 1) / np.sqrt(1 - g3 * s + (g4 - 1) / 4 * s**2)
    )
    assert res.extras["best_config"] == best and res.extras["n_trials"] == n_tr
    assert res.extras["deflated_sharpe"] == pytest.approx(dsr, rel=1e-9)


def test_walk_forward_chooses_on_train_only():
    b = _bars(11, n=80)
    up = b["close"] > b["close"].rolling(4).mean()
    cands = {"trend": Signals(entries=up, exits=~up), "fade": Signals(entries=~up, exits=up),
             "hold": Signals(entries=_first(b.index))}  # fmt: skip
    wf = walk_forward(b, cands, train=30, test=15)
    folds = wf.extras["folds"]
    assert len(folds) == 3 and list(folds["test_start"]) == [b.index[30], b.index[45], b.index[60]]
    # the first fold's choice equals the best Sharpe of a plain backtest on bars 0..29
    from riskkit.backtest.signals import slice_signals

    tr = run_backtest(
        b.iloc[:30], {k: slice_signals(v, b.index[:30], carry_in=True) for k, v in cands.items()}
    )
    assert folds["chosen"].iloc[0] == tr.best("sharpe")
    # changing the test windows' bars does not change any choice made before them
    b2 = b.copy()
    b2.iloc[30:] *= 1.3
    up2 = b2["close"] > b2["close"].rolling(4).mean()
    c2 = {"trend": Signals(entries=up2, exits=~up2), "fade": Signals(entries=~up2, exits=up2),
          "hold": Signals(entries=_first(b.index))}  # fmt: skip
    assert (
        walk_forward(b2, c2, train=30, test=15).extras["folds"]["chosen"].iloc[0]
        == folds["chosen"].iloc[0]
    )
    # chained out-of-sample equity: the fold returns compound to the total
    total = np.prod(1 + folds["test_return"]) - 1
    assert wf.stats["total_return"].iloc[0] == pytest.approx(total, rel=1e-10)
    with pytest.raises(DataError, match="exceeds"):
        walk_forward(b, cands, train=70, test=20)
    with pytest.raises(DataError, match="integer >= 2"):
        walk_forward(b, cands, train=30, test=1)


def test_slice_signals_carry_in():
    from riskkit.backtest.signals import slice_signals

    idx = pd.bdate_range("2024-01-01", periods=10)
    hold = Signals(entries=pd.Series(idx == idx[0], index=idx))
    assert not slice_signals(hold, idx[5:]).entries.any()
    assert slice_signals(hold, idx[5:], carry_in=True).entries.tolist() == [
        True,
        False,
        False,
        False,
        False,
    ]
    out = Signals(
        entries=pd.Series(idx == idx[0], index=idx), exits=pd.Series(idx == idx[3], index=idx)
    )
    assert not slice_signals(out, idx[5:], carry_in=True).entries.any()
    short = Signals(
        entries=pd.Series(False, index=idx), short_entries=pd.Series(idx == idx[1], index=idx)
    )
    assert slice_signals(short, idx[5:], carry_in=True).short_entries.iloc[0]


def test_walk_forward_chained_buy_and_hold_equals_a_plain_one_regression():
    """Bug: each fold's position was valued at the close without exit costs and re-entered
    at the next fold's second open. Now the position is carried: buy and hold chosen in
    every fold is one trade, equal to a plain buy and hold of the same span (SYNTHETIC)."""
    b = _bars(5, n=90)
    hold = Signals(entries=_first(b.index))
    wf = walk_forward(b, {"hold": hold, "hold_too": hold}, train=30, test=20, fees=0.002)
    span = b.index[30:90]
    plain = run_backtest(b.loc[span], Signals(entries=_first(span)), fees=0.002)
    np.testing.assert_array_equal(wf.equity.iloc[:, 0].to_numpy(), plain.equity.iloc[:, 0])
    assert len(wf.trades) == 1 and wf.trades["exit_reason"].iloc[0] == "open"
    assert wf.stats["final_equity"].iloc[0] == plain.stats["final_equity"].iloc[0]


def test_walk_forward_one_rule_runs_as_one_uninterrupted_backtest():
    """A rule chosen in every fold (the only candidate) gives exactly the backtest of the
    out-of-sample span with the rule's state carried in (SYNTHETIC bars, stops and target)."""
    from riskkit.backtest.signals import slice_signals

    b = _bars(9, n=120)
    up = b["close"] > b["close"].rolling(5).mean()
    trend = Signals(entries=up & ~up.shift(1, fill_value=False), exits=~up, sl_stop=0.03,
                    tp_stop=0.08, sl_trail=True)  # fmt: skip
    wf = walk_forward(b, {"trend": trend}, train=40, test=20)
    span = b.index[40:120]
    plain = run_backtest(b.loc[span], slice_signals(trend, span, carry_in=True))
    np.testing.assert_allclose(wf.equity.iloc[:, 0].to_numpy(), plain.equity.iloc[:, 0], rtol=1e-12)
    assert len(wf.trades) == len(plain.trades) > 3


def test_every_backtest_kernel_is_cached_on_disk():
    """A second process must compile nothing: every numba kernel of the engine caches."""
    from numba.core.caching import NullCache

    from riskkit.backtest import _sim, indicators

    for f in (_sim.simulate, _sim.sweep_chunk, _sim._exit_cash, _sim._mix, indicators._wilder_atr):
        assert f._cache is not None and not isinstance(f._cache, NullCache), f.__name__


def test_vectorbt_import_leaves_matplotlib_settings_alone_regression():
    """Bug: importing vectorbt (as the engine did) rewrote 34 matplotlib rcParams for the
    whole session. riskkit's import of it restores them (fresh process: vectorbt unloaded)."""
    code = (
        "import matplotlib as mpl; before = dict(mpl.rcParams)\n"
        "import riskkit.backtest as b; b.run_backtest\n"
        "from riskkit.backtest.crosscheck import import_vectorbt; import_vectorbt()\n"
        "import sys; assert 'vectorbt' in sys.modules\n"
        "changed = [k for k, v in mpl.rcParams.items() if before.get(k) != v]\n"
        "assert not changed, changed\n"
    )
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
