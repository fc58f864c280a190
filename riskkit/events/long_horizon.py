"""Long-horizon buy-and-hold abnormal returns with Lyon-Barber-Tsai (1999) inference.

:func:`long_horizon` takes the inputs :func:`riskkit.events.event_study` takes (or its
result) and gives each event's BHAR against the market and against a reference portfolio
of peers, with the conventional t, the skewness-adjusted t and its bootstrapped version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit._validation import check_timeseries
from riskkit.events import _long_horizon_kernels as _k
from riskkit.events._inputs import check_count, session_dates
from riskkit.events.catalog import assign_day0, expand_market_events, load_events
from riskkit.events.results import EventStudyResult

if TYPE_CHECKING:
    from riskkit.report import Section

__all__ = [
    "LongHorizonResult",
    "bootstrap_skewness_adjusted_t",
    "long_horizon",
    "long_horizon_section",
    "skewness_adjusted_t",
]

Scope = Literal["all", "firm", "market"]
Events = str | Path | pd.DataFrame | EventStudyResult | None
BENCHMARKS = ("market", "peers")


@dataclass(frozen=True)
class EventPanel:
    """Returns, factors and events on one grid (what the long-horizon methods share)."""

    returns: pd.DataFrame
    factors: pd.DataFrame | None
    events: pd.DataFrame  # one row per event in scope, with day0
    firm: np.ndarray  # column of returns per event
    p0: np.ndarray  # day-0 row per event (-1: not on the grid)
    universe: tuple[str, ...]
    source: str


def event_panel(
    events: Events,
    *,
    returns: pd.DataFrame | pd.Series | None,
    factors: pd.DataFrame | pd.Series | None,
    universe: Sequence[str] | None,
    scope: Scope,
    calendar: Literal["XNYS", "returns"],
    market: str,
    total_return: bool,
) -> EventPanel:
    """The events of ``scope`` on the return grid, as :func:`event_study` places them.

    An :class:`EventStudyResult` gives its estimated events with their day 0; its returns
    are reloaded when it ran on the bundled data, else ``returns``/``factors`` must be the
    ones it used.
    """
    from riskkit.events.study import bundled_returns_and_factors

    if scope not in ("all", "firm", "market"):
        raise DataError(f"scope={scope!r}; use 'all', 'firm' (no MKT events) or 'market'.")
    if calendar not in ("XNYS", "returns"):
        raise DataError(f"calendar={calendar!r}; use 'XNYS' or 'returns'.")
    study = events if isinstance(events, EventStudyResult) else None
    facs: pd.DataFrame | pd.Series | None
    if returns is None:
        if study is not None and not study.data_source.startswith("bundled"):
            raise DataError(
                "this EventStudyResult was run on user returns; pass the same returns= and "
                "factors= again (the result does not keep them)."
            )
        rets, facs, source = bundled_returns_and_factors(market=market, total_return=total_return)
        if factors is not None:
            facs, source = factors, source + "; user factors"
    else:
        if isinstance(returns, pd.Series):
            returns = returns.to_frame(returns.name or "asset")
        check_timeseries(returns, name="returns", min_length=1, nan_policy="omit")
        rets = session_dates(pd.DataFrame(returns).copy(), "returns", [])
        rets.columns = [str(c).upper() for c in rets.columns]
        facs, source = factors, "user-supplied returns and factors"
    fac_frame: pd.DataFrame | None = None
    if isinstance(facs, pd.Series):
        facs = facs.to_frame(facs.name or "market")
    if facs is not None:
        check_timeseries(facs, name="factors", min_length=1, nan_policy="omit")
        fac_frame = session_dates(pd.DataFrame(facs).copy(), "factors", []).reindex(rets.index)
        fac_frame.columns = [str(c) for c in fac_frame.columns]  # as event_study names them
    grid = pd.DatetimeIndex(rets.index)
    firms = list(universe) if universe is not None else list(rets.columns)
    unknown = sorted(set(firms) - set(rets.columns))
    if unknown:
        raise DataError(f"universe has ticker(s) {unknown} not in returns {list(rets.columns)}.")
    if study is not None:
        ev = study.events[study.events["status"] == "estimated"].copy()
    elif not isinstance(events, EventStudyResult):
        ev = load_events(events, tickers=list(rets.columns))
        ev = expand_market_events(ev, firms)
        ev = assign_day0(ev, None if calendar == "XNYS" else grid)
    is_firm = ev["parent_id"].to_numpy() == ev["event_id"].to_numpy()
    if scope != "all":
        ev = ev[is_firm if scope == "firm" else ~is_firm]
    ev = ev.reset_index(drop=True)
    if ev.empty:
        raise DataError(f"no events in scope={scope!r}; use scope='all' or add events.")
    firm = pd.Index(rets.columns).get_indexer(pd.Index(ev["ticker"])).astype(np.int64)
    p0 = grid.get_indexer(pd.DatetimeIndex(ev["day0"])).astype(np.int64)
    return EventPanel(rets, fac_frame, ev, firm, p0, tuple(firms), source)


def skewness_adjusted_t(x: np.ndarray) -> tuple[float, float, float]:
    """Lyon-Barber-Tsai (1999) skewness-adjusted t of a sample of abnormal returns.

    Returns
    -------
    t_sa, t, gamma
        ``t_sa = sqrt(n) (S + gamma S^2 / 3 + gamma / (6 n))`` with ``S = mean / sd``
        (sd with ddof 1) and ``gamma = sum (x - mean)^3 / (n sd^3)``; the conventional
        ``t = sqrt(n) S``; the skewness estimate ``gamma``.

    Examples
    --------
    >>> t_sa, t, g = skewness_adjusted_t(np.array([0.1, -0.2, 0.05, 0.4, 0.0]))
    >>> round(t, 4), round(g, 4)
    (0.722, 0.3127)
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    if n < 3:
        raise DataError(f"the skewness-adjusted t needs at least 3 values; got {n}.")
    sd = float(x.std(ddof=1))
    if not sd > 1e-12 * float(np.abs(x).max()):
        raise DataError("the abnormal returns are all equal: their t is undefined.")
    mean = float(x.mean())
    s = mean / sd
    gamma = float(((x - mean) ** 3).sum() / (n * sd**3))
    t_sa = np.sqrt(n) * (s + gamma * s**2 / 3.0 + gamma / (6.0 * n))
    return float(t_sa), float(np.sqrt(n) * s), gamma


