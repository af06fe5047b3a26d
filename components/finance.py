"""Finance presentation: the claims and mileage grids, totals, one claim's evidence, the
statement table, the what-if table and the drift chart (render what they are given)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from dash import dcc, html

from components.formatting import fmt_value, is_missing
from components.grids import column, data_grid, records, to_xlsx_bytes
from components.i18n import t
from components.kpi import SEVERITY_COLOURS, empty_figure

CATEGORIES = ("mileage", "transport", "hotel", "meal", "entertainment", "other")
STATUSES = ("pending", "approved", "rejected", "queried")
STATUS_COLOURS = {
    "pending": "secondary",
    "approved": "success",
    "rejected": "danger",
    "queried": "warning",
    "open": "secondary",
}
CLAIM_FIELDS = (
    "claim_id",
    "date",
    "rep_name",
    "team_name",
    "category",
    "amount",
    "city",
    "customer_name",
    "visit_id",
    "day_visits",
    "flags",
    "at_risk",
    "status",
    "decided_by",
    "rep_id",
)


def money(value: Any, lang: str) -> str:
    return fmt_value(value, "money", lang)


def km(value: Any) -> str:
    return "—" if is_missing(value) else f"{value:,.1f} km"


def _labels(prefix: str, values, lang: str) -> dict[str, Any]:
    """A browser-side formatter showing a code's label (the cell keeps the code for filters)."""
    names = {v: t(f"{prefix}.{v}", lang) for v in values}
    return {"function": f"({json.dumps(names, ensure_ascii=False)})[params.value] || params.value"}


def claim_columns(lang: str) -> list[dict[str, Any]]:
    status_style = {
        "function": "({'approved': {'color': 'var(--bs-success)'}, 'rejected': "
        "{'color': 'var(--bs-danger)'}, 'queried': {'color': 'var(--bs-warning-text-emphasis)'}})"
        "[params.value] || {}"
    }
    return [
        column("claim_id", t("fin.col.claim", lang), pinned="left", minWidth=185),
        column("date", t("fin.col.date", lang), minWidth=110),
        column("rep_name", t("fin.col.rep", lang)),
        column("team_name", t("common.team", lang)),
        column(
            "category",
            t("fin.col.category", lang),
            valueFormatter=_labels("fin.cat", CATEGORIES, lang),
        ),
        column("amount", t("fin.col.amount", lang), "money"),
        column("city", t("fin.col.city", lang)),
        column("customer_name", t("fin.col.customer", lang)),
        column("visit_id", t("fin.col.visit", lang)),
        column("day_visits", t("fin.col.day_visits", lang), "int", minWidth=80),
        column("flags", t("fin.col.flags", lang), minWidth=260, tooltipField="flags"),
        column("at_risk", t("fin.col.at_risk", lang), "money"),
        column(
            "status",
            t("fin.col.status", lang),
            cellStyle=status_style,
            valueFormatter=_labels("fin.status", STATUSES, lang),
        ),
        column("decided_by", t("fin.col.decided_by", lang)),
    ]


def mileage_columns(lang: str) -> list[dict[str, Any]]:
    return [
        column("claim_id", t("fin.col.claim", lang), pinned="left", minWidth=185),
        column("date", t("fin.col.date", lang), minWidth=110),
        column("rep_name", t("fin.col.rep", lang)),
        column("claimed_km", t("fin.km.claimed", lang), "dec"),
        column("tracked_km", t("fin.km.tracked", lang), "dec"),
        column("limit_km", t("fin.km.limit", lang), "dec"),
        column("excess_km", t("fin.km.excess", lang), "dec"),
        column("ratio", t("fin.km.ratio", lang), "dec"),
        column("amount", t("fin.col.amount", lang), "money"),
        column("reimbursable_cny", t("fin.km.reimbursable", lang), "money"),
        column(
            "status",
            t("fin.col.status", lang),
            valueFormatter=_labels("fin.status", STATUSES, lang),
        ),
    ]


CLAIMS_EXPORT = "finance-claims-export"
MILEAGE_EXPORT = "finance-mileage-export"
CLAIMS_SHOWN = "finance-claims-shown"
MILEAGE_SHOWN = "finance-mileage-shown"


def export_buttons(prefix: str, lang: str) -> html.Div:
    """CSV and XLSX buttons that export on the server (every row of the filter, not only the
    rows the grid holds): ids ``<prefix>-csv``, ``<prefix>-xlsx``, ``<prefix>-download``."""
    return html.Div(
        [
            dbc.Button(
                t("export.csv", lang),
                id=f"{prefix}-csv",
                size="sm",
                color="secondary",
                outline=True,
                className="me-2",
                title=t("fin.export.all", lang),
            ),
            dbc.Button(
                t("export.xlsx", lang),
                id=f"{prefix}-xlsx",
                size="sm",
                color="secondary",
                outline=True,
                title=t("fin.export.all", lang),
            ),
            dcc.Download(id=f"{prefix}-download"),
        ],
        className="d-flex justify-content-end mb-2",
    )


