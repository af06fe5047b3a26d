"""The access matrix, generated from the app's own registries: every route (``dash.page_registry``)
and every server callback (``app.callback_map``) × every caller (anonymous, each role, a wall
link) × in-scope and out-of-scope ids → the expected answer, and no region-B data in any answer
to a caller scoped to region A. A new page or callback is covered without editing this file.

Expected answers come from the page registry: a page admits the roles it registers; a callback
belongs to the page whose module registered it (a shell callback to every role); a wall session
runs the wall's callbacks and Dash's routing of /wall only.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import dash
import pytest

from dashboard.services import wall

try:
    # pytest imports the files of this folder (no __init__.py) by their base name: use those
    # very modules, so that CALLS holds what every area file added to it.
    import test_access as access
    import test_access_admin as admin_access
    import test_access_admin_org as admin_org_access
    import test_access_admin_privacy as admin_privacy
    import test_access_admin_settings as admin_settings_access
    import test_access_admin_walls as admin_walls
    import test_access_alerts
    import test_access_customers as customers
    import test_access_finance as finance
    import test_access_grades as grades
    import test_access_handover as handover
    import test_access_plan_suggest as plan_suggest
    import test_access_plans as plans
    import test_access_reports as reports
    import test_access_rhythm as rhythm
    import test_access_sop as sop
except ImportError:  # pragma: no cover - another import mode
    from tests.web import test_access as access
    from tests.web import test_access_admin as admin_access
    from tests.web import test_access_admin_org as admin_org_access
    from tests.web import test_access_admin_privacy as admin_privacy
    from tests.web import test_access_admin_settings as admin_settings_access
    from tests.web import test_access_admin_walls as admin_walls
    from tests.web import test_access_alerts  # noqa: F401
    from tests.web import test_access_customers as customers
    from tests.web import test_access_finance as finance
    from tests.web import test_access_grades as grades
    from tests.web import test_access_handover as handover
    from tests.web import test_access_plan_suggest as plan_suggest
    from tests.web import test_access_plans as plans
    from tests.web import test_access_reports as reports
    from tests.web import test_access_rhythm as rhythm
    from tests.web import test_access_sop as sop

CALLS, PERIOD, ROLES = access.CALLS, access.PERIOD, access.ROLES
REGION_A, REGION_B = access.REGION_A, access.REGION_B
_json_text, _seen, build_payload = access._json_text, access._seen, access.build_payload
site, region_b = access.site, access.region_b  # the module-scoped demo site and region B

# How the access tests of each area call a callback (values, and the roles of an action
# stricter than its page); a callback they do not know gets generic values and its page's roles.
KNOWN = {
    **CALLS,
    **finance.FIN_CALLS,
    **customers.CUST_CALLS,
    **grades.GRADE_CALLS,
    **rhythm.RHYTHM_CALLS,
    **handover.HANDOVER_CALLS,
    **plans.PLANS_CALLS,
    **sop.SOP_CALLS,
    **reports.REPORT_CALLS,
    **admin_access.ADMIN_CALLS,
    **admin_settings_access.SETTINGS_CALLS,
    **admin_privacy.PRIVACY_CALLS,
    **admin_walls.WALL_CALLS,
    **admin_org_access.ADMIN_ORG_CALLS,
    **plan_suggest.PLAN_SUGGEST_CALLS,
}

UPDATE = "/_dash-update-component"
ANONYMOUS, WALL = "anonymous", "wall"
CALLERS = (ANONYMOUS, *ROLES, WALL)
SCOPED = ("manager", WALL)  # callers limited to region A
ROUTER = "_pages_content"


def _pages() -> list[dict[str, Any]]:
    return sorted(dash.page_registry.values(), key=lambda p: p["path"])


def _roles_of_module(module: str | None) -> tuple[str, ...]:
    for page in dash.page_registry.values():
        if page["module"] == module:
            return tuple(page.get("roles") or ())
    return ROLES  # the shell's own callbacks serve every page


def _fill(template: str, ids: dict[str, str]) -> str:
    """A concrete path of a path template: <rep...> → a rep id, <date|day> → a day."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        return ids["rep"] if "rep" in name else ids["day"]

    return re.sub(r"<([^>]+)>", value, template)


