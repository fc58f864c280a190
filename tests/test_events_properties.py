"""Property tests (hypothesis) for invariants of the event-study statistics."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from riskkit.events import stats

finite = st.floats(-0.2, 0.2, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(10, 60),
    length=st.integers(1, 8),
    seed=st.integers(0, 10_000),
)
def test_prediction_error_term_never_negative(m, length, seed):
    """Var(CAR) >= L sigma^2: estimating the parameters can only add variance."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(m), rng.normal(size=(m, 2))])
    xtx_inv = np.linalg.inv(x.T @ x)
    xw = np.column_stack([np.ones(length), rng.normal(size=(length, 2)) * 3])
    assert stats.car_variance(1e-4, xtx_inv, xw, length) >= 1e-4 * length * (1 - 1e-12)


@settings(max_examples=60, deadline=None)
@given(
    ar=arrays(
        np.float64, (25, 4), elements=st.integers(-2000, 2000).map(lambda k: k / 1e4), unique=True
    )
)
def test_rank_test_invariant_to_monotone_transform(ar):
    """Ranks only: a strictly increasing transform of one event's ARs changes nothing."""
    base = stats.rank_test(ar, np.array([24])).statistic
    ar2 = ar.copy()
    ar2[:, 0] = np.exp(5 * ar2[:, 0]) + 3.0
    assert np.isclose(stats.rank_test(ar2, np.array([24])).statistic, base, equal_nan=True)


@settings(max_examples=60, deadline=None)
@given(scars=arrays(np.float64, 6, elements=st.floats(-5, 5)), rbar=st.floats(0.0, 0.9))
def test_kolari_pynnonen_shrinks_bmp(scars, rbar):
    """With rbar >= 0 the adjusted statistic is never larger in size than BMP."""
    bmp = stats.bmp_t(scars).statistic
    kp = stats.kolari_pynnonen(scars, rbar).statistic
    if np.isfinite(bmp) and np.isfinite(kp):
        assert abs(kp) <= abs(bmp) + 1e-12


@settings(max_examples=40, deadline=None)
@given(car=finite, est=arrays(np.float64, 40, elements=finite))
def test_ghk_p_value_in_unit_interval(car, est):
    r = stats.ghk_quantile_test(car, est, 3)
    assert 0.0 < r.p_value <= 1.0
    assert 0.0 <= r.statistic <= 1.0
