"""The event-study engine reproduces its golden outputs (every frame, to 1e-12).

The golden files were written by ``tests/reference/golden_events/make_golden.py`` on the
row-by-row engine (one statsmodels OLS per event) before the vectorised engine replaced it,
so they are values this engine did not produce. Cases regenerated since, and why, are in
the folder's git log.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

HERE = Path(__file__).parent / "reference" / "golden_events"
_spec = importlib.util.spec_from_file_location("make_golden", HERE / "make_golden.py")
assert _spec is not None and _spec.loader is not None
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

CASES = sorted(p.name for p in HERE.iterdir() if p.is_dir())


def _same(got: pd.DataFrame, want: pd.DataFrame, what: str) -> None:
    assert list(got.columns) == list(want.columns), what
    assert len(got) == len(want), f"{what}: {len(got)} rows, golden {len(want)}"
    for c in want.columns:
        g, w = got[c], want[c]
        if pd.api.types.is_numeric_dtype(w) and not pd.api.types.is_bool_dtype(w):
            np.testing.assert_allclose(
                g.to_numpy(float),
                w.to_numpy(float),
                rtol=1e-12,
                atol=1e-12,
                err_msg=f"{what}.{c}",
            )
        else:
            assert [_norm(x) for x in g] == [_norm(x) for x in w], f"{what}.{c}"


def _norm(x: object) -> str:
    """A cell as text: dates as ISO timestamps (parquet may return them as dates)."""
    if isinstance(x, pd.Timestamp | np.datetime64) or type(x).__name__ == "date":
        return "NaT" if pd.isna(x) else pd.Timestamp(x).isoformat()  # type: ignore[arg-type]
    return "nan" if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)


@pytest.fixture(scope="module")
def all_cases():
    return golden.cases()


@pytest.mark.parametrize("case", CASES)
def test_engine_reproduces_golden_outputs(case, all_cases):
    res = golden.run(all_cases[case])
    for name, frame in golden.frames(res).items():
        want = pd.read_parquet(HERE / case / f"{name}.parquet")
        _same(frame.reset_index(drop=True), want.reset_index(drop=True), f"{case}/{name}")
