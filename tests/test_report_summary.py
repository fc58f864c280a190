"""The index page's summary: sentences from hand-built results, checked against sentences
written by hand; and one real run whose page must carry the sentences it generated."""

from __future__ import annotations

from html import escape
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from riskkit.backtest.results import SweepResult
from riskkit.events.results import EventStudyResult
from riskkit.studies.full_report import summary_html
from riskkit.studies.provenance import provenance_table
from riskkit.studies.summary import (
    caar_sentences,
    config_description,
    key_event_sentences,
    riskiest_sentences,
    simulation_sentence,
    stop_loss_sentences,
)

EMPTY = pd.DataFrame()


def _result(model: str, factors: tuple[str, ...], cars: list[dict], tests: list[dict] | None = None,
            skipped: list[dict] | None = None) -> EventStudyResult:  # fmt: skip
    return EventStudyResult(
        model=model, factors=factors, windows=((-1, 1), (0, 0)), estimation=250, gap=10,
        min_estimation_obs=100, conventions="test", data_source="hand-built",
        date_range=("2025-01-01", "2025-12-31"), events=EMPTY,
        cars=pd.DataFrame(cars, columns=["event_id", "ticker", "event_type", "day0", "window",
                                          "car", "t", "p"]),
        params=EMPTY, abnormal_returns=EMPTY,
        test_table=pd.DataFrame(tests or [], columns=["group_by", "group", "window", "test",
                                                      "estimate", "statistic", "p_value", "n"]),
        skipped=pd.DataFrame(skipped or [], columns=["event_id", "reason"]), overlaps=EMPTY,
    )  # fmt: skip


def _car(window: str, car: float, t: float, p: float) -> dict:
    return {"event_id": "ABC-pivot", "ticker": "ABC", "event_type": "ai_pivot",
            "day0": pd.Timestamp("2025-11-13"), "window": window, "car": car, "t": t, "p": p}  # fmt: skip


def test_key_event_sentences_per_model_and_where_significant():
    one = _result("market", ("market",), [_car("[0,0]", -0.142, -2.52, 0.0124),
                                          _car("[-1,1]", -0.214, -2.19, 0.0297)])  # fmt: skip
    two = _result("market_btc", ("market", "BTC"), [_car("[0,0]", -0.135, -2.66, 0.0083),
                                                    _car("[-1,1]", -0.139, -1.57, 0.1175)])  # fmt: skip
    assert key_event_sentences([one, two], "ABC-pivot") == [
        "ABC's AI pivot of 2025-11-13: day-0 abnormal return and CAR[-1,+1] of -14.2% "
        "(t = -2.52, p = 0.012) and -21.4% (t = -2.19, p = 0.030) under the market model; "
        "-13.5% (t = -2.66, p = 0.008) and -13.9% (t = -1.57, p = 0.117) under the "
        "market + BTC model.",
        "At 5% the day-0 move is significant under both models, the three-day CAR significant "
        "under the market model only.",
    ]


def test_key_event_sentences_neither_model_and_tiny_p():
    one = _result("market", ("market",), [_car("[0,0]", 0.01, 0.5, 0.6),
                                          _car("[-1,1]", 0.30, 4.0, 0.0001)])  # fmt: skip
    out = key_event_sentences([one], "ABC-pivot")
    assert out[0].endswith("of +1.0% (t = 0.50, p = 0.600) and +30.0% (t = 4.00, p < 0.001) "
                           "under the market model.")  # fmt: skip
    assert out[1] == "At 5% the day-0 move is not significant, the three-day CAR significant."


def test_key_event_same_verdict_for_both_windows_is_said_once():
    one = _result("market", ("market",), [_car("[0,0]", 0.01, 0.5, 0.6),
                                          _car("[-1,1]", 0.02, 0.4, 0.7)])  # fmt: skip
    two = _result("market_btc", ("market", "BTC"), [_car("[0,0]", 0.13, 2.5, 0.014),
                                                    _car("[-1,1]", 0.19, 2.0, 0.042)])  # fmt: skip
    assert key_event_sentences([one, two], "ABC-pivot")[1] == (
        "At 5% the day-0 move and the three-day CAR are both significant under the "
        "market + BTC model only."
    )


def test_key_event_not_estimated_says_why():
    res = _result("market", ("market",), [], skipped=[{"event_id": "ABC-pivot",
                                                      "reason": "too few estimation days"}])  # fmt: skip
    assert key_event_sentences([res], "ABC-pivot") == [
        "ABC-pivot was not estimated (too few estimation days)."
    ]


def _tests(rows: list[tuple[str, str, float, float]], n: int = 33) -> list[dict]:
    return [{"group_by": "scope", "group": "firm", "window": w, "test": t, "estimate": e,
             "statistic": 1.0, "p_value": p, "n": n} for w, t, e, p in rows]  # fmt: skip


