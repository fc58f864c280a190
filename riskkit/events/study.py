"""The event-study engine: :func:`event_study`.

Data flow: returns + factors + events -> day 0 on the trading-day grid -> one normal-return
model per event on its estimation window -> abnormal returns -> per-event CARs with the
prediction-error variance -> grouped tests (:mod:`riskkit.events._grouptests`) ->
:class:`~riskkit.events.results.EventStudyResult`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit._validation import check_timeseries, warn
from riskkit.events import _engine, _frames
from riskkit.events._grouptests import estudy2_tests
from riskkit.events._inputs import check_count, check_windows, session_dates
from riskkit.events.catalog import (
    assign_day0,
    expand_market_events,
    load_events,
)
from riskkit.events.models import MODELS, factor_columns
from riskkit.events.overlaps import overlap_counts
from riskkit.events.results import EventStudyResult

__all__ = ["bundled_returns_and_factors", "event_study"]

Conventions = Literal["textbook", "estudy2"]
#: Tickers in the bundled snapshot that are factors, not event firms.
_NON_FIRMS = ("SPY", "QQQ", "BTC-USD")


def bundled_returns_and_factors(
    *, market: str = "SPY", total_return: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Simple returns of the bundled miners and the (market, BTC) factor frame.

    Returns
    -------
    returns, factors, description
        ``returns``: NYSE sessions x firm tickers (NaN before a listing). ``factors``:
        columns ``market`` (``market``'s simple return, with its cash dividends added
        on ex-dates when ``total_return``) and ``BTC`` (BTC-USD compounded over each
        session interval, :func:`riskkit.data.btc_session_returns`).

    Notes
    -----
    The bundled SPY/QQQ closes are not dividend-adjusted. With ``total_return=True`` the
    market return is ``(P_t + D_t) / P_{t-1} - 1`` with ``D_t`` the cash dividend whose
    ex-date is ``t`` (bundled ``dividends/<market>.csv``); otherwise the price return.
    """
    from riskkit.data import btc_session_returns, load_closes, read_dividends

    closes = load_closes(source="bundled")
    sources = closes.attrs.get("riskkit_sources", {})
    firms = [c for c in closes.columns if c not in _NON_FIRMS]
    eq = closes[[*firms, market]].dropna(how="all")
    px = eq[market]
    mkt = px / px.shift(1) - 1.0
    if total_return:
        div = read_dividends(market).reindex(px.index).fillna(0.0)
        mkt = (px + div) / px.shift(1) - 1.0
    rets = eq[firms] / eq[firms].shift(1) - 1.0
    btc = btc_session_returns(closes["BTC-USD"].dropna(), pd.DatetimeIndex(eq.index))
    factors = pd.DataFrame({"market": mkt, "BTC": btc}).iloc[1:]
    rets = rets.iloc[1:]
    rets.index.name = factors.index.name = "date"
    kind = "total return (dividends added on ex-dates)" if total_return else "price return"
    first = min(str(v.get("first", "")) for v in sources.values()) if sources else ""
    last = max(str(v.get("last", "")) for v in sources.values()) if sources else ""
    desc = (
        f"bundled snapshot (Yahoo Finance via public repos, see SOURCES.md), {first} to "
        f"{last}; market = {market} {kind}; BTC = BTC-USD compounded over each NYSE session"
    )
    return rets, factors, desc


@dataclass
class _Prepared:
    returns: pd.DataFrame
    factors: pd.DataFrame | None
    source: str
    notes: list[str] = field(default_factory=list)


def _prepare(returns, factors, model, market, total_return) -> _Prepared:
    if returns is None:
        rets, facs, desc = bundled_returns_and_factors(market=market, total_return=total_return)
        if factors is not None:
            facs = factors
            desc += "; user factors"
        else:
            facs = facs[["market", "BTC"]]
        return _Prepared(rets, facs, desc)
    if isinstance(returns, pd.Series):
        returns = returns.to_frame(returns.name or "asset")
    check_timeseries(returns, name="returns", min_length=1, nan_policy="omit")
    notes: list[str] = []
    returns = session_dates(returns.copy(), "returns", notes)  # never change the caller's
    if isinstance(factors, pd.Series):
        factors = factors.to_frame(factors.name or "market")
    if factors is not None:
        check_timeseries(factors, name="factors", min_length=1, nan_policy="omit")
        factors = session_dates(factors.copy(), "factors", notes).reindex(returns.index)
    returns.columns = [str(c).upper() for c in returns.columns]
    return _Prepared(returns, factors, "user-supplied returns and factors", notes)


