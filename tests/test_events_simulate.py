"""riskkit.events.simulate: placebo (Brown-Warner 1985) rejection rates.

All panels here are synthetic: iid normal market and idiosyncratic returns drawn with a
fixed seed, so the null of no abnormal return holds by construction. Expected values come
from outside this code: the binomial distribution (scipy), the Wilson formula written out
by hand, and interval arithmetic on the drawn catalog. Trials are few (each one is an
``event_study`` call); the bands are set for that.
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from collections import Counter
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from typer.testing import CliRunner

from riskkit import DataError, RiskkitWarning
from riskkit.cli import app
from riskkit.cli._common import run_app
from riskkit.events import SimulationResult, simulate
from riskkit.events.report import write_simulation_report
from riskkit.events.simulate import _rates, _sampler

NONE = pd.DataFrame(columns=["event_id", "ticker", "date"])  # no real events to avoid
E, GAP, MIN_OBS = 100, 5, 50
SMALL: dict[str, Any] = {"estimation": E, "gap": GAP, "min_estimation_obs": MIN_OBS}


@pytest.fixture(scope="module")
def panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic: 4 firms x 1200 sessions, R = beta * M + e, M ~ N(0, 1%), e ~ N(0, 2%)."""
    idx = pd.bdate_range("2010-01-04", periods=1200, name="date")
    rng = np.random.default_rng(7)
    m = pd.DataFrame({"market": rng.normal(0, 0.01, len(idx))}, index=idx)
    betas = {"A": 0.8, "B": 1.0, "C": 1.2, "D": 1.5}
    r = pd.DataFrame({t: b * m["market"] + rng.normal(0, 0.02, len(idx)) for t, b in betas.items()},
                     index=idx)  # fmt: skip
    return r, m


def _sim(panel, n_events, **kw) -> SimulationResult:
    r, m = panel
    kw = {"returns": r, "factors": m, "events": NONE, **SMALL, **kw}
    return simulate(n_events, **kw)


@pytest.fixture(scope="module")
def huge(panel) -> SimulationResult:
    """+50% planted on day 0 against 2% daily noise."""
    return _sim(panel, 10, n_trials=3, effect=0.5, seed=3)


# -- statistics against values this code did not produce ---------------------------------


def test_null_size_of_cross_sectional_t_is_within_its_binomial_band(panel):
    # iid normal returns: each trial's cross-sectional t rejects at 5% with probability
    # 0.05, so the count over 30 trials is Binomial(30, 0.05). Band: the central 99.9%
    # of that distribution, from scipy (decided before looking at the result).
    n = 30
    res = _sim(panel, 20, n_trials=n)
    lo, hi = sps.binom.ppf(0.0005, n, 0.05), sps.binom.isf(0.0005, n, 0.05)
    f = res.to_frame()
    rows = f[(f.test == "cross_sectional_t") & np.isclose(f.alpha, 0.05)]
    assert len(rows) == 2  # windows [-1,1] and [0,0]
    for k, trials in zip(rows["n_rejections"], rows["n_trials"], strict=True):
        assert trials == n and lo <= k <= hi, (k, lo, hi)
    # the count is a count of p <= alpha over the per-trial p-values
    pv = res.p_values.query("test == 'cross_sectional_t' and window == '[0,0]'")["p_value"]
    assert int((pv <= 0.05).sum()) == int(rows[rows.window == "[0,0]"]["n_rejections"].iloc[0])
    assert (res.trial_log["n_estimated"] == 20).all() and res.short_trials.empty


def test_wilson_band_and_size_flags_against_the_hand_formula():
    # 10 of 40 trials reject at 5% (over-sized), 0 of 200 (under-sized), 2 of 40 (fine)
    pv = pd.DataFrame({
        "scenario": "no_effect", "window": "[0,0]",
        "test": ["over"] * 40 + ["under"] * 200 + ["fine"] * 40,
        "p_value": [0.01] * 10 + [0.5] * 30 + [0.9] * 200 + [0.03] * 2 + [0.6] * 38,
    })  # fmt: skip
    out = _rates(pv, (0.05,), 0.95).set_index("test")
    z = float(sps.norm.ppf(0.975))
    for test, k, n, size in (("over", 10, 40, "over-sized"), ("under", 0, 200, "under-sized"),
                             ("fine", 2, 40, "within band")):  # fmt: skip
        centre = (k + z**2 / 2) / (n + z**2)
        half = z / (n + z**2) * math.sqrt(k * (n - k) / n + z**2 / 4)
        row = out.loc[test]
        assert row["rejection_rate"] == pytest.approx(k / n)
        assert row["ci_low"] == pytest.approx(centre - half, abs=1e-12)
        assert row["ci_high"] == pytest.approx(centre + half, abs=1e-12)
        assert row["size"] == size


