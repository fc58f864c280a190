"""Wild bootstrap of the CAAR tests against hand calculations written here.

Checks: the p-value equals a plain loop over the same uniform draws; with Rademacher
weights it converges to the exact enumeration over all 2^N sign vectors; Mammen's
two-point weights have the moments of Mammen (1993); the engine's rows are the BMP and
Kolari-Pynnönen statistics with seeded, reproducible p-values. Panels are SYNTHETIC.
"""

from __future__ import annotations

import itertools
import math
import zlib

import numpy as np
import pandas as pd
import pytest

from riskkit import DataError
from riskkit.events import event_study, stats
from riskkit.events.bootstrap import wild_bootstrap_caar, wild_weights


def _bmp(x) -> float:
    n = len(x)
    m = sum(x) / n
    sd = math.sqrt(sum((v - m) ** 2 for v in x) / (n - 1))
    return math.sqrt(n) * m / sd


def test_p_value_equals_plain_loop_over_the_same_draws():
    sc = [1.9, -0.3, 0.8, 2.6, 0.2, 1.4, -0.9, 1.1, 0.5, 2.0]
    t_obs = _bmp(sc)
    b_draws = 400
    for kind in ("rademacher", "mammen"):
        got = wild_bootstrap_caar(np.array(sc), {"bmp": t_obs, "kp": 0.7 * t_obs},
                                  n_boot=b_draws, weights=kind, rng=np.random.default_rng(9))  # fmt: skip
        u = np.random.default_rng(9).random((b_draws, len(sc)))  # the same uniforms
        mean = sum(sc) / len(sc)
        hi = (math.sqrt(5) + 1) / 2
        lo = -(math.sqrt(5) - 1) / 2
        p_mammen = (math.sqrt(5) + 1) / (2 * math.sqrt(5))
        count_bmp = count_kp = 0
        for b in range(b_draws):
            star = []
            for i, v in enumerate(sc):
                if kind == "rademacher":
                    w = -1.0 if u[b, i] < 0.5 else 1.0
                else:
                    w = lo if u[b, i] < p_mammen else hi
                star.append(w * (v - mean))
            t_b = _bmp(star)
            count_bmp += abs(t_b) >= abs(t_obs)
            count_kp += abs(t_b) >= abs(0.7 * t_obs)
        assert got["bmp"].p_value == pytest.approx((1 + count_bmp) / (b_draws + 1), abs=1e-15)
        assert got["kp"].p_value == pytest.approx((1 + count_kp) / (b_draws + 1), abs=1e-15)
        assert got["bmp"].statistic == t_obs


def test_rademacher_converges_to_exact_sign_enumeration():
    sc = np.array([2.2, 0.4, 1.5, -0.6, 0.9, 1.8, 0.1, 1.2])
    t_obs = _bmp(list(sc))
    e = sc - sc.mean()
    tot = hits = 0
    for signs in itertools.product((-1.0, 1.0), repeat=sc.size):
        tot += 1
        hits += abs(_bmp(list(np.array(signs) * e))) >= abs(t_obs)
    exact = hits / tot
    b = 40_000
    got = wild_bootstrap_caar(sc, {"bmp": t_obs}, n_boot=b, rng=np.random.default_rng(1))
    band = 4 * math.sqrt(exact * (1 - exact) / b) + 2 / b
    assert abs(got["bmp"].p_value - exact) < band


def test_mammen_weights_two_points_and_moments():
    w = wild_weights(np.random.default_rng(0), (50_000,), "mammen")
    vals = np.unique(w)
    assert vals == pytest.approx([-(math.sqrt(5) - 1) / 2, (math.sqrt(5) + 1) / 2])
    p = (math.sqrt(5) + 1) / (2 * math.sqrt(5))
    moments = [p * vals[0] ** k + (1 - p) * vals[1] ** k for k in (1, 2, 3)]
    assert moments == pytest.approx([0.0, 1.0, 1.0], abs=1e-12)  # Mammen (1993)
    assert float(np.mean(w == vals[0])) == pytest.approx(p, abs=0.01)
    with pytest.raises(DataError, match="bootstrap_weights"):
        wild_weights(np.random.default_rng(0), (3,), "gaussian")  # type: ignore[arg-type]


