"""The main job: every report on the bundled data, with one index page linking them.

The top floor of the library: it runs every area (events, risk, both backtest studies) and
renders the index with the HTML renderer of :mod:`riskkit.report`. ``riskkit report`` is a
few lines over :func:`run_full_report`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pandas as pd

from riskkit.report.html import Section, render_page

__all__ = ["FullReport", "ReportStep", "run_full_report"]

CORE_TICKERS = ("BITF", "IREN", "WULF", "HUT", "BTC-USD")


def warnings_html(messages: list[str]) -> str:
    """A ``<ul>`` of warning texts, each HTML-escaped (they carry user input: event ids,
    file names), because the page template inserts section HTML as it is.

    Examples
    --------
    >>> warnings_html(["event <b>x</b> skipped"])
    '<ul><li>event &lt;b&gt;x&lt;/b&gt; skipped</li></ul>'
    """
    return "<ul>" + "".join(f"<li>{escape(str(m))}</li>" for m in messages) + "</ul>"


@dataclass(frozen=True)
class ReportStep:
    """A step of :func:`run_full_report` as its ``on_step`` hook sees it: ``seconds`` is
    ``None`` when the step starts and its duration when it has finished.

    Examples
    --------
    >>> ReportStep("risk", 4, 7).seconds is None
    True
    """

    name: str
    number: int
    total: int
    seconds: float | None = None


#: The steps of :func:`run_full_report`, in order.
REPORT_STEPS = (
    "data_check",
    "event_study",
    "event_simulation",
    "risk",
    "stop_loss",
    "pivot_event",
    "index",
)


@dataclass(frozen=True)
class FullReport:
    """Where each part was written, how long it took, and what it warned about."""

    out_dir: Path
    index: Path
    parts: dict[str, Path]
    seconds: dict[str, float]
    warnings: dict[str, list[str]] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"riskkit report in {self.out_dir}", f"  index: {self.index}"]
        width = max((len(name) for name in self.parts), default=0)
        for name, p in self.parts.items():
            n = len(self.warnings.get(name, []))
            lines.append(f"  {name:<{width}} {p}  ({self.seconds[name]:.1f} s, {n} warning(s))")
        return "\n".join(lines)


def _data_check_table() -> pd.DataFrame:
    from riskkit.data import bundled_tickers, check_prices
    from riskkit.data.bundled import read_bundled

    rows = []
    for t in bundled_tickers():
        f = read_bundled(t)
        found = check_prices(f, t)
        rows.append(
            {
                "ticker": t,
                "first": str(f.index[0].date()),
                "last": str(f.index[-1].date()),
                "rows": len(f),
                "errors": sum(x.severity == "error" for x in found),
                "findings": "; ".join(x.message for x in found) or "ok",
            }
        )
    return pd.DataFrame(rows).set_index("ticker")


#: Placebo trials in the main job's simulation page (bands about +-3 points at 5%; the
#: README's table uses 1,000: ``riskkit event-simulate --trials 1000``).
REPORT_TRIALS = 250


def run_full_report(
    out_dir: str | Path = "reports", *, on_step: Callable[[ReportStep], None] | None = None
) -> FullReport:
    """Run the data check, event study, placebo simulation, risk report and both backtests;
    link them.

    Everything runs on the bundled snapshot (offline and reproducible); the individual
    commands (``riskkit event-study``, ``riskkit risk``, ``riskkit backtest ...``) take
    other sources and options.

    Parameters
    ----------
    out_dir
        Folder for everything (``index.html`` plus one sub-folder per part).
    on_step
        Called with a :class:`ReportStep` when each step of ``REPORT_STEPS`` starts and
        when it finishes (the command line prints a line each time; the library prints
        nothing).

    Returns
    -------
    FullReport
        Paths, timings and the warnings each part raised (also listed on the index page).
    """
    from riskkit.backtest.report import write_pivot_report, write_stop_loss_report
    from riskkit.data import load_closes
    from riskkit.events import audit_catalog, event_study, simulate, write_event_report
    from riskkit.events.report import write_simulation_report
    from riskkit.risk.report import build_risk_report
    from riskkit.studies.pivot_event import run_pivot_events
    from riskkit.studies.stop_loss import run_stop_loss_sweep

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    parts: dict[str, Path] = {}
    seconds: dict[str, float] = {}
    caught_by_part: dict[str, list[str]] = {}

    def notify(name: str, secs: float | None = None) -> None:
        if on_step is not None:
            on_step(ReportStep(name, REPORT_STEPS.index(name) + 1, len(REPORT_STEPS), secs))

    def step(name: str, fn):  # type: ignore[no-untyped-def]
        notify(name)
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            parts[name] = fn()
        seconds[name] = time.perf_counter() - t0
        caught_by_part[name] = sorted({str(w.message) for w in caught})
        notify(name, seconds[name])

    notify("data_check")
    t0 = time.perf_counter()
    checks = _data_check_table()
    notify("data_check", time.perf_counter() - t0)

    def events() -> Path:
        results = [event_study(model=m) for m in ("market", "market_btc")]
        return write_event_report(results, out / "event_study", audit=audit_catalog())

    def placebo() -> Path:  # size and power of the tests on these names (README: 1000 trials)
        res = simulate(30, n_trials=REPORT_TRIALS, effect=0.05, seed=0)
        return write_simulation_report(res, out / "event_simulation")

    def risk() -> Path:
        closes = load_closes([*CORE_TICKERS, "SPY"], source="bundled")
        rep = build_risk_report(closes, assets=list(CORE_TICKERS), market="SPY")
        return rep.write(out / "risk")["html"]

    def stop_loss() -> Path:
        res = run_stop_loss_sweep(source="bundled", progress=False)
        return write_stop_loss_report(res, out / "stop_loss")["html"]

    def pivot() -> Path:
        res = run_pivot_events(source="bundled")
        return write_pivot_report(res, out / "pivot_event")["html"]

    step("event_study", events)
    step("event_simulation", placebo)
    step("risk", risk)
    step("stop_loss", stop_loss)
    step("pivot_event", pivot)

    links = "".join(
        f'<li><a href="{escape(p.relative_to(out).as_posix())}">{name.replace("_", " ")}</a> '
        f"({seconds[name]:.1f} s)</li>"
        for name, p in parts.items()
    )
    key_csv = parts["event_study"].parent / "key_events.csv"
    sections = [Section("Reports", html=f"<ul>{links}</ul>")]
    if key_csv.is_file():
        sections.append(
            Section(
                "Key events: abnormal returns and CARs",
                table=pd.read_csv(key_csv),
                note="Market model and market + BTC two-factor model; Var(CAR) includes the "
                "prediction-error term. Details and all tests in the event-study report.",
            )
        )
    sections += [
        Section(
            "Data check (bundled snapshot)",
            table=checks,
            note="Errors: OHLC, non-positive, duplicate/unsorted dates. Warnings: missing "
            "sessions, zero volume, runs of identical closes. Nothing is repaired.",
        ),
    ]
    for name, msgs in caught_by_part.items():
        if msgs:
            sections.append(
                Section(f"Warnings raised by {name.replace('_', ' ')}", html=warnings_html(msgs))
            )
    notify("index")
    t0 = time.perf_counter()
    index = render_page(
        "riskkit: bitcoin miners turned AI data centres",
        sections=sections,
        meta={
            "price source": "bundled snapshot (offline)",
            "provenance": "riskkit/_bundled/prices/SOURCES.md",
            "events": "riskkit/_bundled/events/events.csv (EVENTS.md)",
        },
        out_path=out / "index.html",
    )
    notify("index", time.perf_counter() - t0)
    return FullReport(out, index, parts, seconds, caught_by_part)
