"""Regression tests for the event-study bugs of issue 14, each named after the bug.

Synthetic data (seeded normal draws), never presented as market data.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from riskkit.events import event_study


def _panel(n=400, firms=("X", "Y"), seed=0):
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2022-01-03", periods=n, name="date")
    m = pd.DataFrame({"market": rng.normal(0, 0.01, n)}, index=idx)
    r = pd.DataFrame({f: 1.1 * m["market"] + rng.normal(0, 0.02, n) for f in firms}, index=idx)
    return r, m, idx


def _study(ev, r, m, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return event_study(ev, returns=r, factors=m, calendar="returns", **kw)


def test_unknown_timing_of_one_firm_does_not_widen_other_firms_cutouts():
    r, m, idx = _panel()
    # X: an early event whose window lies in the later X event's estimation window
    base = {
        "event_id": ["x1", "x2", "y1"],
        "ticker": ["X", "X", "Y"],
        "date": [idx[200], idx[380], idx[390]],
    }
    known = pd.DataFrame({**base, "timing": ["pre-market", "pre-market", "pre-market"]})
    y_unknown = pd.DataFrame({**base, "timing": ["pre-market", "pre-market", "unknown"]})
    a = _study(known, r, m).params.set_index("event_id")
    b = _study(y_unknown, r, m).params.set_index("event_id")
    # firm Y's timing must not change firm X's estimation sample
    assert a.loc["x2", "nobs"] == b.loc["x2", "nobs"]
    assert a.loc["x2", "alpha"] == b.loc["x2", "alpha"]


def test_unknown_timing_widens_the_events_own_cutout_by_one_session():
    r, m, idx = _panel()
    base = {"event_id": ["x1", "x2"], "ticker": ["X", "X"], "date": [idx[200], idx[380]]}
    known = pd.DataFrame({**base, "timing": ["pre-market", "pre-market"]})
    x1_unknown = pd.DataFrame({**base, "timing": ["unknown", "pre-market"]})
    a = _study(known, r, m).params.set_index("event_id")
    b = _study(x1_unknown, r, m).params.set_index("event_id")
    # windows (-1,1),(0,0),(0,5): x1 cuts [-1, 5] = 7 days out of x2's sample, and one
    # more (day +6) when its own timing is unknown
    assert a.loc["x2", "nobs"] == 250 - 7
    assert b.loc["x2", "nobs"] == 250 - 8


def test_zero_variance_estimation_is_skipped_with_its_reason_not_t_of_4e11():
    r, m, idx = _panel()
    r["X"] = 0.001  # constant returns: the residual variance is zero
    r.iloc[380, 0] += 1e-7
    ev = pd.DataFrame(
        {
            "event_id": ["x", "y"],
            "ticker": ["X", "Y"],
            "date": [idx[380]] * 2,
            "timing": ["pre-market"] * 2,
        }
    )
    with pytest.warns(UserWarning, match="zero variance"):
        res = event_study(ev, returns=r, factors=m, calendar="returns")
    assert res.skipped["event_id"].tolist() == ["x"]
    assert "zero variance" in res.skipped["reason"].iloc[0]
    assert set(res.cars["event_id"]) == {"y"}
    assert np.isfinite(res.tests()["statistic"]).all()


def test_exact_linear_function_of_the_market_is_skipped_as_zero_variance():
    r, m, idx = _panel()
    r["X"] = 0.0002 + 1.5 * m["market"]
    ev = pd.DataFrame(
        {"event_id": ["x"], "ticker": ["X"], "date": [idx[380]], "timing": ["pre-market"]}
    )
    res = _study(ev, r, m)
    assert "zero variance" in res.skipped["reason"].iloc[0]


def test_constant_factor_is_skipped_as_singular_not_fitted():
    r, m, idx = _panel()
    m = m.copy()
    m.iloc[:, 0] = 0.0  # e.g. a market series of zeros: beta is not identified
    ev = pd.DataFrame(
        {"event_id": ["x"], "ticker": ["X"], "date": [idx[380]], "timing": ["pre-market"]}
    )
    res = _study(ev, r, m)
    assert "constant" in res.skipped["reason"].iloc[0]


def test_skip_after_the_end_of_the_data_says_after_the_last_date():
    r, m, idx = _panel()
    ev = pd.DataFrame(
        {
            "event_id": ["late"],
            "ticker": ["X"],
            "date": [idx[-1] + pd.Timedelta(days=30)],
            "timing": ["pre-market"],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # day 0 on the NYSE calendar, a month after the returns end
        res = event_study(ev, returns=r, factors=m, calendar="XNYS")
    reason = res.skipped["reason"].iloc[0]
    assert "after the last date of the returns" in reason
    assert "holiday" not in reason


def test_more_than_twenty_skips_are_warned_in_one_summary_line():
    r, m, idx = _panel()
    ev = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(30)],
            "ticker": ["X"] * 30,
            "date": [idx[5]] * 30,
            "timing": ["pre-market"] * 30,
        }
    )
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        res = event_study(ev, returns=r, factors=m, calendar="returns")
    msgs = [str(w.message) for w in got if "skipped" in str(w.message)]
    assert len(res.skipped) == 30
    assert len(msgs) == 21
    assert "10 more events skipped (of 30)" in msgs[-1]
