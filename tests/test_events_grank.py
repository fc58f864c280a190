"""Kolari-Pynnönen (2011) GRANK-T / GRANK-Z against hand calculations written here.

No published table with the inputs of a GRANK number is available to us (the paper
reports simulated rejection rates only), so every expected value below is a plain-Python
loop from the paper's formulas (Section 2: re-standardized SCAR, GSAR, demeaned ranks
``U``, ``Z = Ubar_0 / S_Ubar``, ``t_grank = Z sqrt((T - 2) / (T - 1 - Z^2))``). Panels are
SYNTHETIC (simulated returns, not market data).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from riskkit import DataError
from riskkit.events import event_study
from riskkit.events.grank import grank, grank_from_sums


def _rank_avg(values: list[float], x: float) -> float:
    """Rank of ``x`` among ``values`` (``x`` included once in them), ties averaged."""
    below = sum(1 for v in values if v < x)
    equal = sum(1 for v in values if v == x)
    return below + (equal + 1) / 2.0


def hand_grank(sar: np.ndarray, scar: np.ndarray) -> tuple[float, float, int]:
    """Z, t_grank and T from the paper's formulas, one loop per quantity."""
    m_rows, n = sar.shape
    sd = math.sqrt(sum((s - sum(scar) / n) ** 2 for s in scar) / (n - 1))
    u = [[None] * n for _ in range(m_rows + 1)]
    for i in range(n):
        col = [sar[t, i] for t in range(m_rows)] + [scar[i] / sd]
        vals = [v for v in col if not math.isnan(v)]
        t_i = len(vals)
        for t, v in enumerate(col):
            if not math.isnan(v):
                u[t][i] = _rank_avg(vals, v) / (t_i + 1) - 0.5
    n0 = sum(1 for i in range(n) if u[m_rows][i] is not None)
    acc, rows = 0.0, 0
    for t in range(m_rows + 1):
        present = [x for x in u[t] if x is not None]
        if present:
            rows += 1
            ubar = sum(present) / len(present)
            acc += len(present) / n0 * ubar**2
    s_u = math.sqrt(acc / rows)
    ubar0 = sum(x for x in u[m_rows] if x is not None) / n0
    z = ubar0 / s_u
    t_stat = z * math.sqrt((rows - 2) / (rows - 1 - z * z))
    return z, t_stat, rows


def test_grank_equals_hand_loop_with_missing_and_ties():
    rng = np.random.default_rng(3)
    sar = rng.standard_normal((60, 12)).round(1)  # rounding makes ties
    sar[rng.random(sar.shape) < 0.1] = np.nan  # missing days
    scar = rng.standard_normal(12) + 0.8
    t_res, z_res = grank(sar, scar)
    z, t_stat, rows = hand_grank(sar, scar)
    assert z_res.statistic == pytest.approx(z, rel=1e-12)
    assert t_res.statistic == pytest.approx(t_stat, rel=1e-12)
    assert t_res.df == rows - 2
    assert t_res.p_value == pytest.approx(2 * sps.t.sf(abs(t_stat), rows - 2), rel=1e-10)
    assert z_res.p_value == pytest.approx(2 * sps.norm.sf(abs(z)), rel=1e-10)


def test_grank_from_sums_small_case_by_hand():
    # two events, three rows: Ubar = (0.05, -0.10, 0.15); S = sqrt((.0025+.01+.0225)/3)
    t_res, z_res = grank_from_sums(np.array([0.1, -0.2, 0.3]), np.array([2.0, 2.0, 2.0]))
    s = math.sqrt((0.05**2 + 0.10**2 + 0.15**2) / 3)
    assert z_res.statistic == pytest.approx(0.15 / s, rel=1e-12)
    z = 0.15 / s
    assert t_res.statistic == pytest.approx(z * math.sqrt(1 / (2 - z * z)), rel=1e-12)


def test_grank_too_few_events_is_nan():
    t_res, z_res = grank(np.zeros((10, 1)), np.array([1.0]))
    assert math.isnan(t_res.statistic) and math.isnan(z_res.statistic)


