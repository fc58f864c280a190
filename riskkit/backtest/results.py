"""Result object of a backtest, a sweep or a walk-forward run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit.backtest._metrics import STAT_COLUMNS

__all__ = ["BacktestResult", "SweepResult", "heatmap"]

#: How the statistics are shown in a notebook: returns and rates in percent, counts as
#: integers, ratios with two decimals.
_STAT_FORMATS = {
    "final_equity": "int", "total_return": "pct", "cagr": "pct", "sharpe": "num2",
    "sortino": "num2", "volatility": "pct", "max_drawdown": "pct", "trades": "int",
    "win_rate": "pct1", "exposure": "pct1", "ambiguous_bars": "int", "gap_fills": "int",
    "open_at_end": "int", "ruined": "auto", "sl_stop": "pct", "tp_stop": "pct",
}  # fmt: skip
_STAT_LABELS = {
    "ticker": "Ticker", "final_equity": "Final equity", "total_return": "Total return",
    "cagr": "CAGR", "sharpe": "Sharpe", "sortino": "Sortino", "volatility": "Volatility",
    "max_drawdown": "Max drawdown", "trades": "Trades", "win_rate": "Win rate",
    "exposure": "Exposure", "ambiguous_bars": "Ambiguous bars", "signals": "Signals",
    "sl_stop": "Stop loss", "tp_stop": "Take profit", "sl_trail": "Trailing stop",
    "sl_atr": "Stop (ATR multiples)", "after_stop": "After a stop", "grid": "Sub-grid",
}  # fmt: skip
#: The statistics a sweep's HTML view shows (the text and ``to_frame`` keep them all).
_SWEEP_HTML_STATS = ["total_return", "cagr", "sharpe", "sortino", "max_drawdown", "trades",
                     "win_rate", "exposure"]  # fmt: skip


@dataclass(frozen=True)
class BacktestResult:
    """Statistics, trades and equity of one or many backtest configurations.

    Attributes
    ----------
    stats
        One row per configuration: ``total_return``, ``cagr``, ``sharpe``, ``sortino``,
        ``max_drawdown``, ``trades``, ``win_rate``, ``exposure``, ``ambiguous_bars``
        (decimals; annualisation in ``settings["periods_per_year"]``).
    trades
        One row per trade (entry/exit date and fill price, size, fees, P&L, return,
        exit reason: ``signal``, ``stop``, ``stop_gap``, ``target``, ``target_gap`` or
        ``open``; ``return`` is P&L after all costs over the cash committed at entry
        (size x entry fill price + entry fee); ``ambiguous`` flags an exit on a bar that hit both levels).
    equity
        Daily equity at each bar's close, one column per configuration.
    params
        The parameters of each configuration (ticker, stop, target, entry rule...).
    settings
        Fill contract, costs, ambiguity rule, annualisation, data range, engine.
    extras
        Optional additions (deflated Sharpe of a sweep, walk-forward folds...).
    """

    stats: pd.DataFrame
    trades: pd.DataFrame
    equity: pd.DataFrame
    params: pd.DataFrame
    settings: dict[str, Any]
    extras: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """Parameters joined with statistics, one row per configuration (decimals)."""
        return self.params.join(self.stats, how="right")

    def best(self, metric: str = "sharpe") -> str:
        """Label of the configuration with the highest ``metric`` (NaN ignored)."""
        if metric not in self.stats.columns:
            raise DataError(f"metric {metric!r} unknown; use one of {list(self.stats.columns)}.")
        s = self.stats[metric].astype(float)
        if s.notna().sum() == 0:
            raise DataError(f"every configuration has NaN {metric}; no best one.")
        return str(s.idxmax())

    def summary(self, *, top: int = 10, metric: str = "sharpe") -> Summary:
        """Settings, then the ``top`` configurations by ``metric``: prints as text,
        renders as an HTML table in a notebook."""
        st = self.settings
        lines = [
            f"Backtest: {len(self.stats)} configuration(s), {st.get('first')} .. {st.get('last')}",
            f"Fill contract: {st.get('fill_contract')}",
            f"Costs: fees {st.get('fees')}, slippage {st.get('slippage')} per fill; "
            f"annualised with {st.get('periods_per_year')} periods/year",
        ]
        for k, v in self.extras.items():
            if np.isscalar(v):
                lines.append(f"{k}: {v!s}")
        tab = self.to_frame().sort_values(metric, ascending=False, na_position="last").head(top)
        cols = [c for c in tab.columns if c in STAT_COLUMNS or c == "ticker"]
        blocks: list[str | Table] = ["\n".join(lines[1:])]
        blocks.append(Table(tab[cols].rename_axis("Configuration"), _STAT_FORMATS, index=True,
                            labels=_STAT_LABELS,
                            caption=f"Top {min(top, len(tab))} by {metric}"))  # fmt: skip
        lines.append(tab[cols].to_string(float_format=lambda x: f"{x:.4f}"))
        return Summary("\n".join(lines), blocks)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        st = self.settings
        facts: list[tuple[str, Any]] = [("configurations", len(self.stats)),
                                        ("trades", len(self.trades)),
                                        ("range", f"{st.get('first')} .. {st.get('last')}")]  # fmt: skip
        if len(self.stats) and self.stats["sharpe"].notna().any():
            facts.append(("best", repr(self.best("sharpe"))))
        return short_repr("BacktestResult", facts)

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    @classmethod
    def concat(
        cls, results: list[BacktestResult], *, settings: dict[str, Any] | None = None
    ) -> BacktestResult:
        """Stack results of several runs (e.g. one per ticker); labels must be unique."""
        if not results:
            raise DataError("concat needs at least one BacktestResult.")
        stats = pd.concat([r.stats for r in results])
        if stats.index.has_duplicates:
            raise DataError("configuration labels repeat across results; make them unique.")
        st = dict(results[0].settings) if settings is None else settings
        ppy = {str(r.params["ticker"].iloc[0]): r.settings.get("periods_per_year") for r in results}
        if len(set(ppy.values())) > 1:
            by: dict[Any, list[str]] = {}
            for t, v in ppy.items():
                by.setdefault(v, []).append(t)
            st["periods_per_year"] = "; ".join(f"{v:g} ({', '.join(ts)})" for v, ts in by.items())
        st["first"] = min(r.settings["first"] for r in results)
        st["last"] = max(r.settings["last"] for r in results)
        return cls(
            stats=stats,
            trades=pd.concat([r.trades for r in results], ignore_index=True),
            equity=pd.concat([r.equity for r in results], axis=1, sort=True),
            params=pd.concat([r.params for r in results]),
            settings=st,
        )

    # ------------------------------------------------------------------ plots
    def plot(
        self,
        config: str | None = None,
        *,
        ax: Any = None,
        benchmark: pd.Series | None = None,
        benchmark_label: str = "buy and hold",
        title: str | None = None,
        log: bool = True,
    ) -> Any:
        """Equity (top) and drawdown (bottom) of ``config`` (default: best Sharpe).

        ``benchmark``: another equity curve (e.g. buy and hold of the same span) drawn
        beside it and in the drawdown panel; ``log``: equity on a log scale (default), so
        that equal percentage moves look equal; ``title`` replaces the configuration key.
        The figure is returned; no global matplotlib setting is changed.
        """
        import matplotlib.pyplot as plt

        lab = config if config is not None else self.best("sharpe")
        if lab not in self.equity.columns:
            raise DataError(f"config {lab!r} not in this result.")
        eq = self.equity[lab].dropna()
        if ax is None:
            fig, ax = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True, height_ratios=[3, 1.3])
        else:
            fig = ax[0].figure
        init = float(self.settings.get("init_cash", eq.iloc[0]))
        curves = [(eq, "strategy", "tab:blue")]
        if benchmark is not None:
            curves.append((benchmark.dropna(), benchmark_label, "tab:gray"))
        for curve, name, color in curves:
            ax[0].plot(curve.index, curve.to_numpy(), lw=1.1, label=name, color=color)
            wealth = np.concatenate([[init], curve.to_numpy()])
            dd = (wealth / np.maximum.accumulate(wealth) - 1.0)[1:]
            if name == "strategy":
                ax[1].fill_between(curve.index, 100 * dd, 0.0, color="tab:blue", alpha=0.35,
                                   label=name)  # fmt: skip
            else:
                ax[1].plot(curve.index, 100 * dd, lw=0.8, color=color, label=name)
        if log and bool((eq > 0).all()):
            ax[0].set_yscale("log")
        ax[0].set_ylabel("equity, USD" + (" (log scale)" if log else ""))
        ax[0].set_title(title if title is not None else f"{lab}")
        ax[0].grid(alpha=0.3)
        ax[1].set_ylabel("drawdown, %")
        ax[1].set_xlabel("date")
        ax[1].grid(alpha=0.3)
        ax[0].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        fig.tight_layout()
        return fig

    def plot_heatmap(
        self, x: str, y: str, *, metric: str = "sharpe", where: dict[str, Any] | None = None
    ) -> Any:
        """Heatmap of ``metric`` over parameters ``x`` and ``y`` (mean over the rest).

        ``where`` filters configurations first, e.g. ``{"ticker": "IREN"}``.
        """
        return heatmap(self.to_frame(), x, y, metric=metric, where=where)


def heatmap(
    table: pd.DataFrame,
    x: str,
    y: str,
    *,
    metric: str = "sharpe",
    where: dict[str, Any] | None = None,
    labels: dict[str, str] | None = None,
) -> Any:
    """Heatmap figure of ``metric`` over columns ``x`` and ``y`` of a sweep table (mean
    over the other columns), after filtering rows with ``where``; ``labels`` maps column
    keys to the axis and colour-bar labels shown (default: the keys)."""
    import matplotlib.pyplot as plt

    tab = table
    for k, v in (where or {}).items():
        tab = tab[tab[k] == v]
    for c in (x, y, metric):
        if c not in tab.columns:
            raise DataError(f"column {c!r} not in the sweep table; have {list(tab.columns)}.")
    piv = tab.pivot_table(index=y, columns=x, values=metric, aggfunc="mean", dropna=False,
                          observed=True)  # fmt: skip
    fig, ax = plt.subplots(figsize=(3.0 + 1.3 * piv.shape[1], 1.2 + 0.45 * piv.shape[0]))
    im = ax.imshow(piv.to_numpy(dtype=float), aspect="auto", cmap="RdYlGn")
    ax.grid(False)
    ax.set_xticks(range(piv.shape[1]), [str(v) for v in piv.columns], rotation=30, ha="right")
    ax.set_yticks(range(piv.shape[0]), [str(v) for v in piv.index])
    names = labels or {}
    ax.set_xlabel(names.get(x, x))
    ax.set_ylabel(names.get(y, y))
    for (i, j), v in np.ndenumerate(piv.to_numpy(dtype=float)):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8)
    fig.colorbar(im, ax=ax, label=names.get(metric, metric))
    title = ", ".join(f"{k}={v}" for k, v in (where or {}).items())
    ax.set_title(f"{names.get(metric, metric)} {title}".strip())
    fig.tight_layout()
    return fig


@dataclass(frozen=True)
class SweepResult:
    """Statistics of every configuration of a grid-native sweep (no equity kept).

    Attributes
    ----------
    stats
        One row per configuration (integer label ``config``), the kernel's streamed
        statistics: ``final_equity``, ``total_return``, ``cagr``, ``sharpe``, ``sortino``,
        ``volatility``, ``max_drawdown``, ``trades``, ``win_rate``, ``exposure``, exit
        counts by reason, ``gap_fills``, ``ambiguous_bars``, ``ruined``, ``open_at_end``
        (decimals; each ticker annualised on its own calendar, see
        ``settings["periods_per_year"]``).
    params
        The configuration on the same index: ``ticker``, ``signals`` (the base signal
        set), the grid's axes, and ``grid`` (which sub-grid of a union it came from).
    settings
        Costs, ambiguity rule, fill contract, periods per year by ticker, data ranges.
    extras
        Filled on request by :meth:`deflated_sharpe` (the best configuration's deflated
        Sharpe with raw and distinct trial counts, pooled and per ticker).
    fingerprint
        A 64-bit hash of each configuration's daily equity curve: equal fingerprints (on
        one ticker) mean the same curve, so the same strategy in effect.
    """

    stats: pd.DataFrame
    params: pd.DataFrame
    settings: dict[str, Any]
    extras: dict[str, Any]
    fingerprint: np.ndarray = field(repr=False)
    spec: Any = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Parameters joined with statistics, one row per configuration (decimals)."""
        return self.params.join(self.stats)

    def distinct(self) -> pd.Series:
        """True for the first configuration of each distinct equity curve (per ticker)."""
        key = pd.DataFrame({"t": self.params["ticker"].astype(str), "f": self.fingerprint})
        return pd.Series(~key.duplicated().to_numpy(), index=self.stats.index, name="distinct")

    def best(self, k: int = 10, *, by: str = "sharpe", ascending: bool = False) -> pd.DataFrame:
        """The ``k`` best configurations by ``by`` (NaN last), parameters and statistics."""
        if by not in self.stats.columns:
            raise DataError(f"by={by!r} unknown; use one of {list(self.stats.columns)}.")
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise DataError(f"k={k!r} must be a positive integer.")
        order = self.stats[by].sort_values(ascending=ascending, na_position="last", kind="stable")
        return self.to_frame().loc[order.index[:k]]

    def label(self, config: int | Mapping[str, Any]) -> str:
        """A readable name of a configuration (its label or its params row):
        ticker|signals=name|axis=value|..."""
        row = self.params.loc[config] if not isinstance(config, Mapping) else config
        parts = [str(row["ticker"]), f"signals={row['signals']}"]
        parts += [
            f"{c}={row[c]}" for c in self.params.columns if c not in ("ticker", "signals", "grid")
        ]
        return "|".join(parts)

    def detail(self, config: int) -> BacktestResult:
        """Full :class:`BacktestResult` (equity, trades) of one configuration.

        Re-runs the same kernel in record mode on that configuration's ``Signals``: its
        statistics equal this sweep's row exactly.
        """
        from riskkit.backtest.engine import run_backtest

        if config not in self.params.index:
            raise DataError(
                f"config {config!r} is not in this sweep; labels are 0..{len(self.params) - 1}."
            )
        row = self.params.loc[config]
        t = str(row["ticker"])
        sig = self.spec.signals_for(row)
        c = self.spec.costs
        return run_backtest(
            self.spec.bars[t], {self.label(config): sig}, fees=c["fees"], slippage=c["slippage"],
            ambiguity=c["ambiguity"], init_cash=c["init_cash"],
            periods_per_year=self.settings["periods_per_year"][t], ticker=t,
        )  # fmt: skip

    def deflated_sharpe(self, *, by_ticker: bool = False) -> dict[str, Any]:
        """Deflated Sharpe of the best configuration, distinct trials only (cached in extras).

        See :func:`riskkit.backtest.sweep.deflated_sharpe_of_trials`: identical equity
        curves (equal :attr:`fingerprint`) count as one trial, and all Sharpe ratios are
        put on the best configuration's calendar before pooling.
        """
        from riskkit.backtest.sweep import grid_deflated_sharpe

        key = "dsr_by_ticker" if by_ticker else "deflated_sharpe"
        if key not in self.extras:
            self.extras.update(grid_deflated_sharpe(self, by_ticker=by_ticker))
        if by_ticker:
            return {"dsr_by_ticker": self.extras["dsr_by_ticker"]}
        keys = ("best_config", "best_sharpe", "n_trials_raw", "n_trials", "sharpe_variance",
                "deflated_sharpe", "calendar_periods_per_year")  # fmt: skip
        return {k: self.extras[k] for k in keys}

    def summary(self, *, top: int = 10, by: str = "sharpe") -> Summary:
        """Size, costs, trials and deflated Sharpe, then the best rows: prints as text,
        renders as an HTML table in a notebook."""
        st, ex = self.settings, self.deflated_sharpe()
        ppy = ", ".join(f"{t} {v:g}" for t, v in st["periods_per_year"].items())
        lines = [
            f"Sweep: {len(self.stats):,} configurations over {self.params['ticker'].nunique()} "
            f"ticker(s), {st['first']} .. {st['last']}",
            f"Fill contract: {st['fill_contract']}",
            f"Costs: fees {st['fees']}, slippage {st['slippage']} per fill; periods/year: {ppy}",
        ]
        if "n_trials" in ex:
            lines.append(
                f"Trials: {ex['n_trials_raw']:,} with a Sharpe, {ex['n_trials']:,} distinct "
                f"equity curves; deflated Sharpe of the best: {ex['deflated_sharpe']:.3f}"
            )
        tab = self.best(top, by=by)
        lines.append(tab.to_string(float_format=lambda x: f"{x:.4f}"))
        blocks: list[str | Table] = ["\n".join(lines[1:-1])]
        keep = [c for c in self.params.columns if c != "grid" or self.params["grid"].nunique() > 1]
        keep += [c for c in _SWEEP_HTML_STATS if c in tab.columns]
        if by not in keep:
            keep.append(by)
        blocks.append(Table(tab[keep].rename_axis("Config"), _STAT_FORMATS, index=True,
                            labels=_STAT_LABELS, caption=f"Top {len(tab)} by {by}"))  # fmt: skip
        return Summary("\n".join(lines), blocks)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        st = self.settings
        return short_repr(
            "SweepResult",
            [("configurations", f"{len(self.stats):,}"),
             ("tickers", ", ".join(map(str, self.params["ticker"].unique()[:6]))),
             ("range", f"{st.get('first')} .. {st.get('last')}")],
        )  # fmt: skip

    def plot_heatmap(
        self, x: str, y: str, *, metric: str = "sharpe", where: dict[str, Any] | None = None
    ) -> Any:
        """Heatmap of ``metric`` over parameters ``x`` and ``y`` (mean over the rest), as
        :meth:`BacktestResult.plot_heatmap`; ``where`` filters configurations first, e.g.
        ``{"ticker": "IREN"}``."""
        return heatmap(self.to_frame(), x, y, metric=metric, where=where)

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()
