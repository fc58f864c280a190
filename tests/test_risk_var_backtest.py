"""VaR backtests: Kupiec and Christoffersen against hand-worked likelihood ratios, and the
no-look-ahead contract of the rolling forecast."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from riskkit import DataError, RiskkitWarning
from riskkit.risk import (
    backtest_var,
    christoffersen_independence,
    conditional_coverage,
    conditional_value_at_risk,
    kupiec_pof,
    rolling_var_forecast,
    value_at_risk,
    var_backtest_table,
)

# Hand-worked example: 250 days, 99% VaR, exceptions on days 100, 101, 180, 181, 182, 240
# (0-based) -> n = 250, x = 6, p = 0.01.
HITS = np.zeros(250, dtype=bool)
HITS[[100, 101, 180, 181, 182, 240]] = True


def test_kupiec_hand_worked():
    n, x, p = 250, 6, 0.01
    pi = x / n  # 0.024
    # L0 = (1-p)^(n-x) p^x ; L1 = (1-pi)^(n-x) pi^x
    ln_l0 = (n - x) * math.log(1 - p) + x * math.log(p)
    ln_l1 = (n - x) * math.log(1 - pi) + x * math.log(pi)
    lr = -2 * (ln_l0 - ln_l1)
    # written out: ln L0 = 244 ln 0.99 + 6 ln 0.01 = -2.452282 - 27.631021 = -30.083303
    #              ln L1 = 244 ln 0.976 + 6 ln 0.024 = -5.927592 - 22.378034 = -28.305626
    #              LR = -2 (-30.083303 + 28.305626) = 3.555355
    assert ln_l0 == pytest.approx(-30.083303, abs=1e-6)
    assert ln_l1 == pytest.approx(-28.305626, abs=1e-6)
    assert lr == pytest.approx(3.555355, abs=1e-6)
    res = kupiec_pof(HITS, level=0.99)
    assert res.statistic == pytest.approx(lr, abs=1e-12)
    assert res.pvalue == pytest.approx(stats.chi2.sf(lr, 1), abs=1e-12)
    assert res.df == 1


def test_christoffersen_hand_worked():
    # transitions over the 249 pairs (t-1, t):
    # 1->1: (100,101), (180,181), (181,182)                      -> n11 = 3
    # 0->1: into 100, 180, 240                                    -> n01 = 3
    # 1->0: out of 101, 182, 240                                  -> n10 = 3
    # 0->0: 249 - 9                                               -> n00 = 240
    n00, n01, n10, n11 = 240, 3, 3, 3
    pi01 = n01 / (n00 + n01)  # 3/243
    pi11 = n11 / (n10 + n11)  # 0.5
    pi = (n01 + n11) / 249  # 6/249
    ln_l0 = (n00 + n10) * math.log(1 - pi) + (n01 + n11) * math.log(pi)
    ln_l1 = (
        n00 * math.log(1 - pi01)
        + n01 * math.log(pi01)
        + n10 * math.log(1 - pi11)
        + n11 * math.log(pi11)
    )
    lr_ind = -2 * (ln_l0 - ln_l1)
    # written out: ln L0 = 243 ln(243/249) + 6 ln(6/249) = -5.925... - 22.355... = -28.281284
    #              ln L1 = 240 ln(240/243) + 3 ln(3/243) + 6 ln(0.5) = -20.323635
    #              LR_ind = -2 (-28.281284 + 20.323635) = 15.915297
    assert ln_l0 == pytest.approx(-28.281284, abs=1e-6)
    assert ln_l1 == pytest.approx(-20.323635, abs=1e-6)
    assert lr_ind == pytest.approx(15.915297, abs=1e-6)
    res = christoffersen_independence(HITS)
    assert res.statistic == pytest.approx(lr_ind, abs=1e-12)
    assert res.pvalue == pytest.approx(stats.chi2.sf(lr_ind, 1), abs=1e-12)
    cc = conditional_coverage(HITS, level=0.99)
    assert cc.statistic == pytest.approx(3.555355 + 15.915297, abs=1e-5)
    assert cc.df == 2 and cc.pvalue == pytest.approx(stats.chi2.sf(cc.statistic, 2))


def test_zero_exceptions_edge_case():
    h = np.zeros(100, dtype=bool)
    # x = 0: LR = -2 [100 ln 0.99] + 2 [0] = 2.010067
    assert kupiec_pof(h, level=0.99).statistic == pytest.approx(-200 * math.log(0.99))
    assert christoffersen_independence(h).statistic == 0.0


def test_hits_validation():
    with pytest.raises(DataError, match="booleans or 0/1"):
        kupiec_pof([0, 2, 1], level=0.99)
    with pytest.raises(DataError, match="at least 2"):
        christoffersen_independence([1])


@pytest.fixture(scope="module")
def rets() -> pd.Series:
    x = np.random.default_rng(7).standard_t(5, size=700) * 0.02
    return pd.Series(x, index=pd.bdate_range("2021-01-01", periods=700), name="X")


@pytest.mark.parametrize("method", ["historical", "gaussian", "cornish_fisher", "evt"])
def test_rolling_forecast_uses_only_past_window(rets, method):
    f = rolling_var_forecast(rets, method=method, window=250)
    assert f.index[0] == rets.index[250]
    for t in (250, 400, 699):
        past = rets.iloc[t - 250 : t]
        date = rets.index[t]
        assert f.loc[date, "var"] == pytest.approx(value_at_risk(past, method=method), rel=1e-6)
        assert f.loc[date, "cvar"] == pytest.approx(
            conditional_value_at_risk(past, method=method), rel=1e-6
        )


def test_rolling_fhs_at_refit_equals_full_sample_fhs(rets):
    short = rets.iloc[:256]
    f = rolling_var_forecast(short, method="fhs", window=250, refit_every=3)
    for k in (0, 3):  # refit forecasts: GARCH estimated on exactly the past window
        past = short.iloc[k : 250 + k]
        assert f["var"].iloc[k] == pytest.approx(value_at_risk(past, method="fhs"), rel=1e-9)
    # between refits the variance recursion continues with the last estimates
    assert np.isfinite(f["var"]).all()


@pytest.mark.parametrize("model", ["garch", "gjr"])
def test_fast_garch_fit_is_bit_for_bit_arch_fit(rets, model):
    # the rolling FHS refits with _garch.fit_garch_params (scipy's finite differences
    # written out); its estimates must be exactly arch's, not merely close
    from riskkit.risk import _garch

    x = rets.to_numpy()
    for start in range(0, 450, 45):
        window = x[start : start + 250]
        ref = _garch.fit_garch(window, model=model)
        fast = _garch.fit_garch_params(window, model=model)
        assert fast.params == ref.params.to_dict()
        np.testing.assert_array_equal(
            fast.conditional_volatility, np.asarray(ref.conditional_volatility)
        )
        assert fast.convergence_flag == ref.convergence_flag == 0


@pytest.mark.parametrize(("p", "o", "q"), [(1, 0, 1), (1, 1, 1), (2, 1, 2)])
def test_garch_recursion_kernel_is_arch_recursion(rets, p, o, q):
    # riskkit's numba recursion against arch's Cython one, bounds-check branches included
    from arch.univariate.volatility import rec

    from riskkit.risk._garch_kernels import garch_recursion

    r = 100 * rets.to_numpy()
    fresids, sresids = np.abs(r) ** 2.0, np.sign(r)
    bounds = np.column_stack([np.full(r.size, 0.5), np.full(r.size, 8.0)])  # both bind
    rng = np.random.default_rng(2)
    for _ in range(20):
        params = np.concatenate([[rng.uniform(0.01, 2)], rng.uniform(0, 0.5, p + o + q)])
        ref, ours = np.zeros(r.size), np.zeros(r.size)
        rec.garch_recursion(params, fresids, sresids, ref, p, o, q, r.size, 3.0, bounds)
        garch_recursion(params, fresids, sresids, ours, p, o, q, r.size, 3.0, bounds)
        np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize(("window", "level", "threshold"), [(250, 0.99, 0.9), (120, 0.995, 0.8)])
def test_rolling_evt_is_bit_for_bit_per_window_evt(rets, window, level, threshold):
    # the rolling EVT fits all windows together (_gpd_kernels); each forecast must be
    # exactly evt_var_cvar on its window alone, the fallback to xi = 0 included
    from numpy.lib.stride_tricks import sliding_window_view

    from riskkit.risk._var_kernels import evt_var_cvar, rolling_evt_var_cvar

    x = rets.to_numpy()
    x = np.concatenate([x, np.random.default_rng(3).exponential(0.01, 300)])  # xi ~ 0 tails
    w = sliding_window_view(x, window)[:-1]
    v, c = rolling_evt_var_cvar(w, level, threshold=threshold, chunk=97)
    ref = np.array([evt_var_cvar(row, level, threshold=threshold)[:2] for row in w])
    np.testing.assert_array_equal(np.column_stack([v, c]), ref)


def test_rolling_evt_raises_the_per_window_error():
    from riskkit.risk._var_kernels import rolling_evt_var_cvar

    w = np.random.default_rng(0).normal(0, 0.01, (5, 100))
    with pytest.raises(DataError, match="inside the body of the distribution"):
        rolling_evt_var_cvar(w, 0.6, threshold=0.7)
    with pytest.raises(DataError, match="EVT needs at least 20 losses above the threshold"):
        rolling_evt_var_cvar(w, 0.99, threshold=0.9)


@pytest.mark.parametrize("method", ["historical", "cornish_fisher", "fhs"])
def test_forecast_unchanged_when_future_changes(rets, method):
    # changing r_t and later returns must not change the forecast for t (no look-ahead)
    f1 = rolling_var_forecast(rets.iloc[:320], method=method, window=250, refit_every=30)
    bumped = rets.iloc[:320].copy()
    bumped.iloc[300:] = -0.5
    f2 = rolling_var_forecast(bumped, method=method, window=250, refit_every=30)
    pd.testing.assert_series_equal(f1["var"].iloc[:51], f2["var"].iloc[:51])
    assert not np.isclose(f1["var"].iloc[-1], f2["var"].iloc[-1])


def test_backtest_result_object(rets):
    res = backtest_var(rets, method="gaussian", level=0.99)
    f = res.forecasts
    assert res.exceptions == int((f["return"] < -f["var"]).sum())
    assert res.n == 450
    row = res.to_frame().iloc[0]
    assert row["exceptions"] == res.exceptions
    assert row["p_pof"] == pytest.approx(kupiec_pof(f["hit"], level=0.99).pvalue)
    assert "Kupiec POF" in res.summary() and "Christoffersen" in str(res)


def test_backtest_table_skips_short_assets(rets):
    df = pd.DataFrame({"A": rets, "B": rets.iloc[:100]})
    with pytest.warns(RiskkitWarning, match="skipped"):
        t = var_backtest_table(df, methods=["historical", "gaussian"], window=250)
    assert set(t["asset"]) == {"A"} and len(t) == 2


def test_rolling_errors(rets):
    with pytest.raises(DataError, match="window must be an integer >= 100"):
        rolling_var_forecast(rets, method="evt", window=50)
    with pytest.raises(DataError, match="needs more"):
        rolling_var_forecast(rets.iloc[:200], window=250)
    with pytest.raises(DataError, match="method='x' is not allowed"):
        rolling_var_forecast(rets, method="x")
    with pytest.raises(DataError, match="one Series"):
        rolling_var_forecast(rets.to_frame())  # type: ignore[arg-type]


# Kupiec (1995) non-rejection regions for the number of exceptions N at the 95% test level,
# as reproduced in Jorion, P. (2006), *Value at Risk*, 3rd ed., Table 6-2. For T = 255 at
# p = 1% the table gives only the upper bound (N < 7).
KUPIEC_TABLE = {
    (0.01, 255): (None, 7),
    (0.01, 510): (1, 11),
    (0.01, 1000): (4, 17),
    (0.025, 255): (2, 12),
    (0.025, 510): (6, 21),
    (0.025, 1000): (15, 36),
    (0.05, 255): (6, 21),
    (0.05, 510): (16, 36),
    (0.05, 1000): (37, 65),
}


@pytest.mark.parametrize(("key", "bounds"), list(KUPIEC_TABLE.items()))
def test_kupiec_reproduces_published_nonrejection_regions(key, bounds):
    p, t = key
    lo, hi = bounds

    def accepted(x: int) -> bool:
        h = np.zeros(t, dtype=bool)
        h[:x] = True
        return kupiec_pof(h, level=1 - p).pvalue > 0.05

    assert accepted(hi - 1) and not accepted(hi)
    if lo is not None:
        assert accepted(lo + 1) and not accepted(lo)
