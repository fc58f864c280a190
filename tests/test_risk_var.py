"""VaR/CVaR: checked against empyrical, quantstats, scipy, arch and hand calculations.

Sign convention under test: VaR and CVaR are positive loss numbers. empyrical and
quantstats return the quantile itself (a negative number for a loss), hence the minus signs.
"""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest
import quantstats as qs
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from riskkit import DataError
from riskkit.risk import (
    conditional_value_at_risk,
    cornish_fisher_is_valid,
    value_at_risk,
    var_table,
)

TOL = 1e-10


@pytest.fixture(scope="module")
def rets() -> pd.Series:
    rng = np.random.default_rng(42)
    x = rng.standard_t(4, size=1000) * 0.02
    return pd.Series(x, index=pd.bdate_range("2020-01-01", periods=1000), name="X")


@pytest.mark.parametrize("level", [0.9, 0.95, 0.975, 0.99])
def test_historical_var_equals_empyrical(rets, level):
    ours = value_at_risk(rets, level=level, method="historical")
    theirs = empyrical.value_at_risk(rets.to_numpy(), cutoff=1 - level)
    assert abs(ours - (-theirs)) < TOL


@pytest.mark.parametrize("level", [0.95, 0.99])
def test_gaussian_var_and_cvar_equal_quantstats(rets, level):
    assert (
        abs(
            value_at_risk(rets, level=level, method="gaussian")
            + qs.stats.value_at_risk(rets, confidence=level)
        )
        < TOL
    )
    assert (
        abs(
            conditional_value_at_risk(rets, level=level, method="gaussian")
            + qs.stats.conditional_value_at_risk(rets, confidence=level, method="parametric")
        )
        < TOL
    )


@pytest.mark.parametrize("level", [0.95, 0.99])
def test_historical_cvar_equals_quantstats_historical(rets, level):
    ours = conditional_value_at_risk(rets, level=level)
    theirs = qs.stats.conditional_value_at_risk(rets, confidence=level, method="historical")
    assert abs(ours + theirs) < TOL


def test_historical_cvar_equals_empyrical_without_ties(rets):
    # With distinct returns the number of returns <= the linear quantile at h = (n-1)c is
    # floor(h) + 1, exactly empyrical's count, so the two definitions coincide.
    for level in (0.95, 0.99):
        theirs = empyrical.conditional_value_at_risk(rets.to_numpy(), cutoff=1 - level)
        assert abs(conditional_value_at_risk(rets, level=level) + theirs) < TOL


def test_historical_cvar_differs_from_empyrical_with_ties():
    # They differ when the quantile falls on tied returns. Hand example, n = 20, sorted:
    # -0.10, -0.05, -0.05, -0.05, then 0.00 .. 0.15; level 0.9 -> c = 0.1, h = 19 * 0.1 = 1.9
    # quantile = r(1) + 0.9 (r(2) - r(1)) = -0.05 + 0.9 * 0 = -0.05  -> VaR = 0.05
    # ours (= quantstats 'historical'): mean of all r <= -0.05 = (-0.10 - 3 * 0.05) / 4 = -0.0625
    # empyrical: floor(1.9) + 1 = 2 smallest = (-0.10 - 0.05) / 2 = -0.075
    vals = [-0.10, -0.05, -0.05, -0.05] + [k / 100 for k in range(16)]
    r = pd.Series(vals, index=pd.bdate_range("2024-01-01", periods=20))
    assert value_at_risk(r, level=0.9) == pytest.approx(0.05, abs=1e-15)
    assert conditional_value_at_risk(r, level=0.9) == pytest.approx(0.0625, abs=1e-15)
    assert -empyrical.conditional_value_at_risk(r.to_numpy(), cutoff=0.1) == pytest.approx(0.075)
    assert -qs.stats.conditional_value_at_risk(r, confidence=0.9, method="historical") == (
        pytest.approx(0.0625)
    )


