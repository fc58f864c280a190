"""Cross-sectional regressions of CARs on event characteristics.

OLS with HC1, HC3 and event-date-clustered errors (statsmodels), and the time-series
adjusted OLS inference of Cohn, Johnson, Liu and Wardlaw (2023) (Stata's ``csestudy``
without its ``gls`` option): the event's coefficients are compared with the same
regression run on pre-event windows, which carry the cross-correlation of the events'
returns into the reference distribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit.events._cross_section_kernels import tsols as tsols_arrays
from riskkit.events.long_horizon import Events, Scope, event_panel
from riskkit.events.results import EventStudyResult

if TYPE_CHECKING:
    from riskkit.report import Section

__all__ = ["COV_TYPES", "CrossSectionResult", "cross_section", "cross_section_section"]

COV_TYPES = ("HC1", "HC3", "cluster")
#: Above this ratio of event to placebo residual variance TSOLS is flagged as too liberal.
VARIANCE_RATIO_WARN = 1.5
#: Regressors built from the study itself; any other name is a column of the events
#: (a user column of the events file) or of ``characteristics``.
BUILT_IN = {
    "event_type": "one dummy per event type but the most frequent (the reference)",
    "ticker": "one dummy per firm but the one with most events (firm fixed effects)",
    "market_wide": "1 for an expanded MKT event, 0 for a firm event",
    "pre_volatility": "the event's estimation-window residual standard deviation (daily)",
}


def _design(cars, events, params, regressors, characteristics, log):
    """The regression frame: ``car`` and one column per term, rows = events; and the
    events left out with the reason."""
    meta = events.set_index("event_id")
    data = pd.DataFrame({"event_id": cars["event_id"].to_numpy(),
                         "day0": pd.DatetimeIndex(cars["day0"]),
                         "car": cars["car"].to_numpy(dtype=float)})  # fmt: skip
    cols: dict[str, np.ndarray] = {}
    terms: list[str] = []
    ids = data["event_id"]
    for name in regressors:
        if name in ("event_type", "ticker"):
            vals = meta.loc[ids, name].astype(str).to_numpy()
            levels = pd.Series(vals).value_counts()
            ref = sorted(levels[levels == levels.max()].index)[0]
            for lev in sorted(set(vals) - {ref}):
                key = f"{name}[{lev}]"
                cols[key] = (vals == lev).astype(float)
                terms.append(key)
            continue
        if name == "market_wide":
            v = meta.loc[ids, "parent_id"].to_numpy() != ids.to_numpy()
            cols[name] = v.astype(float)
        elif name == "pre_volatility":
            cols[name] = params.set_index("event_id").loc[ids, "sigma"].to_numpy(dtype=float)
        else:
            if characteristics is not None and name in characteristics.columns:
                src = characteristics[name].reindex(ids.to_numpy())
            elif name in meta.columns:
                src = meta.loc[ids, name]
            else:
                raise DataError(
                    f"regressor {name!r} is neither built in ({list(BUILT_IN)}) nor a column "
                    "of the events or of characteristics=; add it as a column of the events "
                    "file or pass characteristics=DataFrame indexed by event_id."
                )
            num = pd.to_numeric(src, errors="coerce")
            if num.isna().all() and src.notna().any():
                raise DataError(
                    f"regressor {name!r} is not numeric (e.g. {src.dropna().iloc[0]!r}); "
                    "give numbers, e.g. a deal size in dollars."
                )
            v = num.to_numpy(dtype=float)
            if name in log:
                if np.any(v[np.isfinite(v)] <= 0):
                    raise DataError(f"log of {name!r} needs positive values; drop it from log=.")
                with np.errstate(divide="ignore", invalid="ignore"):
                    v = np.log(v)
                name = f"log_{name}"
            cols[name] = v
        terms.append(name)
    unknown_log = set(log) - set(regressors)
    if unknown_log:
        raise DataError(f"log={sorted(unknown_log)} names no regressor; log only regressors.")
    x = pd.DataFrame(cols, index=data.index)
    data = pd.concat([data, x], axis=1)
    bad = ~np.isfinite(data[["car", *terms]].to_numpy(dtype=float)).all(axis=1)
    dropped = pd.DataFrame({"event_id": data.loc[bad, "event_id"],
                            "reason": "missing CAR or regressor"})  # fmt: skip
    return data[~bad].reset_index(drop=True), terms, dropped.reset_index(drop=True)


def _window_label(window: tuple[int, int]) -> str:
    try:
        a, b = int(window[0]), int(window[1])
    except (TypeError, ValueError, IndexError):
        raise DataError(f"window={window!r}; pass a pair such as (-1, 1).") from None
    return f"[{a},{b}]"


def cross_section(
    events: Events = None,
    *,
    window: tuple[int, int] = (-1, 1),
    regressors: Sequence[str] = ("event_type", "pre_volatility"),
    characteristics: pd.DataFrame | None = None,
    log: Sequence[str] = (),
    scope: Scope = "all",
    tsols: bool = True,
    returns: pd.DataFrame | pd.Series | None = None,
    factors: pd.DataFrame | pd.Series | None = None,
    model: str = "market",
    estimation: int = 250,
    gap: int = 10,
    calendar: Literal["XNYS", "returns"] = "XNYS",
    market: str = "SPY",
    total_return: bool = True,
) -> CrossSectionResult:
    """Regress each event's CAR on its characteristics, with robust and csestudy inference.

    Parameters
    ----------
    events
        An :class:`~riskkit.events.EventStudyResult` whose windows include ``window``, or
        the events input of :func:`~riskkit.events.event_study` (then the study is run
        here with ``model``, ``estimation``, ``gap``, ``calendar``, ``returns``,
        ``factors``, ``market`` and ``total_return``).
    window
        The CAR's window, e.g. ``(-1, 1)``.
    regressors
        Built in: ``"event_type"`` (dummies), ``"ticker"`` (firm dummies),
        ``"market_wide"``, ``"pre_volatility"`` (estimation residual sd); any other name
        is a numeric column of the events (e.g. a ``deal_size_usd`` column of your events
        file; the bundled catalog has none) or of ``characteristics``.
    characteristics
        Extra numeric columns, indexed by ``event_id`` (an expanded MKT event's id is
        ``<MKT id>:<ticker>``).
    log
        Regressors to enter as natural logs (e.g. ``("deal_size_usd",)``).
    scope
        ``"all"``, ``"firm"`` or ``"market"`` events.
    tsols
        Also run the time-series adjusted OLS inference (needs the returns: reloaded when
        the study used the bundled data).
    returns, factors, model, estimation, gap, calendar, market, total_return
        As for :func:`~riskkit.events.event_study`.

    Returns
    -------
    CrossSectionResult

    Raises
    ------
    DataError
        A window the study did not compute, unknown or non-numeric regressors, collinear
        regressors, or fewer events than terms + 2.

    Notes
    -----
    ``CAR_i = x_i' b + u_i`` by OLS (statsmodels) over the events with a CAR and every
    regressor. ``V_HC1 = n/(n-k) (X'X)^{-1} sum u_i^2 x_i x_i' (X'X)^{-1}``; HC3 replaces
    ``u_i^2`` by ``u_i^2 / (1 - h_ii)^2`` (not defined when an event has leverage 1, e.g.
    the only event of a firm dummy: then reported as missing); clustered by day 0:
    ``G/(G-1) (n-1)/(n-k) (X'X)^{-1} sum_g X_g'u_g u_g'X_g (X'X)^{-1}``. t-statistics
    against Student t with ``n - k`` df (``G - 1`` clustered), Stata's convention.

    Time-series adjusted OLS (TSOLS, Cohn et al. 2023; ``csestudy`` without ``gls``):
    for each shift ``s`` such that every event's window moved ``s`` sessions back lies in
    its estimation window, the same regression is run on the moved windows' CARs (the
    abnormal returns of the event's own fitted model), giving ``b_s``. With ``K`` shifts:
    ``z = (b - mean_s b_s) / (sd_s(b_s) sqrt((K+1)/K))`` (sd with ddof 1; ``p_z`` two-sided
    normal) and ``p_cdf = #{s: |b_s - mean| > |b - mean|} / K`` (0 set to ``1/(2K)``, 1 to
    ``1 - 1/(2K)``), csestudy's two statistics. Events without a return on every
    estimation day are left out of TSOLS (csestudy's balancing), so its ``b`` can differ
    from OLS's. With one common event date this is csestudy's method exactly. With
    several dates every event is moved by the same number of sessions, so events that
    share a date share every placebo date and their correlation enters the reference
    distribution; that event-time reading of several dates is this package's extension,
    not in the paper. Not implemented: csestudy's ``gls`` estimator (an ``N x N``
    covariance of the cross-section's returns from 100 principal components of the
    pre-event residuals: it needs a cross-section of firms on one date larger than the
    number of components). The placebo windows hold in-sample residuals (zero sum over
    each estimation window) and, with ``overlap="exclude"``, other events of the same
    firm.

    TSOLS assumes the event windows' returns have the pre-event covariance when the null
    holds. Firm-specific news breaks that: its event-day variance is several times a
    normal day's, so the placebo distribution is too narrow and TSOLS rejects far too
    often (40% at 5% in the synthetic size test with a 9x variance jump, while HC3 holds
    5%). The result therefore reports ``tsols_variance_ratio`` (the event regression's
    residual variance over the placebo windows' mean) and warns above 1.5; on the
    bundled firm events it is 4.5 for CAR[-1,+1] and 7.7 on day 0.

    References
    ----------
    Cohn, J. B., Johnson, T., Liu, Z. and Wardlaw, M. (2023). Past is prologue: inference
    from the cross section of returns around an event. SSRN 4296657; Stata command
    ``csestudy`` (github.com/MalcolmWardlaw/csestudy).
    MacKinnon, J. G. and White, H. (1985). Some heteroskedasticity-consistent covariance
    matrix estimators with improved finite sample properties. *J. Econometrics* 29, 305-325.

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=400, name="date")
    >>> rng = np.random.default_rng(0)
    >>> m = pd.DataFrame({"market": rng.normal(0, 0.01, 400)}, index=idx)
    >>> r = pd.DataFrame(rng.normal(0, 0.02, (400, 6)), index=idx, columns=list("ABCDEF"))
    >>> ev = pd.DataFrame({"event_id": list("abcdef"), "ticker": list("ABCDEF"),
    ...                    "date": idx[[300, 310, 320, 330, 340, 350]],
    ...                    "timing": "pre-market", "size": [1.0, 2, 3, 4, 5, 7]})
    >>> res = cross_section(ev, returns=r, factors=m, calendar="returns",
    ...                     regressors=["size"], window=(0, 0))
    >>> res.to_frame().query("cov_type == 'HC1'")["term"].tolist()
    ['const', 'size']
    """
    label = _window_label(window)
    if any(not isinstance(c, str) for c in log):
        raise DataError(f"log={list(log)!r}; give regressor names.")
    if isinstance(events, EventStudyResult):
        study = events
    else:
        from riskkit.events.study import event_study

        study = event_study(events, returns=returns, factors=factors, model=model,
                            estimation=estimation, gap=gap, windows=[(int(window[0]), int(window[1]))],
                            calendar=calendar, market=market, total_return=total_return)  # fmt: skip
    if label not in {f"[{a},{b}]" for a, b in study.windows}:
        raise DataError(
            f"window {label} is not one of the study's windows "
            f"{[f'[{a},{b}]' for a, b in study.windows]}; rerun event_study with it."
        )
    if scope not in ("all", "firm", "market"):
        raise DataError(f"scope={scope!r}; use 'all', 'firm' (no MKT events) or 'market'.")
    cars = study.cars[study.cars["window"] == label]
    ev = study.events
    if scope != "all":
        is_firm = (ev["parent_id"] == ev["event_id"]).to_numpy()
        keep = set(ev.loc[is_firm if scope == "firm" else ~is_firm, "event_id"])
        cars = cars[cars["event_id"].isin(keep)]
    data, terms, dropped = _design(cars, ev, study.params, list(regressors),
                                   characteristics, tuple(log))  # fmt: skip
    names = ["const", *terms]
    n, k = len(data), len(names)
    if n < k + 2:
        raise DataError(f"{n} events for {k} coefficients; need at least {k + 2}: use fewer "
                        "regressors or more events.")  # fmt: skip
    X = np.column_stack([np.ones(n), data[terms].to_numpy(dtype=float)])
    if np.linalg.matrix_rank(X) < k:
        raise DataError(
            f"the regressors {terms} are collinear on these {n} events (a dummy that is "
            "always 0, or one column a combination of others); drop one of them."
        )
    yv = data["car"].to_numpy(dtype=float)
    rows, notes = _ols_rows(yv, X, names, data["day0"].to_numpy())
    ts, ratio = pd.DataFrame(), float("nan")
    if tsols:
        ts, ratio, ts_note = _tsols(study, data, terms, X, label, returns, factors, market,
                             total_return)  # fmt: skip
        notes.append(ts_note)
    import statsmodels.api as sm

    base = sm.OLS(yv, X).fit()
    return CrossSectionResult(
        window=label, terms=tuple(names), model=study.model, scope=scope,
        data_source=study.data_source, date_range=study.date_range, n=n,
        n_clusters=int(pd.Series(data["day0"]).nunique()), r2=float(base.rsquared),
        r2_adj=float(base.rsquared_adj), coef_table=pd.DataFrame(rows), tsols_table=ts,
        tsols_variance_ratio=ratio,
        data=data, dropped=dropped, notes=tuple(notes),
    )  # fmt: skip


def _ols_rows(yv, X, names, day0):
    import statsmodels.api as sm

    rows, notes = [], []
    h = np.einsum("ij,jk,ik->i", X, np.linalg.inv(X.T @ X), X)
    groups = pd.factorize(pd.Series(day0))[0]
    for cov in COV_TYPES:
        n_groups = int(groups.max()) + 1 if len(groups) else 0
        undefined = ""
        if cov == "HC3" and np.any(h > 1 - 1e-10):
            undefined = ("HC3 is not defined: an event has leverage 1 (e.g. the only event "
                         "of a dummy); HC3 reported as missing.")  # fmt: skip
        elif cov == "cluster" and n_groups < 2:
            undefined = ("Clustering by event date is not defined with one event date; "
                         "clustered errors reported as missing (see TSOLS).")  # fmt: skip
        if undefined:
            notes.append(undefined)
            for nm in names:
                rows.append({"term": nm, "cov_type": cov, "coef": np.nan, "se": np.nan,
                             "t": np.nan, "p": np.nan, "df": np.nan})  # fmt: skip
            continue
        if cov == "cluster":
            fit = sm.OLS(yv, X).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
            df = float(fit.df_resid_inference)
        else:
            fit = sm.OLS(yv, X).fit(cov_type=cov, use_t=True)
            df = float(fit.df_resid)
        for j, nm in enumerate(names):
            rows.append({"term": nm, "cov_type": cov, "coef": fit.params[j], "se": fit.bse[j],
                         "t": fit.tvalues[j], "p": fit.pvalues[j], "df": df})  # fmt: skip
    return rows, notes


def _tsols(study, data, terms, X, label, returns, factors, market, total_return):
    """csestudy's time-series adjusted OLS on shifted windows (see cross_section Notes)."""
    panel = event_panel(study, returns=returns, factors=factors, universe=None, scope="all",
                        calendar="XNYS", market=market, total_return=total_return)  # fmt: skip
    y = panel.returns.to_numpy(dtype=float)
    fcols = list(study.factors)
    if fcols and (panel.factors is None or not set(fcols) <= set(panel.factors.columns)):
        raise DataError(f"tsols needs the study's factors {fcols}; pass factors= as in the study.")
    facs = panel.factors
    fx = facs[fcols].to_numpy(dtype=float) if fcols and facs is not None else np.zeros((len(y), 0))
    where = pd.DataFrame({"firm": panel.firm, "p0": panel.p0}, index=panel.events["event_id"])
    ids = data["event_id"].to_numpy()
    firm = where.loc[ids, "firm"].to_numpy()
    p0 = where.loc[ids, "p0"].to_numpy()
    prm = study.params.set_index("event_id").loc[ids]
    used = study.cars.set_index(["event_id", "window"])["window_used"]
    ab = np.array([[int(v) for v in used.loc[(e, label)].strip("[]").split(",")] for e in ids])
    e_len, gap = study.estimation, study.gap
    taus = np.arange(-gap - e_len, -gap)
    rows = p0[:, None] + taus[None, :]  # n x E
    ok_rows = (rows >= 0) & (rows < len(y))
    r_est = np.where(ok_rows, y[np.clip(rows, 0, len(y) - 1), firm[:, None]], np.nan)
    f_est = fx[np.clip(rows, 0, len(y) - 1)]  # n x E x q
    if study.model == "market_adjusted":
        normal = f_est[:, :, 0]
    else:
        alpha = prm["alpha"].to_numpy(dtype=float)
        betas = (prm[[f"beta_{c}" for c in fcols]].to_numpy(dtype=float)
                 if study.model != "constant" else np.zeros((len(ids), 0)))  # fmt: skip
        normal = alpha[:, None] + np.einsum("neq,nq->ne", f_est[:, :, : betas.shape[1]], betas)
    ar = r_est - normal
    out = tsols_arrays(X, data["car"].to_numpy(dtype=float), ar, ab[:, 0], ab[:, 1], gap)
    if out is None:
        return (
            pd.DataFrame(),
            float("nan"),
            (
                "TSOLS not run: too few events with every estimation-window return, a design "
                "that is not of full rank on them, or fewer than 2 placebo windows."
            ),
        )
    table = pd.DataFrame({"term": ["const", *terms], "coef": out.coef, "ts_z": out.ts_z,
                          "p_z": out.p_z, "p_cdf": out.p_cdf, "n_events": out.n_events,
                          "n_placebo": out.n_placebo})  # fmt: skip
    note = (
        f"TSOLS: {out.n_placebo} placebo windows (the CAR window moved {out.shifts[0]} to "
        f"{out.shifts[1]} sessions back, inside the estimation windows); {out.n_events} of "
        f"{len(ids)} events have every estimation-window return (the others are left out of "
        f"TSOLS). The event regression's residual variance is {out.variance_ratio:.1f} times "
        "the placebo windows' mean"
    )
    if out.variance_ratio > VARIANCE_RATIO_WARN:
        note += (
            ": the events carry variance that normal days do not (event-induced variance), "
            "so TSOLS's reference distribution is too narrow and its p-values too small "
            "here; rely on HC3 and the clustered errors (docs/event_methods.md)."
        )
    else:
        note += "."
    return table, out.variance_ratio, note


@dataclass(frozen=True)
class CrossSectionResult:
    """Cross-sectional regression of CARs: coefficients under each covariance and TSOLS.

    Attributes
    ----------
    window, terms, model, scope
        The CAR window, the regression's terms (``const`` first), the normal-return
        model of the study, the events used.
    data_source, date_range
        The study's returns and the first and last date of its grid.
    n, n_clusters, r2, r2_adj
        Events in the regression, distinct event dates, R-squared (plain and adjusted).
    coef_table
        ``term, cov_type, coef, se, t, p, df`` for HC1, HC3 and clustered by day 0.
    tsols_table
        ``term, coef, ts_z, p_z, p_cdf, n_events, n_placebo`` (empty when not run).
    tsols_variance_ratio
        Residual variance of the event regression over the placebo windows' mean (NaN
        without TSOLS); well above 1, TSOLS's p-values are too small.
    data
        The regression frame (``event_id, day0, car`` and the terms).
    dropped
        Events left out, with the reason.
    notes
        Plain-text remarks.
    """

    window: str
    terms: tuple[str, ...]
    model: str
    scope: str
    data_source: str
    date_range: tuple[str, str]
    n: int
    n_clusters: int
    r2: float
    r2_adj: float
    coef_table: pd.DataFrame
    tsols_table: pd.DataFrame
    tsols_variance_ratio: float
    data: pd.DataFrame
    dropped: pd.DataFrame
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Coefficients, tidy, decimals: ``term, cov_type, coef, se, t, p, df``."""
        return self.coef_table.copy()

    def tsols(self) -> pd.DataFrame:
        """The time-series adjusted OLS statistics (csestudy)."""
        return self.tsols_table.copy()

    def wide(self) -> pd.DataFrame:
        """One row per term: the coefficient, then the p-value under each inference."""
        ct = self.coef_table
        out = ct[ct["cov_type"] == "HC1"][["term", "coef", "se"]].rename(columns={"se": "se_hc1"})
        for cov in COV_TYPES:
            out[f"p_{cov.lower()}"] = ct.loc[ct["cov_type"] == cov, "p"].to_numpy()
        if len(self.tsols_table):
            ts = self.tsols_table.set_index("term")
            out["tsols_z"] = ts["ts_z"].reindex(out["term"]).to_numpy()
            out["p_tsols_cdf"] = ts["p_cdf"].reindex(out["term"]).to_numpy()
        return out.reset_index(drop=True)

    def conclusion(self) -> str:
        """Which characteristics matter, in words, from the numbers."""
        w = self.wide()
        pcols = [f"p_{c.lower()}" for c in COV_TYPES]
        recs = [r for r in w.to_dict("records") if r["term"] != "const"]
        sig = [r["term"] for r in recs
               if all(np.isfinite(r[c]) and r[c] < 0.05 for c in pcols)]  # fmt: skip
        some = [r["term"] for r in recs if r["term"] not in sig
                and any(np.isfinite(r[c]) and r[c] < 0.05 for c in pcols)]  # fmt: skip
        head = (f"CAR{self.window} of {self.n} events ({self.n_clusters} event dates) on "
                f"{', '.join(self.terms[1:])}: R2 {self.r2:.2f}. ")  # fmt: skip
        if sig:
            head += f"Significant at 5% with HC1, HC3 and date-clustered errors: {', '.join(sig)}. "
        if some:
            head += f"Significant with some of them only: {', '.join(some)}. "
        if not sig and not some:
            head += "No characteristic is significant at 5% with HC1, HC3 or clustered errors. "
        if len(self.tsols_table):
            r = self.tsols_variance_ratio
            if r > VARIANCE_RATIO_WARN:
                head += (f"TSOLS (csestudy) is not reliable here: the events' residual variance "
                         f"is {r:.1f} times the placebo windows'.")  # fmt: skip
            else:
                ts = self.tsols_table
                hits = ts.loc[(ts["term"] != "const") & (ts["p_cdf"] < 0.05), "term"].tolist()
                head += (f"TSOLS (csestudy, variance ratio {r:.1f}): significant at 5%: "
                         f"{', '.join(hits) or 'none'}.")  # fmt: skip
        return head.strip()

    def summary(self) -> Summary:
        """Settings, conclusion, coefficient table."""
        head = "Cross-sectional regression of CARs"
        lines = [f"window {self.window}; model {self.model}; scope {self.scope}; n = {self.n}",
                 f"data: {self.data_source}; grid {self.date_range[0]} to {self.date_range[1]}",
                 self.conclusion(), *self.notes]  # fmt: skip
        w = self.wide()
        text = "\n".join([head, *lines, "", w.to_string(index=False,
                          float_format=lambda v: f"{v:.4f}")])  # fmt: skip
        fm = {"coef": "num6", "se_hc1": "num6", "tsols_z": "num3"}
        fm.update({c: "p" for c in w.columns if c.startswith("p_")})
        return Summary(text, ["\n".join(lines), Table(w, fm, caption="Coefficients")], title=head)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return short_repr("CrossSectionResult",
                          [("window", self.window), ("n", self.n), ("terms", len(self.terms)),
                           ("r2", f"{self.r2:.3f}")])  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def cross_section_section(result: CrossSectionResult) -> list[Section]:
    """The event-study page's cross-sectional section: conclusion and coefficients.

    Returns
    -------
    list of riskkit.report.Section
    """
    from riskkit.report import Section

    note = (
        f"{result.conclusion()} p-values: HC1 and HC3 (heteroskedasticity-robust), "
        "clustered by event date, and csestudy's time-series adjusted OLS (Cohn, Johnson, "
        "Liu and Wardlaw 2023: the coefficient against the same regression on pre-event "
        "windows). " + " ".join(result.notes)
    )
    return [Section(f"Cross-sectional regression of CAR{result.window}", table=result.wide(),
                    note=note, formats={"coef": "number", "se_hc1": "number"})]  # fmt: skip
