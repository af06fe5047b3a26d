"""The anti-cheat centre: the alert queue in the caller's scope, one alert's evidence in context,
triage (acknowledge, confirm, dismiss, assign, reopen; single and bulk) and the rep view.

Who may do what:
- exec and finance read the queue and the evidence; they change nothing;
- a manager reads and triages the alerts of reps in their region(s);
- an admin reads and triages every alert.
An alert outside the caller's scope is treated exactly like an unknown one: it is never shown,
and any attempt to change it is refused as "not found".

Statuses follow contract §4: open → acknowledged → confirmed | dismissed. A note is required to
confirm or dismiss. Assigning (and reassigning) is possible at any non-final status. An admin may
reopen a confirmed or dismissed alert (a decision made in error must be correctable without
editing history): it goes back to ``acknowledged``, never to ``open``, so the judge (which may
delete an ``open`` alert whose condition no longer holds) never removes an alert a person has
decided on; a note is required. Every change appends one ``status_events`` row in the same
transaction as the alert update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection, Engine

from dashboard import contract
from dashboard.filters import Filters
from dashboard.rules import ALERT_RULES
from dashboard.rules import SEVERITIES as CATALOG_SEVERITIES
from dashboard.rules.catalog import CATALOG
from dashboard.rules.integrity import visit_integrity
from dashboard.services import position_privacy
from dashboard.services import quality as quality_service
from dashboard.services.users import User, scope_of
from dashboard.services.view_cache import cached
from data_access import alerts as store

# The rule catalog's alert rules (authenticity, then process rules such as FREQUENCY_MISS) and
# severities, in the order the pages list them.
RULES = ALERT_RULES
SEVERITIES = CATALOG_SEVERITIES
STATUSES = ("open", "acknowledged", "confirmed", "dismissed")
FINAL_STATUSES = frozenset({"confirmed", "dismissed"})

READ_ROLES = ("exec", "manager", "finance", "admin")
TRIAGE_ROLES = ("manager", "admin")
REOPEN_ROLES = ("admin",)

# action → (statuses it may start from, status it leads to; None = unchanged)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "acknowledge": (frozenset({"open"}), "acknowledged"),
    "confirm": (frozenset({"acknowledged"}), "confirmed"),
    "dismiss": (frozenset({"acknowledged"}), "dismissed"),
    "assign": (frozenset({"open", "acknowledged"}), None),
    "reopen": (frozenset(FINAL_STATUSES), "acknowledged"),
}
ACTIONS = tuple(TRANSITIONS)
NOTE_REQUIRED = frozenset({"confirm", "dismiss", "reopen"})
MAX_NOTE_CHARS = 2000
MAX_BULK = 500

# The queue shows at most this many rows (the counts always cover every match).
QUEUE_LIMIT = 2000
# Context of an alert on its mini map: the rep's fixes within this much of the alert's time.
FIX_WINDOW = timedelta(minutes=15)
# Device events shown around a signal gap: from this long before the gap to FIX_WINDOW after.
GAP_EVENT_LEAD = timedelta(minutes=30)
REP_VIEW_WEEKS = 12


class TriageError(ValueError):
    """A triage request was refused; ``code`` names why (for the UI), the message says it."""

    def __init__(self, code: str, message: str, **params: Any):
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class AlertQuery:
    """The page's own filter on top of the global one (empty tuple = any)."""

    rules: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


