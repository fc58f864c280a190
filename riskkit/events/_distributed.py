"""Placebo trials in chunks, locally or on a dask cluster: the trial loop of ``simulate``.

:func:`run_trials` cuts the trials ``0..n_trials-1`` into chunks of ``chunk_size``
consecutive trials. A chunk draws its trials' pseudo-events (trial ``i`` from its own
``SeedSequence(seed).spawn(n_trials)[i]``, wherever it runs) and evaluates them: spaced
draws in one stacked engine pass per chunk and scenario
(:func:`riskkit.events._trials.stacked_trials`), independent draws one
``event_study`` call per trial. The pieces are put back together in the order a single
process gives, so the same ``chunk_size`` gives the same tables locally and on any number
of workers. On a cluster (:func:`riskkit._cluster.map_chunks`) the returns, factors and
the sampler are scattered to each worker once; a chunk's task carries its trials' seeds
and returns their p-value rows, draws and counts.

:func:`estimate_in_batches` is the per-event half of ``event_study(..., client=)``: the
catalog is cut into batches of ``chunk_size`` consecutive events, each batch is one
:func:`riskkit.events._engine.estimate` call on a worker (the return, factor and mask
panels scattered to each worker once; a task carries its events' firm, day-0 row and two
flags, 18 bytes an event) and brings back its events' rows of every per-event array. Every
per-event number depends on that event's rows of the panels only, so the arrays, put back
in catalog order, are the ones a single ``estimate`` call gives, bit for bit; the grouped
tests then run locally on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from riskkit.events import _engine
from riskkit.events._trials import stacked_trials

__all__ = [
    "EventPanel",
    "TrialContext",
    "estimate_batch",
    "estimate_in_batches",
    "run_trial_chunk",
    "run_trials",
]


@dataclass(frozen=True)
class TrialContext:
    """What every trial needs (scattered once to each worker)."""

    sampler: Any
    returns: pd.DataFrame
    factors: pd.DataFrame | None
    fcols: tuple[str, ...]
    grid: pd.DatetimeIndex
    n_events: int
    spacing: int
    scenarios: tuple[tuple[str, float], ...]
    settings: dict[str, Any]


def run_trial_chunk(ctx: TrialContext, seeds: Sequence[tuple[int, Any]]) -> dict[str, list]:
    """Draw and evaluate the trials ``seeds`` (``(trial, SeedSequence)`` pairs).

    Returns ``pv`` (p-value frames), ``draws`` (one frame a trial), ``log`` (one dict per
    trial and scenario) and ``short`` (``(scenario index, trial, row)`` of short trials).
    """
    from riskkit.events.simulate import _run_trial

    n, st = ctx.n_events, ctx.settings
    pv: list[pd.DataFrame] = []
    draws: list[pd.DataFrame] = []
    log: list[dict[str, Any]] = []
    short: list[tuple[int, int, tuple]] = []
    cats = []
    for i, ss in seeds:
        tk, pos = ctx.sampler(np.random.default_rng(ss))
        cat = pd.DataFrame({"event_id": [f"sim{i}-{k}" for k in range(n)], "ticker": tk,
                            "date": ctx.grid[pos], "timing": "pre-market", "event_type": "placebo"})  # fmt: skip
        draws.append(cat[["event_id", "ticker", "date"]].assign(trial=i))
        if ctx.spacing:  # stacked below: one engine pass over the chunk's trials
            cats.append(cat.assign(trial=i))
            continue
        for s, (scen, eff) in enumerate(ctx.scenarios):
            tests, info, reasons = _run_trial(cat, ctx.returns, ctx.factors, effect=eff, **st)
            log.append({"trial": i, "scenario": scen, "n_drawn": n, **info})
            pv.append(tests.assign(trial=i, scenario=scen))
            if info["n_estimated"] < n:
                short.append(
                    (s, i, (i, scen, info["n_estimated"], "; ".join(sorted(set(reasons)))))
                )
    if ctx.spacing and cats:
        allcat = pd.concat(cats, ignore_index=True)
        for s, (scen, eff) in enumerate(ctx.scenarios):
            tests, evs = stacked_trials(
                allcat["trial"].to_numpy(), allcat["ticker"].to_numpy(),
                pd.DatetimeIndex(allcat["date"]), ctx.returns, ctx.factors, ctx.fcols,
                effect=eff, model=st["model"], windows=st["windows"], estimation=st["estimation"],
                gap=st["gap"], min_estimation_obs=st["min_estimation_obs"], tests=st["tests"],
            )  # fmt: skip
            pv.append(tests.assign(scenario=scen))
            n_est = evs.groupby("trial")["estimated"].sum()
            for i, _ in seeds:
                k = int(n_est.get(i, 0))
                log.append({"trial": i, "scenario": scen, "n_drawn": n, "n_estimated": k,
                            "n_skipped": n - k, "n_thinned": 0, "n_window_overlaps": 0,
                            "n_warnings": 0})  # fmt: skip
                if k < n:
                    lost = evs.loc[(evs["trial"] == i) & ~evs["estimated"], "reason"]
                    short.append((s, i, (i, scen, k, "; ".join(sorted(set(lost.astype(str)))))))
    return {"pv": pv, "draws": draws, "log": log, "short": short}


def run_trials(
    ctx: TrialContext,
    seeds: Sequence[tuple[int, Any]],
    *,
    chunk_size: int,
    client: Any = None,
    retries: int = 3,
    progress: bool = False,
) -> tuple[list[pd.DataFrame], list[pd.DataFrame], list[dict], list[tuple], dict[str, Any]]:
    """Every trial, in chunks: (p-value frames, draws, log rows, short rows, execution).

    Short rows come back in a single process's order: scenario by scenario for stacked
    (spaced) trials, trial by trial for independent ones.
    """
    chunks = [list(seeds[k : k + chunk_size]) for k in range(0, len(seeds), chunk_size)]
    execution: dict[str, Any] = {"backend": "local" if client is None else "dask",
                                 "chunk_size": chunk_size, "chunks": len(chunks)}  # fmt: skip
    if client is None:
        from tqdm.auto import tqdm

        parts = []
        with tqdm(total=len(seeds), desc="placebo trials", unit="trial",
                  disable=not progress) as bar:  # fmt: skip
            for c in chunks:
                parts.append(run_trial_chunk(ctx, c))
                bar.update(len(c))
    else:
        from riskkit._cluster import map_chunks

        parts, run = map_chunks(client, run_trial_chunk, ctx, chunks, name="simulate",
                                retries=retries)  # fmt: skip
        execution.update({k: v for k, v in run.as_dict().items() if k != "chunks"})
    pv = [f for p in parts for f in p["pv"]]
    draws = [f for p in parts for f in p["draws"]]
    log = [r for p in parts for r in p["log"]]
    rows = [r for p in parts for r in p["short"]]
    rows.sort(key=(lambda r: (r[0], r[1])) if ctx.spacing else (lambda r: (r[1], r[0])))
    return pv, draws, log, [r[2] for r in rows], execution


#: Per-event arrays of :class:`~riskkit.events._engine.Estimates` (rows = events).
_EVENT_FIELDS = ("status", "params", "xtx_inv", "sigma2", "nobs", "df", "resid", "first",
                 "last", "base", "p0", "ret", "expected", "ar", "firm", "theta")  # fmt: skip
#: Per-event arrays of each :class:`~riskkit.events._engine.WindowResult`.
_WINDOW_FIELDS = ("b_used", "car", "var", "t", "p", "df", "bhar", "ghk_p", "length")


@dataclass(frozen=True)
class EventPanel:
    """What every event batch needs (scattered once to each worker): the ``T x F`` return
    panel ``y``, the ``T x q`` factors ``x``, the estimation mask ``ok``, the same-firm
    window mask ``cut``, whether any event of the whole study is widened, and the keyword
    options of :func:`~riskkit.events._engine.estimate`."""

    y: np.ndarray
    x: np.ndarray
    ok: np.ndarray
    cut: np.ndarray
    widen_any: bool
    options: dict[str, Any]


def estimate_batch(panel: EventPanel, batch: tuple[np.ndarray, ...]) -> dict[str, Any]:
    """One batch ``(firm, p0, valid, widened)`` of events through ``_engine.estimate``.

    Returns ``events`` (each per-event array of the fit, the batch's rows) and ``windows``
    (one dict of per-event arrays a window).
    """
    firm, p0, valid, widened = batch
    est = _engine.estimate(panel.y, panel.x, panel.ok, panel.cut, firm, p0, valid, widened,
                           widen_any=panel.widen_any, **panel.options)  # fmt: skip
    return {
        "events": {f: getattr(est, f) for f in _EVENT_FIELDS},
        "windows": [{f: getattr(w, f) for f in _WINDOW_FIELDS} for w in est.windows],
    }


def estimate_in_batches(
    client: Any,
    y: np.ndarray,
    x: np.ndarray,
    ok: np.ndarray,
    cut: np.ndarray,
    firm: np.ndarray,
    p0: np.ndarray,
    valid: np.ndarray,
    widened: np.ndarray,
    *,
    chunk_size: int,
    retries: int = 3,
    **options: Any,
) -> tuple[_engine.Estimates, dict[str, Any]]:
    """``_engine.estimate(y, x, ok, cut, firm, p0, valid, widened, **options)`` in batches
    of ``chunk_size`` events on ``client``'s workers, and how it ran.

    The batches' rows are concatenated in catalog order; the study-wide arrays (``y``,
    ``ok``, the regressors ``z``, ``taus``) come from a local ``estimate`` call on one
    never-fitted event. Returns the :class:`~riskkit.events._engine.Estimates` a single
    local call gives (equal bit for bit) and the execution record (``backend``,
    ``chunk_size``, ``chunks``, scheduler, workers, ``rerun_chunks``, seconds, ``note``).
    """
    from riskkit._cluster import map_chunks

    n = firm.size
    widen_any = bool(widened.any())
    panel = EventPanel(y, x, ok, cut, widen_any, dict(options))
    starts = range(0, max(n, 1), chunk_size)  # an empty catalog: one empty batch
    batches = [tuple(a[k : k + chunk_size] for a in (firm, p0, valid, widened)) for k in starts]
    parts, run = map_chunks(client, estimate_batch, panel, batches, name="event-study",
                            retries=retries)  # fmt: skip
    stub = (np.zeros(1, np.int64), np.full(1, -1, np.int64), np.zeros(1, bool),
            np.zeros(1, bool))  # fmt: skip
    frame = _engine.estimate(y, x, ok, cut, *stub, widen_any=widen_any, **options)
    events: dict[str, Any] = {f: np.concatenate([p["events"][f] for p in parts])
                              for f in _EVENT_FIELDS}  # fmt: skip
    windows = []
    for i, w in enumerate(frame.windows):
        cols: dict[str, Any] = {f: np.concatenate([p["windows"][i][f] for p in parts])
                                for f in _WINDOW_FIELDS}  # fmt: skip
        windows.append(replace(w, **cols))
    est = replace(frame, windows=tuple(windows), **events)
    execution = {"backend": "dask", "chunk_size": chunk_size, "chunks": len(batches)}
    execution.update({k: v for k, v in run.as_dict().items() if k != "chunks"})
    return est, execution
