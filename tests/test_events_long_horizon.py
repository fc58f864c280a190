"""Long-horizon BHAR and Lyon-Barber-Tsai (1999) tests: hand calculations, size, errors.

Every panel here is SYNTHETIC (seeded numpy draws) except the one bundled-data test.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from riskkit import DataError
from riskkit.events.long_horizon import (
    bootstrap_skewness_adjusted_t,
    long_horizon,
    long_horizon_section,
    skewness_adjusted_t,
)


def _hand_tsa(x: list[float]) -> tuple[float, float, float]:
    """LBT (1999) eq. (5) with plain Python sums."""
    n = len(x)
    mean = sum(x) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in x) / (n - 1))
    gamma = sum((v - mean) ** 3 for v in x) / (n * sd**3)
    s = mean / sd
    return math.sqrt(n) * (s + gamma * s * s / 3 + gamma / (6 * n)), math.sqrt(n) * s, gamma


def test_skewness_adjusted_t_equals_the_formula_by_hand():
    x = [0.12, -0.30, 0.05, 0.81, 0.02, -0.11, 0.44]
    got = skewness_adjusted_t(np.array(x))
    assert got == pytest.approx(_hand_tsa(x), rel=1e-12)
    # gamma is the moment skewness with the ddof-1 sd in the denominator (LBT's gamma-hat):
    b1 = sps.skew(x, bias=True)  # m3 / m2^1.5 with ddof 0
    n = len(x)
    assert got[2] == pytest.approx(b1 * ((n - 1) / n) ** 1.5, rel=1e-12)


def test_skewness_adjustment_vanishes_for_a_symmetric_sample():
    x = np.array([-0.3, -0.1, 0.0, 0.1, 0.3]) + 0.05
    t_sa, t, g = skewness_adjusted_t(x)
    assert g == pytest.approx(0.0, abs=1e-12)
    assert t_sa == pytest.approx(t, rel=1e-12)


def test_bootstrap_p_equals_a_loop_over_the_same_resamples():
    rng = np.random.default_rng(5)
    x = rng.lognormal(0, 0.7, 24) - 1.0
    p, used = bootstrap_skewness_adjusted_t(x, n_boot=300, subsample=0.25, seed=11)
    idx = np.random.default_rng(11).integers(0, 24, size=(300, 6))
    t_sa = _hand_tsa(list(x))[0]
    below = above = 0
    for row in idx:
        xs = [float(x[j]) for j in row]
        nb = len(xs)
        m = sum(xs) / nb
        sd = math.sqrt(sum((v - m) ** 2 for v in xs) / (nb - 1))
        g = sum((v - m) ** 3 for v in xs) / (nb * sd**3)
        s = (m - float(np.mean(x))) / sd
        tb = math.sqrt(nb) * (s + g * s * s / 3 + g / (6 * nb))
        below += tb <= t_sa
        above += tb >= t_sa
    assert used == 300
    assert p == pytest.approx(min(1.0, 2 * min(below, above) / 300), abs=1e-12)


def _panel(seed=0, T=260, F=5):
    """SYNTHETIC returns of F firms and a market, business days."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2023-01-02", periods=T, name="date")
    m = pd.DataFrame({"market": rng.normal(0.0003, 0.01, T)}, index=idx)
    r = pd.DataFrame(
        1.5 * m.to_numpy() + rng.normal(0, 0.03, (T, F)),
        index=idx,
        columns=[f"F{j}" for j in range(F)],
    )
    return r, m