def test_a_huge_planted_effect_is_always_found_by_the_t_tests(huge):
    f = huge.to_frame()
    eff = f[(f.scenario == "effect") & f.test.isin(["cross_sectional_t", "patell_z", "bmp",
                                                    "kolari_pynnonen"])]  # fmt: skip
    assert len(eff) == 4 * 2 * 3  # tests x windows x levels
    assert (eff["rejection_rate"] == 1.0).all() and (eff["n_trials"] == 3).all()
    # the planted return moves each CAAR by exactly the effect (same draws, paired)
    pv = huge.p_values.pivot_table(index=["trial", "window", "test"], columns="scenario",
                                   values="estimate")  # fmt: skip
    assert np.allclose(pv["effect"] - pv["no_effect"], 0.5, atol=1e-12)


# -- the draws ------------------------------------------------------------------------------


def test_spaced_draw_fills_to_capacity_and_never_overlaps(panel):
    with pytest.raises(DataError, match=r"cannot be placed spaced: at most (\d+)") as info:
        _sim(panel, 10_000, n_trials=1)
    found = re.search(r"at most (\d+)", str(info.value))
    assert found is not None
    cap = int(found.group(1))
    res = _sim(panel, cap, n_trials=2, windows=[(-1, 1)])  # as many as fit: no jam
    grid = pd.DatetimeIndex(panel[0].index)
    a, b = -1, 1
    for (_, _), g in res.draws.groupby(["trial", "ticker"]):
        pos = grid.get_indexer(pd.DatetimeIndex(g["day0"]))
        for p in pos:
            for q in pos:
                if p == q:
                    continue
                # q's event window [q+a, q+b] avoids p's estimation [p-gap-E, p-gap-1]
                # and p's event window [p+a, p+b]
                assert q + b < p - GAP - E or q + a > p - GAP - 1
                assert q + b < p + a or q + a > p + b
    assert res.draws.groupby("trial").size().eq(cap).all()
    log = res.trial_log
    assert (log[["n_thinned", "n_window_overlaps", "n_skipped"]] == 0).all().all()


def test_real_events_are_avoided_and_cut_from_the_estimation_sample(panel):
    r, m = panel
    real = pd.DataFrame({"event_id": ["a1", "mkt"], "ticker": ["A", "MKT"],
                         "date": [r.index[500], r.index[800]], "timing": "pre-market"})  # fmt: skip
    kw: dict[str, Any] = {"returns": r, "factors": m, "events": real, **SMALL, "n_trials": 2}
    kw["windows"] = [(0, 0)]
    res = simulate(12, tickers=["A", "B"], **kw)
    grid = pd.DatetimeIndex(r.index)
    for tk, d0 in zip(res.draws["ticker"], res.draws["day0"], strict=True):
        p = int(grid.searchsorted(d0))
        reals = [500, 800] if tk == "A" else [800]  # MKT applies to every firm
        # "near": a real window day within the pseudo window +- gap, [p - gap, p + gap]
        assert all(abs(p - q) > GAP for q in reals)
    # a shock on the real event days changes nothing: those days are cut out of every
    # estimation sample (and no pseudo-event window touches them)
    shocked = r.copy()
    shocked.iloc[[500], 0] += 0.9
    shocked.iloc[[800], :2] -= 0.9
    res2 = simulate(12, tickers=["A", "B"], **{**kw, "returns": shocked})
    pd.testing.assert_frame_equal(res.p_values, res2.p_values)
    assert "2 real event(s)" in res.catalog_source or "3 real event(s)" in res.catalog_source


