"""The vectorised event-study engine: every event at once, arrays in and arrays out.

:func:`estimate` fits every event's normal-return model and computes every window's CAR,
its prediction-error variance, t, BHAR and GHK counts (kernels in
:mod:`riskkit.events._kernels`); :func:`textbook_tests` runs the textbook grouped tests
for many groupings at once. No pandas here
beyond the test table it returns; :mod:`riskkit.events.study` does the labels.

Cost is linear in the number of events, except Kolari-Pynnönen, which visits only the
pairs of events whose windows share a session (sorted sweep), each in ``O(E)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from riskkit._errors import DataError
from riskkit.events import _kernels as K
from riskkit.events import stats
from riskkit.events._extra_tests import NEW_TESTS, extra_rows
from riskkit.events._grouptests import TEST_COLUMNS, _row

__all__ = [
    "ALL_TESTS",
    "MODEL_CODE",
    "Estimates",
    "Grouping",
    "WindowResult",
    "cut_mask",
    "estimate",
    "panel_arrays",
    "resolve_tests",
    "textbook_tests",
]

TESTS = (
    "cross_sectional_t",
    "patell_z",
    "bmp",
    "kolari_pynnonen",
    "rank_cz",
    "generalized_sign",
)
#: Every grouped test ``event_study(tests=...)`` can run: the textbook six, then issue 10's.
ALL_TESTS = TESTS + NEW_TESTS


def resolve_tests(tests: str | Sequence[str] | None) -> tuple[str, ...]:
    """``None``: the textbook six (:data:`TESTS`); ``"all"``: :data:`ALL_TESTS`; a name or
    a list of names: those, in :data:`ALL_TESTS` order. Unknown names raise DataError."""
    if tests is None:
        return TESTS
    if isinstance(tests, str):
        tests = ALL_TESTS if tests == "all" else (tests,)
    names = [str(t) for t in tests]
    bad = [t for t in names if t not in ALL_TESTS]
    if bad or not names:
        raise DataError(
            f"tests={list(names)!r}: unknown test(s) {bad or 'none given'}; use None (the "
            f"textbook six), 'all', or names from {list(ALL_TESTS)}."
        )
    return tuple(t for t in ALL_TESTS if t in names)


@dataclass(frozen=True)
class WindowResult:
    """One window, every event: ``b_used`` (widened end), CAR, variance, t, p, BHAR, GHK."""

    a: int
    b: int
    b_used: np.ndarray
    car: np.ndarray
    var: np.ndarray
    t: np.ndarray
    p: np.ndarray
    df: np.ndarray
    bhar: np.ndarray
    ghk_p: np.ndarray
    length: np.ndarray

    @property
    def take(self) -> np.ndarray:
        """Events tested in this window: a finite CAR of at least one day."""
        return np.isfinite(self.car) & (self.length > 0)


@dataclass(frozen=True)
class Estimates:
    """Every event's fit and window statistics (rows = the events passed to estimate)."""

    status: np.ndarray  # 0 fitted, 1 too few obs, 2 zero variance, 3 singular, -1 not tried
    params: np.ndarray
    xtx_inv: np.ndarray
    sigma2: np.ndarray
    nobs: np.ndarray
    df: np.ndarray
    resid: np.ndarray  # N x E estimation residuals by slot (NaN off the sample)
    first: np.ndarray  # first / last slot not cut out
    last: np.ndarray
    base: np.ndarray  # grid row of slot 0
    p0: np.ndarray
    taus: np.ndarray  # a_min..b_all
    ret: np.ndarray  # N x len(taus)
    expected: np.ndarray
    ar: np.ndarray
    windows: tuple[WindowResult, ...]
    n_rows: int  # sessions in the grid
    row0: int  # tau of estimation slot 0: -(gap + estimation)
    firm: np.ndarray  # the inputs the pair correlations read again
    y: np.ndarray
    ok: np.ndarray
    z: np.ndarray  # regressors of the model (T x kz) and each event's coefficients on them
    theta: np.ndarray

    @property
    def fitted(self) -> np.ndarray:
        return self.status == 0


#: Kernel model code of each normal-return model name.
MODEL_CODE = {
    "constant": K.MODEL_CONSTANT,
    "market_adjusted": K.MODEL_ADJUSTED,
    "market": K.MODEL_OLS,
    "market_btc": K.MODEL_OLS,
    "factors": K.MODEL_OLS,
}


