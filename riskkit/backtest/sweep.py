"""Parameter sweeps: every grid point on every ticker, one vectorbt call per ticker."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from riskkit._errors import DataError
from riskkit.backtest._metrics import equity_returns
from riskkit.backtest.engine import Ambiguity, run_backtest
from riskkit.backtest.results import BacktestResult
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


def sweep(
    bars_by_ticker: Mapping[str, pd.DataFrame],
    factory: Callable[..., Signals],
    grid: Mapping[str, Sequence[Any]] | Sequence[dict[str, Any]],
    *,
    fees: float = 0.001,
    slippage: float = 0.001,
    ambiguity: Ambiguity = "stop_first",
    init_cash: float = 100_000.0,
    factory_kwargs: Mapping[str, Mapping[str, Any]] | None = None,
    progress: bool = True,
) -> BacktestResult:
    """Backtest every grid point on every ticker and report the deflated Sharpe of the best.

    Parameters
    ----------
    bars_by_ticker
        ``ticker -> bars`` (open/high/low/close, e.g. :func:`riskkit.backtest.bars_for`).
    factory
        ``factory(bars, **point, **factory_kwargs[ticker]) -> Signals`` (a strategy).
    grid
        ``{name: [values...]}`` (Cartesian product) or an explicit list of points.
    fees, slippage, ambiguity, init_cash
        Passed to :func:`riskkit.backtest.run_backtest`.
    factory_kwargs
        Extra per-ticker arguments for the factory (e.g. a BTC series).
    progress
        Show a tqdm progress bar over configurations.

    Returns
    -------
    BacktestResult
        All configurations; ``extras`` holds the best configuration by Sharpe, the
        number of trials and its deflated Sharpe ratio (:func:`sweep_deflated_sharpe`).

    Examples
    --------
    >>> idx = pd.date_range("2024-01-01", periods=30, freq="B")
    >>> c = pd.Series(np.linspace(10, 13, 30), index=idx)
    >>> bars = pd.DataFrame({"open": c, "high": c * 1.01, "low": c * 0.99, "close": c})
    >>> f = lambda b, stop: Signals(entries=pd.Series(b.index == b.index[0], index=b.index),
    ...                             sl_stop=stop)
    >>> res = sweep({"X": bars}, f, {"stop": [0.005, 0.05]}, progress=False)
    >>> res.stats["trades"].tolist()  # the 0.5% stop is hit on the entry bar
    [1.0, 0.0]
    """
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


def sweep_deflated_sharpe(res: BacktestResult, *, by_ticker: bool = False) -> dict[str, Any]:
    """Deflated Sharpe ratio of a sweep's best configuration (best by Sharpe).

    Notes
    -----
    The trials are all configurations with a finite Sharpe; ``sharpe_variance`` is the
    ddof=1 variance of their *per-period* Sharpe ratios (mean/sd of daily returns), and
    the DSR is :func:`riskkit.risk.deflated_sharpe_ratio` of the best configuration's
    daily returns: the probability that its true Sharpe exceeds the Sharpe expected from
    the best of ``n_trials`` skill-less trials (Bailey and Lopez de Prado, 2014). The
    trials of a grid are correlated, so ``n_trials`` overstates the independent trials
    and the DSR is conservative.
    """
    from riskkit.risk import deflated_sharpe_ratio

    init = float(res.settings["init_cash"])
    groups = (
        res.params.groupby("ticker").groups.items() if by_ticker else [("all", res.stats.index)]
    )
    out: dict[str, Any] = {}
    rows = []
    for name, labels in groups:
        per = {}
        for lab in labels:
            r = equity_returns(res.equity[lab].dropna(), init)
            sd = float(r.std(ddof=1))
            if sd > 0:
                per[lab] = float(r.mean()) / sd
        if len(per) < 2:
            rows.append(
                {"group": name, "best": None, "n_trials": len(per), "deflated_sharpe": np.nan}
            )
            continue
        srs = pd.Series(per)
        best = str(srs.idxmax())
        r = equity_returns(res.equity[best].dropna(), init)
        var = float(srs.var(ddof=1))
        dsr = deflated_sharpe_ratio(r, n_trials=len(srs), sharpe_variance=var)
        best_sr: float = res.stats["sharpe"].astype(float).to_dict()[best]
        rows.append(
            {
                "group": name,
                "best": best,
                "n_trials": len(srs),
                "deflated_sharpe": float(dsr),  # type: ignore[arg-type]
                "best_sharpe": best_sr,
            }
        )
    if not by_ticker:
        row = rows[0]
        out = {
            "best_config": row["best"],
            "best_sharpe": row.get("best_sharpe", np.nan),
            "n_trials": row["n_trials"],
            "deflated_sharpe": row["deflated_sharpe"],
        }
    else:
        out = {"dsr_by_ticker": pd.DataFrame(rows).set_index("group")}
    return out
