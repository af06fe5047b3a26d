"""Load benchmark: browsers on five pages and ingest clients, against gunicorn on PostgreSQL.

    .venv/bin/python bench/load.py [--reps 500] [--days 20] [--users 1,10,50] [--seconds 60]
                                   [--max-requests 20000] [--ingest-clients 8]
                                   [--ingest-batches 25] [--batch 1000] [--database NAME] [--keep]
                                   [--plans FILE] [--server-root DIR]

What it does, talking to 127.0.0.1 only, each phase bounded in time and requests, then stops:

1. A scratch PostgreSQL database (``bench_load_<random>``; ``--database`` reuses a kept one)
   with the demo company: ``python -m dashboard seed-demo --reps R --days D`` (judged), and an
   API token (``python -m dashboard create-token``).
2. The server as ``scripts/run.sh`` starts it: ``gunicorn --config gunicorn.conf.py app:server``
   (its default workers and threads; ``--web-workers``/``--threads`` override), background work
   inline in the web workers (the default).
3. Capture: headless Chromium signs in as ``exec`` and opens the overview, teams, alerts,
   finance and replay pages; the bench records every request the page sent (the page, the
   ``/_dash-layout`` and ``/_dash-dependencies`` GETs and the real ``/_dash-update-component``
   bodies) and groups the callbacks into the waves the renderer sent together
   (``_loadlib.group_waves``). The grouping follows the browser's timings, which differ from
   run to run; ``--plans FILE`` replays the capture kept in FILE instead (written by the first
   run that names it), so that runs compared with each other load the pages alike.
4. Replay with Locust (as a library, headless): N users (each signed in with its own session)
   load the pages at random, 0.5-1.5 s apart, each page as the browser did (the GETs, then each
   wave's callbacks in parallel, at most 6 connections per user). Per N: page loads/s,
   p50/p95 per callback, errors.
5. Ingest: 10 users on the overview alone (idle), then the same with ``--ingest-clients``
   clients posting up to ``--ingest-batches`` batches each (for at most ``--seconds``) of
   ``--batch`` GPS fixes and one check-in to ``/api/v1/ingest`` (reps with visits on the last
   demo day, in turn; a batch continues the rep's stored track from its newest fix, 5 s apart
   at a walk: every batch changes a rep-day). Overview callback p95 during ingest vs idle.
6. Freshness: from the ingest's last response, the overview's KPI tiles are polled every
   0.25 s until the background work is done and they hold the final figures; the time until
   they first showed (and kept) the final figures.

Targets (printed PASS/FAIL): 0 errors; N = 10: p95 of every callback <= 1 s; N = 50: page
loads/s >= 6; overview p95 during ingest <= 2x idle; KPIs fresh <= 10 s after the ingest.
Exit 0 when all pass, 1 otherwise, 2 when it could not run.

Locust is imported after gevent's monkey-patching; with urllib3 1.26 (pinned for selenium 4.2)
locust 2.47 needs ``urllib3.util.create_urllib3_context``, which 1.26 only has in
``urllib3.util.ssl_``: the bench aliases it (``_import_locust``).
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import ClassVar  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402
import gevent.pool  # noqa: E402
import gevent.queue  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import _loadlib as loadlib  # noqa: E402
from _loadlib import Captured, PagePlan, percentile, verdict  # noqa: E402


def _import_locust():
    import urllib3.util
    import urllib3.util.ssl_

    if not hasattr(urllib3.util, "create_urllib3_context"):  # urllib3 1.26
        urllib3.util.create_urllib3_context = urllib3.util.ssl_.create_urllib3_context
    import locust
    import locust.env

    return locust, locust.env


locust, locust_env = _import_locust()
from locust import FastHttpUser, between, task  # noqa: E402
from locust.exception import StopUser  # noqa: E402

USER, PASSWORD = "exec", "demo-exec-2026"
PAGES = {"overview": "/", "teams": "/teams", "alerts": "/alerts", "finance": "/finance"}
TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')
MAX_PARALLEL = 6  # a browser's connections per host
TARGET_P95_S = 1.0
TARGET_LOADS = 6.0
TARGET_INGEST_RATIO = 2.0
TARGET_FRESH_S = 10.0


# ------------------------------------------------------------------ capture (Chromium)


def capture(base: str, paths: dict[str, str]) -> dict[str, PagePlan]:
    """Open each page in headless Chromium, signed in, and record what it sent."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        opts.add_argument(arg)
    opts.add_argument("--window-size=1400,1000")
    opts.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    plans = {}
    try:
        driver.get(f"{base}/login")
        driver.find_element(By.NAME, "name").send_keys(USER)
        driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        driver.find_element(By.NAME, "password").submit()
        time.sleep(3)
        for name, path in paths.items():
            driver.get_log("performance")  # drop what came before
            driver.get(f"{base}{path}")
            plans[name] = _record(driver, base, name, path)
    finally:
        driver.quit()
    return plans