def bootstrap_skewness_adjusted_t(
    x: np.ndarray, *, n_boot: int = 1000, subsample: float = 0.25, seed: int = 0
) -> tuple[float, int]:
    """Two-sided p-value of the skewness-adjusted t from Lyon-Barber-Tsai's bootstrap.

    ``n_boot`` resamples of ``n_b = round(subsample * n)`` values (at least 3) are drawn
    with replacement; each gives ``t*_b = sqrt(n_b) (S*_b + gamma*_b S*_b^2 / 3 + gamma*_b
    / (6 n_b))`` with ``S*_b = (mean*_b - mean) / sd*_b``, i.e. the statistic centred on
    the sample mean (the null imposed). The sample's ``t_sa`` is compared with their
    distribution: ``p = min(1, 2 min(P*(t* <= t_sa), P*(t* >= t_sa)))``.

    Returns
    -------
    p, used
        The p-value and the number of resamples used (a resample of identical values has
        no t and is left out).
    """
    check_count("n_boot", n_boot, 1)
    if not 0 < float(subsample) <= 1:
        raise DataError(f"subsample={subsample!r}; use a fraction in (0, 1], e.g. 0.25 (LBT).")
    x = np.asarray(x, dtype=float)
    n = x.size
    t_sa = skewness_adjusted_t(x)[0]
    nb = max(3, round(float(subsample) * n))
    rng = np.random.default_rng(seed)
    draws = x[rng.integers(0, n, size=(int(n_boot), nb))]
    mean_b = draws.mean(axis=1)
    sd_b = draws.std(axis=1, ddof=1)
    good = sd_b > 1e-12 * float(np.abs(x).max())  # a resample of (nearly) one value
    draws, mean_b, sd_b = draws[good], mean_b[good], sd_b[good]
    gam_b = ((draws - mean_b[:, None]) ** 3).sum(axis=1) / (nb * sd_b**3)
    s_b = (mean_b - x.mean()) / sd_b
    t_b = np.sqrt(nb) * (s_b + gam_b * s_b**2 / 3.0 + gam_b / (6.0 * nb))
    used = int(t_b.size)
    if used == 0:
        return float("nan"), 0
    p = 2.0 * min(float(np.mean(t_b <= t_sa)), float(np.mean(t_b >= t_sa)))
    return min(1.0, p), used


