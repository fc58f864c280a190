"""The main job: every report on the bundled data, with one index page linking them.

The top floor of the library: it runs every area (events, risk, both backtest studies) and
renders the index with the HTML renderer of :mod:`riskkit.report`. ``riskkit report`` is a
few lines over :func:`run_full_report`.

The index opens with a summary in plain words whose every sentence is generated from the
result objects the steps computed (:mod:`riskkit.studies.summary`), then the key figures,
a table of contents with anchors and links to the sub-pages, the key-event and data-check
tables, and provenance (source and date range per ticker, library versions, run time per
step, the configuration each step ran with).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

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
    #: The plain-words summary at the top of the index page, one sentence an item.
    sentences: tuple[str, ...] = ()

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
        Paths, timings, the warnings each part raised (also listed on the index page) and
        the summary's sentences (``sentences``), as they open the index page.
    """
    from riskkit.backtest.report import write_pivot_report, write_stop_loss_report
    from riskkit.data import load_closes
    from riskkit.events import audit_catalog, event_study, simulate, write_event_report
    from riskkit.events.report import KEY_EVENTS, write_simulation_report
    from riskkit.risk.report import build_risk_report
    from riskkit.studies.pivot_event import run_pivot_events
    from riskkit.studies.stop_loss import run_stop_loss_sweep
    from riskkit.studies.summary import key_figures

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
    check_secs = time.perf_counter() - t0
    notify("data_check", check_secs)

    kept: dict[str, Any] = {}  # the steps' result objects, read by the summary

    def events() -> Path:
        results = [event_study(model=m) for m in EVENT_MODELS]
        kept["event_study"] = results
        return write_event_report(results, out / "event_study", audit=audit_catalog())

    def placebo() -> Path:  # size and power of the tests on these names (README: 1000 trials)
        res = simulate(30, n_trials=REPORT_TRIALS, effect=0.05, seed=0)
        kept["event_simulation"] = res
        return write_simulation_report(res, out / "event_simulation")

    def risk() -> Path:
        closes = load_closes([*CORE_TICKERS, "SPY"], source="bundled")
        rep = build_risk_report(closes, assets=list(CORE_TICKERS), market="SPY")
        kept["risk"], kept["sources"] = rep, dict(closes.attrs.get("riskkit_sources", {}))
        return rep.write(out / "risk")["html"]

    def stop_loss() -> Path:
        res = run_stop_loss_sweep(source="bundled", progress=False)
        kept["stop_loss"] = res
        return write_stop_loss_report(res, out / "stop_loss")["html"]

    def pivot() -> Path:
        res = run_pivot_events(source="bundled")
        kept["pivot_event"] = res
        return write_pivot_report(res, out / "pivot_event")["html"]

    step("event_study", events)
    step("event_simulation", placebo)
    step("risk", risk)
    step("stop_loss", stop_loss)
    step("pivot_event", pivot)

    notify("index")
    t0 = time.perf_counter()
    groups = summary_groups(kept)
    sections = [
        Section("Summary", html=_anchor("summary") + summary_html(groups)),
        Section(
            "Key figures",
            html=_anchor("key-figures"),
            table=key_figures(
                kept.get("event_study", []), KEY_EVENTS, kept.get("risk"), kept.get("stop_loss")
            ),
            formats={"value": "percent"},
            note="Returns and losses in percent (CVaR positive = loss); p: per-event t for "
            "one event, BMP / Kolari-Pynnönen for the CAAR.",
        ),
    ]
    body: list[tuple[str, Section]] = []
    key_csv = parts["event_study"].parent / "key_events.csv"
    if key_csv.is_file():
        body.append(
            (
                "key-events",
                Section(
                    "Key events: abnormal returns and CARs",
                    table=pd.read_csv(key_csv),
                    note="Market model and market + BTC two-factor model; Var(CAR) includes "
                    "the prediction-error term. Details and all tests in the event-study report.",
                ),
            )
        )
    body.append(
        (
            "data-check",
            Section(
                "Data check (bundled snapshot)",
                table=checks,
                note="Errors: OHLC, non-positive, duplicate/unsorted dates. Warnings: missing "
                "sessions, zero volume, runs of identical closes. Nothing is repaired.",
            ),
        )
    )
    for name, msgs in caught_by_part.items():
        if msgs:
            body.append(
                (
                    f"warnings-{name.replace('_', '-')}",
                    Section(
                        f"Warnings raised by {name.replace('_', ' ')}", html=warnings_html(msgs)
                    ),
                )
            )
    seconds_now = {"data_check": check_secs, **seconds, "index": time.perf_counter() - t0}
    body += [
        (
            "provenance",
            Section(
                "Provenance: data",
                table=provenance_table(kept.get("sources", {})),
                note="Per ticker: the source and the date range the risk step loaded "
                "(riskkit.load_closes(...).attrs['riskkit_sources']); the snapshot's origin "
                "is described in riskkit/_bundled/prices/SOURCES.md.",
            ),
        ),
        ("versions", Section("Provenance: library versions", table=versions_table())),
        (
            "run-time",
            Section(
                "Provenance: run time per step",
                table=pd.DataFrame(
                    {
                        "step": [k.replace("_", " ") for k in seconds_now],
                        "seconds": [round(v, 1) for v in seconds_now.values()],
                    }  # fmt: skip
                ),
                note="The index row counts building the summary, not writing this page.",
            ),
        ),
        (
            "configuration",
            Section("Provenance: configuration", table=configuration_table(kept)),
        ),
    ]
    links = "".join(
        f'<li><a href="{escape(p.relative_to(out).as_posix())}">{name.replace("_", " ")}</a> '
        f"({seconds[name]:.1f} s)</li>"
        for name, p in parts.items()
    )
    toc = "".join(
        f'<li><a href="#{a}">{escape(s.heading)}</a></li>'
        for a, s in [("summary", sections[0]), ("key-figures", sections[1]), *body]
    )
    sections.append(
        Section(
            "Contents",
            html=_anchor("contents")
            + f"<ul>{toc}</ul><p>Reports (one page each, with their CSVs):</p><ul>{links}</ul>",
        )
    )
    for a, s in body:
        sections.append(
            Section(
                s.heading,
                html=_anchor(a) + (s.html or ""),
                table=s.table,
                note=s.note,
                formats=s.formats,
            )
        )
    index = render_page(
        "riskkit: bitcoin miners turned AI data centres",
        sections=sections,
        meta={
            "price source": "bundled snapshot (offline)",
            "provenance": "riskkit/_bundled/prices/SOURCES.md (details at the end of the page)",
            "events": "riskkit/_bundled/events/events.csv (EVENTS.md)",
        },
        out_path=out / "index.html",
    )
    notify("index", time.perf_counter() - t0)
    sentences = tuple(s for _, group in groups for s in group)
    return FullReport(out, index, parts, seconds, caught_by_part, sentences)