def _record(driver, base: str, name: str, path: str, quiet_s: float = 2.0) -> PagePlan:
    """Collect the page's requests until none was sent or answered for ``quiet_s``."""
    sent: dict[str, Captured] = {}
    last = time.monotonic()
    deadline = last + 60
    while time.monotonic() - last < quiet_s and time.monotonic() < deadline:
        time.sleep(0.25)
        for entry in driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            params = msg.get("params", {})
            if msg["method"] == "Network.requestWillBeSent":
                req = params["request"]
                url = req["url"]
                if not url.startswith(base):
                    continue
                rel = url[len(base) :]
                if rel.startswith(("/assets", "/vendor", "/_dash-component-suites", "/_favicon")):
                    continue
                body = req.get("postData")
                if body is None and req.get("postDataEntries"):
                    body = "".join(
                        base64.b64decode(e.get("bytes", "")).decode()
                        for e in req["postDataEntries"]
                    )
                sent[params["requestId"]] = Captured(
                    req["method"], rel, body, params["timestamp"], float("inf")
                )
                last = time.monotonic()
            elif (
                msg["method"] in ("Network.loadingFinished", "Network.loadingFailed")
                and params.get("requestId") in sent
            ):
                sent[params["requestId"]].done = params["timestamp"]
                last = time.monotonic()
    gets = [c.path for c in sent.values() if c.method == "GET"]
    calls = [
        c for c in sent.values() if c.method == "POST" and c.path.startswith(loadlib.DASH_UPDATE)
    ]
    for c in calls:
        c.path = loadlib.DASH_UPDATE  # a background callback's polling query is per job
        c.label = f"{name}: {loadlib.callback_label(c.body or '{}')}"
    return PagePlan(name, path, gets, loadlib.group_waves(calls))


# ------------------------------------------------------------------ the load (Locust)


REC = loadlib.Recorder()
GO = gevent.event.Event()
SIGNED_IN = {"n": 0}


