"""SOP templates, their versions and step compliance (contract §7): SQLAlchemy Core only.

A template's versions live in ``sop_template_versions`` (steps as JSON) and ``sop_version_steps``
(one row per step, for SQL); ``sop_templates`` / ``sop_template_steps`` keep the current version.
A visit's ``sop_version`` is the version in force at its check-in (latest ``valid_from`` at or
before it; the first version for an older visit).

A step's outcome on a visit, in SQL as in ``dashboard.sop.step_outcomes``: ``done`` (an ok record
between check-in and first check-out), else ``failed`` (a not-ok one there), else ``late`` (records
only outside that window), else ``missing``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from data_access import schema
from data_access.facts import effective_condition
from data_access.records import chunks, copy_rows, replace_template_steps, upsert_rows
from data_access.scope import Scope, rep_conditions

tv, vs = schema.sop_template_versions, schema.sop_version_steps
v, s, r, t = schema.visits, schema.sop_steps, schema.reps, schema.teams

OUTCOMES = ("done", "failed", "late", "missing")

# ------------------------------------------------------------------ versions


def fetch_versions(
    conn: Connection, template_ids: Iterable[str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """template id → its versions (oldest first), each with name, steps, valid_from, created_at,
    source and created_by."""
    stmt = sa.select(tv).order_by(tv.c.template_id, tv.c.version)
    out: dict[str, list[dict[str, Any]]] = {}
    if template_ids is None:
        for row in conn.execute(stmt).mappings():
            out.setdefault(row["template_id"], []).append(dict(row))
        return out
    for chunk in chunks(sorted(set(template_ids)), 1000):
        for row in conn.execute(stmt.where(tv.c.template_id.in_(chunk))).mappings():
            out.setdefault(row["template_id"], []).append(dict(row))
    return out


def fetch_step_labels(conn: Connection) -> dict[tuple[str, int, int], tuple[Any, Any]]:
    """(template id, version, seq) → (label_zh, label_en) of every stored step."""
    vs = schema.sop_version_steps
    stmt = sa.select(vs.c.template_id, vs.c.version, vs.c.seq, vs.c.label_zh, vs.c.label_en)
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in conn.execute(stmt)}


def fetch_current_versions(conn: Connection) -> list[dict[str, Any]]:
    """The newest version of every template, by template id."""
    latest = (
        sa.select(tv.c.template_id, sa.func.max(tv.c.version).label("version"))
        .group_by(tv.c.template_id)
        .subquery()
    )
    stmt = (
        sa.select(tv)
        .join(
            latest,
            sa.and_(latest.c.template_id == tv.c.template_id, latest.c.version == tv.c.version),
        )
        .order_by(tv.c.template_id)
    )
    return [dict(row) for row in conn.execute(stmt).mappings()]


def add_version(
    conn: Connection,
    *,
    template_id: str,
    name: str,
    steps: Sequence[Mapping[str, Any]],
    valid_from: datetime,
    now: datetime,
    source: str,
    created_by: str | None = None,
) -> int:
    """Store a new version of a template (its steps complete, see ``dashboard.sop``) and make it
    the template's current steps; return its number."""
    current = conn.execute(
        sa.select(sa.func.max(tv.c.version)).where(tv.c.template_id == template_id)
    ).scalar()
    version = (current or 0) + 1
    conn.execute(
        tv.insert().values(
            template_id=template_id,
            version=version,
            name=name,
            steps=[dict(step) for step in steps],
            valid_from=valid_from,
            created_at=now,
            source=source,
            created_by=created_by,
        )
    )
    conn.execute(
        vs.insert(),
        [
            {"template_id": template_id, "version": version, "seq": seq, **dict(step)}
            for seq, step in enumerate(steps)
        ],
    )
    row = {"id": template_id, "name": name, "steps": [dict(x) for x in steps], "updated_at": now}
    upsert_rows(conn, schema.sop_templates, [row])
    replace_template_steps(conn, [row])
    return version


def rename_template(conn: Connection, *, template_id: str, name: str, now: datetime) -> None:
    """Give the template (and its current version) a new name without a new version."""
    conn.execute(
        schema.sop_templates.update()
        .where(schema.sop_templates.c.id == template_id)
        .values(name=name, updated_at=now)
    )
    latest = sa.select(sa.func.max(tv.c.version)).where(tv.c.template_id == template_id)
    conn.execute(
        tv.update()
        .where(tv.c.template_id == template_id, tv.c.version == latest.scalar_subquery())
        .values(name=name)
    )


