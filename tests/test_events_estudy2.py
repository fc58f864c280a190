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
