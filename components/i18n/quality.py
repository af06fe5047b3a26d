"""UI strings of data quality and integrity: key → (zh, en)."""

STRINGS: dict[str, tuple[str, str]] = {
    # --- visit integrity (teams drill, replay, anti-cheat evidence)
    "integrity.label": ("可信度", "Integrity"),
    "integrity.visit": ("本次拜访可信度", "This visit's integrity"),
    "integrity.rules": ("触发的规则", "Rules fired on it"),
    "integrity.none": ("无", "none"),
    "integrity.doubtful": ("存疑拜访(可信度 < 80)", "Visits in doubt (integrity < 80)"),
    "integrity.lowest": ("最低 {n}", "lowest {n}"),
    # Device data quality (contract §2a): never an accusation.
    "quality.page.title": ("设备检查", "Devices to check"),
    "quality.page.subtitle": (
        "定位质量差的手机:请检查手机或设置,这不是对业务员的指控",
        "Phones whose positions are too coarse to trust: a phone or settings problem to fix, never an accusation against the rep",
    ),
    "quality.grid.title": ("设备与业务员", "Devices and reps"),
    "quality.panel.summary": (
        "{start} 至 {end}:{total} 台设备中 {n} 台待检查(最近 {days} 个工作日粗定位占比超过 {limit})。",
        "{start} to {end}: {n} of {total} devices to check (coarse fixes above {limit} over their last {days} working days).",
    ),
    "quality.panel.empty": ("该时段没有设备数据。", "No device data in this period."),
    "quality.day.title": ("当天手机定位质量", "The phone's data quality that day"),
    "quality.day.note": (
        "粗定位、缓存位置和信号中断是手机问题,不会单独触发预警。",
        "Coarse fixes, cached positions and gaps are phone problems; none of them raises an alert by itself.",
    ),
    "quality.poor": ("手机定位差", "poor phone"),
    "quality.to_check": ("待检查", "To check"),
    "quality.ok": ("正常", "OK"),
    "quality.col.to_check": ("状态", "Status"),
    "quality.col.device": ("设备", "Device"),
    "quality.col.rep": ("业务员", "Rep"),
    "quality.col.days": ("工作日", "Working days"),
    "quality.col.fixes": ("定位点", "Fixes"),
    "quality.col.coarse_share": ("粗定位占比", "Coarse share"),
    "quality.col.coarse_jumps": ("忽略的粗定位跳点", "Coarse jumps ignored"),
    "quality.col.cached_runs": ("缓存位置段", "Cached runs"),
    "quality.col.gaps": ("信号中断", "Gaps"),
    "quality.col.median_accuracy": ("精度中位数", "Median accuracy"),
    "quality.axis.coarse_share": ("粗定位占比 (%)", "Coarse share (%)"),
    "quality.axis.date": ("日期", "Date"),
    "quality.replay.coarse": ("粗定位点(未计入轨迹)", "Coarse fixes (not part of the track)"),
    "quality.replay.summary": ("定位质量", "Data quality"),
}