def _panel(seed=0, n_firms=8, n_days=400, same_day=False, planted=0.0):
    """SYNTHETIC market-model panel with one event per firm."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2021-01-04", periods=n_days, name="date")
    mkt = rng.normal(0.0, 0.01, n_days)
    rets, events = {}, []
    for i in range(n_firms):
        r = 0.0003 + rng.uniform(0.5, 1.5) * mkt + rng.normal(0, rng.uniform(0.01, 0.03), n_days)
        p0 = 330 if same_day else 300 + 7 * i
        r[p0] += planted
        rets[f"F{i}"] = r
        events.append((f"E{i}", f"F{i}", idx[p0], "pre-market"))
    returns = pd.DataFrame(rets, index=idx)
    returns.iloc[100:104, 2] = np.nan  # a missing stretch in one estimation window
    ev = pd.DataFrame(events, columns=["event_id", "ticker", "date", "timing"])
    return returns, pd.DataFrame({"market": mkt}, index=idx), ev


def _hand_inputs(returns, factors, ev, a, b, estimation=250, gap=10):
    """Per event, by plain OLS: standardized estimation residuals and the SCAR of [a, b]
    with the prediction-error variance s^2 (L + g'(X'X)^-1 g) (MacKinlay 1997)."""
    grid = returns.index
    sars, scars = [], []
    for _, e in ev.iterrows():
        p0 = grid.get_loc(e["date"])
        rows = np.arange(p0 - gap - estimation, p0 - gap)
        y = returns[e["ticker"]].to_numpy()[rows]
        x = factors["market"].to_numpy()[rows]
        ok = np.isfinite(y)
        xm = np.column_stack([np.ones(ok.sum()), x[ok]])
        coef, *_ = np.linalg.lstsq(xm, y[ok], rcond=None)
        res = y[ok] - xm @ coef
        s2 = float(res @ res) / (ok.sum() - 2)
        col = np.full(estimation, np.nan)
        col[ok] = res / math.sqrt(s2)
        sars.append(col)
        w = np.arange(p0 + a, p0 + b + 1)
        xw = np.column_stack([np.ones(w.size), factors["market"].to_numpy()[w]])
        car = float(np.sum(returns[e["ticker"]].to_numpy()[w] - xw @ coef))
        g = xw.sum(axis=0)
        var = s2 * (w.size + g @ np.linalg.inv(xm.T @ xm) @ g)
        scars.append(car / math.sqrt(var))
    return np.column_stack(sars), np.array(scars)


@pytest.mark.parametrize("same_day", [False, True])
def test_engine_grank_equals_hand_calculation(same_day):
    returns, factors, ev = _panel(seed=4, same_day=same_day, planted=0.02)
    res = event_study(
        ev, returns=returns, factors=factors, calendar="returns", windows=[(0, 0), (-1, 2)],
        tests=["grank_t", "grank_z"],
    )  # fmt: skip
    tt = res.tests().query("group_by == 'all'").set_index(["window", "test"])
    for a, b in ((0, 0), (-1, 2)):
        sar, scar = _hand_inputs(returns, factors, ev, a, b)
        z, t_stat, rows = hand_grank(sar, scar)
        win = f"[{a},{b}]"
        assert tt.loc[(win, "grank_z"), "statistic"] == pytest.approx(z, rel=1e-9)
        assert tt.loc[(win, "grank_t"), "statistic"] == pytest.approx(t_stat, rel=1e-9)
        assert tt.loc[(win, "grank_t"), "df"] == rows - 2
    assert set(res.tests()["test"]) == {"grank_t", "grank_z"}


def test_grank_detects_a_planted_car_and_bad_names_are_refused():
    returns, factors, ev = _panel(seed=5, n_firms=10, planted=0.08)
    res = event_study(ev, returns=returns, factors=factors, calendar="returns",
                      windows=[(0, 0)], tests="all")  # fmt: skip
    row = res.tests().query("group_by == 'all' and test == 'grank_t'")
    assert float(row["p_value"].iloc[0]) < 0.01
    with pytest.raises(DataError, match="unknown test"):
        event_study(ev, returns=returns, factors=factors, calendar="returns", tests=["grank"])
    with pytest.raises(DataError, match="conventions='textbook'"):
        event_study(ev, returns=returns, factors=factors, calendar="returns",
                    conventions="estudy2", tests="all")  # fmt: skip


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 12),
    m=st.integers(5, 60),
    scale=st.floats(0.1, 10.0),
)
def test_grank_is_odd_and_scale_free(seed, n, m, scale):
    """Negating every GSAR reverses the ranks (Z -> -Z); SCAR* = SCAR / S_SCAR does not
    change when every SCAR is multiplied by the same positive number."""
    rng = np.random.default_rng(seed)
    sar = rng.standard_normal((m, n)).round(1)
    scar = rng.standard_normal(n) + 0.5
    t1, z1 = grank(sar, scar)
    t2, z2 = grank(-sar, -scar)
    _, z3 = grank(sar, scale * scar)
    if np.isfinite(z1.statistic):
        assert z2.statistic == pytest.approx(-z1.statistic, rel=1e-9, abs=1e-12)
        assert z3.statistic == pytest.approx(z1.statistic, rel=1e-9, abs=1e-12)
        assert 0.0 <= z1.p_value <= 1.0
        assert (t1.statistic > 0) == (z1.statistic > 0) or z1.statistic == 0
