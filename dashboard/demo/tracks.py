"""Emit what a rep's phone sends: GPS fixes (as noisy as real ones) and device events."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dashboard.demo import behaviours
from dashboard.demo.config import counters, second_suffixes
from dashboard.demo.day import RepDay
from dashboard.demo.itinerary import Sim

# Share of days on which the phone wakes an hour or more before work.
_EARLY_FIX_P = 0.2
_PROVIDERS = ("gps", "fused", "network", "wifi")
_PROVIDER_P = (0.58, 0.30, 0.07, 0.05)
_ACC_LO = np.array([5.0, 5.0, 15.0, 10.0])
_ACC_HI = np.array([15.0, 20.0, 30.0, 25.0])
# Phones as noisy as real ones (contract §2a), on honest rep-days only: cell-tower fallback fixes
# kilometres off, cached indoor positions while visiting, and a couple of poor devices.
_FALLBACK_DAY_P = 0.45
_CACHED_VISIT_P = 0.35
_POOR_PHONE_IDX = (6, 22)  # rep indices (mod 100) whose phones send many coarse fixes
_POOR_COARSE_SHARE = 0.45
# Injected rules that the day's fixes carry: their fixes stay as injected, unblurred.
_FIX_RULES = frozenset({"IMPOSSIBLE_SPEED", "STATIC_SPOOF", "TRACK_MISMATCH", "MOCK_LOCATION"})


def emit_fixes(rd: RepDay, sim: Sim, start_xy: tuple[float, float]) -> tuple[np.ndarray, list[str]]:
    """Emit the day's GPS fixes; return their times (s) and ids in time order."""
    g, r, tr = rd.g, rd.r, sim.track
    n_max = (sim.end - sim.start) // 30 + 2
    t = sim.start + np.concatenate(([0], np.cumsum(g.integers(30, 61, size=n_max - 1))))
    t = t[t <= sim.end]
    kt, kx, ky = np.asarray(tr.t), np.asarray(tr.x), np.asarray(tr.y)
    x = np.interp(t, kt, kx)
    y = np.interp(t, kt, ky)
    seg = np.clip(np.searchsorted(kt, t, side="right") - 1, 0, max(len(kt) - 2, 0))
    if len(kt) > 1:
        seg_v = np.hypot(np.diff(kx), np.diff(ky)) / np.diff(kt)
        v = seg_v[seg]
    else:
        v = np.zeros(len(t))
    parts = [(t, x, y, v)]
    if rd.kind == "SIGNAL_GAP" and sim.gap:
        keep = (t < sim.gap[0]) | (t >= sim.gap[1])
        parts = [(t[keep], x[keep], y[keep], v[keep])]
    if r.random() < _EARLY_FIX_P:  # the phone wakes early: the privacy rule drops these
        n = r.randint(3, 8)
        t0 = rd.rep.ws - r.randint(3660 + 60 * n, 5400)
        te = t0 + np.concatenate(([0], np.cumsum(g.integers(30, 61, size=n - 1))))
        parts.insert(0, (te, np.full(n, start_xy[0]), np.full(n, start_xy[1]), np.zeros(n)))
    off = [v_ for v_ in sim.visits if v_.variant == "OFF_HOURS"]
    if off:
        v0 = off[0]
        a, b = v0.ci - r.randint(120, 300), v0.co + r.randint(60, 240)
        n = (b - a) // 30 + 2
        to = a + np.concatenate(([0], np.cumsum(g.integers(30, 61, size=n - 1))))
        to = to[to <= b]
        m = len(to)
        parts.append((to, np.full(m, v0.photo_xy[0]), np.full(m, v0.photo_xy[1]), np.zeros(m)))
    t = np.concatenate([p[0] for p in parts])
    x = np.concatenate([p[1] for p in parts])
    y = np.concatenate([p[2] for p in parts])
    v = np.concatenate([p[3] for p in parts])
    keep = t <= rd.cutoff
    t, x, y, v = t[keep], x[keep], y[keep], v[keep]
    n = len(t)
    prov = g.choice(4, size=n, p=_PROVIDER_P)
    acc = _ACC_LO[prov] + (_ACC_HI[prov] - _ACC_LO[prov]) * g.random(n)
    sigma = np.clip(acc / 4.0, 1.5, 6.0)
    x = x + g.standard_normal(n) * sigma
    y = y + g.standard_normal(n) * sigma
    if rd.kind not in _FIX_RULES:
        _phone_noise(rd, sim, t, x, y, prov, acc)
    moving = v > 0.3
    spd = np.where(
        moving, np.maximum(v + g.normal(0.0, 0.4, n), 0.0), np.abs(g.normal(0.0, 0.15, n))
    )
    lat = np.round(rd.lat0 + y / rd.ky, 6)
    lon = np.round(rd.lon0 + x / rd.kx, 6)
    acc = np.round(acc, 1)
    spd = np.round(spd, 1)
    mock = np.zeros(n, dtype=bool)
    prefix = f"fix-{rd.rep.num}-{rd.ymd}-"
    ids = [prefix + k for k in counters()[1 : n + 1]]
    behaviours.inject_into_fixes(rd, sim, t, lat, lon, acc, spd, mock, ids, prov)
    suffix = second_suffixes()
    iso = rd.iso
    rid, dev = rd.rep.id, rd.device
    provs = [_PROVIDERS[k] for k in prov.tolist()]
    rd.other.extend(
        [
            {
                "type": "gps",
                "id": fid,
                "rep_id": rid,
                "device_id": dev,
                "ts": iso + suffix[s],
                "lat": la,
                "lon": lo,
                "accuracy_m": ac,
                "speed_mps": sp,
                "provider": pv,
                "mock": mk,
            }
            for fid, s, la, lo, ac, sp, pv, mk in zip(
                ids,
                t.tolist(),
                lat.tolist(),
                lon.tolist(),
                acc.tolist(),
                spd.tolist(),
                provs,
                mock.tolist(),
                strict=True,
            )
        ]
    )
    return t, ids


