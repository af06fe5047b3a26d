"""Benchmark: our stop detection against trackintel's reference stay points, on GeoLife tracks.

    python3 -m venv .venv-bench && .venv-bench/bin/pip install trackintel
    .venv-bench/bin/python bench/staypoints.py [--data DIR] [--per-file] [--min-share 0.9]
    .venv/bin/python bench/staypoints.py --timing [--runs 30]

trackintel (with geopandas, shapely, pandas) lives in its own venv ``.venv-bench`` at the root of
the checkout (gitignored), so the project's requirements stay as they are. Nothing else is
needed: this script puts the checkout on ``sys.path`` and imports only ``dashboard.tracks``
(numpy) from it. The GeoLife tracks are read in place from ``../shared/data/geolife`` next to
the checkout (``--data`` to point elsewhere); they are never copied into the repository.

For every ``.plt`` file (one trajectory): parse the fixes (times UTC), clean them the way
``analyze_day`` does (duplicates, zero coordinates, single-fix spikes; GeoLife has no accuracy),
then run on the SAME cleaned fixes

* ours: ``dashboard.tracks.detect_stops`` with the default ``TrackConfig`` (100 m, 5 min, a 15-min
  gap closes a stop, neighbouring stops closer than 100 m merged), and once more without the
  merge (``stop_merge_m=0``), which is the bare algorithm;
* theirs: ``trackintel.preprocessing.generate_staypoints(method="sliding",
  distance_metric="haversine", dist_threshold=100, time_threshold=5, gap_threshold=15,
  include_last=True)``, each file as its own user.

``--timing`` (numpy only, runs in the project's ``.venv`` too) instead times ``analyze_day`` on
synthetic working days of 600, 1,500 and 5,000 fixes (8 visits with GPS jitter, drives between,
one spike) against ``summarize_day`` (the plain cleaned length) measured in the same run.

A stop matches when the time intervals overlap and the centres lie within 100 m. Prints, per
file (``--per-file``) and overall, the share of our stops matched by one of theirs and of theirs
matched by one of ours. Exit code 0 when both overall shares of the default configuration reach
``--min-share``, 1 otherwise, 2 when trackintel or the data are missing.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard.geo import haversine_m_np  # noqa: E402
from dashboard.tracks import (  # noqa: E402
    TrackConfig,
    analyze_day,
    detect_stops,
    summarize_day,
)

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "geolife"
MATCH_M = 100.0
HEADER_LINES = 6


@dataclass
class Intervals:
    start: np.ndarray
    end: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    def __len__(self) -> int:
        return int(self.start.size)


def read_plt(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (t_s, lat, lon) of one GeoLife trajectory file (times are UTC)."""
    lines = path.read_text().splitlines()[HEADER_LINES:]
    rows = [line.split(",") for line in lines if line.strip()]
    lat = np.array([float(r[0]) for r in rows])
    lon = np.array([float(r[1]) for r in rows])
    stamps = np.array([f"{r[5]}T{r[6]}" for r in rows], dtype="datetime64[s]")
    return stamps.astype("int64").astype(float), lat, lon


def match_masks(ours: Intervals, theirs: Intervals) -> tuple[np.ndarray, np.ndarray]:
    """Return (which of our stops one of theirs matches, which of theirs one of ours matches)."""
    if len(ours) == 0 or len(theirs) == 0:
        return np.zeros(len(ours), dtype=bool), np.zeros(len(theirs), dtype=bool)
    overlap = (ours.start[:, None] <= theirs.end[None, :]) & (
        theirs.start[None, :] <= ours.end[:, None]
    )
    near = (
        haversine_m_np(
            ours.lat[:, None], ours.lon[:, None], theirs.lat[None, :], theirs.lon[None, :]
        )
        <= MATCH_M
    )
    hit = overlap & near
    return hit.any(axis=1), hit.any(axis=0)


