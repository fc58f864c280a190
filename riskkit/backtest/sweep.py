"""Parameter sweeps: a factory per configuration, or a grid over ``Signals`` fields.

Two forms of one function, :func:`sweep`:

- **grid-native** (``sweep(bars, base_signals, grid={...})``): no Python per
  configuration; statistics streamed by the fused kernel, chunk by chunk, in parallel.
  Returns a :class:`~riskkit.backtest.results.SweepResult` (``.stats``, ``.params``,
  ``.best``, ``.detail``). The form for thousands to millions of configurations.
- **factory** (``sweep(bars, factory, grid)``): ``factory(bars, **point)`` builds each
  configuration's :class:`Signals` (any strategy); every configuration is recorded
  (equity and trades). Returns a :class:`~riskkit.backtest.results.BacktestResult`.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, overload

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.backtest._metrics import equity_returns
from riskkit.backtest.engine import FILL_CONTRACT, Ambiguity, check_costs, run_backtest
from riskkit.backtest.results import BacktestResult, SweepResult
from riskkit.backtest.signals import Signals

__all__ = ["grid_points", "sweep", "sweep_deflated_sharpe"]


def grid_points(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Cartesian product of a parameter grid, as a list of dicts.

    Examples
    --------
    >>> grid_points({"a": [1, 2], "b": ["x"]})
    [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'x'}]
    """
    if not grid:
        return [{}]
    for k, v in grid.items():
        if isinstance(v, str) or not isinstance(v, Sequence) or len(v) == 0:
            raise DataError(f"grid[{k!r}] must be a non-empty list of values, got {v!r}.")
    keys = list(grid)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]


def _label(ticker: str, p: dict[str, Any]) -> str:
    return ticker + "|" + "|".join(f"{k}={v}" for k, v in p.items())


@overload
def sweep(
    bars_by_ticker: Mapping[str, pd.DataFrame],
    signals: Callable[..., Signals],
    grid: Mapping[str, Sequence[Any]] | Sequence[dict[str, Any]],
    *,
    fees: float = ...,
    slippage: float = ...,
    ambiguity: Ambiguity = ...,
    init_cash: float = ...,
    factory_kwargs: Mapping[str, Mapping[str, Any]] | None = ...,
    progress: bool = ...,
    atr_window: int = ...,
    chunk_size: int = ...,
    client: Any = ...,
    chunk_dir: str | os.PathLike[str] | None = ...,
    retries: int = ...,
) -> BacktestResult: ...


@overload
def sweep(
    bars_by_ticker: Mapping[str, pd.DataFrame],
    signals: Mapping[str, Signals | Mapping[str, Signals]],
    grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Sequence[Any]]],
    *,
    fees: float = ...,
    slippage: float = ...,
    ambiguity: Ambiguity = ...,
    init_cash: float = ...,
    factory_kwargs: Mapping[str, Mapping[str, Any]] | None = ...,
    progress: bool = ...,
    atr_window: int = ...,
    chunk_size: int = ...,
    client: Any = ...,
    chunk_dir: str | os.PathLike[str] | None = ...,
    retries: int = ...,
) -> SweepResult: ...