def _panel(seed=0, n_firms=12, n_days=380):
    """SYNTHETIC market-model panel, one event per firm, staggered days."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2021-01-04", periods=n_days, name="date")
    mkt = rng.normal(0.0, 0.01, n_days)
    rets = {f"F{i}": 1.1 * mkt + rng.normal(0, 0.02, n_days) for i in range(n_firms)}
    ev = pd.DataFrame({"event_id": [f"E{i}" for i in range(n_firms)],
                       "ticker": [f"F{i}" for i in range(n_firms)],
                       "date": [idx[300 + 5 * i] for i in range(n_firms)],
                       "timing": "pre-market"})  # fmt: skip
    return pd.DataFrame(rets, index=idx), pd.DataFrame({"market": mkt}, index=idx), ev


def test_engine_bootstrap_rows_are_seeded_bmp_and_kp():
    returns, factors, ev = _panel()
    kw = dict(returns=returns, factors=factors, calendar="returns", windows=[(0, 0), (-1, 1)])
    res = event_study(ev, tests=["bmp", "kolari_pynnonen", "bootstrap_bmp", "bootstrap_kp"],
                      bootstrap=499, seed=3, **kw)  # fmt: skip
    tt = res.tests().query("group_by == 'all'").set_index(["window", "test"])
    for win in ("[0,0]", "[-1,1]"):
        assert tt.loc[(win, "bootstrap_bmp"), "statistic"] == tt.loc[(win, "bmp"), "statistic"]
        kp = tt.loc[(win, "kolari_pynnonen"), "statistic"]
        assert tt.loc[(win, "bootstrap_kp"), "statistic"] == kp
        p = tt.loc[(win, "bootstrap_bmp"), "p_value"]
        assert 0 < p <= 1 and (p * 500) == pytest.approx(round(p * 500))  # (1 + k) / (B + 1)
    # a group draws from default_rng([seed, 2011, crc32 of its SCARs]): its own data only
    for win in ("[0,0]", "[-1,1]"):
        cars = res.to_frame().query("window == @win")
        sc = (cars["car"] / cars["car_se"]).to_numpy()
        gen = np.random.default_rng([3, 2011, zlib.crc32(sc.tobytes())])
        want = wild_bootstrap_caar(sc, {"b": stats.bmp_t(sc).statistic}, n_boot=499, rng=gen)
        assert tt.loc[(win, "bootstrap_bmp"), "p_value"] == pytest.approx(want["b"].p_value)
    # every event is a firm event: the scope=firm group has the same members, the same p
    firm = (
        res.tests().query("group_by == 'scope' and group == 'firm'").set_index(["window", "test"])
    )
    assert firm.loc[tt.index, "p_value"].tolist() == tt["p_value"].tolist()
    again = event_study(ev, tests=["bootstrap_bmp"], bootstrap=499, seed=3, **kw).tests()
    assert again.query("test == 'bootstrap_bmp'")["p_value"].tolist() == (
        res.tests().query("test == 'bootstrap_bmp'")["p_value"].tolist()
    )
    mam = event_study(ev, tests=["bootstrap_bmp"], bootstrap=499, seed=3,
                      bootstrap_weights="mammen", **kw).tests()  # fmt: skip
    assert mam["p_value"].tolist() != again["p_value"].tolist()


def test_bad_bootstrap_options_are_refused():
    returns, factors, ev = _panel()
    kw = dict(returns=returns, factors=factors, calendar="returns")
    with pytest.raises(DataError, match="bootstrap=0"):
        event_study(ev, tests="all", bootstrap=0, **kw)
    with pytest.raises(DataError, match="bootstrap_weights"):
        event_study(ev, tests="all", bootstrap_weights="normal", **kw)  # type: ignore[arg-type]
