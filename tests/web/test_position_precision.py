"""Issue 20, precision modes: every endpoint that hands out people's positions (the replay, the
alert evidence, the live wall, the API's exports) snaps them on the server to the viewer's
precision, and hands out the exact stored values when the precision is exact.

A walk over the responses collects every coordinate (``lat``/``lon`` pairs, map markers'
``center``, lines' ``positions``, GeoJSON ``coordinates``); each must be a cell centre of the
grid, or a shop's master position (public business data, never snapped; see the README)."""

from __future__ import annotations

import base64
import csv
import io
import json
import sys
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from dashboard import privacy
from dashboard.services import settings as settings_service
from dashboard.services import users
from dashboard.services.db import dispose_engine, get_engine
from dashboard.services.demo import DEMO_LOGINS, seed_demo
from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.conftest import FIXED_NOW
from tests.web.test_access import build_payload, server_callbacks
from tests.web_client import sign_in

PASSWORDS = {role: password for _name, role, password in DEMO_LOGINS}
UPDATE = "/_dash-update-component"
MANAGER_REGION = "reg-east"
# Map viewports (a centre or a box to frame the points) are not positions of anyone.
VIEWPORT_TYPES = {"MapContainer", "Map"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("precision")
    url = f"sqlite:///{data_dir / 'precision.db'}"
    engine = get_engine(url)
    seed_demo(engine, seed=7, reps=24, days=2, now=FIXED_NOW)
    app = create_app(
        Settings(
            database_url=url,
            data_dir=data_dir,
            seed_demo_on_start=False,
            tile_url="/tiles/blank/{z}/{x}/{y}.png",
        )
    )
    clients = {}
    for role in ("manager", "exec"):
        client = app.server.test_client()
        assert sign_in(client, role, PASSWORDS[role]).status_code == 302
        clients[role] = client
    token = users.create_token(engine, name="precision-walk", now=datetime.now(UTC), scope="read")
    with engine.connect() as conn:
        rep, day = conn.execute(
            sa.text(
                "SELECT v.rep_id, MAX(v.local_date) AS day FROM visits v "
                "JOIN reps r ON r.id = v.rep_id JOIN teams t ON t.id = r.team_id "
                "WHERE t.region_id = :g GROUP BY v.rep_id ORDER BY COUNT(*) DESC, v.rep_id LIMIT 1"
            ),
            {"g": MANAGER_REGION},
        ).one()
        alert_ids = [
            row.id
            for row in conn.execute(
                sa.text(
                    "SELECT a.id FROM alerts a JOIN reps r ON r.id = a.rep_id "
                    "JOIN teams t ON t.id = r.team_id WHERE t.region_id = :g "
                    "AND a.visit_id IS NOT NULL ORDER BY a.rule, a.id"
                ),
                {"g": MANAGER_REGION},
            )
        ]
        last_fix = conn.execute(sa.text("SELECT MAX(ts) FROM gps_fixes")).scalar_one()
        shops = [
            (float(r.lat), float(r.lon))
            for r in conn.execute(sa.text("SELECT lat, lon FROM customers"))
        ]
    # One alert of each rule with a visit (the check-in, check-out and fixes on the map).
    by_rule: dict[str, str] = {}
    with engine.connect() as conn:
        for alert_id in alert_ids:
            rule = conn.execute(
                sa.text("SELECT rule FROM alerts WHERE id = :i"), {"i": alert_id}
            ).scalar_one()
            by_rule.setdefault(rule, alert_id)
    yield {
        "app": app,
        "engine": engine,
        "clients": clients,
        "deps": server_callbacks(app, clients["exec"]),
        "token": token,
        "rep": rep,
        "day": str(day)[:10],
        "alerts": list(by_rule.values())[:8],
        "shops": np.array(shops),
        # The wall's clock: just after the demo's last fix (its reps are on the map).
        "wall_now": _aware(last_fix) + timedelta(minutes=5),
    }
    dispose_engine(url)


@pytest.fixture(autouse=True)
def wall_clock(site, monkeypatch):
    """The wall at the end of the demo's data (its last fixes are "today")."""
    # The page module as Dash loaded it (under Dash's module name, maybe more than once).
    patched = 0
    for module in list(sys.modules.values()):
        if hasattr(module, "update_wall_panels") and hasattr(module, "_now"):
            monkeypatch.setattr(module, "_now", lambda: site["wall_now"])
            patched += 1
    assert patched, "the wall's page module is not loaded"


def _aware(value: Any) -> datetime:
    stamp = datetime.fromisoformat(str(value)) if not isinstance(value, datetime) else value
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _set(site, role: str, precision: str) -> None:
    settings_service.set_value(
        site["engine"],
        f"precision_{role}",
        precision,
        actor="test",
        now=datetime.now(UTC),
        note="precision walk",
    )


# ------------------------------------------------------------------ collecting coordinates


def _numbers(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _decode(value: Any) -> Any:
    """A numpy array Dash may send as {"dtype", "bdata"} back to a list."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return value


def _pairs_of_positions(value: Any) -> list[tuple[float, float]]:
    value = _decode(value)
    if isinstance(value, list) and len(value) == 2 and all(_numbers(v) for v in value):
        return [(float(value[0]), float(value[1]))]
    if isinstance(value, list):
        return [p for item in value for p in _pairs_of_positions(item)]
    return []


def coordinates(tree: Any, out: list[tuple[float, float]] | None = None) -> list:
    """Every (lat, lon) in a JSON response (customers' own subtrees included: they are checked
    against the shops' positions)."""
    out = [] if out is None else out
    if isinstance(tree, dict):
        if tree.get("type") in VIEWPORT_TYPES:
            props = {k: v for k, v in tree.get("props", {}).items() if k != "center"}
            coordinates({**tree, "type": None, "props": props}, out)
            return out
        for key, value in tree.items():
            if key == "bounds":
                continue
            if key in ("lat",) or (isinstance(key, str) and key.endswith("_lat")):
                other = tree.get(key[:-3] + "lon")
                la, lo = _decode(value), _decode(other)
                if _numbers(la) and _numbers(lo):
                    out.append((float(la), float(lo)))
                elif isinstance(la, list) and isinstance(lo, list):
                    out.extend(
                        (float(a), float(b))
                        for a, b in zip(la, lo, strict=True)
                        if _numbers(a) and _numbers(b)
                    )
            elif key in ("center", "positions"):
                out.extend(_pairs_of_positions(value))
            elif key == "coordinates" and tree.get("type") == "Point":
                lon, lat = value
                out.append((float(lat), float(lon)))
            else:
                coordinates(value, out)
    elif isinstance(tree, list):
        for item in tree:
            coordinates(item, out)
    return out


def _is_shop(site, lat: float, lon: float) -> bool:
    shops = site["shops"]
    return bool(np.any((np.abs(shops[:, 0] - lat) < 2e-5) & (np.abs(shops[:, 1] - lon) < 2e-5)))


def people(site, points) -> list[tuple[float, float]]:
    return [p for p in points if not _is_shop(site, *p)]


# ------------------------------------------------------------------ the alert page's payloads
# (its evidence callback has ALL outputs; the same builder as tests/web/test_access_alerts.py)

ALL_PATTERN = ["ALL"]
ACTIONS = ("assign", "acknowledge", "confirm", "dismiss", "reopen")
TRIAGE_IDS = {
    "alerts-note": [{"type": "alerts-note", "name": "triage"}],
    "alerts-assignee": [{"type": "alerts-assignee", "name": "triage"}],
    "alerts-action": [{"type": "alerts-action", "action": a} for a in ACTIONS],
}
GRID_ROWS = "data-grid.selectedRows"
WIDE = {"period": "custom", "from": "2026-11-01", "to": "2026-11-27"}


def _parse_id(raw: str) -> str | dict[str, Any]:
    return json.loads(raw) if raw.startswith("{") else raw


def _key(id_: str | dict[str, Any]) -> str:
    return json.dumps(id_, sort_keys=True, separators=(",", ":")) if isinstance(id_, dict) else id_


def _label(id_: str | dict[str, Any]) -> str:
    return id_["type"] if isinstance(id_, dict) else id_


def payload(
    dep: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    all_ids: Mapping[str, list[dict[str, Any]]],
    changed: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The body dash-renderer posts. ``values`` maps "<id or type>.<prop>" to a value (for an
    ALL pattern: the list of values, one per id of ``all_ids[type]``); ``changed`` lists
    concrete "<id key>.<prop>" strings."""
    output = dep["output"]
    multi = output.startswith("..")
    parts = output[2:-2].split("...") if multi else [output]
    outputs: list[Any] = []
    for part in parts:
        raw, prop = part.rsplit(".", 1)
        id_ = _parse_id(raw)
        if isinstance(id_, dict) and ALL_PATTERN in id_.values():
            outputs.append([{"id": i, "property": prop} for i in all_ids[id_["type"]]])
        else:
            outputs.append({"id": id_, "property": prop})

    def fill(specs):
        out = []
        for spec in specs:
            id_ = _parse_id(spec["id"])
            value = values.get(f"{_label(id_)}.{spec['property']}")
            if isinstance(id_, dict) and ALL_PATTERN in id_.values():
                ids = all_ids[id_["type"]]
                vals = value if isinstance(value, list) else [None] * len(ids)
                out.append(
                    [
                        {"id": i, "property": spec["property"], "value": v}
                        for i, v in zip(ids, vals, strict=True)
                    ]
                )
            else:
                out.append({"id": id_, "property": spec["property"], "value": value})
        return out

    body = {
        "output": output,
        "outputs": outputs if multi else outputs[0],
        "inputs": fill(dep["inputs"]),
        "changedPropIds": list(changed),
    }
    if dep["state"]:
        body["state"] = fill(dep["state"])
    return body


# ------------------------------------------------------------------ the endpoints


def _post(site, who: str, name: str, values: dict, changed: tuple[str, ...]) -> Any:
    body = build_payload(site["deps"][name], values, changed=changed)
    response = site["clients"][who].post(UPDATE, json=body)
    assert response.status_code == 200, (name, response.status_code)
    return response.get_json()["response"]


def _post_body(site, who: str, body: dict) -> Any:
    response = site["clients"][who].post(UPDATE, json=body)
    assert response.status_code == 200, response.status_code
    return response.get_json()["response"]


def replay_response(site, who: str) -> Any:
    return _post(
        site,
        who,
        "load_replay",
        {"replay-query.data": {"rep": site["rep"], "day": site["day"], "t": None}},
        ("replay-query.data",),
    )


def evidence_responses(site, who: str) -> list[Any]:
    out = []
    for alert_id in site["alerts"]:
        out.append(
            _post_body(
                site,
                who,
                payload(
                    site["deps"]["render_alert_evidence"],
                    {
                        GRID_ROWS: [{"id": alert_id, "status": "open"}],
                        "alerts-refresh.data": 0,
                        "alerts-query.data": WIDE,
                    },
                    all_ids=TRIAGE_IDS,
                ),
            )
        )
    return out


def wall_response(site, who: str, privacy_mode: bool = False) -> Any:
    return _post(
        site,
        who,
        "update_wall_panels",
        {
            "wall-refresh.n_intervals": 1,
            "wall-view.data": "national",
            "wall-config.data": {"lang": "en", "privacy": privacy_mode},
        },
        ("wall-refresh.n_intervals",),
    )


def api_rows(site) -> list[dict[str, Any]]:
    client = site["clients"]["exec"]
    rows = []
    for kind in ("alerts", "expense-flags"):
        for fmt in ("jsonl", "csv"):
            response = client.get(
                f"/api/v1/{kind}?format={fmt}",
                headers={"Authorization": f"Bearer {site['token']}"},
            )
            assert response.status_code == 200
            text = response.get_data(as_text=True)
            if fmt == "jsonl":
                rows += [json.loads(line) for line in text.splitlines() if line]
            else:
                for row in csv.DictReader(io.StringIO(text)):
                    rows.append({"evidence": json.loads(row["evidence"] or "{}")})
    return [{"evidence": row["evidence"]} for row in rows]


def walk(site, who: str) -> dict[str, list[tuple[float, float]]]:
    """Every person's position each endpoint returns to ``who`` (shops left out)."""
    return {
        "replay": people(site, coordinates(replay_response(site, who))),
        "evidence": people(site, coordinates(evidence_responses(site, who))),
        "wall": people(site, coordinates(wall_response(site, who))),
    }


def _off_grid(points, precision: str) -> list[tuple[float, float]]:
    return [p for p in points if not privacy.is_snapped(*p, precision)]


# ------------------------------------------------------------------ the tests


def test_manager_at_1km_gets_only_grid_centres_from_every_endpoint(site):
    _set(site, "manager", "1km")
    try:
        found = walk(site, "manager")
    finally:
        _set(site, "manager", "exact")
    for endpoint, points in found.items():
        assert len(points) >= 3, f"{endpoint}: too few positions to check ({len(points)})"
        assert _off_grid(points, "1km") == [], endpoint


def test_manager_at_exact_gets_the_stored_values(site):
    _set(site, "manager", "exact")
    found = walk(site, "manager")
    for endpoint, points in found.items():
        assert len(points) >= 3, endpoint
        # Exact values are (almost surely) not 100 m cell centres.
        assert len(_off_grid(points, "100m")) >= len(points) * 0.9, endpoint
    with site["engine"].connect() as conn:
        visits = {
            (round(r.lat, 5), round(r.lon, 5))
            for r in conn.execute(
                sa.text("SELECT lat, lon FROM visits WHERE rep_id = :r"), {"r": site["rep"]}
            )
        }
    replay = {(round(a, 5), round(b, 5)) for a, b in found["replay"]}
    assert visits & replay, "the exact check-ins are on the replay map"


def test_reduced_pages_say_so_and_exact_ones_do_not(site):
    _set(site, "manager", "1km")
    try:
        text = json.dumps(replay_response(site, "manager"), ensure_ascii=False)
        evidence = json.dumps(evidence_responses(site, "manager"), ensure_ascii=False)
    finally:
        _set(site, "manager", "exact")
    assert "Position precision ~1 km" in text or "位置精度 约1公里" in text
    assert "position-precision" in evidence
    assert "position-precision" not in json.dumps(replay_response(site, "manager"))


def test_exec_default_is_100m_on_the_wall_and_the_exports(site):
    wall = people(site, coordinates(wall_response(site, "exec")))
    assert len(wall) >= 3
    assert _off_grid(wall, "100m") == []
    assert len(_off_grid(wall, "1km")) >= len(wall) * 0.9, "100 m, not coarser"
    exported = people(site, coordinates(api_rows(site)))
    assert len(exported) >= 3
    assert _off_grid(exported, "100m") == []


def test_exports_follow_the_exec_setting(site):
    _set(site, "exec", "1km")
    try:
        exported = people(site, coordinates(api_rows(site)))
    finally:
        _set(site, "exec", "100m")
    assert len(exported) >= 3 and _off_grid(exported, "1km") == []
    _set(site, "exec", "exact")
    try:
        exact = people(site, coordinates(api_rows(site)))
    finally:
        _set(site, "exec", "100m")
    assert len(_off_grid(exact, "100m")) >= len(exact) * 0.9


def test_the_walls_privacy_mode_stays_coarser(site):
    wall = people(site, coordinates(wall_response(site, "exec", privacy_mode=True)))
    assert len(wall) >= 3 and _off_grid(wall, "1km") == []


def test_distances_and_kpis_keep_the_exact_fixes(site):
    exact = replay_response(site, "manager")
    _set(site, "manager", "1km")
    try:
        reduced = replay_response(site, "manager")
    finally:
        _set(site, "manager", "exact")
    # The summary panel (km driven, time in store, visits) is computed from the exact fixes.
    assert json.dumps(exact["replay-summary"]) == json.dumps(reduced["replay-summary"])
