"""Test statistics under the conventions of the R package estudy2 (Rudnytskyi, 0.10.0).

These functions reproduce, to the printed precision, the tables that estudy2's
``parametric_tests()``, ``nonparametric_tests()`` and ``car_*`` functions print. They were
written from the formulas described in ``tests/reference/estudy2/README.md`` (our own words);
no estudy2 code was copied (estudy2 is GPL-3).

All functions take plain arrays laid out in *event time*: rows are days, columns are
events (securities). ``ar_est`` holds the estimation-window abnormal returns (``M x N``),
``ar_evt`` the event-window ones (``T x N``); ``NaN`` marks a missing return. ``rm_est`` and
``rm_evt`` hold the market return on the same rows (per column, so that events on
different calendar dates can be stacked). When every event shares one calendar date the
layout is exactly estudy2's calendar-time layout.

The conventions that differ from the textbook ones (see :mod:`riskkit.events.stats`):

* ``s_i`` is the sample standard deviation (ddof = 1) of the estimation ARs, not the
  regression standard error (ddof = number of parameters).
* The market mean and sum of squares in the Patell/Lamb correction use **all** market
  dates of the estimation window, even for a security with a shorter sample.
* Cross-security sums are formed as ``rowMeans(x, na.rm=TRUE) * N`` (``N`` = number of
  securities), which scales a sum with missing values up by ``N / n_t``. This includes
  the Wilcoxon ``W+``.
* The CAR tests keep only the days on which more than 90% of the securities have an
  abnormal return; the daily tests keep every day.
* The generalized-sign ``p_hat`` is pooled over all estimation security-days.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats as sps

__all__ = [
    "car_tests",
    "nonparametric_tests",
    "parametric_tests",
    "qsignrank",
    "significance",
]

Array = np.ndarray


def _nanmean_rows(x: Array) -> Array:
    """Row means ignoring NaN; NaN for an all-missing row (without a RuntimeWarning)."""
    cnt = np.sum(~np.isnan(x), axis=1)
    tot = np.nansum(x, axis=1)
    out = np.full(x.shape[0], np.nan)
    np.divide(tot, cnt, out=out, where=cnt > 0)
    return out


def significance(p: float) -> str:
    """Stars for a two-sided p-value: ``***`` < 1%, ``**`` < 5%, ``*`` < 10%, else ``""``.

    Examples
    --------
    >>> significance(0.004), significance(0.03), significance(0.07), significance(0.5)
    ('***', '**', '*', '')
    """
    if not np.isfinite(p):
        return ""
    if p < 0.01:
        return "***"
    if p < 0.05:
        return "**"
    if p < 0.10:
        return "*"
    return ""


def _p_normal(z: Array) -> Array:
    return np.asarray(2.0 * sps.norm.sf(np.abs(z)), dtype=float)


def _p_t(t: Array, df: Array | float) -> Array:
    return np.asarray(2.0 * sps.t.sf(np.abs(t), df), dtype=float)


def qsignrank(p: float, n: int) -> int:
    """Quantile of the Wilcoxon signed-rank statistic (R's ``qsignrank``).

    The smallest ``w`` with ``P(W <= w) >= p`` under the null, where ``W`` is the sum of
    the ranks of the positive values among ``n`` symmetric, continuous observations.

    Examples
    --------
    >>> qsignrank(0.9, 7), qsignrank(0.95, 7), qsignrank(0.99, 7)
    (22, 24, 27)
    """
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    for k in range(1, n + 1):
        shifted = np.zeros_like(counts)
        shifted[k:] = counts[:-k]
        counts = counts + shifted
    cdf = np.cumsum(counts) / 2.0**n
    return int(np.searchsorted(cdf, p - 1e-12))


def _market_terms(rm_est: Array, rm_evt: Array) -> tuple[Array, Array]:
    """Per-column market mean and sum of squares over all market dates of the window."""
    rbar = np.nanmean(rm_est, axis=0)
    ss = np.nansum((rm_est - rbar) ** 2, axis=0)
    c = (rm_evt - rbar) ** 2 / ss
    return rbar, c


def parametric_tests(
    ar_est: Array, ar_evt: Array, rm_est: Array, rm_evt: Array, m_ols: Array
) -> dict[str, Array]:
    """Daily parametric tests of estudy2: BW 1980, BW 1985, t-test, Patell, BMP, Lamb.

    Parameters
    ----------
    ar_est, ar_evt
        Estimation-window (``M x N``) and event-window (``T x N``) abnormal returns.
    rm_est, rm_evt
        Market returns on the same rows.
    m_ols
        ``M_i``: the OLS sample size of each security (complete security and market
        observations in the estimation window).

    Returns
    -------
    dict
        Arrays of length ``T``: ``mean`` (AAR), ``n`` (``N_t``), and for each test
        ``<name>_stat``, ``<name>_p`` and ``<name>_df`` (``inf`` for a normal reference).

    Notes
    -----
    With ``N`` securities, ``s_i`` the ddof = 1 sd of security ``i``'s estimation ARs,
    ``A_t'`` the cross-sectional mean AR on estimation day ``t'`` and ``c_it =
    1 + 1/M_i + (Rm_t - Rbar_m)^2 / SS_m`` (market moments over all market dates of the
    window):

    * BW80: ``AAR_t / (sqrt(sum_i s_i^2) / N)``, Student t with ``Mbar - 1`` df.
    * BW85: ``AAR_t / sd(A_t')`` (ddof = 1), Student t with ``Mbar - 1`` df.
    * t-test: ``sqrt(N_t) AAR_t / sd_i(AR_it)``, Student t with ``N_t - 1`` df.
    * Patell: ``SAR_it = AR_it / (s_i sqrt(c_it))``,
      ``Z = N mean_i(SAR_it) / sqrt(sum_i (M_i - 2)/(M_i - 4))``, normal.
    * BMP: ``sqrt(N_t) mean_i SAR_it / sd_i(SAR_it)``, Student t with ``N_t - 1`` df.
    * Lamb: ``AAR_t / (sd(A_t') sqrt(1 + 1/Mbar + mean_i (c_it - 1 - 1/M_i)))``, normal.

    References
    ----------
    Brown, S. J. and Warner, J. B. (1980, 1985). Patell, J. M. (1976). Boehmer, E.,
    Musumeci, J. and Poulsen, A. B. (1991). Lamb, R. P. (1995). Rudnytskyi, I. estudy2
    0.10.0, ``R/parametric_tests.R``.
    """
    ar_est = np.asarray(ar_est, float)
    ar_evt = np.asarray(ar_evt, float)
    m_ols = np.asarray(m_ols, float)
    n_sec = ar_evt.shape[1]
    s_i = np.nanstd(ar_est, axis=0, ddof=1)
    a_est = _nanmean_rows(ar_est)
    a_est = a_est[~np.isnan(a_est)]
    sd_a = float(np.std(a_est, ddof=1))
    mbar = float(np.mean(m_ols))
    _, c_mkt = _market_terms(np.asarray(rm_est, float), np.asarray(rm_evt, float))

    n_t = np.sum(~np.isnan(ar_evt), axis=1).astype(float)
    aar = _nanmean_rows(ar_evt)
    out: dict[str, Array] = {"mean": aar, "n": n_t}

    bw80 = aar / (np.sqrt(np.sum(s_i**2)) / n_sec)
    out.update(_pack("bw_1980", bw80, _p_t(bw80, mbar - 1), np.full_like(aar, mbar - 1)))
    bw85 = aar / sd_a
    out.update(_pack("bw_1985", bw85, _p_t(bw85, mbar - 1), np.full_like(aar, mbar - 1)))
    sd_cs = _nanstd_rows(ar_evt)
    tt = aar / sd_cs * np.sqrt(n_t)
    out.update(_pack("t_test", tt, _p_t(tt, n_t - 1), n_t - 1))
    sar = ar_evt / (s_i * np.sqrt(1.0 + 1.0 / m_ols + c_mkt))
    pt = _nanmean_rows(sar) * n_sec / np.sqrt(np.sum((m_ols - 2) / (m_ols - 4)))
    out.update(_pack("pt", pt, _p_normal(pt), np.full_like(aar, np.inf)))
    bh = _nanmean_rows(sar) / _nanstd_rows(sar) * np.sqrt(n_t)
    out.update(_pack("bh", bh, _p_t(bh, n_t - 1), n_t - 1))
    lamb_c = 1.0 + 1.0 / mbar + _nanmean_rows(c_mkt)
    lmb = aar / (sd_a * np.sqrt(lamb_c))
    out.update(_pack("lmb", lmb, _p_normal(lmb), np.full_like(aar, np.inf)))
    return out


def _nanstd_rows(x: Array) -> Array:
    out = np.full(x.shape[0], np.nan)
    for r in range(x.shape[0]):
        v = x[r][~np.isnan(x[r])]
        if v.size > 1:
            out[r] = np.std(v, ddof=1)
    return out


def _pack(name: str, stat: Array, p: Array, df: Array) -> dict[str, Array]:
    return {f"{name}_stat": stat, f"{name}_p": p, f"{name}_df": df}


def _full_sample(ar_est: Array, ar_evt: Array) -> tuple[Array, Array, Array, float, Array]:
    """Stack estimation and event rows; return full, ranks K, L_i, Lbar, n_t."""
    full = np.vstack([ar_est, ar_evt])
    ranks = np.full(full.shape, np.nan)
    for j in range(full.shape[1]):
        ok = ~np.isnan(full[:, j])
        ranks[ok, j] = sps.rankdata(full[ok, j])
    length = np.sum(~np.isnan(full), axis=0).astype(float)
    n_full = np.sum(~np.isnan(full), axis=1).astype(float)
    return full, ranks, length, float(np.mean(length)), n_full


def nonparametric_tests(ar_est: Array, ar_evt: Array) -> dict[str, Array]:
    """Daily nonparametric tests of estudy2: sign, generalized sign, Corrado sign, rank,
    modified rank (Corrado-Zivney) and Wilcoxon signed rank.

    Parameters
    ----------
    ar_est, ar_evt
        Estimation-window (``M x N``) and event-window (``T x N``) abnormal returns.

    Returns
    -------
    dict
        Arrays of length ``T`` named ``<test>_stat`` and ``<test>_p`` for ``sign``,
        ``gsign``, ``csign``, ``rank``, ``mrank`` (normal reference), ``wlcx_stat`` (the
        statistic ``W+``) and ``wlcx_signif`` (stars), plus ``n``.

    Notes
    -----
    The *full sample* of a security is its estimation plus event rows; ``L_i`` counts its
    non-missing ARs, ``Lbar`` is their mean and ``n_t`` the number of securities present
    on full-sample row ``t``. Sums over securities are ``rowMeans(., na.rm) * N``.

    * sign: ``(n+_t - N_t/2) / sqrt(N_t/4)``.
    * gsign: ``(n+_t - N_t p) / sqrt(N_t p (1 - p))``, ``p`` = share of positive ARs
      pooled over all estimation security-days.
    * csign: ``G = sign(AR - median_i)``, ``S_t = sum G``,
      ``sd = sqrt(sum_t (S_t/sqrt(n_t))^2 / Lbar)``, stat ``S_t / (sqrt(N_t) sd)``.
    * rank: ``K`` = rank in the full sample (ties averaged), ``D_t = sum (K - (L_i+1)/2)``,
      ``sd = sqrt(sum_t (D_t/n_t)^2 / Lbar)``, stat ``D_t / (N_t sd)``.
    * mrank: ``U = K / (L_i + 1)``, ``D_t = sum (U - 1/2)``,
      ``sd = sqrt(sum_t (D_t/sqrt(n_t))^2 / Lbar)``, stat ``D_t / (sqrt(N_t) sd)``.
    * wlcx: the cross-sectional ranks ``R_it`` of ``|AR_it|`` over the ``n'_t``
      securities with a non-missing, non-zero AR on day ``t`` (ties averaged; zeros and
      missing values dropped), ``W+_t = mean_i(R_it 1[AR_it > 0]) * N``, the mean taken
      over those ``n'_t`` securities: the plain sum of positive ranks times ``N / n'_t``.
      NaN when ``n'_t = 0``. Stars when ``W+ >= qsignrank(1 - a, n'_t)`` or
      ``W+ <= n'_t(n'_t+1)/2 - qsignrank(1 - a/2, n'_t)``.

    References
    ----------
    Cowan, A. R. (1992). Corrado, C. J. (1989). Corrado, C. J. and Zivney, T. L. (1992).
    Wilcoxon, F. (1945). Rudnytskyi, I. estudy2 0.10.0, ``R/nonparametric_tests.R``.
    """
    ar_est = np.asarray(ar_est, float)
    ar_evt = np.asarray(ar_evt, float)
    n_sec = ar_evt.shape[1]
    n_evt = ar_evt.shape[0]
    n_t = np.sum(~np.isnan(ar_evt), axis=1).astype(float)
    out: dict[str, Array] = {"n": n_t}

    pos = np.where(np.isnan(ar_evt), np.nan, (ar_evt > 0).astype(float))
    n_plus = _nanmean_rows(pos) * n_sec
    sign = (n_plus - 0.5 * n_t) / np.sqrt(0.25 * n_t)
    out.update({"sign_stat": sign, "sign_p": _p_normal(sign)})
    est_ok = ~np.isnan(ar_est)
    p_hat = float(np.sum(ar_est[est_ok] > 0) / np.sum(est_ok))
    gsign = (n_plus - n_t * p_hat) / np.sqrt(n_t * p_hat * (1 - p_hat))
    out.update(
        {"gsign_stat": gsign, "gsign_p": _p_normal(gsign), "gsign_p_hat": np.full(n_evt, p_hat)}
    )

    full, ranks, length, lbar, n_full = _full_sample(ar_est, ar_evt)
    med = np.nanmedian(full, axis=0)
    g = np.sign(full - med)
    s_full = _nanmean_rows(g) * n_sec
    sd = np.sqrt(np.nansum((s_full / np.sqrt(n_full)) ** 2) / lbar)
    csign = s_full[-n_evt:] / (np.sqrt(n_t) * sd)
    out.update({"csign_stat": csign, "csign_p": _p_normal(csign)})

    d_full = _nanmean_rows(ranks - (length + 1) / 2) * n_sec
    sd = np.sqrt(np.nansum((d_full / n_full) ** 2) / lbar)
    rank = d_full[-n_evt:] / (n_t * sd)
    out.update({"rank_stat": rank, "rank_p": _p_normal(rank)})

    d_full = _nanmean_rows(ranks / (length + 1) - 0.5) * n_sec
    sd = np.sqrt(np.nansum((d_full / np.sqrt(n_full)) ** 2) / lbar)
    mrank = d_full[-n_evt:] / (np.sqrt(n_t) * sd)
    out.update({"mrank_stat": mrank, "mrank_p": _p_normal(mrank)})

    w = np.full(n_evt, np.nan)
    stars = []
    for r in range(n_evt):
        v = ar_evt[r][~np.isnan(ar_evt[r])]
        v = v[v != 0]
        if v.size == 0:
            stars.append("")
            continue
        rk = sps.rankdata(np.abs(v))
        # estudy2's "sum" rowMeans(ranks, na.rm) * N: the mean over the v.size ranked
        # securities (negative ARs count as 0), scaled to all N securities.
        w[r] = float(np.sum(rk[v > 0])) * n_sec / v.size
        stars.append(_wilcoxon_stars(w[r], v.size))
    out.update({"wlcx_stat": w, "wlcx_signif": np.array(stars, dtype=object)})
    return out


def _wilcoxon_stars(w: float, n: int) -> str:
    if n == 0:
        return ""
    top = n * (n + 1) / 2
    for alpha, mark in ((0.01, "***"), (0.05, "**"), (0.10, "*")):
        if w >= qsignrank(1 - alpha, n) or w <= top - qsignrank(1 - alpha / 2, n):
            return mark
    return ""


def car_tests(
    ar_est: Array,
    ar_evt: Array,
    rm_est: Array,
    rm_evt: Array,
    m_ols: Array,
    *,
    days: Sequence[int] | np.ndarray | None = None,
    percentage: float = 90.0,
) -> dict[str, dict[str, float]]:
    """Multi-day (CAR) tests of estudy2: Brown-Warner 1985, Lamb and Corrado rank.

    Parameters
    ----------
    ar_est, ar_evt, rm_est, rm_evt, m_ols
        As in :func:`parametric_tests`; ``ar_evt`` holds the event window.
    days
        Positions (rows of ``ar_evt``) of the CAR window; default all rows. Rows of
        ``ar_evt`` outside ``days`` are ignored entirely.
    percentage
        A day of the CAR window enters the tests only if more than ``percentage`` percent
        of the ``N`` securities (columns) have an abnormal return on it (estudy2's
        ``percentage``, default 90).

    Returns
    -------
    dict
        ``{"car_brown_warner_1985": {...}, "car_lamb": {...}, "car_rank_test": {...}}``,
        each with ``car_mean``, ``statistic``, ``p_value`` (normal), ``number_of_days``
        (the days kept) and ``average_percentage`` (their mean coverage, in percent).
        The statistics are NaN when no day is kept.

    Notes
    -----
    Coverage of day ``t`` is ``100 N_t / N``; the ``T`` kept days are those with
    coverage ``> percentage``, for all three tests (a day on which no security has a
    return is never kept).

    * BW85 and Lamb: ``sum_t BW85_t / sqrt(T)`` and ``sum_t Lamb_t / sqrt(T)`` over the
      kept days, with the daily statistics of :func:`parametric_tests`. Their
      ``car_mean`` is the **mean** daily AAR over the kept days (estudy2's convention).
    * Rank: the full sample of security ``i`` is its estimation rows plus **every** row of
      this CAR window (kept or not; no other window), ``K_it`` its ranks there (ties
      averaged), ``L_i`` its number of non-missing ARs, ``Lbar = mean_i L_i`` and
      ``Kbar = mean_i (L_i + 1)/2`` (over the securities with ``L_i > 0``). The statistic
      is ``sqrt(T) (Kbar_evt - Kbar) / sqrt(sum_t (mean_i K_it - Kbar)^2 / Lbar)``, where
      ``Kbar_evt`` is the mean of all ranks on the kept days and the sum runs over every
      full-sample row (``mean_i`` over the securities present on row ``t``).

    References
    ----------
    Brown, S. J. and Warner, J. B. (1985). Lamb, R. P. (1995). Corrado, C. J. (1989).
    Cowan, A. R. (1992). Rudnytskyi, I. estudy2 0.10.0, ``R/car_parametric_tests.R`` and
    ``R/car_nonparametric_tests.R``.
    """
    ar_est = np.asarray(ar_est, float)
    ar_evt = np.asarray(ar_evt, float)
    rows = np.arange(ar_evt.shape[0]) if days is None else np.asarray(days, int)
    # Only this CAR's window: the rank test's full sample must not see other windows.
    car = ar_evt[rows]
    rm_car = np.asarray(rm_evt, float)[rows]
    cover = 100.0 * np.sum(~np.isnan(car), axis=1) / car.shape[1]
    keep = cover > percentage  # implies at least one security present
    n_days = int(keep.sum())
    avg_pct = float(np.mean(cover[keep])) if n_days else float("nan")

    par = parametric_tests(ar_est, car, np.asarray(rm_est, float), rm_car, m_ols)
    car_mean = float(np.mean(par["mean"][keep])) if n_days else float("nan")
    out: dict[str, dict[str, float]] = {}
    for key, name in (("bw_1985", "car_brown_warner_1985"), ("lmb", "car_lamb")):
        stat = _sum_over_sqrt(par[f"{key}_stat"][keep])
        out[name] = _car_result(car_mean, stat, n_days, avg_pct)

    _, ranks, length, lbar, _ = _full_sample(ar_est, car)
    kept_ranks = ranks[ar_est.shape[0] :][keep]
    stat = float("nan")
    if n_days:  # then some security has L_i > 0
        kbar = float(np.mean((length[length > 0] + 1) / 2))
        num = float(np.nanmean(kept_ranks)) - kbar
        den = np.sqrt(np.nansum((_nanmean_rows(ranks) - kbar) ** 2) / lbar)
        stat = float(np.sqrt(n_days) * num / den)
    out["car_rank_test"] = _car_result(float("nan"), stat, n_days, avg_pct)
    return out


def _sum_over_sqrt(x: Array) -> float:
    """``sum(x, na.rm) / sqrt(len(x))``; NaN for an empty ``x``."""
    return float(np.nansum(x) / np.sqrt(x.size)) if x.size else float("nan")


def _car_result(car_mean: float, stat: float, n_days: int, avg_pct: float) -> dict[str, float]:
    p = float(_p_normal(np.array(stat))) if np.isfinite(stat) else float("nan")
    return {
        "car_mean": car_mean,
        "statistic": stat,
        "p_value": p,
        "number_of_days": float(n_days),
        "average_percentage": avg_pct,
    }
