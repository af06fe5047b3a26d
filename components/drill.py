"""The team → rep → day → visits drill-down: levels, columns, breadcrumb, definitions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from components.grids import column, records
from components.i18n import t
from components.integrity import integrity_column, rule_names

_KPI_COLUMNS = (
    ("visits", "int"),
    ("visits_per_rep_day", "dec"),
    ("effective_rate", "pct"),
    ("plan_adherence", "pct"),
    ("sop_completion", "pct"),
    ("avg_dwell_min", "dec"),
    ("km_per_visit", "dec"),
    ("expense_per_visit", "money"),
    ("order_per_visit", "money"),
)

# The period's visit tasks (contract §5) on the team and rep levels.
_TASK_COLUMNS = (("task_completion", "pct"), ("tasks_done", "int"), ("tasks_overdue", "int"))

_TEXT = {
    "team_name": ("团队", "Team"),
    "rep_name": ("业务员", "Rep"),
    "local_date": ("日期", "Date"),
    "customer_name": ("客户", "Customer"),
    "grade": ("等级", "Grade"),
    "ts": ("签到", "Check-in"),
    "checked_out_at": ("签退", "Check-out"),
    "dwell_min": ("停留(分钟)", "Dwell (min)"),
    "checkin_distance_m": ("签到距离(米)", "Check-in distance (m)"),
    "in_geofence": ("围栏内", "In geofence"),
    "effective": ("有效", "Effective"),
    "sop": ("SOP 完成", "SOP done"),
    "order_amount": ("订单额", "Orders"),
    "planned": ("计划内", "Planned"),
    "integrity": ("可信度", "Integrity"),
    "rules": ("触发规则", "Rules fired"),
    "replay": ("轨迹回放", "Replay"),
    "city": ("城市", "City"),
    "owner_name": ("负责人", "Owner"),
    "verified_visits": ("28 天有效拜访", "Verified visits (28 d)"),
    "required_visits": ("要求次数", "Required"),
    "last_verified_date": ("最近有效拜访", "Last verified visit"),
    "all": ("全部团队", "All teams"),
    "region_name": ("大区", "Region"),
}


def _h(key: str, lang: str) -> str:
    zh, en = _TEXT[key]
    return en if lang == "en" else zh


def drill_level(query: Mapping[str, Any]) -> str:
    """Which grid the query asks for: a day's visits, a rep's days, a team's reps, or teams."""
    if query.get("rep") and query.get("day"):
        return "visits"
    if query.get("rep"):
        return "days"
    if query.get("team"):
        return "reps"
    return "teams"


def drill_target(level: str, row: Mapping[str, Any]) -> dict[str, str] | None:
    """The query keys a click on a row of ``level`` adds (None at the last level)."""
    if level == "teams":
        return {"team": row.get("team_id")}
    if level == "reps":
        return {"rep": row.get("rep_id"), "team": row.get("team_id")}
    if level == "days":
        return {"day": str(row.get("local_date"))[:10]}
    return None


def drill_columns(level: str, lang: str) -> list[dict[str, Any]]:
    """Column definitions of one drill level."""
    kpi_cols = [column(key, t(f"kpi.{key}", lang), kind) for key, kind in _KPI_COLUMNS]
    task_cols = [column(key, t(f"kpi.{key}", lang), kind) for key, kind in _TASK_COLUMNS]
    if level == "teams":
        return [
            column("team_name", _h("team_name", lang), pinned="left"),
            column("region_name", _h("region_name", lang)),
            *kpi_cols,
            *task_cols,
        ]
    if level == "reps":
        return [
            column("rep_name", _h("rep_name", lang), pinned="left"),
            column("team_name", _h("team_name", lang)),
            *kpi_cols,
            *task_cols,
        ]
    if level == "days":
        return [column("local_date", _h("local_date", lang), pinned="left"), *kpi_cols]
    return [
        column("ts", _h("ts", lang), pinned="left"),
        column("customer_name", _h("customer_name", lang)),
        column("grade", _h("grade", lang), maxWidth=90),
        column("checked_out_at", _h("checked_out_at", lang)),
        column("dwell_min", _h("dwell_min", lang), "dec"),
        column("checkin_distance_m", _h("checkin_distance_m", lang), "int"),
        column("in_geofence", _h("in_geofence", lang)),
        column("effective", _h("effective", lang)),
        column("sop", _h("sop", lang)),
        column("order_amount", _h("order_amount", lang), "money"),
        column("planned", _h("planned", lang)),
        integrity_column(_h("integrity", lang)),
        column("rules", _h("rules", lang), tooltipField="rule_codes", minWidth=140),
        column("replay", _h("replay", lang), cellRenderer="markdown"),
    ]


