"""Write backtest results to a reports directory: results CSV, trade list CSV, HTML page.

Every page goes through :func:`riskkit.report.render_page` (self-contained, figures inlined).
:func:`stop_loss_table` labels a stop-loss sweep's configurations (entry rule, stop kind,
stop value, target) for its page and for the study in :mod:`riskkit.studies.stop_loss`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskkit.backtest.results import BacktestResult, SweepResult

if TYPE_CHECKING:
    from riskkit.report import Page

__all__ = [
    "STOP_KINDS",
    "pivot_page",
    "stop_loss_page",
    "stop_loss_table",
    "write_pivot_report",
    "write_stop_loss_report",
]

#: Stop kinds of the study (``stop`` column of :func:`stop_loss_table`).
STOP_KINDS = ("none", "fixed", "trailing", "atr", "btc_level")


def stop_loss_table(res: SweepResult) -> pd.DataFrame:
    """The sweep's rows with the study's labels: entry, stop kind, stop value, target."""
    tab = res.to_frame()
    sig = tab["signals"].astype(str)
    n = len(tab)

    def col(name: str, fill: Any) -> pd.Series:
        return tab[name] if name in tab else pd.Series(fill, index=tab.index)

    sl, sl_atr = col("sl_stop", np.nan).astype(float), col("sl_atr", np.nan).astype(float)
    trail = col("sl_trail", False).fillna(False).astype(bool)
    kind = np.full(n, "none", dtype=object)
    kind[sig.str.endswith("+btc_level").to_numpy()] = "btc_level"
    kind[sl.notna().to_numpy()] = "fixed"
    kind[(sl.notna() & trail).to_numpy()] = "trailing"
    kind[sl_atr.notna().to_numpy()] = "atr"
    value = sl.where(sl.notna(), sl_atr)
    value = value.where(kind != "btc_level", float(res.extras.get("btc_level", np.nan)))
    after = col("after_stop", "wait").astype(object).fillna("wait")
    after = after.where(~np.isin(kind, ["none", "btc_level"]), "n/a")
    return tab.assign(
        entry=sig.str.replace("+btc_level", "", regex=False), stop=kind, stop_value=value,
        target=col("tp_stop", np.nan).astype(float), after_stop=after.astype(str),
    )  # fmt: skip


def _meta(res: BacktestResult, title_extra: dict[str, Any]) -> dict[str, Any]:
    st = res.settings
    data = st.get("data") or {}
    src = sorted({str(v.get("source")) for v in data.values()}) if isinstance(data, dict) else []
    return {
        "data source": "; ".join(src) or "n/a",
        "date range": f"{st.get('first')} .. {st.get('last')}",
        "fill contract": st.get("fill_contract"),
        "costs per fill": f"fees {st.get('fees')}, slippage {st.get('slippage')}",
        "engine": st.get("engine"),
        **title_extra,
    }


def _sweep_meta(res: SweepResult) -> dict[str, Any]:
    st = res.settings
    data = st.get("data") or {}
    src = sorted({str(v.get("source")) for v in data.values()}) if isinstance(data, dict) else []
    ppy = ", ".join(f"{t} {v:g}" for t, v in st["periods_per_year"].items())
    return {
        "data source": "; ".join(src) or "n/a",
        "date range": f"{st.get('first')} .. {st.get('last')}",
        "fill contract": st.get("fill_contract"),
        "costs per fill": f"fees {st.get('fees')}, slippage {st.get('slippage')}",
        "annualisation (periods/year)": ppy,
        "configurations": len(res.stats),
        "ambiguity rule": st.get("ambiguity"),
        "engine": st.get("engine"),
    }


def _conclusion(table: pd.DataFrame, no_stop: pd.DataFrame | None, dsr: pd.DataFrame) -> str:
    """The page's first paragraph, generated from the numbers."""
    parts = []
    if no_stop is not None and len(no_stop):
        share = float(
            (no_stop["share_better_sharpe"] * no_stop["configurations"]).sum()
            / no_stop["configurations"].sum()
        )
        by_after = no_stop.groupby(level="after_stop").apply(
            lambda g: float((g["share_better_sharpe"] * g["configurations"]).sum()
                            / g["configurations"].sum())
        )  # fmt: skip
        best_after = str(by_after.idxmax())
        parts.append(
            f"Against the same entry rule and target without a stop, {share:.0%} of the stop "
            f"configurations have a higher Sharpe; with the re-entry rule '{best_after}' "
            f"{by_after.max():.0%} do."
        )
    if len(dsr):
        ok = dsr["deflated_sharpe"].astype(float)
        n_sig = int((ok > 0.95).sum())
        parts.append(
            f"{n_sig} of {len(dsr)} tickers' best configurations have a deflated Sharpe above "
            f"0.95 once the {int(dsr['n_trials'].astype(float).max())} distinct trials a "
            "ticker are accounted for: the in-sample best is "
            + ("not " if n_sig == 0 else "")
            + "evidence of skill."
        )
    return " ".join(parts)


