"""Volatility (rolling, EWMA, GARCH) and betas/pairing against pandas, arch, empyrical and
hand calculations."""

from __future__ import annotations

import math

import empyrical
import numpy as np
import pandas as pd
import pytest

from riskkit import DataError, RiskkitWarning
from riskkit.risk import (
    beta,
    correlation,
    ewma_volatility,
    garch_volatility,
    miner_betas,
    native_returns,
    rolling_beta,
    rolling_correlation,
    rolling_volatility,
    session_returns,
)


@pytest.fixture(scope="module")
def rets() -> pd.Series:
    x = np.random.default_rng(3).standard_t(5, size=600) * 0.02
    return pd.Series(x, index=pd.bdate_range("2022-01-03", periods=600), name="X")


def test_rolling_volatility_equals_pandas_and_records_factor(rets):
    v = rolling_volatility(rets, window=21)
    expected = rets.rolling(21).std() * math.sqrt(252)
    pd.testing.assert_series_equal(v, expected, check_names=False)
    assert v.attrs["periods_per_year"] == 252
    assert "252 periods/year" in v.attrs["annualization"]
    raw = rolling_volatility(rets, window=21, annualize=False)
    pd.testing.assert_series_equal(raw, rets.rolling(21).std(), check_names=False)
    with pytest.raises(DataError, match="window must be an integer >= 2"):
        rolling_volatility(rets, window=1)


def test_ewma_matches_pandas_ewm_shifted(rets):
    # pandas: s_t = lam s_{t-1} + (1-lam) r_t^2 with s_0 = r_0^2 (adjust=False);
    # our forecast for t is s_{t-1} (uses data up to t-1 only).
    lam = 0.94
    s = (rets**2).ewm(alpha=1 - lam, adjust=False).mean()
    expected = np.sqrt(s.shift(1))
    expected.iloc[:30] = np.nan
    got = ewma_volatility(rets, lam=lam, annualize=False)
    pd.testing.assert_series_equal(got, expected, check_names=False, rtol=1e-12)
    with pytest.raises(DataError, match="lam must be in"):
        ewma_volatility(rets, lam=1.0)


def test_ewma_forecast_unchanged_by_same_day_return(rets):
    bumped = rets.copy()
    bumped.iloc[400] = 0.9
    a = ewma_volatility(rets, annualize=False)
    b = ewma_volatility(bumped, annualize=False)
    assert a.iloc[400] == b.iloc[400] and a.iloc[401] != b.iloc[401]


@pytest.mark.parametrize("model,o", [("garch", 0), ("gjr", 1)])
def test_garch_equals_arch(rets, model, o):
    from arch import arch_model

    ref = arch_model(100 * rets, mean="Constant", vol="GARCH", p=1, o=o, q=1, rescale=False).fit(
        disp="off"
    )
    res = garch_volatility(rets, model=model)
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(
        res.conditional_volatility.to_numpy(),
        np.asarray(ref.conditional_volatility) / 100,
        rtol=1e-8,
    )
    assert res.annualization.periods_per_year == 252
    assert "GARCH" in res.summary()
    assert res.annualized_forecast == pytest.approx(res.forecast_volatility * math.sqrt(252))


def test_garch_errors(rets):
    with pytest.raises(DataError, match="at least 100"):
        garch_volatility(rets.iloc[:50])
    with pytest.raises(DataError, match="model='egarch' is not allowed"):
        garch_volatility(rets, model="egarch")  # type: ignore[arg-type]


# ---- beta ---------------------------------------------------------------------------------


def test_beta_equals_empyrical(rets):
    b = pd.Series(np.random.default_rng(9).normal(0, 0.01, 600), index=rets.index)
    r = 1.3 * b + rets / 4
    assert abs(beta(r, b) - empyrical.beta(r, b)) < 1e-10
    assert correlation(r, b) == pytest.approx(np.corrcoef(r, b)[0, 1], abs=1e-12)
    out = beta(pd.DataFrame({"A": r, "B": 2 * r}), b)
    assert isinstance(out, pd.Series) and out["B"] == pytest.approx(2 * out["A"])


