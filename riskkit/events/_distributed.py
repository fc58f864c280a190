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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from riskkit.events._trials import stacked_trials

__all__ = ["TrialContext", "run_trial_chunk", "run_trials"]


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
