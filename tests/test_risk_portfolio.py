"""Portfolio risk, shrinkage and stress scenarios: sklearn, hand calculations, properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from riskkit import DataError, RiskkitWarning
from riskkit.risk import (
    btc_shock,
    conditional_value_at_risk,
    correlation_matrix,
    covariance_matrix,
    ledoit_wolf_shrinkage,
    portfolio_risk,
    replay_day,
    stress_test,
    value_at_risk,
)


@pytest.fixture(scope="module")
def rets() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    f = rng.normal(0, 0.03, (500, 1))
    x = f * np.array([1.0, 1.5, 0.3]) + rng.standard_t(5, (500, 3)) * np.array([0.01, 0.02, 0.005])
    return pd.DataFrame(x, columns=["A", "B", "C"], index=pd.bdate_range("2022-01-03", periods=500))


def test_ledoit_wolf_equals_sklearn(rets):
    from sklearn.covariance import ledoit_wolf  # test-only reference implementation

    ours, delta = ledoit_wolf_shrinkage(rets.to_numpy())
    ref, ref_delta = ledoit_wolf(rets.to_numpy())
    assert abs(delta - ref_delta) < 1e-10
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)
    cov = covariance_matrix(rets, shrinkage="ledoit_wolf")
    assert cov.attrs["shrinkage"] == pytest.approx(ref_delta)
    assert list(cov.index) == ["A", "B", "C"]


def test_covariance_options(rets):
    pd.testing.assert_frame_equal(covariance_matrix(rets), rets.cov())
    pd.testing.assert_frame_equal(correlation_matrix(rets), rets.corr())
    # fixed intensity 1 gives the target mu * I with mu = tr(S_ddof0) / p
    s0 = np.cov(rets.to_numpy(), rowvar=False, ddof=0)
    full = covariance_matrix(rets, shrinkage=1.0).to_numpy()
    np.testing.assert_allclose(full, np.trace(s0) / 3 * np.eye(3), atol=1e-15)
    ann = covariance_matrix(rets, annualize=True)
    np.testing.assert_allclose(ann.to_numpy(), 252 * rets.cov().to_numpy())
    assert "252" in ann.attrs["annualization"]
    with pytest.raises(DataError, match="shrinkage=2 is not allowed"):
        covariance_matrix(rets, shrinkage=2)


def test_gaussian_portfolio_var_hand_calculation(rets):
    w = np.array([0.5, 0.3, 0.2])
    mu = rets.mean().to_numpy()
    s = rets.cov().to_numpy()
    sp = np.sqrt(w @ s @ w)
    z = stats.norm.ppf(0.01)
    var = -(w @ mu + z * sp)
    res = portfolio_risk(rets, dict(zip("ABC", w, strict=True)), level=0.99)
    assert res.var == pytest.approx(var, abs=1e-14)
    # equals the single-series gaussian VaR of the portfolio return series
    rp = rets @ w
    assert res.var == pytest.approx(value_at_risk(rp, method="gaussian"), abs=1e-12)
    assert res.cvar == pytest.approx(conditional_value_at_risk(rp, method="gaussian"), abs=1e-12)
    # marginal VaR by finite differences
    eps = 1e-6
    for i, a in enumerate("ABC"):
        w2 = w.copy()
        w2[i] += eps
        v2 = -(w2 @ mu + z * np.sqrt(w2 @ s @ w2))
        assert res.marginal_var[a] == pytest.approx((v2 - var) / eps, rel=1e-4)
    assert res.component_var.sum() == pytest.approx(res.var, abs=1e-14)
    assert res.component_cvar.sum() == pytest.approx(res.cvar, abs=1e-14)


def test_historical_portfolio_var_equals_series_var(rets):
    w = {"A": 0.5, "B": 0.3, "C": 0.2}
    res = portfolio_risk(rets, w, level=0.975, method="historical")
    rp = rets @ pd.Series(w)
    assert res.var == pytest.approx(value_at_risk(rp, level=0.975), abs=1e-14)
    assert res.cvar == pytest.approx(conditional_value_at_risk(rp, level=0.975), abs=1e-14)
    assert res.component_var.sum() == pytest.approx(res.var, abs=1e-14)
    assert res.component_cvar.sum() == pytest.approx(res.cvar, abs=1e-14)
    assert "share_var" in res.to_frame().columns


weights = st.lists(st.floats(-2, 2, allow_nan=False), min_size=3, max_size=3).filter(
    lambda v: sum(abs(x) for x in v) > 0.05
)


@settings(max_examples=60, deadline=None)
@given(w=weights, level=st.floats(0.8, 0.995), method=st.sampled_from(["gaussian", "historical"]))
def test_components_sum_to_total(rets, w, level, method):
    res = portfolio_risk(rets, w, level=level, method=method)
    assert res.component_var.sum() == pytest.approx(res.var, rel=1e-10, abs=1e-13)
    assert res.component_cvar.sum() == pytest.approx(res.cvar, rel=1e-10, abs=1e-13)
    assert res.cvar >= res.var - 1e-12


@settings(max_examples=30, deadline=None)
@given(w=weights, c=st.floats(0.1, 5.0))
def test_portfolio_var_scales_with_position(rets, w, c):
    a = portfolio_risk(rets, [c * x for x in w], method="gaussian").var
    assert a == pytest.approx(c * portfolio_risk(rets, w, method="gaussian").var, rel=1e-9)


def test_portfolio_errors_and_dropped_rows(rets):
    with pytest.raises(DataError, match="not columns of the returns"):
        portfolio_risk(rets, {"A": 1.0, "Z": 0.0})
    with pytest.raises(DataError, match="weights are missing"):
        portfolio_risk(rets, {"A": 1.0})
    with pytest.raises(DataError, match="one weight per column"):
        portfolio_risk(rets, [1.0, 0.0])
    with pytest.raises(DataError, match="method='x' is not allowed"):
        portfolio_risk(rets, [1, 0, 0], method="x")  # type: ignore[arg-type]
    gap = rets.copy()
    gap.iloc[:10, 0] = np.nan
    with pytest.warns(RiskkitWarning, match="10 row"):
        res = portfolio_risk(gap, [1, 0, 0])
    assert res.n_obs == 490


# ---- stress -------------------------------------------------------------------------------


def test_replay_day_and_btc_shock_hand():
    r = pd.DataFrame(
        {"BTC-USD": [0.01, -0.07], "M": [0.0, -0.12]},
        index=pd.to_datetime(["2025-10-09", "2025-10-10"]),
    )
    row = replay_day(r, {"BTC-USD": 0.25, "M": 0.75}, "2025-10-10")
    assert row["portfolio"] == pytest.approx(0.25 * -0.07 + 0.75 * -0.12)
    with pytest.raises(DataError, match="not a date of the returns"):
        replay_day(r, {"BTC-USD": 0.25, "M": 0.75}, "2025-10-11")
    s = btc_shock(pd.Series({"M": 1.8}), {"M": 0.75, "BTC-USD": 0.25}, -0.2)
    assert s["M"] == pytest.approx(-0.36) and s["BTC-USD"] == pytest.approx(-0.2)
    assert s["portfolio"] == pytest.approx(0.75 * -0.36 + 0.25 * -0.2)
    with pytest.raises(DataError, match="no beta to BTC"):
        btc_shock(pd.Series({"M": 1.8}), {"M": 0.5, "N": 0.5}, -0.2)
    with pytest.raises(DataError, match="shock must be"):
        btc_shock(pd.Series({"M": 1.8}), {"M": 1.0}, -1.5)


def test_stress_test_table():
    rng = np.random.default_rng(0)
    i = pd.bdate_range("2025-09-01", periods=60)
    r = pd.DataFrame({"BTC-USD": rng.normal(0, 0.03, 60)}, index=i)
    r["M"] = 2 * r["BTC-USD"]
    with pytest.warns(RiskkitWarning, match="skipped day 2025-10-11"):
        res = stress_test(
            r, {"M": 1.0, "BTC-USD": 0.0}, days=["2025-10-10", "2025-10-11"], btc_shocks=[-0.1]
        )
    assert list(res.scenarios.index) == ["2025-10-10", "BTC -10%"]
    assert res.scenarios.loc["2025-10-10", "portfolio"] == pytest.approx(
        2 * r.loc["2025-10-10", "BTC-USD"]
    )
    assert res.betas["M"] == pytest.approx(2.0)
    assert "loss < 0" in res.summary()
