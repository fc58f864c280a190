"""Numba kernels of the event-study engine: every event at once, on plain arrays.

Layout: ``T`` sessions (rows of the return grid), ``F`` firms, ``N`` events. ``y`` is
``T x F`` returns, ``x`` is ``T x q`` factor returns (the model's columns), ``ok`` is
``T x F`` (True where the firm's return and every factor are present and the date is not
cut out of the firm's estimation samples). Event ``i`` is firm ``firm[i]`` with day 0 on
row ``p0[i]``; its estimation slots ``s = 0..E-1`` are rows ``base[i] + s`` with
``base = p0 - gap - E`` (slots before row 0 are empty). Event-time columns ``tau =
a_min..b_all`` are rows ``p0 + tau``.

Models: ``MODEL_CONSTANT`` (``R = mu + e``), ``MODEL_ADJUSTED`` (``AR = R - x_0``, nothing
estimated) and ``MODEL_OLS`` (``R = a + x b + e``, ``k = 1 + q``). OLS is solved on
centred data (``b = S_xx^{-1} S_xy`` with centred cross-products, ``a = ybar - xbar b``),
which is better conditioned than the raw normal equations; ``(X'X)^{-1}`` follows from the
partitioned inverse. Everything is compiled once and cached on disk (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "MODEL_ADJUSTED",
    "MODEL_CONSTANT",
    "MODEL_OLS",
    "event_window",
    "fit_events",
    "kp_pair_counts",
    "kp_pair_sums",
    "kp_prefix",
    "rank_sums",
    "window_stats",
]

MODEL_CONSTANT = 0
MODEL_ADJUSTED = 1
MODEL_OLS = 2
#: A fit whose residual sd is at most this times the rms of its returns is degenerate.
ZERO_VARIANCE_RATIO = 1e-8


@njit(cache=True, parallel=True, error_model="numpy")
def fit_events(y, x, ok, cut, firm, p0, valid, n_est, gap, min_obs, model):
    """Fit every event's normal-return model on its estimation slots.

    Returns ``params (N x k), xtx_inv (N x k x k), sigma2, nobs, status, resid (N x E),
    first, last`` with ``status`` 0 = fitted, 1 = too few complete slots, 2 = degenerate
    (zero residual variance), 3 = singular factors, -1 = not attempted (``valid`` False).
    ``resid`` is NaN off the sample; ``first``/``last`` are the first and last slots not
    cut out (``cut``: same-firm event windows), whatever the data there.
    """
    n = firm.size
    q = x.shape[1]
    k = 0 if model == MODEL_ADJUSTED else (1 if model == MODEL_CONSTANT else 1 + q)
    kk = max(k, 1)
    params = np.full((n, kk), np.nan)
    xtx_inv = np.full((n, kk, kk), np.nan)
    sigma2 = np.full(n, np.nan)
    nobs = np.zeros(n, np.int64)
    status = np.full(n, -1, np.int64)
    resid = np.full((n, n_est), np.nan)
    first = np.full(n, -1, np.int64)
    last = np.full(n, -1, np.int64)
    t_rows = y.shape[0]
    for i in prange(n):
        if not valid[i]:
            continue
        f = firm[i]
        base = p0[i] - gap - n_est
        for s in range(n_est):
            t = base + s
            if t >= 0 and t < t_rows and not cut[t, f]:
                if first[i] < 0:
                    first[i] = s
                last[i] = s
        m = 0
        ybar = 0.0
        xbar = np.zeros(max(q, 1))
        for s in range(n_est):
            t = base + s
            if t >= 0 and t < t_rows and ok[t, f]:
                m += 1
                ybar += y[t, f]
                for c in range(q):
                    xbar[c] += x[t, c]
        nobs[i] = m
        if m < min_obs:
            status[i] = 1
            continue
        ybar /= m
        for c in range(q):
            xbar[c] /= m
        ss = 0.0  # sum of squared returns, for the degenerate-fit check
        if model == MODEL_ADJUSTED:
            for s in range(n_est):
                t = base + s
                if t >= 0 and t < t_rows and ok[t, f]:
                    e = y[t, f] - x[t, 0]
                    resid[i, s] = e
            dfr = m
        elif model == MODEL_CONSTANT:
            for s in range(n_est):
                t = base + s
                if t >= 0 and t < t_rows and ok[t, f]:
                    resid[i, s] = y[t, f] - ybar
            params[i, 0] = ybar
            xtx_inv[i, 0, 0] = 1.0 / m
            dfr = m - 1
        else:
            sxx = np.zeros((q, q))
            sxy = np.zeros(q)
            for s in range(n_est):
                t = base + s
                if t >= 0 and t < t_rows and ok[t, f]:
                    dy = y[t, f] - ybar
                    for c in range(q):
                        dc = x[t, c] - xbar[c]
                        sxy[c] += dc * dy
                        for d in range(c + 1):
                            sxx[c, d] += dc * (x[t, d] - xbar[d])
            for c in range(q):
                for d in range(c):
                    sxx[d, c] = sxx[c, d]
            diag = 1.0
            for c in range(q):
                diag *= sxx[c, c]
            if not (np.linalg.det(sxx) > 1e-12 * diag):  # a constant (or collinear) factor
                status[i] = 3
                continue
            sinv = np.linalg.inv(sxx)
            b = sinv @ sxy
            a = ybar
            for c in range(q):
                a -= xbar[c] * b[c]
            params[i, 0] = a
            for c in range(q):
                params[i, 1 + c] = b[c]
            # partitioned inverse of X'X with X = [1, x]
            w = sinv @ xbar[:q]
            xtx_inv[i, 0, 0] = 1.0 / m + xbar[:q] @ w
            for c in range(q):
                xtx_inv[i, 0, 1 + c] = -w[c]
                xtx_inv[i, 1 + c, 0] = -w[c]
                for d in range(q):
                    xtx_inv[i, 1 + c, 1 + d] = sinv[c, d]
            for s in range(n_est):
                t = base + s
                if t >= 0 and t < t_rows and ok[t, f]:
                    e = y[t, f] - a
                    for c in range(q):
                        e -= x[t, c] * b[c]
                    resid[i, s] = e
            dfr = m - k
        sse = 0.0
        for s in range(n_est):
            e = resid[i, s]
            if e == e:
                sse += e * e
                ss += y[base + s, f] ** 2
        s2 = sse / dfr if dfr > 0 else np.nan
        sigma2[i] = s2
        if not (s2 > (ZERO_VARIANCE_RATIO**2) * ss / m):
            status[i] = 2
            continue
        status[i] = 0
    return params, xtx_inv, sigma2, nobs, status, resid, first, last


@njit(cache=True, parallel=True, error_model="numpy")
def event_window(y, x, firm, p0, fitted, params, a_min, b_all, model):
    """Returns, expected returns and ARs on ``tau = a_min..b_all`` (NaN past the data)."""
    n = firm.size
    width = b_all - a_min + 1
    q = x.shape[1]
    t_rows = y.shape[0]
    ret = np.full((n, width), np.nan)
    exp = np.full((n, width), np.nan)
    for i in prange(n):
        if not fitted[i]:
            continue
        f = firm[i]
        for j in range(width):
            t = p0[i] + a_min + j
            if t < 0 or t >= t_rows:
                continue
            ret[i, j] = y[t, f]
            if model == MODEL_ADJUSTED:
                exp[i, j] = x[t, 0]
            elif model == MODEL_CONSTANT:
                exp[i, j] = params[i, 0]
            else:
                v = params[i, 0]
                for c in range(q):
                    v += x[t, c] * params[i, 1 + c]
                exp[i, j] = v
    return ret, exp, ret - exp


@njit(cache=True, parallel=True, error_model="numpy")
def window_stats(ret, exp, x, p0, fitted, xtx_inv, sigma2, resid, a_min, a, b_i, model):
    """Per event, over its window ``[a, b_i[i]]``: CAR, Var(CAR), BHAR and the GHK counts.

    ``Var(CAR) = sigma^2 (L + s' (X'X)^{-1} s)`` with ``s`` the column sums of the window's
    regressors (``sigma^2 L`` when nothing is estimated). GHK: the number of finite sums of
    ``L`` consecutive estimation slots (``n_blocks``) at most / at least the CAR.
    """
    n = p0.size
    q = x.shape[1]
    t_rows = x.shape[0]
    car = np.full(n, np.nan)
    var = np.full(n, np.nan)
    bhar = np.full(n, np.nan)
    length = np.zeros(n, np.int64)
    lo_cnt = np.zeros(n, np.int64)
    hi_cnt = np.zeros(n, np.int64)
    n_blocks = np.zeros(n, np.int64)
    n_est = resid.shape[1]
    for i in prange(n):
        if not fitted[i]:
            continue
        b = b_i[i]
        ln = b - a + 1
        length[i] = ln
        c_sum = 0.0
        g1 = 1.0
        g2 = 1.0
        finite = True
        s = np.zeros(q + 1)
        for tau in range(a, b + 1):
            j = tau - a_min
            v = ret[i, j] - exp[i, j]
            if v != v:
                finite = False
                break
            c_sum += v
            g1 *= 1.0 + ret[i, j]
            g2 *= 1.0 + exp[i, j]
            t = p0[i] + tau
            s[0] += 1.0
            if t < t_rows:
                for c in range(q):
                    s[1 + c] += x[t, c]
        if not finite:
            continue
        car[i] = c_sum
        bhar[i] = g1 - g2
        if model == MODEL_ADJUSTED:
            var[i] = sigma2[i] * ln
        elif model == MODEL_CONSTANT:
            var[i] = sigma2[i] * (ln + s[0] * xtx_inv[i, 0, 0] * s[0])
        else:
            quad = 0.0
            for c in range(q + 1):
                acc = 0.0
                for d in range(q + 1):
                    acc += xtx_inv[i, c, d] * s[d]
                quad += s[c] * acc
            var[i] = sigma2[i] * (ln + quad)
        lo = 0
        hi = 0
        nb = 0
        for start in range(n_est - ln + 1):
            tot = 0.0
            for u in range(ln):
                tot += resid[i, start + u]
            if tot == tot:
                nb += 1
                if tot <= c_sum:
                    lo += 1
                if tot >= c_sum:
                    hi += 1
        lo_cnt[i] = lo
        hi_cnt[i] = hi
        n_blocks[i] = nb
    return car, var, bhar, length, lo_cnt, hi_cnt, n_blocks


@njit(cache=True, error_model="numpy")
def _below(sv, m, v):
    """``(#{sv < v}, #{sv == v})`` in the sorted ``sv[:m]`` (binary search)."""
    lo, hi = 0, m
    while lo < hi:
        mid = (lo + hi) // 2
        if sv[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    left = lo
    hi = m
    while lo < hi:
        mid = (lo + hi) // 2
        if sv[mid] <= v:
            lo = mid + 1
        else:
            hi = mid
    return left, lo - left


@njit(cache=True, parallel=True, error_model="numpy")
def rank_sums(resid, sorted_resid, ar, a_min, a, b_ev, take, gid, n_groups, n_rows, row0, n_chunks):
    """Corrado-Zivney sums per group and event-time row for one window.

    For each event with ``take[i]``: ``U = rank / (L_i + 1)`` over its finite estimation
    residuals and its finite ARs of ``tau = a..b_ev[i]``, ranks averaged over ties
    (``rank = #{below} + (#{equal, itself included} + 1) / 2``; ``sorted_resid`` is each
    row of ``resid`` sorted, NaN last); adds ``U - 1/2`` and a count into ``(group, row)``
    for each of the event's groups ``gid[i, :]`` (``-1`` = none). Rows are ``tau - row0``:
    estimation slot ``s`` is ``tau = s + row0``. Returns ``sum_u (G x R)`` and ``count (G x
    R)``; events are split in ``n_chunks`` contiguous runs summed in order, so the sums do
    not depend on the thread count.
    """
    n, n_est = resid.shape
    sums = np.zeros((n_chunks, n_groups, n_rows))
    cnts = np.zeros((n_chunks, n_groups, n_rows))
    step = (n + n_chunks - 1) // n_chunks
    for ch in prange(n_chunks):
        win = np.empty(ar.shape[1])
        win_row = np.empty(ar.shape[1], np.int64)
        for i in range(ch * step, min(n, (ch + 1) * step)):
            if not take[i]:
                continue
            m = 0
            while m < n_est and sorted_resid[i, m] == sorted_resid[i, m]:
                m += 1
            n_win = 0
            for tau in range(a, b_ev[i] + 1):
                v = ar[i, tau - a_min]
                if v == v:
                    win[n_win] = v
                    win_row[n_win] = tau - row0
                    n_win += 1
            total = m + n_win
            if total == 0:
                continue
            denom = total + 1.0
            sv = sorted_resid[i]
            for k in range(n_est + n_win):
                if k < n_est:
                    v = resid[i, k]
                    if v != v:
                        continue
                    row = k
                else:
                    v = win[k - n_est]
                    row = win_row[k - n_est]
                less, eq = _below(sv, m, v)
                for u in range(n_win):
                    if win[u] < v:
                        less += 1
                    elif win[u] == v:
                        eq += 1
                u_val = (less + 0.5 * (eq + 1.0)) / denom - 0.5
                for g in range(gid.shape[1]):
                    grp = gid[i, g]
                    if grp >= 0:
                        sums[ch, grp, row] += u_val
                        cnts[ch, grp, row] += 1.0
    return sum_chunks(sums, cnts)


@njit(cache=True, error_model="numpy")
def sum_chunks(sums, cnts):
    """Add up the per-chunk partial sums and counts of a chunked prange (chunk 0 first,
    always in the same order, so the result does not depend on the threads)."""
    tot = sums[0].copy()
    tot_c = cnts[0].copy()
    for ch in range(1, sums.shape[0]):
        tot += sums[ch]
        tot_c += cnts[ch]
    return tot, tot_c


@njit(cache=True, parallel=True, error_model="numpy")
def kp_pair_counts(ulo, uhi, order, firm, n_firms, n_chunks):
    """Number of pairs of events whose union windows share a session, per pair of firms
    (``F x F``, counted at ``[min, max]``)."""
    n = order.size
    acc = np.zeros((n_chunks, n_firms, n_firms), np.int64)
    step = (n + n_chunks - 1) // n_chunks
    for ch in prange(n_chunks):
        for oi in range(ch * step, min(n, (ch + 1) * step)):
            i = order[oi]
            if ulo[i] > uhi[i]:
                continue
            for oj in range(oi + 1, n):
                j = order[oj]
                if ulo[j] > uhi[i]:
                    break
                if ulo[j] <= uhi[j]:
                    f, g = min(firm[i], firm[j]), max(firm[i], firm[j])
                    acc[ch, f, g] += 1
    return acc.sum(axis=0)


@njit(cache=True, error_model="numpy")
def _n_terms(kz):
    return 6 + 3 * kz + kz * kz


@njit(cache=True, parallel=True, error_model="numpy")
def kp_prefix(y, z, ok, pair_firms):
    """Running sums over the sessions where both firms of a pair have a sample day.

    For pair ``(a, b)`` and ``J_t = ok[t, a] & ok[t, b]``, ``P[., t + 1]`` holds the sums
    up to row ``t`` of ``J``, ``J y_a``, ``J y_b``, ``J y_a^2``, ``J y_b^2``, ``J y_a y_b``,
    then ``J z_c``, ``J z_c y_a``, ``J z_c y_b`` and ``J z_c z_d`` (``z``: the model's
    regressors, ``kz`` columns).
    """
    t_rows = y.shape[0]
    kz = z.shape[1]
    n_terms = _n_terms(kz)
    out = np.zeros((pair_firms.shape[0], t_rows + 1, n_terms))
    for p in prange(pair_firms.shape[0]):
        fa, fb = pair_firms[p, 0], pair_firms[p, 1]
        acc = np.zeros(n_terms)
        for t in range(t_rows):
            if ok[t, fa] and ok[t, fb]:
                ya, yb = y[t, fa], y[t, fb]
                acc[0] += 1.0
                acc[1] += ya
                acc[2] += yb
                acc[3] += ya * ya
                acc[4] += yb * yb
                acc[5] += ya * yb
                for c in range(kz):
                    zc = z[t, c]
                    acc[6 + c] += zc
                    acc[6 + kz + c] += zc * ya
                    acc[6 + 2 * kz + c] += zc * yb
                    for d in range(kz):
                        acc[6 + 3 * kz + c * kz + d] += zc * z[t, d]
            out[p, t + 1] = acc
    return out


@njit(cache=True, error_model="numpy")
def _corr_prefix(pref, slot, start, stop, swap, theta, i, j, kz):
    """Sums of two events' residuals ``e = y - z theta`` on common rows ``[start, stop)``
    from the running sums of their firm pair (``swap``: ``i`` is the pair's second firm):
    ``n, S_i, S_j, S_ii, S_jj, S_ij``. Plain indexing, no views (runs once per pair)."""
    ia, ib = (2, 1) if swap else (1, 2)
    ja, jb = (4, 3) if swap else (3, 4)
    n = pref[slot, stop, 0] - pref[slot, start, 0]
    si = pref[slot, stop, ia] - pref[slot, start, ia]
    sj = pref[slot, stop, ib] - pref[slot, start, ib]
    sii = pref[slot, stop, ja] - pref[slot, start, ja]
    sjj = pref[slot, stop, jb] - pref[slot, start, jb]
    sij = pref[slot, stop, 5] - pref[slot, start, 5]
    oza = 6 + kz + (kz if swap else 0)  # z y_i
    ozb = 6 + kz + (0 if swap else kz)  # z y_j
    ozz = 6 + 3 * kz
    for c in range(kz):
        ti = theta[i, c]
        tj = theta[j, c]
        zc = pref[slot, stop, 6 + c] - pref[slot, start, 6 + c]
        zyi = pref[slot, stop, oza + c] - pref[slot, start, oza + c]
        zyj = pref[slot, stop, ozb + c] - pref[slot, start, ozb + c]
        si -= ti * zc
        sj -= tj * zc
        sii -= 2.0 * ti * zyi
        sjj -= 2.0 * tj * zyj
        sij -= tj * zyi + ti * zyj
        for e in range(kz):
            k = ozz + c * kz + e
            zz = pref[slot, stop, k] - pref[slot, start, k]
            sii += ti * zz * theta[i, e]
            sjj += tj * zz * theta[j, e]
            sij += ti * zz * theta[j, e]
    return n, si, sj, sii, sjj, sij


@njit(cache=True, parallel=True, error_model="numpy")
def kp_pair_sums(
    resid,
    base,
    ulo,
    uhi,
    order,
    lo,
    hi,
    take,
    gid,
    n_groups,
    min_overlap,
    n_chunks,
    firm,
    slot,
    pref,
    theta,
    t_rows,
):
    """Kolari-Pynnönen: per window and group, the sum of residual correlations over the
    pairs of events whose event windows share a session.

    ``lo[w, i]``/``hi[w, i]``: first/last grid row of event ``i``'s window ``w`` (``lo >
    hi`` for none); ``ulo``/``uhi`` the same for the union of the windows, whose span
    contains every window's, and ``order`` sorts the events by ``ulo``. ``take[w, i]``:
    the event is tested in window ``w``. The correlation of a pair is Pearson's on the
    sessions where both have an estimation residual (``base`` = row of slot 0), ``0``
    with fewer than ``min_overlap`` such sessions or a zero variance: ``r = (n S_ij - S_i
    S_j) / sqrt((n S_ii - S_i^2)(n S_jj - S_j^2))``. The sums come from the residuals
    (``O(E)`` per pair) or, for a pair of firms with ``slot[f, g] >= 0`` (many pairs), from
    that firm pair's running sums ``pref`` and the events' coefficients ``theta``
    (``O(k^2)`` per pair; :func:`kp_prefix`). Returns ``W x G`` sums.
    """
    n_w = lo.shape[0]
    n = order.size
    n_est = resid.shape[1]
    kz = theta.shape[1]
    acc = np.zeros((n_chunks, n_w, n_groups))
    step = (n + n_chunks - 1) // n_chunks
    for ch in prange(n_chunks):
        for oi in range(ch * step, min(n, (ch + 1) * step)):
            i = order[oi]
            if ulo[i] > uhi[i]:
                continue
            for oj in range(oi + 1, n):
                j = order[oj]
                if ulo[j] > uhi[i]:
                    break
                if ulo[j] > uhi[j]:
                    continue
                any_take = False
                for w in range(n_w):
                    if take[w, i] and take[w, j]:
                        any_take = True
                if not any_take:
                    continue
                start = max(base[i], base[j])
                stop = min(base[i], base[j]) + n_est
                fi, fj = firm[i], firm[j]
                sl = slot[min(fi, fj), max(fi, fj)]
                if sl >= 0:
                    a0 = min(max(start, 0), t_rows)
                    b0 = min(max(stop, a0), t_rows)
                    cnt, sx, sy, sxx, syy, sxy = _corr_prefix(
                        pref, sl, a0, b0, fi > fj, theta, i, j, kz
                    )
                else:
                    cnt = 0.0
                    sx = 0.0
                    sy = 0.0
                    sxx = 0.0
                    syy = 0.0
                    sxy = 0.0
                    for t in range(start, stop):
                        ei = resid[i, t - base[i]]
                        ej = resid[j, t - base[j]]
                        if ei == ei and ej == ej:
                            cnt += 1.0
                            sx += ei
                            sy += ej
                            sxx += ei * ei
                            syy += ej * ej
                            sxy += ei * ej
                r = 0.0
                if cnt >= min_overlap:
                    den = (cnt * sxx - sx * sx) * (cnt * syy - sy * sy)
                    if den > 0:
                        r = (cnt * sxy - sx * sy) / np.sqrt(den)
                if r == 0.0:
                    continue
                for w in range(n_w):
                    if not (take[w, i] and take[w, j]):
                        continue
                    if lo[w, j] > hi[w, i] or lo[w, i] > hi[w, j]:
                        continue
                    for g in range(gid.shape[1]):
                        gi = gid[i, g]
                        if gi >= 0 and gi == gid[j, g]:
                            acc[ch, w, gi] += r
    return acc.sum(axis=0)
