"""Bad phone ≠ cheater, end to end on real SQLite and PostgreSQL: a company whose honest phones
are as noisy as real ones (tests/noisy_world.py) goes through ingest → rollups → detect. No
honest rep is accused, every injected cheat is caught, poor phones are listed as devices to
check; and re-judging under the revised rules withdraws open alerts and keeps triaged ones."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from dashboard.rules import JUDGE_VERSION
from dashboard.services import detect, exports, ingest, rollups, versions
from data_access import schema
from tests import builders as b
from tests import noisy_world


def judged_world(engine, now) -> noisy_world.World:
    world = noisy_world.build()
    summary = ingest.ingest_values(engine, world.records, source="noisy", now=now)
    assert not summary.rejected, summary.rejected[:3]
    rollups.refresh_rep_days(engine, now=now)
    detect.detect(engine, now=now)
    return world


def precision_recall(engine, world) -> dict[str, tuple[float, float, int, int]]:
    """Per rule at rep-day grain: (precision, recall, predicted, injected)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(schema.alerts.c.rule, schema.alerts.c.rep_id, schema.alerts.c.local_date)
        ).all()
    got: dict[str, set] = defaultdict(set)
    for rule, rep, day in rows:
        got[rule].add((rule, rep, day.isoformat() if isinstance(day, date) else str(day)[:10]))
    want: dict[str, set] = defaultdict(set)
    for case in world.truth:
        want[case[0]].add(case)
    out = {}
    for rule in sorted(set(got) | set(want)):
        hit = len(got[rule] & want[rule])
        out[rule] = (
            hit / len(got[rule]) if got[rule] else 1.0,
            hit / len(want[rule]) if want[rule] else 1.0,
            len(got[rule]),
            len(want[rule]),
        )
    return out


def test_noisy_honest_phones_accuse_nobody_and_every_cheat_is_caught(engine, now, capsys):
    world = judged_world(engine, now)
    scores = precision_recall(engine, world)
    with capsys.disabled():
        print("\nnoisy world, per rule (precision, recall, alerted rep-days, injected rep-days):")
        for rule, (p, r, n_got, n_want) in scores.items():
            print(f"  {rule:20s} precision {p:.2f} recall {r:.2f} ({n_got} / {n_want})")
    assert scores, "the world raised nothing at all"
    assert {rule: (p, r) for rule, (p, r, _g, _w) in scores.items()} == {
        rule: (1.0, 1.0) for rule in scores
    }
    with engine.connect() as conn:
        accused = conn.execute(
            sa.select(schema.alerts.c.rep_id).where(
                schema.alerts.c.rep_id.in_(noisy_world.HONEST_REPS)
            )
        ).all()
        flagged = conn.execute(
            sa.select(schema.expense_flags.c.rule, schema.expense_flags.c.rep_id)
        ).all()
    assert accused == []
    # Only the mock-location day's meal claim is questioned (FRAUD_DAY_CLAIM): a cheat's day.
    assert [tuple(f) for f in flagged] == [("FRAUD_DAY_CLAIM", "rep-c3")]


def test_noisy_world_device_quality_lists_the_poor_phones_to_check(engine, now):
    judged_world(engine, now)
    rows = exports.export_rows(engine, "device-quality")
    by_rep = {r["rep_id"]: r for r in rows}
    assert set(by_rep) == set(noisy_world.HONEST_REPS) | set(noisy_world.CHEATS)
    assert {r for r, row in by_rep.items() if row["to_check"]} == set(noisy_world.POOR_REPS)
    for rep in noisy_world.POOR_REPS:
        assert 0.3 < by_rep[rep]["coarse_share"] < 0.5
    honest = by_rep["rep-h1"]
    assert honest["days"] == 5
    assert honest["coarse_jumps"] >= 3  # fallbacks kilometres away, out and back: one each
    assert honest["cached_runs"] >= 5 * 3  # indoors at every visit
    assert honest["gaps"] == 0 and 4 <= honest["median_accuracy_m"] <= 60
    # Rows come to-check first; CSV renders booleans and objects plainly.
    assert [r["to_check"] for r in rows][:2] == [True, True]
    text = "".join(exports.export_text(rows, "device-quality", "csv"))
    assert text.splitlines()[0] == ",".join(exports.EXPORT_FIELDS["device-quality"])
    assert text.splitlines()[1].endswith(",true") and text.splitlines()[-1].endswith(",false")


# ------------------------------------------------------------------ re-judging