_REASONS = {
    _k.STATUS_PAST_END: "the window runs past the returns (data end) or before them",
    _k.STATUS_FIRM_MISSING: "the firm has a missing return in the window",
    _k.STATUS_MARKET_MISSING: "the market has a missing return in the window",
}


def long_horizon(
    events: Events = None,
    *,
    returns: pd.DataFrame | pd.Series | None = None,
    factors: pd.DataFrame | pd.Series | None = None,
    horizons: Sequence[int] = (20, 60, 120),
    start: int = 1,
    peer_weighting: Literal["buy_and_hold", "rebalanced"] = "buy_and_hold",
    universe: Sequence[str] | None = None,
    scope: Scope = "all",
    calendar: Literal["XNYS", "returns"] = "XNYS",
    market: str = "SPY",
    total_return: bool = True,
    n_boot: int = 1000,
    subsample: float = 0.25,
    seed: int = 0,
) -> LongHorizonResult:
    """Buy-and-hold abnormal returns over long horizons, with LBT's skewness-adjusted t.

    Parameters
    ----------
    events
        As for :func:`~riskkit.events.event_study` (CSV path, DataFrame, None for the
        bundled catalog), or an :class:`~riskkit.events.EventStudyResult` (its estimated
        events and day 0; the bundled returns are reloaded if it used them).
    returns, factors
        Simple returns (date x ticker) and the factors (first column: the market). None:
        the bundled miners, SPY total return (``market``, ``total_return``).
    horizons
        Last day ``H`` of each holding window ``[start, H]`` (sessions after day 0).
    start
        First day of the window (1: from the session after day 0, leaving the
        announcement out; 0 to include it).
    peer_weighting
        ``"buy_and_hold"`` (LBT's reference portfolio: the mean of the peers' buy-and-hold
        returns, no rebalancing bias) or ``"rebalanced"`` (daily equal weights).
    universe
        Tickers that ``MKT`` events expand to and that form the peer portfolio (default
        every column of the returns); the event's own firm is always left out. For an
        expanded ``MKT`` event the peers are the other firms of the same event, so its
        peer BHARs average out near zero: compare with peers on ``scope="firm"``.
    scope
        ``"all"``, ``"firm"`` (firm events only) or ``"market"`` (expanded MKT events).
    calendar, market, total_return
        As for :func:`~riskkit.events.event_study`.
    n_boot, subsample, seed
        The bootstrap: resamples, resample size as a fraction of ``n`` (LBT: 1/4), seed.

    Returns
    -------
    LongHorizonResult

    Raises
    ------
    DataError
        Bad horizons, start, options or inputs. Events whose window runs past the data
        or has a missing return are not an error: they are dropped for that horizon and
        listed in ``result.dropped`` with the reason.

    Notes
    -----
    ``BHAR_iH = prod_{t=start}^{H} (1 + R_it) - BHR_bench,iH``. Market benchmark:
    ``prod (1 + R_mt) - 1``. Peers (LBT's reference-portfolio formula; LBT's members are
    size and book-to-market portfolios, ours the other miners): ``(1/n_p) sum_j [prod (1 +
    R_jt) - 1]`` over the other firms of ``universe`` with every return of the window.
    Per horizon and benchmark, over the ``n`` events: ``S = mean / sd`` (ddof 1), ``t =
    sqrt(n) S`` (Student t, ``n - 1`` df), ``gamma = sum (BHAR - mean)^3 / (n sd^3)``,
    ``t_sa = sqrt(n) (S + gamma S^2 / 3 + gamma / (6 n))`` (Johnson 1978; p from Student
    t, ``n - 1`` df) and its bootstrap p-value (see
    :func:`bootstrap_skewness_adjusted_t`). Nothing is annualised. Events sharing
    calendar days are not independent: the t-statistics assume they are (see
    :func:`~riskkit.events.calendar_time` for the calendar-time alternative).

    References
    ----------
    Lyon, J. D., Barber, B. M. and Tsai, C.-L. (1999). Improved methods for tests of
    long-run abnormal stock returns. *Journal of Finance* 54, 165-201.
    Johnson, N. J. (1978). Modified t tests and confidence intervals for asymmetrical
    populations. *JASA* 73, 536-544.

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=200, name="date")
    >>> rng = np.random.default_rng(0)
    >>> m = pd.DataFrame({"market": rng.normal(0, 0.01, 200)}, index=idx)
    >>> r = pd.DataFrame(rng.normal(0, 0.02, (200, 4)), index=idx, columns=list("ABCD"))
    >>> ev = pd.DataFrame({"event_id": ["a", "b", "c"], "ticker": ["A", "B", "C"],
    ...                    "date": idx[[20, 40, 60]], "timing": "pre-market"})
    >>> res = long_horizon(ev, returns=r, factors=m, calendar="returns", horizons=[10])
    >>> res.tests()[["benchmark", "n"]].values.tolist()
    [['market', 3], ['peers', 3]]
    """
    hs = _check_horizons(horizons, start)
    if peer_weighting not in ("buy_and_hold", "rebalanced"):
        raise DataError(f"peer_weighting={peer_weighting!r}; use 'buy_and_hold' or 'rebalanced'.")
    check_count("n_boot", n_boot, 1)
    check_count("seed", seed, 0)
    if not 0 < float(subsample) <= 1:
        raise DataError(f"subsample={subsample!r}; use a fraction in (0, 1], e.g. 0.25 (LBT).")
    panel = event_panel(events, returns=returns, factors=factors, universe=universe,
                        scope=scope, calendar=calendar, market=market,
                        total_return=total_return)  # fmt: skip
    if panel.factors is None or panel.factors.shape[1] == 0:
        raise DataError("long_horizon needs the market return: pass factors= (market first).")
    y = panel.returns.to_numpy(dtype=float)
    mkt = panel.factors.iloc[:, 0].to_numpy(dtype=float)
    peer_ok = pd.Index(panel.returns.columns).isin(list(panel.universe))
    mode = _k.PEERS_BUY_AND_HOLD if peer_weighting == "buy_and_hold" else _k.PEERS_REBALANCED
    ev, grid = panel.events, pd.DatetimeIndex(panel.returns.index)
    rows, dropped = [], []
    for h in hs:
        fb, mb, pb, npeer, st = _k.buy_and_hold(
            y, mkt, panel.firm, panel.p0, int(start), int(h), peer_ok, mode
        )
        for i in range(len(ev)):
            base = {"event_id": ev["event_id"].iat[i], "ticker": ev["ticker"].iat[i],
                    "day0": ev["day0"].iat[i], "horizon": h}  # fmt: skip
            if panel.p0[i] < 0:
                dropped.append({**base, "reason": "day 0 is not a date of the returns"})
                continue
            if st[i] != _k.STATUS_OK:
                dropped.append({**base, "reason": _REASONS[int(st[i])]})
                continue
            end = grid[panel.p0[i] + h]
            rows.append({**base, "benchmark": "market", "end": end, "firm_bhr": fb[i],
                         "benchmark_bhr": mb[i], "bhar": fb[i] - mb[i], "n_peers": np.nan})  # fmt: skip
            if npeer[i] == 0:
                dropped.append({**base, "reason": "no peer has every return of the window"})
                continue
            rows.append({**base, "benchmark": "peers", "end": end, "firm_bhr": fb[i],
                         "benchmark_bhr": pb[i], "bhar": fb[i] - pb[i],
                         "n_peers": float(npeer[i])})  # fmt: skip
    bhar = pd.DataFrame(rows, columns=["event_id", "ticker", "day0", "horizon", "benchmark",
                                       "end", "firm_bhr", "benchmark_bhr", "bhar", "n_peers"])  # fmt: skip
    tests = _tests(bhar, hs, n_boot=n_boot, subsample=subsample, seed=seed)
    return LongHorizonResult(
        horizons=tuple(hs), start=int(start), peer_weighting=peer_weighting, scope=scope,
        n_boot=int(n_boot), subsample=float(subsample), seed=int(seed),
        data_source=panel.source,
        date_range=(str(grid[0].date()), str(grid[-1].date())) if len(grid) else ("", ""),
        bhar=bhar, test_table=tests,
        dropped=pd.DataFrame(dropped, columns=["event_id", "ticker", "day0", "horizon", "reason"]),
    )  # fmt: skip