def overdue_columns(lang: str) -> list[dict[str, Any]]:
    """Columns of the overdue-customers grid."""
    return [
        column("grade", _h("grade", lang), maxWidth=90, pinned="left"),
        column("name", _h("customer_name", lang)),
        column("city", _h("city", lang)),
        column("owner_name", _h("owner_name", lang)),
        column("team_name", _h("team_name", lang)),
        column("verified_visits", _h("verified_visits", lang), "int"),
        column("required_visits", _h("required_visits", lang), "int"),
        column("last_verified_date", _h("last_verified_date", lang)),
    ]


def overdue_rows(overdue: pd.DataFrame) -> list[dict[str, Any]]:
    """The overdue customers as grid rows: only the grid's columns (the service's frame also
    carries ids, region and derived counts the grid never shows, half of the payload)."""
    fields = [c["field"] for c in overdue_columns("en")]
    return records(overdue[[f for f in fields if f in overdue.columns]])


def breadcrumb(query: Mapping[str, Any], lang: str) -> html.Div:
    """Links back up the drill-down, keeping the period and region."""
    base = {k: v for k, v in query.items() if k in ("period", "from", "to", "region", "metric")}
    crumbs = [dcc.Link(_h("all", lang), href="/teams?" + urlencode(base), id="teams-crumb-all")]
    if query.get("team"):
        crumbs += [
            " › ",
            dcc.Link(
                str(query["team"]),
                id="teams-crumb-team",
                href="/teams?" + urlencode({**base, "team": query["team"]}),
            ),
        ]
    if query.get("rep"):
        keep = {**base, "team": query.get("team"), "rep": query["rep"]}
        crumbs += [
            " › ",
            dcc.Link(
                str(query["rep"]),
                id="teams-crumb-rep",
                href="/teams?" + urlencode({k: v for k, v in keep.items() if v}),
            ),
        ]
    if query.get("day"):
        crumbs += [" › ", html.Span(str(query["day"]), id="teams-crumb-day")]
    return html.Div(crumbs, className="small")


_DEFINITIONS = {
    "zh": [
        ("人均日拜访", "拜访次数 ÷ 业务员出勤人天(当天有定位点或拜访的人天)。"),
        (
            "有效拜访率",
            "有签退、停留 ≥ 5 分钟且签到点在客户围栏内(围栏半径 + min(定位精度, 100 米))的拜访 ÷ 全部拜访。",
        ),
        ("计划达成率", "在计划日期当天完成的计划拜访 ÷ 计划拜访;没有计划时显示“—”。"),
        (
            "拜访频次达标",
            "截至期末的滚动 28 天内有效拜访次数达到等级要求(拜访频次设置,默认 A 4 次、B 2 次、C 1 次)的客户 ÷ 该等级客户数。",
        ),
        (
            "任务完成率",
            "到期日在所选期间内的拜访任务,按期末(期间延续到今天时为今天)的状态计:已完成任务 ÷(已完成 + 已逾期)。任务由其创建日及之后对该客户的第一次有效拜访完成(任何业务员均可);未完成且客户已逾期(超过间隔 + 宽限天数)的为逾期;仍在宽限期内的未完成任务不计入;没有已完成或逾期任务时显示“—”。无负责人的任务不计入任何团队或业务员。",
        ),
        ("SOP 完成率", "已完成的必做步骤 ÷ 必做步骤(按拜访所用模板)。"),
        (
            "平均停留 / 每次拜访里程 / 费用 / 订单额",
            "停留取有签退的拜访;里程为当日清洗后轨迹公里数;费用按报销日期;均除以拜访次数。",
        ),
        ("今日在线率", "今天有定位点的在职业务员 ÷ 在职业务员。"),
    ],
    "en": [
        ("Visits per rep-day", "Visits ÷ rep working days (rep-days with a GPS fix or a visit)."),
        (
            "Effective visit rate",
            "Visits with a check-out, dwell ≥ 5 min and the check-in inside the customer's geofence (radius + min(accuracy, 100 m)) ÷ all visits.",
        ),
        (
            "Plan adherence",
            "Planned visits done on their planned day ÷ planned visits; '—' when nothing was planned.",
        ),
        (
            "Frequency compliance",
            "Customers whose effective visits in the rolling 28 days to the period end meet their grade's rule (the visit-frequency settings, default A 4, B 2, C 1) ÷ customers of that grade.",
        ),
        (
            "Task completion",
            "Visit tasks whose due date falls in the period, each as it stood on the period's last day (today for a period running to today): tasks done ÷ (tasks done + tasks overdue). A task is done by the first effective visit to its customer on or after its creation, by any rep; overdue when not done and its customer is overdue (past interval + grace). Open tasks still within their grace are left out; '—' with no task done or overdue. Orphans' tasks (no owner) count in no team or rep.",
        ),
        ("SOP completion", "Required steps done ÷ required steps (of the visit's template)."),
        (
            "Dwell / km / expense / orders per visit",
            "Dwell over checked-out visits; km of the day's cleaned track; expenses by claim date; each divided by visits.",
        ),
        ("Online today", "Active reps with a fix today ÷ active reps."),
    ],
}


