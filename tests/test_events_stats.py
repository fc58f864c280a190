"""Each textbook statistic on a small case computed by hand (arithmetic written out)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from riskkit.events import stats


def test_car_variance_market_model_by_hand():
    # X = [1, Rm] on 4 estimation days, Rm = -1, 0, 1, 2 (units irrelevant):
    # X'X = [[4, 2], [2, 6]], det = 20, (X'X)^-1 = [[0.3, -0.1], [-0.1, 0.2]].
    x = np.array([[1, -1], [1, 0], [1, 1], [1, 2]], dtype=float)
    xtx_inv = np.linalg.inv(x.T @ x)
    np.testing.assert_allclose(xtx_inv, [[0.3, -0.1], [-0.1, 0.2]])
    # Window of 2 days with Rm = 1, 3: s = (2, 4);
    # s' A s = 0.3*4 + 2*(-0.1)*2*4 + 0.2*16 = 1.2 - 1.6 + 3.2 = 2.8.
    # Var = sigma^2 (L + 2.8) = 1e-4 * 4.8 = 4.8e-4.
    xw = np.array([[1, 1], [1, 3]], dtype=float)
    assert stats.car_variance(1e-4, xtx_inv, xw, 2) == pytest.approx(4.8e-4, rel=1e-12)


def test_car_variance_constant_mean_and_market_adjusted():
    # Constant mean, M = 50, L = 3: sigma^2 (L + L^2/M) = 2e-4 * (3 + 9/50) = 6.36e-4.
    v = stats.car_variance(2e-4, np.array([[1 / 50]]), np.ones((3, 1)), 3)
    assert v == pytest.approx(6.36e-4, rel=1e-12)
    # Market-adjusted: nothing estimated, Var = L sigma^2.
    assert stats.car_variance(2e-4, None, None, 3) == pytest.approx(6e-4)


def test_per_event_t():
    # t = 0.05 / sqrt(4e-4) = 0.05 / 0.02 = 2.5; p from Student t with 100 df (scipy).
    r = stats.per_event_t(0.05, 4e-4, 100)
    assert r.statistic == pytest.approx(2.5)
    assert r.p_value == pytest.approx(2 * sps.t.sf(2.5, 100))
    assert r.df == 100


def test_cross_sectional_t():
    # CARs 1%, 3%, 2%: mean 2%, sd (ddof 1) = sqrt((1+1+0)/2)% = 1%; t = sqrt(3)*2 = 3.4641.
    r = stats.cross_sectional_t(np.array([0.01, 0.03, 0.02]))
    assert r.statistic == pytest.approx(2 * np.sqrt(3))
    assert r.df == 2
    assert r.p_value == pytest.approx(2 * sps.t.sf(2 * np.sqrt(3), 2))


def test_patell_z():
    # SCARs 1 and 2 with 12 df each: Var(SCAR) = 12/10 = 1.2; Z = 3 / sqrt(2.4) = 1.936492.
    r = stats.patell_z(np.array([1.0, 2.0]), np.array([12.0, 12.0]))
    assert r.statistic == pytest.approx(3 / np.sqrt(2.4))
    assert r.p_value == pytest.approx(2 * sps.norm.sf(3 / np.sqrt(2.4)))


def test_bmp_and_kolari_pynnonen():
    # SCARs 1, 2, 3: mean 2, sd 1, BMP t = 2 / (1/sqrt(3)) = 3.4641 (df 2).
    scars = np.array([1.0, 2.0, 3.0])
    assert stats.bmp_t(scars).statistic == pytest.approx(2 * np.sqrt(3))
    # KP with rbar = 0.25, N = 3: factor sqrt((1 - .25) / (1 + 2*.25)) = sqrt(0.5).
    kp = stats.kolari_pynnonen(scars, 0.25)
    assert kp.statistic == pytest.approx(2 * np.sqrt(3) * np.sqrt(0.5))
    assert stats.kolari_pynnonen(scars, 0.0).statistic == pytest.approx(2 * np.sqrt(3))


def test_mean_pairwise_correlation():
    # a = 1, 2, 3 and b = 1, 2.5, 2: deviations (-1, 0, 1) and (-5/6, 2/3, 1/6);
    # cov sum = 5/6 + 1/6 = 1, ss_a = 2, ss_b = 25/36 + 16/36 + 1/36 = 7/6,
    # r = 1 / sqrt(2 * 7/6) = 0.6546537. The third column never overlaps (r = 0):
    # mean over 3 pairs = 0.2182179.
    e = np.array([[1.0, 1.0, np.nan], [2.0, 2.5, np.nan], [3.0, 2.0, np.nan]])
    assert stats.mean_pairwise_correlation(e, min_overlap=3) == pytest.approx(
        (1 / np.sqrt(7 / 3)) / 3
    )
    clustered = np.zeros((3, 3), dtype=bool)  # no windows share a date: rbar = 0
    assert stats.mean_pairwise_correlation(e, clustered=clustered, min_overlap=3) == 0.0


def test_rank_test_corrado_by_hand():
    # Two events, 3 estimation days + day 0 (last row).
    # Event 1 ARs .01, -.02, .00, .05 -> ranks 3, 1, 2, 4 -> U = rank/5 = .6, .2, .4, .8
    # Event 2 ARs -.01, .03, .02, .04 -> ranks 1, 3, 2, 4 -> U = .2, .6, .4, .8
    # D_t = sum_i (U - .5) / sqrt(2) = (-.2, -.2, -.2, .6) / sqrt(2)
    # S_U = sqrt(mean D^2) = sqrt((3 * .04 + .36) / 2 / 4) = sqrt(.06)
    # Z = D_day0 / S_U = (.6 / sqrt 2) / sqrt(.06) = sqrt(3).
    ar = np.array([[0.01, -0.01], [-0.02, 0.03], [0.00, 0.02], [0.05, 0.04]])
    r = stats.rank_test(ar, np.array([3]))
    assert r.statistic == pytest.approx(np.sqrt(3))
    # Corrado (1989) with raw ranks K - (L+1)/2 gives the same number when nothing is
    # missing: K - 2.5 = (.5, -1.5, -.5, 1.5) and (-1.5, .5, -.5, 1.5); mean over events
    # (-.5, -.5, -.5, 1.5); S(K) = sqrt((3 * .25 + 2.25) / 4) = sqrt(.75); 1.5/sqrt(.75).
    assert r.statistic == pytest.approx(1.5 / np.sqrt(0.75))


def test_rank_test_two_day_window_and_missing():
    # Same data, window = last two rows: (D_2 + D_3) / (sqrt(2) S_U)
    # = (-.2 + .6) / sqrt(2) / (sqrt(2) * sqrt(.06)) = .4 / (2 sqrt(.06)).
    ar = np.array([[0.01, -0.01], [-0.02, 0.03], [0.00, 0.02], [0.05, 0.04]])
    r = stats.rank_test(ar, np.array([2, 3]))
    assert r.statistic == pytest.approx(0.4 / (2 * np.sqrt(0.06)))
    # Missing first return of event 2 (Corrado-Zivney): event 2 has L = 3, ranks of
    # (.03, .02, .04) = 2, 1, 3 -> U = .5, .25, .75. Rows: t0 only event 1 (U-.5 = .1,
    # N=1 -> D = .1); t1: (-.3 + 0)/sqrt2; t2: (-.1 - .25)/sqrt2; t3: (.3 + .25)/sqrt2.
    ar2 = ar.copy()
    ar2[0, 1] = np.nan
    d = np.array([0.1, -0.3 / np.sqrt(2), -0.35 / np.sqrt(2), 0.55 / np.sqrt(2)])
    s_u = np.sqrt(np.mean(d**2))
    assert stats.rank_test(ar2, np.array([3])).statistic == pytest.approx(d[3] / s_u)


def test_generalized_sign_by_hand():
    # Estimation: event 1 positive on 2 of 4 days, event 2 on 2 of 4: p = 0.5.
    # CARs both positive: w = 2; Z = (2 - 2*.5) / sqrt(2*.5*.5) = 1 / sqrt(.5) = 1.414214.
    est = np.array([[0.1, -0.1], [-0.1, 0.2], [0.2, 0.1], [-0.3, -0.2]])
    r = stats.generalized_sign(np.array([0.3, 0.1]), est)
    assert r.statistic == pytest.approx(np.sqrt(2))
    # p as the mean of per-event fractions (Cowan 1992): 3/4 and 1/4 -> p = .5 too;
    # 1/4 and 1/4 -> p = .25, one positive CAR: (1 - .5) / sqrt(2 * .25 * .75).
    est2 = np.array([[0.1, 0.1], [-0.1, -0.2], [-0.2, -0.1], [-0.3, -0.2]])
    r2 = stats.generalized_sign(np.array([0.3, -0.1]), est2)
    assert r2.statistic == pytest.approx(0.5 / np.sqrt(2 * 0.25 * 0.75))


def test_ghk_quantile_test_by_hand():
    # Estimation ARs -.09 ... .09 (19 values). One-day CAR .095 is above all 19:
    # F = 19/19 = 1, p = 2 * min(19 + 1, 0 + 1) / 20 = 0.1.
    est = np.arange(-9, 10) / 100.0
    r = stats.ghk_quantile_test(0.095, est, 1)
    assert (r.statistic, r.p_value, r.df) == (1.0, pytest.approx(0.1), 19.0)
    # Two-day blocks of (.01, .02, -.03, .04): sums .03, -.01, .01 (n = 3).
    # CAR .02: #{<= .02} = 2, #{>= .02} = 1: p = 2 * min(3, 2) / 4 = 1.0.
    r2 = stats.ghk_quantile_test(0.02, np.array([0.01, 0.02, -0.03, 0.04]), 2)
    assert r2.statistic == pytest.approx(2 / 3)
    assert r2.p_value == pytest.approx(1.0)
    # A block with a missing day is dropped: (.01, nan, .02, .03) -> blocks: .05 only.
    r3 = stats.ghk_quantile_test(0.0, np.array([0.01, np.nan, 0.02, 0.03]), 2)
    assert r3.df == 1.0


def test_placebo_pvalue():
    # |draws| >= 2: -2.5 and 3.0 -> (1 + 2) / (4 + 1) = 0.6.
    r = stats.placebo_pvalue(2.0, np.array([0.5, -2.5, 1.0, 3.0]))
    assert r.p_value == pytest.approx(0.6)


def test_degenerate_inputs_give_nan_not_errors():
    assert np.isnan(stats.cross_sectional_t(np.array([0.01])).statistic)
    assert np.isnan(stats.per_event_t(0.01, 0.0, 10).statistic)
    assert np.isnan(stats.generalized_sign(np.array([]), np.empty((3, 0))).statistic)
    assert np.isnan(stats.placebo_pvalue(1.0, np.array([])).p_value)
