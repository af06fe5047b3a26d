"""The regrade in a real browser on the demo company: an admin reads the what-if on /customers
and applies it with a reason (the demo's locked grades hold), and a manager locks a customer's
grade on its profile and sees it in the grade history; no console errors."""

from __future__ import annotations

import pytest

from components.i18n import t
from tests.browser.conftest import (
    click,
    db_rows,
    sign_in_demo,
    wait_for,
    wait_for_text_containing,
)

pytestmark = pytest.mark.browser


def test_admin_reads_the_what_if_and_applies_it_with_a_reason(dash_duo, demo_app):
    locked = db_rows(demo_app, "SELECT id, grade FROM customers WHERE grade_locked ORDER BY id")
    assert locked, "the demo locks some grades"
    sign_in_demo(dash_duo, demo_app, "admin", path="/customers")
    wait_for(dash_duo, "#customers-regrade-summary")
    wait_for(dash_duo, "#customers-regrade-moves")
    shares = wait_for(dash_duo, "#customers-regrade-shares")
    assert "→" in shares.text
    assert dash_duo.get_logs() == []

    # Without a reason: refused, nothing changes.
    click(dash_duo, "#customers-regrade-apply")
    wait_for_text_containing(dash_duo, "#customers-regrade-message", "reason")
    assert not db_rows(demo_app, "SELECT id FROM customer_grade_history WHERE source='regrade'")

    dash_duo.find_element("#customers-regrade-reason").send_keys("年度复核 yearly review")
    click(dash_duo, "#customers-regrade-apply")
    wait_for_text_containing(dash_duo, "#customers-regrade-message", "已应用")
    changed = db_rows(
        demo_app, "SELECT customer_id, reason FROM customer_grade_history WHERE source='regrade'"
    )
    assert changed and {row.reason for row in changed} == {"年度复核 yearly review"}
    # The what-if is read again: nothing left to move.
    wait_for_text_containing(dash_duo, "#customers-regrade-body", t("grd.no_moves", "zh"))
    after = {row.id: row.grade for row in db_rows(demo_app, "SELECT id, grade FROM customers")}
    assert all(after[row.id] == row.grade for row in locked)
    assert dash_duo.get_logs() == []


def test_manager_locks_a_grade_on_the_profile_and_sees_its_history(dash_duo, demo_app):
    [customer] = db_rows(
        demo_app,
        "SELECT c.id FROM customers c JOIN reps r ON r.id = c.owner_rep_id "
        "JOIN teams t ON t.id = r.team_id WHERE t.region_id = 'reg-east' AND r.active "
        "AND NOT c.grade_locked ORDER BY c.id LIMIT 1",
    )
    sign_in_demo(dash_duo, demo_app, "manager", path=f"/customers/{customer.id}")
    wait_for_text_containing(
        dash_duo, "#customer-grade-lock-state", t("grd.profile.unlocked", "zh")
    )
    dash_duo.find_element("#customer-grade-reason").send_keys("重点客户 key account")
    click(dash_duo, "#customer-grade-lock")
    wait_for_text_containing(dash_duo, "#customer-grade-message", t("grd.lock.done", "zh"))
    wait_for_text_containing(dash_duo, "#customer-grade-lock-state", "重点客户 key account")
    wait_for_text_containing(dash_duo, "#customer-grade-history", t("grd.event.locked", "zh"))
    assert dash_duo.get_logs() == []
