"""GARCH(1,1)-standardized abnormal returns against a hand calculation written here.

The hand calculation takes the GARCH parameters from its own ``arch`` fit of the same
series (the optimiser is arch's; this test checks what riskkit does around it) and then,
in plain Python loops: the constant-mean residuals and their standard deviation, the
variance recursion from arch's backcast through the gap days, the multi-step forecasts
``h_k = omega + (alpha + beta) h_{k-1}``, the standardized CARs and the BMP and Z
statistics. Panels are SYNTHETIC (simulated GARCH returns, not market data).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from arch import arch_model

from riskkit.events import event_study

EST, GAP = 250, 10


def _garch_panel(seed=0, n_firms=6, n_days=420):
    """SYNTHETIC GARCH(1,1) returns, one event per firm, staggered days."""
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2021-01-04", periods=n_days, name="date")
    rets = {}
    for i in range(n_firms):
        omega, alpha, beta = 2e-5, 0.08, 0.88
        s2, r = omega / (1 - alpha - beta), np.empty(n_days)
        for t in range(n_days):
            r[t] = 0.0005 + math.sqrt(s2) * rng.standard_normal()
            s2 = omega + alpha * (r[t] - 0.0005) ** 2 + beta * s2
        rets[f"F{i}"] = r
    ev = pd.DataFrame({"event_id": [f"E{i}" for i in range(n_firms)],
                       "ticker": [f"F{i}" for i in range(n_firms)],
                       "date": [idx[330 + 9 * i] for i in range(n_firms)],
                       "timing": "pre-market"})  # fmt: skip
    return pd.DataFrame(rets, index=idx), ev


def _backcast(x: list[float]) -> float:
    tau = min(75, len(x))
    w = [0.94**k for k in range(tau)]
    return sum(wk * x[k] ** 2 for k, wk in enumerate(w)) / sum(w)


def _hand_scar(y: np.ndarray, p0: int, windows) -> list[float]:
    est = [float(v) for v in y[p0 - GAP - EST : p0 - GAP]]
    mu = sum(est) / len(est)
    e = [v - mu for v in est]
    s = math.sqrt(sum(v * v for v in e) / (len(e) - 1))
    gap = [float(v) - mu for v in y[p0 - GAP : p0]]  # tau -10 .. -1 (tau0 = -1)
    x = [v / s for v in e + gap]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = arch_model(np.array(x), mean="Zero", vol="GARCH", p=1, q=1, rescale=False).fit(
            disp="off", last_obs=len(e)
        )
    omega, alpha, beta = (float(v) for v in res.params[["omega", "alpha[1]", "beta[1]"]])
    bc = _backcast(x[: len(e)])
    sig2 = omega + (alpha + beta) * bc
    for t in range(1, len(x)):
        sig2 = omega + alpha * x[t - 1] ** 2 + beta * sig2
    h = [omega + alpha * x[-1] ** 2 + beta * sig2]  # tau = 0
    for _ in range(1, max(b for _, b in windows) + 1):
        h.append(omega + (alpha + beta) * h[-1])
    out = []
    for a, b in windows:
        car = sum(float(y[p0 + k]) - mu for k in range(a, b + 1))
        out.append(car / math.sqrt(sum(h[k] * s * s for k in range(a, b + 1))))
    return out


def test_garch_tests_equal_hand_calculation():
    returns, ev = _garch_panel(seed=2)
    wins = [(0, 0), (0, 2)]
    res = event_study(ev, returns=returns, model="constant", calendar="returns", windows=wins,
                      estimation=EST, gap=GAP, tests=["garch_bmp", "garch_z"])  # fmt: skip
    tt = res.tests().query("group_by == 'all'").set_index(["window", "test"])
    grid = returns.index
    per = np.array([_hand_scar(returns[t].to_numpy(), grid.get_loc(d), wins)
                    for t, d in zip(ev["ticker"], ev["date"], strict=True)])  # fmt: skip
    for j, (a, b) in enumerate(wins):
        sc = list(per[:, j])
        n = len(sc)
        z = sum(sc) / math.sqrt(n)
        m = sum(sc) / n
        bmp = math.sqrt(n) * m / math.sqrt(sum((v - m) ** 2 for v in sc) / (n - 1))
        win = f"[{a},{b}]"
        assert tt.loc[(win, "garch_z"), "statistic"] == pytest.approx(z, rel=1e-6)
        assert tt.loc[(win, "garch_bmp"), "statistic"] == pytest.approx(bmp, rel=1e-6)
        assert tt.loc[(win, "garch_z"), "n"] == n


def test_garch_standardization_reflects_volatility_state():
    """The same CAR is less surprising after a turbulent month: the GARCH SCAR shrinks."""
    returns, ev = _garch_panel(seed=5, n_firms=2)  # firm 0: fitted alpha 0.07 > 0
    calm = returns.copy()
    loud = returns.copy()
    p0 = returns.index.get_loc(ev["date"].iloc[0])
    rng = np.random.default_rng(0)
    loud.iloc[p0 - 8 : p0, 0] += rng.choice([-0.08, 0.08], size=8)  # gap-day turbulence
    kw = dict(model="constant", calendar="returns", windows=[(0, 0)], estimation=EST, gap=GAP)
    one = ev.iloc[:1]
    calm.iloc[p0, 0] += 0.05
    loud.iloc[p0, 0] += 0.05
    r_calm = event_study(one, returns=calm, tests=["garch_z"], **kw).tests()
    r_loud = event_study(one, returns=loud, tests=["garch_z"], **kw).tests()
    assert abs(float(r_loud["statistic"].iloc[0])) < abs(float(r_calm["statistic"].iloc[0]))
