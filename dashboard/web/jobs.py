"""Long user-triggered work (server-side exports) as Dash background callbacks.

The job runs outside the request that asked for it: in a child process of the web worker
(``DiskcacheManager``, results in a disk cache under the data directory, shared by every worker
of the host), or in a Celery worker when ``REDIS_URL`` is set (results in Redis, shared by every
host; start it with ``celery -A app:celery_app worker``). Either way the page's callback keeps
its role guard: when the job is started, the manager records who asked (taken from the signed-in
request, never from the browser), and ``as_requester`` runs the job inside a request context of
the app for that user, re-read from the database (a user deactivated meanwhile gets nothing).
Cache keys include the user, so two users' identical requests never share a result.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from dash import CeleryManager, DiskcacheManager
from dash._callback_context import context_value  # the job's copy of the callback context
from dash.background_callback.managers import BaseBackgroundCallbackManager
from flask import Flask, g
from flask_login import AnonymousUserMixin

from dashboard.services import users
from dashboard.services.db import get_engine
from dashboard.settings import Settings
from dashboard.web.context import SETTINGS_KEY, current_settings, signed_in_user
from dashboard.web.signin import SessionUser

JOB_KEY = "cockpit_job"
# Servers by database key: a job (a forked child, or a Celery worker that imported app.py)
# finds the app it belongs to here.
_servers: dict[str, Flask] = {}


def database_key(url: str) -> str:
    """A short name of a database (no password in it) that jobs carry."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def register_server(server: Flask, settings: Settings) -> None:
    _servers[database_key(settings.database_url)] = server


class _AsRequester:
    """Mix-in for a manager: record the requester in the job's context; key results by user."""

    def call_job_fn(self, key, job_fn, args, context):
        user = signed_in_user()
        context = dict(context)
        context[JOB_KEY] = {
            "user": user.id if user is not None and user.role != "wall" else None,
            "db": database_key(current_settings().database_url),
        }
        return super().call_job_fn(key, job_fn, args, context)  # type: ignore[misc]

    def build_cache_key(self, fn, args, cache_args_to_ignore, triggered):
        key = super().build_cache_key(fn, args, cache_args_to_ignore, triggered)  # type: ignore[misc]
        user = signed_in_user()
        return hashlib.sha256(f"{key}:{user.id if user else '-'}".encode()).hexdigest()


class DiskJobs(_AsRequester, DiskcacheManager):
    """Jobs in child processes, results in a disk cache (one host)."""


class CeleryJobs(_AsRequester, CeleryManager):
    """Jobs in Celery workers, results in Redis (any number of hosts)."""


def make_celery(redis_url: str):
    """The Celery application of the cockpit's jobs (broker and results in Redis)."""
    from celery import Celery

    app = Celery("cockpit", broker=redis_url, backend=redis_url)
    app.conf.update(task_acks_late=False, result_expires=3600, broker_connection_retry=True)
    return app


def make_manager(settings: Settings) -> BaseBackgroundCallbackManager:
    """Celery with Redis when REDIS_URL is set, else a disk cache beside the data."""
    if settings.redis_url:
        return CeleryJobs(make_celery(settings.redis_url), expire=3600)
    import diskcache

    cache = diskcache.Cache(str(settings.data_dir / "jobs"))
    return DiskJobs(cache, expire=3600)


def celery_of(app) -> Any:
    """The Celery application behind an app's jobs (None when they run in a disk cache)."""
    manager = getattr(app, "_background_manager", None)
    return manager.handle if isinstance(manager, CeleryJobs) else None


def as_requester(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Outermost decorator of a background callback: run it as the user who asked, in a
    request context of the app (so ``guard()`` and ``current_engine()`` work as in a request)."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        job = (context_value.get() or {}).get(JOB_KEY) or {}
        server = _servers.get(job.get("db", ""))
        if server is None:
            raise RuntimeError("this job's application is not loaded in this process")
        settings: Settings = server.config[SETTINGS_KEY]
        with server.test_request_context("/_dash-update-component", method="POST"):
            user = None
            if job.get("user") is not None:
                user = users.load_user(get_engine(settings.database_url), int(job["user"]))
            g._login_user = SessionUser(user) if user is not None else AnonymousUserMixin()
            return fn(*args, **kwargs)

    return run
