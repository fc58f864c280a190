"""Ratios and drawdowns against empyrical-reloaded, quantstats and hand calculations.

Where definitions coincide the results agree to 1e-10. Where they differ the test says how
and checks ours against a hand calculation:
* annualisation: empyrical/quantstats default to 252 for any daily index; ours infers 365
  for a 7-day (BTC) calendar, so we compare at the same factor and test the inference;
* PSR: quantstats uses pandas' bias-adjusted skew/kurtosis; we use the moment estimators of
  Bailey and Lopez de Prado;
* capture: empyrical always annualises with 252.
"""

from __future__ import annotations

import math

import empyrical
import numpy as np
import pandas as pd
import pytest
import quantstats as qs
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from riskkit import DataError, RiskkitWarning
from riskkit.risk import (
    AnnualizedFloat,
    annualized_return,
    annualized_volatility,
    calmar_ratio,
    deflated_sharpe_ratio,
    down_capture,
    drawdown_series,
    drawdown_table,
    expected_max_sharpe,
    infer_periods_per_year,
    max_drawdown,
    max_drawdown_duration,
    omega_ratio,
    performance_table,
    probabilistic_sharpe_ratio,
    sharpe_ratio,
    sortino_ratio,
    tail_ratio,
    up_capture,
)

TOL = 1e-10


@pytest.fixture(scope="module")
def eq() -> pd.Series:
    x = np.random.default_rng(11).normal(0.0008, 0.03, 800)
    return pd.Series(x, index=pd.bdate_range("2021-01-04", periods=800), name="EQ")


@pytest.fixture(scope="module")
def btc() -> pd.Series:
    x = np.random.default_rng(12).normal(0.001, 0.035, 800)
    return pd.Series(x, index=pd.date_range("2021-01-01", periods=800, freq="D"), name="BTC")


def test_annualisation_inferred_from_calendar(eq, btc):
    assert infer_periods_per_year(eq.index).periods_per_year == 252
    assert infer_periods_per_year(btc.index).periods_per_year == 365
    weekly = pd.date_range("2020-01-03", periods=60, freq="W-FRI")
    assert infer_periods_per_year(weekly).periods_per_year == 52
    s = sharpe_ratio(btc)
    assert isinstance(s, AnnualizedFloat) and s.periods_per_year == 365
    assert "365 periods/year" in repr(s)
    assert sharpe_ratio(btc, periods_per_year=252).annualization.basis == "user override"
    with pytest.raises(DataError, match="median gap"):
        infer_periods_per_year(pd.DatetimeIndex(["2020-01-01", "2020-02-15", "2020-04-01"]))
    with pytest.raises(DataError, match="positive number"):
        sharpe_ratio(eq, periods_per_year=0)


def test_sharpe_equals_empyrical_and_quantstats(eq, btc):
    assert abs(sharpe_ratio(eq) - empyrical.sharpe_ratio(eq)) < TOL
    assert abs(sharpe_ratio(eq) - qs.stats.sharpe(eq, periods=252)) < TOL
    # BTC: the libraries default to 252; at the same factor we agree ...
    assert abs(sharpe_ratio(btc) - empyrical.sharpe_ratio(btc, annualization=365)) < TOL
    assert abs(sharpe_ratio(btc) - qs.stats.sharpe(btc, periods=365)) < TOL
    # ... and the default difference is exactly sqrt(365/252)
    assert sharpe_ratio(btc) / empyrical.sharpe_ratio(btc) == pytest.approx(math.sqrt(365 / 252))


def test_sharpe_hand_calculation():
    r = pd.Series([0.02, -0.01, 0.01, 0.0], index=pd.bdate_range("2024-01-01", periods=4))
    # mean 0.005; deviations .015 -.015 .005 -.005; sum sq = 0.0005; var = 0.0005/3
    assert sharpe_ratio(r) == pytest.approx(0.005 / math.sqrt(0.0005 / 3) * math.sqrt(252))
    # rf per period 0.001: mean 0.004, same sd
    assert sharpe_ratio(r, risk_free=0.001) == pytest.approx(
        0.004 / math.sqrt(0.0005 / 3) * math.sqrt(252)
    )


def test_sortino_equals_empyrical_and_quantstats(eq, btc):
    assert abs(sortino_ratio(eq) - empyrical.sortino_ratio(eq)) < TOL
    assert abs(sortino_ratio(eq) - qs.stats.sortino(eq, periods=252)) < TOL
    assert (
        abs(
            sortino_ratio(eq, required_return=0.001)
            - empyrical.sortino_ratio(eq, required_return=0.001)
        )
        < TOL
    )
    assert abs(sortino_ratio(btc) - empyrical.sortino_ratio(btc, annualization=365)) < TOL


def test_cagr_vol_calmar_equal_libraries(eq):
    assert abs(annualized_return(eq) - empyrical.annual_return(eq)) < TOL
    assert abs(annualized_return(eq) - qs.stats.cagr(eq, periods=252)) < TOL
    assert abs(annualized_volatility(eq) - empyrical.annual_volatility(eq)) < TOL
    assert abs(calmar_ratio(eq) - empyrical.calmar_ratio(eq)) < TOL
    assert abs(calmar_ratio(eq) - qs.stats.calmar(eq, periods=252)) < TOL


