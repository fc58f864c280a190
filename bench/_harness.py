"""Timing harness shared by every benchmark case (timeit repeats, machine notes, tables).

Method
------
For each implementation of a case:

1. **First call** is timed on its own and reported as ``first_call_ms``: it includes lazy
   imports, numba JIT compilation (or loading numba's on-disk cache) and any other
   one-off cost. It is *excluded* from the steady-state figures.
2. **Warm-up**: one more untimed call.
3. **Steady state**: ``N`` repeats of ``timeit.Timer(fn).timeit(number=k)`` with the
   garbage collector disabled during timing (timeit's default). ``k`` is chosen so one
   repeat lasts about ``target_s`` seconds (at least one call); each repeat is divided by
   ``k``. We report the **median** and the **min** of the ``N`` per-call times in
   milliseconds. Slow implementations get fewer repeats (never fewer than 3) so a full run
   stays short; the ``N`` actually used is in every row.
4. **Side by side**: the implementations of one case and data size are timed in the same
   process, their repeats interleaved round-robin (order rotating each round), so load
   from other processes affects them alike.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


class Unavailable(Exception):
    """The implementation does not exist (yet) in the installed code; the row is skipped."""


@dataclass
class Settings:
    """Run-wide settings: ``quick`` lowers the repeats and the time per repeat."""

    quick: bool = False

    @property
    def repeats(self) -> int:
        return 5 if self.quick else 15

    @property
    def target_s(self) -> float:
        return 0.02 if self.quick else 0.04

    @property
    def budget_s(self) -> float:
        """Maximum steady-state seconds per implementation (fewer repeats when slow)."""
        return 3.0 if self.quick else 5.0


@dataclass
class Timing:
    impl: str
    size: str
    repeats: int
    number: int
    median_ms: float
    min_ms: float
    first_call_ms: float
    note: str = ""
    ratio: float = math.nan


@dataclass
class Check:
    """How close an implementation's numbers are to riskkit's (same definition or not)."""

    what: str
    versus: str
    max_abs_diff: float
    note: str = ""


@dataclass
class CaseResult:
    key: str
    title: str
    measures: str
    timings: list[Timing] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def finish(self) -> CaseResult:
        """Fill ``ratio`` (median over the fastest median) within each data size."""
        for size in {t.size for t in self.timings}:
            rows = [t for t in self.timings if t.size == size]
            best = min(t.median_ms for t in rows)
            for t in rows:
                t.ratio = t.median_ms / best if best > 0 else math.nan
        return self


@dataclass
class Spec:
    """One implementation to time: ``factory()`` builds the zero-argument callable (and may
    raise :class:`Unavailable` when the implementation does not exist)."""

    impl: str
    size: str
    factory: Callable[[], Callable[[], Any]]
    note: str = ""


@dataclass
class _Prepared:
    spec: Spec
    fn: Callable[[], Any]
    first_s: float
    number: int
    repeats: int
    per_call_ms: list[float] = field(default_factory=list)


def _prepare(spec: Spec, settings: Settings) -> _Prepared:
    fn = spec.factory()
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    fn()  # warm-up, untimed in the report; also the estimate of one call
    one = max(time.perf_counter() - t0, 1e-7)
    number = max(1, math.ceil(settings.target_s / one))
    repeats = settings.repeats
    if one * number * repeats > settings.budget_s:
        repeats = max(3, int(settings.budget_s / (one * number)))
    return _Prepared(spec, fn, first, number, repeats)


def run_group(case: CaseResult, specs: list[Spec], settings: Settings) -> list[Timing | None]:
    """Time side-by-side implementations with their repeats interleaved (round-robin).

    Every implementation gets its first call and warm-up first; then the timed repeats
    alternate between implementations (the order rotating each round), so a burst of load
    from elsewhere on the machine hits all of them alike instead of the one that happened
    to be running. Returns one Timing (or None when unavailable) per spec, in order.
    """
    prepared: list[_Prepared | None] = []
    for sp in specs:
        try:
            prepared.append(_prepare(sp, settings))
        except Unavailable as exc:
            case.skipped.append(f"{sp.impl} ({sp.size}): {exc}")
            prepared.append(None)
    live = [p for p in prepared if p is not None]
    rounds = max((p.repeats for p in live), default=0)
    for r in range(rounds):
        k = r % len(live)
        for p in live[k:] + live[:k]:
            if len(p.per_call_ms) < p.repeats:
                total = timeit.Timer(p.fn).timeit(number=p.number)
                p.per_call_ms.append(total / p.number * 1e3)
    out: list[Timing | None] = []
    for q in prepared:
        if q is None:
            out.append(None)
            continue
        t = Timing(
            impl=q.spec.impl,
            size=q.spec.size,
            repeats=q.repeats,
            number=q.number,
            median_ms=statistics.median(q.per_call_ms),
            min_ms=min(q.per_call_ms),
            first_call_ms=q.first_s * 1e3,
            note=q.spec.note,
        )
        case.timings.append(t)
        print(
            f"  {t.impl[:56]:<56} {t.size[:36]:<36} median {t.median_ms:10.3f} ms  min {t.min_ms:10.3f} ms"
        )
        out.append(t)
    return out


# ---------------------------------------------------------------- machine and versions
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return math.nan


def dist_version(dist: str) -> str:
    """Installed version of a distribution, or ``not installed``."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass
