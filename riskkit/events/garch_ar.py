"""GARCH(1,1)-standardized abnormal returns: each event's CAR over its forecast volatility.

The constant-variance standardization of Patell and BMP treats a calm estimation year and
a turbulent one alike. Here each event's estimation residuals get a GARCH(1,1) (the
``arch`` package, one fit per event: ``arch`` does the optimisation, about 50 ms an event
on this machine), the variance recursion is run with the fitted parameters through the
gap days up to the day before the first window day, and the window's ARs are standardized
by the multi-step conditional variance forecast from there (never updated with a window
AR, so an event cannot inflate its own yardstick).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from riskkit.events._engine import Estimates

__all__ = ["GarchStandardized", "garch_standardize"]


@dataclass(frozen=True)
class GarchStandardized:
    """Per event (rows of the engine's arrays): GARCH-standardized CARs per window
    (``scar``, ``W x N``), the variance forecasts by ``tau`` (``h``, ``N x len(taus)``, in
    return units squared), the fitted ``omega, alpha, beta`` of the unit-variance residuals
    (``params``, ``N x 3``) and ``ok`` (fitted and converged)."""

    scar: np.ndarray
    h: np.ndarray
    params: np.ndarray
    ok: np.ndarray


def _gap_residuals(est: Estimates, idx: np.ndarray, taus: np.ndarray) -> np.ndarray:
    """``y - z theta`` of events ``idx`` on event days ``taus`` (NaN off ``ok``)."""
    rows = est.p0[idx, None] + taus[None, :]
    inside = (rows >= 0) & (rows < est.n_rows)
    r = np.clip(rows, 0, est.n_rows - 1)
    f = est.firm[idx, None]
    fit = np.einsum("ntk,nk->nt", est.z[r], est.theta[idx])
    e = est.y[r, f] - fit
    return np.where(inside & est.ok[r, f], e, np.nan)


def garch_standardize(est: Estimates) -> GarchStandardized:
    """Fit a GARCH(1,1) per estimated event and standardize every window's CAR.

    Parameters
    ----------
    est
        The engine's :class:`~riskkit.events._engine.Estimates`.

    Returns
    -------
    GarchStandardized

    Notes
    -----
    For event ``i`` with residual standard deviation ``s_i``, the series is ``x_t = e_t /
    s_i`` over its complete estimation days and then its complete gap days up to ``tau0 =
    min(a_min, 0) - 1`` (other same-firm event windows left out, as in the estimation),
    gaps closed up. ``x_t = sigma_t z_t``, ``sigma_t^2 = omega + alpha x_{t-1}^2 + beta
    sigma_{t-1}^2`` is fitted by normal quasi-maximum likelihood on the estimation days
    only (``arch_model(mean="Zero", vol="GARCH", p=1, q=1)``, ``fit(last_obs=M_i)``); the
    recursion runs on through the gap days and ``h_{i,tau} = s_i^2 E[sigma^2_{tau0 + k}]``,
    ``k = tau - tau0``, is arch's ``k``-step forecast from ``tau0``. The standardized CAR
    of a window is ``CAR_i / sqrt(sum_{tau in W} h_{i,tau})`` (parameter-estimation error
    ignored). An event whose fit fails or does not converge gets NaN (its tests use the
    others; the test rows report ``n``).

    References
    ----------
    Bollerslev, T. (1986). Generalized autoregressive conditional heteroskedasticity.
    *Journal of Econometrics* 31, 307-327. Savickas, R. (2003). Event-induced volatility
    and tests for abnormal performance. *Journal of Financial Research* 26(2), 165-178.
    """
    from arch import arch_model

    n = est.status.size
    taus = est.taus
    n_est = est.resid.shape[1]
    gap = -est.row0 - n_est
    tau0 = min(int(taus[0]), 0) - 1
    horizon = int(taus[-1]) - tau0
    h = np.full((n, taus.size), np.nan)
    params = np.full((n, 3), np.nan)
    ok = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(est.fitted)
    gap_taus = np.arange(-gap, tau0 + 1)
    gap_e = _gap_residuals(est, idx, gap_taus) if gap_taus.size else np.zeros((idx.size, 0))
    for k, i in enumerate(idx):  # arch fits one series at a time
        s = float(np.sqrt(est.sigma2[i]))
        e_est = est.resid[i][np.isfinite(est.resid[i])] / s
        e_gap = gap_e[k][np.isfinite(gap_e[k])] / s
        x = np.concatenate([e_est, e_gap])
        try:
            with warnings.catch_warnings(record=True), np.errstate(all="ignore"):
                warnings.simplefilter("always")
                am = arch_model(x, mean="Zero", vol="GARCH", p=1, q=1, rescale=False)
                res = am.fit(disp="off", last_obs=e_est.size, show_warning=False)
                fc = res.forecast(horizon=horizon, start=x.size - 1, reindex=False)
        except (ValueError, np.linalg.LinAlgError):
            continue
        var = np.asarray(fc.variance, dtype=float)[-1]
        if res.convergence_flag != 0 or not np.all(np.isfinite(var)) or np.any(var <= 0):
            continue
        ok[i] = True
        params[i] = np.asarray(res.params, dtype=float)[:3]
        h[i] = var[taus - tau0 - 1] * est.sigma2[i]
    scar = np.full((len(est.windows), n), np.nan)
    for w_i, w in enumerate(est.windows):
        inside = (taus[None, :] >= w.a) & (taus[None, :] <= w.b_used[:, None])
        tot = np.where(inside, h, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            scar[w_i] = np.where(ok & (tot > 0), w.car / np.sqrt(tot), np.nan)
    return GarchStandardized(scar=scar, h=h, params=params, ok=ok)
