"""The portfolio kernel against the plain-Python loop written from the contract
(``tests/portfolio_reference.py``), and a few numbers worked out by hand.

All bars here are SYNTHETIC: hand-built to hit gaps, simultaneous entries, cash running
out, shorts paying borrow over weekends, volume caps, the account rules; or drawn by
hypothesis.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from portfolio_reference import reference_portfolio

from riskkit.backtest import Signals
from riskkit.backtest.portfolio import run_portfolio
from riskkit.backtest.portfolio_specs import Costs, Overlay, Sizing

SESS = pd.bdate_range("2024-01-01", periods=10)  # Mon 1 Jan .. Fri 12 Jan, weekdays
DAYS = pd.date_range("2024-01-01", periods=14)  # every day, as BTC-USD


def bars(rows, idx, volume=1e9):
    b = pd.DataFrame(rows, columns=["open", "high", "low", "close"], index=idx[: len(rows)])
    return b.astype(float).assign(volume=volume)


def flat(idx, px=100.0, n=None, volume=1e9):
    n = len(idx) if n is None else n
    return bars([[px, px, px, px]] * n, idx, volume)


def sig(b, entries=(), exits=(), sentries=(), sexits=(), **kw):
    mk = lambda pos: pd.Series([i in pos for i in range(len(b))], index=b.index)  # noqa: E731
    return Signals(entries=mk(entries), exits=mk(exits), short_entries=mk(sentries),
                   short_exits=mk(sexits), **kw)  # fmt: skip


def compare(bars_by, sigs, *, sizing=None, costs=None, overlay=None, ambiguity="stop_first",
            btc_bars=None, init_cash=100_000.0):  # fmt: skip
    sizing, costs, overlay = sizing or Sizing(), costs or Costs(), overlay or Overlay()
    res = run_portfolio(bars_by, sigs, sizing=sizing, costs=costs, overlay=overlay,
                        ambiguity=ambiguity, btc_bars=btc_bars, init_cash=init_cash)  # fmt: skip
    ref = reference_portfolio(bars_by, sigs, sizing=sizing, costs=costs, overlay=overlay,
                              ambiguity=ambiguity, btc_bars=btc_bars, init_cash=init_cash)  # fmt: skip
    assert res.equity.index.equals(ref["calendar"])
    np.testing.assert_allclose(
        res.equity.to_numpy(), ref["equity"].to_numpy(), rtol=1e-9, atol=1e-7
    )
    np.testing.assert_allclose(res.cash.to_numpy(), ref["cash"].to_numpy(), rtol=1e-9, atol=1e-7)
    f, rf = res.fills.reset_index(drop=True), ref["fills"]
    assert len(f) == len(rf), (f, rf)
    assert (f["date"].to_numpy() == rf["date"].to_numpy()).all()
    assert f["ticker"].tolist() == rf["ticker"].tolist()
    assert f["reason"].tolist() == rf["reason"].tolist()
    for col, atol in (("shares", 1e-9), ("price", 0.0), ("fee", 1e-9)):
        np.testing.assert_allclose(f[col].to_numpy(float), rf[col].to_numpy(float), rtol=1e-9,
                                   atol=atol)  # fmt: skip
    assert math.isclose(res.costs["borrow"], ref["borrow"], rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(res.costs["interest"], -ref["interest"], rel_tol=1e-9, abs_tol=1e-9)
    # the contribution by name and the interest add up to the total return
    assert math.isclose(res.contribution.sum(), res.stats["total_return"], abs_tol=1e-9)
    return res


# ----------------------------------------------------------------- hand-built cases
def test_gap_through_stop_and_target_two_names():
    a = bars([[100, 100, 100, 100], [100, 103, 97, 102], [80, 85, 78, 84], [84, 86, 83, 85]], SESS)
    b = bars([[50, 50, 50, 50], [50, 52, 49, 51], [60, 61, 58, 59], [59, 60, 58, 59]], SESS)
    sa, sb = sig(a, entries=[0], sl_stop=0.1), sig(b, entries=[0], tp_stop=0.1)
    res = compare({"A": a, "B": b}, {"A": sa, "B": sb}, sizing=Sizing(fraction=0.4))
    assert res.fills["reason"].tolist() == ["entry", "entry", "stop_gap", "target_gap"]
    assert res.fills.loc[2, "quote"] == 80.0 and res.fills.loc[3, "quote"] == 60.0


def test_stop_on_the_entry_bar_and_ambiguous_rules():
    a = bars([[100, 100, 100, 100], [100, 111, 90, 100], [100, 100, 100, 100]], SESS)
    for rule, px in (("stop_first", 95.0), ("optimistic", 110.0), ("pessimistic", 90.0)):
        res = compare({"A": a}, {"A": sig(a, entries=[0], sl_stop=0.05, tp_stop=0.1)},
                      ambiguity=rule, costs=Costs(fees=0.0, slippage=0.0))  # fmt: skip
        assert res.fills["quote"].tolist() == pytest.approx([100.0, px], rel=1e-12)
        assert res.stats["ambiguous_bars"] == 1


def test_simultaneous_entries_share_the_cash_pro_rata():
    """Three names enter on one open at 60% each: 180% asked, the cash buys 100%."""
    a, b, c = flat(SESS, 10.0, 4), flat(SESS, 20.0, 4), flat(SESS, 40.0, 4)
    sg = {t: sig(x, entries=[0]) for t, x in (("A", a), ("B", b), ("C", c))}
    fees, slip = 0.001, 0.002
    res = compare({"A": a, "B": b, "C": c}, sg, sizing=Sizing(fraction=0.6),
                  costs=Costs(fees=fees, slippage=slip))  # fmt: skip
    # by hand: each target is 0.6 x 100,000 / close; cost at the open with slippage and fees
    want = {"A": 6000.0, "B": 3000.0, "C": 1500.0}
    cost = sum(
        q * px * (1 + slip) * (1 + fees) for q, px in zip(want.values(), (10, 20, 40), strict=True)
    )
    f = 100_000.0 / cost  # 100,000 / 180,540.36
    np.testing.assert_allclose(res.fills["shares"], [q * f for q in want.values()], rtol=1e-12)
    assert abs(res.cash.iloc[1]) < 1e-6
    assert res.stats["cash_limited_fills"] == 3


def test_cash_exhausted_later_entry_gets_what_is_left():
    a, b = flat(SESS, 10.0, 5), flat(SESS, 10.0, 5)
    sg = {"A": sig(a, entries=[0]), "B": sig(b, entries=[1])}
    res = compare({"A": a, "B": b}, sg, sizing=Sizing(fraction=0.7),
                  costs=Costs(fees=0.0, slippage=0.0))  # fmt: skip
    # A buys 7,000 shares at 10; B wants 7,000 too but 30,000 of cash buys 3,000
    assert res.fills["shares"].tolist() == pytest.approx([7000.0, 3000.0], rel=1e-12)


def test_short_pays_borrow_over_the_weekend_on_sessions():
    """Short 10% on Monday 1 Jan's decision, held over the first weekend (Fri -> Mon: 3 days)."""
    a = flat(SESS, 50.0, 10)
    rate = 0.365  # 0.1% a calendar day
    res = compare({"A": a}, {"A": sig(a, sentries=[0], sexits=[6])},
                  costs=Costs(fees=0.0, slippage=0.0, borrow={"A": rate}))  # fmt: skip
    # 200 shares short (10% of 100,000 at 50) from Tue 2 Jan's open; the exit decided at
    # Tue 9 Jan's close fills Wed 10 Jan's open: closes Tue 2 .. Tue 9 hold the short, and
    # Fri 5 Jan's close pays the weekend (3 days): 1+1+1+3+1+1 = 8 days at 0.1% of 10,000
    held = SESS[1:7]
    gaps = [(SESS[SESS.get_loc(d) + 1] - d).days for d in held]
    assert gaps == [1, 1, 1, 3, 1, 1]
    assert math.isclose(res.costs["borrow"], 80.0, rel_tol=1e-12)


