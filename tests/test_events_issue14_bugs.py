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
