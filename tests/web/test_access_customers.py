"""The customer pages' callbacks × every caller, the manager's region scope (list, map, export,
profile, orphans), and the orphan handover through the web (managers in their regions and
admins only), over the small demo company of tests/web/test_access.py (two regions, an orphan
pair in each: the demo's reps who left)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

import pytest
import sqlalchemy as sa
from test_access import (  # the shared site of the access tests (same folder)
    ANONYMOUS,
    CALLERS,
    REGION_A,
    REGION_B,
    ROLES,
    UPDATE,
    Call,
    _id_key,
    build_payload,
    site,  # noqa: F401  (fixture)
)

from tests.web_client import finish_background

LIST = _id_key({"type": "data-grid", "name": "customers-list"})
ORPHANS = _id_key({"type": "data-grid", "name": "customers-orphans"})
HANDOVER_ROLES = ("manager", "admin")
NO_FILTER: dict[str, Any] = {}

CUST_CALLS: dict[str, Call] = {
    "render_customer_list": Call(
        {"customers-query.data": NO_FILTER, "customers-refresh.data": 0}, ROLES
    ),
    "fill_customer_pickers": Call({"customers-query.data": NO_FILTER}, ROLES),
    "push_customer_filters": Call(
        {"customers-grade.value": ["A"], "customers-query.data": NO_FILTER},
        ROLES,
        changed=("customers-grade.value",),
    ),
    "render_customer_map": Call(
        {"customers-query.data": NO_FILTER, "customers-map.bounds": None, "customers-map.zoom": 4},
        ROLES,
    ),
    "export_customers": Call(
        {"customers-export-csv.n_clicks": 1, "customers-query.data": NO_FILTER},
        ROLES,
        changed=("customers-export-csv.n_clicks",),
    ),
    "render_orphans": Call({"customers-refresh.data": 0}, ROLES),
    "preview_orphan_handover": Call(
        {
            "customers-orphan-preview.n_clicks": 1,
            "data-grid.selectedRows": [],
            "customers-orphan-to.value": None,
        },
        HANDOVER_ROLES,
        match={"name": "customers-orphans"},
        changed=("customers-orphan-preview.n_clicks",),
    ),
    "confirm_orphan_handover": Call(
        {"customers-handover-yes.n_clicks": 1, "customers-handover-plan.data": None},
        HANDOVER_ROLES,
    ),
    "render_customer_profile": Call({"customer-profile-id.data": "cust-00001"}, ROLES),
}
AREA_CALLBACKS = (*CUST_CALLS, "cancel_call")


def call(site_, who: str, name: str, values: Mapping[str, Any] | None = None, **kw: Any):
    spec = CUST_CALLS[name]
    body = build_payload(
        site_.deps[name],
        {**spec.values, **(values or {})},
        match=kw.get("match", spec.match),
        changed=kw.get("changed", spec.changed),
    )
    return finish_background(site_.clients[who], body, site_.clients[who].post(UPDATE, json=body))


def _out(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def _customers(site_, region: str | None = None) -> dict[str, str]:
    """id → home region of the active customers (the owner's region, else the last one)."""
    sql = (
        "SELECT c.id, COALESCE(t.region_id, c.region_id) AS region FROM customers c "
        "LEFT JOIN reps r ON r.id = c.owner_rep_id LEFT JOIN teams t ON t.id = r.team_id "
        "WHERE c.active"
    )
    with site_.engine.connect() as conn:
        rows = conn.execute(sa.text(sql)).all()
    return {row.id: row.region for row in rows if region is None or row.region == region}


def _orphans(site_) -> dict[str, list[str]]:
    """region → its orphan customers (owner inactive), by id."""
    sql = (
        "SELECT c.id, t.region_id FROM customers c JOIN reps r ON r.id = c.owner_rep_id "
        "JOIN teams t ON t.id = r.team_id WHERE c.active AND NOT r.active ORDER BY c.id"
    )
    out: dict[str, list[str]] = {}
    with site_.engine.connect() as conn:
        for row in conn.execute(sa.text(sql)):
            out.setdefault(row.region_id, []).append(row.id)
    return out


def _active_rep(site_, region: str) -> str:
    with site_.engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT r.id FROM reps r JOIN teams t ON t.id = r.team_id "
                "WHERE r.active AND t.region_id = :g ORDER BY r.id LIMIT 1"
            ),
            {"g": region},
        ).scalar_one()


