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
    return f"¥{value:,.2f}" if lang == "zh" else f"CNY {value:,.2f}"
