"""The result object of :func:`riskkit.event_study`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskkit._display import Summary, Table, short_repr
from riskkit._errors import DataError
from riskkit.events.multiple import STAR_RULE

__all__ = ["EventStudyResult"]

_TEST_FORMATS = {"estimate": "pct", "statistic": "num3", "p_value": "p", "p_holm": "p", "n": "int"}
_TEST_LABELS = {"window": "Window", "test": "Test", "estimate": "Estimate",
                "statistic": "Statistic", "p_value": "p-value", "n": "N", "signif": "Signif.",
                "p_holm": "Holm p", "stars": "Holm stars"}  # fmt: skip


@dataclass(frozen=True)
class EventStudyResult:
    """Abnormal returns, CARs and tests of an event study, with the inputs that made them.

    Attributes
    ----------
    model, factors
        Normal-return model and the factor columns it used.
    windows, estimation, gap, min_estimation_obs, conventions
        The settings (trading days).
    data_source, date_range
        Where the returns came from and the first/last date of the return grid.
    events
        Every event after ``MKT`` expansion, with ``day0``, ``widened`` and ``status``.
    cars
        One row per estimated event and window (see :meth:`to_frame`).
    params
        Per event: model parameters, ``sigma``, ``nobs``, ``df_resid``, estimation dates.
    abnormal_returns
        Event-time abnormal returns: index ``tau`` (days from day 0), one column per
        estimated event.
    test_table
        Grouped tests (see :meth:`tests`).
    skipped
        Events that could not be estimated, with the reason.
    overlaps
        Per event (:func:`~riskkit.events.overlap_counts`): how many same-firm events have
        their window in its estimation window, and how many windows overlap its own.
    notes
        Plain-text remarks printed with the summary.
    execution
        How the per-event fits ran: ``backend`` (``"local"`` or ``"dask"``); on a cluster
        also ``chunk_size``, ``chunks``, the scheduler, workers and ``rerun_chunks``
        (batches sent to a worker more than once, also named in :attr:`notes`).
    """

    model: str
    factors: tuple[str, ...]
    windows: tuple[tuple[int, int], ...]
    estimation: int
    gap: int
    min_estimation_obs: int
    conventions: str
    data_source: str
    date_range: tuple[str, str]
    events: pd.DataFrame
    cars: pd.DataFrame
    params: pd.DataFrame
    abnormal_returns: pd.DataFrame
    test_table: pd.DataFrame
    skipped: pd.DataFrame
    overlaps: pd.DataFrame
    notes: tuple[str, ...] = ()
    execution: dict[str, Any] = field(default_factory=dict)

    def _n_overlapping(self) -> int:
        ov = self.overlaps
        if ov.empty:
            return 0
        return int(((ov["in_estimation_window"] > 0) | (ov["event_windows_overlap"] > 0)).sum())

    def to_frame(self) -> pd.DataFrame:
        """One row per event and window, in decimals.

        Columns: ``event_id, ticker, event_type, day0, window, window_used, widened, car,
        car_se`` (square root of the prediction-error variance), ``t, p, df`` (Student t
        with the model's residual df), ``bhar, ghk_p`` (Gelbach-Helland-Klick quantile
        p-value), ``note``, then the model's parameters (``alpha``, ``beta_<factor>``),
        ``sigma, nobs, df_resid, estimation_start, estimation_end``.
        """
        return self.cars.copy()

    def tests(
        self, *, adjust: bool = False, by: tuple[str, ...] = ("group_by", "group")
    ) -> pd.DataFrame:
        """Tidy frame of every grouped test: ``group_by, group, window, test, estimate,
        statistic, p_value, df, n, signif`` (``df = inf``: normal reference; ``signif``
        marks the unadjusted p-value).

        Parameters
        ----------
        adjust
            Add ``p_holm``, ``p_bh`` (Holm and Benjamini-Hochberg adjusted p-values over
            each family) and ``stars`` (from ``p_holm``), see
            :func:`riskkit.events.multiple.adjust_pvalues`.
        by
            Columns defining a family (default: one group's table, all windows and tests).
        """
        if not adjust:
            return self.test_table.copy()
        from riskkit.events.multiple import adjust_pvalues

        return adjust_pvalues(self.test_table, by=by)

    def event(self, event_id: str) -> pd.DataFrame:
        """The :meth:`to_frame` rows of one event (by its id)."""
        return self.cars[self.cars["event_id"] == event_id].copy()

    def summary(self) -> Summary:
        """Settings, counts, the all-events tests, skipped events: prints as text, renders
        as HTML tables in a notebook."""
        n_est = int((self.events["status"] == "estimated").sum())
        lines = [
            "Event study",
            f"  model: {self.model} (factors: {', '.join(self.factors) or 'none'})",
            f"  windows: {', '.join(f'[{a},{b}]' for a, b in self.windows)}; estimation "
            f"{self.estimation} days ending {self.gap + 1} days before day 0; "
            f"min {self.min_estimation_obs} obs; conventions: {self.conventions}",
            f"  data: {self.data_source}; grid {self.date_range[0]} to {self.date_range[1]}",
            f"  events: {n_est} estimated, {len(self.skipped)} skipped, "
            f"{self._n_overlapping()} with a same-firm overlap",
        ]
        blocks: list[str | Table] = ["\n".join(s.strip() for s in lines[1:])]
        textbook = self.conventions == "textbook"
        tt = self.tests(adjust=True) if textbook else self.test_table
        cols = ["window", "test", "estimate", "statistic", "p_value"]
        cols += ["p_holm", "n", "stars"] if textbook else ["n", "signif"]
        for label, mask in (
            ("All events", tt["group_by"] == "all"),
            ("Firm events only (no MKT)", (tt["group_by"] == "scope") & (tt["group"] == "firm")),
        ):
            sub = tt[mask]
            if len(sub):
                lines.append("")
                caption = f"{label} (estimate = CAAR; estudy2 daily tests: AAR):"
                lines.append(caption)
                tab = sub[cols]
                lines.append(tab.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
                blocks.append(Table(tab, _TEST_FORMATS, caption=caption, labels=_TEST_LABELS))
        if textbook and len(tt):
            lines.append(f"Note: {STAR_RULE}")
            blocks.append(STAR_RULE)
        if len(self.skipped):
            lines.append("")
            lines.append("Skipped:")
            for _, r in self.skipped.iterrows():
                lines.append(f"  {r['event_id']}: {r['reason']}")
            sk = self.skipped[["event_id", "reason"]]
            blocks.append(
                Table(sk, caption="Skipped", labels={"event_id": "Event", "reason": "Reason"})
            )
        for note in self.notes:
            lines.append(f"Note: {note}")
            blocks.append(f"Note: {note}")
        return Summary("\n".join(lines), blocks, title="Event study")

    def __str__(self) -> str:
        return str(self.summary())

    def __repr__(self) -> str:
        n_est = int((self.events["status"] == "estimated").sum())
        return short_repr(
            "EventStudyResult",
            [("model", repr(self.model)),
             ("windows", ", ".join(f"[{a},{b}]" for a, b in self.windows)),
             ("estimated", n_est), ("skipped", len(self.skipped)),
             ("grid", f"{self.date_range[0]} to {self.date_range[1]}")],
        )  # fmt: skip

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()

    def aar(self, by: str | None = None) -> pd.DataFrame:
        """Average abnormal return by event day ``tau``: overall or per group.

        Parameters
        ----------
        by
            None (all events), ``"event_type"``, ``"ticker"`` or ``"scope"`` (firm vs
            market-wide events).

        Returns
        -------
        DataFrame
            Index ``tau``; one column per group (``"all"`` when ``by`` is None):
            ``AAR_tau = mean_i AR_i,tau`` over the events with a return that day.
            ``.cumsum()`` gives the CAAR path.
        """
        ar = self.abnormal_returns
        if by is None:
            return ar.mean(axis=1).to_frame("all")
        meta = self.events.set_index("event_id")
        if by == "scope":
            labels: pd.Series = pd.Series(
                np.where(meta["parent_id"] == meta.index, "firm", "market"),
                index=meta.index,
                dtype=str,
            )
        elif by in ("event_type", "ticker"):
            labels = meta[by].astype(str)
        else:
            raise DataError(f"by={by!r}; use None, 'event_type', 'ticker' or 'scope'.")
        groups = labels.reindex(ar.columns)
        return ar.T.groupby(groups.to_numpy()).mean().T

    def car_paths(self) -> pd.DataFrame:
        """Cumulative abnormal returns by ``tau`` from the first window day, per event."""
        return self.abnormal_returns.cumsum()

    def plot(
        self, *, event_ids: list[str] | None = None, level: float = 0.95, ax: Any = None
    ) -> Any:
        """CAAR path with a confidence band, and each event's CAR path if few.

        Parameters
        ----------
        event_ids
            Events to include (default all estimated).
        level
            Confidence level of the band: ``CAAR +- z sd_i(CAR_i) / sqrt(N)`` for five or
            more events; for fewer, a band per event ``CAR +- z s sqrt(tau - tau0 + 1)``
            (residual sd, parameter error ignored).
        ax
            Matplotlib axes to draw on (a new figure if None).

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt
        from scipy.stats import norm

        paths = self.car_paths()
        if event_ids is not None:
            paths = paths[[c for c in event_ids if c in paths.columns]]
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4.5))
        z = float(norm.ppf(0.5 + level / 2))
        taus = paths.index.to_numpy()
        n = paths.shape[1]
        if n == 0:
            ax.set_title("No estimated events")
            return ax
        if n <= 12:
            for c in paths.columns:
                ax.plot(taus, paths[c], lw=0.9, alpha=0.6 if n > 1 else 1.0, label=c)
        caar = paths.mean(axis=1)
        if n >= 5:
            half = z * paths.std(axis=1, ddof=1) / np.sqrt(paths.notna().sum(axis=1))
            ax.plot(taus, caar, color="black", lw=2, label=f"CAAR (N={n})")
            ax.fill_between(
                taus, caar - half, caar + half, color="grey", alpha=0.25, label=f"{level:.0%} band"
            )
        else:
            sig = self.params.set_index("event_id")["sigma"]
            steps = np.sqrt(np.arange(1, len(taus) + 1))
            for c in paths.columns:
                half_c = z * float(sig.loc[c]) * steps
                ax.fill_between(taus, paths[c] - half_c, paths[c] + half_c, alpha=0.15)
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5, ls=":")
        ax.set_xlabel("trading days relative to day 0")
        ax.set_ylabel("cumulative abnormal return")
        ax.set_title(f"CAR paths, {self.model} model")
        if n <= 12:
            ax.legend(fontsize=7)
        return ax
