"""The main job: every part of the study, written as one self-contained page.

The top floor of the library: it runs every area (events, risk, both backtest studies) on
the study's configuration (:mod:`riskkit.studies.config`; the bundled study by default)
and renders one page, ``index.html``, with the HTML renderer of :mod:`riskkit.report`; the
CSVs behind its tables sit in one folder per part. ``riskkit report`` is a few lines over
:func:`run_full_report`.

The page opens with a summary in plain words whose every sentence is generated from the
result objects the steps computed (:mod:`riskkit.studies.summary`), then the key figures,
a nested table of contents, one section per part (each area's own page, nested), the data
check, the warnings, and provenance (source and date range per ticker, the snapshot's
note, library versions, run time per step, the effective configuration).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from riskkit.report.html import Page, Section, render_page
from riskkit.studies.provenance import provenance_sections
from riskkit.studies.summary import key_figures

if TYPE_CHECKING:
    from riskkit.events.results import EventStudyResult
    from riskkit.studies.config import StudyConfig

__all__ = ["PART_FOLDERS", "FullReport", "ReportStep", "pick_key_events", "run_full_report"]


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
    "event_methods",
    "event_simulation",
    "risk",
    "stop_loss",
    "pivot_event",
    "pivot_portfolio",
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
        """Where the page and each part's CSVs are, each step's seconds and warnings."""
        total = sum(self.seconds.values())
        lines = [f"riskkit report: {self.index}  ({total:.1f} s in all)"]
        width = max((len(name) for name in self.seconds), default=0)
        for name, secs in self.seconds.items():
            n = len(self.warnings.get(name, []))
            where = f"  CSVs in {self.parts[name]}" if name in self.parts else ""
            warn = f", {n} warning(s)" if n else ""
            lines.append(f"  {name.replace('_', ' '):<{width}} {secs:5.1f} s{warn}{where}")
        return "\n".join(lines)


def _data_check_table(cfg: StudyConfig) -> pd.DataFrame:
    """Per ticker: first and last date, rows, errors, findings. The bundled study checks the
    whole snapshot; another source checks the study's tickers as loaded."""
    from riskkit.data import bundled_tickers, check_prices, load_prices
    from riskkit.data.bundled import read_bundled

    rows = []
    if cfg.source == "bundled":
        frames = {t: read_bundled(t) for t in bundled_tickers()}
    else:
        names = list(dict.fromkeys([*cfg.tickers, *cfg.stop_loss_tickers, "BTC-USD", cfg.market]))
        px = load_prices(names, source=cfg.source)  # type: ignore[arg-type]
        frames = {t: pd.DataFrame(px.xs(t, axis=1, level=1)).dropna(how="all") for t in names}
    for t, f in frames.items():
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


#: Placebo trials in the main job's simulation section (bands about +-3 points at 5%; the
#: README's table uses 1,000: ``riskkit event-simulate --trials 1000``).
REPORT_TRIALS = 250


