"""A plain-Python portfolio backtest written from the contract in the docstring of
``riskkit/backtest/portfolio.py`` and the field docs of ``portfolio_specs.py``.

It does not import the kernel or the wrapper (only the public option dataclasses and
``Signals``): a name is a dict, the calendar a list of dates, volatilities come from
``statistics.stdev``. ``tests/test_portfolio_reference.py`` checks the numba kernel
against it; the look-ahead tests use it too.
"""

from __future__ import annotations

import math
import statistics

import pandas as pd

HEDGE = "BTC-USD hedge"


def _ann(dates) -> float:
    """252 for weekday-only dates, 365 when >= 10% fall on a weekend (README convention)."""
    wk = sum(1 for d in dates if d.weekday() >= 5)
    return 365.0 if wk >= 0.1 * len(dates) else 252.0


def _vol(closes: list[float], t: int, window: int) -> float:
    """stdev (ddof=1) of the last ``window`` simple returns ending at bar t; NaN if short."""
    if t < window:
        return math.nan
    rets = [closes[j] / closes[j - 1] - 1.0 for j in range(t - window + 1, t + 1)]
    return statistics.stdev(rets)


def reference_portfolio(bars, signals, *, sizing, costs, overlay, ambiguity="stop_first",
                        init_cash=100_000.0, btc_bars=None):  # fmt: skip
    names = list(signals)
    books = {}
    for t in names:
        b = bars[t]
        books[t] = {"bars": b, "sig": signals[t].frames(), "dates": list(b.index)}
    btc_close = {}
    if overlay.btc_level is not None:
        bb = btc_bars if btc_bars is not None else bars["BTC-USD"]
        btc_close = dict(zip(bb.index, bb["close"].astype(float), strict=True))
        if overlay.btc_mode == "hedge":
            names.append(HEDGE)
            books[HEDGE] = {"bars": bb, "sig": None, "dates": list(bb.index)}
    calendar = sorted(set().union(*[set(books[t]["dates"]) for t in names]))
    for t in names:
        bk = books[t]
        b = bk["bars"]
        rowpos = {d: j for j, d in enumerate(bk["dates"])}
        closes = [float(x) for x in b["close"]]
        ann = _ann(bk["dates"])
        bk.update(
            row=rowpos, closes=closes, ann=ann, pos=0.0, order=None, why=None, want=0, w=0.0,
            sl=None, tp=None, sl_frac=math.nan, tp_frac=math.nan, last=math.nan,
            rate=costs.borrow.get("BTC-USD" if t == HEDGE else t, costs.borrow_default),
        )  # fmt: skip

    def bar(t, d):
        bk = books[t]
        j = bk["row"].get(d)
        if j is None:
            return None
        r = bk["bars"].iloc[j]
        vol = math.inf
        if t != HEDGE and costs.volume_cap is not None:
            vol = float(bk["bars"]["volume"].iloc[j])
        return j, float(r["open"]), float(r["high"]), float(r["low"]), float(r["close"]), vol

    def slip_of(t, j, o, h, lo):
        if costs.slippage_model == "range":
            s = costs.slippage_k * (h - lo) / o
        elif costs.slippage_model == "vol":
            v = _vol(books[t]["closes"], j - 1, 20) if j >= 1 else math.nan
            s = costs.slippage if math.isnan(v) else costs.slippage_k * v
        else:
            s = costs.slippage
        return min(max(s, 0.0), 0.5)

    def weight(t, j):
        if sizing.rule == "fixed":
            return min(sizing.fraction, sizing.max_weight)
        if sizing.rule == "equal":
            return min(1.0 / sizing.max_positions, sizing.max_weight)
        v = _vol(books[t]["closes"], j, sizing.vol_window)
        if math.isnan(v) or v <= 0:
            return math.nan
        return min(sizing.target_vol / (v * math.sqrt(books[t]["ann"])), sizing.max_weight)

    def last_weight(t, d):
        """The name's weight at its last bar on or before d."""
        bk = books[t]
        js = [bk["row"][x] for x in bk["dates"] if x <= d]
        return weight(t, js[-1]) if js else math.nan

    def btc_at(d):
        past = [x for x in btc_close if x <= d]
        return btc_close[past[-1]] if past else math.nan

    def hedge_beta(t, d):
        """OLS slope of the name's last N returns on BTC's over the same bars, up to d."""
        n_win = overlay.hedge_beta_window
        if n_win is None:
            return 1.0
        bk = books[t]
        dates = [x for x in bk["dates"] if x <= d]
        if len(dates) < n_win + 1:
            return 1.0
        dates = dates[-(n_win + 1) :]
        cl = [bk["closes"][bk["row"][x]] for x in dates]
        bt = [btc_at(x) for x in dates]
        rs = [cl[j] / cl[j - 1] - 1 for j in range(1, len(cl))]
        rb = [bt[j] / bt[j - 1] - 1 for j in range(1, len(bt))]
        if any(math.isnan(x) for x in rb):
            return 1.0
        var = statistics.variance(rb)
        return statistics.covariance(rs, rb) / var if var > 0 else 1.0

    cash = float(init_cash)
    fills, equity, cash_path = [], [], []
    borrow_paid = interest_paid = 0.0
    peak, halted, ruined, halt_day, below_before = float(init_cash), False, False, -1, False
    cap_part = costs.volume_cap

    def do_fill(d, t, q, quote, s, why):
        nonlocal cash
        px = quote * (1 + s) if q > 0 else quote * (1 - s)
        fee = abs(q) * px * costs.fees
        cash += -q * px - fee
        fills.append({"date": d, "ticker": t, "shares": q, "price": px, "fee": fee,
                      "reason": why})  # fmt: skip

    def levels(bk, quote):
        if bk["pos"] > 0:
            bk["sl"], bk["tp"] = quote * (1 - bk["sl_frac"]), quote * (1 + bk["tp_frac"])
        else:
            bk["sl"], bk["tp"] = quote * (1 + bk["sl_frac"]), quote * (1 - bk["tp_frac"])
        if math.isnan(bk["sl_frac"]) and math.isnan(bk["tp_frac"]):
            bk["sl"] = bk["tp"] = None

    for k, d in enumerate(calendar):
        today = {t: bar(t, d) for t in names}
        used = dict.fromkeys(names, 0.0)
        # 1. gaps through a stop or target at the open
        for t in names:
            bk, bt = books[t], today[t]
            if bt is None or bk["pos"] == 0 or bk["sl"] is None:
                continue
            o = bt[1]
            long = bk["pos"] > 0
            hit_tp = (o >= bk["tp"]) if long else (o <= bk["tp"])
            hit_sl = (o <= bk["sl"]) if long else (o >= bk["sl"])
            if hit_tp or hit_sl:
                bk.update(want=0, sl=None, tp=None, order=0.0,
                          why="target_gap" if hit_tp else "stop_gap")  # fmt: skip
        # 2. sells and short covers
        for t in names:
            bk, bt = books[t], today[t]
            if bt is None or bk["order"] is None:
                continue
            delta = bk["order"] - bk["pos"]
            if not (delta < 0 or (delta > 0 and bk["pos"] < 0)):
                continue
            room = cap_part * bt[5] if cap_part else math.inf
            q = math.copysign(min(abs(delta), room), delta)
            if q == 0:
                continue
            was = bk["pos"]
            do_fill(d, t, q, bt[1], slip_of(t, bt[0], bt[1], bt[2], bt[3]), bk["why"])
            used[t] = abs(q)
            if q == delta:
                bk["pos"], bk["order"] = bk["order"], None
            else:
                bk["pos"] = was + q
            if was == 0:
                levels(bk, bt[1])
        # 3. long buys, pro rata on the cash left
        buys = []
        for t in names:
            bk, bt = books[t], today[t]
            if bt is None or bk["order"] is None:
                continue
            delta = bk["order"] - bk["pos"]
            if delta > 0 and bk["pos"] >= 0:
                room = cap_part * bt[5] if cap_part else math.inf
                s = slip_of(t, bt[0], bt[1], bt[2], bt[3])
                buys.append((t, delta, min(delta, room), s))
        need = sum(q * today[t][1] * (1 + s) * (1 + costs.fees) for t, _, q, s in buys)
        have = max(cash, 0.0)
        share = 1.0 if need <= have else have / need
        for t, delta, q_room, s in buys:
            bk, bt = books[t], today[t]
            q = q_room * share
            if q <= 0:
                if share < 1:
                    bk["order"] = None
                continue
            was = bk["pos"]
            do_fill(d, t, q, bt[1], s, bk["why"])
            used[t] = q
            if q == delta:
                bk["pos"], bk["order"] = bk["order"], None
            else:
                bk["pos"] = was + q
                if share < 1:
                    bk["order"] = None
            if was == 0:
                levels(bk, bt[1])
        # 4. stops and targets on the bar's range (entry bar included)
        for t in names:
            bk, bt = books[t], today[t]
            if bt is None or bk["pos"] == 0 or bk["sl"] is None:
                continue
            _, o, h, lo, c, vol = bt
            in_sl = lo <= bk["sl"] <= h
            in_tp = lo <= bk["tp"] <= h
            if not (in_sl or in_tp):
                continue
            long = bk["pos"] > 0
            if in_sl and in_tp:
                if ambiguity == "optimistic":
                    why, px = "target", bk["tp"]
                elif ambiguity == "pessimistic":
                    why, px = "stop", (lo if long else h)
                else:
                    why, px = "stop", bk["sl"]
            else:
                why, px = ("stop", bk["sl"]) if in_sl else ("target", bk["tp"])
            room = max(cap_part * vol - used[t], 0.0) if cap_part else math.inf
            q = min(abs(bk["pos"]), room)
            bk.update(want=0, sl=None, tp=None)
            if q > 0:
                q = -q if long else q
                do_fill(d, t, q, px, slip_of(t, bt[0], o, h, lo), why)
                if q == -bk["pos"]:
                    bk["pos"], bk["order"] = 0.0, None
                    continue
                bk["pos"] += q
            bk["order"], bk["why"] = 0.0, why
        # 5. the close: last prices, borrow, then interest, then equity
        for t in names:
            if today[t] is not None:
                books[t]["last"] = today[t][4]
        days = (calendar[k + 1] - d).days if k + 1 < len(calendar) else 1
        for t in names:
            bk = books[t]
            if bk["pos"] < 0:
                fee = -bk["pos"] * bk["last"] * bk["rate"] * days / 365.0
                cash -= fee
                borrow_paid += fee
        i_day = cash * costs.cash_rate * days / 365.0
        cash += i_day
        interest_paid += i_day
        eq = cash + sum(books[t]["pos"] * books[t]["last"] for t in names if books[t]["pos"])
        equity.append(eq)
        cash_path.append(cash)
        # 6. account rules
        flat_why = None
        if not ruined and eq <= 0:
            ruined = halted = True
            flat_why = "ruin"
        elif (
            halted
            and not ruined
            and overlay.cooldown is not None
            and k - halt_day >= overlay.cooldown
        ):
            halted, peak = False, eq
        if not halted:
            peak = max(peak, eq)
            if overlay.drawdown_stop is not None and eq <= peak * (1 - overlay.drawdown_stop):
                halted, halt_day, flat_why = True, k, "drawdown_stop"
        if flat_why:
            for t in names:
                bk = books[t]
                bk.update(want=0, sl=None, tp=None)
                bk["order"], bk["why"] = (0.0, flat_why) if bk["pos"] != 0 else (None, None)
        b_now = btc_close.get(d)
        if b_now is None and btc_close:
            past = [x for x in btc_close if x <= d]
            b_now = btc_close[past[-1]] if past else None
        below = overlay.btc_level is not None and b_now is not None and b_now < overlay.btc_level
        crossed, below_before = below != below_before, below
        if halted:
            continue
        changed = {}
        for t in names:
            if t == HEDGE or today[t] is None:
                continue
            bk, j = books[t], today[t][0]
            sg = bk["sig"]
            e, x = bool(sg["entries"].iloc[j]), bool(sg["exits"].iloc[j])
            se, sx = bool(sg["short_entries"].iloc[j]), bool(sg["short_exits"].iloc[j])
            e, se = e and not x, se and not sx
            if (bk["want"] > 0 and (x or se)) or (bk["want"] < 0 and (sx or e)):
                bk["want"] = 0
                changed[t] = "signal"
            elif bk["want"] == 0 and (e != se):
                if bk["pos"] != 0 or bk["order"] is not None:
                    continue
                held = sum(1 for u in names if u != HEDGE and books[u]["want"] != 0)
                if sizing.max_positions is not None and held >= sizing.max_positions:
                    continue
                w = weight(t, j)
                if not w > 0:
                    continue
                bk.update(want=1 if e else -1, w=w, sl_frac=float(sg["sl_stop"].iloc[j]),
                          tp_frac=float(sg["tp_stop"].iloc[j]))  # fmt: skip
                changed[t] = "entry"
        rebal_day = sizing.rebalance is not None and (k + 1) % sizing.rebalance == 0
        if rebal_day:
            for t in names:
                if t != HEDGE and books[t]["want"] != 0 and t not in changed:
                    w = last_weight(t, d)
                    if w > 0:
                        books[t]["w"] = w
                    changed[t] = "rebalance"
        if crossed and overlay.btc_mode == "scale":
            for t in names:
                if t != HEDGE and books[t]["want"] != 0 and t not in changed:
                    changed[t] = "btc_level"
        mult = overlay.btc_scale if (below and overlay.btc_mode == "scale") else 1.0
        for t, why in changed.items():
            bk = books[t]
            target = bk["want"] * bk["w"] * mult * eq / bk["last"] if bk["want"] else 0.0
            if not bk["want"]:
                bk["sl"] = bk["tp"] = None
            bk["order"], bk["why"] = (target, why) if target != bk["pos"] else (None, None)
        if overlay.btc_mode == "hedge" and HEDGE in books and (crossed or changed or rebal_day):
            hb = books[HEDGE]
            target = 0.0
            if below:
                book = 0.0
                for t in names:
                    bk = books[t]
                    held = bk["pos"] if bk["order"] is None else bk["order"]
                    if t != HEDGE and held != 0:
                        book += held * bk["last"] * hedge_beta(t, d)
                target = -overlay.hedge_ratio * book / hb["last"]
            hb["order"], hb["why"] = (target, "hedge") if target != hb["pos"] else (None, None)
    out = pd.DataFrame(fills, columns=["date", "ticker", "shares", "price", "fee", "reason"])
    return {
        "calendar": pd.DatetimeIndex(calendar),
        "equity": pd.Series(equity, index=pd.DatetimeIndex(calendar)),
        "cash": pd.Series(cash_path, index=pd.DatetimeIndex(calendar)),
        "fills": out,
        "borrow": borrow_paid,
        "interest": interest_paid,
    }
