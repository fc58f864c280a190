"""Event catalog: validation errors, day 0 on the NYSE calendar, MKT expansion, audit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskkit import DataError, RiskkitWarning
from riskkit.events import assign_day0, audit_catalog, expand_market_events, load_events
from riskkit.events.catalog import find_overlaps


def frame(**cols):
    base = {"event_id": ["a"], "ticker": ["IREN"], "date": ["2025-11-03"], "timing": ["pre-market"]}
    base.update(cols)
    return pd.DataFrame(base)


def test_bundled_catalog_loads():
    ev = load_events()
    assert len(ev) == 41
    assert (ev["ticker"] == "MKT").sum() == 6
    assert set(ev["timing"]) <= {"pre-market", "during session", "after close", "unknown"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"date": ["2025-13-45"]}, "unparseable date"),
        ({"timing": ["lunchtime"]}, "unknown timing"),
        ({"reported_move_pct": ["big"]}, "not a number"),
        ({"event_id": [""]}, "empty event_id"),
    ],
)
def test_validation_errors(kwargs, match):
    with pytest.raises(DataError, match=match):
        load_events(frame(**kwargs))


def test_unknown_ticker_and_duplicates_and_missing_columns(tmp_path):
    with pytest.raises(DataError, match=r"unknown ticker\(s\) \['NOPE'\]"):
        load_events(frame(ticker=["NOPE"]), tickers=["IREN", "BITF"])
    dup = pd.concat([frame(), frame()])
    with pytest.raises(DataError, match="duplicate event_id"):
        load_events(dup)
    with pytest.raises(DataError, match=r"lacks column\(s\) \['date'\]"):
        load_events(frame().drop(columns="date"))
    with pytest.raises(DataError, match="does not exist"):
        load_events(tmp_path / "missing.csv")
    with pytest.raises(DataError, match="must be None, a CSV path or a DataFrame"):
        load_events(42)  # type: ignore[arg-type]


def test_csv_roundtrip_and_timing_aliases(tmp_path):
    p = tmp_path / "ev.csv"
    frame(timing=["AMC"]).to_csv(p, index=False)
    ev = load_events(p)
    assert ev["timing"].item() == "after close"


def test_missing_timing_column_warns():
    with pytest.warns(RiskkitWarning, match="no 'timing' column"):
        ev = load_events(frame().drop(columns="timing"))
    assert ev["timing"].item() == "during session"


def test_day0_rules_on_nyse_calendar():
    ev = load_events(
        pd.DataFrame(
            {
                "event_id": ["pre", "during", "after", "weekend", "holiday", "unknown", "fri"],
                "ticker": ["X"] * 7,
                # 2025-11-13 is a Thursday; 2025-11-15 a Saturday; 2025-01-09 the national
                # day of mourning (NYSE closed); 2025-11-14 a Friday.
                "date": ["2025-11-13", "2025-11-13", "2025-11-13", "2025-11-15",
                         "2025-01-09", "2025-11-13", "2025-11-14"],
                "timing": ["pre-market", "during session", "after close", "pre-market",
                           "during session", "unknown", "after close"],
            }
        )
    )  # fmt: skip
    d = assign_day0(ev).set_index("event_id")
    got = d["day0"].dt.strftime("%Y-%m-%d").to_dict()
    assert got == {
        "pre": "2025-11-13",
        "during": "2025-11-13",
        "after": "2025-11-14",
        "weekend": "2025-11-17",
        "holiday": "2025-01-10",
        "unknown": "2025-11-13",
        "fri": "2025-11-17",
    }
    assert d["widened"].to_dict() == {k: k == "unknown" for k in got}


def test_bundled_day0_matches_events_md():
    d = assign_day0(load_events()).set_index("event_id")["day0"].dt.strftime("%Y-%m-%d")
    # From the EVENTS.md table (computed there with the NYSE holiday list).
    assert d["CORZ-2024-06-03-coreweave-hpc"] == "2024-06-04"
    assert d["MKT-2024-04-19-halving"] == "2024-04-22"
    assert d["IREN-2025-11-06-q1fy26"] == "2025-11-07"
    assert d["BTDR-2025-11-11-ohio-fire"] == "2025-11-12"
    assert d["APLD-2026-05-20-polaris-forge-3"] == "2026-05-21"


def test_market_events_expand_to_universe():
    ev = load_events(frame(event_id=["m"], ticker=["MKT"]))
    out = expand_market_events(ev, ["BITF", "IREN"])
    assert out["event_id"].tolist() == ["m:BITF", "m:IREN"]
    assert out["parent_id"].tolist() == ["m", "m"]


def test_overlaps_detected():
    sessions = pd.bdate_range("2025-01-01", periods=200)
    ev = pd.DataFrame(
        {
            "event_id": ["A1", "A2", "A3", "B1"],
            "ticker": ["A", "A", "A", "B"],
            "day0": [sessions[150], sessions[120], sessions[152], sessions[150]],
        }
    )
    ov = find_overlaps(ev, sessions, estimation=100, gap=10, window=(-1, 5))
    pairs = set(zip(ov["event_id"], ov["other_event_id"], ov["kind"], strict=True))
    # A2's window [119, 125] lies in A1's estimation window [40, 139] and in A3's [42, 141].
    assert ("A1", "A2", "in_estimation_window") in pairs
    assert ("A3", "A2", "in_estimation_window") in pairs
    # A1 [149,155] and A3 [151,157] overlap each other; B1 is another firm: never paired.
    assert ("A1", "A3", "event_windows_overlap") in pairs
    assert not any("B1" in p[:2] for p in pairs)


def test_audit_names_the_five_events_of_events_md():
    a = audit_catalog()
    flagged = set(a.loc[a["sign_disagrees"], "event_id"])
    assert flagged == {
        "HUT-2025-03-31-american-bitcoin",
        "APLD-2025-10-22-polaris-forge-2",
        "IREN-2025-11-06-q1fy26",
        "CIFR-2025-11-20-fluidstack-expansion",
        "IREN-2026-02-05-q2fy26",
    }
    row = a.set_index("event_id").loc["BITF-2025-11-13-pivot"]
    # SOURCES.md: close 2025-11-12 = 3.1700000762939453, 2025-11-13 = 2.5999999046325684
    assert row["return_day0"] == pytest.approx(2.5999999046325684 / 3.1700000762939453 - 1)


def test_audit_with_user_closes():
    idx = pd.to_datetime(["2025-10-31", "2025-11-03", "2025-11-04"])
    closes = pd.DataFrame({"IREN": [100.0, 90.0, 95.0]}, index=idx)
    a = audit_catalog(frame(reported_move_pct=["5"]), closes=closes)
    assert a["return_day0"].item() == pytest.approx(-0.1)
    assert a["return_day0_1"].item() == pytest.approx(-0.05)
    assert bool(a["sign_disagrees"].item())
    assert np.isfinite(a["reported_move_pct"]).all()


def test_date_outside_nyse_calendar():
    ev = load_events(frame(date=["1995-03-01"]))
    with pytest.raises(DataError, match="outside the NYSE calendar"):
        assign_day0(ev)
    # with the data's own dates instead
    d = assign_day0(ev, pd.DatetimeIndex(["1995-02-28", "1995-03-01", "1995-03-02"]))
    assert str(d["day0"].item().date()) == "1995-03-01"