def run_full_report(
    out_dir: str | Path = "reports",
    *,
    config: StudyConfig | None = None,
    on_step: Callable[[ReportStep], None] | None = None,
) -> FullReport:
    """Run the data check, event study, placebo simulation, risk report and both backtests;
    write them as one self-contained page, ``index.html``, with the CSVs behind its tables.

    Parameters
    ----------
    out_dir
        Folder for everything: ``index.html``, ``study.toml`` (the effective
        configuration) and one sub-folder of CSVs per part (``event_study/``,
        ``event_simulation/``, ``risk/``, ``stop_loss/``, ``pivot_event/``), the folders the
        single commands write their pages into with the same ``--out``.
    config
        The study (:class:`~riskkit.studies.config.StudyConfig`, e.g. from
        :func:`~riskkit.studies.config.load_config`); None runs the bundled study on the
        bundled snapshot, offline and reproducible.
    on_step
        Called with a :class:`ReportStep` when each step of ``REPORT_STEPS`` starts and
        when it finishes (the command line shows progress from it; the library prints
        nothing).

    Returns
    -------
    FullReport
        Paths, timings, the warnings each part raised (also listed on the page) and the
        summary's sentences (``sentences``), as they open the page.
    """
    from riskkit.studies.config import StudyConfig, dump_config

    cfg = config if config is not None else StudyConfig()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    caught_by_part: dict[str, list[str]] = {}
    pages: dict[str, Page] = {}

    def notify(name: str, secs: float | None = None) -> None:
        if on_step is not None:
            on_step(ReportStep(name, REPORT_STEPS.index(name) + 1, len(REPORT_STEPS), secs))

    def step(name: str, fn: Callable[[], Page]) -> None:
        notify(name)
        t0 = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pages[name] = fn()
        seconds[name] = time.perf_counter() - t0
        caught_by_part[name] = sorted({str(w.message) for w in caught})
        notify(name, seconds[name])

    notify("data_check")
    t0 = time.perf_counter()
    checks = _data_check_table(cfg)
    seconds["data_check"] = time.perf_counter() - t0
    notify("data_check", seconds["data_check"])

    kept: dict[str, Any] = {}  # the steps' result objects, read by the summary
    steps = _steps(cfg, out, kept)
    for name in REPORT_STEPS[1:-1]:
        step(name, steps[name])

    notify("index")
    t0 = time.perf_counter()
    (out / "study.toml").write_text(dump_config(cfg), encoding="utf-8")
    key_events = pick_key_events(
        kept.get("event_study", []), cfg.key_events, catalog=kept.get("catalog")
    )
    groups = summary_groups(kept, key_events=key_events, chosen=bool(cfg.key_events))
    sections = [
        Section("Summary", html=summary_html(groups)),
        Section(
            "Key figures",
            table=key_figures(
                kept.get("event_study", []), key_events, kept.get("risk"), kept.get("stop_loss")
            ),
            formats={"value": "percent"},
            note="Returns and losses in percent (CVaR positive = loss); p: per-event t for "
            "one event, BMP / Kolari-Pynnönen for the CAAR.",
        ),
    ]
    for name, (heading, folder) in _PART_HEADINGS.items():
        if name in pages:
            sections += pages[name].nested(folder, heading=heading, note=_part_note(name, kept))
    sections.append(
        Section(
            "Data check",
            table=checks,
            note="Errors: OHLC, non-positive, duplicate/unsorted dates. Warnings: missing "
            "sessions, zero volume, runs of identical closes. Nothing is repaired.",
        )
    )
    for name, msgs in caught_by_part.items():
        if msgs:
            sections.append(
                Section(
                    f"Warnings raised by the {name.replace('_', ' ')} step",
                    html=warnings_html(msgs),
                )  # fmt: skip
            )
    seconds["index"] = time.perf_counter() - t0
    sections += provenance_sections(cfg, kept, seconds)
    index = render_page(
        cfg.title,
        sections=sections,
        meta={
            "prices": f"{cfg.source} ({'offline snapshot' if cfg.source == 'bundled' else 'see provenance'})",
            "events": str(cfg.events) if cfg.events else "bundled catalog (EVENTS.md)",
            "universe": ", ".join(cfg.tickers),
            "configuration": "study.toml beside this page (provenance at the end)",
        },
        out_path=out / "index.html",
        contents_after=2,
    )
    notify("index", time.perf_counter() - t0)
    parts = {name: out / folder for name, (_h, folder) in _PART_HEADINGS.items() if name in pages}
    sentences = tuple(s for _, group in groups for s in group)
    return FullReport(out, index, parts, seconds, caught_by_part, sentences)


#: Each part's heading on the page and its folder of CSVs.
_PART_HEADINGS = {
    "event_study": ("Events: what the announcements did", "event_study"),
    "event_methods": ("Events: after the announcements (drift, calendar time, cross-section)",
                      "event_methods"),
    "event_simulation": ("Events: how far to trust the tests (placebo simulation)",
                         "event_simulation"),
    "risk": ("Risk", "risk"),
    "stop_loss": ("Backtests: did stop-losses help?", "stop_loss"),
    "pivot_event": ("Backtests: trading the announcements", "pivot_event"),
    "pivot_portfolio": ("Backtests: the announcements as one portfolio", "pivot_portfolio"),
}  # fmt: skip


#: The folder of each part's CSVs under the report's folder (the single commands use the
#: same ones with the same ``--out``).
PART_FOLDERS = tuple(folder for _heading, folder in _PART_HEADINGS.values())


def _part_note(name: str, kept: dict[str, Any]) -> str | None:
    from riskkit.studies.summary import risk_sentences

    if name == "risk" and "risk" in kept:
        return " ".join(risk_sentences(kept["risk"]))
    return None


def _catalog(cfg: StudyConfig) -> pd.DataFrame:
    """The study's events: the file (or the bundled catalog), kept to ``event_tickers``
    and market-wide events when the study names tickers."""
    from riskkit.events import load_events

    ev = load_events(cfg.events)
    if cfg.event_tickers:
        ev = ev[ev["ticker"].isin([*cfg.event_tickers, "MKT"])].reset_index(drop=True)
    return ev