def test_caar_sentences_bmp_and_kolari_pynnonen_not_patell():
    rows = [("[0,0]", "bmp", 0.055, 0.067), ("[0,0]", "kolari_pynnonen", 0.055, 0.078),
            ("[0,0]", "patell_z", 0.055, 1e-9),
            ("[-1,1]", "bmp", 0.036, 0.299), ("[-1,1]", "kolari_pynnonen", 0.036, 0.395)]  # fmt: skip
    market = _tests(rows) + [{"group_by": "scope", "group": "market", "window": "[0,0]",
                              "test": "bmp", "estimate": -0.5, "statistic": 9.0,
                              "p_value": 1e-6, "n": 63}]  # fmt: skip
    out = caar_sentences([_result("market", ("market",), [], tests=market)])
    assert out == [
        "Across the 33 firm events of the catalog, the CAAR is +5.5% on day 0 (BMP p = 0.067, "
        "Kolari-Pynnönen p = 0.078) and +3.6% over days -1 to +1 (BMP p = 0.299, "
        "Kolari-Pynnönen p = 0.395) under the market model.",
        "At 5% neither test rejects a zero CAAR in any window or model.",
        "Patell's Z is not used: it assumes event days are as volatile as the estimation "
        "window, and the event-day variance jump of announcements makes it reject too often.",
    ]


def test_caar_sentences_name_what_rejects():
    rows = [("[0,0]", "bmp", 0.06, 0.01), ("[0,0]", "kolari_pynnonen", 0.06, 0.2)]
    out = caar_sentences([_result("market", ("market",), [], tests=_tests(rows, n=12))],
                         windows=("[0,0]",))  # fmt: skip
    assert out[0] == ("Across the 12 firm events of the catalog, the CAAR is +6.0% on day 0 "
                      "(BMP p = 0.010, Kolari-Pynnönen p = 0.200) under the market model.")  # fmt: skip
    assert out[1] == "At 5% the CAAR is significant for BMP on day 0 (market model)."


def _drawdowns() -> pd.DataFrame:
    ts = pd.Timestamp
    return pd.DataFrame(
        {"asset": ["AAA", "AAA", "BBB", "CCC"],
         "peak": [ts("2021-02-01"), ts("2022-01-03"), pd.NaT, ts("2021-05-03")],
         "trough": [ts("2021-06-01"), ts("2022-03-01"), ts("2023-03-16"), ts("2021-09-01")],
         "recovery": [ts("2021-12-01"), pd.NaT, ts("2026-04-14"), pd.NaT],
         "depth": [-0.50, -0.10, -0.973, -0.60]}
    )  # fmt: skip


def test_riskiest_by_cvar_and_drawdown_different_names():
    cvar = pd.DataFrame({"AAA": [0.30, 0.20, 0.25], "BBB": [0.20, 0.22, 0.21],
                         "CCC": [0.10, 0.05, 0.08]},
                        index=pd.Index(["historical", "gaussian", "evt"], name="method"))  # fmt: skip
    assert riskiest_sentences(cvar, _drawdowns(), level=0.99) == [
        "By 99% one-day CVaR (historical, each name on its own calendar) the riskiest name is "
        "AAA: an average loss of 30.0% on its worst 1% of days, against 20.0% for BBB, the "
        "next; it is the riskiest under 2 of 3 methods.",
        # BBB's peak date is missing (NaT): the sentence leaves it out rather than print NaT
        "By maximum drawdown the riskiest is BBB: -97.3% to its trough of 2023-03-16, "
        "recovered by 2026-04-14; next CCC at -60.0%.",
    ]


def test_riskiest_same_name_every_method_not_recovered():
    cvar = pd.DataFrame({"AAA": [0.30, 0.40], "CCC": [0.10, 0.05]},
                        index=pd.Index(["historical", "evt"], name="method"))  # fmt: skip
    dd = _drawdowns()
    dd = dd[dd["asset"] != "BBB"]
    out = riskiest_sentences(cvar, dd, level=0.95)
    assert out[0].endswith("worst 5% of days, against 10.0% for CCC, the next; it is the "
                           "riskiest under every one of the 2 methods.")  # fmt: skip
    assert out[1] == ("By maximum drawdown the riskiest is CCC: -60.0% from its peak of "
                      "2021-05-03 to its trough of 2021-09-01, not recovered by the end of its "
                      "data; next AAA at -50.0%.")  # fmt: skip


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"signals": "ma_trend", "sl_stop": 0.1, "sl_trail": pd.NA, "tp_stop": np.nan,
          "after_stop": "wait"}, "ma trend entry, a 10% fixed stop, re-entry on the next entry "
         "signal, no target"),
        ({"signals": "buy_and_hold", "sl_atr": 3.0, "tp_stop": 0.25, "after_stop": "recover"},
         "buy and hold entry, a 3 x ATR stop, re-entry once a close recovers beyond the exit, "
         "a 25% target"),
        ({"signals": "dip_buy+btc_level", "tp_stop": np.nan, "after_stop": np.nan},
         "dip buy entry, an exit when BTC closes below its level of 112,000, no target"),
        ({"signals": "buy_and_hold", "sl_stop": np.nan, "tp_stop": np.nan}, "buy and hold "
         "entry, no stop, no target"),
    ],
)  # fmt: skip
def test_config_description(params, expected):
    assert config_description(params, btc_level=112_000.0) == expected