def our_stops(t, la, lo, config: TrackConfig) -> tuple[Intervals, np.ndarray]:
    """Our stops, and which of them a data gap closed."""
    stops = detect_stops(t, la, lo, config)
    by_gap = np.array(
        [
            s.last_index < t.size - 1 and t[s.last_index + 1] - t[s.last_index] >= config.stop_gap_s
            for s in stops
        ],
        dtype=bool,
    )
    found = Intervals(
        np.array([s.start_s for s in stops]),
        np.array([s.end_s for s in stops]),
        np.array([s.lat for s in stops]),
        np.array([s.lon for s in stops]),
    )
    return found, by_gap


def their_stops(cleaned: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]):
    """Run trackintel once over every file (one user per file); return {file: Intervals}."""
    import geopandas as gpd
    import pandas as pd
    import trackintel as ti

    frames = []
    for name, t, la, lo in cleaned:
        frames.append(
            pd.DataFrame(
                {
                    "user_id": name,
                    "tracked_at": pd.to_datetime(t, unit="s", utc=True),
                    "lat": la,
                    "lon": lo,
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    gdf = gpd.GeoDataFrame(
        df[["user_id", "tracked_at"]],
        geometry=gpd.points_from_xy(df["lon"], df["lat"]),
        crs="EPSG:4326",
    )
    pfs = ti.Positionfixes(gdf)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, sp = ti.preprocessing.generate_staypoints(
            pfs,
            method="sliding",
            distance_metric="haversine",
            dist_threshold=100,
            time_threshold=5.0,
            gap_threshold=15.0,
            include_last=True,
            print_progress=False,
            n_jobs=1,
        )
    out = {}
    for name, *_ in cleaned:
        sub = sp[sp["user_id"] == name]
        out[name] = Intervals(
            np.array([ts.timestamp() for ts in sub["started_at"]], dtype=float),
            np.array([ts.timestamp() for ts in sub["finished_at"]], dtype=float),
            np.asarray(sub.geometry.y, dtype=float),
            np.asarray(sub.geometry.x, dtype=float),
        )
    return out


def synthetic_day(n_fixes: int, seed: int = 1) -> tuple[np.ndarray, ...]:
    """A 9-hour working day of ``n_fixes``: 8 visits (jitter 15 m) and drives, one spike."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 9 * 3600.0, n_fixes) + 1_780_000_000.0
    phase = (np.arange(n_fixes) * 16) // n_fixes  # even: at a visit, odd: driving
    x = np.zeros(n_fixes)
    y = np.zeros(n_fixes)
    place = rng.uniform(-8000, 8000, size=(9, 2))
    for k in range(16):
        sel = phase == k
        m = int(sel.sum())
        a, b = place[k // 2], place[k // 2 + 1]
        if k % 2 == 0:
            x[sel], y[sel] = a[0], a[1]
        else:
            f = np.linspace(0.0, 1.0, m + 2)[1:-1]
            x[sel], y[sel] = a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
    x += rng.normal(0, 15, n_fixes)
    y += rng.normal(0, 15, n_fixes)
    x[n_fixes // 3] += 30000.0
    lat = 31.2304 + y / 111_195.0
    lon = 121.4737 + x / (111_195.0 * np.cos(np.radians(31.2304)))
    acc = rng.uniform(5, 60, n_fixes)
    perm = rng.permutation(n_fixes)  # as fetched: not sorted
    return t[perm], lat[perm], lon[perm], acc[perm]


def timing(runs: int) -> int:
    print(f"analyze_day vs summarize_day (baseline), best of {runs} runs")
    for n in (600, 1500, 5000):
        t, la, lo, acc = synthetic_day(n)
        best = {}
        for label, fn in (("analyze_day", analyze_day), ("summarize_day", summarize_day)):
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                fn(t, la, lo, acc)
                times.append(time.perf_counter() - started)
            best[label] = min(times) * 1000.0
        day = analyze_day(t, la, lo, acc)
        print(
            f"  {n:>5} fixes: analyze_day {best['analyze_day']:6.2f} ms, "
            f"summarize_day {best['summarize_day']:5.2f} ms, "
            f"ratio {best['analyze_day'] / best['summarize_day']:4.1f}  "
            f"({len(day.stops)} stops, {len(day.trips)} trips, {day.km:.1f} km vs "
            f"{summarize_day(t, la, lo, acc).km:.1f} km raw)"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="GeoLife root folder")
    parser.add_argument("--per-file", action="store_true", help="print one line per file")
    parser.add_argument("--min-share", type=float, default=0.9)
    parser.add_argument("--timing", action="store_true", help="time analyze_day only")
    parser.add_argument("--runs", type=int, default=30, help="runs per timing (best counts)")
    args = parser.parse_args(argv)
    if args.timing:
        return timing(args.runs)

    files = sorted(args.data.rglob("*.plt")) if args.data.is_dir() else []
    if not files:
        print(f"no GeoLife .plt files under {args.data}", file=sys.stderr)
        return 2
    try:
        import trackintel  # noqa: F401
    except ImportError as exc:
        print(
            f"trackintel is not importable ({exc}); create the bench venv:\n"
            "  python3 -m venv .venv-bench && .venv-bench/bin/pip install trackintel",
            file=sys.stderr,
        )
        return 2

    cleaned = []
    raw = dropped = 0
    for path in files:
        t, la, lo = read_plt(path)
        day = analyze_day(t, la, lo, np.zeros_like(t))
        k = day.kept
        raw += t.size
        dropped += t.size - k.size
        cleaned.append((str(path.relative_to(args.data)), t[k], la[k], lo[k]))
    print(
        f"{len(files)} files, {raw} fixes, {dropped} dropped by cleaning "
        f"(duplicates, zero coordinates, spikes)"
    )

    started = time.perf_counter()
    theirs = their_stops(cleaned)
    their_s = time.perf_counter() - started

    configs = {
        "ours (merge 100 m)": TrackConfig(),
        "ours (no merge)": TrackConfig(stop_merge_m=0.0),
    }
    verdict = 0
    for label, config in configs.items():
        n_ours = n_theirs = hit_ours = hit_theirs = miss_by_gap = 0
        started = time.perf_counter()
        lines = []
        for name, t, la, lo in cleaned:
            ours, by_gap = our_stops(t, la, lo, config)
            ref = theirs[name]
            mine_hit, ref_hit = match_masks(ours, ref)
            a, b = int(mine_hit.sum()), int(ref_hit.sum())
            miss_by_gap += int((~mine_hit & by_gap).sum())
            n_ours += len(ours)
            n_theirs += len(ref)
            hit_ours += a
            hit_theirs += b
            lines.append(
                f"  {name:<34} fixes {t.size:>6}  ours {len(ours):>3}  theirs {len(ref):>3}  "
                f"ours matched {_share(a, len(ours))}  theirs matched {_share(b, len(ref))}"
            )
        ours_s = time.perf_counter() - started
        share_ours = hit_ours / n_ours if n_ours else 1.0
        share_theirs = hit_theirs / n_theirs if n_theirs else 1.0
        print(f"\n{label}: {ours_s * 1000:.0f} ms (trackintel {their_s * 1000:.0f} ms)")
        if args.per_file:
            print("\n".join(lines))
        print(
            f"  overall: ours {n_ours} stops, theirs {n_theirs}; "
            f"ours matched by theirs {share_ours:.3f} ({hit_ours}/{n_ours}), "
            f"theirs matched by ours {share_theirs:.3f} ({hit_theirs}/{n_theirs})"
        )
        print(
            f"  of our {n_ours - hit_ours} unmatched stops, {miss_by_gap} end at a data gap of "
            f">= {config.stop_gap_s / 60:.0f} min (trackintel drops a candidate cut by a "
            "gap; we keep it)"
        )
        if config == TrackConfig():
            ok = share_ours >= args.min_share and share_theirs >= args.min_share
            print(f"  target >= {args.min_share} both ways: {'PASS' if ok else 'FAIL'}")
            verdict = 0 if ok else 1
    return verdict


def _share(hit: int, total: int) -> str:
    return f"{hit / total:.2f}" if total else "  - "


if __name__ == "__main__":
    sys.exit(main())
