"""Write the golden outputs of ``event_study`` that the vectorised engine must reproduce.

Run from the project root: ``python tests/reference/golden_events/make_golden.py [case...]``.
It was run on the row-by-row engine (a statsmodels fit per event) before the vectorised
engine of issue 14 replaced it; ``git log`` of this folder says at which commit and which
cases were regenerated since (and why). ``tests/test_events_golden.py`` compares every
frame to 1e-12.

Data: the bundled snapshot (real prices, see SOURCES.md) with the bundled catalog, and one
synthetic panel (seeded normal draws with a late listing and gaps; not market data).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def synthetic_panel():
    """Synthetic (not market data): 6 firms, 700 sessions, a late listing, gaps, 40 events."""
    rng = np.random.default_rng(7)
    idx = pd.bdate_range("2021-01-04", periods=700, name="date")
    m = pd.DataFrame(
        {"market": rng.normal(0, 0.01, 700), "f2": rng.normal(0, 0.02, 700)}, index=idx
    )
    r = pd.DataFrame(
        {f"F{j}": (0.8 + 0.2 * j) * m["market"] + rng.normal(0, 0.02, 700) for j in range(6)},
        index=idx,
    )
    r.iloc[:150, 0] = np.nan  # late listing
    r.iloc[rng.integers(0, 700, 60), 1] = np.nan  # scattered gaps
    r.iloc[400:405, 2] = np.nan
    ev = pd.DataFrame(
        {
            "event_id": [f"s{i}" for i in range(40)],
            "ticker": [f"F{i % 6}" for i in range(40)],
            "date": idx[rng.integers(120, 699, 40)],
            "timing": rng.choice(["pre-market", "after close", "unknown"], 40),
            "event_type": rng.choice(["a", "b"], 40),
        }
    )
    return ev, r, m


def cases() -> dict[str, dict]:
    from riskkit.events import bundled_returns_and_factors

    rets, facs, _ = bundled_returns_and_factors()
    ev, r, m = synthetic_panel()
    syn = {"events": ev, "returns": r, "calendar": "returns"}
    return {
        "bundled_default": {},
        "bundled_btc_keep": {
            "model": "market_btc",
            "overlap": "keep",
            "windows": [(-1, 1), (0, 0), (0, 5), (-5, 5)],
            "estimation": 200,
            "gap": 5,
        },
        "bundled_constant": {"model": "constant"},
        "bundled_market_adjusted": {"model": "market_adjusted"},
        "bundled_factors": {"returns": rets, "factors": facs, "model": "factors"},
        "bundled_placebo": {"placebo": 100, "seed": 3},
        "bundled_estudy2": {
            "conventions": "estudy2",
            "windows": [(-1, 1), (0, 0), (1, 1), (0, 5)],
        },
        "synthetic_market": {
            **syn,
            "factors": m[["market"]],
            "windows": [(-2, 2), (0, 0), (0, 3)],
        },
        "synthetic_factors_keep": {**syn, "factors": m, "model": "factors", "overlap": "keep"},
        "synthetic_estudy2": {
            **syn,
            "factors": m[["market"]],
            "conventions": "estudy2",
            "windows": [(0, 0), (1, 1), (-2, 2)],
        },
    }


def run(kwargs: dict):
    from riskkit.events import event_study

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return event_study(**kwargs)


def frames(res) -> dict[str, pd.DataFrame]:
    ar = res.abnormal_returns.copy()
    ar.columns = [str(c) for c in ar.columns]
    return {
        "cars": res.cars,
        "params": res.params,
        "test_table": res.test_table,
        "abnormal_returns": ar.reset_index(),
        "skipped": res.skipped,
        "overlaps": res.overlaps,
        "events": res.events,
    }


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parents[2]))
    only = set(sys.argv[1:])
    for name, kw in cases().items():
        if only and name not in only:
            continue
        out = HERE / name
        out.mkdir(exist_ok=True)
        for fname, frame in frames(run(kw)).items():
            frame.to_parquet(out / f"{fname}.parquet")
        print("wrote", out)