def test_short_borrow_every_day_with_btc_in_the_calendar():
    a, btc = flat(SESS, 50.0, 10), flat(DAYS, 40_000.0)
    res = compare({"A": a, "BTC-USD": btc}, {"A": sig(a, sentries=[0], sexits=[6]),
                                             "BTC-USD": sig(btc, sentries=[2], sexits=[9])},
                  costs=Costs(fees=0.001, slippage=0.001, borrow={"A": 0.5}, borrow_default=0.1,
                              cash_rate=0.04))  # fmt: skip
    assert res.costs["borrow"] > 0 and res.costs["interest"] < 0
    assert res.settings["periods_per_year"] == 365


def test_volume_cap_spreads_the_entry_and_the_stop_exit():
    rows = [[10, 10, 10, 10], [10, 10.5, 9.8, 10], [10, 10.2, 9.9, 10], [10, 10.1, 8.5, 9],
            [9, 9.2, 8.8, 9], [9, 9.1, 8.9, 9], [9, 9, 9, 9]]  # fmt: skip
    a = bars(rows, SESS, volume=[1e6, 1e5, 1e5, 1e5, 1e5, 1e5, 1e5])
    res = compare({"A": a}, {"A": sig(a, entries=[0], sl_stop=0.1)}, sizing=Sizing(fraction=0.5),
                  costs=Costs(volume_cap=0.01))  # fmt: skip
    # by hand: 5,000 shares wanted (50% of 100,000 at 10), 1% of 100,000 = 1,000 a bar:
    # bars 1, 2, 3 buy 1,000 each; bar 3's low 8.5 reaches the stop 9 (10% under the first
    # fill's open 10) but its volume is used up, so the 3,000 go 1,000 a bar at the next
    # opens (market orders, quote 9), the 2,000 never bought are cancelled by the stop
    assert res.fills["shares"].tolist() == [1000.0] * 3 + [-1000.0] * 3
    assert res.fills["reason"].tolist() == ["entry"] * 3 + ["stop"] * 3
    assert res.fills["quote"].tolist() == [10.0] * 3 + [9.0] * 3
    assert res.fills["volume_capped"].tolist() == [True] * 5 + [False]


