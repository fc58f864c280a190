"""Performance ratios: Sharpe, Sortino, Calmar, Omega, tail ratio, capture, PSR and DSR.

Annualised figures use the factor of the data's calendar (252 equity sessions, 365 for a
24/7 asset) unless ``periods_per_year`` is given; a Series input returns an
:class:`~riskkit.risk.AnnualizedFloat` that prints the factor, a DataFrame input a Series
whose ``attrs["annualization"]`` gives it per column. Risk-free rates and thresholds are
**per period** (e.g. a daily rate for daily data), not annual.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from riskkit._annualization import AnnualizedFloat, resolve_annualization
from riskkit._errors import DataError
from riskkit._validation import NanPolicy, check_timeseries, warn
from riskkit.risk._common import apply_annualized, apply_columns, each_column
from riskkit.risk.drawdown import _dd, _dd_columns

__all__ = [
    "annualized_return",
    "annualized_volatility",
    "calmar_ratio",
    "deflated_sharpe_ratio",
    "down_capture",
    "expected_max_sharpe",
    "omega_ratio",
    "performance_table",
    "probabilistic_sharpe_ratio",
    "sharpe_ratio",
    "sortino_ratio",
    "tail_ratio",
    "up_capture",
]

EULER_GAMMA = 0.5772156649015329


def _cagr(x: np.ndarray, p: float) -> float:
    return float(np.prod(1.0 + x) ** (p / x.size) - 1.0)


def _cagr_columns(a: np.ndarray, p: float) -> np.ndarray:
    """:func:`_cagr` of each column of an ``(n, k)`` array (same operations, same bits)."""
    growth = np.prod(1.0 + a, axis=0)
    e = p / a.shape[0]
    # numpy scalar power, as in _cagr (an array power may use a different pow kernel)
    return np.array([float(g**e - 1.0) for g in growth], dtype=float)


def _column_mean(a: np.ndarray) -> np.ndarray:
    """``Series.mean()`` of each column: pandas' nanmean is ``sum / count`` (no bottleneck)."""
    return a.sum(axis=0, dtype=np.float64) / float(a.shape[0])


def _frame_std(a: np.ndarray) -> np.ndarray:
    """``Series.std(ddof=1)`` of each column, through pandas' own column reduction.

    pandas computes it with bottleneck when installed (else numpy's two-pass formula);
    reducing the frame runs the very same code per column, so the figures are
    bit-identical to the column-by-column pandas computation.
    """
    return pd.DataFrame(a, copy=False).std(ddof=1).to_numpy(dtype=float)


#: Dispersion at or below this fraction of the series' scale counts as none (rounding noise).
NEGLIGIBLE_DISPERSION = 1e-8