class Goal:
    """One of an issue's targets beside the measured value (``met`` None: not measured)."""

    what: str
    value: float
    target: str
    met: bool | None
    detail: str = ""


def _git() -> str:
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "riskkit", "strategies"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes in riskkit/ or strategies/" if dirty else "")


def load_average() -> list[float]:
    """1, 5 and 15-minute load averages (other processes competing for the cores)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def machine_info() -> dict[str, Any]:
    """CPU, cores, RAM, OS, Python and library versions, date (UTC), riskkit commit."""
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count() or 0
    return {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "cores_available": affinity,
        "ram_gib": round(_ram_gib(), 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "riskkit_commit": _git(),
        "load_avg_1_5_15min_at_start": load_average(),
        "versions": {
            d: dist_version(d)
            for d in (
                "riskkit",
                "numpy",
                "pandas",
                "scipy",
                "numba",
                "vectorbt",
                "empyrical-reloaded",
                "quantstats",
                "statsmodels",
                "arch",
            )
        },
    }


# ---------------------------------------------------------------- output
def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def _fmt_diff(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:.2e}"


def case_markdown(case: CaseResult) -> str:
    out = [f"### {case.key}. {case.title}", "", case.measures, ""]
    if case.timings:
        out += [
            "| implementation | data size | median ms | min ms | ratio to fastest "
            "| repeats x calls | first call ms |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for t in case.timings:
            name = t.impl + (f" ({t.note})" if t.note else "")
            out.append(
                f"| {name} | {t.size} | {_fmt(t.median_ms)} | {_fmt(t.min_ms)} | "
                f"{t.ratio:.2f}x | {t.repeats} x {t.number} | {_fmt(t.first_call_ms)} |"
            )
        out.append("")
    if case.checks:
        out += ["Agreement with riskkit (max absolute difference over all columns/events):", ""]
        out += ["| quantity | compared with | max abs diff | note |", "|---|---|---:|---|"]
        for c in case.checks:
            out.append(f"| {c.what} | {c.versus} | {_fmt_diff(c.max_abs_diff)} | {c.note} |")
        out.append("")
    for n in case.notes:
        out.append(f"- {n}")
    for s in case.skipped:
        out.append(f"- Not run: {s}")
    out.append("")
    return "\n".join(out)


def machine_markdown(m: dict[str, Any]) -> str:
    v = m["versions"]
    libs = ", ".join(f"{k} {val}" for k, val in v.items())
    return "\n".join(
        [
            f"- Date: {m['date_utc']}; riskkit commit {m['riskkit_commit']}",
            f"- CPU: {m['cpu']}, {m['logical_cores']} logical cores "
            f"({m['cores_available']} available to the process), {m['ram_gib']} GiB RAM, "
            f"{m['os']}",
            f"- Python {m['python']}; {libs}",
            f"- Load average (1/5/15 min) at start {m['load_avg_1_5_15min_at_start']}, at end "
            f"{m.get('load_avg_1_5_15min_at_end', 'n/a')}: other processes share these cores, "
            "so compare rows within a table (run side by side, interleaved) rather than "
            "across runs, and prefer *min* when medians are noisy.",
        ]
    )


def to_jsonable(cases: list[CaseResult]) -> list[dict[str, Any]]:
    return [asdict(c) for c in cases]