def test_equal_weight_max_positions_and_rebalance():
    rng = np.random.default_rng(3)
    bs = {}
    for t in "ABCD":
        c = 20 * np.exp(np.cumsum(rng.normal(0, 0.03, 10)))
        o = np.r_[c[0], c[:-1]]
        bs[t] = bars(np.c_[o, np.maximum(o, c) * 1.01, np.minimum(o, c) * 0.99, c], SESS)
    sg = {t: sig(b, entries=[0, 4], exits=[6]) for t, b in bs.items()}
    res = compare(bs, sg, sizing=Sizing(rule="equal", max_positions=3, rebalance=2))
    assert res.stats["skipped_max_positions"] >= 1
    # four names decide to enter at bar 0 with three slots: A, B, C (the order of the
    # mapping) target a third of 100,000 each at bar 0's close, D none; with slippage and
    # fees the three buys ask a little more than the cash, so all are scaled alike
    first = res.fills[res.fills["date"] == SESS[1]].set_index("ticker")
    assert sorted(first.index) == ["A", "B", "C"]
    q = {t: 100_000.0 / 3 / bs[t]["close"].iloc[0] for t in "ABC"}
    cost = sum(q[t] * bs[t]["open"].iloc[1] * 1.001 * 1.001 for t in "ABC")
    for t in "ABC":
        want = q[t] * min(1.0, 100_000.0 / cost)
        assert first.loc[t, "shares"] == pytest.approx(want, rel=1e-12)
    assert "rebalance" in set(res.fills["reason"])


def test_vol_target_weights():
    rng = np.random.default_rng(4)
    bs = {}
    for t, sd in (("A", 0.01), ("B", 0.05)):
        c = 20 * np.exp(np.cumsum(rng.normal(0, sd, 10)))
        o = np.r_[c[0], c[:-1]]
        bs[t] = bars(np.c_[o, np.maximum(o, c), np.minimum(o, c), c], SESS)
    sg = {t: sig(b, entries=[3, 6], exits=[5]) for t, b in bs.items()}
    res = compare(bs, sg, sizing=Sizing(rule="vol_target", target_vol=0.15, vol_window=3,
                                        max_weight=0.45, rebalance=3))  # fmt: skip
    # by hand for B's first entry (decision bar 3): stdev of its returns 1..3, x sqrt(252)
    cb = bs["B"]["close"].to_numpy()
    r = cb[1:4] / cb[0:3] - 1
    w = min(0.15 / (np.std(r, ddof=1) * np.sqrt(252)), 0.45)
    assert w < 0.45  # the volatility decides, not the cap
    first_b = res.fills[res.fills["ticker"] == "B"].iloc[0]
    eq3 = res.equity.iloc[3]
    assert math.isclose(first_b["shares"], w * eq3 / cb[3], rel_tol=1e-12)