def event_study(
    events: str | Path | pd.DataFrame | None = None,
    *,
    returns: pd.DataFrame | pd.Series | None = None,
    factors: pd.DataFrame | pd.Series | None = None,
    model: str = "market",
    estimation: int = 250,
    gap: int = 10,
    windows: Sequence[tuple[int, int]] = ((-1, 1), (0, 0), (0, 5)),
    min_estimation_obs: int = 100,
    conventions: Conventions = "textbook",
    universe: Sequence[str] | None = None,
    overlap: Literal["exclude", "keep"] = "exclude",
    calendar: Literal["XNYS", "returns"] = "XNYS",
    market: str = "SPY",
    total_return: bool = True,
    placebo: int = 0,
    seed: int = 0,
    tests: str | Sequence[str] | None = None,
    bootstrap: int = 999,
    bootstrap_weights: Literal["rademacher", "mammen"] = "rademacher",
    client: Any = None,
    chunk_size: int = 10_000,
    retries: int = 3,
) -> EventStudyResult:
    """Run an event study: abnormal returns, CARs and their tests.

    Parameters
    ----------
    events
        Event catalog (CSV path or DataFrame, see :func:`load_events`); None for the
        bundled catalog.
    returns
        Wide returns (date x ticker), simple or log as you choose; None loads the bundled
        miners' simple returns.
    factors
        Factor returns on the same dates: market first, then BTC (for
        ``model="market_btc"``), or any columns for ``model="factors"``. None with
        ``returns=None`` uses the bundled market and BTC session returns.
    model
        ``"constant"``, ``"market_adjusted"``, ``"market"``, ``"market_btc"`` or
        ``"factors"`` (see :mod:`riskkit.events.models`).
    estimation, gap
        Estimation window of ``estimation`` trading days ending ``gap + 1`` days before
        day 0: ``[-gap-estimation, -gap-1]``.
    windows
        Event windows ``(first, last)`` in trading days relative to day 0.
    min_estimation_obs
        Events with fewer complete estimation observations are skipped (with the reason).
    conventions
        ``"textbook"`` (default) or ``"estudy2"``: the grouped tests of the R package
        estudy2 (market model only; see :mod:`riskkit.events.estudy2`): its twelve daily
        tests for one-day windows and its three CAR tests for longer ones. Per-event rows
        of :meth:`EventStudyResult.to_frame` are the same under both.
    universe
        Tickers a market-wide (``MKT``) event applies to; default every firm in
        ``returns``.
    overlap
        ``"exclude"`` removes other same-firm event windows from an event's estimation
        sample; ``"keep"`` leaves them in. Overlaps are reported either way.
    calendar
        ``"XNYS"``: day 0 on the NYSE calendar; ``"returns"``: on the returns' own dates.
    market, total_return
        Bundled data only: the market proxy (``"SPY"`` or ``"QQQ"``) and whether its
        dividends are added (see :func:`bundled_returns_and_factors`).
    placebo
        Number of placebo draws for a placebo p-value of each group's CAAR (0: off). A
        draw is the mean over the group's events of the CAR of a random same-length
        window of each event's own estimation-period residuals (non-event dates, before
        the event: no look-ahead).
    seed
        Seed of the placebo draws and of the wild bootstrap.
    tests
        Grouped tests (textbook conventions): None for the textbook six
        (cross_sectional_t, patell_z, bmp, kolari_pynnonen, rank_cz, generalized_sign),
        ``"all"`` for those and the issue-10 tests, or a list of names from
        ``_engine.ALL_TESTS``: ``grank_t``, ``grank_z`` (Kolari-Pynnönen 2011 generalized
        rank, :mod:`riskkit.events.grank`), ``garch_bmp``, ``garch_z`` (GARCH(1,1)-
        standardized CARs, :mod:`riskkit.events.garch_ar`; one ``arch`` fit per event,
        about 50 ms each), ``bootstrap_bmp``, ``bootstrap_kp`` (wild bootstrap,
        :mod:`riskkit.events.bootstrap`). Adjusted p-values: ``result.tests(adjust=True)``.
    bootstrap, bootstrap_weights
        Wild-bootstrap draws ``B`` and weights (``"rademacher"`` or ``"mammen"``).
    client, chunk_size, retries
        A ``dask.distributed`` Client (``pip install "riskkit[dask]"``): the per-event fits
        and window statistics run on its workers in batches of ``chunk_size`` consecutive
        events (the return and factor panels scattered once to each worker), with
        ``retries`` extra attempts of a batch whose task raised; the grouped tests, which
        need every event together, then run locally. Every frame equals a local run's,
        bit for bit and whatever ``chunk_size``; ``result.execution`` records how it ran.
        A batch sends 18 bytes an event and brings back about ``8 (E + 3 W + k^2 + 2 k + 9 +
        9 n_windows)`` bytes an event (``E = estimation``, ``W`` event-time columns, ``k``
        parameters): 2.4 KB for the market model. None (default) runs locally and never
        imports Dask; ``chunk_size`` and ``retries`` then do nothing.

    Returns
    -------
    EventStudyResult

    Raises
    ------
    DataError
        Bad events, windows, model or factors; an unknown test name, ``bootstrap < 1``,
        unknown ``bootstrap_weights``, ``tests=`` with estudy2 conventions, ``chunk_size``
        not a whole number >= 1 or ``client`` not a running Client. Events that
        cannot be estimated are not an error: they are skipped, listed in ``result.skipped`` with the reason and warned
        about (one warning each for the first 20, then one line for the rest). Reasons:
        day 0 outside the returns or without a return, fewer than
        ``min_estimation_obs`` complete estimation days, an estimation residual standard
        deviation of at most 1e-8 times the root mean square of the returns fitted
        (constant returns, or returns that are an exact linear function of the factors:
        every statistic would be an artefact), or a constant factor.

    Notes
    -----
    Per event ``i`` and window ``W`` of ``L`` days: ``AR_it = R_it - X_it b_i``,
    ``CAR_i = sum_W AR_it``, ``Var(CAR_i) = s_i^2 (L + g'(X'X)^{-1} g)`` with
    ``g = sum_W X_it`` (MacKinlay 1997), ``s_i^2 = e'e / (M_i - k)``; ``t_i = CAR_i /
    sqrt(Var)``, Student t with ``M_i - k`` df. ``BHAR_i = prod(1 + R) - prod(1 + X b)``.
    Cost: linear in the number of events (one numba pass fits every event; Kolari-Pynnönen
    visits only the pairs of events whose windows share a session). Studies of 20,000
    events or more show a progress bar on a terminal or in a notebook.
    Grouped tests: see :func:`riskkit.events._engine.textbook_tests` and, for
    ``conventions="estudy2"``, :func:`riskkit.events._grouptests.estudy2_tests`.

    References
    ----------
    MacKinlay, A. C. (1997). Event studies in economics and finance. *JEL* 35, 13-39.

    Examples
    --------
    >>> idx = pd.bdate_range("2024-01-01", periods=300, name="date")
    >>> rng = np.random.default_rng(0)
    >>> m = pd.DataFrame({"market": rng.normal(0, 0.01, 300)}, index=idx)
    >>> r = pd.DataFrame({"X": 1.2 * m["market"] + rng.normal(0, 0.02, 300)}, index=idx)
    >>> r.iloc[280, 0] += 0.10   # synthetic: plant a 10% abnormal return
    >>> ev = pd.DataFrame({"event_id": ["e1"], "ticker": ["X"], "date": [idx[280]],
    ...                    "timing": ["pre-market"]})
    >>> res = event_study(ev, returns=r, factors=m, calendar="returns", windows=[(0, 0)])
    >>> bool(res.to_frame()["p"].iloc[0] < 0.01)
    True
    """
    if model not in MODELS:
        raise DataError(f"model={model!r} is not known; use one of {list(MODELS)}.")
    if conventions not in ("textbook", "estudy2"):
        raise DataError(f"conventions={conventions!r}; use 'textbook' or 'estudy2'.")
    if conventions == "estudy2" and model != "market":
        raise DataError("conventions='estudy2' is defined for model='market' only.")
    if overlap not in ("exclude", "keep"):
        raise DataError(f"overlap={overlap!r}; use 'exclude' or 'keep'.")
    if calendar not in ("XNYS", "returns"):
        raise DataError(f"calendar={calendar!r}; use 'XNYS' or 'returns'.")
    for label, value, least in (
        ("estimation", estimation, 0),  # the ranges are checked below, with their reasons
        ("gap", gap, 0),
        ("min_estimation_obs", min_estimation_obs, 0),
        ("placebo", placebo, 0),
    ):
        check_count(label, value, least)
    wins = check_windows(windows, estimation, gap)
    test_names = _engine.resolve_tests(tests)
    check_count("bootstrap", bootstrap, 1)
    check_count("chunk_size", chunk_size, 1)
    if client is not None:
        from riskkit._cluster import check_client

        check_client(client)
    if bootstrap_weights not in ("rademacher", "mammen"):
        raise DataError(f"bootstrap_weights={bootstrap_weights!r}; use 'rademacher' or 'mammen'.")
    if conventions == "estudy2" and tests is not None:
        raise DataError("tests= applies to conventions='textbook'; estudy2 runs its own tests.")
    if int(min_estimation_obs) < 5:
        raise DataError(
            f"min_estimation_obs={min_estimation_obs} is too small; use at least 5 (the "
            "Patell variance needs M - k > 2), e.g. 100."
        )
    prep = _prepare(returns, factors, model, market, total_return)
    rets, facs = prep.returns, prep.factors
    fcols = factor_columns(model, facs)
    grid = pd.DatetimeIndex(rets.index)

    ev = load_events(events, tickers=list(rets.columns))
    bar = _progress(len(ev))
    firms = list(universe) if universe is not None else list(rets.columns)
    unknown = sorted(set(firms) - set(rets.columns))
    if unknown:
        raise DataError(f"universe has ticker(s) {unknown} not in returns {list(rets.columns)}.")
    ev = expand_market_events(ev, firms)
    ev = assign_day0(ev, None if calendar == "XNYS" else grid)
    a_min = min(a for a, _ in wins)
    b_nom = max(b for _, b in wins)  # an unknown-timing event widens its own window only
    overlaps = overlap_counts(ev, grid, estimation=estimation, gap=gap, window=(a_min, b_nom))
    bar.update()

    firm_names = list(rets.columns)
    firm = pd.Index(firm_names).get_indexer(pd.Index(ev["ticker"])).astype(np.int64)
    day0 = pd.DatetimeIndex(ev["day0"])
    p0 = grid.get_indexer(day0).astype(np.int64)
    widened = ev["widened"].to_numpy(dtype=bool)
    y, x, complete = _engine.panel_arrays(rets, facs, fcols)
    cut = (
        _engine.cut_mask(firm, p0, widened, len(grid), len(firm_names), a_min, b_nom)
        if overlap == "exclude"
        else np.zeros_like(complete)
    )
    first, last = _first_last(y)  # each firm's first and last return row
    reasons = _day0_problems(y, firm, p0, day0, grid, first, last)
    fit_args = (y, x, complete & ~cut, cut, firm, p0, reasons == "", widened)
    fit_opts: dict[str, Any] = dict(model=_engine.MODEL_CODE[model], estimation=estimation,
                                    gap=gap, min_obs=min_estimation_obs, windows=wins)  # fmt: skip
    if client is None:
        est, execution = _engine.estimate(*fit_args, **fit_opts), {"backend": "local"}
    else:  # the same arrays, from batches of events on the cluster
        from riskkit.events._distributed import estimate_in_batches

        est, execution = estimate_in_batches(client, *fit_args, chunk_size=chunk_size,
                                             retries=retries, **fit_opts)  # fmt: skip
    bar.update()
    reasons = _fit_problems(
        reasons, est, first, firm, grid, firm_names, estimation, gap, min_estimation_obs
    )
    dates = ev["date"].to_numpy()
    ids, tks = ev["event_id"].astype(str).to_numpy(), ev["ticker"].astype(str).to_numpy()
    skipped = [
        (str(ids[i]), str(tks[i]), str(pd.Timestamp(dates[i]).date()), str(reasons[i]))
        for i in np.flatnonzero(reasons != "")
    ]
    idx = np.flatnonzero(est.fitted)
    names = ([] if model == "market_adjusted" else ["alpha"]) + (
        [f"beta_{c}" for c in fcols] if model not in ("constant", "market_adjusted") else []
    )
    bar.update()
    params = _frames.params_frame(est, idx, ev, grid, names)
    cars = _frames.cars_frame(est, idx, ev, params)
    ar = _frames.ar_frame(est, idx, ev)
    if conventions == "estudy2":
        first_factor = x[:, 0] if x.shape[1] else None
        data = _frames.event_data(est, idx, ev, grid, first_factor)
        table = estudy2_tests(data, wins)
    else:
        table = _engine.textbook_tests(
            est, widened, _groupings(ev, est.fitted), placebo=placebo, seed=seed,
            tests=test_names, n_boot=bootstrap, boot_weights=bootstrap_weights,
        )  # fmt: skip

    bar.update()
    bar.close()
    skipped_df = pd.DataFrame(skipped, columns=["event_id", "ticker", "date", "reason"])
    _warn_skipped(skipped)
    evt_out = ev.copy()
    evt_out["status"] = np.where(
        evt_out["event_id"].isin(skipped_df["event_id"]), "skipped", "estimated"
    )
    notes = list(prep.notes)
    if execution.get("rerun_chunks"):
        notes.append(f"event batches: {execution['note']}")
    n_est = int(overlaps["in_estimation_window"].sum())
    if n_est or overlaps["event_windows_overlap"].any():
        verb = "excluded from" if overlap == "exclude" else "kept in"
        notes.append(
            f"{n_est} same-firm event window(s) fall in another event's estimation window; "
            f"they were {verb} the estimation sample (overlap={overlap!r})."
        )
    if evt_out["widened"].any():
        notes.append(
            "Events with unknown timing: every window containing day 0 was widened by one "
            "session to include day +1 (column window_used)."
        )
    return EventStudyResult(
        model=model,
        factors=tuple(fcols),
        windows=tuple(wins),
        estimation=estimation,
        gap=gap,
        min_estimation_obs=min_estimation_obs,
        conventions=conventions,
        data_source=prep.source,
        date_range=(str(grid[0].date()), str(grid[-1].date())) if len(grid) else ("", ""),
        events=evt_out,
        cars=cars,
        params=params,
        abnormal_returns=ar,
        test_table=table,
        skipped=skipped_df,
        overlaps=overlaps,
        notes=tuple(notes),
        execution=execution,
    )


