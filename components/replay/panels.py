"""The replay's panels: heading, day links, rep picker, summary, anomalies, legend, messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.i18n import t
from components.kpi import SEVERITY_HEX
from components.privacy import precision_badge
from components.replay.common import (
    GAP_COLOUR,
    INSIDE,
    OUTSIDE,
    PHOTO_COLOUR,
    PLAN_COLOUR,
    ROLE_COLOURS,
    SPEED_COLOURS,
    clock,
    duration,
)


def _stat(label: str, value: str, stat_id: str) -> html.Div:
    return html.Div(
        [
            html.Div(label, className="kpi-label"),
            html.Div(value, className="replay-stat", id=stat_id),
        ],
        className="mb-2",
    )


def _doubt_text(s: Mapping[str, Any], lang: str) -> str:
    """'1 · lowest 50' (just the count when every visit is trusted, '—' without visits)."""
    lowest = s.get("min_integrity")
    if lowest is None:
        return "—"
    doubtful = int(s.get("doubtful") or 0)
    if not doubtful:
        return "0"
    return f"{doubtful} · {t('integrity.lowest', lang).format(n=lowest)}"


def photo_kind(kind: str | None, lang: str) -> str:
    """A photo's kind in words ('' when the photo has none)."""
    return t(f"enum.photo_kind.{kind}", lang) if kind else ""


def alert_summary(a: Mapping[str, Any], lang: str) -> str:
    """The alert's summary in the viewer's language (the stored one for older payloads)."""
    return (a.get("summary_text") or {}).get(lang) or a["summary"]


def summary_panel(p: Mapping[str, Any], *, lang: str) -> html.Div:
    """km, drive time, in-store time, visits planned / done / detected, first and last fix."""
    s = p["summary"]
    return html.Div(
        [
            _stat(t("replay.km", lang), f"{s['km']:.1f} km", "replay-sum-km"),
            _stat(t("replay.drive", lang), duration(s["drive_s"], lang), "replay-sum-drive"),
            _stat(t("replay.in_store", lang), duration(s["in_store_s"], lang), "replay-sum-store"),
            _stat(
                t("replay.visits", lang),
                f"{s['planned']} / {s['done']} / {s['detected_without_check_in']}",
                "replay-sum-visits",
            ),
            _stat(
                t("integrity.doubtful", lang),
                _doubt_text(s, lang),
                "replay-sum-integrity",
            ),
            _stat(
                t("replay.first_last", lang),
                f"{clock(s['first_fix'], p['clock'])} / {clock(s['last_fix'], p['clock'])}",
                "replay-sum-fixes",
            ),
            _stat(t("replay.fixes", lang), f"{s['fixes']:,}", "replay-sum-count"),
            _stat(t("quality.replay.summary", lang), _quality_text(s, lang), "replay-sum-quality"),
        ]
    )


def _quality_text(s: Mapping[str, Any], lang: str) -> str:
    """'12 % coarse · 1 coarse jump · 2 cached runs' per device (poor phones named)."""
    parts = []
    for q in s.get("quality") or []:
        text = (
            f"{q['coarse_share'] * 100:.0f} % {t('quality.col.coarse_share', lang)} · "
            f"{t('quality.col.coarse_jumps', lang)} {q['coarse_jumps']} · "
            f"{t('quality.col.cached_runs', lang)} {q['cached_runs']}"
        )
        if q.get("poor"):
            text += f" · {t('quality.poor', lang)}"
        parts.append(text)
    return " | ".join(parts) if parts else "—"


def anomaly_list(p: Mapping[str, Any], *, lang: str) -> html.Div:
    """The day's alerts in time order; each row names the rule, time and summary."""
    if not p["alerts"]:
        return html.Div(t("replay.no_anomalies", lang), className="text-body-secondary small")
    return html.Ul(
        [
            html.Li(
                [
                    html.Span(
                        t(f"severity.{a['severity']}", lang),
                        className="badge me-1",
                        style={"background": SEVERITY_HEX.get(a["severity"], "#6c757d")},
                    ),
                    html.Strong(clock(a["t"], p["clock"]), className="me-1"),
                    html.Code(a["rule"], className="me-1"),
                    html.Span(alert_summary(a, lang), className="small"),
                ],
                className="mb-1",
            )
            for a in p["alerts"]
        ],
        className="list-unstyled mb-0 replay-anomalies",
        id="replay-anomaly-items",
    )


