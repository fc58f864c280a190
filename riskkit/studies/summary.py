"""The index page's summary: plain sentences generated from the numbers of a run.

Small pure functions: each takes the result objects of one step of the main job (or the
frames inside them) and returns sentences; nothing is computed again and no conclusion is
written in advance. :func:`riskkit.studies.full_report.run_full_report` puts them at the
top of ``index.html``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from riskkit.backtest.results import SweepResult
    from riskkit.events.results import EventStudyResult
    from riskkit.events.simulate import SimulationResult
    from riskkit.risk.report import RiskReport

__all__ = [
    "ALPHA",
    "caar_sentences",
    "robust_test_sentences",
    "config_description",
    "event_label",
    "key_event_sentences",
    "key_figures",
    "model_label",
    "risk_sentences",
    "riskiest_sentences",
    "simulation_sentence",
    "stop_loss_sentences",
]

#: Significance level the summary's words ("significant at 5%") refer to.
ALPHA = 0.05

#: Deflated Sharpe above which an in-sample best counts as evidence of skill.
DSR_THRESHOLD = 0.95

_ACRONYMS = {"ai": "AI", "hpc": "HPC", "btc": "BTC", "gpu": "GPU", "mkt": "MKT", "ipo": "IPO"}
_GROUP_TESTS = (("bmp", "BMP"), ("kolari_pynnonen", "Kolari-Pynnönen"))
_WINDOW_WORDS = {"[0,0]": "on day 0", "[-1,1]": "over days -1 to +1"}


def _pct(x: float) -> str:
    """Signed percent, one decimal: ``-14.2%``."""
    return f"{x:+.1%}"


def _p(p: float) -> str:
    """``p = 0.012`` or ``p < 0.001``."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _prob(x: float) -> str:
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def _lvl(alpha: float) -> str:
    return f"{100 * alpha:g}%"


def _date(x: Any) -> str | None:
    return None if pd.isna(x) else str(pd.Timestamp(x).date())


