"""Numba kernels of the issue-10 tests: the generalized rank (GRANK) sums.

Same layout as :mod:`riskkit.events._kernels`: ``resid`` is ``N x E`` estimation residuals
by slot (NaN off the sample), ``sorted_resid`` each row sorted (NaN last). Compiled once
and cached on disk (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from riskkit.events._kernels import _below, sum_chunks

__all__ = ["grank_sums"]


@njit(cache=True, parallel=True, error_model="numpy")
def grank_sums(resid, sorted_resid, v, take, codes, n_groups, n_chunks):
    """Kolari-Pynnönen (2011) demeaned ranks, summed per group and row.

    Event ``i`` (``take[i]``, group ``codes[i] >= 0``) has ``m_i`` finite estimation
    residuals ``e_is`` and one collapsed event-window value ``v[i]`` (its re-standardized
    CAR in residual units, ``SCAR*_i * s_i``, so that ranking ``v`` among ``e_is`` is
    ranking ``GSAR`` among ``SAR = e / s_i``). Its ``T_i = m_i + 1`` values are ranked with
    ties averaged (``rank = #{below} + (#{equal, itself included} + 1) / 2``) and
    ``U = rank / (T_i + 1) - 1/2`` is added, with a count, into ``(group, row)``: rows
    ``0..E-1`` are the estimation slots, row ``E`` the event window. Events are split in
    ``n_chunks`` contiguous runs summed in order (sums independent of the thread count).
    Returns ``sums`` and ``counts``, ``G x (E + 1)``.
    """
    n, n_est = resid.shape
    sums = np.zeros((n_chunks, n_groups, n_est + 1))
    cnts = np.zeros((n_chunks, n_groups, n_est + 1))
    step = (n + n_chunks - 1) // n_chunks
    for ch in prange(n_chunks):
        for i in range(ch * step, min(n, (ch + 1) * step)):
            g = codes[i]
            vi = v[i]
            if not take[i] or g < 0 or vi != vi:
                continue
            sv = sorted_resid[i]
            m = 0
            while m < n_est and sv[m] == sv[m]:
                m += 1
            if m == 0:
                continue
            denom = m + 2.0  # T_i + 1
            less, eq = _below(sv, m, vi)
            sums[ch, g, n_est] += (less + 0.5 * (eq + 2.0)) / denom - 0.5
            cnts[ch, g, n_est] += 1.0
            for s in range(n_est):
                r = resid[i, s]
                if r != r:
                    continue
                less, eq = _below(sv, m, r)
                if vi < r:
                    less += 1
                elif vi == r:
                    eq += 1
                sums[ch, g, s] += (less + 0.5 * (eq + 1.0)) / denom - 0.5
                cnts[ch, g, s] += 1.0
    return sum_chunks(sums, cnts)