def assign_visit_versions(conn: Connection, template_ids: Iterable[str]) -> set[tuple[str, date]]:
    """Set every visit of the templates to the version in force at its check-in; return the
    (rep_id, local_date) of the visits whose version changed (to be judged again)."""
    changed: set[tuple[str, date]] = set()
    for template_id, versions in fetch_versions(conn, template_ids).items():
        ordered = sorted(versions, key=lambda x: (x["valid_from"], x["version"]))
        for i, ver in enumerate(ordered):
            conds = [v.c.sop_template_id == template_id]
            if i > 0:
                conds.append(v.c.ts >= ver["valid_from"])
            if i + 1 < len(ordered):
                conds.append(v.c.ts < ordered[i + 1]["valid_from"])
            differs = sa.or_(v.c.sop_version.is_(None), v.c.sop_version != ver["version"])
            rows = conn.execute(
                sa.select(v.c.rep_id, v.c.local_date).distinct().where(*conds, differs)
            ).all()
            if rows:
                changed.update((row[0], row[1]) for row in rows)
                conn.execute(v.update().where(*conds, differs).values(sop_version=ver["version"]))
    return changed


# ------------------------------------------------------------------ the judge's read


def fetch_visit_sop(
    conn: Connection, visit_ids: Sequence[str], *, min_dwell_s: float
) -> list[dict[str, Any]]:
    """Per visit with a template: template_id, version, template name, its steps, check-in and
    first check-out times, whether it is effective, and its step records (code, ts, ok)."""
    out = []
    for chunk in chunks(sorted(set(visit_ids)), 2000):
        stmt = (
            sa.select(
                v.c.id,
                v.c.sop_template_id,
                v.c.sop_version,
                v.c.ts,
                v.c.checked_out_at,
                effective_condition(v, min_dwell_s).label("effective"),
                tv.c.name,
                tv.c.steps,
            )
            .join(
                tv,
                sa.and_(tv.c.template_id == v.c.sop_template_id, tv.c.version == v.c.sop_version),
            )
            .where(v.c.id.in_(chunk))
        )
        visits = {row["id"]: dict(row) | {"records": []} for row in conn.execute(stmt).mappings()}
        if not visits:
            continue
        steps = sa.select(s.c.visit_id, s.c.step, s.c.ts, s.c.ok).where(
            s.c.visit_id.in_(sorted(visits))
        )
        for row in conn.execute(steps):
            visits[row[0]]["records"].append((row[1], row[2], bool(row[3])))
        out += [visits[k] | {"effective": bool(visits[k]["effective"])} for k in sorted(visits)]
    return out


# ------------------------------------------------------------------ the /sop page


def _filtered_visits(
    *,
    scope: Scope,
    start: date,
    end: date,
    template_id: str | None,
    region: str | None,
    team: str | None,
    rep: str | None,
    ids: Sequence[str] | None = None,
) -> sa.CTE:
    conds = [
        v.c.local_date >= start,
        v.c.local_date <= end,
        v.c.sop_template_id.is_not(None),
        v.c.sop_version.is_not(None),
        *rep_conditions(scope, region=region, team=team, rep=rep),
    ]
    if template_id:
        conds.append(v.c.sop_template_id == template_id)
    if ids is not None:
        conds.append(v.c.id.in_(ids))
    return (
        sa.select(
            v.c.id,
            v.c.rep_id,
            r.c.team_id,
            v.c.customer_id,
            v.c.ts,
            v.c.local_date,
            v.c.checked_out_at,
            v.c.sop_template_id.label("template_id"),
            v.c.sop_version.label("version"),
        )
        .select_from(v.join(r, r.c.id == v.c.rep_id).join(t, t.c.id == r.c.team_id))
        .where(*conds)
        .cte("fv")
    )


