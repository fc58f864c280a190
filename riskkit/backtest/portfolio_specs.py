"""The options of a portfolio run, as small frozen dataclasses validated on construction:
:class:`Sizing` (how big each position is), :class:`Costs` (fees, slippage, borrow, cash
interest, volume cap) and :class:`Overlay` (account drawdown stop, BTC-level rule).

See :func:`riskkit.backtest.portfolio.run_portfolio` for how each field acts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from riskkit._errors import DataError

__all__ = ["Costs", "Overlay", "Sizing"]

SizingRule = Literal["fixed", "equal", "vol_target"]
SlippageModel = Literal["fixed", "range", "vol"]
BtcMode = Literal["scale", "hedge"]


def _fraction(
    name: str,
    v: float | None,
    *,
    lo: float = 0.0,
    hi: float = 1.0,
    open_lo: bool = False,
    allow_none: bool = False,
) -> None:
    if v is None and allow_none:
        return
    ok = False
    if isinstance(v, int | float | np.floating | np.integer) and not isinstance(v, bool):
        x = float(v)
        ok = bool(np.isfinite(x)) and (x > lo if open_lo else x >= lo) and x <= hi
    if not ok:
        side = "(" if open_lo else "["
        raise DataError(
            f"{name}={v!r} is not allowed; it must be a number in {side}{lo:g}, {hi:g}]"
            + (" or None" if allow_none else "")
            + "."
        )


def _count(name: str, v: int | None, *, allow_none: bool = True, lo: int = 1) -> None:
    if v is None and allow_none:
        return
    if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < lo:
        raise DataError(
            f"{name}={v!r} is not allowed; it must be an integer >= {lo}"
            + (" or None" if allow_none else "")
            + "."
        )


@dataclass(frozen=True)
class Sizing:
    """How large each position is, as a weight of the account's equity.

    Attributes
    ----------
    rule
        ``"fixed"``: every position gets ``fraction`` of equity. ``"equal"``: equal slots,
        ``1 / max_positions`` of equity each. ``"vol_target"``: ``target_vol / sigma``,
        with ``sigma`` the name's annualised volatility of the last ``vol_window`` daily
        returns up to the decision bar (ex ante, on its own calendar).
    fraction
        The weight of the ``"fixed"`` rule (0.1 = 10% of equity a position).
    max_positions
        At most this many names held at once (required by ``"equal"``); an entry while
        all are taken is skipped and counted. None: no limit.
    target_vol, vol_window
        Annualised volatility aimed at per position and the window (returns) of its
        estimate (``"vol_target"``).
    max_weight
        The cap of any name's weight (applied after the rule).
    rebalance
        None: a position keeps the shares bought at its entry. ``N``: every ``N`` days of
        the union calendar each open position is traded back to its rule's weight of the
        current equity (costs on every such fill).
    """

    rule: SizingRule = "fixed"
    fraction: float = 0.1
    max_positions: int | None = None
    target_vol: float = 0.2
    vol_window: int = 20
    max_weight: float = 1.0
    rebalance: int | None = None

    def __post_init__(self) -> None:
        if self.rule not in ("fixed", "equal", "vol_target"):
            raise DataError(
                f"Sizing.rule={self.rule!r} is not allowed; use 'fixed', 'equal' or 'vol_target'."
            )
        _fraction("Sizing.fraction", self.fraction, open_lo=True)
        _fraction("Sizing.max_weight", self.max_weight, open_lo=True)
        _fraction("Sizing.target_vol", self.target_vol, open_lo=True, hi=10.0)
        _count("Sizing.max_positions", self.max_positions)
        _count("Sizing.vol_window", self.vol_window, allow_none=False, lo=2)
        _count("Sizing.rebalance", self.rebalance)
        if self.rule == "equal" and self.max_positions is None:
            raise DataError(
                "Sizing(rule='equal') needs max_positions (each slot is 1/max_positions of "
                "equity), e.g. Sizing(rule='equal', max_positions=5)."
            )


@dataclass(frozen=True)
class Costs:
    """Trading and carrying costs of a portfolio run.

    Attributes
    ----------
    fees
        Fraction of traded value on every fill (0.001 = 10 bp).
    slippage
        ``"fixed"`` model: fraction of price against the trader on every fill.
    slippage_model
        ``"fixed"``; ``"range"``: ``slippage_k x (high - low) / open`` of the fill's bar;
        ``"vol"``: ``slippage_k x`` the name's daily volatility of the last 20 returns up
        to the bar before the fill. Capped at 50%.
    slippage_k
        The multiple of the ``"range"`` and ``"vol"`` models.
    borrow
        Annual borrow rate of a short, per ticker (``{"BITF": 0.25}`` for a hard-to-borrow
        name); tickers not named pay ``borrow_default``. Accrued on the short's value at
        each close for the calendar days to the next day of the calendar (a Friday close
        pays the weekend), /365.
    borrow_default
        The rate of every ticker not in ``borrow``.
    cash_rate
        Annual interest on the cash balance, accrued the same way (a negative balance
        pays it).
    volume_cap
        Fills limited to this fraction of the bar's volume (0.01 = 1%); the rest of the
        order fills on the name's next bars and is counted. None: no cap.
    """

    fees: float = 0.001
    slippage: float = 0.001
    slippage_model: SlippageModel = "fixed"
    slippage_k: float = 0.1
    borrow: Mapping[str, float] = field(default_factory=dict)
    borrow_default: float = 0.0
    cash_rate: float = 0.0
    volume_cap: float | None = None

    def __post_init__(self) -> None:
        _fraction("Costs.fees", self.fees, hi=0.5)
        _fraction("Costs.slippage", self.slippage, hi=0.5)
        if self.slippage_model not in ("fixed", "range", "vol"):
            raise DataError(
                f"Costs.slippage_model={self.slippage_model!r} is not allowed; use 'fixed', "
                "'range' or 'vol'."
            )
        _fraction("Costs.slippage_k", self.slippage_k, hi=10.0)
        if not isinstance(self.borrow, Mapping):
            raise DataError(
                f"Costs.borrow must be a mapping ticker -> annual rate, got "
                f"{type(self.borrow).__name__}; e.g. {{'BITF': 0.25}}."
            )
        for t, r in self.borrow.items():
            _fraction(f"Costs.borrow[{t!r}]", r, hi=10.0)
        _fraction("Costs.borrow_default", self.borrow_default, hi=10.0)
        _fraction("Costs.cash_rate", self.cash_rate, lo=-1.0)
        _fraction("Costs.volume_cap", self.volume_cap, open_lo=True, allow_none=True)

    def borrow_rate(self, ticker: str) -> float:
        """The annual borrow rate of ``ticker``."""
        return float(self.borrow.get(ticker, self.borrow_default))


@dataclass(frozen=True)
class Overlay:
    """Account-level risk rules laid over the strategy's decisions.

    Attributes
    ----------
    drawdown_stop
        When the equity at a close is at or below ``(1 - drawdown_stop)`` x its running
        peak, every position is closed at the next opens and no entry is taken.
    cooldown
        Days of the union calendar after the stop before entries are taken again (the
        peak restarts at the equity then). None: the account stays out.
    btc_level
        While the BTC-USD close known at a close is below this level (USD, e.g. 112000),
        the book is de-risked: each position's target weight times ``btc_scale``
        (``btc_mode="scale"``; 0 exits), or kept and hedged with a BTC-USD short of
        ``hedge_ratio`` x the book's net exposure (``btc_mode="hedge"``), each name's
        value weighted by its BTC beta when ``hedge_beta_window`` is set. When BTC closes
        back at or above the level, positions the strategy still holds return to full size
        and the hedge is closed.
    hedge_beta_window
        None: every name counts with beta 1. ``N``: each name's BTC beta is the OLS slope
        (cov/var, ddof=1 in both) of its last ``N`` close-to-close returns on BTC's return
        between the BTC closes known at the same two bars, up to the decision day; 1 until
        ``N`` pairs exist.
    """

    drawdown_stop: float | None = None
    cooldown: int | None = None
    btc_level: float | None = None
    btc_mode: BtcMode = "scale"
    btc_scale: float = 0.0
    hedge_ratio: float = 1.0
    hedge_beta_window: int | None = None

    def __post_init__(self) -> None:
        _fraction("Overlay.drawdown_stop", self.drawdown_stop, open_lo=True, allow_none=True)
        _count("Overlay.cooldown", self.cooldown)
        if self.btc_level is not None and not (
            isinstance(self.btc_level, int | float) and np.isfinite(self.btc_level)
            and self.btc_level > 0
        ):  # fmt: skip
            raise DataError(
                f"Overlay.btc_level={self.btc_level!r} must be a positive price in USD "
                "(e.g. 112000) or None."
            )
        if self.btc_mode not in ("scale", "hedge"):
            raise DataError(
                f"Overlay.btc_mode={self.btc_mode!r} is not allowed; use 'scale' or 'hedge'."
            )
        _fraction("Overlay.btc_scale", self.btc_scale)
        _fraction("Overlay.hedge_ratio", self.hedge_ratio, hi=5.0)
        _count("Overlay.hedge_beta_window", self.hedge_beta_window, lo=10)
