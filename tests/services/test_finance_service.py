"""Finance services on real SQLite and PostgreSQL: ledger, evidence, decisions and their audit
trail, region scope, statement, what-if and saving thresholds."""

from __future__ import annotations

import inspect
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

import data_access
from dashboard import finance as core
from dashboard.filters import Filters
from dashboard.services import finance
from data_access import finance as store
from data_access import schema
from tests import finance_builders as fb

PERIOD = Filters("custom", date(2026, 11, 20), date(2026, 11, 27))


@pytest.fixture
def seeded(engine):
    fb.seed(engine)
    return engine


def _events(engine, kind=None):
    ev = schema.status_events
    stmt = sa.select(ev).order_by(ev.c.id)
    if kind:
        stmt = stmt.where(ev.c.subject_kind == kind)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def test_ledger_lists_claims_with_flags_at_risk_and_totals(seeded):
    user = fb.make_user(seeded, "finance")
    result = finance.ledger(seeded, user, PERIOD)
    claims = result["claims"].set_index("claim_id")

    assert set(claims.index) == {
        "e-km", "e-meal-1", "e-meal-2", "e-taxi", "e-hotel", "e-ent", "e-clean", "e-s",
    }  # fmt: skip
    assert claims.loc["e-km", "flags"] == "MILEAGE_INFLATED ¥7.31"
    assert claims.loc["e-ent", "visit_id"] == "v-2"  # the visit at the claim's customer
    assert not claims.loc["e-clean", "flagged"]
    assert claims.loc["e-km", "tracked_km"] == pytest.approx(7.61, abs=0.01)
    totals = result["totals"]
    assert totals["claimed"] == pytest.approx(1362.0)
    assert totals["at_risk"] == pytest.approx(7.31 + 30 + 20 + 30 + 450 + 40)
    assert totals["pending_n"] == 8 and totals["approved"] == 0.0
    mileage = result["mileage"].set_index("claim_id")
    assert mileage.loc["e-km", "limit_km"] == pytest.approx(7.61 * 1.15 + 2, abs=0.02)


def test_ledger_filters_by_flag_category_and_status(seeded):
    user = fb.make_user(seeded, "finance")
    flagged = finance.ledger(seeded, user, PERIOD, flag="OVER_CAP")["claims"]
    assert sorted(flagged["claim_id"]) == ["e-meal-1", "e-meal-2"]
    clean = finance.ledger(seeded, user, PERIOD, flag="clean")["claims"]
    assert sorted(clean["claim_id"]) == ["e-clean", "e-ent"]
    hotel = finance.ledger(seeded, user, PERIOD, category="hotel")["claims"]
    assert list(hotel["claim_id"]) == ["e-hotel"]
    with pytest.raises(core.FinanceError, match="status"):
        finance.ledger(seeded, user, PERIOD, status="paid")


def test_manager_ledger_and_evidence_stay_in_their_region(seeded):
    manager = fb.make_user(seeded, "manager", regions=("reg-e",))
    ids = set(finance.ledger(seeded, manager, PERIOD)["claims"]["claim_id"])
    assert "e-s" not in ids and "e-km" in ids
    south = Filters("custom", PERIOD.start, PERIOD.end, region="reg-s")
    assert finance.ledger(seeded, manager, south)["claims"].empty
    assert finance.claim_evidence(seeded, manager, "e-s") is None


def test_evidence_of_a_mileage_claim_has_the_ledger_visits_and_replay(seeded):
    user = fb.make_user(seeded, "finance")
    ev = finance.claim_evidence(seeded, user, "e-km")

    ledger = ev["mileage"]
    # 8 segments of 0.01° along 31.2° N ≈ 0.9516 km each.
    assert ledger.raw_km == pytest.approx(7.61, abs=0.02)
    assert ledger.tracked_km == pytest.approx(7.61, abs=0.02)
    assert ledger.chain_km == pytest.approx(7.61, abs=0.02)  # v-1 → v-2 straight east
    assert ledger.limit_km == pytest.approx(ledger.tracked_km * 1.15 + 2)
    # 30 km claimed beyond the band: the km over the track are at risk (contract §3)
    assert ledger.at_risk_cny == pytest.approx(round((30.0 - ledger.tracked_km) * 0.8, 2))
    assert ledger.reimbursable_cny == pytest.approx(24.0 - ledger.at_risk_cny)
    assert list(ev["visits"]["visit_id"]) == ["v-1", "v-2"]
    assert list(ev["visits"]["integrity"]) == [100, 100]
    assert ev["replay"] == "/replay/rep-1/2026-11-26"
    assert ev["cities"] == {"day": ["上海"], "next_day": []}


