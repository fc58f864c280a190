"""Case 2: per-column risk metrics, riskkit vs empyrical-reloaded vs quantstats.

Two inputs:

* REAL: each bundled ticker's simple returns on its own calendar (NaNs of the union
  calendar dropped per ticker), every implementation called once per Series in a loop,
  with the same periods per year (252 for equities, 365 for BTC-USD) passed explicitly.
* SYNTHETIC scaling panel (500 columns x 2,500 rows, Student-t, no NaNs): one call on the
  whole DataFrame through each library's own DataFrame path; where a library has no
  column-wise DataFrame path the column loop is used and the row says so.

All values are put in riskkit's sign convention (VaR/CVaR positive losses, drawdowns
negative) before the agreement check.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from _data import periods_per_year, real_return_series, synthetic_panel
from _harness import CaseResult, Check, Settings, Spec, Unavailable, run_group


# ---------------------------------------------------------------- adapters (fix here if an API moves)
def _rk(name: str) -> Callable[..., Any]:
    """A public riskkit risk function by name (package re-export first, then the modules)."""
    for mod in ("riskkit.risk", "riskkit.risk.ratios", "riskkit.risk.drawdown", "riskkit.risk.var"):
        try:
            f = getattr(importlib.import_module(mod), name, None)
        except ImportError:
            f = None
        if f is not None:
            return f
    raise Unavailable(f"riskkit.risk.{name} not found")


def _emp() -> Any:
    import empyrical

    return empyrical


def _qs() -> Any:
    import quantstats.stats as qs

    return qs


# Each adapter: (returns Series or DataFrame, periods per year) -> value(s) in riskkit's
# convention. ``p`` is an int (same for all columns) here.
RK = {
    "sharpe": lambda r, p: _rk("sharpe_ratio")(r, periods_per_year=p),
    "sortino": lambda r, p: _rk("sortino_ratio")(r, periods_per_year=p),
    "max_drawdown": lambda r, p: _rk("max_drawdown")(r),
    "var95": lambda r, p: _rk("value_at_risk")(r, level=0.95, method="historical"),
    "var95_gauss": lambda r, p: _rk("value_at_risk")(r, level=0.95, method="gaussian"),
    "cvar95": lambda r, p: _rk("conditional_value_at_risk")(r, level=0.95, method="historical"),
    "ann_vol": lambda r, p: _rk("annualized_volatility")(r, periods_per_year=p),
}
EMP = {
    "sharpe": lambda r, p: _emp().sharpe_ratio(r, annualization=p),
    "sortino": lambda r, p: _emp().sortino_ratio(r, annualization=p),
    "max_drawdown": lambda r, p: _emp().max_drawdown(r),
    "var95": lambda r, p: -_emp().value_at_risk(r, cutoff=0.05),
    "cvar95": lambda r, p: -_emp().conditional_value_at_risk(r, cutoff=0.05),
    "ann_vol": lambda r, p: _emp().annual_volatility(r, annualization=p),
}
QS = {
    "sharpe": lambda r, p: _qs().sharpe(r, periods=p),
    "sortino": lambda r, p: _qs().sortino(r, periods=p),
    "max_drawdown": lambda r, p: _qs().max_drawdown(r),
    "var95": lambda r, p: -_qs().value_at_risk(r, confidence=0.95),
    "cvar95": lambda r, p: (
        -_qs().conditional_value_at_risk(r, confidence=0.95, method="historical")
    ),
    "ann_vol": lambda r, p: _qs().volatility(r, periods=p),
}
#: empyrical's VaR/CVaR flatten a 2-D input into one sample, so they are looped by column.
EMP_NO_FRAME_PATH = {"var95", "cvar95"}


@dataclass
class Metric:
    key: str
    title: str
    riskkit_name: str
    emp_name: str | None
    qs_name: str | None
    notes: tuple[str, ...] = ()
    #: riskkit quantity that quantstats' figure should equal (when its definition differs).
    qs_compare_with: str | None = None


METRICS = [
    Metric(
        "sharpe",
        "Sharpe ratio (annualised, rf = 0)",
        "risk.sharpe_ratio",
        "sharpe_ratio",
        "stats.sharpe",
        ("All three: mean / std(ddof=1) * sqrt(P).",),
    ),
    Metric(
        "sortino",
        "Sortino ratio (annualised, target 0)",
        "risk.sortino_ratio",
        "sortino_ratio",
        "stats.sortino",
        ("All three: downside deviation sqrt(mean(min(r, 0)^2)) over all n observations.",),
    ),
    Metric(
        "max_drawdown",
        "Maximum drawdown",
        "risk.max_drawdown",
        "max_drawdown",
        "stats.max_drawdown",
        ("All three measure wealth from 1 before the first return (negative fraction).",),
    ),
    Metric(
        "var95",
        "Historical VaR 95% (one period)",
        "risk.value_at_risk(method='historical')",
        "value_at_risk",
        "stats.value_at_risk",
        (
            "riskkit and empyrical: empirical 5% quantile with numpy 'linear' interpolation "
            "(same definition, sign flipped).",
            "quantstats has no historical VaR: its value_at_risk is the Gaussian "
            "(variance-covariance) VaR, so its time is shown for reference and its numbers "
            "are checked against riskkit method='gaussian' instead.",
        ),
        qs_compare_with="var95_gauss",
    ),
    Metric(
        "cvar95",
        "Historical CVaR / expected shortfall 95% (one period)",
        "risk.conditional_value_at_risk(method='historical')",
        "conditional_value_at_risk",
        "stats.conditional_value_at_risk(method='historical')",
        (
            "riskkit and quantstats: mean of the returns at or below the linear-interpolated "
            "5% quantile (same definition).",
            "empyrical: mean of the floor((n - 1) * 0.05) + 1 smallest returns (no "
            "interpolation). Written differently, but without ties at the boundary it is the "
            "same set of returns as 'at or below the linear quantile', hence the ~0 gap.",
        ),
    ),
    Metric(
        "ann_vol",
        "Annualised volatility",
        "risk.annualized_volatility",
        "annual_volatility",
        "stats.volatility",
        ("All three: std(ddof=1) * sqrt(P).",),
    ),
]


# ---------------------------------------------------------------- helpers
def _as_array(x: Any, cols: list[str]) -> np.ndarray:
    """A per-column result (Series by column, 1-D ndarray or 1xN frame) as a float array."""
    if isinstance(x, pd.Series):
        return x.reindex(cols).to_numpy(dtype=float)
    if isinstance(x, pd.DataFrame):
        return x.reindex(columns=cols).to_numpy(dtype=float).ravel()
    return np.asarray(x, dtype=float).ravel()


def _loop(fn: Callable[[Any, int], Any], series: dict[str, pd.Series], ppy: dict[str, int]):
    def run() -> list[Any]:
        return [fn(s, ppy[t]) for t, s in series.items()]

    return run


def _values_loop(fn, series, ppy) -> np.ndarray:
    return np.array([float(v) for v in _loop(fn, series, ppy)()])


def _frame_call(fn: Callable[[Any, int], Any], frame: pd.DataFrame, p: int):
    return lambda: fn(frame, p)


def _column_loop(fn: Callable[[Any, int], Any], frame: pd.DataFrame, p: int):
    cols = list(frame.columns)
    return lambda: [fn(frame[c], p) for c in cols]


def _probe(fn: Callable[[Any, int], Any], r: pd.Series) -> None:
    """Raise Unavailable if the adapter's target does not exist."""
    try:
        fn(r, 252)
    except Unavailable:
        raise
    except (AttributeError, ImportError) as exc:
        raise Unavailable(f"{type(exc).__name__}: {exc}") from exc


