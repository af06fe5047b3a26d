"""Composition root: `python app.py` runs the cockpit; `app.server` is the WSGI app."""

from __future__ import annotations

import gc
import sys
from datetime import UTC, datetime

from dashboard.services import demo, ingest, rollups
from dashboard.services.db import get_engine
from dashboard.settings import Settings
from dashboard.web.app import create_app

settings = Settings.from_env()
app = create_app(settings)
server = app.server
# What exists now (modules, layouts, the engine) lives as long as the process: keep it out of
# the collector's full passes, which otherwise stall a request for tens of milliseconds.
gc.freeze()


def prepare_database(settings: Settings) -> None:
    """Seed the demo company on first start of an empty database and print the logins."""
    engine = get_engine(settings.database_url)
    if not settings.seed_demo_on_start:
        return
    if ingest.count_stored(engine)["rep"] == 0:
        print(f"Empty database at {settings.database_url}: loading the demo company.")
        result = demo.seed_demo(
            engine,
            reps=settings.demo_reps,
            days=settings.demo_days,
            now=datetime.now(UTC),
            progress=demo.terminal_progress(sys.stderr),
        )
        print(demo.describe_seed(result))
    else:
        # Judge whatever changed since the last run (or was never judged), off the start path.
        rollups.background.request(settings.database_url, lambda: datetime.now(UTC))
        working = demo.working_demo_logins(engine)
        if working:
            print("Demo logins (user / password):")
            for name, role, password in working:
                print(f"  {role:8s} {name} / {password}")


if __name__ == "__main__":
    prepare_database(settings)
    print(f"Field Visit Cockpit on http://{settings.host}:{settings.port}/")
    app.run(host=settings.host, port=settings.port, debug=False)