@dataclass
class BulkResult:
    """What a bulk triage did: the ids changed, and per refused id the code and the reason."""

    action: str
    changed: list[str] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)

    def refused_by_code(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for _id, code, _msg in self.refused:
            out[code] = out.get(code, 0) + 1
        return out


# ------------------------------------------------------------------ query parsing


def _values(raw: Any, allowed: Sequence[str]) -> tuple[str, ...]:
    """Comma-separated text or a list → the known values, in the allowed order."""
    if raw is None:
        return ()
    items = raw.split(",") if isinstance(raw, str) else raw
    picked = {str(item).strip() for item in items if item is not None}
    return tuple(v for v in allowed if v in picked)


def parse_alert_query(query: Mapping[str, Any] | None) -> AlertQuery:
    """Read the page's rule/severity/status filter from URL query values (unknown values are
    ignored, like any unreadable URL state)."""
    query = query or {}
    return AlertQuery(
        rules=_values(query.get("rule"), RULES),
        severities=_values(query.get("severity"), SEVERITIES),
        statuses=_values(query.get("status"), STATUSES),
    )


def _check_reader(user: User) -> None:
    if user.role not in READ_ROLES:
        raise TriageError("role", f"role {user.role!r} may not read alerts")


def _filter_kwargs(filters: Filters, aq: AlertQuery) -> dict[str, Any]:
    return {
        "start": filters.start,
        "end": filters.end,
        "region": filters.region,
        "team": filters.team,
        "rep": filters.rep,
        "rules": aq.rules,
        "severities": aq.severities,
        "statuses": aq.statuses,
    }


# ------------------------------------------------------------------ the queue


def _local_text(ts: Any, tz: str | None) -> str:
    when = pd.Timestamp(ts)
    if when.tzinfo is None:
        when = when.tz_localize(UTC)
    return when.tz_convert(contract.zone(tz or "Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


@cached
def alert_queue(
    engine: Engine, user: User, filters: Filters, aq: AlertQuery = AlertQuery()
) -> dict[str, Any]:
    """Return the alerts in the user's scope matching the filters, with their counts.

    Keys: ``alerts`` (DataFrame of ``data_access.alerts.QUEUE_COLUMNS`` plus ``ts_local``, the
    alert time in the rep's zone as text; at most ``QUEUE_LIMIT`` rows, most severe and newest
    first), ``counts`` ({"rule": {code: n}, "severity": {...}, "status": {...}} over every
    match), ``total`` and ``truncated``.
    """
    _check_reader(user)
    kw = _filter_kwargs(filters, aq)
    with engine.connect() as conn:
        frame = store.fetch_alerts(conn, scope=scope_of(user), limit=QUEUE_LIMIT + 1, **kw)
        counts = store.fetch_alert_counts(conn, scope=scope_of(user), **kw)
        precision = position_privacy.precision_in(conn, user.role)
    truncated = len(frame) > QUEUE_LIMIT
    frame = frame.iloc[:QUEUE_LIMIT].copy()
    if precision != "exact" and "evidence" in frame.columns:
        # The evidence's positions leave the server at the viewer's precision (issue 20).
        frame["evidence"] = [position_privacy.reduce(e, precision) for e in frame["evidence"]]
    frame["ts_local"] = [
        _local_text(ts, tz) for ts, tz in zip(frame["ts"], frame["timezone"], strict=True)
    ]
    total = int(counts["n"].sum()) if not counts.empty else 0
    return {
        "alerts": frame,
        "counts": {
            key: {k: int(n) for k, n in counts.groupby(key)["n"].sum().items()}
            for key in ("rule", "severity", "status")
        },
        "total": total,
        "truncated": truncated,
    }


# ------------------------------------------------------------------ one alert in context


def _parse_ts(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _evidence(alert: Mapping[str, Any]) -> dict[str, Any]:
    evidence = alert.get("evidence")
    return dict(evidence) if isinstance(evidence, Mapping) else {}


def _id_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def _context(conn: Connection, alert: dict[str, Any]) -> dict[str, Any]:
    """The records around an alert that its evidence panel shows."""
    evidence = _evidence(alert)
    rep_id, ts = alert["rep_id"], alert["ts"]
    visit = store.fetch_visit(conn, visit_id=alert["visit_id"]) if alert.get("visit_id") else None
    integrity = None
    if visit is not None:
        # Every rule fired on the visit, not only this alert's (the alert is in scope, so is it).
        score, rules = visit_integrity(
            store.fetch_visit_rules(conn, [visit["id"]]).get(visit["id"], [])
        )
        integrity = {"score": score, "rules": rules}
    customer_id = alert.get("customer_id") or (visit or {}).get("customer_id")
    customer = store.fetch_customer(conn, customer_id=customer_id) if customer_id else None
    start, end = ts - FIX_WINDOW, ts + FIX_WINDOW
    gap = None
    if alert["rule"] == "SIGNAL_GAP":
        gap_start, gap_end = (
            _parse_ts(evidence.get("gap_start")),
            _parse_ts(evidence.get("gap_end")),
        )
        if gap_start and gap_end:
            gap = {"start": gap_start, "end": gap_end}
            start, end = min(start, gap_start - FIX_WINDOW), max(end, gap_end + FIX_WINDOW)
    fixes = store.fetch_fixes(
        conn, rep_id=rep_id, start=start, end=end, ids=_id_list(evidence.get("fix_ids"))
    )
    events: list[dict[str, Any]] = []
    if gap is not None:
        events = store.fetch_device_events(
            conn, rep_id=rep_id, start=gap["start"] - GAP_EVENT_LEAD, end=gap["end"] + FIX_WINDOW
        )
    elif getattr(CATALOG.get(alert["rule"]), "device_events", False):
        events = store.fetch_device_events(conn, rep_id=rep_id, start=start, end=end)
    photo_ids = [evidence.get("photo_id"), evidence.get("matched_photo_id")]
    photos = store.fetch_photos(conn, [p for p in photo_ids if isinstance(p, str)])
    # The phone's data quality that day beside the accusation (contract §2a): a poor phone is
    # the manager's first question, and never a reason by itself.
    return {
        "device_quality": quality_service.day_quality(conn, rep_id=rep_id, day=alert["local_date"]),
        "visit": visit,
        "integrity": integrity,
        "customer": customer,
        "fixes": fixes,
        "fix_window": {"start": start, "end": end},
        "named_fix_ids": _id_list(evidence.get("fix_ids")),
        "gap": gap,
        "device_events": events,
        "photo": photos.get(evidence.get("photo_id")) if evidence.get("photo_id") else None,
        "matched_photo": (
            photos.get(evidence.get("matched_photo_id"))
            if evidence.get("matched_photo_id")
            else None
        ),
    }


def replay_link(rep_id: str, local_date: Any, ts: datetime, timezone: str | None) -> str:
    """The replay page at the alert's moment: /replay/<rep>/<date>?t=HH:MM (rep's time zone)."""
    day = local_date.isoformat() if hasattr(local_date, "isoformat") else str(local_date)
    hhmm = _local_text(ts, timezone)[11:16]
    return f"/replay/{rep_id}/{day[:10]}?t={hhmm}"


def alert_detail(engine: Engine, user: User, alert_id: str) -> dict[str, Any] | None:
    """Return one alert in the user's scope with its context, history and what the user may do
    with it; None when the alert is unknown or outside the scope.

    Keys: ``alert`` (the row, with rep/team/region names and ``ts_local``), ``context`` (visit,
    integrity (the visit's score and every rule fired on it, None without a visit), customer,
    fixes, gap, device_events, photo, matched_photo), ``history`` (status events,
    oldest first), ``replay`` (link), ``actions`` (the actions the user may take now),
    ``assignable`` (user names the alert may be assigned to).
    """
    _check_reader(user)
    if not isinstance(alert_id, str) or not alert_id:
        return None
    with engine.connect() as conn:
        alert = store.fetch_alert(conn, alert_id=alert_id, scope=scope_of(user))
        if alert is None:
            return None
        context = _context(conn, alert)
        history = store.fetch_history(conn, subject_id=alert_id)
        assignable = (
            store.fetch_assignable_users(conn, region_id=alert["region_id"])
            if user.role in TRIAGE_ROLES
            else []
        )
        precision = position_privacy.precision_in(conn, user.role)
    alert["ts_local"] = _local_text(alert["ts"], alert["timezone"])
    # Positions leave the server at the viewer's precision (issue 20): the evidence's, the
    # check-in's and check-out's, the fixes', events' and photos'; the shop's stays.
    alert["evidence"] = position_privacy.reduce(_evidence(alert), precision)
    context = position_privacy.reduce(context, precision)
    return {
        "alert": alert,
        "precision": precision,
        "context": context,
        "history": history,
        "replay": replay_link(alert["rep_id"], alert["local_date"], alert["ts"], alert["timezone"]),
        "actions": allowed_actions(user, alert["status"]),
        "assignable": assignable,
    }


def allowed_actions(user: User, status: str) -> tuple[str, ...]:
    """Return the actions a user may take on an alert of this status (in scope)."""
    if user.role not in TRIAGE_ROLES:
        return ()
    return tuple(
        action
        for action, (sources, _to) in TRANSITIONS.items()
        if status in sources and (action != "reopen" or user.role in REOPEN_ROLES)
    )


def assignable_users(engine: Engine, user: User, alert_id: str) -> list[str]:
    """Return the active managers (holding the alert's region) and admins it may go to."""
    _check_reader(user)
    with engine.connect() as conn:
        alert = store.fetch_alert(conn, alert_id=alert_id, scope=scope_of(user))
        if alert is None:
            raise TriageError("not_found", f"alert {alert_id!r} not found", alert_id=alert_id)
        return store.fetch_assignable_users(conn, region_id=alert["region_id"])


# ------------------------------------------------------------------ triage


def _clean_note(note: Any) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str):
        raise TriageError("note_type", "note: expected text")
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise TriageError(
            "note_too_long",
            f"note: {len(note)} characters, at most {MAX_NOTE_CHARS} allowed",
            limit=MAX_NOTE_CHARS,
        )
    return note or None


def _check_request(user: User, action: str, note: str | None, assignee: Any) -> None:
    """Refusals that do not depend on the alert (the same for every alert of a bulk)."""
    if action not in TRANSITIONS:
        raise TriageError(
            "unknown_action", f"action: {action!r} is not one of {', '.join(ACTIONS)}"
        )
    if user.role not in TRIAGE_ROLES:
        raise TriageError(
            "read_only", f"role {user.role!r} may read alerts but not change them", role=user.role
        )
    if action == "reopen" and user.role not in REOPEN_ROLES:
        raise TriageError("reopen_admin_only", "only an admin may reopen a decided alert")
    if action in NOTE_REQUIRED and not note:
        raise TriageError("note_required", f"note: a note is required to {action} an alert")
    if action == "assign" and (not isinstance(assignee, str) or not assignee.strip()):
        raise TriageError("assignee_required", "assignee: name the user to assign the alert to")


def _apply(
    conn: Connection,
    user: User,
    alert_id: str,
    alert: dict[str, Any] | None,
    action: str,
    note: str | None,
    assignee: str | None,
    assignable: list[str] | None,
    now: datetime,
) -> None:
    """Change one alert and append its status event (inside the caller's transaction)."""
    if alert is None:
        raise TriageError("not_found", f"alert {alert_id!r} not found", alert_id=alert_id)
    sources, target = TRANSITIONS[action]
    status = alert["status"]
    if status not in sources:
        raise TriageError(
            "bad_transition",
            f"cannot {action} an alert that is {status} "
            f"(allowed from: {', '.join(sorted(sources))})",
            status=status,
        )
    new_assignee = alert["assigned_to"]
    if action == "assign":
        if assignee == alert["assigned_to"]:
            raise TriageError(
                "already_assigned", f"alert is already assigned to {assignee}", assignee=assignee
            )
        if assignee not in (assignable or []):
            raise TriageError(
                "assignee_not_allowed",
                f"assignee: {assignee!r} is not an active manager of the alert's region "
                "or an admin",
                assignee=assignee,
            )
        new_assignee = assignee
    new_status = target or status
    if not store.update_alert_triage(
        conn,
        alert_id=alert_id,
        expected_status=status,
        expected_assignee=alert["assigned_to"],
        status=new_status,
        assigned_to=new_assignee,
        now=now,
    ):
        raise TriageError("changed_meanwhile", "the alert was changed by someone else meanwhile")
    store.insert_status_event(
        conn,
        subject_id=alert_id,
        at=now,
        actor=user.name,
        action=action,
        from_status=status,
        to_status=new_status,
        assigned_to=new_assignee,
        note=note,
    )


def triage(
    engine: Engine,
    user: User,
    alert_id: str,
    action: str,
    *,
    note: str | None = None,
    assignee: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """Apply one action to one alert in one transaction; return the alert as it is now.

    Raises ``TriageError`` (with a code and a clear message) when refused; nothing is written.
    """
    result = triage_many(engine, user, [alert_id], action, note=note, assignee=assignee, now=now)
    if result.refused:
        _id, code, message = result.refused[0]
        raise TriageError(code, message, alert_id=alert_id)
    with engine.connect() as conn:
        alert = store.fetch_alert(conn, alert_id=alert_id, scope=scope_of(user))
    assert alert is not None  # it was just changed in scope
    return alert


def triage_many(
    engine: Engine,
    user: User,
    alert_ids: Iterable[str],
    action: str,
    *,
    note: str | None = None,
    assignee: str | None = None,
    now: datetime,
) -> BulkResult:
    """Apply one action to several alerts in one transaction; report what changed and why the
    rest were refused. Refusals of the request itself (role, missing note, unknown action)
    raise ``TriageError`` instead, since they would refuse every alert alike."""
    if now.tzinfo is None:
        raise ValueError("now: expected an aware datetime")
    note = _clean_note(note)
    assignee = assignee.strip() if isinstance(assignee, str) else assignee
    _check_request(user, action, note, assignee)
    ids = list(dict.fromkeys(i for i in alert_ids if isinstance(i, str) and i))
    if not ids:
        raise TriageError("no_selection", "select at least one alert")
    if len(ids) > MAX_BULK:
        raise TriageError(
            "too_many", f"at most {MAX_BULK} alerts at once, {len(ids)} given", limit=MAX_BULK
        )
    result = BulkResult(action=action)
    with engine.begin() as conn:
        found = store.fetch_alerts_by_ids(conn, ids, scope=scope_of(user))
        assignable_by_region: dict[Any, list[str]] = {}
        for alert_id in ids:
            alert = found.get(alert_id)
            assignable = None
            if action == "assign" and alert is not None:
                region = alert["region_id"]
                if region not in assignable_by_region:
                    assignable_by_region[region] = store.fetch_assignable_users(
                        conn, region_id=region
                    )
                assignable = assignable_by_region[region]
            try:
                _apply(conn, user, alert_id, alert, action, note, assignee, assignable, now)
            except TriageError as exc:
                result.refused.append((alert_id, exc.code, str(exc)))
            else:
                result.changed.append(alert_id)
    return result


# ------------------------------------------------------------------ the rep view


def _mondays(start: date, end: date) -> list[date]:
    first = start - timedelta(days=start.weekday())
    return [first + timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]


def rep_history(
    engine: Engine, user: User, rep_id: str, *, end: date, weeks: int = REP_VIEW_WEEKS
) -> dict[str, Any] | None:
    """Return one rep's alerts per week over the ``weeks`` weeks ending with ``end``'s week,
    to see whether they get better; None when the rep is unknown or outside the scope.

    Keys: ``rep`` (rep_id, rep_name, team_name, region_name, timezone), ``by_severity`` and
    ``by_rule`` (DataFrames indexed by ``week`` = Monday, every week present, one column per
    severity in order / per rule that fired), ``start``, ``end``, ``total``.
    """
    _check_reader(user)
    if weeks < 1:
        raise ValueError("weeks: expected at least 1")
    with engine.connect() as conn:
        rep = store.fetch_rep(conn, rep_id=rep_id, scope=scope_of(user))
        if rep is None:
            return None
        start = end - timedelta(days=end.weekday()) - timedelta(weeks=weeks - 1)
        days = store.fetch_rep_alert_days(
            conn, rep_id=rep_id, scope=scope_of(user), start=start, end=end
        )
    mondays = _mondays(start, end)
    if days.empty:
        days["week"] = pd.Series(dtype="object")
    else:
        days["week"] = [
            (pd.Timestamp(d).date() - timedelta(days=pd.Timestamp(d).weekday()))
            for d in days["local_date"]
        ]

    def weekly(column: str, order: Sequence[str]) -> pd.DataFrame:
        fired = set(days[column]) if not days.empty else set()
        cols = list(order) if column == "severity" else [key for key in order if key in fired]
        if days.empty:
            table = pd.DataFrame(0, index=mondays, columns=cols)
        else:
            table = days.pivot_table(
                index="week", columns=column, values="n", aggfunc="sum", fill_value=0
            ).reindex(index=mondays, columns=cols, fill_value=0)
        table.index.name = "week"
        return table.fillna(0).astype("int64")

    return {
        "rep": rep,
        "by_severity": weekly("severity", SEVERITIES),
        "by_rule": weekly("rule", RULES),
        "start": start,
        "end": end,
        "total": int(days["n"].sum()) if not days.empty else 0,
    }
