"""Issue 19 end to end: on the overview and /teams a period without visits gives charts that say
so, name the latest date with data and link to a same-length period ending on it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from test_access import (  # the shared site of the access tests (same folder)
    UPDATE,
    build_payload,
    site,  # noqa: F401  (fixture)
)

from components.i18n import t

EMPTY = {"period": "custom", "from": "2026-12-10", "to": "2026-12-16"}  # after the demo's days


def _latest_visit_day(site_) -> date:
    with site_.engine.connect() as conn:
        value = conn.execute(
            sa.text("SELECT max(local_date) FROM rep_days WHERE visits > 0")
        ).scalar()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _post(site_, name: str, values: dict[str, Any]) -> dict[str, Any]:
    body = build_payload(site_.deps[name], values)
    response = site_.clients["exec"].post(UPDATE, json=body)
    assert response.status_code == 200
    return response.get_json()["response"]


def _note(figure: dict[str, Any]) -> str:
    assert figure["data"] == []  # no empty axes drawn
    (note,) = figure["layout"]["annotations"]
    return note["text"]


def _expected_link(path: str, latest: date, days: int = 7) -> str:
    start = latest - timedelta(days=days - 1)
    return f'<a href="{path}?period=custom&amp;from={start}&amp;to={latest}" target="_self">'


def test_the_overview_trend_of_an_empty_period_names_and_links_the_latest_data(site):  # noqa: F811
    latest = _latest_visit_day(site)
    response = _post(site, "render_overview", {"overview-query.data": EMPTY})
    text = _note(response["overview-trend"]["figure"])
    assert t("chart.no_visits", "zh").format(date=latest.isoformat()) in text  # exec is zh
    assert _expected_link("/", latest) in text


def test_the_team_charts_of_an_empty_period_name_and_link_the_latest_data(site):  # noqa: F811
    latest = _latest_visit_day(site)
    response = _post(
        site,
        "render_team_charts",
        {
            "teams-query.data": EMPTY,
            "teams-metric.value": "effective_rate",
            "teams-grain.value": "week",
        },
    )
    for graph in ("teams-comparison", "teams-trend", "teams-distribution"):
        text = _note(response[graph]["figure"])
        assert latest.isoformat() in text, graph
        assert _expected_link("/teams", latest) in text, graph


def test_a_period_with_visits_draws_the_trend_with_titled_axes(site):  # noqa: F811
    latest = _latest_visit_day(site)
    query = {"period": "custom", "from": str(latest - timedelta(days=6)), "to": str(latest)}
    figure = _post(site, "render_overview", {"overview-query.data": query})["overview-trend"][
        "figure"
    ]
    assert figure["data"] and "yaxis2" not in figure["layout"]
    assert figure["layout"]["yaxis"]["title"]["text"]
    assert figure["layout"]["xaxis"]["title"]["text"]
