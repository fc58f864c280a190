"""Returns and alignment: hand calculations and reported drops."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from riskkit import DataError, RiskkitWarning, align, load_closes, log_returns, simple_returns
from riskkit.data import read_dividends
from riskkit.returns import total_returns


def test_simple_and_log_by_hand():
    idx = pd.date_range("2025-01-01", periods=4)
    p = pd.DataFrame({"a": [100.0, 110.0, 99.0, 99.0], "b": [np.nan, 50.0, 55.0, 44.0]}, index=idx)
    r = simple_returns(p)
    assert r.index.equals(idx[1:])
    assert r["a"].tolist() == pytest.approx([0.1, -0.1, 0.0])
    assert math.isnan(r["b"].iloc[0]) and r["b"].iloc[1:].tolist() == pytest.approx([0.1, -0.2])
    lr = log_returns(p["a"])
    assert lr.tolist() == pytest.approx([math.log(1.1), math.log(0.9), 0.0])


def test_non_positive_prices_rejected():
    p = pd.Series([1.0, 0.0, 2.0], index=pd.date_range("2025-01-01", periods=3))
    with pytest.raises(DataError, match="zero or negative"):
        simple_returns(p)
    with pytest.raises(DataError, match="DatetimeIndex"):
        simple_returns(pd.Series([1.0, 2.0]))


def test_align_reports_drops():
    a = pd.Series([1.0, 2.0, 3.0], index=pd.date_range("2025-01-01", periods=3))
    b = pd.Series([1.0, np.nan, 2.0], index=pd.date_range("2025-01-02", periods=3))
    with pytest.warns(RiskkitWarning, match=r"a: 1 date\(s\) dropped \(first: 2025-01-01\)"):
        x, y = align(a, b, names=["a", "b"])
    assert len(x) == 2
    with pytest.warns(RiskkitWarning, match=r"b: 2 date\(s\) dropped"):
        x, y = align(a, b, how="dropna", names=["a", "b"])
    assert x.index.tolist() == [pd.Timestamp("2025-01-02")]  # 01-03 has a NaN in b
    with pytest.raises(DataError, match="how='outer' is not allowed"):
        align(a, b, how="outer")  # type: ignore[arg-type]


def test_total_returns_spy_ex_date_by_hand():
    c = load_closes(["SPY"], "2021-03-17", "2021-03-23", source="bundled")["SPY"]
    d = read_dividends("SPY")
    tr = total_returns(c, d)
    # ex-date 2021-03-19, dividend 1.278: (P_t + 1.278) / P_{t-1} - 1
    hand = (c.loc["2021-03-19"] + 1.278) / c.loc["2021-03-18"] - 1
    assert tr.loc["2021-03-19"] == pytest.approx(hand, abs=1e-15)
    assert tr.loc["2021-03-22"] == pytest.approx(c.loc["2021-03-22"] / c.loc["2021-03-19"] - 1)
    bad = pd.Series([1.0], index=pd.to_datetime(["2021-03-20"]))  # a Saturday
    with pytest.raises(DataError, match=r"ex-date\(s\) are not price dates, e.g. 2021-03-20"):
        total_returns(c, bad)
