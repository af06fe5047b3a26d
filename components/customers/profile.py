"""One customer's profile: master data, owner and owner history, visit rhythm, the visit
timeline (integrity, rules, SOP, photos, order, replay link), orders over time, open alerts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from components.customers import ids
from components.customers.listing import STATUS_COLOURS, md_link, owner_label
from components.customers.regrade import history_reason
from components.formatting import fmt_value
from components.grids import column, data_grid
from components.i18n import t
from components.integrity import integrity_column, rule_names
from components.locale import graph_config
from dashboard.rules.summaries import summary_of

# Orders over time: the orders of at most this many days up to today, on an axis of at least
# MIN_AXIS_DAYS days (from the first order shown).
ORDERS_DAYS = 365
MIN_AXIS_DAYS = 90


def profile_page(customer_id: str | None, lang: str) -> html.Div:
    """The skeleton: the id for the callback, and the body it fills."""
    return html.Div(
        [
            dcc.Store(id=ids.PROFILE_ID, data=customer_id or ""),
            dcc.Link(t("cust.profile.back", lang), href="/customers", className="small"),
            html.Div(
                dbc.Spinner(size="sm"),
                id=ids.PROFILE,
                className="customer-profile mt-2",
            ),
        ]
    )


def not_found(lang: str) -> dbc.Alert:
    """The answer to an unknown id and to an id outside the viewer's scope alike."""
    return dbc.Alert(t("cust.profile.not_found", lang), color="secondary", id="customer-not-found")


def _card(title: str, body: Any, **kw: Any) -> dbc.Card:
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody(body)], className="h-100", **kw)


def _pairs(items: Sequence[tuple[str, Any]]) -> html.Dl:
    children: list[Any] = []
    for label, value in items:
        children += [
            html.Dt(label, className="col-5 small"),
            html.Dd(value if value not in (None, "") else "—", className="col-7 small mb-1"),
        ]
    return html.Dl(children, className="row")


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _status_badge(status: str, lang: str) -> html.Span:
    return html.Span(
        t(f"cust.status.{status}", lang),
        className="badge ms-2 align-middle",
        style={"background": STATUS_COLOURS.get(status, "#6b7280")},
        id="customer-status",
    )


def _master(c: Mapping[str, Any], lang: str) -> dbc.Card:
    contact = " · ".join(x for x in (c.get("contact_name"), c.get("contact_phone")) if x)
    grade = t(f"cust.grade.{c['grade']}", lang)
    if c.get("grade_locked"):
        grade += f" ({t('cust.profile.grade_locked', lang)})"
    position = (
        None if c.get("lat") is None else f"{c['lat']:.5f}, {c['lon']:.5f}"  # WGS-84
    )
    return _card(
        t("cust.profile.master", lang),
        _pairs(
            [
                (t("cust.col.id", lang), c["id"]),
                (t("cust.col.city", lang), c["city"]),
                (t("cust.profile.address", lang), c.get("address")),
                (t("cust.profile.position", lang), position),
                (t("cust.col.grade", lang), grade),
                (t("cust.profile.contact", lang), contact or t("cust.profile.no_contact", lang)),
                (t("cust.profile.created", lang), _iso(c.get("created") or c.get("first_seen"))),
                (
                    t("cust.col.active", lang),
                    t("cust.yes", lang) if c["active"] else t("cust.no", lang),
                ),
            ]
        ),
    )


def _rhythm(c: Mapping[str, Any], lang: str) -> dbc.Card:
    rule = t("cust.profile.rule", lang).format(
        n=c["required_28d"], due=_iso(c["due_on"]) or "—", overdue=_iso(c["overdue_on"]) or "—"
    )
    return _card(
        t("cust.profile.rhythm", lang),
        [
            _pairs(
                [
                    (t("cust.profile.owner", lang), owner_label(c, lang)),
                    (t("cust.col.status", lang), t(f"cust.status.{c['status']}", lang)),
                    (t("cust.col.last_visit", lang), _iso(c["last_visit"])),
                    (
                        t("cust.col.visits_28d", lang),
                        f"{c['visits_28d']} / {c['required_28d']}",
                    ),
                    (t("cust.col.open_alerts", lang), f"{c['open_alerts']:,}"),
                    (t("cust.col.orders_90d", lang), fmt_value(c["orders_90d"], "money", lang)),
                ]
            ),
            html.P(rule, className="small text-body-secondary mb-0"),
        ],
    )


