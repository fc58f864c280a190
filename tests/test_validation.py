"""The one shared validator: every error path with its message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit import DataError
from riskkit._validation import check_timeseries

IDX = pd.date_range("2025-01-01", periods=4)


def test_accepts_and_returns_same_object():
    s = pd.Series([0.01, -0.02, 0.0, 0.03], index=IDX)
    assert check_timeseries(s) is s
    f = pd.DataFrame({"a": [0.01, np.nan, 0.0, 0.03]}, index=IDX)
    assert check_timeseries(f, nan_policy="omit") is f


@pytest.mark.parametrize(
    ("obj", "kwargs", "pattern"),
    [
        (np.zeros(4), {}, r"must be a pandas Series or DataFrame, got ndarray"),
        (pd.Series([1.0, 2.0]), {}, r"must have a DatetimeIndex, got RangeIndex.*pd.to_datetime"),
        (pd.Series([1.0, 2.0], index=[IDX[0], IDX[0]]), {}, r"duplicate index labels.*2025-01-01"),
        (pd.Series([1.0, 2.0], index=[IDX[1], IDX[0]]), {}, r"not sorted ascending.*sort_index"),
        (pd.DataFrame({"a": ["x", "y"]}, index=IDX[:2]), {}, r"non-numeric columns \['a'\]"),
        (pd.Series([1.0, np.inf], index=IDX[:2]), {}, r"\+/-inf"),
        (
            pd.Series([1.0, np.nan, 2.0], index=IDX[:3]),
            {},
            r"1 NaN value\(s\) \(first at 2025-01-02.*nan_policy='omit'",
        ),
        (
            pd.Series([1.0, np.nan], index=IDX[:2]),
            {"nan_policy": "omit"},
            r"has 1 non-missing observation\(s\); at least 2",
        ),
        (
            pd.Series([1.0, 2.0], index=IDX[:2]),
            {"nan_policy": "drop"},
            r"nan_policy='drop' is not allowed",
        ),
    ],
)
def test_errors(obj, kwargs, pattern):
    with pytest.raises(DataError, match=pattern):
        check_timeseries(obj, **kwargs)


def test_non_datetime_index_allowed_when_asked():
    s = pd.Series([0.1, 0.2, 0.3], index=[1, 2, 3])
    assert check_timeseries(s, require_datetime_index=False) is s