def _negligible(den: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """True where the dispersion ``den`` is 0 or within rounding noise of ``scale``."""
    return ~(den > NEGLIGIBLE_DISPERSION * np.abs(scale))


def _warn_negligible(what: str, bad: np.ndarray, *, stacklevel: int) -> None:
    if bad.any():
        warn(
            f"{what}: the dispersion of {int(bad.sum())} series is zero or negligible (at most "
            f"{NEGLIGIBLE_DISPERSION:g} of its mean absolute value), so the ratio is not "
            "defined; returned NaN. A constant return series has no risk to divide by.",
            stacklevel=stacklevel,
        )


def _ratio(num: np.ndarray, den: np.ndarray, p: float, scale: np.ndarray, what: str) -> np.ndarray:
    """``num / den * sqrt(p)``, NaN (with a warning) where ``den`` is negligible vs ``scale``.

    Called from the column kernels of the public ratio functions: the warning points at
    the user's call (warn, _warn_negligible, _ratio, kernel, apply_annualized, public).
    """
    _warn_negligible(what, _negligible(den, scale) & (den == den), stacklevel=7)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den * np.sqrt(p)
    return np.where(_negligible(den, scale), np.nan, out)


def annualized_return(
    returns: pd.Series | pd.DataFrame,
    *,
    periods_per_year: float | None = None,
    nan_policy: NanPolicy = "raise",
) -> float | pd.Series:
    """Compound annual growth rate ``(prod(1 + r))^(P / n) - 1``.

    Notes
    -----
    n = number of returns, P = periods per year. Identical to ``empyrical.annual_return``
    and ``quantstats.stats.cagr`` when given the same P.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.01] * 252, index=pd.bdate_range("2024-01-01", periods=252))
    >>> round(float(annualized_return(r)), 6)
    11.274002
    """
    return apply_annualized(
        returns, _cagr_columns, periods_per_year=periods_per_year, nan_policy=nan_policy
    )


def annualized_volatility(
    returns: pd.Series | pd.DataFrame,
    *,
    periods_per_year: float | None = None,
    nan_policy: NanPolicy = "raise",
) -> float | pd.Series:
    """Standard deviation (ddof=1) times sqrt(P).

    Notes
    -----
    Identical to ``empyrical.annual_volatility`` with the same P.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.01, -0.01] * 4, index=pd.date_range("2024-01-01", periods=8))
    >>> annualized_volatility(r)
    0.20424... [annualised with 365 periods/year (calendar days (24/7))]
    """
    return apply_annualized(
        returns,
        lambda a, p: _frame_std(a) * np.sqrt(p),
        periods_per_year=periods_per_year,
        nan_policy=nan_policy,
    )


def sharpe_ratio(
    returns: pd.Series | pd.DataFrame,
    *,
    risk_free: float = 0.0,
    periods_per_year: float | None = None,
    nan_policy: NanPolicy = "raise",
) -> float | pd.Series:
    """Annualised Sharpe ratio of excess returns.

    Parameters
    ----------
    returns
        Simple returns in decimals.
    risk_free
        Risk-free return **per period**.
    periods_per_year
        Override of the calendar's factor.
    nan_policy
        ``"raise"`` or ``"omit"``.

    Notes
    -----
    ``SR = mean(r - rf) / std(r - rf, ddof=1) * sqrt(P)`` (arithmetic mean; no
    autocorrelation correction). When ``std <= 1e-8 * mean(|r - rf|)``
    (:data:`NEGLIGIBLE_DISPERSION`) the dispersion is rounding noise (a constant series
    would otherwise give ~1e16) and the ratio is NaN with a ``RiskkitWarning``. Identical to ``empyrical.sharpe_ratio`` and
    ``quantstats.stats.sharpe`` given the same P. quantstats' ``smart=True`` and
    backtesting.py's geometric-mean "Sharpe" are different statistics.

    References
    ----------
    Sharpe, W. F. (1994). The Sharpe ratio. *Journal of Portfolio Management* 21(1), 49-58.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.02, -0.01, 0.01, 0.0], index=pd.bdate_range("2024-01-01", periods=4))
    >>> s = sharpe_ratio(r)
    >>> round(float(s), 4), s.periods_per_year
    (6.1482, 252)
    """

    def columns(a: np.ndarray, p: float) -> np.ndarray:
        ex = a - risk_free
        return _ratio(_column_mean(ex), _frame_std(ex), p, np.abs(ex).mean(axis=0), "sharpe_ratio")

    return apply_annualized(
        returns, columns, periods_per_year=periods_per_year, nan_policy=nan_policy
    )


def sortino_ratio(
    returns: pd.Series | pd.DataFrame,
    *,
    required_return: float = 0.0,
    periods_per_year: float | None = None,
    nan_policy: NanPolicy = "raise",
) -> float | pd.Series:
    """Annualised Sortino ratio.

    Notes
    -----
    ``DD = sqrt(mean(min(r - m, 0)^2))`` over **all** n observations (not only the
    negative ones) and ``Sortino = mean(r - m) / DD * sqrt(P)``, m the required return per
    period (Sortino and Price, 1994). NaN when DD = 0 (no shortfall) and, with a
    ``RiskkitWarning``, when ``0 < DD <= 1e-8 * mean(|r - m|)`` (rounding noise). Identical to ``empyrical.sortino_ratio`` and, for
    m = 0, to ``quantstats.stats.sortino``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.02, -0.01, 0.01, 0.0], index=pd.bdate_range("2024-01-01", periods=4))
    >>> round(float(sortino_ratio(r)), 4)
    15.8745
    """

    def columns(a: np.ndarray, p: float) -> np.ndarray:
        d = a - required_return
        dd = np.sqrt(np.mean(np.minimum(d, 0.0) ** 2, axis=0))
        # no shortfall at all (dd == 0) is the textbook NaN, not a negligible dispersion
        out = _ratio(d.mean(axis=0), np.where(dd == 0, np.nan, dd), p, np.abs(d).mean(axis=0),
                     "sortino_ratio")  # fmt: skip
        return np.where(dd == 0, np.nan, out)

    return apply_annualized(
        returns, columns, periods_per_year=periods_per_year, nan_policy=nan_policy
    )


def calmar_ratio(
    returns: pd.Series | pd.DataFrame,
    *,
    periods_per_year: float | None = None,
    nan_policy: NanPolicy = "raise",
) -> float | pd.Series:
    """Calmar ratio: annualised return (CAGR) over the absolute maximum drawdown.

    Notes
    -----
    ``Calmar = CAGR / |MDD|`` over the whole sample (not the classic trailing 36 months);
    NaN without a drawdown. Identical to ``empyrical.calmar_ratio`` and
    ``quantstats.stats.calmar`` with the same P.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.1, -0.5, 1.0, 0.2], index=pd.bdate_range("2024-01-01", periods=4))
    >>> round(float(calmar_ratio(r, periods_per_year=4)), 4)
    0.64
    """

    def columns(a: np.ndarray, p: float) -> np.ndarray:
        mdd = _dd_columns(a).min(axis=0)
        out = np.full(a.shape[1], np.nan)
        down = np.flatnonzero(~(mdd >= 0))  # CAGR only where there is a drawdown, as before
        out[down] = _cagr_columns(np.asfortranarray(a[:, down]), p) / np.abs(mdd[down])
        return out

    return apply_annualized(
        returns, columns, periods_per_year=periods_per_year, nan_policy=nan_policy
    )


def omega_ratio(
    returns: pd.Series | pd.DataFrame, *, threshold: float = 0.0, nan_policy: NanPolicy = "raise"
) -> float | pd.Series:
    """Omega ratio: gains above the threshold over losses below it.

    Notes
    -----
    ``Omega(t) = sum(max(r - t, 0)) / sum(max(t - r, 0))`` with t per period; NaN without
    losses. Not annualised. Identical to ``empyrical.omega_ratio(r, required_return=t,
    annualization=1)``.

    References
    ----------
    Keating, C. and Shadwick, W. F. (2002). A universal performance measure. *Journal of
    Performance Measurement* 6(3), 59-84.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.02, -0.01, 0.01, 0.0], index=pd.bdate_range("2024-01-01", periods=4))
    >>> omega_ratio(r)
    3.0
    """

    def one(x: np.ndarray) -> float:
        d = x - threshold
        down = float(-d[d < 0].sum())
        return np.nan if down == 0 else float(d[d > 0].sum()) / down

    return apply_columns(returns, each_column(one), nan_policy=nan_policy)


def tail_ratio(
    returns: pd.Series | pd.DataFrame, *, cutoff: float = 0.95, nan_policy: NanPolicy = "raise"
) -> float | pd.Series:
    """``|q_cutoff(r)| / |q_{1-cutoff}(r)|`` with numpy's linear quantiles.

    Notes
    -----
    Identical to ``empyrical.tail_ratio`` (cutoff 0.95) and ``quantstats.stats.tail_ratio``.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([-0.02, -0.01, 0.0, 0.01, 0.04], index=pd.bdate_range("2024-01-01", periods=5))
    >>> round(tail_ratio(r), 4)
    1.8889
    """
    if not 0.5 < cutoff < 1.0:
        raise DataError(f"cutoff must be in (0.5, 1), got {cutoff!r}; 0.95 is usual.")

    def one(x: np.ndarray) -> float:
        lo = float(np.quantile(x, 1 - cutoff))
        return np.nan if lo == 0 else abs(float(np.quantile(x, cutoff))) / abs(lo)

    return apply_columns(returns, each_column(one), nan_policy=nan_policy)


def _paired(returns: pd.Series, benchmark: pd.Series) -> tuple[pd.Series, pd.Series]:
    r = check_timeseries(returns, nan_policy="omit")
    b = check_timeseries(benchmark, name="benchmark", nan_policy="omit")
    if not isinstance(r, pd.Series) or not isinstance(b, pd.Series):
        raise DataError("capture ratios take one returns Series and one benchmark Series.")
    both = pd.concat([r.rename("r"), b.rename("b")], axis=1, join="inner").dropna()
    lost = max(r.notna().sum(), b.notna().sum()) - len(both)
    if lost > 0:
        warn(
            f"capture: {lost} date(s) without both a return and a benchmark return were "
            "dropped; pair on one calendar first (riskkit.data.btc_session_returns for BTC).",
            stacklevel=5,
        )
    if len(both) < 2:
        raise DataError("returns and benchmark share fewer than 2 dates.")
    return both["r"], both["b"]


def _capture(returns, benchmark, up: bool, periods_per_year):
    r, b = _paired(returns, benchmark)
    ann = resolve_annualization(r, periods_per_year)
    sel = (b > 0) if up else (b < 0)
    if sel.sum() == 0:
        raise DataError(f"the benchmark has no {'up' if up else 'down'} periods to compare.")
    p = float(ann.periods_per_year)
    val = _cagr(r[sel].to_numpy(), p) / _cagr(b[sel].to_numpy(), p)
    return AnnualizedFloat(val, ann)


def up_capture(
    returns: pd.Series, benchmark: pd.Series, *, periods_per_year: float | None = None
) -> float:
    """Up-market capture: CAGR of ``returns`` over CAGR of ``benchmark`` on benchmark-up periods.

    Notes
    -----
    ``UC = CAGR(r | b > 0) / CAGR(b | b > 0)`` with ``CAGR(x) = prod(1+x)^(P/n_sel) - 1``;
    the ratio depends on P. Identical to ``empyrical.up_capture`` when P = 252 (empyrical
    cannot use another P there). Dates are paired by inner join (dropped dates reported).

    Examples
    --------
    >>> import pandas as pd
    >>> i = pd.bdate_range("2024-01-01", periods=4)
    >>> b = pd.Series([0.01, -0.01, 0.02, -0.02], index=i)
    >>> r = 2 * b
    >>> round(float(up_capture(r, b, periods_per_year=1)), 4)
    1.9984
    """
    return _capture(returns, benchmark, True, periods_per_year)


def down_capture(
    returns: pd.Series, benchmark: pd.Series, *, periods_per_year: float | None = None
) -> float:
    """Down-market capture, as :func:`up_capture` on benchmark-down periods (b < 0).

    Examples
    --------
    >>> import pandas as pd
    >>> i = pd.bdate_range("2024-01-01", periods=4)
    >>> b = pd.Series([0.01, -0.01, 0.02, -0.02], index=i)
    >>> round(float(down_capture(2 * b, b, periods_per_year=1)), 4)
    2.0017
    """
    return _capture(returns, benchmark, False, periods_per_year)


def _psr(x: np.ndarray, sr_star: float) -> float:
    n = x.size
    sd = float(np.std(x, ddof=1))
    scale = float(np.mean(np.abs(x)))
    if sd == 0 or sd <= NEGLIGIBLE_DISPERSION * scale:
        _warn_negligible("probabilistic_sharpe_ratio", np.array([True]), stacklevel=9)
        return np.nan
    sr = float(np.mean(x)) / sd
    g3 = float(stats.skew(x, bias=True))
    g4 = float(stats.kurtosis(x, fisher=False, bias=True))
    denom = 1.0 - g3 * sr + (g4 - 1.0) / 4.0 * sr**2
    if denom <= 0:
        return np.nan
    return float(stats.norm.cdf((sr - sr_star) * np.sqrt(n - 1) / np.sqrt(denom)))


def probabilistic_sharpe_ratio(
    returns: pd.Series | pd.DataFrame,
    *,
    benchmark_sharpe: float = 0.0,
    nan_policy: NanPolicy = "raise",
) -> float | pd.Series:
    """Probability that the true Sharpe ratio exceeds ``benchmark_sharpe`` (per period).

    Notes
    -----
    ``PSR = Phi( (SR - SR*) sqrt(n - 1) / sqrt(1 - g3 SR + (g4 - 1)/4 SR^2) )`` with SR the
    **non-annualised** Sharpe (ddof=1), g3 the skewness and g4 the (raw, non-excess)
    kurtosis, both moment estimators (1/n) as in Bailey and Lopez de Prado (2012).
    quantstats' ``probabilistic_sharpe_ratio`` uses pandas' bias-adjusted skewness and
    kurtosis instead, so it differs slightly in small samples. NaN, with a
    ``RiskkitWarning``, when ``std <= 1e-8 * mean(|r|)`` (no dispersion to speak of).

    References
    ----------
    Bailey, D. H. and Lopez de Prado, M. (2012). The Sharpe ratio efficient frontier.
    *Journal of Risk* 15(2), 3-44.

    Examples
    --------
    >>> import pandas as pd
    >>> r = pd.Series([0.02, -0.01, 0.01, 0.0, 0.015, -0.005] * 5,
    ...               index=pd.bdate_range("2024-01-01", periods=30))
    >>> round(probabilistic_sharpe_ratio(r), 4)
    0.9922
    """
    return apply_columns(
        returns,
        each_column(lambda x: _psr(x, benchmark_sharpe)),
        min_length=3,
        nan_policy=nan_policy,
    )


def expected_max_sharpe(n_trials: int, sharpe_variance: float) -> float:
    """Expected maximum of ``n_trials`` Sharpe ratios with true value 0 (per period).

    Notes
    -----
    ``E[max SR] = sqrt(V) ((1 - gamma) Phi^{-1}(1 - 1/N) + gamma Phi^{-1}(1 - 1/(N e)))``,
    gamma the Euler-Mascheroni constant, V the variance of the trials' Sharpe ratios.

    Examples
    --------
    >>> round(expected_max_sharpe(100, 0.5 / 252), 6)
    0.112722
    """
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 2:
        raise DataError(f"n_trials must be an integer >= 2, got {n_trials!r}.")
    if not sharpe_variance > 0:
        raise DataError(f"sharpe_variance must be > 0, got {sharpe_variance!r}.")
    g = EULER_GAMMA
    z1 = stats.norm.ppf(1 - 1 / n_trials)
    z2 = stats.norm.ppf(1 - 1 / (n_trials * np.e))
    return float(np.sqrt(sharpe_variance) * ((1 - g) * z1 + g * z2))


def deflated_sharpe_ratio(
    returns: pd.Series | pd.DataFrame,
    *,
    n_trials: int,
    sharpe_variance: float,
    nan_policy: NanPolicy = "raise",
) -> float | pd.Series:
    """Deflated Sharpe ratio: PSR against the Sharpe expected from the best of N trials.

    Parameters
    ----------
    returns
        Returns of the selected strategy.
    n_trials
        Number of (independent) strategy variants tried.
    sharpe_variance
        Variance of the per-period (non-annualised) Sharpe ratios across the trials.

    Notes
    -----
    ``DSR = PSR(SR* = expected_max_sharpe(n_trials, sharpe_variance))``.

    References
    ----------
    Bailey, D. H. and Lopez de Prado, M. (2014). The deflated Sharpe ratio: correcting for
    selection bias, backtest overfitting and non-normality. *Journal of Portfolio
    Management* 40(5), 94-107.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.Series(np.random.default_rng(3).normal(0.002, 0.01, 1000),
    ...               index=pd.bdate_range("2020-01-01", periods=1000))
    >>> 0 <= deflated_sharpe_ratio(r, n_trials=50, sharpe_variance=0.001) <= 1
    True
    """
    sr0 = expected_max_sharpe(n_trials, sharpe_variance)
    return probabilistic_sharpe_ratio(returns, benchmark_sharpe=sr0, nan_policy=nan_policy)


def _f(x: object) -> float:
    return float(x)  # type: ignore[arg-type]


def performance_table(
    returns: pd.DataFrame | pd.Series, *, periods_per_year: float | None = None
) -> pd.DataFrame:
    """One row per asset: annualised return/volatility, Sharpe, Sortino, Calmar, max
    drawdown, Omega, tail ratio, PSR, and the annualisation used (NaNs dropped per column).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> r = pd.DataFrame(np.random.default_rng(0).normal(0, 0.01, (300, 2)), columns=["A", "B"],
    ...                  index=pd.bdate_range("2023-01-02", periods=300))
    >>> performance_table(r)["periods_per_year"].tolist()
    [252.0, 252.0]
    """
    frame = returns.to_frame() if isinstance(returns, pd.Series) else returns
    check_timeseries(frame, nan_policy="omit")
    rows = {}
    for col in frame.columns:
        s = frame[col].dropna()
        ann = resolve_annualization(s, periods_per_year)
        p = ann.periods_per_year
        rows[col] = {
            "n_obs": len(s),
            "start": s.index[0],
            "end": s.index[-1],
            "ann_return": _f(annualized_return(s, periods_per_year=p)),
            "ann_volatility": _f(annualized_volatility(s, periods_per_year=p)),
            "sharpe": _f(sharpe_ratio(s, periods_per_year=p)),
            "sortino": _f(sortino_ratio(s, periods_per_year=p)),
            "calmar": _f(calmar_ratio(s, periods_per_year=p)),
            "max_drawdown": float(_dd(s.to_numpy()).min()),
            "omega": _f(omega_ratio(s)),
            "tail_ratio": _f(tail_ratio(s)),
            "psr": _f(probabilistic_sharpe_ratio(s)),
            "periods_per_year": float(p),
            "annualization": ann.basis if periods_per_year is None else "user override",
        }
    return pd.DataFrame.from_dict(rows, orient="index")
