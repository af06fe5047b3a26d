"""The admin console's rendering: the tabs and forms, the user, token and audit grids, and the
result notes (a one-time password or token shown once). Render only: the page fetches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components import admin_org
from components.grids import column, data_grid
from components.i18n import t
from components.shell import page_header
from dashboard.roles import ROLES

# Component ids (declared once, page-prefixed).
CSRF = "admin-csrf"
USERS_REFRESH = "admin-users-refresh"
TOKENS_REFRESH = "admin-tokens-refresh"
USERS = "admin-users"
USER_NAME = "admin-user-name"
USER_ROLE = "admin-user-role"
USER_REGIONS = "admin-user-regions"
USER_CREATE = "admin-user-create"
USER_SAVE_ROLE = "admin-user-save-role"
USER_DEACTIVATE = "admin-user-deactivate"
USER_REACTIVATE = "admin-user-reactivate"
USER_RESET = "admin-user-reset"
USER_RESULT = "admin-user-result"
TOKENS = "admin-tokens"
TOKEN_NAME = "admin-token-name"
TOKEN_CREATE = "admin-token-create"
TOKEN_REVOKE = "admin-token-revoke"
TOKEN_RESULT = "admin-token-result"
AUDIT = "admin-audit"
AUDIT_WHO = "admin-audit-who"
AUDIT_WHAT = "admin-audit-what"
AUDIT_SINCE = "admin-audit-since"
AUDIT_UNTIL = "admin-audit-until"
AUDIT_EXPORT = "admin-audit-export"
AUDIT_DOWNLOAD = "admin-audit-download"
USER_BUTTONS = (USER_CREATE, USER_SAVE_ROLE, USER_DEACTIVATE, USER_REACTIVATE, USER_RESET)


def _field(label: str, control: Any) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small mb-1"), control], md=3, className="mb-2")


def _button(label: str, id_: str, color: str = "primary") -> dbc.Button:
    return dbc.Button(label, id=id_, color=color, size="sm", className="me-2 mb-2")


def layout(*, lang: str, csrf: str) -> html.Div:
    """The page: three tabs; the grids are filled by the page's callbacks."""
    users_tab = html.Div(
        [
            dbc.Row(
                [
                    _field(t("admin.user.name", lang), dbc.Input(id=USER_NAME, type="text")),
                    _field(
                        t("admin.user.role", lang),
                        dcc.Dropdown(
                            id=USER_ROLE,
                            options=[{"label": t(f"role.{r}", lang), "value": r} for r in ROLES],
                            value="exec",
                            clearable=False,
                        ),
                    ),
                    _field(
                        t("admin.user.regions", lang),
                        dcc.Dropdown(id=USER_REGIONS, options=[], multi=True),
                    ),
                ],
                className="mt-3",
            ),
            html.Div(
                [
                    _button(t("admin.user.create", lang), USER_CREATE),
                    _button(t("admin.user.save_role", lang), USER_SAVE_ROLE, "secondary"),
                    _button(t("admin.user.deactivate", lang), USER_DEACTIVATE, "danger"),
                    _button(t("admin.user.reactivate", lang), USER_REACTIVATE, "success"),
                    _button(t("admin.user.reset", lang), USER_RESET, "warning"),
                ]
            ),
            html.Div(id=USER_RESULT),
            html.Div(id=USERS, children=html.Div(className="placeholder-glow")),
        ]
    )
    tokens_tab = html.Div(
        [
            dbc.Row(
                [_field(t("admin.token.name", lang), dbc.Input(id=TOKEN_NAME, type="text"))],
                className="mt-3",
            ),
            html.Div(
                [
                    _button(t("admin.token.create", lang), TOKEN_CREATE),
                    _button(t("admin.token.revoke", lang), TOKEN_REVOKE, "danger"),
                ]
            ),
            html.Div(id=TOKEN_RESULT),
            html.Div(id=TOKENS),
        ]
    )
    audit_tab = html.Div(
        [
            dbc.Row(
                [
                    _field(t("admin.audit.who", lang), dbc.Input(id=AUDIT_WHO, debounce=True)),
                    _field(t("admin.audit.what", lang), dbc.Input(id=AUDIT_WHAT, debounce=True)),
                    _field(t("admin.audit.since", lang), dbc.Input(id=AUDIT_SINCE, type="date")),
                    _field(t("admin.audit.until", lang), dbc.Input(id=AUDIT_UNTIL, type="date")),
                ],
                className="mt-3",
            ),
            _button(t("admin.audit.export", lang), AUDIT_EXPORT, "secondary"),
            dcc.Download(id=AUDIT_DOWNLOAD),
            html.Div(id=AUDIT),
        ]
    )
    return html.Div(
        [
            page_header(t("admin.title", lang), t("admin.subtitle", lang)),
            dcc.Store(id=CSRF, data=csrf),
            dcc.Store(id=USERS_REFRESH, data=0),
            dcc.Store(id=TOKENS_REFRESH, data=0),
            dbc.Tabs(
                [
                    dbc.Tab(users_tab, label=t("admin.tab.users", lang), tab_id="users"),
                    dbc.Tab(tokens_tab, label=t("admin.tab.tokens", lang), tab_id="tokens"),
                    dbc.Tab(audit_tab, label=t("admin.tab.audit", lang), tab_id="audit"),
                    dbc.Tab(admin_org.tab(lang), label=t("admin.tab.org", lang), tab_id="org"),
                ],
                id="admin-tabs",
                active_tab="users",
            ),
        ]
    )