def test_evidence_shows_receipt_uses_cap_and_visit_integrity_from_alerts(seeded):
    with seeded.begin() as conn:
        conn.execute(
            schema.alerts.insert(),
            [
                {
                    "id": "GEOFENCE_MISS:v-2",
                    "rule": "GEOFENCE_MISS",
                    "severity": "high",
                    "rep_id": "rep-1",
                    "ts": fb.NOW,
                    "local_date": date(2026, 11, 26),
                    "visit_id": "v-2",
                    "customer_id": "cust-2",
                    "summary": "check-in 900 m from the store",
                    "evidence": {},
                    "status": "open",
                    "created_at": fb.NOW,
                    "updated_at": fb.NOW,
                }
            ],
        )
    user = fb.make_user(seeded, "finance")
    meal = finance.claim_evidence(seeded, user, "e-meal-1")
    assert list(meal["receipt_uses"]["claim_id"]) == ["e-taxi"]
    assert (meal["cap"].total_cny, meal["cap"].cap_cny, meal["cap"].excess_cny) == (200, 150, 50)
    assert list(meal["visits"]["integrity"]) == [100, 65]
    assert list(meal["alerts"]["rule"]) == ["GEOFENCE_MISS"]
    hotel = finance.claim_evidence(seeded, user, "e-hotel")
    assert hotel["claim"]["city"] == "杭州" and "杭州" not in hotel["cities"]["day"]


def test_reject_writes_status_flag_statuses_and_one_event_each(seeded):
    user = fb.make_user(seeded, "finance")
    done = finance.decide(seeded, user, ["e-km"], "reject", note="no such trip", now=fb.NOW)

    assert done == {"count": 1, "amount": 24.0, "status": "rejected"}
    claim_events = _events(seeded, "claim")
    keys = ("subject_id", "actor", "from_status", "to_status", "note")
    assert [tuple(e[k] for k in keys) for e in claim_events] == [
        ("e-km", "finance", "pending", "rejected", "no such trip")
    ]
    flag_events = _events(seeded, "expense_flag")
    assert [(e["subject_id"], e["from_status"], e["to_status"]) for e in flag_events] == [
        ("MILEAGE_INFLATED:e-km", "open", "rejected")
    ]
    with seeded.connect() as conn:
        status = conn.execute(sa.select(schema.claim_status)).mappings().one()
        flag = conn.execute(
            sa.select(schema.expense_flags.c.status).where(
                schema.expense_flags.c.id == "MILEAGE_INFLATED:e-km"
            )
        ).scalar_one()
    assert (status["claim_id"], status["status"], status["updated_by"]) == (
        "e-km", "rejected", "finance",
    )  # fmt: skip
    assert flag == "rejected"
    ev = finance.claim_evidence(seeded, user, "e-km")
    assert ev["claim"]["status"] == "rejected"
    assert list(ev["history"]["to_status"]) == ["rejected", "rejected"]


def test_a_second_decision_appends_and_never_rewrites_the_first(seeded):
    user = fb.make_user(seeded, "admin")
    finance.decide(seeded, user, ["e-hotel"], "query", note="which customer?", now=fb.NOW)
    first = _events(seeded, "claim")
    later = fb.NOW + timedelta(hours=2)
    finance.decide(seeded, user, ["e-hotel"], "approve", note="answered", now=later)
    events = _events(seeded, "claim")

    assert events[0] == first[0]
    assert [(e["from_status"], e["to_status"]) for e in events] == [
        ("pending", "queried"),
        ("queried", "approved"),
    ]


