"""The view cache (dashboard.services.view_cache): an answer is kept per arguments and change
stamp, computed again after any committed write to what the views read, by this process or
another one; concurrent calls compute once; callers get their own copy; the rhythm view and the
digest stay equal to their uncached answers through a change."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from dashboard.filters import Filters
from dashboard.services import alerts, drilldown, kpis, rhythm, rollups, view_cache
from dashboard.services import settings as rule_settings
from dashboard.services.users import User
from data_access import locks, schema
from tests.alert_builders import alert, insert_alerts
from tests.customer_builders import company, effective_visit, load

ROOT = Path(__file__).resolve().parents[2]
ADMIN = User(id=1, name="admin", role="admin", regions=())
MANAGER = User(id=2, name="mgr", role="manager", regions=("reg-n",))
TODAY = date(2026, 11, 27)
PERIOD = Filters("custom", TODAY - timedelta(days=13), TODAY)

calls: list[str] = []


@view_cache.cached
def grades(engine, user, region: str | None = None, *, pause: float = 0.0) -> pd.DataFrame:
    """A small view: the customers' grades (of one region's owners' teams when given)."""
    calls.append(user.name)
    time.sleep(pause)
    c = schema.customers
    stmt = sa.select(c.c.id, c.c.grade).order_by(c.c.id)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).all(), columns=["id", "grade"])


@pytest.fixture(autouse=True)
def _fresh():
    view_cache.clear()
    calls.clear()


def _regrade(engine, customer_id: str, grade: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            schema.customers.update()
            .where(schema.customers.c.id == customer_id)
            .values(grade=grade)
        )


def test_an_answer_is_kept_until_a_write_then_computed_again(engine, now):
    load(engine, company(), now)
    first = grades(engine, ADMIN)
    assert grades(engine, ADMIN).equals(first)
    assert calls == ["admin"]
    _regrade(engine, "cust-1", "C")
    after = grades(engine, ADMIN)
    assert calls == ["admin", "admin"]
    assert after.set_index("id").loc["cust-1", "grade"] == "C"
    assert view_cache.stats()["hits"] == 1


def test_users_and_arguments_are_kept_apart(engine, now):
    load(engine, company(), now)
    grades(engine, ADMIN)
    grades(engine, MANAGER)
    grades(engine, ADMIN, "reg-n")
    grades(engine, ADMIN, region="reg-n")
    grades(engine, MANAGER)
    assert calls == ["admin", "mgr", "admin", "admin"]


def test_a_caller_changing_its_answer_does_not_change_the_next(engine, now):
    load(engine, company(), now)
    mine = grades(engine, ADMIN)
    mine.loc[0, "grade"] = "Z"
    mine["extra"] = 1
    again = grades(engine, ADMIN)
    assert "Z" not in set(again["grade"]) and "extra" not in again.columns


