"""Size under the null of every event-study test, on staggered and same-day placebo events.

Run from the repository root (bundled real data, no network):

    .venv/bin/python bench/event_test_size.py [--trials 1000] [--garch-trials 300]

Writes ``bench/results/EVENT_TEST_SIZE.md`` (the table) and ``event_test_size.csv`` (every
rate with its Wilson band). Two designs, market model, windows [-1,+1] and [0,0], no
planted effect:

* **staggered**: ``riskkit.events.simulate(30, draw="spaced")``: 30 pseudo-events a trial
  on random non-event dates, same-firm pseudo-events more than an estimation window apart;
* **same-day**: every pseudo-event of a trial on one session (``N_SAME`` different firms,
  a uniformly drawn session where that many firms are eligible, then that many of them
  uniformly): the clustered-event-day case the Kolari-Pynnönen adjustments are for. It
  uses ``simulate``'s own eligibility rules (real-event windows cut out and kept
  ``gap`` sessions away) and the same stacked engine pass
  (``riskkit.events._trials.stacked_trials``).

The GARCH-standardized tests cost one ``arch`` fit per pseudo-event (~50 ms here), so they
run on ``--garch-trials`` trials; the other tests on ``--trials``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from riskkit.events import simulate  # noqa: E402
from riskkit.events._engine import ALL_TESTS  # noqa: E402
from riskkit.events._trials import stacked_trials  # noqa: E402
from riskkit.events.models import factor_columns  # noqa: E402

sim_mod = importlib.import_module("riskkit.events.simulate")  # the module, not the function
OUT = REPO / "bench" / "results"
WINDOWS = ((-1, 1), (0, 0))
N_STAGGERED = 30
N_SAME = 8
EFFECT = 0.05  # planted on day 0 for the power column (staggered, non-GARCH tests)
GARCH = ("garch_bmp", "garch_z")
REST = tuple(t for t in ALL_TESTS if t not in GARCH)
SETTINGS = {"estimation": 250, "gap": 10, "min_estimation_obs": 100}


def staggered(n_trials: int, tests, seed: int) -> pd.DataFrame:
    effect = 0.0 if set(tests) <= set(GARCH) else EFFECT  # GARCH power: twice the fits
    res = simulate(
        N_STAGGERED, n_trials=n_trials, tests=list(tests), seed=seed, windows=WINDOWS,
        alphas=(0.05,), effect=effect, **SETTINGS,
    )  # fmt: skip
    return res.p_values.assign(design="staggered")


def same_day(n_trials: int, tests, seed: int) -> pd.DataFrame:
    rets, facs, _ = sim_mod._prepare(None, None, "SPY", True)
    firms = list(rets.columns)
    fcols = factor_columns("market", facs)
    grid = pd.DatetimeIndex(rets.index)
    a, b = min(w[0] for w in WINDOWS), max(w[1] for w in WINDOWS)
    real, rets, _ = sim_mod._real_events(None, rets, firms, grid, a, b)
    cands = sim_mod._eligible(
        rets, facs, fcols, real, a, b, SETTINGS["estimation"], SETTINGS["gap"],
        SETTINGS["min_estimation_obs"],
    )  # fmt: skip
    elig = np.zeros((len(grid), len(firms)), dtype=bool)
    for j, tk in enumerate(firms):
        if tk in cands:
            elig[cands[tk], j] = True
    days = np.flatnonzero(elig.sum(axis=1) >= N_SAME)
    rng = np.random.default_rng(seed)
    trial, tks, d0 = [], [], []
    for i in range(n_trials):
        p = int(rng.choice(days))
        pick = rng.choice(np.flatnonzero(elig[p]), size=N_SAME, replace=False)
        trial += [i] * N_SAME
        tks += [firms[j] for j in pick]
        d0 += [grid[p]] * N_SAME
    tab, evs = stacked_trials(
        np.array(trial), np.array(tks, dtype=object), pd.DatetimeIndex(d0), rets, facs, fcols,
        model="market", windows=WINDOWS, effect=0.0, tests=list(tests), **SETTINGS,
    )  # fmt: skip
    n_days = len(days)
    print(f"same-day: {n_days} eligible sessions, {int(evs['estimated'].sum())} events estimated")
    return tab.assign(design="same-day", scenario="no_effect")


def rates(pv: pd.DataFrame) -> pd.DataFrame:
    from statsmodels.stats.proportion import proportion_confint

    rows = []
    for (design, win, test), g in pv.groupby(["design", "window", "test"], sort=False):
        p = g["p_value"].to_numpy(float)
        n = int(np.isfinite(p).sum())
        k = int((p <= 0.05).sum())
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        verdict = "over-sized" if lo > 0.05 else "under-sized" if hi < 0.05 else "within band"
        rows.append((design, win, test, n, k / n, lo, hi, verdict))
    cols = ["design", "window", "test", "n_trials", "rejection_rate", "ci_low", "ci_high", "size"]
    return pd.DataFrame(rows, columns=cols)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--garch-trials", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    parts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the trials' skip warnings: counted by simulate
        for design, fn in (("staggered", staggered), ("same-day", same_day)):
            for tests, n in ((REST, args.trials), (GARCH, args.garch_trials)):
                t = time.perf_counter()
                parts.append(fn(n, tests, args.seed))
                print(f"{design} {tests[0]}..: {n} trials, {time.perf_counter() - t:.0f} s")
    pv = pd.concat(parts, ignore_index=True)
    power = rates(pv[pv["scenario"] == "effect"])
    pv = pv[pv["scenario"] == "no_effect"]
    out = rates(pv)
    power = power.assign(design=f"staggered, {EFFECT:+.0%} on day 0 (power)")
    power["size"] = ""
    out = pd.concat([out, power], ignore_index=True)
    OUT.mkdir(parents=True, exist_ok=True)
    out.to_csv(OUT / "event_test_size.csv", index=False)
    wide = []
    for (win, test), g in out.groupby(["window", "test"], sort=False):
        row = {"window": win, "test": test}
        for r in g.to_dict("records"):
            row[r["design"]] = (
                f"{100 * r['rejection_rate']:.1f}% [{100 * r['ci_low']:.1f}, "
                f"{100 * r['ci_high']:.1f}] {r['size']} (n={r['n_trials']})".replace("  ", " ")
            )
        wide.append(row)
    table = pd.DataFrame(wide)
    lines = [
        "# Size of the event-study tests under the null (rejections at 5%)",
        "",
        f"Made by `bench/event_test_size.py --trials {args.trials} --garch-trials "
        f"{args.garch_trials} --seed {args.seed}` on the bundled real data (market model, "
        f"estimation 250 sessions ending day -11), {time.perf_counter() - t0:.0f} s on 2 "
        "shared cores. Staggered: 30 pseudo-events a trial (`simulate(draw='spaced')`); "
        f"same-day: {N_SAME} firms on one session a trial. Cells: rejection rate "
        "[95% Wilson band], verdict, trials with a p-value. The last column: the same "
        f"staggered draws with {EFFECT:+.0%} added to each day-0 return (power; not run for "
        "the GARCH tests, whose fits would double).",
        "",
        "| " + " | ".join(table.columns) + " |",
        "|" + "---|" * len(table.columns),
    ]
    lines += ["| " + " | ".join(str(v) for v in r) + " |" for r in table.itertuples(index=False)]
    (OUT / "EVENT_TEST_SIZE.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
