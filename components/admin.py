"""The admin console's rendering: the tabs and forms, the user, token and audit grids, and the
result notes (a one-time password or token shown once). Render only: the page fetches."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components import admin_org, admin_settings, admin_walls
from components.admin_privacy import tab as privacy_tab
from components.customers.regrade import INGEST_REASONS
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
TOKEN_SCOPE = "admin-token-scope"
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
# The scopes a new API token may have (dashboard.services.users.TOKEN_SCOPES).
TOKEN_SCOPES = ("ingest", "read", "all")
TAB_IDS = ("users", "tokens", "audit", "settings", "privacy", "walls", "org")
USER_BUTTONS = (USER_CREATE, USER_SAVE_ROLE, USER_DEACTIVATE, USER_REACTIVATE, USER_RESET)


def _field(label: str, control: Any) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small mb-1"), control], md=3, className="mb-2")


def _button(label: str, id_: str, color: str = "primary") -> dbc.Button:
    return dbc.Button(label, id=id_, color=color, size="sm", className="me-2 mb-2")


def layout(*, lang: str, csrf: str, tab: str | None = None) -> html.Div:
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
                [
                    _field(t("admin.token.name", lang), dbc.Input(id=TOKEN_NAME, type="text")),
                    _field(
                        t("admin.token.scope", lang),
                        dcc.Dropdown(
                            id=TOKEN_SCOPE,
                            options=[
                                {"label": t(f"admin.scope.{s}", lang), "value": s}
                                for s in TOKEN_SCOPES
                            ],
                            value="ingest",
                            clearable=False,
                        ),
                    ),
                ],
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
    walls_tab = admin_walls.tab(lang)  # components/admin_walls.py
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
                    dbc.Tab(
                        admin_settings.tab(lang=lang),
                        label=t("settings.tab", lang),
                        tab_id="settings",
                    ),
                    dbc.Tab(
                        privacy_tab(lang), label=t("admin.tab.privacy", lang), tab_id="privacy"
                    ),
                    dbc.Tab(walls_tab, label=t("admin.tab.walls", lang), tab_id="walls"),
                    dbc.Tab(admin_org.tab(lang), label=t("admin.tab.org", lang), tab_id="org"),
                ],
                id="admin-tabs",
                # ?tab=<id> opens a tab (the privacy tab links to the settings).
                active_tab=tab if tab in TAB_IDS else "users",
            ),
        ]
    )


def _when(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def users_grid(rows: Sequence[Mapping[str, Any]], *, lang: str, theme: str) -> html.Div:
    """The users: name, role, regions, active, created, last sign-in, last active."""
    frame = pd.DataFrame(
        [
            {
                "name": r["name"],
                "role": t(f"role.{r['role']}", lang),
                "regions": ", ".join(r["regions"]),
                "active": t("admin.yes" if r["active"] else "admin.no", lang),
                "created": _when(r["created_at"]),
                "last_sign_in": _when(r["last_sign_in_at"]),
                "last_seen": _when(r["last_seen_at"]),
            }
            for r in rows
        ],
        columns=["name", "role", "regions", "active", "created", "last_sign_in", "last_seen"],
    )
    columns = [
        column("name", t("admin.col.name", lang)),
        column("role", t("admin.col.role", lang)),
        column("regions", t("admin.col.regions", lang)),
        column("active", t("admin.col.active", lang)),
        column("created", t("admin.col.created", lang)),
        column("last_sign_in", t("admin.col.last_sign_in", lang)),
        column("last_seen", t("admin.col.last_seen", lang)),
    ]
    return data_grid("admin-users", frame, columns, lang=lang, theme=theme, file_name="users")


def tokens_grid(rows: Sequence[Mapping[str, Any]], *, lang: str, theme: str) -> html.Div:
    """The API tokens: name, scope, created, last used, revoked (never the secret)."""
    frame = pd.DataFrame(
        [
            {
                "name": r["name"],
                "scope": t(f"admin.scope.{r['scope']}", lang),
                "created": _when(r["created_at"]),
                "last_used": _when(r["last_used_at"]),
                "revoked": _when(r["revoked_at"]),
            }
            for r in rows
        ],
        columns=["name", "scope", "created", "last_used", "revoked"],
    )
    columns = [
        column("name", t("admin.col.token", lang)),
        column("scope", t("admin.col.scope", lang)),
        column("created", t("admin.col.created", lang)),
        column("last_used", t("admin.col.last_used", lang)),
        column("revoked", t("admin.col.revoked", lang)),
    ]
    return data_grid("admin-tokens", frame, columns, lang=lang, theme=theme, file_name="tokens")


AUDIT_FIELDS = ("at", "actor", "trail", "subject", "action", "before", "after", "note")


# Where the words of a coded audit field are: the first table holding the code is used; a code
# none holds (a setting's value, a rep id) is shown as stored.
AUDIT_LABELS = {
    "trail": ("audit.trail",),
    "action": ("alerts.action", "audit.action", "cust.source"),
    "before": ("alerts.status", "fin.status", "role", "audit.state"),
    "after": ("alerts.status", "fin.status", "role", "audit.state"),
}


def _words(prefix: str, code: str, lang: str) -> str | None:
    key = f"{prefix}.{code}"
    label = t(key, lang)
    return None if label == key else label  # t answers the key itself when it has no words


def _note_text(note: str, lang: str) -> str:
    """A note: ingest's own reasons in words; a structured note (a handover's JSON: what moved
    and why) as labelled fields; a note a person typed as typed."""
    if note in INGEST_REASONS:
        return t(INGEST_REASONS[note], lang)
    try:
        fields = json.loads(note) if note.startswith("{") else None
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        return note
    parts = []
    for key, value in fields.items():
        if isinstance(value, bool):
            value = t("admin.yes" if value else "admin.no", lang)
        parts.append(f"{_words('audit.note', key, lang) or key}: {'—' if value is None else value}")
    return " · ".join(parts)


def audit_text(field: str, value: Any, lang: str) -> Any:
    """An audit field as a person reads it in ``lang``: a trail, an action, a status or a role
    in words, anything else as stored."""
    if not isinstance(value, str):
        return value
    if field == "note":
        return _note_text(value, lang)
    for prefix in AUDIT_LABELS.get(field, ()):
        label = _words(prefix, value, lang)
        if label is not None:
            return label
    return value


def audit_rows(rows: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The audit rows as shown and exported: times in ISO 8601 (UTC), codes in words."""
    return [
        {k: _when(r["at"]) if k == "at" else audit_text(k, r[k], lang) for k in AUDIT_FIELDS}
        for r in rows
    ]


def audit_file(rows: Sequence[Mapping[str, Any]], lang: str) -> str:
    """The audit rows as the page's CSV: headed and worded as the grid (UTF-8 with a BOM, so
    spreadsheet programs read the Chinese)."""
    frame = pd.DataFrame(audit_rows(rows, lang), columns=list(AUDIT_FIELDS))
    frame = frame.rename(columns={k: t(f"admin.col.{k}", lang) for k in AUDIT_FIELDS})
    return "\ufeff" + frame.to_csv(index=False)


def audit_grid(rows: Sequence[Mapping[str, Any]], *, lang: str, theme: str) -> html.Div:
    """The audit log, newest first, with its count."""
    frame = pd.DataFrame(audit_rows(rows, lang), columns=list(AUDIT_FIELDS))
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
