"""Every GeoLife fix through the CLI ingest path, on SQLite and PostgreSQL, read back exactly.

GeoLife .plt files: 6 header lines, then ``lat,lon,0,altitude_ft,days,date,time`` (UTC).
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from dashboard.contract import wire
from dashboard.services import ingest
from data_access import schema
from tests import builders as b

pytestmark = pytest.mark.slow

HEADER_LINES = 6
TOLERANCE_DEG = 1e-6
TIME_BUDGET_S = 60


def geolife_records(root: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return (master records, gps records) for every .plt file under ``root``."""
    files = sorted(root.rglob("*.plt"))
    assert files, f"no .plt files under {root}"
    users = sorted({f.relative_to(root).parts[0] for f in files})
    masters: list[dict[str, Any]] = [b.region(), b.team()]
    masters += [
        b.rep(id=f"gl-{u}", device_id=f"gl-dev-{u}", work_start="00:00", work_end="23:59")
        for u in users
    ]
    fixes: list[dict[str, Any]] = []
    for path in files:
        user = path.relative_to(root).parts[0]
        lines = path.read_text(encoding="ascii").splitlines()[HEADER_LINES:]
        for n, line in enumerate(lines):
            if not line.strip():
                continue
            lat, lon, _zero, _alt_ft, _days, day, clock = line.split(",")
            fixes.append(
                {
                    "type": "gps",
                    "id": f"gl-{user}-{path.stem}-{n}",
                    "rep_id": f"gl-{user}",
                    "device_id": f"gl-dev-{user}",
                    "ts": f"{day}T{clock}Z",
                    "lat": float(lat),
                    "lon": float(lon),
                    "accuracy_m": 10,
                }
            )
    return masters, fixes


@pytest.fixture(scope="module")
def geolife(geolife_dir):
    return geolife_records(geolife_dir)


def test_geolife_files_convert_to_one_fix_per_data_line(geolife_dir, geolife):
    masters, fixes = geolife
    data_lines = sum(
        len([ln for ln in p.read_text().splitlines()[HEADER_LINES:] if ln.strip()])
        for p in geolife_dir.rglob("*.plt")
    )
    assert len(fixes) == data_lines > 100_000
    assert len({f["id"] for f in fixes}) == len(fixes)
    assert len(masters) == 2 + len({f["rep_id"] for f in fixes})


def test_every_geolife_fix_is_ingested_and_reads_back_identically(engine, now, geolife):
    masters, fixes = geolife
    lines = [orjson.dumps(rec) for rec in (*masters, *fixes)]

    started = time.perf_counter()
    summary = ingest.ingest_stream(
        engine, wire.iter_ndjson_items(lines), source="geolife", now=lambda: now
    )
    elapsed = time.perf_counter() - started

    assert summary.rejected == []
    assert summary.dropped_off_hours == 0
    assert summary.duplicates == 0
    assert summary.accepted == len(fixes) + len(masters)
    assert elapsed < TIME_BUDGET_S, f"ingest of {len(fixes)} fixes took {elapsed:.1f} s"

    expected = {
        f["id"]: (f["rep_id"], datetime.fromisoformat(f["ts"]), f["lat"], f["lon"]) for f in fixes
    }
    by_rep: dict[str, list[tuple[datetime, float, float]]] = defaultdict(list)
    for rep_id, ts, lat, lon in expected.values():
        by_rep[rep_id].append((ts, lat, lon))

    g = schema.gps_fixes
    with engine.connect() as conn:
        per_rep = {
            row.rep_id: row
            for row in conn.execute(
                sa.select(
                    g.c.rep_id,
                    sa.func.count().label("n"),
                    sa.func.min(g.c.ts).label("first"),
                    sa.func.max(g.c.ts).label("last"),
                ).group_by(g.c.rep_id)
            )
        }
        stored = conn.execute(sa.select(g.c.id, g.c.rep_id, g.c.ts, g.c.lat, g.c.lon)).all()

    # Per rep: count, and the first and last fix (time and coordinates) identical.
    assert set(per_rep) == set(by_rep)
    stored_by_rep_ts: dict[tuple[str, datetime], set[tuple[float, float]]] = defaultdict(set)
    for row in stored:
        stored_by_rep_ts[(row.rep_id, row.ts)].add((row.lat, row.lon))
    for rep_id, points in by_rep.items():
        row = per_rep[rep_id]
        first, last = min(p[0] for p in points), max(p[0] for p in points)
        assert row.n == len(points), rep_id
        # min/max over a timestamptz or SQLite text column; compare as aware UTC instants.
        assert _aware(row.first) == first, rep_id
        assert _aware(row.last) == last, rep_id
        for when in (first, last):
            want = {(lat, lon) for ts, lat, lon in points if ts == when}
            assert stored_by_rep_ts[(rep_id, when)] == want, (rep_id, when)

    # Every fix: same rep, same instant, coordinates equal to 1e-6 degrees (sorted by id).
    assert len(stored) == len(expected)
    mismatches = []
    for row in sorted(stored, key=lambda r: r.id):
        rep_id, ts, lat, lon = expected[row.id]
        if (
            row.rep_id != rep_id
            or row.ts != ts
            or row.ts.utcoffset() is None
            or abs(row.lat - lat) > TOLERANCE_DEG
            or abs(row.lon - lon) > TOLERANCE_DEG
        ):
            mismatches.append((row.id, tuple(row), (rep_id, ts, lat, lon)))
    assert mismatches == [], mismatches[:5]


def _aware(value: datetime | str) -> datetime:
    """An aggregate over a UTC column (SQLite returns its stored text) as an aware instant."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
