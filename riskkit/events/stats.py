"""Event-study test statistics (textbook conventions), on plain numpy arrays.

Every function here is pure: arrays in, floats out, no pandas, no loaders. Layout: ``N``
events (columns); estimation-window abnormal returns ``ar_est`` are ``M x N`` with ``NaN``
for a missing day. Two-sided p-values throughout.

The estudy2 package's variants live in :mod:`riskkit.events.estudy2`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import special
from scipy import stats as sps

__all__ = [
    "TestResult",
    "bmp_t",
    "car_variance",
    "cross_sectional_t",
    "generalized_sign",
    "generalized_sign_from_fractions",
    "ghk_quantile_test",
    "kolari_pynnonen",
    "mean_of_pairs",
    "mean_pairwise_correlation",
    "pairwise_correlations",
    "patell_z",
    "per_event_t",
    "placebo_pvalue",
    "rank_test",
    "rank_test_from_sums",
]

Array = np.ndarray


class TestResult(NamedTuple):
    """A test statistic, its two-sided p-value and its reference distribution's df.

    ``df`` is ``inf`` when the reference distribution is the standard normal and ``nan``
    when the test has no parametric reference (quantile, placebo).
    """

    statistic: float
    p_value: float
    df: float


_NAN = TestResult(float("nan"), float("nan"), float("nan"))


def _p_t(t: float, df: float) -> float:
    # Two-sided p-value. ndtr / stdtr are what sps.norm.sf / sps.t.sf evaluate
    # (``sf(x) = ndtr(-x)``, ``stdtr(df, -x)``), without the distribution's per-call
    # argument handling; the values are the same.
    if not np.isfinite(t):
        return float("nan")
    if np.isinf(df):
        return float(2.0 * special.ndtr(-abs(t)))
    if df > 0:
        return float(2.0 * special.stdtr(df, -abs(t)))
    return float(2.0 * sps.t.sf(abs(t), df))


def car_variance(
    sigma2: float, xtx_inv: Array | None, x_window: Array | None, length: int
) -> float:
    """Variance of a CAR including the prediction-error (parameter-estimation) term.

    Parameters
    ----------
    sigma2
        Residual variance of the normal-return model, ``e'e / (M - k)``.
    xtx_inv
        ``(X'X)^{-1}`` of the estimation regression (``k x k``); None for a model with no
        estimated parameters (market-adjusted).
    x_window
        Regressors on the ``L`` event-window days (``L x k``).
    length
        ``L``, the number of days in the window.

    Returns
    -------
    float
        ``Var(CAR) = gamma' V gamma = sigma^2 (L + s' (X'X)^{-1} s)`` with ``s`` the column
        sums of ``x_window``.

    Notes
    -----
    The abnormal returns of the window have covariance
    ``V = sigma^2 (I + X* (X'X)^{-1} X*')`` (MacKinlay 1997, eq. 9); with ``gamma`` a
    vector of ones, ``gamma' V gamma`` is the formula above. For the constant-mean model
    ``X`` is a column of ones and this is ``sigma^2 (L + L^2 / M)``.

    References
    ----------
    MacKinlay, A. C. (1997). Event studies in economics and finance. *Journal of Economic
    Literature* 35(1), 13-39. Campbell, Lo and MacKinlay (1997), ch. 4.

    Examples
    --------
    >>> round(car_variance(0.0004, np.array([[0.01]]), np.ones((3, 1)), 3), 10)  # 4e-4 * 3.09
    0.001236
    """
    if xtx_inv is None or x_window is None:
        return float(sigma2 * length)
    s = np.asarray(x_window, float).sum(axis=0)
    return float(sigma2 * (length + s @ np.asarray(xtx_inv, float) @ s))


def per_event_t(car: float, var: float, df: float) -> TestResult:
    """``t = CAR / sqrt(Var(CAR))``, Student t with the model's residual df (``M - k``).

    Examples
    --------
    >>> r = per_event_t(0.05, 0.0004, 100)
    >>> round(r.statistic, 6), round(r.p_value, 4)
    (2.5, 0.014)
    """
    if not (np.isfinite(car) and np.isfinite(var)) or var <= 0:
        return _NAN
    t = car / np.sqrt(var)
    return TestResult(float(t), _p_t(t, df), float(df))


def cross_sectional_t(cars: Array) -> TestResult:
    """Cross-sectional t: ``sqrt(N) mean(CAR) / sd(CAR)`` (sd with ddof = 1), t with N-1 df.

    References
    ----------
    Brown, S. J. and Warner, J. B. (1985). *Journal of Financial Economics* 14, 3-31.

    Examples
    --------
    >>> round(cross_sectional_t(np.array([0.01, 0.03, 0.02])).statistic, 6)
    3.464102
    """
    x = np.asarray(cars, float)
    x = x[np.isfinite(x)]
    n = x.size
    if n < 2:
        return _NAN
    sd = float(np.std(x, ddof=1))
    if sd == 0:
        return _NAN
    t = float(np.sqrt(n) * x.mean() / sd)
    return TestResult(t, _p_t(t, n - 1), float(n - 1))


def patell_z(scars: Array, dfs: Array) -> TestResult:
    """Patell (1976) Z: ``sum_i SCAR_i / sqrt(sum_i df_i / (df_i - 2))``, standard normal.

    ``SCAR_i = CAR_i / sqrt(Var(CAR_i))`` is Student t with ``df_i = M_i - k`` under the
    null, so its variance is ``df_i / (df_i - 2)``.

    References
    ----------
    Patell, J. M. (1976). *Journal of Accounting Research* 14(2), 246-276.

    Examples
    --------
    >>> round(patell_z(np.array([1.0, 2.0]), np.array([12.0, 12.0])).statistic, 6)
    1.936492
    """
    s = np.asarray(scars, float)
    d = np.asarray(dfs, float)
    ok = np.isfinite(s) & (d > 2)
    if not ok.any():
        return _NAN
    z = float(s[ok].sum() / np.sqrt(np.sum(d[ok] / (d[ok] - 2))))
    return TestResult(z, _p_t(z, np.inf), float("inf"))


def bmp_t(scars: Array) -> TestResult:
    """Boehmer-Musumeci-Poulsen (1991) standardized cross-sectional t.

    ``t = sqrt(N) mean(SCAR) / sd(SCAR)`` (ddof = 1), Student t with ``N - 1`` df. It uses
    the Patell-standardized CARs but their cross-sectional dispersion, so it is robust to
    an event-induced variance increase.

    References
    ----------
    Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). *Journal of Financial Economics*
    30(2), 253-272.

    Examples
    --------
    >>> r = bmp_t(np.array([1.0, 2.0, 3.0]))  # mean 2, sd 1: 2 * sqrt(3)
    >>> round(r.statistic, 6), r.df
    (3.464102, 2.0)
    """
    return cross_sectional_t(scars)


def mean_pairwise_correlation(
    resid: Array, *, clustered: Array | None = None, min_overlap: int = 30
) -> float:
    """Mean pairwise correlation of estimation residuals, on common (calendar) dates.

    Parameters
    ----------
    resid
        ``D x N`` residuals in *calendar* time (``NaN`` off each event's estimation
        window), so two events' residuals are paired on the same date.
    clustered
        Optional ``N x N`` boolean matrix: True where the two events' windows overlap in
        calendar time. Other pairs count as uncorrelated (``r = 0``): their event-window
        ARs fall on different dates, even if their estimation windows overlap (e.g. two
        events of one firm months apart). None: every pair is used.
    min_overlap
        A pair with fewer common dates counts as ``r = 0``.

    Returns
    -------
    float
        ``rbar = sum_{i<j} r_ij / (N (N - 1) / 2)`` (``r_ij`` = Pearson correlation on
        common dates, 0 for pairs as described above); ``0.0`` for ``N < 2``.

    Examples
    --------
    >>> e = np.array([[1.0, 1.0, np.nan], [2.0, 2.5, np.nan], [3.0, 2.0, np.nan]])
    >>> round(mean_pairwise_correlation(e, min_overlap=3), 6)  # r_12 = 0.654654; / 3 pairs
    0.218218
    """
    x = np.asarray(resid, float)
    if x.shape[1] < 2:
        return 0.0
    return mean_of_pairs(pairwise_correlations(x, min_overlap=min_overlap), clustered=clustered)


def pairwise_correlations(resid: Array, *, min_overlap: int = 30) -> Array:
    """Pairwise Pearson correlations of residuals on their common (calendar) dates.

    Parameters
    ----------
    resid
        ``D x N`` residuals in calendar time (``NaN`` off each event's estimation window).
    min_overlap
        Pairs with fewer common dates get ``r = 0``.

    Returns
    -------
    ndarray
        ``N x N`` matrix ``r_ij`` (Pearson correlation over the dates where both ``i`` and
        ``j`` are present; ``0`` for pairs with fewer than ``min_overlap`` common dates or
        a zero variance). Each entry depends only on columns ``i`` and ``j``, so it can be
        computed once for a group of events and reused for every window
        (:func:`mean_of_pairs`).

    Notes
    -----
    With ``n`` common dates, ``r_ij = (n S_xy - S_x S_y) / sqrt((n S_xx - S_x^2)
    (n S_yy - S_y^2))``, all sums over the common dates.

    Examples
    --------
    >>> e = np.array([[1.0, 1.0], [2.0, 2.5], [3.0, 2.0]])
    >>> round(float(pairwise_correlations(e, min_overlap=3)[0, 1]), 6)
    0.654654
    """
    x = np.asarray(resid, float)
    n = x.shape[1]
    mask = np.isfinite(x).astype(float)
    x0 = np.where(mask > 0, x, 0.0)
    cnt = mask.T @ mask  # common dates per pair
    sx = x0.T @ mask  # sum of x_i over dates where j is present too
    sxx = (x0**2).T @ mask
    sxy = x0.T @ x0
    cov = cnt * sxy - sx * sx.T
    var_i = cnt * sxx - sx**2
    den = var_i * var_i.T
    r = np.zeros((n, n))
    ok = (cnt >= min_overlap) & (den > 0)
    r[ok] = cov[ok] / np.sqrt(den[ok])
    return r


def mean_of_pairs(r: Array, *, clustered: Array | None = None) -> float:
    """``rbar = sum_{i<j} r_ij / (N (N - 1) / 2)``, pairs with ``clustered`` False as 0.

    ``r`` is an ``N x N`` matrix from :func:`pairwise_correlations`; ``clustered`` as in
    :func:`mean_pairwise_correlation`. ``0.0`` for ``N < 2``.

    Examples
    --------
    >>> r = np.array([[1.0, 0.6, 0.3], [0.6, 1.0, 0.0], [0.3, 0.0, 1.0]])
    >>> round(mean_of_pairs(r), 6)  # (0.6 + 0.3 + 0.0) / 3
    0.3
    """
    r = np.asarray(r, float)
    n = r.shape[0]
    if n < 2:
        return 0.0
    if clustered is not None:
        r = np.where(np.asarray(clustered, bool), r, 0.0)
    return float(r[np.triu_indices(n, 1)].mean())


def kolari_pynnonen(scars: Array, rbar: float) -> TestResult:
    """Kolari-Pynnönen (2010) adjusted BMP for cross-correlation of abnormal returns.

    ``t_adj = t_BMP sqrt((1 - rbar) / (1 + (N - 1) rbar))``, Student t with ``N - 1`` df,
    where ``rbar`` is the mean pairwise correlation of the estimation residuals in
    calendar time (:func:`mean_pairwise_correlation`). With ``rbar = 0`` it is BMP.

    References
    ----------
    Kolari, J. W. and Pynnönen, S. (2010). Event study testing with cross-sectional
    correlation of abnormal returns. *Review of Financial Studies* 23(11), 3996-4025.

    Examples
    --------
    >>> r = kolari_pynnonen(np.array([1.0, 2.0, 3.0]), 0.25)
    >>> round(r.statistic, 6)  # 2*sqrt(3) * sqrt(0.75/1.5)
    2.44949
    """
    base = bmp_t(scars)
    n = int(np.sum(np.isfinite(np.asarray(scars, float))))
    if not np.isfinite(base.statistic):
        return _NAN
    factor = (1.0 - rbar) / (1.0 + (n - 1) * rbar)
    if factor <= 0:
        return _NAN
    t = base.statistic * float(np.sqrt(factor))
    return TestResult(t, _p_t(t, n - 1), float(n - 1))


def rank_test(ar_full: Array, window_rows: Array) -> TestResult:
    """Corrado (1989) rank test in the Corrado-Zivney (1992) form (missing returns allowed).

    Parameters
    ----------
    ar_full
        ``T x N`` abnormal returns over each event's estimation window *and* event
        window, in event time (``NaN`` where missing).
    window_rows
        Row indices of the event window ``W`` being tested.

    Returns
    -------
    TestResult
        Standard-normal statistic.

    Notes
    -----
    ``U_it = rank_it / (1 + L_i)`` with ``L_i`` the non-missing ARs of event ``i``
    (ties averaged); ``D_t = sum_i (U_it - 1/2) / sqrt(N_t)`` over the ``N_t`` events
    present on row ``t``; ``S_U = sqrt(mean_t D_t^2)`` over rows with ``N_t > 0``.
    The statistic is ``sum_{t in W} D_t / (sqrt(|W|) S_U)``. For one day and no missing
    returns it equals Corrado's (1989) ``(1/N) sum_i (K_i0 - (L+1)/2) / S(K)``; the
    multi-day sum follows Campbell and Wasley (1993).

    References
    ----------
    Corrado, C. J. (1989). *Journal of Financial Economics* 23, 385-395. Corrado, C. J.
    and Zivney, T. L. (1992). *Journal of Financial and Quantitative Analysis* 27(3),
    465-478. Campbell, C. J. and Wasley, C. E. (1993). *Review of Quantitative Finance and
    Accounting* 3, 73-92.

    Examples
    --------
    >>> ar = np.array([[0.01, -0.01], [-0.02, 0.03], [0.00, 0.02], [0.05, 0.04]])
    >>> round(rank_test(ar, np.array([3])).statistic, 6)  # sqrt(3), worked in the tests
    1.732051
    """
    x = np.asarray(ar_full, float)
    u = np.full(x.shape, np.nan)
    ok = np.isfinite(x)
    if x.size:  # ranks of each column's finite values (NaN elsewhere), all columns at once
        ranks = sps.rankdata(np.where(ok, x, np.nan), axis=0, nan_policy="omit")
        u[ok] = (ranks / (ok.sum(axis=0) + 1))[ok]
    sums = np.nansum(u - 0.5, axis=1)
    counts = np.sum(np.isfinite(u), axis=1)
    return rank_test_from_sums(sums, counts, window_rows)


def rank_test_from_sums(sums: Array, counts: Array, window_rows: Array) -> TestResult:
    """The Corrado-Zivney statistic from each row's ``sum_i (U_it - 1/2)`` and ``N_t``.

    ``D_t = sums_t / sqrt(N_t)`` on rows with ``N_t > 0``, ``S_U = sqrt(mean_t D_t^2)``,
    statistic ``sum_{t in W} D_t / (sqrt(|W|) S_U)`` over the window rows present (see
    :func:`rank_test`, which forms the sums; the event-study engine accumulates them per
    group). Standard normal.

    Examples
    --------
    >>> r = rank_test_from_sums(np.array([0.5, -0.5, 1.0]), np.array([1, 1, 1]), np.array([2]))
    >>> round(r.statistic, 6)  # 1 / sqrt((0.25 + 0.25 + 1) / 3)
    1.414214
    """
    sums = np.asarray(sums, float)
    n_t = np.asarray(counts, float)
    present = n_t > 0
    if not present.any():
        return _NAN
    d = np.zeros(sums.size)
    d[present] = sums[present] / np.sqrt(n_t[present])
    s_u = float(np.sqrt(np.mean(d[present] ** 2)))
    rows = np.asarray(window_rows, int)
    rows = rows[present[rows]]
    if rows.size == 0 or s_u == 0:
        return _NAN
    z = float(d[rows].sum() / (np.sqrt(rows.size) * s_u))
    return TestResult(z, _p_t(z, np.inf), float("inf"))


def generalized_sign(cars: Array, ar_est: Array) -> TestResult:
    """Cowan (1992) generalized sign test.

    ``Z = (w - N p) / sqrt(N p (1 - p))`` with ``w`` the number of positive CARs and
    ``p = (1/N) sum_i (1/M_i) sum_t 1[AR_it > 0]`` the mean over events of the fraction of
    positive estimation-window ARs. Standard normal.

    References
    ----------
    Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative Finance
    and Accounting* 2, 343-358.

    Examples
    --------
    >>> est = np.array([[0.1, -0.1], [-0.1, 0.2], [0.2, 0.1], [-0.3, -0.2]])
    >>> round(generalized_sign(np.array([0.3, 0.1]), est).statistic, 6)
    1.414214
    """
    c = np.asarray(cars, float)
    e = np.asarray(ar_est, float)
    keep = np.isfinite(c)
    c, e = c[keep], e[:, keep]
    n = c.size
    if n == 0:
        return _NAN
    frac = np.array([np.mean(col[np.isfinite(col)] > 0) for col in e.T])
    return generalized_sign_from_fractions(c, frac)


def generalized_sign_from_fractions(cars: Array, frac: Array) -> TestResult:
    """Cowan's generalized sign from the CARs and each event's share of positive
    estimation ARs (``frac``, as in :func:`generalized_sign`, which computes it).

    Examples
    --------
    >>> round(generalized_sign_from_fractions(np.array([0.3, 0.1]), np.array([0.5, 0.5]))
    ...       .statistic, 6)
    1.414214
    """
    c = np.asarray(cars, float)
    n = c.size
    if n == 0:
        return _NAN
    p = float(np.mean(np.asarray(frac, float)))
    if p <= 0 or p >= 1:
        return _NAN
    w = float(np.sum(c > 0))
    z = (w - n * p) / np.sqrt(n * p * (1 - p))
    return TestResult(float(z), _p_t(z, np.inf), float("inf"))


def ghk_quantile_test(car: float, ar_est: Array, length: int) -> TestResult:
    """Gelbach-Helland-Klick (2013) sample-quantile test for one firm's event.

    The null distribution of an ``L``-day CAR is the empirical distribution of the sums
    of ``L`` consecutive estimation-window abnormal returns (overlapping blocks, blocks
    with a missing day dropped). No normality is assumed, which matters for a single
    firm whose ARs are fat-tailed.

    Returns
    -------
    TestResult
        ``statistic`` = the empirical quantile of the CAR, ``F(CAR) = #{c <= CAR} / n``;
        ``p_value = min(1, 2 min(#{c <= CAR} + 1, #{c >= CAR} + 1) / (n + 1))`` (two-sided,
        with the usual +1 so it is never 0); ``df = n`` (the number of blocks).

    References
    ----------
    Gelbach, J. B., Helland, E. and Klick, J. (2013). Valid inference in single-firm,
    single-event studies. *American Law and Economics Review* 15(2), 495-541.

    Examples
    --------
    >>> est = np.arange(-9, 10) / 100.0     # 19 ARs: -0.09 ... 0.09
    >>> r = ghk_quantile_test(0.095, est, 1)  # above all 19
    >>> round(r.statistic, 4), round(r.p_value, 4)
    (1.0, 0.1)
    """
    e = np.asarray(ar_est, float)
    if length < 1 or e.size < length or not np.isfinite(car):
        return _NAN
    blocks = np.convolve(e, np.ones(length), mode="valid")
    blocks = blocks[np.isfinite(blocks)]
    n = blocks.size
    if n == 0:
        return _NAN
    lo = int(np.sum(blocks <= car))
    hi = int(np.sum(blocks >= car))
    p = min(1.0, 2.0 * min(lo + 1, hi + 1) / (n + 1))
    return TestResult(lo / n, p, float(n))


def placebo_pvalue(observed: float, draws: Array) -> TestResult:
    """Two-sided placebo/bootstrap p-value: ``(1 + #{|d| >= |obs|}) / (B + 1)``.

    ``draws`` are the same statistic computed on random non-event dates (``B`` of them).

    References
    ----------
    Davison, A. C. and Hinkley, D. V. (1997). *Bootstrap Methods and their Application*,
    eq. 4.11.

    Examples
    --------
    >>> round(placebo_pvalue(2.0, np.array([0.5, -2.5, 1.0, 3.0])).p_value, 4)
    0.6
    """
    d = np.asarray(draws, float)
    d = d[np.isfinite(d)]
    if d.size == 0 or not np.isfinite(observed):
        return _NAN
    p = (1.0 + float(np.sum(np.abs(d) >= abs(observed)))) / (d.size + 1.0)
    return TestResult(float(observed), p, float("nan"))
