"""Calendar-time portfolios of event firms (Jaffe 1974; Mitchell and Stafford 2000).

For each session the portfolio holds the firms within ``[start, horizon]`` sessions after
one of their events; its return is regressed on the factors and the intercept (alpha) is
the mean daily abnormal return, with Newey-West (HAC) standard errors from statsmodels.
Overlapping events of different firms become one portfolio return per day, so the
cross-correlation of events that share calendar days is in the portfolio's variance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from riskkit._annualization import infer_periods_per_year
from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit._validation import check_timeseries
from riskkit.events._inputs import check_count
from riskkit.events.long_horizon import Events, Scope, _p, event_panel

if TYPE_CHECKING:
    from riskkit.report import Section

__all__ = ["CalendarTimeResult", "calendar_time", "calendar_time_section", "newey_west_lags"]

#: Factor sets (after the constant): ``market`` and ``btc`` are the first and second
#: columns of ``factors``; ``peers`` is the equal-weight return of the universe's firms that
#: are not in the portfolio that day (the miners without a recent event).
MODEL_FACTORS = {
    "market": ("market",),
    "market_btc": ("market", "btc"),
    "market_peers": ("market", "peers"),
}


def newey_west_lags(n: int) -> int:
    """Newey-West (1994) rule for the Bartlett kernel: ``floor(4 (n / 100)^(2/9))``.

    Examples
    --------
    >>> newey_west_lags(250), newey_west_lags(1000)
    (4, 6)
    """
    return int(np.floor(4.0 * (n / 100.0) ** (2.0 / 9.0)))


def _dollar_volume_weights(columns: Sequence[str], index: pd.DatetimeIndex, window: int):
    from riskkit.data import load_prices

    px = load_prices(list(columns), source="bundled")
    dv = (px["close"] * px["volume"]).reindex(index)[list(columns)]
    return dv.rolling(window, min_periods=window).mean()


def calendar_time(
    events: Events = None,
    *,
    returns: pd.DataFrame | pd.Series | None = None,
    factors: pd.DataFrame | pd.Series | None = None,
    horizon: int = 60,
    start: int = 1,
    weights: Literal["equal", "dollar_volume"] | pd.DataFrame = "equal",
    models: Sequence[str] = ("market", "market_btc", "market_peers"),
    maxlags: int | None = None,
    min_firms: int = 1,
    risk_free: pd.Series | None = None,
    dollar_volume_window: int = 20,
    universe: Sequence[str] | None = None,
    scope: Scope = "all",
    calendar: Literal["XNYS", "returns"] = "XNYS",
    market: str = "SPY",
    total_return: bool = True,
) -> CalendarTimeResult:
    """Calendar-time portfolio of the firms in their post-event window, and its alpha.

    Parameters
    ----------
    events
        As for :func:`~riskkit.events.event_study`, or an
        :class:`~riskkit.events.EventStudyResult` (its estimated events).
    returns, factors
        Simple returns (date x ticker) and factors (market first, then BTC). None: the
        bundled miners, SPY total return and BTC compounded over each NYSE session.
    horizon, start
        A firm is in the portfolio on sessions ``[day 0 + start, day 0 + horizon]`` of
        any of its events (once, however many of its events cover the day).
    weights
        ``"equal"``; ``"dollar_volume"`` (bundled data only): weights proportional to the
        firm's mean close x volume over the ``dollar_volume_window`` sessions ending the
        session before (known before the day's return: no look-ahead); or a DataFrame of
        non-negative weights (date x ticker, e.g. market capitalisations), used as of the
        previous session.
    models
        Factor sets: ``"market"`` (the first factor), ``"market_btc"`` (the first two) and
        ``"market_peers"`` (the market and the equal-weight return of the universe's firms
        outside the portfolio that day: the other miners, a sector benchmark).
    maxlags
        Newey-West lags; None: :func:`newey_west_lags` of the number of days used.
    min_firms
        Sessions with fewer firms in the portfolio are left out of the regressions.
    risk_free
        Daily risk-free return (Series on the return dates), subtracted from the portfolio
        and from every factor; None: zero (the bundled data have no risk-free rate; then
        alpha includes ``(1 - sum beta) r_f``).
    dollar_volume_window
        Sessions averaged for the dollar-volume weights.
    universe, scope, calendar, market, total_return
        As for :func:`~riskkit.events.long_horizon`.

    Returns
    -------
    CalendarTimeResult

    Raises
    ------
    DataError
        Bad options, weights without the needed data, a model needing more factor
        columns than given, or fewer usable days than the model has parameters + 2.

    Notes
    -----
    ``R_pt = sum_i w_it R_it / sum_i w_it`` over the firms ``i`` in the portfolio on day
    ``t`` (``w = 1`` for equal weights). OLS of ``R_pt - r_ft = a + b' (F_t - r_ft) + e_t``
    (statsmodels); ``market_peers``'s second factor is ``mean_j R_jt`` over the universe's
    firms ``j`` with a return on ``t`` and not in the portfolio.
    ``Var(a, b) = (X'X)^{-1} S (X'X)^{-1}`` with ``S = sum_t e_t^2 x_t x_t'
    + sum_{l=1}^{L} (1 - l/(L+1)) sum_t e_t e_{t-l} (x_t x_{t-l}' + x_{t-l} x_t')``
    (Bartlett weights, no small-sample factor: statsmodels' ``cov_type="HAC"``
    default), z-statistics against the normal. ``alpha_annual = a x P`` with ``P`` = 252
    sessions a year on the NYSE calendar (from the dates otherwise).

    References
    ----------
    Jaffe, J. F. (1974). Special information and insider trading. *Journal of Business*
    47, 410-428.
    Mitchell, M. L. and Stafford, E. (2000). Managerial decisions and long-term stock price
    performance. *Journal of Business* 73, 287-329.
    Newey, W. K. and West, K. D. (1994). Automatic lag selection in covariance matrix
    estimation. *Review of Economic Studies* 61, 631-653.

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=300, name="date")
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"market": rng.normal(0, 0.01, 300), "BTC": rng.normal(0, 0.03, 300)},
    ...                  index=idx)
    >>> r = pd.DataFrame(rng.normal(0, 0.02, (300, 3)), index=idx, columns=list("ABC"))
    >>> ev = pd.DataFrame({"event_id": ["a", "b"], "ticker": ["A", "B"],
    ...                    "date": idx[[50, 120]], "timing": "pre-market"})
    >>> res = calendar_time(ev, returns=r, factors=f, calendar="returns", horizon=40)
    >>> res.fits()[["model", "n_days"]].values.tolist()
    [['market', 80], ['market_btc', 80], ['market_peers', 80]]
    """
    check_count("start", start, 0)
    check_count("horizon", horizon, 1)
    check_count("min_firms", min_firms, 1)
    check_count("dollar_volume_window", dollar_volume_window, 1)
    if int(horizon) < int(start):
        raise DataError(f"horizon={horizon} ends before start={start}; use horizon >= start.")
    if maxlags is not None:
        check_count("maxlags", maxlags, 0)
    mods = list(models)
    bad = [m for m in mods if m not in MODEL_FACTORS]
    if bad or not mods:
        raise DataError(f"models={mods!r}; use some of {list(MODEL_FACTORS)}.")
    if isinstance(weights, str) and weights not in ("equal", "dollar_volume"):
        raise DataError(
            f"weights={weights!r}; use 'equal', 'dollar_volume' (bundled data) or a DataFrame "
            "of weights (date x ticker, e.g. market caps)."
        )
    if isinstance(weights, str) and weights == "dollar_volume" and returns is not None:
        raise DataError(
            "weights='dollar_volume' reads the bundled volumes; with your own returns pass "
            "weights=DataFrame (date x ticker: market caps or dollar volume)."
        )
    panel = event_panel(events, returns=returns, factors=factors, universe=universe,
                        scope=scope, calendar=calendar, market=market,
                        total_return=total_return)  # fmt: skip
    facs = panel.factors
    need = 2 if any("btc" in MODEL_FACTORS[m] for m in mods) else 1
    if facs is None or facs.shape[1] < need:
        have = 0 if facs is None else facs.shape[1]
        raise DataError(
            f"models {mods} need {need} factor column(s) (market first, then BTC); factors "
            f"has {have}. Pass factors= or use models=('market',)."
        )
    rets = panel.returns
    grid = pd.DatetimeIndex(rets.index)
    y = rets.to_numpy(dtype=float)
    n_t = y.shape[0]
    on = panel.p0 >= 0
    dropped = panel.events.loc[~on, ["event_id", "ticker", "day0"]].assign(
        reason="day 0 is not a date of the returns"
    )
    active = _active(y, panel.firm[on], panel.p0[on], int(start), int(horizon))
    if isinstance(weights, pd.DataFrame):
        check_timeseries(weights, name="weights", min_length=1, nan_policy="omit")
        w_frame = weights.rename(columns=lambda c: str(c).upper()).reindex(
            index=grid, columns=rets.columns
        )
        if (w_frame < 0).any().any():
            raise DataError("weights has negative values; weights must be >= 0.")
        w = w_frame.shift(1).to_numpy(dtype=float)
        w_note = "user weights as of the previous session"
        w_label = "user weights"
    elif weights == "dollar_volume":
        dv = _dollar_volume_weights(list(rets.columns), grid, int(dollar_volume_window))
        w = dv.shift(1).to_numpy(dtype=float)
        w_note = (
            f"dollar volume (close x volume, mean of the {dollar_volume_window} sessions "
            "ending the session before): a liquidity weight, not market value (the data "
            "have no shares outstanding)"
        )
        w_label = "dollar-volume weights"
    else:
        w = np.ones_like(y)
        w_note = "equal weights"
        w_label = "equal weights"
    rp, n_firms, n_weighted = _portfolio(y, active, w)
    good = np.isfinite(rp)
    peers = _peers(y, active, pd.Index(rets.columns).isin(list(panel.universe)))
    columns = {"market": (facs.iloc[:, 0].to_numpy(dtype=float), str(facs.columns[0])),
               "peers": (peers, "peers")}  # fmt: skip
    if facs.shape[1] > 1:
        columns["btc"] = (facs.iloc[:, 1].to_numpy(dtype=float), str(facs.columns[1]))
    rf = np.zeros(n_t)
    rf_note = "none (zero)"
    if risk_free is not None:
        check_timeseries(risk_free, name="risk_free", min_length=1, nan_policy="omit")
        rf = pd.Series(risk_free).reindex(grid).to_numpy(dtype=float)
        rf_note = "user series"
    portfolio = pd.DataFrame({"portfolio_return": rp, "n_firms": n_firms,
                              "weight_missing": n_firms - n_weighted, "peers_return": peers},
                             index=grid)  # fmt: skip
    portfolio.index.name = "date"
    ppy = 252.0 if calendar == "XNYS" else infer_periods_per_year(grid).periods_per_year
    fit_rows, coef_rows = [], []
    used_lags = {}
    for mname in mods:
        keys = MODEL_FACTORS[mname]
        k = len(keys)
        fx = np.column_stack([columns[c][0] for c in keys])
        use = good & (n_firms >= int(min_firms)) & np.isfinite(fx).all(axis=1) & np.isfinite(rf)
        n_use = int(use.sum())
        if n_use < k + 3:
            raise DataError(
                f"only {n_use} session(s) have a portfolio and the factors for model "
                f"{mname!r}; need at least {k + 3}. Lengthen horizon, add events or lower "
                "min_firms."
            )
        lags = newey_west_lags(n_use) if maxlags is None else int(maxlags)
        used_lags[mname] = lags
        fit, names = _fit(rp[use] - rf[use], fx[use] - rf[use, None],
                          [columns[c][1] for c in keys], lags)  # fmt: skip
        for j, nm in enumerate(names):
            coef_rows.append({"model": mname, "term": nm, "coef": fit.params[j],
                              "se": fit.bse[j], "z": fit.tvalues[j], "p": fit.pvalues[j]})  # fmt: skip
        d = grid[use]
        fit_rows.append({"model": mname, "n_days": n_use, "first_day": d[0], "last_day": d[-1],
                         "mean_firms": float(n_firms[use].mean()),
                         "min_firms": int(n_firms[use].min()),
                         "max_firms": int(n_firms[use].max()), "alpha": fit.params[0],
                         "alpha_annual": fit.params[0] * ppy, "alpha_z": fit.tvalues[0],
                         "alpha_p": fit.pvalues[0], "r2": fit.rsquared, "maxlags": lags})  # fmt: skip
    return CalendarTimeResult(
        horizon=int(horizon), start=int(start), weighting=w_label, weighting_note=w_note, models=tuple(mods),
        min_firms=int(min_firms), risk_free=rf_note, scope=scope, periods_per_year=ppy,
        data_source=panel.source,
        date_range=(str(grid[0].date()), str(grid[-1].date())) if len(grid) else ("", ""),
        portfolio=portfolio, coef_table=pd.DataFrame(coef_rows), fit_table=pd.DataFrame(fit_rows),
        dropped=dropped.reset_index(drop=True), n_events=int(on.sum()),
    )  # fmt: skip


def _active(y: np.ndarray, firm: np.ndarray, p0: np.ndarray, start: int, horizon: int):
    """``T x F``: firm in the window ``[p0 + start, p0 + horizon]`` of one of its events and
    with a return that day (a difference array over the windows, then a cumulative sum)."""
    n_t, n_f = y.shape
    diff = np.zeros((n_t + 1, n_f), np.int64)
    np.add.at(diff, (np.clip(p0 + start, 0, n_t), firm), 1)
    np.add.at(diff, (np.clip(p0 + horizon + 1, 0, n_t), firm), -1)
    return (np.cumsum(diff, axis=0)[:n_t] > 0) & np.isfinite(y)


def _portfolio(y: np.ndarray, active: np.ndarray, w: np.ndarray):
    """Weighted mean return of the active firms per day (NaN without a weighted firm),
    the number of active firms, and how many of them have a positive weight."""
    wa = np.where(active & np.isfinite(w) & (w > 0), w, 0.0)
    wsum = wa.sum(axis=1)
    rp = np.full(y.shape[0], np.nan)
    good = wsum > 0
    rp[good] = (wa[good] * np.where(active[good], y[good], 0.0)).sum(axis=1) / wsum[good]
    return rp, active.sum(axis=1), (wa > 0).sum(axis=1)


def _peers(y: np.ndarray, active: np.ndarray, universe: np.ndarray) -> np.ndarray:
    """Equal-weight return of the universe's firms with a return and not in the portfolio."""
    out_ = np.isfinite(y) & ~active & universe[None, :]
    cnt = out_.sum(axis=1)
    tot = np.where(out_, y, 0.0).sum(axis=1)
    res = np.full(y.shape[0], np.nan)
    res[cnt > 0] = tot[cnt > 0] / cnt[cnt > 0]
    return res


