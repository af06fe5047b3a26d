"""The organisation tree on /admin (issue 20): regions → teams → reps with their counts, and the
admin's edits of it: a rep's work hours, time zone, team and active flag, a region's or team's
name, a new team. Every change needs a reason and is appended to the org_changes trail (the
audit log shows it, before and after, who and why).

An admin's edit also leaves an override (data_access.org), so that the next ingest of the same
master record with the data the field app had before does not silently undo it; when the field
app sends a different value, its record wins again (``keep_admin_edits``, called by ingest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from dashboard import org as core
from dashboard.org import OrgError
from dashboard.services import customers
from data_access import org as store
from data_access import records
from data_access.scope import Scope

__all__ = ["Holding", "OrgError", "RepEdit", "edit_rep", "org_tree"]


def org_tree(engine: Engine) -> list[dict[str, Any]]:
    """Regions with their teams and reps: per region and team ``reps`` (count), ``active``
    (active reps) and ``customers`` (held by their reps); per rep its row with ``customers``.
    A team whose region is unknown to the table is not lost: it is listed under its region id."""
    with engine.connect() as conn:
        data = store.fetch_tree(conn)
    teams_of: dict[str, list[dict[str, Any]]] = {}
    reps_of: dict[str, list[dict[str, Any]]] = {}
    for rep in data["reps"]:
        reps_of.setdefault(rep["team_id"], []).append(rep)
    for team in data["teams"]:
        members = reps_of.get(team["id"], [])
        teams_of.setdefault(team["region_id"], []).append(
            {**team, "members": members, **_counts(members)}
        )
    regions = list(data["regions"])
    known = {r["id"] for r in regions}
    regions += [{"id": rid, "name": rid} for rid in sorted(set(teams_of) - known)]
    out = []
    for region in regions:
        teams = teams_of.get(region["id"], [])
        members = [rep for team in teams for rep in team["members"]]
        out.append({**region, "teams": teams, **_counts(members)})
    return out


def _counts(reps: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "reps": len(reps),
        "active": sum(1 for r in reps if r["active"]),
        "customers": sum(r["customers"] for r in reps),
    }


def rep_form(engine: Engine, rep_id: str) -> dict[str, Any] | None:
    """A rep's editable fields (work_start, work_end, timezone, team_id, active), or None."""
    with engine.connect() as conn:
        row = store.fetch_row(conn, "rep", str(rep_id or ""))
    if row is None:
        return None
    keys = ("id", "name", "work_start", "work_end", "timezone", "team_id", "active")
    return {k: row[k] for k in keys}


@dataclass(frozen=True)
class Holding:
    """What a rep about to be deactivated still holds (customers, open plans from their today
    on, open tasks), and where to hand it over."""

    rep_id: str
    customers: int
    plans: int
    tasks: int

    @property
    def any(self) -> bool:
        return bool(self.customers or self.plans or self.tasks)

    @property
    def handover_href(self) -> str:
        return f"/teams?rep={self.rep_id}"


@dataclass(frozen=True)
class RepEdit:
    """The result of an edit: the fields changed (before, after), or — when deactivating a rep
    who still holds something without the admin's confirmation — what they hold (nothing
    changed then)."""

    rep_id: str
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)
    holding: Holding | None = None

    @property
    def needs_confirmation(self) -> bool:
        return self.holding is not None and not self.changed


def holding_of(engine: Engine, rep_id: str, *, now: datetime) -> Holding:
    """What a rep holds (the handover's own count of it)."""
    held = customers.rep_holding(engine, Scope.everything(), rep_id=rep_id, now=now)
    return Holding(rep_id, len(held["customers"]), len(held["plans"]), len(held["tasks"]))


def edit_rep(
    engine: Engine,
    *,
    actor: str,
    rep_id: str,
    work_start: Any,
    work_end: Any,
    timezone: Any,
    team_id: Any,
    active: Any,
    reason: Any,
    now: datetime,
    confirm_deactivate: bool = False,
) -> RepEdit:
    """Change a rep's work hours, time zone, team and active flag in one transaction, each
    changed field audited (before, after, actor, reason) and kept against older ingests.

    Raises OrgError naming the field for an unknown rep or team, bad hours or time zone, a
    missing reason, or no change at all. Deactivating a rep who still holds customers, open
    plans or tasks changes nothing unless ``confirm_deactivate``: the result says what they
    hold (their customers show as orphaned once the rep is inactive).
    """
    rep_id = str(rep_id or "").strip()
    if not rep_id:
        raise OrgError("rep: pick a rep")
    hours = core.check_hours(work_start, work_end)
    zone_name = core.check_zone(timezone)
    team = str(team_id or "").strip()
    if not team:
        raise OrgError("team_id: pick the rep's team")
    wanted = {
        "work_hours": hours,
        "timezone": zone_name,
        "team_id": team,
        "active": "true" if bool(active) else "false",
    }
    why = core.check_reason(reason)
    with engine.begin() as conn:
        row = store.fetch_row(conn, "rep", rep_id, lock=True)
        if row is None:
            raise OrgError(f"rep: unknown rep {rep_id!r}")
        if store.fetch_row(conn, "team", team) is None:
            raise OrgError(f"team_id: unknown team {team!r}")
        changed = {
            name: (core.encode(name, row), value)
            for name, value in wanted.items()
            if core.encode(name, row) != value
        }
        if not changed:
            raise OrgError("rep: nothing to change (every field has its stored value)")
        if changed.get("active") == ("true", "false") and not confirm_deactivate:
            holding = holding_of(engine, rep_id, now=now)
            if holding.any:
                return RepEdit(rep_id, holding=holding)
        _apply(conn, "rep", rep_id, changed, actor=actor, reason=why, now=now)
        if "team_id" in changed:  # the rep's customers follow the team's region
            records.rederive_customer_regions(conn, rep_ids=[rep_id])
    return RepEdit(rep_id, changed=changed)


