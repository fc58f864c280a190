"""Calendar-time portfolios: the portfolio by a loop, HAC by the sandwich formula, size.

Every panel here is SYNTHETIC (seeded numpy draws) except the bundled-data tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from riskkit import DataError
from riskkit.events.calendar_time import calendar_time, calendar_time_section, newey_west_lags


def _panel(seed=0, T=400, F=6, alpha=0.0):
    """SYNTHETIC firm returns with market and BTC factors."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2022-01-03", periods=T, name="date")
    f = pd.DataFrame(
        {"market": rng.normal(0.0004, 0.01, T), "BTC": rng.normal(0.001, 0.03, T)}, index=idx
    )
    r = pd.DataFrame(
        alpha + 1.2 * f[["market"]].to_numpy() + 0.5 * f[["BTC"]].to_numpy()
        + rng.normal(0, 0.02, (T, F)),
        index=idx, columns=[f"F{j}" for j in range(F)],
    )  # fmt: skip
    return r, f


def _events(idx, pos, tickers):
    return pd.DataFrame({"event_id": [f"e{k}" for k in range(len(pos))], "ticker": tickers,
                         "date": idx[pos], "timing": "pre-market"})  # fmt: skip


def _hac_by_hand(y, X, L):
    """Newey-West (1987) sandwich with Bartlett weights, written from the formula."""
    xtx_inv = np.linalg.inv(X.T @ X)
    b = xtx_inv @ X.T @ y
    u = y - X @ b
    n, k = X.shape
    S = np.zeros((k, k))
    for t in range(n):
        S += u[t] ** 2 * np.outer(X[t], X[t])
    for lag in range(1, L + 1):
        w = 1 - lag / (L + 1)
        for t in range(lag, n):
            S += w * u[t] * u[t - lag] * (np.outer(X[t], X[t - lag]) + np.outer(X[t - lag], X[t]))
    V = xtx_inv @ S @ xtx_inv
    return b, np.sqrt(np.diag(V))


def test_portfolio_alpha_and_hac_errors_equal_a_hand_calculation():
    r, f = _panel()
    r.iloc[150, 2] = np.nan  # a missing return: the firm sits that day out
    pos, tks = [20, 40, 60, 150, 160, 300], ["F0", "F1", "F0", "F2", "F3", "F4"]
    res = calendar_time(_events(r.index, pos, tks), returns=r, factors=f, calendar="returns",
                        horizon=30, start=1, maxlags=3)  # fmt: skip
    # the portfolio, day by day
    port, counts = [], []
    for t in range(len(r)):
        firms = {tk for p, tk in zip(pos, tks, strict=True) if p + 1 <= t <= p + 30}
        vals = [r[tk].iloc[t] for tk in sorted(firms) if np.isfinite(r[tk].iloc[t])]
        counts.append(len(vals))
        port.append(sum(vals) / len(vals) if vals else np.nan)
    got = res.portfolio
    np.testing.assert_allclose(got["portfolio_return"].to_numpy(), port, atol=1e-15)
    assert got["n_firms"].tolist() == counts
    assert max(counts) == 2  # F0's two events overlap on days 41-50: F0 counts once
    # the peers factor: the firms with a return that are not in the portfolio that day
    peer = []
    for t in range(len(r)):
        held = {tk for p, tk in zip(pos, tks, strict=True) if p + 1 <= t <= p + 30}
        vals = [r[c].iloc[t] for c in r.columns if c not in held and np.isfinite(r[c].iloc[t])]
        peer.append(sum(vals) / len(vals))
    np.testing.assert_allclose(got["peers_return"].to_numpy(), peer, atol=1e-15)
    fac = f.assign(peers=peer)
    use = np.isfinite(port)
    for model, cols in (("market", ["market"]), ("market_btc", ["market", "BTC"]),
                        ("market_peers", ["market", "peers"])):  # fmt: skip
        X = np.column_stack([np.ones(use.sum()), fac[cols].to_numpy()[use]])
        b, se = _hac_by_hand(np.array(port)[use], X, 3)
        co = res.to_frame().query("model == @model")
        np.testing.assert_allclose(co["coef"].to_numpy(), b, rtol=1e-10)
        np.testing.assert_allclose(co["se"].to_numpy(), se, rtol=1e-10)
        z = b[0] / se[0]
        fit = res.fits().set_index("model").loc[model]
        assert fit["alpha_z"] == pytest.approx(z, rel=1e-10)
        assert fit["alpha_p"] == pytest.approx(2 * sps.norm.sf(abs(z)), rel=1e-9)
        assert fit["alpha_annual"] == pytest.approx(252 * b[0], rel=1e-12)
        assert fit["n_days"] == use.sum()


def test_user_weights_are_used_as_of_the_previous_session_and_rf_is_subtracted():
    r, f = _panel(1)
    rng = np.random.default_rng(9)
    wts = pd.DataFrame(rng.uniform(1, 5, r.shape), index=r.index, columns=r.columns)
    rf = pd.Series(0.0001, index=r.index)
    pos, tks = [30, 35, 200], ["F0", "F1", "F2"]
    res = calendar_time(_events(r.index, pos, tks), returns=r, factors=f, calendar="returns",
                        horizon=20, weights=wts, risk_free=rf, models=("market",))  # fmt: skip
    t = 40  # F0 and F1 both in
    w0, w1 = wts["F0"].iloc[t - 1], wts["F1"].iloc[t - 1]
    want = (w0 * r["F0"].iloc[t] + w1 * r["F1"].iloc[t]) / (w0 + w1)
    assert res.portfolio["portfolio_return"].iloc[t] == pytest.approx(want, abs=1e-15)
    use = res.portfolio["portfolio_return"].notna().to_numpy()
    yv = res.portfolio["portfolio_return"].to_numpy()[use] - 0.0001
    X = np.column_stack([np.ones(use.sum()), f["market"].to_numpy()[use] - 0.0001])
    b = np.linalg.lstsq(X, yv, rcond=None)[0]
    np.testing.assert_allclose(res.to_frame()["coef"].to_numpy(), b, rtol=1e-10)
    assert res.fits()["maxlags"].iloc[0] == newey_west_lags(int(use.sum()))