def _max_diff(a: np.ndarray, b: np.ndarray) -> float:
    d = np.abs(np.asarray(a, float) - np.asarray(b, float))
    return float(np.nanmax(d)) if d.size and not np.all(np.isnan(d)) else math.nan


# ---------------------------------------------------------------- case
def run(settings: Settings) -> list[CaseResult]:
    series = real_return_series()
    ppy = {t: periods_per_year(pd.DatetimeIndex(s.index)) for t, s in series.items()}
    lengths = [len(s) for s in series.values()]
    real_size = f"REAL: {len(series)} series, {min(lengths):,}-{max(lengths):,} obs each"
    panel = synthetic_panel()
    syn_size = f"SYNTHETIC: {panel.shape[1]} cols x {panel.shape[0]:,} rows"
    first = next(iter(series.values()))
    out = []
    for i, m in enumerate(METRICS):
        case = CaseResult(
            key=f"2{'abcdef'[i]}",
            title=m.title,
            measures=(
                f"riskkit `{m.riskkit_name}` vs empyrical `{m.emp_name}` vs quantstats "
                f"`{m.qs_name}`. REAL rows: a loop calling the function on each ticker's own "
                "returns (periods per year 252, or 365 for BTC-USD, passed to all three). "
                "SYNTHETIC rows: one call on the 500-column DataFrame."
            ),
        )
        impls = [("riskkit", RK[m.key]), ("empyrical", EMP[m.key]), ("quantstats", QS[m.key])]
        real_vals: dict[str, np.ndarray] = {}
        syn_vals: dict[str, np.ndarray] = {}
        cols = list(panel.columns)
        real_specs, syn_specs = [], []
        for lib, fn in impls:
            name = {"riskkit": m.riskkit_name, "empyrical": m.emp_name, "quantstats": m.qs_name}[
                lib
            ]
            label = f"{lib} {name}"

            def real_factory(fn=fn):
                _probe(fn, first)
                return _loop(fn, series, ppy)

            frame_path = not (lib == "empyrical" and m.key in EMP_NO_FRAME_PATH)
            note = "" if frame_path else "no DataFrame path: column loop"

            def syn_factory(fn=fn, frame_path=frame_path):
                _probe(fn, first)
                return _frame_call(fn, panel, 252) if frame_path else _column_loop(fn, panel, 252)

            real_specs.append(Spec(label, real_size, real_factory))
            syn_specs.append(Spec(label, syn_size, syn_factory, note))
        if m.key == "sharpe":
            # Series from riskkit.load_closes carry df.attrs["riskkit_sources"], which pandas
            # deep-copies in every operation. Same call with the attrs emptied, to show
            # that carrying provenance costs nothing:
            bare = {t: s.copy() for t, s in series.items()}
            for s in bare.values():
                s.attrs = {}

            def bare_factory(bare: dict[str, pd.Series] = bare) -> Callable[[], Any]:
                return _loop(RK["sharpe"], bare, ppy)

            real_specs.append(
                Spec("riskkit risk.sharpe_ratio, input attrs emptied", real_size, bare_factory)
            )
        real_t = run_group(case, real_specs, settings)
        syn_t = run_group(case, syn_specs, settings)
        for (lib, fn), tr, ts, sp in zip(impls, real_t, syn_t, syn_specs, strict=False):
            if tr is not None:
                real_vals[lib] = _values_loop(fn, series, ppy)
            if ts is not None:
                res = sp.factory()()
                if isinstance(res, list):
                    syn_vals[lib] = np.array([float(v) for v in res])
                else:
                    syn_vals[lib] = _as_array(res, cols)
        if m.key == "sharpe" and "riskkit" in real_vals:
            case.notes.append(
                "The last REAL riskkit row passes the same returns with `Series.attrs` emptied: "
                "returns derived from `riskkit.load_closes` carry `attrs['riskkit_sources']` "
                "(provenance of every ticker), which pandas deep-copies in each operation; "
                "riskkit computes on an attrs-free view, so the two rows should be equal."
            )
        # agreement
        rk_real, rk_syn = real_vals.get("riskkit"), syn_vals.get("riskkit")
        for lib in ("empyrical", "quantstats"):
            if rk_real is None or lib not in real_vals:
                continue
            ref_real, ref_syn, what = rk_real, rk_syn, m.title
            note = "same definition"
            if lib == "quantstats" and m.qs_compare_with:
                gfn = RK[m.qs_compare_with]
                ref_real = _values_loop(gfn, series, ppy)
                ref_syn = _as_array(gfn(panel, 252), cols)
                note = "quantstats VaR is Gaussian: compared with riskkit method='gaussian'"
            if lib == "empyrical" and m.key == "cvar95":
                note = "formulated differently (see notes), same tail set without ties"
            case.checks.append(
                Check(what + " (REAL)", lib, _max_diff(ref_real, real_vals[lib]), note)
            )
            if ref_syn is not None and lib in syn_vals:
                case.checks.append(
                    Check(what + " (SYNTHETIC)", lib, _max_diff(ref_syn, syn_vals[lib]), note)
                )
        case.notes.extend(m.notes)
        out.append(case.finish())
    return out
