"""The regrade's callbacks × every caller: the what-if and apply panel (admins only), the
profile's grade card (every role, scope as the profile) and lock (managers in their regions,
admins), over the small demo company of tests/web/test_access.py."""

from __future__ import annotations

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
    UPDATE,
    Call,
    build_payload,
    site,  # noqa: F401  (fixture)
)

from tests.web_client import finish_background

APPLY_ROLES = ("admin",)
LOCK_ROLES = ("manager", "admin")

GRADE_CALLS: dict[str, Call] = {
    "render_regrade_whatif": Call({"customers-regrade-refresh.data": 0}, APPLY_ROLES),
    # No reason: refused by the service, so the matrix never applies anything.
    "apply_regrade_now": Call(
        {
            "customers-regrade-apply.n_clicks": 1,
            "customers-regrade-reason.value": None,
            "customers-regrade-plan.data": None,
            "customers-regrade-refresh.data": 0,
        },
        APPLY_ROLES,
        changed=("customers-regrade-apply.n_clicks",),
    ),
    "render_customer_grade": Call(
        {"customer-profile-id.data": "cust-00001", "customer-grade-refresh.data": 0}, None
    ),
    "set_customer_grade_lock": Call(
        {
            "customer-grade-lock.n_clicks": 1,
            "customer-grade-unlock.n_clicks": None,
            "customer-profile-id.data": "cust-00001",
            "customer-grade-reason.value": None,
            "customer-grade-refresh.data": 0,
        },
        LOCK_ROLES,
        changed=("customer-grade-lock.n_clicks",),
    ),
}
AREA_CALLBACKS = tuple(GRADE_CALLS)


def call(site_, who: str, name: str, values: Mapping[str, Any] | None = None):
    spec = GRADE_CALLS[name]
    body = build_payload(
        site_.deps[name], {**spec.values, **(values or {})}, match=spec.match, changed=spec.changed
    )
    return finish_background(site_.clients[who], body, site_.clients[who].post(UPDATE, json=body))


def _text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return json.dumps(response.get_json()["response"], ensure_ascii=False)


def _status(name: str, who: str) -> int:
    if who == ANONYMOUS:
        return 401
    roles = GRADE_CALLS[name].roles
    return 200 if roles is None or who in roles else 403


def _customer(site_, region: str) -> str:
    sql = (
        "SELECT c.id FROM customers c JOIN reps r ON r.id = c.owner_rep_id "
        "JOIN teams t ON t.id = r.team_id WHERE c.active AND r.active AND t.region_id = :g "
        "ORDER BY c.id LIMIT 1"
    )
    with site_.engine.connect() as conn:
        return conn.execute(sa.text(sql), {"g": region}).scalar_one()


def _grade_row(site_, cid: str):
    with site_.engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT grade, grade_locked, locked_by, lock_reason FROM customers WHERE id = :c"
            ),
            {"c": cid},
        ).one()


def test_every_grade_callback_is_in_the_app(site):  # noqa: F811
    assert set(GRADE_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(GRADE_CALLS))
def test_grade_callback_answers_each_caller_by_role(site, name, who):  # noqa: F811
    got, want = call(site, who, name).status_code, _status(name, who)
    assert got == want or (want == 200 and got == 204), (name, who, got)


@pytest.mark.parametrize("role", ["exec", "manager", "finance", "admin"])
def test_regrade_panel_is_in_the_customers_page_of_admins_only(site, role):  # noqa: F811
    body = build_payload(
        site.deps["update"],
        {"_pages_location.pathname": "/customers", "_pages_location.search": ""},
        changed=("_pages_location.pathname",),
    )
    content = json.dumps(site.clients[role].post(UPDATE, json=body).get_json())
    assert ('"customers-regrade"' in content) is (role == "admin")


def test_manager_locks_in_their_region_only_and_a_reason_is_required(site):  # noqa: F811
    mine, theirs = _customer(site, REGION_A), _customer(site, REGION_B)
    lock = {"customer-profile-id.data": mine}
    refused = _text(call(site, "manager", "set_customer_grade_lock", lock))
    assert "reason" in refused and not _grade_row(site, mine).grade_locked
    done = _text(
        call(
            site,
            "manager",
            "set_customer_grade_lock",
            {**lock, "customer-grade-reason.value": "key account"},
        )
    )
    assert "customer-grade-refresh" in done
    row = _grade_row(site, mine)
    assert row.grade_locked and row.lock_reason == "key account"
    card = _text(call(site, "exec", "render_customer_grade", {"customer-profile-id.data": mine}))
    assert "key account" in card
    # Region B's customer answers as unknown, and nothing changes.
    out = _text(
        call(
            site,
            "manager",
            "set_customer_grade_lock",
            {"customer-profile-id.data": theirs, "customer-grade-reason.value": "x"},
        )
    )
    assert "not found" in out and not _grade_row(site, theirs).grade_locked
    assert (
        call(
            site, "manager", "render_customer_grade", {"customer-profile-id.data": theirs}
        ).get_json()["response"]["customer-grade"]["children"]
        is None
    )


def test_admin_applies_the_what_if_it_was_shown_and_the_lock_holds(site):  # noqa: F811
    locked = _customer(site, REGION_A)
    call(
        site,
        "admin",
        "set_customer_grade_lock",
        {"customer-profile-id.data": locked, "customer-grade-reason.value": "hold"},
    )
    before = _grade_row(site, locked).grade
    shown = call(site, "admin", "render_regrade_whatif").get_json()["response"]
    fingerprint = shown["customers-regrade-plan"]["data"]
    out = _text(
        call(
            site,
            "admin",
            "apply_regrade_now",
            {
                "customers-regrade-reason.value": "annual",
                "customers-regrade-plan.data": fingerprint,
            },
        )
    )
    assert '"color": "success"' in out, out[:300]
    assert _grade_row(site, locked).grade == before
    with site.engine.connect() as conn:
        n = conn.execute(
            sa.text("SELECT COUNT(*) FROM customer_grade_history WHERE source = 'regrade'")
        ).scalar_one()
    assert n > 0
    # The same what-if confirmed again is stale: nothing more changes.
    again = _text(
        call(
            site,
            "admin",
            "apply_regrade_now",
            {
                "customers-regrade-reason.value": "annual",
                "customers-regrade-plan.data": fingerprint,
            },
        )
    )
    assert '"color": "warning"' in again
    with site.engine.connect() as conn:
        assert (
            conn.execute(
                sa.text("SELECT COUNT(*) FROM customer_grade_history WHERE source = 'regrade'")
            ).scalar_one()
            == n
        )
