"""Size under the null of the issue-10 tests, with the placebo simulator.

SYNTHETIC panels (independent market-model returns with Student-t noise, not market
data), where the tests' assumptions hold: at 5% each test must reject in a share of the
trials inside the two-sided 99.9% binomial band around 5% (seeded, so the outcome is
fixed; the band says how far chance alone would carry a well-sized test). The size on
the bundled real data, same-day and staggered, is in ``bench/results/EVENT_TEST_SIZE.md``
(``bench/event_test_size.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from riskkit.events import simulate


def _synthetic(seed=0, n_firms=10, n_days=1600):
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2015-01-05", periods=n_days, name="date")
    mkt = rng.normal(0.0003, 0.01, n_days)
    rets = {f"S{i}": 0.0002 + rng.uniform(0.6, 1.6) * mkt
            + rng.uniform(0.01, 0.03) * rng.standard_t(5, n_days) / np.sqrt(5 / 3)
            for i in range(n_firms)}  # fmt: skip
    return pd.DataFrame(rets, index=idx), pd.DataFrame({"market": mkt}, index=idx)


NONE = pd.DataFrame(columns=["event_id", "ticker", "date"])


def _check_band(res, tests):
    f = res.to_frame()
    null = f[(f["scenario"] == "no_effect") & np.isclose(f["alpha"], 0.05)]
    assert set(null["test"]) == set(tests)
    for r in null.itertuples():
        n = int(r.n_trials)
        lo, hi = sps.binom.ppf(0.0005, n, 0.05), sps.binom.isf(0.0005, n, 0.05)
        assert n >= 0.95 * res.n_trials, r
        assert lo <= r.n_rejections <= hi, (r.test, r.window, r.n_rejections, n, lo, hi)


def test_grank_and_bootstrap_hold_their_size_on_a_null_panel():
    returns, factors = _synthetic()
    tests = ["grank_t", "grank_z", "bootstrap_bmp", "bootstrap_kp"]
    res = simulate(20, returns=returns, factors=factors, events=NONE, n_trials=300, seed=4,
                   windows=[(-1, 1), (0, 0)], tests=tests, alphas=(0.05,))  # fmt: skip
    _check_band(res, tests)


@pytest.mark.slow
def test_garch_tests_hold_their_size_on_a_null_panel():
    returns, factors = _synthetic(seed=1)
    tests = ["garch_bmp", "garch_z"]
    res = simulate(10, returns=returns, factors=factors, events=NONE, n_trials=150, seed=5,
                   windows=[(0, 0)], tests=tests, alphas=(0.05,))  # fmt: skip
    _check_band(res, tests)