def test_concurrent_calls_of_one_key_compute_once(engine, now):
    load(engine, company(), now)
    out: list[pd.DataFrame] = []
    threads = [
        threading.Thread(target=lambda: out.append(grades(engine, ADMIN, pause=0.3)))
        for _ in range(6)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert calls == ["admin"] and len(out) == 6
    assert all(frame.equals(out[0]) for frame in out)


def test_an_unhashable_argument_is_computed_every_time(engine, now):
    load(engine, company(), now)
    grades(engine, ADMIN, ["reg-n"])  # a list cannot be a key
    grades(engine, ADMIN, ["reg-n"])
    assert calls == ["admin", "admin"]


def test_off_switch_computes_every_call(engine, now, monkeypatch):
    load(engine, company(), now)
    monkeypatch.setenv("COCKPIT_VIEW_CACHE", "off")
    grades(engine, ADMIN)
    grades(engine, ADMIN)
    assert calls == ["admin", "admin"]


WRITER = """
import sys
from datetime import datetime, timezone
from dashboard.services.db import get_engine
from tests.customer_builders import effective_visit, load
from datetime import date
engine = get_engine(sys.argv[1])
load(engine, effective_visit("v-other", "cust-1", date(2026, 11, 26)),
     datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc))
"""


def test_a_visit_stored_by_another_process_shows_in_the_next_rhythm_view(db_url, engine, now):
    load(engine, company(), now)
    before = rhythm.rhythm_view(engine, ADMIN, PERIOD, today=TODAY)
    assert rhythm.rhythm_view(engine, ADMIN, PERIOD, today=TODAY) == before
    listed = {row["customer_id"]: row for row in before["due"] + before["overdue"]}
    assert listed["cust-1"]["last_visit"] is None  # never visited, due from its creation
    writer = subprocess.run(
        [sys.executable, "-c", WRITER, db_url], cwd=ROOT, capture_output=True, text=True
    )
    assert writer.returncode == 0, writer.stderr
    after = rhythm.rhythm_view(engine, ADMIN, PERIOD, today=TODAY)
    assert after == rhythm.rhythm_view.uncached(engine, ADMIN, PERIOD, today=TODAY)
    listed = {row["customer_id"]: row for row in after["due"] + after["overdue"]}
    assert listed["cust-1"]["last_visit"] == date(2026, 11, 26)


def test_the_digest_follows_a_settings_change_and_equals_the_uncached_one(engine, now):
    load(engine, company(), now)
    load(engine, effective_visit("v-1", "cust-1", TODAY - timedelta(days=20)), now)
    first = rhythm.digest(engine, ADMIN, PERIOD, today=TODAY)
    assert first == rhythm.digest.uncached(engine, ADMIN, PERIOD, today=TODAY)
    rule_settings.set_value(engine, "visits_per_28d_a", 8, actor="ops", now=now)
    second = rhythm.digest(engine, ADMIN, PERIOD, today=TODAY)
    assert second == rhythm.digest.uncached(engine, ADMIN, PERIOD, today=TODAY)
    required = {row["grade"]: row["required_visits"] for row in second["grades"]}
    assert required["A"] == 8 != {r["grade"]: r["required_visits"] for r in first["grades"]}["A"]


def test_a_database_whose_counts_went_back_is_not_served_old_answers(engine, now):
    load(engine, company(), now)
    grades(engine, ADMIN)
    with engine.begin() as conn:  # a restore or a truncation: the stamp goes back
        conn.execute(schema.change_counts.delete())
        conn.execute(schema.change_log.delete())
    _regrade(engine, "cust-1", "C")
    assert grades(engine, ADMIN).set_index("id").loc["cust-1", "grade"] == "C"
    assert calls == ["admin", "admin"]


@view_cache.cached
def nested(engine, user) -> int:
    """A cached view that reads another one (as the digest reads the compliance)."""
    return len(grades(engine, user))


def test_a_cached_view_may_call_another_and_no_lock_is_left_behind(engine, now):
    load(engine, company(), now)
    threads = [threading.Thread(target=nested, args=(engine, ADMIN)) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert not any(th.is_alive() for th in threads)
    assert nested(engine, ADMIN) == 5
    assert calls == ["admin"]
    assert view_cache._flights == {}


def test_a_write_to_a_table_the_view_did_not_read_keeps_its_answer(engine, now):
    load(engine, company(), now)
    grades(engine, ADMIN)
    rule_settings.set_value(engine, "visits_per_28d_a", 8, actor="ops", now=now)
    grades(engine, ADMIN)
    assert calls == ["admin"]  # grades read the customers only
    _regrade(engine, "cust-1", "C")
    assert grades(engine, ADMIN).set_index("id").loc["cust-1", "grade"] == "C"
    assert calls == ["admin", "admin"]


@view_cache.cached
def counted_by_text(engine, user) -> int:
    """A view of raw SQL text: which tables it reads is not known."""
    calls.append("text")
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM customers")).scalar_one())


def test_a_view_of_raw_sql_text_is_computed_again_after_any_write(engine, now):
    load(engine, company(), now)
    assert counted_by_text(engine, ADMIN) == 5
    counted_by_text(engine, ADMIN)
    assert calls == ["text"]
    rule_settings.set_value(engine, "visits_per_28d_a", 8, actor="ops", now=now)
    counted_by_text(engine, ADMIN)
    assert calls == ["text", "text"]


@view_cache.cached
def grade_line(engine, user) -> str:
    """A cached view that reads another one only (its own statements: none)."""
    return "".join(grades(engine, user)["grade"])


def test_a_view_reading_another_follows_the_tables_the_other_read(engine, now):
    load(engine, company(), now)
    grades(engine, ADMIN)  # kept: the outer view meets it as a hit, running no statement
    before = grade_line(engine, ADMIN)
    rule_settings.set_value(engine, "visits_per_28d_a", 8, actor="ops", now=now)
    assert grade_line(engine, ADMIN) == before
    assert calls == ["admin"]
    _regrade(engine, "cust-1", "C")
    assert grade_line(engine, ADMIN) == "C" + before[1:]


def test_the_team_views_follow_the_rollups_and_not_a_customer_regraded(engine, now):
    load(engine, company(), now)
    load(engine, effective_visit("v-1", "cust-1", TODAY - timedelta(days=2)), now)
    rollups.refresh_rep_days(engine, now=now)
    first = kpis.team_views(engine, ADMIN, PERIOD, today=TODAY)
    misses = view_cache.stats()["misses"]
    # A customer regraded: the team views read the rollups, reps, teams and regions only.
    _regrade(engine, "cust-1", "C")
    kept = kpis.team_views(engine, ADMIN, PERIOD, today=TODAY)
    assert view_cache.stats()["misses"] == misses
    uncached = kpis.team_views.uncached(engine, ADMIN, PERIOD, today=TODAY)
    for name, frame in kept.items():
        pd.testing.assert_frame_equal(frame, uncached[name])
    # A visit stored and its rep-day rolled up: computed again, equal to the uncached answer.
    load(engine, effective_visit("v-2", "cust-2", TODAY - timedelta(days=1)), now)
    rollups.refresh_rep_days(engine, now=now)
    after = kpis.team_views(engine, ADMIN, PERIOD, today=TODAY)
    assert view_cache.stats()["misses"] == misses + 1
    uncached = kpis.team_views.uncached(engine, ADMIN, PERIOD, today=TODAY)
    for name, frame in after.items():
        pd.testing.assert_frame_equal(frame, uncached[name])
    assert after["teams"]["visits"].sum() == first["teams"]["visits"].sum() + 1


def test_every_view_of_the_pages_names_the_tables_it_read(engine, now):
    # Raw SQL text would keep a view against every write (exact, but recomputed by each batch
    # an ingest stores): the views of the pages are built of statements that name their tables.
    load(engine, company(), now)
    load(engine, effective_visit("v-1", "cust-1", TODAY - timedelta(days=2)), now)
    rollups.refresh_rep_days(engine, now=now)
    kpis.overview(engine, ADMIN, PERIOD, today=TODAY)
    kpis.team_views(engine, ADMIN, PERIOD, today=TODAY)
    kpis.compliance(engine, MANAGER, PERIOD, today=TODAY)
    rhythm.rhythm_view(engine, ADMIN, PERIOD, today=TODAY)
    rhythm.digest(engine, MANAGER, PERIOD, today=TODAY)
    alerts.alert_queue(engine, ADMIN, PERIOD)
    for level in ("teams", "reps", "days"):
        drilldown.drill(engine, ADMIN, PERIOD, level=level, today=TODAY)
    read = {
        key[0].rsplit(".", 1)[1]: None if entry[1] is None else set(entry[1])
        for key, entry in view_cache._entries.items()
    }
    assert set(read) == {
        "overview",
        "team_views",
        "compliance",
        "rhythm_view",
        "digest",
        "alert_queue",
        "drill",
    }
    assert all(tables is not None for tables in read.values()), read
    assert {"rep_days", "alerts", "expenses"} <= read["overview"]
    assert "visits" not in read["overview"] and "visits" in read["compliance"]


# Lagging views (``cached(lags=True)``): the KPI views may serve their last answer for up to
# COCKPIT_VIEW_MAX_LAG seconds behind a stream of writes, computing it again off the request
# path; the rest of this file runs with the lag off (tests/conftest.py).


@view_cache.cached(lags=True)
def lagging_grades(engine, user) -> str:
    """``grades`` as a lagging view (one letter per customer)."""
    calls.append("lagging")
    c = schema.customers
    with engine.connect() as conn:
        return "".join(conn.execute(sa.select(c.c.grade).order_by(c.c.id)).scalars())


@view_cache.cached
def exact_around_lagging(engine, user) -> str:
    """An exact view that reads a lagging one."""
    return lagging_grades(engine, user).lower()


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the lagging view was not computed again in time"
        time.sleep(0.02)


def test_a_lagging_view_serves_its_last_answer_then_catches_up_off_the_request_path(
    engine, now, monkeypatch
):
    load(engine, company(), now)
    monkeypatch.setenv("COCKPIT_VIEW_MAX_LAG", "2")
    before = lagging_grades(engine, ADMIN)
    _regrade(engine, "cust-1", "C")
    # Its data was read less than 2 s ago: the kept answer, nothing computed on the call.
    assert lagging_grades(engine, ADMIN) == before
    assert lagging_grades(engine, ADMIN) == before
    assert calls == ["lagging"]
    assert view_cache.stats()["lagged"] == 2
    # One computation was scheduled (half the lag after the kept answer's read), not two.
    _wait_for(lambda: len(calls) == 2)
    time.sleep(0.1)
    assert calls == ["lagging", "lagging"]
    after = lagging_grades(engine, ADMIN)
    assert after == "C" + before[1:]
    assert calls == ["lagging", "lagging"]  # served what the refresh kept


@pytest.mark.parametrize(
    ("lag", "view", "quiet_s", "regraded"),
    [
        ("1", lagging_grades, 1.1, "C"),
        ("60", exact_around_lagging, 0.0, "c"),
        ("0", lagging_grades, 0.0, "C"),
    ],
    ids=["kept-answer-older-than-the-lag", "inside-another-view", "lag-0"],
)
def test_a_lagging_view_is_exact_when_its_answer_is_older_than_the_lag_inside_a_view_or_at_0(
    engine, now, monkeypatch, lag, view, quiet_s, regraded
):
    load(engine, company(), now)
    monkeypatch.setenv("COCKPIT_VIEW_MAX_LAG", lag)
    before = view(engine, ADMIN)
    time.sleep(quiet_s)  # a quiet moment: the kept answer's data gets older than the lag
    _regrade(engine, "cust-1", "C")
    assert view(engine, ADMIN) == regraded + before[1:]  # computed on the call
    assert calls == ["lagging", "lagging"]
    assert view_cache.stats()["lagged"] == 0


def test_the_kpi_views_lag_and_the_alert_queue_does_not(engine, now, monkeypatch):
    """The overview is figures of the rollups; the alert queue is what a reviewer acts on, so
    it shows a triage at once."""
    load(engine, company(), now)
    ts = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    insert_alerts(engine, [alert("v-9", ts=ts, visit_id=None)])
    monkeypatch.setenv("COCKPIT_VIEW_MAX_LAG", "60")
    before = kpis.overview(engine, ADMIN, PERIOD, today=TODAY)
    assert alerts.alert_queue(engine, ADMIN, PERIOD)["total"] == 1
    alerts.triage(engine, ADMIN, "GEOFENCE_MISS:v-9", "acknowledge", now=now)
    queue = alerts.alert_queue(engine, ADMIN, PERIOD)
    assert queue["counts"]["status"] == {"acknowledged": 1}
    # The overview's open alerts come from the same table: it lags (served as kept).
    assert kpis.overview(engine, ADMIN, PERIOD, today=TODAY)["alerts"] == before["alerts"]
    assert view_cache.stats()["lagged"] == 1


def test_clearing_the_cache_cancels_a_scheduled_recompute(engine, now, monkeypatch):
    """A test empties the database after clearing: a recompute scheduled by a lagging view
    (here due in 30 s) must not run against the next test's tables."""
    load(engine, company(), now)
    monkeypatch.setenv("COCKPIT_VIEW_MAX_LAG", "60")
    lagging_grades(engine, ADMIN)
    _regrade(engine, "cust-1", "C")
    lagging_grades(engine, ADMIN)  # served lagging: a recompute is scheduled
    assert [t.name for t in threading.enumerate()].count("view-refresh") == 1
    view_cache.clear()
    assert "view-refresh" not in [t.name for t in threading.enumerate()]
    assert calls == ["lagging"]


def test_the_lag_setting_is_read_and_checked():
    from dashboard.settings import Settings

    assert Settings.from_env({}).view_max_lag == 5
    assert Settings.from_env({"COCKPIT_VIEW_MAX_LAG": "0"}).view_max_lag == 0
    for wrong in ("soon", "-1", "3601", "1.5"):
        with pytest.raises(ValueError, match="COCKPIT_VIEW_MAX_LAG"):
            Settings.from_env({"COCKPIT_VIEW_MAX_LAG": wrong})


# The host's processes share the lagging views (``view_cache.set_shared``): a process serves
# another's answer while its data was read less than the lag ago, and a recomputation off the
# request path waits for the process recomputing the same view.

OTHER_PROCESS = """
import os, sys
from datetime import date, timedelta
os.environ["COCKPIT_VIEW_MAX_LAG"] = sys.argv[3]
from dashboard.filters import Filters
from dashboard.services import kpis, view_cache
from dashboard.services.db import get_engine
from tests.services.test_view_cache import ADMIN, PERIOD, TODAY, calls, lagging_grades
view_cache.set_shared(sys.argv[2])
engine = get_engine(sys.argv[1])
if sys.argv[4] == "overview":
    print(sorted(kpis.overview(engine, ADMIN, PERIOD, today=TODAY)))
else:
    print(lagging_grades(engine, ADMIN), len(calls))
"""


def _other_process(db_url: str, folder: Path, lag: str, view: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, db_url, str(folder), lag, view],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def shared(tmp_path):
    view_cache.set_shared(tmp_path / "view-cache")
    yield tmp_path / "view-cache"
    view_cache.set_shared(None)


def test_a_process_serves_the_kpi_view_another_process_of_the_host_computed(
    db_url, engine, now, monkeypatch, shared
):
    load(engine, company(), now)
    monkeypatch.setenv("COCKPIT_VIEW_MAX_LAG", "30")
    _other_process(db_url, shared, "30", "overview")
    mine = kpis.overview(engine, ADMIN, PERIOD, today=TODAY)
    assert view_cache.stats() == {**view_cache.stats(), "shared": 1, "hits": 1, "misses": 0}
    exact = kpis.overview.uncached(engine, ADMIN, PERIOD, today=TODAY)
    assert mine.keys() == exact.keys()
    for name, value in exact.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(mine[name], value)
        else:
            assert mine[name] == value, name


def test_a_shared_answer_older_than_the_lag_is_not_served(db_url, engine, now, monkeypatch, shared):
    load(engine, company(), now)
    _other_process(db_url, shared, "1", "overview")
    time.sleep(1.1)
    monkeypatch.setenv("COCKPIT_VIEW_MAX_LAG", "1")
    kpis.overview(engine, ADMIN, PERIOD, today=TODAY)
    assert view_cache.stats()["shared"] == 0
    assert view_cache.stats()["misses"] == 1


def test_a_recomputation_waits_for_the_process_recomputing_the_view_and_takes_its_answer(
    db_url, engine, now, monkeypatch, shared
):
    load(engine, company(), now)
    monkeypatch.setenv("COCKPIT_VIEW_MAX_LAG", "8")
    # Kept by this process alone (shared, the other process would serve it: the test above).
    view_cache.set_shared(None)
    before = lagging_grades(engine, ADMIN)
    view_cache.set_shared(shared)
    key = next(k for k in view_cache._entries if k[0].endswith("lagging_grades"))
    number = int(view_cache._shared_name(key)[:8], 16) % view_cache.SHARED_LOCKS
    _regrade(engine, "cust-1", "C")
    # Another process holds the view's host lock (here this test's thread: a thread of this
    # process is refused it as another process is) and computes the view after the write.
    with locks.file_lock(shared / "locks" / f"view-{number}.lock") as held:
        assert held
        assert lagging_grades(engine, ADMIN) == before  # served lagging; recompute in 4 s
        assert _other_process(db_url, shared, "8", "lagging") == "C" + before[1:] + " 1"
        _wait_for(lambda: view_cache.stats()["shared"] == 1, timeout=8)
    assert lagging_grades(engine, ADMIN) == "C" + before[1:]
    assert calls == ["lagging"]  # computed once here: the recomputation took the other's
