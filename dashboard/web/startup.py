"""What a serving process does before and after it starts answering: seed the demo company on
an empty database (once, before workers exist), then start this process's background work."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

from dashboard.services import background, demo, ingest
from dashboard.services.db import dispose_engine, get_engine
from dashboard.settings import Settings


def prepare_database(settings: Settings) -> None:
    """Migrate; seed the demo company on first start of an empty database; print the logins.

    Runs once per server (``python app.py``, or gunicorn's master before it forks workers); the
    engine it used is closed afterwards, so no worker inherits its connections.
    """
    engine = get_engine(settings.database_url)
    try:
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
            working = demo.working_demo_logins(engine)
            if working:
                print("Demo logins (user / password):")
                for name, role, password in working:
                    print(f"  {role:8s} {name} / {password}")
    finally:
        dispose_engine(settings.database_url)


def start_background(settings: Settings) -> bool:
    """Start this process's share of the background work (the catch-up of whatever changed
    while nothing ran, then polling), unless the deployment runs it in its own worker
    (``COCKPIT_BACKGROUND=off``). Return whether it was started."""
    if settings.background == "off":
        return False
    background.runner.start(settings.database_url, settings.poll_seconds)
    return True