def test_calmar_hand_calculation():
    r = pd.Series([0.1, -0.5, 1.0, 0.2], index=pd.bdate_range("2024-01-01", periods=4))
    # wealth 1.1, 0.55, 1.1, 1.32 -> MDD -0.5; CAGR with P = 4 over n = 4: 0.32
    assert calmar_ratio(r, periods_per_year=4) == pytest.approx(0.32 / 0.5)


def test_omega_tail_equal_empyrical(eq):
    assert abs(omega_ratio(eq) - empyrical.omega_ratio(eq)) < TOL
    assert (
        abs(
            omega_ratio(eq, threshold=0.001)
            - empyrical.omega_ratio(eq, required_return=0.001, annualization=1)
        )
        < TOL
    )
    assert abs(tail_ratio(eq) - empyrical.tail_ratio(eq)) < TOL
    assert abs(tail_ratio(eq) - qs.stats.tail_ratio(eq)) < TOL
    r = pd.Series([0.02, -0.01, 0.01, 0.0], index=pd.bdate_range("2024-01-01", periods=4))
    assert omega_ratio(r) == pytest.approx(0.03 / 0.01)  # gains .02+.01, losses .01


def test_capture_equals_empyrical_at_252(eq):
    b = pd.Series(np.random.default_rng(5).normal(0, 0.01, 800), index=eq.index)
    r = 1.5 * b + pd.Series(np.random.default_rng(6).normal(0, 0.005, 800), index=eq.index)
    assert abs(up_capture(r, b) - empyrical.up_capture(r, b)) < TOL
    assert abs(down_capture(r, b) - empyrical.down_capture(r, b)) < TOL


def test_capture_hand_calculation_and_pairing():
    i = pd.bdate_range("2024-01-01", periods=4)
    b = pd.Series([0.01, -0.01, 0.02, -0.02], index=i)
    # up days: r = .02, .04; b = .01, .02; P = 1, n = 2
    expected = (math.sqrt(1.02 * 1.04) - 1) / (math.sqrt(1.01 * 1.02) - 1)
    assert up_capture(2 * b, b, periods_per_year=1) == pytest.approx(expected)
    with pytest.warns(RiskkitWarning, match="dropped"):
        up_capture((2 * b).iloc[:3], b.iloc[1:], periods_per_year=1)
    with pytest.raises(DataError, match="no up periods"):
        up_capture(b, -b.abs(), periods_per_year=1)


def test_psr_hand_calculation_and_quantstats_difference(eq):
    x = eq.to_numpy()
    n = x.size
    sr = x.mean() / x.std(ddof=1)
    g3 = stats.skew(x)  # moment estimator (bias=True)
    g4 = stats.kurtosis(x, fisher=False)
    expected = stats.norm.cdf(sr * math.sqrt(n - 1) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2))
    assert abs(probabilistic_sharpe_ratio(eq) - expected) < TOL
    # quantstats uses pandas' bias-adjusted skew and excess kurtosis (+3): small difference
    g3a, g4a = eq.skew(), eq.kurt() + 3
    qs_expected = stats.norm.cdf(
        sr * math.sqrt(n - 1) / math.sqrt(1 - g3a * sr + (g4a - 1) / 4 * sr**2)
    )
    assert abs(qs.stats.probabilistic_sharpe_ratio(eq) - qs_expected) < TOL
    assert abs(probabilistic_sharpe_ratio(eq) - qs.stats.probabilistic_sharpe_ratio(eq)) < 1e-3


def test_dsr_hand_calculation(eq):
    n_trials, v = 100, 0.5 / 252
    g = 0.5772156649015329
    sr0 = math.sqrt(v) * (
        (1 - g) * stats.norm.ppf(1 - 1 / n_trials) + g * stats.norm.ppf(1 - 1 / (n_trials * math.e))
    )
    assert expected_max_sharpe(n_trials, v) == pytest.approx(sr0, abs=1e-14)
    assert sr0 == pytest.approx(0.112722, abs=1e-6)
    assert deflated_sharpe_ratio(eq, n_trials=n_trials, sharpe_variance=v) == pytest.approx(
        probabilistic_sharpe_ratio(eq, benchmark_sharpe=sr0), abs=1e-15
    )
    with pytest.raises(DataError, match="n_trials must be an integer >= 2"):
        expected_max_sharpe(1, v)
    with pytest.raises(DataError, match="sharpe_variance must be > 0"):
        expected_max_sharpe(10, 0.0)


