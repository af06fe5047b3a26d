"""The organisation tree and its admin edits (issue 20) on SQLite and PostgreSQL: the tree's
counts, a rep's hours / time zone / team / active flag changed with a reason and audited
before → after, refusals naming the field and changing nothing, deactivation of a rep who still
holds customers, region and team renames, a new team, and the interplay with ingest (an older
record does not undo an admin's edit; a newer one wins)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dashboard.services import admin, org
from dashboard.services import ingest as ingest_svc
from data_access import org as org_store
from tests import builders as b
from tests.customer_builders import company, load


@pytest.fixture
def world(engine, now):
    load(engine, company(), now)
    return engine


def _rep(engine, rep_id: str) -> dict:
    with engine.connect() as conn:
        return dict(
            conn.execute(sa.text("SELECT * FROM reps WHERE id = :r"), {"r": rep_id})
            .mappings()
            .one()
        )


def _edit(engine, now, rep_id="rep-2", **kw):
    row = org.rep_form(engine, rep_id)
    values = {
        "work_start": row["work_start"],
        "work_end": row["work_end"],
        "timezone": row["timezone"],
        "team_id": row["team_id"],
        "active": row["active"],
        "reason": "new contract",
        **kw,
    }
    return org.edit_rep(engine, actor="admin", rep_id=rep_id, now=now, **values)


def test_tree_groups_reps_under_teams_under_regions_with_counts(world):
    tree = {r["id"]: r for r in org.org_tree(world)}
    assert set(tree) == {"reg-e", "reg-n"}
    east = tree["reg-e"]
    assert (east["reps"], east["active"], east["customers"]) == (3, 2, 4)
    (team,) = east["teams"]
    assert team["id"] == "team-1"
    held = {rep["id"]: (rep["customers"], rep["active"]) for rep in team["members"]}
    assert held == {"rep-1": (2, True), "rep-2": (1, True), "rep-x": (1, False)}
    assert (tree["reg-n"]["active"], tree["reg-n"]["customers"]) == (1, 1)


def test_editing_hours_zone_and_team_is_stored_and_audited_before_after_who_why(world, now):
    done = _edit(
        world,
        now,
        work_start="07:45",
        work_end="16:15",
        timezone="Asia/Urumqi",
        team_id="team-n",
        reason="moved north",
    )
    assert done.changed == {
        "work_hours": ("08:30-18:30", "07:45-16:15"),
        "timezone": ("Asia/Shanghai", "Asia/Urumqi"),
        "team_id": ("team-1", "team-n"),
    }
    rep = _rep(world, "rep-2")
    assert (rep["work_start"], rep["work_end"], rep["timezone"], rep["team_id"]) == (
        "07:45",
        "16:15",
        "Asia/Urumqi",
        "team-n",
    )
    with world.connect() as conn:
        region = conn.execute(sa.text("SELECT region_id FROM customers WHERE id = 'cust-3'"))
        assert region.scalar_one() == "reg-n"  # the rep's customer follows the new region
    log = admin.audit_log(world, what="rep:rep-2")
    got = {(r["action"], r["before"], r["after"], r["actor"], r["note"]) for r in log}
    assert got == {
        ("admin work_hours", "08:30-18:30", "07:45-16:15", "admin", "moved north"),
        ("admin timezone", "Asia/Shanghai", "Asia/Urumqi", "admin", "moved north"),
        ("admin team_id", "team-1", "team-n", "admin", "moved north"),
    }
    assert {r["trail"] for r in log} == {"org"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"work_start": "8:30"}, "work_start: "),
        ({"work_end": "25:00"}, "work_end: "),
        ({"work_start": "18:00", "work_end": "09:00"}, "work_end: 09:00 must be later"),
        ({"timezone": "Mars/Olympus"}, "timezone: 'Mars/Olympus' is not a known IANA time zone"),
        ({"team_id": "team-zz"}, "team_id: unknown team 'team-zz'"),
        ({"team_id": ""}, "team_id: pick"),
        ({"timezone": ""}, "timezone: pick a time zone"),
        ({"reason": "   ", "work_start": "09:00"}, "reason: "),
        ({}, "rep: nothing to change"),
    ],
)
def test_bad_edits_are_refused_naming_the_field_and_change_nothing(world, now, change, message):
    before = _rep(world, "rep-2")
    with pytest.raises(org.OrgError) as caught:
        _edit(world, now, **change)
    assert str(caught.value).startswith(message.split(":")[0] + ":")
    assert message in str(caught.value)
    assert _rep(world, "rep-2") == before
    assert admin.audit_log(world, what="rep:rep-2") == []


@pytest.mark.parametrize(("rep_id", "message"), [("nobody", "unknown rep 'nobody'"), ("", "pick")])
def test_unknown_or_missing_rep_is_refused(world, now, rep_id, message):
    with pytest.raises(org.OrgError, match=f"rep: {message}"):
        org.edit_rep(
            world,
            actor="admin",
            rep_id=rep_id,
            work_start="08:00",
            work_end="17:00",
            timezone="Asia/Shanghai",
            team_id="team-1",
            active=True,
            reason="x",
            now=now,
        )


def test_deactivating_a_rep_who_holds_customers_asks_first_then_deactivates_when_confirmed(
    world, now
):
    asked = _edit(world, now, rep_id="rep-1", active=False, reason="left the company")
    assert asked.needs_confirmation and asked.changed == {}
    assert (asked.holding.customers, asked.holding.handover_href) == (2, "/teams?rep=rep-1")
    assert _rep(world, "rep-1")["active"]  # nothing changed yet
    done = _edit(
        world, now, rep_id="rep-1", active=False, reason="left the company", confirm_deactivate=True
    )
    assert done.changed == {"active": ("true", "false")}
    assert not _rep(world, "rep-1")["active"]
    east = next(r for r in org.org_tree(world) if r["id"] == "reg-e")
    assert east["active"] == 1  # rep-2 only; rep-1's customers are orphans now


def test_deactivating_a_rep_who_holds_nothing_needs_no_confirmation(world, now):
    with world.begin() as conn:
        conn.execute(sa.text("UPDATE customers SET owner_rep_id = 'rep-1' WHERE id = 'cust-3'"))
    done = _edit(world, now, active=False)
    assert done.changed == {"active": ("true", "false")} and done.holding is None


def test_rename_region_and_team_and_create_a_team_are_audited(world, now):
    assert org.rename(
        world, actor="admin", kind="team", record_id="team-1", name=" 浦东组 ", reason="r", now=now
    ) == ("上海一组", "浦东组")
    org.rename(
        world, actor="admin", kind="region", record_id="reg-n", name="North", reason="r", now=now
    )
    made = org.create_team(
        world,
        actor="admin",
        team_id="team-new",
        name="新组",
        region_id="reg-n",
        reason="growth",
        now=now,
    )
    tree = {r["id"]: r for r in org.org_tree(world)}
    assert tree["reg-n"]["name"] == "North"
    assert {t["id"]: t["name"] for t in tree["reg-n"]["teams"]} == {
        "team-n": "北京一组",
        made: "新组",
    }
    assert tree["reg-e"]["teams"][0]["name"] == "浦东组"
    log = {(r["subject"], r["action"]) for r in admin.audit_log(world, what="org")}
    assert log == {
        ("team:team-1", "admin name"),
        ("region:reg-n", "admin name"),
        ("team:team-new", "admin create"),
    }


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"team_id": "bad id!"}, "team_id: 'bad id!' is not an id"),
        ({"team_id": "team-1"}, "team_id: team 'team-1' already exists"),
        ({"region_id": "reg-zz"}, "region_id: unknown region 'reg-zz'"),
        ({"name": " "}, "name: a name is required"),
        ({"reason": ""}, "reason: "),
    ],
)
def test_bad_new_team_is_refused_naming_the_field(world, now, kw, message):
    values = {"team_id": "team-2", "name": "二组", "region_id": "reg-e", "reason": "x", **kw}
    with pytest.raises(org.OrgError) as caught:
        org.create_team(world, actor="admin", now=now, **values)
    assert message in str(caught.value)
    assert len(org.org_tree(world)[0]["teams"]) == 1


def test_an_older_ingest_of_the_rep_does_not_undo_the_admins_hours(world, now):
    _edit(world, now, work_start="07:00", work_end="15:00", reason="part time")
    later = now + timedelta(hours=1)
    # The field app re-sends the rep as it knew it (the default hours 08:30-18:30).
    summary = ingest_svc.ingest_values(
        world, [b.rep("rep-2", name="李娜")], source="app", now=later
    )
    assert summary.accepted == 1
    rep = _rep(world, "rep-2")
    assert (rep["work_start"], rep["work_end"]) == ("07:00", "15:00")
    assert rep["name"] == "李娜"
    # The fix of 16:00 local falls outside the admin's hours (+30 min margin): not stored.
    fix = b.gps("fix-late", rep_id="rep-2", ts="2026-11-26T16:00:00+08:00")
    got = ingest_svc.ingest_values(world, [fix], source="app", now=later)
    assert got.dropped_off_hours == 1


def test_a_newer_ingest_with_other_hours_wins_and_the_trail_says_so(world, now):
    _edit(world, now, work_start="07:00", work_end="15:00", timezone="Asia/Urumqi", reason="pt")
    later = now + timedelta(hours=1)
    rec = b.rep("rep-2", name="李娜", work_start="09:00", work_end="17:00")
    ingest_svc.ingest_values(world, [rec], source="app", now=later)
    rep = _rep(world, "rep-2")
    # The hours are new data from the field app; the time zone it sent is the old one: kept.
    assert (rep["work_start"], rep["work_end"], rep["timezone"]) == (
        "09:00",
        "17:00",
        "Asia/Urumqi",
    )
    with world.connect() as conn:
        left = {o["field"] for o in org_store.fetch_overrides(conn, "rep", ["rep-2"])}
    assert left == {"timezone"}
    log = admin.audit_log(world, what="ingest work_hours")
    assert [(r["actor"], r["before"], r["after"]) for r in log] == [
        ("app", "07:00-15:00", "09:00-17:00")
    ]
    # And from now on the field app's hours follow its records again.
    rec = b.rep("rep-2", name="李娜", work_start="10:00", work_end="18:00")
    ingest_svc.ingest_values(world, [rec], source="app", now=later + timedelta(hours=1))
    assert _rep(world, "rep-2")["work_start"] == "10:00"


def test_an_older_ingest_does_not_undo_a_rename_or_a_deactivation(world, now):
    org.rename(
        world, actor="admin", kind="team", record_id="team-1", name="浦东组", reason="r", now=now
    )
    _edit(world, now, active=False, reason="left", confirm_deactivate=True)
    later = now + timedelta(hours=1)
    ingest_svc.ingest_values(
        world, [b.team(), b.rep("rep-2", name="李娜")], source="app", now=later
    )
    assert _rep(world, "rep-2")["active"] is False or _rep(world, "rep-2")["active"] == 0
    tree = {r["id"]: r for r in org.org_tree(world)}
    assert tree["reg-e"]["teams"][0]["name"] == "浦东组"
