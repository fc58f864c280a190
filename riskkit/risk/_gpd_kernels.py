"""Many generalized-Pareto fits at once: the rolling EVT backtest's kernel.

:func:`gpd_fit_many` returns, for every row of a matrix of exceedances, exactly what
:func:`riskkit.risk._var_kernels.gpd_fit` returns for that row alone (bit for bit; the
tests compare them). The profile likelihood is evaluated with numpy on all rows together
(the same ufuncs on the same numbers, so the same roundings), and scipy's bounded Brent
search (``minimize_scalar(method="bounded")``, i.e. ``fminbound``) is run in lockstep
across rows: its bookkeeping, plain IEEE arithmetic, is a numba kernel; each round
evaluates the rows' next points in one numpy call.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["GRID_NEG", "GRID_POS", "gpd_fit_many"]

# the log-spaced grids of gpd_fit: lo * GRID_NEG (negative theta), GRID_POS / mean
GRID_NEG = np.geomspace(1e-4, 1 - 1e-6, 60)
GRID_POS = np.geomspace(1e-4, 1e3, 80)

_SQRT_EPS = math.sqrt(2.2e-16)  # scipy's fminbound constants
_GOLDEN = 0.5 * (3.0 - math.sqrt(5.0))
_MAXFUN = 500

# columns of the Brent state matrix
_A, _B, _XF, _FX, _NFC, _FNFC, _FULC, _FFULC, _E, _RAT, _X, _XATOL, _NUM = range(13)


def _profile(theta: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """gpd_fit's profile log-likelihood and xi for theta (rows, k) and y (rows, n)."""
    n = y.shape[1]
    s = np.log1p(theta[:, :, None] * y[:, None, :]).sum(axis=2)
    with np.errstate(all="ignore"):
        ll = -n * np.log(s / (n * theta)) - s - n
    return ll, s / n


@njit(cache=True)
def _sign1(v: float) -> float:
    """``np.sign(v) + (v == 0)``: 1 for v >= 0, -1 below, nan for nan."""
    if v > 0.0:
        return 1.0
    if v < 0.0:
        return -1.0
    if v == 0.0:
        return 1.0
    return v


@njit(cache=True)
def _brent_start(st: np.ndarray) -> None:
    """First point of fminbound on [a, b] for every row."""
    for i in range(st.shape[0]):
        st[i, _X] = st[i, _A] + _GOLDEN * (st[i, _B] - st[i, _A])


@njit(cache=True)
def _brent_init(st: np.ndarray, fx: np.ndarray) -> None:
    for i in range(st.shape[0]):
        x = st[i, _X]
        st[i, _XF] = x
        st[i, _NFC] = x
        st[i, _FULC] = x
        st[i, _FX] = fx[i]
        st[i, _FNFC] = fx[i]
        st[i, _FFULC] = fx[i]
        st[i, _E] = 0.0
        st[i, _RAT] = 0.0
        st[i, _NUM] = 1.0


@njit(cache=True)
def _brent_propose(st: np.ndarray, active: np.ndarray) -> None:
    """One fminbound step up to the function call: the next point, or the row stops."""
    for i in range(st.shape[0]):
        if not active[i]:
            continue
        a, b, xf, fx = st[i, _A], st[i, _B], st[i, _XF], st[i, _FX]
        nfc, fnfc, fulc, ffulc = st[i, _NFC], st[i, _FNFC], st[i, _FULC], st[i, _FFULC]
        e, rat = st[i, _E], st[i, _RAT]
        xm = 0.5 * (a + b)
        tol1 = _SQRT_EPS * abs(xf) + st[i, _XATOL] / 3.0
        tol2 = 2.0 * tol1
        if not (abs(xf - xm) > (tol2 - 0.5 * (b - a))):
            active[i] = False
            continue
        golden = True
        if abs(e) > tol1:
            golden = False
            r = (xf - nfc) * (fx - ffulc)
            q = (xf - fulc) * (fx - fnfc)
            p = (xf - fulc) * q - (xf - nfc) * r
            q = 2.0 * (q - r)
            if q > 0.0:
                p = -p
            q = abs(q)
            r = e
            e = rat
            if (abs(p) < abs(0.5 * q * r)) and (p > q * (a - xf)) and (p < q * (b - xf)):
                rat = (p + 0.0) / q
                x = xf + rat
                if ((x - a) < tol2) or ((b - x) < tol2):
                    rat = tol1 * _sign1(xm - xf)
            else:
                golden = True
        if golden:
            e = a - xf if xf >= xm else b - xf
            rat = _GOLDEN * e
        ar = abs(rat)
        step = ar if (ar >= tol1 or ar != ar) else tol1  # np.maximum (nan propagates)
        st[i, _X] = xf + _sign1(rat) * step
        st[i, _E] = e
        st[i, _RAT] = rat


