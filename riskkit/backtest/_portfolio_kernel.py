"""The portfolio kernel: one cash account over several instruments (numba, plain arrays).

One function, :func:`simulate_portfolio`, implements the contract documented in
:mod:`riskkit.backtest.portfolio` on a union calendar of ``n`` days and ``m`` instrument
columns (``live[k, i]`` says whether instrument ``i`` has a bar on day ``k``). It writes the
daily equity, cash, positions, borrow and interest, and the list of fills. The plain-Python
reference loop in ``tests/test_portfolio_reference.py`` is the arbiter of every line here.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["CNT_NAMES", "FILL_REASONS", "NCNT", "simulate_portfolio"]

# Why an order was placed (kept by a volume-capped remainder).
F_ENTRY, F_SIGNAL, F_STOP, F_STOP_GAP, F_TARGET, F_TARGET_GAP = 0, 1, 2, 3, 4, 5
F_REBALANCE, F_BTC, F_DD, F_HEDGE, F_RUIN = 6, 7, 8, 9, 10
FILL_REASONS = ("entry", "signal", "stop", "stop_gap", "target", "target_gap", "rebalance",
                "btc_level", "drawdown_stop", "hedge", "ruin")  # fmt: skip

# Fill record columns.
FI_K, FI_I, FI_REASON, FI_CAPPED = 0, 1, 2, 3
FF_SHARES, FF_QUOTE, FF_PRICE, FF_FEE, FF_SLIP, FF_POS = 0, 1, 2, 3, 4, 5

CNT_NAMES = ("skipped_max_positions", "skipped_no_weight", "cash_limited_fills",
             "volume_capped_fills", "drawdown_stops", "days_btc_below", "ambiguous_bars",
             "ignored_entries")  # fmt: skip
NCNT = len(CNT_NAMES)


@njit(cache=True, nogil=True, error_model="numpy")
def _fill(k, i, q, quote, s, fees, reason, capped, nf, fi, ff):
    """Record a fill of ``q`` shares (signed) at ``quote`` with slippage ``s``; return
    (cash change, fee, slippage cost)."""
    price = quote * (1.0 + s) if q > 0 else quote * (1.0 - s)
    fee = abs(q) * price * fees
    fi[nf, FI_K] = k
    fi[nf, FI_I] = i
    fi[nf, FI_REASON] = reason
    fi[nf, FI_CAPPED] = capped
    ff[nf, FF_SHARES] = q
    ff[nf, FF_QUOTE] = quote
    ff[nf, FF_PRICE] = price
    ff[nf, FF_FEE] = fee
    ff[nf, FF_SLIP] = abs(q) * quote * s
    return -q * price - fee, fee, abs(q) * quote * s


@njit(cache=True, nogil=True, error_model="numpy")
def simulate_portfolio(
    o, h, lo, c, v, live, ent, ex, sent, sex, slf, tpf, slip, wrow, hbeta, borrow, days, btc,
    fees, part, max_pos, rebal, cash_rate, init_cash, dd_limit, dd_cool,
    level, mode, scale, hedge_ratio, hcol, rule,
    eq_out, cash_out, pos_out, borrow_out, int_out, fi, ff, cnt,
):  # fmt: skip
    """Run the portfolio on the union calendar; return the number of fills written.

    Arrays are (n, m) float64 (``o h lo c v slip wrow hbeta slf tpf``; NaN off an instrument's
    bars) or uint8 (``live ent ex sent sex``); ``borrow`` (m,) annual rates; ``days`` (n,)
    calendar days from each day to the next; ``btc`` (n,) the BTC close known at each day.
    ``mode`` 0 scales the book by ``scale`` while ``btc < level``, 1 hedges it with a short
    in column ``hcol`` of ``sum(shares x close x hbeta)`` of the book. ``rule`` 0/1/2 is the ambiguity rule (stop first, optimistic,
    pessimistic).
    """
    n, m = o.shape
    cash = init_cash
    pos = np.zeros(m)
    order = np.full(m, np.nan)
    ord_reason = np.zeros(m, dtype=np.int64)
    ord_sl = np.full(m, np.nan)
    ord_tp = np.full(m, np.nan)
    want = np.zeros(m, dtype=np.int64)
    wgt = np.zeros(m)
    sl_lvl = np.full(m, np.nan)
    tp_lvl = np.full(m, np.nan)
    has_lv = np.zeros(m, dtype=np.bool_)
    last = np.full(m, np.nan)
    used = np.zeros(m)
    chg = np.zeros(m, dtype=np.int64)  # reason + 1 of a target change at this close, 0 none
    nf = 0
    peak = init_cash
    halted = False
    ruined = False
    halt_k = -1
    below_prev = False
    for k in range(n):
        # ---------------------------------------------------------------- opens
        for i in range(m):
            used[i] = 0.0
            if live[k, i] == 0:
                continue
            ok_ = o[k, i]
            if pos[i] != 0.0 and has_lv[i]:
                gap = -1
                if pos[i] > 0.0:
                    if ok_ >= tp_lvl[i]:
                        gap = F_TARGET_GAP
                    elif ok_ <= sl_lvl[i]:
                        gap = F_STOP_GAP
                else:
                    if ok_ <= tp_lvl[i]:
                        gap = F_TARGET_GAP
                    elif ok_ >= sl_lvl[i]:
                        gap = F_STOP_GAP
                if gap >= 0:
                    want[i] = 0
                    has_lv[i] = False
                    order[i] = 0.0
                    ord_reason[i] = gap
        # pass 1: sells and short covers (never limited by cash)
        for i in range(m):
            if live[k, i] == 0 or np.isnan(order[i]):
                continue
            d = order[i] - pos[i]
            if d < 0.0 or (d > 0.0 and pos[i] < 0.0):
                cap = part * v[k, i] if part > 0.0 else np.inf
                q = min(abs(d), cap)
                if q <= 0.0:
                    cnt[3] += 1
                    continue
                q = q if d > 0.0 else -q
                full = q == d
                dc, _, _ = _fill(k, i, q, o[k, i], slip[k, i], fees, ord_reason[i],
                                 0 if full else 1, nf, fi, ff)  # fmt: skip
                nf += 1
                cash += dc
                used[i] = abs(q)
                was = pos[i]
                if full:
                    pos[i] = order[i]
                    order[i] = np.nan
                else:
                    pos[i] += q
                    cnt[3] += 1
                ff[nf - 1, FF_POS] = pos[i]
                if was == 0.0:
                    _set_levels(i, o[k, i], pos[i], ord_sl, ord_tp, sl_lvl, tp_lvl, has_lv)
        # pass 2: long buys, pro rata within the cash left after pass 1
        total = 0.0
        for i in range(m):
            if live[k, i] == 0 or np.isnan(order[i]):
                continue
            d = order[i] - pos[i]
            if d > 0.0 and pos[i] >= 0.0:
                cap = part * v[k, i] if part > 0.0 else np.inf
                total += min(d, cap) * o[k, i] * (1.0 + slip[k, i]) * (1.0 + fees)
        avail = max(cash, 0.0)
        f = 1.0 if total <= avail else avail / total
        for i in range(m):
            if live[k, i] == 0 or np.isnan(order[i]):
                continue
            d = order[i] - pos[i]
            if d > 0.0 and pos[i] >= 0.0:
                cap = part * v[k, i] if part > 0.0 else np.inf
                qv = min(d, cap)
                q = qv * f
                if qv < d:
                    cnt[3] += 1
                if f < 1.0:
                    cnt[2] += 1
                if q <= 0.0:
                    if f < 1.0:
                        order[i] = np.nan
                    continue
                full = q == d
                dc, _, _ = _fill(k, i, q, o[k, i], slip[k, i], fees, ord_reason[i],
                                 0 if full else 1, nf, fi, ff)  # fmt: skip
                nf += 1
                cash += dc
                used[i] = q
                was = pos[i]
                if full:
                    pos[i] = order[i]
                    order[i] = np.nan
                else:
                    pos[i] += q
                    if f < 1.0:  # the cash is gone: the rest of the order is dropped
                        order[i] = np.nan
                ff[nf - 1, FF_POS] = pos[i]
                if was == 0.0:
                    _set_levels(i, o[k, i], pos[i], ord_sl, ord_tp, sl_lvl, tp_lvl, has_lv)
        # -------------------------------------------------------------- session
        for i in range(m):
            if live[k, i] == 0 or pos[i] == 0.0 or not has_lv[i]:
                continue
            lk, hk = lo[k, i], h[k, i]
            sl_hit = lk <= sl_lvl[i] <= hk
            tp_hit = lk <= tp_lvl[i] <= hk
            if not (sl_hit or tp_hit):
                continue
            if sl_hit and tp_hit:
                cnt[6] += 1
                if rule == 1:
                    reason, px = F_TARGET, tp_lvl[i]
                elif rule == 2:
                    reason, px = F_STOP, (lk if pos[i] > 0.0 else hk)
                else:
                    reason, px = F_STOP, sl_lvl[i]
            elif sl_hit:
                reason, px = F_STOP, sl_lvl[i]
            else:
                reason, px = F_TARGET, tp_lvl[i]
            cap = part * v[k, i] - used[i] if part > 0.0 else np.inf
            q = min(abs(pos[i]), max(cap, 0.0))
            want[i] = 0
            has_lv[i] = False
            if q > 0.0:
                q = -q if pos[i] > 0.0 else q
                full = q == -pos[i]
                dc, _, _ = _fill(k, i, q, px, slip[k, i], fees, reason, 0 if full else 1,
                                 nf, fi, ff)  # fmt: skip
                nf += 1
                cash += dc
                if full:
                    pos[i] = 0.0
                    order[i] = np.nan
                    ff[nf - 1, FF_POS] = 0.0
                    continue
                pos[i] += q
                ff[nf - 1, FF_POS] = pos[i]
            cnt[3] += 1
            order[i] = 0.0  # the rest at the next open, at market
            ord_reason[i] = reason
        # ---------------------------------------------------------------- close
        for i in range(m):
            if live[k, i] != 0:
                last[i] = c[k, i]
        dt = days[k] / 365.0
        for i in range(m):
            b = 0.0
            if pos[i] < 0.0:
                b = -pos[i] * last[i] * borrow[i] * dt
                cash -= b
            borrow_out[k, i] = b
        intr = cash * cash_rate * dt
        cash += intr
        int_out[k] = intr
        eq = cash
        for i in range(m):
            if pos[i] != 0.0:
                eq += pos[i] * last[i]
        eq_out[k] = eq
        cash_out[k] = cash
        for i in range(m):
            pos_out[k, i] = pos[i]
            chg[i] = 0
        # ---- account rules: ruin, drawdown stop (with its cooldown)
        flatten = -1
        if not ruined and eq <= 0.0:
            ruined = True
            halted = True
            flatten = F_RUIN
        elif halted and not ruined and dd_cool >= 0 and k - halt_k >= dd_cool:
            halted = False
            peak = eq
        if not halted:
            if eq > peak:
                peak = eq
            if dd_limit > 0.0 and eq <= peak * (1.0 - dd_limit):
                halted = True
                halt_k = k
                cnt[4] += 1
                flatten = F_DD
        if flatten >= 0:
            for i in range(m):
                want[i] = 0
                has_lv[i] = False
                if pos[i] != 0.0:
                    order[i] = 0.0
                    ord_reason[i] = flatten
                else:
                    order[i] = np.nan
        below = level > 0.0 and btc[k] < level  # NaN compares False
        if below:
            cnt[5] += 1
        crossed = below != below_prev
        below_prev = below
        if halted:
            continue
        # ---- the strategy's decisions at this close, instrument by instrument
        for i in range(m):
            if i == hcol or live[k, i] == 0:
                continue
            e = ent[k, i] != 0
            x = ex[k, i] != 0
            se = sent[k, i] != 0
            sx = sex[k, i] != 0
            if e and x:
                e = False
            if se and sx:
                se = False
            if (want[i] > 0 and (x or se)) or (want[i] < 0 and (sx or e)):
                want[i] = 0
                chg[i] = F_SIGNAL + 1
            elif want[i] == 0 and (e or se) and not (e and se):
                if pos[i] != 0.0 or not np.isnan(order[i]):
                    cnt[7] += 1  # an exit is still being filled
                    continue
                n_open = 0
                for j in range(m):
                    if j != hcol and want[j] != 0:
                        n_open += 1
                if max_pos > 0 and n_open >= max_pos:
                    cnt[0] += 1
                    continue
                w = wrow[k, i]
                if not (w > 0.0):
                    cnt[1] += 1
                    continue
                want[i] = 1 if e else -1
                wgt[i] = w
                ord_sl[i] = slf[k, i]
                ord_tp[i] = tpf[k, i]
                chg[i] = F_ENTRY + 1
        if rebal > 0 and (k + 1) % rebal == 0:
            for i in range(m):
                if i != hcol and want[i] != 0 and chg[i] == 0:
                    w = wrow[k, i]
                    if w > 0.0:
                        wgt[i] = w
                    chg[i] = F_REBALANCE + 1
        if crossed and mode == 0:
            for i in range(m):
                if i != hcol and want[i] != 0 and chg[i] == 0:
                    chg[i] = F_BTC + 1
        sc = scale if (below and mode == 0) else 1.0
        any_chg = False
        for i in range(m):
            if chg[i] == 0:
                continue
            any_chg = True
            tgt = want[i] * wgt[i] * sc * eq / last[i] if want[i] != 0 else 0.0
            if want[i] == 0:
                has_lv[i] = False
            if tgt != pos[i]:
                order[i] = tgt
                ord_reason[i] = chg[i] - 1
            else:
                order[i] = np.nan
        if mode == 1 and hcol >= 0 and (crossed or any_chg or (rebal > 0 and (k + 1) % rebal == 0)):
            tgt = 0.0
            if below:
                book = 0.0
                for i in range(m):
                    if i != hcol:
                        held = pos[i] if np.isnan(order[i]) else order[i]
                        if held != 0.0:
                            book += held * last[i] * hbeta[k, i]
                tgt = -hedge_ratio * book / last[hcol]
            if tgt != pos[hcol]:
                order[hcol] = tgt
                ord_reason[hcol] = F_HEDGE
            else:
                order[hcol] = np.nan
    return nf


@njit(cache=True, nogil=True, error_model="numpy")
def _set_levels(i, quote, p, ord_sl, ord_tp, sl_lvl, tp_lvl, has_lv):
    """Stop and target of a new position, measured from its first fill's open quote."""
    if p > 0.0:
        sl_lvl[i] = quote * (1.0 - ord_sl[i])
        tp_lvl[i] = quote * (1.0 + ord_tp[i])
    else:
        sl_lvl[i] = quote * (1.0 + ord_sl[i])
        tp_lvl[i] = quote * (1.0 - ord_tp[i])
    has_lv[i] = not (np.isnan(ord_sl[i]) and np.isnan(ord_tp[i]))
