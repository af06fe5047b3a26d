"""One claim's evidence: flags, mileage, visits, alerts, receipt, cap, cities and history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from components.finance.common import STATUS_COLOURS, money, none_note, small_table
from components.finance.mileage import mileage_table
from components.i18n import t
from components.kpi import SEVERITY_COLOURS
from dashboard.rules.summaries import summary_of


def _badge(status: str, lang: str, **kw: Any) -> dbc.Badge:
    return dbc.Badge(
        t(f"fin.status.{status}", lang), color=STATUS_COLOURS.get(status, "secondary"), **kw
    )


def _section(title: str, body: Any) -> html.Div:
    return html.Div([html.H3(title, className="h6 mt-3 mb-1 fin-ev-title"), body])


def evidence_panel(ev: Mapping[str, Any] | None, lang: str) -> html.Div:
    """Everything that explains one claim, and its decision history."""
    if ev is None:
        return dbc.Alert(t("fin.ev.not_found", lang), color="warning")
    claim = ev["claim"]
    category = t(f"fin.cat.{claim['category']}", lang)
    head = html.Div(
        [
            html.Div(
                [
                    html.Strong(claim["claim_id"], className="me-2"),
                    _badge(claim["status"], lang, id="finance-claim-status"),
                ]
            ),
            html.Div(
                f"{claim['rep_name']} · {claim['date']} · {category} · "
                f"{money(claim['amount'], lang)}"
                + (f" · {claim['city']}" if claim.get("city") else ""),
                className="small",
            ),
            html.A(
                t("fin.ev.replay", lang),
                href=ev["replay"],
                id="finance-replay-link",
                className="small",
            ),
        ]
    )
    flags = ev["flags"]
    flag_body = (
        html.Ul(
            [
                html.Li(
                    [
                        dbc.Badge(
                            t(f"rule.{f['rule']}.name", lang),
                            title=f["rule"],
                            color="danger",
                            className="me-1",
                        ),
                        money(f["amount_at_risk"], lang),
                        " · ",
                        html.Span(
                            summary_of(
                                {**f, "date": claim["date"], "amount": claim["amount"]},
                                lang,
                                tz=claim.get("timezone"),
                            ),
                            className="small",
                        ),
                        " ",
                        _badge(f["status"], lang, className="ms-1"),
                    ]
                )
                for f in flags.to_dict("records")
            ],
            className="list-unstyled mb-0",
            id="finance-ev-flags",
        )
        if not flags.empty
        else html.Div(
            t("fin.ev.clean", lang), className="text-success small", id="finance-ev-flags"
        )
    )
    parts = [head, _section(t("fin.ev.flags", lang), flag_body)]
    if ev["mileage"] is not None:
        parts.append(_section(t("fin.ev.mileage", lang), mileage_table(ev["mileage"], lang)))
    visits = ev["visits"]
    parts.append(
        _section(
            t("fin.ev.visits", lang),
            small_table(
                [
                    t("fin.ev.time", lang),
                    t("fin.col.customer", lang),
                    t("fin.col.city", lang),
                    t("fin.ev.verified", lang),
                    t("fin.ev.integrity", lang),
                ],
                [
                    (
                        pd.Timestamp(v["ts"]).tz_convert(claim["timezone"]).strftime("%H:%M"),
                        v["customer_name"],
                        v["city"],
                        "✓" if v["verified"] else "✗",
                        dbc.Badge(
                            str(v["integrity"]),
                            color="success"
                            if v["integrity"] >= 80
                            else ("warning" if v["integrity"] >= 50 else "danger"),
                            title=", ".join(v["rules"]),
                        ),
                    )
                    for v in visits.to_dict("records")
                ],
                id="finance-ev-visits",
            )
            if not visits.empty
            else dbc.Alert(t("fin.ev.no_visits", lang), color="warning", className="py-1 small"),
        )
    )
    alerts = ev["alerts"]
    parts.append(
        _section(
            t("fin.ev.alerts", lang),
            html.Ul(
                [
                    html.Li(
                        [
                            dbc.Badge(
                                t(f"rule.{a['rule']}.name", lang),
                                title=a["rule"],
                                color=SEVERITY_COLOURS.get(a["severity"], "secondary"),
                                className="me-1",
                            ),
                            html.Span(
                                summary_of(a, lang, tz=claim.get("timezone")),
                                className="small",
                            ),
                        ]
                    )
                    for a in alerts.to_dict("records")
                ],
                className="list-unstyled mb-0",
            )
            if not alerts.empty
            else none_note(lang),
        )
    )
    uses = ev["receipt_uses"]
    if claim.get("receipt_sha256"):
        parts.append(
            _section(
                t("fin.ev.receipt", lang),
                small_table(
                    [
                        t("fin.col.claim", lang),
                        t("fin.col.rep", lang),
                        t("fin.col.date", lang),
                        t("fin.col.amount", lang),
                    ],
                    [
                        (u["claim_id"], u["rep_name"], str(u["date"]), money(u["amount"], lang))
                        for u in uses.to_dict("records")
                    ],
                    id="finance-ev-receipt",
                )
                if not uses.empty
                else none_note(lang),
            )
        )
    cap = ev["cap"]
    if cap is not None:
        over = cap.excess_cny > 0
        parts.append(
            _section(
                t("fin.ev.cap", lang),
                html.Div(
                    t("fin.ev.cap_text", lang).format(
                        category=t(f"fin.cat.{cap.category}", lang),
                        total=money(cap.total_cny, lang),
                        cap=money(cap.cap_cny, lang),
                        excess=money(cap.excess_cny, lang),
                    ),
                    className="small " + ("text-danger" if over else "text-success"),
                    id="finance-ev-cap",
                ),
            )
        )
    cities = ev["cities"]
    parts.append(
        _section(
            t("fin.ev.cities", lang),
            html.Div(
                [
                    html.Div(f"{t('fin.ev.day', lang)}: {'、'.join(cities['day']) or '—'}"),
                    html.Div(
                        f"{t('fin.ev.next_day', lang)}: {'、'.join(cities['next_day']) or '—'}"
                    ),
                ],
                className="small",
                id="finance-ev-cities",
            ),
        )
    )
    parts.append(_section(t("fin.ev.history", lang), history_list(ev["history"], lang)))
    return html.Div(parts, className="fin-evidence")


def _status_word(status: str | None, lang: str) -> str:
    return t(f"fin.status.{status}", lang) if status else "—"


def history_list(history: pd.DataFrame, lang: str) -> html.Div:
    """Every decision on a claim (and its flags), oldest first: when, who, from → to, the note."""
    if history.empty:
        return html.Div(none_note(lang), id="finance-history")
    items = []
    for h in history.to_dict("records"):
        kind = "" if h["subject_kind"] == "claim" else f" [{h['subject_id']}]"
        items.append(
            html.Li(
                [
                    html.Span(pd.Timestamp(h["at"]).strftime("%Y-%m-%d %H:%M"), className="me-1"),
                    html.Strong(h["actor"], className="me-1"),
                    f"{_status_word(h['from_status'], lang)} → "
                    f"{_status_word(h['to_status'], lang)}{kind}",
                    html.Span(f" · {h['note']}", className="fst-italic") if h["note"] else "",
                ],
                className="small",
            )
        )
    return html.Ul(items, className="list-unstyled mb-0", id="finance-history")


def selection_summary(rows: Sequence[Mapping[str, Any]], lang: str) -> html.Div:
    """How many claims are selected and what they add up to."""
    amount = sum(float(r.get("amount") or 0) for r in rows)
    return dbc.Alert(
        t("fin.selected_many", lang).format(n=len(rows), amount=money(amount, lang)),
        color="info",
        className="py-2",
        id="finance-selection-summary",
    )
