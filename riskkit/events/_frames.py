"""Labelled frames of an event study, built from the engine's arrays in one pass each.

:func:`cars_frame` (one row per event and window), :func:`params_frame` (one row per
event), :func:`ar_frame` (event-time abnormal returns) and :func:`event_data` (the
per-event objects the estudy2 conventions read). Positions: ``idx`` are the rows of the
estimated events in the engine's arrays, in catalog order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from riskkit.events._engine import Estimates
from riskkit.events._grouptests import EventData

__all__ = ["ar_frame", "cars_frame", "event_data", "params_frame"]

_NOTE = "missing return or factor in the window (or past the data end)"


def params_frame(
    est: Estimates,
    idx: np.ndarray,
    ev: pd.DataFrame,
    grid: pd.DatetimeIndex,
    names: Sequence[str],
) -> pd.DataFrame:
    """Per event: model parameters, ``sigma``, ``nobs``, ``df_resid``, estimation dates."""
    out = {
        "event_id": ev["event_id"].to_numpy()[idx],
        "ticker": ev["ticker"].to_numpy()[idx],
        "day0": ev["day0"].to_numpy()[idx],
    }
    for c, name in enumerate(names):
        out[name] = est.params[idx, c]
    out["sigma"] = np.sqrt(est.sigma2[idx])
    out["nobs"] = est.nobs[idx].astype(int)
    out["df_resid"] = est.df[idx].astype(int)
    out["estimation_start"] = grid[est.base[idx] + est.first[idx]]
    out["estimation_end"] = grid[est.base[idx] + est.last[idx]]
    if len(idx) == 0:
        return pd.DataFrame(columns=list(out))
    return pd.DataFrame(out)


def cars_frame(
    est: Estimates, idx: np.ndarray, ev: pd.DataFrame, params: pd.DataFrame
) -> pd.DataFrame:
    """One row per estimated event and window, then the event's parameters."""
    n_w = len(est.windows)
    rep = np.repeat(idx, n_w)  # event-major, windows inner (the catalog order)
    w_of = np.tile(np.arange(n_w), len(idx))

    def per_window(field: str) -> np.ndarray:
        vals = np.vstack([getattr(w, field)[idx] for w in est.windows])  # W x n
        return vals.T.reshape(-1)

    car = per_window("car")
    finite = np.isfinite(car)
    var = per_window("var")
    labels = np.array([f"[{w.a},{w.b}]" for w in est.windows], dtype=object)
    b_used = per_window("b_used")
    a_of = np.array([w.a for w in est.windows])[w_of]
    with np.errstate(invalid="ignore"):
        car_se = np.sqrt(var)
    frame = pd.DataFrame(
        {
            "event_id": ev["event_id"].to_numpy()[rep],
            "ticker": ev["ticker"].to_numpy()[rep],
            "event_type": ev["event_type"].astype(str).to_numpy()[rep],
            "day0": ev["day0"].to_numpy()[rep],
            "window": labels[w_of],
            "window_used": [f"[{a},{b}]" for a, b in zip(a_of, b_used, strict=True)],
            "widened": ev["widened"].astype(bool).to_numpy()[rep],
            "car": car,
            "car_se": np.where(finite, car_se, np.nan),
            "t": per_window("t"),
            "p": per_window("p"),
            "df": per_window("df"),
            "bhar": per_window("bhar"),
            "ghk_p": per_window("ghk_p"),
            "note": np.where(finite, "", _NOTE),
        }
    )
    if frame.empty:
        return pd.DataFrame()
    extra = params.drop(columns=["event_id", "ticker", "day0"])
    extra = extra.loc[extra.index.repeat(n_w)].reset_index(drop=True)
    return pd.concat([frame, extra], axis=1)


def ar_frame(est: Estimates, idx: np.ndarray, ev: pd.DataFrame) -> pd.DataFrame:
    """Event-time abnormal returns: index ``tau``, one column per estimated event."""
    if len(idx) == 0:
        out = pd.DataFrame()
    else:
        out = pd.DataFrame(
            est.ar[idx].T, index=pd.Index(est.taus), columns=ev["event_id"].to_numpy()[idx]
        )
    out.index.name = "tau"
    return out


def event_data(
    est: Estimates,
    idx: np.ndarray,
    ev: pd.DataFrame,
    grid: pd.DatetimeIndex,
    market: np.ndarray | None,
) -> list[EventData]:
    """The per-event objects of the estudy2 conventions (few events: built one by one)."""
    out = []
    taus = pd.Index(est.taus)
    n_rows = est.n_rows
    for i in idx:
        e = ev.iloc[int(i)]
        first, last = int(est.first[i]), int(est.last[i])
        tau0 = est.row0
        r_slots = est.resid[i, first : last + 1]
        resid_tau = pd.Series(r_slots, index=np.arange(first, last + 1) + tau0)
        rows = est.base[i] + np.arange(first, last + 1)
        keep = np.isfinite(r_slots)
        resid_date = pd.Series(r_slots[keep], index=grid[rows[keep]])
        pos = est.p0[i] + est.taus
        ok = pos < n_rows
        dates = np.full(pos.size, np.datetime64("NaT"), dtype="datetime64[ns]")
        dates[ok] = grid.to_numpy()[pos[ok]].astype("datetime64[ns]")
        mkt = None
        if market is not None:
            lo = max(0, int(rows[0]))
            m_rows = np.arange(lo, int(rows[-1]) + 1)
            mkt = (
                pd.Series(market[m_rows], index=m_rows - est.p0[i]),
                pd.Series(market[pos[ok]], index=est.taus[ok]),
            )
        out.append(
            EventData(
                event_id=e["event_id"],
                ticker=e["ticker"],
                event_type=str(e["event_type"]),
                scope="firm" if e["parent_id"] == e["event_id"] else "market",
                day0=e["day0"],
                widened=bool(e["widened"]),
                taus=est.taus,
                dates=pd.Series(dates, index=taus),
                ar=pd.Series(est.ar[i], index=taus),
                ret=pd.Series(est.ret[i], index=taus),
                expected=pd.Series(est.expected[i], index=taus),
                x_window=None,
                resid_tau=resid_tau,
                resid_date=resid_date,
                market=mkt,
                sigma2=float(est.sigma2[i]),
                df=int(est.df[i]),
                nobs=int(est.nobs[i]),
                xtx_inv=None,
            )
        )
    return out
