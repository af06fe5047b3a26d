"""The settings tab of /admin (issue 20): every setting of ``dashboard.thresholds.SETTINGS``
grouped by section with its label, what it does, current value, default, unit, range and an
overridden marker; the form that changes or resets one with a required reason; the history of
changes (one setting's, or all). Render only: pages/_admin_settings.py fetches and saves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.i18n import t
from dashboard.thresholds import SECTIONS, SETTINGS, SettingSpec

# Component ids (declared once, page-prefixed).
REFRESH = "admin-settings-refresh"
TABLES = "admin-settings-tables"
KEY = "admin-settings-key"
VALUE = "admin-settings-value"
VALUE_BOX = "admin-settings-value-box"
CHOICE = "admin-settings-choice"
CHOICE_BOX = "admin-settings-choice-box"
REASON = "admin-settings-reason"
SAVE = "admin-settings-save"
RESET = "admin-settings-reset"
RESULT = "admin-settings-result"
INFO = "admin-settings-info"
HISTORY = "admin-settings-history"
BUTTONS = (SAVE, RESET)

SHOWN, HIDDEN = {"display": "block"}, {"display": "none"}


def label(key: str, lang: str) -> str:
    return t(f"setting.{key}.label", lang)


def description(key: str, lang: str) -> str:
    return t(f"setting.{key}.desc", lang)


def unit_text(spec: SettingSpec, lang: str) -> str:
    """The setting's unit in the viewer's language ("" for counts, shares and choices)."""
    return t(f"settings.unit.{spec.unit}", lang) if spec.unit else ""


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def value_text(key: str, value: Any, lang: str, *, unit: bool = True) -> str:
    """A value as a person reads it: a choice translated, a number with its unit."""
    spec = SETTINGS.get(key)
    if value is None:
        return "—"
    if spec is not None and spec.choices:
        return t(f"settings.choice.{value}", lang) if value in spec.choices else str(value)
    text = _number(value)
    suffix = unit_text(spec, lang) if (spec is not None and unit) else ""
    if not suffix:
        return text
    return f"{text}{suffix}" if suffix == "%" else f"{text} {suffix}"


def range_text(spec: SettingSpec, lang: str) -> str:
    """The allowed values: the choices, or min – max (inclusive)."""
    if spec.choices:
        return " / ".join(t(f"settings.choice.{c}", lang) for c in spec.choices)
    return f"{_number(spec.kind(spec.minimum))} – {_number(spec.kind(spec.maximum))}"


def key_options(lang: str) -> list[dict[str, str]]:
    """Every setting, section by section, labelled in the viewer's language."""
    return [
        {
            "label": f"{t(f'settings.section.{section}', lang)} · {label(s.key, lang)}",
            "value": s.key,
        }
        for section in SECTIONS
        for s in SETTINGS.values()
        if s.section == section
    ]


def tab(*, lang: str) -> html.Div:
    """The tab: the form (pick, new value, reason, save / reset), the history, the tables."""
    form = dbc.Card(
        dbc.CardBody(
            [
                html.H5(t("settings.edit.title", lang), className="card-title"),
                dbc.Row(
                    [
                        dbc.Col(
                            [
                                dbc.Label(t("settings.edit.key", lang), className="small mb-1"),
                                dcc.Dropdown(
                                    id=KEY,
                                    options=key_options(lang),
                                    placeholder=t("settings.edit.pick", lang),
                                ),
                            ],
                            md=5,
                            className="mb-2",
                        ),
                        dbc.Col(
                            [
                                dbc.Label(t("settings.edit.value", lang), className="small mb-1"),
                                html.Div(
                                    dbc.Input(id=VALUE, type="number", debounce=False),
                                    id=VALUE_BOX,
                                    style=SHOWN,
                                ),
                                html.Div(
                                    dcc.Dropdown(id=CHOICE, options=[], clearable=False),
                                    id=CHOICE_BOX,
                                    style=HIDDEN,
                                ),
                            ],
                            md=3,
                            className="mb-2",
                        ),
                        dbc.Col(
                            [
                                dbc.Label(t("settings.edit.reason", lang), className="small mb-1"),
                                dbc.Input(id=REASON, type="text", maxLength=500),
                            ],
                            md=4,
                            className="mb-2",
                        ),
                    ]
                ),
                html.Div(id=INFO, className="small text-muted mb-2"),
                dbc.Button(
                    t("settings.edit.save", lang),
                    id=SAVE,
                    color="primary",
                    size="sm",
                    className="me-2",
                ),
                dbc.Button(
                    t("settings.edit.reset", lang),
                    id=RESET,
                    color="secondary",
                    size="sm",
                    outline=True,
                ),
                html.Div(id=RESULT, className="mt-2"),
                html.Div(id=HISTORY, className="mt-2"),
            ]
        ),
        className="mt-3 mb-3",
    )
    return html.Div(
        [
            dcc.Store(id=REFRESH, data=0),
            html.P(t("settings.intro", lang), className="mt-3 mb-0"),
            form,
            html.Div(id=TABLES, children=html.Div(className="placeholder-glow")),
        ]
    )


