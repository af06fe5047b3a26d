"""Settings of a process, read from the environment once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = ROOT / "data"


def default_database_url() -> str:
    """Return the embedded SQLite database under ./data/."""
    return f"sqlite:///{DEFAULT_DATA_DIR / 'cockpit.db'}"


BLANK_TILE_URL = "/tiles/blank/{z}/{x}/{y}.png"
TILE_CRS = ("wgs84", "gcj02", "bd09")


def _tile_url(value: str) -> str:
    """Return a tile URL template; "blank" names the app's own plain tiles."""
    value = value.strip()
    if value.lower() == "blank":
        return BLANK_TILE_URL
    if not all(part in value for part in ("{z}", "{x}", "{y}")):
        raise ValueError(f"COCKPIT_TILE_URL: {value!r} lacks one of {{z}}, {{x}}, {{y}}")
    return value


def _tile_crs(value: str) -> str:
    """Return a supported tile datum name, or raise naming the bad value."""
    key = value.strip().lower()
    if key not in TILE_CRS:
        raise ValueError(f"COCKPIT_TILE_CRS: {value!r} is not one of {', '.join(TILE_CRS)}")
    return key


def _nice(env: dict[str, str], name: str, default: int) -> int:
    value = _whole(env, name, default)
    if value > 19:
        raise ValueError(f"{name}: {value} is above 19 (a nice value is added, 0-19)")
    return value


def _percent(env: dict[str, str], name: str, default: int) -> int:
    value = _positive_int(env, name, default)
    if value > 100:
        raise ValueError(f"{name}: {value} is above 100 (a share of the time in per cent, 1-100)")
    return value


def view_max_lag(env: Mapping[str, str]) -> int:
    """``COCKPIT_VIEW_MAX_LAG``: seconds a KPI view's answer may lag behind a stream of writes
    (dashboard.services.view_cache; 0: every answer exact), 0-3600, default 5."""
    value = _whole(env, "COCKPIT_VIEW_MAX_LAG", 5)
    if value > 3600:
        raise ValueError(f"COCKPIT_VIEW_MAX_LAG: {value} is above 3600 seconds")
    return value


def default_bulk_slots() -> int:
    """Pieces of bulk work (ingest batches, background rounds) one host runs at once by
    default: half its CPUs, at least 1."""
    return max(1, (os.cpu_count() or 1) // 2)


def _positive_int(env: dict[str, str], name: str, default: int) -> int:
    """Read a positive whole number, or raise naming the variable."""
    text = env.get(name)
    if text is None or text.strip() == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a whole number") from None
    if value <= 0:
        raise ValueError(f"{name}: {value} must be positive")
    return value


BACKGROUND_MODES = ("inline", "off")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    """Read a yes/no setting (1/0, true/false, yes/no, on/off), or raise naming the variable."""
    text = (env.get(name) or "").strip().lower()
    if not text:
        return default
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name}: {text!r} is not one of {', '.join(_TRUE + _FALSE)}")


def _choice(env: dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    """Read one of ``choices`` (the first when unset), or raise naming the variable."""
    text = (env.get(name) or "").strip().lower()
    if not text:
        return choices[0]
    if text not in choices:
        raise ValueError(f"{name}: {text!r} is not one of {', '.join(choices)}")
    return text


def _whole(env: dict[str, str], name: str, default: int) -> int:
    """Read a whole number >= 0, or raise naming the variable."""
    text = env.get(name)
    if text is None or text.strip() == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name}: {text!r} is not a whole number") from None
    if value < 0:
        raise ValueError(f"{name}: {value} must not be negative")
    return value


