"""Issue 9, items 9, 10, 12 and 13 (library side): each bad input named, with its answer.

- zero-variance series -> NaN with a RiskkitWarning (not 2.44e16);
- sub-daily indexes -> a DataError asking for periods_per_year (not 252/365);
- wide frames from the package itself (listing spans, native calendars) -> used per
  column and reported, interior NaNs still under nan_policy;
- boolean returns and string signals -> rejected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit import DataError, RiskkitWarning, risk
from riskkit._annualization import infer_periods_per_year
from riskkit._validation import check_timeseries
from riskkit.backtest import Signals

IDX = pd.bdate_range("2024-01-01", periods=300)


# -- item 9: zero variance ---------------------------------------------------------------


def test_sharpe_of_constant_series_is_nan_not_2e16():
    const = pd.Series(0.001, index=IDX)
    with pytest.warns(RiskkitWarning, match=r"dispersion of 1 series is zero or negligible"):
        assert np.isnan(float(risk.sharpe_ratio(const)))


def test_sharpe_of_constant_series_with_1e12_blips_is_nan_not_1e11():
    blips = pd.Series(0.001 + np.random.default_rng(0).normal(0, 1e-12, len(IDX)), index=IDX)
    with pytest.warns(RiskkitWarning, match=r"negligible"):
        assert np.isnan(float(risk.sharpe_ratio(blips)))
    with pytest.warns(RiskkitWarning, match=r"negligible"):
        assert np.isnan(risk.probabilistic_sharpe_ratio(blips))


def test_sharpe_of_all_zero_returns_warns():
    with pytest.warns(RiskkitWarning, match=r"negligible"):
        assert np.isnan(float(risk.sharpe_ratio(pd.Series(0.0, index=IDX))))


def test_zero_variance_column_in_frame_is_nan_others_kept():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"flat": 0.001, "live": rng.normal(0, 0.01, len(IDX))}, index=IDX)
    with pytest.warns(RiskkitWarning, match=r"negligible"):
        out = risk.sharpe_ratio(df)
    assert np.isnan(out["flat"]) and np.isfinite(out["live"])


def test_small_but_real_dispersion_keeps_its_sharpe():
    # hand calculation: mean 0.001, one -0.001 in 300 -> a large but honest ratio
    x = np.r_[-0.001, np.full(299, 0.001)]
    expected = x.mean() / x.std(ddof=1) * np.sqrt(252)
    assert float(risk.sharpe_ratio(pd.Series(x, index=IDX))) == pytest.approx(expected)


def test_sortino_without_shortfall_stays_a_silent_nan():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(float(risk.sortino_ratio(pd.Series(0.001, index=IDX))))


# -- item 10: sub-daily data ------------------------------------------------------------


def test_hourly_24_7_index_is_not_annualised_as_365():
    idx = pd.date_range("2024-01-01", periods=500, freq="h")
    with pytest.raises(DataError, match=r"sub-daily.*periods_per_year: 8760"):
        infer_periods_per_year(idx)
    r = pd.Series(np.random.default_rng(2).normal(0, 0.001, 500), index=idx)
    with pytest.raises(DataError, match=r"sub-daily"):
        risk.sharpe_ratio(r)
    assert risk.sharpe_ratio(r, periods_per_year=8760).periods_per_year == 8760


def test_two_rows_a_day_are_not_annualised_as_252():
    days = pd.bdate_range("2024-01-01", periods=100)
    idx = days.repeat(2) + pd.to_timedelta([9.5, 16.0] * 100, unit="h")
    with pytest.raises(DataError, match=r"sub-daily.*share a calendar day"):
        infer_periods_per_year(idx)


def test_daily_tz_aware_closes_at_21utc_stay_daily():
    idx = pd.bdate_range("2024-01-01", periods=100, tz="UTC") + pd.Timedelta(hours=21)
    assert infer_periods_per_year(idx).periods_per_year == 252


# -- item 12: listing spans and native calendars ----------------------------------------


def _closes() -> pd.DataFrame:
    idx = pd.date_range("2024-01-01", periods=400, freq="D")
    rng = np.random.default_rng(3)
    btc = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.02, 400))), index=idx)
    eq = btc.where(idx.day_of_week < 5)
    late = eq.copy()
    late.iloc[:120] = np.nan  # listed later
    late.iloc[-30:] = np.nan  # delisted
    return pd.DataFrame({"BTC-USD": btc, "EQ": eq, "LATE": late})


def test_value_at_risk_of_native_returns_runs_and_reports_spans():
    r = risk.native_returns(_closes())
    with pytest.warns(RiskkitWarning) as got:
        var = risk.value_at_risk(r)
    assert any("'LATE': '2024-05-01 to 2025-01-03'" in str(w.message) for w in got)
    assert list(var.index) == ["BTC-USD", "EQ", "LATE"] and var.notna().all()


def test_native_calendar_gaps_reported_as_non_sessions():
    r = risk.native_returns(_closes())
    with pytest.warns(RiskkitWarning) as got:
        risk.value_at_risk(r)
    assert any("days without a session skipped per column" in str(w.message) for w in got)


def test_leading_and_trailing_nans_of_a_plain_frame_are_its_listing_span():
    idx = pd.bdate_range("2024-01-01", periods=50)
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"A": rng.normal(0, 0.01, 50), "B": rng.normal(0, 0.01, 50)}, index=idx)
    df.iloc[:10, 1] = np.nan
    df.iloc[-5:, 1] = np.nan
    with pytest.warns(RiskkitWarning, match=r"'B': '2024-01-15 to 2024-03-01'"):
        out = risk.sharpe_ratio(df)
    assert float(out["B"]) == pytest.approx(float(risk.sharpe_ratio(df["B"].dropna())))


def test_interior_nan_of_a_plain_frame_still_follows_nan_policy():
    idx = pd.bdate_range("2024-01-01", periods=50)
    df = pd.DataFrame({"A": np.linspace(-0.01, 0.01, 50)}, index=idx)
    df.iloc[[0, 20], 0] = np.nan
    with pytest.raises(DataError, match=r"1 NaN value\(s\) inside a column's listing span"):
        risk.value_at_risk(df)


# -- item 13: boolean returns, string signals, rolling windows ---------------------------


def test_boolean_returns_are_rejected():
    s = pd.Series([True, False, True, False], index=IDX[:4])
    with pytest.raises(DataError, match=r"boolean values.*astype\(float\)"):
        check_timeseries(s)
    with pytest.raises(DataError, match=r"boolean"):
        risk.value_at_risk(s.to_frame("x"))


def test_string_signal_false_is_not_read_as_true():
    idx = IDX[:5]
    with pytest.raises(DataError, match=r"Signals.entries must have a boolean dtype.*'False'"):
        Signals(entries=pd.Series(["False"] * 5, index=idx))


def test_integer_signals_are_rejected_with_a_fix():
    idx = IDX[:5]
    with pytest.raises(DataError, match=r"boolean dtype, got int64.*\(x != 0\)"):
        Signals(entries=pd.Series([0, 1, 0, 0, 1], index=idx))


def test_rolling_window_larger_than_data_is_an_error_not_all_nan():
    r = pd.Series(np.random.default_rng(5).normal(0, 0.01, 30), index=IDX[:30])
    with pytest.raises(DataError, match=r"window=60 is longer than returns \(30 non-missing"):
        risk.rolling_volatility(r, window=60)
    with pytest.raises(DataError, match=r"window=60 is longer"):
        risk.rolling_beta(r, r * 2, window=60)


def test_rolling_window_longer_than_one_column_warns():
    rng = np.random.default_rng(6)
    df = pd.DataFrame({"long": rng.normal(0, 0.01, 100), "short": np.nan}, index=IDX[:100])
    df.iloc[-10:, 1] = rng.normal(0, 0.01, 10)
    with pytest.warns(RiskkitWarning, match=r"column\(s\) \{'short': 10\}"):
        out = risk.rolling_volatility(df, window=20, nan_policy="omit")
    assert out["short"].isna().all() and out["long"].notna().any()


def test_drawdown_series_and_rolling_volatility_take_native_returns():
    r = risk.native_returns(_closes())
    with pytest.warns(RiskkitWarning, match=r"listing span") as got:
        dd = risk.drawdown_series(r)
        vol = risk.rolling_volatility(r, window=21)
    assert all(w.filename == __file__ for w in got)
    assert (dd.min() >= -1).all() and (dd.max() <= 0).all()
    # the equity window is 21 of its own returns, not 21 calendar rows (15 sessions)
    eq = r["EQ"].dropna()
    expected = eq.iloc[:21].std(ddof=1) * np.sqrt(252)
    assert vol["EQ"].loc[eq.index[20]] == pytest.approx(expected)


def test_ewma_volatility_takes_native_returns_per_column():
    r = risk.native_returns(_closes())
    with pytest.warns(RiskkitWarning, match=r"listing span"):
        vol = risk.ewma_volatility(r, burn_in=0, annualize=False)
    alone = risk.ewma_volatility(r["LATE"].dropna(), burn_in=0, annualize=False)
    pd.testing.assert_series_equal(vol["LATE"].dropna(), alone.dropna(), check_names=False)
    with pytest.raises(DataError, match=r"inside a column's listing span"):
        plain = r.copy()
        plain.attrs = {}
        risk.ewma_volatility(plain)
