"""Event catalog: validation errors, day 0 on the NYSE calendar, MKT expansion, audit."""

from __future__ import annotations

import datetime as dt
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskkit import DataError, RiskkitWarning
from riskkit.data import equity_sessions, next_session, parse_date, session_on_or_after
from riskkit.events import assign_day0, audit_catalog, expand_market_events, load_events, overlaps
from riskkit.events.catalog import TIMINGS
from riskkit.events.overlaps import find_overlaps, overlap_counts


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


# --- vectorised catalog layer: references written here, value by value ---------------------

KINDS = ("in_estimation_window", "event_windows_overlap")
GRID = pd.bdate_range("2025-01-01", periods=60)


def pairwise_overlaps(events, sessions, *, estimation, gap, window):
    """Brute-force reference: test every ordered pair of same-ticker events, row by row."""
    a, b = window
    s = pd.DatetimeIndex(sessions)
    wide = events["widened"] if "widened" in events else pd.Series(False, index=events.index)
    ev = [
        (e, t, int(s.searchsorted(d)), int(bool(w)))
        for e, t, d, w in zip(
            events["event_id"], events["ticker"], events["day0"], wide, strict=True
        )
        if pd.notna(d)
    ]
    rows = []
    for ticker in sorted({t for _, t, _, _ in ev}):
        same = [x for x in ev if x[1] == ticker]
        for i, _, p_i, w_i in same:
            for j, _, p_j, w_j in same:
                if i == j:
                    continue
                lo_j, hi_j = p_j + a, p_j + b + w_j  # j's event window
                if lo_j <= p_i - gap - 1 and hi_j >= p_i - gap - estimation:
                    rows.append((i, j, ticker, KINDS[0]))
                if i < j and lo_j <= p_i + b + w_i and hi_j >= p_i + a:
                    rows.append((i, j, ticker, KINDS[1]))
    return pd.DataFrame(rows, columns=["event_id", "other_event_id", "ticker", "kind"])


@st.composite
def overlap_cases(draw):
    n = draw(st.integers(0, 40))
    days = st.one_of(st.none(), st.integers(-5, 95))  # calendar days from the grid's start
    offsets = draw(st.lists(days, min_size=n, max_size=n))
    day0 = [pd.NaT if k is None else GRID[0] + pd.Timedelta(days=k) for k in offsets]
    ids = [f"e{k:02d}" for k in draw(st.permutations(range(n)))]
    ev = pd.DataFrame(
        {
            "event_id": ids,
            "ticker": draw(st.lists(st.sampled_from(["A", "B", "C"]), min_size=n, max_size=n)),
            "day0": pd.to_datetime(pd.Series(day0, dtype=object)),
        }
    )
    if draw(st.booleans()):
        ev["widened"] = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    if draw(st.booleans()):  # a dated catalog's order; else any order
        ev = ev.sort_values("day0", kind="stable")
    a = draw(st.integers(-4, 2))
    window = (a, a + draw(st.integers(-1, 6)))
    return ev, draw(st.integers(0, 15)), draw(st.integers(0, 6)), window


@settings(max_examples=50, deadline=None)
@given(overlap_cases())
def test_find_overlaps_equals_the_pairwise_loop(case):
    ev, estimation, gap, window = case
    kw = {"estimation": estimation, "gap": gap, "window": window}
    got = find_overlaps(ev, GRID, **kw)
    pd.testing.assert_frame_equal(got, pairwise_overlaps(ev, GRID, **kw))  # rows, order, dtypes