def test_gaussian_hand_calculation():
    r = pd.Series(
        [0.01, -0.02, 0.015, -0.05, 0.0] * 10, index=pd.bdate_range("2024-01-01", periods=50)
    )
    mu, sd = -0.009, np.sqrt(10 * 0.00282 / 49)  # sum of squared deviations 0.00282 per block
    z = -2.3263478740408408  # Phi^{-1}(0.01)
    assert value_at_risk(r, level=0.99, method="gaussian") == pytest.approx(
        -(mu + z * sd), abs=1e-12
    )
    phi = np.exp(-z * z / 2) / np.sqrt(2 * np.pi)
    assert conditional_value_at_risk(r, level=0.99, method="gaussian") == pytest.approx(
        -(mu - sd * phi / 0.01), abs=1e-12
    )


def test_cornish_fisher_hand_calculation(rets):
    x = rets.to_numpy()
    s = stats.skew(x, bias=True)
    k = stats.kurtosis(x, fisher=True, bias=True)
    mu, sd = x.mean(), x.std(ddof=1)
    z = stats.norm.ppf(0.01)
    zcf = z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36
    assert abs(value_at_risk(rets, method="cornish_fisher") - (-(mu + sd * zcf))) < TOL


def test_cornish_fisher_cvar_equals_numerical_integral_of_cf_quantile(rets):
    x = rets.to_numpy()
    s = stats.skew(x, bias=True)
    k = stats.kurtosis(x, fisher=True, bias=True)
    mu, sd = x.mean(), x.std(ddof=1)

    def q(u):
        z = stats.norm.ppf(u)
        return mu + sd * (
            z + (z**2 - 1) * s / 6 + (z**3 - 3 * z) * k / 24 - (2 * z**3 - 5 * z) * s**2 / 36
        )

    for level in (0.95, 0.99):
        p = 1 - level
        es = -integrate.quad(q, 0, p, limit=200, epsabs=1e-13)[0] / p
        assert conditional_value_at_risk(rets, level=level, method="cornish_fisher") == (
            pytest.approx(es, rel=1e-7)
        )


def test_evt_fit_matches_scipy_genpareto_and_hand_formula(rets):
    from riskkit.risk._var_kernels import evt_var_cvar

    losses = -rets.to_numpy()
    u = np.quantile(losses, 0.9)
    y = losses[losses > u] - u
    xi_s, _, beta_s = stats.genpareto.fit(y, floc=0)
    _, _, info = evt_var_cvar(rets.to_numpy(), 0.99, threshold=0.9)
    xi, beta = info["xi"], info["beta"]
    # same likelihood maximum as scipy (never below it), same parameters to optimiser tolerance
    ll_ours = stats.genpareto.logpdf(y, xi, 0, beta).sum()
    ll_scipy = stats.genpareto.logpdf(y, xi_s, 0, beta_s).sum()
    assert ll_ours >= ll_scipy - 1e-9
    assert xi == pytest.approx(xi_s, abs=1e-3) and beta == pytest.approx(beta_s, rel=1e-3)
    # McNeil-Frey formulas written out
    n, nu, p = losses.size, y.size, 0.01
    var = u + beta / xi * ((n / nu * p) ** (-xi) - 1)
    es = (var + beta - xi * u) / (1 - xi)
    assert abs(value_at_risk(rets, method="evt") - var) < TOL
    assert abs(conditional_value_at_risk(rets, method="evt") - es) < TOL


@pytest.mark.parametrize("seed", range(8))
def test_gpd_fit_never_below_scipy_likelihood(seed):
    from riskkit.risk._var_kernels import gpd_fit

    y = stats.genpareto.rvs(0.6 - 0.15 * seed, scale=0.02, size=25 + 10 * seed, random_state=seed)
    xi, beta = gpd_fit(y)
    c, _, b = stats.genpareto.fit(y, floc=0)
    assert stats.genpareto.logpdf(y, xi, 0, beta).sum() >= (
        stats.genpareto.logpdf(y, c, 0, b).sum() - 1e-9
    )


