"""Placebo simulation of the event-study tests on the user's own data: :func:`simulate`.

Brown and Warner (1985): draw pseudo-events on dates without news, run the event study,
count how often each test rejects. Under the null a well-sized test at level ``alpha``
rejects in about ``alpha`` of the trials; with a planted abnormal return the rejection
rate is the test's power. On volatile, co-moving names the nominal levels need not hold;
this tells a user how far to trust each test.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskkit._display import Summary, Table
from riskkit._errors import DataError, RiskkitWarning
from riskkit._validation import check_timeseries, warn
from riskkit.events._distributed import TrialContext, run_trials
from riskkit.events._engine import resolve_tests
from riskkit.events._inputs import check_count, check_windows, session_dates
from riskkit.events._placebo_draws import _sampler
from riskkit.events.catalog import assign_day0, expand_market_events, load_events
from riskkit.events.models import MODELS, factor_columns
from riskkit.events.study import bundled_returns_and_factors, event_study

__all__ = ["SimulationResult", "simulate"]

Draw = Literal["spaced", "independent"]


def _lvl(a: float) -> str:
    return f"{100 * a:g}%"


def _cell(r: Any) -> str:
    """``"5.4% [4.1, 7.0]"``: a rate row's rejection rate and its band."""
    if not np.isfinite(r["rejection_rate"]):
        return "n/a"
    return f"{100 * r['rejection_rate']:.1f}% [{100 * r['ci_low']:.1f}, {100 * r['ci_high']:.1f}]"