def _history(history: Sequence[Mapping[str, Any]], lang: str) -> dbc.Card:
    if not history:
        body: Any = html.Div(t("cust.profile.history.none", lang), className="small text-muted")
    else:
        head = [
            t(f"cust.profile.history.{k}", lang) for k in ("when", "from", "to", "by", "why")
        ] + [t("cust.profile.history.source", lang)]
        rows = [
            [
                str(h["changed_at"])[:16],
                h.get("from_rep_name") or h.get("from_rep_id") or "—",
                h.get("to_rep_name") or h.get("to_rep_id") or "—",
                h.get("changed_by") or "—",
                history_reason(h.get("reason"), lang) or "—",
                t(f"cust.source.{h['source']}", lang) if h.get("source") else "—",
            ]
            for h in reversed(history)  # newest first
        ]
        body = dbc.Table(
            [
                html.Thead(html.Tr([html.Th(x) for x in head])),
                html.Tbody([html.Tr([html.Td(x) for x in row]) for row in rows]),
            ],
            size="sm",
            striped=True,
            responsive=True,
            className="mb-0 small",
            id="customer-owner-history",
        )
    return _card(t("cust.profile.history", lang), body)


def visit_columns(lang: str) -> list[dict[str, Any]]:
    return [
        column("when", t("cust.visit.when", lang), minWidth=140, sort="desc"),
        column("rep", t("cust.visit.rep", lang), minWidth=100),
        column("dwell", t("cust.visit.dwell", lang), minWidth=90),
        column("distance", t("cust.visit.distance", lang), minWidth=100),
        column("effective", t("cust.visit.effective", lang), minWidth=90),
        integrity_column(t("cust.visit.integrity", lang)),
        column("rules", t("cust.visit.rules", lang), minWidth=200, tooltipField="rules"),
        column("sop", t("cust.visit.sop", lang), minWidth=140),
        column("photos", t("cust.visit.photos", lang), "int", minWidth=80),
        column("order", t("cust.visit.order", lang), "money", minWidth=100),
        column("replay", t("cust.visit.replay", lang), cellRenderer="markdown", minWidth=90),
    ]