def test_fhs_hand_calculation_with_arch(rets):
    from arch import arch_model

    res = arch_model(
        100 * rets.to_numpy(), mean="Constant", vol="GARCH", p=1, q=1, rescale=False
    ).fit(disp="off")
    z = np.asarray(res.std_resid)
    sigma = np.sqrt(res.forecast(horizon=1, reindex=False).variance.to_numpy()[-1, 0]) / 100
    sims = res.params["mu"] / 100 + sigma * z
    q = np.quantile(sims, 0.01)
    assert value_at_risk(rets, method="fhs") == pytest.approx(-q, rel=1e-6)
    assert conditional_value_at_risk(rets, method="fhs") == pytest.approx(
        -sims[sims <= q].mean(), rel=1e-6
    )


def test_fhs_multi_horizon_is_reproducible_and_larger(rets):
    v10 = value_at_risk(rets, method="fhs", horizon=10, n_simulations=2000)
    assert v10 == value_at_risk(rets, method="fhs", horizon=10, n_simulations=2000)
    assert v10 > value_at_risk(rets, method="fhs")


def test_sqrt_and_overlapping_horizon(rets):
    v1 = value_at_risk(rets, method="historical")
    assert value_at_risk(rets, method="historical", horizon=10) == pytest.approx(np.sqrt(10) * v1)
    x = rets.to_numpy()
    r10 = np.array([np.prod(1 + x[i : i + 10]) - 1 for i in range(len(x) - 9)])
    assert value_at_risk(rets, horizon=10, horizon_scaling="overlapping") == pytest.approx(
        -np.quantile(r10, 0.01), abs=1e-12
    )


def test_dataframe_gives_series_by_column(rets):
    df = pd.DataFrame({"A": rets, "B": 2 * rets})
    out = value_at_risk(df, level=0.95)
    assert isinstance(out, pd.Series) and list(out.index) == ["A", "B"]
    assert out["B"] == pytest.approx(2 * out["A"])
    assert isinstance(value_at_risk(rets), float)


def test_var_table_methods_by_assets_and_errors(rets):
    df = pd.DataFrame({"A": rets, "B": rets.iloc[:60]})
    t = var_table(df, methods=["historical", "evt"])
    assert t.var.shape == (2, 2)
    assert np.isnan(t.var.loc["evt", "B"]) and "B/evt" in t.errors
    assert t.n_obs["B"] == 60
    tidy = t.to_frame()
    assert set(tidy.columns) >= {"asset", "method", "var", "cvar", "level"}
    assert "positive = loss" in t.summary()


def test_cornish_fisher_validity_flag():
    idx = pd.bdate_range("2020-01-01", periods=500)
    normal = pd.Series(np.random.default_rng(0).normal(size=500), index=idx)
    assert cornish_fisher_is_valid(normal)
    # A two-point distribution, 90% at -1% and 10% at +9%: skewness
    # S = (1 - 2p)/sqrt(p(1-p)) = 0.8/0.3 = 2.667, excess kurtosis K = (1 - 6p(1-p))/(p(1-p))
    # = 0.46/0.09 = 5.111. The CF derivative a z^2 + b z + c has a = K/8 - S^2/6
    # = 0.639 - 1.185 < 0, so it turns negative far in the lower tail.
    spiky = pd.Series([-0.01] * 90 + [0.09] * 10, index=idx[:100])
    assert stats.skew(spiky.to_numpy()) == pytest.approx(0.8 / 0.3)
    assert stats.kurtosis(spiky.to_numpy()) == pytest.approx(0.46 / 0.09)
    assert not cornish_fisher_is_valid(spiky)
    from riskkit import RiskkitWarning

    with pytest.warns(RiskkitWarning, match="not a valid quantile function"):
        value_at_risk(spiky, method="cornish_fisher")
    with pytest.warns(RiskkitWarning, match="not a valid quantile function"):
        t = var_table(spiky.to_frame("S"), methods=["cornish_fisher"])
    assert "S/cornish_fisher" in t.notes and "caution" in t.summary()


# ---- error paths -----------------------------------------------------------------------