def _step_agg(fv: sa.CTE) -> sa.Subquery:
    """Per (visit, code) of the filtered visits: done, failed (in the window), first in-window
    ts."""
    in_window = sa.and_(
        s.c.ts >= fv.c.ts, sa.or_(fv.c.checked_out_at.is_(None), s.c.ts <= fv.c.checked_out_at)
    )
    return (
        sa.select(
            s.c.visit_id,
            s.c.step.label("code"),
            sa.func.max(sa.case((sa.and_(in_window, s.c.ok.is_(True)), 1), else_=0)).label("done"),
            sa.func.max(sa.case((sa.and_(in_window, s.c.ok.is_(False)), 1), else_=0)).label(
                "failed"
            ),
            sa.func.min(sa.case((in_window, s.c.ts), else_=None)).label("first_ts"),
        )
        .select_from(s.join(fv, fv.c.id == s.c.visit_id))
        .group_by(s.c.visit_id, s.c.step)
        .subquery("agg")
    )


def _outcome_rows(fv: sa.CTE) -> sa.Subquery:
    """One row per (filtered visit, step of its version) with the step's outcome."""
    agg = _step_agg(fv)
    outcome = sa.case(
        (agg.c.done == 1, "done"),
        (agg.c.failed == 1, "failed"),
        (agg.c.visit_id.is_not(None), "late"),
        else_="missing",
    )
    return (
        sa.select(
            fv.c.id.label("visit_id"),
            fv.c.ts,
            fv.c.rep_id,
            fv.c.team_id,
            fv.c.template_id,
            fv.c.version,
            vs.c.seq,
            vs.c.code,
            vs.c.required,
            outcome.label("outcome"),
        )
        .select_from(
            fv.join(
                vs, sa.and_(vs.c.template_id == fv.c.template_id, vs.c.version == fv.c.version)
            ).outerjoin(agg, sa.and_(agg.c.visit_id == fv.c.id, agg.c.code == vs.c.code))
        )
        .subquery("oc")
    )


def _count(oc: sa.Subquery, outcome: str) -> sa.ColumnElement[Any]:
    return sa.func.sum(sa.case((oc.c.outcome == outcome, 1), else_=0)).label(outcome)


def fetch_step_outcomes(conn: Connection, **filters: Any) -> list[dict[str, Any]]:
    """The raw computation (the reference the rollup is tested against; the page reads
    ``fetch_rollup_steps`` / ``fetch_rollup_reps``). Per rep (with its team), template, version
    and step: visits, and how many were done /
    failed / late / missing; one pass that the funnel and the teams' and reps' figures are summed
    from. Filters: scope, start, end, template_id, region, team, rep."""
    oc = _outcome_rows(_filtered_visits(**filters))
    keys = (
        oc.c.rep_id,
        oc.c.team_id,
        oc.c.template_id,
        oc.c.version,
        oc.c.seq,
        oc.c.code,
        oc.c.required,
    )
    stmt = sa.select(*keys, sa.func.count().label("visits"), *(_count(oc, o) for o in OUTCOMES))
    return [dict(row) for row in conn.execute(stmt.group_by(*keys)).mappings()]