def test_independent_draws_report_thinned_and_skipped_runs(panel):
    # one firm, 8 events in ~330 eligible sessions: some pair is closer than the 62
    # sessions the spaced draw would demand, so every trial thins; with min obs 58 of
    # 60 a thinned [-1,1] estimation sample (3 days cut) is too short and is skipped.
    r, m = panel
    kw: dict[str, Any] = {"estimation": 60, "gap": 5, "min_estimation_obs": 58}
    kw["windows"] = [(-1, 1)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = simulate(8, returns=r[["A"]].iloc[:400], factors=m.iloc[:400], events=NONE,
                       draw="independent", n_trials=2, **kw)  # fmt: skip
    ours = [w for w in caught if issubclass(w.category, RiskkitWarning)]
    assert len(ours) == 1 and "event_study issued" in str(ours[0].message)  # not one per skip
    log = res.trial_log
    assert (log["n_thinned"] > 0).all() and log["n_skipped"].sum() > 0
    assert len(res.short_trials) > 0
    assert res.short_trials["reason"].str.contains("complete estimation returns").all()
    assert any("independent draws" in n for n in res.notes)


def test_same_seed_same_draws_and_a_longer_run_starts_the_same(panel):
    a = _sim(panel, 6, n_trials=2, seed=11)
    b = _sim(panel, 6, n_trials=3, seed=11)
    pd.testing.assert_frame_equal(a.draws, b.draws[b.draws.trial < 2].reset_index(drop=True))
    pd.testing.assert_frame_equal(
        a.p_values, b.p_values[b.p_values.trial < 2].reset_index(drop=True)
    )
    c = _sim(panel, 6, n_trials=1, seed=12)
    assert not c.draws[["ticker", "day0"]].equals(a.draws[a.draws.trial == 0][["ticker", "day0"]])


# -- the result and its page ----------------------------------------------------------------


def test_result_records_inputs_and_renders(huge, tmp_path):
    assert (huge.model, huge.n_events, huge.n_trials, huge.effect, huge.seed, huge.draw) == (
        "market", 10, 3, 0.5, 3, "spaced")  # fmt: skip
    assert huge.tickers == ("A", "B", "C", "D") and huge.date_range == ("2010-01-04", "2014-08-08")
    f = huge.to_frame()
    assert list(f.columns) == ["test", "window", "scenario", "alpha", "n_rejections", "n_trials",
                               "rejection_rate", "ci_low", "ci_high", "size"]  # fmt: skip
    assert set(f.test) == {"cross_sectional_t", "patell_z", "bmp", "kolari_pynnonen", "rank_cz",
                           "generalized_sign"}  # fmt: skip
    text = str(huge)
    assert "+50.0% on day 0" in text and "Wilson" in text and "pseudo-events x 3 trials" in text
    assert "<table" in huge._repr_html_() and len(repr(huge).splitlines()) == 1
    # a table whose null rates are over-sized gets flagged in plain words
    pv = huge.p_values.assign(p_value=np.where(huge.p_values.test == "patell_z", 0.0, 0.5))
    flagged = replace(huge, rates=_rates(pv, huge.alphas, huge.level))
    assert "not patell_z [-1,1], patell_z [0,0]" in flagged.conclusion()
    assert "over-sized at 1%" in flagged.summary()
    page = write_simulation_report(flagged, tmp_path)
    html = page.read_text()
    assert "Conclusion" in html and "over-sized" in html and "Rejection rates with +50.0%" in html
    rates = pd.read_csv(tmp_path / "simulation_rates.csv")
    assert len(rates) == len(flagged.to_frame())


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"n_events": 1}, r"n_events=1 must be a whole number >= 2"),
        ({"n_trials": 0}, r"n_trials=0 must be a whole number >= 1"),
        ({"seed": -1}, r"seed=-1 must be a whole number >= 0"),
        ({"draw": "bogus"}, r"draw='bogus'; use 'spaced' or 'independent'"),
        ({"effect": float("nan")}, r"effect=nan must be a finite number"),
        ({"alphas": (0.0, 0.05)}, r"alphas=.* must be levels in \(0, 1\)"),
        ({"level": 95}, r"level=95 must be a confidence level in \(0, 1\)"),
        ({"model": "capm"}, r"model='capm' is not known"),
        ({"tickers": ["ZZZ"]}, r"tickers \['ZZZ'\] not in the returns"),
        ({"windows": [(-20, 0)]}, r"increase gap to at least 20"),
        ({"n_events": 5000, "draw": "independent"}, r"cannot be placed independent: at most"),
        ({"factors": None}, r"needs 1 factor column"),
    ],
)
def test_errors_say_how_to_fix(panel, kw, match):
    r, m = panel
    args: dict[str, Any] = {"n_events": 5, "returns": r, "factors": m, "events": NONE, **SMALL}
    with pytest.raises(DataError, match=match):
        simulate(**{**args, "n_trials": 1, **kw})