class Browser(FastHttpUser):
    """A person on the cockpit's pages, loading them as the browser did."""

    abstract = True
    wait_time = between(0.5, 1.5)
    concurrency = MAX_PARALLEL
    plans: ClassVar[list[PagePlan]] = []

    def on_start(self) -> None:
        page = self.client.get("/login", name="sign-in")
        token = TOKEN.search(page.text or "")
        form = {"name": USER, "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
        self.client.post(
            "/login",
            data=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            name="sign-in",
        )
        SIGNED_IN["n"] += 1

    @task
    def load_page(self) -> None:
        plan = random.choice(self.plans)
        t0 = time.monotonic()
        ok = self._parallel([("GET", p, None, f"{plan.name}: GET {p}") for p in plan.gets])
        for wave in plan.waves:
            if not ok:
                break
            ok = self._parallel([("POST", c.path, c.body, c.label) for c in wave])
        self.environment.events.request.fire(
            request_type="PAGE",
            name=f"page {plan.name}",
            response_time=(time.monotonic() - t0) * 1000,
            response_length=0,
            exception=None if ok else RuntimeError("a request of the page failed"),
            context={},
        )

    def _parallel(self, calls) -> bool:
        group = gevent.pool.Group()
        jobs = [group.spawn(self._one, *c) for c in calls]
        group.join()
        return all(j.value for j in jobs)

    def _one(self, method: str, path: str, body: str | None, name: str) -> bool:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        context: dict = {}
        with self.client.request(
            method,
            path,
            data=body,
            headers=headers,
            name=name,
            catch_response=True,
            context=context,
        ) as resp:
            if resp.status_code == 0:
                # The server closed the kept-alive connection as the request left (gunicorn's
                # keepalive timeout): a browser sends the request again on a new connection.
                # This attempt is not counted (Recorder skips it), the second one is.
                context["resent"] = True
                resp.success()
                REC.retries += 1
                resp = self.client.request(method, path, data=body, headers=headers, name=name)
                return resp.status_code in (200, 204)
            if resp.status_code not in (200, 204):
                resp.failure(f"HTTP {resp.status_code}: {(resp.text or '')[:200]}")
                return False
            if method == "POST" and resp.status_code == 200:
                answer = json.loads(resp.text or "{}")
                if "cacheKey" in answer:  # a background callback: poll as the renderer does
                    return self._finish_background(path, body, answer, name)
            return True

    def _finish_background(self, path, body, answer, name) -> bool:
        query = urlencode({"cacheKey": answer["cacheKey"], "job": answer["job"]})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            gevent.sleep(0.5)
            polled = self.client.post(f"{path}?{query}", data=body, name=f"{name} (poll)")
            if polled.status_code != 200 or "response" in json.loads(polled.text or "{}"):
                return polled.status_code == 200
        return False


class Ingester(FastHttpUser):
    """An integrator posting batches of GPS fixes from a shared queue until it is empty."""

    abstract = True
    wait_time = between(0, 0)
    token = ""
    until = float("inf")
    batches: gevent.queue.Queue = gevent.queue.Queue()
    # Batches taken from the queue (posted or being posted), across the clients.
    taken: ClassVar[dict[str, int]] = {"n": 0}

    def on_start(self) -> None:
        GO.wait()

    @task
    def post_batch(self) -> None:
        if time.monotonic() > self.until:
            raise StopUser()
        try:
            body = self.batches.get_nowait()
        except gevent.queue.Empty:
            raise StopUser() from None
        self.taken["n"] += 1
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        with self.client.post(
            "/api/v1/ingest", data=body, headers=headers, name="ingest", catch_response=True
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}: {(resp.text or '')[:200]}")
        REC.last_ingest_end = time.monotonic()


def run_stage(base, user_classes, users, seconds, max_requests, until=None) -> float:
    """Run ``users`` users of ``user_classes`` for ``seconds`` (or ``max_requests`` requests,
    or until ``until()`` is true); return the measured seconds.

    The measure starts once every user started and signed in; then ``GO`` is set (the
    ingest clients wait for it)."""
    env = locust_env.Environment(user_classes=user_classes, host=base)
    env.events.request.add_listener(REC.on_request)
    runner = env.create_local_runner()
    GO.clear()
    SIGNED_IN["n"] = 0
    browsers = users - sum(getattr(c, "fixed_count", 0) for c in user_classes)
    runner.start(users, spawn_rate=max(users, 1))
    if runner.spawning_greenlet is not None:
        runner.spawning_greenlet.join()
    deadline = time.monotonic() + 120
    while SIGNED_IN["n"] < browsers and time.monotonic() < deadline:
        gevent.sleep(0.1)  # every user signed in before the measure starts
    REC.reset()
    GO.set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and REC.requests < max_requests:
        if until is not None and until():
            break
        gevent.sleep(0.2)
    elapsed = time.monotonic() - REC.started
    REC.stop()
    runner.quit()
    return elapsed


def page_classes(plans: list[PagePlan]):
    return [type("PageBrowser", (Browser,), {"plans": plans, "abstract": False})]


# ------------------------------------------------------------------ phases


def print_stage(title: str, elapsed: float) -> dict:
    loads = REC.page_loads / elapsed if elapsed else 0.0
    errors = sum(REC.errors.values())
    print(
        f"\n{title}: {elapsed:.1f} s, {REC.requests:,} requests, {REC.page_loads} page loads "
        f"({loads:.2f}/s), {errors} errors, {REC.retries} resent after a closed keep-alive"
    )
    print(f"  {'request':<58} {'n':>6} {'p50 s':>7} {'p95 s':>7} {'err':>4}")
    names = sorted(set(REC.times) | set(REC.errors))
    for name in names:
        xs = REC.times.get(name, [])
        print(
            f"  {name[:58]:<58} {len(xs):>6} {percentile(xs, 50):7.3f} "
            f"{percentile(xs, 95):7.3f} {REC.errors.get(name, 0):>4}"
        )
    for sample in REC.samples:
        print(f"  error: {sample}")
    callbacks = {
        n: percentile(xs, 95)
        for n, xs in REC.times.items()
        if not n.startswith(("page ", "sign-in", "ingest")) and ": GET " not in n
    }
    return {
        "loads": loads,
        "errors": errors,
        "p95": callbacks,
        "times": {n: list(xs) for n, xs in REC.times.items()},
    }


def ingest_bodies(url: str, clients: int, batches: int, size: int) -> list[bytes]:
    """``clients`` × ``batches`` bodies of ``size`` new GPS fixes and one check-in, each batch
    one rep's (reps with visits on the last demo day, taken in turn). A batch continues the
    rep's stored track, from its newest fix on, as a phone uploading the rest of its day would:
    fixes of the same minutes at other places would be impossible speeds (an alert per fix
    pair, the judge's and the alert queue's work swelling with every run on a kept database)."""
    import sqlalchemy as sa

    from dashboard.services.db import get_engine
    from data_access import schema

    engine = get_engine(url)
    rd, reps, cust, gps = schema.rep_days, schema.reps, schema.customers, schema.gps_fixes
    with engine.connect() as conn:
        last = conn.execute(sa.select(sa.func.max(rd.c.local_date)).where(rd.c.visits > 0)).scalar()
        rows = conn.execute(
            sa.select(reps.c.id, reps.c.device_id)
            .join(rd, rd.c.rep_id == reps.c.id)
            .where(rd.c.local_date == last, reps.c.active.is_(True))
            .order_by(reps.c.id)
        ).all()
        homes = {}
        for cid, rep_id, lat, lon in conn.execute(
            sa.select(cust.c.id, cust.c.owner_rep_id, cust.c.lat, cust.c.lon).order_by(cust.c.id)
        ):
            homes.setdefault(rep_id, (cid, lat, lon))
        # Each rep's newest fix (naive UTC, as gps_batch takes it): where and when its next
        # batch starts.
        newest = {
            rep_id: (ts.astimezone(UTC).replace(tzinfo=None), lat, lon)
            for rep_id, ts, lat, lon in conn.execute(
                sa.select(gps.c.rep_id, gps.c.ts, gps.c.lat, gps.c.lon)
                .where(gps.c.rep_id.in_([rep_id for rep_id, _device in rows]))
                .distinct(gps.c.rep_id)
                .order_by(gps.c.rep_id, gps.c.ts.desc())
            )
        }
    run = f"{int(time.time())}"
    step_s = 5
    bodies = []
    for k in range(clients * batches):
        rep_id, device = rows[k % len(rows)]
        customer, home_lat, home_lon = homes.get(rep_id, (None, 31.23, 121.47))
        ts, lat, lon = newest.get(rep_id, (None, home_lat, home_lon))
        # A rep without fixes starts at 10:00 Beijing time.
        start = (
            datetime(last.year, last.month, last.day, 2)
            if ts is None
            else ts + timedelta(seconds=step_s)
        )
        records = loadlib.gps_batch(
            rep_id=rep_id,
            device_id=device,
            start=start,
            n=size,
            tag=f"{run}-{k}",
            home=(lat, lon),
            step_s=step_s,
        )
        end = records[-1]
        newest[rep_id] = (start + timedelta(seconds=step_s * (size - 1)), end["lat"], end["lon"])
        if customer is not None:
            # One visit per batch: the overview's visit count moves with every batch.
            records.append(
                {
                    "type": "check_in",
                    "id": f"load-{run}-{k}-visit",
                    "rep_id": rep_id,
                    "device_id": device,
                    "customer_id": customer,
                    "ts": records[size // 2]["ts"],
                    "lat": home_lat,
                    "lon": home_lon,
                    "accuracy_m": 8.0,
                    "mock": False,
                }
            )
        bodies.append(json.dumps({"records": records}).encode())
    return bodies


def pending(url: str) -> bool:
    from dashboard.services.background import has_pending
    from dashboard.services.db import get_engine

    return has_pending(get_engine(url))


def tiles_of(session, base: str, call: Captured) -> str:
    resp = session.post(
        base + call.path, data=call.body, headers={"Content-Type": "application/json"}
    )
    resp.raise_for_status()
    return json.dumps(resp.json()["response"].get("overview-tiles"), sort_keys=True)


def signed_in_session(base: str):
    import requests

    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = TOKEN.search(page).group(1)
    session.post(
        f"{base}/login", data={"name": USER, "password": PASSWORD, "csrf_token": token}
    ).raise_for_status()
    return session


def measure_freshness(base: str, url: str, overview: PagePlan, before: str, timeout: float):
    """Poll the overview's KPI tiles from the ingest's last response until the background work
    is done and the tiles settled; return (seconds until fresh, changed by the ingest)."""
    call = next(c for w in overview.waves for c in w if "overview-tiles" in c.label)
    session = signed_in_session(base)
    end = REC.last_ingest_end
    samples: list[tuple[float, str]] = []
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        samples.append((time.monotonic(), tiles_of(session, base, call)))
        if not pending(url):
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since > 2.0:
                break
        else:
            idle_since = None
        gevent.sleep(0.25)
    final = samples[-1][1]
    return loadlib.freshness_seconds(samples, final, end), final != before, len(samples)


# ------------------------------------------------------------------ main


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--days", type=int, default=20)
    ap.add_argument("--users", default="1,10,50", help="user counts, comma-separated")
    ap.add_argument("--seconds", type=float, default=60, help="per stage")
    ap.add_argument("--max-requests", type=int, default=20_000, help="per stage")
    ap.add_argument("--ingest-users", type=int, default=10)
    ap.add_argument("--ingest-clients", type=int, default=8)
    ap.add_argument("--ingest-batches", type=int, default=25, help="per client, at most")
    ap.add_argument("--batch", type=int, default=1000, help="fixes per batch")
    ap.add_argument("--fresh-timeout", type=float, default=180)
    ap.add_argument("--port", type=int, default=8071)
    ap.add_argument("--web-workers", help="WEB_CONCURRENCY (default: gunicorn.conf.py's)")
    ap.add_argument("--threads", help="COCKPIT_THREADS (default: gunicorn.conf.py's)")
    ap.add_argument(
        "--job-worker",
        action="store_true",
        help="web and jobs apart: the web with COCKPIT_BACKGROUND=off and one "
        "`python -m dashboard worker` beside it on this host",
    )
    ap.add_argument(
        "--plans",
        type=Path,
        help="replay the page loads captured in this file (capture and write it when it does "
        "not exist), so that runs compared with each other, on one database, send the same "
        "callbacks in the same waves",
    )
    ap.add_argument("--admin-url", default=loadlib.DEFAULT_ADMIN_URL)
    ap.add_argument("--database", help="use this kept database (seeded) instead of a new one")
    ap.add_argument("--keep", action="store_true", help="keep the scratch database")
    ap.add_argument(
        "--server-root",
        type=Path,
        default=loadlib.ROOT,
        help="serve (and seed) from this checkout, e.g. an older commit's `git archive`, to "
        "compare before and after (default: this one)",
    )
    return ap.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    users = [int(n) for n in args.users.split(",") if n]
    print("bench/load.py: pages and ingest under load, gunicorn on PostgreSQL")
    print(f"date       {datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(
        f"python     {platform.python_version()}, {os.cpu_count()} CPUs, locust "
        f"{locust.__version__}"
    )
    print("load avg   {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    root = args.server_root.resolve()
    print(f"server     {root}")
    data_dir = Path(tempfile.mkdtemp(prefix="bench_load_"))
    if args.database:
        scratch = loadlib.Scratch.existing(args.admin_url, args.database)
    else:
        scratch = loadlib.Scratch.create(args.admin_url, "bench_load")
    server = job = None
    try:
        if not args.database:
            t0 = time.perf_counter()
            seeded = loadlib.cli(
                scratch.url,
                data_dir,
                "seed-demo",
                "--reps",
                str(args.reps),
                "--days",
                str(args.days),
                root=root,
            )
            print(
                f"seeded {scratch.name} in {time.perf_counter() - t0:.0f} s: "
                f"{seeded.splitlines()[0]}"
            )
        token = loadlib.cli(
            scratch.url, data_dir, "create-token", f"bench-{os.getpid()}", root=root
        ).strip()
        env = {
            k: v
            for k, v in (("WEB_CONCURRENCY", args.web_workers), ("COCKPIT_THREADS", args.threads))
            if v
        }
        if args.job_worker:
            env["COCKPIT_BACKGROUND"] = "off"
        server = loadlib.Server(
            scratch.url, data_dir, args.port, env, data_dir / "gunicorn.log", root=root
        )
        server.wait_ready()
        if args.job_worker:
            job = loadlib.JobWorker(scratch.url, data_dir, data_dir / "worker.log", root=root)
        base = server.base
        with open(server.log, encoding="utf-8", errors="replace") as log:
            ready = [line for line in log if "Field Visit Cockpit on" in line]
        print(ready[-1].split("] ", 2)[-1].strip() if ready else "server ready")
        return run(args, users, base, scratch.url, token)
    finally:
        if job is not None:
            job.stop()
        if server is not None:
            server.stop()
        if args.keep or args.database:
            print(f"kept database {scratch.name} (server log in {data_dir})")
        else:
            scratch.drop()
            shutil.rmtree(data_dir, ignore_errors=True)


def run(args, users: list[int], base: str, url: str, token: str) -> int:
    import sqlalchemy as sa

    from dashboard.services.db import get_engine

    with get_engine(url).connect() as conn:
        rep, day = conn.execute(
            sa.text(
                "SELECT rep_id, local_date FROM rep_days WHERE visits > 0 "
                "ORDER BY local_date DESC, rep_id LIMIT 1"
            )
        ).one()
    paths = {**PAGES, "replay": f"/replay/{rep}/{day.isoformat()}"}
    t0 = time.perf_counter()
    if args.plans and args.plans.exists():
        plans = loadlib.plans_from_json(args.plans.read_text(encoding="utf-8"))
        print(f"\nreplaying the capture in {args.plans}:")
    else:
        plans = capture(base, paths)
        print(f"\ncaptured in Chromium ({time.perf_counter() - t0:.1f} s):")
        if args.plans:
            args.plans.write_text(loadlib.plans_to_json(plans), encoding="utf-8")
    for plan in plans.values():
        print(
            f"  {plan.name:<9} {plan.path:<32} GETs {len(plan.gets)}, callbacks "
            f"{plan.callbacks()} in {len(plan.waves)} waves: "
            + " | ".join(", ".join(c.label.split(": ", 1)[1] for c in w) for w in plan.waves)
        )
    stages = {}
    classes = page_classes(list(plans.values()))
    for n in users:
        elapsed = run_stage(base, classes, n, args.seconds, args.max_requests)
        stages[n] = print_stage(f"N = {n} users, all pages", elapsed)

    # Ingest: the overview alone, idle, then with the ingest clients. Idle means no
    # background work either: what an earlier run or a restart left is done first.
    overview = plans["overview"]
    only = page_classes([overview])
    t0 = time.monotonic()
    while pending(url) and time.monotonic() - t0 < args.fresh_timeout:
        time.sleep(0.5)
    print(f"\nbackground work drained before the idle stage in {time.monotonic() - t0:.1f} s")
    elapsed = run_stage(base, only, args.ingest_users, args.seconds, args.max_requests)
    idle = print_stage(f"overview only, N = {args.ingest_users}, idle", elapsed)
    session = signed_in_session(base)
    tiles_call = next(c for w in overview.waves for c in w if "overview-tiles" in c.label)
    before = tiles_of(session, base, tiles_call)
    bodies = ingest_bodies(url, args.ingest_clients, args.ingest_batches, args.batch)
    queue = gevent.queue.Queue()
    for body in bodies:
        queue.put(body)
    ingester = type(
        "BatchIngester",
        (Ingester,),
        {
            "abstract": False,
            "token": token,
            "batches": queue,
            "taken": {"n": 0},
            "fixed_count": args.ingest_clients,
            "until": time.monotonic() + 10 + args.seconds,
        },
    )
    done = {"n": 0}

    def ingest_finished() -> bool:
        # Every batch answered, or the clients' time is up and every batch taken answered.
        done["n"] = len(REC.times.get("ingest", [])) + REC.errors.get("ingest", 0)
        if done["n"] >= len(bodies):
            return True
        return time.monotonic() > ingester.until and done["n"] >= ingester.taken["n"]

    elapsed = run_stage(
        base,
        [*only, ingester],
        args.ingest_users + args.ingest_clients,
        max(args.seconds, 600),
        10 * args.max_requests,
        until=ingest_finished,
    )
    busy = print_stage(
        f"overview only, N = {args.ingest_users}, during {args.ingest_clients} clients' ingest of "
        f"{len(bodies)} x {args.batch} fixes",
        elapsed,
    )
    fresh, changed, polls = measure_freshness(base, url, overview, before, args.fresh_timeout)

    # Verdicts.
    print("\ntargets")
    errors = sum(s["errors"] for s in stages.values()) + idle["errors"] + busy["errors"]
    results = [(f"0 errors (all stages): {errors}", errors == 0)]
    if 10 in stages:
        worst = max(stages[10]["p95"].items(), key=lambda kv: kv[1], default=("-", 0.0))
        results.append(
            (
                f"N = 10: p95 of every callback <= {TARGET_P95_S:g} s: worst {worst[1]:.2f} s "
                f"({worst[0]})",
                worst[1] <= TARGET_P95_S,
            )
        )
    if 50 in stages:
        results.append(
            (
                f"N = 50: page loads/s >= {TARGET_LOADS:g}: {stages[50]['loads']:.2f}",
                stages[50]["loads"] >= TARGET_LOADS,
            )
        )
    key = tiles_call.label
    idle_p95 = percentile(idle["times"].get(key, []), 95)
    busy_p95 = percentile(busy["times"].get(key, []), 95)
    ratio = busy_p95 / idle_p95 if idle_p95 else float("inf")
    results.append(
        (
            f"overview p95 during ingest <= {TARGET_INGEST_RATIO:g}x idle: {busy_p95:.3f} s / "
            f"{idle_p95:.3f} s = {ratio:.2f}x",
            ratio <= TARGET_INGEST_RATIO,
        )
    )
    fresh_text = "never" if fresh is None else f"{fresh:.1f} s"
    results.append(
        (
            f"KPIs fresh <= {TARGET_FRESH_S:g} s after the ingest: {fresh_text} "
            f"(tiles changed by the ingest: {'yes' if changed else 'NO'}; {polls} polls)",
            fresh is not None and fresh <= TARGET_FRESH_S and changed,
        )
    )
    for text, ok in results:
        print(f"  {verdict(ok)}  {text}")
    print("load avg after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0 if all(ok for _, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
