"""Wall screen service on real SQLite and PostgreSQL: rep states, counters, privacy, view scope,
and wall links (scope, expiry, revocation)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from dashboard.services import wall
from dashboard.services.ingest import ingest_values
from dashboard.services.rollups import refresh_rep_days
from dashboard.services.users import User
from data_access import schema
from tests import builders as b

TZ = "Asia/Shanghai"
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
EXEC = User(id=1, name="boss", role="exec", regions=())
MANAGER_A = User(id=2, name="mgr-a", role="manager", regions=("reg-a",))
REP_NAMES = ("Alice", "Andy", "Amy", "Bob", "Carl")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with no shared coverage or ranking (PostgreSQL tests reuse one URL)."""
    wall._cache.clear()
    yield
    wall._cache.clear()


def at(hhmm: str) -> str:
    return f"2026-11-26T{hhmm}:00+08:00"


def fix(fid: str, rep: str, hhmm: str, lat: float, lon: float, speed: float | None = 0.3):
    rec = b.gps(fid, rep_id=rep, device_id=f"dev-{rep}", ts=at(hhmm), lat=lat, lon=lon)
    if speed is None:
        del rec["speed_mps"]
    else:
        rec["speed_mps"] = speed
    return rec


def records() -> list[dict[str, Any]]:
    """reg-a: Alice visiting ca-A1 (open check-in 09:45), Andy driving (no reported speed, 1 km
    in 3 min), Amy idle (visit checked out, fix 09:57 at 0.2 m/s); reg-b: Bob offline since
    09:00 after a power_off at 09:05, Carl offline with no fix and no event today."""
    recs = [
        b.region("reg-a", name="East"),
        b.region("reg-b", name="North"),
        b.team("team-a1", region_id="reg-a", name="A one"),
        b.team("team-a2", region_id="reg-a", name="A two"),
        b.team("team-b1", region_id="reg-b", name="B one"),
        b.rep("rep-a1", team_id="team-a1", name="Alice"),
        b.rep("rep-a2", team_id="team-a1", name="Andy"),
        b.rep("rep-a3", team_id="team-a2", name="Amy"),
        b.rep("rep-b1", team_id="team-b1", name="Bob"),
        b.rep("rep-b2", team_id="team-b1", name="Carl"),
        b.sop_template(),
        b.customer("ca-A1", name="Store A1", grade="A", owner_rep_id="rep-a1"),
        b.customer("ca-A3", name="Store A3", grade="A", owner_rep_id="rep-a3"),
        b.customer("cb-A1", name="Store B1", grade="A", owner_rep_id="rep-b1"),
        b.plan("p-a1", rep_id="rep-a1", date="2026-11-26", customer_ids=["ca-A1", "ca-A3"]),
        fix("f-a1", "rep-a1", "09:50", 31.1881, 121.4366),
        fix("f-a2-0", "rep-a2", "09:55", 31.1800, 121.4366, speed=None),
        fix("f-a2-1", "rep-a2", "09:58", 31.1890, 121.4366, speed=None),
        fix("f-a3", "rep-a3", "09:57", 31.1881, 121.4366, speed=0.2),
        fix("f-b1", "rep-b1", "09:00", 31.1881, 121.4366),
        b.device_event(
            "ev-b1", kind="power_off", rep_id="rep-b1", device_id="dev-rep-b1", ts=at("09:05")
        ),
        b.check_in(
            "v-a1", rep_id="rep-a1", device_id="dev-rep-a1", customer_id="ca-A1", ts=at("09:45")
        ),
        b.check_in(
            "v-a3", rep_id="rep-a3", device_id="dev-rep-a3", customer_id="ca-A3", ts=at("09:00")
        ),
        b.check_out("co-a3", visit_id="v-a3", ts=at("09:30")),
        b.expense("e-a1", rep_id="rep-a1", date="2026-11-20", amount=100.0),
        b.expense("e-b1", rep_id="rep-b1", date="2026-11-21", amount=300.0),
        b.expense("e-old", rep_id="rep-a1", date="2026-10-20", amount=999.0),
    ]
    return recs