def _server_exported(block: html.Div, prefix: str, shown_id: str, lang: str) -> html.Div:
    """Swap a data_grid's in-browser export buttons for server-side ones, add the shown note."""
    block.children[0] = export_buttons(prefix, lang)
    block.children.insert(1, html.Div(id=shown_id, className="small text-body-secondary mb-1"))
    return block


def claims_grid(lang: str, theme: str) -> html.Div:
    """The claims grid: several rows selectable (checkboxes, or click for one)."""
    block = data_grid(
        "finance-claims",
        None,
        claim_columns(lang),
        lang=lang,
        theme=theme,
        height=520,
        file_name="claims",
        multi_select_by="claim_id",
    )
    return _server_exported(block, CLAIMS_EXPORT, CLAIMS_SHOWN, lang)


def mileage_grid(lang: str, theme: str) -> html.Div:
    block = data_grid(
        "finance-mileage",
        None,
        mileage_columns(lang),
        lang=lang,
        theme=theme,
        height=420,
        file_name="mileage",
    )
    block.children[1].getRowId = "params.data.claim_id"
    return _server_exported(block, MILEAGE_EXPORT, MILEAGE_SHOWN, lang)


def shown_note(shown: int, total: int, key: str, lang: str) -> str:
    """ "Showing N of M ..." when the grid holds fewer rows than the filter has, else ""."""
    if shown >= total:
        return ""
    return t(key, lang).format(n=f"{shown:,}", total=f"{total:,}")


def ledger_outputs(result: Mapping[str, Any], lang: str, theme: str) -> tuple:
    """What the ledger callback sends: claims rows, mileage rows, the drift figure, the totals
    tiles, and the two "showing N of M" notes."""
    band = 1 + result["rules"].mileage_tolerance_pct / 100.0
    claims, mileage = result["claims"], result["mileage"]
    return (
        claim_rows(claims),
        mileage_rows(mileage),
        ratio_figure(result["ratios"], band=band, lang=lang, theme=theme),
        totals_tiles(result["totals"], lang),
        shown_note(len(claims), result["totals"]["claims"], "fin.shown", lang),
        shown_note(len(mileage), result["mileage_total"], "fin.km.shown", lang),
    )


def export_bytes(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[Mapping[str, Any]], fmt: str
) -> bytes:
    """Grid rows as a CSV (UTF-8 with BOM, for Excel) or XLSX file, headed by the columns."""
    if fmt == "xlsx":
        return to_xlsx_bytes(rows, columns)
    if fmt != "csv":
        raise ValueError(f"fmt: {fmt!r} is not csv or xlsx")
    fields = [c["field"] for c in columns if "field" in c]
    headers = {c["field"]: c.get("headerName", c["field"]) for c in columns if "field" in c}
    frame = pd.DataFrame(list(rows), columns=fields).rename(columns=headers)
    return frame.to_csv(index=False).encode("utf-8-sig")


def claim_rows(claims: pd.DataFrame) -> list[dict[str, Any]]:
    return records(claims[[c for c in CLAIM_FIELDS if c in claims.columns]])


def mileage_rows(mileage: pd.DataFrame) -> list[dict[str, Any]]:
    cols = [
        "claim_id",
        "date",
        "rep_name",
        "claimed_km",
        "tracked_km",
        "limit_km",
        "excess_km",
        "ratio",
        "amount",
        "reimbursable_cny",
        "status",
    ]
    return records(mileage[cols]) if not mileage.empty else []


def totals_tiles(totals: Mapping[str, Any], lang: str) -> dbc.Row:
    """Claimed, at risk, approved, rejected (and queried, pending) of the filtered claims."""
    tiles = [
        ("claimed", totals["claimed"], f"{totals['claims']:,} {t('fin.claims', lang)}", "primary"),
        ("at_risk", totals["at_risk"], f"{totals['flagged']:,} {t('fin.flagged', lang)}", "danger"),
        ("approved", totals["approved"], f"{totals['approved_n']:,}", "success"),
        ("rejected", totals["rejected"], f"{totals['rejected_n']:,}", "danger"),
        ("queried", totals["queried"], f"{totals['queried_n']:,}", "warning"),
        ("pending", totals["pending"], f"{totals['pending_n']:,}", "secondary"),
    ]
    cols = [
        dbc.Col(
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(t(f"fin.total.{key}", lang), className="kpi-label"),
                        html.Div(money(value, lang), className="kpi-value", id=f"fin-total-{key}"),
                        html.Div(sub, className="small text-body-secondary"),
                    ]
                ),
                className=f"h-100 kpi-tile fin-tile-{colour}",
            ),
            xs=6,
            md=4,
            xl=2,
            className="mb-3",
        )
        for key, value, sub, colour in tiles
    ]
    return dbc.Row(cols, className="g-3")


