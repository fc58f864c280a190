"""Event-study report: one self-contained HTML page plus CSVs (via riskkit.report)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from riskkit.events.multiple import STAR_RULE
from riskkit.events.results import EventStudyResult

if TYPE_CHECKING:
    from riskkit.events.simulate import SimulationResult
    from riskkit.report import Page

__all__ = [
    "KEY_EVENTS",
    "event_page",
    "key_event_table",
    "simulation_page",
    "write_event_report",
    "write_simulation_report",
]

#: The two events the README and the report single out.
KEY_EVENTS = ("BITF-2025-11-13-pivot", "IREN-2025-11-03-microsoft")


def key_event_table(
    results: Sequence[EventStudyResult], event_ids: Sequence[str] = KEY_EVENTS
) -> pd.DataFrame:
    """Day-0 AR and CARs with t and p for a few events under each model.

    Returns
    -------
    DataFrame
        One row per (event, model, window) with ``car, car_se, t, p, ghk_p``; windows
        as estimated (``[0,0]`` is the day-0 AR).

    Examples
    --------
    >>> import numpy as np
    >>> from riskkit.events import event_study
    >>> idx = pd.bdate_range("2024-01-01", periods=300, name="date")
    >>> rng = np.random.default_rng(1)
    >>> m = pd.DataFrame({"market": rng.normal(0, 0.01, 300)}, index=idx)
    >>> r = pd.DataFrame({"X": m["market"] + rng.normal(0, 0.02, 300)}, index=idx)
    >>> ev = pd.DataFrame({"event_id": ["e"], "ticker": ["X"], "date": [idx[280]],
    ...                    "timing": ["pre-market"]})
    >>> res = event_study(ev, returns=r, factors=m, calendar="returns")
    >>> key_event_table([res], ["e"])["window"].tolist()
    ['[-1,1]', '[0,0]', '[0,5]']
    """
    parts = []
    for res in results:
        f = res.to_frame()
        if f.empty:
            continue
        sub = f[f["event_id"].isin(list(event_ids))].copy()
        sub.insert(1, "model", res.model)
        parts.append(sub)
    cols = [
        "event_id",
        "model",
        "day0",
        "window",
        "window_used",
        "car",
        "car_se",
        "t",
        "p",
        "ghk_p",
    ]
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)[cols]


def _describe(res: EventStudyResult) -> dict[str, str]:
    return {
        "model": f"{res.model} (factors: {', '.join(res.factors) or 'none'})",
        "windows": ", ".join(f"[{a},{b}]" for a, b in res.windows),
        "estimation": f"{res.estimation} trading days ending {res.gap + 1} days before day 0 "
        f"(min {res.min_estimation_obs} complete obs)",
        "conventions": res.conventions,
    }


_METHOD = (
    "AR = R - X b with b fitted by OLS on each event's estimation window. "
    "CAR variance includes the prediction-error term: Var(CAR) = s^2 (L + g'(X'X)^-1 g), "
    "g = sum of the window's regressors (MacKinlay 1997); s^2 = e'e/(M - k). Per-event t is "
    "Student t with M - k df; ghk_p is the Gelbach-Helland-Klick (2013) sample-quantile "
    "p-value against same-length CARs of the estimation window. Grouped tests: "
    "cross-sectional t, Patell Z, BMP (1991), Kolari-Pynnonen (2010) adjusted BMP with the "
    "residual correlation of events whose windows share calendar dates, Corrado-Zivney rank, "
    "Cowan generalized sign. Unknown-timing events have windows widened to day +1. "
    "Overlapping same-firm event windows are removed from estimation samples by default. "
    "With event_study(tests='all'): Kolari-Pynnonen (2011) GRANK-T/GRANK-Z (each event's "
    "standardized CAR, re-standardized by the cross-sectional sd, ranked among its "
    "standardized estimation residuals), GARCH(1,1)-standardized BMP and Z (arch fit per "
    "event, variance forecast from the day before the window), wild-bootstrap p-values "
    "(B draws of Rademacher or Mammen weights on the centred standardized CARs) of BMP and "
    "Kolari-Pynnonen. p_holm / p_bh: Holm and Benjamini-Hochberg adjusted over each group's "
    "table (statsmodels multipletests)."
)


def write_event_report(
    results: EventStudyResult | Sequence[EventStudyResult],
    out_dir: str | Path,
    *,
    audit: pd.DataFrame | None = None,
    key_events: Sequence[str] = KEY_EVENTS,
    title: str = "Event study: bitcoin miners' AI/HPC pivot",
) -> Path:
    """Write ``event_study.html`` and CSVs of ARs, CARs, tests, parameters, skips.

    The page is :func:`event_page`'s (same parameters), written alone.
    """
    page = event_page(results, out_dir, audit=audit, key_events=key_events, title=title)
    return page.write(Path(out_dir) / "event_study.html")


def event_page(
    results: EventStudyResult | Sequence[EventStudyResult],
    out_dir: str | Path,
    *,
    audit: pd.DataFrame | None = None,
    key_events: Sequence[str] = KEY_EVENTS,
    title: str = "Event study: bitcoin miners' AI/HPC pivot",
) -> Page:
    """Write the CSVs of ARs, CARs, tests, parameters, skips; return the page's sections.

    Parameters
    ----------
    results
        One result or several (e.g. market and market+BTC models on the same events).
    out_dir
        Folder to write into (created if needed).
    audit
        Optional :func:`~riskkit.events.audit_catalog` frame; its sign disagreements are
        listed.
    key_events
        Event ids shown first (day-0 AR, CAR[-1,+1], CAR[0,+5] with t and p).
    title
        Page title.

    Returns
    -------
    Page
        Sections whose long tables link their CSVs (relative to ``out_dir``). CSVs written
        to ``out_dir``: ``cars_<model>.csv``,
        ``abnormal_returns_<model>.csv``, ``tests_<model>.csv``, ``params_<model>.csv``,
        ``skipped_<model>.csv``, ``overlaps.csv``, ``key_events.csv`` and ``audit.csv``.
    """
    from riskkit.report import Page, Section, write_csv

    res_list = [results] if isinstance(results, EventStudyResult) else list(results)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sections: list[Section] = []
    key = key_event_table(res_list, key_events)
    write_csv(key, out / "key_events.csv", index=False)
    if len(key):
        sections.append(
            Section(
                "Key events: day-0 AR ([0,0]), CAR[-1,+1] and CAR[0,+5]",
                table=key.assign(day0=key["day0"].astype(str)),
                note="CAR s.e. includes the prediction-error term; p is two-sided (Student t, "
                "model df); GHK p: sample-quantile test. Returns in percent here; the CSVs "
                "hold decimals.",
            )
        )
    for res in res_list:
        m = res.model
        write_csv(res.to_frame(), out / f"cars_{m}.csv", index=False)
        write_csv(res.abnormal_returns, out / f"abnormal_returns_{m}.csv")
        tests = res.tests(adjust=True)
        write_csv(tests, out / f"tests_{m}.csv", index=False)
        write_csv(res.params, out / f"params_{m}.csv", index=False)
        write_csv(res.skipped, out / f"skipped_{m}.csv", index=False)
        firm = _firm_section(tests, m)
        if firm is not None:
            sections.append(firm)
        for gb, label in (
            ("all", "all events"),
            ("scope", "firm vs market-wide events"),
            ("event_type", "by event type"),
        ):
            t = tests[tests["group_by"] == gb].drop(columns=["group_by", "signif"])
            if len(t):
                sections.append(Section(f"Tests, {label} ({m} model)", table=t, note=STAR_RULE))
        sections.append(_figure_section(res, key_events))
        cars = res.to_frame()
        if len(cars):
            keep = ["event_id", "window", "window_used", "car", "car_se", "t", "p", "bhar",
                    "ghk_p", "nobs", "note"]  # fmt: skip
            by_car = cars[keep].sort_values("car", ascending=False, kind="stable")
            sections.append(
                Section(
                    f"Per-event CARs ({m} model)",
                    table=by_car,
                    csv=f"cars_{m}.csv",
                    head_tail=True,
                    note="Sorted by CAR: the largest and the most negative (every event and "
                    "window in the CSV).",
                )
            )
        note = "; ".join(res.notes) if res.notes else None
        if len(res.skipped):
            sections.append(Section(f"Skipped events ({m} model)", table=res.skipped, note=note))
    first = res_list[0]
    ov = first.overlaps
    write_csv(ov, out / "overlaps.csv", index=False)
    n_est = int(ov["in_estimation_window"].sum())
    win = ov[ov["event_windows_overlap"] > 0]
    if n_est or len(win):
        sections.append(
            Section(
                "Overlapping events (same firm)",
                table=win if len(win) else None,
                note=f"{n_est} same-firm event window(s) inside another event's estimation "
                "window (counts per event in overlaps.csv; the pairs: "
                "riskkit.events.find_overlaps); the table lists the events whose event "
                "windows overlap another same-firm event's.",
            )
        )
    if audit is not None:
        write_csv(audit, out / "audit.csv", index=False)
        bad = audit[audit["sign_disagrees"]]
        sections.append(
            Section(
                "Catalog audit: reported move vs computed day-0 return (sign disagreements)",
                table=bad.assign(day0=bad["day0"].astype(str)),
                note=f"{len(bad)} of {len(audit)} events disagree in sign; their date or timing "
                "deserves doubt (reported moves are news figures, often intraday).",
            )
        )
    sections.append(Section("Method", note=_METHOD))
    meta = {
        "data": first.data_source,
        "date range": f"{first.date_range[0]} to {first.date_range[1]}",
        **{
            f"{k} ({r.model})" if len(res_list) > 1 else k: v
            for r in res_list
            for k, v in _describe(r).items()
        },
    }
    return Page(title, sections, meta)


def _figure_section(res: EventStudyResult, key_events: Sequence[str]):
    import matplotlib.pyplot as plt

    from riskkit.report import Section

    fig, axes = plt.subplots(1, 3, figsize=(13, 4.2))
    res.plot(ax=axes[0])
    axes[0].set_title(f"CAAR, all events ({res.model})")
    ev = res.events
    own = ev.loc[(ev["parent_id"] == ev["event_id"]) & (ev["status"] == "estimated"), "event_id"]
    if len(own):
        res.plot(event_ids=list(own), ax=axes[1])
        axes[1].set_title(f"CAAR, firm events ({res.model})")
    else:
        axes[1].set_visible(False)
    ids = [e for e in key_events if e in res.abnormal_returns.columns]
    if ids:
        res.plot(event_ids=ids, ax=axes[2])
        axes[2].set_title(f"Key events ({res.model})")
    else:
        axes[2].set_visible(False)
    fig.tight_layout()
    return Section(
        f"CAR paths ({res.model} model)",
        figure=fig,
        note="Grey band: CAAR +- 1.96 cross-sectional s.e. (five events or more); for fewer, "
        "each event's CAR +- 1.96 s sqrt(days).",
    )


#: Windows the firm-event verdict reads (day 0 and the three-day CAR).
_VERDICT_WINDOWS = ("[0,0]", "[-1,1]")


def _firm_section(tests: pd.DataFrame, model: str):
    """The firm events' tests at day 0 and [-1,+1], opened by a sentence from the numbers:
    how many tests reject at 5% before and after the Holm and BH adjustments."""
    from riskkit.report import Section

    sub = tests[(tests["group_by"] == "scope") & (tests["group"] == "firm")]
    sub = sub[sub["window"].isin(_VERDICT_WINDOWS)]
    if sub.empty:
        return None
    words = []
    for win in _VERDICT_WINDOWS:
        w = sub[sub["window"] == win]
        if w.empty:
            continue
        m = int(w["p_value"].notna().sum())
        raw, holm, bh = ((w[c] <= 0.05).sum() for c in ("p_value", "p_holm", "p_bh"))
        day = "day 0" if win == "[0,0]" else f"CAR{win}"
        kept = ", ".join(w.loc[w["p_holm"] <= 0.05, "test"])
        words.append(
            f"{day}: {raw} of {m} tests reject at 5% unadjusted, {holm} after Holm"
            + (f" ({kept})" if kept else "")
            + f", {bh} after Benjamini-Hochberg (CAAR {100 * float(w['estimate'].iloc[0]):+.2f}%)"
        )
    words.append(
        "Patell's Z and the GARCH Z assume the event leaves the variance unchanged; BMP, "
        "Kolari-Pynnonen, GRANK and the bootstrap do not"
    )
    n = int(sub["n"].max())
    table = sub.drop(columns=["group_by", "group", "signif"])
    return Section(
        f"Firm events (N = {n}): every test at day 0 and [-1,+1] ({model} model)",
        table=table,
        note="; ".join(words) + ". " + STAR_RULE,
    )


def simulation_page(
    result: SimulationResult,
    out_dir: str | Path,
    *,
    title: str = "Placebo simulation: how far to trust each event-study test",
) -> Page:
    """Write the CSVs of a :func:`~riskkit.events.simulate` result; return its page.

    The page opens with the plain-words conclusion, then the rejection rates with their
    Wilson bands under the null and with the planted effect, then what was drawn.

    Parameters
    ----------
    result
        A :class:`~riskkit.events.SimulationResult`.
    out_dir
        Folder to write into (created if needed).
    title
        Page title.

    Returns
    -------
    Page
        The page's sections. CSVs written to ``out_dir``: ``simulation_rates.csv``
        (``result.to_frame()``),
        ``simulation_pvalues.csv``, ``simulation_draws.csv``, ``simulation_trials.csv``.
    """
    from riskkit.report import Page, Section, write_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(result.to_frame(), out / "simulation_rates.csv", index=False)
    write_csv(result.p_values, out / "simulation_pvalues.csv", index=False)
    write_csv(result.draws, out / "simulation_draws.csv", index=False)
    write_csv(result.trial_log, out / "simulation_trials.csv", index=False)
    rates = result.to_frame()
    sections = [Section("Conclusion", note=result.conclusion())]
    for scen, label in (("no_effect", "under the null (no abnormal return)"),
                        ("effect", f"with {result.effect:+.1%} added to each day-0 return")):  # fmt: skip
        rows = []
        for (win, test), g in rates[rates["scenario"] == scen].groupby(
            ["window", "test"], sort=False
        ):
            row = {"window": win, "test": test}
            for r in g.to_dict("records"):
                row[f"at {100 * r['alpha']:g}%"] = (
                    f"{r['rejection_rate']:.1%} [{r['ci_low']:.1%}, {r['ci_high']:.1%}]"
                    if r["n_trials"] else "n/a"
                )  # fmt: skip
            flags = [f"{r['size']} at {100 * r['alpha']:g}%" for r in g.to_dict("records")
                     if r["size"] not in ("within band", "")]  # fmt: skip
            if scen == "no_effect":
                row["size under the null"] = "; ".join(flags) or "within band"
            rows.append(row)
        if rows:
            sections.append(
                Section(
                    f"Rejection rates {label}",
                    table=pd.DataFrame(rows),
                    note=f"Share of the {result.n_trials} trials whose p-value is at most the "
                    f"level, with its {result.level:.0%} Wilson band (statsmodels "
                    "proportion_confint). A test is over-sized when the band lies above the "
                    "level (it rejects too often: its p-values are too small), under-sized "
                    "when below.",
                )
            )
    counts = result.draws["ticker"].value_counts().sort_index()
    drawn = pd.DataFrame({"ticker": counts.index, "pseudo-events drawn": counts.to_numpy()})
    d0 = result.draws["day0"]
    log = result.trial_log
    sections.append(
        Section(
            "What was drawn",
            table=drawn,
            note=f"{len(result.draws)} pseudo-events, day 0 from {d0.min().date()} to "
            f"{d0.max().date()}; {len(result.short_trials)} trial run(s) short of events; "
            f"{int(log['n_skipped'].sum())} event run(s) skipped and "
            f"{int(log['n_thinned'].sum())} thinned by overlaps. Rules: {result.rules}. "
            f"Avoided: {result.catalog_source}.",
        )
    )
    meta = {
        "data": result.data_source,
        "date range": f"{result.date_range[0]} to {result.date_range[1]}",
        "model": result.model,
        "windows": ", ".join(f"[{a},{b}]" for a, b in result.windows),
        "estimation": f"{result.estimation} trading days ending {result.gap + 1} days before "
        f"day 0 (min {result.min_estimation_obs} complete obs)",
        "trials": f"{result.n_trials} x {result.n_events} pseudo-events, draw={result.draw}, "
        f"seed={result.seed}",
        "tickers": ", ".join(result.tickers),
    }
    return Page(title, sections, meta)


def write_simulation_report(
    result: SimulationResult,
    out_dir: str | Path,
    *,
    title: str = "Placebo simulation: how far to trust each event-study test",
) -> Path:
    """Write ``simulation.html`` and its CSVs (:func:`simulation_page`, written alone)."""
    return simulation_page(result, out_dir, title=title).write(Path(out_dir) / "simulation.html")
