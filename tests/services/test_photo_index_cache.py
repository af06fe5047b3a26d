"""The judge's photo index, kept by a process between judge runs (dashboard.services.detect):
up to date with every photo committed by any process, rebuilt when a photo is gone, on real
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from dashboard.services import detect, ingest, rollups
from data_access import schema
from tests import builders as b


def load(engine, records, now) -> None:
    summary = ingest.ingest_values(engine, records, source="test", now=now)
    assert not summary.rejected, summary.rejected
    rollups.refresh_rep_days(engine, now=now)


def _visit_with_photo(n: int, day: str, **photo) -> list[dict]:
    return [
        b.check_in(f"v-{n}", ts=f"{day}T10:00:00+08:00"),
        b.photo(
            f"ph-{n}",
            f"v-{n}",
            ts=f"{day}T10:01:00+08:00",
            taken_at=f"{day}T10:00:30+08:00",
            **photo,
        ),
    ]


def _ids(engine) -> set[str]:
    return set(detect._photo_cache(engine).get(engine, 6).photos)


def test_index_follows_photos_stored_after_it_was_built(engine, now):
    load(engine, [*b.company(), *_visit_with_photo(1, "2026-11-24")], now)
    cache = detect._photo_cache(engine)
    first = cache.get(engine, 6)
    assert set(first.photos) == {"ph-1"}
    # Nothing written since: the same index, nothing read but the stamp.
    assert cache.get(engine, 6) is first

    load(engine, _visit_with_photo(2, "2026-11-25", sha256="cd" * 32), now)
    assert _ids(engine) == {"ph-1", "ph-2"}

    # A photo whose batch committed long after it was received (older than the margin):
    # found by the count, added without a rebuild.
    with engine.begin() as conn:
        conn.execute(
            schema.photos.insert().values(
                id="ph-late",
                visit_id="v-2",
                ts=now,
                taken_at=now,
                sha256="ef" * 32,
                phash="00ff00ff00ff00ff",
                kind="shelf",
                received_at=now - timedelta(days=2),
            )
        )
    assert cache.get(engine, 6) is first
    assert set(first.photos) == {"ph-1", "ph-2", "ph-late"}

    # Another distance: the same photos, banded again.
    wider = cache.get(engine, 9)
    assert wider.max_hamming == 9 and set(wider.photos) == set(first.photos)


def test_index_is_rebuilt_when_a_photo_is_gone(engine, now):
    load(
        engine,
        [*b.company(), *_visit_with_photo(1, "2026-11-24"), *_visit_with_photo(2, "2026-11-25")],
        now,
    )
    assert _ids(engine) == {"ph-1", "ph-2"}
    with engine.begin() as conn:
        conn.execute(schema.photos.delete().where(schema.photos.c.id == "ph-1"))
    assert _ids(engine) == {"ph-2"}


def test_photo_judged_by_another_process_is_matched_here(engine, now):
    """Process A keeps its index; process B stores and judges an earlier visit's photo; A then
    judges a later visit with the same photo and flags it."""
    load(engine, [*b.company(), *_visit_with_photo(9, "2026-11-20", sha256="99" * 32)], now)
    detect.detect_pending(engine, now=now)  # A builds its index
    mine = dict(detect._photo_caches)

    # Process B: its own (empty) index, the earlier visit's photo stored and judged there.
    detect._photo_caches.clear()
    load(engine, _visit_with_photo(1, "2026-11-25"), now)
    detect.detect_pending(engine, now=now)
    with engine.connect() as conn:
        pending = conn.execute(
            sa.select(sa.func.count())
            .select_from(schema.rep_days)
            .where(schema.rep_days.c.judged_version.is_distinct_from(schema.rep_days.c.version))
        ).scalar_one()
    assert pending == 0

    # Back in process A: the later visit with the byte-identical photo.
    detect._photo_caches.clear()
    detect._photo_caches.update(mine)
    load(engine, _visit_with_photo(2, "2026-11-26"), now)
    detect.detect_pending(engine, now=now)
    with engine.connect() as conn:
        alert = (
            conn.execute(sa.select(schema.alerts).where(schema.alerts.c.id == "PHOTO_REUSE:ph-2"))
            .mappings()
            .one()
        )
    assert alert["evidence"]["matched_photo_id"] == "ph-1"


def test_an_index_unused_for_a_while_is_let_go(engine, now):
    load(engine, [*b.company(), *_visit_with_photo(1, "2026-11-24")], now)
    cache = detect._photo_cache(engine)
    cache.get(engine, 6)
    assert detect.release_idle_photo_caches(600) == 0
    assert detect._photo_cache(engine) is cache
    cache.used -= 601
    assert detect.release_idle_photo_caches(600) == 1
    fresh = detect._photo_cache(engine)
    assert fresh is not cache and set(fresh.get(engine, 6).photos) == {"ph-1"}
