"""data_access.scope: the Scope value and the conditions every query builds from it, on real
SQLite and real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from data_access import records, schema
from data_access.scope import (
    Scope,
    bound_rep_conditions,
    bound_rep_filter,
    customer_conditions,
    customers_with_owner,
    region_conditions,
    rep_conditions,
    scoped_rep_ids,
)

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
r, t, c = schema.reps, schema.teams, schema.customers

EAST = Scope.of_regions(["reg-e"])
NOBODY = Scope.of_regions([])
SCOPES = {"everything": Scope.everything(), "east": EAST, "nobody": NOBODY}
FILTERS = {
    "none": {},
    "region east": {"region": "reg-e"},
    "region north": {"region": "reg-n"},
    "team north": {"team": "team-n"},
    "rep east": {"rep": "rep-e1"},
    "rep north": {"rep": "rep-n1"},
}


@pytest.fixture
def two_regions(engine):
    """East: team-e with rep-e1 (active) and rep-e2 (inactive); north: team-n with rep-n1.
    Customers: cust-e (owned by rep-e1), cust-n (rep-n1) and cust-0 (no owner)."""
    with engine.begin() as conn:
        records.upsert_rows(
            conn,
            schema.regions,
            [{"id": i, "name": i, "updated_at": NOW} for i in ("reg-e", "reg-n")],
        )
        records.upsert_rows(
            conn,
            schema.teams,
            [
                {"id": "team-e", "name": "E", "region_id": "reg-e", "updated_at": NOW},
                {"id": "team-n", "name": "N", "region_id": "reg-n", "updated_at": NOW},
            ],
        )
        rep = {"timezone": "Asia/Shanghai", "work_start": "09:00", "work_end": "18:00"}
        records.upsert_rows(
            conn,
            schema.reps,
            [
                {
                    **rep,
                    "id": rid,
                    "name": rid,
                    "team_id": team,
                    "active": active,
                    "updated_at": NOW,
                }
                for rid, team, active in (
                    ("rep-e1", "team-e", True),
                    ("rep-e2", "team-e", False),
                    ("rep-n1", "team-n", True),
                )
            ],
        )
        customer = {"lat": 31.2, "lon": 121.4, "city": "上海", "grade": "A", "geofence_m": 150}
        records.upsert_rows(
            conn,
            schema.customers,
            [
                {**customer, "id": cid, "name": cid, "owner_rep_id": owner, "updated_at": NOW}
                for cid, owner in (("cust-e", "rep-e1"), ("cust-n", "rep-n1"), ("cust-0", None))
            ],
        )
    return engine


def ids(engine, stmt: sa.Select, params: dict | None = None) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(stmt, params or {}).scalars())


# ------------------------------------------------------------------ the value


def test_a_bare_string_is_refused_as_the_regions_of_a_scope():
    with pytest.raises(TypeError, match="not a string"):
        Scope.of_regions("reg-e")
    with pytest.raises(TypeError, match="not a string"):
        Scope(region_ids="reg-e")  # type: ignore[arg-type]


def test_a_scope_holds_its_regions_as_a_set_and_is_a_value():
    scope = Scope.of_regions(["reg-n", "reg-e", "reg-e"], user="li", read_only=True)
    assert scope.region_ids == frozenset({"reg-e", "reg-n"})
    assert scope == Scope.of_regions(("reg-e", "reg-n"), user="li", read_only=True)
    assert len({scope, Scope.of_regions(["reg-e", "reg-n"], user="li", read_only=True)}) == 1
    with pytest.raises(AttributeError):
        scope.region_ids = None  # type: ignore[misc]


def test_the_system_scope_sees_every_region_for_no_user():
    system = Scope.system()
    assert (system.user, system.region_ids, system.read_only) == (None, None, False)
    assert Scope.everything(user="wang", read_only=True) == Scope(user="wang", read_only=True)


@pytest.mark.parametrize(
    ("scope", "region", "covered"),
    [
        (Scope.everything(), "reg-x", True),
        (EAST, "reg-e", True),
        (EAST, "reg-n", False),
        (NOBODY, "reg-e", False),
    ],
)
def test_covers_says_whether_a_region_is_inside_the_scope(scope, region, covered):
    assert scope.covers(region) is covered


@pytest.mark.parametrize("loose", [None, ("reg-e",), ["reg-e"], "reg-e"])
def test_every_condition_refuses_anything_but_a_scope(loose):
    for build in (rep_conditions, customer_conditions, scoped_rep_ids, bound_rep_filter):
        with pytest.raises(TypeError, match="must be a Scope"):
            build(loose)
    with pytest.raises(TypeError, match="must be a Scope"):
        region_conditions(loose, t.c.region_id)


def test_every_region_adds_no_condition_and_a_limited_scope_one():
    assert region_conditions(Scope.everything(), t.c.region_id) == []
    assert rep_conditions(Scope.everything()) == []
    assert len(region_conditions(EAST, t.c.region_id)) == 1


# ------------------------------------------------------------------ the conditions in SQL


@pytest.mark.parametrize(
    ("scope", "narrow", "expected"),
    [
        ("everything", {}, ["rep-e1", "rep-e2", "rep-n1"]),
        ("everything", {"active_only": True}, ["rep-e1", "rep-n1"]),
        ("east", {}, ["rep-e1", "rep-e2"]),
        ("east", {"team": "team-e", "active_only": True}, ["rep-e1"]),
        ("east", {"region": "reg-n"}, []),
        ("east", {"team": "team-n"}, []),
        ("east", {"rep": "rep-n1"}, []),
        ("nobody", {}, []),
    ],
)
def test_scoped_rep_ids_are_the_reps_of_the_scope_and_the_filter(
    two_regions, scope, narrow, expected
):
    assert ids(two_regions, scoped_rep_ids(SCOPES[scope], **narrow)) == expected


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("narrow", FILTERS)
def test_bound_rep_conditions_select_the_reps_rep_conditions_select(two_regions, scope, narrow):
    shape, params = bound_rep_filter(SCOPES[scope], **FILTERS[narrow])
    bound = sa.select(r.c.id).join(t, t.c.id == r.c.team_id).where(*bound_rep_conditions(*shape))
    assert ids(two_regions, bound, params) == ids(
        two_regions, scoped_rep_ids(SCOPES[scope], **FILTERS[narrow])
    )


@pytest.mark.parametrize(
    ("scope", "narrow", "expected"),
    [
        ("everything", {}, ["cust-0", "cust-e", "cust-n"]),
        ("east", {}, ["cust-e"]),
        ("east", {"team": "team-n"}, []),
        ("everything", {"region": "reg-n"}, ["cust-n"]),
        ("everything", {"rep": "rep-e1"}, ["cust-e"]),
        ("nobody", {}, []),
    ],
)
def test_customers_are_in_the_scope_of_their_owners_region(two_regions, scope, narrow, expected):
    """A customer without an owner has no region: only a scope of every region sees it."""
    stmt = (
        sa.select(c.c.id)
        .select_from(customers_with_owner())
        .where(*customer_conditions(SCOPES[scope], **narrow))
    )
    assert ids(two_regions, stmt) == expected
