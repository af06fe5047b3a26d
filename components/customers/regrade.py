"""The regrade (contract §5): the admin's what-if and apply panel on /customers, and a
customer's grade, lock and grade history on its profile. Renders what it is given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.customers import ids
from components.i18n import t

# ------------------------------------------------------------------ the what-if panel

# The reasons ingest writes itself on the owner and grade history (dashboard/services/ingest.py),
# in English for the API: shown in the viewer's language. A reason a person typed is shown as typed.
INGEST_REASONS = {
    "new customer": "cust.reason.new_customer",
    "owner_rep_id changed by ingest": "cust.reason.owner_ingest",
    "grade changed by ingest": "cust.reason.grade_ingest",
}


def history_reason(reason: str | None, lang: str) -> str:
    """A history row's reason in ``lang`` when ingest wrote it, else as stored."""
    if reason in INGEST_REASONS:
        return t(INGEST_REASONS[reason], lang)
    return reason or ""


def regrade_panel(lang: str) -> dbc.Card:
    """The panel's skeleton: the what-if body the callback fills, the reason and the button."""
    return dbc.Card(
        [
            dbc.CardHeader(t("grd.title", lang)),
            dbc.CardBody(
                [
                    dcc.Store(id=ids.REGRADE_REFRESH, data=0),
                    dcc.Store(id=ids.REGRADE_PLAN, data=None),
                    html.P(t("grd.hint", lang), className="small text-body-secondary mb-2"),
                    html.Div(dbc.Spinner(size="sm"), id=ids.REGRADE_BODY),
                    dbc.InputGroup(
                        [
                            dbc.Input(
                                id=ids.REGRADE_REASON,
                                placeholder=t("grd.reason", lang),
                                maxLength=500,
                                type="text",
                            ),
                            dbc.Button(t("grd.apply", lang), id=ids.REGRADE_APPLY, color="warning"),
                        ],
                        className="mt-2",
                        size="sm",
                    ),
                    html.Div(id=ids.REGRADE_MESSAGE, className="small mt-2"),
                ]
            ),
        ],
        id=ids.REGRADE,
        className="mb-3",
    )


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]], **kw: Any) -> dbc.Table:
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in head])),
            html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows]),
        ],
        size="sm",
        bordered=False,
        striped=True,
        className="small mb-2",
        **kw,
    )


def whatif_body(summary: Mapping[str, Any], lang: str) -> html.Div:
    """The what-if: the counts, the moves per region and the share per grade before/after."""
    moves = summary["moves"]
    move_table: Any = (
        _table(
            [t("grd.col.region", lang), t("grd.col.move", lang), t("grd.col.customers", lang)],
            [[m["region_id"], m["move"], m["customers"]] for m in moves],
            id="customers-regrade-moves",
        )
        if moves
        else html.P(t("grd.no_moves", lang), className="small")
    )
    shares = _table(
        [
            t("grd.col.region", lang),
            t("grd.col.grade", lang),
            t("grd.col.count", lang),
            t("grd.col.share", lang),
        ],
        [
            [
                s["region_id"],
                s["grade"],
                f"{s['customers_before']} → {s['customers_after']}",
                f"{s['share_before']:.1f} → {s['share_after']:.1f}",
            ]
            for s in summary["shares"]
        ],
        id="customers-regrade-shares",
    )
    return html.Div(
        [
            html.P(
                t("grd.summary", lang).format(
                    customers=summary["customers"],
                    changes=summary["changes"],
                    held=summary["held_by_lock"],
                ),
                id="customers-regrade-summary",
                className="fw-semibold small mb-1",
            ),
            dbc.Row(
                [
                    dbc.Col([html.Div(t("grd.moves", lang), className="small"), move_table], md=5),
                    dbc.Col([html.Div(t("grd.shares", lang), className="small"), shares], md=7),
                ]
            ),
        ]
    )


def applied(n: int, lang: str) -> dbc.Alert:
    return dbc.Alert(t("grd.applied", lang).format(n=n), color="success", className="py-1 mb-0")