def test_bhar_equals_a_plain_loop_with_lbt_reference_portfolio():
    r, m = _panel()
    r.iloc[:40, 4] = np.nan  # F4 lists late: not a peer of early windows
    pos = [30, 70, 100, 150, 200]
    ev = pd.DataFrame({"event_id": [f"e{k}" for k in range(5)],
                       "ticker": ["F0", "F1", "F2", "F0", "F3"], "date": r.index[pos],
                       "timing": "pre-market"})  # fmt: skip
    res = long_horizon(ev, returns=r, factors=m, calendar="returns", horizons=[15, 40],
                       start=1, n_boot=50)  # fmt: skip
    got = res.to_frame().set_index(["event_id", "horizon", "benchmark"])
    for k, p in enumerate(pos):
        for h in (15, 40):
            rows = range(p + 1, p + h + 1)
            tk = ev["ticker"][k]
            g = 1.0
            for t in rows:
                g *= 1 + r[tk].iloc[t]
            gm = 1.0
            for t in rows:
                gm *= 1 + m["market"].iloc[t]
            peers = []
            for c in r.columns:
                if c == tk or any(np.isnan(r[c].iloc[t]) for t in rows):
                    continue
                gp = 1.0
                for t in rows:
                    gp *= 1 + r[c].iloc[t]
                peers.append(gp - 1)
            assert got.loc[(f"e{k}", h, "market"), "bhar"] == pytest.approx(g - gm, abs=1e-13)
            peer_bhr = sum(peers) / len(peers)
            assert got.loc[(f"e{k}", h, "peers"), "bhar"] == pytest.approx(
                g - 1 - peer_bhr, abs=1e-13
            )
            assert got.loc[(f"e{k}", h, "peers"), "n_peers"] == len(peers)
    assert got.loc[("e0", 15, "peers"), "n_peers"] == 3  # F4 not yet listed
    # the test table is the formula on these BHARs
    tt = res.tests().set_index(["horizon", "benchmark"])
    x = got.xs((40, "peers"), level=("horizon", "benchmark"))["bhar"].tolist()
    t_sa, t, g = _hand_tsa(x)
    row = tt.loc[(40, "peers")]
    assert row["t_sa"] == pytest.approx(t_sa, rel=1e-12)
    assert row["p_t"] == pytest.approx(2 * sps.t.sf(abs(t), 4), rel=1e-10)
    assert row["p_sa"] == pytest.approx(2 * sps.t.sf(abs(t_sa), 4), rel=1e-10)
    assert row["skewness"] == pytest.approx(g, rel=1e-12)


def test_rebalanced_peers_compound_the_daily_equal_weight_mean():
    r, m = _panel(1)
    ev = pd.DataFrame({"event_id": ["a"], "ticker": ["F2"], "date": [r.index[50]],
                       "timing": "pre-market"})  # fmt: skip
    res = long_horizon(ev, returns=r, factors=m, calendar="returns", horizons=[10], start=0,
                       peer_weighting="rebalanced", n_boot=10)  # fmt: skip
    g = 1.0
    for t in range(50, 61):
        g *= 1 + float(np.mean([r[c].iloc[t] for c in ("F0", "F1", "F3", "F4")]))
    f = float(np.prod(1 + r["F2"].iloc[50:61]))
    got = res.to_frame().set_index("benchmark").loc["peers", "bhar"]
    assert got == pytest.approx(f - g, abs=1e-13)


def test_incomplete_windows_are_dropped_with_their_reason():
    r, m = _panel(2, T=120)
    r.iloc[60, 1] = np.nan
    ev = pd.DataFrame({"event_id": ["late", "gap", "ok"], "ticker": ["F0", "F1", "F2"],
                       "date": r.index[[110, 55, 20]], "timing": "pre-market"})  # fmt: skip
    res = long_horizon(ev, returns=r, factors=m, calendar="returns", horizons=[20], n_boot=10)
    reasons = res.dropped.set_index("event_id")["reason"]
    assert "past the returns" in reasons["late"]
    assert "missing return" in reasons["gap"]
    assert set(res.to_frame()["event_id"]) == {"ok"}
    assert res.tests()["n"].tolist() == [1, 1]
    assert res.tests()["t_sa"].isna().all()  # n < 3: no test, not a fake number


def test_size_of_the_skewness_adjusted_t_under_the_null():
    """SYNTHETIC skewed BHARs (centred lognormal, sigma 0.8, n = 50): 2,000 samples.

    The conventional t over-rejects (LBT's point); the skewness-adjusted t stays inside
    the 99% binomial band around 5%.
    """
    rng = np.random.default_rng(1)
    reps, n = 2000, 50
    x = rng.lognormal(0, 0.8, (reps, n)) - np.exp(0.32)
    p_t, p_sa = [], []
    for row in x:
        t_sa, t, _ = skewness_adjusted_t(row)
        p_t.append(2 * sps.t.sf(abs(t), n - 1))
        p_sa.append(2 * sps.t.sf(abs(t_sa), n - 1))
    lo, hi = sps.binom.ppf([0.005, 0.995], reps, 0.05) / reps
    rate_sa = float(np.mean(np.array(p_sa) <= 0.05))
    rate_t = float(np.mean(np.array(p_t) <= 0.05))
    assert lo <= rate_sa <= hi, (rate_sa, lo, hi)
    assert rate_t > hi  # the conventional t is over-sized on skewed BHARs