def test_drawdown_stop_flattens_and_cooldown_rearms():
    rows = [[100, 100, 100, 100], [100, 101, 99, 100], [100, 100, 80, 80], [80, 81, 79, 80],
            [80, 81, 79, 80], [80, 81, 79, 80], [80, 90, 79, 85], [85, 86, 84, 85]]  # fmt: skip
    a = bars(rows, SESS)
    for cool in (None, 2):
        res = compare({"A": a}, {"A": sig(a, entries=[0, 5])}, sizing=Sizing(fraction=1.0),
                      overlay=Overlay(drawdown_stop=0.1, cooldown=cool))  # fmt: skip
        assert res.stats["drawdown_stops"] == 1
        # by hand: all in at bar 1's open 100; bar 2 closes at 80 (-20% <= -10%): the stop
        # is decided at that close and every share is sold at bar 3's open (quote 80)
        stop = res.fills[res.fills["reason"] == "drawdown_stop"]
        assert stop["date"].tolist() == [SESS[3]] and stop["quote"].tolist() == [80.0]
        assert stop["shares"].iloc[0] == pytest.approx(-res.fills["shares"].iloc[0], rel=1e-12)
        assert ("entry" in set(res.fills["reason"][2:])) == (cool is not None)


def _btc_path():
    px = [120e3, 115e3, 110e3, 105e3, 108e3, 111e3, 113e3, 118e3, 116e3, 111e3, 109e3, 114e3,
          117e3, 119e3]  # fmt: skip
    return bars([[p, p * 1.01, p * 0.99, p] for p in px], DAYS)


@pytest.mark.parametrize("scale", [0.0, 0.5])
def test_btc_level_scales_the_book(scale):
    a, b = flat(SESS, 10.0), flat(SESS, 30.0)
    sg = {"A": sig(a, entries=[0], exits=[8]), "B": sig(b, sentries=[1])}
    res = compare({"A": a, "B": b}, sg, sizing=Sizing(fraction=0.3), btc_bars=_btc_path(),
                  overlay=Overlay(btc_level=112_000.0, btc_scale=scale),
                  costs=Costs(borrow={"B": 0.2}))  # fmt: skip
    assert "btc_level" in set(res.fills["reason"])
    assert res.stats["days_btc_below"] > 0


def test_btc_level_hedge_variant():
    a, b = flat(SESS, 10.0), bars([[30, 31, 29, 30]] * 10, SESS)
    sg = {"A": sig(a, entries=[0], exits=[8]), "B": sig(b, entries=[3])}
    res = compare({"A": a, "B": b}, sg, sizing=Sizing(fraction=0.3, rebalance=4),
                  btc_bars=_btc_path(),
                  overlay=Overlay(btc_level=112_000.0, btc_mode="hedge", hedge_ratio=0.8),
                  costs=Costs(borrow={"BTC-USD": 0.05}, volume_cap=0.5))  # fmt: skip
    hedge = res.fills[res.fills["reason"] == "hedge"]
    assert len(hedge) >= 2 and (hedge["ticker"] == "BTC-USD hedge").all()
    # by hand: BTC closes below 112,000 on 3 Jan (110,000); the book then is A's 30% of
    # equity (bought 2 Jan at 10, worth 10 at 3 Jan's close), so the hedge sold on 4 Jan's
    # open is 0.8 x A's shares x 10 / 110,000 BTC
    a_shares = res.positions.loc["2024-01-03", "A"]
    assert hedge["date"].iloc[0] == pd.Timestamp("2024-01-04")
    assert hedge["shares"].iloc[0] == pytest.approx(-0.8 * a_shares * 10.0 / 110_000.0, rel=1e-12)