@pytest.mark.parametrize(
    ("action", "note", "message"),
    [("reject", None, "reason"), ("reject", "  ", "reason"), ("query", "", "question")],
)
def test_reject_and_query_need_a_note_and_write_nothing_without(seeded, action, note, message):
    user = fb.make_user(seeded, "finance")
    with pytest.raises(core.FinanceError, match=message):
        finance.decide(seeded, user, ["e-km"], action, note=note, now=fb.NOW)
    assert _events(seeded) == []


@pytest.mark.parametrize("role", ["exec", "manager"])
def test_read_only_roles_may_not_decide(seeded, role):
    user = fb.make_user(seeded, role)
    with pytest.raises(finance.NotAllowed, match=role):
        finance.decide(seeded, user, ["e-km"], "approve", note=None, now=fb.NOW)
    assert _events(seeded) == []


def test_bulk_decision_is_all_or_nothing_and_refuses_claims_out_of_scope(seeded):
    outsider = fb.make_user(seeded, "finance")
    # An unknown (or out-of-scope) id sinks the whole batch.
    with pytest.raises(core.FinanceError, match="nope"):
        finance.decide(seeded, outsider, ["e-km", "nope"], "approve", note=None, now=fb.NOW)
    assert _events(seeded) == []
    done = finance.decide(seeded, outsider, ["e-clean", "e-s"], "approve", note="ok", now=fb.NOW)
    assert done["count"] == 2 and done["amount"] == pytest.approx(58.0)


def test_approve_every_clean_claim_approves_only_pending_claims_without_flags(seeded):
    user = fb.make_user(seeded, "finance")
    preview = finance.clean_claims(seeded, user, PERIOD)
    assert sorted(preview["ids"]) == ["e-clean", "e-ent"]
    assert preview["amount"] == pytest.approx(618.0)

    done = finance.approve_clean(seeded, user, PERIOD, [*preview["ids"], "e-km"], now=fb.NOW)

    assert done["count"] == 2  # e-km is flagged: never approved in bulk
    statuses = finance.ledger(seeded, user, PERIOD)["claims"].set_index("claim_id")["status"]
    assert statuses["e-clean"] == statuses["e-ent"] == "approved"
    assert statuses["e-km"] == "pending"
    assert finance.clean_claims(seeded, user, PERIOD)["count"] == 0


def test_statement_per_rep_and_team_has_decisions_and_rejection_reasons(seeded):
    user = fb.make_user(seeded, "finance")
    finance.decide(seeded, user, ["e-taxi"], "reject", note="receipt reused", now=fb.NOW)
    finance.decide(seeded, user, ["e-clean"], "approve", note=None, now=fb.NOW)

    by_rep = finance.statement(seeded, user, PERIOD, by="rep")
    assert by_rep["month"] == "2026-11"
    rows = by_rep["rows"].set_index("rep_id")
    assert rows.loc["rep-1", "rejected"] == 30.0
    assert "“receipt reused” ×1" in rows.loc["rep-1", "reasons"]
    assert rows.loc["rep-2", "approved"] == 18.0
    teams = finance.statement(seeded, user, PERIOD, by="team")["rows"].set_index("team_id")
    assert teams.loc["team-1", "claimed"] == pytest.approx(1322.0)
    assert teams.loc["team-s", "at_risk"] == 40.0
    october = finance.statement(seeded, user, PERIOD, by="rep", month="2026-10")
    assert october["rows"].empty
    with pytest.raises(core.FinanceError, match="month"):
        finance.statement(seeded, user, PERIOD, month="November")


def test_what_if_counts_on_history_and_admin_saves_with_an_audit_row(seeded):
    admin = fb.make_user(seeded, "admin")
    result = finance.what_if(seeded, admin, PERIOD, {"meal_cap_cny": 250, "hotel_cap_cny": 400})
    table = result["table"].set_index("rule")
    assert table.loc["OVER_CAP", "claims_now"] == 2
    assert table.loc["OVER_CAP", "claims_then"] == 1  # meals fit 250; the hotel 450 > 400
    assert table.loc["OVER_CAP", "at_risk_then"] == 50.0

    assert finance.save_rules(seeded, admin, {"meal_cap_cny": 250}, now=fb.NOW) == 1
    assert finance.load_rules(seeded).meal_cap_cny == 250.0
    audit = finance.settings_history(seeded, admin)
    assert list(
        zip(audit["key"], audit["before"], audit["after"], audit["actor"], strict=True)
    ) == [("meal_cap_cny", None, 250.0, "admin")]
    # Saving the same values again changes nothing and audits nothing.
    assert finance.save_rules(seeded, admin, {"meal_cap_cny": 250}, now=fb.NOW) == 0


