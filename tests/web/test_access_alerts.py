"""The anti-cheat centre's page and callbacks for every role, and the manager's region scope,
through the Flask test client over the small demo company of tests/web/test_access.py with
realistic alerts in both regions (tests/alert_builders.demo_alerts).

Callbacks are called the way dash-renderer calls them; this file builds its own payloads because
the triage callbacks use ALL pattern ids (lists of components), which test_access's helper does
not cover.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from dashboard.rules.summaries import summary_of
from tests import alert_builders as ab

try:
    # pytest imports the files of this folder (no __init__.py) by their base name: use that very
    # module, so that CALLS below is the registry test_access.py checks.
    import test_access as access
except ImportError:  # pragma: no cover - another import mode
    from tests.web import test_access as access

ANONYMOUS, CALLERS, CALLS = access.ANONYMOUS, access.CALLERS, access.CALLS
REGION_A, REGION_B, ROLES, UPDATE = access.REGION_A, access.REGION_B, access.ROLES, access.UPDATE
Call, call = access.Call, access.call
site = access.site  # the module-scoped app and signed-in clients

PAGE = "/alerts"
PAGE_ROLES = ROLES
TRIAGE_ROLES = ("manager", "admin")
WIDE = {"period": "custom", "from": "2026-11-01", "to": "2026-11-27"}
ALL = ["ALL"]

NOTE_ID = {"type": "alerts-note", "name": "triage"}
ASSIGNEE_ID = {"type": "alerts-assignee", "name": "triage"}
ACTIONS = ("assign", "acknowledge", "confirm", "dismiss", "reopen")
ACTION_IDS = [{"type": "alerts-action", "action": a} for a in ACTIONS]
GRID_ROWS = "data-grid.selectedRows"

# The page's callbacks, for test_access's classification of every server callback.
CALLS.update(
    {
        "render_alert_queue": Call(
            {"alerts-query.data": WIDE, "alerts-refresh.data": 0}, PAGE_ROLES
        ),
        "push_alert_pickers_to_url": Call(
            {"alerts-rule.value": ["GEOFENCE_MISS"], "alerts-query.data": {"period": "7d"}},
            PAGE_ROLES,
            changed=("alerts-rule.value",),
        ),
        "render_rep_view": Call({"alerts-query.data": {**WIDE, "rep": "rep-001"}}, PAGE_ROLES),
        # Called below with their ALL-pattern payloads (evidence_call, triage_call); listed so
        # that test_access knows every callback of the app. Collected after test_access.py,
        # so its role x callback matrix never calls these two with its MATCH-only payloads.
        "render_alert_evidence": Call({}, PAGE_ROLES),
        "apply_alert_triage": Call({}, TRIAGE_ROLES),
    }
)


@dataclass(frozen=True)
class Alerts:
    a: dict[str, dict[str, Any]]  # name → alert row of region A
    b: dict[str, Any]  # the alert of region B
    b_tokens: tuple[str, ...]  # what region B's alert shows: id, rep, customer names


@pytest.fixture(scope="module")
def demo(site):
    rows = ab.demo_alerts(site.engine, region=REGION_A, other_region=REGION_B)
    b = rows.pop("other_region")
    with site.engine.connect() as conn:
        names = conn.execute(
            sa.text(
                "SELECT r.name AS rep, c.name AS customer FROM reps r, customers c "
                "WHERE r.id = :rep AND c.id = :customer"
            ),
            {"rep": b["rep_id"], "customer": b["customer_id"]},
        ).one()
    return Alerts(a=rows, b=b, b_tokens=(b["id"], b["visit_id"], names.rep, names.customer))


# ------------------------------------------------------------------ payloads with ALL patterns


def _parse_id(raw: str) -> str | dict[str, Any]:
    return json.loads(raw) if raw.startswith("{") else raw


def _key(id_: str | dict[str, Any]) -> str:
    return json.dumps(id_, sort_keys=True, separators=(",", ":")) if isinstance(id_, dict) else id_


def _label(id_: str | dict[str, Any]) -> str:
    return id_["type"] if isinstance(id_, dict) else id_


def payload(
    dep: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    all_ids: Mapping[str, list[dict[str, Any]]],
    changed: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The body dash-renderer posts. ``values`` maps "<id or type>.<prop>" to a value (for an
    ALL pattern: the list of values, one per id of ``all_ids[type]``); ``changed`` lists
    concrete "<id key>.<prop>" strings."""
    output = dep["output"]
    multi = output.startswith("..")
    parts = output[2:-2].split("...") if multi else [output]
    outputs: list[Any] = []
    for part in parts:
        raw, prop = part.rsplit(".", 1)
        id_ = _parse_id(raw)
        if isinstance(id_, dict) and ALL in id_.values():
            outputs.append([{"id": i, "property": prop} for i in all_ids[id_["type"]]])
        else:
            outputs.append({"id": id_, "property": prop})

    def fill(specs):
        out = []
        for spec in specs:
            id_ = _parse_id(spec["id"])
            value = values.get(f"{_label(id_)}.{spec['property']}")
            if isinstance(id_, dict) and ALL in id_.values():
                ids = all_ids[id_["type"]]
                vals = value if isinstance(value, list) else [None] * len(ids)
                out.append(
                    [
                        {"id": i, "property": spec["property"], "value": v}
                        for i, v in zip(ids, vals, strict=True)
                    ]
                )
            else:
                out.append({"id": id_, "property": spec["property"], "value": value})
        return out

    body = {
        "output": output,
        "outputs": outputs if multi else outputs[0],
        "inputs": fill(dep["inputs"]),
        "changedPropIds": list(changed),
    }
    if dep["state"]:
        body["state"] = fill(dep["state"])
    return body