_TEMPLATES: dict[str, dict[str, Any]] = {}


def _template(theme: str) -> dict[str, Any]:
    """The plotly template of a theme as plain JSON, built once (validating it through
    ``go.Figure.update_layout`` costs tens of ms on every call)."""
    name = "plotly_dark" if theme == "dark" else "plotly_white"
    if name not in _TEMPLATES:
        _TEMPLATES[name] = pio.templates[name].to_plotly_json()
    return _TEMPLATES[name]


def _hline(y: float, dash: str, colour: str) -> dict[str, Any]:
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": y,
        "y1": y,
        "line": {"dash": dash, "color": colour},
    }


def ratio_figure(
    ratios: pd.DataFrame, *, band: float, lang: str, theme: str
) -> go.Figure | dict[str, Any]:
    """claimed ÷ tracked per claim date for the drifting reps, with the tolerance ratio (a plain
    figure dict with the page's chart layout: built on every ledger refresh)."""
    if ratios.empty:
        return empty_figure(lang, theme, height=360)
    data = [
        {
            "type": "scatter",
            "x": [d.isoformat() if hasattr(d, "isoformat") else d for d in part["date"]],
            "y": [float(y) for y in part["ratio"]],
            "mode": "lines+markers",
            "name": str(name),
        }
        for (_rep_id, name), part in ratios.groupby(["rep_id", "rep_name"], sort=False)
    ]
    layout = {
        "template": _template(theme),
        "height": 360,
        "margin": {"l": 40, "r": 16, "t": 24, "b": 40},
        "legend": {"orientation": "h", "y": -0.2},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "yaxis": {"title": {"text": t("fin.km.ratio", lang)}, "rangemode": "tozero"},
        "shapes": [_hline(band, "dash", "#dc3545"), _hline(1.0, "dot", "#6c757d")],
        "annotations": [
            {
                "text": t("fin.km.band_line", lang),
                "xref": "paper",
                "x": 0,
                "xanchor": "left",
                "yref": "y",
                "y": band,
                "yanchor": "bottom",
                "showarrow": False,
            }
        ],
    }
    return {"data": data, "layout": layout}


# ------------------------------------------------------------------ evidence


def _badge(status: str, lang: str, **kw: Any) -> dbc.Badge:
    return dbc.Badge(
        t(f"fin.status.{status}", lang), color=STATUS_COLOURS.get(status, "secondary"), **kw
    )


def _section(title: str, body: Any) -> html.Div:
    return html.Div([html.H3(title, className="h6 mt-3 mb-1 fin-ev-title"), body])


def _small_table(header: Sequence[str], rows: Sequence[Sequence[Any]], **kw: Any) -> dbc.Table:
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in header])),
            html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows]),
        ],
        size="sm",
        striped=True,
        className="mb-1 fin-ev-table",
        **kw,
    )


def _none(lang: str) -> html.Div:
    return html.Div(t("fin.ev.none", lang), className="text-body-secondary small")


