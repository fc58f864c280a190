"""The vectorised event-study engine: its two Kolari-Pynnönen paths agree with each other
and with the textbook functions they replace.

Data: the bundled snapshot (real prices) with placebo catalogs of random dates (synthetic
event dates, not real announcements).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from riskkit.events import _engine, bundled_returns_and_factors, event_study, stats


@pytest.fixture(scope="module")
def bundled():
    rets, facs, _ = bundled_returns_and_factors()
    return rets, facs[["market"]]


def placebo_catalog(rets: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """Synthetic placebo events: random tickers, random sessions with 260 sessions of history."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n):
        tk = rets.columns[rng.integers(rets.shape[1])]
        first = rets.index.get_loc(rets[tk].first_valid_index())
        pos = rng.integers(first + 262, len(rets))
        rows.append((f"p{k}", tk, rets.index[pos]))
    ev = pd.DataFrame(rows, columns=["event_id", "ticker", "date"])
    ev["timing"] = "pre-market"
    return ev


def _run(ev, rets, facs, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return event_study(ev, returns=rets, factors=facs, calendar="returns", **kw)


@pytest.mark.parametrize("overlap", ["keep", "exclude"])
def test_kolari_pynnonen_running_sums_equal_the_direct_correlations(bundled, monkeypatch, overlap):
    rets, facs = bundled
    ev = placebo_catalog(rets, 600, seed=1)
    out = {}
    for path in ("direct", "prefix"):
        monkeypatch.setattr(_engine, "KP_PATH", path)
        t = _run(ev, rets, facs, overlap=overlap, windows=[(-1, 1), (0, 0)]).tests()
        out[path] = t[t["test"] == "kolari_pynnonen"].set_index(["group_by", "group", "window"])
    assert len(out["direct"]) > 10
    np.testing.assert_allclose(
        out["prefix"]["statistic"], out["direct"]["statistic"], rtol=1e-10, atol=1e-12
    )


def test_kolari_pynnonen_equals_the_textbook_functions_on_one_group(bundled):
    """rbar from stats.pairwise_correlations on calendar-time residuals, clustered pairs only."""
    rets, facs = bundled
    ev = placebo_catalog(rets, 120, seed=2)
    ev["date"] = ev["date"].iloc[:10].tolist() * 12  # many events share windows
    res = _run(ev, rets, facs, overlap="keep", windows=[(-1, 1)])
    cars = res.cars
    got = res.tests().query("group_by == 'all' and test == 'kolari_pynnonen'")["statistic"]
    # independent recomputation: residuals by date from the fitted parameters
    resid = {}
    for _, row in cars.iterrows():
        span = rets.loc[row["estimation_start"] : row["estimation_end"]].index
        y = rets.loc[span, row["ticker"]]
        e = y - row["alpha"] - row["beta_market"] * facs.loc[span, "market"]
        resid[row["event_id"]] = e
    mat = pd.DataFrame(resid).to_numpy()
    r = stats.pairwise_correlations(mat)
    pos = rets.index.get_indexer(pd.DatetimeIndex(cars["day0"]))
    lo, hi = pos - 1, np.minimum(pos + 1, len(rets) - 1)
    clustered = (lo[:, None] <= hi[None, :]) & (lo[None, :] <= hi[:, None])
    rbar = stats.mean_of_pairs(r, clustered=clustered)
    scars = (cars["car"] / cars["car_se"]).to_numpy()
    want = stats.kolari_pynnonen(scars, rbar).statistic
    assert got.iloc[0] == pytest.approx(want, rel=1e-9)
