"""Issue 9, items 7, 13 (reported_move_pct), 14 and 15: event files and event times.

Each bad or tricky input is named in its test: offsets and mixed offsets, tz-aware
return frames, 1e400, a minimal catalog without reported_move_pct, empty, latin-1,
UTF-16 and semicolon-separated files.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from riskkit import DataError
from riskkit.events import assign_day0, audit_catalog, event_study, load_events
from riskkit.events.study import bundled_returns_and_factors

MINIMAL = "event_id,ticker,date\na,IREN,2025-06-04\n"


def _one(date: str, timing: str = "after close") -> pd.DataFrame:
    return pd.DataFrame({"event_id": ["e"], "ticker": ["IREN"], "date": [date], "timing": [timing]})


# -- item 7: offsets are converted to New York --------------------------------------------


def test_utc_time_after_the_close_gets_day0_next_session_not_one_late():
    # 2025-11-04T02:00:00Z is 21:00 ET on Mon 11-03, after the close -> day 0 Tue 11-04
    ev = assign_day0(load_events(_one("2025-11-04T02:00:00Z")))
    assert ev["date"].iloc[0] == pd.Timestamp("2025-11-03")
    assert ev["day0"].iloc[0] == pd.Timestamp("2025-11-04")


def test_mixed_offsets_in_one_file_do_not_crash():
    frame = pd.DataFrame(
        {
            "event_id": ["z", "plus", "minus"],
            "ticker": ["IREN"] * 3,
            "date": ["2025-11-04T02:00:00Z", "2025-11-04T03:00:00+01:00", "2025-11-03T21:00-05:00"],
            "timing": ["after close"] * 3,
        }
    )
    ev = assign_day0(load_events(frame))
    assert set(ev["day0"]) == {pd.Timestamp("2025-11-04")}


def test_ambiguous_event_date_is_refused():
    with pytest.raises(DataError, match=r"unparseable date for event\(s\) \['e'\].*YYYY-MM-DD"):
        load_events(_one("10/11/2025"))


@pytest.mark.parametrize("tz", ["America/New_York", "UTC"])
def test_tz_aware_return_frames_work_in_event_study(tz):
    r, f, _ = bundled_returns_and_factors()
    ev = _one("2025-06-04", "pre-market")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = event_study(ev, returns=r, factors=f, model="market")
        aware = event_study(
            ev, returns=r.tz_localize(tz), factors=f.tz_localize(tz), model="market"
        )
    pd.testing.assert_frame_equal(aware.to_frame(), base.to_frame())


# -- item 13: reported_move_pct=1e400 ----------------------------------------------------


def test_reported_move_1e400_is_refused_not_inf():
    frame = _one("2025-06-04").assign(reported_move_pct=["1e400"])
    with pytest.raises(DataError, match=r"reported_move_pct is not finite for \['e'\]"):
        load_events(frame)


# -- item 14: a catalog with no reported_move_pct ---------------------------------------


def test_audit_of_minimal_catalog_without_reported_move_pct_is_empty_not_no_tickers(tmp_path):
    path = tmp_path / "minimal.csv"
    path.write_text(MINIMAL)
    with pytest.warns(Warning, match=r"no 'timing' column"):
        audit = audit_catalog(str(path))
    assert audit.empty and "sign_disagrees" in audit.columns


# -- item 15: file encodings and delimiters ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "pattern"),
    [
        ("empty.csv", b"", r"events file empty.csv is empty; it needs a header line"),
        ("blank.csv", b"\n  \n", r"is empty"),
        ("latin1.csv", "event_id,ticker,date\ncaf\u00e9,IREN,2025-06-04\n".encode("latin-1"),
         r"latin1.csv is not UTF-8 \(byte 0xe9 on line 2; latin-1"),
        ("utf16.csv", MINIMAL.encode("utf-16"), r"utf16.csv is UTF-16 encoded; riskkit reads UTF-8"),
        ("semicolon.csv", b"event_id;ticker;date\na;IREN;2025-06-04\n",
         r"semicolon.csv separates its columns with semicolons"),
        ("tabs.csv", b"event_id\tticker\tdate\na\tIREN\t2025-06-04\n", r"with tabs"),
    ],
)  # fmt: skip
def test_unreadable_events_files_get_one_line_errors(tmp_path, name, content, pattern):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=pattern) as info:
        load_events(str(path))
    assert "\n" not in str(info.value)


def test_utf8_with_bom_is_read(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(MINIMAL.encode("utf-8-sig"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no timing column
        assert load_events(str(path))["event_id"].tolist() == ["a"]


# -- item 13: float windows and negative counts in the library --------------------------


@pytest.mark.parametrize("window", [(-1.5, 1), (True, 1), (-1,), "x"])
def test_float_or_bool_event_window_is_refused_not_truncated(window):
    with pytest.raises(DataError, match=r"not a pair of whole numbers of sessions"):
        event_study(windows=[window], model="market")  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"placebo": -1}, r"placebo=-1 must be a whole number >= 0"),
        ({"estimation": 2.5}, r"estimation=2.5 must be a whole number >= 0"),
        ({"gap": -1}, r"gap=-1 must be"),
        ({"min_estimation_obs": True}, r"min_estimation_obs=True must be"),
    ],
)
def test_negative_or_fractional_counts_are_refused(kwargs, pattern):
    with pytest.raises(DataError, match=pattern):
        event_study(model="market", **kwargs)


def test_time_of_day_sets_a_missing_or_unknown_timing():
    frame = pd.DataFrame(
        {
            "event_id": ["night", "morning", "noon"],
            "ticker": ["IREN"] * 3,
            "date": ["2025-11-04T02:00:00Z", "2025-11-04T08:00:00-05:00", "2025-11-04 12:00"],
        }
    )
    ev = assign_day0(load_events(frame))  # no timing column, but every row has a time
    days = ev["day0"].dt.strftime("%m-%d")
    got = dict(zip(ev["event_id"], zip(ev["timing"], days, strict=True), strict=True))
    assert got == {
        "night": ("after close", "11-04"),  # 21:00 ET on 11-03
        "morning": ("pre-market", "11-04"),
        "noon": ("during session", "11-04"),
    }
    unknown = load_events(_one("2025-11-04T02:00:00Z", "unknown"))
    assert unknown["timing"].item() == "after close"
    explicit = load_events(_one("2025-11-04T02:00:00Z", "pre-market"))
    assert explicit["timing"].item() == "pre-market"  # a given timing is kept
