"""The estudy2 conventions' grouped tests, per group and window, on per-event objects.

Groups: every estimated event (``all``), firm vs market-wide events (``scope``), each
``event_type`` and each ``ticker``. The statistics are in :mod:`riskkit.events.estudy2`;
this module lays a group's events out in event time (rows = days relative to day 0) and
calls them. The textbook tests run vectorised in :mod:`riskkit.events._engine`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskkit.events import estudy2, stats

__all__ = ["TEST_COLUMNS", "EventData", "estudy2_tests"]

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


def estudy2_tests(data: Sequence[EventData], windows: Sequence[tuple[int, int]]) -> pd.DataFrame:
    """Tidy frame of the estudy2 grouped tests per group and window.

    For a one-day window the twelve daily estudy2 tests (``estimate`` = AAR), for a longer
    window its three CAR tests (``estimate`` = the mean daily AAR, as estudy2 prints it).
    The daily nonparametric "full sample" is the estimation window plus the span from the
    first to the last day of the requested windows; each CAR test ranks over the
    estimation window plus its own window only (as estudy2 does). The textbook tests are
    in :func:`riskkit.events._engine.textbook_tests`.
    """
    rows: list[dict] = []
    for gb, g, evs in _groups(data):
        e2: dict = {}  # this group's estudy2 inputs and daily tests, for every window
        for win in windows:
            rows.extend(_estudy2_rows(gb, g, evs, win, windows, e2))
    df = pd.DataFrame(rows, columns=TEST_COLUMNS)
    return df[np.isfinite(df["statistic"].astype(float))].reset_index(drop=True)


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