def definitions_help(lang: str) -> dbc.Accordion:
    """The KPI definitions, folded under a help heading."""
    items = _DEFINITIONS["en" if lang == "en" else "zh"]
    body = html.Dl(
        [part for name, text in items for part in (html.Dt(name), html.Dd(text))],
        className="mb-0 small",
    )
    return dbc.Accordion(
        [dbc.AccordionItem(body, title=t("teams.help", lang))],
        start_collapsed=True,
        className="mb-3",
        id="teams-help",
    )


def _mark(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return "✓" if bool(value) else "✗"


def _clock(value: Any) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return "—"
    try:
        return pd.Timestamp(value).strftime("%H:%M")
    except (ValueError, TypeError):
        return "—"


def drill_rows(
    level: str, frame: pd.DataFrame, query: Mapping[str, Any], lang: str = "zh"
) -> pd.DataFrame:
    """Shape a drill level's rows for display (times in the rep's zone, marks, the rules fired
    in the viewer's language with their codes as a tooltip, replay link)."""
    if frame.empty or level != "visits":
        return frame
    rep, day = query.get("rep"), str(query.get("day"))[:10]
    out = frame.copy()
    out["ts"] = [_clock(v) for v in out["ts_local"]]
    out["checked_out_at"] = [_clock(v) for v in out["checked_out_local"]]
    for name in ("in_geofence", "effective", "planned"):
        out[name] = [_mark(v) for v in out[name]]
    out["sop"] = [
        "—" if not req else f"{int(done)}/{int(req)}"
        for done, req in zip(out["sop_done"].fillna(0), out["sop_required"].fillna(0), strict=True)
    ]
    if "rules" in out.columns:
        codes = list(out["rules"])
        out["rules"] = [rule_names(rs, lang) for rs in codes]
        out["rule_codes"] = [", ".join(rs) if isinstance(rs, list) else "" for rs in codes]
    out["replay"] = [f"[▶ {t}](/replay/{rep}/{day}?t={t})" for t in out["ts"]]
    return out


def drill_outputs(
    level: str, frame: pd.DataFrame, query: Mapping[str, Any], lang: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str, html.Div]:
    """What the drill grid's callback sends: rows, columns, the grid's title, the breadcrumb."""
    return (
        records(drill_rows(level, frame, query, lang)),
        drill_columns(level, lang),
        t(f"teams.grid.{level}", lang),
        breadcrumb(query, lang),
    )


def drill_search(query: Mapping[str, Any] | None, target: Mapping[str, Any]) -> str:
    """The URL search that drills into ``target`` (empty keys dropped)."""
    merged = {**(query or {}), **target}
    return "?" + urlencode({k: v for k, v in merged.items() if v})
