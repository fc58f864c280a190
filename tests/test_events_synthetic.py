"""SYNTHETIC panels (simulated returns, not market data): power and size of every test.

* A panel with a planted day-0 abnormal return must be detected by every test.
* Under the null (no abnormal return) each test must reject at about its nominal 5% rate.
Seeds are fixed and the simulations are small, so the file runs in a few seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit.events import event_study, stats


def synthetic_panel(n_firms=20, n_days=420, planted=0.0, seed=0):
    """Synthetic market-model panel: R_it = a_i + b_i m_t + c_i btc_t + e_it (t-noise)."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2022-01-03", periods=n_days, name="date")
    mkt = rng.normal(0.0003, 0.01, n_days)
    btc = rng.normal(0.0, 0.03, n_days)
    cols, events = {}, []
    for i in range(n_firms):
        tk = f"F{i:02d}"
        beta, gamma, sig = rng.uniform(0.5, 1.8), rng.uniform(0.0, 0.8), rng.uniform(0.01, 0.02)
        eps = sig * rng.standard_t(6, n_days) / np.sqrt(6 / 4)
        r = 0.0002 + beta * mkt + gamma * btc + eps
        p0 = 320 + 4 * i  # distinct dates (no calendar clustering)
        r[p0] += planted
        cols[tk] = r
        events.append((f"E{i:02d}", tk, idx[p0], "pre-market", "pivot" if i % 2 else "contract"))
    returns = pd.DataFrame(cols, index=idx)
    factors = pd.DataFrame({"market": mkt, "BTC": btc}, index=idx)
    ev = pd.DataFrame(events, columns=["event_id", "ticker", "date", "timing", "event_type"])
    return returns, factors, ev


@pytest.mark.parametrize("model", ["market", "market_btc"])
def test_planted_abnormal_return_detected_by_every_test(model):
    returns, factors, ev = synthetic_panel(planted=0.06, seed=1)
    res = event_study(
        ev, returns=returns, factors=factors, model=model, calendar="returns",
        windows=[(0, 0), (-1, 1)], placebo=300, seed=2,
    )  # fmt: skip
    tests = res.tests()
    all0 = tests[(tests.group_by == "all") & (tests.window == "[0,0]")].set_index("test")
    expected = {"cross_sectional_t", "patell_z", "bmp", "kolari_pynnonen", "rank_cz",
                "generalized_sign", "placebo"}  # fmt: skip
    assert set(all0.index) == expected
    assert (all0["p_value"] < 0.01).all(), all0
    assert all0["estimate"].iloc[0] == pytest.approx(0.06, abs=0.01)
    # single-firm tests: per-event t and the GHK sample-quantile test, event by event
    per = res.to_frame()
    day0 = per[per.window == "[0,0]"]
    assert (day0["p"] < 0.05).mean() >= 0.9
    assert (day0["ghk_p"] < 0.05).mean() >= 0.9


def test_null_panel_not_rejected_by_engine():
    returns, factors, ev = synthetic_panel(planted=0.0, seed=3)
    res = event_study(ev, returns=returns, factors=factors, calendar="returns", windows=[(0, 0)])
    all0 = res.tests().query("group_by == 'all'")
    # one draw of the null: nothing should be far in the tail
    assert (all0["p_value"] > 0.01).all(), all0


def test_null_rejection_rates_near_nominal():
    """Size: 200 replications of N = 20 events, M = 120, constant-mean ARs (t(5) noise)."""
    rng = np.random.default_rng(7)
    reps, n, m = 200, 20, 120
    names = ["cs_t", "patell", "bmp", "kp", "rank", "gsign", "event_t", "ghk"]
    rej = dict.fromkeys(names, 0)
    n_event = 0
    for _ in range(reps):
        sig = rng.uniform(0.01, 0.03, n)
        e = sig * rng.standard_t(5, (m + 1, n)) / np.sqrt(5 / 3)
        est, day0 = e[:m], e[m]
        mu = est.mean(axis=0)
        s2 = est.var(axis=0, ddof=1)
        ar_est = est - mu
        car = day0 - mu
        var = s2 * (1 + 1 / m)  # constant mean: sigma^2 (L + L^2 / M), L = 1
        scar = car / np.sqrt(var)
        dfs = np.full(n, m - 1.0)
        res = {
            "cs_t": stats.cross_sectional_t(car),
            "patell": stats.patell_z(scar, dfs),
            "bmp": stats.bmp_t(scar),
            "kp": stats.kolari_pynnonen(scar, stats.mean_pairwise_correlation(ar_est)),
            "rank": stats.rank_test(np.vstack([ar_est, car]), np.array([m])),
            "gsign": stats.generalized_sign(car, ar_est),
        }
        for k, r in res.items():
            rej[k] += r.p_value < 0.05
        for i in range(5):  # single-firm tests on 5 events per replication
            rej["event_t"] += stats.per_event_t(car[i], var[i], m - 1).p_value < 0.05
            rej["ghk"] += stats.ghk_quantile_test(car[i], ar_est[:, i], 1).p_value < 0.05
            n_event += 1
    for k in ["cs_t", "patell", "bmp", "kp", "rank", "gsign"]:
        assert 0.02 <= rej[k] / reps <= 0.09, (k, rej[k] / reps)
    for k in ["event_t", "ghk"]:
        assert 0.03 <= rej[k] / n_event <= 0.07, (k, rej[k] / n_event)