def stale(lang: str) -> dbc.Alert:
    return dbc.Alert(t("grd.stale", lang), color="warning", className="py-1 mb-0")


def refused(reason: str, lang: str) -> dbc.Alert:
    return dbc.Alert(
        t("grd.refused", lang).format(reason=reason), color="danger", className="py-1 mb-0"
    )


# ------------------------------------------------------------------ the profile's grade card


def grade_section(customer_id: str | None, lang: str, *, may_lock: bool) -> html.Div:
    """The profile's grade card skeleton and the lock control. The control exists for every
    role (the callbacks name it), shown only to those who may lock; the callback refuses the
    others on the server too."""
    control = html.Div(
        [
            dbc.InputGroup(
                [
                    dbc.Input(
                        id=ids.GRADE_REASON,
                        placeholder=t("grd.lock.reason", lang),
                        maxLength=500,
                        type="text",
                        disabled=not may_lock,
                    ),
                    dbc.Button(
                        t("grd.lock.lock", lang),
                        id=ids.GRADE_LOCK,
                        color="secondary",
                        disabled=not may_lock,
                    ),
                    dbc.Button(
                        t("grd.lock.unlock", lang),
                        id=ids.GRADE_UNLOCK,
                        color="secondary",
                        outline=True,
                        disabled=not may_lock,
                    ),
                ],
                size="sm",
                className="mt-2",
            ),
            html.Div(id=ids.GRADE_MESSAGE, className="small mt-1"),
        ],
        hidden=not may_lock,
    )
    return html.Div(
        [dcc.Store(id=ids.GRADE_REFRESH, data=0), html.Div(id=ids.GRADE_CARD), control],
        className="customer-grade-section mt-3",
    )


def _source(row: Mapping[str, Any], lang: str) -> str:
    if row["source"] == "lock":
        return t("grd.event.locked" if row.get("locked") else "grd.event.unlocked", lang)
    return t(f"grd.source.{row['source']}", lang)


def _at(value: Any) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def grade_card(card: Mapping[str, Any] | None, lang: str) -> Any:
    """A customer's grade, its lock (who, when, why) and its grade history, newest first."""
    if card is None:
        return None
    lock = (
        t("grd.profile.locked", lang).format(
            by=card["locked_by"] or "", at=_at(card["locked_at"]), reason=card["lock_reason"] or ""
        )
        if card["grade_locked"]
        else t("grd.profile.unlocked", lang)
    )
    history = card["history"]
    body: Any = (
        _table(
            [
                t("grd.col.at", lang),
                t("grd.col.change", lang),
                t("grd.col.source", lang),
                t("grd.col.by", lang),
                t("grd.col.why", lang),
            ],
            [
                [
                    _at(h["changed_at"]),
                    f"{h['old_grade'] or '—'} → {h['new_grade']}",
                    _source(h, lang),
                    h["changed_by"],
                    history_reason(h["reason"], lang),
                ]
                for h in history
            ],
            id="customer-grade-history",
        )
        if history
        else html.P(t("grd.profile.history_empty", lang), className="small mb-0")
    )
    return dbc.Card(
        [
            dbc.CardHeader(t("grd.profile.title", lang)),
            dbc.CardBody(
                [
                    html.P(
                        [
                            html.Strong(f"{t('grd.profile.grade', lang)}: {card['grade']}"),
                            html.Span(f" · {lock}", id="customer-grade-lock-state"),
                        ],
                        className="small mb-2",
                    ),
                    body,
                ]
            ),
        ]
    )


def lock_outcome(changed: bool, locked: bool, lang: str) -> dbc.Alert:
    if not changed:
        return dbc.Alert(t("grd.lock.same", lang), color="secondary", className="py-1 mb-0")
    key = "grd.lock.done" if locked else "grd.lock.undone"
    return dbc.Alert(t(key, lang), color="success", className="py-1 mb-0")
