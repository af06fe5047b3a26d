"""Standard report files (contract §8): XLSX (openpyxl), PDF (fpdf2, charts drawn on the
server, CJK text in an embedded font) and CSV, from a report of ``dashboard.services.reports``.

Rows name each rep and team by id and by name (two columns), the reps first, then the teams;
headers are in the chosen language.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import os
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from components.formatting import fmt_change, fmt_value, is_missing
from components.i18n import t
from dashboard import reports as core

HEADLINE = (
    "visits",
    "effective",
    "effective_rate",
    "plan_adherence",
    "sop_completion",
    "rep_days",
    "km",
    "expense",
)
HEADLINE_KINDS = {**core.FIGURE_KINDS, "expense": "money"}
HEADLINE_LABELS = {"expense": "rpt.col.claimed"}

# Where a CJK font is looked for (first found wins); REPORT_CJK_FONT names another one.
# WenQuanYi Micro Hei first: a TrueType font subsets in a fraction of the time of Noto CJK's
# CFF outlines (about 0.3 s against 2 s per PDF).
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
CJK_FONT_ENV = "REPORT_CJK_FONT"

XLSX_FORMATS = {
    "int": "#,##0",
    "dec": "#,##0.0",
    "pct": "0.0%",
    "money": "#,##0.00",
    "time": "hh:mm",
}


class FontMissing(RuntimeError):
    """No CJK font to embed in a PDF: the message says where one was looked for."""


def headline_label(key: str, lang: str) -> str:
    return t(HEADLINE_LABELS.get(key, f"rpt.col.{key}"), lang)


def header(field: str, lang: str) -> str:
    return t(f"rpt.col.{field}", lang)


def cell_text(field: str, value: Any, lang: str) -> str:
    """A table value as shown on screen and in the PDF."""
    if field == "level":
        return t(f"rpt.level.{value}", lang)
    kind = core.FIGURE_KINDS.get(field) or HEADLINE_KINDS.get(field)
    if kind is None:
        return "" if is_missing(value) else str(value)
    if kind == "time":
        return core.fmt_time(value)
    return fmt_value(value, kind, lang)


def heading(report: Mapping[str, Any], lang: str, scope: str) -> str:
    period = report["period"]
    return (
        t("rpt.heading", lang).format(
            kind=t(f"rpt.kind.{period.kind}", lang),
            label=period.label,
            start=period.start.isoformat(),
            end=period.end.isoformat(),
        )
        + f" · {scope}"
    )


def exception_lines(report: Mapping[str, Any], lang: str) -> dict[str, list[str]]:
    """The exceptions as text lines: overdue A customers, critical alerts, claims at risk."""
    overdue = [
        t("rpt.overdue_line", lang).format(
            name=row["name"],
            id=row["customer_id"],
            visits=int(row["verified_visits"]),
            required=int(row["required_visits"]),
        )
        for row in report["overdue_a"].to_dict("records")
    ]
    critical = [
        t("rpt.critical_line", lang).format(
            name=row["name"], id=row["id"], n=int(row["alerts_critical"])
        )
        for row in report["critical"].to_dict("records")
    ]
    at_risk = [
        t("rpt.at_risk_line", lang).format(
            name=row["name"], id=row["id"], amount=fmt_value(row["at_risk"], "money", lang)
        )
        for row in report["at_risk"].to_dict("records")
    ]
    return {"rpt.overdue_a": overdue, "rpt.critical": critical, "rpt.at_risk": at_risk}


# ------------------------------------------------------------------ CSV


def to_csv_bytes(report: Mapping[str, Any], lang: str) -> bytes:
    """One row per rep, then one per team; rates as fractions, times as HH:MM; UTF-8 with a BOM
    (so spreadsheet programs read the Chinese names)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([header(field, lang) for field in core.COLUMNS])
    for row in report["rows"].to_dict("records"):
        out = []
        for field in core.COLUMNS:
            value = row[field]
            if field == "level":
                out.append(t(f"rpt.level.{value}", lang))
            elif core.FIGURE_KINDS.get(field) == "time":
                out.append("" if is_missing(value) else core.fmt_time(value))
            elif is_missing(value):
                out.append("")
            elif isinstance(value, float):
                out.append(f"{value:.4f}".rstrip("0").rstrip("."))
            else:
                out.append(value)
        writer.writerow(out)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# ------------------------------------------------------------------ XLSX


def _xlsx_value(field: str, value: Any) -> Any:
    if is_missing(value):
        return None
    if core.FIGURE_KINDS.get(field) == "time":
        return float(value) / 1440.0  # minutes after midnight → Excel time (fraction of a day)
    if hasattr(value, "item"):
        return value.item()
    return value