def _scope_ids(b_side, scope: str, a_rep: str) -> dict[str, str]:
    if scope == "out":
        return {"region": REGION_B, "team": b_side.team, "rep": b_side.rep, "day": b_side.day}
    return {"region": REGION_A, "team": "", "rep": a_rep, "day": b_side.day}


def _values(name: str, dep: dict[str, Any], ids: dict[str, str], path: str) -> dict[str, Any]:
    """Input and state values of a callback: its usual values (where the access tests know
    them), else generic ones by property; the request's region, team, rep and day are ``ids``."""
    query = {**PERIOD, **{k: v for k, v in ids.items() if v}}
    generic: dict[str, Any] = {}
    for spec in dep["inputs"] + dep["state"]:
        raw = spec["id"]
        label = raw if not raw.startswith("{") else re.search(r'"type":"([^"]+)"', raw).group(1)
        key, prop = f"{label}.{spec['property']}", spec["property"]
        if prop == "pathname":
            generic[key] = path
        elif prop == "search":
            generic[key] = "?" + urlencode(query)
        elif prop in ("n_clicks", "n_intervals"):
            generic[key] = 1
        elif prop == "data":
            generic[key] = query if "query" in label else (0 if "refresh" in label else None)
        elif prop == "value":
            generic[key] = next((v for k, v in ids.items() if k in label and v), None)
    known = KNOWN[name].values if name in KNOWN else {}
    merged = {**generic, **known}
    # Whatever the usual values, the ids of this scope case are the ones asked for.
    for key, value in merged.items():
        if isinstance(value, dict) and {"period", "from"} & set(value):
            merged[key] = {**value, **{k: v for k, v in ids.items() if v}}
        if isinstance(value, str) and key.startswith("wall-view"):
            merged[key] = f"region:{ids['region']}"
        if key.endswith(".pathname"):
            merged[key] = path
    return merged


def _payload(name: str, dep: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """The body dash-renderer would post; MATCH ids get a value for every wildcard key, ALL and
    ALLSMALLER ids an empty list (no such component on the page)."""
    known = KNOWN.get(name)
    match = dict(known.match) if known and known.match else {}
    for spec in dep["inputs"] + dep["state"]:
        if spec["id"].startswith("{"):
            for key, value in json.loads(spec["id"]).items():
                if isinstance(value, list):
                    match.setdefault(key, "x")
    changed = tuple(known.changed) if known else ()
    body = build_payload(dep, values, match=match, changed=changed)
    for kind in ("inputs", "state"):
        for n, spec in enumerate(dep[kind]):
            if '["ALL' in spec["id"]:
                body[kind][n] = []
    if isinstance(body["outputs"], list):
        parts = dep["output"][2:-2].split("...")
        body["outputs"] = [
            [] if '["ALL' in p else o for p, o in zip(parts, body["outputs"], strict=False)
        ]
    return body


@pytest.fixture(scope="module")
def callers(site):
    """One client per caller: the module's signed-in roles plus a wall link limited to region A."""
    _link, token = wall.create_link(
        site.engine,
        name="matrix",
        views="national,region:reg-east",
        regions=(REGION_A,),
        expires_in=timedelta(days=1),
        created_by="test",
        now=datetime.now(UTC),
    )
    kiosk = site.app.server.test_client()
    assert kiosk.get(f"/wall/link/{token}").status_code == 302
    return {**site.clients, WALL: kiosk}


def _a_rep(site) -> str:
    import sqlalchemy as sa

    with site.engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT r.id FROM reps r JOIN teams t ON t.id = r.team_id "
                "WHERE t.region_id = :a ORDER BY r.id LIMIT 1"
            ),
            {"a": REGION_A},
        ).scalar_one()