def _when(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def users_grid(rows: Sequence[Mapping[str, Any]], *, lang: str, theme: str) -> html.Div:
    """The users: name, role, regions, active, created, last active."""
    frame = pd.DataFrame(
        [
            {
                "name": r["name"],
                "role": t(f"role.{r['role']}", lang),
                "regions": ", ".join(r["regions"]),
                "active": t("admin.yes" if r["active"] else "admin.no", lang),
                "created": _when(r["created_at"]),
                "last_seen": _when(r["last_seen_at"]),
            }
            for r in rows
        ],
        columns=["name", "role", "regions", "active", "created", "last_seen"],
    )
    columns = [
        column("name", t("admin.col.name", lang)),
        column("role", t("admin.col.role", lang)),
        column("regions", t("admin.col.regions", lang)),
        column("active", t("admin.col.active", lang)),
        column("created", t("admin.col.created", lang)),
        column("last_seen", t("admin.col.last_seen", lang)),
    ]
    return data_grid("admin-users", frame, columns, lang=lang, theme=theme, file_name="users")


def tokens_grid(rows: Sequence[Mapping[str, Any]], *, lang: str, theme: str) -> html.Div:
    """The API tokens: name, created, last used, revoked (never the secret)."""
    frame = pd.DataFrame(
        [
            {
                "name": r["name"],
                "created": _when(r["created_at"]),
                "last_used": _when(r["last_used_at"]),
                "revoked": _when(r["revoked_at"]),
            }
            for r in rows
        ],
        columns=["name", "created", "last_used", "revoked"],
    )
    columns = [
        column("name", t("admin.col.token", lang)),
        column("created", t("admin.col.created", lang)),
        column("last_used", t("admin.col.last_used", lang)),
        column("revoked", t("admin.col.revoked", lang)),
    ]
    return data_grid("admin-tokens", frame, columns, lang=lang, theme=theme, file_name="tokens")


AUDIT_FIELDS = ("at", "actor", "trail", "subject", "action", "before", "after", "note")


def audit_grid(rows: Sequence[Mapping[str, Any]], *, lang: str, theme: str) -> html.Div:
    """The audit log, newest first, with its count."""
    frame = pd.DataFrame(
        [{**{k: r[k] for k in AUDIT_FIELDS}, "at": _when(r["at"])} for r in rows],
        columns=list(AUDIT_FIELDS),
    )
    columns = [column(k, t(f"admin.col.{k}", lang)) for k in AUDIT_FIELDS]
    return html.Div(
        [
            html.P(t("admin.audit.count", lang).format(n=len(rows)), id="admin-audit-count"),
            data_grid("admin-audit", frame, columns, lang=lang, theme=theme, file_name="audit"),
        ]
    )


def secret_note(text: str, secret: str, *, id_: str) -> dbc.Alert:
    """A message with a secret shown once (a password or a token)."""
    return dbc.Alert(
        [text, " ", html.Code(secret, id=id_, className="user-select-all")], color="info"
    )


def note(text: str, *, ok: bool) -> dbc.Alert:
    """A short success or refusal message."""
    return dbc.Alert(text, color="success" if ok else "danger", className="admin-note")