def test_btc_hedge_sized_by_rolling_beta():
    """The hedge of a name that moves twice BTC (a noisy 2x) is about twice its value."""
    rng = np.random.default_rng(8)
    days = pd.date_range("2024-01-01", periods=60)
    btc_px = 140_000 * np.exp(np.cumsum(rng.normal(0, 0.02, 60)))
    btc_px[:40] = np.maximum(btc_px[:40], 113_000.0)  # above the level to day 39,
    btc_px[40:] = np.minimum(btc_px[40:], 100_000.0)  # below it from day 40
    btc = bars(np.c_[btc_px, btc_px * 1.01, btc_px * 0.99, btc_px], days)
    sess = days[days.day_of_week < 5]
    on = pd.Series(btc_px, index=days).reindex(sess).to_numpy()
    a_px = 10 * (on / on[0]) ** 2 * np.exp(rng.normal(0, 0.002, len(sess)))
    a = bars(np.c_[a_px, a_px * 1.01, a_px * 0.99, a_px], sess)
    res = compare({"A": a}, {"A": sig(a, entries=[20])}, sizing=Sizing(fraction=0.5),
                  btc_bars=btc, overlay=Overlay(btc_level=112_000.0, btc_mode="hedge",
                                                hedge_beta_window=15))  # fmt: skip
    h = res.fills[res.fills["reason"] == "hedge"].iloc[0]
    d = days[40]  # BTC's first close below 112,000: the hedge is decided there
    assert h["date"] == days[41] and res.positions.loc[d, "A"] > 0
    ratio = -h["shares"] * btc.loc[d, "close"] / (res.positions.loc[d, "A"] * a["close"].asof(d))
    assert 1.8 < ratio < 2.2


def test_cash_interest_compounds_per_calendar_day():
    """No trade: the cash earns rate x days / 365 at each close, Friday paying the weekend."""
    a = flat(SESS, 10.0)
    res = compare({"A": a}, {"A": sig(a)}, costs=Costs(cash_rate=0.0365))
    want, eq = [], 100_000.0
    for k, d in enumerate(SESS):
        days = (SESS[k + 1] - d).days if k + 1 < len(SESS) else 1
        eq *= 1 + 0.0365 * days / 365
        want.append(eq)
    np.testing.assert_allclose(res.equity.to_numpy(), want, rtol=1e-13)


def test_range_slippage_by_hand():
    a = bars([[10, 10, 10, 10], [10, 10.5, 9.5, 10], [10, 11, 9, 10], [10, 10, 10, 10]], SESS)
    res = compare({"A": a}, {"A": sig(a, entries=[0], exits=[1])},
                  costs=Costs(fees=0.0, slippage_model="range", slippage_k=0.5))  # fmt: skip
    # buy at 10 x (1 + 0.5 x 1.0/10) = 10.5; sell at 10 x (1 - 0.5 x 2.0/10) = 9.0
    assert res.fills["price"].tolist() == pytest.approx([10.5, 9.0], rel=1e-12)


def test_vol_slippage_by_hand():
    rng = np.random.default_rng(9)
    idx = pd.bdate_range("2024-01-01", periods=30)
    c = 20 * np.exp(np.cumsum(rng.normal(0, 0.03, 30)))
    a = bars(np.c_[c, c * 1.01, c * 0.99, c], idx)
    res = compare({"A": a}, {"A": sig(a, entries=[24])},
                  costs=Costs(fees=0.0, slippage_model="vol", slippage_k=0.5))  # fmt: skip
    # the fill at bar 25's open pays 0.5 x the stdev (ddof=1) of the 20 returns to bar 24
    r = c[5:25] / c[4:24] - 1
    assert res.fills["price"].iloc[0] == pytest.approx(
        c[25] * (1 + 0.5 * np.std(r, ddof=1)), rel=1e-12
    )


def test_range_and_vol_slippage_models():
    rng = np.random.default_rng(5)
    c = 20 * np.exp(np.cumsum(rng.normal(0, 0.03, 30)))
    o = np.r_[c[0], c[:-1]]
    idx = pd.bdate_range("2024-01-01", periods=30)
    a = bars(np.c_[o, np.maximum(o, c) * 1.02, np.minimum(o, c) * 0.98, c], idx)
    s = sig(a, entries=[2, 25], exits=[10], sentries=[12], sexits=[20])
    for model in ("range", "vol"):
        compare({"A": a}, {"A": s}, costs=Costs(slippage_model=model, slippage_k=0.5))


def test_ruin_of_a_short_closes_the_account():
    a = bars([[10, 10, 10, 10], [10, 12, 10, 12], [12, 25, 12, 24], [24, 30, 24, 30],
              [30, 30, 30, 30]], SESS)  # fmt: skip
    res = compare({"A": a}, {"A": sig(a, sentries=[0])}, sizing=Sizing(fraction=1.0),
                  costs=Costs(fees=0.0, slippage=0.0))  # fmt: skip
    # 10,000 short at 10 with 200,000 of cash: equity 200,000 - 10,000 x 24 <= 0 at bar 2
    assert res.equity.iloc[2] == pytest.approx(200_000.0 - 240_000.0)
    assert res.fills["reason"].tolist() == ["entry", "ruin"]