def test_dataframe_in_series_out_with_annualisation(eq, btc):
    df = pd.concat({"EQ": eq, "BTC": btc}, axis=1, sort=True)
    with pytest.warns(RiskkitWarning, match="dropped NaN"):
        out = sharpe_ratio(df, nan_policy="omit")
    assert list(out.index) == ["EQ", "BTC"]
    assert out.attrs["periods_per_year"] == {"EQ": 252, "BTC": 365}
    assert out["BTC"] == pytest.approx(float(sharpe_ratio(btc)))
    t = performance_table(df)
    assert (
        t.loc["BTC", "periods_per_year"] == 365
        and t.loc["EQ", "annualization"] == "equity sessions"
    )


# ---- drawdowns ---------------------------------------------------------------------------


def test_drawdown_equals_empyrical_and_quantstats(eq):
    pd.testing.assert_series_equal(
        drawdown_series(eq),
        empyrical.stats.drawdown_series(eq),
        check_names=False,
        rtol=0,
        atol=TOL,
    )
    assert abs(max_drawdown(eq) - empyrical.max_drawdown(eq)) < TOL
    assert abs(max_drawdown(eq) - qs.stats.max_drawdown(eq)) < TOL


def test_drawdown_table_hand_example():
    idx = pd.bdate_range("2024-01-01", periods=8)
    # wealth: 1.1, 0.88, 0.99, 1.1, 1.21, 0.605, 0.726, 0.7986
    r = pd.Series([0.1, -0.2, 0.125, 1.1 / 0.99 - 1, 0.1, -0.5, 0.2, 0.1], index=idx)
    t = drawdown_table(r, top=5)
    first = t.iloc[0]  # deepest: peak 1.21 on day 4 (idx[4]), trough 0.605 day 5, ongoing
    assert first["peak"] == idx[4] and first["trough"] == idx[5]
    assert pd.isna(first["recovery"]) and not first["recovered"]
    assert first["depth"] == pytest.approx(-0.5)
    assert first["duration"] == 3  # peak (idx 4) to last obs (idx 7)
    second = t.iloc[1]  # peak 1.1 day 0, trough 0.88 day 1, recovered day 3
    assert second["peak"] == idx[0] and second["trough"] == idx[1] and second["recovery"] == idx[3]
    assert second["depth"] == pytest.approx(-0.2)
    assert (second["to_trough"], second["to_recovery"], second["duration"]) == (1, 2.0, 3)
    assert max_drawdown_duration(r) == 3.0


def test_drawdown_errors():
    r = pd.Series([0.1, -1.5], index=pd.bdate_range("2024-01-01", periods=2))
    with pytest.raises(DataError, match="below -100%"):
        max_drawdown(r)
    with pytest.raises(DataError, match="top must be a positive integer"):
        drawdown_table(r.clip(-0.5), top=0)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(-1.0, 3.0, allow_nan=False), min_size=1, max_size=80))
def test_drawdown_within_minus_one_and_zero(v):
    r = pd.Series(v, index=pd.bdate_range("2020-01-01", periods=len(v)))
    dd = drawdown_series(r)
    assert ((dd >= -1.0) & (dd <= 0.0)).all()
    assert -1.0 <= max_drawdown(r) <= 0.0


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-0.3, 0.3, allow_nan=False), min_size=3, max_size=80), st.floats(0.1, 10.0)
)
def test_sharpe_scale_invariant(v, c):
    r = pd.Series(v, index=pd.bdate_range("2020-01-01", periods=len(v)))
    if r.std() < 1e-8:
        return
    assert sharpe_ratio(c * r) == pytest.approx(float(sharpe_ratio(r)), rel=1e-8, abs=1e-10)


def test_sharpe_variants_documented(eq):
    # quantstats' smart Sharpe divides by an autocorrelation penalty; ours is the plain
    # Sharpe (smart=False). Hand check of the relation with quantstats' own penalty.
    smart = qs.stats.sharpe(eq, periods=252, smart=True)
    penalty = qs.stats.autocorr_penalty(eq)
    assert smart == pytest.approx(float(sharpe_ratio(eq)) / penalty, rel=1e-10)
    # a geometric-mean "Sharpe" (CAGR / annualised vol), as in backtesting.py, is different:
    geometric = float(annualized_return(eq)) / float(annualized_volatility(eq))
    x = eq.to_numpy()
    hand = (np.prod(1 + x) ** (252 / x.size) - 1) / (x.std(ddof=1) * math.sqrt(252))
    assert geometric == pytest.approx(hand, rel=1e-12)
    assert abs(geometric - float(sharpe_ratio(eq))) > 1e-3


def test_annualized_float_behaviour():
    import pickle

    from riskkit.risk import Annualization

    x = AnnualizedFloat(0.25, Annualization(365, "calendar days (24/7)"))
    y = pickle.loads(pickle.dumps(x))
    assert y == 0.25 and y.periods_per_year == 365
    assert f"{x:.2f}" == "0.25" and float(x) * 4 == 1.0
    with pytest.raises(DataError, match="DatetimeIndex is needed"):
        infer_periods_per_year(pd.RangeIndex(5))
    with pytest.raises(DataError, match="from 1 date"):
        infer_periods_per_year(pd.DatetimeIndex(["2024-01-01"]))
