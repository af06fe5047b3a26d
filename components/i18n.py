"""UI strings in Simplified Chinese and English, and locale-aware number formatting."""

from __future__ import annotations

LANGS = ("zh", "en")

_STRINGS: dict[str, tuple[str, str]] = {
    # key: (zh, en)
    "app.title": ("外勤拜访驾驶舱", "Field Visit Cockpit"),
    "nav.logout": ("退出", "Sign out"),
    "nav.lang": ("English", "中文"),
    "nav.theme.dark": ("深色", "Dark"),
    "nav.theme.light": ("浅色", "Light"),
    "role.exec": ("高管", "Executive"),
    "role.manager": ("区域经理", "Regional manager"),
    "role.finance": ("财务审核", "Finance auditor"),
    "role.admin": ("管理员", "Administrator"),
    "home.title": ("数据概况", "Data overview"),
    "home.subtitle": ("已存储的外勤数据", "Field data stored so far"),
    "home.quarantine": ("待处理隔离记录", "Records waiting in quarantine"),
    "home.refresh": ("刷新", "Refresh"),
    "type.region": ("大区", "Regions"),
    "type.team": ("团队", "Teams"),
    "type.rep": ("业务员", "Reps"),
    "type.customer": ("客户", "Customers"),
    "type.sop_template": ("SOP 模板", "SOP templates"),
    "type.plan": ("拜访计划", "Visit plans"),
    "type.gps": ("GPS 定位点", "GPS fixes"),
    "type.device_event": ("设备事件", "Device events"),
    "type.check_in": ("拜访(签到)", "Visits (check-ins)"),
    "type.check_out": ("签退", "Check-outs"),
    "type.sop_step": ("SOP 步骤", "SOP steps"),
    "type.photo": ("照片", "Photos"),
    "type.order": ("订单", "Orders"),
    "type.expense": ("费用报销", "Expense claims"),
    "group.master": ("主数据", "Master data"),
    "group.events": ("外勤事件", "Field events"),
    "period.today": ("今天", "Today"),
    "period.yesterday": ("昨天", "Yesterday"),
    "period.7d": ("近 7 天", "Last 7 days"),
    "period.30d": ("近 30 天", "Last 30 days"),
    "period.mtd": ("本月至今", "Month to date"),
    "period.custom": ("自定义", "Custom range"),
    "filter.region": ("全部大区", "All regions"),
    "filter.team": ("全部团队", "All teams"),
    "filter.rep": ("全部业务员", "All reps"),
    "common.team": ("团队", "Team"),
    "filter.from": ("开始日期", "Start date"),
    "filter.to": ("结束日期", "End date"),
    "kpi.visits": ("拜访次数", "Visits"),
    "kpi.visits_per_rep_day": ("人均日拜访", "Visits per rep-day"),
    "kpi.effective_rate": ("有效拜访率", "Effective visit rate"),
    "kpi.effective_per_rep_day": ("人均日有效拜访", "Verified visits per rep-day"),
    "kpi.plan_adherence": ("计划达成率", "Plan adherence"),
    "kpi.sop_completion": ("SOP 完成率", "SOP completion"),
    "kpi.avg_dwell_min": ("平均停留(分钟)", "Avg dwell (min)"),
    "kpi.km_per_visit": ("每次拜访里程(km)", "Km per visit"),
    "kpi.expense_per_visit": ("每次拜访费用", "Expense per visit"),
    "kpi.order_per_visit": ("每次拜访订单额", "Order amount per visit"),
    "kpi.online_rate": ("今日在线率", "Online today"),
    "kpi.rep_days": ("出勤人天", "Rep working days"),
    "kpi.vs_previous": ("较上期", "vs previous"),
    "overview.title": ("经营概览", "Overview"),
    "overview.trend": ("每日趋势", "Daily trend"),
    "overview.top": ("领先团队", "Top teams"),
    "overview.bottom": ("落后团队", "Bottom teams"),
    "overview.alerts": ("未处理预警", "Open alerts"),
    "overview.alerts_none": (
        "当前范围内没有未处理预警(反作弊规则上线后在此显示)。",
        "No open alerts in this scope (the anti-cheat rules fill this once they run).",
    ),
    "overview.expense": ("费用报销", "Expense claims"),
    "overview.claimed": ("报销金额", "Claimed"),
    "overview.at_risk": ("存疑金额", "At risk"),
    "severity.critical": ("严重", "Critical"),
    "severity.high": ("高", "High"),
    "severity.medium": ("中", "Medium"),
    "severity.low": ("低", "Low"),
    "teams.title": ("团队绩效", "Team KPIs"),
    "teams.comparison": ("团队对比", "Team comparison"),
    "teams.trend": ("趋势", "Trend"),
    "teams.distribution": ("业务员分布", "Distribution across reps"),
    "teams.heatmap": ("客户等级拜访频次达标", "Visit-frequency compliance by grade"),
    "teams.overdue": ("逾期未拜访客户", "Overdue customers"),
    "teams.grid.teams": ("各团队", "Teams"),
    "teams.grid.reps": ("团队成员", "Reps of the team"),
    "teams.grid.days": ("业务员每日", "Days of the rep"),
    "teams.grid.visits": ("当日拜访", "Visits of the day"),
    "teams.help": ("指标说明", "Definitions"),
    "teams.metric": ("指标", "Metric"),
    "teams.grain.day": ("按日", "Daily"),
    "teams.grain.week": ("按周", "Weekly"),
    "teams.drill_hint": (
        "点击表格中的行逐级下钻:团队 → 业务员 → 日期 → 拜访。",
        "Click a row to drill down: team → rep → day → visits.",
    ),
    "teams.back": ("返回上一级", "Up one level"),
    "export.csv": ("导出 CSV", "Export CSV"),
    "export.xlsx": ("导出 Excel", "Export XLSX"),
    "common.none": ("—", "—"),
    "common.empty": ("所选范围与时段内没有数据。", "No data for this scope and period."),
    "forbidden.title": ("无权访问", "Not allowed"),
    "forbidden.body": ("您的角色无权查看此页面。", "Your role may not open this page."),
    "data.title": ("数据与隔离区", "Data and quarantine"),
}


def t(key: str, lang: str) -> str:
    """Return the UI string of a key in a language (the key itself if unknown)."""
    pair = _STRINGS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]


def fmt_int(value: int, lang: str) -> str:
    """Format a count with thousands separators (both locales use commas)."""
    return f"{value:,}"


def fmt_money(value: float, lang: str) -> str:
    """Format an amount in CNY for the locale."""
    return f"¥{value:,.2f}" if lang == "zh" else f"CN¥{value:,.2f}"
