"""Signing in and out through the Flask test client, CSRF tokens included."""

from __future__ import annotations

import re

_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


def login_token(client, query: str = "") -> str:
    """GET the sign-in form (which sets its CSRF cookie) and return the form's token."""
    page = client.get(f"/login{query}").text
    return _TOKEN.search(page).group(1)


def sign_in(client, name: str, password: str, query: str = "", **kw):
    """POST the sign-in form as a browser would (with the form's CSRF token)."""
    token = login_token(client, query)
    data = {"name": name, "password": password, "csrf_token": token}
    return client.post(f"/login{query}", data=data, **kw)


def session_token(client) -> str:
    """The signed-in session's CSRF token (from the sign-out page)."""
    page = client.get("/logout").text
    match = _TOKEN.search(page)
    return match.group(1) if match else ""


def sign_out(client):
    """POST /logout with the session's CSRF token."""
    return client.post("/logout", data={"csrf_token": session_token(client)})


def post_prefs(client, headers=None, **fields):
    """POST /prefs with the session's CSRF token."""
    token = session_token(client)
    return client.post("/prefs", data={**fields, "csrf_token": token}, headers=headers or {})


def finish_background(client, body, response, timeout: float = 60.0):
    """Follow a Dash background callback as the browser does: the first answer names the job
    (signed cacheKey and job); poll with them until the answer holds the result."""
    import time
    from urllib.parse import urlencode

    if response.status_code != 200:
        return response
    data = response.get_json(silent=True) or {}
    if "cacheKey" not in data:
        return response
    query = urlencode({"cacheKey": data["cacheKey"], "job": data["job"]})
    deadline = time.monotonic() + timeout
    while True:
        polled = client.post(f"/_dash-update-component?{query}", json=body)
        answer = polled.get_json(silent=True) or {}
        if polled.status_code != 200 or "response" in answer or time.monotonic() > deadline:
            return polled
        time.sleep(0.1)
