"""The admin console's organisation tab: the tree (regions → teams → reps, one accordion item
per region, a compact table per team that scrolls sideways on a phone), the rep form (work
hours, time zone, team, active, reason) with its deactivation check, and the region / team
forms (rename, new team). Render only: pages/_admin_org.py fetches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from zoneinfo import available_timezones

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.i18n import t

REFRESH = "admin-org-refresh"
TREE = "admin-org-tree"
REP = "admin-org-rep"
START = "admin-org-start"
END = "admin-org-end"
ZONE = "admin-org-zone"
TEAM = "admin-org-team"
ACTIVE = "admin-org-active"
REASON = "admin-org-reason"
SAVE = "admin-org-save"
CONFIRM_BOX = "admin-org-confirm-box"
HOLDING = "admin-org-holding"
CONFIRM = "admin-org-confirm"
RESULT = "admin-org-result"
UNIT = "admin-org-unit"
UNIT_NAME = "admin-org-unit-name"
UNIT_REASON = "admin-org-unit-reason"
RENAME = "admin-org-rename"
NEW_ID = "admin-org-new-id"
NEW_NAME = "admin-org-new-name"
NEW_REGION = "admin-org-new-region"
CREATE = "admin-org-create"
UNIT_RESULT = "admin-org-unit-result"
REP_BUTTONS = (SAVE, CONFIRM)
UNIT_BUTTONS = (RENAME, CREATE)

_ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))


def _field(label: str, control: Any, md: int = 3) -> dbc.Col:
    return dbc.Col(
        [dbc.Label(label, className="small mb-1"), control], xs=12, md=md, className="mb-2"
    )


def _button(label: str, id_: str, color: str = "primary") -> dbc.Button:
    return dbc.Button(label, id=id_, color=color, size="sm", className="me-2 mb-2")


def tab(lang: str) -> html.Div:
    """The tab's skeleton: the forms, then the tree (filled by the page)."""
    rep_form = dbc.Card(
        dbc.CardBody(
            [
                html.H6(t("org.rep.title", lang)),
                dbc.Row(
                    [
                        _field(t("org.rep", lang), dcc.Dropdown(id=REP, options=[]), md=4),
                        _field(
                            t("org.work_start", lang),
                            dbc.Input(id=START, type="text", placeholder="08:30", maxLength=5),
                            md=2,
                        ),
                        _field(
                            t("org.work_end", lang),
                            dbc.Input(id=END, type="text", placeholder="18:30", maxLength=5),
                            md=2,
                        ),
                        _field(
                            t("org.timezone", lang),
                            dcc.Dropdown(id=ZONE, options=_ZONES, clearable=False),
                            md=4,
                        ),
                        _field(t("org.team", lang), dcc.Dropdown(id=TEAM, options=[]), md=4),
                        _field(
                            t("org.active", lang),
                            dbc.Switch(id=ACTIVE, value=True, label=t("org.active.on", lang)),
                            md=2,
                        ),
                        _field(t("org.reason", lang), dbc.Input(id=REASON, type="text"), md=6),
                    ]
                ),
                _button(t("org.save", lang), SAVE),
                dbc.Collapse(
                    dbc.Alert(
                        [
                            html.Div(id=HOLDING),
                            _button(t("org.deactivate_anyway", lang), CONFIRM, "danger"),
                        ],
                        color="warning",
                    ),
                    id=CONFIRM_BOX,
                    is_open=False,
                ),
                html.Div(id=RESULT),
            ]
        ),
        className="mb-3",
    )
    unit_form = dbc.Card(
        dbc.CardBody(
            [
                html.H6(t("org.unit.title", lang)),
                dbc.Row(
                    [
                        _field(t("org.unit", lang), dcc.Dropdown(id=UNIT, options=[]), md=4),
                        _field(t("org.unit.name", lang), dbc.Input(id=UNIT_NAME), md=4),
                        _field(t("org.reason", lang), dbc.Input(id=UNIT_REASON), md=4),
                    ]
                ),
                _button(t("org.rename", lang), RENAME, "secondary"),
                dbc.Row(
                    [
                        _field(t("org.new.id", lang), dbc.Input(id=NEW_ID), md=4),
                        _field(t("org.new.name", lang), dbc.Input(id=NEW_NAME), md=4),
                        _field(
                            t("org.new.region", lang), dcc.Dropdown(id=NEW_REGION, options=[]), md=4
                        ),
                    ]
                ),
                _button(t("org.create", lang), CREATE),
                html.Div(id=UNIT_RESULT),
            ]
        ),
        className="mb-3",
    )
    return html.Div(
        [
            dcc.Store(id=REFRESH, data=0),
            html.P(t("org.hint", lang), className="text-muted small mt-3"),
            dbc.Row([dbc.Col(rep_form, xs=12, xl=7), dbc.Col(unit_form, xs=12, xl=5)]),
            html.Div(id=TREE, children=html.Div(className="placeholder-glow")),
        ]
    )


