"""Every role × every page and every server callback, and the manager's region scope, through the
Flask test client over a small demo company on SQLite.

Callbacks are found in the running app (``app.callback_map`` and ``GET /_dash-dependencies``) and
called the way dash-renderer calls them: ``POST /_dash-update-component`` with ``output``,
``outputs``, ``inputs``, ``state`` and ``changedPropIds``.

The demo has 32 reps so that it spans two regions (teams are round(reps / 9), and the fourth team
is the first outside East China): the demo manager sees region A (``reg-east``), region B
(``reg-south``) is the one they must never see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import dash
import pytest
import sqlalchemy as sa
from dash._utils import to_json

from dashboard.services import ingest, users
from dashboard.services.db import dispose_engine, get_engine
from dashboard.services.demo import DEMO_LOGINS
from dashboard.settings import Settings
from dashboard.web.app import create_app, id_skeleton
from tests import builders as b
from tests.conftest import FIXED_NOW, copy_sqlite
from tests.web_client import finish_background, sign_in

ROLES = ("exec", "manager", "finance", "admin")
PASSWORDS = {role: password for _name, role, password in DEMO_LOGINS}
ANONYMOUS = "anonymous"
CALLERS = (ANONYMOUS, *ROLES)
# FIXED_NOW is Friday 2026-11-27 (11:00 in Shanghai). Pages resolve named periods against the
# real clock, so every query names a custom range around the demo's days.
PERIOD = {"period": "custom", "from": "2026-11-20", "to": "2026-11-27"}
REGION_A, REGION_B = "reg-east", "reg-south"

# The roles each page admits, from the product's requirements (not read from the code).
PAGE_ROLES = {
    "/": ROLES,
    "/teams": ROLES,
    "/data": ("exec", "admin"),
    "/devices": ("exec", "manager", "admin"),
    "/customers": ROLES,
    "/reports": ROLES,
    "/admin": ("admin",),
    "/sop": ROLES,  # issue 18: every role, managers in their regions
    "/plans/suggest": ("manager", "admin"),
}

UPDATE = "/_dash-update-component"
MATCH = ["MATCH"]


# ------------------------------------------------------------------ fixtures


@dataclass
class Site:
    app: dash.Dash
    engine: sa.engine.Engine
    clients: dict[str, Any] = field(default_factory=dict)
    deps: dict[str, dict[str, Any]] = field(default_factory=dict)  # function name → dependency


def server_callbacks(app: dash.Dash, client) -> dict[str, dict[str, Any]]:
    """Function name → its entry of /_dash-dependencies, for every server-side callback."""
    # Dash attaches the pages' callbacks at the first request; read the map after it.
    by_output = {dep["output"]: dep for dep in client.get("/_dash-dependencies").get_json()}
    return {
        spec["callback"].__name__: by_output[output]
        for output, spec in app.callback_map.items()
        if "callback" in spec  # clientside callbacks have none
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory, access_demo) -> Iterator[Site]:
    """One seeded database, one app, one signed-in client per role (password checks are slow)."""
    data_dir = tmp_path_factory.mktemp("access")
    url = f"sqlite:///{copy_sqlite(access_demo, data_dir / 'access.db')}"
    engine = get_engine(url)
    app = create_app(Settings(database_url=url, data_dir=data_dir, seed_demo_on_start=False))
    result = Site(app=app, engine=engine)
    result.clients[ANONYMOUS] = app.server.test_client()
    for role in ROLES:
        client = app.server.test_client()
        response = sign_in(client, role, PASSWORDS[role])
        assert response.status_code == 302, f"{role} could not sign in"
        result.clients[role] = client
    result.deps = server_callbacks(app, result.clients["exec"])
    yield result
    dispose_engine(url)


@dataclass(frozen=True)
class RegionB:
    """What the manager of region A must never see: region B's ids and names."""

    team: str
    rep: str
    day: str
    tokens: frozenset[str]


