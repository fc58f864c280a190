"""The provenance at the end of the main job's page: where each ticker's data came from,
the bundled snapshot's note, library versions, seconds per step, and the configuration
(the effective study file and the settings read back from the results)."""

from __future__ import annotations

from html import escape
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import pandas as pd

from riskkit.report.html import Section

if TYPE_CHECKING:
    from riskkit.studies.config import StudyConfig

__all__ = [
    "configuration_table",
    "effective_config_table",
    "provenance_sections",
    "provenance_table",
    "versions_table",
]


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


def effective_config_table(cfg: StudyConfig) -> pd.DataFrame:
    """The effective configuration, one row per key of the study file (``study.toml``).

    Examples
    --------
    >>> from riskkit.studies.config import StudyConfig
    >>> t = effective_config_table(StudyConfig())
    >>> t[(t["table"] == "risk") & (t["key"] == "level")]["value"].item()
    '0.99'
    """
    import tomllib

    from riskkit.studies.config import dump_config

    parsed = tomllib.loads(dump_config(cfg))
    rows = []
    for table, body in parsed.items():
        items = body.items() if isinstance(body, dict) else [(table, body)]
        for k, v in items:
            text = ", ".join(map(str, v)) if isinstance(v, list) else str(v)
            rows.append({"table": table if isinstance(body, dict) else "", "key": k,
                         "value": text or "(none)"})  # fmt: skip
    return pd.DataFrame(rows, columns=["table", "key", "value"])


def _sources_by_ticker(kept: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Source and span of every ticker the steps loaded (risk closes, stop-loss bars)."""
    out: dict[str, dict[str, Any]] = dict(kept.get("sources", {}))
    sw = kept.get("stop_loss")
    data = sw.settings.get("data") if sw is not None else None
    if isinstance(data, dict):
        for t, v in data.items():
            out.setdefault(str(t), dict(v))
    return out


def _snapshot_note() -> str:
    """The bundled snapshot's SOURCES.md, collapsed (HTML-escaped)."""
    from importlib import resources

    node = resources.files("riskkit").joinpath("_bundled", "prices", "SOURCES.md")
    text = node.read_text(encoding="utf-8") if node.is_file() else "SOURCES.md not found."
    first = text.split("\n## ")[0].strip().splitlines()
    lead = " ".join(line for line in first[1:] if line and not line.startswith(("```", "date,")))
    return (
        f"<p>{escape(lead[:600])}</p><details><summary>the whole note (SOURCES.md: per-ticker "
        "sources, commits, caveats, verification)</summary>"
        f'<pre style="white-space: pre-wrap">{escape(text)}</pre></details>'
    )


def provenance_sections(
    cfg: StudyConfig, kept: dict[str, Any], seconds: dict[str, float]
) -> list[Section]:
    """The page's last sections: data per ticker, the snapshot's note, library versions,
    run time per step, the effective configuration and the settings read back."""
    secs = pd.DataFrame(
        {"step": [k.replace("_", " ") for k in seconds], "seconds": list(seconds.values())}
    )
    return [
        Section("Provenance"),
        Section(
            "Data: source and span per ticker",
            level=3,
            table=provenance_table(_sources_by_ticker(kept)),
            note="Per ticker: the source that served it and the date range loaded "
            "(riskkit.load_closes and load_prices record them).",
        ),
        Section("The bundled snapshot's note", level=3, html=_snapshot_note()),
        Section("Library versions", level=3, table=versions_table()),
        Section(
            "Run time per step",
            level=3,
            table=secs,
            float_format="{:.1f}",
            note="Seconds on this machine; the index row counts building the summary, not "
            "rendering this page.",
        ),
        Section(
            "Configuration (effective: the study file, then the command-line flags)",
            level=3,
            table=effective_config_table(cfg),
            html='<p class="note">As a study file: <a href="study.toml">study.toml</a> '
            "(riskkit report --config study.toml re-runs it).</p>",
            max_rows=None,
        ),
        Section(
            "Settings read back from the results",
            level=3,
            table=configuration_table(kept),
            max_rows=None,
        ),  # fmt: skip
    ]