def test_newey_west_rule():
    for n in (50, 100, 250, 1000, 5000):
        assert newey_west_lags(n) == int(4 * (n / 100) ** (2 / 9))


def test_size_of_the_calendar_time_alpha_under_the_null():
    """SYNTHETIC: 400 panels without abnormal returns, 15 random events each, [1,+20].

    Runs the steps of :func:`calendar_time` (window mask, portfolio, HAC fit) on arrays;
    the test above shows that the public function is these steps.
    """
    from riskkit.events.calendar_time import _active, _fit, _portfolio

    reps, rej = 400, 0
    rng = np.random.default_rng(2)
    T, F = 500, 6
    for _ in range(reps):
        fx = np.column_stack([rng.normal(0.0004, 0.01, T), rng.normal(0.001, 0.03, T)])
        y = 1.2 * fx[:, :1] + 0.5 * fx[:, 1:] + rng.normal(0, 0.02, (T, F))
        p0 = rng.choice(np.arange(10, 470), 15, replace=False)
        firm = rng.integers(0, F, 15)
        rp, _, _ = _portfolio(y, _active(y, firm, p0, 1, 20), np.ones_like(y))
        use = np.isfinite(rp)
        fit, _ = _fit(rp[use], fx[use], ["market", "BTC"], newey_west_lags(int(use.sum())))
        rej += fit.pvalues[0] <= 0.05
    lo, hi = sps.binom.ppf([0.005, 0.995], reps, 0.05) / reps
    assert lo <= rej / reps <= hi, (rej / reps, lo, hi)


def test_a_planted_alpha_is_found():
    """SYNTHETIC: +0.5% a day for every firm; the portfolio alpha recovers it."""
    r, f = _panel(3, alpha=0.005)
    pos = list(range(10, 380, 25))
    res = calendar_time(_events(r.index, pos, [f"F{k % 6}" for k in range(len(pos))]),
                        returns=r, factors=f, calendar="returns", horizon=20)  # fmt: skip
    fit = res.fits().set_index("model")
    assert fit.loc["market_btc", "alpha"] == pytest.approx(0.005, abs=0.0015)
    assert fit.loc["market_btc", "alpha_p"] < 0.01


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weights": "value"}, "weights='value'"),
        ({"weights": "dollar_volume"}, "reads the bundled volumes"),
        ({"models": ("ff3",)}, "models=\\['ff3'\\]"),
        ({"horizon": 3, "start": 5}, "ends before start"),
        ({"maxlags": -1}, "maxlags=-1"),
        ({"min_firms": 0}, "min_firms=0"),
        ({"min_firms": 50}, "only 0 session"),
    ],
)
def test_bad_options_raise_dataerror(kwargs, match):
    r, f = _panel()
    with pytest.raises(DataError, match=match):
        calendar_time(_events(r.index, [20], ["F0"]), returns=r, factors=f, calendar="returns",
                      **kwargs)  # fmt: skip


def test_bad_weights_and_missing_factors_raise():
    r, f = _panel()
    ev = _events(r.index, [20, 50], ["F0", "F1"])
    with pytest.raises(DataError, match="negative"):
        calendar_time(ev, returns=r, factors=f, calendar="returns", weights=-r.abs())
    with pytest.raises(DataError, match="need 2 factor column"):
        calendar_time(ev, returns=r, factors=f[["market"]], calendar="returns")


def test_bundled_dollar_volume_weights_and_section(tmp_path):
    from riskkit import load_prices
    from riskkit.events import assign_day0, load_events
    from riskkit.report import render_page

    res = calendar_time(scope="firm", horizon=20, weights="dollar_volume")
    assert res.n_events == 35  # every firm event of the catalog is on the grid
    pf = res.portfolio
    day = pf.index[pf["n_firms"] == pf["n_firms"].max()][0]
    # rebuild that day's portfolio by hand from the bundled closes and volumes
    px = load_prices(source="bundled")
    dv = (px["close"] * px["volume"]).reindex(pf.index)
    from riskkit.events.study import bundled_returns_and_factors

    rets, _, _ = bundled_returns_and_factors()
    ev = assign_day0(load_events())
    ev = ev[ev["ticker"] != "MKT"]
    t = pf.index.get_loc(day)
    num = den = 0.0
    firms = set()
    for tk, d0 in zip(ev["ticker"], ev["day0"], strict=True):
        p = pf.index.get_loc(pd.Timestamp(d0))
        if p + 1 <= t <= p + 20:
            firms.add(tk)
    for tk in firms:
        w = float(dv[tk].iloc[t - 20 : t].mean())  # 20 sessions ending the day before
        num += w * float(rets[tk].iloc[t])
        den += w
    assert pf.loc[day, "portfolio_return"] == pytest.approx(num / den, rel=1e-10)
    assert pf.loc[day, "n_firms"] == len(firms)
    secs = calendar_time_section(res)
    page = render_page("t", sections=secs, meta={}, out_path=tmp_path / "p.html")
    assert "Calendar-time" in page.read_text()
    assert "<table>" in res._repr_html_() and len(repr(res).splitlines()) <= 3
