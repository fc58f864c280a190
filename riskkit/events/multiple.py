"""Multiple-testing adjusted p-values for an event study's test table.

A test table holds dozens of p-values (tests x windows x groups); the smallest of them is
small by chance alone. Holm (1979) controls the family-wise error rate under any
dependence between the tests; Benjamini-Hochberg (1995) controls the false discovery
rate (valid under the positive dependence these tests of one null on one sample have).
Both come from :func:`statsmodels.stats.multitest.multipletests`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from riskkit._errors import DataError

__all__ = ["STAR_RULE", "adjust_pvalues", "stars"]

#: The rule the report's significance stars follow, in words.
STAR_RULE = (
    "Stars use the Holm-adjusted p-value (family-wise error, any dependence between "
    "tests) within each group's table (all its windows and tests): *** <= 0.01, "
    "** <= 0.05, * <= 0.10."
)


def stars(p: float) -> str:
    """``***`` / ``**`` / ``*`` for ``p <= 0.01 / 0.05 / 0.10``, else ``""`` (NaN: ``""``).

    Examples
    --------
    >>> [stars(p) for p in (0.004, 0.03, 0.08, 0.2, float("nan"))]
    ['***', '**', '*', '', '']
    """
    if not np.isfinite(p):
        return ""
    return "***" if p <= 0.01 else "**" if p <= 0.05 else "*" if p <= 0.10 else ""


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values, ``max_{l <= j} min(1, (m - l + 1) p_(l))``.

    Written out (three numpy lines, statsmodels' formula) because statsmodels 0.14's
    ``multipletests(method="holm")`` runs a full ``gc.collect()`` on every call: 0.2 s a
    call in the main job's process, 8 s for its 40 families. The tests compare it with
    ``multipletests`` and with a hand loop.

    Examples
    --------
    >>> _holm(np.array([0.01, 0.04, 0.03])).round(4).tolist()
    [0.03, 0.06, 0.06]
    """
    order = np.argsort(p, kind="stable")
    steps = p[order] * np.arange(p.size, 0, -1)
    out = np.empty_like(p, dtype=float)
    out[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    return out


def adjust_pvalues(
    table: pd.DataFrame, *, by: Sequence[str] = ("group_by", "group")
) -> pd.DataFrame:
    """The test table with Holm and Benjamini-Hochberg adjusted p-values and stars.

    Parameters
    ----------
    table
        A test table (:meth:`~riskkit.events.EventStudyResult.tests`) with a ``p_value``
        column.
    by
        Columns defining a family: the p-values adjusted together (default one group's
        table: every window and test of, e.g., the firm events). ``()``: the whole table
        is one family.

    Returns
    -------
    DataFrame
        A copy with ``p_holm``, ``p_bh`` (NaN where ``p_value`` is NaN; those rows are not
        counted in the family) and ``stars`` (:func:`stars` of ``p_holm``).

    Raises
    ------
    DataError
        No ``p_value`` column, or a ``by`` column missing.

    Notes
    -----
    Over a family's ``m`` finite p-values sorted ``p_(1) <= ... <= p_(m)``: Holm
    ``p~_(j) = max_{l <= j} min(1, (m - l + 1) p_(l))``; Benjamini-Hochberg ``p~_(j) =
    min_{l >= j} min(1, m p_(l) / l)`` (``multipletests(method="holm" / "fdr_bh")``).

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    *Scandinavian Journal of Statistics* 6, 65-70. Benjamini, Y. and Hochberg, Y. (1995).
    Controlling the false discovery rate. *JRSS B* 57(1), 289-300.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["a"] * 3, "p_value": [0.01, 0.04, 0.03]})
    >>> adjust_pvalues(t, by=["group"])[["p_holm", "p_bh"]].round(4).values.tolist()
    [[0.03, 0.03], [0.06, 0.04], [0.06, 0.04]]
    """
    from statsmodels.stats.multitest import multipletests

    if "p_value" not in table.columns:
        raise DataError(
            f"the table has no p_value column (columns: {list(table.columns)}); pass "
            "result.tests()."
        )
    missing = [c for c in by if c not in table.columns]
    if missing:
        raise DataError(
            f"by={list(by)}: column(s) {missing} not in the table; use some of "
            f"{list(table.columns)} or () for one family."
        )
    out = table.copy()
    p = out["p_value"].to_numpy(dtype=float)
    holm = np.full(p.size, np.nan)
    bh = np.full(p.size, np.nan)
    keys = [out[c].astype(str).to_numpy() for c in by]
    fam = pd.Series(list(zip(*keys, strict=True)) if keys else [()] * len(out)).factorize()[0]
    for f in np.unique(fam):
        rows = np.flatnonzero((fam == f) & np.isfinite(p))
        if rows.size:
            holm[rows] = _holm(p[rows])
            bh[rows] = multipletests(p[rows], method="fdr_bh")[1]
    out["p_holm"] = holm
    out["p_bh"] = bh
    out["stars"] = [stars(v) for v in holm]
    return out