@pytest.mark.parametrize("role", ["finance", "exec", "manager"])
def test_only_admin_saves_thresholds(seeded, role):
    user = fb.make_user(seeded, role)
    with pytest.raises(finance.NotAllowed, match="admin only"):
        finance.save_rules(seeded, user, {"meal_cap_cny": 1}, now=fb.NOW)
    assert finance.settings_history(seeded, user).empty


def test_saving_a_bad_threshold_names_it_and_stores_nothing(seeded):
    admin = fb.make_user(seeded, "admin")
    with pytest.raises(core.FinanceError, match="mileage_allowance_km"):
        finance.save_rules(seeded, admin, {"mileage_allowance_km": -3}, now=fb.NOW)
    assert finance.load_rules(seeded) == core.FinanceRules()


def test_the_data_layer_has_no_update_or_delete_path_for_the_audit_tables():
    """status_events and settings_audit are append-only: no module of data_access writes them
    any other way than insert."""
    pattern = re.compile(r"(status_events|settings_audit|\bev|\baudit)\.(update|delete)\(")
    offenders = []
    for module in (store, *_data_access_modules()):
        source = inspect.getsource(module)
        offenders += [f"{module.__name__}: {m.group(0)}" for m in pattern.finditer(source)]
    assert offenders == []


def _data_access_modules():
    import importlib
    import pkgutil

    return [
        importlib.import_module(f"data_access.{m.name}")
        for m in pkgutil.iter_modules(data_access.__path__)
        if not m.ispkg
    ]


def test_a_limited_ledger_shows_the_largest_risks_first_with_totals_of_the_whole_filter(seeded):
    user = fb.make_user(seeded, "finance")
    full = finance.ledger(seeded, user, PERIOD, limit=None)
    page = finance.ledger(seeded, user, PERIOD, limit=2)
    assert list(page["claims"]["claim_id"]) == ["e-hotel", "e-s"]  # at risk 450, then 40
    assert page["claims"].loc[0, "flags"] == "HOTEL_CITY_MISMATCH ¥450.00"
    assert page["totals"] == full["totals"] and page["totals"]["claims"] == 8
    assert len(full["claims"]) == 8
    assert page["mileage_total"] == 1 and list(page["mileage"]["claim_id"]) == ["e-km"]


@pytest.mark.parametrize(
    "who, kw",
    [
        ("finance", {}),
        ("finance", {"flag": "flagged"}),
        ("finance", {"flag": "clean"}),
        ("finance", {"flag": "OVER_CAP"}),
        ("finance", {"category": "meal"}),
        ("finance", {"status": "pending"}),
        ("finance", {"status": "approved"}),
        ("manager", {}),
    ],
)
def test_sql_totals_equal_the_totals_of_every_claim_listed(seeded, who, kw):
    user = fb.make_user(seeded, who, regions=("reg-e",) if who == "manager" else ())
    admin = fb.make_user(seeded, "admin")
    finance.decide(seeded, admin, ["e-meal-2"], "approve", note=None, now=fb.NOW)
    every = finance.ledger(seeded, user, PERIOD, limit=None, **kw)
    assert finance.ledger(seeded, user, PERIOD, limit=3, **kw)["totals"] == finance.totals(
        every["claims"]
    )


def test_ledger_mileage_is_empty_for_another_category_and_a_bad_limit_is_named(seeded):
    user = fb.make_user(seeded, "finance")
    hotel = finance.ledger(seeded, user, PERIOD, category="hotel")
    assert hotel["mileage"].empty and hotel["mileage_total"] == 0 and hotel["ratios"].empty
    for bad in (0, -1, 2.5, True):
        with pytest.raises(core.FinanceError, match="limit"):
            finance.ledger(seeded, user, PERIOD, limit=bad)
