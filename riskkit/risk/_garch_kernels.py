"""GARCH variance recursion (numba, on plain arrays) for the rolling FHS refits.

:func:`garch_recursion` is arch's ``recursions.garch_recursion`` (Cython, arch 8.0)
statement for statement: the same accumulation order and the same variance bounds
check, so the same bits (no fast-math, so no fused multiply-adds; the tests compare
the fitted parameters with arch's own fit). :func:`garch_recursion_rows` runs it for
several parameter vectors at once (arch's starting-value grid).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["garch_recursion", "garch_recursion_rows"]

_DBL_MAX = np.finfo(np.float64).max


@njit(cache=True)
def garch_recursion(
    parameters: np.ndarray,
    fresids: np.ndarray,
    sresids: np.ndarray,
    sigma2: np.ndarray,
    p: int,
    o: int,
    q: int,
    nobs: int,
    backcast: float,
    var_bounds: np.ndarray,
) -> None:
    """sigma2[t] = omega + sum alpha fresid + sum gamma fresid 1[sresid<0] + sum beta sigma2."""
    for t in range(nobs):
        loc = 0
        s = parameters[loc]
        loc += 1
        for j in range(p):
            if (t - 1 - j) < 0:
                s += parameters[loc] * backcast
            else:
                s += parameters[loc] * fresids[t - 1 - j]
            loc += 1
        for j in range(o):
            if (t - 1 - j) < 0:
                s += parameters[loc] * 0.5 * backcast
            else:
                neg = 1.0 if sresids[t - 1 - j] < 0 else 0.0
                s += parameters[loc] * fresids[t - 1 - j] * neg
            loc += 1
        for j in range(q):
            if (t - 1 - j) < 0:
                s += parameters[loc] * backcast
            else:
                s += parameters[loc] * sigma2[t - 1 - j]
            loc += 1
        lo, hi = var_bounds[t, 0], var_bounds[t, 1]
        if s < lo:
            s = lo
        elif s > hi:
            s = hi + 1000 if s > _DBL_MAX else hi + math.log(s / hi)
        sigma2[t] = s


@njit(cache=True)
def garch_recursion_rows(
    parameters: np.ndarray,
    fresids: np.ndarray,
    sresids: np.ndarray,
    sigma2: np.ndarray,
    p: int,
    o: int,
    q: int,
    backcast: float,
    var_bounds: np.ndarray,
) -> None:
    """:func:`garch_recursion` for each row of ``parameters`` into the rows of ``sigma2``."""
    for i in range(parameters.shape[0]):
        garch_recursion(
            parameters[i],
            fresids,
            sresids,
            sigma2[i],
            p,
            o,
            q,
            fresids.shape[0],
            backcast,
            var_bounds,
        )
