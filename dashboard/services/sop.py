"""SOP templates and compliance (contract §7, issue 18): the /sop page's figures, the template
editor's reads and saves, and the field app's template list.

Saving in the editor validates the steps (``dashboard.sop.check_editor_steps``), and stores a new
version only when the steps changed; the version row records who saved it, when and from where
(``source`` "editor"), which is the audit trail of templates. Visits from then on use it; the
rep-days whose visits changed version are marked for the rollups and the judge.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine

from dashboard import sop as core
from dashboard.services.alerts import replay_link
from data_access import records as record_store
from data_access import sop as store
from data_access.scope import Scope


@dataclass(frozen=True)
class SopFilter:
    """The page's filter: the local dates, one template (None: all), region, team, rep."""

    start: date
    end: date
    template_id: str | None = None
    region: str | None = None
    team: str | None = None
    rep: str | None = None

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"start: {self.start} is after end: {self.end}")

    def args(self, scope: Scope) -> dict[str, Any]:
        return {
            "scope": scope,
            "start": self.start,
            "end": self.end,
            "template_id": self.template_id,
            "region": self.region,
            "team": self.team,
            "rep": self.rep,
        }


def _share(part: float, whole: float) -> float | None:
    return None if not whole else round(part / whole, 4)


def _steps(engine: Engine, scope: Scope, f: SopFilter) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return store.fetch_rollup_steps(conn, **f.args(scope))


