"""Helpers of the load benches (bench/load.py, bench/workers.py) that import no locust or gevent.

Pure functions (wave grouping of a captured page load, callback labels, percentiles, the
freshness measure, GPS batches), the plan files and the request recorder are unit-tested in
tests/unit/test_bench_load.py; the process
helpers (scratch database, seeding, gunicorn as scripts/run.sh starts it) are shared by both
benches.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DASH_UPDATE = "/_dash-update-component"


# ------------------------------------------------------------------ pure helpers


@dataclass
class Captured:
    """One request a browser sent while loading a page (times in seconds, any origin)."""

    method: str
    path: str
    body: str | None
    sent: float
    done: float
    label: str = ""


@dataclass
class PagePlan:
    """What a page load sends: the page itself, the layout and dependencies, then the callback
    waves (each wave's requests sent together, the next wave once the previous one answered)."""

    name: str
    path: str
    gets: list[str] = field(default_factory=list)
    waves: list[list[Captured]] = field(default_factory=list)

    def callbacks(self) -> int:
        return sum(len(w) for w in self.waves)


def group_waves(requests: Sequence[Captured]) -> list[list[Captured]]:
    """Group callback requests into the waves a browser sent them in.

    A request joins the current wave when it was sent before any request of that wave had
    answered (the renderer fired them together); a request sent after an answer may depend on
    it, so it starts the next wave.
    """
    waves: list[list[Captured]] = []
    first_done = math.inf
    for req in sorted(requests, key=lambda r: r.sent):
        if waves and req.sent < first_done:
            waves[-1].append(req)
            first_done = min(first_done, req.done)
        else:
            waves.append([req])
            first_done = req.done
    return waves


class Recorder:
    """Every request's time by name, errors, page loads, over the current measurement."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []
        self.requests = 0
        self.page_loads = 0
        self.retries = 0
        self.started = time.monotonic()
        self.last_ingest_end = 0.0
        self.measuring = True

    def stop(self) -> None:
        """End the measurement: what is answered from now on (the stopped stage's requests in
        flight, the next stage's sign-ins and first page loads before its measure starts) is
        not counted, in this measurement or the next."""
        self.measuring = False

    def on_request(self, request_type, name, response_time, response_length, exception, **kw):
        if not self.measuring or (kw.get("context") or {}).get("resent"):
            return
        self.requests += 1
        if exception is not None:
            self.errors[name] += 1
            if len(self.samples) < 5:
                self.samples.append(f"{name}: {exception}")
            return
        self.times[name].append(response_time / 1000.0)
        if request_type == "PAGE":
            self.page_loads += 1


def plans_to_json(plans: dict[str, PagePlan]) -> str:
    """The captured page plans as JSON (``plans_from_json`` reads them back): runs to compare
    replay the same capture instead of each grouping its own browser's timings into waves."""
    return json.dumps(
        {
            name: {
                "path": plan.path,
                "gets": plan.gets,
                "waves": [[asdict(c) for c in wave] for wave in plan.waves],
            }
            for name, plan in plans.items()
        },
        indent=1,
    )


def plans_from_json(text: str) -> dict[str, PagePlan]:
    """Page plans written by ``plans_to_json``."""
    return {
        name: PagePlan(
            name,
            doc["path"],
            list(doc["gets"]),
            [[Captured(**c) for c in wave] for wave in doc["waves"]],
        )
        for name, doc in json.loads(text).items()
    }


def _output_name(output: Any) -> str:
    """``{"id": ..., "property": ...}`` → ``id.property`` (a pattern id by its name/type)."""
    cid = output.get("id")
    if isinstance(cid, dict):
        cid = cid.get("name") or cid.get("type") or json.dumps(cid, sort_keys=True)
    prop = str(output.get("property", "")).split("@", 1)[0]
    return f"{cid}.{prop}"


def callback_label(body: str) -> str:
    """A short, stable name for a ``/_dash-update-component`` request: its first output
    (``id.property``), with ``+N`` when it has N more outputs."""
    doc = json.loads(body)
    outputs = doc.get("outputs")
    if isinstance(outputs, dict):
        outputs = [outputs]
    if not outputs:
        return str(doc.get("output", "?"))[:60]
    first = _output_name(outputs[0])
    return first if len(outputs) == 1 else f"{first}+{len(outputs) - 1}"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def freshness_seconds(
    samples: Sequence[tuple[float, str]], final: str, ingest_end: float
) -> float | None:
    """Seconds from ``ingest_end`` until the polled value became ``final`` and stayed so.

    ``samples`` are (time, value) pairs in time order, taken after ``ingest_end``; None when
    the last sample is not ``final`` (never fresh within the polling).
    """
    fresh_since: float | None = None
    for at, value in samples:
        if value == final:
            if fresh_since is None:
                fresh_since = at
        else:
            fresh_since = None
    return None if fresh_since is None else max(0.0, fresh_since - ingest_end)


def gps_batch(
    *,
    rep_id: str,
    device_id: str,
    start: datetime,
    n: int,
    tag: str,
    home: tuple[float, float],
    step_s: int = 5,
) -> list[dict[str, Any]]:
    """``n`` GPS fixes of one rep, every ``step_s`` seconds from ``start`` (UTC), walking
    north-east at 1.5 m/s from ``home``; ids unique per ``tag``."""
    lat, lon = home
    # 1.5 m/s north-east: 1.06 m/s on each axis (1 degree of latitude is 111.32 km).
    dlat = 1.06 * step_s / 111_320
    dlon = dlat / max(0.1, math.cos(math.radians(lat)))
    out = []
    for i in range(n):
        ts = start + timedelta(seconds=step_s * i)
        out.append(
            {
                "type": "gps",
                "id": f"load-{tag}-{i}",
                "rep_id": rep_id,
                "device_id": device_id,
                "ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "lat": round(lat + i * dlat, 6),
                "lon": round(lon + i * dlon, 6),
                "accuracy_m": 8.0,
                "speed_mps": 1.5,
                "provider": "gps",
                "mock": False,
            }
        )
    return out


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# ------------------------------------------------------------------ processes


def venv_bin(name: str) -> str:
    """A console script of the Python running the bench (its virtual environment)."""
    return str(Path(sys.executable).with_name(name))


@dataclass
class Scratch:
    """A scratch PostgreSQL database, dropped by ``drop``."""

    admin_url: str
    name: str
    url: str

    @classmethod
    def create(cls, admin_url: str, prefix: str) -> Scratch:
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        return cls(admin_url, name, url)

    @classmethod
    def existing(cls, admin_url: str, name: str) -> Scratch:
        from sqlalchemy.engine import make_url

        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        return cls(admin_url, name, url)

    def drop(self) -> None:
        import sqlalchemy as sa

        admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        admin.dispose()


def cli(url: str, data_dir: Path, *args: str, timeout: float = 3600, root: Path = ROOT) -> str:
    """Run ``python -m dashboard ARGS`` (of the checkout ``root``) on the database; return its
    standard output."""
    env = {**os.environ, "DATABASE_URL": url, "COCKPIT_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"python -m dashboard {' '.join(args)}: {done.stderr[-2000:]}")
    return done.stdout


class Server:
    """gunicorn as scripts/run.sh starts it (``gunicorn --config gunicorn.conf.py app:server``,
    from this Python's environment, in the checkout ``root``) on 127.0.0.1:``port``; its log
    goes to ``log``."""

    def __init__(
        self,
        url: str,
        data_dir: Path,
        port: int,
        env: dict[str, str],
        log: Path,
        root: Path = ROOT,
    ):
        self.base = f"http://127.0.0.1:{port}"
        full_env = {
            **os.environ,
            "DATABASE_URL": url,
            "COCKPIT_DATA_DIR": str(data_dir),
            "COCKPIT_SEED_DEMO": "0",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            **env,
        }
        self.log = log
        self._out = open(log, "ab")  # noqa: SIM115 (open for the server's life)
        self.proc = subprocess.Popen(
            [venv_bin("gunicorn"), "--config", "gunicorn.conf.py", "app:server"],
            cwd=root,
            env=full_env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base}/login", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"gunicorn not ready within {timeout} s; see {self.log}")

    def stop(self) -> None:
        _stop(self.proc)
        self._out.close()


class JobWorker:
    """``python -m dashboard worker`` (of the checkout ``root``) on the database, with the
    data folder (host slots) of the web it runs beside; its output goes to ``log``."""

    def __init__(self, url: str, data_dir: Path, log: Path, root: Path = ROOT):
        env = {**os.environ, "DATABASE_URL": url, "COCKPIT_DATA_DIR": str(data_dir)}
        self._out = open(log, "ab")  # noqa: SIM115 (open for the worker's life)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dashboard", "worker"],
            cwd=root,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        _stop(self.proc)
        self._out.close()


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 60 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
