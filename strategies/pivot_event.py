"""Pivot-event family: trade the catalog's announcements from the first tradable open.

Signals only. For each event the decision is placed on the bar *before* the fill, so the
engine's next-open rule fills it at the right open:

- direction by event type (``direction="type"``): the news is known at its timestamp.
  Pre-market news is traded at that day's open; news during the session, after the close
  or at an unknown hour at the first open strictly after the news date (for ``unknown``
  the conservative choice: the news may have come after the close).
- direction by the day-0 reaction (``"reaction"`` to follow it, ``"reversal"`` to fade
  it): the reaction is known only at day 0's close, so the entry is the next open.

The position is held ``hold`` sessions (exit decision at the close of the ``hold``-th
session, filled at the next open) unless a stop or target fires first. Decisions use the
event timestamp and, for the reaction, closes up to day 0: nothing after the decision.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.backtest.signals import Signals

__all__ = [
    "DEFAULT_TYPE_SIDES",
    "hedge_betas",
    "pivot_event_plan",
    "pivot_event_signals",
    "pivot_ticker_signals",
]

#: Side by event type: +1 long, -1 short, 0 not traded. Earnings and "other" carry no
#: directional prior, so they are not traded by type.
DEFAULT_TYPE_SIDES = {"ai_pivot": 1, "hpc_contract": 1, "m_and_a": 1, "earnings": 0, "other": 0}
Direction = Literal["type", "reaction", "reversal"]


def pivot_event_plan(
    bars: pd.DataFrame,
    events: pd.DataFrame,
    *,
    hold: int = 5,
    direction: Direction = "type",
    type_sides: dict[str, int] | None = None,
) -> pd.DataFrame:
    """One row per event of one ticker: decision bar, entry session, side, exit decision.

    Parameters
    ----------
    bars
        Open/high/low/close of the event's ticker (sessions).
    events
        Events of that ticker with ``event_id``, ``date``, ``timing``, ``event_type`` and
        ``day0`` (:func:`riskkit.events.assign_day0`).
    hold
        Sessions held after the entry open.
    direction
        ``"type"``, ``"reaction"`` or ``"reversal"`` (see module doc).
    type_sides
        Side per event type for ``direction="type"`` (default :data:`DEFAULT_TYPE_SIDES`).

    Returns
    -------
    DataFrame
        Indexed by ``event_id``: ``entry_session``, ``decision_date``,
        ``exit_decision_date``, ``side`` (+1/-1), ``reaction`` (day-0 close-to-close
        return, NaN when not used), and ``dropped`` (the reason an event is not traded,
        empty when traded).

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.bdate_range("2025-11-10", periods=8)
    >>> b = pd.DataFrame({"open": 10.0, "high": 11.0, "low": 9.0, "close": 10.0}, index=idx)
    >>> ev = pd.DataFrame({"event_id": ["e"], "date": [pd.Timestamp("2025-11-12")],
    ...     "timing": ["after close"], "event_type": ["ai_pivot"],
    ...     "day0": [pd.Timestamp("2025-11-13")]})
    >>> p = pivot_event_plan(b, ev, hold=2)
    >>> str(p.loc["e", "entry_session"].date()), str(p.loc["e", "decision_date"].date())
    ('2025-11-13', '2025-11-12')
    """
    if hold < 1:
        raise DataError(f"hold={hold!r} must be a positive number of sessions.")
    if direction not in ("type", "reaction", "reversal"):
        raise DataError(f"direction={direction!r}; use 'type', 'reaction' or 'reversal'.")
    need = {"event_id", "date", "timing", "event_type", "day0"}
    if not need <= set(events.columns):
        raise DataError(
            f"events lack columns {sorted(need - set(events.columns))}; load them with "
            "riskkit.events.load_events and add day 0 with riskkit.events.assign_day0."
        )
    sides = DEFAULT_TYPE_SIDES if type_sides is None else type_sides
    idx = pd.DatetimeIndex(bars.index)
    close = bars["close"].astype(float).to_numpy()
    rows = []
    for ev in events.to_dict("records"):
        row: dict = {"event_id": ev["event_id"], "entry_session": pd.NaT, "decision_date": pd.NaT,
                     "exit_decision_date": pd.NaT, "side": 0, "reaction": np.nan, "dropped": ""}  # fmt: skip
        if direction == "type":
            side = int(sides.get(ev["event_type"], 0))
            if side == 0:
                traded = ", ".join(sorted(str(k) for k, v in sides.items() if v)) or "none"
                row["dropped"] = (
                    f"event type {ev['event_type']!r} is not traded by type (traded: {traded})"
                )
                rows.append(row)
                continue
            pos = int(
                idx.searchsorted(
                    ev["date"], side="left" if ev["timing"] == "pre-market" else "right"
                )
            )
        else:
            d0 = int(idx.searchsorted(ev["day0"], side="left"))
            if pd.isna(ev["day0"]) or d0 >= len(idx) or idx[d0] != ev["day0"] or d0 == 0:
                row["dropped"] = "day 0 or the session before it is not in the price data"
                rows.append(row)
                continue
            react = close[d0] / close[d0 - 1] - 1.0
            row["reaction"] = react
            side = int(np.sign(react)) * (1 if direction == "reaction" else -1)
            if side == 0:
                row["dropped"] = "day-0 reaction is exactly zero"
                rows.append(row)
                continue
            pos = d0 + 1
        if pos < 1 or pos >= len(idx):
            row["dropped"] = "entry open is outside the price data"
            rows.append(row)
            continue
        row.update(entry_session=idx[pos], decision_date=idx[pos - 1], side=side)
        if pos + hold - 1 < len(idx):
            row["exit_decision_date"] = idx[pos + hold - 1]
        rows.append(row)
    cols = [
        "event_id",
        "entry_session",
        "decision_date",
        "exit_decision_date",
        "side",
        "reaction",
        "dropped",
    ]
    return pd.DataFrame(rows, columns=cols).set_index("event_id")


def pivot_event_signals(
    bars: pd.DataFrame,
    plan: pd.DataFrame,
    *,
    sl_stop: float | None = None,
    tp_stop: float | None = None,
) -> dict[str, Signals]:
    """One :class:`Signals` per traded event of the plan (one engine column per event).

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.bdate_range("2025-11-10", periods=5)
    >>> b = pd.DataFrame({"open": 10.0, "high": 11.0, "low": 9.0, "close": 10.0}, index=idx)
    >>> plan = pd.DataFrame({"decision_date": [idx[1]], "exit_decision_date": [idx[3]],
    ...     "side": [-1], "dropped": [""]}, index=pd.Index(["e"], name="event_id"))
    >>> s = pivot_event_signals(b, plan)["e"]
    >>> s.short_entries.tolist(), s.short_exits.tolist()
    ([False, True, False, False, False], [False, False, False, True, False])
    """
    idx = pd.DatetimeIndex(bars.index)
    out: dict[str, Signals] = {}
    for eid, p in plan[plan["dropped"] == ""].iterrows():
        ent = pd.Series(idx == p["decision_date"], index=idx)
        ext = pd.Series(idx == p["exit_decision_date"], index=idx)
        none = pd.Series(False, index=idx)
        long = p["side"] > 0
        out[str(eid)] = Signals(
            entries=ent if long else none,
            exits=ext if long else none,
            short_entries=none if long else ent,
            short_exits=none if long else ext,
            sl_stop=sl_stop,
            tp_stop=tp_stop,
            params={"event_id": str(eid), "side": int(p["side"])},
        )
    return out


def pivot_ticker_signals(
    bars: pd.DataFrame,
    plan: pd.DataFrame,
    *,
    sl_stop: float | None = None,
    tp_stop: float | None = None,
) -> Signals | None:
    """All traded events of one ticker's plan as one :class:`Signals` (a portfolio column).

    The events' entry and exit decisions are merged (logical or) by side. The engine's
    conflict rules then decide overlaps: an entry decided while the ticker is already held
    on that side does nothing, the first event's exit decision closes the position, and an
    exit and an entry decided at the same close cancel the entry (exit wins). None when the
    plan trades no event.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.bdate_range("2025-11-10", periods=6)
    >>> b = pd.DataFrame({"open": 10.0, "high": 11.0, "low": 9.0, "close": 10.0}, index=idx)
    >>> plan = pd.DataFrame({"decision_date": [idx[0], idx[1]],
    ...     "exit_decision_date": [idx[2], idx[4]], "side": [1, 1], "dropped": ["", ""]},
    ...     index=pd.Index(["a", "b"], name="event_id"))
    >>> s = pivot_ticker_signals(b, plan)
    >>> s.entries.tolist(), s.exits.tolist()
    ([True, True, False, False, False, False], [False, False, True, False, True, False])
    """
    traded = plan[plan["dropped"] == ""]
    if traded.empty:
        return None
    idx = pd.DatetimeIndex(bars.index)
    cols = {"entries": (1, "decision_date"), "exits": (1, "exit_decision_date"),
            "short_entries": (-1, "decision_date"), "short_exits": (-1, "exit_decision_date")}  # fmt: skip
    flags = {}
    for name, (side, col) in cols.items():
        dates = pd.DatetimeIndex(traded.loc[traded["side"] == side, col].dropna())
        flags[name] = pd.Series(idx.isin(dates), index=idx)
    return Signals(
        entries=flags["entries"],
        exits=flags["exits"],
        short_entries=flags["short_entries"],
        short_exits=flags["short_exits"],
        sl_stop=sl_stop,
        tp_stop=tp_stop,
        params={"events": [str(e) for e in traded.index]},
    )


def hedge_betas(
    close: pd.Series,
    btc_close: pd.Series,
    plan: pd.DataFrame,
    *,
    window: int = 120,
    min_obs: int = 60,
) -> pd.Series:
    """BTC beta of each event's stock, estimated on session returns *before* the event.

    Notes
    -----
    Stock simple close-to-close returns and BTC returns compounded between the BTC closes
    dated on consecutive sessions (:func:`riskkit.data.btc_session_returns`, so a Monday
    carries the weekend). The window is the last ``window`` returns dated strictly before
    the decision bar (so no event-day return enters); :math:`\\beta = \\widehat{cov}(r, b)/\\widehat{var}(b)` (OLS slope, via
    :func:`riskkit.risk.beta`). NaN when fewer than ``min_obs`` pairs.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.bdate_range("2024-01-01", periods=100)
    >>> btc = pd.Series(np.exp(np.cumsum(np.random.default_rng(0).normal(0, .02, 140))),
    ...                 index=pd.date_range("2023-12-25", periods=140))
    >>> stock = pd.Series(btc.reindex(idx).to_numpy() ** 2, index=idx)
    >>> plan = pd.DataFrame({"decision_date": [idx[90]], "dropped": [""]}, index=["e"])
    >>> bool(1.9 < hedge_betas(stock, btc, plan, window=60, min_obs=30)["e"] < 2.1)
    True
    """
    from riskkit.data import btc_session_returns
    from riskkit.risk.beta import beta

    sessions = pd.DatetimeIndex(close.dropna().index)
    r = close.astype(float).pct_change().iloc[1:]
    b = btc_session_returns(btc_close, sessions)
    out = {}
    for eid, p in plan.iterrows():
        if p["dropped"] != "":
            continue
        before = p["decision_date"] - pd.Timedelta(days=1)
        pair = pd.concat([r, b], axis=1, join="inner").loc[:before].dropna()
        pair = pair.iloc[-window:]
        if len(pair) < min_obs:
            out[str(eid)] = np.nan
            continue
        out[str(eid)] = float(beta(pair.iloc[:, 0], pair.iloc[:, 1]))  # type: ignore[arg-type]
    return pd.Series(out, name="hedge_beta", dtype=float)