TRIAGE_IDS = {
    "alerts-note": [NOTE_ID],
    "alerts-assignee": [ASSIGNEE_ID],
    "alerts-action": ACTION_IDS,
}


def _clicks(action: str) -> list[int | None]:
    return [1 if a == action else None for a in ACTIONS]


def evidence_call(site, who: str, selected: list[dict[str, Any]]):
    body = payload(
        site.deps["render_alert_evidence"],
        {GRID_ROWS: selected, "alerts-refresh.data": 0, "alerts-query.data": WIDE},
        all_ids=TRIAGE_IDS,
    )
    return site.clients[who].post(UPDATE, json=body)


def triage_call(
    site,
    who: str,
    action: str,
    ids: list[str],
    *,
    note: str | None = None,
    assignee: str | None = None,
):
    changed = f"{_key({'type': 'alerts-action', 'action': action})}.n_clicks"
    body = payload(
        site.deps["apply_alert_triage"],
        {
            "alerts-action.n_clicks": _clicks(action),
            GRID_ROWS: [{"id": i} for i in ids],
            "alerts-note.value": [note],
            "alerts-assignee.value": [assignee],
            "alerts-refresh.data": 3,
        },
        all_ids=TRIAGE_IDS,
        changed=(changed,),
    )
    return site.clients[who].post(UPDATE, json=body)


def _status(engine, alert_id: str) -> tuple[str, str | None, int]:
    status, assigned = ab.status_of(engine, alert_id)
    return status, assigned, len(ab.events_of(engine, alert_id))


def _expected(roles, who: str) -> int:
    if who == ANONYMOUS:
        return 401
    return 200 if who in roles else 403


# ------------------------------------------------------------------ page and classification


def test_every_callback_of_the_page_is_known(site):
    mine = {
        "render_alert_queue",
        "push_alert_pickers_to_url",
        "render_alert_evidence",
        "apply_alert_triage",
        "render_rep_view",
    }
    assert mine <= set(site.deps)


@pytest.mark.parametrize("role", ROLES)
def test_page_router_renders_the_alerts_page_with_triage_controls_only_for_triage_roles(
    site,
    role,
):
    response = call(
        site, role, "update", {"_pages_location.pathname": PAGE, "_pages_location.search": ""}
    )

    content = json.dumps(response.get_json()["response"]["_pages_content"])
    assert '"page-forbidden"' not in content
    assert '"alerts-counts"' in content
    assert ('"alerts-triage-card"' in content) is (role in TRIAGE_ROLES)
    assert ('"alerts-read-only"' in content) is (role not in TRIAGE_ROLES)


def test_anonymous_get_of_the_alerts_page_redirects_to_login(site):
    response = site.clients[ANONYMOUS].get(PAGE)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={PAGE}"


# ------------------------------------------------------------------ each caller × each callback


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize(
    "name", ["render_alert_queue", "push_alert_pickers_to_url", "render_rep_view"]
)
def test_read_callbacks_answer_each_caller_by_role(site, demo, name, who):
    response = call(site, who, name)
    assert response.status_code == _expected(PAGE_ROLES, who), response.get_data(as_text=True)


@pytest.mark.parametrize("who", CALLERS)
def test_evidence_callback_answers_each_caller_by_role(site, demo, who):
    alert = demo.a["geofence"]
    response = evidence_call(site, who, [{"id": alert["id"], "status": "open"}])

    assert response.status_code == _expected(PAGE_ROLES, who)
    if response.status_code == 200:
        text = response.get_data(as_text=True)
        # The summary is rendered in the viewer's language from the rule and its evidence.
        with site.engine.connect() as conn:
            name = conn.execute(
                sa.text("SELECT name FROM customers WHERE id = :id"), {"id": alert["customer_id"]}
            ).scalar_one()
        shown = {summary_of({**alert, "customer_name": name}, lang) for lang in ("zh", "en")}
        assert '"alerts-evidence-body"' in text and any(s in text for s in shown)
        # only triage roles get assignees and enabled buttons
        body = response.get_json()["response"]
        options = body[_key(ASSIGNEE_ID)]["options"]
        enabled = [
            a for a, i in zip(ACTIONS, ACTION_IDS, strict=True) if not body[_key(i)]["disabled"]
        ]
        if who in TRIAGE_ROLES:
            assert "admin" in [o["value"] for o in options]
            assert enabled == ["assign", "acknowledge"]
        else:
            assert options == [] and enabled == []


