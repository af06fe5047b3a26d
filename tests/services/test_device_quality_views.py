"""Where people meet device quality (contract §2a): the devices page in the viewer's scope, the
replay (coarse fixes apart from the track, the day's quality in the summary) and an alert's
evidence (the phone's quality that day beside the accusation)."""

from __future__ import annotations

from datetime import date

import pytest

from components import quality as quality_view
from components import replay as replay_view
from dashboard.filters import Filters
from dashboard.services import alerts, detect, ingest, quality, replay, rollups
from dashboard.services.users import User
from tests import builders as b

EXEC = User(id=1, name="boss", role="exec", regions=())
MANAGER_E = User(id=2, name="mgr-e", role="manager", regions=("reg-e",))
MANAGER_S = User(id=3, name="mgr-s", role="manager", regions=("reg-s",))
DAY = date(2026, 11, 26)
PERIOD = Filters("custom", date(2026, 11, 20), date(2026, 11, 30))


def _fixes(rep: str, device: str, *, coarse_every: int) -> list[dict]:
    out = []
    for i in range(30):
        coarse = coarse_every and i % coarse_every == 0
        out.append(
            b.gps(
                f"{rep}-f{i}",
                ts=f"2026-11-26T10:{i:02d}:00+08:00",
                rep_id=rep,
                device_id=device,
                lat=31.1881 + i * 2e-4 + (0.05 if coarse else 0.0),
                accuracy_m=2200.0 if coarse else 10.0,
                provider="network" if coarse else "gps",
            )
        )
    return out


@pytest.fixture
def world(engine, now):
    records = [
        *b.company(),
        b.region("reg-s", name="华南 South"),
        b.team("team-s", region_id="reg-s"),
        b.rep("rep-s", team_id="team-s", device_id="dev-s"),
        *_fixes("rep-1", "dev-1", coarse_every=2),  # half coarse: a poor phone
        *_fixes("rep-s", "dev-s", coarse_every=0),
        # A real cheat on the poor phone's day: a check-in 3 km from the customer.
        b.check_in("v-1", ts="2026-11-26T10:05:00+08:00", lat=31.215, lon=121.4364),
    ]
    assert not ingest.ingest_values(engine, records, source="test", now=now).rejected
    rollups.refresh_rep_days(engine, now=now)
    detect.detect(engine, now=now)
    return engine


def test_devices_panel_is_scoped_and_puts_the_poor_phone_first(world):
    everything = quality.devices_panel(world, EXEC, PERIOD)
    assert [(d["device_id"], d["rep_name"]) for d in everything["devices"]] == [
        ("dev-1", "张伟"),
        ("dev-s", "张伟"),
    ]
    assert everything["devices"][0]["coarse_share"] == 0.5
    assert everything["daily"]["dev-1|rep-1"] == [
        {"date": "2026-11-26", "coarse_share": 0.5, "coarse_jumps": 15, "cached_runs": 0, "gaps": 0}
    ]
    east = quality.devices_panel(world, MANAGER_E, PERIOD)
    assert [d["device_id"] for d in east["devices"]] == ["dev-1"]
    south = quality.devices_panel(world, MANAGER_S, PERIOD)
    assert [d["rep_id"] for d in south["devices"]] == ["rep-s"]
    # A manager naming another region's rep in the filter gets nothing.
    assert (
        quality.devices_panel(
            world, MANAGER_S, Filters("custom", PERIOD.start, PERIOD.end, rep="rep-1")
        )["devices"]
        == []
    )
    body = quality_view.devices_panel_body(east, lang="en", theme="light")
    assert "0 of 1 devices to check" in str(body)  # one day is not five working days


def test_replay_draws_coarse_fixes_apart_and_sums_up_the_days_quality(world):
    payload = replay.replay_day(world, EXEC, "rep-1", DAY)
    assert payload["status"] == "ok"
    assert len(payload["coarse"]) == 15 and all(c[3] == 2200 for c in payload["coarse"])
    # None of them is part of the drawn track, nor a jump of it.
    coarse_lats = {c[1] for c in payload["coarse"]}
    assert not coarse_lats & set(payload["track"]["lat"])
    assert payload["jumps"] == []
    (q,) = payload["summary"]["quality"]
    assert (q["device_id"], q["coarse_share"], q["coarse_jumps"], q["poor"]) == (
        "dev-1",
        0.5,
        15,
        True,
    )
    text = replay_view._quality_text(payload["summary"], "en")
    assert "50 % Coarse share" in text and "poor phone" in text
    layers = str(replay_view.map_layers(payload, lang="en", tile_url="/t", attribution=""))
    assert "replay-layer-coarse" in layers
    gcj = replay.replay_day(world, EXEC, "rep-1", DAY, tile_crs="gcj02")
    assert gcj["coarse"][0][1] != payload["coarse"][0][1]  # converted for Chinese tiles


def test_alert_evidence_shows_the_phones_quality_that_day(world):
    detail = alerts.alert_detail(world, EXEC, "GEOFENCE_MISS:v-1")
    assert detail is not None
    (q,) = detail["context"]["device_quality"]
    assert (q["device_id"], q["fixes"], q["coarse"], q["poor"]) == ("dev-1", 30, 15, True)
    # The integrity score counts the rules that fired (critical 60 + high 35), nothing of the
    # phone's quality.
    assert detail["context"]["integrity"] == {
        "score": 5,
        "rules": ["TRACK_MISMATCH", "GEOFENCE_MISS"],
    }
