"""Kolari-Pynnönen (2011) generalized rank tests GRANK-T and GRANK-Z, on plain arrays.

The event window, however long, is collapsed into one observation: each event's
standardized CAR, re-standardized by the cross-sectional standard deviation of the
standardized CARs. Ranked among the event's standardized estimation-window abnormal
returns, it gives a rank test valid for CARs and robust to an event-induced variance
increase; the mean ranks' time-series dispersion makes it robust to cross-correlation
from clustered event days. The event-study engine computes the same sums vectorised
(:func:`riskkit.events._kernels_grank.grank_sums`) and finishes with
:func:`grank_from_sums`.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from riskkit.events.stats import TestResult, _p_t

__all__ = ["grank", "grank_from_sums"]

_NAN = TestResult(float("nan"), float("nan"), float("nan"))


def grank_from_sums(
    sums: np.ndarray, counts: np.ndarray, event_row: int = -1
) -> tuple[TestResult, TestResult]:
    """GRANK-T and GRANK-Z from each row's ``sum_i U_it`` and ``n_t``.

    Parameters
    ----------
    sums, counts
        Per row ``t`` of the generalized sample (estimation days and the collapsed event
        window): ``sum_i U_it`` and the number of events ``n_t`` with a value there.
    event_row
        Index of the event-window row (default the last).

    Returns
    -------
    (TestResult, TestResult)
        GRANK-T (Student t, ``T - 2`` df) and GRANK-Z (standard normal); NaN when fewer
        than three rows or no event has a value on the event row.

    Notes
    -----
    ``Ubar_t = sum_i U_it / n_t``; ``S_Ubar = sqrt((1/T) sum_t (n_t / n) Ubar_t^2)`` over
    the ``T`` rows with ``n_t > 0`` (``n`` = events on the event row);
    ``Z = Ubar_0 / S_Ubar``; ``t_grank = Z sqrt((T - 2) / (T - 1 - Z^2))``.

    Examples
    --------
    >>> s = np.array([0.1, -0.2, 0.1, 0.3]); c = np.array([2.0, 2.0, 2.0, 2.0])
    >>> t, z = grank_from_sums(s, c)
    >>> round(z.statistic, 6)  # Ubar = (.05, -.1, .05, .15); S = sqrt(.0375 / 4)
    1.549193
    """
    s = np.asarray(sums, float)
    n_t = np.asarray(counts, float)
    n0 = float(n_t[event_row])
    present = n_t > 0
    n_rows = int(present.sum())
    if n0 <= 0 or n_rows < 3:
        return _NAN, _NAN
    ubar = np.zeros(s.size)
    ubar[present] = s[present] / n_t[present]
    s_u = float(np.sqrt(np.sum(n_t[present] / n0 * ubar[present] ** 2) / n_rows))
    if s_u == 0:
        return _NAN, _NAN
    z = float(ubar[event_row] / s_u)
    den = n_rows - 1 - z * z
    t = float(z * np.sqrt((n_rows - 2) / den)) if den > 0 else float("nan")
    t_res = TestResult(t, _p_t(t, n_rows - 2), float(n_rows - 2)) if den > 0 else _NAN
    return t_res, TestResult(z, _p_t(z, np.inf), float("inf"))


def grank(sar_est: np.ndarray, scar: np.ndarray) -> tuple[TestResult, TestResult]:
    """Kolari-Pynnönen (2011) GRANK-T and GRANK-Z for the mean CAR of ``N`` events.

    Parameters
    ----------
    sar_est
        ``M x N`` standardized estimation-window abnormal returns ``SAR_it = AR_it / s_i``
        (``s_i`` the event's residual standard deviation), in event time, NaN where
        missing.
    scar
        ``N`` standardized CARs of the window tested, ``SCAR_i = CAR_i / sd(CAR_i)``
        (``sd`` with the prediction-error term).

    Returns
    -------
    (TestResult, TestResult)
        GRANK-T (Student t with ``T - 2`` df, ``T`` = rows of the generalized sample)
        and GRANK-Z (standard normal).

    Notes
    -----
    Kolari and Pynnönen (2011), Section 2:

    * re-standardized CAR ``SCAR*_i = SCAR_i / S_SCAR``, ``S_SCAR`` the cross-sectional
      standard deviation of the ``SCAR_i`` (ddof = 1): robustness to event-induced
      volatility;
    * generalized standardized abnormal returns ``GSAR_it = SCAR*_i`` on the collapsed
      event-window row ``t = 0`` and ``SAR_it`` on the estimation days;
    * demeaned standardized ranks ``U_it = rank(GSAR_it) / (T_i + 1) - 1/2`` over event
      ``i``'s ``T_i`` non-missing GSARs (ties averaged);
    * ``Z = Ubar_0 / S_Ubar`` with ``Ubar_t = (1/n_t) sum_i U_it`` and ``S_Ubar =
      sqrt((1/T) sum_t (n_t / n) Ubar_t^2)``, the sum over the ``T`` rows (estimation
      days and ``t = 0``) and ``n`` the events on ``t = 0``. GRANK-Z refers ``Z`` to the
      standard normal; GRANK-T is ``t_grank = Z sqrt((T - 2) / (T - 1 - Z^2))``, Student t
      with ``T - 2`` df (the paper's finite-sample version). ``S_Ubar`` is the time-series
      dispersion of the mean ranks, so a common shock to clustered events inflates it
      as it inflates ``Ubar_0``: the cross-correlation robustness.

    References
    ----------
    Kolari, J. W. and Pynnönen, S. (2011). Nonparametric rank tests for event studies.
    *Journal of Empirical Finance* 18(5), 953-971.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> sar = rng.standard_normal((100, 20))
    >>> t, z = grank(sar, np.full(20, 3.0) + rng.standard_normal(20))
    >>> bool(t.p_value < 0.01)
    True
    """
    sar = np.asarray(sar_est, float)
    sc = np.asarray(scar, float)
    keep = np.isfinite(sc)
    sar, sc = sar[:, keep], sc[keep]
    if sc.size < 2:
        return _NAN, _NAN
    sd = float(np.std(sc, ddof=1))
    if sd == 0:
        return _NAN, _NAN
    gsar = np.vstack([sar, (sc / sd)[None, :]])
    ok = np.isfinite(gsar)
    ranks = sps.rankdata(np.where(ok, gsar, np.nan), axis=0, nan_policy="omit")
    u = np.where(ok, ranks / (ok.sum(axis=0) + 1.0) - 0.5, 0.0)
    return grank_from_sums(u.sum(axis=1), ok.sum(axis=1).astype(float), -1)