def _write_table(sheet, frame: pd.DataFrame, lang: str) -> None:
    from openpyxl.styles import Font

    sheet.append([header(field, lang) for field in core.COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    levels = {field: t(f"rpt.level.{field}", lang) for field in ("rep", "team")}
    for row in frame.to_dict("records"):
        sheet.append(
            [
                levels.get(row[field], row[field])
                if field == "level"
                else _xlsx_value(field, row[field])
                for field in core.COLUMNS
            ]
        )
    for index, field in enumerate(core.COLUMNS, start=1):
        kind = core.FIGURE_KINDS.get(field)
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 14 if kind else 18
        if kind:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = XLSX_FORMATS[kind]
    sheet.freeze_panes = "D2"  # the header row and the level, id, name columns stay in view


def to_xlsx_bytes(report: Mapping[str, Any], lang: str, scope: str) -> bytes:
    """A workbook: Summary (headline figures with the previous period and the change, then the
    exceptions), then one sheet per table: reps, teams. Numbers keep their value with a number
    format; headers are frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    summary = book.active
    summary.title = t("rpt.sheet.summary", lang)[:31]
    summary.append([heading(report, lang, scope)])
    summary["A1"].font = Font(bold=True, size=13)
    period = report["period"]
    summary.append(
        [
            "",
            t("rpt.kind." + period.kind, lang),
            t("rpt.previous", lang).format(
                start=period.previous_start.isoformat(), end=period.previous_end.isoformat()
            ),
            t("kpi.vs_previous", lang),
        ]
    )
    for cell in summary[2]:
        cell.font = Font(bold=True)
    for key in HEADLINE:
        change = report["changes"].get(key)
        summary.append(
            [
                headline_label(key, lang),
                _xlsx_value(key, report["current"].get(key)),
                _xlsx_value(key, report["previous"].get(key)),
                None if is_missing(change) else change,
            ]
        )
        row = summary.max_row
        fmt = XLSX_FORMATS[HEADLINE_KINDS[key]]
        summary.cell(row=row, column=2).number_format = fmt
        summary.cell(row=row, column=3).number_format = fmt
        summary.cell(row=row, column=4).number_format = "+0.0%;-0.0%;0.0%"
    summary.freeze_panes = "A3"
    summary.append([])
    for key, lines in exception_lines(report, lang).items():
        summary.append([t(key, lang)])
        summary.cell(row=summary.max_row, column=1).font = Font(bold=True)
        for line in lines or [t("rpt.none", lang)]:
            summary.append(["", line])
    summary.column_dimensions["A"].width = 26
    for letter in "BCD":
        summary.column_dimensions[letter].width = 22
    for key, name in (("reps", "rpt.reps"), ("teams", "rpt.teams")):
        _write_table(book.create_sheet(t(name, lang)[:31]), report[key], lang)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------ PDF


def find_cjk_font() -> Path:
    """The CJK font to embed: $REPORT_CJK_FONT, else the first of ``CJK_FONT_CANDIDATES``."""
    named = os.environ.get(CJK_FONT_ENV)
    candidates = [named] if named else list(CJK_FONT_CANDIDATES)
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "PDF reports need a CJK font to embed (Chinese names would print as boxes); none found "
        f"at {', '.join(c for c in candidates if c)}. Install one (Debian: apt-get install "
        f"fonts-wqy-microhei or fonts-noto-cjk) or set {CJK_FONT_ENV} to a .ttf/.ttc/.otf file."
    )


def _nice_max(value: float) -> float:
    if value <= 0 or math.isnan(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _axes(pdf, x: float, y: float, w: float, h: float, top: float, unit: str) -> None:
    """Frame, 5 horizontal grid lines with labels, for a chart area."""
    pdf.set_draw_color(200, 200, 200)
    pdf.set_font_size(6)
    for i in range(5):
        gy = y + h - h * i / 4
        pdf.line(x, gy, x + w, gy)
        pdf.set_xy(x - 14, gy - 1.5)
        pdf.cell(13, 3, f"{top * i / 4:,.0f}{unit}", align="R")
    pdf.set_draw_color(80, 80, 80)
    pdf.line(x, y, x, y + h)
    pdf.line(x, y + h, x + w, y + h)


def _title_axes(pdf, x: float, y: float, w: float, h: float, x_title: str, y_title: str) -> None:
    pdf.set_font_size(7)
    pdf.set_xy(x, y + h + 5)
    pdf.cell(w, 4, x_title, align="C")
    with pdf.rotation(90, x - 17, y + h / 2):
        pdf.set_xy(x - 17 - h / 2, y + h / 2 - 2)
        pdf.cell(h, 4, y_title, align="C")


def _trend_chart(pdf, report: Mapping[str, Any], lang: str, x, y, w, h) -> None:
    """The effective visit rate per day or week: a line, its axes titled with units."""
    trend = report["trend"]
    labels = [str(v)[5:10] for v in trend["period"]]
    values = [None if is_missing(v) else float(v) * 100 for v in trend["effective_rate"]]
    _axes(pdf, x, y, w, h, 100.0, "%")
    n = max(len(labels), 1)
    step = w / n
    points = [
        (x + step * (i + 0.5), y + h - h * v / 100.0) for i, v in enumerate(values) if v is not None
    ]
    pdf.set_draw_color(31, 119, 180)
    pdf.set_line_width(0.5)
    for a, b in itertools.pairwise(points):
        pdf.line(a[0], a[1], b[0], b[1])
    pdf.set_fill_color(31, 119, 180)
    for px, py in points:
        pdf.ellipse(px - 0.8, py - 0.8, 1.6, 1.6, style="F")
    pdf.set_line_width(0.2)
    pdf.set_font_size(5.5)
    every = max(1, math.ceil(n / 14))
    for i, label in enumerate(labels):
        if i % every == 0:
            pdf.set_xy(x + step * i, y + h + 0.5)
            pdf.cell(step * every, 3, label, align="L")
    grain = report.get("trend_grain", "day")
    _title_axes(pdf, x, y, w, h, t(f"rpt.trend.x.{grain}", lang), t("rpt.trend.y", lang))


def _ranked_chart(pdf, report: Mapping[str, Any], lang: str, x, y, w, h) -> None:
    """The teams' effective visit rate as horizontal bars, best at the top."""
    ranked = report["ranked"].head(12)
    rows = max(len(ranked), 1)
    bar = h / rows
    _title_axes(pdf, x, y, w, h, t("rpt.ranked.x", lang), t("rpt.ranked.y", lang))
    pdf.set_font_size(6)
    pdf.set_draw_color(80, 80, 80)
    pdf.line(x + 22, y, x + 22, y + h)
    pdf.line(x + 22, y + h, x + w, y + h)
    span = w - 36
    for i, row in enumerate(ranked.to_dict("records")):
        value = row["effective_rate"]
        by = y + bar * i
        pdf.set_xy(x, by + bar / 2 - 1.5)
        pdf.cell(21, 3, str(row["name"])[:10], align="R")
        if not is_missing(value):
            pdf.set_fill_color(44, 160, 44)
            pdf.rect(x + 22, by + bar * 0.15, span * float(value), bar * 0.7, style="F")
            pdf.set_xy(x + 23 + span * float(value), by + bar / 2 - 1.5)
            pdf.cell(14, 3, fmt_value(value, "pct", lang))
    pdf.set_xy(x + 22, y + h + 0.5)
    pdf.cell(10, 3, "0%")
    pdf.set_xy(x + 22 + span - 5, y + h + 0.5)
    pdf.cell(10, 3, "100%")


def _pdf_table(pdf, frame: pd.DataFrame, lang: str, fields: Sequence[str]) -> None:
    """A table drawn cell by cell (fpdf2's table layout costs seconds on 500 rows); the header
    row is repeated on every page."""
    widths = [_width(field) for field in fields]
    row_h, head_h = 3.2, 7.0

    def heading_row() -> None:
        pdf.set_font_size(4.6)
        pdf.set_fill_color(230, 230, 230)
        x, y = pdf.l_margin, pdf.get_y()
        for field, width in zip(fields, widths, strict=True):
            pdf.rect(x, y, width, head_h, style="DF")
            pdf.set_xy(x, y + 0.3)
            pdf.multi_cell(width, 2.1, header(field, lang), align="C", max_line_height=2.1)
            x += width
        pdf.set_xy(pdf.l_margin, y + head_h)
        pdf.set_font_size(5)

    pdf.set_draw_color(190, 190, 190)
    bottom = pdf.h - pdf.b_margin
    lefts = [pdf.l_margin + sum(widths[:i]) for i in range(len(widths))]
    right = pdf.l_margin + sum(widths)
    numeric = [field in core.FIGURE_KINDS for field in fields]
    top = None

    def close_page(y: float) -> None:
        # The column rules of a page's rows, one line each (not a bordered cell per value).
        for x in [*lefts, right]:
            pdf.line(x, top, x, y)

    heading_row()
    top = pdf.get_y()
    y = top
    for record in frame.to_dict("records"):
        if y + row_h > bottom:
            close_page(y)
            pdf.add_page()
            heading_row()
            top = y = pdf.get_y()
        # Text drawn at a position is several times cheaper than fpdf2's cell layout: a
        # monthly table of 500 reps is 13,000 values.
        for x, width, field, is_number in zip(lefts, widths, fields, numeric, strict=True):
            text = cell_text(field, record[field], lang)
            if is_number:
                x = x + width - 0.6 - pdf.get_string_width(text)
            else:
                x = x + 0.6
                while len(text) > 1 and pdf.get_string_width(text) > width - 1.2:
                    text = text[:-1]
            pdf.text(x, y + row_h - 0.9, text)
        y += row_h
        pdf.line(pdf.l_margin, y, right, y)
    close_page(y)
    pdf.set_y(y)


def _width(field: str) -> float:
    if field == "level":
        return 8.0
    if field in ("id", "parent_id"):
        return 14.0
    if field in ("name", "parent_name"):
        return 18.0
    return 9.6


def to_pdf_bytes(report: Mapping[str, Any], lang: str, scope: str) -> bytes:
    """A4 landscape: page 1 the summary (headline figures with the change, the trend and the
    ranked teams drawn as vector charts, the exceptions), then the per-team and per-rep tables.
    Raises ``FontMissing`` when no CJK font can be embedded."""
    from fpdf import FPDF

    font = find_cjk_font()
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False, margin=10)
    pdf.set_margins(10, 10, 10)
    pdf.add_font("cjk", "", str(font))
    pdf.set_font("cjk", size=9)
    pdf.set_title(heading(report, lang, scope))
    pdf.add_page()
    pdf.set_font_size(13)
    pdf.cell(0, 7, heading(report, lang, scope), new_x="LMARGIN", new_y="NEXT")
    period = report["period"]
    pdf.set_font_size(7)
    pdf.cell(
        0,
        4,
        t("rpt.previous", lang).format(
            start=period.previous_start.isoformat(), end=period.previous_end.isoformat()
        )
        + " · "
        + t("rpt.generated", lang).format(when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if report.get("empty"):
        latest = report.get("latest")
        text = (
            t("rpt.empty", lang).format(date=latest.isoformat())
            if latest
            else t("rpt.empty.never", lang)
        )
        pdf.set_font_size(9)
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    # Headline tiles: 8 across.
    top = pdf.get_y() + 2
    tile = 277 / len(HEADLINE)
    for i, key in enumerate(HEADLINE):
        x = 10 + tile * i
        pdf.set_draw_color(210, 210, 210)
        pdf.rect(x + 0.5, top, tile - 1, 17)
        pdf.set_xy(x + 1.5, top + 1)
        pdf.set_font_size(6.5)
        pdf.cell(tile - 3, 4, headline_label(key, lang))
        pdf.set_xy(x + 1.5, top + 5.5)
        pdf.set_font_size(11)
        pdf.cell(tile - 3, 6, cell_text(key, report["current"].get(key), lang))
        pdf.set_xy(x + 1.5, top + 12)
        pdf.set_font_size(6)
        change, _ = fmt_change(report["changes"].get(key))
        pdf.cell(tile - 3, 4, f"{change} {t('kpi.vs_previous', lang)}")
    charts = top + 24
    pdf.set_font_size(8)
    pdf.set_xy(10, charts)
    pdf.cell(140, 4, t("rpt.trend", lang))
    pdf.set_xy(160, charts)
    pdf.cell(120, 4, t("rpt.ranked", lang))
    if report.get("empty"):
        pdf.set_xy(30, charts + 30)
        pdf.cell(110, 4, t("rpt.empty.never", lang) if not report.get("latest") else "—")
    else:
        _trend_chart(pdf, report, lang, 30, charts + 6, 120, 55)
    _ranked_chart(pdf, report, lang, 170, charts + 6, 110, 55)
    pdf.set_xy(10, charts + 72)
    pdf.set_font_size(8)
    pdf.cell(0, 4, t("rpt.exceptions", lang), new_x="LMARGIN", new_y="NEXT")
    columns = exception_lines(report, lang)
    base = pdf.get_y()
    for i, (key, lines) in enumerate(columns.items()):
        pdf.set_xy(10 + 92 * i, base)
        pdf.set_font_size(7)
        pdf.cell(90, 4, t(key, lang))
        pdf.set_font_size(6)
        for j, line in enumerate((lines or [t("rpt.none", lang)])[:10]):
            pdf.set_xy(12 + 92 * i, base + 4.5 + 3.2 * j)
            pdf.cell(88, 3, line[:60])
    fields = list(core.COLUMNS)
    for key, title in (("teams", "rpt.teams"), ("reps", "rpt.reps")):
        pdf.add_page()
        pdf.set_font_size(10)
        pdf.cell(0, 6, t(title, lang), new_x="LMARGIN", new_y="NEXT")
        _pdf_table(pdf, report[key], lang, fields)
    return bytes(pdf.output())


def render(report: Mapping[str, Any], fmt: str, lang: str, scope: str) -> bytes:
    """The report as a file of ``fmt`` (xlsx, pdf, csv)."""
    if fmt == "xlsx":
        return to_xlsx_bytes(report, lang, scope)
    if fmt == "pdf":
        return to_pdf_bytes(report, lang, scope)
    if fmt == "csv":
        return to_csv_bytes(report, lang)
    raise ValueError(f"format: {fmt!r} is not one of {', '.join(core.FORMATS)}")