def test_access_matrix_of_every_route_and_callback(site, region_b, callers):
    pages = _pages()
    deps = site.deps
    router_name = next(n for n, d in deps.items() if ROUTER in d["output"])
    a_rep = _a_rep(site)
    cells = failures = 0
    problems: list[str] = []

    def check(what: str, ok: bool) -> None:
        nonlocal failures
        if not ok:
            failures += 1
            problems.append(what)

    for scope in ("in", "out"):
        ids = _scope_ids(region_b, scope, a_rep)
        # The ids a request names may come back as sent (a URL, a view key): not a leak; the
        # names, rows and other ids of region B would be.
        echoed = frozenset(ids.values())
        # Routes: the page itself, and Dash's routing callback asking for it.
        for page in pages:
            path = _fill(page.get("path_template") or page["path"], ids)
            roles = tuple(page.get("roles") or ())
            for who in CALLERS:
                client = callers[who]
                got = client.get(f"{path}?{urlencode(PERIOD)}")
                if who == ANONYMOUS:
                    want = got.status_code == 302 and "/login" in got.headers["Location"]
                elif who == WALL:
                    want = (
                        (got.status_code == 200)
                        if page["path"] == "/wall"
                        else (got.status_code == 302 and got.headers["Location"] == "/wall")
                    )
                else:
                    want = got.status_code == 200
                check(f"GET {path} as {who}: {got.status_code}", want)
                body = build_payload(
                    deps[router_name],
                    _values(router_name, deps[router_name], ids, path),
                    changed=("_pages_location.pathname",),
                )
                got = client.post(UPDATE, json=body)
                text = got.get_data(as_text=True)
                if who == ANONYMOUS:
                    want = got.status_code == 401
                elif who == WALL:
                    want = got.status_code == (200 if page["path"] == "/wall" else 403)
                elif who in roles:
                    want = got.status_code == 200 and "page-forbidden" not in text
                else:
                    want = got.status_code == 200 and "page-forbidden" in text
                check(f"route {path} as {who} ({scope}): {got.status_code}", want)
                if who in SCOPED and got.status_code == 200:
                    leaked = _seen(_json_text(got), region_b.tokens - echoed)
                    check(f"route {path} as {who} leaks {leaked[:5]}", not leaked)
                cells += 1
        # Callbacks.
        for name, dep in sorted(deps.items()):
            if name == router_name:
                continue
            spec = next(v for k, v in site.app.callback_map.items() if k == dep["output"])
            module = getattr(getattr(spec["callback"], "__wrapped__", None), "__module__", None)
            roles = KNOWN[name].roles if name in KNOWN else _roles_of_module(module)
            roles = ROLES if roles is None else roles
            outputs = dep["output"].strip(".").split("...")
            wall_only = all(o.startswith("wall-") for o in outputs)
            page_path = next((p["path"] for p in pages if p["module"] == module), "/")
            values = _values(name, dep, ids, page_path)
            body = _payload(name, dep, values)
            for who in CALLERS:
                got = callers[who].post(UPDATE, json=body)
                status = got.status_code
                if who == ANONYMOUS:
                    want = status == 401
                elif who == WALL:
                    want = status in (200, 204) if wall_only else status == 403
                else:
                    want = status in (200, 204) if who in roles else status == 403
                check(f"callback {name} as {who} ({scope}): {status}", want and status < 500)
                if who in SCOPED and status == 200:
                    leaked = _seen(_json_text(got), region_b.tokens - echoed)
                    check(f"callback {name} as {who} ({scope}) leaks {leaked[:5]}", not leaked)
                cells += 1

    n_routes, n_callbacks = len(pages), len(deps) - 1
    print(
        f"\naccess matrix: {n_routes} routes × {n_callbacks} callbacks × {len(CALLERS)} callers "
        f"(anonymous, {', '.join(ROLES)}, wall) × 2 scopes = {cells} cells checked, "
        f"{failures} failed"
    )
    assert not problems, "\n".join(problems[:40])