@dataclass(frozen=True, eq=False, repr=False)
class SimulationResult:
    """Rejection rates of the event-study tests on pseudo-events, with what was drawn.

    Attributes
    ----------
    model, windows, estimation, gap, min_estimation_obs
        Settings of every trial's :func:`~riskkit.events.event_study` call.
    n_events, n_trials, effect, seed, draw, tickers, alphas, level
        The inputs of :func:`simulate` (``effect`` a decimal).
    data_source, date_range, catalog_source, rules
        Where the returns came from, their grid's first/last date, the real events
        avoided and, in words, the eligibility and spacing rules.
    rates
        Tidy rejection rates (see :meth:`to_frame`).
    p_values
        Per trial, scenario, window and test: ``estimate, statistic, p_value, n``.
    draws
        Every pseudo-event: ``trial, event_id, ticker, day0``.
    trial_log
        Per trial and scenario: ``n_drawn, n_estimated, n_skipped, n_thinned`` (runs whose
        estimation sample lost another pseudo-event's window), ``n_window_overlaps``
        (same-firm pairs with overlapping event windows), ``n_warnings``.
    short_trials
        Trials in which fewer than ``n_events`` pseudo-events were estimated: ``trial,
        scenario, n_estimated, reason`` (the skip reasons ``event_study`` gave).
    elapsed_seconds, notes
        Wall time of the trials; plain-text remarks.
    execution
        How the trials ran: ``backend`` (local or dask), ``chunk_size``, ``chunks``; on a
        cluster also the scheduler, workers and ``rerun_chunks`` (chunks sent to a worker
        more than once, also named in :attr:`notes`).
    """

    model: str
    windows: tuple[tuple[int, int], ...]
    estimation: int
    gap: int
    min_estimation_obs: int
    n_events: int
    n_trials: int
    effect: float
    seed: int
    draw: str
    tickers: tuple[str, ...]
    alphas: tuple[float, ...]
    level: float
    data_source: str
    date_range: tuple[str, str]
    catalog_source: str
    rules: str
    rates: pd.DataFrame
    p_values: pd.DataFrame
    draws: pd.DataFrame
    trial_log: pd.DataFrame
    short_trials: pd.DataFrame
    elapsed_seconds: float
    notes: tuple[str, ...] = ()
    execution: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Tidy rejection rates, in decimals.

        Columns: ``test, window, scenario`` (``"no_effect"``: the null, nothing planted;
        ``"effect"``; not ``"null"``, which ``pd.read_csv`` reads as NaN), ``alpha,
        n_rejections, n_trials`` (trials whose test gave a p-value), ``rejection_rate,
        ci_low, ci_high`` (Wilson band at :attr:`level`) and ``size``: for null rows
        ``"over-sized"`` when the band lies above ``alpha``, ``"under-sized"`` when below,
        else ``"within band"``; empty for effect rows.
        """
        return self.rates.copy()

    @property
    def main_alpha(self) -> float:
        """The level the conclusion uses: 5% if simulated, else the middle one."""
        five = [a for a in self.alphas if math.isclose(a, 0.05)]
        return five[0] if five else self.alphas[len(self.alphas) // 2]

    def table(self) -> pd.DataFrame:
        """Plain-words table: per window and test the null rate and band at each level,
        the rate with the effect at :attr:`main_alpha`, and the size verdict."""
        rows, main = [], self.main_alpha
        for (win, test), g in self.rates.groupby(["window", "test"], sort=False):
            row, flags = {"Window": win, "Test": test}, []
            for r in g.to_dict("records"):
                if r["scenario"] == "no_effect":
                    row[f"Null, at {_lvl(r['alpha'])}"] = _cell(r)
                    flags += [f"{r['size']} at {_lvl(r['alpha'])}"] * (r["size"] != "within band")
                elif math.isclose(r["alpha"], main):
                    row[f"{self.effect:+.1%} on day 0, at {_lvl(main)}"] = _cell(r)
            rows.append({**row, "Size under the null": "; ".join(flags) or "ok"})
        return pd.DataFrame(rows)

    def conclusion(self) -> str:
        """One to three plain sentences generated from the rates at :attr:`main_alpha`."""
        alpha = self.main_alpha
        r = self.rates[np.isclose(self.rates["alpha"], alpha)]
        null = r[r["scenario"] == "no_effect"]
        if null.empty or null["n_trials"].max() == 0:
            return "No test gave a p-value; nothing can be concluded."
        ok, bad = null[null["size"] == "within band"], null[null["size"] != "within band"]
        half = float(((null["ci_high"] - null["ci_low"]) / 2).median())
        text = (f"At {_lvl(alpha)}, {len(ok)} of {len(null)} test-window pairs reject at a rate "
                f"consistent with {_lvl(alpha)} under the null (bands about +-{100 * half:.1f} "
                f"points with {self.n_trials} trials)")  # fmt: skip
        if len(bad):
            w = bad.iloc[int(np.argmax((bad["rejection_rate"] - alpha).abs()))]
            verb = "overstate" if w["size"] == "over-sized" else "understate"
            text += (f"; not {', '.join(bad['test'] + ' ' + bad['window'])}. {w['test']} rejects "
                     f"{_cell(w)} on {w['window']} under the null ({w['size']}): its p-values "
                     f"{verb} the evidence on these data")  # fmt: skip
        eff = r[(r["scenario"] == "effect") & (r["test"] + r["window"]).isin(ok.test + ok.window)]
        if len(eff):
            b = eff.iloc[int(np.argmax(eff["rejection_rate"]))]
            text += (f". With {self.effect:+.1%} on day 0 the most powerful well-sized test is "
                     f"{b['test']} on {b['window']}: it rejects {_cell(b)}")  # fmt: skip
        return text + "."

    def summary(self) -> Summary:
        """Settings, what was drawn, the rejection table, conclusion: prints as text,
        renders as an HTML table in a notebook."""
        log = self.trial_log
        d0, counts = self.draws["day0"], self.draws["ticker"].value_counts().sort_index()
        per_tk = ", ".join(f"{t} {n}" for t, n in counts.items())
        span = f"{d0.min().date()} to {d0.max().date()}" if len(d0) else "none"
        skip = log.groupby("scenario", sort=False)["n_skipped"].sum()
        lines = [
            f"Placebo simulation (Brown-Warner 1985): {self.n_events} pseudo-events x "
            f"{self.n_trials} trials, draw={self.draw}, seed={self.seed}",
            f"  model: {self.model}; windows: {', '.join(f'[{a},{b}]' for a, b in self.windows)}; "
            f"estimation {self.estimation} days ending {self.gap + 1} before day 0 "
            f"(min {self.min_estimation_obs} obs)",
            f"  data: {self.data_source}; grid {self.date_range[0]} to {self.date_range[1]}",
            f"  avoided: {self.catalog_source}",
            f"  rules: {self.rules}",
            f"  drawn: {len(self.draws)} pseudo-events, day 0 from {span}; per ticker: {per_tk}",
            f"  short trials: {len(self.short_trials)}; skipped by event_study: "
            f"{', '.join(f'{n} ({s})' for s, n in skip.items())}; thinned by overlaps: "
            f"{int(log['n_thinned'].sum())}; warnings collected: {int(log['n_warnings'].sum())}; "
            f"{self.elapsed_seconds / self.n_trials:.2f} s a trial",
            f"  rejection rate (reject when p <= alpha) [{self.level:.0%} Wilson band]; "
            f"effect = {self.effect:+.2%} added to each pseudo-event's day-0 return",
            "",
            self.table().to_string(index=False),
            "",
            self.conclusion(),
        ]
        notes = [f"Note: {n}" for n in self.notes]
        blocks: list[str | Table] = ["\n".join(x.strip() for x in lines[1:7])]
        blocks += [Table(self.table(), default="text"), self.conclusion(), *notes]
        return Summary("\n".join(lines + notes), blocks)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        return (f"SimulationResult(model={self.model!r}, n_events={self.n_events}, n_trials="
                f"{self.n_trials}, draw={self.draw!r}, effect={self.effect!r}, seed={self.seed})")  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def simulate(
    n_events: int, *, tickers: Sequence[str] | None = None, model: str = "market",
    windows: Sequence[tuple[int, int]] = ((-1, 1), (0, 0)), effect: float = 0.0,
    n_trials: int = 1000, seed: int = 0,
    returns: pd.DataFrame | pd.Series | None = None,
    factors: pd.DataFrame | pd.Series | None = None,
    events: str | Path | pd.DataFrame | None = None,
    estimation: int = 250, gap: int = 10, min_estimation_obs: int = 100,
    draw: Draw = "spaced", alphas: Sequence[float] = (0.01, 0.05, 0.10), level: float = 0.95,
    market: str = "SPY", total_return: bool = True, progress: bool = False,
    tests: str | Sequence[str] | None = None, chunk_size: int = 200, client: Any = None,
    retries: int = 3,
) -> SimulationResult:  # fmt: skip
    """Size and power of the event-study tests on pseudo-events (Brown and Warner 1985).

    Each trial draws ``n_events`` (firm, date) pseudo-events on non-event dates, runs
    :func:`~riskkit.events.event_study` on them (``calendar="returns"``) and keeps the
    all-events p-value of each test (cross_sectional_t, patell_z, bmp, kolari_pynnonen,
    rank_cz, generalized_sign). With ``effect != 0`` the same draws run again with
    ``effect`` added to each firm's return on its day 0 (size and power, paired).

    Parameters
    ----------
    n_events
        Pseudo-events per trial (at least 2).
    tickers
        Firms to draw from; default every column of ``returns`` (bundled: the miners).
    model, windows, estimation, gap, min_estimation_obs
        Passed to every ``event_study`` call (see there).
    effect
        Abnormal return (decimal: 0.05 is +5%) planted on day 0; 0 runs the null only.
    n_trials, seed
        Trials (one ``event_study`` call each, two with an effect); trial ``i`` draws
        from ``SeedSequence(seed).spawn(n_trials)[i]``, the same whatever ``n_trials``.
    returns, factors, market, total_return
        Wide returns and factors as for ``event_study``; None loads the bundled data
        (:func:`~riskkit.events.bundled_returns_and_factors` with ``market``,
        ``total_return``).
    events
        Real events to avoid (CSV path or DataFrame); None for the bundled catalog (firm
        events of tickers not in ``returns`` are ignored; market-wide ``MKT`` events
        apply to every ticker). An empty frame with columns ``event_id, ticker, date``
        avoids nothing.
    draw
        ``"spaced"``: within a trial, same-firm pseudo-events are at least ``estimation +
        gap + b + 1`` sessions apart (``b`` the last window day), so none lies in
        another's estimation or event window and ``overlap="exclude"`` never thins a
        trial; every such set of ``n_events`` eligible (firm, day 0) pairs is equally
        likely. ``"independent"``: ``n_events`` distinct eligible pairs drawn uniformly;
        ``event_study`` then thins the overlaps, counted in ``trial_log``.
    alphas, level, progress
        Nominal levels (reject when ``p <= alpha``), the bands' confidence level, and
        whether to show a tqdm progress bar.
    tests
        Tests to simulate, as for ``event_study(tests=...)``: None for the textbook six,
        ``"all"`` adds GRANK-T/Z, the GARCH-standardized BMP/Z (one ``arch`` fit per
        pseudo-event, about 50 ms each) and the wild bootstrap of BMP and KP (999 draws).
    chunk_size
        Trials per chunk: spaced draws are stacked into one engine pass per chunk (memory
        grows with it). The same ``chunk_size`` gives the same tables locally and on any
        number of workers; other sizes agree to rounding (about 1e-16: the
        Kolari-Pynnonen pair sums take their cheaper path for the stack at hand).
    client, retries
        A ``dask.distributed`` Client (``pip install "riskkit[dask]"``): the chunks run on
        its workers (returns, factors and the draw tables scattered once to each; a chunk
        carries its trials' seeds and brings back their p-values, draws and counts), with
        ``retries`` extra attempts of a chunk whose task raised; a chunk lost with its
        worker is re-sent by the scheduler. ``execution`` records how it ran. None
        (default) runs locally and never imports Dask.

    Returns
    -------
    SimulationResult

    Raises
    ------
    DataError
        Bad counts, levels, draw, model, windows or tickers; no eligible date; more
        ``n_events`` than can be placed (the message says how many can).

    Notes
    -----
    Real events: the window ``[q + a, q + b]`` (``a``, ``b``: first and last day over
    ``windows``; one day more for unknown timing) of each real event of a firm, and of
    each market-wide event, is set to NaN in that firm's returns, so it never enters an
    estimation sample (as ``overlap="exclude"`` does for catalog events). A pseudo-event
    is *near* a real event, and not drawn, when a day of that window lies within its own
    window widened by ``gap`` sessions, ``[p + a - gap, p + b + gap]``.

    A day 0 at grid position ``p`` is eligible when it is not near a real event, the
    firm's return and the model's factors exist on every day of ``[p + a, p + b]``, and
    at least ``min_estimation_obs`` complete observations lie in ``[p - gap -
    estimation, p - gap - 1]``. Spaced sets are drawn exactly uniformly: per firm the
    spaced ``k``-subsets of its eligible days are counted, ``W(i, k) = W(i + 1, k) +
    W(next(i), k - 1)`` (in logs); the firms' counts, convolved, set how many events
    each firm gets, then each firm's days are drawn from its table.

    Rejection rate ``k / n`` over the ``n`` trials whose test gave a p-value; its band is
    the Wilson score interval
    ``(k + z^2/2) / (n + z^2) +- z / (n + z^2) sqrt(k (n - k) / n + z^2 / 4)`` at
    ``level``, from ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    References
    ----------
    Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event
    studies. *Journal of Financial Economics* 14, 3-31.

    Examples
    --------
    >>> idx = pd.bdate_range("2020-01-01", periods=700, name="date")  # synthetic data
    >>> rng = np.random.default_rng(0)
    >>> m = pd.DataFrame({"market": rng.normal(0, 0.01, 700)}, index=idx)
    >>> r = pd.DataFrame({t: m["market"] + rng.normal(0, 0.02, 700) for t in "ABC"}, index=idx)
    >>> none = pd.DataFrame(columns=["event_id", "ticker", "date"])
    >>> res = simulate(4, returns=r, factors=m, events=none, n_trials=2, windows=[(0, 0)],
    ...                estimation=100, gap=5, min_estimation_obs=50, effect=0.5)
    >>> f = res.to_frame()
    >>> f.loc[(f.test == "cross_sectional_t") & (f.scenario == "effect"), "rejection_rate"].tolist()
    [1.0, 1.0, 1.0]
    """
    for label, value, least in (("n_events", n_events, 2), ("n_trials", n_trials, 1),
                                ("seed", seed, 0), ("estimation", estimation, 3), ("gap", gap, 0),
                                ("min_estimation_obs", min_estimation_obs, 5)):  # fmt: skip
        check_count(label, value, least)
    check_count("chunk_size", chunk_size, 1)
    alphas_t = _check_options(effect, draw, alphas, level, model)
    wins = check_windows(windows, estimation, gap)
    test_names = resolve_tests(tests)
    rets, facs, source = _prepare(returns, factors, market, total_return)
    fcols = factor_columns(model, facs)
    given = [tickers] if isinstance(tickers, str) else rets.columns if tickers is None else tickers
    firms = list(dict.fromkeys(str(t).strip().upper() for t in given))
    if not firms or set(firms) - set(rets.columns):
        bad = sorted(set(firms) - set(rets.columns)) or firms
        raise DataError(f"tickers {bad} not in the returns; available are {list(rets.columns)}.")
    grid = pd.DatetimeIndex(rets.index)
    a, b = min(w[0] for w in wins), max(w[1] for w in wins)
    real, rets, cat_src = _real_events(events, rets, firms, grid, a, b)
    cands = _eligible(rets, facs, fcols, real, a, b, estimation, gap, min_estimation_obs)
    spacing = estimation + gap + b + 1 if draw == "spaced" else 0
    sampler, cap = _sampler(cands, spacing, n_events)
    if cap < n_events:
        why = f"same-firm pseudo-events {spacing} sessions apart, " if spacing else ""
        raise DataError(
            f"n_events={n_events} cannot be placed {draw}: at most {cap} pseudo-events fit for "
            f"tickers {firms} ({why}>= {min_estimation_obs} complete estimation returns, "
            f"windows {gap} sessions away from real events). Use n_events <= {cap}, more "
            "tickers, a shorter estimation window"
            + (", or draw='independent'." if spacing else ".")
        )
    settings = {"model": model, "windows": wins, "estimation": estimation, "gap": gap}
    settings["min_estimation_obs"] = min_estimation_obs
    settings["tests"] = test_names
    scenarios = [("no_effect", 0.0)] + ([("effect", float(effect))] if effect != 0 else [])
    ctx = TrialContext(sampler, rets, facs, tuple(fcols), grid, n_events, spacing,
                       tuple(scenarios), settings)  # fmt: skip
    seeds = list(enumerate(np.random.SeedSequence(seed).spawn(n_trials)))
    start = time.perf_counter()
    pv, draws, log, short, execution = run_trials(
        ctx, seeds, chunk_size=chunk_size, client=client, retries=retries, progress=progress
    )
    elapsed = time.perf_counter() - start
    cols = ["trial", "scenario", "window", "test", "estimate", "statistic", "p_value", "n"]
    p_values = pd.concat(pv, ignore_index=True)[cols]
    p_values = p_values.sort_values("trial", kind="stable", ignore_index=True)
    trial_log = pd.DataFrame(log).sort_values(
        ["trial", "scenario"], kind="stable", ignore_index=True
    )
    n_warn, n_skip = int(trial_log["n_warnings"].sum()), int(trial_log["n_skipped"].sum())
    skip_note = f"{n_skip} pseudo-event run(s) skipped by event_study; see short_trials."
    notes = [skip_note] if n_skip else []
    if execution.get("rerun_chunks"):
        notes.append(execution["note"])
    if n_warn:
        warn(f"simulate: event_study issued {n_warn} warning(s) over {n_trials} trial(s); "
             f"{notes[0] if notes else 'see trial_log.'}", stacklevel=2)  # fmt: skip
    if not spacing:
        notes.append(f"independent draws: {int(trial_log['n_thinned'].sum())} event run(s) lost "
                     "another pseudo-event's window from their estimation sample.")  # fmt: skip
    e0, spread = -gap - estimation, f"same-firm pseudo-events >= {spacing} sessions apart"
    rules = (
        f"day 0 needs a complete window [{a},{b}] and >= {min_estimation_obs} complete returns "
        f"in [{e0},{-gap - 1}]; real event windows are cut from the returns and kept out of "
        f"[{a - gap},{b + gap}]; {spread if spacing else 'uniform draws, overlaps allowed'}"
    )
    draws_df = pd.concat(draws, ignore_index=True).rename(columns={"date": "day0"})
    return SimulationResult(
        model=model, windows=tuple(wins), estimation=estimation, gap=gap,
        min_estimation_obs=min_estimation_obs, n_events=n_events, n_trials=n_trials,
        effect=float(effect), seed=seed, draw=draw, tickers=tuple(firms), alphas=alphas_t,
        level=level, data_source=source, date_range=(str(grid[0].date()), str(grid[-1].date())),
        catalog_source=cat_src, rules=rules, rates=_rates(p_values, alphas_t, level),
        p_values=p_values, draws=draws_df[["trial", "event_id", "ticker", "day0"]],
        trial_log=trial_log, elapsed_seconds=elapsed, notes=tuple(notes), execution=execution,
        short_trials=pd.DataFrame(short, columns=["trial", "scenario", "n_estimated", "reason"]),
    )  # fmt: skip


def _run_trial(catalog, returns, factors, *, effect: float, **settings: Any):
    """One trial: plant ``effect`` on each pseudo-event's day 0, one ``event_study`` call.

    Independent draws run here, one trial at a time (``overlap="exclude"`` thins a trial's
    own overlaps); spaced draws run a chunk of trials in one engine pass
    (:func:`riskkit.events._trials.stacked_trials`), which equals this call (tested).
    Returns the ``group_by == "all"`` test rows, counts (estimated, skipped, thinned) and
    the skip reasons; riskkit's warnings are counted, any other warning is passed on.
    """
    if effect != 0:
        vals = returns.to_numpy(dtype=float, copy=True)
        rows = returns.index.get_indexer(catalog["date"])
        np.add.at(vals, (rows, returns.columns.get_indexer(catalog["ticker"])), effect)
        returns = pd.DataFrame(vals, index=returns.index, columns=returns.columns)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RiskkitWarning)
        res = event_study(catalog, returns=returns, factors=factors, calendar="returns",
                          overlap="exclude", **settings)  # fmt: skip
    for w in caught:
        if not issubclass(w.category, RiskkitWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    tt, ov = res.test_table, res.overlaps
    info = {
        "n_estimated": int((res.events["status"] == "estimated").sum()),
        "n_skipped": len(res.skipped),
        "n_thinned": int((ov["in_estimation_window"] > 0).sum()),
        "n_window_overlaps": int(ov["event_windows_overlap"].sum()) // 2,  # pairs
        "n_warnings": sum(issubclass(w.category, RiskkitWarning) for w in caught),
    }
    cols = ["window", "test", "estimate", "statistic", "p_value", "n"]
    reasons = [str(r).split(" (first")[0] for r in res.skipped["reason"]]
    return tt.loc[tt["group_by"] == "all", cols].reset_index(drop=True), info, reasons


def _check_options(effect, draw, alphas, level, model) -> tuple[float, ...]:
    if isinstance(effect, bool) or not isinstance(effect, int | float) or not np.isfinite(effect):
        raise DataError(f"effect={effect!r} must be a finite number, a decimal: 0.05 for +5%.")
    if draw not in ("spaced", "independent"):
        raise DataError(f"draw={draw!r}; use 'spaced' or 'independent'.")
    if model not in MODELS:
        raise DataError(f"model={model!r} is not known; use one of {list(MODELS)}.")
    try:
        alphas_t = tuple(float(a) for a in alphas)
    except (TypeError, ValueError):
        alphas_t = ()
    if not alphas_t or not all(0 < a < 1 for a in alphas_t):
        raise DataError(f"alphas={alphas!r} must be levels in (0, 1), e.g. (0.01, 0.05, 0.10).")
    if isinstance(level, bool) or not isinstance(level, float) or not 0 < level < 1:
        raise DataError(f"level={level!r} must be a confidence level in (0, 1), e.g. 0.95.")
    return alphas_t


def _prepare(returns, factors, market, total_return):
    """The frames every trial gets: bundled data, or the user's with upper-case tickers."""
    desc = "user-supplied returns and factors"
    if returns is None:
        returns, facs, desc = bundled_returns_and_factors(market=market, total_return=total_return)
        desc += "; user factors" if factors is not None else ""
        factors = facs[["market", "BTC"]] if factors is None else factors
    frames = []
    for name, x in (("returns", returns), ("factors", factors)):
        if isinstance(x, pd.Series):
            x = x.to_frame(x.name or name)
        if x is not None:  # one return per session: a tz-aware index is read as local dates
            check_timeseries(x, name=name, min_length=1, nan_policy="omit")
            x = session_dates(x.copy(), name, [])
        frames.append(x)
    rets, facs = frames
    rets.columns = [str(c).upper() for c in rets.columns]
    return rets, None if facs is None else facs.reindex(rets.index), desc


def _real_events(events, rets, firms, grid, a, b) -> tuple[dict[str, list], pd.DataFrame, str]:
    """``ticker -> [(grid position of day 0, widened)]`` of the real events to avoid, and
    the returns with each one's window ``[q + a, q + b (+1)]`` set to NaN."""
    if events is None:
        ev = load_events(None)
        ev, what = ev[ev["ticker"].isin([*rets.columns, "MKT"])], "bundled catalog"
    else:
        ev, what = load_events(events, tickers=list(rets.columns)), "user catalog"
    ev = assign_day0(expand_market_events(ev, firms), grid)
    ev = ev[ev["ticker"].isin(firms) & ev["day0"].notna()]
    out: dict[str, list] = {t: [] for t in firms}
    vals, n = rets.to_numpy(dtype=float, copy=True), len(rets)
    for tk, d0, w in zip(ev["ticker"], ev["day0"], ev["widened"], strict=True):
        q = int(grid.searchsorted(d0))
        out[tk].append((q, bool(w)))
        vals[max(q + a, 0) : min(q + b + int(w) + 1, n), rets.columns.get_loc(tk)] = np.nan
    masked = pd.DataFrame(vals, index=rets.index, columns=rets.columns)
    return (
        out,
        masked,
        f"{len(ev)} real event(s) of these tickers in the {what} (market-wide included)",
    )


def _eligible(rets, facs, fcols, real, a, b, estimation, gap, min_obs):
    """Sorted eligible day-0 grid positions per ticker (see simulate's Notes)."""
    n = len(rets)
    f_ok = facs[fcols].notna().all(axis=1).to_numpy() if fcols else np.ones(n, dtype=bool)
    p = np.arange(n)
    out: dict[str, np.ndarray] = {}
    for tk, evs in real.items():
        cum = np.concatenate([[0], np.cumsum(rets[tk].notna().to_numpy() & f_ok)])
        est_n = cum[np.clip(p - gap, 0, n)] - cum[np.clip(p - gap - estimation, 0, n)]
        lo, hi = p + a, p + b + 1  # the window [p + a, p + b], end exclusive
        win_n = cum[np.clip(hi, 0, n)] - cum[np.clip(lo, 0, n)]
        good = (est_n >= min_obs) & (lo >= 0) & (hi <= n) & (win_n == b - a + 1)
        near = np.zeros(n + 1, dtype=int)  # +1/-1 at the ends of each excluded run
        for q, widened in evs:  # real window [q + a, q + b + w] meets [p + a - gap, p + b + gap]
            near[min(max(q + a - b - gap, 0), n)] += 1
            near[min(max(q + b + int(widened) - a + gap + 1, 0), n)] -= 1
        good &= np.cumsum(near)[:n] == 0
        if good.any():
            out[tk] = p[good]
    return out


def _rates(p_values: pd.DataFrame, alphas, level: float) -> pd.DataFrame:
    """Rejections ``p <= alpha`` per scenario, window, test and level, Wilson bands."""
    from statsmodels.stats.proportion import proportion_confint

    rows = []
    for (scen, win, test), g in p_values.groupby(["scenario", "window", "test"], sort=False):
        m = int(g["p_value"].notna().sum())
        rows += [(test, win, scen, a, int((g["p_value"] <= a).sum()), m) for a in alphas]
    cols = ["test", "window", "scenario", "alpha", "n_rejections", "n_trials"]
    out = pd.DataFrame(rows, columns=cols)
    k, n = out["n_rejections"].to_numpy(), out["n_trials"].to_numpy()
    none = n == 0
    lo, hi = proportion_confint(k, np.maximum(n, 1), alpha=1 - level, method="wilson")
    out["rejection_rate"] = np.where(none, np.nan, k / np.maximum(n, 1))
    out["ci_low"] = np.where(none, np.nan, lo)
    out["ci_high"] = np.where(none, np.nan, hi)
    out["size"] = [
        "" if sc != "no_effect" else "no p-value" if not np.isfinite(c0) else
        "over-sized" if c0 > a else "under-sized" if c1 < a else "within band"
        for sc, a, c0, c1 in zip(out["scenario"], out["alpha"], out["ci_low"], out["ci_high"], strict=True)
    ]  # fmt: skip
    return out