@settings(max_examples=50, deadline=None)
@given(overlap_cases())
def test_overlap_counts_equal_the_pairwise_loops_counts(case):
    ev, estimation, gap, window = case
    kw = {"estimation": estimation, "gap": gap, "window": window}
    pairs = pairwise_overlaps(ev, GRID, **kw)
    got = overlap_counts(ev, GRID, **kw).set_index("event_id")
    est = pairs[pairs["kind"] == KINDS[0]]
    win = pairs[pairs["kind"] == KINDS[1]]
    assert set(got.index) == set(ev.loc[ev["day0"].notna(), "event_id"])
    for eid, row in got.iterrows():
        assert row["in_estimation_window"] == (est["event_id"] == eid).sum(), eid
        n_win = ((win["event_id"] == eid) | (win["other_event_id"] == eid)).sum()
        assert row["event_windows_overlap"] == n_win, eid


@pytest.mark.parametrize("chunk", [1, 7, 1 << 20])
def test_find_overlaps_chunks_and_frame_order(chunk, monkeypatch):
    # same-date events whose timings give decreasing day 0 in the frame's order, widened
    # events, NaT, duplicate dates and a tiny chunk: still the loop's rows, in its order
    rng = np.random.default_rng(3)
    n = 300
    ev = pd.DataFrame(
        {
            "event_id": [f"e{k:03d}" for k in rng.permutation(n)],
            "ticker": rng.choice(["A", "B"], n),
            "day0": pd.Series(GRID[rng.integers(0, 60, n)]).where(rng.random(n) > 0.05),
            "widened": rng.random(n) < 0.3,
        }
    )
    monkeypatch.setitem(overlaps._overlap_pairs.__kwdefaults__, "chunk", chunk)
    for kw in (
        {"estimation": 12, "gap": 3, "window": (-1, 2)},
        {"estimation": 5, "gap": 0, "window": (-2, 0)},
    ):
        pd.testing.assert_frame_equal(
            find_overlaps(ev, GRID, **kw), pairwise_overlaps(ev, GRID, **kw)
        )


def test_find_overlaps_never_pairs_equal_ids():
    ev = pd.DataFrame({"event_id": ["a", "a", "b"], "ticker": "X", "day0": GRID[[10, 10, 11]]})
    got = find_overlaps(ev, GRID, estimation=5, gap=0, window=(-1, 1))
    # b's estimation window [6, 10] holds a's window [9, 11]; a's and b's windows overlap
    assert got.values.tolist() == [
        ["a", "b", "X", "event_windows_overlap"],
        ["a", "b", "X", "event_windows_overlap"],
        ["b", "a", "X", "in_estimation_window"],
        ["b", "a", "X", "in_estimation_window"],
    ]
    pd.testing.assert_frame_equal(
        got, pairwise_overlaps(ev, GRID, estimation=5, gap=0, window=(-1, 1))
    )


DATE_TEXTS = st.one_of(
    st.dates(dt.date(1999, 12, 1), dt.date(2031, 1, 31)).map(str),
    st.builds(
        lambda d, h, m, s, z: f"{d}{'T' if h % 2 else ' '}{h:02d}:{m:02d}{s}{z}",
        st.dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31)),
        st.integers(0, 24),
        st.integers(0, 60),
        st.sampled_from(["", ":00", ":59", ":60", ".5", ":07.25", ":00.123456", ":01.123456789"]),
        st.sampled_from(["", "", "Z", "+05:30", "-04:00", "+05", "-0800", "+23:00", " Z"]),
    ),
    st.sampled_from(["2025-02-30", "10/11/2025", "2025-1-3", "", "nan", " 2025-11-04 "]),
)