def _percent(x: float) -> str:
    return "none" if not np.isfinite(x) else f"{x:.0%}"


def config_title(row: pd.Series) -> str:
    """A stop-loss configuration in words, from its :func:`stop_loss_table` row.

    Examples
    --------
    >>> config_title(pd.Series({"ticker": "IREN", "entry": "dip_buy", "stop": "trailing",
    ...     "stop_value": 0.2, "after_stop": "bars", "target": 0.5}))
    'IREN: dip buy, trailing stop 20%, re-enter after N sessions, target +50%'
    """
    entry = str(row["entry"]).replace("_", " ")
    stop, value = str(row["stop"]), float(row["stop_value"])
    if stop == "none":
        stop_text = "no stop"
    elif stop == "atr":
        stop_text = f"ATR stop {value:g} x ATR(14)"
    elif stop == "btc_level":
        stop_text = f"out while BTC closes below ${value:,.0f}"
    else:
        stop_text = f"{stop} stop {_percent(value)}"
    after = {"wait": "wait for the entry rule", "bars": "re-enter after N sessions",
             "recover": "re-enter on recovery"}.get(str(row["after_stop"]))  # fmt: skip
    target = float(row["target"])
    parts = [entry, stop_text, *([after] if after else [])]
    parts.append("no target" if not np.isfinite(target) else f"target +{target:.0%}")
    return f"{row['ticker']}: " + ", ".join(parts)


def write_stop_loss_report(res: SweepResult, out_dir: str | Path) -> dict[str, Path]:
    """Write the stop-loss study: ``stop_loss_results.csv`` (every configuration),
    ``stop_loss_trades.csv`` (trades of each ticker's best and baseline configurations),
    ``stop_loss.html``, and ``stop_loss_dsr.csv``, ``stop_loss_no_stop.csv``,
    ``stop_loss_walk_forward.csv`` when the result has them.

    Returns the paths written, keyed ``results``, ``trades``, ``html``, ``dsr``,
    ``no_stop``, ``walk_forward``.
    """
    paths: dict[str, Path] = {}
    page = stop_loss_page(res, out_dir, paths=paths)
    paths["html"] = page.write(Path(out_dir) / "stop_loss.html")
    return paths