def test_too_short_a_history_says_none_fit(panel):
    r, m = panel
    with pytest.raises(DataError, match=r"at most 0 pseudo-events fit"):
        simulate(3, returns=r.iloc[:50], factors=m.iloc[:50], events=NONE, n_trials=1, **SMALL)


# -- CLI ------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--events-per-trial", "1"], "greater than or equal to 2"),
        (["--draw", "bogus"], "'bogus' is not one of"),
        (["--events-per-trial", "5000"], "cannot be placed spaced: at most"),
        (["--window", "-1.5,1"], "whole numbers"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, capsys, args, match):
    # run_app is what the console script runs: usage errors become one line there too
    code = run_app(app, ["event-simulate", *args, "--out", str(tmp_path), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and match in lines[0], err


def test_cli_writes_the_page_and_the_rates(tmp_path):
    res = runner.invoke(app, ["event-simulate", "--events-per-trial", "5", "--trials", "1",
                              "--effect", "0.05", "--window", "0,0", "--seed", "0",
                              "--out", str(tmp_path), "--no-progress"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "Placebo simulation" in res.output and "bundled snapshot" in res.output
    rates = pd.read_csv(tmp_path / "event_simulation" / "simulation_rates.csv")
    assert set(rates["scenario"]) == {"no_effect", "effect"} and set(rates["window"]) == {"[0,0]"}
    assert (tmp_path / "event_simulation" / "simulation.html").is_file()


def test_spaced_sampler_is_uniform_over_every_valid_configuration():
    # brute force: every set of 3 (firm, day) pairs with same-firm days >= 3 apart
    cands = {"X": np.arange(10), "Y": np.array([0, 2, 4, 7])}
    pairs = [(t, int(p)) for t, ps in cands.items() for p in ps]
    valid = [c for c in itertools.combinations(pairs, 3)
             if all(u[0] != v[0] or abs(u[1] - v[1]) >= 3 for u, v in itertools.combinations(c, 2))]  # fmt: skip
    draw, cap = _sampler(cands, 3, 3)
    assert cap == 4 + 2  # X fits 0, 3, 6, 9; Y fits 0, 4 (or 0, 7 ...)
    rng = np.random.default_rng(0)
    seen = Counter(tuple(sorted(zip(*draw(rng), strict=True))) for _ in range(60 * len(valid)))
    assert set(seen) == {tuple(sorted(c)) for c in valid}
    # chi-square goodness of fit to the uniform distribution over the valid sets
    assert sps.chisquare([seen[tuple(sorted(c))] for c in valid]).pvalue > 0.001


def test_stacked_spaced_trials_equal_one_event_study_call_per_trial(panel):
    """The one-pass path (every trial stacked) gives the per-trial event_study p-values."""
    from riskkit.events.simulate import _run_trial

    res = _sim(panel, 6, n_trials=4, effect=0.03, seed=11, windows=[(-1, 1), (0, 0)])
    r, m = panel
    settings = {"model": "market", "windows": [(-1, 1), (0, 0)], **SMALL}
    got = res.p_values.set_index(["trial", "scenario", "window", "test"])["p_value"]
    for i, cat in res.draws.groupby("trial"):
        cat = cat.rename(columns={"day0": "date"}).assign(timing="pre-market", event_type="placebo")
        for scen, eff in (("no_effect", 0.0), ("effect", 0.03)):
            want, _, _ = _run_trial(
                cat[["event_id", "ticker", "date", "timing", "event_type"]],
                r,
                m,
                effect=eff,
                **settings,
            )
            for _, row in want.iterrows():
                key = (i, scen, row["window"], row["test"])
                assert got[key] == pytest.approx(row["p_value"], rel=1e-9, abs=1e-12), key
