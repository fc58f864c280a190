"""Drawing placebo events for :func:`riskkit.events.simulate`: uniform or spaced sets.

A spaced set puts same-firm pseudo-events at least ``spacing`` sessions apart. Every such
set of ``n`` eligible (firm, day 0) pairs is equally likely: per firm the spaced
``k``-subsets of its eligible days are counted, ``W(i, k) = W(i + 1, k) + W(next(i), k -
1)`` (in logs), the firms' counts, convolved, set how many events each firm gets, then each
firm's days are drawn from its table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["_sampler"]


def _sampler(cands: dict[str, np.ndarray], spacing: int, n: int) -> tuple[Any, int]:
    """``rng -> (tickers, positions)`` of one trial's draw, and how many can be drawn."""
    if not spacing:
        tks = np.array([t for t, p in cands.items() for _ in p], dtype=object)
        pos = np.concatenate([*cands.values(), np.array([], dtype=int)])

        def independent(rng):
            pick = np.sort(rng.choice(len(pos), size=n, replace=False))
            return list(tks[pick]), [int(q) for q in pos[pick]]

        return independent, len(pos)
    tables = [(t, *_spaced_table(p, spacing, n)) for t, p in cands.items()]
    suffix = np.full((len(tables) + 1, n + 1), -np.inf)  # log ways: m events on firms j..
    suffix[len(tables), 0] = 0.0
    for j in range(len(tables) - 1, -1, -1):
        total = tables[j][1][0]
        for m in range(n + 1):
            k = np.arange(min(m, len(total) - 1) + 1)
            suffix[j, m] = np.logaddexp.reduce(total[k] + suffix[j + 1, m - k])
    cap = sum(lw.shape[1] - 1 for _, lw, _ in tables)
    return (lambda rng: _draw_spaced(rng, tables, cands, suffix, n)), cap


def _spaced_table(pos: np.ndarray, spacing: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``log W[i, k]``: number of ``k``-subsets of ``pos[i:]`` pairwise >= ``spacing``
    apart, for ``k`` up to the most that fit (at most ``n``); and ``next(i)``."""
    nxt, count, i = np.searchsorted(pos, pos + spacing), 0, 0
    while i < len(pos):  # the most that fit: greedy from the left
        count, i = count + 1, nxt[i]
    lw = np.full((len(pos) + 1, min(count, n) + 1), -np.inf)
    lw[:, 0] = 0.0
    for i in range(len(pos) - 1, -1, -1):
        lw[i, 1:] = np.logaddexp(lw[i + 1, 1:], lw[nxt[i], :-1])
    return lw, nxt


def _draw_spaced(rng, tables, cands, suffix, n) -> tuple[list[str], list[int]]:
    """One uniformly drawn spaced set of ``n`` (ticker, position) pairs."""
    tks: list[str] = []
    pos: list[int] = []
    for j, (tk, lw, nxt) in enumerate(tables):
        k = np.arange(min(n, lw.shape[1] - 1) + 1)  # events this firm gets: by their counts
        w = np.exp(lw[0, k] + suffix[j + 1, n - k] - suffix[j, n])
        left = int(rng.choice(k, p=w / w.sum()))
        n, i, u = n - left, 0, np.log(rng.random(len(nxt)))
        while left:  # take pos[i] with probability W(next(i), left - 1) / W(i, left)
            if u[i] < lw[nxt[i], left - 1] - lw[i, left]:
                tks.append(tk)
                pos.append(int(cands[tk][i]))
                i, left = nxt[i], left - 1
            else:
                i += 1
    return tks, pos