def _status(name: str, who: str) -> int:
    if who == ANONYMOUS:
        return 401
    roles = CUST_CALLS[name].roles
    return 200 if roles is None or who in roles else 403


# ------------------------------------------------------------------ callers


def test_every_customer_callback_is_in_the_app(site):  # noqa: F811
    assert set(CUST_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(CUST_CALLS))
def test_customer_callback_answers_each_caller_by_role(site, name, who):  # noqa: F811
    got, want = call(site, who, name).status_code, _status(name, who)
    # 204: a click callback with nothing to do (no orphan picked, no plan).
    assert got == want or (want == 200 and got == 204), (name, who, got)


def test_anonymous_customer_callbacks_run_no_service(site, monkeypatch):  # noqa: F811
    from dashboard.services import customers

    def boom(*_a, **_kw):
        raise AssertionError("a service ran for an anonymous caller")

    for name in ("customer_list", "customer_map", "customer_profile", "list_orphans"):
        monkeypatch.setattr(customers, name, boom)
    for name in ("render_customer_list", "render_customer_map", "render_customer_profile"):
        assert call(site, ANONYMOUS, name).status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_customer_pages_render_for_every_role_with_handover_only_for_its_roles(site, role):  # noqa: F811
    for path in ("/customers", "/customers/cust-00001"):
        assert site.clients[role].get(path).status_code == 200
        body = build_payload(
            site.deps["update"],
            {"_pages_location.pathname": path, "_pages_location.search": ""},
            changed=("_pages_location.pathname",),
        )
        content = json.dumps(
            site.clients[role].post(UPDATE, json=body).get_json(), ensure_ascii=False
        )
        assert '"page-forbidden"' not in content
    # The picker exists for everyone (callbacks name it) but is hidden from exec and finance.
    body = build_payload(
        site.deps["update"],
        {"_pages_location.pathname": "/customers", "_pages_location.search": ""},
        changed=("_pages_location.pathname",),
    )
    content = json.dumps(site.clients[role].post(UPDATE, json=body).get_json(), ensure_ascii=False)
    read_only_note = "只有区域经理" in content
    assert read_only_note is (role not in HANDOVER_ROLES)


# ------------------------------------------------------------------ scope


def _list_ids(site_, who: str, query: Mapping[str, Any]) -> set[str]:
    out = _out(call(site_, who, "render_customer_list", {"customers-query.data": query}))
    return {row["id"] for row in out[LIST]["rowData"]}


def test_manager_list_holds_only_region_a_even_when_asking_for_a_region_b_owner(site):  # noqa: F811
    a, b = _customers(site, REGION_A), _customers(site, REGION_B)
    manager = _list_ids(site, "manager", {"q": ""})
    assert manager and manager <= set(a)
    assert _list_ids(site, "exec", {"grade": "A"}) & set(b)
    b_rep = _active_rep(site, REGION_B)
    assert _list_ids(site, "exec", {"owner": b_rep})
    assert _list_ids(site, "manager", {"owner": b_rep}) == set()


def test_the_grid_is_capped_and_says_so_while_the_export_holds_the_whole_filter(site):  # noqa: F811
    out = _out(call(site, "exec", "render_customer_list"))
    everyone = _customers(site)
    assert len(everyone) > 500  # the demo has more customers than the grid holds
    assert len(out[LIST]["rowData"]) == 500
    assert f"500 / {len(everyone):,}" in out["customers-shown"]["children"]
    export = _out(call(site, "manager", "export_customers"))
    data = export["customers-export-download"]["data"]
    assert data["filename"] == "customers.csv"
    lines = base64.b64decode(data["content"]).decode("utf-8-sig").strip().splitlines()
    assert {line.split(",")[0] for line in lines[1:]} == set(_customers(site, REGION_A))


