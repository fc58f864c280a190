"""The event_study engine: independent recomputation, skips, overlaps, widening, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_events_synthetic import synthetic_panel

from riskkit import DataError, RiskkitWarning
from riskkit.events import EventStudyResult, event_study


@pytest.fixture(scope="module")
def panel():
    return synthetic_panel(n_firms=4, n_days=420, planted=0.04, seed=11)


def test_engine_matches_independent_numpy_ols(panel):
    """CAR, its prediction-error se, t and BHAR recomputed with plain numpy."""
    returns, factors, ev = panel
    res = event_study(
        ev, returns=returns, factors=factors, model="market_btc", calendar="returns",
        estimation=200, gap=5, windows=[(-1, 2)],
    )  # fmt: skip
    row = res.to_frame().iloc[0]
    tk, d0 = row["ticker"], row["day0"]
    p0 = returns.index.get_loc(d0)
    est = slice(p0 - 205, p0 - 5)  # [-205, -6]
    y = returns[tk].iloc[est].to_numpy()
    x = np.column_stack([np.ones(200), factors.iloc[est].to_numpy()])
    b, *_ = np.linalg.lstsq(x, y, rcond=None)
    e = y - x @ b
    s2 = e @ e / (200 - 3)
    xw = np.column_stack([np.ones(4), factors.iloc[p0 - 1 : p0 + 3].to_numpy()])
    yw = returns[tk].iloc[p0 - 1 : p0 + 3].to_numpy()
    car = float(np.sum(yw - xw @ b))
    g = xw.sum(axis=0)
    var = s2 * (4 + g @ np.linalg.inv(x.T @ x) @ g)
    assert row["car"] == pytest.approx(car, abs=1e-14)
    assert row["car_se"] == pytest.approx(np.sqrt(var), rel=1e-10)
    assert row["t"] == pytest.approx(car / np.sqrt(var), rel=1e-10)
    assert row["df"] == 197
    assert row["bhar"] == pytest.approx(np.prod(1 + yw) - np.prod(1 + xw @ b), abs=1e-14)
    assert row["alpha"] == pytest.approx(b[0], abs=1e-14)
    assert row["beta_BTC"] == pytest.approx(b[2], abs=1e-12)
    assert str(row["estimation_start"].date()) == str(returns.index[p0 - 205].date())


def test_result_object(panel):
    returns, factors, ev = panel
    res = event_study(ev, returns=returns, factors=factors, calendar="returns")
    assert isinstance(res, EventStudyResult)
    frame = res.to_frame()
    for col in ["event_id", "ticker", "day0", "window", "car", "car_se", "t", "p", "alpha"]:
        assert col in frame.columns
    assert len(frame) == 4 * 3
    assert list(res.abnormal_returns.columns) == list(ev["event_id"])
    assert "cross_sectional_t" in set(res.tests()["test"])
    assert "model: market" in res.summary()
    assert "<table" in res._repr_html_()
    with pytest.raises(AttributeError):
        res.model = "x"  # type: ignore[misc]


def test_plot_returns_axes(panel):
    import matplotlib

    matplotlib.use("Agg")
    returns, factors, ev = panel
    res = event_study(ev, returns=returns, factors=factors, calendar="returns")
    ax = res.plot()
    assert ax.get_xlabel().startswith("trading days")
    ax1 = res.plot(event_ids=[ev["event_id"][0]])
    assert len(ax1.lines) >= 1


def test_event_before_listing_is_skipped_with_reason(panel):
    returns, factors, ev = panel
    r = returns.copy()
    r.iloc[:380, 0] = np.nan  # F00 "lists" at row 380, after its event at row 320
    with pytest.warns(RiskkitWarning, match="E00.*before listing"):
        res = event_study(ev, returns=r, factors=factors, calendar="returns")
    assert res.skipped["event_id"].tolist() == ["E00"]
    assert "before the first return" in res.skipped["reason"].item()
    assert "E00" not in set(res.to_frame()["event_id"])
    assert res.events.set_index("event_id").loc["E00", "status"] == "skipped"


def test_too_few_estimation_obs_skipped(panel):
    returns, factors, ev = panel
    r = returns.copy()
    r.iloc[:250, 1] = np.nan  # F01: event at row 324 -> 250..313 = 64 estimation obs
    with pytest.warns(RiskkitWarning, match="E01.*only 64 complete estimation returns"):
        res = event_study(ev, returns=r, factors=factors, calendar="returns")
    assert res.skipped["event_id"].tolist() == ["E01"]


def test_overlapping_events_flagged_and_excluded(panel):
    returns, factors, ev = panel
    extra = pd.DataFrame(
        {"event_id": ["E00b"], "ticker": ["F00"], "date": [returns.index[250]],
         "timing": ["pre-market"], "event_type": ["pivot"]}
    )  # fmt: skip
    ev2 = pd.concat([ev, extra], ignore_index=True)
    res = event_study(ev2, returns=returns, factors=factors, calendar="returns")
    ov = res.overlaps.set_index("event_id")
    assert ov.loc["E00", "in_estimation_window"] == 1  # E00b's window is in E00's
    assert ov["event_windows_overlap"].sum() == 0
    p = res.params.set_index("event_id")
    # E00b's window days [-1, +5] (7 days) are cut out of E00's 250-day estimation window
    assert p.loc["E00", "nobs"] == 250 - 7
    assert p.loc["E01", "nobs"] == 250
    assert any("excluded from the estimation sample" in n for n in res.notes)
    kept = event_study(ev2, returns=returns, factors=factors, calendar="returns", overlap="keep")
    assert kept.params.set_index("event_id").loc["E00", "nobs"] == 250


def test_unknown_timing_widens_window(panel):
    returns, factors, ev = panel
    ev2 = ev.copy()
    ev2.loc[0, "timing"] = "unknown"
    res = event_study(ev2, returns=returns, factors=factors, calendar="returns")
    f = res.to_frame().set_index(["event_id", "window"])
    assert f.loc[("E00", "[0,0]"), "window_used"] == "[0,1]"
    assert f.loc[("E00", "[-1,1]"), "window_used"] == "[-1,2]"
    assert bool(f.loc[("E00", "[0,0]"), "widened"])
    assert f.loc[("E01", "[0,0]"), "window_used"] == "[0,0]"
    ar = res.abnormal_returns["E00"]
    assert f.loc[("E00", "[0,0]"), "car"] == pytest.approx(ar.loc[0] + ar.loc[1])


def test_market_events_apply_to_universe(panel):
    returns, factors, _ = panel
    ev = pd.DataFrame({"event_id": ["M"], "ticker": ["MKT"], "date": [returns.index[330]],
                       "timing": ["pre-market"]})  # fmt: skip
    res = event_study(
        ev, returns=returns, factors=factors, calendar="returns", universe=["F00", "F02"]
    )
    assert sorted(res.to_frame()["event_id"].unique()) == ["M:F00", "M:F02"]
    scope = res.tests().query("group_by == 'scope'")
    assert set(scope["group"]) == {"market"}
    with pytest.raises(DataError, match="universe has ticker"):
        event_study(ev, returns=returns, factors=factors, calendar="returns", universe=["ZZZ"])


def test_window_past_data_end_gives_nan_with_note(panel):
    returns, factors, ev = panel
    ev2 = ev.copy()
    ev2.loc[0, "date"] = returns.index[-2]
    res = event_study(ev2, returns=returns, factors=factors, calendar="returns")
    f = res.to_frame().set_index(["event_id", "window"])
    assert np.isnan(f.loc[("E00", "[0,5]"), "car"])
    assert "past the data end" in f.loc[("E00", "[0,5]"), "note"]
    assert np.isfinite(f.loc[("E00", "[0,0]"), "car"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": "capm3"}, "model='capm3' is not known"),
        ({"windows": [(2, 1)]}, "starts after it ends"),
        ({"windows": [(-20, 1)]}, "increase gap"),
        ({"windows": []}, "windows is empty"),
        ({"estimation": 2}, "too short"),
        ({"min_estimation_obs": 2}, "too small"),
        ({"conventions": "stata"}, "conventions="),
        ({"conventions": "estudy2", "model": "market_btc"}, "model='market' only"),
        ({"overlap": "drop"}, "overlap="),
        ({"calendar": "XLON"}, "calendar="),
    ],
)
def test_parameter_errors(panel, kwargs, match):
    returns, factors, ev = panel
    base = {"returns": returns, "factors": factors, "calendar": "returns"}
    with pytest.raises(DataError, match=match):
        event_study(ev, **{**base, **kwargs})


def test_data_errors(panel):
    returns, factors, ev = panel
    with pytest.raises(DataError, match=r"needs 2 factor column"):
        event_study(ev, returns=returns, factors=factors[["market"]], model="market_btc",
                    calendar="returns")  # fmt: skip
    bad = ev.copy()
    bad.loc[0, "ticker"] = "NOPE"
    with pytest.raises(DataError, match="unknown ticker"):
        event_study(bad, returns=returns, factors=factors, calendar="returns")
    with pytest.raises(DataError, match="DatetimeIndex"):
        event_study(ev, returns=returns.reset_index(drop=True), factors=factors)


@pytest.mark.parametrize("model", ["constant", "market_adjusted", "factors"])
def test_other_models_run(panel, model):
    returns, factors, ev = panel
    res = event_study(ev, returns=returns, factors=factors, calendar="returns", model=model)
    day0 = res.to_frame().query("window == '[0,0]'")
    assert np.isfinite(day0["t"]).all()
    if model == "market_adjusted":
        p0 = returns.index.get_loc(day0["day0"].iloc[0])
        expect = returns["F00"].iloc[p0] - factors["market"].iloc[p0]
        assert day0["car"].iloc[0] == pytest.approx(expect)


def test_input_frames_not_modified(panel):
    returns, factors, ev = panel
    r = returns.copy()
    r.columns = [c.lower() for c in r.columns]
    before = r.copy()
    ev2 = ev.assign(ticker=ev["ticker"].str.lower())
    res = event_study(ev2, returns=r, factors=factors, calendar="returns")
    pd.testing.assert_frame_equal(r, before)
    assert len(res.to_frame()) == 12


def test_aar_by_group(panel):
    returns, factors, ev = panel
    res = event_study(ev, returns=returns, factors=factors, calendar="returns")
    ar = res.abnormal_returns
    allg = res.aar()
    assert allg["all"].loc[0] == pytest.approx(ar.loc[0].mean())
    by_type = res.aar("event_type")
    pivots = ev.loc[ev["event_type"] == "pivot", "event_id"]
    assert by_type["pivot"].loc[0] == pytest.approx(ar.loc[0, list(pivots)].mean())
    assert list(res.aar("scope").columns) == ["firm"]
    with pytest.raises(DataError, match="by='sector'"):
        res.aar("sector")


def test_day0_se_equals_statsmodels_forecast_se(panel):
    """One-day window: the prediction-error se is statsmodels' se_obs of the forecast."""
    import statsmodels.api as sm

    returns, factors, ev = panel
    res = event_study(ev, returns=returns, factors=factors, calendar="returns", gap=0,
                      estimation=150, windows=[(0, 0)], model="market_btc")  # fmt: skip
    row = res.to_frame().iloc[1]
    p0 = returns.index.get_loc(row["day0"])
    y = returns[row["ticker"]].iloc[p0 - 150 : p0]
    x = sm.add_constant(factors.iloc[p0 - 150 : p0])
    fit = sm.OLS(y, x).fit()
    x0 = np.r_[1.0, factors.iloc[p0].to_numpy()][None, :]
    pred = fit.get_prediction(x0)
    assert row["car_se"] == pytest.approx(float(pred.se_obs[0]), rel=1e-10)
    assert row["car"] == pytest.approx(returns[row["ticker"]].iloc[p0] - pred.predicted_mean[0])