@pytest.fixture(scope="module")
def region_b(site) -> RegionB:
    """Region B's team, its busiest rep and that rep's last day with visits, and every id and
    name of region B (region, teams, reps, customers) that no region-A name contains."""
    with site.engine.connect() as conn:
        regions = {
            row.id: row.name for row in conn.execute(sa.text("SELECT id, name FROM regions"))
        }
        assert set(regions) == {REGION_A, REGION_B}, "the demo must span exactly two regions"
        teams = conn.execute(sa.text("SELECT id, name, region_id FROM teams")).all()
        reps = conn.execute(
            sa.text("SELECT r.id, r.name, t.region_id FROM reps r JOIN teams t ON t.id = r.team_id")
        ).all()
        customers = conn.execute(
            sa.text(
                "SELECT c.id, c.name, c.region_id, t.region_id AS owner_region FROM customers c "
                "LEFT JOIN reps r ON r.id = c.owner_rep_id LEFT JOIN teams t ON t.id = r.team_id"
            )
        ).all()
        busiest = conn.execute(
            sa.text(
                "SELECT v.rep_id, r.team_id, MAX(v.local_date) AS day FROM visits v "
                "JOIN reps r ON r.id = v.rep_id JOIN teams t ON t.id = r.team_id "
                "WHERE t.region_id = :b GROUP BY v.rep_id, r.team_id "
                "ORDER BY COUNT(*) DESC, v.rep_id LIMIT 1"
            ),
            {"b": REGION_B},
        ).one()
    in_b, in_a = {REGION_B, regions[REGION_B]}, {REGION_A, regions[REGION_A]}
    for row in teams:
        (in_b if row.region_id == REGION_B else in_a).update((row.id, row.name))
    for row in reps:
        (in_b if row.region_id == REGION_B else in_a).update((row.id, row.name))
    for row in customers:
        b_side = REGION_B in (row.region_id, row.owner_region)
        (in_b if b_side else in_a).update((row.id, row.name))
    # A region-B token inside a region-A name could not tell a leak from a legitimate row.
    tokens = frozenset(tok for tok in in_b if tok and not any(tok in a for a in in_a))
    assert len(tokens) > 200, "too few distinguishable region-B names to test the scope"
    return RegionB(
        team=busiest.team_id, rep=busiest.rep_id, day=str(busiest.day)[:10], tokens=tokens
    )


# ------------------------------------------------------------------ calling callbacks


def _concrete_id(raw: str, match: Mapping[str, str] | None) -> str | dict[str, Any]:
    if not raw.startswith("{"):
        return raw
    parsed = json.loads(raw)
    return {k: (match[k] if v == MATCH and match else v) for k, v in parsed.items()}


def _label(id_: str | dict[str, Any]) -> str:
    """The key under which a test names an input: the plain id, or a dict id's ``type``."""
    if isinstance(id_, str) and id_.startswith("{"):
        id_ = json.loads(id_)
    return id_["type"] if isinstance(id_, dict) else id_


def _id_key(id_: str | dict[str, Any]) -> str:
    """An id as Dash writes it in prop ids and response keys (dict ids as compact JSON)."""
    return json.dumps(id_, sort_keys=True, separators=(",", ":")) if isinstance(id_, dict) else id_


def _prop_id(id_: str | dict[str, Any], prop: str) -> str:
    return f"{_id_key(id_)}.{prop}"


