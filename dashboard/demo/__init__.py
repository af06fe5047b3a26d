"""Generate a deterministic demo company: pure, seeded contract wire records of a field force."""

from dashboard.demo.company import Departure, departure, estimate_record_count, iter_demo_batches
from dashboard.demo.config import LOCAL_TZ, MAX_BATCH_RECORDS, DemoConfig, InjectedCase
from dashboard.rules import AUTHENTICITY_RULES, EXPENSE_RULES  # the rules the demo injects

__all__ = [
    "AUTHENTICITY_RULES",
    "EXPENSE_RULES",
    "LOCAL_TZ",
    "MAX_BATCH_RECORDS",
    "DemoConfig",
    "Departure",
    "InjectedCase",
    "departure",
    "estimate_record_count",
    "iter_demo_batches",
]