@dataclass(frozen=True)
class Settings:
    """What a process needs to know about its environment."""

    database_url: str = field(default_factory=default_database_url)
    host: str = "127.0.0.1"
    port: int = 8050
    secret_key: str = ""
    data_dir: Path = DEFAULT_DATA_DIR
    # Seed the demo company when the database is empty at start-up (the embedded default).
    seed_demo_on_start: bool = True
    demo_reps: int = 108
    demo_days: int = 20
    # Map tiles: {z}/{x}/{y} template; "blank" serves the app's own plain tiles (no network).
    tile_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    # Datum the tiles are drawn in: wgs84 (OpenStreetMap), gcj02 (AMap, Tencent) or bd09 (Baidu);
    # stored WGS-84 coordinates are converted to it at display time.
    tile_crs: str = "wgs84"
    tile_attribution: str = "© OpenStreetMap contributors"
    # The company's home time zone: what "today" means in filters and the wall screen.
    timezone: str = "Asia/Shanghai"
    max_ingest_records: int = 10_000
    max_ingest_bytes: int = 10 * 1024 * 1024
    # Sign-in sessions (server-side): ended after this long without a request, and after this
    # long whatever the activity (a wall link's session lives until the link expires).
    session_idle_minutes: int = 120
    session_max_hours: int = 12
    # Background work (rollup refresh, judging): "inline" runs it in each web process, which
    # take turns through a database lock; "off" leaves it to `python -m dashboard worker`.
    background: str = "inline"
    # How often a process running background work looks for work nobody asked for (seconds).
    poll_seconds: int = 5
    # How many reverse proxies in front of the app may set X-Forwarded-For/-Proto/-Host: the
    # client address comes from that header only through this many hops (0: ignore them).
    trusted_proxies: int = 1
    # Redis for the long user-triggered jobs (exports) when web processes span several hosts;
    # empty: a disk cache beside the data (one host).
    redis_url: str = ""
    # How much lower than the pages the background passes (rollup refresh, judging) run: a
    # thread nice value added, 0-19 (0: the same priority).
    bulk_nice: int = 10
    # Pieces of each kind of bulk work run at once on this host, across its processes (the
    # others wait their turn): ingest batches parsed and stored; rollup refreshes; rounds of
    # judging. Each kind has its own slots, whatever the number of clients.
    bulk_slots: int = field(default_factory=default_bulk_slots)
    # Per cent of the time a background pass's judging works while this host serves pages (it
    # pauses between statements for the rest; dashboard.services.priority.pace); 100 (the
    # default): never pauses.
    bulk_duty: int = 100
    # Seconds the KPI views (overview, team charts, drill-down, digest) may lag behind a stream
    # of writes (dashboard.services.view_cache; 0: exact).
    view_max_lag: int = 5

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Build settings from environment variables (DATABASE_URL, HOST, PORT, ...)."""
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("COCKPIT_DATA_DIR", str(DEFAULT_DATA_DIR)))
        url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'cockpit.db'}"
        return cls(
            database_url=url,
            host=env.get("HOST", "127.0.0.1"),
            port=_positive_int(env, "PORT", 8050),
            secret_key=env.get("SECRET_KEY", ""),
            data_dir=data_dir,
            seed_demo_on_start=_flag(env, "COCKPIT_SEED_DEMO", True),
            demo_reps=_positive_int(env, "COCKPIT_DEMO_REPS", 108),
            demo_days=_positive_int(env, "COCKPIT_DEMO_DAYS", 20),
            tile_url=_tile_url(env.get("COCKPIT_TILE_URL") or env.get("TILE_URL") or cls.tile_url),
            tile_crs=_tile_crs(env.get("COCKPIT_TILE_CRS") or env.get("TILE_CRS") or "wgs84"),
            tile_attribution=env.get("COCKPIT_TILE_ATTRIBUTION", cls.tile_attribution),
            timezone=env.get("COCKPIT_TIMEZONE", "Asia/Shanghai"),
            session_idle_minutes=_positive_int(env, "COCKPIT_SESSION_IDLE_MINUTES", 120),
            session_max_hours=_positive_int(env, "COCKPIT_SESSION_MAX_HOURS", 12),
            max_ingest_records=_positive_int(env, "COCKPIT_MAX_INGEST_RECORDS", 10_000),
            max_ingest_bytes=_positive_int(env, "COCKPIT_MAX_INGEST_BYTES", 10 * 1024 * 1024),
            background=_choice(env, "COCKPIT_BACKGROUND", BACKGROUND_MODES),
            poll_seconds=_positive_int(env, "COCKPIT_POLL_SECONDS", 5),
            trusted_proxies=_whole(env, "COCKPIT_TRUSTED_PROXIES", 1),
            redis_url=env.get("REDIS_URL", ""),
            bulk_nice=_nice(env, "COCKPIT_BULK_NICE", 10),
            bulk_slots=_positive_int(env, "COCKPIT_BULK_SLOTS", default_bulk_slots()),
            bulk_duty=_percent(env, "COCKPIT_BULK_DUTY", 100),
            view_max_lag=view_max_lag(env),
        )
