"""Write backtest results to a reports directory: results CSV, trade list CSV, HTML page.

Every page goes through :func:`riskkit.report.render_page` (self-contained, figures inlined).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskkit.backtest.results import BacktestResult

__all__ = ["write_pivot_report", "write_stop_loss_report"]


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


def write_stop_loss_report(res: BacktestResult, out_dir: str | Path) -> dict[str, Path]:
    """Write ``stop_loss_results.csv``, ``stop_loss_trades.csv`` and ``stop_loss.html``.

    Also ``stop_loss_dsr.csv`` and ``stop_loss_walk_forward.csv`` when the result has
    them. Returns the paths written, keyed ``results``, ``trades``, ``html``, ``dsr``,
    ``walk_forward``.
    """
    from riskkit.report import Section, render_page, write_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = res.to_frame()
    paths = {
        "results": write_csv(table, out / "stop_loss_results.csv"),
        "trades": write_csv(res.trades, out / "stop_loss_trades.csv", index=False),
    }
    lab = (
        res.params["stop"].astype(str)
        + " "
        + res.params["stop_value"].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    )
    res_l = replace(res, params=res.params.assign(stop_label=lab.str.strip()))
    cols = ["ticker", "entry", "stop", "stop_value", "target", "total_return", "cagr", "sharpe",
            "max_drawdown", "trades", "win_rate", "exposure", "ambiguous_bars"]  # fmt: skip
    best = table.loc[table.groupby("ticker")["sharpe"].idxmax(), cols]
    base = table[
        (table["entry"] == "buy_and_hold") & (table["stop"] == "none") & table["target"].isna()
    ]
    sections = [
        Section(
            "Best configuration per ticker (by Sharpe)",
            table=best.set_index("ticker"),
            note="Chosen in-sample out of every grid point: read with the deflated Sharpe and the "
            "walk-forward table below. Sharpe/Sortino/CAGR annualised with "
            "252 periods/year for the miners and 365 for BTC-USD (from each calendar).",
        ),
        Section("Buy and hold, no stop (baseline)", table=base.set_index("ticker")[cols[5:]]),
    ]
    dsr = res.extras.get("dsr_by_ticker")
    if isinstance(dsr, pd.DataFrame):
        paths["dsr"] = write_csv(dsr, out / "stop_loss_dsr.csv")
        sections.append(
            Section(
                "Deflated Sharpe ratio of each ticker's best configuration",
                table=dsr,
                note="Probability that the best configuration's true (per-period) Sharpe exceeds "
                "the Sharpe expected from the best of n_trials skill-less trials "
                "(Bailey and Lopez de Prado 2014).",
            )
        )
    wf = res.extras.get("walk_forward")
    if isinstance(wf, pd.DataFrame):
        paths["walk_forward"] = write_csv(wf, out / "stop_loss_walk_forward.csv")
        sections.append(
            Section(
                "Walk-forward (best Sharpe on each 504-session train window, next 126 tested)",
                table=wf,
            )
        )
    sections.append(
        Section(
            "Sharpe by stop and ticker (mean over entry rules and targets)",
            figure=res_l.plot_heatmap("ticker", "stop_label", metric="sharpe"),
        )
    )
    for t in res.params["ticker"].unique():
        b = best.index[best["ticker"] == t][0]
        sections.append(
            Section(f"{t}: equity and drawdown of the best configuration", figure=res.plot(b))
        )
    sections.append(
        Section("All configurations", table=table[[c for c in cols if c in table.columns]])
    )
    meta = _meta(
        res, {"configurations": len(table), "ambiguity rule": res.settings.get("ambiguity")}
    )
    paths["html"] = render_page(
        "Stop-loss sweep", sections=sections, meta=meta, out_path=out / "stop_loss.html"
    )
    return paths


def write_pivot_report(
    res: BacktestResult, out_dir: str | Path, *, grid: pd.DataFrame | None = None
) -> dict[str, Path]:
    """Write ``pivot_event_results.csv``, ``pivot_event_trades.csv`` and ``pivot_event.html``.

    With ``grid`` (:func:`riskkit.backtest.runs.pivot_event_grid`) also
    ``pivot_event_grid.csv`` and a section on the page.
    """
    import matplotlib.pyplot as plt

    from riskkit.report import Section, render_page, write_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summ = res.extras["trade_summary"]
    tr = res.trades
    paths = {
        "results": write_csv(summ, out / "pivot_event_results.csv"),
        "trades": write_csv(tr, out / "pivot_event_trades.csv", index=False),
    }
    fig, ax = plt.subplots(figsize=(10, 4))
    srt = tr.sort_values("entry_date")
    x = np.arange(len(srt))
    ax.bar(x - 0.2, srt["return"], width=0.4, label="trade return")
    if "hedged_return" in srt:
        ax.bar(x + 0.2, srt["hedged_return"], width=0.4, label="with BTC hedge")
    ax.set_xticks(x, srt["event_id"], rotation=90, fontsize=7)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_ylabel("return after costs")
    ax.legend()
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
        Section("Trade list", table=tr[show].set_index("event_id")),
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
                note=f"{len(grid)} rows = {len(grid)} trials on the same events: the best row's "
                "t-statistic is not a test.",
            ),
        )
    meta = _meta(res, {"events traded": len(tr), "hedge": st.get("hedge")})
    paths["html"] = render_page(
        "Pivot-event trades", sections=sections, meta=meta, out_path=out / "pivot_event.html"
    )
    return paths
