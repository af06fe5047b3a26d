"""The what-if sandbox: its inputs, the rules' effect table and the settings' audit list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from components.finance.common import money, none_note, small_table
from components.i18n import t

# The rule setting each sandbox input holds, in the order of ids.WI_INPUTS.
SETTINGS = (
    "mileage_tolerance_pct",
    "mileage_allowance_km",
    "mileage_rate_cny_per_km",
    "meal_cap_cny",
    "hotel_cap_cny",
    "entertainment_cap_cny",
)


def what_if_values(settings: Mapping[str, Any]) -> list[Any]:
    """The sandbox inputs' values: the settings in force."""
    return [settings[key] for key in SETTINGS]


def proposed_settings(values: Sequence[Any]) -> dict[str, Any]:
    """The settings the sandbox's inputs propose."""
    return dict(zip(SETTINGS, values, strict=True))


def saved_note(changed: int, lang: str) -> dbc.Alert:
    """How many settings a save changed."""
    return dbc.Alert(t("fin.wi.saved", lang).format(n=changed), color="success", className="py-1")


def what_if_table(result: Mapping[str, Any], lang: str) -> html.Div:
    """Each rule's claims and money at risk now, under the proposed settings, and the change."""
    table = result["table"]
    rows = []
    for row in table.to_dict("records"):
        change = row["at_risk_change"]
        colour = "text-danger" if change > 0 else ("text-success" if change < 0 else "")
        rows.append(
            html.Tr(
                [
                    html.Td(t(f"fin.wi.rule.{row['rule']}", lang)),
                    html.Td(f"{row['claims_now']:,}"),
                    html.Td(money(row["at_risk_now"], lang)),
                    html.Td(f"{row['claims_then']:,}"),
                    html.Td(money(row["at_risk_then"], lang)),
                    html.Td(f"{row['claims_change']:+,}"),
                    html.Td(f"{'+' if change > 0 else ''}{money(change, lang)}", className=colour),
                ]
            )
        )
    header = [
        t("fin.wi.rule", lang),
        t("fin.wi.claims_now", lang),
        t("fin.wi.risk_now", lang),
        t("fin.wi.claims_then", lang),
        t("fin.wi.risk_then", lang),
        t("fin.wi.claims_change", lang),
        t("fin.wi.risk_change", lang),
    ]
    return html.Div(
        [
            html.Div(
                t("fin.wi.on_history", lang).format(n=result["claims"]),
                className="small text-body-secondary mb-1",
            ),
            dbc.Table(
                [html.Thead(html.Tr([html.Th(h) for h in header])), html.Tbody(rows)],
                size="sm",
                striped=True,
                id="finance-wi-table",
            ),
        ]
    )


def audit_list(audit: pd.DataFrame, lang: str) -> html.Div:
    """Who changed which setting when, from what to what."""
    if audit.empty:
        return none_note(lang)
    return small_table(
        [
            t("fin.ev.time", lang),
            t("fin.wi.who", lang),
            t("fin.wi.key", lang),
            t("fin.wi.change", lang),
        ],
        [
            (
                pd.Timestamp(a["at"]).strftime("%Y-%m-%d %H:%M"),
                a["actor"],
                a["key"],
                f"{'—' if a['before'] is None else a['before']} → {a['after']}",
            )
            for a in audit.to_dict("records")
        ],
        id="finance-wi-audit",
    )


def what_if_inputs(lang: str) -> dbc.Row:
    """Number inputs of the sandbox (filled with the settings in force by callback)."""
    specs = [
        ("pct", "fin.wi.pct", 0.5),
        ("km", "fin.wi.km", 0.5),
        ("rate", "fin.wi.rate", 0.05),
        ("meal", "fin.wi.meal", 10),
        ("hotel", "fin.wi.hotel", 10),
        ("ent", "fin.wi.ent", 10),
    ]
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label(t(label, lang), html_for=f"finance-wi-{key}", className="small"),
                    dbc.Input(id=f"finance-wi-{key}", type="number", min=0, step=step, size="sm"),
                ],
                xs=6,
                md=4,
                xl=2,
            )
            for key, label, step in specs
        ],
        className="g-2 mb-2",
    )