def _join(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def model_label(res: EventStudyResult) -> str:
    """``market model``, ``market + BTC model`` (from the factors the model used).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> model_label(SimpleNamespace(model="market_btc", factors=("market", "BTC")))
    'market + BTC model'
    """
    return (" + ".join(res.factors) or res.model) + " model"


def event_label(event_type: str) -> str:
    """Readable event type: ``ai_pivot`` -> ``AI pivot``.

    Examples
    --------
    >>> event_label("hpc_contract"), event_label("m_and_a")
    ('HPC contract', 'M&A news')
    """
    if str(event_type) == "m_and_a":
        return "M&A news"
    return " ".join(_ACRONYMS.get(w.lower(), w) for w in str(event_type).split("_"))


def _signif_where(hits: Sequence[bool], labels: Sequence[str]) -> str:
    """``significant under both models``, ``not significant under either model``,
    ``significant under the market model only``; without the models' names for one."""
    n, k = len(hits), sum(hits)
    if k == 0:
        return "not significant" + {1: "", 2: " under either model"}.get(n, " under any model")
    if k == n:
        return "significant" + {1: "", 2: " under both models"}.get(n, " under every model")
    on = [lab for lab, h in zip(labels, hits, strict=True) if h]
    return "significant under the " + _join(on) + " only"


def key_event_sentences(
    results: Sequence[EventStudyResult], event_id: str, *, alpha: float = ALPHA
) -> list[str]:
    """What one announcement did: day-0 AR and CAR[-1,+1] with the per-event t and p under
    each model, then where they are significant.

    The per-event t is the CAR over its prediction-error standard error, Student t with the
    model's residual df: the one-event form of the BMP and Kolari-Pynnönen statistics.

    Examples
    --------
    See ``tests/test_report_summary.py`` (hand-built results, hand-written sentences).
    """
    rows = []
    for res in results:
        cars = res.cars[res.cars["event_id"] == event_id]
        by_win = {str(r["window"]): r for r in cars.to_dict("records")}
        if "[0,0]" in by_win and "[-1,1]" in by_win:
            rows.append((model_label(res), by_win["[0,0]"], by_win["[-1,1]"]))
    if not rows:
        reasons = [
            str(r)
            for res in results
            for r in res.skipped.loc[res.skipped["event_id"] == event_id, "reason"]
        ]
        why = f" ({reasons[0]})" if reasons else ""
        return [f"{event_id} was not estimated{why}."]
    first = rows[0][1]
    name = f"{first['ticker']}'s {event_label(first['event_type'])} of {_date(first['day0'])}"
    parts = [
        f"{_pct(d0['car'])} (t = {d0['t']:.2f}, {_p(d0['p'])}) and {_pct(w['car'])} "
        f"(t = {w['t']:.2f}, {_p(w['p'])}) under the {lab}"
        for lab, d0, w in rows
    ]
    text = [f"{name}: day-0 abnormal return and CAR[-1,+1] of " + "; ".join(parts) + "."]
    labels = [lab for lab, _, _ in rows]
    d0_where = _signif_where([bool(d0["p"] <= alpha) for _, d0, _ in rows], labels)
    w_where = _signif_where([bool(w["p"] <= alpha) for _, _, w in rows], labels)
    if d0_where == w_where:
        text.append(f"At {_lvl(alpha)} the day-0 move and the three-day CAR are both {d0_where}.")
    else:
        text.append(f"At {_lvl(alpha)} the day-0 move is {d0_where}, the three-day CAR {w_where}.")
    return text


#: The tests of ``tests="all"`` the summary quotes (robust to the event-day variance jump).
_ROBUST_TESTS = (("grank_t", "GRANK-T"), ("bootstrap_bmp", "wild-bootstrap BMP"),
                 ("bootstrap_kp", "wild-bootstrap Kolari-Pynnönen"),
                 ("garch_bmp", "GARCH-standardized BMP"))  # fmt: skip
_TEST_NAMES = {"cross_sectional_t": "the cross-sectional t", "patell_z": "Patell's Z",
               "bmp": "BMP", "kolari_pynnonen": "Kolari-Pynnönen", "rank_cz": "the rank test",
               "generalized_sign": "the generalized sign test", "grank_t": "GRANK-T",
               "grank_z": "GRANK-Z", "garch_bmp": "GARCH-standardized BMP",
               "garch_z": "the GARCH-standardized Z", "bootstrap_bmp": "wild-bootstrap BMP",
               "bootstrap_kp": "wild-bootstrap Kolari-Pynnönen"}  # fmt: skip


def robust_test_sentences(
    results: Sequence[EventStudyResult], *, window: str = "[0,0]", alpha: float = ALPHA
) -> list[str]:
    """The firm-event CAAR under the robust tests of ``tests="all"`` (GRANK-T, the wild
    bootstrap of BMP and Kolari-Pynnönen, GARCH-standardized BMP), then which tests still
    reject after Holm's adjustment over the firm events' whole test table (every window
    and test: one family). Empty when the results hold none of those tests.

    Examples
    --------
    See ``tests/test_report_summary.py`` (hand-built test tables, hand-written sentences).
    """
    text: list[str] = []
    survivors: list[tuple[str, int, tuple[str, ...]]] = []
    for res in results:
        tt = res.tests(adjust=True)
        firm = tt[(tt["group_by"] == "scope") & (tt["group"] == "firm")]
        sub = firm[firm["window"] == window].set_index("test")
        have = [(t, lab) for t, lab in _ROBUST_TESTS if t in sub.index]
        if not have:
            continue
        pv = sub["p_value"].astype(float)
        ps = ", ".join(f"{lab} {_p(float(pv.loc[t]))}" for t, lab in have)
        text.append(f"Under the {model_label(res)}, {_WINDOW_WORDS.get(window, window)}: {ps}.")
        held = firm[firm["p_holm"] <= alpha]
        survivors.append(
            (model_label(res), len(firm),
             tuple(sorted({_TEST_NAMES.get(str(t), str(t)) for t in held["test"]})))
        )  # fmt: skip
    if not text:
        return []
    n = survivors[0][1]
    kept = {names for _, _, names in survivors}
    if len(kept) == 1:
        names = next(iter(kept))
        tail = (f"only {_join(list(names))} still reject{'s' if len(names) == 1 else ''}"
                if names else "no test still rejects")  # fmt: skip
        text.append(
            f"After Holm's adjustment over the firm events' {n} tests (every window and test "
            f"of the table, one family), {tail} at {_lvl(alpha)} under "
            + ("both models" if len(survivors) == 2 else "every model")
            + (
                " (both take the event-day variance from the estimation window, which the "
                "announcements' jump in variance breaks)."
                if set(names) == {"Patell's Z", "the GARCH-standardized Z"}
                else "."
            )
        )
    else:
        for lab, k, held_names in survivors:
            tail = _join(list(held_names)) if held_names else "none"
            text.append(f"After Holm's adjustment over {k} tests, still rejecting under the "
                        f"{lab}: {tail}.")  # fmt: skip
    return text


def caar_sentences(
    results: Sequence[EventStudyResult],
    *,
    windows: Sequence[str] = ("[0,0]", "[-1,1]"),
    alpha: float = ALPHA,
) -> list[str]:
    """The catalog-wide firm-event CAAR with its BMP and Kolari-Pynnönen p-values under each
    model, where they reject, and why Patell is left out.

    Reads the grouped tests of each result (``group_by == "scope"``, ``group == "firm"``:
    market-wide events are left out, they are one shock copied across names).
    """
    per_model, hits, n_events = [], [], None
    for res in results:
        tt = res.test_table
        firm = tt[(tt["group_by"] == "scope") & (tt["group"] == "firm")]
        cells = []
        for win in windows:
            sub = firm[firm["window"] == win].set_index("test")
            if not all(t in sub.index for t, _ in _GROUP_TESTS):
                continue
            n_events = int(sub["n"].iloc[0])
            pv = {t: float(sub["p_value"].loc[t]) for t, _ in _GROUP_TESTS}
            ps = [f"{lab} {_p(pv[t])}" for t, lab in _GROUP_TESTS]
            est = float(sub["estimate"].iloc[0])
            cells.append(f"{_pct(est)} {_WINDOW_WORDS.get(win, win)} ({', '.join(ps)})")
            for t, lab in _GROUP_TESTS:
                if pv[t] <= alpha:
                    hits.append(f"{lab} {_WINDOW_WORDS.get(win, win)} ({model_label(res)})")
        if cells:
            per_model.append(f"{_join(cells)} under the {model_label(res)}")
    if not per_model:
        return ["No firm-event group tests were computed."]
    text = [
        f"Across the {n_events} firm events of the catalog, the CAAR is "
        + "; ".join(per_model)
        + "."
    ]
    if hits:
        text.append(f"At {_lvl(alpha)} the CAAR is significant for {_join(hits)}.")
    else:
        text.append(f"At {_lvl(alpha)} neither test rejects a zero CAAR in any window or model.")
    text.append(
        "Patell's Z is not used: it assumes event days are as volatile as the estimation "
        "window, and the event-day variance jump of announcements makes it reject too often."
    )
    return text


def riskiest_sentences(
    cvar: pd.DataFrame, drawdowns: pd.DataFrame, *, level: float, method: str = "historical"
) -> list[str]:
    """The riskiest name by CVaR (under ``method``, and on how many methods it is the top)
    and by maximum drawdown.

    Parameters
    ----------
    cvar
        CVaR table, methods x assets, positive = loss (``RiskReport.var.cvar``).
    drawdowns
        Drawdown table with ``asset, peak, trough, recovery, depth`` (depth <= 0).
    level
        The VaR/CVaR level of the table (0.99).
    method
        Row of ``cvar`` quoted in the sentence.
    """
    text = []
    top_cvar = None
    if method in cvar.index and cvar.shape[1]:
        row = cvar.astype(float).T[method].sort_values(ascending=False)
        top_cvar = str(row.index[0])
        n_top = int((cvar.astype(float).idxmax(axis=1) == top_cvar).sum())
        on = (f"every one of the {len(cvar)} methods" if n_top == len(cvar)
              else f"{n_top} of {len(cvar)} methods")  # fmt: skip
        nxt = f", against {row.iloc[1]:.1%} for {row.index[1]}, the next" if len(row) > 1 else ""
        text.append(
            f"By {level:.0%} one-day CVaR ({method}, each name on its own calendar) the "
            f"riskiest name is {top_cvar}: an average loss of {row.iloc[0]:.1%} on its worst "
            f"{1 - level:.0%} of days{nxt}; it is the riskiest under {on}."
        )
    if len(drawdowns):
        worst = drawdowns.loc[drawdowns.groupby("asset")["depth"].idxmin()]
        worst = worst.sort_values("depth")
        w = worst.iloc[0]
        name = str(w["asset"])
        peak = _date(w["peak"])
        span = f"from its peak of {peak} to its trough of {_date(w['trough'])}" if peak else (
            f"to its trough of {_date(w['trough'])}")  # fmt: skip
        rec = _date(w.get("recovery"))
        back = f", recovered by {rec}" if rec else ", not recovered by the end of its data"
        who = f"{name} again" if name == top_cvar else name
        nxt = (f"; next {worst.iloc[1]['asset']} at {worst.iloc[1]['depth']:.1%}"
               if len(worst) > 1 else "")  # fmt: skip
        text.append(
            f"By maximum drawdown the riskiest is {who}: {w['depth']:.1%} {span}{back}{nxt}."
        )
    return text


def risk_sentences(report: RiskReport, *, method: str = "historical") -> list[str]:
    """:func:`riskiest_sentences` of a :class:`~riskkit.risk.report.RiskReport`."""
    return riskiest_sentences(
        report.var.cvar, report.drawdowns, level=float(report.var.level), method=method
    )


def config_description(params: Mapping[str, Any], *, btc_level: float | None = None) -> str:
    """A stop-loss configuration in words, from its row of ``SweepResult.params``.

    Examples
    --------
    >>> config_description({"signals": "dip_buy", "sl_stop": 0.2, "sl_trail": True,
    ...                     "tp_stop": 0.5, "after_stop": "bars", "after_stop_bars": 5})
    'dip buy entry, a 20% trailing stop, re-entry 5 sessions after a stop, a 50% target'
    """

    def get(key: str) -> Any:
        v = params.get(key)
        return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v

    sig = str(params.get("signals", ""))
    parts = [sig.replace("+btc_level", "").replace("_", " ") + " entry"]
    has_stop = True
    if get("sl_atr") is not None:
        parts.append(f"a {float(get('sl_atr')):g} x ATR stop")
    elif get("sl_stop") is not None:
        kind = "trailing" if bool(get("sl_trail")) else "fixed"
        parts.append(f"a {float(get('sl_stop')):.0%} {kind} stop")
    elif sig.endswith("+btc_level"):
        lvl = f" of {btc_level:,.0f}" if btc_level is not None else ""
        parts.append(f"an exit when BTC closes below its level{lvl}")
        has_stop = False
    else:
        parts.append("no stop")
        has_stop = False
    after = get("after_stop")
    if has_stop and after is not None:
        n = get("after_stop_bars")
        parts.append({"wait": "re-entry on the next entry signal",
                      "bars": f"re-entry {int(n) if n is not None else '?'} sessions after a stop",
                      "recover": "re-entry once a close recovers beyond the exit"}.get(
                          str(after), f"re-entry rule {after}"))  # fmt: skip
    tp = get("tp_stop")
    parts.append(f"a {float(tp):.0%} target" if tp is not None else "no target")
    return ", ".join(parts)


def _share_better(no_stop: pd.DataFrame) -> tuple[float, int]:
    """Share of stop configurations with a higher Sharpe than their no-stop twin (the
    stop-loss page's conclusion), and how many there are."""
    n = no_stop["configurations"].astype(float)
    return float((no_stop["share_better_sharpe"] * n).sum() / n.sum()), int(n.sum())


def stop_loss_sentences(sweep: SweepResult, *, threshold: float = DSR_THRESHOLD) -> list[str]:
    """Did stops help? A verdict first, then the best configuration after costs with its
    deflated Sharpe, the no-stop comparison and the walk-forward result against buy and hold.

    The verdict is "helped" only when some in-sample best has a deflated Sharpe above
    ``threshold`` and the walk-forward choice beats buy and hold (by Sharpe) on most tickers.

    Reads what :func:`riskkit.studies.stop_loss.run_stop_loss_sweep` left in ``extras``
    (pooled and per-ticker deflated Sharpe, ``no_stop``, ``walk_forward``) and the best
    configuration's rows of ``stats`` and ``params``; computes nothing again.
    """
    ex, st = sweep.extras, sweep.settings
    text = []
    dsr = ex.get("deflated_sharpe")
    best_cfg = ex.get("best_config")
    if best_cfg is not None and best_cfg in sweep.params.index:
        prm = sweep.params.loc[best_cfg].to_dict()
        s = sweep.stats.loc[best_cfg]
        bl = ex.get("btc_level")
        text.append(
            f"After costs (fees {float(st['fees']):.2%} and slippage {float(st['slippage']):.2%} "
            f"a fill), the best of the {len(sweep.stats):,} configurations by Sharpe is "
            f"{prm['ticker']} with {config_description(prm, btc_level=bl)}: Sharpe "
            f"{float(s['sharpe']):.2f}, total return {_pct(float(s['total_return']))}, "
            f"maximum drawdown {float(s['max_drawdown']):.1%}."
        )
    n_sig = None
    by_t = ex.get("dsr_by_ticker")
    if dsr is not None:
        verdict = "is" if float(dsr) > threshold else "is not"
        tail = ""
        if isinstance(by_t, pd.DataFrame) and len(by_t):
            n_sig = int((by_t["deflated_sharpe"].astype(float) > threshold).sum())
            tail = (f"; {n_sig} of {len(by_t)} tickers' own best configurations have one above "
                    f"{threshold:g}")  # fmt: skip
        text.append(
            f"Its deflated Sharpe is {_prob(float(dsr))} once the {int(ex['n_trials']):,} "
            f"distinct trials are counted, so the in-sample best {verdict} evidence of skill "
            f"(threshold {threshold:g}){tail}."
        )
        if n_sig is None:
            n_sig = int(float(dsr) > threshold)
    no_stop = ex.get("no_stop")
    if isinstance(no_stop, pd.DataFrame) and len(no_stop):
        share, n = _share_better(no_stop)
        text.append(
            f"Against the same entry rule and target without a stop, {share:.0%} of the {n:,} "
            "stop configurations have a higher Sharpe."
        )
    wf = ex.get("walk_forward")
    wins = None
    if isinstance(wf, pd.DataFrame) and len(wf):
        sh = wf["sharpe"].astype(float)
        bh = wf["buy_and_hold_sharpe_same_span"].astype(float)
        wins = int((sh > bh).sum())
        r_wins = int((wf["total_return"] > wf["buy_and_hold_return_same_span"]).sum())
        each = ", ".join(
            f"{t} {a:.2f} vs {b:.2f}" for t, a, b in zip(wf.index, sh, bh, strict=True)
        )
        text.append(
            "Walk-forward, re-choosing the best Sharpe on each train window and trading the "
            f"next out of sample, beats buy and hold of the same span on {wins} of {len(wf)} "
            f"tickers by Sharpe ({each}) and on {r_wins} of {len(wf)} by total return."
        )
    if n_sig is not None and wins is not None:
        n_wf = len(wf)  # type: ignore[arg-type]
        if n_sig > 0 and wins > n_wf / 2:
            text.insert(
                0,
                "Stops helped here: a best rule survives the deflation and the walk-forward "
                "choice beats buy and hold on most tickers.",
            )
        else:
            why = []
            if n_sig == 0:
                why.append("no in-sample best survives the deflation")
            if wins <= n_wf / 2:
                why.append(
                    f"the walk-forward choice trails buy and hold on {n_wf - wins} of {n_wf} tickers"
                )
            text.insert(0, "Stops did not help here: " + " and ".join(why) + ".")
    return text


def simulation_sentence(sim: SimulationResult) -> str:
    """The placebo simulation's conclusion, with what was simulated."""
    return (
        f"Placebo check ({sim.n_trials} trials of {sim.n_events} pseudo-events on these "
        f"names): {sim.conclusion()}"
    )


def key_figures(
    results: Sequence[EventStudyResult],
    event_ids: Sequence[str],
    report: RiskReport | None,
    sweep: SweepResult | None,
    *,
    method: str = "historical",
) -> pd.DataFrame:
    """The key figures beside the summary: one row per figure, columns ``figure, value,
    p`` (p-values where there is a test; NaN otherwise), values as decimals."""
    rows: list[dict[str, Any]] = []
    if results:
        res = results[0]
        for eid in event_ids:
            for win, lab in (("[0,0]", "day-0 AR"), ("[-1,1]", "CAR[-1,+1]")):
                r = res.cars[(res.cars["event_id"] == eid) & (res.cars["window"] == win)]
                if len(r):
                    rows.append({"figure": f"{eid}: {lab} ({model_label(res)})",
                                 "value": float(r["car"].iloc[0]), "p": float(r["p"].iloc[0])})  # fmt: skip
        tt = res.test_table
        firm = tt[
            (tt["group_by"] == "scope") & (tt["group"] == "firm") & (tt["window"] == "[-1,1]")
        ]
        for t, lab in _GROUP_TESTS:
            sub = firm[firm["test"] == t]
            if len(sub):
                rows.append({"figure": f"firm-event CAAR[-1,+1], {lab} ({model_label(res)})",
                             "value": float(sub["estimate"].iloc[0]),
                             "p": float(sub["p_value"].iloc[0])})  # fmt: skip
    if report is not None:
        cv = report.var.cvar
        if method in cv.index:
            row = cv.astype(float).T[method]
            rows.append({"figure": f"highest {report.var.level:.0%} CVaR ({method}): "
                                   f"{row.idxmax()}", "value": float(row.max()), "p": np.nan})  # fmt: skip
        dd = report.drawdowns
        if len(dd):
            w = dd.iloc[int(np.argmin(dd["depth"].to_numpy(dtype=float)))]
            rows.append({"figure": f"deepest drawdown: {w['asset']}", "value": float(w["depth"]),
                         "p": np.nan})  # fmt: skip
    if sweep is not None and "best_config" in sweep.extras:
        c = sweep.extras["best_config"]
        if c in sweep.stats.index:
            t = sweep.params.loc[c, "ticker"]
            rows.append({"figure": f"best configuration's total return after costs ({t})",
                         "value": float(sweep.stats.loc[c, "total_return"]), "p": np.nan})  # fmt: skip
    return pd.DataFrame(rows, columns=["figure", "value", "p"])