def _sweep(*, dsr: float, dsr_by: list[float], wf_sharpe: list[float]) -> SweepResult:
    idx = pd.Index([0, 1, 2], name="config")
    stats = pd.DataFrame({"sharpe": [0.5, 1.2, 0.9], "total_return": [0.1, 1.5, 0.4],
                          "max_drawdown": [-0.3, -0.095, -0.2]}, index=idx)  # fmt: skip
    params = pd.DataFrame({"ticker": ["AAA", "AAA", "BBB"],
                           "signals": ["buy_and_hold", "dip_buy", "dip_buy"],
                           "sl_stop": [np.nan, 0.2, 0.1], "sl_trail": [pd.NA, True, pd.NA],
                           "sl_atr": np.nan, "tp_stop": [np.nan, 0.5, np.nan],
                           "after_stop": [np.nan, "bars", "wait"], "after_stop_bars": 5},
                          index=idx)  # fmt: skip
    no_stop = pd.DataFrame({"configurations": [30, 10], "share_better_sharpe": [0.1, 0.5]})
    wf = pd.DataFrame({"sharpe": wf_sharpe, "total_return": [0.5, 0.2],
                       "buy_and_hold_sharpe_same_span": [1.0, 0.6],
                       "buy_and_hold_return_same_span": [2.0, 0.1]},
                      index=pd.Index(["AAA", "BBB"], name="ticker"))  # fmt: skip
    dsr_by_t = pd.DataFrame({"deflated_sharpe": dsr_by}, index=pd.Index(["AAA", "BBB"]))
    extras = {"best_config": 1, "best_sharpe": 1.2, "n_trials_raw": 3, "n_trials": 2,
              "deflated_sharpe": dsr, "dsr_by_ticker": dsr_by_t, "no_stop": no_stop,
              "walk_forward": wf, "btc_level": 112_000.0}  # fmt: skip
    return SweepResult(stats=stats, params=params, settings={"fees": 0.001, "slippage": 0.0005},
                       extras=extras, fingerprint=np.zeros(3), spec=None)  # fmt: skip


def test_stop_loss_sentences_did_not_help():
    assert stop_loss_sentences(_sweep(dsr=0.0001, dsr_by=[0.2, 0.96], wf_sharpe=[0.8, 0.7])) == [
        "Stops did not help here: the walk-forward choice trails buy and hold on 1 of 2 tickers.",
        "After costs (fees 0.10% and slippage 0.05% a fill), the best of the 3 configurations "
        "by Sharpe is AAA with dip buy entry, a 20% trailing stop, re-entry 5 sessions after a "
        "stop, a 50% target: Sharpe 1.20, total return +150.0%, maximum drawdown -9.5%.",
        "Its deflated Sharpe is <0.001 once the 2 distinct trials are counted, so the "
        "in-sample best is not evidence of skill (threshold 0.95); 1 of 2 tickers' own best "
        "configurations have one above 0.95.",
        # (30 * 0.1 + 10 * 0.5) / 40 = 0.2
        "Against the same entry rule and target without a stop, 20% of the 40 stop "
        "configurations have a higher Sharpe.",
        "Walk-forward, re-choosing the best Sharpe on each train window and trading the next "
        "out of sample, beats buy and hold of the same span on 1 of 2 tickers by Sharpe "
        "(AAA 0.80 vs 1.00, BBB 0.70 vs 0.60) and on 1 of 2 by total return.",
    ]


def test_stop_loss_sentences_helped():
    out = stop_loss_sentences(_sweep(dsr=0.97, dsr_by=[0.97, 0.5], wf_sharpe=[1.1, 0.7]))
    assert out[2].startswith("Its deflated Sharpe is 0.970 once the 2 distinct trials are "
                             "counted, so the in-sample best is evidence of skill")  # fmt: skip
    assert out[0] == ("Stops helped here: a best rule survives the deflation and the "
                       "walk-forward choice beats buy and hold on most tickers.")  # fmt: skip


