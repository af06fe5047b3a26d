"""The photo pair of a reused photo: both records, their hashes and the distance between them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import html

from components.alerts.evidence_values import local_time
from components.i18n import t
from dashboard.rules.authenticity import photos as photo_rules


def hamming(a: str | None, b: str | None) -> int | None:
    """Bits that differ between two hex perceptual hashes (None when unreadable)."""
    try:
        return photo_rules.hamming(
            photo_rules.phash_value(a or ""), photo_rules.phash_value(b or "")
        )
    except ValueError:
        return None


def _kind(kind: str | None, lang: str) -> str:
    """A photo kind (contract §1) in the viewer's language."""
    return t(f"enum.photo_kind.{kind}", lang) if kind else ""


def _photo_card(photo: Mapping[str, Any] | None, title: str, tz: str | None, lang: str):
    if not photo:
        body = [html.Div(t("alerts.photos.missing", lang), className="text-body-secondary")]
    else:
        sha = str(photo.get("sha256") or "")
        body = [
            html.Div([html.Code(photo["id"]), " · ", _kind(photo.get("kind"), lang)]),
            html.Div(
                f"{t('alerts.photos.visit', lang)} {photo.get('visit_id')} · "
                f"{t('alerts.photos.taken', lang)} {local_time(photo.get('taken_at'), tz)}"
            ),
            html.Div([t("alerts.photos.phash", lang), " ", html.Code(photo.get("phash"))]),
            html.Div(["SHA-256 ", html.Code(f"{sha[:16]}…", title=sha)]),
        ]
    return dbc.Card(
        [dbc.CardHeader(title, className="py-1 small"), dbc.CardBody(body, className="py-2 small")],
        className="h-100 alerts-photo",
    )


def photo_pair(
    context: Mapping[str, Any], evidence: Mapping[str, Any], *, tz: str | None, lang: str
) -> html.Div:
    """The reused photo beside the earlier one it matches, with both hashes and their distance."""
    this, other = context.get("photo"), context.get("matched_photo")
    distance = evidence.get("hamming")
    if distance is None and this and other:
        distance = hamming(this.get("phash"), other.get("phash"))
    facts = []
    if distance is not None:
        facts.append(
            t("alerts.photos.hamming", lang).format(
                d=int(distance), max=int(evidence.get("max_hamming", 6))
            )
        )
    if this and other and this.get("sha256") == other.get("sha256"):
        facts.append(t("alerts.photos.same_sha", lang))
    return html.Div(
        [
            html.H3(t("alerts.photos", lang), className="h6 mt-2"),
            dbc.Row(
                [
                    dbc.Col(_photo_card(this, t("alerts.photos.this", lang), tz, lang), md=6),
                    dbc.Col(_photo_card(other, t("alerts.photos.matched", lang), tz, lang), md=6),
                ],
                className="g-2",
            ),
            html.Div(
                " · ".join(facts), className="small fw-semibold mt-1", id="alerts-photo-facts"
            ),
        ],
        id="alerts-photo-pair",
        className="mb-2",
    )
