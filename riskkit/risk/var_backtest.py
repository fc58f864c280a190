"""VaR backtests: rolling out-of-sample forecasts, Kupiec POF, Christoffersen tests.

An exception (hit) at t is ``r_t < -VaR_t``: the loss exceeds the VaR forecast made with
data up to t-1 only. VaR is a positive loss number (see :mod:`riskkit.risk.var`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats
from scipy.special import xlogy

from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit._validation import NanPolicy, check_timeseries, warn
from riskkit.risk import _garch
from riskkit.risk._common import check_level, one_series
from riskkit.risk._var_kernels import (
    cornish_fisher_z,
    rolling_evt_var_cvar,
)
from riskkit.risk.var import VAR_METHODS

__all__ = [
    "LRTest",
    "VaRBacktestResult",
    "backtest_var",
    "christoffersen_independence",
    "conditional_coverage",
    "kupiec_pof",
    "rolling_var_forecast",
    "var_backtest_table",
]


@dataclass(frozen=True)
class LRTest:
    """A likelihood-ratio test: statistic, chi-square degrees of freedom, p-value."""

    name: str
    statistic: float
    df: int
    pvalue: float

    def __str__(self) -> str:
        return f"{self.name}: LR = {self.statistic:.4f}, chi2({self.df}) p = {self.pvalue:.4f}"


def _hits_array(hits: object) -> np.ndarray:
    arr = np.asarray(hits.to_numpy() if isinstance(hits, pd.Series) else hits)
    if arr.ndim != 1 or arr.size < 2:
        raise DataError(f"hits must be a 1-D sequence of at least 2 values, got shape {arr.shape}.")
    if arr.dtype != bool:
        if not np.isin(arr, (0, 1)).all():
            raise DataError("hits must be booleans or 0/1 (1 = the loss exceeded VaR).")
        arr = arr.astype(bool)
    return arr


def kupiec_pof(hits: pd.Series | np.ndarray, *, level: float) -> LRTest:
    """Kupiec (1995) proportion-of-failures test of unconditional coverage.

    Parameters
    ----------
    hits
        1 (True) where the loss exceeded VaR, else 0 (False).
    level
        VaR confidence level; the expected exception rate is ``p = 1 - level``.

    Returns
    -------
    LRTest
        ``LR_pof`` ~ chi2(1) under the null of a correct exception rate.

    Notes
    -----
    With n observations and x exceptions, ``pi = x / n``:
    ``LR_pof = -2 [ (n-x) ln(1-p) + x ln p ] + 2 [ (n-x) ln(1-pi) + x ln pi ]``,
    with ``0 ln 0 = 0``.

    References
    ----------
    Kupiec, P. (1995). Techniques for verifying the accuracy of risk measurement models.
    *Journal of Derivatives* 3(2), 73-84.

    Examples
    --------
    >>> h = [0] * 95 + [1] * 5
    >>> round(kupiec_pof(h, level=0.99).statistic, 4)
    8.2582
    """
    h = _hits_array(hits)
    p = 1.0 - check_level(level)
    n, x = h.size, int(h.sum())
    pi = x / n
    lr = max(
        float(
            -2.0 * (xlogy(n - x, 1 - p) + xlogy(x, p)) + 2.0 * (xlogy(n - x, 1 - pi) + xlogy(x, pi))
        ),
        0.0,
    )
    return LRTest("Kupiec POF", lr, 1, float(stats.chi2.sf(lr, 1)))


def _transitions(h: np.ndarray) -> tuple[int, int, int, int]:
    prev, cur = h[:-1], h[1:]
    n00 = int(np.sum(~prev & ~cur))
    n01 = int(np.sum(~prev & cur))
    n10 = int(np.sum(prev & ~cur))
    n11 = int(np.sum(prev & cur))
    return n00, n01, n10, n11


def christoffersen_independence(hits: pd.Series | np.ndarray) -> LRTest:
    """Christoffersen (1998) test that exceptions do not cluster (first-order Markov).

    Returns
    -------
    LRTest
        ``LR_ind`` ~ chi2(1).

    Notes
    -----
    n_ij counts days in state j after a day in state i (1 = exception).
    ``pi01 = n01/(n00+n01)``, ``pi11 = n11/(n10+n11)``, ``pi = (n01+n11)/(n00+n01+n10+n11)``.
    ``LR_ind = -2 [ (n00+n10) ln(1-pi) + (n01+n11) ln pi ]
    + 2 [ n00 ln(1-pi01) + n01 ln pi01 + n10 ln(1-pi11) + n11 ln pi11 ]``, ``0 ln 0 = 0``.

    References
    ----------
    Christoffersen, P. (1998). Evaluating interval forecasts. *International Economic
    Review* 39(4), 841-862.

    Examples
    --------
    >>> h = [0] * 90 + [1, 1, 0, 0, 1, 1, 0, 0, 0, 0]
    >>> round(christoffersen_independence(h).statistic, 4)
    8.5611
    """
    h = _hits_array(hits)
    n00, n01, n10, n11 = _transitions(h)
    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    pi = (n01 + n11) / (n00 + n01 + n10 + n11)
    l0 = xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi)
    l1 = xlogy(n00, 1 - pi01) + xlogy(n01, pi01) + xlogy(n10, 1 - pi11) + xlogy(n11, pi11)
    lr = max(float(-2.0 * (l0 - l1)), 0.0)
    return LRTest("Christoffersen independence", lr, 1, float(stats.chi2.sf(lr, 1)))


def conditional_coverage(hits: pd.Series | np.ndarray, *, level: float) -> LRTest:
    """Christoffersen (1998) conditional coverage: ``LR_cc = LR_pof + LR_ind`` ~ chi2(2).

    Notes
    -----
    ``LR_pof`` is computed on all n observations and ``LR_ind`` on the n-1 transitions,
    the usual practical form (e.g. Jorion, 2006, ch. 6); Christoffersen's exact
    decomposition computes both on the n-1 transitions.

    Examples
    --------
    >>> h = [0] * 95 + [1] * 5
    >>> round(conditional_coverage(h, level=0.99).statistic, 4)
    36.761
    """
    pof = kupiec_pof(hits, level=level)
    ind = christoffersen_independence(hits)
    lr = pof.statistic + ind.statistic
    return LRTest("Conditional coverage", lr, 2, float(stats.chi2.sf(lr, 2)))


def _rolling_kernel(
    x: np.ndarray,
    method: str,
    level: float,
    window: int,
    *,
    evt_threshold: float,
    garch_model: str,
    refit_every: int,
) -> tuple[np.ndarray, np.ndarray]:
    """VaR/CVaR forecasts for t = window..n-1, each from x[t-window:t] (excludes t)."""
    p = 1.0 - level
    w = sliding_window_view(x, window)[:-1]  # row k = x[k : k+window], forecasts x[k+window]
    if method == "historical":
        q = np.quantile(w, p, axis=1)
        mask = w <= q[:, None]
        cvar = -(np.where(mask, w, 0.0).sum(axis=1) / mask.sum(axis=1))
        return -q, cvar
    if method in ("gaussian", "cornish_fisher"):
        mu = w.mean(axis=1)
        sd = w.std(axis=1, ddof=1)
        z = float(stats.norm.ppf(p))
        phi = float(stats.norm.pdf(z))
        if method == "gaussian":
            return -(mu + sd * z), -(mu - sd * phi / p)
        d = w - mu[:, None]
        sig = np.sqrt((d**2).mean(axis=1))
        ok = sig > 0
        u = d / np.where(ok, sig, 1.0)[:, None]
        s = np.where(ok, (u**3).mean(axis=1), 0.0)
        k = np.where(ok, (u**4).mean(axis=1) - 3.0, 0.0)
        zcf = cornish_fisher_z(z, s, k)  # type: ignore[arg-type]
        bracket = 1.0 + z * s / 6.0 + (z**2 - 1.0) * k / 24.0 + (1.0 - 2.0 * z**2) * s**2 / 36.0
        return -(mu + sd * zcf), -(mu - sd * phi / p * bracket)
    out_v = np.empty(len(w))
    out_c = np.empty(len(w))
    if method == "evt":  # evt_var_cvar on every window, the GPD fits run together
        return rolling_evt_var_cvar(w, level, threshold=evt_threshold)
    # FHS: GARCH re-estimated every `refit_every` forecasts; in between, the variance
    # recursion with the last estimates is run forward one observation at a time, so the
    # forecast for t still uses returns up to t-1 only.
    sc = _garch.SCALE
    y = sc * x
    sig2 = np.full(x.size, np.nan)
    sims = np.empty((len(w), window))  # row i: the filtered returns behind forecast i
    for i0 in range(0, len(w), refit_every):
        t0, t1 = i0 + window, min(i0 + refit_every, len(w)) + window  # forecasts t0..t1-1
        fit = _garch.fit_garch_params(x[t0 - window : t0], model=garch_model)
        prm = fit.params
        mu, omega = prm["mu"], prm["omega"]
        alpha, beta_ = prm["alpha[1]"], prm["beta[1]"]
        gamma = prm.get("gamma[1]", 0.0)
        sig2[t0 - window : t0] = fit.conditional_volatility**2
        for t in range(t0, t1):
            e = y[t - 1] - mu
            sig2[t] = omega + (alpha + gamma * (e < 0)) * e * e + beta_ * sig2[t - 1]
        # until the next refit, sig2 only grows at the end: the standardised residual of
        # each past observation is the same in every window of the block, so the block's
        # windows are views of one array (fhs_var_cvar simulates mu + sigma_t * z)
        zz = (y[t0 - window : t1 - 1] - mu) / np.sqrt(sig2[t0 - window : t1 - 1])
        sims[i0 : i0 + t1 - t0] = mu / sc + (np.sqrt(sig2[t0:t1]) / sc)[
            :, None
        ] * sliding_window_view(zz, window)
    # historical VaR/CVaR of each row, as fhs_var_cvar: the row quantiles in one call
    # (np.quantile on axis 1 is the 1-D quantile of every row), then each row's tail mean
    q = np.quantile(sims, p, axis=1)
    for i, row in enumerate(sims):
        out_v[i], out_c[i] = -q[i], -float(row[row <= q[i]].mean())
    return out_v, out_c


def rolling_var_forecast(
    returns: pd.Series,
    *,
    method: str = "historical",
    level: float = 0.99,
    window: int = 250,
    evt_threshold: float = 0.90,
    garch_model: Literal["garch", "gjr"] = "garch",
    refit_every: int = 20,
    nan_policy: NanPolicy = "raise",
) -> pd.DataFrame:
    """Out-of-sample one-period VaR and CVaR forecasts from a rolling window.

    Parameters
    ----------
    returns
        One return series (decimals).
    method
        Any method of :func:`riskkit.risk.value_at_risk`.
    level
        Confidence level.
    window
        Estimation window: the forecast for t uses ``returns`` at t-window..t-1 only.
    evt_threshold, garch_model
        As :func:`riskkit.risk.value_at_risk`. EVT is re-fitted on every window.
    refit_every
        ``fhs`` only: GARCH is re-estimated (``arch``) on the past window every
        ``refit_every`` forecasts, where the forecast equals :func:`value_at_risk` with
        ``method="fhs"`` on that window. In between, the variance recursion
        ``s2_t = omega + (alpha + gamma 1[e_{t-1}<0]) e_{t-1}^2 + beta s2_{t-1}`` runs forward
        with the last estimates (returns up to t-1 only) and the window's residuals are
        standardised by it. ``refit_every=1`` re-estimates every day (slow).
    nan_policy
        ``"raise"`` or ``"omit"``.

    Returns
    -------
    DataFrame
        Columns ``var`` and ``cvar`` (positive losses) indexed by the forecast dates
        ``returns.index[window:]``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.Series(np.random.default_rng(0).normal(0, 0.01, 300),
    ...               index=pd.bdate_range("2023-01-02", periods=300))
    >>> f = rolling_var_forecast(r, window=250)
    >>> f.index[0] == r.index[250], f.shape
    (True, (50, 2))
    """
    x = one_series(
        returns, name="returns", min_length=2, nan_policy=nan_policy,
        what="rolling_var_forecast takes one Series; use var_backtest_table for frames.",
    )  # fmt: skip
    level = check_level(level)
    if method not in VAR_METHODS:
        raise DataError(f"method={method!r} is not allowed; use one of {list(VAR_METHODS)}.")
    min_window = 100 if method in ("evt", "fhs") else 20
    if isinstance(window, bool) or not isinstance(window, int) or window < min_window:
        raise DataError(f"window must be an integer >= {min_window} for {method}, got {window!r}.")
    if len(x) <= window:
        raise DataError(
            f"returns has {len(x)} observations; a rolling window of {window} needs more. "
            "Shorten the window or pass a longer sample."
        )
    if refit_every < 1:
        raise DataError(f"refit_every must be >= 1, got {refit_every!r}.")
    v, c = _rolling_kernel(
        x.to_numpy(dtype=float),
        method,
        level,
        window,
        evt_threshold=evt_threshold,
        garch_model=garch_model,
        refit_every=refit_every,
    )
    return pd.DataFrame({"var": v, "cvar": c}, index=x.index[window:])


@dataclass(frozen=True)
class VaRBacktestResult:
    """Backtest of a rolling one-period VaR forecast.

    Attributes
    ----------
    asset, method, level, window
        What was tested.
    forecasts
        Frame with ``return``, ``var``, ``cvar`` and ``hit`` per forecast date.
    n, exceptions
        Number of forecasts and of exceptions (``return < -var``).
    kupiec, independence, conditional
        The three likelihood-ratio tests.
    """

    asset: str
    method: str
    level: float
    window: int
    forecasts: pd.DataFrame
    n: int
    exceptions: int
    kupiec: LRTest
    independence: LRTest
    conditional: LRTest

    @property
    def expected_exceptions(self) -> float:
        """n * (1 - level)."""
        return self.n * (1.0 - self.level)

    @property
    def exception_rate(self) -> float:
        """exceptions / n."""
        return self.exceptions / self.n

    def to_frame(self) -> pd.DataFrame:
        """One tidy row with counts, rates, LR statistics and p-values (decimals)."""
        return pd.DataFrame(
            [
                {
                    "asset": self.asset,
                    "method": self.method,
                    "level": self.level,
                    "window": self.window,
                    "start": self.forecasts.index[0],
                    "end": self.forecasts.index[-1],
                    "n": self.n,
                    "exceptions": self.exceptions,
                    "expected": self.expected_exceptions,
                    "rate": self.exception_rate,
                    "lr_pof": self.kupiec.statistic,
                    "p_pof": self.kupiec.pvalue,
                    "lr_ind": self.independence.statistic,
                    "p_ind": self.independence.pvalue,
                    "lr_cc": self.conditional.statistic,
                    "p_cc": self.conditional.pvalue,
                }
            ]
        )

    def summary(self) -> Summary:
        """Exceptions and the three tests: prints as text, renders as HTML in a notebook."""
        f = self.forecasts
        tests = pd.DataFrame(
            [(t.name, t.statistic, t.df, t.pvalue)
             for t in (self.kupiec, self.independence, self.conditional)],
            columns=["Test", "LR", "df", "p-value"],
        )  # fmt: skip
        counts = pd.DataFrame(
            [{"Forecasts": self.n, "Exceptions": self.exceptions,
              "Expected": self.expected_exceptions, "Rate": self.exception_rate,
              "From": f.index[0], "To": f.index[-1]}]
        )  # fmt: skip
        blocks: list[str | Table] = [
            Table(counts, {"Expected": "num2", "Rate": "pct"}),
            Table(tests, {"LR": "num3", "df": "int", "p-value": "p"}),
        ]
        return Summary(
            "\n".join(
                [
                    f"VaR backtest {self.asset} {self.method} {self.level:.1%}, rolling window "
                    f"{self.window}, {f.index[0]:%Y-%m-%d} to {f.index[-1]:%Y-%m-%d}",
                    f"exceptions {self.exceptions} / {self.n} "
                    f"(rate {self.exception_rate:.4f}, expected {self.expected_exceptions:.1f})",
                    str(self.kupiec),
                    str(self.independence),
                    str(self.conditional),
                ]
            ),
            blocks,
        )

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return short_repr(
            "VaRBacktestResult",
            [("asset", repr(self.asset)), ("method", repr(self.method)),
             ("level", f"{self.level:.1%}"), ("window", self.window),
             ("exceptions", f"{self.exceptions}/{self.n}"),
             ("p_pof", f"{self.kupiec.pvalue:.4f}")],
        )  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def plot(self, ax=None):
        """Returns and -VaR with exceptions marked; returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 3))
        f = self.forecasts
        ax.plot(f.index, f["return"].to_numpy(), lw=0.6, color="0.5", label="return")
        ax.plot(f.index, -f["var"].to_numpy(), color="C3", label=f"-VaR {self.level:.0%}")
        hits = f[f["hit"]]
        ax.scatter(hits.index, hits["return"].to_numpy(), color="C3", s=12, label="exception")
        ax.set_title(f"{self.asset}: {self.method} VaR backtest")
        ax.legend(loc="lower left", fontsize=7)
        return ax