def stop_loss_page(
    res: SweepResult, out_dir: str | Path, *, paths: dict[str, Path] | None = None
) -> Page:
    """Write the stop-loss study's CSVs (see :func:`write_stop_loss_report`) to
    ``out_dir`` and return its page; ``paths`` receives the files written."""
    from riskkit.backtest.results import heatmap
    from riskkit.report import Page, Section, write_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = stop_loss_table(res)
    table["ticker"] = table["ticker"].astype(str)
    paths = {} if paths is None else paths
    paths["results"] = write_csv(table, out / "stop_loss_results.csv")
    cols = ["ticker", "entry", "stop", "stop_value", "after_stop", "target", "total_return",
            "cagr", "sharpe", "max_drawdown", "trades", "win_rate", "exposure", "gap_fills",
            "ambiguous_bars"]  # fmt: skip
    best_idx = table.groupby("ticker")["sharpe"].idxmax()
    best = table.loc[best_idx, cols]
    base_mask = (table["signals"].astype(str) == "buy_and_hold") & (table["stop"] == "none")
    base = table[base_mask & table["target"].isna()]
    dsr = res.deflated_sharpe(by_ticker=True)["dsr_by_ticker"]
    no_stop = res.extras.get("no_stop")
    picks = [int(c) for c in [*best_idx.to_numpy(), *base.index]]
    details = {c: res.detail(c) for c in dict.fromkeys(picks)}
    trades = pd.concat([d.trades for d in details.values()], ignore_index=True)
    paths["trades"] = write_csv(trades, out / "stop_loss_trades.csv", index=False)
    sections = [
        Section("Conclusion", note=_conclusion(table, no_stop, dsr)),
        Section(
            "Best configuration per ticker (by Sharpe)",
            table=best.set_index("ticker"),
            note="Chosen in-sample out of every grid point: read with the deflated Sharpe and "
            "the walk-forward table below. Each ticker annualised on its own calendar (252 "
            "sessions for the miners, 365 days for BTC-USD).",
        ),
        Section("Buy and hold, no stop (baseline)", table=base.set_index("ticker")[cols[6:]]),
    ]
    if isinstance(no_stop, pd.DataFrame):
        paths["no_stop"] = write_csv(no_stop, out / "stop_loss_no_stop.csv")
        sections.append(
            Section(
                "Did the stop help? Each stop against the same entry rule and target without one",
                table=no_stop,
                csv="stop_loss_no_stop.csv",
                note="share_better_sharpe: share of the stop configurations with a higher "
                "Sharpe than their no-stop twin; drawdown change > 0 is a shallower drawdown. "
                "after_stop: wait (for the entry rule), bars (re-enter 5 sessions after the "
                "stop), recover (re-enter once a close is back above the exit). Compare the "
                "exposures: a stop that only helps by leaving the market shows it there.",
            )
        )
    d = res.deflated_sharpe()
    paths["dsr"] = write_csv(dsr, out / "stop_loss_dsr.csv")
    sections.append(
        Section(
            "Deflated Sharpe ratio of each ticker's best configuration",
            table=dsr,
            note=f"Probability that the best configuration's true Sharpe exceeds the Sharpe "
            f"expected from the best of n_trials skill-less trials (Bailey and Lopez de Prado "
            f"2014). n_trials counts distinct equity curves (n_trials_raw every configuration "
            f"with a Sharpe). Pooled over tickers, on the best's calendar: "
            f"{d['deflated_sharpe']:.3f} with {d['n_trials']} distinct of {d['n_trials_raw']}.",
        )
    )
    wf = res.extras.get("walk_forward")
    if isinstance(wf, pd.DataFrame):
        paths["walk_forward"] = write_csv(wf, out / "stop_loss_walk_forward.csv")
        sections.append(
            Section(
                "Walk-forward (best Sharpe on each 504-session train window, next 126 tested)",
                table=wf,
                note="One out-of-sample simulation per ticker: the position is carried across "
                "folds; buy and hold of the same span beside it.",
            )
        )
    hedge = res.extras.get("hedge")
    if isinstance(hedge, BacktestResult):
        sections.append(
            Section(
                "Hedge instead of exit: buy and hold, short beta x BTC while BTC < level",
                table=hedge.to_frame()[["ticker", *cols[6:]]].set_index("ticker"),
            )
        )
    after_words = {"wait": "wait", "bars": "re-enter after N", "recover": "re-enter on recovery",
                   "n/a": ""}  # fmt: skip
    table_l = table.assign(
        stop_label=(table["stop"].str.replace("_", " ") + " stop, "
                    + table["after_stop"].map(after_words).fillna(table["after_stop"]))
        .str.rstrip(", ").str.replace("none stop", "no stop").str.replace("btc level stop",
                                                                          "BTC-level exit")
    )  # fmt: skip
    sections.append(
        Section(
            "Sharpe by stop, re-entry rule and ticker (mean over entry rules, values, targets)",
            figure=heatmap(
                table_l,
                "ticker",
                "stop_label",
                metric="sharpe",
                labels={
                    "ticker": "ticker",
                    "stop_label": "stop and re-entry rule",
                    "sharpe": "Sharpe ratio (annualised)",
                },
            ),  # fmt: skip
        )
    )
    base_by_ticker = {str(t): int(str(c)) for c, t in base["ticker"].items()}
    for t, c in best_idx.items():
        bench = base_by_ticker.get(str(t))
        fig = details[int(c)].plot(
            benchmark=None if bench is None else details[bench].equity.iloc[:, 0],
            benchmark_label="buy and hold, no stop",
            title=config_title(table.loc[c]),
        )
        sections.append(Section(f"{t}: equity and drawdown of the best configuration", figure=fig))
    sections.append(
        Section(
            "All configurations",
            table=table.sort_values("sharpe", ascending=False).set_index("ticker")[cols[1:]],
            csv="stop_loss_results.csv",
            head_tail=True,
            note="Sorted by Sharpe: the best and the worst configurations; every configuration "
            "(and its statistics) in the CSV.",
        )
    )
    return Page("Stop-loss study", sections, _sweep_meta(res))