def sweep(
    bars_by_ticker: Mapping[str, pd.DataFrame],
    signals: Any,
    grid: Any,
    *,
    fees: float = 0.001,
    slippage: float = 0.001,
    ambiguity: Ambiguity = "stop_first",
    init_cash: float = 100_000.0,
    factory_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
    progress: bool = True,
    atr_window: int = 14,
    chunk_size: int = 50_000,
    client: Any = None,
    chunk_dir: str | os.PathLike[str] | None = None,
    retries: int = 3,
) -> BacktestResult | SweepResult:
    """Backtest every configuration on every ticker; deflated Sharpe of the best.

    Parameters
    ----------
    bars_by_ticker
        ``ticker -> bars`` (open/high/low/close, e.g. :func:`riskkit.backtest.bars_for`),
        each on its own calendar.
    signals
        Grid-native form: ``ticker -> Signals`` or ``ticker -> {name: Signals}`` (base
        signals, e.g. one per entry rule of ``strategies/``). Factory form: a callable
        ``factory(bars, **point, **factory_kwargs[ticker]) -> Signals``.
    grid
        Grid-native form: ``{axis: [values]}`` or a list of such mappings (their union),
        axes from :data:`riskkit.backtest.grid.GRID_AXES`: ``signals`` (base names),
        ``sl_stop`` (fraction), ``sl_atr`` (multiple of ATR(``atr_window``), a price
        distance), ``tp_stop``, ``sl_trail``, ``after_stop``, ``after_stop_bars``; None
        means none; an axis not on the grid keeps the base signals' value. Factory form:
        ``{name: [values]}`` (Cartesian product) or a list of points.
    fees, slippage, ambiguity, init_cash
        As in :func:`riskkit.backtest.run_backtest`.
    factory_kwargs
        Factory form: extra per-ticker arguments for the factory (e.g. a BTC series).
    progress
        Show a tqdm progress bar (over configurations; the grid form updates per chunk).
    atr_window
        Grid form: Wilder window of ``sl_atr`` (:func:`riskkit.backtest.atr`).
    chunk_size
        Grid form: configurations per kernel call; memory grows with it, not the grid.
    client
        Grid form: a ``dask.distributed`` Client (``pip install "riskkit[dask]"``) to run
        the chunks on a cluster: each ticker's price and signal arrays are scattered to
        every worker once, each chunk's task carries its configurations' kernel arrays
        (72 bytes a configuration) and returns only their statistics (160 bytes a
        configuration). The table equals a local run exactly, in the same row order,
        whatever the workers or ``chunk_size``; :meth:`SweepResult.detail` re-runs
        locally. None (default) runs locally and never imports Dask, unless the call is
        inside a :func:`riskkit.backtest.use_client` block.
    chunk_dir
        Grid form: a folder where each finished chunk is written as a Parquet file
        (atomically); a rerun with the same inputs and ``chunk_size`` reads the chunks
        already there and computes only the rest (an interrupted sweep resumes). Works
        with and without ``client``.
    retries
        Grid form with ``client``: extra attempts of a chunk whose task raised (Dask's
        ``retries``). A chunk lost with its worker is re-sent by the scheduler anyway;
        ``settings["execution"]`` lists every chunk that ran more than once.

    Returns
    -------
    SweepResult or BacktestResult
        Grid form: :class:`SweepResult`; factory form: :class:`BacktestResult` with every
        configuration's equity and trades. Both carry the deflated Sharpe in ``extras``
        (:func:`sweep_deflated_sharpe`).
        The grid form records how it ran in ``settings["execution"]`` (backend, chunks,
        chunks read from ``chunk_dir``, workers, chunks run again, and a ``note``).

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=30, freq="B")
    >>> c = pd.Series(np.linspace(10, 13, 30), index=idx)
    >>> bars = pd.DataFrame({"open": c, "high": c * 1.01, "low": c * 0.99, "close": c})
    >>> base = Signals(entries=pd.Series(bars.index == bars.index[0], index=bars.index))
    >>> res = sweep({"X": bars}, {"X": base}, {"sl_stop": [0.005, 0.05]}, progress=False)
    >>> res.stats["trades"].tolist()  # the 0.5% stop is hit on the entry bar
    [1.0, 0.0]
    >>> f = lambda b, stop: Signals(entries=pd.Series(b.index == b.index[0], index=b.index),
    ...                             sl_stop=stop)
    >>> sweep({"X": bars}, f, {"stop": [0.005, 0.05]}, progress=False).stats["trades"].tolist()
    [1.0, 0.0]
    """
    if not callable(signals):
        return _grid_sweep(
            bars_by_ticker, signals, grid, fees=fees, slippage=slippage, ambiguity=ambiguity,
            init_cash=init_cash, atr_window=atr_window, chunk_size=chunk_size, progress=progress,
            client=client, chunk_dir=chunk_dir, retries=retries,
        )  # fmt: skip
    if client is not None or chunk_dir is not None:
        raise DataError(
            "client= and chunk_dir= run the grid-native form only (base signals and a grid "
            "over Signals fields); the factory form runs Python per configuration, locally."
        )
    factory = signals
    from tqdm.auto import tqdm

    points = grid_points(grid) if isinstance(grid, Mapping) else [dict(p) for p in grid]
    if not bars_by_ticker:
        raise DataError("bars_by_ticker is empty; pass at least one ticker's bars.")
    results = []
    total = len(points) * len(bars_by_ticker)
    with tqdm(total=total, desc="sweep", unit="cfg", disable=not progress) as bar:
        for ticker, bars in bars_by_ticker.items():
            extra = dict((factory_kwargs or {}).get(ticker, {}))
            sigs: dict[str, Signals] = {}
            for p in points:
                s = factory(bars, **p, **extra)
                sigs[_label(ticker, p)] = s
                bar.update(1)
            bar.set_postfix_str(f"{ticker}: simulating {len(sigs)} configs")
            results.append(
                run_backtest(
                    bars,
                    sigs,
                    fees=fees,
                    slippage=slippage,
                    ambiguity=ambiguity,
                    init_cash=init_cash,
                    ticker=ticker,
                )  # fmt: skip
            )
    res = BacktestResult.concat(results)
    res.extras.update(sweep_deflated_sharpe(res))
    res.extras["grid_size"] = len(points)
    return res


