"""Issue 9, item 17: user text in pages is escaped, user text in CSVs cannot run as a formula.

Inputs named: a warning text with ``<script>``, event ids ``=HYPERLINK(...)``, ``+cmd``,
``-2+3``, ``@SUM(A1)``, a leading tab and CR; numbers and numeric text left alone.
"""

from __future__ import annotations

import pandas as pd
import pytest

from riskkit.report import render_page
from riskkit.report.html import Section, neutralize_formula, write_csv
from riskkit.studies.full_report import warnings_html


def test_warning_texts_are_escaped_on_the_index_page(tmp_path):
    html = warnings_html(["event <script>alert(1)</script> skipped"])
    page = render_page("t", sections=[Section("w", html=html)], out_path=tmp_path / "i.html")
    text = page.read_text()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


@pytest.mark.parametrize(
    "evil", ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1"]
)
def test_formula_prefixes_are_neutralised_in_csv(tmp_path, evil):
    frame = pd.DataFrame({"event_id": [evil], "car": [-0.05]})
    path = write_csv(frame, tmp_path / "x.csv", index=False)
    back = pd.read_csv(path, keep_default_na=False)
    assert back["event_id"].iloc[0] == "'" + evil
    assert back["car"].iloc[0] == -0.05  # numbers never changed
    assert frame["event_id"].iloc[0] == evil  # the caller's frame untouched


def test_index_and_column_labels_are_neutralised(tmp_path):
    frame = pd.DataFrame({"=bad": [1.0]}, index=pd.Index(["@evil"], name="event_id"))
    text = write_csv(frame, tmp_path / "x.csv").read_text()
    assert "'=bad" in text and "'@evil" in text


def test_carriage_return_prefix_is_neutralised():
    assert neutralize_formula("\r=1") == "'\r=1"


def test_numeric_text_and_plain_ids_are_left_alone():
    assert neutralize_formula("-18.9") == "-18.9"
    assert neutralize_formula("IREN-2025-11-03-msft") == "IREN-2025-11-03-msft"
    assert neutralize_formula(-1.5) == -1.5


def test_spreadsheet_safe_false_writes_text_as_is(tmp_path):
    frame = pd.DataFrame({"event_id": ["=1+1"]})
    path = write_csv(frame, tmp_path / "x.csv", index=False, spreadsheet_safe=False)
    assert path.read_text().splitlines()[1] == "=1+1"
