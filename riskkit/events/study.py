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
from typing import Literal

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit._validation import check_timeseries, warn
from riskkit.events import stats
from riskkit.events._grouptests import EventData, group_tests
from riskkit.events._inputs import check_count, check_windows, session_dates
from riskkit.events.catalog import (
    assign_day0,
    expand_market_events,
    find_overlaps,
    load_events,
)
from riskkit.events.models import MODELS, factor_columns, fit_model
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
        Seed of the placebo draws.

    Returns
    -------
    EventStudyResult

    Raises
    ------
    DataError
        Bad events, windows, model or factors. Events that cannot be estimated are not an
        error: they are skipped, listed in ``result.skipped`` and warned about.

    Notes
    -----
    Per event ``i`` and window ``W`` of ``L`` days: ``AR_it = R_it - X_it b_i``,
    ``CAR_i = sum_W AR_it``, ``Var(CAR_i) = s_i^2 (L + g'(X'X)^{-1} g)`` with
    ``g = sum_W X_it`` (MacKinlay 1997), ``s_i^2 = e'e / (M_i - k)``; ``t_i = CAR_i /
    sqrt(Var)``, Student t with ``M_i - k`` df. ``BHAR_i = prod(1 + R) - prod(1 + X b)``.
    Grouped tests: see :func:`riskkit.events._grouptests.group_tests`.

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
    firms = list(universe) if universe is not None else list(rets.columns)
    unknown = sorted(set(firms) - set(rets.columns))
    if unknown:
        raise DataError(f"universe has ticker(s) {unknown} not in returns {list(rets.columns)}.")
    ev = expand_market_events(ev, firms)
    ev = assign_day0(ev, None if calendar == "XNYS" else grid)
    a_min = min(a for a, _ in wins)
    b_nom = max(b for _, b in wins)  # an unknown-timing event widens its own window only
    b_max = b_nom + int(ev["widened"].any())
    overlaps = find_overlaps(ev, grid, estimation=estimation, gap=gap, window=(a_min, b_nom))

    data: list[EventData] = []
    skipped: list[tuple[str, str, str, str]] = []
    rows: list[dict] = []
    params_rows: list[dict] = []
    pos_of = {d: i for i, d in enumerate(grid)}
    # loop invariants, taken once: factor columns, each ticker's returns and event days
    fx_all = facs[fcols] if (fcols and facs is not None) else None
    series: dict = {}
    day0s = _day0_by_ticker(ev) if overlap == "exclude" else {}
    for _, e in ev.iterrows():
        eid, tk, d0 = e["event_id"], e["ticker"], e["day0"]
        if tk not in series:
            series[tk] = rets[tk]
        y = series[tk]
        reason = _day0_problem(y, d0, pos_of)
        if reason:
            skipped.append((eid, tk, str(pd.Timestamp(e["date"]).date()), reason))
            continue
        p0 = pos_of[d0]
        lo, hi = max(0, p0 - gap - estimation), p0 - gap - 1
        est_pos = np.arange(lo, hi + 1)
        if overlap == "exclude":
            est_pos = _exclude_other_windows(est_pos, eid, day0s[tk], pos_of, a_min, b_nom)
        est_idx = grid[est_pos]
        xf = fx_all.loc[est_idx] if fx_all is not None else pd.DataFrame(index=est_idx)
        complete = _complete_rows(y, xf, est_idx, est_pos, grid)
        fit = fit_model(y.loc[est_idx], xf, model) if complete >= min_estimation_obs else None
        if fit is None:
            first = y.first_valid_index()
            skipped.append(
                (
                    eid,
                    tk,
                    str(pd.Timestamp(e["date"]).date()),
                    f"only {complete} complete estimation returns in [{-gap - estimation}, "
                    f"{-gap - 1}] (first {tk} return on {pd.Timestamp(first).date()}); "
                    f"min_estimation_obs={min_estimation_obs}",
                )
            )
            continue
        widened = bool(e["widened"])
        ed = _event_data(e, fit, y, facs, fx_all, fcols, grid, p0, est_pos, a_min, b_max)
        data.append(ed)
        params_rows.append(
            {
                "event_id": eid,
                "ticker": tk,
                "day0": d0,
                **fit.params,
                "sigma": float(np.sqrt(fit.sigma2)),
                "nobs": fit.nobs,
                "df_resid": fit.df_resid,
                "estimation_start": est_idx[0],
                "estimation_end": est_idx[-1],
            }
        )
        for a, b in wins:
            rows.append(_window_row(ed, fit, a, b + int(widened and a <= 0 <= b), (a, b)))

    skipped_df = pd.DataFrame(skipped, columns=["event_id", "ticker", "date", "reason"])
    for r in skipped:
        warn(f"event {r[0]} ({r[1]}, {r[2]}) skipped: {r[3]}", stacklevel=2)
    cars = pd.DataFrame(rows)
    params = pd.DataFrame(params_rows)
    if not cars.empty:
        cars = cars.merge(params.drop(columns=["ticker", "day0"]), on="event_id", how="left")
    tests = group_tests(data, wins, conventions=conventions, placebo=placebo, seed=seed)
    ar = pd.DataFrame({d.event_id: d.ar for d in data})
    ar.index.name = "tau"
    evt_out = ev.copy()
    evt_out["status"] = np.where(
        evt_out["event_id"].isin(skipped_df["event_id"]), "skipped", "estimated"
    )
    notes = list(prep.notes)
    if len(overlaps):
        verb = "excluded from" if overlap == "exclude" else "kept in"
        n_est = int((overlaps["kind"] == "in_estimation_window").sum())
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
        test_table=tests,
        skipped=skipped_df,
        overlaps=overlaps,
        notes=tuple(notes),
    )


