"""How an alert's evidence reads: values in their units, local times, numbers against thresholds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import html

from components.i18n import t

# Evidence value → the threshold it was compared with, and whether exceeding it is the fault.
THRESHOLDS: dict[str, tuple[str, bool]] = {
    "distance_m": ("limit_m", True),
    "speed_mps": ("limit_mps", True),
    "dwell_s": ("min_dwell_s", False),
    "hamming": ("max_hamming", False),
    "gap_s": ("min_gap_s", True),
    "claimed_km": ("limit_km", True),
    "offset_s": ("tolerance_s", True),
    "run_s": ("min_run_s", True),
    "fixes": ("min_fixes", True),
    "days_since": ("limit_days", True),
}
# Evidence keys that name records (shown as references, not as measurements).
REFERENCE_KEYS = (
    "visit_id",
    "customer_id",
    "check_out_id",
    "matched_rep_id",
    "visit_ids",
    "customer_ids",
    "rep_ids",
    "fix_ids",
    "photo_id",
    "matched_photo_id",
    "matched_visit_id",
    "event_id",
    "device_id",
)


def _zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or "Asia/Shanghai")


def as_datetime(value: Any) -> datetime | None:
    """A datetime (naive: UTC) or an ISO string with an offset, aware; None otherwise."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else None
    return None


def local_time(value: Any, tz: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC time shown in a zone ('—' when missing or unreadable)."""
    when = as_datetime(value)
    return when.astimezone(_zone(tz)).strftime(fmt) if when else "—"


def fmt_duration(seconds: float, lang: str) -> str:
    """Seconds as '45 s', '12 min 5 s', '1 h 7 min' (zh: 秒, 分, 小时)."""
    seconds = abs(float(seconds))
    s_unit, m_unit, h_unit = ("秒", "分", "小时") if lang == "zh" else ("s", "min", "h")
    if seconds < 60:
        return f"{seconds:.0f} {s_unit}"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} {m_unit}" + (f" {rest} {s_unit}" if rest else "")
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} {h_unit}" + (f" {rest} {m_unit}" if rest else "")


def fmt_evidence(key: str, value: Any, lang: str, tz: str | None = None) -> str:
    """One evidence value with the unit its key names (``_m``, ``_mps``, ``_s``, ``_km``,
    ``_cny``), times in the rep's zone, reasons and booleans in words."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return t("alerts.yes" if value else "alerts.no", lang)
    if key in ("gap_start", "gap_end", "window_start", "window_end") or key.endswith("_at"):
        return local_time(value, tz)
    if isinstance(value, list | tuple) and key not in REFERENCE_KEYS:
        return ", ".join(str(v) for v in value) or "—"  # e.g. SOP_INCOMPLETE's step codes
    if key == "reason":
        return t(f"gap.reason.{value}", lang)
    if key == "source":
        return t(f"alerts.source.{value}", lang)
    if key == "event_kind":
        return t(f"alerts.device.{value}", lang)
    if key == "provider":
        return t(f"enum.provider.{value}", lang)
    if isinstance(value, int | float):
        number = float(value)
        if key in ("lat", "lon", "customer_lat", "customer_lon"):
            return f"{number:.6f}°"
        if key.endswith("_mps"):
            return f"{number:,.1f} m/s ({number * 3.6:,.0f} km/h)"
        if key.endswith("_m"):
            return f"{number:,.0f} m" if abs(number) < 1000 else f"{number / 1000:,.2f} km"
        if key.endswith("_s"):
            return fmt_duration(number, lang)
        if key.endswith("_km"):
            return f"{number:,.1f} km"
        if key.endswith("_cny"):
            return f"¥{number:,.2f}" if lang == "zh" else f"CN¥{number:,.2f}"
        if key in ("days_since", "limit_days"):
            days = f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"
            return f"{days} 天" if lang == "zh" else f"{days} days"
        if key in ("hamming", "max_hamming"):
            return f"{number:.0f} / 64"
        return f"{number:,.0f}" if number == int(number) else f"{number:,.2f}"
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
            return ", ".join(fmt_evidence(key, v, lang, tz) for v in value)
        return ", ".join(str(item) for item in value)
    return str(value)


def _gap_text(key: str, value: float, limit: float, lang: str) -> str:
    """How far a value lies beyond its threshold, in the key's unit."""
    diff = abs(value - limit)
    text = fmt_evidence(key, diff, lang) if key not in ("hamming",) else f"{diff:.0f}"
    return t("alerts.evidence.over" if value > limit else "alerts.evidence.under", lang).format(
        x=text
    )


def evidence_table(evidence: Mapping[str, Any], *, lang: str, tz: str | None) -> html.Div:
    """The compared numbers against their thresholds, then any other evidence, then the
    records it names."""
    rows, used = [], set()
    for key, (limit_key, _excess_is_fault) in THRESHOLDS.items():
        if key not in evidence:
            continue
        value, limit = evidence.get(key), evidence.get(limit_key)
        used.update((key, limit_key))
        beyond = (
            _gap_text(key, float(value), float(limit), lang)
            if isinstance(value, int | float) and isinstance(limit, int | float)
            else ""
        )
        rows.append(
            html.Tr(
                [
                    html.Th(t(f"alerts.ev.{key}", lang), scope="row"),
                    html.Td(fmt_evidence(key, value, lang, tz), className="fw-semibold"),
                    html.Td(fmt_evidence(limit_key, limit, lang, tz)),
                    html.Td(beyond, className="text-danger small"),
                ],
                id=f"alerts-ev-{key}",
            )
        )
    other = [
        html.Tr(
            [
                html.Th(t(f"alerts.ev.{key}", lang), scope="row"),
                html.Td(fmt_evidence(key, value, lang, tz), colSpan=3),
            ],
            id=f"alerts-ev-{key}",
        )
        for key, value in evidence.items()
        if key not in used and key not in REFERENCE_KEYS and not isinstance(value, dict)
    ]
    refs = [
        html.Span(
            [t(f"alerts.ref.{key}", lang), " ", fmt_evidence(key, evidence[key], lang)],
            className="me-3",
        )
        for key in REFERENCE_KEYS
        if evidence.get(key)
    ]
    head = html.Thead(
        html.Tr(
            [
                html.Th(""),
                html.Th(t("alerts.evidence.measured", lang)),
                html.Th(t("alerts.evidence.threshold", lang)),
                html.Th(""),
            ]
        )
    )
    children: list[Any] = []
    if rows or other:
        children.append(
            dbc.Table(
                [head, html.Tbody(rows + other)],
                size="sm",
                className="alerts-evidence-table mb-2",
                id="alerts-evidence-table",
            )
        )
    if refs:
        children.append(
            html.Div(
                [html.Span(t("alerts.evidence.refs", lang) + ": ", className="me-1"), *refs],
                className="small text-body-secondary alerts-refs",
            )
        )
    return html.Div(children)