def _check_horizons(horizons: Sequence[int], start: int) -> list[int]:
    check_count("start", start, 0)
    try:
        hs = list(horizons)
    except TypeError:
        hs = []
    if not hs:
        raise DataError("horizons is empty; pass e.g. horizons=(20, 60, 120) sessions.")
    for h in hs:
        check_count("horizon", h, 1)
        if int(h) < int(start):
            raise DataError(f"horizon {h} ends before start={start}; use horizons >= start.")
    return sorted({int(h) for h in hs})


TEST_COLUMNS = ["horizon", "benchmark", "n", "mean", "median", "sd", "skewness", "share_positive",
                "t", "p_t", "t_sa", "p_sa", "p_boot", "n_boot_used"]  # fmt: skip


def _tests(bhar: pd.DataFrame, hs: list[int], *, n_boot: int, subsample: float, seed: int):
    out = []
    for h in hs:
        for b in BENCHMARKS:
            x = bhar.loc[(bhar["horizon"] == h) & (bhar["benchmark"] == b), "bhar"].to_numpy()
            row: dict[str, object] = {"horizon": h, "benchmark": b, "n": int(x.size)}
            if x.size >= 3 and x.std(ddof=1) > 1e-12 * float(np.abs(x).max()):
                t_sa, t, g = skewness_adjusted_t(x)
                df = x.size - 1
                pb, used = bootstrap_skewness_adjusted_t(x, n_boot=n_boot, subsample=subsample,
                                                         seed=seed)  # fmt: skip
                row.update(mean=x.mean(), median=float(np.median(x)), sd=x.std(ddof=1),
                           skewness=g, share_positive=float(np.mean(x > 0)), t=t,
                           p_t=2 * sps.t.sf(abs(t), df), t_sa=t_sa,
                           p_sa=2 * sps.t.sf(abs(t_sa), df), p_boot=pb, n_boot_used=used)  # fmt: skip
            out.append(row)
    return pd.DataFrame(out).reindex(columns=TEST_COLUMNS)


