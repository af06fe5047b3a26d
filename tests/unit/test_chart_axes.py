"""Charts across the cockpit (issue 19): one y-axis each, every shown axis titled with its unit,
and a period without visits says so (with the latest date and a link) instead of empty axes."""

from __future__ import annotations

import base64
from datetime import date

import numpy as np
import pandas as pd
import pytest

from components import kpi
from components.i18n import t
from dashboard.filters import Filters, ending_on, parse_search, to_search

D = date.fromisoformat
METRICS = (
    "visits_per_rep_day",
    "effective_rate",
    "plan_adherence",
    "sop_completion",
    "avg_dwell_min",
    "km_per_visit",
    "expense_per_visit",
    "order_per_visit",
)


def _trend(x: str) -> pd.DataFrame:
    days = [D("2026-11-18"), D("2026-11-19"), D("2026-11-20")]
    frame = pd.DataFrame({x: days, "visits": [12, 0, 7]})
    for i, metric in enumerate(METRICS):
        frame[metric] = [0.5 + i, None, 0.25 + i]
    return frame


def _teams() -> pd.DataFrame:
    frame = pd.DataFrame({"team_id": ["t1", "t2"], "team_name": ["North", "South"]})
    for i, metric in enumerate(METRICS):
        frame[metric] = [0.4 + i, 0.8 + i]
    return frame


def _reps() -> pd.DataFrame:
    frame = pd.DataFrame({"rep_name": ["A", "B", "C"], "team_name": ["North", "North", "South"]})
    for i, metric in enumerate(METRICS):
        frame[metric] = [0.1 + i, 0.3 + i, 0.9 + i]
    return frame


def _figures(lang: str) -> list[tuple[str, dict]]:
    heat = pd.DataFrame({"team_id": ["t1"], "team_name": ["North"], "A": [0.5], "B": [1.0]})
    out = [("heatmap", kpi.heatmap_figure(heat, lang=lang, theme="light"))]
    for metric in METRICS:
        out += [
            (
                f"trend-day-{metric}",
                kpi.trend_figure(
                    _trend("local_date"), metric=metric, x="local_date", lang=lang, theme="dark"
                ),
            ),
            (
                f"trend-period-{metric}",
                kpi.trend_figure(
                    _trend("period"), metric=metric, x="period", lang=lang, theme="light"
                ),
            ),
            (
                f"teams-{metric}",
                kpi.team_bar_figure(_teams(), metric=metric, lang=lang, theme="light"),
            ),
            (
                f"box-{metric}",
                kpi.distribution_figure(
                    _reps(), metric=metric, group="team_name", lang=lang, theme="light"
                ),
            ),
        ]
    return out