def mileage_table(ledger: Any, lang: str) -> dbc.Table:
    rows = [
        (t("fin.km.claimed", lang), km(ledger.claimed_km)),
        (t("fin.km.raw", lang), km(ledger.raw_km)),
        (t("fin.km.tracked", lang), km(ledger.tracked_km)),
        (t("fin.km.chain", lang), km(ledger.chain_km)),
        (t("fin.km.limit", lang), km(ledger.limit_km)),
        (t("fin.km.excess", lang), km(ledger.excess_km)),
        (t("fin.km.ratio", lang), "—" if ledger.ratio is None else f"{ledger.ratio:.2f}"),
        (
            t("fin.km.reimbursable", lang),
            f"{money(ledger.reimbursable_cny, lang)} ({km(ledger.reimbursable_km)} × "
            f"{ledger.rate_cny_per_km:g})",
        ),
        (t("fin.col.at_risk", lang), money(ledger.at_risk_cny, lang)),
    ]
    return dbc.Table(
        html.Tbody([html.Tr([html.Th(k, className="fw-normal"), html.Td(v)]) for k, v in rows]),
        size="sm",
        className="mb-1 fin-ev-table",
        id="finance-mileage-ledger",
    )


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
                        dbc.Badge(f["rule"], color="danger", className="me-1"),
                        money(f["amount_at_risk"], lang),
                        " · ",
                        html.Span(f["summary"], className="small"),
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
            _small_table(
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
                                a["rule"],
                                color=SEVERITY_COLOURS.get(a["severity"], "secondary"),
                                className="me-1",
                            ),
                            html.Span(a["summary"], className="small"),
                        ]
                    )
                    for a in alerts.to_dict("records")
                ],
                className="list-unstyled mb-0",
            )
            if not alerts.empty
            else _none(lang),
        )
    )
    uses = ev["receipt_uses"]
    if claim.get("receipt_sha256"):
        parts.append(
            _section(
                t("fin.ev.receipt", lang),
                _small_table(
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
                else _none(lang),
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
                        category=cap.category,
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


def history_list(history: pd.DataFrame, lang: str) -> html.Div:
    if history.empty:
        return html.Div(_none(lang), id="finance-history")
    items = []
    for h in history.to_dict("records"):
        kind = "" if h["subject_kind"] == "claim" else f" [{h['subject_id']}]"
        items.append(
            html.Li(
                [
                    html.Span(pd.Timestamp(h["at"]).strftime("%Y-%m-%d %H:%M"), className="me-1"),
                    html.Strong(h["actor"], className="me-1"),
                    f"{h['from_status']} → {h['to_status']}{kind}",
                    html.Span(f" · {h['note']}", className="fst-italic") if h["note"] else "",
                ],
                className="small",
            )
        )
    return html.Ul(items, className="list-unstyled mb-0", id="finance-history")


def selection_summary(rows: Sequence[Mapping[str, Any]], lang: str) -> html.Div:
    amount = sum(float(r.get("amount") or 0) for r in rows)
    return dbc.Alert(
        t("fin.selected_many", lang).format(n=len(rows), amount=money(amount, lang)),
        color="info",
        className="py-2",
        id="finance-selection-summary",
    )


# ------------------------------------------------------------------ statement, what-if

STATEMENT_MONEY = ("claimed", "approved", "rejected", "queried", "pending", "at_risk")


def statement_columns(by: str, lang: str) -> list[dict[str, Any]]:
    keys = (
        [("rep_name", t("fin.col.rep", lang)), ("team_name", t("common.team", lang))]
        if by == "rep"
        else [("team_name", t("common.team", lang))]
    )
    cols = [{"field": f, "headerName": h} for f, h in keys]
    cols.append({"field": "claims", "headerName": t("fin.claims", lang)})
    cols += [{"field": f, "headerName": t(f"fin.total.{f}", lang)} for f in STATEMENT_MONEY]
    cols.append({"field": "flagged", "headerName": t("fin.flagged", lang)})
    cols.append({"field": "reasons", "headerName": t("fin.st.reasons", lang)})
    return cols


def statement_table(
    rows: pd.DataFrame, totals: Mapping[str, Any], by: str, month: str, lang: str
) -> html.Div:
    """The printable statement of a month."""
    cols = statement_columns(by, lang)
    if rows.empty:
        return html.Div(
            [html.H2(t("fin.st.title", lang).format(month=month), className="h5"), _none(lang)]
        )

    def cell(field: str, value: Any) -> Any:
        if field in STATEMENT_MONEY:
            return money(value, lang)
        return "" if is_missing(value) else value

    body = [
        html.Tr([html.Td(cell(c["field"], row.get(c["field"]))) for c in cols])
        for row in rows.to_dict("records")
    ]
    foot = html.Tr(
        [html.Th(t("fin.st.total", lang)), *[html.Th("") for _ in cols[1:-9]]]
        + [html.Th(f"{totals['claims']:,}")]
        + [html.Th(money(totals[f], lang)) for f in STATEMENT_MONEY]
        + [html.Th(f"{totals['flagged']:,}"), html.Th("")]
    )
    return html.Div(
        [
            html.H2(t("fin.st.title", lang).format(month=month), className="h5"),
            dbc.Table(
                [
                    html.Thead(html.Tr([html.Th(c["headerName"]) for c in cols])),
                    html.Tbody(body),
                    html.Tfoot(foot),
                ],
                size="sm",
                striped=True,
                bordered=True,
                responsive=True,
                id="finance-statement-table",
                className="fin-statement",
            ),
        ]
    )


def statement_rows(rows: pd.DataFrame) -> list[dict[str, Any]]:
    return records(rows)


def what_if_table(result: Mapping[str, Any], lang: str) -> html.Div:
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
    if audit.empty:
        return _none(lang)
    return _small_table(
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