#: Studies with at least this many events show a progress bar (tqdm; only on a terminal
#: or in a notebook: ``disable=None`` turns it off when stderr is not interactive).
PROGRESS_MIN_EVENTS = 20_000


def _progress(n_events: int):
    """A four-step bar (catalog, estimation, tests, frames) for a long study."""
    from tqdm.auto import tqdm

    show = n_events >= PROGRESS_MIN_EVENTS
    return tqdm(total=4, desc=f"event study ({n_events:,} events)", disable=None if show else True)


#: Skipped events warned about one by one; the rest in one warning (all in result.skipped).
_MAX_SKIP_WARNINGS = 20


def _warn_skipped(skipped: list[tuple[str, str, str, str]]) -> None:
    for r in skipped[:_MAX_SKIP_WARNINGS]:
        warn(f"event {r[0]} ({r[1]}, {r[2]}) skipped: {r[3]}", stacklevel=3)
    if len(skipped) > _MAX_SKIP_WARNINGS:
        warn(
            f"{len(skipped) - _MAX_SKIP_WARNINGS} more events skipped (of "
            f"{len(skipped)}); every one is listed with its reason in the result's skipped-events table.",
            stacklevel=3,
        )


def _first_last(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last row with a return, per firm (-1: none)."""
    ok = np.isfinite(y)
    any_ = ok.any(axis=0)
    first = np.where(any_, ok.argmax(axis=0), -1)
    last = np.where(any_, y.shape[0] - 1 - ok[::-1].argmax(axis=0), -1)
    return first, last


def _day0_problems(y, firm, p0, day0, grid, first, last) -> np.ndarray:
    """Why each event's day 0 cannot be used ("" = fine), in words."""
    n = firm.size
    out = np.full(n, "", dtype=object)
    in_grid = p0 >= 0
    present = np.zeros(n, dtype=bool)
    present[in_grid] = np.isfinite(y[p0[in_grid], firm[in_grid]])
    for i in np.flatnonzero(~present):  # the few problems, in words
        d0 = day0[i]
        if pd.isna(d0):
            out[i] = "day 0 falls after the last date of the returns"
        elif p0[i] < 0:
            if len(grid) and d0 > grid[-1]:
                out[i] = (
                    f"day 0 {d0.date()} is after the last date of the returns ({grid[-1].date()})"
                )
            elif len(grid) and d0 < grid[0]:
                out[i] = (
                    f"day 0 {d0.date()} is before the first date of the returns ({grid[0].date()})"
                )
            else:
                out[i] = f"day 0 {d0.date()} is not a date of the returns (holiday or missing row)"
        elif first[firm[i]] < 0:
            out[i] = "the ticker has no returns at all"
        elif p0[i] < first[firm[i]]:
            out[i] = (
                f"day 0 {d0.date()} is before the first return on "
                f"{grid[first[firm[i]]].date()} (before listing)"
            )
        elif p0[i] > last[firm[i]]:
            out[i] = f"day 0 {d0.date()} is after the last return on {grid[last[firm[i]]].date()}"
        else:
            out[i] = f"missing return on day 0 {d0.date()}"
    return out


def _fit_problems(reasons, est, first, firm, grid, firm_names, estimation, gap, min_obs):
    """Add the estimation problems (too few returns, zero variance, singular factors)."""
    out = reasons.copy()
    span = f"[{-gap - estimation}, {-gap - 1}]"
    for i in np.flatnonzero(est.status > 0):
        f = firm[i]
        tk = firm_names[f]
        if est.status[i] == 1:
            out[i] = (
                f"only {int(est.nobs[i])} complete estimation returns in {span} (first {tk} "
                f"return on {grid[first[f]].date()}); at least {min_obs} are required"
            )
        elif est.status[i] == 2:
            out[i] = (
                f"the estimation residuals in {span} have zero variance (returns constant, "
                "or an exact linear function of the factors): no test statistic is "
                "meaningful"
            )
        else:
            out[i] = (
                f"a factor is constant (or the factors are collinear) in {span}: the "
                "model cannot be fitted"
            )
    return out


def _groupings(ev: pd.DataFrame, fitted: np.ndarray) -> list[_engine.Grouping]:
    """all, firm vs market scope, event type, ticker (labels sorted; fitted events only)."""
    scope = np.where(ev["parent_id"].to_numpy() == ev["event_id"].to_numpy(), "firm", "market")
    keys = {
        "scope": scope,
        "event_type": ev["event_type"].astype(str).to_numpy(),
        "ticker": ev["ticker"].astype(str).to_numpy(),
    }
    out = [_engine.Grouping("all", ("all",), np.where(fitted, 0, -1))]
    for name, vals in keys.items():
        labels = tuple(sorted(set(vals[fitted].tolist())))
        codes = pd.Index(labels).get_indexer(vals) if labels else np.full(len(vals), -1)
        out.append(_engine.Grouping(name, labels, np.where(fitted, codes, -1)))
    return out