def test_size_of_the_bootstrapped_skewness_adjusted_t():
    """SYNTHETIC centred lognormal BHARs (sigma 0.5, n = 30): 400 samples x 500 resamples."""
    rng = np.random.default_rng(3)
    reps = 400
    rej = 0
    for r in range(reps):
        x = rng.lognormal(0, 0.5, 30) - np.exp(0.125)
        p, _ = bootstrap_skewness_adjusted_t(x, n_boot=500, seed=r)
        rej += p <= 0.05
    lo, hi = sps.binom.ppf([0.005, 0.995], reps, 0.05) / reps
    assert lo <= rej / reps <= hi, (rej / reps, lo, hi)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"horizons": []}, "horizons is empty"),
        ({"horizons": [5], "start": 6}, "ends before start"),
        ({"horizons": [2.5]}, "horizon=2.5 must be a whole number"),
        ({"peer_weighting": "value"}, "peer_weighting='value'"),
        ({"subsample": 0.0}, "subsample=0.0"),
        ({"n_boot": 0}, "n_boot=0"),
        ({"scope": "firms"}, "scope='firms'"),
        ({"universe": ["ZZZ"]}, "universe has ticker"),
    ],
)
def test_bad_options_raise_dataerror(kwargs, match):
    r, m = _panel()
    ev = pd.DataFrame({"event_id": ["a"], "ticker": ["F0"], "date": [r.index[30]],
                       "timing": "pre-market"})  # fmt: skip
    with pytest.raises(DataError, match=match):
        long_horizon(ev, returns=r, factors=m, calendar="returns", **kwargs)


def test_missing_market_and_user_result_without_returns_raise():
    from riskkit.events import event_study

    r, m = _panel()
    ev = pd.DataFrame({"event_id": ["a"], "ticker": ["F0"], "date": [r.index[200]],
                       "timing": "pre-market"})  # fmt: skip
    with pytest.raises(DataError, match="needs the market return"):
        long_horizon(ev, returns=r, calendar="returns")
    res = event_study(ev, returns=r, factors=m, calendar="returns", windows=[(0, 0)])
    with pytest.raises(DataError, match="pass the same returns="):
        long_horizon(res)
    with pytest.raises(DataError, match="at least 3 values"):
        skewness_adjusted_t(np.array([0.1, 0.2]))
    with pytest.raises(DataError, match="all equal"):
        skewness_adjusted_t(np.array([0.1, 0.1, 0.1]))


def test_result_display_and_section(tmp_path):
    from riskkit.report import Section, render_page

    r, m = _panel(4)
    ev = pd.DataFrame({"event_id": list("abcdef"), "ticker": ["F0", "F1", "F2", "F3", "F4", "F0"],
                       "date": r.index[[10, 40, 70, 100, 130, 160]], "timing": "pre-market"})  # fmt: skip
    res = long_horizon(ev, returns=r, factors=m, calendar="returns", horizons=[10, 30],
                       n_boot=200)  # fmt: skip
    assert "<table>" in res._repr_html_() and "<pre>" not in res._repr_html_()
    assert len(repr(res).splitlines()) <= 3
    assert "skewness-adjusted t" in res.conclusion()
    secs = long_horizon_section(res)
    assert all(isinstance(s, Section) for s in secs)
    page = render_page("t", sections=secs, meta={}, out_path=tmp_path / "p.html")
    assert "Skew-adj" in page.read_text() or "skew" in page.read_text().lower()
    assert res.tests()["n"].tolist() == [6, 6, 6, 6]


def test_bundled_firm_events_from_an_event_study_result():
    from riskkit.events import event_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the study's skipped-event warnings
        study = event_study(model="market")
    res = long_horizon(study, scope="firm", horizons=[20], n_boot=200)
    firm_ids = set(study.events.loc[study.events["parent_id"] == study.events["event_id"]]
                   .query("status == 'estimated'")["event_id"])  # fmt: skip
    assert len(firm_ids) == 33
    used = set(res.to_frame()["event_id"]) | set(res.dropped["event_id"])
    assert used == firm_ids
    # IREN's Microsoft contract, by hand from the bundled closes
    from riskkit.events.study import bundled_returns_and_factors

    rets, facs, _ = bundled_returns_and_factors()
    p = rets.index.get_loc(pd.Timestamp("2025-11-03"))
    f = float(np.prod(1 + rets["IREN"].iloc[p + 1 : p + 21]))
    mk = float(np.prod(1 + facs["market"].iloc[p + 1 : p + 21]))
    row = res.to_frame().query("event_id == 'IREN-2025-11-03-microsoft' and benchmark == 'market'")
    assert float(row["bhar"].iloc[0]) == pytest.approx(f - mk, abs=1e-12)
