"""Drive between points: town staircases and highways, and the true, noise-free path of a day."""

from __future__ import annotations

import math
import random
from typing import NamedTuple


class Leg(NamedTuple):
    """A drive: its knots in metres on the local plane, how long it takes (s) and its length (m)."""

    knots: list[tuple[float, float, float]]  # (seconds after the leg starts, x, y)
    duration: float
    length: float


def _split(r: random.Random, total: float, n: int) -> list[float]:
    """Split total into n random positive parts."""
    weights = [r.uniform(0.3, 1.0) for _ in range(n)]
    s = sum(weights)
    return [total * wgt / s for wgt in weights]


def _drive_points(
    r: random.Random,
    pts: list[tuple[float, float]],
    x0: float,
    y0: float,
    vmin: float,
    vmax: float,
    t0: float = 0.0,
) -> tuple[list[tuple[float, float, float]], float, float]:
    """Drive through pts at urban-style speeds with red lights at turns; return knots, t, m."""
    knots: list[tuple[float, float, float]] = []
    t, length = t0, 0.0
    px, py = x0, y0
    last = len(pts) - 1
    for k, (qx, qy) in enumerate(pts):
        d = math.hypot(qx - px, qy - py)
        if d < 1e-6:
            continue
        v = r.uniform(vmin, vmax) if d > 150 else r.uniform(2.5, min(6.0, vmax))
        if d > 1200 and vmax < 15 and r.random() < 0.35:  # a red light mid-block
            f = r.uniform(0.3, 0.7)
            mx, my = px + (qx - px) * f, py + (qy - py) * f
            t += d * f / v
            knots.append((t, mx, my))
            t += r.uniform(15, 60)
            knots.append((t, mx, my))
            t += d * (1 - f) / v
        else:
            t += d / v
        knots.append((t, qx, qy))
        length += d
        if k < last and vmax < 15 and r.random() < 0.5:  # a red light at the turn
            t += r.uniform(15, 75)
            knots.append((t, qx, qy))
        px, py = qx, qy
    return knots, t, length


def route(r: random.Random, x0: float, y0: float, x1: float, y1: float) -> Leg:
    """Route between two points: a Manhattan-like staircase in town, a highway between cities."""
    dx, dy = x1 - x0, y1 - y0
    man = abs(dx) + abs(dy)
    if man > 30_000:
        return _highway_leg(r, x0, y0, x1, y1)
    if man < 300:
        pts = [(x1, y1)]
    else:
        n = 1 if man < 2000 else r.choice((1, 2, 2, 3))
        wx, wy = _split(r, dx, n), _split(r, dy, n)
        x, y = x0, y0
        pts = []
        x_first = r.random() < 0.5
        for i in range(n):
            if x_first:
                x += wx[i]
                pts.append((x, y))
                y += wy[i]
            else:
                y += wy[i]
                pts.append((x, y))
                x += wx[i]
            pts.append((x, y))
        pts[-1] = (x1, y1)
    knots, t, length = _drive_points(r, pts, x0, y0, 4.5, 12.5)
    return Leg(knots, t, length)


def _highway_leg(r: random.Random, x0: float, y0: float, x1: float, y1: float) -> Leg:
    """Drive to a highway 3 km out, along it at 20-25 m/s, and from its exit into town."""
    d = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    nx, ny = -uy, ux
    off = r.gauss(0, 400)
    entry = (x0 + ux * 3000 + nx * off, y0 + uy * 3000 + ny * off)
    off = r.gauss(0, 400)
    exit_ = (x1 - ux * 3000 + nx * off, y1 - uy * 3000 + ny * off)
    first = route(r, x0, y0, *entry)
    mids = []
    for f in (0.25, 0.5, 0.75):
        lat_off = r.gauss(0, 0.02 * d)
        mids.append((x0 + ux * d * f + nx * lat_off, y0 + uy * d * f + ny * lat_off))
    hk, t, hl = _drive_points(r, [*mids, exit_], *entry, 20.0, 25.0, t0=first.duration)
    last = route(r, *exit_, x1, y1)
    knots = first.knots + hk + [(t + dt, x, y) for dt, x, y in last.knots]
    return Leg(knots, t + last.duration, first.length + hl + last.length)


class Track:
    """The true (noise-free) path of a rep-day: knots of time (s) and position (m)."""

    __slots__ = ("length", "t", "x", "y")

    def __init__(self, t0: float, x: float, y: float) -> None:
        self.t = [float(t0)]
        self.x = [x]
        self.y = [y]
        self.length = 0.0

    @property
    def now(self) -> float:
        """Return the time of the last knot (s)."""
        return self.t[-1]

    @property
    def pos(self) -> tuple[float, float]:
        """Return the position of the last knot (m)."""
        return self.x[-1], self.y[-1]

    def stay(self, until: float) -> None:
        """Stand still until the given time (s)."""
        if until > self.t[-1] + 1e-6:
            self.t.append(float(until))
            self.x.append(self.x[-1])
            self.y.append(self.y[-1])

    def drive(self, leg: Leg) -> None:
        """Append a leg that starts now."""
        base = self.t[-1]
        for dt, x, y in leg.knots:
            self.t.append(base + dt)
            self.x.append(x)
            self.y.append(y)
        self.length += leg.length
