"""Run every riskkit benchmark side by side with its peers, in one process and one run.

Usage::

    python bench/run.py [--quick] [--out bench/results] [--only 2 5]
    python bench/run.py sweep [--quick]      # only the 4,000-config backtest sweep
    python bench/run.py events [--sizes 1000,10000] [--timeout 900]   # event-study scaling
    python bench/run.py dask [--quick]       # 1 vs 2 local dask workers: sweep and placebo

Cases 1-5 write ``<out>/RESULTS.md`` (one table per case plus the machine) and
``<out>/results.json``; the sweep writes ``<out>/SWEEP.md`` and ``<out>/sweep.json``; ``events`` writes
``<out>/EVENTS.md`` and ``<out>/events.json``; ``dask`` writes ``<out>/DASK.md`` and
``<out>/dask.json``.
Method: see ``bench/_harness.py``, ``bench/case_sweep.py``, ``bench/events.py`` and
``bench/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# Benchmarks never touch the network or the user's cache: riskkit reads its bundled data.
os.environ.setdefault("RISKKIT_OFFLINE", "1")

import case_backtest  # noqa: E402
import case_dask  # noqa: E402
import case_events  # noqa: E402
import case_loading  # noqa: E402
import case_risk  # noqa: E402
import case_sweep  # noqa: E402
import case_var_methods  # noqa: E402
import events as case_events_scale  # noqa: E402
from _harness import (  # noqa: E402
    CaseResult,
    Settings,
    case_markdown,
    dist_version,
    load_average,
    machine_info,
    machine_markdown,
    to_jsonable,
)

CASES = {
    "1": case_loading,
    "2": case_risk,
    "3": case_var_methods,
    "4": case_events,
    "5": case_backtest,
}


def _splice_readme(text: str) -> None:
    readme = HERE / "README.md"
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    src = readme.read_text(encoding="utf-8")
    head, rest = src.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{text.strip()}\n{end}{tail}", encoding="utf-8")


def _run_sweep(settings: Settings, machine: dict, out: Path) -> None:
    """The backtest sweep (bench/case_sweep.py): its own page, SWEEP.md and sweep.json."""
    machine = {**machine, "versions": {**machine["versions"], **case_sweep.peer_versions()}}
    print(f"case sweep: {case_sweep.__doc__.splitlines()[0] if case_sweep.__doc__ else ''}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = case_sweep.run(settings)
    machine["load_avg_1_5_15min_at_end"] = load_average()
    mode = (
        f"{'--quick' if settings.quick else 'full'} run; total wall time {rep.wall_s:.0f} s "
        "(children included)"
    )
    (out / "SWEEP.md").write_text(
        case_sweep.markdown(rep, machine_markdown(machine), mode), encoding="utf-8"
    )
    payload = {"machine": machine, "mode": mode, "sweep": rep.to_json()}
    (out / "sweep.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"wrote {out / 'SWEEP.md'} and sweep.json in {rep.wall_s:.0f} s")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(x.replace("_", "")) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--sizes {text!r}: give event counts separated by commas, e.g. 1000,10000"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--sizes {text!r}: every size must be at least 1")
    return sizes


def _run_events(args: argparse.Namespace, machine: dict, out: Path) -> None:
    """The event-study scaling case (bench/events.py): EVENTS.md and events.json."""
    mod = case_events_scale
    machine = {**machine, "versions": {**machine["versions"], **mod.peer_versions()}}
    print(f"case events: {mod.__doc__.splitlines()[0] if mod.__doc__ else ''}")
    rep = mod.run(
        sizes=args.sizes,
        timeout=args.timeout,
        max_rss_gib=args.max_rss_gib,
        exclude_at=args.exclude_at,
    )
    machine["load_avg_1_5_15min_at_end"] = load_average()
    command = "python bench/run.py events"
    if list(args.sizes) != list(mod.SIZES):
        command += " --sizes " + ",".join(str(n) for n in args.sizes)
    if args.timeout != mod.TIMEOUT_S:
        command += f" --timeout {args.timeout:g}"
    if args.exclude_at != mod.EXCLUDE_AT:
        command += f" --exclude-at {args.exclude_at}"
    mode = (
        f"sizes {', '.join(f'{n:,}' for n in rep.sizes)}; per-case budget {args.timeout:.0f} s, "
        f"memory cap {rep.max_rss_mib:,.0f} MiB; total wall time {rep.wall_s:.0f} s "
        "(children included)"
    )
    (out / "EVENTS.md").write_text(
        mod.markdown(rep, machine_markdown(machine), mode, command), encoding="utf-8"
    )
    payload = {"machine": machine, "mode": mode, "command": command, "events": rep.to_json()}
    (out / "events.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"wrote {out / 'EVENTS.md'} and events.json in {rep.wall_s:.0f} s")


def _run_dask(settings: Settings, machine: dict, out: Path) -> None:
    """1 vs 2 local dask workers (bench/case_dask.py): DASK.md and dask.json."""
    machine = {**machine, "versions": {**machine["versions"], "dask": dist_version("dask"),
                                       "distributed": dist_version("distributed")}}  # fmt: skip
    print(f"case dask: {case_dask.__doc__.splitlines()[0] if case_dask.__doc__ else ''}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = case_dask.run(quick=settings.quick)
    machine["load_avg_1_5_15min_at_end"] = load_average()
    mode = f"{'--quick' if settings.quick else 'full'} run; total wall time {rep.wall_s:.0f} s"
    (out / "DASK.md").write_text(
        case_dask.markdown(rep, machine_markdown(machine), mode), encoding="utf-8"
    )
    payload = {"machine": machine, "mode": mode, "dask": rep.to_json()}
    (out / "dask.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"wrote {out / 'DASK.md'} and dask.json in {rep.wall_s:.0f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--quick", action="store_true", help="5 repeats of ~20 ms instead of 15 of ~40 ms"
    )
    ap.add_argument(
        "select",
        nargs="*",
        metavar="CASE",
        help="cases to run: 1-5, 'sweep', 'events' and/or 'dask' (default: 1-5; the sweep takes "
        "~5 min alone, events up to an hour, dask ~10 min)",
    )
    ap.add_argument("--out", type=Path, default=HERE / "results", help="output folder")
    ap.add_argument("--only", nargs="*", choices=sorted(CASES), help="run only these cases")
    ap.add_argument(
        "--readme",
        action="store_true",
        help="also copy the results into bench/README.md (between the results markers)",
    )
    ev = ap.add_argument_group("events")
    ev.add_argument(
        "--sizes",
        type=_sizes,
        default=list(case_events_scale.SIZES),
        help="catalog sizes, comma-separated (default 1000,10000,100000)",
    )
    ev.add_argument(
        "--timeout",
        type=float,
        default=case_events_scale.TIMEOUT_S,
        help="seconds allowed per (size, implementation) child before it is killed "
        f"(default {case_events_scale.TIMEOUT_S:.0f})",
    )
    ev.add_argument(
        "--max-rss-gib",
        type=float,
        default=round(case_events_scale.MAX_RSS_GIB, 1),
        help="a child whose resident set passes this is killed (default: half the RAM)",
    )
    ev.add_argument(
        "--exclude-at",
        type=int,
        default=case_events_scale.EXCLUDE_AT,
        help="catalog size at which riskkit's default overlap='exclude' also runs "
        f"(default {case_events_scale.EXCLUDE_AT})",
    )
    args = ap.parse_args(argv)
    bad = [c for c in args.select if c not in CASES and c not in ("sweep", "events", "dask")]
    if bad:
        ap.error(f"unknown case(s) {bad}; choose from {sorted(CASES)}, 'sweep', 'events' or 'dask'")
    keys = [k for k in CASES if k in args.select or (args.only and k in args.only)]
    if not args.select and not args.only:
        keys = list(CASES)
    settings = Settings(quick=args.quick)
    machine = machine_info()
    print("riskkit benchmarks", "(quick)" if args.quick else "", machine["date_utc"])
    args.out.mkdir(parents=True, exist_ok=True)
    if "sweep" in args.select:
        _run_sweep(settings, machine, args.out)
    if "events" in args.select:
        _run_events(args, machine, args.out)
    if "dask" in args.select:
        _run_dask(settings, machine, args.out)
    if not keys:
        return 0
    t0 = time.perf_counter()
    results: list[CaseResult] = []
    # Library chatter (quantstats/vectorbt deprecation notices, riskkit's skipped-event
    # warnings) would drown the progress lines; it does not change any timing.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key in keys:
            mod = CASES[key]
            print(f"case {key}: {mod.__doc__.splitlines()[0] if mod.__doc__ else mod.__name__}")
            results.extend(mod.run(settings))
    total = time.perf_counter() - t0
    machine["load_avg_1_5_15min_at_end"] = load_average()
    mode = (
        f"{'--quick' if args.quick else 'full'} run: up to {settings.repeats} repeats of "
        f"~{settings.target_s * 1e3:.0f} ms (at least 3, at most ~{settings.budget_s:.0f} s "
        f"per implementation); total wall time {total:.0f} s"
    )
    md = [
        "# riskkit benchmark results",
        "",
        "Generated by `python bench/run.py"
        + (" --quick" if args.quick else "")
        + "`. Do not edit by hand; method in `bench/README.md`.",
        "",
        "## Machine",
        "",
        machine_markdown(machine),
        f"- {mode}",
        "",
        "Times are per call, in milliseconds, steady state (first call excluded and shown "
        "separately). *ratio to fastest* compares medians within the same data size. REAL = "
        "the bundled snapshot; SYNTHETIC = generated data, labelled as such.",
        "",
        "## Cases",
        "",
    ]
    md += [case_markdown(c) for c in results]
    (args.out / "RESULTS.md").write_text("\n".join(md).rstrip() + "\n", encoding="utf-8")
    payload = {"machine": machine, "mode": mode, "cases": to_jsonable(results)}
    (args.out / "results.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")
    if args.readme:
        body = "\n".join(md[md.index("## Machine") :]).splitlines()
        demoted = ["#" + ln if ln.startswith("#") else ln for ln in body]  # under "## Results"
        note = "Copied from `bench/results/RESULTS.md` by `python bench/run.py --readme`."
        _splice_readme(note + "\n\n" + "\n".join(demoted))
    print(f"wrote {args.out / 'RESULTS.md'} and results.json in {total:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