def panel_arrays(
    returns: pd.DataFrame, factors: pd.DataFrame | None, fcols: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``y`` (T x F returns), ``x`` (T x q model factors on the returns' dates) and
    ``complete`` (T x F: the return and every factor present), C-contiguous floats."""
    y = np.ascontiguousarray(returns.to_numpy(dtype=float))
    if fcols and factors is not None:
        x = np.ascontiguousarray(factors[list(fcols)].reindex(returns.index).to_numpy(float))
    else:
        x = np.zeros((len(returns), 0))
    complete = np.isfinite(y) & np.isfinite(x).all(axis=1)[:, None]
    return y, x, complete


def cut_mask(
    firm: np.ndarray,
    p0: np.ndarray,
    widened: np.ndarray,
    n_rows: int,
    n_firms: int,
    a_min: int,
    b_max: int,
) -> np.ndarray:
    """``T x F``: True on every session inside a same-firm event window ``[a_min, b_max]``
    (one session longer for an unknown-timing event), for ``overlap="exclude"``."""
    ok = p0 >= 0
    start = np.clip(p0[ok] + a_min, 0, n_rows)
    stop = np.clip(p0[ok] + b_max + widened[ok].astype(np.int64) + 1, 0, n_rows)
    diff = np.zeros((n_rows + 1, n_firms), dtype=np.int64)
    np.add.at(diff, (start, firm[ok]), 1)
    np.add.at(diff, (stop, firm[ok]), -1)
    return np.cumsum(diff[:-1], axis=0) > 0


def estimate(
    y: np.ndarray,
    x: np.ndarray,
    ok: np.ndarray,
    cut: np.ndarray,
    firm: np.ndarray,
    p0: np.ndarray,
    valid: np.ndarray,
    widened: np.ndarray,
    *,
    model: int,
    estimation: int,
    gap: int,
    min_obs: int,
    windows: Sequence[tuple[int, int]],
    plant: float = 0.0,
    widen_any: bool | None = None,
) -> Estimates:
    """Fit every event and compute every window (see the module docstring).

    ``plant`` is added to each event's own day-0 return (placebo studies: an abnormal
    return of known size). Only the event's own window sees it, as when it is added to
    the returns and no other same-firm event's estimation window contains that day.
    ``widen_any``: whether the event-time columns reach one session past the last window
    (a widened event anywhere in the study); None reads it from ``widened``. A batch of a
    larger study passes the study's value, so that every batch has the study's columns.
    """
    params, xtx_inv, sigma2, nobs, status, resid, first, last = K.fit_events(
        y, x, ok, cut, firm, p0, valid, estimation, gap, min_obs, model
    )
    k = 0 if model == K.MODEL_ADJUSTED else (1 if model == K.MODEL_CONSTANT else 1 + x.shape[1])
    # residual = y - z theta, for the Kolari-Pynnonen running sums
    if model == K.MODEL_ADJUSTED:
        z, theta = x[:, :1], np.ones((firm.size, 1))
    elif model == K.MODEL_CONSTANT:
        z, theta = np.ones((y.shape[0], 1)), params[:, :1]
    else:
        z, theta = np.column_stack([np.ones(y.shape[0]), x]), params[:, :k]
    df = (nobs - k).astype(float)
    fitted = status == 0
    a_min = min(a for a, _ in windows)
    b_all = max(b for _, b in windows) + int(widened.any() if widen_any is None else widen_any)
    ret, exp, ar = K.event_window(y, x, firm, p0, fitted, params, a_min, b_all, model)
    if plant != 0.0 and a_min <= 0 <= b_all:
        ret[:, -a_min] += plant
        ar[:, -a_min] += plant
    out = []
    for a, b in windows:
        b_used = np.full(firm.size, b, dtype=np.int64)
        if a <= 0 <= b:
            b_used = b_used + widened.astype(np.int64)
        car, var, bhar, length, lo, hi, nb = K.window_stats(
            ret, exp, x, p0, fitted, xtx_inv, sigma2, resid, a_min, a, b_used, model
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(np.isfinite(var) & (var > 0), car / np.sqrt(var), np.nan)
            p = 2.0 * special.stdtr(df, -np.abs(t))
            ghk = np.minimum(1.0, 2.0 * np.minimum(lo + 1, hi + 1) / (nb + 1.0))
        ghk = np.where((nb > 0) & np.isfinite(car), ghk, np.nan)
        out.append(
            WindowResult(
                a,
                b,
                b_used,
                car,
                var,
                t,
                np.where(np.isfinite(t), p, np.nan),
                np.where(np.isfinite(t), df, np.nan),
                bhar,
                ghk,
                length,
            )
        )
    return Estimates(
        status=status,
        params=params[:, :k] if k else params[:, :0],
        xtx_inv=xtx_inv,
        sigma2=sigma2,
        nobs=nobs,
        df=df,
        resid=resid,
        first=first,
        last=last,
        base=p0 - gap - estimation,
        p0=p0,
        taus=np.arange(a_min, b_all + 1),
        ret=ret,
        expected=exp,
        ar=ar,
        windows=tuple(out),
        n_rows=y.shape[0],
        row0=-(gap + estimation),
        firm=firm,
        y=y,
        ok=ok,
        z=np.ascontiguousarray(z),
        theta=np.ascontiguousarray(theta),
    )


@dataclass(frozen=True)
class Grouping:
    """Events grouped by one key: ``codes[i]`` in ``0..len(labels)-1`` (``-1``: none)."""

    name: str
    labels: tuple[str, ...]
    codes: np.ndarray


#: How Kolari-Pynnonen pair sums are formed by default ("auto", "direct", "prefix").
KP_PATH = "auto"
_CHUNKS = 16  # work units of the pair sweeps (prange)
#: Above this many firms the F x F pair counts are not kept: every pair is direct.
_MAX_FIRMS_PREFIX = 1000


def _kp_running_sums(est: Estimates, ulo, uhi, order, path: str):
    """Firm pairs whose event pairs are many enough that running sums are cheaper."""
    n_f = est.y.shape[1]
    kz = est.z.shape[1]
    none = np.full((max(n_f, 1), max(n_f, 1)), -1, dtype=np.int64), np.zeros((0, 1, 1))
    if path == "direct" or n_f > _MAX_FIRMS_PREFIX:
        return none
    counts = K.kp_pair_counts(ulo, uhi, order, est.firm, n_f, _CHUNKS)
    n_terms = 6 + 3 * kz + kz * kz
    # a pair costs ~E steps direct; a firm pair's running sums ~T x terms
    cheaper = counts * est.resid.shape[1] > est.n_rows * n_terms
    pick = counts > 0 if path == "prefix" else cheaper
    if not pick.any():
        return none
    fa, fb = np.nonzero(pick)
    slot = none[0]
    slot[fa, fb] = np.arange(fa.size)
    pref = K.kp_prefix(est.y, est.z, est.ok, np.column_stack([fa, fb]).astype(np.int64))
    return slot, pref


def _span(est: Estimates, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last grid row of each event's window ``[a, b]`` (``lo > hi``: none)."""
    lo = est.p0 + a
    hi = np.minimum(est.p0 + b, est.n_rows - 1)
    none = ~est.fitted | (lo > est.n_rows - 1) | (est.p0 < 0)
    return np.where(none, 1, lo), np.where(none, 0, hi)


def textbook_tests(
    est: Estimates,
    widened: np.ndarray,
    groupings: Sequence[Grouping],
    *,
    placebo: int = 0,
    seed: int = 0,
    tests: Sequence[str] = TESTS,
    kp_path: str | None = None,
    n_boot: int = 999,
    boot_weights: str = "rademacher",
) -> pd.DataFrame:
    """The textbook grouped tests of every group of every grouping, for every window.

    Rows come in the order: grouping, group label, window, test (then ``placebo``); rows
    with a non-finite statistic are dropped. ``estimate`` is the CAAR (mean CAR) of the
    group's events with a finite CAR. Tests (the functions of :mod:`riskkit.events.stats`):
    cross-sectional t, Patell Z, BMP, Kolari-Pynnönen (``rbar`` = the sum of the residual
    correlations of the pairs whose windows share a session, over all ``N (N - 1) / 2``
    pairs), Corrado-Zivney rank (over each event's estimation residuals and this window's
    ARs; one day longer when every event of the group has unknown timing), Cowan's
    generalized sign and, with ``placebo > 0``, a placebo p-value of the CAAR from random
    same-length windows of the events' own estimation residuals.

    ``kp_path``: how each pair's correlation sums are formed, ``"direct"`` (from the
    residuals, ``O(E)`` a pair), ``"prefix"`` (from running sums per pair of firms,
    ``O(k^2)`` a pair) or ``"auto"`` (running sums for the firm pairs where they are
    cheaper; the default, :data:`KP_PATH`). The two agree to rounding (tested).

    The tests of :data:`riskkit.events._extra_tests.NEW_TESTS` (GRANK, GARCH-standardized,
    wild bootstrap with ``n_boot`` draws of ``boot_weights``, seeded by ``seed``) follow
    each group's textbook rows when named in ``tests``.
    """
    n_ev = est.status.size
    offsets = np.cumsum([0] + [len(g.labels) for g in groupings])
    n_groups = int(offsets[-1])
    gid = np.full((n_ev, len(groupings)), -1, dtype=np.int64)
    for c, g in enumerate(groupings):
        gid[:, c] = np.where(g.codes >= 0, g.codes + offsets[c], -1)
    fitted = est.fitted
    pos = est.resid > 0
    fin = np.isfinite(est.resid)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac_pos = pos.sum(axis=1) / fin.sum(axis=1)
    row0 = est.row0
    n_rows = int(est.taus[-1] - row0 + 1)
    wins = est.windows
    # Kolari-Pynnonen pair sums, all windows and groups in one sweep
    need_kp = "kolari_pynnonen" in tests or "bootstrap_kp" in tests
    kp_sum = np.zeros((len(wins), n_groups))
    if need_kp and n_ev:
        a_u = min(w.a for w in wins)
        b_u = max(w.b for w in wins)
        ulo, uhi = _span(est, a_u, b_u)
        spans = [_span(est, w.a, w.b) for w in wins]
        lo = np.ascontiguousarray(np.vstack([s[0] for s in spans]))
        hi = np.ascontiguousarray(np.vstack([s[1] for s in spans]))
        take = np.ascontiguousarray(np.vstack([w.take & fitted for w in wins]))
        order = np.argsort(ulo, kind="stable")
        slot, pref = _kp_running_sums(est, ulo, uhi, order, kp_path or KP_PATH)
        kp_sum = K.kp_pair_sums(
            est.resid,
            est.base,
            ulo,
            uhi,
            order,
            lo,
            hi,
            take,
            gid,
            n_groups,
            30.0,
            _CHUNKS,
            est.firm,
            slot,
            pref,
            est.theta,
            est.n_rows,
        )
    sorted_idx = [np.argsort(g.codes, kind="stable") for g in groupings]
    sorted_resid = np.sort(est.resid, axis=1) if "rank_cz" in tests else est.resid
    per_group: dict[tuple[int, int, int], list[dict]] = {}
    members_of: dict[tuple[int, int, int], np.ndarray] = {}
    for w_i, w in enumerate(wins):
        take = w.take & fitted
        scars = w.car / np.sqrt(w.var)
        # rank test sums: each group's window ends one day later when all its events
        # have unknown timing (their CARs are widened)
        all_wide = np.ones(n_groups, dtype=bool)
        for c in range(len(groupings)):
            g_ok = gid[:, c] >= 0
            narrow = take & g_ok & ~widened
            all_wide[np.unique(gid[narrow, c])] = False
        has = np.zeros(n_groups, dtype=bool)
        for c in range(len(groupings)):
            has[np.unique(gid[take & (gid[:, c] >= 0), c])] = True
        all_wide &= has
        widen = w.a <= 0 <= w.b
        rank = {}
        if "rank_cz" in tests:
            variants = [(False, w.b)] + ([(True, w.b + 1)] if widen and all_wide.any() else [])
            for wide, b_rank in variants:
                sel = all_wide if wide else ~all_wide
                g2 = np.where(sel[np.maximum(gid, 0)] & (gid >= 0), gid, -1)
                b_ev = np.full(n_ev, b_rank, dtype=np.int64)
                sums, cnts = K.rank_sums(
                    est.resid,
                    sorted_resid,
                    est.ar,
                    int(est.taus[0]),
                    w.a,
                    b_ev,
                    take,
                    g2,
                    n_groups,
                    n_rows,
                    row0,
                    _CHUNKS,
                )
                rank[wide] = (sums, cnts, b_rank)
        for c, grp in enumerate(groupings):
            idx = sorted_idx[c]
            codes = grp.codes[idx]
            keep = take[idx] & (codes >= 0)
            idx, codes = idx[keep], codes[keep]
            bounds = np.searchsorted(codes, np.arange(len(grp.labels) + 1))
            for g_code, label in enumerate(grp.labels):
                members = idx[bounds[g_code] : bounds[g_code + 1]]
                if members.size == 0:
                    continue
                per_group[(c, g_code, w_i)] = _group_rows(
                    grp.name,
                    label,
                    (w.a, w.b),
                    w,
                    members,
                    scars,
                    est,
                    frac_pos,
                    kp_sum[w_i, offsets[c] + g_code],
                    rank,
                    all_wide[offsets[c] + g_code],
                    offsets[c] + g_code,
                    row0,
                    tests,
                )
                members_of[(c, g_code, w_i)] = members
    keys = sorted(per_group)  # grouping, label, window: the order of the table
    extra = extra_rows(est, groupings, members_of, kp_sum, offsets, tests, n_boot=n_boot,
                       weights=boot_weights, seed=seed)  # fmt: skip
    for key, rows in extra.items():
        per_group[key].extend(rows)
    if placebo > 0:  # one generator, drawn in table order (reproducible with seed)
        rng = np.random.default_rng(seed)
        for key in keys:
            c, g_code, w_i = key
            w = wins[w_i]
            per_group[key].append(
                _placebo_row(
                    groupings[c].name,
                    groupings[c].labels[g_code],
                    (w.a, w.b),
                    w,
                    members_of[key],
                    est,
                    placebo,
                    rng,
                )
            )
    out = [r for key in keys for r in per_group[key]]
    df = pd.DataFrame(out, columns=TEST_COLUMNS)
    return df[np.isfinite(df["statistic"].astype(float))].reset_index(drop=True)


def _group_rows(
    gb, g, win, w, members, scars, est, frac_pos, kp_sum, rank, wide, gidx, row0, tests
) -> list[dict]:
    cars = w.car[members]
    sc = scars[members]
    dfs = est.df[members]
    n = members.size
    caar = float(cars.mean())
    out = []
    if "cross_sectional_t" in tests:
        out.append(_row(gb, g, win, "cross_sectional_t", caar, stats.cross_sectional_t(cars), n))
    if "patell_z" in tests:
        out.append(_row(gb, g, win, "patell_z", caar, stats.patell_z(sc, dfs), n))
    if "bmp" in tests:
        out.append(_row(gb, g, win, "bmp", caar, stats.bmp_t(sc), n))
    if "kolari_pynnonen" in tests:
        rbar = float(kp_sum) / (n * (n - 1) / 2.0) if n >= 2 else 0.0
        out.append(_row(gb, g, win, "kolari_pynnonen", caar, stats.kolari_pynnonen(sc, rbar), n))
    if "rank_cz" in tests:
        sums, cnts, b_rank = rank[bool(wide)]
        out.append(
            _row(
                gb,
                g,
                win,
                "rank_cz",
                caar,
                stats.rank_test_from_sums(
                    sums[gidx], cnts[gidx], np.arange(win[0] - row0, b_rank - row0 + 1)
                ),
                n,
            )
        )
    if "generalized_sign" in tests:
        out.append(
            _row(
                gb,
                g,
                win,
                "generalized_sign",
                caar,
                stats.generalized_sign_from_fractions(cars, frac_pos[members]),
                n,
            )
        )
    return out


def _placebo_row(gb, g, win, w, members, est, n_draws, rng) -> dict:
    """Mean CAR over random same-length windows of each event's estimation residuals."""
    caar = float(w.car[members].mean())
    sums: list[np.ndarray] = []
    for i in members:
        length = int(w.length[i])
        blocks = np.convolve(est.resid[i], np.ones(length), mode="valid")
        blocks = blocks[np.isfinite(blocks)]
        if blocks.size == 0:
            sums = []
            break
        sums.append(rng.choice(blocks, size=n_draws, replace=True))
    draws = np.mean(np.vstack(sums), axis=0) if sums else np.array([])
    return _row(gb, g, win, "placebo", caar, stats.placebo_pvalue(caar, draws), members.size)