def backtest_var(
    returns: pd.Series,
    *,
    method: str = "historical",
    level: float = 0.99,
    window: int = 250,
    evt_threshold: float = 0.90,
    garch_model: Literal["garch", "gjr"] = "garch",
    refit_every: int = 20,
    nan_policy: NanPolicy = "raise",
) -> VaRBacktestResult:
    """Rolling out-of-sample VaR forecast and its Kupiec/Christoffersen backtests.

    Parameters are those of :func:`rolling_var_forecast`.

    Returns
    -------
    VaRBacktestResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.Series(np.random.default_rng(0).normal(0, 0.01, 1250),
    ...               index=pd.bdate_range("2020-01-01", periods=1250))
    >>> res = backtest_var(r, method="gaussian", level=0.99)
    >>> res.n, res.kupiec.df
    (1000, 1)
    """
    f = rolling_var_forecast(
        returns,
        method=method,
        level=level,
        window=window,
        evt_threshold=evt_threshold,
        garch_model=garch_model,
        refit_every=refit_every,
        nan_policy=nan_policy,
    )
    r = returns.reindex(f.index).astype(float)
    f.insert(0, "return", r)
    f["hit"] = r.to_numpy() < -f["var"].to_numpy()
    h = f["hit"].to_numpy()
    name = str(returns.name) if returns.name is not None else "returns"
    return VaRBacktestResult(
        asset=name,
        method=method,
        level=level,
        window=window,
        forecasts=f,
        n=int(h.size),
        exceptions=int(h.sum()),
        kupiec=kupiec_pof(h, level=level),
        independence=christoffersen_independence(h),
        conditional=conditional_coverage(h, level=level),
    )


