"""Property tests (hypothesis, bounded) of the long-horizon, calendar-time and
cross-sectional statistics. Every sample is SYNTHETIC."""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from riskkit.events._cross_section_kernels import tsols
from riskkit.events.calendar_time import _active, _portfolio
from riskkit.events.long_horizon import bootstrap_skewness_adjusted_t, skewness_adjusted_t

finite = st.floats(-0.9, 3.0, allow_nan=False, allow_infinity=False)
samples = arrays(np.float64, st.integers(4, 40), elements=finite).filter(lambda x: np.ptp(x) > 1e-3)


@settings(max_examples=50, deadline=None)
@given(samples, st.floats(0.01, 100.0))
def test_skewness_adjusted_t_is_odd_and_scale_free(x, c):
    t_sa, t, g = skewness_adjusted_t(x)
    t_neg, tn, gn = skewness_adjusted_t(-x)
    assert np.isclose(t_neg, -t_sa, rtol=1e-9, atol=1e-9) and np.isclose(gn, -g, atol=1e-9)
    assert np.isclose(skewness_adjusted_t(c * x)[0], t_sa, rtol=1e-7, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(samples, st.integers(0, 2**31 - 1))
def test_bootstrap_p_is_a_probability_and_seeded(x, seed):
    p, used = bootstrap_skewness_adjusted_t(x, n_boot=200, seed=seed)
    assert 0.0 <= p <= 1.0 and 0 < used <= 200
    assert bootstrap_skewness_adjusted_t(x, n_boot=200, seed=seed) == (p, used)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 12), st.integers(0, 3))
def test_equal_weight_portfolio_lies_between_its_firms(seed, n_events, start):
    rng = np.random.default_rng(seed)
    y = rng.normal(0, 0.03, (120, 5))
    y[rng.random(y.shape) < 0.05] = np.nan
    p0 = rng.integers(0, 110, n_events)
    firm = rng.integers(0, 5, n_events)
    act = _active(y, firm, p0, start, start + 10)
    rp, n, _ = _portfolio(y, act, np.ones_like(y))
    for t in range(120):
        vals = y[t, act[t]]
        assert n[t] == vals.size
        if vals.size:
            assert vals.min() - 1e-15 <= rp[t] <= vals.max() + 1e-15
        else:
            assert np.isnan(rp[t])
    # the firms' order does not matter
    perm = rng.permutation(5)
    inv = np.argsort(perm)
    act2 = _active(y[:, perm], inv[firm], p0, start, start + 10)
    rp2, _, _ = _portfolio(y[:, perm], act2, np.ones_like(y))
    np.testing.assert_allclose(rp2, rp, atol=1e-15)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(0.1, 10.0))
def test_cross_section_t_and_tsols_z_do_not_depend_on_the_car_scale(seed, c):
    rng = np.random.default_rng(seed)
    n, E = 20, 60
    X = np.column_stack([np.ones(n), rng.normal(size=n)])
    car = rng.normal(0, 0.05, n)
    ar = rng.normal(0, 0.02, (n, E))
    zero = np.zeros(n, dtype=np.int64)
    a = tsols(X, car, ar, zero, zero, 2)
    b = tsols(X, c * car, c * ar, zero, zero, 2)
    assert a is not None and b is not None
    np.testing.assert_allclose(b.ts_z, a.ts_z, rtol=1e-9)
    np.testing.assert_allclose(b.p_cdf, a.p_cdf)
    assert np.isclose(b.variance_ratio, a.variance_ratio, rtol=1e-9)
    for cov in ("HC1", "HC3"):
        t1 = sm.OLS(car, X).fit(cov_type=cov).tvalues
        t2 = sm.OLS(c * car, X).fit(cov_type=cov).tvalues
        np.testing.assert_allclose(t2, t1, rtol=1e-9)
