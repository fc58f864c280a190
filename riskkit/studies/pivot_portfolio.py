"""The pivot-event strategy as one portfolio: every catalog event traded from one account.

Each event ticker is one column of :func:`riskkit.backtest.run_portfolio` (its events'
decisions merged by :func:`strategies.pivot_event.pivot_ticker_signals`), sized by a
:class:`~riskkit.backtest.Sizing` rule, under the costs of :class:`~riskkit.backtest.Costs`.
Beside it, on the same span: an equal-weight buy-and-hold basket of the event tickers and
BTC-USD bought and held, and the same strategy with each cost switched on in turn (fees
and slippage, short borrow, the volume cap) to show what each one costs. Risk of every
equity curve comes from :mod:`riskkit.risk` (``PortfolioResult.risk``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit.backtest import Costs, Overlay, PortfolioResult, Signals, Sizing, run_portfolio
from riskkit.backtest.engine import bars_for
from riskkit.data import load_prices
from strategies.pivot_event import pivot_event_plan, pivot_ticker_signals

if TYPE_CHECKING:
    from riskkit.report import Page

__all__ = [
    "DEFAULT_BORROW",
    "PivotPortfolioResult",
    "run_pivot_portfolio",
    "write_pivot_portfolio_page",
    "pivot_portfolio_page",
]

#: Annual borrow rates assumed for shorts (no borrow data ship with riskkit): the miners
#: are small caps that are often hard to borrow; BTC-USD (the hedge leg) is cheap.
DEFAULT_BORROW: dict[str, float] = {"BTC-USD": 0.05}
DEFAULT_BORROW_MINERS = 0.10
#: The account of the capacity check, where the volume cap binds.
LARGE_ACCOUNT = 100_000_000.0
BTC_LEVEL = 112_000.0
#: The other sizing rules and the account drawdown stop, each with every cost on.
SIZING_VARIANTS: tuple[tuple[str, Sizing, Overlay | None], ...] = (
    ("fixed 10% a position", Sizing(fraction=0.1), None),
    ("fixed 30%, cap 5 names", Sizing(fraction=0.3, max_positions=5), None),
    ("volatility target 25%, cap 30%",
     Sizing(rule="vol_target", target_vol=0.25, vol_window=60, max_weight=0.3), None),
    ("equal slots, rebalanced every 2 days", Sizing(rule="equal", max_positions=5, rebalance=2),
     None),
    ("equal slots + 10% account drawdown stop", Sizing(rule="equal", max_positions=5),
     Overlay(drawdown_stop=0.10, cooldown=21)),
)  # fmt: skip

_COLUMNS = ["strategy", "costs", "init_cash", "total_return", "cagr", "sharpe", "max_drawdown",
            "volatility", "turnover", "annual_turnover", "trades", "exposure", "fees_paid",
            "slippage_paid", "borrow_paid", "interest_paid", "costs_paid",
            "volume_capped_fills", "cash_limited_fills", "skipped_max_positions",
            "skipped_no_weight", "drawdown_stops", "periods_per_year"]  # fmt: skip


@dataclass(frozen=True)
class PivotPortfolioResult:
    """The pivot-event portfolio, its benchmarks and its cost variants.

    Attributes
    ----------
    main
        The strategy with every cost on (fees, slippage, borrow, volume cap).
    basket, btc
        Equal-weight buy and hold of the event tickers; BTC-USD bought and held.
    runs
        Every run by label (the cost ladder, the hedge and reaction variants, the
        large-account capacity check, the benchmarks).
    table
        One row per run: return, CAGR, Sharpe, max drawdown, turnover, costs paid by kind,
        counters (decimals; Sharpe annualised with ``periods_per_year`` of that run).
    risk
        :meth:`PortfolioResult.risk` of the main run and the benchmarks (99% VaR/CVaR,
        drawdown, ratios).
    plan
        Every catalog event with its entry, exit decision and the reason it was not traded.
    settings
        Hold, direction, sizing, costs, span, data source.
    """

    main: PortfolioResult
    basket: PortfolioResult
    btc: PortfolioResult
    runs: dict[str, PortfolioResult]
    table: pd.DataFrame
    risk: pd.DataFrame
    plan: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The runs' table (decimals), one row per run."""
        return self.table.reset_index()

    def cost_effects(self) -> pd.DataFrame:
        """Change in total return and Sharpe from each cost, strategy by strategy."""
        t = self.table
        rows = []
        for strat in t["strategy"].unique():
            sub = t[(t["strategy"] == strat) & (t["init_cash"] == self.settings["init_cash"])]
            sub = sub.set_index("costs")
            steps = [
                c
                for c in ("none", "fees+slippage", "with borrow", "with volume cap")
                if c in sub.index
            ]
            for a, b in zip(steps[:-1], steps[1:], strict=True):
                rows.append({"strategy": strat, "cost": b.removeprefix("with "),
                             "total_return_change": sub.loc[b, "total_return"] - sub.loc[a, "total_return"],
                             "sharpe_change": sub.loc[b, "sharpe"] - sub.loc[a, "sharpe"],
                             "paid": sub.loc[b, "costs_paid"] - sub.loc[a, "costs_paid"]})  # fmt: skip
        return pd.DataFrame(rows)

    def conclusion(self) -> str:
        """The page's opening paragraph, written from the numbers."""
        m, b, c = self.main.stats, self.basket.stats, self.btc.stats
        st = self.settings
        eff = self.cost_effects()
        main_eff = eff[eff["strategy"] == "pivot by type"].set_index("cost")
        gap = m["total_return"] - b["total_return"]
        parts = [
            f"Traded from one ${st['init_cash']:,.0f} account ({st['sizing_text']}), the "
            f"{st['events_traded']} pivot events ({int(m['trades'] + m['open_at_end'])} round "
            f"trips: events on one name within the hold share a position) returned "
            f"{m['total_return']:+.1%} from {st['first']} to {st['last']} (Sharpe "
            f"{m['sharpe']:.2f} on {self.main.settings['periods_per_year']:g} sessions a year, "
            f"max drawdown {m['max_drawdown']:.1%}, in the market "
            f"{m['exposure']:.0%} of the days, turnover {m['turnover']:.1f}x, "
            f"{m['costs_paid']:,.0f} of costs).",
            f"The equal-weight buy-and-hold basket of the same {st['basket_names']} names "
            f"returned {b['total_return']:+.1%} (Sharpe {b['sharpe']:.2f}, max drawdown "
            f"{b['max_drawdown']:.1%}) and BTC-USD {c['total_return']:+.1%} (Sharpe "
            f"{c['sharpe']:.2f} on {self.btc.settings['periods_per_year']:g} days a year, "
            f"max drawdown {c['max_drawdown']:.1%}): the strategy "
            f"{'beat' if gap > 0 else 'trailed'} the basket by {abs(gap) * 100:.1f} percentage points, with "
            f"a max drawdown {'smaller' if m['max_drawdown'] > b['max_drawdown'] else 'larger'}"
            f" than the basket's.",
        ]
        if "fees+slippage" in main_eff.index:
            fs = -float(main_eff["total_return_change"].astype(float)["fees+slippage"])
            rest = main_eff.loc[["borrow", "volume cap"], "total_return_change"].abs().sum()
            parts.append(
                f"Fees and slippage cost it {fs:.2%} of return; borrow and the volume cap "
                + ("cost nothing at this size (the trades are long, and small beside the "
                   "names' volume)." if rest == 0 else f"another {rest:.2%}.")
            )  # fmt: skip
        t = self.table
        cap = t[(t["strategy"] == "pivot by type") & (t["init_cash"] == LARGE_ACCOUNT)]
        if len(cap) == 2:
            lo, hi = cap.iloc[0], cap.iloc[1]
            parts.append(
                f"At ${LARGE_ACCOUNT:,.0f} the 1% volume cap changes the return from "
                f"{lo['total_return']:+.1%} to {hi['total_return']:+.1%} "
                f"({int(hi['volume_capped_fills'])} fills left a rest for later bars)."
            )
        rx = eff[(eff["strategy"] == "pivot by reaction") & (eff["cost"] == "borrow")]
        if len(rx):
            parts.append(
                f"Trading the day-0 reaction (long and short), borrow costs "
                f"{-rx['total_return_change'].iloc[0]:.2%} of return."
            )
        return " ".join(parts)

    def summary(self) -> Summary:
        """The conclusion and the runs' table (text and HTML)."""
        head = f"Pivot-event portfolio, {self.settings['first']} .. {self.settings['last']}"
        show = ["strategy", "costs", "total_return", "sharpe", "max_drawdown", "turnover",
                "costs_paid"]  # fmt: skip
        tab = self.table[show]
        text = head + "\n" + self.conclusion() + "\n\n" + tab.to_string(
            float_format=lambda x: f"{x:.4f}"
        )  # fmt: skip
        fm = {"total_return": "pct", "sharpe": "num2", "max_drawdown": "pct",
              "turnover": "num2", "costs_paid": "int"}  # fmt: skip
        return Summary(text, [self.conclusion(), Table(tab, fm, caption="Runs")], title=head)

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        m = self.main.stats
        return short_repr(
            "PivotPortfolioResult",
            [("span", f"{self.settings['first']} .. {self.settings['last']}"),
             ("events", self.settings["events_traded"]), ("runs", len(self.runs)),
             ("total_return", f"{m['total_return']:.2%}"), ("sharpe", f"{m['sharpe']:.2f}")],
        )  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _with_volume(prices: pd.DataFrame, ticker: str) -> pd.DataFrame:
    b = bars_for(prices, ticker)
    return b.assign(volume=prices[("volume", ticker)].reindex(b.index).fillna(0.0).astype(float))


