"""Numba kernels of the long-horizon methods: buy-and-hold returns per event, on plain arrays.

Layout as in :mod:`riskkit.events._kernels`: ``y`` is ``T x F`` simple returns (NaN where
a firm has none), ``m`` the ``T`` market returns, event ``i`` is firm ``firm[i]`` with
day 0 on row ``p0[i]``; its holding window is rows ``p0 + start .. p0 + horizon``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "PEERS_BUY_AND_HOLD",
    "PEERS_REBALANCED",
    "STATUS_FIRM_MISSING",
    "STATUS_MARKET_MISSING",
    "STATUS_NO_PEERS",
    "STATUS_OK",
    "STATUS_PAST_END",
    "buy_and_hold",
]

STATUS_OK = 0
STATUS_PAST_END = 1  # the window runs past the last row of the grid
STATUS_FIRM_MISSING = 2  # the firm has a missing return in the window
STATUS_MARKET_MISSING = 3
STATUS_NO_PEERS = 4  # no other firm of the universe has every return of the window

PEERS_BUY_AND_HOLD = 0  # mean of each peer's buy-and-hold return (Lyon-Barber-Tsai 1999)
PEERS_REBALANCED = 1  # compounded daily equal-weight mean of the peers' returns


@njit(cache=True, parallel=True)
def buy_and_hold(y, m, firm, p0, start, horizon, peer_ok, peer_mode):
    """Buy-and-hold returns of each event's firm, the market and the peer portfolio.

    Parameters
    ----------
    y, m
        ``T x F`` firm returns and ``T`` market returns.
    firm, p0
        Event ``i``'s firm column and day-0 row.
    start, horizon
        The window is rows ``p0 + start`` to ``p0 + horizon`` inclusive.
    peer_ok
        ``F`` booleans: the firms that may serve as peers (the universe).
    peer_mode
        :data:`PEERS_BUY_AND_HOLD` or :data:`PEERS_REBALANCED`.

    Returns
    -------
    firm_bhr, market_bhr, peer_bhr, n_peers, status
        ``prod(1 + R) - 1`` over the window for the firm and the market; the peers'
        benchmark over the peers with every return of the window present; the status
        codes ``STATUS_*`` (peer problems leave status 0 and ``n_peers = 0``).
    """
    n = firm.size
    t_rows, f_cols = y.shape
    firm_bhr = np.full(n, np.nan)
    market_bhr = np.full(n, np.nan)
    peer_bhr = np.full(n, np.nan)
    n_peers = np.zeros(n, np.int64)
    status = np.zeros(n, np.int64)
    for i in prange(n):
        lo = p0[i] + start
        hi = p0[i] + horizon
        if lo < 0 or hi >= t_rows:
            status[i] = STATUS_PAST_END
            continue
        f = firm[i]
        g = 1.0
        ok = True
        for t in range(lo, hi + 1):
            r = y[t, f]
            if not np.isfinite(r):
                ok = False
                break
            g *= 1.0 + r
        if not ok:
            status[i] = STATUS_FIRM_MISSING
            continue
        firm_bhr[i] = g - 1.0
        gm = 1.0
        for t in range(lo, hi + 1):
            if not np.isfinite(m[t]):
                ok = False
                break
            gm *= 1.0 + m[t]
        if not ok:
            status[i] = STATUS_MARKET_MISSING
            continue
        market_bhr[i] = gm - 1.0
        # peers: every firm of the universe but the event's, with a full window
        full = np.zeros(f_cols, np.bool_)
        cnt = 0
        for j in range(f_cols):
            if j == f or not peer_ok[j]:
                continue
            good = True
            for t in range(lo, hi + 1):
                if not np.isfinite(y[t, j]):
                    good = False
                    break
            if good:
                full[j] = True
                cnt += 1
        n_peers[i] = cnt
        if cnt == 0:
            continue
        if peer_mode == PEERS_BUY_AND_HOLD:
            acc = 0.0
            for j in range(f_cols):
                if full[j]:
                    gj = 1.0
                    for t in range(lo, hi + 1):
                        gj *= 1.0 + y[t, j]
                    acc += gj - 1.0
            peer_bhr[i] = acc / cnt
        else:
            gp = 1.0
            for t in range(lo, hi + 1):
                s = 0.0
                for j in range(f_cols):
                    if full[j]:
                        s += y[t, j]
                gp *= 1.0 + s / cnt
            peer_bhr[i] = gp - 1.0
    return firm_bhr, market_bhr, peer_bhr, n_peers, status
