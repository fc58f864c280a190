"""Time-series adjusted OLS (Cohn, Johnson, Liu and Wardlaw 2023; Stata's ``csestudy``
without ``gls``) on plain arrays: the event regression against the same regression on
windows moved back into the estimation window.

Layout: ``n`` events, ``k`` regressors (the constant included) in ``x`` (``n x k``);
``car`` the event CARs; ``ar`` the ``n x E`` estimation-window abnormal returns, column
``j`` being ``tau = -gap - E + j``; event ``i``'s CAR window is ``[a_i, b_i]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

__all__ = ["Tsols", "tsols"]


@dataclass(frozen=True)
class Tsols:
    """What :func:`tsols` returns (arrays over the ``k`` coefficients)."""

    coef: np.ndarray
    ts_z: np.ndarray
    p_z: np.ndarray
    p_cdf: np.ndarray
    n_events: int
    n_placebo: int
    shifts: tuple[int, int]
    variance_ratio: float  # event residual variance / mean placebo residual variance
    used: np.ndarray  # the events with every estimation-window abnormal return


def tsols(
    x: np.ndarray, car: np.ndarray, ar: np.ndarray, a: np.ndarray, b: np.ndarray, gap: int
) -> Tsols | None:
    """csestudy's statistics; None when fewer than 2 windows or ``k + 2`` full events.

    Shifts ``s = max(b) + gap + 1 .. min(a) + gap + E``: every event's window moved ``s``
    sessions back lies in its estimation window. ``b_s = (X'X)^{-1} X' CAR_s``; ``z = (b -
    mean b_s) / (sd(b_s) sqrt((K+1)/K))``, ``p_cdf = #{|b_s - mean| > |b - mean|} / K``
    with 0 -> ``1/(2K)`` and 1 -> ``1 - 1/(2K)`` (csestudy.ado, Mata ``_tsregress``).
    """
    n, e_len = ar.shape
    k = x.shape[1]
    full = np.isfinite(ar).all(axis=1)
    s_min, s_max = int(b.max()) + gap + 1, int(a.min()) + gap + e_len
    n_b = int(full.sum())
    xb = x[full]
    if s_max - s_min + 1 < 2 or n_b < k + 2 or np.linalg.matrix_rank(xb) < k:
        return None
    shifts = np.arange(s_min, s_max + 1)
    cum = np.concatenate([np.zeros((n_b, 1)), np.cumsum(ar[full], axis=1)], axis=1)
    lo = a[full][None, :] - shifts[:, None] + gap + e_len  # K x n_b: column of tau = a - s
    hi = b[full][None, :] - shifts[:, None] + gap + e_len + 1
    cols = np.arange(n_b)[None, :]
    placebo = cum[cols, hi] - cum[cols, lo]  # K x n_b placebo CARs
    xtx = xb.T @ xb
    b_pre = np.linalg.solve(xtx, xb.T @ placebo.T).T  # K x k
    yb = car[full]
    b_ev = np.linalg.solve(xtx, xb.T @ yb)
    n_pre = len(shifts)
    mean = b_pre.mean(axis=0)
    share = (np.abs(b_pre - mean) > np.abs(b_ev - mean)).sum(axis=0) / n_pre
    share = np.where(share == 0, 1 / (2 * n_pre), np.where(share == 1, 1 - 1 / (2 * n_pre), share))
    sd = b_pre.std(axis=0, ddof=1) * np.sqrt((n_pre + 1) / n_pre)
    z = (b_ev - mean) / sd
    res_ev = yb - xb @ b_ev
    res_pre = placebo - b_pre @ xb.T
    ratio = float(res_ev @ res_ev / np.mean(np.sum(res_pre**2, axis=1)))
    return Tsols(b_ev, z, 2 * sps.norm.sf(np.abs(z)), share, n_b, n_pre, (s_min, s_max),
                 ratio, full)  # fmt: skip