@settings(max_examples=50, deadline=None)
@given(st.lists(DATE_TEXTS, min_size=1, max_size=12), st.booleans())
def test_dates_and_clock_match_parse_date_value_by_value(texts, with_timing):
    ids = [f"e{k}" for k in range(len(texts))]
    frame = pd.DataFrame({"event_id": ids, "ticker": "X", "date": texts})
    if with_timing:
        frame["timing"] = "unknown"
    dates, bad = [], []
    for e, t in zip(ids, texts, strict=True):
        try:
            dates.append(parse_date(t.strip(), "date"))
        except DataError:
            bad.append(e)
    if bad:
        with pytest.raises(DataError, match=re.escape(f"unparseable date for event(s) {bad[:5]}")):
            load_events(frame)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RiskkitWarning)  # no timing column
        got = load_events(frame).set_index("event_id").loc[ids]
    want = pd.DatetimeIndex(dates)
    assert got["date"].dtype == want.dtype
    assert list(got["date"]) == list(want)
    for e, t in zip(ids, texts, strict=True):  # the New York clock sets the timing
        text = t.strip()
        ts = pd.Timestamp(text) if re.match(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d", text) else None
        if ts is None or (ts.tzinfo is None and ts == ts.normalize()):
            assert got.loc[e, "timing"] == ("unknown" if with_timing else "during session")
            continue
        ny = ts.tz_convert("America/New_York") if ts.tzinfo else ts
        minutes = ny.hour * 60 + ny.minute
        clock = (
            "pre-market" if minutes < 570 else "during session" if minutes < 960 else "after close"
        )
        assert got.loc[e, "timing"] == clock


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.dates(dt.date(2000, 1, 3), dt.date(2030, 12, 30)), st.sampled_from(TIMINGS)),
        min_size=1,
        max_size=15,
    )
)
def test_assign_day0_matches_the_session_functions(rows):
    ev = load_events(
        pd.DataFrame(
            {
                "event_id": [f"e{k}" for k in range(len(rows))],
                "ticker": "X",
                "date": [str(d) for d, _ in rows],
                "timing": [t for _, t in rows],
            }
        )
    )
    want = [
        next_session(d) if t == "after close" else session_on_or_after(d)
        for d, t in zip(ev["date"], ev["timing"], strict=True)
    ]
    got = assign_day0(ev)["day0"]
    pd.testing.assert_series_equal(got, pd.to_datetime(pd.Series(want)), check_names=False)
    own = pd.bdate_range("2000-01-01", "2015-06-30")[::3]  # own dates; later ones: NaT
    ref = []
    for d, t in zip(ev["date"], ev["timing"], strict=True):
        k = int(own.searchsorted(d, side="right" if t == "after close" else "left"))
        ref.append(own[k] if k < len(own) else pd.NaT)
    got = assign_day0(ev, own)["day0"]
    pd.testing.assert_series_equal(got, pd.to_datetime(pd.Series(ref)), check_names=False)


def test_expand_market_events_keeps_column_dtypes():
    # row-by-row expansion turned every column to object once a MKT event was present
    ev = load_events(
        pd.DataFrame(
            {
                "event_id": ["m", "f"],
                "ticker": ["MKT", "IREN"],
                "date": ["2025-01-27", "2025-01-28"],
                "timing": ["pre-market", "unknown"],
                "reported_move_pct": ["-3.5", ""],
            }
        )
    )
    out = expand_market_events(ev, ["WULF", "IREN"])
    assert out["event_id"].tolist() == ["m:IREN", "m:WULF", "f"]
    assert out["parent_id"].tolist() == ["m", "m", "f"]
    assert out["ticker"].tolist() == ["IREN", "WULF", "IREN"]
    assert dict(out.dtypes.drop("parent_id")) == dict(ev.dtypes)
    assert out["reported_move_pct"].tolist()[:2] == [-3.5, -3.5]


