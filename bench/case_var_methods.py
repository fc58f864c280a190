"""Case 3: riskkit's VaR methods on one REAL series, to show their relative cost."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable
from typing import Any

from _data import real_return_series
from _harness import CaseResult, Settings, Spec, Unavailable, run_group

TICKER = "IREN"
LEVEL = 0.95


# ---------------------------------------------------------------- adapters (fix here if an API moves)
def _rk(name: str) -> Callable[..., Any]:
    for mod in ("riskkit.risk", "riskkit.risk.var"):
        f = getattr(importlib.import_module(mod), name, None)
        if f is not None:
            return f
    raise Unavailable(f"riskkit.risk.{name} not found")


def methods() -> tuple[str, ...]:
    try:
        return tuple(_rk("VAR_METHODS"))  # type: ignore[arg-type]
    except Unavailable:
        return ("historical", "gaussian", "cornish_fisher", "evt", "fhs")


def rk_var(method: str) -> Callable[[Any], float]:
    f = _rk("value_at_risk")
    return lambda r: f(r, level=LEVEL, method=method)


def rk_var_table() -> Callable[[Any], Any]:
    f = _rk("var_table")
    return lambda r: f(r, level=LEVEL)


# ---------------------------------------------------------------- case
def run(settings: Settings) -> list[CaseResult]:
    r = real_return_series()[TICKER]
    size = f"REAL: {TICKER}, {len(r):,} returns"
    case = CaseResult(
        key="3",
        title=f"VaR {LEVEL:.0%} by method in riskkit (one series)",
        measures=(
            f"`riskkit.risk.value_at_risk(r, level={LEVEL}, method=...)` on {TICKER}'s daily "
            "returns, one period. No peer: this shows what each method costs relative to the "
            "historical quantile. `evt` fits a generalized Pareto (scipy) to the top 10% of "
            "losses; `fhs` fits a GARCH(1,1) with `arch` and rescales its standardised "
            "residuals."
        ),
    )
    values = {}
    specs = []
    for m in methods():

        def factory(m: str = m) -> Callable[[], float]:
            f = rk_var(m)
            return lambda: f(r)

        specs.append(Spec(m, size, factory))
        with contextlib.suppress(Unavailable):
            values[m] = float(rk_var(m)(r))

    def table_factory() -> Callable[[], Any]:
        f = rk_var_table()
        return lambda: f(r)

    specs.append(Spec("var_table (all methods, VaR + CVaR)", size, table_factory))
    run_group(case, specs, settings)
    if values:
        case.notes.append(
            "VaR values (positive loss, decimals): "
            + ", ".join(f"{k} {v:.4f}" for k, v in values.items())
        )
    return [case.finish()]