def _p(p: float) -> str:
    """``= 0.012`` or ``< 0.001`` (a p-value of zero is a rounding)."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


_FORMATS = {"mean": "pct", "median": "pct", "sd": "pct", "skewness": "num3",
            "share_positive": "pct1", "t": "num3", "p_t": "p", "t_sa": "num3", "p_sa": "p",
            "p_boot": "p", "n": "int", "horizon": "int", "n_boot_used": "int"}  # fmt: skip
_LABELS = {"horizon": "H", "benchmark": "Benchmark", "n": "N", "mean": "Mean BHAR",
           "median": "Median", "sd": "SD", "skewness": "Skewness", "share_positive": "> 0",
           "t": "t", "p_t": "p (t)", "t_sa": "Skew-adj. t", "p_sa": "p (skew-adj.)",
           "p_boot": "p (bootstrap)", "n_boot_used": "Resamples"}  # fmt: skip


@dataclass(frozen=True)
class LongHorizonResult:
    """BHARs per event, horizon and benchmark, and their LBT tests.

    Attributes
    ----------
    horizons, start
        Holding windows ``[start, H]`` in sessions after day 0.
    peer_weighting, scope
        How the peer portfolio is formed; which events were used.
    n_boot, subsample, seed
        The bootstrap's settings.
    data_source, date_range
        Where the returns came from and the grid's first and last date.
    bhar
        One row per event, horizon and benchmark (see :meth:`to_frame`).
    test_table
        One row per horizon and benchmark (see :meth:`tests`).
    dropped
        Events left out of a horizon, with the reason.
    """

    horizons: tuple[int, ...]
    start: int
    peer_weighting: str
    scope: str
    n_boot: int
    subsample: float
    seed: int
    data_source: str
    date_range: tuple[str, str]
    bhar: pd.DataFrame
    test_table: pd.DataFrame
    dropped: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One row per event, horizon and benchmark, in decimals: ``event_id, ticker,
        day0, horizon, benchmark, end`` (last day of the window), ``firm_bhr,
        benchmark_bhr, bhar, n_peers``."""
        return self.bhar.copy()

    def tests(self) -> pd.DataFrame:
        """One row per horizon and benchmark: ``n, mean, median, sd, skewness`` (gamma),
        ``share_positive, t, p_t, t_sa, p_sa, p_boot, n_boot_used`` (decimals)."""
        return self.test_table.copy()

    def conclusion(self) -> str:
        """One sentence per benchmark on the longest horizon with events, from the numbers."""
        tt = self.test_table.dropna(subset=["t_sa"])
        if tt.empty:
            return "Too few events with a complete window for any long-horizon test."
        parts = []
        for b in BENCHMARKS:
            sub = tt[tt["benchmark"] == b]
            if sub.empty:
                continue
            r = sub.iloc[-1]
            verdict = "significant" if max(r["p_sa"], r["p_boot"]) < 0.05 else "not significant"
            parts.append(
                f"Against {'the market' if b == 'market' else 'the peer portfolio'}, the mean "
                f"BHAR over [{self.start},+{int(r['horizon'])}] is {r['mean']:+.1%} (median "
                f"{r['median']:+.1%}, N = {int(r['n'])}): skewness-adjusted t "
                f"{r['t_sa']:.2f} (p {_p(r['p_sa'])}, bootstrap p {_p(r['p_boot'])}), "
                f"{verdict} at 5%."
            )
        return " ".join(parts)

    def summary(self) -> Summary:
        """Settings, the conclusion and the test table."""
        lines = [
            "Long-horizon BHAR (Lyon-Barber-Tsai 1999)",
            f"windows [{self.start}, H] for H in {', '.join(map(str, self.horizons))} "
            f"sessions; peers: {self.peer_weighting}; scope: {self.scope}",
            f"bootstrap: {self.n_boot} resamples of {self.subsample:g} n, seed {self.seed}",
            f"data: {self.data_source}; grid {self.date_range[0]} to {self.date_range[1]}",
            f"dropped event-horizons: {len(self.dropped)}",
            self.conclusion(),
        ]
        text = (
            "\n".join(lines)
            + "\n\n"
            + self.test_table.to_string(index=False, float_format=lambda v: f"{v:.4f}")
        )
        tab = Table(self.test_table, _FORMATS, caption="BHAR tests", labels=_LABELS)
        return Summary(text, ["\n".join(lines[1:]), tab], title=lines[0])

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        n = self.bhar["event_id"].nunique() if len(self.bhar) else 0
        return short_repr(
            "LongHorizonResult",
            [("horizons", list(self.horizons)), ("start", self.start), ("events", n),
             ("dropped", len(self.dropped)), ("peers", repr(self.peer_weighting))],
        )  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def long_horizon_section(result: LongHorizonResult) -> list[Section]:
    """The event-study page's long-horizon section (conclusion, then the test table).

    Returns
    -------
    list of riskkit.report.Section
    """
    from riskkit.report import Section

    labels = {"n_boot_used": "resamples", "share_positive": "share > 0", "sd": "s.d.",
              "t": "t", "p_t": "p (t)", "t_sa": "skew-adj. t", "p_sa": "p (skew-adj.)",
              "p_boot": "p (bootstrap)", "mean": "mean BHAR", "median": "median BHAR"}  # fmt: skip
    tab = result.tests().rename(columns=labels)
    kinds = {"mean BHAR": "percent", "median BHAR": "percent", "s.d.": "percent",
             "share > 0": "percent", "p (t)": "pvalue", "p (skew-adj.)": "pvalue",
             "p (bootstrap)": "pvalue", "resamples": "count", "t": "number",
             "skew-adj. t": "number", "skewness": "number"}  # fmt: skip
    note = (
        f"{result.conclusion()} BHAR = buy-and-hold return of the firm over sessions "
        f"[{result.start}, H] minus the market's (SPY) or the peer portfolio's (the mean "
        "buy-and-hold return of the other miners of the universe). t: conventional; "
        "skew-adj. t: Lyon-Barber-Tsai (1999); bootstrap p: LBT's resampling of n/4 "
        f"({result.n_boot} resamples, seed {result.seed}). Events share calendar days, "
        f"so these t's overstate the evidence. {len(result.dropped)} event-horizon(s) "
        "dropped (window past the data end, or missing returns)."
    )
    return [
        Section(
            "Long-horizon BHAR (Lyon-Barber-Tsai skewness-adjusted t)",
            table=tab,
            note=note,
            formats=kinds,
        )  # fmt: skip
    ]
