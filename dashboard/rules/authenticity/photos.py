"""Across visits: PHOTO_REUSE, with the photo hashes it compares (sha256 and 64-bit phash)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from dashboard.rules import Alert, AuthenticityConfig, utc

# ---------------------------------------------------------------------------- PHOTO_REUSE


PHASH_BITS = 64


def phash_value(text: str) -> int:
    """The 64-bit perceptual hash of a photo from its 16 hex digits (as the contract sends it)."""
    return int(text, 16)


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits two perceptual hashes differ in."""
    return int(a ^ b).bit_count()


@dataclass(frozen=True, slots=True)
class IndexedPhoto:
    id: str
    visit_id: str
    rep_id: str
    customer_id: str
    visit_t_s: float
    local_date: date
    sha256: str
    phash: int

    @property
    def order(self) -> tuple[float, str]:
        return (self.visit_t_s, self.visit_id)


def _bands(max_hamming: int) -> list[tuple[int, int]]:
    """Split 64 bits into max_hamming + 1 bands (shift, mask): two hashes within the distance
    share at least one band exactly (pigeonhole), so only band-equal photos need comparing."""
    k = max(1, min(64, max_hamming + 1))
    bounds = [round(i * 64 / k) for i in range(k + 1)]
    return [(lo, (1 << (hi - lo)) - 1) for lo, hi in itertools.pairwise(bounds)]


class PhotoIndex:
    """Multi-index hashing over 64-bit perceptual hashes plus an exact sha256 index.

    Each band's values are kept sorted (numpy), so a batch of queries finds its band-equal
    candidates with ``searchsorted`` and checks them with one vectorized popcount.
    """

    def __init__(self, photos: Iterable[IndexedPhoto], max_hamming: int) -> None:
        self.max_hamming = max_hamming
        self.bands = _bands(max_hamming)
        self.photos: dict[str, IndexedPhoto] = {}
        self._items: list[IndexedPhoto] = []
        self.by_sha: dict[str, list[IndexedPhoto]] = defaultdict(list)
        self._built: tuple | None = None
        for p in photos:
            self.add(p)

    def items(self) -> list[IndexedPhoto]:
        """The indexed photos, in the order they were added."""
        return list(self._items)

    def add(self, p: IndexedPhoto) -> None:
        if p.id in self.photos:
            return
        self.photos[p.id] = p
        self._items.append(p)
        self.by_sha[p.sha256].append(p)
        self._built = None

    def _arrays(self) -> tuple:
        if self._built is None:
            hashes = np.fromiter((p.phash for p in self._items), np.uint64, len(self._items))
            bands = []
            for shift, mask in self.bands:
                values = (hashes >> np.uint64(shift)) & np.uint64(mask)
                order = np.argsort(values, kind="stable")
                bands.append((values[order], order))
            self._built = (hashes, bands)
        return self._built

    def matches_many(
        self, queries: Sequence[IndexedPhoto]
    ) -> dict[str, list[tuple[IndexedPhoto, int]]]:
        """For each query: the photos of other visits whose sha256 equals or whose phash lies
        within max_hamming (with the Hamming distance)."""
        out: dict[str, dict[str, tuple[IndexedPhoto, int]]] = defaultdict(dict)
        for p in queries:
            for q in self.by_sha.get(p.sha256, ()):
                if q.visit_id != p.visit_id:
                    out[p.id][q.id] = (q, hamming(p.phash, q.phash))
        if queries and self._items:
            hashes, bands = self._arrays()
            qh = np.fromiter((p.phash for p in queries), np.uint64, len(queries))
            q_parts, c_parts = [], []
            for (shift, mask), (sorted_values, order) in zip(self.bands, bands, strict=True):
                qv = (qh >> np.uint64(shift)) & np.uint64(mask)
                lo = np.searchsorted(sorted_values, qv, side="left")
                hi = np.searchsorted(sorted_values, qv, side="right")
                counts = hi - lo
                total = int(counts.sum())
                if not total:
                    continue
                qi = np.repeat(np.arange(len(queries)), counts)
                offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
                q_parts.append(qi)
                c_parts.append(order[np.repeat(lo, counts) + offsets])
            if q_parts:
                qi = np.concatenate(q_parts)
                ci = np.concatenate(c_parts)
                h = np.bitwise_count(qh[qi] ^ hashes[ci])
                keep = h <= self.max_hamming
                for a, b, d in zip(
                    qi[keep].tolist(), ci[keep].tolist(), h[keep].tolist(), strict=True
                ):
                    p, q = queries[a], self._items[b]
                    if q.visit_id != p.visit_id and q.id not in out[p.id]:
                        out[p.id][q.id] = (q, int(d))
        return {key: list(found.values()) for key, found in out.items()}

    def matches(self, p: IndexedPhoto) -> list[tuple[IndexedPhoto, int]]:
        """The matches of one photo (see ``matches_many``)."""
        return self.matches_many([p]).get(p.id, [])


def find_photo_reuse(
    p: IndexedPhoto,
    index: PhotoIndex,
    config: AuthenticityConfig,
    matches: Sequence[tuple[IndexedPhoto, int]] | None = None,
) -> Alert | None:
    """Flag ``p`` when it matches a photo of an earlier visit (the closest match is named).

    ``matches`` may be given from ``index.matches_many`` for a batch."""
    found = index.matches(p) if matches is None else matches
    earlier = [(q, h) for q, h in found if q.order < p.order]
    if not earlier:
        return None
    q, h = min(earlier, key=lambda qh: (qh[0].sha256 != p.sha256, qh[1], qh[0].order, qh[0].id))
    exact = q.sha256 == p.sha256
    return Alert(
        f"PHOTO_REUSE:{p.id}",
        "PHOTO_REUSE",
        p.rep_id,
        utc(p.visit_t_s),
        p.local_date,
        (
            f"photo is byte-identical to a photo of an earlier visit {q.visit_id}"
            if exact
            else f"photo lies {h} bits from a photo of an earlier visit {q.visit_id} "
            f"(at most {config.photo_max_hamming} of 64)"
        ),
        {
            "source": "photo",
            "photo_id": p.id,
            "matched_photo_id": q.id,
            "matched_visit_id": q.visit_id,
            "matched_rep_id": q.rep_id,
            "same_sha256": exact,
            "hamming": h,
            "max_hamming": config.photo_max_hamming,
        },
        visit_id=p.visit_id,
        customer_id=p.customer_id,
    )