def _values(array) -> list:
    """A trace array as a list (plotly sends numeric arrays base64-encoded)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def _axes(layout: dict) -> dict[str, dict]:
    return {k: v for k, v in layout.items() if k.startswith(("xaxis", "yaxis"))}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_kpi_figure_has_a_second_y_axis_and_every_axis_is_titled(lang):
    for name, fig in _figures(lang):
        layout = fig["layout"]
        assert not [k for k in layout if k.startswith("yaxis2")], name
        assert all(trace.get("yaxis", "y") == "y" for trace in fig["data"]), name
        axes = _axes(layout)
        assert set(axes) == {"xaxis", "yaxis"}, name
        for key, axis in axes.items():
            title = (axis.get("title") or {}).get("text")
            assert title and title.strip(), f"{name}: {key} has no title"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_metric_axis_names_its_unit(lang):
    units = {
        "effective_rate": "%",
        "avg_dwell_min": "分钟" if lang == "zh" else "minutes",
        "km_per_visit": "公里" if lang == "zh" else "km",
        "expense_per_visit": "元" if lang == "zh" else "CNY",
    }
    for metric, unit in units.items():
        fig = kpi.team_bar_figure(_teams(), metric=metric, lang=lang, theme="light")
        assert unit in fig["layout"]["xaxis"]["title"]["text"]
        assert fig["layout"]["xaxis"]["title"]["text"] == t(f"axis.{metric}", lang)


def test_the_trend_carries_the_visits_in_the_hover_not_on_a_second_axis():
    fig = kpi.trend_figure(
        _trend("local_date"), metric="effective_rate", x="local_date", lang="en", theme="light"
    )
    (line,) = fig["data"]
    assert line["type"] == "scatter"
    assert list(line["customdata"]) == [12, 0, 7]
    assert "Visits %{customdata:,}" in line["hovertemplate"]
    assert _values(line["y"])[0] == pytest.approx(150.0)  # a rate (1.5) is drawn in percent
    assert fig["layout"]["yaxis"]["ticksuffix"] == "%"


def test_has_visits_is_false_for_an_empty_or_all_zero_trend():
    assert kpi.has_visits(_trend("local_date"))
    zero = _trend("local_date").assign(visits=[0, 0, 0])
    assert not kpi.has_visits(zero)
    assert not kpi.has_visits(zero.iloc[0:0])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_empty_period_names_the_latest_date_and_links_to_a_period_holding_it(lang):
    filters = Filters(period="7d", start=D("2026-12-01"), end=D("2026-12-07"), team="t1")
    latest = D("2026-11-20")
    moved = ending_on(filters, latest)
    assert (moved.start, moved.end, moved.team, moved.days) == (
        D("2026-11-14"),
        latest,
        "t1",
        filters.days,
    )
    href = "/teams" + to_search(moved)
    # the link restores exactly that period
    assert parse_search(href.split("?", 1)[1], today=D("2026-12-07")) == moved
    fig = kpi.no_visits_figure(latest, href, lang=lang, theme="light")
    (note,) = fig["layout"]["annotations"]
    assert t("chart.no_visits", lang).format(date="2026-11-20") in note["text"]
    assert "2026-11-20" in note["text"]
    assert f'<a href="{href.replace("&", "&amp;")}" target="_self">' in note["text"]
    assert t("chart.no_visits.link", lang) in note["text"]
    assert fig["data"] == []
    assert fig["layout"]["xaxis"]["visible"] is False  # no empty axes drawn
    assert fig["layout"]["yaxis"]["visible"] is False


def test_an_empty_period_without_earlier_data_says_that_without_a_link():
    fig = kpi.no_visits_figure(None, None, lang="en", theme="dark")
    (note,) = fig["layout"]["annotations"]
    assert note["text"] == t("chart.no_visits.never", "en")
    assert "<a" not in note["text"]


def _other_figures(lang: str) -> list[tuple[str, dict]]:
    """Every other chart builder of components/, on small inputs."""
    from components import plans
    from components import reports as rpt
    from components.alerts.rep_view import rep_history_figure
    from components.customers.profile import orders_figure
    from components.finance.mileage import ratio_figure
    from components.quality import device_trend_figure
    from components.replay.timeline import timeline_figure

    ratios = pd.DataFrame(
        {
            "rep_id": ["r1", "r1"],
            "rep_name": ["A", "A"],
            "date": [D("2026-11-19"), D("2026-11-20")],
            "ratio": [1.1, 1.4],
        }
    )
    weekly = pd.DataFrame(
        {"critical": [1, 0], "high": [2, 3]}, index=[D("2026-11-09"), D("2026-11-16")]
    )
    daily = {
        "d1": [
            {
                "date": "2026-11-20",
                "coarse_share": 0.2,
                "coarse_jumps": 1,
                "cached_runs": 0,
                "gaps": 2,
            }
        ]
    }
    orders = [{"local_date": D("2026-11-20"), "amount": 120.0}]
    report = {
        "empty": False,
        "latest": None,
        "trend_grain": "day",
        "trend": pd.DataFrame(
            {
                "period": ["2026-11-19", "2026-11-20"],
                "visits": [3, 4],
                "effective_rate": [0.5, 0.75],
            }
        ),
        "ranked": pd.DataFrame({"name": ["North", "South"], "effective_rate": [0.5, 0.75]}),
    }
    plan = {
        "rows": [{"rep_id": "r1", "date": "2026-11-20", "adherence": 0.8, "efficiency": 1.2}],
        "reps": [{"rep_id": "r1", "rep_name": "A", "team_name": "North"}],
        "dates": ["2026-11-20"],
    }
    adherence, efficiency = plans.heatmaps(plan, lang=lang, theme="light")
    return [
        ("mileage", ratio_figure(ratios, band=1.2, lang=lang, theme="light")),
        ("alerts", rep_history_figure(weekly, by="severity", lang=lang, theme="light")),
        (
            "quality",
            device_trend_figure(
                daily, ["d1"], {"d1": "D1"}, limit_share=0.3, lang=lang, theme="light"
            ),
        ),
        (
            "orders",
            orders_figure(orders, today=D("2026-11-20"), lang=lang, theme="light").to_plotly_json(),
        ),
        ("report-trend", rpt.trend_figure(report, lang=lang, theme="light")),
        ("report-ranked", rpt.ranked_figure(report, lang=lang, theme="light")),
        ("plans-adherence", adherence),
        ("plans-efficiency", efficiency),
        ("replay", timeline_figure({"status": "not_found"}, lang=lang, theme="light")),
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_other_chart_has_a_second_y_axis_and_every_axis_is_titled(lang):
    for name, fig in _other_figures(lang):
        layout = fig["layout"]
        assert not [k for k in layout if k.startswith("yaxis2")], name
        assert all(trace.get("yaxis", "y") == "y" for trace in fig["data"]), name
        for key in ("xaxis", "yaxis"):
            axis = layout.get(key) or {}
            title = axis.get("title") or {}
            text = title.get("text") if isinstance(title, dict) else title
            assert text and text.strip(), f"{name}: {key} has no title"


def test_no_component_draws_an_overlaid_second_axis():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "components"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if any(
            word in path.read_text(encoding="utf-8") for word in ("yaxis2", '"y2"', "overlaying")
        )
    ]
    assert offenders == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_box_plot_has_a_row_per_team_as_tall_as_the_heatmap_beside_it(lang):
    """The team page shows the distribution beside the grade heatmap: one horizontal box per
    team, the KPI along x, and the same height as the heatmap of the same teams, instead of a
    fixed 320 px chart above a tall empty card."""
    names = [f"Team {k:02d}" for k in range(24)]
    reps = pd.DataFrame(
        {
            "rep_name": [f"rep {k}" for k in range(48)],
            "team_name": [names[k % 24] for k in range(48)],
            "effective_rate": [0.5 + (k % 5) / 10 for k in range(48)],
        }
    )
    heat = pd.DataFrame({"team_id": names, "team_name": names, "A": [0.5] * 24})
    box = kpi.distribution_figure(
        reps, metric="effective_rate", group="team_name", lang=lang, theme="light"
    )
    assert {trace["orientation"] for trace in box["data"]} == {"h"}
    assert sorted(trace["name"] for trace in box["data"]) == names
    assert _values(box["data"][0]["x"]) == pytest.approx([50.0, 90.0])  # rates in percent
    assert box["layout"]["xaxis"]["ticksuffix"] == "%"
    assert box["layout"]["yaxis"]["title"]["text"] == t("axis.team", lang)
    tall = kpi.heatmap_figure(heat, lang=lang, theme="light")["layout"]["height"]
    assert box["layout"]["height"] == tall == 30 * 24 + 80
