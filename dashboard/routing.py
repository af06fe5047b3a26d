"""Shortest routes over a handful of stops (pure core: no I/O, no clock).

Distances are great-circle (haversine) kilometres multiplied by a detour factor
(default 1.3, contract §6 "straight-line" uses 1.0). Every function that orders
stops takes or builds a distance *matrix*, so a road-network matrix can replace
the haversine one later without touching the ordering code.

- ``haversine_matrix_km(points, detour_factor=...)``: the n x n matrix.
- ``shortest_path_order(points, ...)``: the visiting order of the shortest open
  path starting at ``points[start_index]`` and visiting every point once.
  Exact (Held-Karp dynamic programme) for at most ``EXACT_MAX_POINTS`` points,
  nearest neighbour + 2-opt + or-opt above that.
- ``shortest_path_km(points, ...)``: that path's length.
- ``*_matrix`` variants take a precomputed matrix.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from dashboard.geo import haversine_m_np

DEFAULT_DETOUR_FACTOR = 1.3
# Open paths over at most this many points are solved exactly.
EXACT_MAX_POINTS = 10

Matrix = NDArray[np.float64]


def _check_points(points: Sequence[tuple[float, float]]) -> NDArray[np.float64]:
    arr = np.asarray(points, dtype=np.float64)
    if arr.size == 0:
        return arr.reshape(0, 2)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError("points: expected a sequence of (lat, lon) pairs")
    if not np.all(np.isfinite(arr)):
        raise ValueError("points: every lat and lon must be a finite number")
    if np.any(np.abs(arr[:, 0]) > 90.0) or np.any(np.abs(arr[:, 1]) > 180.0):
        raise ValueError("points: lat must be within -90..90 and lon within -180..180")
    return arr


def _check_detour(detour_factor: float) -> float:
    f = float(detour_factor)
    if not np.isfinite(f) or f < 1.0:
        raise ValueError(f"detour_factor: {detour_factor!r} must be a number >= 1.0")
    return f


def haversine_matrix_km(
    points: Sequence[tuple[float, float]], *, detour_factor: float = DEFAULT_DETOUR_FACTOR
) -> Matrix:
    """Return the symmetric n x n matrix of haversine km x ``detour_factor``."""
    arr = _check_points(points)
    f = _check_detour(detour_factor)
    lat = arr[:, 0]
    lon = arr[:, 1]
    m = haversine_m_np(lat[:, None], lon[:, None], lat[None, :], lon[None, :]) / 1000.0
    m = m * f
    np.fill_diagonal(m, 0.0)
    return np.asarray(m, dtype=np.float64)


def path_length(matrix: Matrix, order: Sequence[int]) -> float:
    """Return the summed matrix length of visiting ``order`` as an open path."""
    m = np.asarray(matrix, dtype=np.float64)
    return float(sum(m[a, b] for a, b in itertools.pairwise(order)))


def _check_start(n: int, start_index: int) -> None:
    if n and not 0 <= start_index < n:
        raise ValueError(f"start_index: {start_index} is outside 0..{n - 1}")


def _exact_order(m: Matrix, start: int) -> list[int]:
    """Held-Karp over the open path from ``start`` (any end)."""
    n = m.shape[0]
    others = [i for i in range(n) if i != start]
    k = len(others)
    full = (1 << k) - 1
    inf = float("inf")
    dist = m.tolist()
    # best[mask][j]: shortest path from start over the set mask, ending at others[j].
    best = [[inf] * k for _ in range(1 << k)]
    parent = [[-1] * k for _ in range(1 << k)]
    for j in range(k):
        best[1 << j][j] = dist[start][others[j]]
    for mask in range(1, full + 1):
        row = best[mask]
        for j in range(k):
            cost = row[j]
            if cost == inf or not mask & (1 << j):
                continue
            dj = dist[others[j]]
            for nxt in range(k):
                bit = 1 << nxt
                if mask & bit:
                    continue
                cand = cost + dj[others[nxt]]
                nmask = mask | bit
                if cand < best[nmask][nxt]:
                    best[nmask][nxt] = cand
                    parent[nmask][nxt] = j
    end = min(range(k), key=lambda j: best[full][j])
    seq: list[int] = []
    mask = full
    j = end
    while j != -1:
        seq.append(others[j])
        pj = parent[mask][j]
        mask &= ~(1 << j)
        j = pj
    seq.reverse()
    return [start, *seq]


def _nearest_neighbour(m: Matrix, start: int) -> list[int]:
    n = m.shape[0]
    left = set(range(n)) - {start}
    order = [start]
    cur = start
    while left:
        cur = min(left, key=lambda j: (m[cur, j], j))
        left.discard(cur)
        order.append(cur)
    return order


def improve_open_path(m: Matrix, order: list[int], *, max_rounds: int = 200) -> list[int]:
    """Improve an open path (fixed first stop, free end) by 2-opt and or-opt moves.

    Moves are evaluated on the full path length, so an asymmetric matrix is handled
    correctly (at O(n) per move).
    """
    order = list(order)
    n = len(order)
    if n < 3:
        return order
    dist = np.asarray(m, dtype=np.float64)
    symmetric = bool(np.allclose(dist, dist.T))
    d = dist.tolist()
    best_len = path_length(dist, order)
    eps = 1e-9
    for _ in range(max_rounds):
        improved = False
        # 2-opt: reverse order[i..j], 1 <= i < j <= n-1.
        for i in range(1, n - 1):
            for j in range(i + 1, n):
                if symmetric:
                    a, b, c = order[i - 1], order[i], order[j]
                    delta = d[a][c] - d[a][b]
                    if j + 1 < n:
                        e = order[j + 1]
                        delta += d[b][e] - d[c][e]
                    if delta < -eps:
                        order[i : j + 1] = order[i : j + 1][::-1]
                        best_len += delta
                        improved = True
                else:
                    cand = order[:i] + order[i : j + 1][::-1] + order[j + 1 :]
                    cl = path_length(dist, cand)
                    if cl < best_len - eps:
                        order, best_len, improved = cand, cl, True
        # or-opt: move a segment of 1..3 stops elsewhere (kept in direction).
        for seg in (1, 2, 3):
            i = 1
            while i + seg <= n:
                segment = order[i : i + seg]
                rest = order[:i] + order[i + seg :]
                moved = False
                for pos in range(1, len(rest) + 1):
                    if pos == i:
                        continue
                    cand = rest[:pos] + segment + rest[pos:]
                    cl = path_length(dist, cand)
                    if cl < best_len - eps:
                        order, best_len, improved, moved = cand, cl, True, True
                        break
                if not moved:
                    i += 1
        if not improved:
            break
    return order


def shortest_path_order_matrix(matrix: Matrix, *, start_index: int = 0) -> list[int]:
    """Return the indices of the shortest open path from ``start_index`` over the matrix."""
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError("matrix: expected a square matrix")
    n = m.shape[0]
    if n == 0:
        return []
    _check_start(n, start_index)
    if n <= 2:
        return [start_index] + [i for i in range(n) if i != start_index]
    if n <= EXACT_MAX_POINTS:
        return _exact_order(m, start_index)
    return improve_open_path(m, _nearest_neighbour(m, start_index))


def shortest_path_order(
    points: Sequence[tuple[float, float]],
    *,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    start_index: int = 0,
) -> list[int]:
    """Return the visiting order (indices into ``points``) of the shortest open path."""
    m = haversine_matrix_km(points, detour_factor=detour_factor)
    return shortest_path_order_matrix(m, start_index=start_index)


def shortest_path_km(
    points: Sequence[tuple[float, float]],
    *,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    start_index: int = 0,
) -> float:
    """Return the km of the shortest open path from ``points[start_index]`` over all points."""
    m = haversine_matrix_km(points, detour_factor=detour_factor)
    return path_length(m, shortest_path_order_matrix(m, start_index=start_index))
