"""Composition root: `app.server` is the WSGI app (gunicorn.conf.py serves it, scripts/run.sh
starts that); `python app.py` runs Flask's single-process development server."""

from __future__ import annotations

import gc
import sys

from dashboard.settings import Settings
from dashboard.web.app import create_app
from dashboard.web.jobs import celery_of
from dashboard.web.startup import prepare_database, start_background

settings = Settings.from_env()
app = create_app(settings)
server = app.server
# With REDIS_URL set, long jobs (exports) run in Celery: `celery -A app:celery_app worker`.
celery_app = celery_of(app)
# What exists now (modules, layouts, the engine) lives as long as the process: keep it out of
# the collector's full passes, which otherwise stall a request for tens of milliseconds.
gc.freeze()
# A request thread whose query has answered runs again only once the thread holding the GIL lets
# it go: by default after 5 ms of Python work. An ingest batch or a background pass computing in
# the same worker made a page's callback pay up to that at every query it sent; 1 ms shortens
# that wait (README "Web workers": measured, and how small the gain is beside the noise).
sys.setswitchinterval(0.001)


if __name__ == "__main__":
    # The development server (one process); scripts/run.sh serves with gunicorn instead.
    prepare_database(settings)
    start_background(settings)
    print(f"Field Visit Cockpit on http://{settings.host}:{settings.port}/")
    app.run(host=settings.host, port=settings.port, debug=False)