def test_rolling_beta_hand_window(rets):
    b = pd.Series(np.random.default_rng(9).normal(0, 0.01, 600), index=rets.index)
    r = 1.3 * b + rets / 4
    rb = rolling_beta(r, b, window=60)
    x, y = r.iloc[100:160].to_numpy(), b.iloc[100:160].to_numpy()
    hand = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((y - y.mean()) ** 2)
    assert rb.iloc[159] == pytest.approx(hand, rel=1e-10)
    assert rb.iloc[:59].isna().all()
    rc = rolling_correlation(r, b, window=60)
    assert rc.iloc[159] == pytest.approx(np.corrcoef(x, y)[0, 1], rel=1e-10)


def test_beta_reports_unpaired_dates():
    i = pd.bdate_range("2024-01-01", periods=30)
    b = pd.Series(np.linspace(-0.02, 0.02, 30), index=i)
    r = pd.Series(np.linspace(-0.03, 0.03, 35), index=pd.bdate_range("2024-01-01", periods=35))
    with pytest.warns(RiskkitWarning, match="5 return"):
        beta(r, b)


def _closes():
    days = pd.date_range("2024-01-01", periods=28, freq="D")  # Mon 1 Jan .. Sun 28 Jan
    btc = pd.Series([100.0 * 1.01**k for k in range(28)], index=days)
    sess = days[days.day_of_week < 5]
    eq = pd.Series(np.linspace(10, 12, len(sess)), index=sess)
    return pd.DataFrame({"BTC-USD": btc, "EQ": eq})


def test_session_returns_compound_btc_over_weekends():
    r = session_returns(_closes())
    # Friday 5 Jan (k=4) to Monday 8 Jan (k=7): 1.01^3 - 1, the weekend is not lost
    assert r.loc["2024-01-08", "BTC-USD"] == pytest.approx(1.01**3 - 1, abs=1e-12)
    assert r.loc["2024-01-09", "BTC-USD"] == pytest.approx(0.01, abs=1e-12)
    assert r.index.day_of_week.max() < 5
    # product of session returns equals first-to-last BTC ratio on session dates
    total = (1 + r["BTC-USD"]).prod()
    assert total == pytest.approx(1.01 ** (25 - 0), rel=1e-12)  # Mon 1 Jan to Fri 26 Jan
    nat = native_returns(_closes())
    assert nat["BTC-USD"].notna().sum() == 27 and nat["EQ"].notna().sum() == len(r)


def test_session_returns_errors():
    c = _closes()
    with pytest.raises(DataError, match="at least one equity column"):
        session_returns(c[["BTC-USD"]])
    with pytest.raises(DataError, match="positive prices"):
        session_returns(c.assign(EQ=c["EQ"] * 0))
    with pytest.raises(DataError, match="wide DataFrame"):
        session_returns(c["EQ"])  # type: ignore[arg-type]


def test_miner_betas_on_session_calendar():
    rng = np.random.default_rng(0)
    i = pd.bdate_range("2023-01-02", periods=400)
    f = pd.DataFrame(
        {"BTC-USD": rng.normal(0, 0.03, 400), "SPY": rng.normal(0, 0.01, 400)}, index=i
    )
    f["M"] = 1.5 * f["BTC-USD"] + 0.5 * f["SPY"] + rng.normal(0, 0.01, 400)
    res = miner_betas(f, window=60)
    assert res.table.loc["M", "beta_btc"] == pytest.approx(beta(f["M"], f["BTC-USD"]), abs=1e-12)
    assert res.table.loc["M", "beta_mkt"] == pytest.approx(beta(f["M"], f["SPY"]), abs=1e-12)
    assert res.rolling_beta_btc["M"].notna().sum() == 341
    with pytest.raises(DataError, match="not in the returns"):
        miner_betas(f, market="QQQ")
