"""Numba kernels plugged into vectorbt's ``from_signals`` (no pandas here).

:func:`adjust_sl_nb` is passed as ``adjust_sl_func_nb``. vectorbt calls it on every
row before it checks the stop-loss and the take-profit of an open position, so it can
(a) apply the ambiguous-bar rule, (b) let a target that the open gapped through fill at
the open (vectorbt would otherwise test the stop against the rest of the bar first),
and (c) record, without changing anything, which exit the row will produce and whether
the row was ambiguous. The bookkeeping mirrors ``vectorbt.portfolio.nb.get_stop_price_nb``
expression for expression so the float comparisons agree bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "AMBIG_OPTIMISTIC",
    "AMBIG_PESSIMISTIC",
    "AMBIG_STOP_FIRST",
    "REASON_NONE",
    "REASON_STOP",
    "REASON_STOP_GAP",
    "REASON_TARGET",
    "REASON_TARGET_GAP",
    "adjust_sl_nb",
]

AMBIG_STOP_FIRST = 0
AMBIG_OPTIMISTIC = 1
AMBIG_PESSIMISTIC = 2

REASON_NONE = 0
REASON_STOP = 1
REASON_STOP_GAP = 2
REASON_TARGET = 3
REASON_TARGET_GAP = 4


@njit(cache=True)
def _stop_at_price(ref: float, price: float, long: bool, low: float, high: float) -> float:
    """Stop fraction whose level ``ref*(1-s)`` (long) or ``ref*(1+s)`` (short) is ``price``.

    vectorbt rebuilds the level as ``ref * (1 - s)`` / ``ref * (1 + s)`` and fills only
    if it lies in ``[low, high]``, so the level must land inside the bar: at or above the
    low (long) or at or below the high (short). The nudge works on the *factor*
    ``1 - s`` / ``1 + s`` one ulp at a time: a step of one ulp of ``s`` itself (about
    1e-17 for a 5% stop) is far below the spacing of floats near 1 (2.2e-16) and would
    leave the level where it was. Returns NaN if no factor puts the level inside the bar
    (the caller then keeps the original stop).
    """
    if long:
        g = price / ref  # factor 1 - s
        for _ in range(64):
            s = 1.0 - g
            lvl = ref * (1.0 - s)
            if lvl >= price:
                return s if (s >= 0.0 and lvl <= high) else np.nan
            g = np.nextafter(g, np.inf)
    else:
        g = price / ref  # factor 1 + s
        for _ in range(64):
            s = g - 1.0
            lvl = ref * (1.0 + s)
            if lvl <= price:
                return s if (s >= 0.0 and lvl >= low) else np.nan
            g = np.nextafter(g, -np.inf)
    return np.nan


@njit
def adjust_sl_nb(c, rule, open_, high, low, tp_stop, ambiguous_out, reason_out):  # pragma: no cover
    """Ambiguous-bar rule and exit bookkeeping for one (row, column); see module doc."""
    stop = c.curr_stop
    trail = c.curr_trail
    if c.position_now == 0 or np.isnan(c.init_price):
        return stop, trail
    i = c.i
    col = c.col
    o = open_[i, col]
    h = high[i, col]
    lo = low[i, col]
    tp = tp_stop[c.init_i, col]
    long = c.position_now > 0
    if long:
        tp_price = c.init_price * (1.0 + tp) if not np.isnan(tp) else np.inf
        sl_price = c.curr_price * (1.0 - stop) if not np.isnan(stop) else -np.inf
        if not np.isnan(tp) and tp_price <= o:
            # The open is already beyond the target: the resting target fills at the open.
            reason_out[i, col] = REASON_TARGET_GAP
            return np.nan, trail
        if not np.isnan(stop) and o <= sl_price:
            reason_out[i, col] = REASON_STOP_GAP
            return stop, trail
        sl_hit = not np.isnan(stop) and lo <= sl_price <= h
        tp_hit = not np.isnan(tp) and lo <= tp_price <= h
    else:
        tp_price = c.init_price * (1.0 - tp) if not np.isnan(tp) else -np.inf
        sl_price = c.curr_price * (1.0 + stop) if not np.isnan(stop) else np.inf
        if not np.isnan(tp) and o <= tp_price:
            reason_out[i, col] = REASON_TARGET_GAP
            return np.nan, trail
        if not np.isnan(stop) and sl_price <= o:
            reason_out[i, col] = REASON_STOP_GAP
            return stop, trail
        sl_hit = not np.isnan(stop) and lo <= sl_price <= h
        tp_hit = not np.isnan(tp) and lo <= tp_price <= h
    if sl_hit and tp_hit:
        ambiguous_out[i, col] = 1
        if rule == AMBIG_OPTIMISTIC:
            reason_out[i, col] = REASON_TARGET
            return np.nan, trail
        reason_out[i, col] = REASON_STOP
        if rule == AMBIG_PESSIMISTIC:
            worst = lo if long else h
            s = _stop_at_price(c.curr_price, worst, long, lo, h)
            # NaN only for a zero-width bar, where the stop level already is the worst price.
            return (stop if np.isnan(s) else s), trail
        return stop, trail
    if sl_hit:
        reason_out[i, col] = REASON_STOP
    elif tp_hit:
        reason_out[i, col] = REASON_TARGET
    return stop, trail
