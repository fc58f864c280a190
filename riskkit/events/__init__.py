"""Event studies: catalog and day 0, normal-return models, test statistics, the engine."""

from __future__ import annotations

from riskkit.events import bootstrap, estudy2, garch_ar, grank, multiple, stats
from riskkit.events._engine import ALL_TESTS
from riskkit.events.calendar_time import (
    CalendarTimeResult,
    calendar_time,
    calendar_time_section,
)
from riskkit.events.catalog import (
    TIMINGS,
    assign_day0,
    audit_catalog,
    expand_market_events,
    load_events,
)
from riskkit.events.cross_section import (
    CrossSectionResult,
    cross_section,
    cross_section_section,
)
from riskkit.events.long_horizon import (
    LongHorizonResult,
    bootstrap_skewness_adjusted_t,
    long_horizon,
    long_horizon_section,
    skewness_adjusted_t,
)
from riskkit.events.models import MODELS, ModelFit, fit_model
from riskkit.events.multiple import adjust_pvalues
from riskkit.events.overlaps import find_overlaps, overlap_counts
from riskkit.events.report import key_event_table, write_event_report
from riskkit.events.results import EventStudyResult
from riskkit.events.simulate import SimulationResult, simulate
from riskkit.events.study import bundled_returns_and_factors, event_study

__all__ = [
    "ALL_TESTS",
    "MODELS",
    "TIMINGS",
    "CalendarTimeResult",
    "CrossSectionResult",
    "EventStudyResult",
    "LongHorizonResult",
    "ModelFit",
    "SimulationResult",
    "adjust_pvalues",
    "assign_day0",
    "audit_catalog",
    "bootstrap",
    "bootstrap_skewness_adjusted_t",
    "bundled_returns_and_factors",
    "calendar_time",
    "calendar_time_section",
    "cross_section",
    "cross_section_section",
    "estudy2",
    "event_study",
    "expand_market_events",
    "find_overlaps",
    "garch_ar",
    "grank",
    "overlap_counts",
    "fit_model",
    "key_event_table",
    "load_events",
    "multiple",
    "long_horizon",
    "long_horizon_section",
    "simulate",
    "skewness_adjusted_t",
    "stats",
    "write_event_report",
]
