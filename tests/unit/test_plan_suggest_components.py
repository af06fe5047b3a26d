"""The suggested-plan review's rendering and its pure pieces: both languages for every string
with the same placeholders, a text for every reason a customer is left out, the map numbering
the stops in route order, the warning when an edited day no longer fits, and an edited order
scheduled exactly as given (late stops named)."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from plotly.utils import PlotlyJSONEncoder

from components import plan_suggest as view
from components.i18n import plan_suggest as strings
from dashboard import route_plans, route_solver

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _text(component) -> str:
    return json.dumps(component, cls=PlotlyJSONEncoder, ensure_ascii=False)


@pytest.mark.parametrize("key", sorted(strings.STRINGS))
def test_every_string_has_both_languages_with_the_same_placeholders(key):
    zh, en = strings.STRINGS[key]
    assert zh.strip() and en.strip()
    assert sorted(PLACEHOLDER.findall(zh)) == sorted(PLACEHOLDER.findall(en))


def test_every_left_out_reason_has_a_text():
    for reason in route_plans.REASON_TEXT:
        assert f"plansug.reason.{reason}" in strings.STRINGS


def _plan(**kw):
    stops = [
        {
            "customer_id": f"c{i}",
            "name": f"店{i}",
            "grade": "B",
            "lat": 31.2 + i / 100,
            "lon": 121.4,
            "arrive": "09:00",
            "start": "09:00",
            "end": "09:30",
            "km_from_previous": 1.5,
        }
        for i in (1, 2, 3)
    ]
    base = {
        "id": "sug:r:2026-12-07",
        "rep_id": "r",
        "date": "2026-12-07",
        "work_start": "08:30",
        "work_end": "18:30",
        "start": {"lat": 31.19, "lon": 121.39},
        "stops": stops,
        "customer_ids": [s["customer_id"] for s in stops],
        "km_planned": 4.5,
        "drive_min": 9,
        "service_min": 90,
        "left_out": [{"customer_id": "c9", "name": "店9", "grade": "C", "reason": "removed"}],
    }
    return {**base, **kw}


def test_the_map_numbers_the_stops_in_route_order_from_the_start():
    layer, bounds = view.map_layer(_plan(), "en")
    text = _text(layer)
    assert [n for n in range(1, 4) if f">{n}</div>" in text] == [1, 2, 3]
    (line,) = [c for c in layer if type(c).__name__ == "Polyline"]
    assert line.positions[0] == [31.19, 121.39] and len(line.positions) == 4
    assert bounds[0][0] < 31.19 and bounds[1][0] > 31.23
    assert view.map_layer(None, "en") == ([], None)


def test_an_edited_day_that_no_longer_fits_is_said_so():
    ok = _text(view.summary(_plan(fits=True, late=[], over_max=False), "en"))
    assert "fits the work hours" in ok
    bad = _text(
        view.summary(_plan(fits=False, late=["c3"], over_max=True, max_visits_per_day=2), "en")
    )
    assert "no longer fits" in bad and "c3" in bad and "(2)" in bad
    assert "removed by the reviewer" in _text(view.left_out_table(_plan(), "en"))


def test_an_order_is_scheduled_exactly_as_given_and_late_stops_are_named():
    km = np.array([[0, 10, 20], [10, 0, 10], [20, 10, 0]], dtype=float)
    sec = km * 120  # 30 km/h
    stops = (route_solver.Stop(1800), route_solver.Stop(1800, close_s=9 * 3600 + 1800))
    problem = route_solver.RouteProblem(km, sec, stops, 8 * 3600, 18 * 3600)
    result, late = route_solver.check_order(problem, [0, 1])
    assert [v.index for v in result.visits] == [0, 1] and result.km == 20
    assert late == (1,)  # arrives 09:10, its 30 min end at 09:40 after the 09:30 close
    result, late = route_solver.check_order(problem, [1, 0])
    assert late == () and result.km == 30
    with pytest.raises(ValueError, match="order: stop 0 appears twice"):
        route_solver.check_order(problem, [0, 0])
    with pytest.raises(ValueError, match="order: 5 is not a stop index"):
        route_solver.check_order(problem, [5])
