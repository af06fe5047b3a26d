"""The evidence panel: everything that explains one alert, and where to look next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.alerts.device_events import device_events
from components.alerts.evidence_map import mini_map
from components.alerts.evidence_values import evidence_table
from components.alerts.photos import photo_pair
from components.alerts.triage import history_list, history_placeholder
from components.i18n import t
from components.integrity import integrity_badge
from components.kpi import SEVERITY_COLOURS
from components.privacy import precision_badge
from components.quality import day_quality_block
from dashboard.rules.summaries import summary_of

STATUS_COLOURS = {
    "open": "danger",
    "acknowledged": "warning",
    "confirmed": "dark",
    "dismissed": "success",
}


def evidence_placeholder(lang: str, key: str = "alerts.evidence.pick") -> html.Div:
    """What the evidence card shows without an alert to explain (none picked, or gone)."""
    return html.Div(t(key, lang), className="text-body-secondary", id="alerts-evidence-empty")


def evidence_panel(
    detail: Mapping[str, Any],
    *,
    lang: str,
    tile_url: str,
    rep_view_href: str | None = None,
    selected: int = 1,
) -> html.Div:
    """Everything that explains one alert: what the rule means, the numbers against its
    threshold, where it happened, the photo pair or device events, and where to look next."""
    alert, context = detail["alert"], detail["context"]
    tz, rule = alert.get("timezone"), alert["rule"]
    severity, status = alert["severity"], alert["status"]
    evidence = alert.get("evidence") or {}
    head = html.Div(
        [
            dbc.Badge(
                t(f"severity.{severity}", lang),
                color=SEVERITY_COLOURS.get(severity, "secondary"),
                className="me-2",
            ),
            html.Span(t(f"rule.{rule}.name", lang), className="fw-semibold me-2"),
            dbc.Badge(
                t(f"alerts.status.{status}", lang),
                color=STATUS_COLOURS.get(status, "secondary"),
                className="me-2",
                id="alerts-evidence-status",
            ),
            html.Span([html.Code(alert["id"])], className="small text-body-secondary text-break"),
        ],
        className="mb-2",
    )
    who = html.Div(
        [
            html.Strong(alert.get("rep_name") or alert["rep_id"]),
            f" · {alert.get('team_name') or ''} · {alert.get('region_name') or ''}",
            html.Br(),
            f"{t('alerts.evidence.when', lang)}: {alert.get('ts_local')}",
            f" · {alert['customer_name']}" if alert.get("customer_name") else "",
        ],
        className="small mb-2",
    )
    parts: list[Any] = [
        html.Div(
            t("alerts.evidence.multi", lang).format(n=selected),
            className="alert alert-info py-1 px-2 small",
        )
        if selected > 1
        else None,
        head,
        who,
        html.P(t(f"rule.{rule}.desc", lang), className="alerts-rule-desc", id="alerts-rule-desc"),
        html.P(summary_of(alert, lang, tz=tz), className="small fst-italic", id="alerts-summary"),
        integrity_badge(
            context["integrity"]["score"],
            context["integrity"]["rules"],
            lang,
            badge_id="alerts-visit-integrity",
        )
        if context.get("integrity")
        else None,
        evidence_table(evidence, lang=lang, tz=tz),
        day_quality_block(
            context.get("device_quality") or [], lang=lang, block_id="alerts-device-quality"
        ),
        html.H3(
            [t("alerts.map.title", lang), precision_badge(detail.get("precision"), lang)],
            className="h6 mt-2",
        ),
        mini_map(context, tz=tz, lang=lang, tile_url=tile_url),
    ]
    if rule in ("PHOTO_REUSE", "PHOTO_TIME_MISMATCH") or context.get("photo"):
        parts.append(photo_pair(context, evidence, tz=tz, lang=lang))
    if rule == "SIGNAL_GAP" or context.get("device_events"):
        parts.append(
            device_events(context.get("device_events") or [], context.get("gap"), tz=tz, lang=lang)
        )
    links = [
        dcc.Link(
            t("alerts.replay", lang),
            href=detail["replay"],
            className="btn btn-sm btn-outline-primary me-2",
            id="alerts-replay-link",
        )
    ]
    if rep_view_href:
        links.append(
            dcc.Link(
                t("alerts.rep_view_link", lang),
                href=rep_view_href,
                className="btn btn-sm btn-outline-secondary",
                id="alerts-rep-link",
            )
        )
    parts.append(html.Div(links, className="mt-2"))
    return html.Div([p for p in parts if p is not None], id="alerts-evidence-body")


def rep_view_href(query: Mapping[str, Any] | None, rep_id: str) -> str:
    """The page's rep view of ``rep_id``, keeping the period (not region, team or rep)."""
    keep = {k: v for k, v in (query or {}).items() if k not in ("region", "team", "rep") and v}
    return "/alerts?" + urlencode({**keep, "rep": rep_id})


def evidence_outputs(
    detail: Mapping[str, Any] | None,
    *,
    picked: int,
    allowed: Set[str],
    actions: Sequence[str],
    pickers: int,
    query: Mapping[str, Any] | None,
    lang: str,
    tile_url: str,
    tz: str | None,
) -> tuple[Any, Any, list[Any], list[bool]]:
    """What the evidence callback sends for ``picked`` selected alerts (the first one's
    ``detail``, None when it is gone): panel, history, the options of each of the ``pickers``
    assignee pickers, and whether each of the ``actions`` buttons is disabled."""
    if not picked or detail is None:
        key = "alerts.evidence.pick" if not picked else "alerts.evidence.gone"
        empty = evidence_placeholder(lang, key)
        return empty, history_placeholder(lang), [[]] * pickers, [True] * len(actions)
    panel = evidence_panel(
        detail,
        lang=lang,
        tile_url=tile_url,
        rep_view_href=rep_view_href(query, detail["alert"]["rep_id"]),
        selected=picked,
    )
    history = history_list(detail["history"], lang=lang, tz=tz)
    options = [{"label": name, "value": name} for name in detail["assignable"]]
    return panel, history, [options] * pickers, [a not in allowed for a in actions]