#: The normal-return models of the main job's event study.
EVENT_MODELS = ("market", "market_btc")


def _anchor(name: str) -> str:
    return f'<a id="{escape(name)}"></a>'


def summary_groups(kept: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """The summary's paragraphs, (heading, sentences), from the steps' result objects
    (keys ``event_study``, ``event_simulation``, ``risk``, ``stop_loss``); a missing step
    leaves its paragraph out."""
    from riskkit.events.report import KEY_EVENTS
    from riskkit.studies.summary import (
        caar_sentences,
        key_event_sentences,
        risk_sentences,
        simulation_sentence,
        stop_loss_sentences,
    )

    groups: list[tuple[str, list[str]]] = []
    ev = kept.get("event_study")
    if ev:
        lines = [s for eid in KEY_EVENTS for s in key_event_sentences(ev, eid)]
        lines.append(
            "p-values of one event come from its per-event t (the CAR over its "
            "prediction-error standard error, Student t with the model's df: the one-event "
            "form of BMP and Kolari-Pynnönen)."
        )
        groups.append(("The two announcements", lines))
        groups.append(("Every firm event", caar_sentences(ev)))
    if "event_simulation" in kept:
        groups.append(
            ("How far to trust the tests", [simulation_sentence(kept["event_simulation"])])
        )
    if "risk" in kept:
        groups.append(("The riskiest name", risk_sentences(kept["risk"])))
    if "stop_loss" in kept:
        groups.append(("Did stops help?", stop_loss_sentences(kept["stop_loss"])))
    return groups


def summary_html(groups: list[tuple[str, list[str]]]) -> str:
    """One paragraph a group, its heading in bold, every sentence HTML-escaped.

    Examples
    --------
    >>> summary_html([("Risk", ["A < B."])])
    '<p><strong>Risk.</strong> A &lt; B.</p>'
    """
    return "".join(
        f"<p><strong>{escape(h if h.endswith(('.', '?', '!')) else h + '.')}</strong> "
        f"{escape(' '.join(lines))}</p>"
        for h, lines in groups
    )


def provenance_table(sources: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Source and date range per ticker, from ``attrs["riskkit_sources"]`` of the closes.

    Examples
    --------
    >>> provenance_table({"X": {"source": "bundled", "first": "2024-01-02",
    ...                          "last": "2024-12-31", "rows": 251}}).to_dict("records")
    [{'ticker': 'X', 'source': 'bundled', 'first': '2024-01-02', 'last': '2024-12-31', 'rows': 251}]
    """
    rows = [
        {
            "ticker": t,
            "source": v.get("source"),
            "first": v.get("first"),
            "last": v.get("last"),
            "rows": v.get("rows"),
        }  # fmt: skip
        for t, v in sources.items()
    ]
    return pd.DataFrame(rows, columns=["ticker", "source", "first", "last", "rows"])


#: Libraries whose versions the provenance lists.
_LIBRARIES = ("riskkit", "numpy", "pandas", "scipy", "statsmodels", "numba", "arch",
              "matplotlib", "jinja2")  # fmt: skip


def versions_table() -> pd.DataFrame:
    """Installed version of each library the report uses (``not installed`` if absent)."""
    rows = []
    for lib in _LIBRARIES:
        try:
            v = version(lib)
        except PackageNotFoundError:
            v = "not installed"
        rows.append({"library": lib, "version": v})
    return pd.DataFrame(rows)


def configuration_table(kept: dict[str, Any]) -> pd.DataFrame:
    """The settings each step ran with, read back from its result objects."""
    rows: list[tuple[str, str, str]] = []
    for res in kept.get("event_study", []):
        rows += [
            ("event study", f"model {res.model}", f"factors {', '.join(res.factors) or 'none'}"),
            ("event study", f"windows ({res.model})",
             ", ".join(f"[{a},{b}]" for a, b in res.windows)),
            ("event study", f"estimation ({res.model})",
             f"{res.estimation} trading days ending {res.gap + 1} days before day 0, "
             f"min {res.min_estimation_obs} obs"),
            ("event study", f"conventions ({res.model})", str(res.conventions)),
        ]  # fmt: skip
    sim = kept.get("event_simulation")
    if sim is not None:
        rows += [
            ("placebo simulation", "trials",
             f"{sim.n_trials} x {sim.n_events} pseudo-events, draw={sim.draw}, seed={sim.seed}"),
            ("placebo simulation", "effect", f"{sim.effect:+.1%} on day 0"),
            ("placebo simulation", "model", str(sim.model)),
        ]  # fmt: skip
    rep = kept.get("risk")
    if rep is not None:
        rows += [("risk", str(k), str(v)) for k, v in rep.meta.items() if k != "data"]
    sw = kept.get("stop_loss")
    if sw is not None:
        st = sw.settings
        rows += [
            ("stop loss", "configurations", f"{len(sw.stats):,}"),
            ("stop loss", "costs per fill", f"fees {st.get('fees')}, slippage {st.get('slippage')}"),
            ("stop loss", "fill contract", str(st.get("fill_contract"))),
            ("stop loss", "ambiguity rule", str(st.get("ambiguity"))),
            ("stop loss", "date range", f"{st.get('first')} to {st.get('last')}"),
        ]  # fmt: skip
    pv = kept.get("pivot_event")
    if pv is not None:
        st = pv.settings
        rows += [
            ("pivot event", k, str(st.get(k)))
            for k in ("hold", "direction", "sl_stop", "tp_stop", "hedge", "fees", "slippage")
            if k in st
        ]
    return pd.DataFrame(rows, columns=["step", "setting", "value"])