def funnel(
    engine: Engine, scope: Scope, f: SopFilter, *, rows: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Per template version and step: visits and the share done / failed / late / missing (from
    the SOP rollup; ``rows``: its sums, when already read)."""
    if rows is None:
        rows = _steps(engine, scope, f)
    out = []
    for row in sorted(rows, key=lambda x: (x["template_id"], x["version"], x["seq"])):
        item = {k: row[k] for k in ("template_id", "version", "seq", "code")}
        item["required"] = bool(row["required"])
        for name in ("visits", *core.OUTCOMES):
            item[name] = int(row[name])
        for outcome in core.OUTCOMES:
            item[f"{outcome}_share"] = _share(item[outcome], item["visits"])
        out.append(item)
    return out


def offenders(
    engine: Engine,
    scope: Scope,
    f: SopFilter,
    *,
    by: str,
    rows: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Per rep or team: visits, completion (required steps done ÷ required steps) and ``gaps``
    (required steps missing or late); the worst completion first (from the SOP rollup; ``rows``:
    its per-rep sums, when already read)."""
    if by not in ("rep", "team"):
        raise ValueError(f"by: {by!r} is not 'rep' or 'team'")
    if rows is None:
        with engine.connect() as conn:
            rows = store.fetch_rollup_reps(conn, **f.args(scope))
    field = "rep_id" if by == "rep" else "team_id"
    sums: dict[str, dict[str, Any]] = {}
    for row in rows:
        total = sums.setdefault(
            row[field], {"key": row[field], "visits": 0, "required": 0, "done": 0, "gaps": 0}
        )
        for name in ("visits", "required", "done", "gaps"):
            total[name] += int(row[name] or 0)
    with engine.connect() as conn:
        names = store.fetch_names(conn, by=by, keys=list(sums))
    out = list(sums.values())
    for row in out:
        row["name"] = names.get(row["key"], row["key"])
        row["completion"] = _share(row["done"], row["required"])
    worst = 2.0  # rows without required steps go last
    return sorted(
        out,
        key=lambda x: (
            worst if x["completion"] is None else x["completion"],
            -x["visits"],
            x["key"],
        ),
    )


def step_timing(
    engine: Engine, scope: Scope, f: SopFilter, *, rows: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Per template version and step done in some visit's window: how many visits timed it, the
    median seconds (from the rollup's buckets: within one bucket of the exact median, see
    ``dashboard.sop.TIMING_EDGES``), the template's minimum, how many visits did the step faster
    than it (exact), and ``flagged`` when more than half of them did (the median is under the
    minimum)."""
    if rows is None:
        rows = _steps(engine, scope, f)
    with engine.connect() as conn:
        minimums = store.fetch_version_step_minimums(conn)
    out = []
    for row in rows:
        n = int(row["timed"] or 0)
        if not n:
            continue
        median = core.histogram_median([int(row[c] or 0) for c in store.TIMING_COLUMNS])
        too_fast = int(row["too_fast"] or 0)
        low = minimums.get((row["template_id"], row["version"], row["seq"]))
        out.append(
            {
                "template_id": row["template_id"],
                "version": row["version"],
                "seq": row["seq"],
                "code": row["code"],
                "min_seconds": low,
                "n": n,
                "median_s": None if median is None else round(median, 1),
                "too_fast": too_fast,
                "flagged": bool(low is not None and 2 * too_fast > n),
            }
        )
    return sorted(out, key=lambda x: (x["template_id"], x["version"], x["seq"]))


def incomplete_visits(
    engine: Engine, scope: Scope, f: SopFilter, *, limit: int = 500
) -> list[dict[str, Any]]:
    """The newest ``limit`` visits with a required step missing or late, with their replay
    link."""
    with engine.connect() as conn:
        rows = store.fetch_newest_incomplete_visits(conn, limit=limit, **f.args(scope))
    for row in rows:
        row["missing"] = ", ".join(row["missing"])
        row["late"] = ", ".join(row["late"])
        row["replay"] = replay_href(row)
    return rows


def replay_href(row: dict[str, Any]) -> str:
    """The replay of the visit's rep-day at the check-in (the rep's local clock)."""
    return replay_link(row["rep_id"], row["local_date"], row["ts"], row["timezone"])


def page_data(engine: Engine, scope: Scope, f: SopFilter) -> dict[str, Any]:
    """Everything the /sop page shows for one filter."""

    # From the SOP rollup: one read per template version and step (the funnel and the timing),
    # one per rep (the reps and their teams); the incomplete visits from the newest raw ones.
    # The three are independent reads: each on its own connection, at the same time.
    def reps_of() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return store.fetch_rollup_reps(conn, **f.args(scope))

    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="sop-page") as pool:
        steps_read = pool.submit(_steps, engine, scope, f)
        reps_read = pool.submit(reps_of)
        incomplete_read = pool.submit(incomplete_visits, engine, scope, f)
        steps, reps = steps_read.result(), reps_read.result()
        data = {
            "funnel": funnel(engine, scope, f, rows=steps),
            "teams": offenders(engine, scope, f, by="team", rows=reps),
            "reps": offenders(engine, scope, f, by="rep", rows=reps),
            "timing": step_timing(engine, scope, f, rows=steps),
            "incomplete": incomplete_read.result(),
        }
    # Each step's label in both languages, from the version the row counts (the page shows the
    # viewer's; the code stays beside it).
    with engine.connect() as conn:
        labels = store.fetch_step_labels(conn)
    for row in (*data["funnel"], *data["timing"]):
        zh, en = labels.get((row["template_id"], row["version"], row["seq"]), (None, None))
        row["label_zh"], row["label_en"] = zh or row["code"], en or row["code"]
    return data


def template_choices(engine: Engine) -> list[dict[str, str]]:
    """Every template: id and name."""
    with engine.connect() as conn:
        return store.fetch_templates_in_use(conn)


# ------------------------------------------------------------------ the editor and the API


def current_templates(engine: Engine) -> list[dict[str, Any]]:
    """The current version of every template, as served to the field app: id, name, version,
    valid_from (ISO) and the steps with all their attributes."""
    with engine.connect() as conn:
        rows = store.fetch_current_versions(conn)
    return [
        {
            "id": row["template_id"],
            "name": row["name"],
            "version": row["version"],
            "valid_from": row["valid_from"].isoformat(),
            "steps": core.normalize_steps(row["steps"]),
        }
        for row in rows
    ]


def template_history(engine: Engine, template_id: str) -> list[dict[str, Any]]:
    """Every version of a template, oldest first (who saved it, when, from where, its steps)."""
    with engine.connect() as conn:
        versions = store.fetch_versions(conn, [template_id]).get(template_id, [])
    return [
        v | {"steps": core.normalize_steps(v["steps"]), "n_steps": len(v["steps"])}
        for v in versions
    ]


@dataclass(frozen=True)
class SaveResult:
    """What a save did: the template's version after it, and whether that is a new one."""

    template_id: str
    version: int
    created: bool


def save_template(
    engine: Engine,
    *,
    template_id: str,
    name: str,
    steps: Sequence[dict[str, Any]],
    user: str,
    now: datetime,
) -> SaveResult:
    """Save the editor's template: a new version when its steps changed (in force from ``now``),
    else only its name. Raises ``core.StepsError`` naming a bad field, ``ValueError`` for a bad
    id or name."""
    template_id = (template_id or "").strip()
    if not template_id or len(template_id) > 64:
        raise ValueError("id: a template needs an id of 1-64 characters")
    if not all(ch.isalnum() or ch in "._:-" for ch in template_id):
        raise ValueError(f"id: {template_id!r} is not made of A-Z a-z 0-9 . _ : -")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValueError("name: a template needs a name of 1-200 characters")
    checked = core.check_editor_steps(steps)
    with engine.begin() as conn:
        history = store.fetch_versions(conn, [template_id]).get(template_id, [])
        if history and core.same_steps(history[-1]["steps"], checked):
            if history[-1]["name"] != name:
                store.rename_template(conn, template_id=template_id, name=name, now=now)
            return SaveResult(template_id, history[-1]["version"], False)
        version = store.add_version(
            conn,
            template_id=template_id,
            name=name,
            steps=checked,
            valid_from=now,
            now=now,
            source="editor",
            created_by=user,
        )
        changed = store.assign_visit_versions(conn, [template_id])
        record_store.mark_rep_days_dirty(conn, changed)
    return SaveResult(template_id, version, True)