@pytest.mark.parametrize("level", [0, 1, 99, -0.5, True])
def test_bad_level(rets, level):
    with pytest.raises(DataError, match="level must be a confidence level"):
        value_at_risk(rets, level=level)


def test_bad_method_horizon_scaling(rets):
    with pytest.raises(DataError, match="method='bogus' is not allowed"):
        value_at_risk(rets, method="bogus")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="horizon must be a positive integer"):
        value_at_risk(rets, horizon=0)
    with pytest.raises(DataError, match="horizon_scaling='x' is not allowed"):
        value_at_risk(rets, horizon=2, horizon_scaling="x")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="evt_threshold must be in"):
        value_at_risk(rets, method="evt", evt_threshold=0.2)


def test_too_short_and_nan(rets):
    with pytest.raises(DataError, match="at least 100 are needed"):
        value_at_risk(rets.iloc[:50], method="evt")
    bad = rets.copy()
    bad.iloc[3] = np.nan
    with pytest.raises(DataError, match="NaN"):
        value_at_risk(bad)
    from riskkit import RiskkitWarning

    with pytest.warns(RiskkitWarning, match="dropped 1 NaN"):
        assert value_at_risk(bad, nan_policy="omit") == value_at_risk(bad.dropna())
    with pytest.raises(DataError, match="pandas Series or DataFrame"):
        value_at_risk(rets.to_numpy())  # type: ignore[arg-type]


def test_evt_level_inside_body(rets):
    with pytest.raises(DataError, match="inside the body"):
        value_at_risk(rets, method="evt", level=0.8)


# ---- properties --------------------------------------------------------------------------

returns_arrays = st.lists(
    st.floats(min_value=-0.5, max_value=0.5, allow_nan=False, allow_subnormal=False),
    min_size=30,
    max_size=120,
).map(lambda v: pd.Series(v, index=pd.bdate_range("2020-01-01", periods=len(v))))


@settings(max_examples=60, deadline=None)
@given(r=returns_arrays, l1=st.floats(0.8, 0.989), dl=st.floats(0.001, 0.01))
def test_historical_and_gaussian_var_monotone_in_level(r, l1, dl):
    for m in ("historical", "gaussian"):
        assert (
            value_at_risk(r, level=l1 + dl, method=m)
            >= value_at_risk(r, level=l1, method=m) - 1e-12
        )


@settings(max_examples=60, deadline=None)
@given(r=returns_arrays, level=st.floats(0.8, 0.995))
def test_cvar_at_least_var(r, level):
    for m in ("historical", "gaussian", "cornish_fisher"):
        if m == "cornish_fisher" and not cornish_fisher_is_valid(r, level=level):
            continue  # CF expansion not a quantile function there (documented)
        assert (
            conditional_value_at_risk(r, level=level, method=m)
            >= value_at_risk(r, level=level, method=m) - 1e-12
        )


@settings(max_examples=60, deadline=None)
@given(r=returns_arrays, c=st.floats(0.1, 1.9), level=st.floats(0.8, 0.995))
def test_var_positively_homogeneous(r, c, level):
    # scaling returns by c > 0 scales VaR and CVaR by c (positive homogeneity)
    for m in ("historical", "gaussian", "cornish_fisher"):
        if m == "cornish_fisher" and not cornish_fisher_is_valid(r, level=level):
            continue  # still homogeneous, but it would warn; validity is tested separately
        for f in (value_at_risk, conditional_value_at_risk):
            a, b = f(c * r, level=level, method=m), c * f(r, level=level, method=m)
            assert a == pytest.approx(b, rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(r=returns_arrays, shift=st.floats(-0.01, 0.01), level=st.floats(0.8, 0.995))
def test_var_translation(r, shift, level):
    # adding a constant return lowers the loss by that constant
    for m in ("historical", "gaussian"):
        assert value_at_risk(r + shift, level=level, method=m) == pytest.approx(
            value_at_risk(r, level=level, method=m) - shift, abs=1e-10
        )