def _fit(yv: np.ndarray, fx: np.ndarray, factor_names: list[str], lags: int):
    import statsmodels.api as sm

    x = np.column_stack([np.ones(len(yv)), fx])
    fit = sm.OLS(yv, x).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    return fit, ["alpha", *[f"beta_{c}" for c in factor_names]]


_FIT_FORMATS = {"alpha": "pct", "alpha_annual": "pct1", "alpha_z": "num3", "alpha_p": "p",
                "r2": "num3", "n_days": "int", "mean_firms": "num2", "min_firms": "int",
                "max_firms": "int", "maxlags": "int", "first_day": "date", "last_day": "date"}  # fmt: skip
_FIT_LABELS = {"model": "Model", "n_days": "Days", "first_day": "First", "last_day": "Last",
               "mean_firms": "Firms/day (mean)", "min_firms": "Min", "max_firms": "Max",
               "alpha": "Alpha (daily)", "alpha_annual": "Alpha (annual)", "alpha_z": "z",
               "alpha_p": "p", "r2": "R2", "maxlags": "NW lags"}  # fmt: skip


@dataclass(frozen=True)
class CalendarTimeResult:
    """The calendar-time portfolio and its factor regressions.

    Attributes
    ----------
    horizon, start
        Post-event window ``[start, horizon]`` in sessions.
    weighting, weighting_note, risk_free
        How the portfolio is weighted (a label, and in full); the risk-free rate used.
    models, min_firms, scope, periods_per_year
        Factor sets, fewest firms for a day to count, events used, annualisation factor.
    data_source, date_range
        Where the returns came from; the grid's first and last date.
    portfolio
        Per session: ``portfolio_return`` (NaN with no firm), ``n_firms``,
        ``weight_missing`` (firms in the window without a weight that day),
        ``peers_return`` (the ``market_peers`` model's second factor).
    coef_table
        ``model, term, coef, se, z, p`` (HAC).
    fit_table
        Per model: days, firms per day, alpha (daily and annualised), z, p, R2, lags.
    dropped
        Events not on the return grid.
    n_events
        Events placed on the grid.
    """

    horizon: int
    start: int
    weighting: str
    weighting_note: str
    models: tuple[str, ...]
    min_firms: int
    risk_free: str
    scope: str
    periods_per_year: float
    data_source: str
    date_range: tuple[str, str]
    portfolio: pd.DataFrame
    coef_table: pd.DataFrame
    fit_table: pd.DataFrame
    dropped: pd.DataFrame
    n_events: int

    def to_frame(self) -> pd.DataFrame:
        """Coefficients, tidy and in decimals: ``model, term, coef, se, z, p``."""
        return self.coef_table.copy()

    def fits(self) -> pd.DataFrame:
        """One row per model: ``n_days, first_day, last_day, mean_firms, min_firms,
        max_firms, alpha, alpha_annual, alpha_z, alpha_p, r2, maxlags``."""
        return self.fit_table.copy()

    def conclusion(self) -> str:
        """The alpha of each model in words, from the numbers."""
        parts = []
        for r in self.fit_table.to_dict("records"):
            verdict = "significant" if r["alpha_p"] < 0.05 else "not significant"
            parts.append(
                f"{r['model']}: alpha {r['alpha']:+.3%} a day ({r['alpha_annual']:+.0%} a "
                f"year at {self.periods_per_year:g} sessions), z = {r['alpha_z']:.2f}, p "
                f"{_p(r['alpha_p'])}, {verdict} at 5%"
            )
        r0 = self.fit_table.iloc[0]
        return (
            f"Calendar-time portfolio of the firms in [{self.start},+{self.horizon}] after "
            f"an event ({self.weighting}), {int(r0['n_days'])} days with "
            f"{r0['mean_firms']:.1f} firms on average ({int(r0['min_firms'])} to "
            f"{int(r0['max_firms'])}): " + "; ".join(parts) + "."
        )

    def summary(self) -> Summary:
        """Settings, conclusion, fits and coefficients."""
        head = "Calendar-time portfolio (Jaffe 1974; Mitchell-Stafford 2000)"
        lines = [
            f"window [{self.start}, {self.horizon}] sessions; {self.weighting_note}; risk-free: "
            f"{self.risk_free}; min {self.min_firms} firm(s) a day; scope: {self.scope}",
            f"data: {self.data_source}; grid {self.date_range[0]} to {self.date_range[1]}",
            f"events: {self.n_events} on the grid, {len(self.dropped)} dropped",
            self.conclusion(),
        ]
        fmt = lambda v: f"{v:.5f}"  # noqa: E731
        text = "\n".join([head, *lines, "", self.fit_table.to_string(index=False,
                          float_format=fmt), "", self.coef_table.to_string(index=False,
                          float_format=fmt)])  # fmt: skip
        blocks: list[str | Table] = [
            "\n".join(lines),
            Table(self.fit_table, _FIT_FORMATS, caption="Alpha by model", labels=_FIT_LABELS),
            Table(self.coef_table, {"coef": "num6", "se": "num6", "z": "num3", "p": "p"},
                  caption="Coefficients (Newey-West HAC)"),
        ]  # fmt: skip
        return Summary(text, blocks, title=head)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        r0 = self.fit_table.iloc[0]
        return short_repr(
            "CalendarTimeResult",
            [("window", f"[{self.start},{self.horizon}]"), ("models", list(self.models)),
             ("days", int(r0["n_days"])), ("alpha", f"{r0['alpha']:+.4%}"),
             ("p", f"{r0['alpha_p']:.3f}")],
        )  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def plot(self, *, ax=None):
        """Firms per day and the portfolio's cumulative return; returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(9, 3.6))
        pf = self.portfolio
        held = np.flatnonzero(pf["n_firms"].to_numpy() > 0)
        if held.size:  # from the first day with a firm to the last
            pf = pf.iloc[held[0] : held[-1] + 1]
        ax.fill_between(pf.index, 0, pf["n_firms"].to_numpy(dtype=float), step="mid",
                        color="#bbbbbb", label="firms in portfolio")  # fmt: skip
        ax.set_ylabel("firms")
        ax2 = ax.twinx()
        cum = (1 + pf["portfolio_return"].fillna(0.0)).cumprod() - 1
        ax2.plot(pf.index, cum, color="black", lw=1.2, label="cumulative portfolio return")
        ax2.set_ylabel("cumulative return")
        ax.set_title(f"Calendar-time portfolio, [{self.start},+{self.horizon}]")
        return ax


def calendar_time_section(result: CalendarTimeResult) -> list[Section]:
    """The event-study page's calendar-time section: conclusion, alphas, figure.

    Returns
    -------
    list of riskkit.report.Section
    """
    import matplotlib.pyplot as plt

    from riskkit.report import Section

    fig, ax = plt.subplots(figsize=(10, 3.4))
    result.plot(ax=ax)
    fig.tight_layout()
    fits = result.fits().rename(columns={"alpha_z": "z", "alpha_p": "p_value"})
    note = (
        f"{result.conclusion()} Weights: {result.weighting_note}. Newey-West (Bartlett) standard errors, z against the "
        f"normal; risk-free rate: {result.risk_free}. Each firm counts once a day however "
        "many of its events cover it; days without a firm are left out."
    )
    return [
        Section(
            "Calendar-time portfolio (Jaffe 1974; Mitchell-Stafford 2000)",
            table=fits,
            note=note,
            formats={"alpha": "percent", "alpha_annual": "percent", "r2": "number"},
        ),
        Section("Calendar-time portfolio: firms per day and cumulative return", figure=fig),
    ]
