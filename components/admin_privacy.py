"""The admin console's Privacy tab (issue 20): export everything stored about a rep (the rep's
access request, as JSON), and the retention policy in force. Render only: the callbacks are in
pages/_admin_privacy.py."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.i18n import t

REP = "admin-privacy-rep"
EXPORT = "admin-privacy-export"
DOWNLOAD = "admin-privacy-download"
RESULT = "admin-privacy-result"
RETENTION = "admin-privacy-retention"
REFRESH = "admin-privacy-refresh"
SETTINGS_LINK = "/admin?tab=settings"


def tab(lang: str) -> html.Div:
    """The tab: the export form, then the retention card (filled by a callback)."""
    export = dbc.Card(
        dbc.CardBody(
            [
                html.H6(t("admin.privacy.export_title", lang)),
                html.P(t("admin.privacy.export_help", lang), className="small text-body-secondary"),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label(t("admin.privacy.rep", lang), className="small mb-1"),
                                dcc.Dropdown(id=REP, options=[], clearable=True),
                            ],
                            md=5,
                        ),
                        dbc.Col(
                            dbc.Button(
                                t("admin.privacy.export", lang),
                                id=EXPORT,
                                color="primary",
                                size="sm",
                            ),
                            md="auto",
                            className="d-flex align-items-end",
                        ),
                    ],
                    className="g-2",
                ),
                dcc.Loading(html.Div(id=RESULT, className="mt-2"), type="dot"),
                dcc.Download(id=DOWNLOAD),
            ]
        ),
        className="mt-3",
    )
    return html.Div(
        [
            dcc.Store(id=REFRESH, data=0),
            export,
            dbc.Card(dbc.CardBody(html.Div(id=RETENTION)), className="mt-3"),
        ]
    )


def rep_options(reps: list[Mapping[str, Any]], lang: str) -> list[dict[str, str]]:
    inactive = t("admin.privacy.inactive", lang)
    return [
        {
            "label": f"{r['id']} · {r['name']}" + ("" if r["active"] else f" ({inactive})"),
            "value": r["id"],
        }
        for r in reps
    ]


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else str(value)


def retention_card(policy: Mapping[str, Any], lang: str) -> html.Div:
    """retention_days in force (and its default), the last purge or that none ran, a link to
    the settings."""
    days = t("admin.privacy.days", lang).format(n=policy["days"])
    source = (
        t("admin.privacy.overridden", lang).format(n=policy["default"])
        if policy["overridden"]
        else t("admin.privacy.default", lang)
    )
    last = policy["last_purge"]
    purge = (
        t("admin.privacy.no_purge", lang)
        if last is None
        else t("admin.privacy.last_purge", lang).format(
            at=_when(last["at"]), rep_days=last["rep_days"], fixes=last["fixes"]
        )
    )
    return html.Div(
        [
            html.H6(t("admin.privacy.retention_title", lang)),
            html.P(
                [
                    t("admin.privacy.retention", lang),
                    " ",
                    html.Strong(days, id="admin-privacy-days"),
                    f" ({source})",
                ],
                className="mb-1",
            ),
            html.P(t("admin.privacy.kept", lang), className="small text-body-secondary mb-1"),
            html.P(purge, id="admin-privacy-last-purge", className="small mb-1"),
            dcc.Link(t("admin.privacy.settings_link", lang), href=SETTINGS_LINK, className="small"),
        ]
    )