def _day0_problem(y: pd.Series, d0: pd.Timestamp, pos_of: dict) -> str:
    if pd.isna(d0):
        return "day 0 falls after the last date of the returns"
    if d0 not in pos_of:
        return f"day 0 {d0.date()} is not a date of the returns (holiday or missing row)"
    if pd.isna(y.loc[d0]):
        first = pd.Timestamp(y.first_valid_index())  # type: ignore[arg-type]
        if pd.isna(first):
            return "the ticker has no returns at all"
        if d0 < first:
            return (
                f"day 0 {d0.date()} is before the first return on {pd.Timestamp(first).date()} "
                "(before listing)"
            )
        last = pd.Timestamp(y.last_valid_index())  # type: ignore[arg-type]
        if d0 > last:
            return f"day 0 {d0.date()} is after the last return on {pd.Timestamp(last).date()}"
        return f"missing return on day 0 {d0.date()}"
    return ""


def _complete_rows(y, xf, est_idx, est_pos, grid) -> int:
    """Estimation dates with the return and every factor present."""
    if not grid.is_unique:  # labels may repeat: align as pandas does
        return int(pd.concat([y.loc[est_idx], xf], axis=1).notna().all(axis=1).sum())
    y_ok = pd.notna(y.to_numpy()[est_pos])  # y is indexed by grid: positions = labels
    return int((y_ok & xf.notna().all(axis=1).to_numpy()).sum())


def _day0_by_ticker(ev: pd.DataFrame) -> dict[str, list[tuple[str, pd.Timestamp, bool]]]:
    """``(event_id, day0, widened)`` of every event, by ticker (in catalog order)."""
    out: dict[str, list[tuple[str, pd.Timestamp, bool]]] = {}
    for eid, tk, d0, w in zip(ev["event_id"], ev["ticker"], ev["day0"], ev["widened"], strict=True):
        out.setdefault(tk, []).append((eid, d0, bool(w)))
    return out


def _exclude_other_windows(est_pos, eid, same_ticker, pos_of, a_min, b_max):
    """Drop the windows ``[a_min, b_max]`` of the ticker's other events from ``est_pos``;
    an unknown-timing event's own window reaches one session further."""
    others = [(d, w) for other, d, w in same_ticker if other != eid]
    drop: set[int] = set()
    for d, w in others:
        if pd.notna(d) and d in pos_of:
            p = pos_of[d]
            drop.update(range(p + a_min, p + b_max + int(w) + 1))
    return np.array([p for p in est_pos if p not in drop], dtype=int)