def _tile(children: Any, tile_id: str) -> str | None:
    """The text of the element ``tile_id`` somewhere in a rendered component tree."""
    if isinstance(children, dict):
        props = children.get("props", children)
        if props.get("id") == tile_id:
            return props.get("children")
        return _tile(props.get("children"), tile_id)
    if isinstance(children, list):
        for child in children:
            found = _tile(child, tile_id)
            if found is not None:
                return found
    return None


def test_white_space_tile_counts_what_the_white_space_filter_lists(site):  # noqa: F811
    grade_a = {"grade": "A"}
    out = _out(call(site, "exec", "render_customer_list", {"customers-query.data": grade_a}))
    count = _tile(out["customers-tiles"]["children"], "customers-count-white")
    white = _out(
        call(
            site,
            "exec",
            "render_customer_list",
            {"customers-query.data": {**grade_a, "white": "1"}},
        )
    )
    rows = white[LIST]["rowData"]
    assert 0 < len(rows) < len(_customers(site))
    assert not white["customers-shown"]["children"]  # under the cap: every one is listed
    assert count == f"{len(rows):,}"
    assert {row["status"] for row in rows} <= {"never", "overdue", "due"}


def test_manager_map_shows_no_region_b_customer(site):  # noqa: F811
    b = set(_customers(site, REGION_B))
    for who, sees in (("manager", False), ("exec", True)):
        out = _out(call(site, who, "render_customer_map"))
        features = out["customers-map-layer"]["data"]["features"]
        ids = {f["properties"].get("id") for f in features}
        assert bool(ids & b) is sees
    # Cells too: the manager's counts add up to their region's customers with a position.
    out = _out(
        call(
            site,
            "manager",
            "render_customer_map",
            {"customers-map.zoom": 3, "customers-map.bounds": [[0, 70], [55, 140]]},
        )
    )
    assert "customers-map-note" in out


def test_profile_of_an_out_of_scope_customer_answers_like_an_unknown_one(site):  # noqa: F811
    b_customer = sorted(_customers(site, REGION_B))[0]
    a_customer = sorted(_customers(site, REGION_A))[0]

    def profile(who: str, cid: str) -> str:
        out = _out(call(site, who, "render_customer_profile", {"customer-profile-id.data": cid}))
        return json.dumps(out["customer-profile"]["children"], ensure_ascii=False)

    unknown = profile("manager", "no-such-customer")
    assert "customer-not-found" in unknown
    assert profile("manager", b_customer) == unknown
    assert "customer-not-found" not in profile("exec", b_customer)
    assert "customer-not-found" not in profile("manager", a_customer)


def test_manager_orphans_are_their_regions_only(site):  # noqa: F811
    orphans = _orphans(site)
    assert orphans.get(REGION_A) and orphans.get(REGION_B)
    out = _out(call(site, "manager", "render_orphans"))
    ids = {row["id"] for row in out[ORPHANS]["rowData"]}
    assert ids == set(orphans[REGION_A])
    reps = {o["value"] for o in out["customers-orphan-to"]["options"]}
    assert reps and _active_rep(site, REGION_B) not in reps
    assert _out(call(site, "exec", "render_orphans"))["customers-orphan-to"]["options"] == []


# ------------------------------------------------------------------ handover


def _preview(site_, who: str, customer_ids: list[str], to_rep: str):
    return call(
        site_,
        who,
        "preview_orphan_handover",
        {
            "data-grid.selectedRows": [{"id": cid} for cid in customer_ids],
            "customers-orphan-to.value": to_rep,
        },
    )