def seed(engine) -> None:
    summary = ingest_values(engine, records(), source="test", now=NOW)
    assert summary.rejected == [], summary.rejected
    refresh_rep_days(engine, now=NOW)
    with engine.begin() as conn:
        for aid, rep, sev, cust in (
            ("GEOFENCE_MISS:v-a1", "rep-a1", "critical", "ca-A1"),
            ("SIGNAL_GAP:rep-b1", "rep-b1", "critical", None),
            ("PHOTO_REUSE:v-a3", "rep-a3", "high", "ca-A3"),
        ):
            conn.execute(
                schema.alerts.insert().values(
                    id=aid, rule=aid.split(":")[0], severity=sev, rep_id=rep,
                    ts=NOW - timedelta(minutes=25), local_date=date(2026, 11, 26),
                    customer_id=cust, summary="s", evidence={}, status="open",
                    created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
        conn.execute(
            schema.expense_flags.insert().values(
                id="OVER_CAP:e-a1", rule="OVER_CAP", claim_id="e-a1", rep_id="rep-a1",
                date=date(2026, 11, 20), amount=100, amount_at_risk=40, summary="s",
                evidence={}, status="open", created_at=NOW, updated_at=NOW,
            )
        )  # fmt: skip


def by_label(snap):
    return {rep["label"]: rep for rep in snap["reps"]}


def test_rep_states_and_counters_of_the_national_view(engine):
    seed(engine)
    snap = wall.snapshot(engine, EXEC, wall.View("national"), now=NOW, timezone=TZ)
    reps = by_label(snap)
    assert {k: v["state"] for k, v in reps.items()} == {
        "Alice": "visiting",
        "Andy": "driving",
        "Amy": "idle",
        "Bob": "offline",
        "Carl": "offline",
    }
    assert reps["Alice"]["place"] == "Store A1"
    assert (reps["Bob"]["reason"], reps["Carl"]["reason"]) == ("power_off", "unknown")
    assert reps["Carl"]["lat"] is None and reps["Bob"]["age_min"] == 60
    c = snap["counters"]
    assert (c["online"], c["visiting"], c["driving"], c["idle"], c["offline"], c["reps"]) == (
        3, 1, 1, 1, 2, 5,
    )  # fmt: skip
    assert c["reasons"] == {"power_off": 1, "unknown": 1}
    # today: two check-ins, one verified? v-a3 is 30 min in the fence → effective; plan 2 stops
    assert snap["today"]["visits"] == 2
    assert snap["today"]["effective"] == 1 and snap["today"]["effective_rate"] == 0.5
    # rep-a1's plan: v-a1 has no check-out yet (not effective), v-a3 is rep-a3's (§6): 0 done
    assert snap["today"]["planned"] == 2 and snap["today"]["planned_done"] == 0
    # A grade: 3 customers, ca-A3 has a verified visit in the 28 days
    assert (snap["coverage"]["customers"], snap["coverage"]["covered"]) == (3, 1)
    assert snap["coverage"]["window_start"] == "2026-10-30"
    assert [a["rule"] for a in snap["alerts"]] == ["GEOFENCE_MISS", "SIGNAL_GAP"]
    assert snap["alerts"][0]["place"] == "Store A1" and snap["alerts"][0]["age_min"] == 25
    assert "Alice" in snap["alerts"][0]["who"]
    assert snap["expenses"]["claimed"] == 400.0 and snap["expenses"]["at_risk"] == 40.0


def test_region_view_keeps_only_that_regions_reps_alerts_and_expenses(engine):
    seed(engine)
    snap = wall.snapshot(engine, EXEC, wall.parse_view("region:reg-b"), now=NOW, timezone=TZ)
    assert sorted(by_label(snap)) == ["Bob", "Carl"]
    assert snap["title"] == "North" and snap["view"] == "region:reg-b"
    assert [a["rule"] for a in snap["alerts"]] == ["SIGNAL_GAP"]
    assert snap["expenses"]["claimed"] == 300.0 and snap["expenses"]["at_risk"] == 0.0
    assert snap["counters"]["online"] == 0


def test_manager_cannot_open_a_region_view_outside_their_scope(engine):
    seed(engine)
    with pytest.raises(wall.WallError, match="outside"):
        wall.snapshot(engine, MANAGER_A, wall.parse_view("region:reg-b"), now=NOW, timezone=TZ)
    snap = wall.snapshot(engine, MANAGER_A, wall.View("national"), now=NOW, timezone=TZ)
    assert sorted(by_label(snap)) == ["Alice", "Amy", "Andy"]


def test_privacy_mode_shows_teams_and_never_a_rep_name(engine):
    seed(engine)
    snap = wall.snapshot(engine, EXEC, wall.View("national"), now=NOW, timezone=TZ, privacy=True)
    assert sorted(by_label(snap)) == ["A one", "A two", "B one"]
    text = json.dumps(snap, ensure_ascii=False)
    for name in REP_NAMES:
        assert name not in text
    assert snap["alerts"][0]["who"] == "A one"


def test_rep_state_reports_the_latest_device_event_as_offline_reason():
    old = {"ts": NOW - timedelta(hours=1), "lat": 31.0, "lon": 121.0, "speed_mps": 0.0}
    for kind in wall.REASONS:
        assert wall.rep_state(old, None, {"kind": kind}, now=NOW) == ("offline", kind)
    assert wall.rep_state(old, None, {"kind": "heartbeat"}, now=NOW) == ("offline", "unknown")
    fresh = {**old, "ts": NOW - timedelta(minutes=1), "speed_mps": 2.0}
    assert wall.rep_state(fresh, None, None, now=NOW) == ("driving", None)


@pytest.mark.parametrize("text", ["", ",", "nation", "region:", "region:a b", "national,bogus"])
def test_bad_views_are_refused_with_a_message(text):
    with pytest.raises(wall.WallError, match="view"):
        wall.parse_views(text)


def test_wall_link_scope_limits_the_national_view_to_its_regions(engine):
    seed(engine)
    _link, token = wall.create_link(
        engine,
        name="ops-east",
        views="national,region:reg-a",
        regions=("reg-a",),
        expires_in=wall.parse_duration("30d"),
        created_by="admin",
        now=NOW,
    )
    opened = wall.open_link(engine, token, now=NOW + timedelta(minutes=1))
    assert opened is not None and opened.views == ("national", "region:reg-a")
    viewer = wall.wall_user(opened)
    snap = wall.snapshot(engine, viewer, wall.View("national"), now=NOW, timezone=TZ)
    assert sorted(by_label(snap)) == ["Alice", "Amy", "Andy"]
    with pytest.raises(wall.WallError):
        wall.snapshot(engine, viewer, wall.parse_view("region:reg-b"), now=NOW, timezone=TZ)
    asked = wall.parse_views("region:reg-b,national")
    assert [v.key for v in wall.allowed_views(opened, asked)] == ["national"]


def test_wall_link_refuses_views_outside_its_regions_and_unknown_regions(engine):
    seed(engine)
    with pytest.raises(wall.WallError, match="outside"):
        wall.create_link(
            engine,
            name="x",
            views="region:reg-b",
            regions=("reg-a",),
            expires_in=timedelta(days=1),
            created_by="a",
            now=NOW,
        )
    with pytest.raises(wall.WallError, match="unknown region"):
        wall.create_link(
            engine,
            name="y",
            views="region:nowhere",
            expires_in=timedelta(days=1),
            created_by="a",
            now=NOW,
        )
    with pytest.raises(wall.WallError, match="expires"):
        wall.parse_duration("30 days")


def test_wall_link_expires_and_revocation_refuses_it(engine):
    seed(engine)
    link, token = wall.create_link(
        engine,
        name="lobby",
        views="national",
        expires_in=timedelta(hours=2),
        created_by="admin",
        now=NOW,
    )
    assert wall.open_link(engine, token, now=NOW + timedelta(hours=1)) is not None
    assert wall.open_link(engine, token, now=NOW + timedelta(hours=2)) is None
    assert wall.load_link(engine, link.id).status(NOW + timedelta(hours=3)) == "expired"
    _other, token2 = wall.create_link(
        engine,
        name="hall",
        views="national",
        expires_in=timedelta(days=1),
        created_by="admin",
        now=NOW,
    )
    assert wall.revoke_link(engine, name="hall", now=NOW) == 1
    assert wall.revoke_link(engine, name="hall", now=NOW) == 0
    assert wall.open_link(engine, token2, now=NOW) is None
    assert wall.open_link(engine, token2 + "x", now=NOW) is None
    assert [x.name for x in wall.list_links(engine)] and {
        x.name: x.status(NOW) for x in wall.list_links(engine)
    } == {"lobby": "live", "hall": "revoked"}
    with engine.connect() as conn:
        stored = conn.execute(schema.wall_links.select()).mappings().all()
    assert all(token not in json.dumps(dict(r), default=str) for r in stored)