def _old_alert(ident: str, rule: str, status: str, fix_id: str, now) -> dict:
    return {
        "id": ident,
        "rule": rule,
        "severity": "high",
        "rep_id": "rep-1",
        "ts": now,
        "local_date": date(2026, 11, 26),
        "visit_id": None,
        "customer_id": None,
        "summary": "written by judge v1",
        "evidence": {"fix_ids": ["fix-1", fix_id]},
        "status": status,
        "assigned_to": None,
        "created_at": now,
        "updated_at": now,
    }


def test_rejudging_withdraws_open_alerts_and_keeps_triaged_ones_with_a_note(engine, now):
    walk = [
        b.gps(f"fix-{i}", ts=f"2026-11-26T10:{i:02d}:00+08:00", lat=31.1881 + i * 0.0003)
        for i in range(1, 21)
    ]
    walk[9]["lat"] += 0.036  # 4 km north: a cell-tower fallback
    walk[9].update(accuracy_m=2500.0, provider="network")
    walk[4:16] = [
        {**f, "lat": 31.19, "lon": 121.44, "provider": "fused", "accuracy_m": 30.0}
        for f in walk[4:16]
        if f["id"] != "fix-10"
    ] + [walk[9]]
    walk.sort(key=lambda f: f["ts"])
    summary = ingest.ingest_values(engine, b.company() + walk, source="test", now=now)
    assert not summary.rejected
    rollups.refresh_rep_days(engine, now=now)
    detect.detect_pending(engine, now=now)
    # What judge v1 had stored for that day: the fallback as two jumps and the cached run as a
    # spoof; a manager had already acknowledged one jump.
    with engine.begin() as conn:
        conn.execute(
            schema.alerts.insert(),
            [
                _old_alert("IMPOSSIBLE_SPEED:fix-10", "IMPOSSIBLE_SPEED", "open", "fix-10", now),
                _old_alert(
                    "IMPOSSIBLE_SPEED:fix-11", "IMPOSSIBLE_SPEED", "acknowledged", "fix-11", now
                ),
                _old_alert("STATIC_SPOOF:fix-5", "STATIC_SPOOF", "open", "fix-5", now),
            ],
        )
        conn.execute(
            schema.app_meta.update().where(schema.app_meta.c.key == "judge").values(value=1)
        )

    assert versions.catch_up_judge(engine) is True
    detect.detect_pending(engine, now=now)
    detect.detect_pending(engine, now=now)  # a second run adds nothing

    with engine.connect() as conn:
        alerts = {r.id: r.status for r in conn.execute(sa.select(schema.alerts))}
        events = (
            conn.execute(sa.select(schema.status_events).order_by(schema.status_events.c.id))
            .mappings()
            .all()
        )
        judge = conn.execute(
            sa.select(schema.app_meta.c.value).where(schema.app_meta.c.key == "judge")
        ).scalar()
    assert alerts == {"IMPOSSIBLE_SPEED:fix-11": "acknowledged"}
    assert judge == JUDGE_VERSION
    by_subject = {(e["subject_id"], e["action"]): e for e in events}
    assert len(events) == 3
    for ident in ("IMPOSSIBLE_SPEED:fix-10", "STATIC_SPOOF:fix-5"):
        e = by_subject[(ident, "withdraw")]
        assert (e["actor"], e["from_status"], e["to_status"]) == ("judge", "open", "withdrawn")
        assert e["note"].startswith(f"judge v{JUDGE_VERSION}:") and "revised" in e["note"]
    kept = by_subject[("IMPOSSIBLE_SPEED:fix-11", "judge_note")]
    assert kept["from_status"] == kept["to_status"] == "acknowledged"
    assert "accuracy_m <= 100" in kept["note"] and "triaged" in kept["note"]


def test_rollup_version_catch_up_recomputes_device_quality_of_old_days(engine, now):
    summary = ingest.ingest_values(
        engine,
        [*b.company(), b.gps("fix-1"), b.gps("fix-2", ts="2026-11-26T09:16:02+08:00")],
        source="test",
        now=now,
    )
    assert not summary.rejected
    rollups.refresh_rep_days(engine, now=now)
    with engine.begin() as conn:
        conn.execute(schema.device_days.delete())  # as stored before device quality existed
        conn.execute(schema.app_meta.delete().where(schema.app_meta.c.key == "rollups"))
    assert rollups.refresh_rep_days(engine, now=now) == 1
    with engine.connect() as conn:
        row = conn.execute(sa.select(schema.device_days)).mappings().one()
    assert (row["rep_id"], row["device_id"], row["fixes"], row["coarse"]) == (
        "rep-1",
        "dev-1",
        2,
        0,
    )
    assert json.loads(json.dumps(row["accuracy_hist"])) == {"12.0": 2}
    assert rollups.refresh_rep_days(engine, now=now) == 0