def tables(values: Mapping[str, Mapping[str, Any]], *, lang: str) -> list[Any]:
    """One table per section, in the sections' order, with what a change there sets off."""
    out: list[Any] = []
    for section in SECTIONS:
        keys = [s.key for s in SETTINGS.values() if s.section == section]
        rows = [_row(key, values[key], lang) for key in keys if key in values]
        head = html.Thead(
            html.Tr(
                [
                    html.Th(t(f"settings.col.{c}", lang))
                    for c in ("setting", "desc", "value", "default", "unit", "range")
                ]
            )
        )
        out += [
            html.H5(t(f"settings.section.{section}", lang), className="mt-3 mb-1"),
            html.P(t(f"settings.effect.{section}", lang), className="small text-muted mb-1"),
            dbc.Table(
                [head, html.Tbody(rows)],
                id=f"admin-settings-table-{section}",
                size="sm",
                striped=True,
                hover=True,
                responsive=True,
                className="admin-settings-table",
            ),
        ]
    return out


def _row(key: str, info: Mapping[str, Any], lang: str) -> html.Tr:
    spec = SETTINGS[key]
    current: list[Any] = [html.Strong(value_text(key, info["value"], lang, unit=False))]
    if info["overridden"]:
        current += [" ", dbc.Badge(t("settings.overridden", lang), color="warning")]
    return html.Tr(
        [
            html.Td([label(key, lang), html.Br(), html.Code(key, className="small")]),
            html.Td(description(key, lang), className="small"),
            html.Td(current, id=f"admin-settings-value-{key}"),
            html.Td(value_text(key, info["default"], lang, unit=False)),
            html.Td(unit_text(spec, lang)),
            html.Td(range_text(spec, lang), className="text-nowrap"),
        ],
        className="table-warning" if info["overridden"] else None,
    )


def details(key: str, info: Mapping[str, Any], lang: str) -> list[Any]:
    """What the picked setting does, its value in force, default and range, and what a change
    of it sets off."""
    spec = SETTINGS[key]
    unit = unit_text(spec, lang)
    line = t("settings.info", lang).format(
        value=value_text(key, info["value"], lang),
        default=value_text(key, info["default"], lang),
        range=range_text(spec, lang) + (f" {unit}" if unit and unit != "%" else unit),
    )
    return [
        html.Div(description(key, lang)),
        html.Div(line, id="admin-settings-in-force"),
        html.Div(t(f"settings.effect.{spec.section}", lang)),
    ]


def input_props(key: str | None, info: Mapping[str, Any] | None, lang: str) -> dict[str, Any]:
    """The value controls for a picked setting: a numeric input with its range, or the
    dropdown of its choices."""
    spec = SETTINGS.get(key) if key else None
    if spec is None or info is None:
        return {
            "min": None,
            "max": None,
            "step": "any",
            "value": None,
            "value_style": SHOWN,
            "choices": [],
            "choice": None,
            "choice_style": HIDDEN,
        }
    if spec.choices:
        return {
            "min": None,
            "max": None,
            "step": "any",
            "value": None,
            "value_style": HIDDEN,
            "choices": [
                {"label": t(f"settings.choice.{c}", lang), "value": c} for c in spec.choices
            ],
            "choice": info["value"],
            "choice_style": SHOWN,
        }
    return {
        "min": spec.minimum,
        "max": spec.maximum,
        "step": 1 if spec.kind is int else "any",
        "value": info["value"],
        "value_style": SHOWN,
        "choices": [],
        "choice": None,
        "choice_style": HIDDEN,
    }


def history(
    rows: Sequence[Mapping[str, Any]], *, lang: str, key: str | None = None, timezone: str = "UTC"
) -> html.Div:
    """The changes, newest first: when (in ``timezone``, with its offset), who, before → after,
    reason."""
    title = (
        t("settings.history.one", lang).format(label=label(key, lang))
        if key
        else t("settings.history.all", lang)
    )
    items = [
        html.Li(
            [
                html.Strong(label(r["key"], lang) + " ") if not key else None,
                t("settings.history.row", lang).format(
                    at=_when(r["at"], timezone),
                    actor=r["actor"],
                    before=_before(r["key"], r["before"], lang),
                    after=value_text(r["key"], r["after"], lang),
                    note=r["note"] or "—",
                ),
            ],
            className="admin-settings-change",
        )
        for r in rows
    ]
    body = html.Ul(items, className="mb-0") if items else html.P(t("settings.history.none", lang))
    return html.Div([html.H6(title, className="mb-1"), body], id="admin-settings-changes")


def _when(at: datetime | None, timezone: str) -> str:
    """A time of the trail in the company's time zone, with its offset."""
    if at is None:
        return "—"
    return at.astimezone(ZoneInfo(timezone)).isoformat(sep=" ", timespec="minutes")


def _before(key: str, value: Any, lang: str) -> str:
    if value is None:  # it was at its default
        default = SETTINGS[key].default if key in SETTINGS else None
        return f"{value_text(key, default, lang)} ({t('settings.default_mark', lang)})"
    return value_text(key, value, lang)


def saved(change: Any, *, lang: str) -> dbc.Alert:
    """What was saved and what it set off."""
    parts = [
        t("settings.saved", lang).format(
            label=label(change.key, lang),
            before=value_text(change.key, change.before, lang),
            after=value_text(change.key, change.after, lang),
        )
    ]
    if change.rejudged:
        parts.append(" " + t("settings.queued", lang).format(n=f"{change.rejudged:,}"))
    parts.append(" " + t(f"settings.effect.{SETTINGS[change.key].section}", lang))
    return dbc.Alert(parts, color="success", className="admin-note", id="admin-settings-saved")


def refused(message: str, *, lang: str) -> dbc.Alert:
    return dbc.Alert(
        t("settings.error", lang).format(msg=message),
        color="danger",
        className="admin-note",
        id="admin-settings-refused",
    )