def write_pivot_report(
    res: BacktestResult, out_dir: str | Path, *, grid: pd.DataFrame | None = None
) -> dict[str, Path]:
    """Write ``pivot_event_results.csv``, ``pivot_event_trades.csv`` and ``pivot_event.html``.

    With ``grid`` (:func:`riskkit.studies.pivot_event.pivot_event_grid`) also
    ``pivot_event_grid.csv`` and a section on the page.
    """
    paths: dict[str, Path] = {}
    page = pivot_page(res, out_dir, grid=grid, paths=paths)
    paths["html"] = page.write(Path(out_dir) / "pivot_event.html")
    return paths


def pivot_page(
    res: BacktestResult,
    out_dir: str | Path,
    *,
    grid: pd.DataFrame | None = None,
    paths: dict[str, Path] | None = None,
) -> Page:
    """Write the pivot-event CSVs (see :func:`write_pivot_report`) to ``out_dir`` and
    return its page; ``paths`` receives the files written."""
    import matplotlib.pyplot as plt

    from riskkit.report import Page, Section, write_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summ = res.extras["trade_summary"]
    tr = res.trades
    paths = {} if paths is None else paths
    paths["results"] = write_csv(summ, out / "pivot_event_results.csv")
    paths["trades"] = write_csv(tr, out / "pivot_event_trades.csv", index=False)
    fig, ax = plt.subplots(figsize=(10, 4))
    srt = tr.sort_values("entry_date")
    x = np.arange(len(srt))
    ax.bar(x - 0.2, srt["return"], width=0.4, label="trade return")
    if "hedged_return" in srt:
        ax.bar(x + 0.2, srt["hedged_return"], width=0.4, label="with BTC hedge")
    ax.set_xticks(x, srt["event_id"], rotation=90, fontsize=7)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylabel("trade return after costs")
    ax.set_xlabel("event (in order of entry)")
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    show = [c for c in ["event_id", "ticker", "event_type", "timing", "date", "direction", "entry_date",
                        "entry_price", "exit_date", "exit_price", "exit_reason", "return", "hedge_beta",
                        "hedged_return"] if c in tr.columns]  # fmt: skip
    plan = res.extras["plan"]
    st = res.settings
    sections = [
        Section(
            "Trade returns (after fees and slippage)",
            table=summ,
            note=f"Hold {st.get('hold')} sessions, direction by {st.get('direction')}; stop "
            f"{st.get('sl_stop')}, target {st.get('tp_stop')}. t_stat = mean/(sd/sqrt n), "
            "events treated as independent (they are not: several share days).",
        ),
        Section("Trades in time order", figure=fig),
        Section("Trade list", table=tr[show].set_index("event_id"), csv="pivot_event_trades.csv"),
        Section(
            "Events not traded, and why", table=plan[plan["dropped"].fillna("") != ""][["dropped"]]
        ),
    ]
    if grid is not None:
        paths["grid"] = write_csv(grid, out / "pivot_event_grid.csv", index=False)
        sections.insert(
            1,
            Section(
                "Grid over hold, stop and target (same events and costs)",
                table=grid,
                csv="pivot_event_grid.csv",
                note=f"{len(grid)} rows = {len(grid)} trials on the same events: the best row's "
                "t-statistic is not a test.",
            ),
        )
    meta = _meta(res, {"events traded": len(tr), "hedge": st.get("hedge")})
    return Page("Pivot-event trades", sections, meta)