# ------------------------------------------------------------------------ hypothesis
@st.composite
def portfolios(draw):
    n = draw(st.integers(8, 24))
    m = draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    bs, sg = {}, {}
    for j in range(m):
        daily = j == 0 and draw(st.booleans())
        idx = (
            pd.date_range("2024-01-01", periods=n)
            if daily
            else pd.bdate_range("2024-01-01", periods=n)
        )
        c = 50 * np.exp(np.cumsum(rng.normal(0, 0.08, n)))
        o = c * np.exp(rng.normal(0, 0.04, n))
        hi = np.maximum(o, c) * np.exp(np.abs(rng.normal(0, 0.06, n)))
        lo = np.minimum(o, c) * np.exp(-np.abs(rng.normal(0, 0.06, n)))
        vol = rng.choice([0.0, 50.0, 500.0, 1e6], size=n, p=[0.05, 0.25, 0.3, 0.4])
        b = pd.DataFrame({"open": o, "high": hi, "low": lo, "close": c, "volume": vol}, index=idx)
        t = f"T{j}"
        bs[t] = b
        mk = lambda p, idx=idx: pd.Series(rng.random(n) < p, index=idx)  # noqa: E731
        sl = draw(st.sampled_from([None, 0.03, 0.15]))
        tp = draw(st.sampled_from([None, 0.05, 0.3]))
        sg[t] = Signals(entries=mk(0.2), exits=mk(0.15), short_entries=mk(0.15),
                        short_exits=mk(0.15), sl_stop=sl, tp_stop=tp)  # fmt: skip
    rule = draw(st.sampled_from(["fixed", "equal", "vol_target"]))
    sizing = Sizing(
        rule=rule, fraction=draw(st.sampled_from([0.3, 0.7, 1.0])),
        max_positions=draw(st.sampled_from([None, 1, 2])) if rule != "equal" else draw(st.sampled_from([1, 2, 3])),
        target_vol=0.5, vol_window=3, max_weight=draw(st.sampled_from([0.6, 1.0])),
        rebalance=draw(st.sampled_from([None, 2, 5])),
    )  # fmt: skip
    costs = Costs(
        fees=draw(st.sampled_from([0.0, 0.001, 0.01])),
        slippage=draw(st.sampled_from([0.0, 0.002])),
        slippage_model=draw(st.sampled_from(["fixed", "range", "vol"])),
        borrow={"T0": draw(st.sampled_from([0.0, 0.3, 2.0]))}, borrow_default=0.05,
        cash_rate=draw(st.sampled_from([0.0, 0.05])),
        volume_cap=draw(st.sampled_from([None, 0.1, 0.5])),
    )  # fmt: skip
    btc = None
    overlay = Overlay(drawdown_stop=draw(st.sampled_from([None, 0.05, 0.15])),
                      cooldown=draw(st.sampled_from([None, 3])))  # fmt: skip
    if draw(st.booleans()):
        idx = pd.date_range("2024-01-01", periods=n + 3)
        p = 112_000 * np.exp(np.cumsum(rng.normal(0, 0.03, n + 3)))
        btc = pd.DataFrame({"open": p, "high": p * 1.01, "low": p * 0.99, "close": p}, index=idx)
        overlay = Overlay(drawdown_stop=overlay.drawdown_stop, cooldown=overlay.cooldown,
                          btc_level=112_000.0, btc_mode=draw(st.sampled_from(["scale", "hedge"])),
                          btc_scale=draw(st.sampled_from([0.0, 0.5])), hedge_ratio=1.0,
                          hedge_beta_window=draw(st.sampled_from([None, 10])))  # fmt: skip
    amb = draw(st.sampled_from(["stop_first", "optimistic", "pessimistic"]))
    return bs, sg, sizing, costs, overlay, btc, amb


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(portfolios())
def test_kernel_matches_reference_on_random_portfolios(case):
    bs, sg, sizing, costs, overlay, btc, amb = case
    compare(bs, sg, sizing=sizing, costs=costs, overlay=overlay, btc_bars=btc, ambiguity=amb)
