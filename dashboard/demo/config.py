"""Say what to generate and what comes back: the configuration, the injected case, local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache

MAX_BATCH_RECORDS = 50_000
# China has had no daylight saving time since 1991: Asia/Shanghai is exactly UTC+08:00.
LOCAL_TZ = timezone(timedelta(hours=8))
TZ_NAME = "Asia/Shanghai"
DAY_S = 86_400


@dataclass(frozen=True)
class DemoConfig:
    """What to generate: ``now`` is the aware instant the demo ends at (required).

    Everything derives from ``seed`` and ``now`` (no clock, no global randomness, no I/O): the
    same configuration yields byte-identical records.
    """

    now: datetime
    seed: int = 7
    reps: int = 108
    days: int = 20
    customers_per_rep: int = 30

    def __post_init__(self) -> None:
        if not isinstance(self.now, datetime) or self.now.utcoffset() is None:
            raise ValueError("now must be a timezone-aware datetime")
        if self.reps < 1:
            raise ValueError("reps must be at least 1")
        if self.days < 0:
            raise ValueError("days must not be negative")
        if self.customers_per_rep < 1:
            raise ValueError("customers_per_rep must be at least 1")


@dataclass(frozen=True)
class InjectedCase:
    """One injected violation: the rule expected to fire, for which rep, about what (``ref``).

    What ``ref`` names, per rule:

    - visit id (``v-...``): GEOFENCE_MISS, TRACK_MISMATCH, SHORT_VISIT, PHOTO_REUSE (the later
      visit), PHOTO_TIME_MISMATCH, OFF_HOURS, SOP_INCOMPLETE (an honest effective visit that
      skipped a required step or recorded it late; the codes are in ``note``),
      CLUSTERED_CHECKINS (the first visit of the cluster; the others are in ``note``). Every
      clustered check-in also lies far outside its geofence: each is reported as an extra
      GEOFENCE_MISS case whose note says so.
    - fix id (``fix-...``): IMPOSSIBLE_SPEED (the later fix of a jump: a teleport jumps away and
      back, so it yields two cases whose notes link them), STATIC_SPOOF (the first frozen fix),
      SIGNAL_GAP (the last fix before the gap; the expected ``reason`` is in ``note``).
    - local ISO date (``YYYY-MM-DD``): MOCK_LOCATION (the sources that fire are in ``note``) and
      DEVICE_SHARED (one case for each of the two reps on the device that day: the borrower,
      whose note names the owner, and the owner, whose note says "owner side").
    - claim id (``exp-...``): MILEAGE_INFLATED, NO_VISIT_DAY, HOTEL_CITY_MISMATCH,
      DUPLICATE_RECEIPT (the later claim), FRAUD_DAY_CLAIM (every claim of a day that carries a
      critical injection), OVER_CAP (one case per claim of the over-cap category and date),
      ENTERTAINMENT_NO_VISIT.

    All ids carry the rep number and the local date (``v-007-20261126-03``), so a case's day can
    be read from its ``ref``.
    """

    rule: str
    rep_id: str
    ref: str
    note: str = ""


@cache
def second_suffixes() -> tuple[str, ...]:
    """Return 'Thh:mm:ss+08:00' for every second of a day (timestamps are date + this)."""
    return tuple(
        f"T{h:02d}:{m:02d}:{s:02d}+08:00" for h in range(24) for m in range(60) for s in range(60)
    )


@cache
def counters() -> tuple[str, ...]:
    """Return '0000'..'9999' (fix numbers within a rep-day; at most 2,880 fixes fit a day)."""
    return tuple(f"{k:04d}" for k in range(10_000))


def hhmm_s(text: str) -> int:
    """Return the seconds after midnight of an 'hh:mm' time."""
    h, m = text.split(":")
    return int(h) * 3600 + int(m) * 60


def store_visit_revised_on(cfg: DemoConfig) -> date:
    """The local date from which the store visit's revised (7-step) template is in force: about
    the middle of the demo's working days (issue 18: one template revised mid-period)."""
    return cfg.now.astimezone(LOCAL_TZ).date() - timedelta(days=round(cfg.days * 0.7))


def store_visit_first_on(cfg: DemoConfig) -> date:
    """The local date from which the store visit's first template is in force (before the demo)."""
    return cfg.now.astimezone(LOCAL_TZ).date() - timedelta(days=cfg.days * 2 + 30)
