"""A column of native_returns (REAL bundled closes) works in every one-Series risk function.

Issue 9 item 12, the Series half: ``risk.value_at_risk(native_returns(closes)["BITF"])``
and the GARCH / rolling-VaR functions refused the column's listing span and weekend NaNs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import riskkit
from riskkit import risk
from riskkit._errors import DataError, RiskkitWarning


@pytest.fixture(scope="module")
def bitf():
    closes = riskkit.load_closes(["BITF", "BTC-USD"], source="bundled")
    return risk.native_returns(closes)


def test_native_column_in_one_series_functions_regression(bitf):
    s = bitf["BITF"]
    own = s.dropna()
    with pytest.warns(RiskkitWarning) as w:
        v = risk.value_at_risk(s, level=0.99)
    said = " ".join(str(x.message) for x in w)
    assert "own trading calendar" in said and "listing span" in said
    assert v == risk.value_at_risk(own, level=0.99)  # the same as the column's own returns
    with pytest.warns(RiskkitWarning):
        f = risk.rolling_var_forecast(s, level=0.99, method="historical", window=250)
    pd.testing.assert_frame_equal(
        f, risk.rolling_var_forecast(own, level=0.99, method="historical", window=250)
    )
    with pytest.warns(RiskkitWarning):
        g = risk.garch_volatility(s)
    assert np.allclose(g.conditional_volatility, risk.garch_volatility(own).conditional_volatility)
    with pytest.warns(RiskkitWarning):
        b = risk.backtest_var(s, level=0.99, method="historical", window=250)
    assert b.n == len(own) - 250


def test_frames_and_interior_nans_still_refused(bitf):
    with pytest.raises(DataError, match="takes one Series; loop over the columns"):
        risk.garch_volatility(bitf)
    with pytest.raises(DataError, match="use var_backtest_table for frames"):
        risk.rolling_var_forecast(bitf, level=0.99)
    plain = bitf["BITF"].dropna().copy()
    plain.attrs = {}
    plain.iloc[300] = np.nan  # an interior gap in a plain Series follows nan_policy
    with pytest.raises(DataError, match="NaN value"):
        risk.rolling_var_forecast(plain, level=0.99, method="historical", window=250)