def _steps(cfg: StudyConfig, out: Path, kept: dict[str, Any]) -> dict[str, Callable[[], Page]]:
    """The main job's steps, each returning its page (its CSVs written to ``out/<part>``)."""
    from riskkit.backtest.report import pivot_page, stop_loss_page
    from riskkit.data import load_closes
    from riskkit.events import audit_catalog, event_study, simulate
    from riskkit.events.report import event_page, simulation_page
    from riskkit.risk.report import build_risk_report
    from riskkit.studies.pivot_event import run_pivot_events
    from riskkit.studies.stop_loss import run_stop_loss_sweep, stop_loss_grid

    universe = list(cfg.event_tickers) or None

    def study_catalog() -> pd.DataFrame:  # read once (in the first step that needs it)
        if "catalog" not in kept:
            kept["catalog"] = _catalog(cfg)
        return kept["catalog"]

    def events() -> Page:
        catalog = study_catalog()
        results = [
            event_study(catalog, model=m, windows=cfg.windows, estimation=cfg.estimation,
                        gap=cfg.gap, universe=universe, market=cfg.market,
                        tests=cfg.event_tests(), seed=cfg.seed)
            for m in cfg.models
        ]  # fmt: skip
        kept["event_study"] = results
        keys = pick_key_events(results, cfg.key_events, catalog=catalog)
        return event_page(results, out / "event_study", audit=audit_catalog(catalog),
                          key_events=keys)  # fmt: skip

    def methods() -> Page:  # long-horizon, calendar-time and cross-sectional (issue 10)
        from riskkit.events.calendar_time import calendar_time, calendar_time_section
        from riskkit.events.cross_section import cross_section, cross_section_section
        from riskkit.events.long_horizon import long_horizon, long_horizon_section
        from riskkit.report import write_csv

        # on the event study's own events (the estimated ones, first model), as documented
        # in docs/event_methods.md; BHARs need no estimation window, but the cross-section
        # regresses the study's CARs
        study = kept["event_study"][0]
        lh = long_horizon(study, seed=cfg.seed, scope="firm")
        ct = calendar_time(study, scope="firm")
        cs = cross_section(study, scope="firm")
        folder = out / "event_methods"
        for name, res in (("long_horizon", lh), ("calendar_time", ct), ("cross_section", cs)):
            write_csv(res.to_frame(), folder / f"{name}.csv")
        kept["event_methods"] = (lh, ct, cs)
        sections = [*long_horizon_section(lh), *calendar_time_section(ct),
                    *cross_section_section(cs)]  # fmt: skip
        return Page("After the announcements", sections)

    def placebo() -> Page:  # size and power of the tests on these names
        res = simulate(cfg.sim_events, n_trials=cfg.sim_trials, effect=cfg.sim_effect,
                       seed=cfg.seed, tickers=_simulation_firms(cfg), events=study_catalog(),
                       market=cfg.market)  # fmt: skip
        kept["event_simulation"] = res
        return simulation_page(res, out / "event_simulation")

    def risk() -> Page:
        names = list(dict.fromkeys([*cfg.tickers, "BTC-USD", cfg.market]))
        closes = load_closes(names, source=cfg.source)  # type: ignore[arg-type]
        rep = build_risk_report(
            closes, assets=list(cfg.tickers), weights=cfg.weights_by_ticker(),
            level=cfg.var_level, window=cfg.var_window, market=cfg.market,
            stress_days=list(cfg.stress_days), btc_shocks=list(cfg.btc_shocks),
        )  # fmt: skip
        kept["risk"], kept["sources"] = rep, dict(closes.attrs.get("riskkit_sources", {}))
        return rep.page(out / "risk")

    def stop_loss() -> Page:
        grid = stop_loss_grid(fixed=cfg.fixed_stops, trailing=cfg.trailing_stops,
                              atr=cfg.atr_stops, targets=cfg.targets, after_stop=cfg.after_stop)  # fmt: skip
        res = run_stop_loss_sweep(
            cfg.stop_loss_tickers, grid=grid, source=cfg.source, fees=cfg.fees,
            slippage=cfg.slippage, ambiguity=cfg.ambiguity,  # type: ignore[arg-type]
            walk_forward_windows=cfg.walk_forward, btc_level=cfg.btc_level,
            hedge_level=cfg.btc_level, progress=False,
        )  # fmt: skip
        kept["stop_loss"] = res
        return stop_loss_page(res, out / "stop_loss")

    def pivot() -> Page:
        res = run_pivot_events(
            events=study_catalog(), hold=cfg.hold, direction=cfg.direction, hedge=cfg.hedge,
            source=cfg.source, fees=cfg.fees, slippage=cfg.slippage,
            ambiguity=cfg.ambiguity,  # type: ignore[arg-type]
        )  # fmt: skip
        kept["pivot_event"] = res
        return pivot_page(res, out / "pivot_event")

    def portfolio() -> Page:  # the pivot-event rule from one account (issue 12)
        from riskkit.studies.pivot_portfolio import pivot_portfolio_page, run_pivot_portfolio

        res = run_pivot_portfolio(events=study_catalog(), hold=cfg.hold, fees=cfg.fees,
                                  slippage=cfg.slippage, source=cfg.source)  # fmt: skip
        kept["pivot_portfolio"] = res
        return pivot_portfolio_page(res, out / "pivot_portfolio")

    return {"event_study": events, "event_methods": methods, "event_simulation": placebo,
            "risk": risk,
            "stop_loss": stop_loss, "pivot_event": pivot,
            "pivot_portfolio": portfolio}  # fmt: skip