def _hold_signals(bars: pd.DataFrame, first: pd.Timestamp) -> Signals:
    """Buy at the first open after the span's first close and hold."""
    e = pd.Series(False, index=bars.index)
    e.iloc[int(bars.index.searchsorted(first))] = True
    return Signals(entries=e)


def run_pivot_portfolio(
    *,
    events: pd.DataFrame | str | None = None,
    hold: int = 5,
    sizing: Sizing | None = None,
    fees: float = 0.001,
    slippage: float = 0.001,
    borrow: dict[str, float] | None = None,
    borrow_default: float = DEFAULT_BORROW_MINERS,
    volume_cap: float = 0.01,
    init_cash: float = 100_000.0,
    sl_stop: float | None = None,
    tp_stop: float | None = None,
    beta_window: int = 120,
    source: str = "bundled",
    prices: pd.DataFrame | None = None,
) -> PivotPortfolioResult:
    """Trade every catalog event from one account, beside the basket and BTC-USD.

    Parameters
    ----------
    events
        Events frame or CSV path (default: the bundled catalog). Market-wide (MKT) events
        are not traded; company events of types without a side are listed in ``plan``.
    hold
        Sessions each position is held (exit decided at the close of the ``hold``-th).
    sizing
        Default: equal slots, 5 at most (20% of equity each), on entry only.
    fees, slippage
        Per fill, fractions.
    borrow, borrow_default
        Annual borrow rates by ticker, and for every other ticker (assumptions: see
        :data:`DEFAULT_BORROW`).
    volume_cap
        Fills limited to this fraction of the bar's volume in the runs with the cap.
    init_cash
        The account; the capacity check reruns at :data:`LARGE_ACCOUNT`.
    sl_stop, tp_stop
        Optional stop and target fractions of every position.
    beta_window
        Sessions of each name's rolling BTC beta that sizes the hedge variant's short.
    source, prices
        Where prices come from, or a :func:`riskkit.data.load_prices` frame (with volume).

    Returns
    -------
    PivotPortfolioResult

    Notes
    -----
    The span runs from the first traded event's decision date to the last bar date shared
    by most event tickers (the bundled data: 2026-05-29; HUT's longer file is cut there).
    Decisions follow :func:`strategies.pivot_event.pivot_event_plan` (direction by event
    type; the "reaction" variant trades the sign of the day-0 move, long or short). The
    BTC-level hedge shorts BTC-USD for the book's beta-weighted exposure (each name's
    rolling beta to BTC over ``beta_window`` sessions up to the decision) while BTC closes
    below $112,000. Runs differ only in what the row says; all statistics are those of
    :func:`riskkit.backtest.run_portfolio`.
    """
    from riskkit.events import assign_day0, load_events  # statsmodels: lazy

    sizing = Sizing(rule="equal", max_positions=5) if sizing is None else sizing
    ev = assign_day0(load_events(events))
    ev = ev[ev["ticker"] != "MKT"]
    tickers = sorted(set(ev["ticker"]))
    if not tickers:
        raise DataError("the events hold no company event to trade (only MKT rows).")
    if prices is None:
        prices = load_prices([*tickers, "BTC-USD"], source=source)  # type: ignore[arg-type]
    full = {t: _with_volume(prices, t) for t in tickers}
    btc_full = _with_volume(prices, "BTC-USD")
    plans: list[pd.DataFrame] = []
    sig_type: dict[str, Signals] = {}
    sig_react: dict[str, Signals] = {}
    for t, grp in ev.groupby("ticker"):
        b = full[str(t)]
        for direction, store in (("type", sig_type), ("reaction", sig_react)):
            plan = pivot_event_plan(b, grp, hold=hold, direction=direction)  # type: ignore[arg-type]
            if direction == "type":
                plans.append(plan.assign(ticker=t))
            s = pivot_ticker_signals(b, plan, sl_stop=sl_stop, tp_stop=tp_stop)
            if s is not None:
                store[str(t)] = s
    plan_all = pd.concat(plans)
    traded = plan_all[plan_all["dropped"] == ""]
    if traded.empty:
        raise DataError("no event could be traded on the available prices; see the plan.")
    first = pd.Timestamp(traded["decision_date"].min())
    last = pd.Series([b.index[-1] for b in full.values()]).mode().max()

    # bars before the span feed the ex-ante estimates only (run_portfolio's start=)
    bars = {t: b.loc[:last] for t, b in full.items() if len(b.loc[first:last]) >= 2}
    btc = btc_full.loc[:last]

    def on_span(sigs: dict[str, Signals]) -> dict[str, Signals]:
        from riskkit.backtest.signals import slice_signals

        return {t: slice_signals(s, pd.DatetimeIndex(bars[t].index)) for t, s in sigs.items()
                if t in bars}  # fmt: skip

    sig_type, sig_react = on_span(sig_type), on_span(sig_react)
    rates = {**DEFAULT_BORROW, **(borrow or {})}
    ladder = {
        "none": Costs(fees=0.0, slippage=0.0),
        "fees+slippage": Costs(fees=fees, slippage=slippage),
        "with borrow": Costs(fees=fees, slippage=slippage, borrow=rates, borrow_default=borrow_default),
        "with volume cap": Costs(fees=fees, slippage=slippage, borrow=rates,
                             borrow_default=borrow_default, volume_cap=volume_cap),
    }  # fmt: skip
    hedge = Overlay(btc_level=BTC_LEVEL, btc_mode="hedge", hedge_beta_window=beta_window)
    runs: dict[str, PortfolioResult] = {}
    rows = []

    def go(label: str, strat: str, cost_key: str, sigs: dict[str, Signals], *,
           cash: float = init_cash, overlay: Overlay | None = None,
           use_sizing: Sizing = sizing, b: dict[str, pd.DataFrame] | None = None) -> PortfolioResult:  # fmt: skip
        res = run_portfolio(b or bars, sigs, sizing=use_sizing, costs=ladder[cost_key],
                            overlay=overlay, init_cash=cash, btc_bars=btc, start=first)  # fmt: skip
        runs[label] = res
        rows.append({"run": label, "strategy": strat, "costs": cost_key, "init_cash": cash,
                     **res.stats.to_dict(), "periods_per_year": res.settings["periods_per_year"]})  # fmt: skip
        return res

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)
        for key in ladder:
            go(f"pivot by type, {key}", "pivot by type", key, sig_type)
        for key in ladder:
            go(f"pivot by type + BTC hedge, {key}", "pivot by type + BTC hedge", key, sig_type,
               overlay=hedge)  # fmt: skip
        for key in ladder:
            go(f"pivot by reaction, {key}", "pivot by reaction", key, sig_react)
        for key in ("with borrow", "with volume cap"):
            go(f"pivot by type at {LARGE_ACCOUNT:,.0f}, {key}", "pivot by type", key, sig_type,
               cash=LARGE_ACCOUNT)  # fmt: skip
        for lab, sz, ov in SIZING_VARIANTS:
            go(f"pivot by type, {lab}", f"pivot by type, {lab}", "with volume cap", sig_type,
               use_sizing=sz, overlay=ov)  # fmt: skip
        n_basket = len(bars)
        basket = go("equal-weight basket, buy and hold", "basket buy and hold", "fees+slippage",
                    {t: _hold_signals(b, first) for t, b in bars.items()},
                    use_sizing=Sizing(fraction=1.0 / n_basket))  # fmt: skip
        btc_run = go("BTC-USD, buy and hold", "BTC-USD buy and hold", "fees+slippage",
                     {"BTC-USD": _hold_signals(btc, first)}, use_sizing=Sizing(fraction=1.0),
                     b={"BTC-USD": btc})  # fmt: skip
    main = runs["pivot by type, with volume cap"]
    table = pd.DataFrame(rows).set_index("run")[_COLUMNS]
    risk = pd.DataFrame({lab: runs[lab].risk() for lab in
                         ("pivot by type, with volume cap", "pivot by type + BTC hedge, with volume cap",
                          "equal-weight basket, buy and hold", "BTC-USD, buy and hold")}).T  # fmt: skip
    risk.index.name = "run"
    info = ev.set_index("event_id")[["event_type", "timing", "date", "day0"]]
    plan_all = info.join(plan_all, how="left")
    sz = sizing
    sizing_text = (
        f"equal slots, at most {sz.max_positions}" if sz.rule == "equal"
        else f"{sz.fraction:.0%} a position" if sz.rule == "fixed"
        else f"volatility target {sz.target_vol:.0%}"
    )  # fmt: skip
    settings = {
        "hold": hold, "sizing": sizing, "sizing_text": sizing_text, "fees": fees,
        "slippage": slippage, "borrow": rates, "borrow_default": borrow_default,
        "volume_cap": volume_cap, "init_cash": init_cash, "sl_stop": sl_stop,
        "tp_stop": tp_stop, "beta_window": beta_window, "first": str(first.date()),
        "last": str(pd.Timestamp(last).date()),
        "events_traded": int(len(traded)), "basket_names": n_basket,
        "data": prices.attrs.get("riskkit_sources", {}), "btc_level": BTC_LEVEL,
    }  # fmt: skip
    return PivotPortfolioResult(main=main, basket=basket, btc=btc_run, runs=runs, table=table,
                                risk=risk, plan=plan_all, settings=settings)  # fmt: skip