def _grid_sweep(
    bars_by_ticker: Mapping[str, pd.DataFrame],
    signals: Mapping[str, Signals | Mapping[str, Signals]],
    grid: Any,
    **kw: Any,
) -> SweepResult:
    from riskkit.backtest.grid import check_chunk_size, plan_grid, run_grid

    client, chunk_dir, retries = kw.pop("client"), kw.pop("chunk_dir"), kw.pop("retries")
    if client is None:
        from riskkit.backtest._distributed import current_client

        client = current_client()  # a riskkit.backtest.use_client block, if any
    if client is None and chunk_dir is None:
        stats, params, fp, spec, ppy = run_grid(bars_by_ticker, signals, grid, **kw)
        execution: dict[str, Any] = {"backend": "local", "chunk_size": kw["chunk_size"]}
    else:
        from riskkit.backtest._distributed import run_plan

        check_costs(kw["fees"], kw["slippage"], kw["ambiguity"], kw["init_cash"])
        chunk_size = check_chunk_size(kw.pop("chunk_size"))
        progress = kw.pop("progress")
        if client is not None:
            from riskkit._cluster import check_client

            check_client(client)
        plan = plan_grid(bars_by_ticker, signals, grid, **kw)
        parts, execution = run_plan(
            plan, chunk_size=chunk_size, client=client, chunk_dir=chunk_dir, retries=retries,
            progress=progress,
        )  # fmt: skip
        stats, params, fp, spec, ppy = plan.assemble(parts)
    bars = spec.bars
    settings = {
        "fill_contract": FILL_CONTRACT.format(rule=kw["ambiguity"]),
        **spec.costs,
        "periods_per_year": ppy,
        "atr_window": kw["atr_window"],
        "first": min(str(b.index[0].date()) for b in bars.values()),
        "last": max(str(b.index[-1].date()) for b in bars.values()),
        "range_by_ticker": {
            t: (str(b.index[0].date()), str(b.index[-1].date()), len(b)) for t, b in bars.items()
        },
        "engine": "riskkit fused kernel, grid-native sweep",
        "execution": execution,
    }
    return SweepResult(
        stats=stats, params=params, settings=settings, extras={}, fingerprint=fp, spec=spec
    )


def grid_deflated_sharpe(res: SweepResult, *, by_ticker: bool = False) -> dict[str, Any]:
    """Deflated Sharpe of a grid sweep's best configuration (pooled, or per ticker).

    Distinct trials by equity fingerprint; formula in :func:`deflated_sharpe_of_trials`.
    """
    init = float(res.settings["init_cash"])
    ppy_cfg = res.params["ticker"].astype(str).map(res.settings["periods_per_year"]).astype(float)
    distinct = res.distinct()
    sharpe = res.stats["sharpe"]

    def returns_of(cfg: Any) -> pd.Series:
        return equity_returns(res.detail(int(cfg)).equity.iloc[:, 0], init)

    if not by_ticker:
        return deflated_sharpe_of_trials(sharpe, ppy_cfg, distinct, returns_of)
    rows = {}
    for t, idx in res.params.groupby("ticker", observed=True).groups.items():
        rows[t] = deflated_sharpe_of_trials(sharpe[idx], ppy_cfg[idx], distinct[idx], returns_of)
    return {"dsr_by_ticker": pd.DataFrame(rows).T.rename_axis("ticker")}


