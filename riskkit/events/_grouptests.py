"""Grouped (cross-event) tests of an event study, per group and window.

Groups: every estimated event (``all``), firm vs market-wide events (``scope``), each
``event_type`` and each ``ticker``. The
statistics themselves are in :mod:`riskkit.events.stats` (textbook) and
:mod:`riskkit.events.estudy2`; this module lays the events out in event time (rows =
days relative to day 0) or calendar time and calls them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskkit.events import estudy2, stats

__all__ = ["TEST_COLUMNS", "EventData", "event_car", "group_tests"]

TEST_COLUMNS = [
    "group_by",
    "group",
    "window",
    "test",
    "estimate",
    "statistic",
    "p_value",
    "df",
    "n",
    "signif",
]


@dataclass(frozen=True)
class EventData:
    """Everything the grouped tests need about one estimated event (event time ``tau``)."""

    event_id: str
    ticker: str
    event_type: str
    scope: str  # "firm" (a firm's own event) or "market" (an expanded MKT event)
    day0: pd.Timestamp
    widened: bool
    taus: np.ndarray
    dates: pd.Series  # calendar date of each tau of the event window (NaT past the data)
    ar: pd.Series  # event-window ARs by tau
    ret: pd.Series
    expected: pd.Series
    x_window: np.ndarray | None
    resid_tau: pd.Series  # estimation residuals by tau (NaN = missing/excluded)
    resid_date: pd.Series  # the same residuals by calendar date
    market: tuple[pd.Series, pd.Series] | None  # market by tau: estimation range, window
    sigma2: float
    df: int
    nobs: int
    xtx_inv: np.ndarray | None


def event_car(ed: EventData, a: int, b: int) -> tuple[float, float, int]:
    """CAR, its prediction-error variance and length over ``[a, b]`` (widened if needed)."""
    if ed.widened and a <= 0 <= b:
        b += 1
    sel = (ed.taus >= a) & (ed.taus <= b)
    ar = ed.ar.to_numpy()[sel]
    if not np.isfinite(ar).all() or sel.sum() == 0:
        return float("nan"), float("nan"), int(sel.sum())
    xw = None if ed.x_window is None else ed.x_window[sel]
    var = stats.car_variance(ed.sigma2, ed.xtx_inv, xw, int(sel.sum()))
    return float(ar.sum()), var, int(sel.sum())


def _groups(data: Sequence[EventData]) -> list[tuple[str, str, list[EventData]]]:
    out: list[tuple[str, str, list[EventData]]] = [("all", "all", list(data))]
    for key in ("scope", "event_type", "ticker"):
        vals = sorted({getattr(d, key) for d in data})
        for v in vals:
            out.append((key, v, [d for d in data if getattr(d, key) == v]))
    return out


def _row(gb, g, win, test, est, res: stats.TestResult, n, signif=None) -> dict:
    return {
        "group_by": gb,
        "group": g,
        "window": f"[{win[0]},{win[1]}]",
        "test": test,
        "estimate": est,
        "statistic": res.statistic,
        "p_value": res.p_value,
        "df": res.df,
        "n": n,
        "signif": estudy2.significance(res.p_value) if signif is None else signif,
    }


def group_tests(
    data: Sequence[EventData],
    windows: Sequence[tuple[int, int]],
    *,
    conventions: str = "textbook",
    placebo: int = 0,
    seed: int = 0,
) -> pd.DataFrame:
    """Tidy frame of every grouped test per group and window.

    Textbook tests (``estimate`` = CAAR, the mean CAR): cross-sectional t, Patell Z, BMP,
    Kolari-Pynnönen adjusted BMP (residual correlation on common calendar dates),
    Corrado-Zivney rank, Cowan generalized sign, and, if ``placebo > 0``, a placebo
    p-value of the CAAR from random windows of the events' own estimation periods.

    ``conventions="estudy2"``: for a one-day window the twelve daily estudy2 tests
    (``estimate`` = AAR), for a longer window its three CAR tests (``estimate`` = the
    mean daily AAR, as estudy2 prints it). The nonparametric "full sample" is the
    estimation window plus the union of the event windows.
    """
    rows: list[dict] = []
    rng = np.random.default_rng(seed)
    if conventions == "estudy2":
        for gb, g, evs in _groups(data):
            e2: dict = {}  # this group's estudy2 inputs and daily tests, for every window
            for win in windows:
                rows.extend(_estudy2_rows(gb, g, evs, win, windows, e2))
    else:
        lay = _Layout(data)
        for gb, g, evs in _groups(data):
            corr: dict = {}  # this group's residual correlations, by the events tested
            for win in windows:
                rows.extend(_textbook_rows(gb, g, evs, win, placebo, rng, lay, corr))
    df = pd.DataFrame(rows, columns=TEST_COLUMNS)
    return df[np.isfinite(df["statistic"].astype(float))].reset_index(drop=True)


_I64_MAX = np.iinfo(np.int64).max
_I64_MIN = np.iinfo(np.int64).min


class _Layout:
    """Every event laid out once in event time (rows = taus, columns = events).

    Built once per :func:`group_tests` call and sliced by column for each group and by
    row for each window, instead of rebuilding DataFrames per group and window. Rows
    where no event of a group has a value are all-NaN for that group; the rank test and
    the generalized sign ignore such rows, so results equal those on the group's own
    rows.
    """

    def __init__(self, data: Sequence[EventData]) -> None:
        self.col = {id(d): j for j, d in enumerate(data)}
        n = len(data)
        idx = [np.asarray(d.resid_tau.index, dtype=np.int64) for d in data]
        idx += [np.asarray(d.ar.index, dtype=np.int64) for d in data]
        idx += [np.asarray(d.dates.index, dtype=np.int64) for d in data]
        grid = np.unique(np.concatenate(idx)) if idx else np.array([], dtype=np.int64)
        self.taus = grid
        self.est = np.full((grid.size, n), np.nan)  # estimation residuals by tau
        self.in_est = np.zeros((grid.size, n), dtype=bool)  # tau in the residuals' index
        self.ar = np.full((grid.size, n), np.nan)  # event-window ARs by tau
        self.dates = np.full((grid.size, n), _I64_MAX, dtype=np.int64)  # ns since epoch
        self.has_date = np.zeros((grid.size, n), dtype=bool)
        for j, d in enumerate(data):
            r = np.searchsorted(grid, np.asarray(d.resid_tau.index, dtype=np.int64))
            self.est[r, j] = d.resid_tau.to_numpy(dtype=float)
            self.in_est[r, j] = True
            r = np.searchsorted(grid, np.asarray(d.ar.index, dtype=np.int64))
            self.ar[r, j] = d.ar.to_numpy(dtype=float)
            r = np.searchsorted(grid, np.asarray(d.dates.index, dtype=np.int64))
            dt = d.dates.to_numpy(dtype="datetime64[ns]")
            ok = ~np.isnat(dt)
            self.dates[r[ok], j] = dt[ok].view(np.int64)
            self.has_date[r[ok], j] = True
        self._calendar(data)
        self.cars: dict[tuple[int, int, int], tuple[float, float, int]] = {}
        self.spans: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.blocks: dict[tuple[int, int], np.ndarray] = {}

    def _calendar(self, data: Sequence[EventData]) -> None:
        """Estimation residuals by calendar date (rows: sorted union of the dates)."""
        idx = [d.resid_date.index for d in data]
        self.cal: np.ndarray | None = None
        if not idx or not all(
            isinstance(i, pd.DatetimeIndex)
            and i.dtype == idx[0].dtype
            and i.is_monotonic_increasing
            and i.is_unique
            for i in idx
        ):
            return  # unusual input: calendar_resid builds each group's frame instead
        keys = [i.to_numpy().view(np.int64) for i in idx]
        grid = np.unique(np.concatenate(keys))
        self.cal = np.full((grid.size, len(data)), np.nan, order="F")
        self.in_cal = np.zeros((grid.size, len(data)), dtype=bool, order="F")
        for j, (k, d) in enumerate(zip(keys, data, strict=True)):
            r = np.searchsorted(grid, k)
            self.cal[r, j] = d.resid_date.to_numpy(dtype=float)
            self.in_cal[r, j] = True

    def calendar_resid(self, ds: Sequence[EventData], cols: np.ndarray) -> np.ndarray:
        """``D x N`` residuals of events ``ds`` on the union of their estimation dates.

        The same array (values, row order, Fortran layout) as
        ``pd.DataFrame({d.event_id: d.resid_date for d in ds}).to_numpy()``, without
        aligning the Series again for every group.
        """
        if self.cal is None:
            return pd.DataFrame({d.event_id: d.resid_date for d in ds}).to_numpy()
        rows = np.flatnonzero(self.in_cal[:, cols].any(axis=1))
        return np.asfortranarray(self.cal[np.ix_(rows, cols)])

    def car(self, d: EventData, a: int, b: int) -> tuple[float, float, int]:
        """:func:`event_car`, computed once per event and window."""
        key = (self.col[id(d)], a, b)
        if key not in self.cars:
            self.cars[key] = event_car(d, a, b)
        return self.cars[key]

    def clustered(self, cols: np.ndarray, a: int, b: int) -> np.ndarray:
        """True where two events' windows ``[a, b]`` share a calendar date."""
        if (a, b) not in self.spans:
            rows = (self.taus >= a) & (self.taus <= b)
            has, v = self.has_date[rows], self.dates[rows]
            lo = np.where(has, v, _I64_MAX).min(axis=0, initial=_I64_MAX)
            hi = np.where(has, v, _I64_MIN).max(axis=0, initial=_I64_MIN)
            self.spans[(a, b)] = (lo, hi, np.asarray(has.any(axis=0)))
        lo, hi, valid = (x[cols] for x in self.spans[(a, b)])
        out = (lo[:, None] <= hi[None, :]) & (lo[None, :] <= hi[:, None])
        return out & valid[:, None] & valid[None, :]

    def rank_matrix(self, cols: np.ndarray, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Estimation residuals with the window ``[a, b]``'s ARs, and the window's rows."""
        win = (self.taus >= a) & (self.taus <= b)
        est = self.est[:, cols]
        mat = np.where(self.in_est[:, cols], est, np.where(win[:, None], self.ar[:, cols], np.nan))
        return mat, np.flatnonzero(win)

    def placebo_blocks(self, d: EventData, length: int) -> np.ndarray:
        """Finite sums of ``length`` consecutive estimation residuals of one event."""
        key = (self.col[id(d)], length)
        if key not in self.blocks:
            r = d.resid_tau.to_numpy()
            blocks = np.convolve(r, np.ones(length), mode="valid")
            self.blocks[key] = blocks[np.isfinite(blocks)]
        return self.blocks[key]


def _textbook_rows(gb, g, evs, win, placebo, rng, lay: _Layout, corr: dict) -> list[dict]:
    a, b = win
    car_info = [(d, *lay.car(d, a, b)) for d in evs]
    car_info = [c for c in car_info if np.isfinite(c[1]) and c[2] > 0]
    if not car_info:
        return []
    ds = [c[0] for c in car_info]
    cols = np.array([lay.col[id(d)] for d in ds], dtype=np.intp)
    cars = np.array([c[1] for c in car_info])
    scars = cars / np.sqrt([c[2] for c in car_info])
    dfs = np.array([d.df for d in ds], dtype=float)
    n = len(ds)
    caar = float(cars.mean())
    out = [
        _row(gb, g, win, "cross_sectional_t", caar, stats.cross_sectional_t(cars), n),
        _row(gb, g, win, "patell_z", caar, stats.patell_z(scars, dfs), n),
        _row(gb, g, win, "bmp", caar, stats.bmp_t(scars), n),
    ]
    key = tuple(cols.tolist())
    if key not in corr:  # depends on the events' residuals only, not on the window
        corr[key] = (
            stats.pairwise_correlations(lay.calendar_resid(ds, cols))
            if n >= 2
            else np.zeros((n, n))
        )
    rbar = stats.mean_of_pairs(corr[key], clustered=lay.clustered(cols, a, b))
    kp = stats.kolari_pynnonen(scars, rbar)
    out.append(_row(gb, g, win, "kolari_pynnonen", caar, kp, n))
    b_rank = b + 1 if all(d.widened for d in ds) and a <= 0 <= b else b
    mat, rows_w = lay.rank_matrix(cols, a, b_rank)
    out.append(_row(gb, g, win, "rank_cz", caar, stats.rank_test(mat, rows_w), n))
    est = lay.est[:, cols]
    out.append(_row(gb, g, win, "generalized_sign", caar, stats.generalized_sign(cars, est), n))
    if placebo > 0:
        lengths = [c[3] for c in car_info]
        draws = _placebo_draws(ds, lengths, placebo, rng, lay)
        out.append(_row(gb, g, win, "placebo", caar, stats.placebo_pvalue(caar, draws), n))
    return out


def _placebo_draws(ds, lengths, n_draws, rng, lay: _Layout) -> np.ndarray:
    """Mean CAR over random same-length windows of each event's estimation residuals."""
    sums = []
    for d, length in zip(ds, lengths, strict=True):
        blocks = lay.placebo_blocks(d, length)
        if blocks.size == 0:
            return np.array([])
        sums.append(rng.choice(blocks, size=n_draws, replace=True))
    return np.mean(np.vstack(sums), axis=0)


def _estudy2_arrays(evs, a_min, b_max):
    """A group's estudy2 inputs as plain arrays, columns = events ``evs`` in order.

    Returns ``taus`` (the event-window rows, ``a_min <= tau <= b_max``), ``est`` and
    ``evt`` (estimation residuals and event-window ARs by tau, ``NaN`` = missing),
    ``rm_est`` and ``rm_evt`` (each event's market return on the same rows) and ``m_ols``
    (each event's OLS sample size). Pandas only aligns each event's Series on the union
    of the taus; everything downstream is numpy. Every event must have ``market`` set
    (:func:`_estudy2_rows` checks).
    """
    ids = [d.event_id for d in evs]
    est = pd.DataFrame({d.event_id: d.resid_tau for d in evs}).sort_index()
    evt = pd.DataFrame({d.event_id: d.ar for d in evs}).sort_index()
    evt = evt[(evt.index >= a_min) & (evt.index <= b_max)]
    rm_est = pd.DataFrame({d.event_id: d.market[0] for d in evs}).reindex(est.index)[ids]
    rm_evt = pd.DataFrame({d.event_id: d.market[1] for d in evs}).reindex(evt.index)[ids]
    m_ols = np.array([d.nobs for d in evs], dtype=float)
    taus = np.asarray(evt.index, dtype=np.int64)
    return (
        taus,
        est.to_numpy(dtype=float),
        evt.to_numpy(dtype=float),
        rm_est.to_numpy(dtype=float),
        rm_evt.to_numpy(dtype=float),
        m_ols,
    )


_E2_DAILY = ["bw_1980", "bw_1985", "t_test", "pt", "bh", "lmb"]
_E2_NONPAR = ["sign", "gsign", "csign", "rank", "mrank"]


def _estudy2_rows(gb, g, evs, win, windows, cache: dict) -> list[dict]:
    """estudy2 rows of one group and window; ``cache`` holds the group's inputs and daily
    tests (they do not depend on the window) across its windows.

    One-day window ``[a, a]``: the twelve daily tests on row ``tau = a``. Their
    nonparametric full sample is the estimation rows plus every row from the first to
    the last day of all requested windows. Longer window: the three CAR tests on the
    window's own rows only (:func:`estudy2.car_tests` ranks over the estimation rows plus
    these rows and drops the days covered by 90% or fewer of the group's events).
    """
    if not evs or any(d.market is None for d in evs):
        return []
    if "arrays" not in cache:
        a_min = min(w[0] for w in windows)
        b_max = max(w[1] for w in windows)
        cache["arrays"] = _estudy2_arrays(evs, a_min, b_max)
    taus, est, evt, rm_est, rm_evt, m_ols = cache["arrays"]
    n = len(evs)
    a, b = win
    if a == b:
        hit = np.flatnonzero(taus == a)
        if hit.size == 0:
            return []
        i = int(hit[0])  # the row of day a
        if "daily" not in cache:  # every row at once, shared by the one-day windows
            cache["daily"] = (
                estudy2.parametric_tests(est, evt, rm_est, rm_evt, m_ols),
                estudy2.nonparametric_tests(est, evt),
            )
        par, non = cache["daily"]
        aar = float(par["mean"][i])
        out = []
        for name in _E2_DAILY:
            res = stats.TestResult(
                float(par[f"{name}_stat"][i]),
                float(par[f"{name}_p"][i]),
                float(par[f"{name}_df"][i]),
            )
            out.append(_row(gb, g, win, name, aar, res, n))
        for name in _E2_NONPAR:
            res = stats.TestResult(
                float(non[f"{name}_stat"][i]), float(non[f"{name}_p"][i]), float("inf")
            )
            out.append(_row(gb, g, win, name, aar, res, n))
        w = stats.TestResult(float(non["wlcx_stat"][i]), float("nan"), float("nan"))
        out.append(_row(gb, g, win, "wlcx", aar, w, n, signif=str(non["wlcx_signif"][i])))
        return out
    # The rows of this window; car_tests ignores every other row of evt.
    days = np.flatnonzero((taus >= a) & (taus <= b))
    res_car = estudy2.car_tests(est, evt, rm_est, rm_evt, m_ols, days=days)
    out = []
    for name, r in res_car.items():
        tr = stats.TestResult(r["statistic"], r["p_value"], float("inf"))
        # estudy2 prints no car_mean for the rank test: show the mean AAR of the kept days.
        est_val = r["car_mean"] if np.isfinite(r["car_mean"]) else res_car["car_lamb"]["car_mean"]
        out.append(_row(gb, g, win, name, est_val, tr, n))
    return out