def _apply(
    conn: Connection,
    kind: str,
    record_id: str,
    changed: dict[str, tuple[str, str]],
    *,
    actor: str,
    reason: str,
    now: datetime,
) -> None:
    values: dict[str, Any] = {}
    for name, (before, after) in changed.items():
        values.update(core.decode(name, after))
        store.set_override(
            conn,
            kind=kind,
            record_id=record_id,
            field=name,
            value=after,
            base=before,
            now=now,
            by=actor,
        )
    store.update_row(conn, kind, record_id, values, now=now)
    store.append_changes(
        conn,
        [
            {
                "at": now,
                "actor": actor,
                "kind": kind,
                "record_id": record_id,
                "field": name,
                "before": before,
                "after": after,
                "reason": reason,
                "source": "admin",
            }
            for name, (before, after) in changed.items()
        ],
    )


def rename(
    engine: Engine, *, actor: str, kind: str, record_id: str, name: Any, reason: Any, now: datetime
) -> tuple[str, str]:
    """Rename a region or a team (audited, kept against older ingests); return (before, after)."""
    if kind not in ("region", "team"):
        raise OrgError(f"kind: {kind!r} is not region or team")
    new = core.check_name(name)
    why = core.check_reason(reason)
    with engine.begin() as conn:
        row = store.fetch_row(conn, kind, str(record_id or ""), lock=True)
        if row is None:
            raise OrgError(f"{kind}: unknown {kind} {record_id!r}")
        if row["name"] == new:
            raise OrgError(f"name: {kind} {row['id']!r} is already called {new!r}")
        _apply(
            conn, kind, row["id"], {"name": (row["name"], new)}, actor=actor, reason=why, now=now
        )
    return row["name"], new


def create_team(
    engine: Engine,
    *,
    actor: str,
    team_id: Any,
    name: Any,
    region_id: Any,
    reason: Any,
    now: datetime,
) -> str:
    """Add a team to a region (audited); return its id. The id follows the contract's id rule,
    so that the field app can send the same team later (its record then updates this one)."""
    new_id = core.check_record_id(team_id, "team_id")
    new_name = core.check_name(name)
    why = core.check_reason(reason)
    region = str(region_id or "").strip()
    with engine.begin() as conn:
        if store.fetch_row(conn, "region", region) is None:
            raise OrgError(f"region_id: unknown region {region!r}")
        if store.fetch_row(conn, "team", new_id) is not None:
            raise OrgError(f"team_id: team {new_id!r} already exists")
        store.insert_team(conn, team_id=new_id, name=new_name, region_id=region, now=now)
        store.append_changes(
            conn,
            [
                {
                    "at": now,
                    "actor": actor,
                    "kind": "team",
                    "record_id": new_id,
                    "field": "create",
                    "before": None,
                    "after": f"{new_name} @ {region}",
                    "reason": why,
                    "source": "admin",
                }
            ],
        )
    return new_id


def keep_admin_edits(
    conn: Connection, kind: str, rows: list[dict[str, Any]], *, now: datetime, source: str
) -> list[dict[str, Any]]:
    """Ingest's hook for master rows about to be upserted: a field an admin set keeps the
    admin's value while the field app re-sends what it had before; a changed value from the
    field app wins, its override is dropped and the trail says the ingest replaced the admin's
    value."""
    if kind not in core.EDITABLE or not rows:
        return rows
    found = store.fetch_overrides(conn, kind, (row["id"] for row in rows))
    if not found:
        return rows
    overrides = [core.Override(o["record_id"], o["field"], o["value"], o["base"]) for o in found]
    merged, superseded = core.merge_ingested(rows, overrides)
    if superseded:
        store.delete_overrides(conn, kind, ((s.record_id, s.field) for s in superseded))
        store.append_changes(
            conn,
            [
                {
                    "at": now,
                    "actor": source[:64],
                    "kind": kind,
                    "record_id": s.record_id,
                    "field": s.field,
                    "before": s.admin_value,
                    "after": s.ingested,
                    "reason": "the field app sent a newer value than the admin's edit",
                    "source": "ingest",
                }
                for s in superseded
                if s.ingested != s.admin_value
            ],
        )
    return merged
