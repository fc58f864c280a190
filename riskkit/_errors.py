"""Exceptions and warnings raised by riskkit.

Every error message says three things: what was received, what is allowed, and how to
fix it. Raise with these classes, never with ``assert``.
"""

from __future__ import annotations

__all__ = ["DataError", "RiskkitError", "RiskkitWarning", "SourceUnavailableError"]


class RiskkitError(Exception):
    """Base class of every error riskkit raises on purpose."""


class DataError(RiskkitError, ValueError):
    """Input data (prices, returns, events, parameters) are unusable as given."""


class SourceUnavailableError(RiskkitError):
    """A data source (Yahoo, the cache) cannot serve the request (offline, empty answer)."""


class RiskkitWarning(UserWarning):
    """Something was dropped, replaced or is doubtful; the message says what and why."""
