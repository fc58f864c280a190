"""The labels of a stop-loss sweep: which entry rule, stop kind, stop value and target each
configuration is (the stop-loss page and the study in :mod:`riskkit.studies.stop_loss`).

It reads a :class:`~riskkit.backtest.results.SweepResult` only; the study that makes
the sweep lives above the engine, in :mod:`riskkit.studies`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from riskkit.backtest.results import SweepResult

__all__ = ["STOP_KINDS", "stop_loss_table"]

#: Stop kinds of the study (``stop`` column of :func:`stop_loss_table`).
STOP_KINDS = ("none", "fixed", "trailing", "atr", "btc_level")


def stop_loss_table(res: SweepResult) -> pd.DataFrame:
    """The sweep's rows with the study's labels: entry, stop kind, stop value, target."""
    tab = res.to_frame()
    sig = tab["signals"].astype(str)
    n = len(tab)

    def col(name: str, fill: Any) -> pd.Series:
        return tab[name] if name in tab else pd.Series(fill, index=tab.index)

    sl, sl_atr = col("sl_stop", np.nan).astype(float), col("sl_atr", np.nan).astype(float)
    trail = col("sl_trail", False).fillna(False).astype(bool)
    kind = np.full(n, "none", dtype=object)
    kind[sig.str.endswith("+btc_level").to_numpy()] = "btc_level"
    kind[sl.notna().to_numpy()] = "fixed"
    kind[(sl.notna() & trail).to_numpy()] = "trailing"
    kind[sl_atr.notna().to_numpy()] = "atr"
    value = sl.where(sl.notna(), sl_atr)
    value = value.where(kind != "btc_level", float(res.extras.get("btc_level", np.nan)))
    after = col("after_stop", "wait").astype(object).fillna("wait")
    after = after.where(~np.isin(kind, ["none", "btc_level"]), "n/a")
    return tab.assign(
        entry=sig.str.replace("+btc_level", "", regex=False), stop=kind, stop_value=value,
        target=col("tp_stop", np.nan).astype(float), after_stop=after.astype(str),
    )  # fmt: skip