def _equity_figure(res: PivotPortfolioResult) -> Any:
    import matplotlib.pyplot as plt

    fig, (a1, a2) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    for lab, r in (("pivot portfolio", res.main), ("equal-weight basket", res.basket),
                   ("BTC-USD", res.btc)):  # fmt: skip
        e = r.equity / r.settings["init_cash"]
        a1.plot(e.index, e.to_numpy(), lw=1.0, label=lab)
        a2.plot(e.index, (e / e.cummax() - 1).to_numpy(), lw=0.8, label=lab)
    a1.set_ylabel("equity / initial cash")
    a1.set_yscale("log")
    a1.legend()
    a2.set_ylabel("drawdown")
    fig.tight_layout()
    return fig


def write_pivot_portfolio_page(res: PivotPortfolioResult, out_dir: str | Path) -> Path:
    """Write ``pivot_portfolio.html`` and its CSVs (runs, risk, trades, equity, plan) into
    ``out_dir``; return the page's path."""
    return pivot_portfolio_page(res, out_dir).write(Path(out_dir) / "pivot_portfolio.html")


def pivot_portfolio_page(res: PivotPortfolioResult, out_dir: str | Path) -> Page:
    """Write the pivot-portfolio CSVs (runs, risk, trades, fills, equity, plan) into
    ``out_dir`` and return its page (written alone or nested in ``riskkit report``)."""
    from riskkit.report import Page, Section, write_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(res.table, out / "pivot_portfolio_runs.csv")
    write_csv(res.risk, out / "pivot_portfolio_risk.csv")
    write_csv(res.main.trades, out / "pivot_portfolio_trades.csv", index=False)
    write_csv(res.main.fills, out / "pivot_portfolio_fills.csv", index=False)
    eq = pd.DataFrame({"pivot_portfolio": res.main.equity, "basket": res.basket.equity,
                       "btc_usd": res.btc.equity})  # fmt: skip
    write_csv(eq, out / "pivot_portfolio_equity.csv")
    write_csv(res.plan, out / "pivot_portfolio_plan.csv")
    st = res.settings
    show = ["strategy", "costs", "init_cash", "total_return", "sharpe", "max_drawdown",
            "turnover", "trades", "exposure", "borrow_paid", "costs_paid",
            "volume_capped_fills", "periods_per_year"]  # fmt: skip
    contrib = res.main.contribution.rename("contribution").to_frame()
    sections = [
        Section("Conclusion", note=res.conclusion()),
        Section(
            "Equity and drawdown (pivot portfolio, basket, BTC-USD)", figure=_equity_figure(res)
        ),
        Section(
            "Every run",
            table=res.table[show],
            csv="pivot_portfolio_runs.csv",
            formats={
                "init_cash": "count",
                "fees_paid": "count",
                "slippage_paid": "count",
                "borrow_paid": "count",
                "costs_paid": "count",
                "turnover": "number",
                "periods_per_year": "count",
                "volume_capped_fills": "count",
            },
            note="Costs are added one at a time: none; fees and slippage; with short borrow "
            "as well; with the volume cap as well. Sharpe is annualised with each run's own calendar "
            "(252 for stock-only runs, 365 when BTC-USD's days are in it). Turnover: traded "
            "value over mean equity.",
        ),  # fmt: skip
        Section(
            "What each cost changes",
            table=res.cost_effects(),
            formats={"paid": "count", "sharpe_change": "number"},
        ),  # fmt: skip
        Section(
            "Risk of the equity (riskkit.risk: 1-day 99% VaR and CVaR, drawdown, ratios)",
            table=res.risk,
            formats={
                "max_drawdown_days": "count",
                "sharpe": "number",
                "sortino": "number",
                "calmar": "number",
            },
        ),  # fmt: skip
        Section(
            "Contribution by name (main run, share of the initial cash)",
            table=contrib,
            formats={"contribution": "percent"},
        ),  # fmt: skip
        Section("Trades of the main run", table=res.main.trades, csv="pivot_portfolio_trades.csv"),
        Section(
            "Events not traded, and why",
            table=res.plan[res.plan["dropped"].fillna("") != ""][["ticker", "dropped"]],
            note="Market-wide (MKT) events are not traded: they name no company.",
        ),
    ]
    src = sorted({str(v.get("source")) for v in st["data"].values()}) if st["data"] else []
    meta = {
        "data source": "; ".join(src) or "n/a",
        "span": f"{st['first']} .. {st['last']}",
        "hold (sessions)": st["hold"],
        "sizing": st["sizing_text"],
        "costs per fill": f"fees {st['fees']}, slippage {st['slippage']}",
        "borrow (annual)": f"{st['borrow_default']:.0%} miners, "
        + ", ".join(f"{k} {v:.0%}" for k, v in st["borrow"].items()),
        "volume cap": f"{st['volume_cap']:.0%} of the bar's volume",
        "BTC level": f"{st['btc_level']:,.0f} USD",
        "contract": res.main.settings["contract"],
    }
    return Page("Pivot-event portfolio", sections, meta)
