"""The anti-cheat centre's service on real SQLite and PostgreSQL: the queue and its counts in
scope, one alert's evidence in context, triage by role and scope (single and bulk), the
append-only history, and the rep view."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from dashboard.filters import Filters
from dashboard.services import alerts as svc
from dashboard.services import ingest, users
from data_access import alerts as store
from data_access import schema
from data_access import users as user_store
from data_access.scope import Scope
from tests import alert_builders as ab
from tests import builders as b

NOW = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
DAY = date(2026, 11, 26)
WEEK = Filters(period="custom", start=date(2026, 11, 20), end=date(2026, 11, 26))


def _company() -> list[dict]:
    """Two regions, one team and one rep each, a customer each, and visits with photos, fixes
    and device events around them."""
    south = [
        b.region("reg-s", name="华南 South"),
        b.team("team-2", region_id="reg-s", name="广州一组"),
        b.rep("rep-2", team_id="team-2", name="李娜"),
        b.customer(
            "cust-2", owner_rep_id="rep-2", lat=23.1291, lon=113.2644, city="广州", name="Store 2"
        ),
    ]
    visits = [
        b.check_in("v-0", ts="2026-11-20T10:00:00+08:00"),
        b.photo(
            "ph-0",
            visit_id="v-0",
            ts="2026-11-20T10:05:00+08:00",
            taken_at="2026-11-20T10:04:00+08:00",
            phash="0f0f0f0f0f0f0f0f",
        ),
        b.check_in("v-1", ts="2026-11-26T09:20:00+08:00", lat=31.1990, lon=121.4365),
        b.photo("ph-1", visit_id="v-1", sha256="cd" * 32, phash="0f0f0f0f0f0f0f0e"),
        b.check_out("co-1", visit_id="v-1", ts="2026-11-26T09:23:00+08:00"),
        b.check_in(
            "v-2",
            rep_id="rep-2",
            device_id="dev-2",
            customer_id="cust-2",
            ts="2026-11-26T10:00:00+08:00",
            lat=23.1291,
            lon=113.2644,
        ),
    ]
    fixes = [
        # 09:00 .. 09:40 every 5 min: ±15 min of 09:20 holds 09:05 .. 09:35.
        b.gps(f"fx-{m:02d}", ts=f"2026-11-26T09:{m:02d}:00+08:00", lat=31.19 + m * 1e-4)
        for m in range(0, 45, 5)
    ] + [
        b.gps("fx-13", ts="2026-11-26T13:00:00+08:00"),
        b.gps("fx-14", ts="2026-11-26T14:10:00+08:00", lat=31.195),
    ]
    events = [
        b.device_event("ev-off", kind="power_off", ts="2026-11-26T13:02:00+08:00"),
        b.device_event("ev-on", kind="power_on", ts="2026-11-26T14:05:00+08:00"),
        b.device_event("ev-early", kind="heartbeat", ts="2026-11-26T11:00:00+08:00"),
    ]
    return [*b.company(), *south, *visits, *fixes, *events]


GEOFENCE = "GEOFENCE_MISS:v-1"
SHORT = "SHORT_VISIT:v-1"
REUSE = "PHOTO_REUSE:v-1:ph-1"
GAP = "SIGNAL_GAP:rep-1:2026-11-26T05:03:00Z"
SOUTH = "GEOFENCE_MISS:v-2"


def _alerts() -> list[dict]:
    return [
        ab.geofence_miss("v-1", ts="2026-11-26T01:20:00Z"),
        ab.short_visit("v-1", ts="2026-11-26T01:23:00Z"),
        ab.photo_reuse(
            "v-1",
            photo_id="ph-1",
            matched_photo_id="ph-0",
            matched_visit_id="v-0",
            ts="2026-11-26T01:22:30Z",
        ),
        ab.signal_gap(
            "rep-1",
            gap_start="2026-11-26T05:03:00Z",
            gap_end="2026-11-26T06:10:00Z",
            event_id="ev-off",
        ),
        ab.geofence_miss("v-2", rep_id="rep-2", customer_id="cust-2", ts="2026-11-26T02:00:00Z"),
        # Outside the week: not in the queue of WEEK, but in the rep view.
        ab.geofence_miss("v-old", visit_id=None, ts="2026-10-30T02:00:00Z"),
    ]


@pytest.fixture
def site(engine):
    ingest.ingest_values(engine, _company(), source="test", now=NOW)
    ab.insert_alerts(engine, _alerts())
    people = {}
    with engine.begin() as conn:
        for name, role, regions in (
            ("exec", "exec", ()),
            ("finance", "finance", ()),
            ("admin", "admin", ()),
            ("mgr-e", "manager", ("reg-e",)),
            ("mgr-s", "manager", ("reg-s",)),
            ("mgr-gone", "manager", ("reg-e",)),
        ):
            # Stored straight away: hashing six passwords per test would dominate its time.
            user_id = user_store.upsert_user(
                conn, name=name, password_hash="-", role=role, regions=regions, now=NOW
            )
            people[name] = users.User(id=user_id, name=name, role=role, regions=regions)
        conn.execute(
            schema.users.update().where(schema.users.c.name == "mgr-gone").values(active=False)
        )
    return engine, people


def _ids(result) -> set[str]:
    return set(result["alerts"]["id"])


# ------------------------------------------------------------------ the queue and its counts


def test_queue_of_exec_holds_every_alert_of_the_period(site):
    engine, people = site
    result = svc.alert_queue(engine, people["exec"], WEEK)

    assert _ids(result) == {GEOFENCE, SHORT, REUSE, GAP, SOUTH}
    assert result["total"] == 5 and not result["truncated"]
    # most severe first, then newest
    assert list(result["alerts"]["severity"]) == ["critical", "high", "high", "medium", "medium"]
    assert list(result["alerts"]["id"][1:3]) == [SOUTH, GEOFENCE]


def test_queue_of_a_manager_holds_only_alerts_of_reps_in_their_region(site):
    engine, people = site
    assert _ids(svc.alert_queue(engine, people["mgr-e"], WEEK)) == {GEOFENCE, SHORT, REUSE, GAP}
    assert _ids(svc.alert_queue(engine, people["mgr-s"], WEEK)) == {SOUTH}


@pytest.mark.parametrize(
    "narrow",
    [{"region": "reg-s"}, {"team": "team-2"}, {"rep": "rep-2"}],
    ids=["region", "team", "rep"],
)
def test_a_filter_naming_another_region_gives_a_manager_nothing(site, narrow):
    engine, people = site
    filters = Filters(period="custom", start=WEEK.start, end=WEEK.end, **narrow)

    result = svc.alert_queue(engine, people["mgr-e"], filters)

    assert result["alerts"].empty and result["total"] == 0
    assert result["counts"] == {"rule": {}, "severity": {}, "status": {}}
    # the same filter shows the other region's alert to someone who may see it
    assert _ids(svc.alert_queue(engine, people["admin"], filters)) == {SOUTH}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"rule": "GEOFENCE_MISS"}, {GEOFENCE, SOUTH}),
        ({"rule": "GEOFENCE_MISS,SIGNAL_GAP"}, {GEOFENCE, SOUTH, GAP}),
        ({"severity": "medium"}, {SHORT, GAP}),
        ({"severity": "critical,low"}, {REUSE}),
        ({"status": "acknowledged"}, {SHORT}),
        ({"rule": "NOT_A_RULE"}, {GEOFENCE, SHORT, REUSE, GAP, SOUTH}),
    ],
)
def test_queue_filters_by_rule_severity_and_status(site, query, expected):
    engine, people = site
    svc.triage(engine, people["admin"], SHORT, "acknowledge", now=NOW)

    result = svc.alert_queue(engine, people["exec"], WEEK, svc.parse_alert_query(query))

    assert _ids(result) == expected


def test_queue_filters_by_team_rep_and_period(site):
    engine, people = site
    team = Filters(period="custom", start=WEEK.start, end=WEEK.end, team="team-1")
    rep = Filters(period="custom", start=WEEK.start, end=WEEK.end, rep="rep-2")
    october = Filters(period="custom", start=date(2026, 10, 30), end=date(2026, 10, 30))

    assert _ids(svc.alert_queue(engine, people["exec"], team)) == {GEOFENCE, SHORT, REUSE, GAP}
    assert _ids(svc.alert_queue(engine, people["exec"], rep)) == {SOUTH}
    assert _ids(svc.alert_queue(engine, people["exec"], october)) == {"GEOFENCE_MISS:v-old"}


def test_counts_by_rule_and_severity_follow_the_same_filter(site):
    engine, people = site
    svc.triage(engine, people["admin"], GEOFENCE, "acknowledge", now=NOW)

    everything = svc.alert_queue(engine, people["exec"], WEEK)["counts"]
    open_only = svc.alert_queue(
        engine, people["exec"], WEEK, svc.parse_alert_query({"status": "open"})
    )["counts"]
    east = svc.alert_queue(engine, people["mgr-e"], WEEK)["counts"]

    assert everything["rule"] == {
        "GEOFENCE_MISS": 2,
        "SHORT_VISIT": 1,
        "PHOTO_REUSE": 1,
        "SIGNAL_GAP": 1,
    }
    assert everything["severity"] == {"critical": 1, "high": 2, "medium": 2}
    assert everything["status"] == {"open": 4, "acknowledged": 1}
    assert open_only["rule"] == {
        "GEOFENCE_MISS": 1,
        "SHORT_VISIT": 1,
        "PHOTO_REUSE": 1,
        "SIGNAL_GAP": 1,
    }
    assert east["severity"] == {"critical": 1, "high": 1, "medium": 2}


def test_queue_shows_the_alert_time_in_the_reps_zone(site):
    engine, people = site
    frame = svc.alert_queue(engine, people["exec"], WEEK)["alerts"].set_index("id")

    assert frame.loc[GEOFENCE, "ts_local"] == "2026-11-26 09:20"
    assert frame.loc[GEOFENCE, "rep_name"] == "张伟"
    assert frame.loc[SOUTH, "region_name"] == "华南 South"


# ------------------------------------------------------------------ one alert in context


def test_geofence_miss_detail_holds_check_in_geofence_and_fixes_within_15_minutes(site):
    engine, people = site
    detail = svc.alert_detail(engine, people["mgr-e"], GEOFENCE)

    ctx = detail["context"]
    assert (ctx["visit"]["lat"], ctx["visit"]["accuracy_m"]) == (31.1990, 10.0)
    assert ctx["customer"]["geofence_m"] == 200.0
    assert (ctx["customer"]["lat"], ctx["customer"]["lon"]) == (31.1880, 121.4365)
    assert [f["id"] for f in ctx["fixes"]] == [f"fx-{m:02d}" for m in range(5, 40, 5)]
    assert detail["replay"] == "/replay/rep-1/2026-11-26?t=09:20"
    assert detail["alert"]["evidence"]["distance_m"] == 1240.3
    assert detail["actions"] == ("acknowledge", "assign")
    assert detail["assignable"] == ["admin", "mgr-e"]


def test_photo_reuse_detail_holds_both_photos_with_their_hashes(site):
    engine, people = site
    ctx = svc.alert_detail(engine, people["exec"], REUSE)["context"]

    assert ctx["photo"]["phash"] == "0f0f0f0f0f0f0f0e" and ctx["photo"]["visit_id"] == "v-1"
    assert ctx["matched_photo"]["phash"] == "0f0f0f0f0f0f0f0f"
    assert ctx["matched_photo"]["visit_id"] == "v-0"
    assert ctx["matched_photo"]["sha256"] == "ab" * 32


def test_signal_gap_detail_holds_the_device_events_around_the_gap(site):
    engine, people = site
    detail = svc.alert_detail(engine, people["admin"], GAP)
    ctx = detail["context"]

    assert [e["id"] for e in ctx["device_events"]] == ["ev-off", "ev-on"]
    assert ctx["gap"]["start"] == datetime(2026, 11, 26, 5, 3, tzinfo=UTC)
    # the last fix before the gap and the first after it are on the map
    assert {"fx-13", "fx-14"} <= {f["id"] for f in ctx["fixes"]}
    assert detail["replay"] == "/replay/rep-1/2026-11-26?t=13:03"
    assert svc.alert_detail(engine, people["exec"], GAP)["actions"] == ()


def test_detail_of_another_regions_alert_is_not_found_for_a_manager(site):
    engine, people = site
    assert svc.alert_detail(engine, people["mgr-e"], SOUTH) is None
    assert svc.alert_detail(engine, people["mgr-e"], "no-such-alert") is None
    assert svc.alert_detail(engine, people["mgr-s"], SOUTH)["alert"]["rep_id"] == "rep-2"


# ------------------------------------------------------------------ triage


def test_acknowledge_then_dismiss_with_a_note_records_who_when_and_the_note(site):
    engine, people = site
    later = NOW + timedelta(minutes=5)

    svc.triage(engine, people["mgr-e"], GEOFENCE, "acknowledge", now=NOW)
    alert = svc.triage(
        engine, people["mgr-e"], GEOFENCE, "dismiss", note="  GPS drift in the mall  ", now=later
    )

    assert alert["status"] == "dismissed" and alert["updated_at"] == later
    events = ab.events_of(engine, GEOFENCE)
    assert [(e["action"], e["from_status"], e["to_status"]) for e in events] == [
        ("acknowledge", "open", "acknowledged"),
        ("dismiss", "acknowledged", "dismissed"),
    ]
    assert [e["actor"] for e in events] == ["mgr-e", "mgr-e"]
    assert events[1]["note"] == "GPS drift in the mall" and events[1]["at"] == later
    history = svc.alert_detail(engine, people["exec"], GEOFENCE)["history"]
    assert [h["action"] for h in history] == ["acknowledge", "dismiss"]


@pytest.mark.parametrize("action", ["confirm", "dismiss"])
@pytest.mark.parametrize("note", [None, "", "   \n "])
def test_confirm_or_dismiss_without_a_note_is_refused_and_changes_nothing(site, action, note):
    engine, people = site
    svc.triage(engine, people["admin"], GEOFENCE, "acknowledge", now=NOW)

    with pytest.raises(svc.TriageError, match="note is required") as err:
        svc.triage(engine, people["admin"], GEOFENCE, action, note=note, now=NOW)

    assert err.value.code == "note_required"
    assert ab.status_of(engine, GEOFENCE) == ("acknowledged", None)
    assert len(ab.events_of(engine, GEOFENCE)) == 1


def test_a_note_longer_than_the_limit_is_refused(site):
    engine, people = site
    with pytest.raises(svc.TriageError, match="at most 2000") as err:
        svc.triage(engine, people["admin"], GEOFENCE, "acknowledge", note="x" * 2001, now=NOW)
    assert err.value.code == "note_too_long"


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("open", "confirm"),
        ("open", "dismiss"),
        ("open", "reopen"),
        ("acknowledged", "acknowledge"),
        ("confirmed", "acknowledge"),
        ("confirmed", "dismiss"),
        ("dismissed", "assign"),
        ("dismissed", "confirm"),
    ],
)
def test_a_transition_outside_the_lifecycle_is_refused(site, status, action):
    engine, people = site
    with engine.begin() as conn:
        conn.execute(
            schema.alerts.update().where(schema.alerts.c.id == GEOFENCE).values(status=status)
        )

    with pytest.raises(svc.TriageError, match=f"cannot {action} an alert that is {status}"):
        svc.triage(engine, people["admin"], GEOFENCE, action, note="why", assignee="mgr-e", now=NOW)

    assert ab.status_of(engine, GEOFENCE) == (status, None)
    assert ab.events_of(engine, GEOFENCE) == []


@pytest.mark.parametrize("role", ["exec", "finance"])
@pytest.mark.parametrize("action", ["acknowledge", "assign", "dismiss"])
def test_exec_and_finance_may_read_but_never_change_an_alert(site, role, action):
    engine, people = site
    assert svc.alert_detail(engine, people[role], GEOFENCE) is not None

    with pytest.raises(svc.TriageError, match="may read alerts but not change them"):
        svc.triage(engine, people[role], GEOFENCE, action, note="n", assignee="admin", now=NOW)
    with pytest.raises(svc.TriageError) as err:
        svc.triage_many(engine, people[role], [GEOFENCE, SOUTH], action, note="n", now=NOW)

    assert err.value.code == "read_only"
    assert ab.status_of(engine, GEOFENCE) == ("open", None)
    assert ab.events_of(engine, GEOFENCE) == []


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [("acknowledge", {}), ("assign", {"assignee": "admin"}), ("assign", {"assignee": "mgr-e"})],
)
def test_a_manager_cannot_change_an_alert_of_another_region(site, action, kwargs):
    engine, people = site

    with pytest.raises(svc.TriageError, match="not found") as err:
        svc.triage(engine, people["mgr-e"], SOUTH, action, now=NOW, **kwargs)

    assert err.value.code == "not_found"
    assert ab.status_of(engine, SOUTH) == ("open", None)
    assert ab.events_of(engine, SOUTH) == []
    with pytest.raises(svc.TriageError, match="not found"):
        svc.assignable_users(engine, people["mgr-e"], SOUTH)


def test_assignable_users_are_active_managers_of_the_alerts_region_and_admins(site):
    engine, people = site
    assert svc.assignable_users(engine, people["admin"], GEOFENCE) == ["admin", "mgr-e"]
    assert svc.assignable_users(engine, people["admin"], SOUTH) == ["admin", "mgr-s"]


@pytest.mark.parametrize("assignee", ["mgr-s", "exec", "finance", "mgr-gone", "nobody"])
def test_assigning_to_someone_who_may_not_triage_the_alert_is_refused(site, assignee):
    engine, people = site
    with pytest.raises(svc.TriageError, match="not an active manager") as err:
        svc.triage(engine, people["admin"], GEOFENCE, "assign", assignee=assignee, now=NOW)
    assert err.value.code == "assignee_not_allowed"
    assert ab.status_of(engine, GEOFENCE) == ("open", None)


def test_assign_and_reassign_keep_the_status_and_are_recorded(site):
    engine, people = site
    svc.triage(engine, people["admin"], GEOFENCE, "assign", assignee="mgr-e", now=NOW)
    svc.triage(engine, people["mgr-e"], GEOFENCE, "acknowledge", now=NOW)
    svc.triage(
        engine, people["mgr-e"], GEOFENCE, "assign", assignee="admin", note="over to HQ", now=NOW
    )

    assert ab.status_of(engine, GEOFENCE) == ("acknowledged", "admin")
    events = ab.events_of(engine, GEOFENCE)
    assert [(e["action"], e["to_status"], e["assigned_to"]) for e in events] == [
        ("assign", "open", "mgr-e"),
        ("acknowledge", "acknowledged", "mgr-e"),
        ("assign", "acknowledged", "admin"),
    ]
    with pytest.raises(svc.TriageError, match="already assigned to admin"):
        svc.triage(engine, people["admin"], GEOFENCE, "assign", assignee="admin", now=NOW)


def test_assign_without_an_assignee_is_refused(site):
    engine, people = site
    with pytest.raises(svc.TriageError, match="name the user") as err:
        svc.triage(engine, people["admin"], GEOFENCE, "assign", assignee="  ", now=NOW)
    assert err.value.code == "assignee_required"


def test_unknown_action_is_refused_with_the_list_of_actions(site):
    engine, people = site
    with pytest.raises(svc.TriageError, match="'delete' is not one of acknowledge, confirm"):
        svc.triage(engine, people["admin"], GEOFENCE, "delete", now=NOW)


def test_only_an_admin_reopens_a_decided_alert_and_it_returns_to_acknowledged(site):
    engine, people = site
    svc.triage(engine, people["mgr-e"], GEOFENCE, "acknowledge", now=NOW)
    svc.triage(engine, people["mgr-e"], GEOFENCE, "confirm", note="saw the track", now=NOW)

    with pytest.raises(svc.TriageError, match="only an admin"):
        svc.triage(engine, people["mgr-e"], GEOFENCE, "reopen", note="oops", now=NOW)
    with pytest.raises(svc.TriageError, match="note is required"):
        svc.triage(engine, people["admin"], GEOFENCE, "reopen", now=NOW)
    svc.triage(engine, people["admin"], GEOFENCE, "reopen", note="wrong customer", now=NOW)

    assert ab.status_of(engine, GEOFENCE) == ("acknowledged", None)
    assert [e["action"] for e in ab.events_of(engine, GEOFENCE)] == [
        "acknowledge",
        "confirm",
        "reopen",
    ]


def test_bulk_changes_what_it_may_and_says_why_the_rest_was_refused(site):
    engine, people = site
    svc.triage(engine, people["mgr-e"], SHORT, "acknowledge", now=NOW)

    result = svc.triage_many(
        engine,
        people["mgr-e"],
        [GEOFENCE, REUSE, SHORT, SOUTH, "no-such-alert", GEOFENCE],
        "acknowledge",
        now=NOW,
    )

    assert result.changed == [GEOFENCE, REUSE]
    assert [(i, code) for i, code, _msg in result.refused] == [
        (SHORT, "bad_transition"),
        (SOUTH, "not_found"),
        ("no-such-alert", "not_found"),
    ]
    assert result.refused_by_code() == {"bad_transition": 1, "not_found": 2}
    assert "cannot acknowledge an alert that is acknowledged" in result.refused[0][2]
    assert ab.status_of(engine, SOUTH) == ("open", None)
    assert ab.events_of(engine, SOUTH) == []
    assert len(ab.events_of(engine, GEOFENCE)) == 1


def test_bulk_dismiss_requires_one_note_for_all_and_writes_one_event_each(site):
    engine, people = site
    svc.triage_many(engine, people["admin"], [GEOFENCE, SOUTH], "acknowledge", now=NOW)
    with pytest.raises(svc.TriageError, match="note is required"):
        svc.triage_many(engine, people["admin"], [GEOFENCE, SOUTH], "dismiss", now=NOW)

    result = svc.triage_many(
        engine, people["admin"], [GEOFENCE, SOUTH], "dismiss", note="same mall", now=NOW
    )

    assert result.changed == [GEOFENCE, SOUTH] and result.refused == []
    for alert_id in (GEOFENCE, SOUTH):
        assert ab.status_of(engine, alert_id)[0] == "dismissed"
        assert ab.events_of(engine, alert_id)[-1]["note"] == "same mall"


def test_bulk_with_no_alert_is_refused(site):
    engine, people = site
    with pytest.raises(svc.TriageError, match="select at least one alert"):
        svc.triage_many(engine, people["admin"], [], "acknowledge", now=NOW)


def test_history_is_appended_and_earlier_events_are_never_edited(site):
    engine, people = site
    svc.triage(engine, people["admin"], GEOFENCE, "assign", assignee="mgr-e", note="a", now=NOW)
    before = ab.events_of(engine, GEOFENCE)

    svc.triage(engine, people["mgr-e"], GEOFENCE, "acknowledge", note="b", now=NOW)
    svc.triage(engine, people["mgr-e"], GEOFENCE, "confirm", note="c", now=NOW)
    svc.triage(engine, people["admin"], GEOFENCE, "reopen", note="d", now=NOW)
    after = ab.events_of(engine, GEOFENCE)

    assert after[: len(before)] == before
    assert [e["note"] for e in after] == ["a", "b", "c", "d"]
    # The store offers no way to edit or remove history.
    assert not [
        name
        for name in dir(store)
        if "event" in name and name.split("_")[0] in ("update", "delete", "remove", "edit")
    ]


def test_a_stale_triage_write_changes_nothing(engine):
    """The conditional update that guards concurrent triage: a changed status wins."""
    ingest.ingest_values(engine, _company(), source="test", now=NOW)
    ab.insert_alerts(engine, [ab.geofence_miss("v-1")])
    with engine.begin() as conn:
        changed = store.update_alert_triage(
            conn,
            alert_id=GEOFENCE,
            expected_status="acknowledged",
            expected_assignee=None,
            status="dismissed",
            assigned_to=None,
            now=NOW,
        )
    assert changed is False
    assert ab.status_of(engine, GEOFENCE) == ("open", None)


# ------------------------------------------------------------------ the rep view


def test_rep_history_counts_alerts_per_week_by_severity_and_rule_with_empty_weeks(site):
    engine, people = site
    view = svc.rep_history(engine, people["mgr-e"], "rep-1", end=DAY, weeks=6)

    assert view["rep"]["rep_name"] == "张伟"
    weeks = list(view["by_severity"].index)
    assert weeks[0] == date(2026, 10, 19) and weeks[-1] == date(2026, 11, 23)
    assert len(weeks) == 6
    assert list(view["by_severity"].columns) == ["critical", "high", "medium", "low"]
    assert view["by_severity"].loc[date(2026, 11, 23)].to_dict() == {
        "critical": 1,
        "high": 1,
        "medium": 2,
        "low": 0,
    }
    assert view["by_severity"].loc[date(2026, 10, 26)].to_dict()["high"] == 1
    assert view["by_severity"].loc[date(2026, 11, 2)].sum() == 0
    assert view["by_rule"].loc[date(2026, 11, 23)].to_dict() == {
        "PHOTO_REUSE": 1,
        "GEOFENCE_MISS": 1,
        "SHORT_VISIT": 1,
        "SIGNAL_GAP": 1,
    }
    assert view["total"] == 5


def test_rep_history_of_a_rep_of_another_region_is_not_found(site):
    engine, people = site
    assert svc.rep_history(engine, people["mgr-e"], "rep-2", end=DAY) is None
    assert svc.rep_history(engine, people["admin"], "rep-2", end=DAY)["total"] == 1


def test_rep_history_of_a_rep_without_alerts_is_all_zero_weeks(site):
    engine, people = site
    view = svc.rep_history(engine, people["exec"], "rep-2", end=date(2026, 11, 1), weeks=3)
    assert view["total"] == 0
    assert view["by_severity"].to_numpy().sum() == 0 and len(view["by_severity"]) == 3
    assert list(view["by_rule"].columns) == []


def test_region_scope_is_applied_in_sql_to_every_alert_read(engine):
    """A bare string as the scope would silently mean one-letter regions: refused."""
    with engine.connect() as conn, pytest.raises(TypeError, match="not a string"):
        store.fetch_alerts(conn, scope=Scope.of_regions("reg-e"))
    with engine.connect() as conn:
        assert store.fetch_alerts(conn, scope=Scope.of_regions([])).empty
        count = conn.execute(sa.select(sa.func.count()).select_from(schema.alerts)).scalar_one()
    assert count == 0


# ------------------------------------------------------------------ visit integrity


def test_evidence_shows_the_visits_integrity_from_every_rule_fired_on_it(site):
    engine, people = site
    # v-1: PHOTO_REUSE critical 60 + GEOFENCE_MISS high 35 + SHORT_VISIT medium 15, floored at 0.
    ctx = svc.alert_detail(engine, people["mgr-e"], SHORT)["context"]
    assert ctx["integrity"] == {
        "score": 0,
        "rules": ["PHOTO_REUSE", "GEOFENCE_MISS", "SHORT_VISIT"],
    }
    # v-2 has one high alert; a medium one on the same visit brings it to 50.
    assert svc.alert_detail(engine, people["mgr-s"], SOUTH)["context"]["integrity"] == {
        "score": 65,
        "rules": ["GEOFENCE_MISS"],
    }
    ab.insert_alerts(engine, [ab.short_visit("v-2", rep_id="rep-2", ts="2026-11-26T02:05:00Z")])
    assert svc.alert_detail(engine, people["mgr-s"], SOUTH)["context"]["integrity"] == {
        "score": 50,
        "rules": ["GEOFENCE_MISS", "SHORT_VISIT"],
    }


def test_an_alert_without_a_visit_has_no_integrity_to_show(site):
    engine, people = site
    assert svc.alert_detail(engine, people["exec"], GAP)["context"]["integrity"] is None


def _find(component, component_id):
    """The component of an id in a rendered Dash tree (None when absent)."""
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


def test_evidence_panel_shows_the_visits_score_and_rules_only_when_the_alert_names_a_visit(site):
    from components.alerts import evidence_panel

    engine, people = site
    detail = svc.alert_detail(engine, people["mgr-s"], SOUTH)
    panel = evidence_panel(detail, lang="en", tile_url="blank")
    assert _find(panel, "alerts-visit-integrity-score").children == "65 / 100"
    assert _find(panel, "alerts-visit-integrity-score").color == "warning"
    gap = evidence_panel(svc.alert_detail(engine, people["exec"], GAP), lang="en", tile_url="blank")
    assert _find(gap, "alerts-visit-integrity") is None
