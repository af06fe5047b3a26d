"""The badge a map shows when the positions on it were reduced on the server (issue 20)."""

from __future__ import annotations

from dash import html

from components.i18n import t


def precision_badge(precision: str | None, lang: str) -> html.Span | None:
    """ "Position precision ~1 km" in ``lang`` for a reduced precision; None for exact."""
    if precision not in ("100m", "1km"):
        return None
    return html.Span(
        t(f"privacy.precision.{precision}", lang),
        className="badge text-bg-warning ms-2 position-precision",
        title=t("privacy.precision.hint", lang),
    )
