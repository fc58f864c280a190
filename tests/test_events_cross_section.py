"""Cross-sectional regressions of CARs: sandwich errors by hand, csestudy's TSOLS by hand.

Every panel here is SYNTHETIC (seeded numpy draws) except the bundled-data test.
"""

from __future__ import annotations

import dataclasses
import functools
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from riskkit import DataError
from riskkit.events import event_study
from riskkit.events.cross_section import cross_section, cross_section_section


@functools.cache
def _study(seed=0, T=500, F=10, n=30, same_date=False, window=(-1, 1), model="market"):
    """SYNTHETIC returns, market and BTC factors, events with a numeric 'size' column."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2021-01-04", periods=T, name="date")
    m = pd.DataFrame({"market": rng.normal(0.0003, 0.01, T)}, index=idx)
    m["BTC"] = rng.normal(0.001, 0.03, T)
    common = rng.normal(0, 0.01, T)  # an industry factor the market model leaves out
    load = rng.uniform(0, 2, F)
    r = pd.DataFrame(
        1.1 * m[["market"]].to_numpy() + 0.4 * m[["BTC"]].to_numpy()
        + common[:, None] * load[None, :] + rng.normal(0, 0.02, (T, F)),
        index=idx, columns=[f"F{j}" for j in range(F)],
    )  # fmt: skip
    if same_date:
        pos, tks = np.full(F, 450), [f"F{j}" for j in range(F)]
    else:
        pos = rng.choice(np.arange(300, 490, 3), n)  # repeats: shared event dates
        tks = [f"F{j}" for j in rng.integers(0, F, n)]
    ev = pd.DataFrame({"event_id": [f"e{k}" for k in range(len(pos))], "ticker": tks,
                       "date": idx[pos], "timing": "pre-market",
                       "size": rng.lognormal(20, 1, len(pos)),
                       "event_type": rng.choice(["a", "b", "c"], len(pos))})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skipped/overlap warnings of random draws
        res = event_study(ev, returns=r, factors=m, calendar="returns", windows=[window],
                          overlap="keep", model=model)  # fmt: skip
    return res, r, m


def _sandwich(X, u, meat, scale):
    bread = np.linalg.inv(X.T @ X)
    return np.sqrt(np.diag(scale * bread @ meat @ bread))


def test_hc1_hc3_and_date_clusters_equal_the_sandwich_by_hand():
    res, r, m = _study()
    cs = cross_section(res, regressors=["event_type", "size", "pre_volatility"], log=["size"],
                       returns=r, factors=m, tsols=False)  # fmt: skip
    d = cs.data
    X = np.column_stack([np.ones(len(d)), d[list(cs.terms[1:])].to_numpy()])
    y = d["car"].to_numpy()
    n, k = X.shape
    b = np.linalg.solve(X.T @ X, X.T @ y)
    u = y - X @ b
    h = np.array([X[i] @ np.linalg.inv(X.T @ X) @ X[i] for i in range(n)])
    meat1 = sum(u[i] ** 2 * np.outer(X[i], X[i]) for i in range(n))
    meat3 = sum(u[i] ** 2 / (1 - h[i]) ** 2 * np.outer(X[i], X[i]) for i in range(n))
    dates = pd.Series(d["day0"]).to_numpy()
    groups = sorted(set(dates))
    meatc = np.zeros((k, k))
    for g in groups:
        sel = dates == g
        s = X[sel].T @ u[sel]
        meatc += np.outer(s, s)
    G = len(groups)
    want = {
        "HC1": (_sandwich(X, u, meat1, n / (n - k)), n - k),
        "HC3": (_sandwich(X, u, meat3, 1.0), n - k),
        "cluster": (_sandwich(X, u, meatc, G / (G - 1) * (n - 1) / (n - k)), G - 1),
    }
    ct = cs.to_frame()
    assert n > G  # some events share a date
    for cov, (se, df) in want.items():
        sub = ct[ct["cov_type"] == cov]
        np.testing.assert_allclose(sub["coef"].to_numpy(), b, rtol=1e-10)
        np.testing.assert_allclose(sub["se"].to_numpy(), se, rtol=1e-10)
        np.testing.assert_allclose(sub["p"].to_numpy(), 2 * sps.t.sf(np.abs(b / se), df),
                                   rtol=1e-9)  # fmt: skip
        assert (sub["df"] == df).all()
    # the regressors are what the docs say: log size, dummies against the largest type
    np.testing.assert_allclose(d["log_size"], np.log(res.events.set_index("event_id")
                                                     .loc[d["event_id"], "size"]))  # fmt: skip
    sig = res.params.set_index("event_id").loc[d["event_id"], "sigma"]
    np.testing.assert_allclose(d["pre_volatility"], sig)


def _csestudy_by_hand(res, r, m, x_cols, window):
    """csestudy's OLS branch (Mata _tsregress), written again from its source, for one
    common event date: rolling window sums of the pre-event abnormal returns."""
    a, b = window
    E, gap = res.estimation, res.gap
    prm = res.params.set_index("event_id")
    cars = res.to_frame().set_index("event_id")
    ids = list(cars.index)
    d0 = r.index.get_loc(pd.Timestamp(cars["day0"].iloc[0]))
    fac = {c: m[c].tolist() for c in res.factors}
    ar = {}
    for e in ids:
        ret = r[cars.loc[e, "ticker"]].tolist()
        alpha = float(prm.loc[e, "alpha"])
        beta = {c: float(prm.loc[e, f"beta_{c}"]) for c in res.factors}
        ar[e] = {}
        for tau in range(-gap - E, -gap):
            normal = alpha + sum(beta[c] * fac[c][d0 + tau] for c in res.factors)
            ar[e][tau] = ret[d0 + tau] - normal
    X = np.column_stack([np.ones(len(ids)), x_cols])
    betas = []
    for s in range(b + gap + 1, a + gap + E + 1):  # the window moved s sessions back
        y = np.array([sum(ar[e][t] for t in range(a - s, b - s + 1)) for e in ids])
        betas.append(np.linalg.solve(X.T @ X, X.T @ y))
    betas = np.array(betas)
    ev_b = np.linalg.solve(X.T @ X, X.T @ cars["car"].to_numpy())
    K = len(betas)
    mean = betas.mean(axis=0)
    pct = (np.abs(betas - mean) > np.abs(ev_b - mean)).sum(axis=0) / K
    pct = np.array([1 / (2 * K) if v == 0 else (1 - 1 / (2 * K) if v == 1 else v) for v in pct])
    D = np.column_stack([np.r_[1.0, np.zeros(K)], np.ones(K + 1)])
    ts_beta = np.linalg.lstsq(D, np.vstack([ev_b, betas]), rcond=None)[0][0]
    sd = np.sqrt(betas.var(axis=0, ddof=1) * (K + 1) / K)
    return ev_b, pct, ts_beta / sd, K


@pytest.mark.parametrize(
    ("window", "model"),
    [((0, 0), "market"), ((-1, 1), "market"), ((-1, 1), "market_btc"), ((0, 2), "constant")],
)
def test_tsols_equals_csestudy_on_one_common_event_date(window, model):
    res, r, m = _study(seed=3, F=12, same_date=True, window=window, model=model)
    cs = cross_section(res, regressors=["size"], window=window, returns=r, factors=m)
    x = res.events.set_index("event_id").loc[cs.data["event_id"], "size"].to_numpy()
    ev_b, pct, z, K = _csestudy_by_hand(res, r, m, x[:, None], window)
    ts = cs.tsols()
    np.testing.assert_allclose(ts["coef"].to_numpy(), ev_b, rtol=1e-9)
    np.testing.assert_allclose(ts["p_cdf"].to_numpy(), pct, atol=1e-12)
    np.testing.assert_allclose(ts["ts_z"].to_numpy(), z, rtol=1e-9)
    np.testing.assert_allclose(ts["p_z"].to_numpy(), 2 * sps.norm.sf(np.abs(z)), rtol=1e-9)
    assert (ts["n_placebo"] == K).all() and res.estimation - (window[1] - window[0]) == K
    # one event date: clustering by date is undefined, reported as missing with a note
    assert cs.to_frame().query("cov_type == 'cluster'")["se"].isna().all()
    assert any("one event date" in n for n in cs.notes)


def test_hc3_with_a_leverage_one_event_is_missing_not_inf():
    res, r, m = _study(seed=1, n=12)
    cs = cross_section(res, regressors=["ticker"], tsols=False)
    hc3 = cs.to_frame().query("cov_type == 'HC3'")
    one = res.to_frame()["ticker"].value_counts().min() == 1
    assert one  # the draw has a firm with a single event: its dummy has leverage 1
    assert hc3["se"].isna().all()
    assert any("HC3 is not defined" in n for n in cs.notes)


def test_characteristics_frame_and_running_the_study_here():
    res, r, m = _study(seed=2)
    ev = res.events[["event_id", "ticker", "date", "timing", "event_type"]]
    extra = pd.DataFrame({"deal": np.arange(len(ev), dtype=float) + 1.0},
                         index=ev["event_id"])  # fmt: skip
    cs = cross_section(ev, returns=r, factors=m, calendar="returns", regressors=["deal"],
                       characteristics=extra, window=(0, 0), tsols=False)  # fmt: skip
    assert cs.terms == ("const", "deal")
    np.testing.assert_allclose(cs.data["deal"], extra.loc[cs.data["event_id"], "deal"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"window": (0, 5)}, "not one of the study's windows"),
        ({"window": "x"}, "pass a pair"),
        ({"regressors": ["nope"]}, "regressor 'nope' is neither built in"),
        ({"regressors": ["timing"]}, "regressor 'timing' is not numeric"),
        ({"regressors": ["size"], "log": ["pre_volatility"]}, "names no regressor"),
        ({"regressors": ["event_type", "event_type"]}, "collinear"),
        ({"scope": "firms"}, "scope='firms'"),
    ],
)
def test_bad_inputs_raise_dataerror(kwargs, match):
    res, r, m = _study()
    with pytest.raises(DataError, match=match):
        cross_section(res, returns=r, factors=m, tsols=False, **kwargs)


def test_too_few_events_and_bad_logs_raise():
    res, r, m = _study(n=4)
    with pytest.raises(DataError, match="need at least"):
        cross_section(res, regressors=["event_type", "size"], tsols=False)
    res, r, m = _study()
    neg = res.events.copy()
    neg["size"] = -1.0
    res = dataclasses.replace(res, events=neg)  # a study whose events carry a bad column
    with pytest.raises(DataError, match="log of 'size' needs positive"):
        cross_section(res, regressors=["size"], log=["size"], tsols=False)
    res, r, m = _study()
    with pytest.raises(DataError, match="pass the same returns="):
        cross_section(res, regressors=["size"])  # TSOLS needs the user's returns


def test_bundled_firm_events_and_section(tmp_path):
    from riskkit.report import render_page

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = event_study(model="market")
    cs = cross_section(study, scope="firm", regressors=["event_type", "pre_volatility"])
    assert cs.n == 33 and cs.n_clusters == 31
    assert cs.tsols()["n_placebo"].iloc[0] == 247
    # firm news: event-day variance far above the placebo days', so TSOLS is flagged
    assert cs.tsols_variance_ratio > 1.5
    assert "TSOLS (csestudy) is not reliable here" in cs.conclusion()
    page = render_page("t", sections=cross_section_section(cs), meta={},
                       out_path=tmp_path / "p.html")  # fmt: skip
    assert "Cross-sectional regression" in page.read_text()
    assert "<table>" in cs._repr_html_() and len(repr(cs).splitlines()) <= 3


def _size_draws(design, reps, rng):
    """SYNTHETIC cross-sections: rejection rates at 5% of HC1, HC3 and TSOLS (p_cdf)."""
    import statsmodels.api as sm

    from riskkit.events._cross_section_kernels import tsols

    n, E, gap = 40, 250, 10
    rej = {"HC1": 0, "HC3": 0, "tsols": 0}
    ratios = []
    for _ in range(reps):
        if design == "common_date_omitted_factor":
            lam = rng.uniform(0, 2, n)  # loading on a factor the model leaves out
            x = lam + rng.normal(0, 0.3, n)  # the characteristic is correlated with it
            f = rng.normal(0, 0.02, E + 1)
            ret = lam[:, None] * f[None, :] + rng.normal(0, 0.02, (n, E + 1))
            ar, car = ret[:, :E], ret[:, E]
        else:  # distinct dates, day-0 variance 9 times the normal days', x irrelevant
            x = rng.normal(size=n)
            ar = rng.normal(0, 0.02, (n, E))
            car = rng.normal(0, 0.06, n)
        X = np.column_stack([np.ones(n), x])
        zero = np.zeros(n, dtype=np.int64)
        out = tsols(X, car, ar, zero, zero, gap)
        rej["tsols"] += out.p_cdf[1] <= 0.05
        ratios.append(out.variance_ratio)
        for cov in ("HC1", "HC3"):
            rej[cov] += sm.OLS(car, X).fit(cov_type=cov, use_t=True).pvalues[1] <= 0.05
    return {k: v / reps for k, v in rej.items()}, float(np.median(ratios))


def test_tsols_holds_its_size_where_csestudy_is_meant_to_work():
    """One common date, returns correlated through an omitted factor that the
    characteristic proxies: HC errors reject far too often, TSOLS does not."""
    reps = 300
    rates, ratio = _size_draws("common_date_omitted_factor", reps, np.random.default_rng(0))
    lo, hi = sps.binom.ppf([0.005, 0.995], reps, 0.05) / reps
    assert lo <= rates["tsols"] <= hi, rates
    assert rates["HC1"] > 0.3 and rates["HC3"] > 0.3
    assert ratio < 1.5


def test_tsols_over_rejects_with_event_induced_variance_and_flags_it():
    """Distinct dates, day-0 variance 9x the normal days' (firm news): HC3 holds its
    size, TSOLS's reference distribution is too narrow, and the variance ratio shows it
    (it is what the result's note and conclusion warn on)."""
    from riskkit.events.cross_section import VARIANCE_RATIO_WARN

    reps = 300
    rates, ratio = _size_draws("event_induced_variance", reps, np.random.default_rng(1))
    lo, hi = sps.binom.ppf([0.005, 0.995], reps, 0.05) / reps
    assert lo <= rates["HC3"] <= hi, rates
    assert rates["tsols"] > 0.3
    assert ratio > VARIANCE_RATIO_WARN