def visit_rows(visits: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    out = []
    for v in visits:
        rep_id, day, clock = v["replay"]
        sop = (
            t("cust.sop.none", lang)
            if not v.get("sop_required")
            else t("cust.sop.done", lang).format(done=v["sop_done"], required=v["sop_required"])
        )
        dwell = (
            t("cust.visit.no_checkout", lang)
            if v.get("dwell_s") is None
            else t("cust.min", lang).format(n=round(v["dwell_s"] / 60))
        )
        distance = v.get("checkin_distance_m")
        out.append(
            {
                "when": f"{_iso(v['local_date'])} {clock}",
                "rep": v.get("rep_name") or rep_id,
                "dwell": dwell,
                "distance": "—" if distance is None else f"{distance:,.0f} m",
                "effective": t("cust.yes", lang) if v["effective"] else t("cust.no", lang),
                "integrity": v["integrity"],
                "rules": rule_names(v["rules"], lang),
                "sop": sop,
                "photos": v["photos"],
                "order": v["order_amount"],
                "replay": md_link("▶ " + clock, f"/replay/{rep_id}/{_iso(day)}?t={clock}"),
            }
        )
    return out


def _visits(visits: Sequence[Mapping[str, Any]], lang: str, theme: str) -> dbc.Card:
    if not visits:
        body: Any = html.Div(t("cust.profile.visits.none", lang), className="small text-muted")
    else:
        frame_rows = visit_rows(visits, lang)
        body = [
            html.Div(
                t("cust.profile.visits.shown", lang).format(n=len(visits)),
                className="small text-body-secondary",
            ),
            data_grid(
                ids.PROFILE_VISITS["name"],
                pd.DataFrame(frame_rows),
                visit_columns(lang),
                lang=lang,
                theme=theme,
                height=380,
                file_name="customer-visits",
            ),
        ]
    return _card(t("cust.profile.visits", lang), body)


def orders_figure(
    orders: Sequence[Mapping[str, Any]], *, today: date, lang: str, theme: str
) -> go.Figure | None:
    """Order amounts per day over the last ``ORDERS_DAYS`` days; None when there are none."""
    since = today - timedelta(days=ORDERS_DAYS - 1)
    shown = [o for o in orders if since <= o["local_date"] <= today]
    if not shown:
        return None
    start = min(shown[0]["local_date"], today - timedelta(days=MIN_AXIS_DAYS - 1))
    fig = go.Figure(
        go.Bar(
            x=[_iso(o["local_date"]) for o in shown],
            y=[o["amount"] for o in shown],
            marker_color="#2563eb",
            hovertemplate="%{x}<br>¥%{y:,.2f}<extra></extra>",
        )
    )
    fig.update_layout(
        template="plotly_dark" if theme == "dark" else "plotly_white",
        margin={"l": 60, "r": 10, "t": 10, "b": 40},
        height=260,
        xaxis_title=t("cust.profile.orders.date", lang),
        yaxis_title=t("cust.profile.orders.axis", lang),
        xaxis={"range": [_iso(start), _iso(today + timedelta(days=1))]},
    )
    return fig


def _orders(orders, today: date, lang: str, theme: str) -> dbc.Card:
    fig = orders_figure(orders, today=today, lang=lang, theme=theme)
    if fig is None:
        body: Any = html.Div(
            t("cust.profile.orders.none", lang),
            className="small text-muted",
            id="customer-orders-none",
        )
    else:
        body = dcc.Graph(id=ids.PROFILE_ORDERS, figure=fig, config=graph_config(lang))
    return _card(t("cust.profile.orders", lang), body)


def _alerts(
    alerts: Sequence[Mapping[str, Any]], lang: str, customer_name: str | None = None
) -> dbc.Card:
    if not alerts:
        body: Any = html.Div(t("cust.profile.alerts.none", lang), className="small text-muted")
    else:
        head = [
            t("cust.visit.when", lang),
            t("cust.visit.rules", lang),
            t("cust.alert.severity", lang),
            t("cust.visit.rep", lang),
            t("cust.col.status", lang),
        ]
        rows = [
            html.Tr(
                [
                    html.Td(_iso(a["local_date"])),
                    html.Td(
                        t(f"rule.{a['rule']}.name", lang),
                        title=summary_of({**a, "customer_name": customer_name}, lang),
                    ),
                    html.Td(t(f"severity.{a['severity']}", lang)),
                    html.Td(
                        dcc.Link(a["rep_id"], href=f"/replay/{a['rep_id']}/{_iso(a['local_date'])}")
                        if a.get("rep_id")
                        else "—"
                    ),
                    html.Td(t(f"cust.alert.status.{a['status']}", lang)),
                ]
            )
            for a in alerts
        ]
        body = dbc.Table(
            [html.Thead(html.Tr([html.Th(x) for x in head])), html.Tbody(rows)],
            size="sm",
            striped=True,
            responsive=True,
            className="mb-0 small",
            id="customer-alerts",
        )
    return _card(t("cust.profile.alerts", lang), body)


def render_profile(
    profile: Mapping[str, Any] | None, *, today: date, lang: str, theme: str
) -> list[Any]:
    """The profile's body from ``customer_profile`` (None: not found)."""
    if profile is None:
        return [not_found(lang)]
    c = profile["customer"]
    return [
        html.H1(
            [c["name"], _status_badge(c["status"], lang)], className="h3 mb-1", id="customer-name"
        ),
        html.P(
            " · ".join([c["id"], c["city"], t("cust.grade." + c["grade"], lang)]),
            className="text-body-secondary",
        ),
        dbc.Row(
            [
                dbc.Col(_master(c, lang), lg=4, className="mb-3"),
                dbc.Col(_rhythm(c, lang), lg=4, className="mb-3"),
                dbc.Col(_history(profile["owner_history"], lang), lg=4, className="mb-3"),
            ],
            className="g-3",
        ),
        dbc.Row(
            [
                dbc.Col(_orders(profile["orders"], today, lang, theme), lg=7, className="mb-3"),
                dbc.Col(
                    _alerts(profile["alerts"], lang, (profile.get("customer") or {}).get("name")),
                    lg=5,
                    className="mb-3",
                ),
            ],
            className="g-3",
        ),
        html.Div(_visits(profile["visits"], lang, theme), className="mb-3"),
    ]