def legend(lang: str) -> html.Div:
    """Speed colours and marker meanings."""

    def swatch(colour: str, text: str, shape: str = "line") -> html.Div:
        return html.Div(
            [
                html.Span(
                    className=f"replay-swatch replay-swatch-{shape}", style={"background": colour}
                ),
                text,
            ],
            className="small d-flex align-items-center gap-2",
        )

    return html.Div(
        [swatch(c, t(f"replay.speed.{i}", lang)) for i, c in enumerate(SPEED_COLOURS)]
        + [
            swatch(GAP_COLOUR, t("replay.layer.gaps", lang)),
            swatch(PLAN_COLOUR, t("replay.layer.plan", lang)),
            swatch(INSIDE, f"{t('replay.check_in', lang)} · {t('replay.inside', lang)}", "dot"),
            swatch(OUTSIDE, f"{t('replay.check_in', lang)} · {t('replay.outside', lang)}", "dot"),
            swatch(PHOTO_COLOUR, t("replay.layer.photos", lang), "dot"),
        ]
        + [swatch(ROLE_COLOURS[r], t(f"replay.role.{r}", lang), "ring") for r in ROLE_COLOURS]
    )


def day_links(p: Mapping[str, Any], *, lang: str) -> list[Any]:
    """Previous / next working day links (disabled without such a day)."""
    rep = p["rep"]["id"]
    out = []
    for key, day, link_id in (
        ("replay.prev_day", p.get("prev_day"), "replay-prev-day"),
        ("replay.next_day", p.get("next_day"), "replay-next-day"),
    ):
        if day:
            out.append(
                dcc.Link(
                    t(key, lang),
                    href=f"/replay/{rep}/{day}",
                    id=link_id,
                    className="btn btn-sm btn-outline-secondary me-2",
                )
            )
        else:
            out.append(
                html.Span(
                    t(key, lang),
                    id=link_id,
                    className="btn btn-sm btn-outline-secondary me-2 disabled",
                )
            )
    return out


def rep_options(p: Mapping[str, Any]) -> list[dict[str, str]]:
    """The rep picker's options (reps in the viewer's scope)."""
    return [{"label": f"{name} · {team}", "value": rid} for rid, name, team in p.get("reps", [])]


def message(p: Mapping[str, Any], *, lang: str) -> Any:
    """The alert shown instead of (or above) the replay: not found, bad date, a day whose
    raw fixes were purged, empty day."""
    status = p.get("status")
    if status == "not_found":
        return dbc.Alert(t("replay.not_found", lang), color="warning", id="replay-not-found")
    if status == "bad_date":
        return dbc.Alert(
            f"{t('replay.bad_date', lang)} ({p.get('message', '')})",
            color="danger",
            id="replay-bad-date",
        )
    purged = p.get("purged") if status == "ok" else None
    if purged:
        # Issue 20, retention: the track is gone; the kept summary is shown, and why.
        text = t("replay.purged", lang).format(
            on=purged["on"], days=purged["retention_days"], fixes=f"{purged['fixes']:,}"
        )
        return dbc.Alert(text, color="secondary", id="replay-purged")
    if status == "ok" and not p["track"]["t"] and not p["visits"]:
        return dbc.Alert(t("replay.empty", lang), color="info", id="replay-empty")
    return None


def title(p: Mapping[str, Any], *, lang: str) -> str | list[Any]:
    """The heading: rep · team · day (and the precision badge when positions were reduced)."""
    if p.get("status") != "ok":
        return t("replay.title", lang)
    text = f"{t('replay.title', lang)} · {p['rep']['name']} · {p['rep']['team_name']} · {p['day']}"
    badge = precision_badge(p.get("precision"), lang)
    return text if badge is None else [text, badge]