@njit(cache=True)
def _brent_update(st: np.ndarray, rows: np.ndarray, fu: np.ndarray, active: np.ndarray) -> None:
    """fminbound's bracket update with f(x) = fu for the given rows."""
    for j in range(rows.size):
        i = rows[j]
        x, xf, fx = st[i, _X], st[i, _XF], st[i, _FX]
        nfc, fnfc, fulc = st[i, _NFC], st[i, _FNFC], st[i, _FULC]
        f = fu[j]
        st[i, _NUM] += 1.0
        if f <= fx:
            if x >= xf:
                st[i, _A] = xf
            else:
                st[i, _B] = xf
            st[i, _FULC], st[i, _FFULC] = nfc, fnfc
            st[i, _NFC], st[i, _FNFC] = xf, fx
            st[i, _XF], st[i, _FX] = x, f
        else:
            if x < xf:
                st[i, _A] = x
            else:
                st[i, _B] = x
            if (f <= fnfc) or (nfc == xf):
                st[i, _FULC], st[i, _FFULC] = nfc, fnfc
                st[i, _NFC], st[i, _FNFC] = x, f
            elif (f <= st[i, _FFULC]) or (fulc == xf) or (fulc == nfc):  # noqa: SIM109 (scipy)
                st[i, _FULC], st[i, _FFULC] = x, f
        if st[i, _NUM] >= _MAXFUN:
            active[i] = False


def _neg_profile(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -_profile(t[:, None], y)[0][:, 0]


def gpd_fit_many(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``gpd_fit`` on every row of ``y`` (rows, n): arrays of xi and beta.

    Every row has the same number n of exceedances (group rows by n before calling).
    """
    y = np.ascontiguousarray(y, dtype=float)
    rows, n = y.shape
    m = y.mean(axis=1)
    ll_exp = -n * np.log(m) - n
    lo = -1.0 / y.max(axis=1)
    grid = np.concatenate([lo[:, None] * GRID_NEG, GRID_POS / m[:, None]], axis=1)
    ll, xi = _profile(grid, y)
    ll = np.where(np.isfinite(ll) & (xi > -1.0), ll, -np.inf)
    k = np.argmax(ll, axis=1)
    r = np.arange(rows)
    best, t_best = ll[r, k], grid[r, k]
    xi_out, beta_out = np.zeros(rows), m.copy()  # the exponential (xi = 0) fallback
    fit = np.flatnonzero(np.isfinite(best) & (best > ll_exp))
    if fit.size == 0:
        return xi_out, beta_out
    g = np.sort(grid[fit], axis=1)
    kk = (g < t_best[fit, None]).sum(axis=1)  # np.searchsorted(g, grid[k]) per row
    ga = g[np.arange(fit.size), np.maximum(kk - 1, 0)]
    gb = g[np.arange(fit.size), np.minimum(kk + 1, g.shape[1] - 1)]
    yf = y[fit]
    st = np.zeros((fit.size, 13))
    st[:, _A], st[:, _B] = ga, gb
    st[:, _XATOL] = 1e-12 * np.maximum(np.abs(ga), np.abs(gb))
    _brent_start(st)
    _brent_init(st, _neg_profile(st[:, _X].copy(), yf))
    active = np.ones(fit.size, dtype=np.bool_)
    while True:
        _brent_propose(st, active)
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        _brent_update(st, idx, _neg_profile(st[idx, _X], yf[idx]), active)
    theta = np.where(-st[:, _FX] >= best[fit], st[:, _XF], t_best[fit])
    xi_t = _profile(theta[:, None], yf)[1][:, 0]
    xi_out[fit], beta_out[fit] = xi_t, xi_t / theta
    return xi_out, beta_out