def deflated_sharpe_of_trials(
    sharpe: pd.Series,
    periods_per_year: pd.Series,
    distinct: pd.Series,
    returns_of: Callable[[Any], pd.Series],
) -> dict[str, Any]:
    r"""Deflated Sharpe of the best of a set of trials, counting distinct strategies only.

    Parameters
    ----------
    sharpe
        Annualised Sharpe ratio of each trial (NaN: no variance, not a trial).
    periods_per_year
        Each trial's calendar (252 sessions, 365 days).
    distinct
        True for the first trial of each distinct equity curve: identical curves are
        one strategy, however many parameter sets produced them.
    returns_of
        ``label -> daily returns`` of a trial (called for the best one only).

    Notes
    -----
    The best trial is the highest annualised Sharpe. All trials are put on *one calendar*,
    the best trial's (:math:`P^*` periods a year): :math:`SR_i = SR^{ann}_i/\sqrt{P^*}`,
    so a 365-day and a 252-session Sharpe are not mixed as per-period numbers.
    ``sharpe_variance`` is the ddof=1 variance of the distinct trials' :math:`SR_i`,
    ``n_trials`` their count, and the DSR is :func:`riskkit.risk.deflated_sharpe_ratio`
    of the best trial's returns (Bailey and Lopez de Prado, 2014). ``n_trials_raw``
    counts every trial with a Sharpe. Grid trials are correlated, so even the distinct
    count overstates the independent trials and the DSR stays conservative.
    """
    from riskkit.risk import deflated_sharpe_ratio

    ok = sharpe.notna() & np.isfinite(sharpe.astype(float))
    n_raw = int(ok.sum())
    keep = ok & distinct.reindex(sharpe.index).fillna(False).astype(bool)
    out: dict[str, Any] = {
        "best_config": None, "best_sharpe": np.nan, "n_trials_raw": n_raw,
        "n_trials": int(keep.sum()), "sharpe_variance": np.nan, "deflated_sharpe": np.nan,
        "calendar_periods_per_year": np.nan,
    }  # fmt: skip
    if int(keep.sum()) < 2:
        return out
    best: Any = sharpe[ok].astype(float).idxmax()
    p_best = float(periods_per_year[best])
    sr = sharpe[keep].astype(float) / np.sqrt(p_best)
    var = float(sr.var(ddof=1))
    dsr = deflated_sharpe_ratio(returns_of(best), n_trials=int(keep.sum()), sharpe_variance=var)
    out.update(
        best_config=best, best_sharpe=float(sharpe[best]), sharpe_variance=var,
        deflated_sharpe=float(dsr), calendar_periods_per_year=p_best,  # type: ignore[arg-type]
    )  # fmt: skip
    return out


def sweep_deflated_sharpe(res: BacktestResult, *, by_ticker: bool = False) -> dict[str, Any]:
    """Deflated Sharpe ratio of a factory sweep's best configuration (best by Sharpe).

    Trials are the configurations with a finite Sharpe; configurations whose equity
    curves are identical count once (``n_trials``; ``n_trials_raw`` counts them all), and
    every Sharpe is put on the best configuration's calendar: see
    :func:`deflated_sharpe_of_trials` for the formula.
    """
    from riskkit._annualization import infer_periods_per_year

    init = float(res.settings["init_cash"])
    labels = list(res.stats.index)
    ppy: dict[Any, float] = {}
    key: dict[Any, tuple[str, int]] = {}
    tick = res.params["ticker"].astype(str)
    for lab in labels:
        eq = res.equity[lab].dropna()
        ppy[lab] = float(infer_periods_per_year(pd.DatetimeIndex(eq.index)).periods_per_year)
        key[lab] = (str(tick[lab]), hash(eq.to_numpy().tobytes()))
    seen: set[tuple[str, int]] = set()
    first = {}
    for lab in labels:
        first[lab] = key[lab] not in seen
        seen.add(key[lab])
    sharpe = res.stats["sharpe"].astype(float)
    ppy_s, distinct = pd.Series(ppy), pd.Series(first)

    def returns_of(lab: Any) -> pd.Series:
        return equity_returns(res.equity[lab].dropna(), init)

    if not by_ticker:
        return deflated_sharpe_of_trials(sharpe, ppy_s, distinct, returns_of)
    rows = {}
    for t, idx in res.params.groupby("ticker").groups.items():
        rows[t] = deflated_sharpe_of_trials(sharpe[idx], ppy_s[idx], distinct[idx], returns_of)
    table = pd.DataFrame(rows).T.rename_axis("group")
    table = table.rename(columns={"best_config": "best"})
    return {"dsr_by_ticker": table}