def test_stop_loss_sentences_neither_reason():
    out = stop_loss_sentences(_sweep(dsr=0.1, dsr_by=[0.1, 0.2], wf_sharpe=[0.1, 0.1]))
    assert out[0] == ("Stops did not help here: no in-sample best survives the deflation "
                       "and the walk-forward choice trails buy and hold on 2 of 2 tickers.")  # fmt: skip


def test_simulation_sentence_wraps_the_conclusion():
    sim = SimpleNamespace(n_trials=250, n_events=30, conclusion=lambda: "At 5%, all is well.")
    assert simulation_sentence(sim) == (  # type: ignore[arg-type]
        "Placebo check (250 trials of 30 pseudo-events on these names): At 5%, all is well."
    )


def test_summary_html_escapes_and_provenance_table():
    assert summary_html([("A & B", ["x < y.", "z."]), ("Why?", ["w."])]) == (
        "<p><strong>A &amp; B.</strong> x &lt; y. z.</p><p><strong>Why?</strong> w.</p>"
    )
    t = provenance_table({"X": {"source": "s", "first": "2024-01-02", "last": "2024-02-01",
                                "rows": 21}})  # fmt: skip
    assert t.to_dict("records") == [
        {"ticker": "X", "source": "s", "first": "2024-01-02", "last": "2024-02-01", "rows": 21}
    ]


@pytest.fixture(scope="module")
def real_run(main_job):
    return main_job


def test_real_run_index_opens_with_its_sentences(real_run):
    page = real_run.index.read_text(encoding="utf-8")
    assert len(real_run.sentences) >= 10
    for s in real_run.sentences:
        assert escape(s) in page, s
    text = " ".join(real_run.sentences)
    # each item of the brief has its sentence, with the names the run computed
    for needle in ("BITF's AI pivot of 2025-11-13", "IREN's HPC contract of 2025-11-03",
                   "firm events of the catalog", "Patell", "riskiest name is",
                   "deflated Sharpe", "Walk-forward", "Placebo check"):  # fmt: skip
        assert needle in text, needle
    # summary first, then contents with anchors, then provenance
    # one page: summary, key figures, contents, then every part, then provenance
    order = [">Summary<", ">Key figures<", ">Contents<", ">Events: what the announcements did<",
             ">Risk<", ">Backtests: did stop-losses help?<", ">Backtests: trading the announcements<",
             ">Data check<", ">Provenance<"]  # fmt: skip
    pos = [page.index(h) for h in order]
    assert pos == sorted(pos), order
    # every section is in the contents, linked by its anchor
    import re

    ids = re.findall(r'<section id="([^"]+)"', page)
    assert len(ids) > 30
    for anchor in ids:
        if anchor != "contents":
            assert f'href="#{anchor}"' in page, anchor
    # the CSVs the page links exist; no part writes a page of its own in the main job
    links = re.findall(r'href="([^"#]+\.(?:csv|toml))"', page)
    assert "stop_loss/stop_loss_results.csv" in links and "study.toml" in links
    for link in links:
        assert (real_run.out_dir / link).is_file(), link
    assert not list(real_run.out_dir.glob("*/*.html"))
    assert "2021-01-04" in page and "pandas" in page and "SOURCES.md" in page


def _firm_row(window: str, test: str, p: float) -> dict:
    return {"group_by": "scope", "group": "firm", "window": window, "test": test,
            "estimate": 0.055, "statistic": 1.0, "p_value": p, "n": 33}  # fmt: skip


def test_robust_test_sentences_quote_the_robust_tests_and_the_holm_survivors():
    from riskkit.studies.summary import robust_test_sentences

    rows = [_firm_row("[0,0]", t, p) for t, p in (
        ("grank_t", 0.053), ("bootstrap_bmp", 0.076), ("bootstrap_kp", 0.082),
        ("garch_bmp", 0.094), ("patell_z", 1e-9), ("garch_z", 2e-9), ("bmp", 0.067),
        ("rank_cz", 0.0046))]  # fmt: skip
    one = _result("market", ("market",), [], rows)
    # Holm over the 8 p-values, by hand: 1e-9 x 8 and 2e-9 x 7 are below 5%; the next,
    # 0.0046 x 6 = 0.028, is too; 0.053 x 5 = 0.265 is not, so the step-down stops there
    assert robust_test_sentences([one]) == [
        "Under the market model, on day 0: GRANK-T p = 0.053, wild-bootstrap BMP p = 0.076, "
        "wild-bootstrap Kolari-Pynnönen p = 0.082, GARCH-standardized BMP p = 0.094.",
        "After Holm's adjustment over the firm events' 8 tests (every window and test of the "
        "table, one family), only Patell's Z, the GARCH-standardized Z and the rank test still "
        "reject at 5% under every model.",
    ]
    # without the robust tests (the default battery) there is nothing to say
    assert robust_test_sentences([_result("market", ("market",), [], rows[4:])]) == []