def _seconds_between(conn: Connection, later: Any, earlier: Any) -> sa.ColumnElement[float]:
    if conn.dialect.name == "postgresql":
        return sa.func.extract("epoch", later - earlier)
    # julianday carries ~0.1 ms of float noise: round to the millisecond the times are kept at.
    return sa.func.round((sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0, 3)


def fetch_step_seconds(conn: Connection, **filters: Any) -> list[dict[str, Any]]:
    """The raw computation (the reference of the rollup's timing). Per template, version and
    step: the median seconds the step took (from the visit's
    previous step, or the check-in), its minimum, and how many visits did it faster than that."""
    fv = _filtered_visits(**filters)
    agg = _step_agg(fv)
    timed = (
        sa.select(
            fv.c.template_id,
            fv.c.version,
            agg.c.code,
            _seconds_between(
                conn,
                agg.c.first_ts,
                sa.func.coalesce(
                    sa.func.lag(agg.c.first_ts).over(
                        partition_by=agg.c.visit_id, order_by=(agg.c.first_ts, agg.c.code)
                    ),
                    fv.c.ts,
                ),
            ).label("seconds"),
        )
        .select_from(agg.join(fv, fv.c.id == agg.c.visit_id))
        .where(agg.c.first_ts.is_not(None))
        .subquery("timed")
    )
    keys = (timed.c.template_id, timed.c.version, timed.c.code)
    joined = timed.join(
        vs,
        sa.and_(
            vs.c.template_id == timed.c.template_id,
            vs.c.version == timed.c.version,
            vs.c.code == timed.c.code,
        ),
    )
    too_fast = sa.func.sum(
        sa.case(
            (sa.and_(vs.c.min_seconds.is_not(None), timed.c.seconds < vs.c.min_seconds), 1),
            else_=0,
        )
    ).label("too_fast")
    if conn.dialect.name == "postgresql":
        median = sa.func.percentile_cont(0.5).within_group(timed.c.seconds).label("median_s")
        stmt = (
            sa.select(*keys, vs.c.seq, vs.c.min_seconds, sa.func.count().label("n"))
            .add_columns(median, too_fast)
            .select_from(joined)
            .group_by(*keys, vs.c.seq, vs.c.min_seconds)
        )
        return [dict(row) for row in conn.execute(stmt).mappings()]
    # SQLite has no median: the seconds are read and the service takes their median.
    stmt = sa.select(*keys, vs.c.seq, vs.c.min_seconds, timed.c.seconds).select_from(joined)
    return [dict(row) for row in conn.execute(stmt).mappings()]


def fetch_incomplete_visits(
    conn: Connection, *, limit: int = 500, **filters: Any
) -> list[dict[str, Any]]:
    """The raw computation over the whole period (the reference of
    ``fetch_newest_incomplete_visits``). The visits with a required step missing or late, newest
    first, each with its rep, customer, check-in time, local date, template, version and the
    missing and late codes (in order)."""
    oc = _outcome_rows(_filtered_visits(**filters))
    gap = sa.and_(oc.c.required.is_(True), oc.c.outcome.in_(("missing", "late")))
    # The gaps in one pass, newest visit first (a join back to the visits' rows sent the
    # planner into a nested loop over the aggregate); the newest ``limit`` visits are kept.
    stmt = (
        sa.select(oc.c.visit_id, oc.c.code, oc.c.outcome)
        .where(gap)
        .order_by(oc.c.ts.desc(), oc.c.visit_id, oc.c.seq)
    )
    by_id: dict[str, dict[str, list[str]]] = {}
    for visit_id, code, outcome in conn.execute(stmt):
        if visit_id not in by_id:
            if len(by_id) >= limit:
                break
            by_id[visit_id] = {"missing": [], "late": []}
        by_id[visit_id][outcome].append(code)
    return _visit_heads(conn, by_id)


def _visit_heads(conn: Connection, by_id: Mapping[str, Mapping[str, list[str]]]) -> list[dict]:
    """The grid's row of each visit (with its missing and late codes), newest first."""
    if not by_id:
        return []
    c = schema.customers
    head = (
        sa.select(
            v.c.id,
            v.c.rep_id,
            r.c.name.label("rep_name"),
            r.c.timezone,
            r.c.team_id,
            v.c.customer_id,
            c.c.name.label("customer_name"),
            v.c.ts,
            v.c.local_date,
            v.c.sop_template_id.label("template_id"),
            v.c.sop_version.label("version"),
        )
        .select_from(v.join(r, r.c.id == v.c.rep_id).join(c, c.c.id == v.c.customer_id))
        .where(v.c.id.in_(sorted(by_id)))
        .order_by(v.c.ts.desc(), v.c.id)
    )
    return [dict(row) | by_id[row["id"]] for row in conn.execute(head).mappings()]


def fetch_templates_in_use(conn: Connection) -> list[dict[str, Any]]:
    """Every template: id, name (for the page's template choice)."""
    st = schema.sop_templates
    stmt = sa.select(st.c.id, st.c.name).order_by(st.c.name, st.c.id)
    return [dict(row) for row in conn.execute(stmt).mappings()]


def fetch_version_steps(conn: Connection, template_id: str) -> list[dict[str, Any]]:
    """The steps of every version of a template, by version and order."""
    stmt = sa.select(vs).where(vs.c.template_id == template_id).order_by(vs.c.version, vs.c.seq)
    return [dict(row) for row in conn.execute(stmt).mappings()]


def fetch_names(conn: Connection, *, by: str, keys: Sequence[str]) -> dict[str, str]:
    """Rep (``by="rep"``) or team id → name, for the given ids."""
    table = r if by == "rep" else t
    out: dict[str, str] = {}
    for chunk in chunks(sorted(set(keys)), 1000):
        stmt = sa.select(table.c.id, table.c.name).where(table.c.id.in_(chunk))
        out.update({row[0]: row[1] for row in conn.execute(stmt)})
    return out


# ------------------------------------------------------------------ the SOP rollup

sr, srw, gv = schema.sop_rollup, schema.sop_rollup_weeks, schema.sop_gap_visits
ROLLUP_COUNTS = ("visits", "done", "failed", "late", "missing", "gaps", "timed", "too_fast")
TIMING_COLUMNS = tuple(f"t{i:02d}" for i in range(schema.SOP_TIMING_BUCKETS))


def _by_date(keys: Iterable[tuple[str, date]]) -> dict[date, list[str]]:
    out: dict[date, list[str]] = {}
    for rep, day in set(keys):
        out.setdefault(day, []).append(rep)
    return out


def fetch_rollup_inputs(
    conn: Connection, keys: Iterable[tuple[str, date]]
) -> tuple[list[dict[str, Any]], dict[str, list[tuple[str, datetime, bool]]], dict[tuple, list]]:
    """What the SOP rollup of the (rep_id, local_date) keys is computed from, read through the
    indexes: the keys' visits with a template version (id, rep_id, local_date, ts,
    checked_out_at, template_id, version), each visit's step records (visit id → [(code, ts,
    ok)]), and the steps of the versions they use ((template_id, version) → rows of
    ``sop_version_steps`` in order)."""
    visits: list[dict[str, Any]] = []
    for day, reps in sorted(_by_date(keys).items()):
        for chunk in chunks(sorted(reps), 500):
            stmt = sa.select(
                v.c.id,
                v.c.rep_id,
                v.c.local_date,
                v.c.ts,
                v.c.checked_out_at,
                v.c.sop_template_id.label("template_id"),
                v.c.sop_version.label("version"),
            ).where(
                v.c.local_date == day,
                v.c.rep_id.in_(chunk),
                v.c.sop_template_id.is_not(None),
                v.c.sop_version.is_not(None),
            )
            visits += [dict(row) for row in conn.execute(stmt).mappings()]
    records: dict[str, list[tuple[str, datetime, bool]]] = {}
    for chunk in chunks(sorted(x["id"] for x in visits), 2000):
        stmt = sa.select(s.c.visit_id, s.c.step, s.c.ts, s.c.ok).where(s.c.visit_id.in_(chunk))
        for row in conn.execute(stmt):
            records.setdefault(row[0], []).append((row[1], row[2], bool(row[3])))
    versions: dict[tuple, list] = {}
    used = {(x["template_id"], x["version"]) for x in visits}
    for template_id in sorted({u[0] for u in used}):
        stmt = sa.select(vs).where(vs.c.template_id == template_id).order_by(vs.c.version, vs.c.seq)
        for row in conn.execute(stmt).mappings():
            if (row["template_id"], row["version"]) in used:
                versions.setdefault((row["template_id"], row["version"]), []).append(dict(row))
    return visits, records, versions


def monday(day: date) -> date:
    """The Monday of the day's ISO week (the key of ``sop_rollup_weeks``)."""
    return day - timedelta(days=day.weekday())


def replace_rollup(
    conn: Connection,
    keys: Iterable[tuple[str, date]],
    rows: Sequence[Mapping[str, Any]],
    gap_visits: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Replace the SOP rollup rows and the gap visits of the (rep_id, local_date) keys by
    ``rows`` and ``gap_visits`` (``dashboard.sop.rollup``; a day may lose some), then rewrite
    the weekly sums of those reps' weeks from the daily rows. Called after the rep-days' own
    rows were updated in the same transaction, so a concurrent writer of the same days waits on
    those rows' locks first."""
    keys = set(keys)
    for day, reps in sorted(_by_date(keys).items()):
        for chunk in chunks(sorted(reps), 500):
            conn.execute(sr.delete().where(sr.c.local_date == day, sr.c.rep_id.in_(chunk)))
            conn.execute(gv.delete().where(gv.c.local_date == day, gv.c.rep_id.in_(chunk)))
    copy_rows(conn, sr, sorted(rows, key=lambda x: (x["local_date"], x["rep_id"])))
    copy_rows(
        conn,
        gv,
        [
            {**row, "missing": json.dumps(row["missing"]), "late": json.dumps(row["late"])}
            for row in sorted(gap_visits, key=lambda x: x["visit_id"])
        ],
    )
    weeks: dict[date, set[str]] = {}
    for rep, day in keys:
        weeks.setdefault(monday(day), set()).add(rep)
    sums = [sa.func.sum(sr.c[name]) for name in (*ROLLUP_COUNTS, *TIMING_COLUMNS)]
    group = (sr.c.rep_id, sr.c.template_id, sr.c.version, sr.c.seq, sr.c.code, sr.c.required)
    columns = ["week", "rep_id", "template_id", "version", "seq", "code", "required"]
    for week, reps in sorted(weeks.items()):
        for chunk in chunks(sorted(reps), 500):
            conn.execute(srw.delete().where(srw.c.week == week, srw.c.rep_id.in_(chunk)))
            summed = (
                sa.select(sa.literal(week, sa.Date).label("week"), *group, *sums)
                .where(
                    sr.c.local_date >= week,
                    sr.c.local_date <= week + timedelta(days=6),
                    sr.c.rep_id.in_(chunk),
                )
                .group_by(*group)
            )
            conn.execute(
                srw.insert().from_select([*columns, *ROLLUP_COUNTS, *TIMING_COLUMNS], summed)
            )


def _period_parts(
    *,
    scope: Scope,
    start: date,
    end: date,
    template_id: str | None,
    region: str | None,
    team: str | None,
    rep: str | None,
) -> tuple[list[tuple[sa.Table, list[sa.ColumnElement[bool]]]], list[sa.ColumnElement[bool]]]:
    """Where the period's rollup rows are: its whole ISO weeks in ``sop_rollup_weeks``, the
    days before and after them in ``sop_rollup`` — as (table, conditions) parts, each summed on
    its own (no sort of a union); and the conditions on reps joined to teams."""
    first = monday(start) if start.weekday() == 0 else monday(start) + timedelta(days=7)
    last = monday(end + timedelta(days=1)) - timedelta(days=7)  # the last whole week's Monday

    def part(table: sa.Table, lo: date, hi: date) -> tuple[sa.Table, list]:
        day = table.c.local_date if table is sr else table.c.week
        conds = [day >= lo, day <= hi]
        if template_id:
            conds.append(table.c.template_id == template_id)
        return table, conds

    if first > last:
        parts = [part(sr, start, end)]
    else:
        parts = [part(srw, first, last)]
        if start < first:
            parts.append(part(sr, start, first - timedelta(days=1)))
        if end > last + timedelta(days=6):
            parts.append(part(sr, last + timedelta(days=7), end))
    return parts, rep_conditions(scope, region=region, team=team, rep=rep)


def _in_scope(table: sa.Table, rep_conds: list) -> list[sa.ColumnElement[bool]]:
    """The rollup's rows of the reps in scope and filter (none: every rep)."""
    if not rep_conds:
        return []
    reps = sa.select(r.c.id).select_from(r.join(t, t.c.id == r.c.team_id)).where(*rep_conds)
    return [table.c.rep_id.in_(reps)]


def fetch_rollup_steps(conn: Connection, **filters: Any) -> list[dict[str, Any]]:
    """Per template, version and step (seq, code, required): the sums of the rollup's counts
    and timing buckets over the filter (scope, start, end, template_id, region, team, rep)."""
    parts, rep_conds = _period_parts(**filters)
    names = (*ROLLUP_COUNTS, *TIMING_COLUMNS)
    out: dict[tuple, dict[str, Any]] = {}
    for table, conds in parts:
        keys = (table.c.template_id, table.c.version, table.c.seq, table.c.code, table.c.required)
        sums = [sa.func.sum(table.c[name]).label(name) for name in names]
        stmt = sa.select(*keys, *sums).where(*conds, *_in_scope(table, rep_conds)).group_by(*keys)
        for row in conn.execute(stmt).mappings():
            key = (row["template_id"], row["version"], row["seq"], row["code"], row["required"])
            total = out.get(key)
            if total is None:
                out[key] = dict(row)
            else:
                for name in names:
                    total[name] += row[name]
    return list(out.values())


def fetch_rollup_reps(conn: Connection, **filters: Any) -> list[dict[str, Any]]:
    """Per rep (with its current team): visits (counted on their version's first step), the
    required steps, those done and those missing or late (gaps), over the filter."""
    parts, rep_conds = _period_parts(**filters)
    names = ("visits", "required", "done", "gaps")
    out: dict[str, dict[str, Any]] = {}
    for table, conds in parts:
        required = table.c.required.is_(True)
        per_rep = (
            sa.select(
                table.c.rep_id,
                sa.func.sum(sa.case((table.c.seq == 0, table.c.visits), else_=0)).label("visits"),
                sa.func.sum(sa.case((required, table.c.visits), else_=0)).label("required"),
                sa.func.sum(sa.case((required, table.c.done), else_=0)).label("done"),
                sa.func.sum(table.c.gaps).label("gaps"),
            )
            .where(*conds)
            .group_by(table.c.rep_id)
            .subquery("per_rep")
        )
        # Summed first, then joined to the reps (their team, the scope): a join per rep.
        stmt = (
            sa.select(per_rep, r.c.team_id)
            .select_from(per_rep.join(r, r.c.id == per_rep.c.rep_id).join(t, t.c.id == r.c.team_id))
            .where(*rep_conds)
        )
        for row in conn.execute(stmt).mappings():
            total = out.get(row["rep_id"])
            if total is None:
                out[row["rep_id"]] = dict(row)
            else:
                for name in names:
                    total[name] += row[name]
    return list(out.values())


def fetch_version_step_minimums(conn: Connection) -> dict[tuple[str, int, int], Any]:
    """(template id, version, seq) → the step's minimum seconds (None: no minimum)."""
    stmt = sa.select(vs.c.template_id, vs.c.version, vs.c.seq, vs.c.min_seconds)
    return {(row[0], row[1], row[2]): row[3] for row in conn.execute(stmt)}


def fetch_newest_incomplete_visits(
    conn: Connection, *, limit: int = 500, **filters: Any
) -> list[dict[str, Any]]:
    """``fetch_incomplete_visits`` from the rollup's gap visits (``sop_gap_visits``, written
    with the SOP rollup of each rep-day) instead of the outcomes of the period's raw steps: the
    newest ``limit`` visits of the filter with a required step missing or late, read newest
    first through the index on ``ts``; the same rows in the same order."""
    rep_conds = rep_conditions(
        filters["scope"], region=filters["region"], team=filters["team"], rep=filters["rep"]
    )
    start, end = filters["start"], filters["end"]
    # A local date is at most 14 h from UTC: the bounds on ts only let the index be used.
    low = datetime.combine(start - timedelta(days=1), time.min, tzinfo=UTC)
    high = datetime.combine(end + timedelta(days=2), time.min, tzinfo=UTC)
    conds = [gv.c.local_date >= start, gv.c.local_date <= end, gv.c.ts >= low, gv.c.ts < high]
    if filters.get("template_id"):
        conds.append(gv.c.template_id == filters["template_id"])
    c = schema.customers
    stmt = (
        sa.select(
            gv.c.visit_id.label("id"),
            gv.c.rep_id,
            r.c.name.label("rep_name"),
            r.c.timezone,
            r.c.team_id,
            v.c.customer_id,
            c.c.name.label("customer_name"),
            gv.c.ts,
            gv.c.local_date,
            gv.c.template_id,
            gv.c.version,
            gv.c.missing,
            gv.c.late,
        )
        .select_from(
            gv.join(v, v.c.id == gv.c.visit_id)
            .join(r, r.c.id == gv.c.rep_id)
            .join(t, t.c.id == r.c.team_id)
            .join(c, c.c.id == v.c.customer_id)
        )
        .where(*conds, *rep_conds)
        .order_by(gv.c.ts.desc(), gv.c.visit_id)
        .limit(limit)
    )
    out = []
    for row in conn.execute(stmt).mappings():
        row = dict(row)
        row["missing"], row["late"] = json.loads(row["missing"]), json.loads(row["late"])
        out.append(row)
    return out
