"""Pivot-event family: entry timing, direction, look-ahead, pre-event beta (SYNTHETIC bars)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskkit._errors import DataError
from riskkit.backtest import run_backtest
from strategies.pivot_event import hedge_betas, pivot_event_plan, pivot_event_signals

IDX = pd.bdate_range("2025-11-03", periods=15)  # Mon 3 Nov .. Fri 21 Nov 2025 (no holidays)


def bars(seed=0):
    rng = np.random.default_rng(seed)
    c = 10 * np.exp(np.cumsum(rng.normal(0, 0.05, len(IDX))))
    o = np.r_[10.0, c[:-1]] * np.exp(rng.normal(0, 0.02, len(IDX)))
    return pd.DataFrame(
        {"open": o, "high": np.maximum(o, c) * 1.03, "low": np.minimum(o, c) * 0.97, "close": c},
        index=IDX,
    )


def events(rows):
    df = pd.DataFrame(rows, columns=["event_id", "date", "timing", "event_type", "day0"])
    df["date"] = pd.to_datetime(df["date"])
    df["day0"] = pd.to_datetime(df["day0"])
    return df


EV = events([
    ("pre", "2025-11-05", "pre-market", "ai_pivot", "2025-11-05"),     # Wed: enter Wed open
    ("during", "2025-11-05", "during session", "hpc_contract", "2025-11-05"),  # enter Thu open
    ("after", "2025-11-06", "after close", "m_and_a", "2025-11-07"),   # Thu after close: Fri open
    ("unknown", "2025-11-07", "unknown", "ai_pivot", "2025-11-07"),    # Fri unknown: Mon open
    ("weekend", "2025-11-08", "pre-market", "ai_pivot", "2025-11-10"),  # Sat: Mon open
    ("earn", "2025-11-05", "pre-market", "earnings", "2025-11-05"),    # no side by type
    ("late", "2025-11-21", "after close", "ai_pivot", "2025-11-24"),   # after the data
])  # fmt: skip


def test_entry_session_by_timing():
    p = pivot_event_plan(bars(), EV, hold=3)
    got = {k: (str(v.date()) if not pd.isna(v) else None) for k, v in p["entry_session"].items()}
    assert got == {"pre": "2025-11-05", "during": "2025-11-06", "after": "2025-11-07",
                   "unknown": "2025-11-10", "weekend": "2025-11-10", "earn": None, "late": None}  # fmt: skip
    assert p.loc["earn", "dropped"] == (
        "event type 'earnings' is not traded by type (traded: ai_pivot, hpc_contract, m_and_a)"
    )
    assert p.loc["late", "dropped"] == "entry open is outside the price data"
    # decision on the bar before the entry; exit decided at the close of the 3rd session held
    assert p.loc["pre", "decision_date"] == pd.Timestamp("2025-11-04")
    assert p.loc["pre", "exit_decision_date"] == pd.Timestamp("2025-11-07")


def test_reaction_entry_is_the_open_after_day0_close():
    b = bars(1)
    p = pivot_event_plan(b, EV.iloc[:3], hold=2, direction="reaction")
    c = b["close"]
    r0 = c.loc["2025-11-05"] / c.loc["2025-11-04"] - 1
    assert p.loc["pre", "reaction"] == pytest.approx(r0)
    assert p.loc["pre", "side"] == np.sign(r0)
    assert p.loc["pre", "entry_session"] == pd.Timestamp("2025-11-06")
    rev = pivot_event_plan(b, EV.iloc[:1], hold=2, direction="reversal")
    assert rev.loc["pre", "side"] == -np.sign(r0)


def test_signals_and_fills_of_a_short_event():
    b = bars(2)
    plan = pivot_event_plan(b, EV.iloc[:1], hold=2, type_sides={"ai_pivot": -1})
    sig = pivot_event_signals(b, plan, sl_stop=0.5)["pre"]
    res = run_backtest(b, {"pre": sig}, fees=0.0, slippage=0.0)
    t = res.trades.iloc[0]
    assert t.direction == "short" and t.entry_date == pd.Timestamp("2025-11-05")
    assert t.exit_date == pd.Timestamp("2025-11-07") and t.entry_price == pytest.approx(
        b["open"].loc["2025-11-05"]
    )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10**6),
    t=st.integers(1, len(IDX) - 2),
    direction=st.sampled_from(["type", "reaction"]),
)
def test_no_look_ahead(seed, t, direction):
    """Altering bars after t leaves every decision taken at or before t unchanged."""
    b = bars(seed)
    b2 = b.copy()
    b2.iloc[t + 1 :] *= np.exp(np.random.default_rng(seed).normal(0, 0.3, (len(b) - t - 1, 1)))
    p1 = pivot_event_plan(b, EV, hold=3, direction=direction)
    p2 = pivot_event_plan(b2, EV, hold=3, direction=direction)
    known = p1["decision_date"] <= b.index[t]
    pd.testing.assert_frame_equal(p1[known], p2[known])
    s1 = pivot_event_signals(b, p1[known], sl_stop=0.05, tp_stop=0.1)
    s2 = pivot_event_signals(b2, p2[known], sl_stop=0.05, tp_stop=0.1)
    if s1:
        r1, r2 = run_backtest(b, s1), run_backtest(b2, s2)
        pd.testing.assert_frame_equal(r1.equity.iloc[: t + 1], r2.equity.iloc[: t + 1])


def test_hedge_beta_uses_only_pre_event_returns():
    rng = np.random.default_rng(4)
    days = pd.date_range("2025-01-01", "2025-11-21", freq="D")
    btc = pd.Series(100_000 * np.exp(np.cumsum(rng.normal(0, 0.02, len(days)))), index=days)
    sess = pd.bdate_range("2025-01-02", "2025-11-21")
    stock = pd.Series(np.exp(1.5 * np.log(btc.reindex(sess).to_numpy() / 1e5)) * 10, index=sess)
    plan = pd.DataFrame(
        {"decision_date": [pd.Timestamp("2025-11-04")], "dropped": [""]}, index=["e"]
    )
    b1 = hedge_betas(stock, btc, plan, window=120, min_obs=60)["e"]
    stock2 = stock.copy()
    stock2.loc["2025-11-04":] *= 3.0  # event-day and later prices change
    btc2 = btc.copy()
    btc2.loc["2025-11-04":] *= 0.5
    assert hedge_betas(stock2, btc2, plan, window=120, min_obs=60)["e"] == b1
    # log-linear stock: the simple-return beta is close to 1.5
    assert 1.3 < b1 < 1.7
    short = pd.DataFrame(
        {"decision_date": [pd.Timestamp("2025-02-10")], "dropped": [""]}, index=["e"]
    )
    assert np.isnan(hedge_betas(stock, btc, short, window=120, min_obs=60)["e"])


def test_plan_errors():
    with pytest.raises(DataError, match="hold"):
        pivot_event_plan(bars(), EV, hold=0)
    with pytest.raises(DataError, match="direction"):
        pivot_event_plan(bars(), EV, direction="sentiment")  # type: ignore[arg-type]
    with pytest.raises(DataError, match="assign_day0"):
        pivot_event_plan(bars(), EV.drop(columns="day0"))
