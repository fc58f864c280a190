"""The risk report: tables and charts of every risk figure, as HTML + CSV + JSON.

:func:`build_risk_report` computes everything from a wide close frame (it loads nothing);
:meth:`RiskReport.write` renders the HTML page with :func:`riskkit.report.render_page` and
writes one CSV per table plus ``risk_summary.json``. Plotting imports are lazy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit._validation import warn
from riskkit.risk.beta import BetaResult, miner_betas
from riskkit.risk.drawdown import drawdown_series, drawdown_table
from riskkit.risk.pairing import native_returns, session_returns
from riskkit.risk.portfolio import PortfolioRiskResult, correlation_matrix, portfolio_risk
from riskkit.risk.ratios import performance_table
from riskkit.risk.stress import StressResult, stress_test
from riskkit.risk.var import VAR_METHODS, VaRTable, var_table
from riskkit.risk.var_backtest import var_backtest_table

if TYPE_CHECKING:
    from riskkit.report import Page

__all__ = ["RiskReport", "build_risk_report"]

DEFAULT_BACKTEST_METHODS = ("historical", "gaussian", "cornish_fisher", "evt", "fhs")


_BT_LABELS = {"asset": "Asset", "method": "Method", "exceptions": "Exceptions",
              "expected": "Expected", "p_pof": "p (Kupiec POF)", "p_ind": "p (independence)",
              "p_cc": "p (conditional coverage)"}  # fmt: skip


@dataclass(frozen=True)
class RiskReport:
    """Every table behind the risk report, and what produced it.

    Attributes
    ----------
    var
        VaR/CVaR table (methods x assets), each asset on its own calendar.
    backtests
        Rolling out-of-sample VaR backtests, one row per (asset, method).
    performance
        Annualised return/volatility, ratios and the annualisation used, per asset.
    drawdowns
        Top-5 drawdowns per asset.
    underwater
        Drawdown series per asset (own calendar).
    betas
        Betas/correlations to BTC and the market on the equity session calendar
        (None when BTC or the market is not among the closes).
    correlation
        Correlation matrix of session returns (Ledoit-Wolf shrunk if requested).
    portfolio
        Gaussian and historical portfolio VaR/CVaR with contributions.
    stress
        Stress scenarios.
    meta
        Inputs: assets, weights, level, windows, data sources and date ranges.
    """

    var: VaRTable
    backtests: pd.DataFrame
    performance: pd.DataFrame
    drawdowns: pd.DataFrame
    underwater: pd.DataFrame
    betas: BetaResult | None
    correlation: pd.DataFrame
    portfolio: dict[str, PortfolioRiskResult]
    stress: StressResult | None
    meta: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> Summary:
        """VaR table, backtest p-values, betas, portfolio VaR: prints as text, renders as
        HTML tables in a notebook."""
        bt = self.backtests.set_index(["asset", "method"])[
            ["exceptions", "expected", "p_pof", "p_ind", "p_cc"]
        ]
        parts = [
            self.var.summary(),
            "",
            "VaR backtests (rolling, out of sample)",
            bt.round(4).to_string(),
        ]
        if self.betas is not None:
            parts += ["", self.betas.summary()]
        for name, p in self.portfolio.items():
            parts += ["", f"[{name}] " + p.summary().splitlines()[0]]
        var = self.var.summary()
        blocks: list[str | Table] = [var.heading, *var.blocks]
        blocks.append(Table(bt.reset_index(), {"exceptions": "int", "expected": "num2",
                                               "p_pof": "p", "p_ind": "p", "p_cc": "p"},
                            caption="VaR backtests (rolling, out of sample)",
                            labels=_BT_LABELS))  # fmt: skip
        if self.betas is not None:
            b = self.betas.summary()
            blocks += [b.heading, *b.blocks]
        for name, p in self.portfolio.items():
            blocks.append(f"[{name}] " + p.summary().splitlines()[0])
        return Summary("\n".join(parts), blocks, title="Risk report")

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        m = self.meta
        return short_repr(
            "RiskReport",
            [("assets", ", ".join(map(str, self.var.var.columns))),
             ("level", f"{self.var.level:.1%}"), ("methods", len(self.var.var.index)),
             ("backtests", len(self.backtests)), ("portfolios", ", ".join(self.portfolio)),
             *(("range", str(m["date_range"])) for _ in [0] if "date_range" in m)],
        )  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table as a tidy DataFrame, keyed by the CSV file stem."""
        out = {
            "var_table": self.var.to_frame(),
            "var_backtests": self.backtests,
            "performance": self.performance,
            "drawdowns": self.drawdowns,
            "correlation": self.correlation,
        }
        if self.betas is not None:
            out["betas"] = self.betas.to_frame()
        for name, p in self.portfolio.items():
            out[f"portfolio_{name}"] = p.to_frame()
        if self.stress is not None:
            out["stress"] = self.stress.to_frame()
        return out

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``risk_report.html``, one CSV per table and ``risk_summary.json``."""
        paths: dict[str, Path] = {}
        page = self.page(out_dir, paths=paths)
        paths["html"] = page.write(Path(out_dir) / "risk_report.html")
        return paths

    def page(self, out_dir: str | Path, *, paths: dict[str, Path] | None = None) -> Page:
        """Write one CSV per table and ``risk_summary.json`` to ``out_dir``; return the
        page's sections (each table links its CSV). ``paths``, when given, receives the
        written files by stem."""
        from riskkit.report import Page, Section, write_csv

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {} if paths is None else paths
        for stem, frame in self.tables().items():
            paths[stem] = write_csv(frame, out / f"{stem}.csv")
        summary = {
            "meta": self.meta,
            "var": json.loads(self.var.var.to_json()),
            "cvar": json.loads(self.var.cvar.to_json()),
            "backtests": json.loads(self.backtests.to_json(orient="records", date_format="iso")),
            "portfolio": {k: {"var": p.var, "cvar": p.cvar} for k, p in self.portfolio.items()},
        }
        if self.betas is not None:
            summary["betas"] = json.loads(self.betas.table.to_json(date_format="iso"))
        js = out / "risk_summary.json"
        js.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
        paths["json"] = js
        lvl = f"{self.var.level:.0%}"
        sections = [
            Section(
                f"VaR and CVaR, 1 period, {lvl} (positive = loss)",
                table=self.var.var,
                note="Rows: methods; columns: assets, each on its own calendar "
                "(BTC-USD on 7-day data). CVaR table follows.",
                float_format="{:.4f}",
                formats={"*": "percent"},
            ),
            Section(f"CVaR {lvl}", table=self.var.cvar, formats={"*": "percent"}),
            Section(
                "VaR backtests (rolling out-of-sample forecast, data up to t-1)",
                table=self.backtests.drop(columns=["start", "end"]),
                csv="var_backtests.csv",
                note="Kupiec POF (chi2(1)), Christoffersen independence (chi2(1)), "
                "conditional coverage (chi2(2)); small p-values reject the VaR model.",
            ),
            Section("Performance and annualisation", table=self.performance),
            Section(
                "Drawdowns",
                figure=_underwater_figure(self.underwater),
                table=self.drawdowns,
                csv="drawdowns.csv",
                note="Drawdown from the running peak of wealth, which starts at 1 before the "
                "first return: a series that falls from its first day has no peak date (shown "
                "as a dash), its peak being the start.",
            ),
        ]
        if self.betas is not None:
            sections.append(
                Section(
                    f"Betas to {self.betas.btc} and {self.betas.market}",
                    figure=self.betas.plot().figure,
                    table=self.betas.table,
                    note=self.betas.pairing,
                )
            )
        sections.append(
            Section(
                "Correlation of session returns",
                figure=_heatmap(self.correlation),
                table=self.correlation,
                note=f"shrinkage intensity {self.correlation.attrs.get('shrinkage', 0):.3f}",
            )
        )
        for name, p in self.portfolio.items():
            sections.append(
                Section(
                    f"Portfolio {name} VaR/CVaR contributions",
                    table=p.to_frame(),
                    note=p.summary().splitlines()[0],
                )
            )
        if self.stress is not None:
            sections.append(
                Section("Stress scenarios (returns, loss < 0)", table=self.stress.to_frame())
            )
        return Page("riskkit risk report", sections, {k: str(v) for k, v in self.meta.items()})


def _underwater_figure(dd: pd.DataFrame):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 3.8))
    for col in dd.columns:
        s = dd[col].dropna()
        ax.plot(s.index, 100 * s.to_numpy(), lw=0.9, label=str(col))
    ax.set_ylabel("drawdown from running peak, %")
    ax.set_xlabel("date")
    ax.set_title("Underwater curves")
    ax.grid(alpha=0.3)
    # outside the axes, so that no line is covered
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def _heatmap(corr: pd.DataFrame):
    import matplotlib.pyplot as plt

    n = len(corr)
    size = max(4.5, 0.75 * n + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(corr.to_numpy(), vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(n), [str(c) for c in corr.columns], rotation=45, ha="right", fontsize=9)
    ax.set_yticks(range(n), [str(c) for c in corr.index], fontsize=9)
    for i in range(n):
        for j in range(n):
            val = float(corr.to_numpy()[i, j])
            ax.text(j, i, f"{val:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(val) > 0.6 else "black")  # fmt: skip
    fig.colorbar(im, ax=ax, label="correlation")
    ax.set_title("Correlation of session returns")
    fig.tight_layout()
    return fig


def build_risk_report(
    closes: pd.DataFrame,
    *,
    assets: list[str] | None = None,
    weights: dict[str, float] | None = None,
    level: float = 0.99,
    window: int = 250,
    backtest_methods: tuple[str, ...] | list[str] = DEFAULT_BACKTEST_METHODS,
    btc: str = "BTC-USD",
    market: str = "SPY",
    beta_window: int = 60,
    stress_days: tuple[str, ...] | list[str] = ("2025-10-10", "2025-10-13"),
    btc_shocks: tuple[float, ...] | list[float] = (-0.10, -0.20),
    shrinkage: Literal["ledoit_wolf"] | None = "ledoit_wolf",
) -> RiskReport:
    """Compute every table of the risk report from a wide close frame.

    Parameters
    ----------
    closes
        Wide closes (e.g. ``riskkit.load_closes([...])``), including ``btc`` and ``market``
        for the betas and stress scenarios.
    assets
        Assets to report (default: every column except ``market``).
    weights
        Portfolio weights over ``assets`` (default: equal weights).
    level, window
        VaR level and rolling backtest window.
    backtest_methods
        VaR methods backtested (``fhs`` re-estimates GARCH every 20 forecasts).
    btc, market, beta_window
        Benchmarks and rolling-beta window (sessions).
    stress_days, btc_shocks
        Days replayed and BTC moves pushed through full-sample betas.
    shrinkage
        Correlation/covariance option (``"ledoit_wolf"`` or None).

    Returns
    -------
    RiskReport
    """
    if not isinstance(closes, pd.DataFrame):
        raise DataError("closes must be a wide DataFrame, e.g. riskkit.load_closes([...]).")
    assets = assets or [c for c in closes.columns if c != market]
    missing = [a for a in assets if a not in closes.columns]
    if missing:
        raise DataError(f"assets {missing} are not in the closes ({list(closes.columns)}).")
    for m in backtest_methods:
        if m not in VAR_METHODS:
            raise DataError(f"backtest method {m!r} is not one of {list(VAR_METHODS)}.")
    if weights is None:
        weights = {a: 1.0 / len(assets) for a in assets}
    unknown = [k for k in weights if k not in assets]
    if unknown:
        raise DataError(f"weights name {unknown}, which are not among the assets {assets}.")
    w_full = {a: float(weights.get(a, 0.0)) for a in assets}

    nat = native_returns(closes[assets])
    vt = var_table(nat, level=level)
    bt = var_backtest_table(nat, methods=list(backtest_methods), level=level, window=window)
    perf = performance_table(nat)
    dd_tables = []
    for a in assets:
        t = drawdown_table(nat[a].dropna(), top=5)
        t.insert(0, "asset", a)
        dd_tables.append(t)
    drawdowns = pd.concat(dd_tables, ignore_index=True)
    underwater = pd.DataFrame({a: drawdown_series(nat[a].dropna()) for a in assets})

    cols = list(dict.fromkeys([*assets, *[c for c in (btc, market) if c in closes.columns]]))
    sess = session_returns(closes[cols])
    betas = None
    if btc in sess.columns and market in sess.columns:
        betas = miner_betas(
            sess, assets=[a for a in assets if a != btc], btc=btc, market=market, window=beta_window
        )
    else:
        warn(f"risk report: {btc!r} or {market!r} not in the closes; betas skipped.", stacklevel=3)
    sess_assets = sess[assets].dropna()
    dropped = int(sess[assets].notna().any(axis=1).sum()) - len(sess_assets)
    if dropped:
        warn(
            f"risk report: correlation, portfolio and stress use the {len(sess_assets)} "
            f"sessions where every asset has a return; {dropped} session(s) with a missing "
            "asset were left out.",
            stacklevel=3,
        )
    corr = correlation_matrix(sess_assets, shrinkage=shrinkage)
    portfolio = {
        "gaussian": portfolio_risk(
            sess_assets, w_full, level=level, method="gaussian", shrinkage=shrinkage
        ),
        "historical": portfolio_risk(sess_assets, w_full, level=level, method="historical"),
    }
    stress = None
    if btc in sess.columns:
        stress_cols = assets if btc in assets else [*assets, btc]
        stress = stress_test(
            sess[stress_cols],
            {c: w_full.get(c, 0.0) for c in stress_cols},
            days=list(stress_days),
            btc_shocks=list(btc_shocks),
            btc=btc,
        )
    sources = closes.attrs.get("riskkit_sources", {})
    meta = {
        "assets": ", ".join(assets),
        "weights": ", ".join(f"{k} {v:.3f}" for k, v in w_full.items()),
        "VaR level": level,
        "sign convention": "VaR/CVaR positive = loss; drawdowns and stress returns negative = loss",
        "backtest": f"rolling window {window}, methods {', '.join(backtest_methods)}",
        "calendars": "VaR, backtests, drawdowns: each asset's own calendar; betas, "
        "correlation, portfolio, stress: equity sessions with BTC compounded per session",
        "data": "; ".join(
            f"{t}: {v.get('source', '?')} {v.get('first')}..{v.get('last')}"
            for t, v in sources.items()
        )
        or "user-supplied closes",
        "portfolio sample": f"{portfolio['gaussian'].start:%Y-%m-%d} to "
        f"{portfolio['gaussian'].end:%Y-%m-%d} ({portfolio['gaussian'].n_obs} sessions; "
        f"{dropped} sessions with a missing asset left out)",
    }
    return RiskReport(
        var=vt,
        backtests=bt,
        performance=perf,
        drawdowns=drawdowns,
        underwater=underwater,
        betas=betas,
        correlation=corr,
        portfolio=portfolio,
        stress=stress,
        meta=meta,
    )