def var_backtest_table(
    returns: pd.DataFrame,
    *,
    methods: tuple[str, ...] | list[str] = ("historical", "gaussian", "cornish_fisher", "evt"),
    level: float = 0.99,
    window: int = 250,
    refit_every: int = 20,
) -> pd.DataFrame:
    """Backtest every (asset, method) pair; one row each (see VaRBacktestResult.to_frame).

    NaNs are dropped per column (different calendars); assets with too few observations
    for the window are skipped with a RiskkitWarning.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.DataFrame(np.random.default_rng(0).normal(0, 0.01, (400, 2)), columns=["A", "B"],
    ...                  index=pd.bdate_range("2022-01-03", periods=400))
    >>> var_backtest_table(r, methods=["historical"]).shape[0]
    2
    """
    check_timeseries(returns, min_length=2, nan_policy="omit")
    rows, skipped = [], []
    for col in returns.columns:
        s = returns[col].dropna()
        if len(s) <= window + 1:
            skipped.append(col)
            continue
        for m in methods:
            rows.append(
                backtest_var(
                    s, method=m, level=level, window=window, refit_every=refit_every
                ).to_frame()
            )
    if skipped:
        warn(
            f"var_backtest_table: skipped {skipped}: fewer than window + 2 = {window + 2} "
            "observations.",
            stacklevel=3,
        )
    if not rows:
        raise DataError("no asset has enough observations for the backtest window.")
    return pd.concat(rows, ignore_index=True)
