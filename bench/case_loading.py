"""Case 1: loading every bundled ticker, riskkit (cold) vs a plain pandas read_csv loop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from _harness import REPO, CaseResult, Check, Settings, Spec, Unavailable, run_group

PRICES = REPO / "riskkit" / "_bundled" / "prices"


# ---------------------------------------------------------------- adapters (fix here if an API moves)
def rk_load_prices_cold() -> Callable[[], pd.DataFrame]:
    import riskkit
    from riskkit.data import bundled

    clear = getattr(getattr(bundled, "_read_cached", None), "cache_clear", None)
    if clear is None:
        raise Unavailable("riskkit.data.bundled._read_cached cache not found; cannot force cold")

    def run() -> pd.DataFrame:
        clear()  # cold: riskkit's in-process per-file cache emptied before every call
        return riskkit.load_prices(source="bundled")

    return run


def rk_load_prices_warm() -> Callable[[], pd.DataFrame]:
    import riskkit

    return lambda: riskkit.load_prices(source="bundled")


def pandas_loop() -> Callable[[], pd.DataFrame]:
    files = sorted(p for p in Path(PRICES).glob("*.csv"))

    def run() -> pd.DataFrame:
        parts = {f.stem: pd.read_csv(f, index_col="date", parse_dates=["date"]) for f in files}
        wide = pd.concat(parts, axis=1, names=["ticker", "field"], sort=True)
        return wide.swaplevel(0, 1, axis=1).sort_index(axis=1)

    return run


# ---------------------------------------------------------------- case
def run(settings: Settings) -> list[CaseResult]:
    case = CaseResult(
        key="1",
        title="Loading the bundled prices (REAL data)",
        measures=(
            "Read all bundled ticker CSVs into one (field, ticker) frame. riskkit "
            "`load_prices(source='bundled')` checks every file (header, date format, "
            "numeric values, duplicate or unsorted dates) and records provenance; the baseline is a "
            "bare `pd.read_csv` loop + `pd.concat` with no checks."
        ),
    )
    ref = pandas_loop()()
    size = f"{ref.columns.get_level_values(1).nunique()} files, {len(ref):,} rows (union)"
    specs = [
        Spec("riskkit.load_prices (cold)", size, rk_load_prices_cold),
        Spec("riskkit.load_prices (warm per-file cache)", size, rk_load_prices_warm),
        Spec("pandas read_csv loop + concat", size, pandas_loop),
    ]
    run_group(case, specs, settings)
    rk = rk_load_prices_warm()()
    common = rk["close"].columns.intersection(ref["close"].columns)
    diff = (rk["close"][common] - ref["close"][common].reindex(rk.index)).abs().max().max()
    case.checks.append(
        Check(
            what="close prices, all tickers",
            versus="pandas read_csv loop",
            max_abs_diff=float(diff),
            note="same files, so this should be 0",
        )
    )
    case.notes.append(
        "'cold' empties riskkit's in-process per-file `lru_cache` before every call; the OS "
        "file cache is warm for every implementation (files were read once before timing)."
    )
    return [case.finish()]