def _owners(site_, ids: list[str]) -> dict[str, str]:
    with site_.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, owner_rep_id FROM customers WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"ids": ids},
        ).all()
    return {row.id: row.owner_rep_id for row in rows}


def test_exec_and_finance_are_refused_the_handover_on_the_server(site):  # noqa: F811
    orphans = _orphans(site)[REGION_A]
    rep = _active_rep(site, REGION_A)
    plan = {"customers": orphans, "to": rep, "name": "x"}
    for who in ("exec", "finance"):
        assert _preview(site, who, orphans, rep).status_code == 403
        response = call(
            site, who, "confirm_orphan_handover", {"customers-handover-plan.data": plan}
        )
        assert response.status_code == 403
    assert set(_owners(site, orphans).values()) != {rep}


def test_manager_is_refused_region_b_orphans_and_region_b_reps_with_the_reason(site):  # noqa: F811
    orphans = _orphans(site)
    a_rep, b_rep = _active_rep(site, REGION_A), _active_rep(site, REGION_B)
    refused = _out(_preview(site, "manager", orphans[REGION_B][:1], a_rep))
    text = json.dumps(refused, ensure_ascii=False)
    assert "not found" in text and refused["customers-handover"]["is_open"] is False
    refused = _out(_preview(site, "manager", orphans[REGION_A][:1], b_rep))
    assert "unknown rep" in json.dumps(refused, ensure_ascii=False)
    # A plan forged in the browser is checked again on confirmation.
    forged = {"customers": orphans[REGION_B][:1], "to": a_rep, "name": "x"}
    out = _out(
        call(site, "manager", "confirm_orphan_handover", {"customers-handover-plan.data": forged})
    )
    assert "customers-handover-refused" in json.dumps(out)
    assert _owners(site, orphans[REGION_B][:1]) != {orphans[REGION_B][0]: a_rep}


def test_manager_previews_then_hands_region_a_orphans_over_with_owner_history(site):  # noqa: F811
    orphans = _orphans(site)[REGION_A]
    rep = _active_rep(site, REGION_A)
    preview = _out(_preview(site, "manager", orphans, rep))
    assert preview["customers-handover"]["is_open"] is True
    plan = preview["customers-handover-plan"]["data"]
    assert plan["customers"] == orphans and plan["to"] == rep
    assert set(_owners(site, orphans).values()) != {rep}  # the preview changed nothing

    done = _out(
        call(site, "manager", "confirm_orphan_handover", {"customers-handover-plan.data": plan})
    )
    assert "customers-handover-done" in json.dumps(done)
    assert done["customers-refresh"]["data"] == 1
    assert _owners(site, orphans) == dict.fromkeys(orphans, rep)
    with site.engine.connect() as conn:
        history = conn.execute(
            sa.text(
                "SELECT customer_id, to_rep_id, changed_by, source FROM customer_owner_history "
                "WHERE to_rep_id = :rep AND source = 'person' ORDER BY customer_id"
            ),
            {"rep": rep},
        ).all()
    assert [tuple(row) for row in history] == [(cid, rep, "manager", "person") for cid in orphans]
    # No longer orphans.
    out = _out(call(site, "manager", "render_orphans"))
    assert not {row["id"] for row in out[ORPHANS]["rowData"]} & set(orphans)


def test_an_admin_may_hand_over_across_regions_after_a_warning(site):  # noqa: F811
    orphan = _orphans(site)[REGION_B][0]
    rep = _active_rep(site, REGION_A)
    preview = _out(_preview(site, "admin", [orphan], rep))
    assert preview["customers-handover"]["is_open"] is True
    assert "customers-handover-other-region" in json.dumps(preview)
    assert _owners(site, [orphan])[orphan] != rep
    plan = preview["customers-handover-plan"]["data"]
    call(site, "admin", "confirm_orphan_handover", {"customers-handover-plan.data": plan})
    assert _owners(site, [orphan]) == {orphan: rep}