def test_audit_one_pass_per_ticker_matches_hand_returns():
    idx = pd.bdate_range("2025-11-03", periods=5)  # Mon 3 .. Fri 7
    closes = pd.DataFrame(
        {"IREN": [10.0, 11.0, np.nan, 12.1, 11.0], "WULF": [5.0, 4.0, 5.0, 6.0, 3.0]}, index=idx
    )
    ev = pd.DataFrame(
        {
            "event_id": ["first", "gap", "last", "mid", "nocloses", "w"],
            "ticker": ["IREN", "IREN", "IREN", "IREN", "CIFR", "WULF"],
            "date": ["2025-11-03", "2025-11-05", "2025-11-07", "2025-11-06", "2025-11-04", "2025-11-04"],
            "timing": "pre-market",
            "reported_move_pct": ["1", "1", "-1", "-1", "1", "1"],
        }
    )  # fmt: skip
    a = audit_catalog(ev, closes=closes).set_index("event_id")
    # IREN without its NaN close: 11-03 10, 11-04 11, 11-06 12.1, 11-07 11
    assert np.isnan(a.loc["first", "return_day0"])  # no close before day 0
    assert np.isnan(a.loc["gap", "return_day0"])  # day 0 (11-05) has no close
    assert a.loc["mid", "return_day0"] == pytest.approx(12.1 / 11 - 1)
    assert a.loc["mid", "return_day0_1"] == pytest.approx(11 / 11 - 1)
    assert a.loc["last", "return_day0"] == pytest.approx(11 / 12.1 - 1)
    assert np.isnan(a.loc["last", "return_day0_1"])  # no day +1
    assert np.isnan(a.loc["nocloses", "return_day0"])
    assert a.loc["w", "return_day0"] == pytest.approx(4 / 5 - 1)
    assert a.loc["w", "return_day0_1"] == pytest.approx(5 / 5 - 1)
    assert a["sign_disagrees"].to_dict() == {
        "first": False, "gap": False, "last": False, "mid": True, "nocloses": False, "w": True,
    }  # fmt: skip


MINERS = ["APLD", "BITF", "BTDR", "CIFR", "CLSK", "CORZ", "HUT", "IREN", "MARA", "RIOT", "WULF"]


def test_100k_events_through_the_catalog_layer():
    # 100,000 events on the 11 miners' NYSE sessions 2021-2026 (1% market-wide), every
    # timing, some with a clock time: load, expand, day 0 and overlaps all run (each in
    # well under a second but for the overlap frame, which grows with the pairs listed)
    rng = np.random.default_rng(0)
    n, sessions = 100_000, equity_sessions("2021-01-04", "2026-07-10")
    days = sessions[rng.integers(0, len(sessions), n)]
    dates = days.strftime("%Y-%m-%d").to_numpy(dtype=object)
    timed = rng.random(n) < 0.08
    minutes = pd.to_timedelta(rng.integers(0, 1440, timed.sum()), unit="min")
    dates[timed] = (days[timed] + minutes).strftime("%Y-%m-%dT%H:%M:00Z")
    raw = pd.DataFrame(
        {
            "event_id": [f"e{k:06d}" for k in range(n)],
            "ticker": rng.choice([*MINERS, "MKT"], n, p=[0.09] * 11 + [0.01]),
            "date": dates,
            "timing": rng.choice(["pre-market", "during session", "after close", "unknown", "amc", ""], n),
        }
    )  # fmt: skip
    ev = assign_day0(expand_market_events(load_events(raw, tickers=MINERS), MINERS))
    assert len(ev) == n + (raw["ticker"] == "MKT").sum() * (len(MINERS) - 1)
    ov = find_overlaps(ev, sessions, estimation=2, gap=0, window=(0, 0))
    # independent count of the estimation-window pairs: j's [p_j, p_j + widened_j] meets
    # i's [p_i - 2, p_i - 1], so p_j in [p_i - 2 - widened_j, p_i - 1]
    want = 0
    for _, g in ev.groupby("ticker"):
        p = sessions.searchsorted(g["day0"]) + 3
        w = g["widened"].to_numpy()
        narrow = np.bincount(p[~w], minlength=len(sessions) + 4)
        wide = np.bincount(p[w], minlength=len(sessions) + 4)
        want += int((narrow[p - 2] + narrow[p - 1] + wide[p - 3] + wide[p - 2] + wide[p - 1]).sum())
    assert (ov["kind"] == "in_estimation_window").sum() == want
    assert sorted(ov["ticker"].unique()) == MINERS