def build_payload(
    dep: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    match: Mapping[str, str] | None = None,
    changed: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The body dash-renderer posts for one call of a callback.

    ``values`` maps "<id or pattern type>.<property>" to the value of an input or state;
    ``changed`` names the inputs (same keys) that triggered the call (none on a page load).
    """
    output = dep["output"]
    multi = output.startswith("..")
    outputs = []
    for part in output[2:-2].split("...") if multi else [output]:
        raw_id, prop = part.rsplit(".", 1)
        outputs.append({"id": _concrete_id(raw_id, match), "property": prop})

    def fill(specs):
        return [
            {
                "id": _concrete_id(spec["id"], match),
                "property": spec["property"],
                "value": values.get(f"{_label(spec['id'])}.{spec['property']}"),
            }
            for spec in specs
        ]

    inputs, state = fill(dep["inputs"]), fill(dep["state"])
    changed_ids = [
        _prop_id(item["id"], item["property"])
        for item in inputs
        if f"{_label(item['id'])}.{item['property']}" in changed
    ]
    assert len(changed_ids) == len(changed), f"unknown trigger among {changed}"
    body = {
        "output": output,
        "outputs": outputs if multi else outputs[0],
        "inputs": inputs,
        "changedPropIds": changed_ids,
    }
    if state:
        body["state"] = state
    return body


@dataclass(frozen=True)
class Call:
    """How to call one callback, and which roles may (None: any signed-in user)."""

    values: Mapping[str, Any]
    roles: tuple[str, ...] | None
    match: Mapping[str, str] | None = None
    changed: tuple[str, ...] = ()


DRILL_ROW = {"team_id": "team-sh-1", "team_name": "上海一组"}
GRID_COLUMNS = [{"field": "team_name", "headerName": "Team"}]

# Every server-side callback of the app. A new callback fails
# test_every_server_callback_is_classified until it is added here with the roles it admits.
CALLS: dict[str, Call] = {
    "fill_filter_options": Call({"filter-region.value": None, "filter-team.value": None}, None),
    "push_filters_to_url": Call(
        {"filter-period.value": "7d", "filter-region.value": REGION_A},
        None,
        changed=("filter-region.value",),
    ),
    "export_grid_csv": Call({"grid-export-csv.n_clicks": 1}, None, match={"name": "teams-drill"}),
    "export_grid_xlsx": Call(
        {
            "grid-export-xlsx.n_clicks": 1,
            "data-grid.virtualRowData": [DRILL_ROW],
            "data-grid.columnDefs": GRID_COLUMNS,
            "grid-file-name.data": "drill",
        },
        None,
        match={"name": "teams-drill"},
    ),
    "render_overview": Call({"overview-query.data": PERIOD}, PAGE_ROLES["/"]),
    "render_team_charts": Call(
        {
            "teams-query.data": PERIOD,
            "teams-metric.value": "effective_rate",
            "teams-grain.value": "day",
        },
        PAGE_ROLES["/teams"],
    ),
    "render_compliance": Call({"teams-query.data": PERIOD}, PAGE_ROLES["/teams"]),
    "render_drill_grid": Call({"teams-query.data": PERIOD}, PAGE_ROLES["/teams"]),
    "drill_down_on_select": Call(
        {"data-grid.selectedRows": [DRILL_ROW], "teams-query.data": PERIOD},
        PAGE_ROLES["/teams"],
        changed=("data-grid.selectedRows",),
    ),
    "render_data_counts": Call({"data-refresh.n_clicks": None}, PAGE_ROLES["/data"]),
    "render_devices_panel": Call({"devices-query.data": PERIOD}, PAGE_ROLES["/devices"]),
    # The replay page's one server callback (tests/web/test_access_replay.py covers its scope).
    "load_replay": Call({"replay-query.data": {"rep": "rep-001", "day": "2026-11-26"}}, ROLES),
    # The wall screen (its own access tests: tests/web/test_access_wall.py).
    "update_wall_panels": Call(
        {
            "wall-refresh.n_intervals": 1,
            "wall-view.data": "national",
            "wall-config.data": {"lang": "en", "privacy": False},
        },
        ROLES,
    ),
    # Dash's page router: renders a page's layout, which itself shows "forbidden" to other roles.
    "update": Call(
        {"_pages_location.pathname": "/teams", "_pages_location.search": ""},
        None,
        changed=("_pages_location.pathname",),
    ),
}
DATA_CALLBACKS = (
    "render_overview",
    "render_team_charts",
    "render_compliance",
    "render_drill_grid",
    "render_data_counts",
    "render_devices_panel",
    "fill_filter_options",
    "export_grid_csv",
    "export_grid_xlsx",
)


def call(site: Site, who: str, name: str, values: Mapping[str, Any] | None = None, **kw: Any):
    """POST one callback as ``who`` with its default values, overridden by ``values``."""
    spec = CALLS[name]
    body = build_payload(
        site.deps[name],
        {**spec.values, **(values or {})},
        match=kw.get("match", spec.match),
        changed=kw.get("changed", spec.changed),
    )
    # A background callback (a server-side export) answers with its job first: follow it.
    return finish_background(site.clients[who], body, site.clients[who].post(UPDATE, json=body))


def expected_status(name: str, who: str) -> int:
    roles = CALLS[name].roles
    if who == ANONYMOUS:
        return 401
    return 200 if roles is None or who in roles else 403


# ------------------------------------------------------------------ discovery


def _area_callbacks() -> set[str]:
    """Callbacks classified by an area's own access file (tests/web/test_access_<area>.py lists
    them in ``AREA_CALLBACKS`` and tests them there)."""
    import importlib
    import sys
    from pathlib import Path

    here = Path(__file__).parent
    if str(here) not in sys.path:
        sys.path.insert(0, str(here))
    names: set[str] = set()
    for path in sorted(here.glob("test_access_*.py")):
        names |= set(getattr(importlib.import_module(path.stem), "AREA_CALLBACKS", ()))
    return names


def test_every_server_callback_is_classified(site):
    # Importing the area files first: some add their callbacks to CALLS instead.
    area = _area_callbacks()
    assert set(site.deps) == set(CALLS) | area
    assert set(DATA_CALLBACKS) <= set(CALLS)


def test_dependencies_endpoint_lists_every_callback_of_the_callback_map(site):
    deps = site.clients["admin"].get("/_dash-dependencies").get_json()

    assert {dep["output"] for dep in deps} == set(site.app.callback_map)


def test_page_registry_admits_the_required_roles(site):
    registered = {page["path"]: tuple(page["roles"]) for page in dash.page_registry.values()}

    assert {path: registered[path] for path in PAGE_ROLES} == PAGE_ROLES


# ------------------------------------------------------------------ pages


@pytest.mark.parametrize("path", sorted(PAGE_ROLES))
@pytest.mark.parametrize("role", ROLES)
def test_signed_in_get_of_a_page_returns_the_dash_index(site, role, path):
    response = site.clients[role].get(path)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert 'id="react-entry-point"' in response.text
    assert "_dash-config" in response.text


CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


def test_the_index_validates_the_callbacks_against_every_id_of_every_page_in_a_small_page(site):
    """The index's config is Dash's own, but for the validation layout: every page's layout
    (660 KB) is reduced to the components that have an id, with their type and namespace, in
    the same order. The browser sweeps (no console error on any page) show the renderer
    accepts it."""
    response = site.clients["exec"].get("/")
    config = json.loads(CONFIG.search(response.text).group(1))
    with site.app.server.test_request_context("/"):
        dashs = dash.Dash._config(site.app)
    full = json.loads(to_json(dashs.pop("validation_layout")))
    skeleton = config.pop("validation_layout")
    assert skeleton == id_skeleton(json.dumps(full))
    kept = skeleton["props"]["children"]
    for page_id in ("overview-tiles", "plan-suggest-rep-count", "filter-period", "shell-url"):
        assert any(node["props"]["id"] == page_id for node in kept), page_id
    assert len(kept) > 400
    assert all(set(node) == {"type", "namespace", "props"} for node in kept)
    config.pop("end_id"), dashs.pop("end_id")  # signed per page load
    assert config == json.loads(to_json(dashs))
    assert len(response.data) < 150_000, len(response.data)
    assert len(to_json(full)) > 500_000  # what it was


@pytest.mark.parametrize("path", sorted(PAGE_ROLES))
def test_anonymous_get_of_a_page_redirects_to_login(site, path):
    response = site.clients[ANONYMOUS].get(path)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={path}"


@pytest.mark.parametrize("path", sorted(PAGE_ROLES))
@pytest.mark.parametrize("role", ROLES)
def test_page_router_renders_the_page_only_for_its_roles(site, role, path):
    response = call(
        site, role, "update", {"_pages_location.pathname": path, "_pages_location.search": ""}
    )

    assert response.status_code == 200
    content = json.dumps(response.get_json()["response"]["_pages_content"])
    allowed = role in PAGE_ROLES[path]
    assert ('"page-forbidden"' in content) is not allowed
    if path == "/data":
        assert ('"data-counts"' in content) is allowed


# ------------------------------------------------------------------ callbacks × callers


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(CALLS))
def test_callback_answers_each_caller_by_role(site, name, who):
    response = call(site, who, name)

    assert response.status_code == expected_status(name, who), response.get_data(as_text=True)
    if response.status_code == 200:
        body = response.get_json()
        outputs = build_payload(site.deps[name], CALLS[name].values, match=CALLS[name].match)[
            "outputs"
        ]
        outputs = outputs if isinstance(outputs, list) else [outputs]
        for out in outputs:
            assert _id_key(out["id"]) in body["response"], f"{name} did not answer {out}"


def test_data_callbacks_refuse_the_roles_their_page_excludes(site):
    refused = {
        (name, role)
        for name in DATA_CALLBACKS
        for role in ROLES
        if call(site, role, name).status_code == 403
    }

    assert refused == {
        ("render_data_counts", "manager"),
        ("render_data_counts", "finance"),
        ("render_devices_panel", "finance"),
    }


def test_xlsx_export_returns_a_workbook(site):
    response = call(site, "finance", "export_grid_xlsx")

    download = _id_key({"type": "grid-download", "name": "teams-drill"})
    data = response.get_json()["response"][download]["data"]
    assert data["filename"] == "drill.xlsx"
    assert data["base64"] is True


FILTER_INPUTS = (
    "filter-period.value",
    "filter-dates.start_date",
    "filter-dates.end_date",
    "filter-region.value",
    "filter-team.value",
    "filter-rep.value",
)


def test_a_filter_bar_mounting_pushes_nothing_whatever_the_address_bar_says(site):
    # Back pressed while the page of ?period=30d was still mounting: its bar reports its own
    # values (every input "changed") while the address bar already says custom. Measured against
    # the query the bar was rendered from, that is no change, and the URL is left alone.
    rendered = {"period": "30d", "region": REGION_A}
    response = call(
        site,
        "exec",
        "push_filters_to_url",
        {
            "filter-period.value": "30d",
            "filter-region.value": REGION_A,
            "filter-query.data": rendered,
        },
        changed=FILTER_INPUTS,
    )
    assert response.status_code == 200
    answer = response.get_json()["response"]
    assert "shell-url" not in answer
    assert answer["filter-dates"] == {"disabled": True}


def test_a_filter_change_keeps_what_the_bar_does_not_own_of_its_rendered_query(site):
    rendered = {"period": "30d", "region": REGION_A, "metric": "visits", "day": "2026-11-20"}
    response = call(
        site,
        "exec",
        "push_filters_to_url",
        {
            "filter-period.value": "7d",
            "filter-region.value": REGION_A,
            "filter-query.data": rendered,
        },
        changed=("filter-period.value",),
    )
    search = response.get_json()["response"]["shell-url"]["search"]
    assert dict(parse_qsl(search.lstrip("?"))) == {
        "period": "7d",
        "region": REGION_A,
        "metric": "visits",
        "day": "2026-11-20",
    }


def test_anonymous_callback_runs_no_service(site, monkeypatch):
    from dashboard.services import kpis

    def boom(*_a, **_kw):
        raise AssertionError("a service ran for an anonymous caller")

    monkeypatch.setattr(kpis, "overview", boom)
    assert call(site, ANONYMOUS, "render_overview").status_code == 401


# ------------------------------------------------------------------ the manager's region scope


def _json_text(response) -> str:
    return json.dumps(response.get_json(), ensure_ascii=False, sort_keys=True)


def _seen(text: str, tokens: frozenset[str]) -> list[str]:
    return sorted(tok for tok in tokens if tok in text)


@dataclass(frozen=True)
class ScopeCase:
    name: str
    callback: str
    values: Mapping[str, Any]
    # Grid outputs whose rows the manager must get empty while exec gets rows.
    grids: tuple[str, ...] = ()
    # Whether exec's answer names region-B teams/reps/customers (the days level shows dates only).
    exec_names: bool = True
    # False when the request names region A too: then exec gets nothing of region B either.
    exec_sees: bool = True


def _q(**keys: str) -> dict[str, Any]:
    return {**PERIOD, **keys}


DRILL = _id_key({"type": "data-grid", "name": "teams-drill"})
OVERDUE = _id_key({"type": "data-grid", "name": "teams-overdue"})
TEAM_VIEW = {"teams-metric.value": "visits_per_rep_day", "teams-grain.value": "day"}


def scope_cases(b: RegionB) -> list[ScopeCase]:
    cases = []
    for key, value in (("region", REGION_B), ("team", b.team), ("rep", b.rep)):
        cases += [
            ScopeCase(
                f"overview-{key}", "render_overview", {"overview-query.data": _q(**{key: value})}
            ),
            ScopeCase(
                f"team-charts-{key}",
                "render_team_charts",
                {"teams-query.data": _q(**{key: value}), **TEAM_VIEW},
            ),
            ScopeCase(
                f"compliance-{key}",
                "render_compliance",
                {"teams-query.data": _q(**{key: value})},
                grids=(OVERDUE,),
            ),
        ]
    cases += [
        ScopeCase(
            "team-charts-week-region",
            "render_team_charts",
            {"teams-query.data": _q(region=REGION_B), **TEAM_VIEW, "teams-grain.value": "week"},
        ),
        ScopeCase(
            "drill-teams", "render_drill_grid", {"teams-query.data": _q(region=REGION_B)}, (DRILL,)
        ),
        ScopeCase(
            "drill-reps", "render_drill_grid", {"teams-query.data": _q(team=b.team)}, (DRILL,)
        ),
        ScopeCase(
            "drill-days",
            "render_drill_grid",
            {"teams-query.data": _q(team=b.team, rep=b.rep)},
            (DRILL,),
            exec_names=False,
        ),
        ScopeCase(
            "drill-visits",
            "render_drill_grid",
            {"teams-query.data": _q(team=b.team, rep=b.rep, day=b.day)},
            (DRILL,),
        ),
        ScopeCase(
            "drill-visits-rep-only",
            "render_drill_grid",
            {"teams-query.data": _q(rep=b.rep, day=b.day)},
            (DRILL,),
        ),
        ScopeCase("filters-region", "fill_filter_options", {"filter-region.value": REGION_B}),
        ScopeCase("filters-team", "fill_filter_options", {"filter-team.value": b.team}),
        ScopeCase(
            "filters-region-team",
            "fill_filter_options",
            {"filter-region.value": REGION_B, "filter-team.value": b.team},
        ),
        # Region A's own filter AND a region-B team or rep: still nothing of region B.
        ScopeCase(
            "drill-reps-own-region-other-team",
            "render_drill_grid",
            {"teams-query.data": _q(region=REGION_A, team=b.team)},
            (DRILL,),
            exec_sees=False,
        ),
        ScopeCase(
            "overview-own-region-other-rep",
            "render_overview",
            {"overview-query.data": _q(region=REGION_A, rep=b.rep)},
            exec_sees=False,
        ),
    ]
    return cases


SCOPE_CASE_NAMES = [
    "overview-region",
    "team-charts-region",
    "compliance-region",
    "overview-team",
    "team-charts-team",
    "compliance-team",
    "overview-rep",
    "team-charts-rep",
    "compliance-rep",
    "team-charts-week-region",
    "drill-teams",
    "drill-reps",
    "drill-days",
    "drill-visits",
    "drill-visits-rep-only",
    "filters-region",
    "filters-team",
    "filters-region-team",
    "drill-reps-own-region-other-team",
    "overview-own-region-other-rep",
]


def _case(region_b: RegionB, name: str) -> ScopeCase:
    [case] = [c for c in scope_cases(region_b) if c.name == name]
    return case


def _echoed(values: Mapping[str, Any]) -> set[str]:
    """The ids a request itself names (the drill's breadcrumb repeats them as links)."""
    out: set[str] = set()
    for value in values.values():
        items = value.values() if isinstance(value, Mapping) else [value]
        out.update(v for v in items if isinstance(v, str))
    return out


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {**body, "response": {k: v for k, v in body["response"].items() if k != key}}


def _rows(body: dict[str, Any], grid: str) -> list[Any]:
    return body["response"][grid]["rowData"]


def test_scope_cases_cover_every_data_callback_of_the_teams_and_overview_pages(region_b):
    names = [c.name for c in scope_cases(region_b)]

    assert names == SCOPE_CASE_NAMES
    assert {c.callback for c in scope_cases(region_b)} == {
        "render_overview",
        "render_team_charts",
        "render_compliance",
        "render_drill_grid",
        "fill_filter_options",
    }


@pytest.mark.parametrize("case_name", SCOPE_CASE_NAMES)
def test_manager_request_naming_region_b_returns_nothing_of_region_b(site, region_b, case_name):
    case = _case(region_b, case_name)

    manager = call(site, "manager", case.callback, case.values)
    boss = call(site, "exec", case.callback, case.values)

    assert manager.status_code == boss.status_code == 200
    body = manager.get_json()
    # Everything but the breadcrumb: no region-B id or name at all.
    crumb = "teams-breadcrumb"
    leaks = _seen(json.dumps(_without(body, crumb), ensure_ascii=False), region_b.tokens)
    assert leaks == [], f"manager sees region B in {case.callback}: {leaks[:10]}"
    # The breadcrumb may only repeat the ids the manager typed, never a region-B name.
    if crumb in body["response"]:
        crumb_text = json.dumps(body["response"][crumb], ensure_ascii=False)
        assert _seen(crumb_text, region_b.tokens - _echoed(case.values)) == []
    for grid in case.grids:
        assert _rows(body, grid) == []
    if not case.exec_sees:
        return
    for grid in case.grids:
        assert _rows(boss.get_json(), grid) != [], "exec should see region B's rows"
    if case.exec_names:
        assert _seen(_json_text(boss), region_b.tokens - _echoed(case.values)), (
            "exec should see region B's names for the same request"
        )


@pytest.mark.parametrize("case_name", SCOPE_CASE_NAMES)
def test_manager_answer_for_region_b_equals_the_answer_for_unknown_ids(site, region_b, case_name):
    """Not even a count or a rate of region B: the answer is that of ids that do not exist."""
    case = _case(region_b, case_name)
    swap = {REGION_B: "reg-nowhere", region_b.team: "team-nowhere", region_b.rep: "rep-nowhere"}

    def replaced(value: Any) -> Any:
        if isinstance(value, Mapping):
            return {k: replaced(v) for k, v in value.items()}
        return swap.get(value, value) if isinstance(value, str) else value

    unknown = {k: replaced(v) for k, v in case.values.items()}

    got = _json_text(call(site, "manager", case.callback, case.values))
    nothing = _json_text(call(site, "manager", case.callback, unknown))
    for real, fake in swap.items():
        nothing = nothing.replace(fake, real)
    assert got == nothing


@pytest.mark.parametrize(
    "name", ["render_overview", "render_team_charts", "render_compliance", "render_drill_grid"]
)
def test_manager_default_view_shows_region_a_only(site, region_b, name):
    manager = call(site, "manager", name)
    boss = call(site, "exec", name)

    assert _seen(_json_text(manager), region_b.tokens) == []
    assert _seen(_json_text(boss), region_b.tokens) != []


def test_manager_filter_options_list_region_a_only(site, region_b):
    manager = call(site, "manager", "fill_filter_options").get_json()["response"]
    boss = call(site, "exec", "fill_filter_options").get_json()["response"]

    assert [o["value"] for o in manager["filter-region"]["options"]] == [REGION_A]
    assert {o["value"] for o in boss["filter-region"]["options"]} == {REGION_A, REGION_B}
    assert _seen(json.dumps(manager, ensure_ascii=False), region_b.tokens) == []
    assert region_b.team in {o["value"] for o in boss["filter-team"]["options"]}
    assert region_b.rep in {o["value"] for o in boss["filter-rep"]["options"]}


# ------------------------------------------------------------------ scope after a transfer

# What moves from East to South, the record re-sent for it (as an HR feed does), and what the
# East manager must then no longer see: the South team the rep works in, the rep, their customer.
MOVES = {
    "rep-changes-team": (b.rep("rep-1", team_id="team-s", name="张伟"), ("team-s", "广州三组")),
    "team-changes-region": (
        b.team("team-1", region_id="reg-s", name="上海一组"),
        ("team-1", "上海一组"),
    ),
}


@pytest.fixture(params=sorted(MOVES))
def transferred(request, tmp_path) -> Iterator[tuple[Site, tuple[str, ...]]]:
    """Two regions, a manager of the east; then ``rep-1`` (and their customer ``cust-1``) move
    to the south, by a rep transfer or a team's move. Yields the site and the moved names."""
    record, team = MOVES[request.param]
    url = f"sqlite:///{tmp_path / 'transfer.db'}"
    engine = get_engine(url)
    records = [
        b.region("reg-e", name="华东 East"),
        b.region("reg-s", name="华南 South"),
        b.team("team-1", region_id="reg-e", name="上海一组"),
        b.team("team-s", region_id="reg-s", name="广州三组"),
        b.rep("rep-1", team_id="team-1", name="张伟"),
        b.rep("rep-s", team_id="team-s", name="李娜"),
        b.customer("cust-1", owner_rep_id="rep-1", name="华联超市(徐汇店)"),
        b.customer(
            "cust-s", owner_rep_id="rep-s", name="天河便利店", city="广州", lat=23.13, lon=113.26
        ),
        b.sop_template(),
    ]
    assert not ingest.ingest_values(engine, records, source="test", now=FIXED_NOW).rejected
    assert not ingest.ingest_values(engine, [record], source="hr", now=FIXED_NOW).rejected
    users.create_user(
        engine,
        name="mgr-e",
        password="manager-e-2026",
        role="manager",
        regions=("reg-e",),
        now=FIXED_NOW,
    )
    app = create_app(Settings(database_url=url, data_dir=tmp_path, seed_demo_on_start=False))
    client = app.server.test_client()
    signed_in = sign_in(client, "mgr-e", "manager-e-2026")
    assert signed_in.status_code == 302
    site = Site(app, engine, {"manager": client}, server_callbacks(app, client))
    yield site, (*team, "rep-1", "张伟", "cust-1")
    dispose_engine(url)


def test_manager_sees_nothing_of_a_rep_who_moved_to_another_region(transferred):
    """After the move, rep-1 works in the south: the east manager sees neither them, their
    customer, nor the south team's name.

    The drill follows the rep's current team and region. The compliance heatmap and overdue grid
    must too; today they scope customers by customers.region_id, derived once when the customer
    record was ingested and never re-derived when the owner's team or the team's region changes,
    so the east manager gets rep-1's customers with the south team's name (and the south
    manager does not get them at all).
    """
    site, moved = transferred
    query = {"teams-query.data": PERIOD}

    drill = call(site, "manager", "render_drill_grid", query)
    compliance = call(site, "manager", "render_compliance", query)

    assert drill.status_code == compliance.status_code == 200
    assert _seen(_json_text(drill), frozenset(moved)) == []
    leaks = _seen(_json_text(compliance), frozenset(moved))
    assert leaks == [], f"the east manager's compliance answer shows moved-south {leaks}"
