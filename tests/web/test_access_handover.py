"""A rep's handover on /teams (issue 15) × every caller: the panel's callbacks answer by role,
a manager hands over only reps of their regions to reps of the same region, exec and finance
are refused on the server, and a plan forged in the browser is checked again at confirmation;
over the small demo company of tests/web/test_access.py (two regions)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
import sqlalchemy as sa
from test_access import (  # the shared site of the access tests (same folder)
    ANONYMOUS,
    CALLERS,
    PERIOD,
    REGION_A,
    REGION_B,
    ROLES,
    UPDATE,
    Call,
    build_payload,
    site,  # noqa: F401  (fixture)
)

from tests.web_client import finish_background

HANDOVER_ROLES = ("manager", "admin")
QUERY = "teams-query.data"

HANDOVER_CALLS: dict[str, Call] = {
    "fill_rep_handover": Call({QUERY: PERIOD, "teams-handover-refresh.data": 0}, ROLES),
    "preview_rep_handover": Call(
        {
            "teams-handover-preview.n_clicks": 1,
            QUERY: PERIOD,
            "teams-handover-to.value": None,
            "teams-handover-reason.value": None,
            "teams-handover-deactivate.value": False,
        },
        HANDOVER_ROLES,
        changed=("teams-handover-preview.n_clicks",),
    ),
    "confirm_rep_handover": Call(
        {"teams-handover-yes.n_clicks": 1, "teams-handover-plan.data": None}, HANDOVER_ROLES
    ),
}
AREA_CALLBACKS = tuple(HANDOVER_CALLS)


def call(site_, who: str, name: str, values: Mapping[str, Any] | None = None):
    spec = HANDOVER_CALLS[name]
    body = build_payload(
        site_.deps[name], {**spec.values, **(values or {})}, match=spec.match, changed=spec.changed
    )
    return finish_background(site_.clients[who], body, site_.clients[who].post(UPDATE, json=body))


def _out(response) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()["response"]


def _reps(site_, region: str) -> list[str]:
    """The active reps of a region owning customers, most customers first."""
    sql = (
        "SELECT r.id FROM reps r JOIN teams t ON t.id = r.team_id "
        "JOIN customers c ON c.owner_rep_id = r.id WHERE r.active AND t.region_id = :g "
        "GROUP BY r.id ORDER BY COUNT(*) DESC, r.id"
    )
    with site_.engine.connect() as conn:
        return list(conn.execute(sa.text(sql), {"g": region}).scalars())


def _owned(site_, rep: str) -> list[str]:
    with site_.engine.connect() as conn:
        return list(
            conn.execute(
                sa.text("SELECT id FROM customers WHERE owner_rep_id = :r ORDER BY id"), {"r": rep}
            ).scalars()
        )


def _preview(site_, who: str, from_rep: str, to_rep: str | None, reason: str | None = "left"):
    return call(
        site_,
        who,
        "preview_rep_handover",
        {
            QUERY: {**PERIOD, "rep": from_rep},
            "teams-handover-to.value": to_rep,
            "teams-handover-reason.value": reason,
        },
    )


def _confirm(site_, who: str, plan: Any):
    return call(site_, who, "confirm_rep_handover", {"teams-handover-plan.data": plan})


def _status(name: str, who: str) -> int:
    if who == ANONYMOUS:
        return 401
    roles = HANDOVER_CALLS[name].roles
    return 200 if roles is None or who in roles else 403


def test_every_handover_callback_is_in_the_app(site):  # noqa: F811
    assert set(HANDOVER_CALLS) <= set(site.deps)


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize("name", sorted(HANDOVER_CALLS))
def test_handover_callback_answers_each_caller_by_role(site, name, who):  # noqa: F811
    got, want = call(site, who, name).status_code, _status(name, who)
    # 204: a click callback with nothing to do (no plan).
    assert got == want or (want == 200 and got == 204), (name, who, got)


def test_the_panel_shows_what_the_rep_holds_and_only_eligible_targets(site):  # noqa: F811
    a_reps, b_reps = _reps(site, REGION_A), _reps(site, REGION_B)
    rep = a_reps[0]
    values = {QUERY: {**PERIOD, "rep": rep}}
    out = _out(call(site, "manager", "fill_rep_handover", values))
    counts = json.dumps(out["teams-handover-holding"]["children"], ensure_ascii=False)
    assert f"{len(_owned(site, rep))} 个客户" in counts
    targets = {o["value"] for o in out["teams-handover-to"]["options"]}
    assert set(a_reps[1:]) <= targets and rep not in targets and not targets & set(b_reps)
    admin = _out(call(site, "admin", "fill_rep_handover", values))
    assert set(b_reps) <= {o["value"] for o in admin["teams-handover-to"]["options"]}
    # Out of the manager's regions: as an unknown rep. Read-only roles get an empty panel.
    out = _out(call(site, "manager", "fill_rep_handover", {QUERY: {**PERIOD, "rep": b_reps[0]}}))
    assert "unknown rep" in json.dumps(out, ensure_ascii=False)
    assert out["teams-handover-to"]["options"] == []
    exec_ = _out(call(site, "exec", "fill_rep_handover", values))
    assert exec_["teams-handover-to"]["options"] == []


def test_exec_and_finance_are_refused_the_handover_on_the_server(site):  # noqa: F811
    a_reps = _reps(site, REGION_A)
    owned = _owned(site, a_reps[0])
    plan = {"from": a_reps[0], "to": a_reps[1], "reason": "x", "deactivate": False}
    for who in ("exec", "finance"):
        assert _preview(site, who, a_reps[0], a_reps[1]).status_code == 403
        assert _confirm(site, who, plan).status_code == 403
    assert _owned(site, a_reps[0]) == owned


def test_a_manager_out_of_region_or_without_a_reason_is_refused_and_nothing_moves(site):  # noqa: F811
    a_reps, b_reps = _reps(site, REGION_A), _reps(site, REGION_B)
    before = {rep: _owned(site, rep) for rep in (*a_reps[:2], *b_reps[:2])}
    cases = (
        (b_reps[0], b_reps[1], "left", "unknown rep"),  # a region-B rep
        (a_reps[0], b_reps[0], "left", "unknown rep"),  # to a region-B rep
        (a_reps[0], a_reps[1], "  ", "reason:"),
        (a_reps[0], None, "left", "to: pick the receiving rep"),
    )
    for from_rep, to_rep, reason, message in cases:
        out = _out(_preview(site, "manager", from_rep, to_rep, reason))
        assert message in json.dumps(out, ensure_ascii=False), (from_rep, to_rep)
        assert out["teams-handover-dialog"]["is_open"] is False
    # A plan forged in the browser is checked again at confirmation.
    for forged in (
        {"from": b_reps[0], "to": b_reps[1], "reason": "x"},
        {"from": a_reps[0], "to": b_reps[0], "reason": "x"},
        {"from": a_reps[0], "to": a_reps[1], "reason": ""},
    ):
        out = _out(_confirm(site, "manager", forged))
        assert "teams-handover-refused" in json.dumps(out)
    assert {rep: _owned(site, rep) for rep in before} == before


def test_manager_previews_then_hands_a_rep_over_with_history_and_an_audit_event(site):  # noqa: F811
    a_reps = _reps(site, REGION_A)
    from_rep, to_rep = a_reps[-1], a_reps[0]
    moving = _owned(site, from_rep)
    assert moving
    preview = _out(_preview(site, "manager", from_rep, to_rep, " 调岗 moved "))
    assert preview["teams-handover-dialog"]["is_open"] is True
    plan = preview["teams-handover-plan"]["data"]
    assert plan == {"from": from_rep, "to": to_rep, "reason": "调岗 moved", "deactivate": False}
    body = json.dumps(preview["teams-handover-body"]["children"], ensure_ascii=False)
    assert f"客户({len(moving)})" in body
    assert _owned(site, from_rep) == moving  # the preview changed nothing

    done = _out(_confirm(site, "manager", plan))
    assert "teams-handover-done" in json.dumps(done)
    assert done["teams-handover-refresh"]["data"] == 1
    assert _owned(site, from_rep) == []
    assert set(moving) <= set(_owned(site, to_rep))
    with site.engine.connect() as conn:
        history = conn.execute(
            sa.text(
                "SELECT customer_id, changed_by, reason FROM customer_owner_history "
                "WHERE from_rep_id = :f AND to_rep_id = :t AND source = 'handover' "
                "ORDER BY customer_id"
            ),
            {"f": from_rep, "t": to_rep},
        ).all()
        event = conn.execute(
            sa.text(
                "SELECT actor, assigned_to FROM status_events "
                "WHERE subject_kind = 'rep' AND subject_id = :f AND action = 'handover'"
            ),
            {"f": from_rep},
        ).one()
    assert [tuple(row) for row in history] == [(cid, "manager", "调岗 moved") for cid in moving]
    assert tuple(event) == ("manager", to_rep)