def _phone_noise(
    rd: RepDay,
    sim: Sim,
    t: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    prov: np.ndarray,
    acc: np.ndarray,
) -> None:
    """Make an honest day's fixes as noisy as a real phone's (in place): never cheating."""
    g, r, n = rd.noise_g, rd.noise_r, len(t)
    if not n:
        return
    visiting = np.zeros(n, dtype=bool)
    for v in sim.visits:
        visiting |= (t >= v.ci - 600) & (t <= v.co + 600)
    if rd.rep.idx % 100 in _POOR_PHONE_IDX:
        # A poor phone: almost half its fixes from the cell network, hundreds of metres off.
        coarse = g.random(n) < _POOR_COARSE_SHARE
        k = int(coarse.sum())
        acc[coarse] = g.uniform(300.0, 1500.0, k)
        ang = g.uniform(0.0, 2 * math.pi, k)
        off = acc[coarse] * g.uniform(0.2, 0.8, k)
        x[coarse] += off * np.cos(ang)
        y[coarse] += off * np.sin(ang)
        prov[coarse] = 2
    if r.random() < _FALLBACK_DAY_P:
        # Cell-tower fallbacks: one or two fixes kilometres away, with honest accuracy.
        free = np.flatnonzero(~visiting[1:-1]) + 1
        for i in r.sample(free.tolist(), min(len(free), r.randint(1, 2))):
            d, ang = r.uniform(2000.0, 8000.0), r.uniform(0.0, 2 * math.pi)
            x[i] += d * math.cos(ang)
            y[i] += d * math.sin(ang)
            acc[i] = r.uniform(1500.0, 3000.0)
            prov[i] = 2
    for v in sim.visits:
        if r.random() >= _CACHED_VISIT_P:
            continue
        # Indoors the phone repeats its cached fused position for the whole visit.
        idx = np.flatnonzero((t >= v.ci + 60) & (t <= v.co - 60))
        if len(idx) >= 12:
            x[idx], y[idx] = x[idx[0]], y[idx[0]]
            acc[idx] = acc[idx[0]] = round(r.uniform(20.0, 45.0), 1)
            prov[idx] = 1


def emit_device_events(rd: RepDay, sim: Sim, t: np.ndarray, fix_ids: list[str]) -> None:
    """Emit the phone's events: app start, hourly heartbeats and what an injection adds."""
    r = rd.r
    events: list[tuple[int, str, str | None]] = []
    if r.random() < 0.6:
        events.append((sim.start - r.randint(5, 60), "app_started", None))
    gap_window = behaviours.signal_gap_events(rd, sim, t, fix_ids, events)
    hb = sim.start + r.randint(600, 1800)
    while hb < sim.end:
        if gap_window is None or not gap_window[0] <= hb <= gap_window[1]:
            events.append((hb, "heartbeat", f"battery={r.randint(20, 100)}%"))
        hb += r.randint(3300, 3900)
    behaviours.device_cheat_events(rd, sim, events)
    events.sort(key=lambda e: e[0])
    for k, (te, kind, detail) in enumerate(events, start=1):
        rec: dict[str, Any] = {
            "type": "device_event",
            "id": f"evt-{rd.rep.num}-{rd.ymd}-{k:02d}",
            "rep_id": rd.rep.id,
            "device_id": rd.device,
            "ts": rd.ts(te),
            "kind": kind,
        }
        if detail:
            rec["detail"] = detail
        rd.emit(te, rec)