@pytest.mark.parametrize("who", CALLERS)
def test_triage_callback_is_refused_to_anonymous_exec_and_finance(site, demo, who):
    alert = demo.a["short"]["id"]
    before = _status(site.engine, alert)

    # confirm without a note: refused by the service even for the roles that may triage
    response = triage_call(site, who, "confirm", [alert])

    assert response.status_code == _expected(TRIAGE_ROLES, who)
    if response.status_code == 200:
        assert "alerts-triage-error" in response.get_data(as_text=True)
    assert _status(site.engine, alert) == before


@pytest.mark.parametrize("role", ["exec", "finance"])
def test_read_only_roles_cannot_acknowledge_through_the_callback(site, demo, role):
    alert = demo.a["geofence"]["id"]
    before = _status(site.engine, alert)

    response = triage_call(site, role, "acknowledge", [alert])

    assert response.status_code == 403
    assert _status(site.engine, alert) == before


# ------------------------------------------------------------------ the manager's region scope


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_manager_queue_holds_region_a_alerts_and_nothing_of_region_b(site, demo):
    text = _text(call(site, "manager", "render_alert_queue"))
    for alert in demo.a.values():
        assert alert["id"] in text
    leaked = [token for token in demo.b_tokens if token in text]
    assert leaked == []
    # the exec sees region B's alert in the same call
    assert demo.b["id"] in _text(call(site, "exec", "render_alert_queue"))


def _find(node: Any, component_id: str) -> dict[str, Any] | None:
    """The props of the component with this id anywhere in a rendered tree."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("id") == component_id:
            return props
        return next((f for v in node.values() if (f := _find(v, component_id))), None)
    if isinstance(node, list):
        return next((f for v in node if (f := _find(v, component_id))), None)
    return None


@pytest.mark.parametrize("key", ["region", "rep"])
def test_manager_filtering_on_region_b_gets_an_empty_queue(site, demo, key):
    narrow = {"region": REGION_B} if key == "region" else {"rep": demo.b["rep_id"]}
    response = call(
        site, "manager", "render_alert_queue", {"alerts-query.data": {**WIDE, **narrow}}
    )

    body = response.get_json()["response"]
    grid = _key({"type": "data-grid", "name": "alerts-queue"})
    assert body[grid]["rowData"] == []
    assert _find(body, "alerts-count-total")["children"] == "0"
    assert not [token for token in demo.b_tokens if token in json.dumps(body)]


def test_manager_opening_a_region_b_alert_gets_nothing(site, demo):
    text = _text(evidence_call(site, "manager", [{"id": demo.b["id"], "status": "open"}]))

    assert "alerts-evidence-empty" in text
    assert not [token for token in demo.b_tokens if token in text]


def test_manager_triage_of_a_region_b_alert_is_refused_as_not_found(site, demo):
    before = _status(site.engine, demo.b["id"])

    text = _text(triage_call(site, "manager", "acknowledge", [demo.b["id"]]))

    assert "alerts-triage-result" in text
    assert _status(site.engine, demo.b["id"]) == before


def test_manager_cannot_assign_a_region_a_alert_to_someone_outside_it(site, demo):
    alert = demo.a["short"]["id"]
    before = _status(site.engine, alert)

    _text(triage_call(site, "manager", "assign", [alert], assignee="exec"))

    assert _status(site.engine, alert) == before


def test_manager_rep_view_of_a_region_b_rep_is_empty(site, demo):
    response = call(
        site, "manager", "render_rep_view", {"alerts-query.data": {**WIDE, "rep": demo.b["rep_id"]}}
    )
    text = _text(response)
    assert "alerts-rep-none" in text
    assert "alerts-rep-title" in _text(
        call(
            site,
            "exec",
            "render_rep_view",
            {"alerts-query.data": {**WIDE, "rep": demo.b["rep_id"]}},
        )
    )


def test_manager_acknowledges_a_region_a_alert_through_the_callback(site, demo):
    alert = demo.a["reuse"]["id"]
    status, _assigned, events = _status(site.engine, alert)
    assert status == "open"

    response = triage_call(site, "manager", "acknowledge", [alert], note="looking into it")

    body = response.get_json()["response"]
    assert body["alerts-refresh"]["data"] == 4
    assert body[_key(NOTE_ID)]["value"] == ""
    assert _status(site.engine, alert) == ("acknowledged", None, events + 1)
    last = ab.events_of(site.engine, alert)[-1]
    assert (last["actor"], last["action"], last["note"]) == (
        "manager",
        "acknowledge",
        "looking into it",
    )
