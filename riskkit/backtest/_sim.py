"""The fused simulation kernel of the fill contract (numba, plain arrays, no pandas).

One function, :func:`simulate`, implements the whole contract of
:mod:`riskkit.backtest.engine` for one configuration on one instrument and streams its
statistics; with ``record=True`` it also writes the daily equity, the side held at each
close and the trade list. :func:`sweep_chunk` runs many configurations in parallel
(``prange``) in statistics mode. Both are compiled once and cached on disk
(``cache=True``): a second process compiles nothing.

Inputs are *rows* shared by many configurations: four signal rows (uint8, the decision
at bar ``k``), a fractional stop row, a price-distance stop row and a target row (the
value at the decision bar, times a per-configuration multiplier; NaN = none; a distance,
where given, wins and becomes a fraction of the entry open), a trailing row (uint8, read at the entry
decision bar) and a re-entry row (int64, read at the stop-exit bar: ``-1`` wait for the
entry signal, ``0`` re-enter when the close recovers beyond the exit quote, ``N >= 1``
re-enter at the open ``N`` sessions after the exit bar). The plain-Python reference loop
in ``tests/test_backtest_reference.py`` is the arbiter of every line here.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = [
    "AMBIG_OPTIMISTIC",
    "AMBIG_PESSIMISTIC",
    "AMBIG_STOP_FIRST",
    "NSTAT",
    "REASONS",
    "STAT_NAMES",
    "simulate",
    "sweep_chunk",
]

AMBIG_STOP_FIRST = 0
AMBIG_OPTIMISTIC = 1
AMBIG_PESSIMISTIC = 2

R_SIGNAL, R_STOP, R_STOP_GAP, R_TARGET, R_TARGET_GAP, R_RUIN, R_OPEN = 0, 1, 2, 3, 4, 5, 6
REASONS = ("signal", "stop", "stop_gap", "target", "target_gap", "ruin", "open")

STAT_NAMES = (
    "final_equity",
    "total_return",
    "cagr",
    "sharpe",
    "sortino",
    "volatility",
    "max_drawdown",
    "trades",
    "win_rate",
    "exposure",
    "exits_signal",
    "exits_stop",
    "exits_stop_gap",
    "exits_target",
    "exits_target_gap",
    "gap_fills",
    "ambiguous_bars",
    "ruined",
    "open_at_end",
)
NSTAT = len(STAT_NAMES)
_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)

# Trade record layout: integer and float columns.
TI_ENTRY, TI_EXIT, TI_SIDE, TI_REASON, TI_AMBIG = 0, 1, 2, 3, 4
TF_ENTRY_PX, TF_EXIT_PX, TF_SIZE, TF_FEES, TF_PNL, TF_COMMITTED = 0, 1, 2, 3, 4, 5


@njit(cache=True, nogil=True, error_model="numpy")
def _exit_cash(cash: float, shares: float, side: int, price: float, fees: float, slip: float):
    """Cash after closing ``shares`` at quote ``price``; returns (cash, fill price, fee)."""
    if side > 0:
        adj = price * (1.0 - slip)
        fee = shares * adj * fees
        return cash + shares * adj * (1.0 - fees), adj, fee
    adj = price * (1.0 + slip)
    fee = shares * adj * fees
    return cash - shares * adj * (1.0 + fees), adj, fee


@njit(cache=True, nogil=True, error_model="numpy")
def _mix(fp, x):
    """One FNV-1a step over a 64-bit word."""
    return (fp ^ x) * _FNV_PRIME


@njit(cache=True, nogil=True, error_model="numpy")
def simulate(
    o, h, lo, c,
    ent, ex, sent, sex,
    slf_row, slf_mult, sld_row, sld_mult, tp_row, tp_mult, trail_row, re_row,
    fees, slip, rule, init_cash, ppy,
    record, stats, eq_out, side_out, tr_i, tr_f,
):  # fmt: skip
    """Run one configuration; fill ``stats`` (length NSTAT); return (n_trades, fingerprint).

    ``tr_i``/``tr_f`` receive the trades (rows, ``TI_*``/``TF_*`` columns) and
    ``eq_out``/``side_out`` the close-of-bar equity and side when ``record`` is True.
    The fingerprint is an FNV-1a hash of the trade list (entry bar, exit bar, side,
    the bit pattern of the exit fill): on the same bars and costs the trade list fixes the
    equity curve, so two configurations with one fingerprint are one strategy in effect.
    """
    n = o.shape[0]
    cash = init_cash
    shares = 0.0
    side = 0
    init_px = np.nan
    ref = np.nan
    s = np.nan
    t = np.nan
    trail = False
    committed = 0.0
    entry_k = -1
    entry_px = np.nan
    entry_fee = 0.0
    ruined = False
    pending = 0  # side to re-enter after a stop exit (0 = none)
    pend_code = -1
    pend_k = -1
    pend_px = np.nan
    ntr = 0
    wins = 0
    n_exit = np.zeros(7, dtype=np.int64)
    amb = 0
    in_mkt = 0
    s1 = 0.0
    s2 = 0.0
    down2 = 0.0
    prev_eq = init_cash
    peak = init_cash
    mdd = 0.0
    fp = _FNV_OFFSET
    buf = np.empty(1, dtype=np.float64)
    bits = buf.view(np.uint64)

    sl_lvl = np.nan
    tp_lvl = np.nan
    for k in range(n):
        if (
            side == 0
            and pending == 0
            and (k == 0 or ruined or (ent[k - 1] == 0 and sent[k - 1] == 0))
        ):
            # flat and no entry decided: nothing can fill, equity and statistics unchanged
            if record:
                eq_out[k] = cash
                side_out[k] = 0
            continue
        ok_, hk, lk, ck = o[k], h[k], lo[k], c[k]
        reason = -1
        px = 0.0
        ambiguous = 0
        # ---- open: a gap through the target or the stop fills at the open
        if side > 0:
            if ok_ >= tp_lvl:
                reason, px = R_TARGET_GAP, ok_
            elif ok_ <= sl_lvl:
                reason, px = R_STOP_GAP, ok_
            elif trail and ok_ > ref:
                ref = ok_
                sl_lvl = ref * (1.0 - s)
        elif side < 0:
            if ok_ <= tp_lvl:
                reason, px = R_TARGET_GAP, ok_
            elif ok_ >= sl_lvl:
                reason, px = R_STOP_GAP, ok_
            elif trail and ok_ < ref:
                ref = ok_
                sl_lvl = ref * (1.0 + s)
        if reason < 0 and k > 0:
            # ---- the decision taken at bar k-1's close, filled at bar k's open
            d = k - 1
            e = ent[d] != 0
            x = ex[d] != 0
            se = sent[d] != 0
            sx = sex[d] != 0
            if side == 0 and pending != 0:
                go = False
                if pend_code >= 1:
                    go = d >= pend_k + pend_code - 1
                elif pend_code == 0:
                    go = c[d] > pend_px if pending > 0 else c[d] < pend_px
                if go:
                    if pending > 0 and not x:
                        e = True
                    elif pending < 0 and not sx:
                        se = True
            if e and x:
                e = False
            if se and sx:
                se = False
            if (side > 0 and (x or se)) or (side < 0 and (sx or e)):
                reason, px = R_SIGNAL, ok_
            elif side == 0 and not ruined and (e or se) and not (e and se):
                side = 1 if e else -1
                committed = cash
                if e:
                    entry_px = ok_ * (1.0 + slip)
                    shares = cash / (1.0 + fees) / entry_px
                    entry_fee = cash - cash / (1.0 + fees)
                    cash = 0.0
                else:
                    entry_px = ok_ * (1.0 - slip)
                    shares = cash / (entry_px * (1.0 + fees))
                    entry_fee = shares * entry_px * fees
                    cash += shares * entry_px - entry_fee
                init_px = ok_
                ref = ok_
                sd = sld_row[d] * sld_mult  # a price distance (e.g. k x ATR) wins if given
                s = sd / ok_ if not np.isnan(sd) else slf_row[d] * slf_mult
                t = tp_row[d] * tp_mult
                trail = trail_row[d] != 0
                entry_k = k
                pending = 0
                if side > 0:
                    sl_lvl = ref * (1.0 - s)
                    tp_lvl = init_px * (1.0 + t)
                else:
                    sl_lvl = ref * (1.0 + s)
                    tp_lvl = init_px * (1.0 - t)
        # ---- session: the bar's whole range, entry bar included
        if side != 0 and reason < 0:
            sl_hit = lk <= sl_lvl <= hk  # NaN (no stop) compares False
            tp_hit = lk <= tp_lvl <= hk
            if sl_hit and tp_hit:
                amb += 1
                ambiguous = 1
                if rule == AMBIG_OPTIMISTIC:
                    reason, px = R_TARGET, tp_lvl
                elif rule == AMBIG_PESSIMISTIC:
                    reason, px = R_STOP, (lk if side > 0 else hk)
                else:
                    reason, px = R_STOP, sl_lvl
            elif sl_hit:
                reason, px = R_STOP, sl_lvl
            elif tp_hit:
                reason, px = R_TARGET, tp_lvl
            elif trail:
                if side > 0 and hk > ref:
                    ref = hk
                    sl_lvl = ref * (1.0 - s)
                elif side < 0 and lk < ref:
                    ref = lk
                    sl_lvl = ref * (1.0 + s)
        # ---- an exit fill (open gap, signal, or range)
        if reason >= 0 and side != 0:
            cash, xp, xfee = _exit_cash(cash, shares, side, px, fees, slip)
            pnl = cash - committed
            if record:
                tr_i[ntr, TI_ENTRY] = entry_k
                tr_i[ntr, TI_EXIT] = k
                tr_i[ntr, TI_SIDE] = side
                tr_i[ntr, TI_REASON] = reason
                tr_i[ntr, TI_AMBIG] = ambiguous
                tr_f[ntr, TF_ENTRY_PX] = entry_px
                tr_f[ntr, TF_EXIT_PX] = xp
                tr_f[ntr, TF_SIZE] = shares
                tr_f[ntr, TF_FEES] = entry_fee + xfee
                tr_f[ntr, TF_PNL] = pnl
                tr_f[ntr, TF_COMMITTED] = committed
            buf[0] = xp
            fp = _mix(
                _mix(_mix(_mix(fp, np.uint64(entry_k)), np.uint64(k)), np.uint64(side + 1)), bits[0]
            )
            ntr += 1
            if pnl > 0.0:
                wins += 1
            n_exit[reason] += 1
            if reason <= R_STOP_GAP and reason >= R_STOP:
                pend_code = re_row[k]
                if pend_code >= 0:
                    pending = side
                    pend_k = k
                    pend_px = px
            shares = 0.0
            side = 0
            if cash <= 0.0:
                cash = 0.0
                ruined = True
                pending = 0
        # ---- ruin at the close: a short whose mark-to-market equity is gone
        if side < 0 and cash - shares * ck <= 0.0:
            cash, xp, xfee = _exit_cash(cash, shares, side, ck, fees, slip)
            if record:
                tr_i[ntr, TI_ENTRY] = entry_k
                tr_i[ntr, TI_EXIT] = k
                tr_i[ntr, TI_SIDE] = side
                tr_i[ntr, TI_REASON] = R_RUIN
                tr_i[ntr, TI_AMBIG] = 0
                tr_f[ntr, TF_ENTRY_PX] = entry_px
                tr_f[ntr, TF_EXIT_PX] = xp
                tr_f[ntr, TF_SIZE] = shares
                tr_f[ntr, TF_FEES] = entry_fee + xfee
                tr_f[ntr, TF_PNL] = cash - committed
                tr_f[ntr, TF_COMMITTED] = committed
            buf[0] = xp
            fp = _mix(
                _mix(_mix(_mix(fp, np.uint64(entry_k)), np.uint64(k)), np.uint64(side + 1)), bits[0]
            )
            ntr += 1
            n_exit[R_RUIN] += 1
            shares = 0.0
            side = 0
            cash = 0.0
            ruined = True
            pending = 0
        # ---- close of the bar: equity and streamed statistics (a flat bar changes nothing)
        if side > 0:
            eq = cash + shares * ck
            in_mkt += 1
        elif side < 0:
            eq = cash - shares * ck
            in_mkt += 1
        else:
            eq = cash
        if eq != prev_eq:
            r = eq / prev_eq - 1.0 if prev_eq > 0.0 else 0.0
            s1 += r
            s2 += r * r
            rn = min(r, 0.0)  # branch-free: the sign of a return is a coin flip
            down2 += rn * rn
            prev_eq = eq
            if eq > peak:
                peak = eq
            elif eq < peak * (1.0 + mdd):  # a new low relative to the peak: divide only then
                mdd = min(mdd, eq / peak - 1.0)
        if record:
            eq_out[k] = eq
            side_out[k] = side
    # ---- a position still open at the end: marked at the last close, no exit costs
    open_end = side != 0
    if open_end and record:
        tr_i[ntr, TI_ENTRY] = entry_k
        tr_i[ntr, TI_EXIT] = n - 1
        tr_i[ntr, TI_SIDE] = side
        tr_i[ntr, TI_REASON] = R_OPEN
        tr_i[ntr, TI_AMBIG] = 0
        tr_f[ntr, TF_ENTRY_PX] = entry_px
        tr_f[ntr, TF_EXIT_PX] = np.nan
        tr_f[ntr, TF_SIZE] = shares
        tr_f[ntr, TF_FEES] = entry_fee
        tr_f[ntr, TF_PNL] = prev_eq - committed
        tr_f[ntr, TF_COMMITTED] = committed
    if open_end:
        fp = _mix(_mix(fp, np.uint64(entry_k)), np.uint64(side + 1))
    final = prev_eq
    mean = s1 / n
    var = (s2 - s1 * mean) / (n - 1) if n > 1 else np.nan
    sd = np.sqrt(var) if var > 0.0 else (0.0 if n > 1 else np.nan)
    stats[0] = final
    stats[1] = final / init_cash - 1.0
    stats[2] = (final / init_cash) ** (ppy / n) - 1.0 if final > 0.0 else -1.0
    stats[3] = mean / sd * np.sqrt(ppy) if sd > 0.0 else np.nan
    dn = np.sqrt(down2 / n)
    stats[4] = mean * ppy / (dn * np.sqrt(ppy)) if dn > 0.0 else np.nan
    stats[5] = sd * np.sqrt(ppy)
    stats[6] = mdd
    stats[7] = ntr
    stats[8] = wins / ntr if ntr > 0 else np.nan
    stats[9] = in_mkt / n
    for i in range(5):
        stats[10 + i] = n_exit[i]
    stats[15] = n_exit[R_STOP_GAP] + n_exit[R_TARGET_GAP]
    stats[16] = amb
    stats[17] = 1.0 if ruined else 0.0
    stats[18] = 1.0 if open_end else 0.0
    return ntr + (1 if open_end else 0), fp


@njit(cache=True, parallel=True, error_model="numpy")
def sweep_chunk(
    o, h, lo, c, sigs, sl_rows, tp_rows, trail_rows, re_rows,
    cfg_sig, cfg_slf_row, cfg_slf_mult, cfg_sld_row, cfg_sld_mult, cfg_tp_row, cfg_tp_mult,
    cfg_trail, cfg_re,
    fees, slip, rule, init_cash, ppy, stats_out, fp_out,
):  # fmt: skip
    """Statistics of configurations ``j = 0..m-1`` in parallel (no equity kept).

    ``sigs`` is (K, 4, n) uint8 (entries, exits, short entries, short exits per signal
    set); configuration ``j`` uses signal set ``cfg_sig[j]``, fractional stop row
    ``cfg_slf_row[j]`` times ``cfg_slf_mult[j]``, price-distance stop row ``cfg_sld_row[j]``
    times ``cfg_sld_mult[j]`` (used where not NaN), target row
    ``cfg_tp_row[j]`` times ``cfg_tp_mult[j]``, trailing row ``cfg_trail[j]`` and
    re-entry row ``cfg_re[j]``.
    """
    m = cfg_sig.shape[0]
    dummy_f = np.empty(1, dtype=np.float64)
    dummy_s = np.empty(1, dtype=np.int8)
    for j in prange(m):
        g = cfg_sig[j]
        ti = np.empty((1, 5), dtype=np.int64)
        tf = np.empty((1, 6), dtype=np.float64)
        _, fp = simulate(
            o, h, lo, c, sigs[g, 0], sigs[g, 1], sigs[g, 2], sigs[g, 3],
            sl_rows[cfg_slf_row[j]], cfg_slf_mult[j], sl_rows[cfg_sld_row[j]], cfg_sld_mult[j],
            tp_rows[cfg_tp_row[j]], cfg_tp_mult[j], trail_rows[cfg_trail[j]], re_rows[cfg_re[j]],
            fees, slip, rule, init_cash, ppy,
            False, stats_out[j], dummy_f, dummy_s, ti, tf,
        )  # fmt: skip
        fp_out[j] = fp
