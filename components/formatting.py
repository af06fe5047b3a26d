"""Locale-aware display of KPI values (numbers, percentages, money, minutes, km)."""

from __future__ import annotations

import math
from typing import Any

# How each KPI is shown: percent, money, decimal or integer.
KPI_KINDS = {
    "visits": "int",
    "rep_days": "int",
    "visits_per_rep_day": "dec",
    "effective_per_rep_day": "dec",
    "effective_rate": "pct",
    "plan_adherence": "pct",
    "sop_completion": "pct",
    "avg_dwell_min": "dec",
    "km_per_visit": "dec",
    "expense_per_visit": "money",
    "order_per_visit": "money",
    "online_rate": "pct",
    "km": "dec",
    "expense": "money",
    "orders": "money",
}


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_value(value: Any, kind: str, lang: str) -> str:
    """Format one value; a missing value (zero denominator) shows as an em dash."""
    if is_missing(value):
        return "—"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "money":
        return f"¥{value:,.2f}" if lang == "zh" else f"CN¥{value:,.2f}"
    if kind == "int":
        return f"{round(value):,}"
    return f"{value:,.1f}"


def fmt_kpi(key: str, value: Any, lang: str) -> str:
    return fmt_value(value, KPI_KINDS.get(key, "dec"), lang)


def fmt_change(change: Any) -> tuple[str, str]:
    """Return the text and Bootstrap colour of a relative change (e.g. '+4.2%')."""
    if is_missing(change):
        return "—", "secondary"
    sign = "+" if change > 0 else ""
    colour = "success" if change > 0 else ("danger" if change < 0 else "secondary")
    return f"{sign}{change * 100:.1f}%", colour
