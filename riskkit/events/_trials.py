"""Many placebo trials in one engine pass: the stacked path of :func:`riskkit.events.simulate`.

Every trial's pseudo-events go through :func:`riskkit.events._engine.estimate` together
and the grouped tests run with one group per trial. This equals one
:func:`~riskkit.events.event_study` call per trial (``calendar="returns"``, timing
pre-market) when no same-firm pseudo-event of a trial lies in another's estimation or
event window (the spaced draw): then ``overlap="exclude"`` cuts nothing, and an effect
added to the day-0 return reaches only that event's own window. Pairs of events of
different trials never enter one group, so the trials stay independent. Tested against
the per-trial calls.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from riskkit.events import _engine

__all__ = ["stacked_trials"]

_STATUS = {
    1: "too few complete estimation returns",
    2: "zero residual variance in the estimation window",
    3: "a factor is constant in the estimation window",
}


def stacked_trials(
    trial: np.ndarray,
    tickers: np.ndarray,
    day0: pd.DatetimeIndex,
    returns: pd.DataFrame,
    factors: pd.DataFrame | None,
    fcols: Sequence[str],
    *,
    model: str,
    windows: Sequence[tuple[int, int]],
    estimation: int,
    gap: int,
    min_estimation_obs: int,
    effect: float,
    tests: Sequence[str] = _engine.TESTS,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Grouped tests of every trial, and per event whether it was estimated (and why not).

    Returns
    -------
    tests, events
        ``tests``: the test rows (``tests``: names, default the textbook six) with
        ``trial`` (int) instead of ``group_by, group``. ``events``: ``trial, estimated,
        reason`` per pseudo-event.
    """
    grid = pd.DatetimeIndex(returns.index)
    firm = pd.Index(returns.columns).get_indexer(pd.Index(tickers)).astype(np.int64)
    p0 = grid.get_indexer(day0).astype(np.int64)
    y, x, complete = _engine.panel_arrays(returns, factors, fcols)
    valid = p0 >= 0
    valid[valid] = np.isfinite(y[p0[valid], firm[valid]])
    no_cut = np.zeros_like(complete)
    est = _engine.estimate(
        y, x, complete, no_cut, firm, p0, valid, np.zeros(firm.size, dtype=bool),
        model=_engine.MODEL_CODE[model], estimation=estimation, gap=gap,
        min_obs=min_estimation_obs, windows=windows, plant=float(effect),
    )  # fmt: skip
    labels, codes = np.unique(trial, return_inverse=True)
    grouping = _engine.Grouping(
        "trial", tuple(str(v) for v in labels), np.where(est.fitted, codes, -1)
    )
    table = _engine.textbook_tests(est, np.zeros(firm.size, dtype=bool), [grouping], tests=tests)
    table = table.assign(
        trial=labels[pd.Index(grouping.labels).get_indexer(pd.Index(table["group"]))]
    )
    reason = np.full(firm.size, "", dtype=object)
    reason[~valid] = "no return on day 0"
    for code, text in _STATUS.items():
        reason[est.status == code] = text
    events = pd.DataFrame({"trial": trial, "estimated": est.fitted, "reason": reason})
    return table.drop(columns=["group_by", "group"]), events