def _event_data(e, fit, y, facs, fx_all, fcols, grid, p0, est_pos, a_min, b_max) -> EventData:
    taus = np.arange(a_min, b_max + 1)
    pos = p0 + taus
    ok = pos < len(grid)
    ret = np.full(taus.size, np.nan)
    exp = np.full(taus.size, np.nan)
    xwin = None
    if ok.any():
        idx = grid[pos[ok]]
        # y (and usually fx_all) is indexed by grid: positions are then the labels
        by_pos = grid.is_unique
        ret[ok] = y.to_numpy(dtype=float)[pos[ok]] if by_pos else y.loc[idx].to_numpy(float)
        if not fcols:
            fx = pd.DataFrame(index=idx)
        elif by_pos and fx_all.index.equals(grid):
            fx = fx_all.iloc[pos[ok]]
        else:
            fx = fx_all.loc[idx]
        exp[ok] = fit.expected(fx)
        xw = fit.design(fx)
        if xw is not None:
            xwin = np.full((taus.size, xw.shape[1]), np.nan)
            xwin[ok] = xw
    est_tau = np.asarray(est_pos) - p0
    resid_tau = pd.Series(np.nan, index=np.arange(est_tau.min(), est_tau.max() + 1))
    res_loc = grid.get_indexer(fit.resid.index) if grid.is_unique else np.array([-1])
    if (res_loc < 0).any():  # not a unique date of the grid: get_loc says what is wrong
        res_loc = np.array([grid.get_loc(d) for d in fit.resid.index], dtype=int)
    res_pos = res_loc.astype(int) - p0
    lo_tau = int(est_tau.min())
    if res_pos.size and res_pos.min() >= lo_tau and res_pos.max() <= est_tau.max():
        vals = resid_tau.to_numpy(copy=True)
        vals[res_pos - lo_tau] = fit.resid.to_numpy()
        resid_tau = pd.Series(vals, index=resid_tau.index)
    else:
        resid_tau.loc[res_pos] = fit.resid.to_numpy()
    mkt_tau = None
    if fcols:
        all_est = np.arange(max(0, p0 + est_tau.min()), p0 + est_tau.max() + 1)
        m_est = facs[fcols[0]].iloc[all_est]
        mkt_tau = (
            pd.Series(m_est.to_numpy(dtype=float), index=np.asarray(all_est) - p0),
            pd.Series(facs[fcols[0]].reindex(grid[pos[ok]]).to_numpy(dtype=float), index=taus[ok]),
        )
    tau_index = pd.Index(taus)  # one index object shared by the window Series
    return EventData(
        event_id=e["event_id"],
        ticker=e["ticker"],
        event_type=str(e["event_type"]),
        scope="firm" if e["parent_id"] == e["event_id"] else "market",
        day0=e["day0"],
        widened=bool(e["widened"]),
        taus=taus,
        dates=_window_dates(grid, pos, tau_index),
        ar=pd.Series(ret - exp, index=tau_index),
        ret=pd.Series(ret, index=tau_index),
        expected=pd.Series(exp, index=tau_index),
        x_window=xwin,
        resid_tau=resid_tau,
        resid_date=fit.resid,
        market=mkt_tau,
        sigma2=fit.sigma2,
        df=fit.df_resid,
        nobs=fit.nobs,
        xtx_inv=fit.xtx_inv,
    )


def _window_dates(grid: pd.DatetimeIndex, pos: np.ndarray, taus: pd.Index) -> pd.Series:
    """Calendar date of each grid position ``pos`` (NaT past the end), indexed by tau."""
    if grid.tz is not None:  # tz-aware grid: convert element by element, as before
        vals = [grid[q] if q < len(grid) else pd.NaT for q in pos]
        return pd.Series(vals, index=taus, dtype="datetime64[ns]")
    out = np.full(pos.size, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = pos < len(grid)
    out[ok] = grid.to_numpy()[pos[ok]].astype("datetime64[ns]")
    return pd.Series(out, index=taus)


def _window_row(ed: EventData, fit, a: int, b: int, nominal: tuple[int, int]) -> dict:
    sel = (ed.taus >= a) & (ed.taus <= b)
    ar = ed.ar.to_numpy()[sel]
    length = int(sel.sum())
    row = {
        "event_id": ed.event_id,
        "ticker": ed.ticker,
        "event_type": ed.event_type,
        "day0": ed.day0,
        "window": f"[{nominal[0]},{nominal[1]}]",
        "window_used": f"[{a},{b}]",
        "widened": ed.widened,
    }
    if not np.isfinite(ar).all():
        row.update(
            car=np.nan,
            car_se=np.nan,
            t=np.nan,
            p=np.nan,
            df=np.nan,
            bhar=np.nan,
            ghk_p=np.nan,
            note="missing return or factor in the window (or past the data end)",
        )
        return row
    car = float(ar.sum())
    xw = None if ed.x_window is None else ed.x_window[sel]
    var = stats.car_variance(ed.sigma2, ed.xtx_inv, xw, length)
    t = stats.per_event_t(car, var, ed.df)
    r = ed.ret.to_numpy()[sel]
    ex = ed.expected.to_numpy()[sel]
    bhar = float(np.prod(1 + r) - np.prod(1 + ex))
    ghk = stats.ghk_quantile_test(car, ed.resid_tau.to_numpy(), length)
    row.update(
        car=car,
        car_se=float(np.sqrt(var)),
        t=t.statistic,
        p=t.p_value,
        df=t.df,
        bhar=bhar,
        ghk_p=ghk.p_value,
        note="",
    )
    return row
