"""Holm and Benjamini-Hochberg adjusted p-values: a published example and hand loops.

Published: Benjamini and Hochberg (1995, JRSS B 57, Section 4.2) adjust the 15 p-values of
a thrombolysis trial (Neuhaus et al. 1992): at 0.05 the FDR procedure rejects the four
smallest, the sequential Bonferroni-type procedures three. Hand loops: Holm's step-down
and BH's step-up maxima/minima written out here. Panels are SYNTHETIC.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit import DataError
from riskkit.events import event_study, write_event_report
from riskkit.events.multiple import STAR_RULE, adjust_pvalues, stars

BH_1995 = [0.0201, 0.7590, 0.0001, 0.0004, 0.0019, 0.0095, 0.0278, 0.0298, 0.0344, 0.0459,
           0.3240, 0.4262, 0.5719, 0.6528, 1.0000]  # fmt: skip


def _holm(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out, run = [0.0] * m, 0.0
    for j, i in enumerate(order):
        run = max(run, min(1.0, (m - j) * p[i]))
        out[i] = run
    return out


def _bh(p):
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out, run = [0.0] * m, 1.0
    for j in range(m - 1, -1, -1):
        i = order[j]
        run = min(run, min(1.0, m * p[i] / (j + 1)))
        out[i] = run
    return out


def test_benjamini_hochberg_1995_published_example():
    t = pd.DataFrame({"group": "trial", "p_value": BH_1995})
    out = adjust_pvalues(t, by=["group"])
    assert int((out["p_bh"] <= 0.05).sum()) == 4
    assert int((out["p_holm"] <= 0.05).sum()) == 3
    assert out["p_holm"].tolist() == pytest.approx(_holm(BH_1995), abs=1e-12)
    assert out["p_bh"].tolist() == pytest.approx(_bh(BH_1995), abs=1e-12)


def test_families_are_adjusted_separately_and_nan_left_out():
    p = [0.01, 0.02, np.nan, 0.04, 0.3, 0.001]
    t = pd.DataFrame({"group_by": "all", "group": ["a", "a", "a", "b", "b", "b"], "p_value": p})
    out = adjust_pvalues(t)
    assert out["p_holm"].iloc[:2].tolist() == pytest.approx(_holm([0.01, 0.02]))
    assert np.isnan(out["p_holm"].iloc[2]) and out["stars"].iloc[2] == ""
    assert out["p_bh"].iloc[3:].tolist() == pytest.approx(_bh([0.04, 0.3, 0.001]))
    whole = adjust_pvalues(t, by=())
    fin = [v for v in p if np.isfinite(v)]
    assert whole["p_holm"].dropna().tolist() == pytest.approx(_holm(fin))
    assert [stars(v) for v in (0.01, 0.0100001, 0.05, 0.1, 0.11)] == ["***", "**", "**", "*", ""]


def test_bad_tables_are_refused():
    with pytest.raises(DataError, match="no p_value column"):
        adjust_pvalues(pd.DataFrame({"p": [0.1]}))
    with pytest.raises(DataError, match="not in the table"):
        adjust_pvalues(pd.DataFrame({"p_value": [0.1]}), by=["group"])


def _panel(seed=0, n_firms=10, n_days=380, planted=0.05):
    """SYNTHETIC market-model panel, one event per firm."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2021-01-04", periods=n_days, name="date")
    mkt = rng.normal(0.0, 0.01, n_days)
    rets = {}
    for i in range(n_firms):
        r = 1.1 * mkt + rng.normal(0, 0.02, n_days)
        r[300 + 5 * i] += planted
        rets[f"F{i}"] = r
    ev = pd.DataFrame({"event_id": [f"E{i}" for i in range(n_firms)],
                       "ticker": [f"F{i}" for i in range(n_firms)],
                       "date": [idx[300 + 5 * i] for i in range(n_firms)],
                       "timing": "pre-market"})  # fmt: skip
    return pd.DataFrame(rets, index=idx), pd.DataFrame({"market": mkt}, index=idx), ev


def test_result_and_report_carry_adjusted_p_and_the_star_rule(tmp_path):
    returns, factors, ev = _panel()
    res = event_study(ev, returns=returns, factors=factors, calendar="returns", tests="all")
    adj = res.tests(adjust=True)
    assert list(res.tests().columns) == list(res.test_table.columns)  # default unchanged
    fam = adj[(adj["group_by"] == "all")]
    assert fam["p_holm"].tolist() == pytest.approx(_holm(fam["p_value"].tolist()))
    assert fam["p_bh"].tolist() == pytest.approx(_bh(fam["p_value"].tolist()))
    path = write_event_report(res, tmp_path, key_events=["E0"])
    page = path.read_text(encoding="utf-8")
    assert "p holm" in page.lower() and "p bh" in page.lower()
    assert "Holm-adjusted p-value" in page and STAR_RULE.split(" (")[0] in page
    assert "Firm events (N = 10): every test at day 0 and [-1,+1]" in page
    assert "Signif." not in page  # no star from an unadjusted p on the page
    csv = pd.read_csv(tmp_path / "tests_market.csv")
    assert {"p_holm", "p_bh", "stars"} <= set(csv.columns)


def test_holm_equals_statsmodels_multipletests():
    """Holm is written out (statsmodels' Holm branch runs gc.collect() on every call);
    it must give statsmodels' numbers, ties and p-values near 1 included."""
    from statsmodels.stats.multitest import multipletests

    from riskkit.events.multiple import _holm

    rng = np.random.default_rng(7)
    for p in (BH_1995, [0.3, 0.3, 0.01, 0.9, 0.01], rng.uniform(size=40), [0.5]):
        p = np.asarray(p, dtype=float)
        assert _holm(p).tolist() == pytest.approx(multipletests(p, method="holm")[1], abs=1e-15)
