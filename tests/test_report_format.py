"""Issue 13, item 2: tables on the pages are formatted by meaning; the CSVs stay raw.

Every expected string below is written by hand from the rule in riskkit/_format.py.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from riskkit._format import column_kind, column_label, format_frame, format_value
from riskkit.report.html import Section, render_page, table_html, write_csv

MINUS = "\u2212"


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (0.12963212, "percent", "12.96%"),
        (-0.2142, "percent", f"{MINUS}21.42%"),
        (2.9100261, "percent", "291.00%"),
        (44.9376932, "percent", "4,493.77%"),
        (6.4, "points", "6.4%"),
        (0.19984553, "pvalue", "0.200"),
        (0.0297, "pvalue", "0.030"),
        (0.0005, "pvalue", "0.001"),
        (0.00049, "pvalue", "<0.001"),
        (0.0, "pvalue", "<0.001"),
        (1.0, "pvalue", "1.000"),
        (95.0, "count", "95"),
        (1106, "count", "1,106"),
        (np.int64(13), "count", "13"),
        (95.0, "df", "95"),
        (float("inf"), "df", "normal"),
        (8.278270458, "price", "8.28"),
        (96690.0551, "price", "96,690.06"),
        (1.2856229, "number", "1.286"),
        (-0.0503, "number", f"{MINUS}0.050"),
        (0.00168235, "number", "0.00168"),
        (11.06, "number", "11.060"),
        (pd.Timestamp("2021-11-09 00:00:00"), "date", "2021-11-09"),
        (pd.Timestamp("2021-11-09 14:30"), "date", "2021-11-09 14:30"),
        (True, "bool", "yes"),
        (np.False_, "bool", "no"),
        ("IREN-2025-11-03-microsoft", "text", "IREN-2025-11-03-microsoft"),
        ("", "text", ""),
    ],
)
def test_format_value(value, kind, expected):
    assert format_value(value, kind) == expected


@pytest.mark.parametrize("missing", [None, np.nan, pd.NaT, pd.NA, float("nan")])
@pytest.mark.parametrize("kind", ["percent", "pvalue", "count", "date", "text", "number"])
def test_missing_values_read_as_a_dash(missing, kind):
    assert format_value(missing, kind) == "–"


def test_float_format_applies_to_plain_numbers_only():
    assert format_value(0.14055, "number", float_format="{:.4f}") == "0.1406"
    assert format_value(0.14055, "percent", float_format="{:.4f}") == "14.06%"


@pytest.mark.parametrize(
    ("key", "values", "expected"),
    [
        ("car", [0.1], "percent"),
        ("bhar", [0.1], "percent"),
        ("car_se", [0.1], "percent"),
        ("total_return", [2.9], "percent"),
        ("return_day0_1", [0.13], "percent"),
        ("buy_and_hold_return_same_span", [4.5], "percent"),
        ("max_drawdown", [-0.9], "percent"),
        ("mean_drawdown_change", [-0.002], "percent"),
        ("cvar", [0.2], "percent"),
        ("component_cvar", [0.03], "percent"),
        ("rejection_rate", [0.05], "percent"),
        ("win_rate", [0.5], "percent"),
        ("share_better_sharpe", [0.07], "percent"),
        ("ann_volatility", [1.1], "percent"),
        ("reported_move_pct", [6.4], "points"),
        ("p", [0.2], "pvalue"),
        ("p_value", [0.2], "pvalue"),
        ("ghk_p", [0.2], "pvalue"),
        ("p_pof", [0.2], "pvalue"),
        ("df", [95.0], "df"),
        ("n", [96], "count"),
        ("trades", [6.0], "count"),
        ("n_trials", [175.0], "count"),
        ("exits_stop", [11.0], "count"),
        ("t", [1.28], "number"),
        ("sharpe", [0.71], "number"),
        ("sharpe_variance", [0.0017], "number"),
        ("beta_btc", [1.07], "number"),
        ("entry_price", [8.3], "price"),
        ("peak", pd.to_datetime(["2021-11-09"]), "date"),
        ("recovered", [True], "bool"),
        ("window", ["[-1,1]"], "text"),
        ("BITF", [0.14], "number"),
        ("rows", [1035], "count"),
    ],
)
def test_column_kind_by_name_then_dtype(key, values, expected):
    assert column_kind(key, pd.Series(values)) == expected


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("car_se", "CAR s.e."),
        ("ghk_p", "GHK p"),
        ("car", "CAR"),
        ("bhar", "BHAR"),
        ("event_id", "event"),
        ("window_used", "window used"),
        ("max_drawdown", "max drawdown"),
        ("marginal_cvar", "marginal CVaR"),
        ("beta_btc", "beta BTC"),
        ("sharpe", "Sharpe"),
        ("p_value", "p"),
        ("nobs", "obs"),
        ("BTC-USD", "BTC-USD"),
        ("at 5%", "at 5%"),
    ],
)
def test_column_label(key, label):
    assert column_label(key) == label


def test_format_frame_drops_a_row_number_index_and_keeps_a_meaningful_one():
    f = pd.DataFrame({"car": [0.1296, -0.2142], "p": [0.1998, 0.0297], "n": [96, 33]})
    labels, kinds, rows = format_frame(f)
    assert labels == ["CAR", "p", "n"]
    assert kinds == ["percent", "pvalue", "count"]
    assert rows == [["12.96%", "0.200", "96"], [f"{MINUS}21.42%", "0.030", "33"]]
    # a filtered frame keeps row numbers 3, 7 from the original: still no index column
    assert format_frame(f.set_axis([3, 7]))[0] == ["CAR", "p", "n"]
    named = f.set_axis(pd.Index(["BITF", "IREN"], name="ticker"))
    labels, _, rows = format_frame(named)
    assert labels == ["ticker", "CAR", "p", "n"] and rows[1][0] == "IREN"
    unnamed = f.set_axis(["BITF", "IREN"])
    assert format_frame(unnamed)[0] == ["", "CAR", "p", "n"]
    multi = f.set_axis(pd.MultiIndex.from_tuples([("A", "x"), ("B", "y")], names=["a", "stop"]))
    assert format_frame(multi)[0][:2] == ["a", "stop"]


def test_format_frame_counts_stored_as_floats_and_infinite_df():
    f = pd.DataFrame(
        {"estimate": [0.0002], "statistic": [0.00845], "df": [np.inf], "n": [96],
         "gap_fills": [1.0], "best_config": [189.0], "stop_value": [0.15], "signif": [""]}
    )  # fmt: skip
    _, _, rows = format_frame(f)
    assert rows == [["0.02%", "0.00845", "normal", "96", "1", "189", "15.00%", ""]]


def test_format_frame_dates_and_booleans():
    f = pd.DataFrame(
        {"peak": pd.to_datetime(["2021-11-09", "2021-02-22"]),
         "recovery": pd.to_datetime(["NaT", "2021-08-09"]), "recovered": [False, True]}
    )  # fmt: skip
    assert format_frame(f)[2] == [["2021-11-09", "–", "no"], ["2021-02-22", "2021-08-09", "yes"]]


def test_formats_override_and_star():
    f = pd.DataFrame({"BITF": [0.1406], "IREN": [0.1494], "n": [5]})
    assert format_frame(f, formats={"*": "percent"})[2] == [["14.06%", "14.94%", "500.00%"]]
    assert format_frame(f, formats={"*": "percent", "n": "count"})[2] == [["14.06%", "14.94%", "5"]]
    with pytest.raises(ValueError, match="unknown format kind 'percentage'"):
        format_frame(f, formats={"BITF": "percentage"})


def test_table_html_escapes_cells_and_labels():
    f = pd.DataFrame({"event_id": ["<script>x</script>"], "a<b": [1.5]})
    html = table_html(f)
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert '<th class="num">a&lt;b</th>' in html


def test_long_table_folds_or_links_its_csv():
    f = pd.DataFrame({"car": np.linspace(-0.1, 0.1, 289)})
    folded = table_html(f, max_rows=25)
    assert "first 25 of 289 rows shown; show all 289" in folded
    assert folded.count("<details>") == 1 and folded.count("<tr>") == 1 + 25 + 1 + 289
    linked = table_html(f, max_rows=25, csv="cars_market.csv")
    assert "<details>" not in linked and linked.count("<tr>") == 1 + 25
    assert 'first 25 of 289 rows; all in <a href="cars_market.csv">cars_market.csv</a>' in linked
    assert table_html(f, max_rows=None).count("<tr>") == 1 + 289
    assert "<details>" not in table_html(f.head(34), max_rows=25)  # would hide only 9 rows
    assert "first 25 of 35 rows shown" in table_html(f.head(35), max_rows=25)


def test_short_text_never_wraps_long_text_does():
    f = pd.DataFrame(
        {"event_id": ["BITF-2025-10-10-panther-creek-financing"], "reason": ["x" * 41]}
    )
    html = table_html(f)
    assert '<td class="text short">BITF-2025-10-10-panther-creek-financing</td>' in html
    assert '<td class="text">' + "x" * 41 + "</td>" in html


def test_page_meta_values_read_as_words(tmp_path):
    meta = {"hedge": False, "stop": None, "events traded": 28}
    html = render_page("t", sections=[], meta=meta, out_path=tmp_path / "p.html").read_text()
    assert "<td>no</td>" in html and "<td>–</td>" in html and "<td>28</td>" in html


def test_page_shows_formatted_table_and_csv_stays_raw(tmp_path):
    frame = pd.DataFrame(
        {"event_id": ["BITF-2025-11-13-pivot"], "day0": pd.to_datetime(["2025-11-13"]),
         "car": [-0.2142], "car_se": [0.0979], "df": [np.inf], "ghk_p": [0.0173], "n": [95]}
    )  # fmt: skip
    page = render_page(
        "t", sections=[Section("Key events", table=frame)], out_path=tmp_path / "p.html"
    )
    html = page.read_text(encoding="utf-8")
    for text in ["CAR s.e.", "GHK p", f"{MINUS}21.42%", "9.79%", "normal", "0.017",
                 ">95<", ">2025-11-13<"]:  # fmt: skip
        assert text in html, text
    assert "00:00:00" not in html and "95.0000" not in html and "car_se" not in html
    csv = write_csv(frame, tmp_path / "key.csv", index=False).read_text()
    assert "-0.2142" in csv and "car_se" in csv and "inf" in csv  # raw decimals and keys


def test_sections_get_unique_anchors(tmp_path):
    sections = [Section("Tests, all events (market model)"), Section("Method"), Section("Method")]
    html = render_page("t", sections=sections, out_path=tmp_path / "p.html").read_text()
    assert '<section id="tests-all-events-market-model">' in html
    assert '<section id="method">' in html and '<section id="method-2">' in html


def test_head_tail_shows_both_ends_and_counts_the_rest():
    f = pd.DataFrame({"event_id": [f"e{i}" for i in range(50)], "car": np.arange(50) / 100})
    html = table_html(f, max_rows=10, csv="cars.csv", head_tail=True)
    cells = re.findall(r'<td class="text short">(e\d+)</td>', html)
    assert cells == ["e0", "e1", "e2", "e3", "e4", "e45", "e46", "e47", "e48", "e49"]
    assert '<tr class="gap"><td class="text" colspan="2">… 40 rows not shown …</td></tr>' in html
    assert "first 5 and last 5 of 50 rows; all in" in html and 'href="cars.csv"' in html
    # the gap row sits between e4 and e45
    assert html.index(">e4<") < html.index("rows not shown") < html.index(">e45<")


def test_known_keys_in_test_and_method_columns_read_as_names():
    f = pd.DataFrame({"test": ["kolari_pynnonen", "rank_cz", "grank_t", "new_test_x"],
                      "method": ["cornish_fisher", "evt", "fhs", "historical"],
                      "p": [0.078, 0.005, 0.5, 0.2]})  # fmt: skip
    _labels, _kinds, rows = format_frame(f)
    assert [r[0] for r in rows] == ["Kolari-Pynnönen", "Corrado-Zivney rank", "GRANK-T",
                                    "new test x"]  # fmt: skip
    assert [r[1] for r in rows] == ["Cornish-Fisher", "EVT (GPD)", "filtered historical (GARCH)",
                                    "historical"]  # fmt: skip
    assert f["test"].iloc[0] == "kolari_pynnonen"  # the frame (and its CSV) keeps the key