def _simulation_firms(cfg: StudyConfig) -> list[str] | None:
    """The placebo simulation's firms: the study's event tickers, else its universe's
    stocks when it names its own universe, else None (simulate's default: the miners)."""
    from riskkit.studies.config import CORE_TICKERS

    if cfg.event_tickers:
        return list(cfg.event_tickers)
    if tuple(cfg.tickers) != CORE_TICKERS:
        return [t for t in cfg.tickers if t != "BTC-USD"]
    return None


def pick_key_events(
    results: Sequence[EventStudyResult],
    wanted: Sequence[str] = (),
    *,
    catalog: pd.DataFrame | None = None,
    n: int = 2,
) -> tuple[str, ...]:
    """The announcements the page singles out: ``wanted`` if given; else the bundled two
    (Bitfarms' pivot, IREN's Microsoft contract) when the results hold them; else the
    ``n`` firm events (not market-wide ``MKT`` rows of ``catalog``) with the largest
    absolute day-0 abnormal return under the first model."""
    from riskkit.events.report import KEY_EVENTS

    if wanted:
        return tuple(wanted)
    if not results:
        return ()
    cars = results[0].cars
    have = set(cars["event_id"].astype(str))
    if all(e in have for e in KEY_EVENTS):
        return KEY_EVENTS
    d0 = cars[cars["window"] == "[0,0]"]
    if catalog is not None:
        market_ids = set(catalog.loc[catalog["ticker"] == "MKT", "event_id"].astype(str))
        d0 = d0[~d0["event_id"].astype(str).isin(market_ids)]
    order = d0.assign(size=d0["car"].abs()).sort_values("size", ascending=False)
    return tuple(order["event_id"].astype(str).drop_duplicates().head(n))


def summary_groups(
    kept: dict[str, Any], *, key_events: Sequence[str] | None = None, chosen: bool = False
) -> list[tuple[str, list[str]]]:
    """The summary's paragraphs, (heading, sentences), from the steps' result objects
    (keys ``event_study``, ``event_simulation``, ``risk``, ``stop_loss``); a missing step
    leaves its paragraph out. ``key_events``: the announcements singled out (default: the
    bundled two); ``chosen``: the study named them (else they are headed as the largest
    reactions when they are not the bundled two)."""
    from riskkit.events.report import KEY_EVENTS
    from riskkit.studies.summary import (
        caar_sentences,
        key_event_sentences,
        risk_sentences,
        robust_test_sentences,
        simulation_sentence,
        stop_loss_sentences,
    )

    keys = tuple(KEY_EVENTS if key_events is None else key_events)
    groups: list[tuple[str, list[str]]] = []
    ev = kept.get("event_study")
    if ev:
        if keys:
            lines = [s for eid in keys for s in key_event_sentences(ev, eid)]
            lines.append(
                "p-values of one event come from its per-event t (the CAR over its "
                "prediction-error standard error, Student t with the model's df: the one-event "
                "form of BMP and Kolari-Pynnönen)."
            )
            head = (
                {1: "The announcement", 2: "The two announcements"}.get(
                    len(keys), f"The {len(keys)} announcements"
                )
                if key_events is None or tuple(key_events) == tuple(KEY_EVENTS) or chosen
                else "The largest reactions"
            )
            groups.append((head, lines))
        groups.append(("Every firm event", caar_sentences(ev) + robust_test_sentences(ev)))
    if "event_methods" in kept:
        lh, ct, cs = kept["event_methods"]
        groups.append(
            ("After the announcements", [lh.conclusion(), ct.conclusion(), cs.conclusion()])
        )
    if "event_simulation" in kept:
        groups.append(
            ("How far to trust the tests", [simulation_sentence(kept["event_simulation"])])
        )
    if "risk" in kept:
        groups.append(("The riskiest name", risk_sentences(kept["risk"])))
    if "stop_loss" in kept:
        groups.append(("Did stops help?", stop_loss_sentences(kept["stop_loss"])))
    if "pivot_portfolio" in kept:
        groups.append(("Trading the announcements from one account",
                       [kept["pivot_portfolio"].conclusion()]))  # fmt: skip
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