def _counts(node: Mapping[str, Any], lang: str) -> str:
    return t("org.counts", lang).format(
        active=node["active"], reps=node["reps"], customers=node["customers"]
    )


def _rep_row(rep: Mapping[str, Any], lang: str) -> html.Tr:
    state = "org.active.on" if rep["active"] else "org.active.off"
    return html.Tr(
        [
            html.Td([rep["name"], html.Span(f" {rep['id']}", className="text-muted small")]),
            html.Td(
                dbc.Badge(t(state, lang), color="success" if rep["active"] else "secondary"),
                className="admin-org-state",
            ),
            html.Td(f"{rep['work_start']}–{rep['work_end']}", className="admin-org-hours"),
            html.Td(rep["timezone"]),
            html.Td(str(rep["customers"]), className="text-end"),
        ],
        className="admin-org-rep",
        **{"data-rep": rep["id"]},
    )


def tree(regions: Sequence[Mapping[str, Any]], *, lang: str) -> html.Div:
    """The organisation: one accordion item per region (open), a table of reps per team."""
    if not regions:
        return html.P(t("org.empty", lang), className="text-muted")
    head = html.Thead(
        html.Tr(
            [
                html.Th(t("org.rep", lang)),
                html.Th(t("org.active", lang)),
                html.Th(t("org.hours", lang)),
                html.Th(t("org.timezone", lang)),
                html.Th(t("org.customers", lang), className="text-end"),
            ]
        )
    )
    items = []
    for region in regions:
        blocks = []
        for team in region["teams"]:
            blocks.append(
                html.Div(
                    [
                        html.H6(
                            [
                                team["name"],
                                html.Span(f" {team['id']} · ", className="text-muted small"),
                                html.Span(_counts(team, lang), className="text-muted small"),
                            ],
                            className="mt-2",
                        ),
                        html.Div(
                            dbc.Table(
                                [
                                    head,
                                    html.Tbody([_rep_row(rep, lang) for rep in team["members"]]),
                                ],
                                size="sm",
                                hover=True,
                                className="mb-2",
                            ),
                            className="table-responsive",
                        ),
                    ],
                    className="admin-org-team",
                )
            )
        if not blocks:
            blocks = [html.P(t("org.no_teams", lang), className="text-muted small")]
        items.append(
            dbc.AccordionItem(
                blocks,
                title=f"{region['name']} · {_counts(region, lang)}",
                item_id=region["id"],
            )
        )
    return dbc.Accordion(
        items, always_open=True, active_item=[r["id"] for r in regions], id="admin-org-accordion"
    )


def rep_options(regions: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Every rep as "name (id) · team" for the rep picker."""
    return [
        {"label": f"{rep['name']} ({rep['id']}) · {team['name']}", "value": rep["id"]}
        for region in regions
        for team in region["teams"]
        for rep in team["members"]
    ]


def team_options(regions: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Every team as "region / team"."""
    return [
        {"label": f"{region['name']} / {team['name']}", "value": team["id"]}
        for region in regions
        for team in region["teams"]
    ]


def unit_options(regions: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, str]]:
    """Every region and team, for renaming ("region:<id>" / "team:<id>")."""
    out = []
    for region in regions:
        out.append(
            {
                "label": f"{t('org.region', lang)} · {region['name']}",
                "value": f"region:{region['id']}",
            }
        )
        out.extend(
            {"label": f"{t('org.team', lang)} · {team['name']}", "value": f"team:{team['id']}"}
            for team in region["teams"]
        )
    return out


def region_options(regions: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [{"label": r["name"], "value": r["id"]} for r in regions]


def holding(held: Any, lang: str) -> html.Div:
    """What a rep about to be deactivated still holds, with the link to the handover."""
    return html.Div(
        [
            html.P(
                t("org.holding", lang).format(
                    customers=held.customers, plans=held.plans, tasks=held.tasks
                ),
                className="mb-1",
            ),
            html.A(
                t("org.handover_link", lang),
                href=held.handover_href,
                id="admin-org-handover-link",
                className="d-block mb-2",
            ),
        ]
    )


def changed_note(rep_id: str, changed: Mapping[str, tuple[str, str]], lang: str) -> dbc.Alert:
    """The fields a save changed, before → after."""
    lines = [
        html.Li(f"{t('org.field.' + name, lang)}: {before} → {after}")
        for name, (before, after) in changed.items()
    ]
    return dbc.Alert(
        [t("org.saved", lang).format(rep=rep_id), html.Ul(lines, className="mb-0")],
        color="success",
        className="admin-org-note",
    )
