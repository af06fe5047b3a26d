"""The customer list: its grid (each name links to the profile), the tiles above it, the
"showing N of M" note and the CSV/XLSX file of the whole filter."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.customers.ids import EXPORT, LIST_GRID, SHOWN
from components.finance.common import code_labels
from components.finance.exports import export_bytes, server_exported, shown_note
from components.grids import column, data_grid
from components.i18n import t
from dashboard.frequency import STATUSES

STATUS_COLOURS = {
    "on_rhythm": "#16a34a",
    "due": "#d97706",
    "overdue": "#dc2626",
    "never": "#6b7280",
}
_STATUS_STYLE = {
    "function": "({'overdue': {'color': 'var(--bs-danger)', 'fontWeight': 600}, "
    "'due': {'color': 'var(--bs-warning-text-emphasis)'}, "
    "'on_rhythm': {'color': 'var(--bs-success)'}})[params.value] || {}"
}


def md_link(label: str, href: str) -> str:
    """A markdown link for a grid cell, its label's markdown characters escaped."""
    safe = "".join("\\" + ch if ch in "\\[]()*_`<>#!|~" else ch for ch in str(label))
    return f"[{safe}]({href})"


def profile_href(customer_id: str) -> str:
    from urllib.parse import quote

    return f"/customers/{quote(str(customer_id), safe='')}"


def owner_label(row: Mapping[str, Any], lang: str) -> str:
    """ "rep · team", "(no owner)", or the rep marked inactive."""
    if not row.get("owner_name"):
        return t("cust.no_owner", lang)
    label = f"{row['owner_name']} · {row.get('team_name') or '—'}"
    if row.get("owner_active") is False:
        label += f" ({t('cust.inactive', lang)})"
    return label


def list_columns(lang: str) -> list[dict[str, Any]]:
    """Columns of the customer grid (status keeps its code, shown translated)."""

    def col(field: str, key: str, kind: str | None = None, **extra: Any) -> dict[str, Any]:
        return column(field, t(key, lang), kind, headerTooltip=t(key, lang), **extra)

    return [
        col(
            "link",
            "cust.col.name",
            cellRenderer="markdown",
            pinned="left",
            minWidth=190,
            tooltipField="name",
        ),
        col("city", "cust.col.city", minWidth=70),
        col("grade", "cust.col.grade", minWidth=60, maxWidth=90),
        col("owner", "cust.col.owner", minWidth=150),
        col("last_visit", "cust.col.last_visit", minWidth=115),
        col("visits", "cust.col.visits_28d", minWidth=95, type="rightAligned"),
        col(
            "status",
            "cust.col.status",
            minWidth=95,
            cellStyle=_STATUS_STYLE,
            valueFormatter=code_labels("cust.status", STATUSES, lang),
        ),
        col("open_alerts", "cust.col.open_alerts", "int", minWidth=80),
        col("orders_90d", "cust.col.orders_90d", "money", minWidth=110),
    ]


def list_rows(rows: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Grid rows of the list service's rows."""
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "link": md_link(row["name"], profile_href(row["id"])),
            "city": row["city"],
            "grade": row["grade"],
            "owner": owner_label(row, lang),
            "last_visit": None if row["last_visit"] is None else row["last_visit"].isoformat(),
            "visits": f"{row['visits_28d']} / {row['required_28d']}",
            "status": row["status"],
            "open_alerts": row["open_alerts"],
            "orders_90d": row["orders_90d"],
        }
        for row in rows
    ]


def list_grid(lang: str, theme: str) -> html.Div:
    """The customer grid, with server-side CSV/XLSX buttons and the "showing N of M" note."""
    block = data_grid(
        LIST_GRID["name"],
        None,
        list_columns(lang),
        lang=lang,
        theme=theme,
        height=480,
        file_name="customers",
    )
    return server_exported(block, EXPORT, SHOWN, lang)


def _tile(key: str, label: str, value: str, note: str | None, colour: str) -> dbc.Col:
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(label, className="kpi-label"),
                    html.Div(value, className="kpi-value", id=f"customers-count-{key}"),
                    html.Div(note or "\u00a0", className="small text-body-secondary"),
                ]
            ),
            className=f"h-100 kpi-tile fin-tile-{colour}",
        ),
        xs=6,
        md=4,
        className="mb-3",
    )


def tiles(result: Mapping[str, Any], lang: str) -> dbc.Row:
    """Customers of the filter, white space, orphans."""
    orphans = result["orphans"]
    orphan_note = t("cust.tile.orphans_note", lang).format(
        none=orphans["no_owner"], inactive=orphans["inactive_owner"]
    )
    items = [
        ("total", f"{result['total']:,}", None, "primary"),
        ("white", f"{result['white_space']:,}", None, "warning"),
        ("orphans", f"{orphans['no_owner'] + orphans['inactive_owner']:,}", orphan_note, "danger"),
    ]
    return dbc.Row(
        [
            _tile(key, t(f"cust.tile.{key}", lang), value, note, colour)
            for key, value, note, colour in items
        ],
        className="g-3",
    )


def list_outputs(result: Mapping[str, Any], lang: str) -> tuple:
    """What the list callback sends: grid rows, tiles, the "showing N of M" note."""
    rows = result["rows"]
    return (
        list_rows(rows, lang),
        tiles(result, lang),
        shown_note(len(rows), result["total"], "cust.shown", lang),
    )


EXPORT_FIELDS = (
    ("id", "cust.col.id"),
    ("name", "cust.col.name"),
    ("city", "cust.col.city"),
    ("grade", "cust.col.grade"),
    ("owner_name", "cust.col.owner_name"),
    ("team_name", "cust.col.team"),
    ("last_visit", "cust.col.last_visit"),
    ("visits_28d", "cust.col.visits_28d_n"),
    ("required_28d", "cust.col.required_28d"),
    ("status", "cust.col.status"),
    ("due_on", "cust.col.due_on"),
    ("open_alerts", "cust.col.open_alerts"),
    ("orders_90d", "cust.col.orders_90d"),
)


def export_file(
    rows: Sequence[Mapping[str, Any]],
    fmt: str,
    lang: str,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Every customer of the filter as a CSV or XLSX download (``dcc.Download`` data), the
    status in words; ``progress(done, total)`` follows the rows written."""
    columns = [{"field": f, "headerName": t(key, lang)} for f, key in EXPORT_FIELDS]
    out = []
    for row in rows:
        item = {f: row.get(f) for f, _ in EXPORT_FIELDS}
        item["status"] = t(f"cust.status.{row['status']}", lang)
        for name in ("last_visit", "due_on"):
            value = item[name]
            item[name] = value.isoformat() if hasattr(value, "isoformat") else value
        out.append(item)
    return dcc.send_bytes(
        export_bytes(out, columns, fmt, progress, t("export.sheet", lang)), f"customers.{fmt}"
    )
