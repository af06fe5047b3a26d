"""gunicorn's settings for the cockpit (read from the working directory by any `gunicorn
app:server`; scripts/run.sh starts it). Environment: HOST, PORT, WEB_CONCURRENCY (worker
processes; default 2 per CPU, at most 8), COCKPIT_THREADS (threads per worker; default 8),
GUNICORN_CMD_ARGS for anything else gunicorn knows (--access-logfile -, --timeout ...)."""

import os

from dashboard.settings import Settings


def _workers() -> int:
    cpus = os.cpu_count() or 1
    return int(os.environ.get("WEB_CONCURRENCY") or max(2, min(2 * cpus, 8)))


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
workers = _workers()
worker_class = "gthread"
# 8: an ingest batch or an export waits on the database and the network for most of its time;
# with 4, eight clients' batches held most of a small host's threads and the pages queued
# behind them (bench/load.py).
threads = int(os.environ.get("COCKPIT_THREADS") or 8)
# Server-side exports and first page loads of a cold worker may take a while.
timeout = 120
# Seconds a kept-alive connection waits for its next request. Browsers (and a proxy's upstream
# pool) reuse connections between a page's callbacks and between pages; gunicorn's 2 s default
# closed them between page loads, and a request sent just as one closed failed (bench/load.py).
keepalive = 5
graceful_timeout = 30
# A worker is recycled after this many requests (with jitter), bounding slow memory growth.
max_requests = 5000
max_requests_jitter = 500
errorlog = "-"
# gunicorn's control socket, one per port beside the data (a second pool on the same host, the
# /api pool for instance, would otherwise replace the first one's ~/.gunicorn/gunicorn.ctl).
_data_dir = Settings.from_env().data_dir
_data_dir.mkdir(parents=True, exist_ok=True)
control_socket = str(_data_dir / f"gunicorn-{bind.rsplit(':', 1)[1]}.ctl")


def on_starting(server):
    """In the master, before any worker exists: migrate, seed the demo company when the
    database is empty, print the demo logins."""
    from dashboard.web.startup import prepare_database

    prepare_database(Settings.from_env())


def when_ready(server):
    settings = Settings.from_env()
    server.log.info(
        "Field Visit Cockpit on http://%s (%d workers x %d threads, background work: %s)",
        bind,
        workers,
        threads,
        "in the web workers" if settings.background == "inline" else "separate worker",
    )


def post_worker_init(worker):
    """In each worker once the app is loaded: the catch-up of whatever changed while nothing
    ran, then polling for work (the workers take turns through a database lock)."""
    from dashboard.web.startup import start_background

    start_background(Settings.from_env())
