"""The issue-10 grouped tests, run after the textbook battery of :mod:`._engine`.

GRANK-T and GRANK-Z (:mod:`riskkit.events.grank`, sums from one vectorised kernel per
window and grouping), the GARCH-standardized BMP and Z (:mod:`riskkit.events.garch_ar`,
one ``arch`` fit per event) and the wild bootstrap of the BMP and Kolari-Pynnönen
statistics (:mod:`riskkit.events.bootstrap`, one ``B x N`` array per group).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from riskkit.events import stats
from riskkit.events._grouptests import _row
from riskkit.events._kernels_grank import grank_sums
from riskkit.events.bootstrap import wild_bootstrap_caar
from riskkit.events.garch_ar import garch_standardize
from riskkit.events.grank import grank_from_sums

__all__ = ["NEW_TESTS", "bootstrap_rng", "extra_rows", "garch_z"]

#: The tests this module adds (``event_study(tests=...)`` names).
NEW_TESTS = ("grank_t", "grank_z", "garch_bmp", "garch_z", "bootstrap_bmp", "bootstrap_kp")
_CHUNKS = 16


def extra_rows(
    est,
    groupings,
    members_of: dict[tuple[int, int, int], np.ndarray],
    kp_sum: np.ndarray,
    offsets: np.ndarray,
    tests: Sequence[str],
    *,
    n_boot: int,
    weights: str,
    seed: int,
) -> dict[tuple[int, int, int], list[dict]]:
    """Rows of the new tests per (grouping, label, window) key of ``members_of``."""
    keys = sorted(members_of)
    out: dict[tuple[int, int, int], list[dict]] = {k: [] for k in keys}
    wanted = [t for t in NEW_TESTS if t in tests]
    if not wanted or not keys:
        return out
    wins = est.windows
    sd = np.sqrt(est.sigma2)
    grank_res: dict[tuple[int, int, int], tuple] = {}
    if "grank_t" in tests or "grank_z" in tests:
        sorted_resid = np.sort(est.resid, axis=1)
        for w_i, w in enumerate(wins):
            with np.errstate(invalid="ignore", divide="ignore"):
                scars = w.car / np.sqrt(w.var)
            for c, grp in enumerate(groupings):
                codes = np.full(est.status.size, -1, dtype=np.int64)
                v = np.full(est.status.size, np.nan)
                for g_code in range(len(grp.labels)):
                    mem = members_of.get((c, g_code, w_i))
                    if mem is None or mem.size < 2:
                        continue
                    s_scar = float(np.std(scars[mem], ddof=1))
                    if s_scar > 0:
                        codes[mem] = g_code
                        v[mem] = scars[mem] / s_scar * sd[mem]
                if not (codes >= 0).any():
                    continue
                sums, cnts = grank_sums(
                    est.resid, sorted_resid, v, codes >= 0, codes, len(grp.labels), _CHUNKS
                )
                for g_code in np.unique(codes[codes >= 0]):
                    grank_res[(c, int(g_code), w_i)] = grank_from_sums(sums[g_code], cnts[g_code])
    garch = garch_standardize(est) if ("garch_bmp" in tests or "garch_z" in tests) else None
    for key in keys:
        c, g_code, w_i = key
        w = wins[w_i]
        mem = members_of[key]
        gb, g, win = groupings[c].name, groupings[c].labels[g_code], (w.a, w.b)
        n = mem.size
        caar = float(w.car[mem].mean())
        rows = out[key]
        if key in grank_res:
            t_res, z_res = grank_res[key]
            if "grank_t" in tests:
                rows.append(_row(gb, g, win, "grank_t", caar, t_res, n))
            if "grank_z" in tests:
                rows.append(_row(gb, g, win, "grank_z", caar, z_res, n))
        if garch is not None:
            x = garch.scar[w_i][mem]
            x = x[np.isfinite(x)]
            if "garch_bmp" in tests:
                rows.append(_row(gb, g, win, "garch_bmp", caar, stats.bmp_t(x), x.size))
            if "garch_z" in tests:
                rows.append(_row(gb, g, win, "garch_z", caar, garch_z(x), x.size))
        if "bootstrap_bmp" in tests or "bootstrap_kp" in tests:
            with np.errstate(invalid="ignore", divide="ignore"):
                sc = w.car[mem] / np.sqrt(w.var[mem])
            rbar = float(kp_sum[w_i, offsets[c] + g_code]) / (n * (n - 1) / 2.0) if n > 1 else 0.0
            obs = {"bootstrap_bmp": stats.bmp_t(sc).statistic,
                   "bootstrap_kp": stats.kolari_pynnonen(sc, rbar).statistic}  # fmt: skip
            res = wild_bootstrap_caar(sc, obs, n_boot=n_boot, weights=weights,  # type: ignore[arg-type]
                                      rng=bootstrap_rng(seed, sc))  # fmt: skip
            for name in ("bootstrap_bmp", "bootstrap_kp"):
                if name in tests:
                    rows.append(_row(gb, g, win, name, caar, res[name], n))
    return out


def bootstrap_rng(seed: int, scars: np.ndarray) -> np.random.Generator:
    """The wild-bootstrap generator of one group: seeded by ``seed`` and a CRC-32 of the
    group's own standardized CARs, so a group's p-value depends only on its data and the
    seed (not on the other groups in the table, the trial chunking of a simulation, or
    the order of the groups), while different trials of a simulation get different
    draws even when each runs with the same seed."""
    return np.random.default_rng(
        [int(seed), 2011, zlib.crc32(np.ascontiguousarray(scars).tobytes())]
    )


def garch_z(scars: np.ndarray) -> stats.TestResult:
    """``Z = sum_i SCAR_i / sqrt(N)`` on GARCH-standardized CARs, standard normal.

    Examples
    --------
    >>> round(garch_z(np.array([1.0, 2.0, 0.0, 1.0])).statistic, 6)
    2.0
    """
    x = np.asarray(scars, float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return stats.TestResult(float("nan"), float("nan"), float("nan"))
    z = float(x.sum() / np.sqrt(x.size))
    return stats.TestResult(z, stats._p_t(z, np.inf), float("inf"))
