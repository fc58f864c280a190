"""Reproduce every number estudy2 0.10.0 prints for its COVID-19 example.

Reference data and published values: tests/reference/estudy2/ (README there explains the
source, the setup and each convention). Values are compared to half a unit of the last
printed digit, and the significance stars must match exactly.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskkit.events import estudy2

REF = Path(__file__).parent / "reference" / "estudy2"
EST_END = "2020-03-13"
EVT = ("2020-03-16", "2020-03-20")


def half_unit(printed: str) -> float:
    """Half a unit of the last printed digit of a number printed as ``printed``."""
    exp = Decimal(printed.strip()).as_tuple().exponent
    assert isinstance(exp, int)
    return 0.5 * 10.0**exp


def close_to_printed(value: float, printed: str) -> bool:
    return abs(value - float(printed)) <= half_unit(printed)


@pytest.fixture(scope="module")
def data():
    rates = pd.read_csv(REF / "rates.csv", index_col=0, parse_dates=True)
    mkt = pd.read_csv(REF / "rates_indx.csv", index_col=0, parse_dates=True)["GSPC"]
    return rates, mkt


@pytest.fixture(scope="module")
def arrays(data):
    """OLS market model over the estimation window (plain numpy, independent of riskkit)."""
    rates, mkt = data
    est = rates.index <= EST_END
    evt = (rates.index >= EVT[0]) & (rates.index <= EVT[1])
    ar = pd.DataFrame(index=rates.index, columns=rates.columns, dtype=float)
    m_ols = []
    for c in rates:
        ok = est & rates[c].notna().to_numpy() & mkt.notna().to_numpy()
        x = np.column_stack([np.ones(ok.sum()), mkt[ok]])
        b = np.linalg.lstsq(x, rates[c][ok], rcond=None)[0]
        ar[c] = rates[c] - b[0] - b[1] * mkt
        m_ols.append(int(ok.sum()))
    n = rates.shape[1]
    rm_est = np.tile(mkt[est].to_numpy()[:, None], (1, n))
    rm_evt = np.tile(mkt[evt].to_numpy()[:, None], (1, n))
    return ar[est].to_numpy(), ar[evt].to_numpy(), rm_est, rm_evt, np.array(m_ols), ar


def test_reference_abnormal_returns_are_the_shipped_ones(arrays):
    ar = arrays[-1]
    shipped = pd.read_csv(REF / "securities_returns_abnormal.csv", index_col=0, parse_dates=True)
    np.testing.assert_allclose(ar.to_numpy(), shipped.to_numpy(), atol=1e-15, equal_nan=True)


@pytest.mark.parametrize("col", ["bw_1980", "bw_1985", "t_test", "pt", "bh", "lmb"])
def test_parametric_table(arrays, col):
    exp = pd.read_csv(REF / "expected_parametric.csv", dtype=str, keep_default_na=False)
    got = estudy2.parametric_tests(*arrays[:5])
    for i in range(len(exp)):
        assert close_to_printed(got["mean"][i], exp["mean"][i])
        assert close_to_printed(got[f"{col}_stat"][i], exp[f"{col}_stat"][i]), (col, i)
        assert estudy2.significance(got[f"{col}_p"][i]) == exp[f"{col}_signif"][i], (col, i)


@pytest.mark.parametrize("col", ["sign", "gsign", "csign", "rank", "mrank", "wlcx"])
def test_nonparametric_table(arrays, col):
    exp = pd.read_csv(REF / "expected_nonparametric.csv", dtype=str, keep_default_na=False)
    got = estudy2.nonparametric_tests(arrays[0], arrays[1])
    for i in range(len(exp)):
        assert close_to_printed(got[f"{col}_stat"][i], exp[f"{col}_stat"][i]), (col, i)
        stars = got["wlcx_signif"][i] if col == "wlcx" else estudy2.significance(got[f"{col}_p"][i])
        assert stars == exp[f"{col}_signif"][i], (col, i)


def test_generalized_sign_pooled_p_hat(arrays):
    got = estudy2.nonparametric_tests(arrays[0], arrays[1])
    assert close_to_printed(got["gsign_p_hat"][0], "0.4966443")


def test_car_tests(arrays):
    exp = pd.read_csv(REF / "expected_car.csv", dtype=str, keep_default_na=False)
    got = estudy2.car_tests(*arrays[:5])
    for _, row in exp.iterrows():
        res = got[row["name"]]
        assert close_to_printed(res["statistic"], row["statistic"])
        assert res["number_of_days"] == int(row["number_of_days"])
        if row["car_mean"]:
            assert close_to_printed(res["car_mean"], row["car_mean"])
        assert estudy2.significance(res["p_value"]) == row["significance"]


def test_qsignrank_matches_r_cutoffs():
    # README: for N = 7 the upper cut-offs are 22 / 24 / 27 (R's qsignrank).
    assert [estudy2.qsignrank(1 - a, 7) for a in (0.10, 0.05, 0.01)] == [22, 24, 27]
    # Hand check for n = 3: W takes 0..6 with counts 1,1,1,2,1,1,1 out of 8.
    assert estudy2.qsignrank(0.5, 3) == 3
    assert estudy2.qsignrank(0.9, 3) == 6


def test_coefficients_match_shipped(data):
    rates, mkt = data
    coef = pd.read_csv(REF / "securities_returns_coefficients.csv", index_col=0)
    est = rates.index <= EST_END
    for c in rates:
        ok = est & rates[c].notna().to_numpy()
        assert ok.sum() == coef.loc[c, "estimation_length"]


# ---- the same numbers through the public engine: event_study(conventions="estudy2") ----


@pytest.fixture(scope="module")
def engine_result(data):
    from riskkit.events import event_study

    rates, mkt = data
    events = pd.DataFrame(
        {
            "event_id": list(rates.columns),
            "ticker": list(rates.columns),
            "date": EVT[0],
            "timing": "pre-market",
            "event_type": "covid",
        }
    )
    windows = [(k, k) for k in range(5)] + [(0, 4)]
    return event_study(
        events,
        returns=rates,
        factors=mkt.to_frame(),
        model="market",
        estimation=240,
        gap=0,
        windows=windows,
        min_estimation_obs=200,
        conventions="estudy2",
    )


def test_engine_coefficients_and_abnormal_returns(engine_result):
    coef = pd.read_csv(REF / "securities_returns_coefficients.csv", index_col=0)
    params = engine_result.params.set_index("event_id")
    for stock, row in coef.iterrows():
        assert params.loc[stock, "alpha"] == pytest.approx(row["alpha"], abs=1e-15)
        assert params.loc[stock, "beta_GSPC"] == pytest.approx(row["beta"], abs=1e-15)
        assert params.loc[stock, "nobs"] == row["estimation_length"]
        assert str(params.loc[stock, "estimation_start"].date()) == "2019-04-02"
        assert str(params.loc[stock, "estimation_end"].date()) == row["estimation_end"]
    shipped = pd.read_csv(REF / "securities_returns_abnormal.csv", index_col=0, parse_dates=True)
    ar = engine_result.abnormal_returns
    evt_rows = shipped.loc[EVT[0] : EVT[1]]
    np.testing.assert_allclose(
        ar.loc[0:4, shipped.columns].to_numpy(), evt_rows.to_numpy(), atol=1e-15
    )


def test_engine_reproduces_daily_tables(engine_result):
    tests = engine_result.tests()
    tests = tests[tests["group_by"] == "all"]
    par = pd.read_csv(REF / "expected_parametric.csv", dtype=str, keep_default_na=False)
    non = pd.read_csv(REF / "expected_nonparametric.csv", dtype=str, keep_default_na=False)
    names = {
        "bw_1980": par, "bw_1985": par, "t_test": par, "pt": par, "bh": par, "lmb": par,
        "sign": non, "gsign": non, "csign": non, "rank": non, "mrank": non, "wlcx": non,
    }  # fmt: skip
    checked = 0
    for day in range(5):
        sub = tests[tests["window"] == f"[{day},{day}]"].set_index("test")
        for name, table in names.items():
            row = sub.loc[name]
            assert close_to_printed(row["statistic"], table[f"{name}_stat"][day]), (name, day)
            assert row["signif"] == table[f"{name}_signif"][day], (name, day)
            assert close_to_printed(row["estimate"], par["mean"][day])
            checked += 1
    assert checked == 60


def test_engine_reproduces_car_tests(engine_result):
    tests = engine_result.tests()
    sub = tests[(tests["group_by"] == "all") & (tests["window"] == "[0,4]")].set_index("test")
    exp = pd.read_csv(REF / "expected_car.csv", dtype=str, keep_default_na=False)
    for _, row in exp.iterrows():
        got = sub.loc[row["name"]]
        assert close_to_printed(got["statistic"], row["statistic"])
        assert got["signif"] == row["significance"]
        if row["car_mean"]:
            assert close_to_printed(got["estimate"], row["car_mean"])


# ---- regression tests: three places where conventions="estudy2" departed from estudy2 ----
# The reference values are estudy2 0.10.0's output on the synthetic panel below, as given
# with the bug report (printed to 5 decimals); the hand checks restate estudy2's formulas
# (R/car_nonparametric_tests.R, R/car_parametric_tests.R, R/nonparametric_tests.R).


def _synthetic_tests(returns, factors, windows):
    from riskkit.events import event_study

    events = pd.DataFrame(
        {
            "event_id": list(returns),
            "ticker": list(returns),
            "date": returns.index[300],
            "timing": "pre-market",
        }
    )
    res = event_study(
        events,
        returns=returns,
        factors=factors,
        conventions="estudy2",
        calendar="returns",
        windows=windows,
    )
    t = res.tests()
    return t[t["group_by"] == "all"].set_index(["window", "test"])


@pytest.fixture(scope="module")
def synthetic():
    """Synthetic (seeded normal draws, not market data): 10 firms, one event day."""
    rng = np.random.default_rng(0)
    idx = pd.bdate_range("2022-01-03", periods=320)
    m = pd.DataFrame({"market": rng.normal(0, 0.01, 320)}, index=idx)
    r = pd.DataFrame(
        {f"F{j}": 1.2 * m["market"] + rng.normal(0, 0.02, 320) for j in range(10)}, index=idx
    )
    gappy = r.copy()
    gappy.iloc[302, :2] = np.nan  # day +2: 8 of 10 firms have a return (80% coverage)
    return r, gappy, m


def test_car_rank_test_uses_only_its_own_window_like_estudy2(synthetic):
    # The full sample was the estimation window plus every requested window, so asking
    # for [-3,5] as well changed the [0,5] rank statistic (riskkit gave -0.76607).
    r, _, m = synthetic
    both = _synthetic_tests(r, m, [(-3, 5), (0, 5)])
    alone = _synthetic_tests(r, m, [(0, 5)])
    got = both.loc[("[0,5]", "car_rank_test"), "statistic"]
    assert close_to_printed(got, "-0.75068")
    assert got == alone.loc[("[0,5]", "car_rank_test"), "statistic"]


def test_car_tests_drop_days_with_90pct_or_less_coverage_like_estudy2(synthetic):
    # Day +2 (80% coverage) was kept in the CAR tests (riskkit gave -0.68221).
    _, gappy, m = synthetic
    t = _synthetic_tests(gappy, m, [(2, 2), (0, 5)])
    assert close_to_printed(t.loc[("[0,5]", "car_brown_warner_1985"), "statistic"], "-0.99574")
    # Hand check: BW85_CAR = sum of the daily BW85 over the 5 kept days / sqrt(5).
    kept = (0, 1, 3, 4, 5)
    daily = _synthetic_tests(gappy, m, [(k, k) for k in kept])
    bw = [daily.loc[(f"[{k},{k}]", "bw_1985"), "statistic"] for k in kept]
    assert t.loc[("[0,5]", "car_brown_warner_1985"), "statistic"] == pytest.approx(
        sum(bw) / np.sqrt(5), rel=1e-12
    )


def test_car_tests_coverage_threshold_is_strict_and_applies_to_all_three():
    # estudy2 keeps a day if its coverage is > percentage: 9 of 10 (exactly 90%) is dropped.
    rng = np.random.default_rng(1)
    est = rng.normal(0, 0.02, (100, 10))
    evt = rng.normal(0, 0.02, (4, 10))
    rm_est, rm_evt = rng.normal(0, 0.01, (100, 10)), rng.normal(0, 0.01, (4, 10))
    m_ols = np.full(10, 100.0)
    gappy = evt.copy()
    gappy[1, 0] = np.nan  # 90%: dropped
    got = estudy2.car_tests(est, gappy, rm_est, rm_evt, m_ols)
    for name in ("car_brown_warner_1985", "car_lamb", "car_rank_test"):
        assert got[name]["number_of_days"] == 3
        assert got[name]["average_percentage"] == 100.0
    # BW85 and Lamb equal the same tests on the three kept days alone.
    kept = estudy2.car_tests(est, evt[[0, 2, 3]], rm_est, rm_evt[[0, 2, 3]], m_ols)
    for name in ("car_brown_warner_1985", "car_lamb"):
        assert got[name]["statistic"] == pytest.approx(kept[name]["statistic"], rel=1e-12)
    # The rank test still ranks over the dropped day (its full sample is estimation +
    # every CAR-window day), so it differs from ranking the three days alone.
    assert got["car_rank_test"]["statistic"] != kept["car_rank_test"]["statistic"]
    # percentage=85 keeps the day again.
    loose = estudy2.car_tests(est, gappy, rm_est, rm_evt, m_ols, percentage=85)
    assert loose["car_lamb"]["number_of_days"] == 4
    # No day kept: NaN statistics, no RuntimeWarning.
    empty = estudy2.car_tests(est, np.full((2, 10), np.nan), rm_est, rm_evt[:2], m_ols)
    assert all(np.isnan(r["statistic"]) and r["number_of_days"] == 0 for r in empty.values())


def test_wilcoxon_is_rowmeans_times_n_like_estudy2(synthetic):
    # W+ was the plain sum of positive ranks (riskkit gave 23.0 with 8 of 10 firms).
    _, gappy, m = synthetic
    t = _synthetic_tests(gappy, m, [(2, 2), (0, 5)])
    assert close_to_printed(t.loc[("[2,2]", "wlcx"), "statistic"], "28.75")
    # Hand check on one row: ARs 0.3, -0.1, 0.2, missing, 0 with N = 5. Ranks of |AR| over
    # the 3 non-zero values: 3, 1, 2; W+ = (3 + 2) / 3 * 5.
    row = np.array([[0.3, -0.1, 0.2, np.nan, 0.0]])
    est = np.random.default_rng(2).normal(0, 0.02, (50, 5))
    got = estudy2.nonparametric_tests(est, row)
    assert got["wlcx_stat"][0] == pytest.approx(5 / 3 * 5, rel=1e-15)
    none = estudy2.nonparametric_tests(est, np.full((1, 5), np.nan))
    assert np.isnan(none["wlcx_stat"][0]) and none["wlcx_signif"][0] == ""
