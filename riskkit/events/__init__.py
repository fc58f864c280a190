"""Event studies: catalog and day 0, normal-return models, test statistics, the engine."""

from __future__ import annotations

from riskkit.events import estudy2

__all__ = ["estudy2"]
