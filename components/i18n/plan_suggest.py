"""UI strings of the suggested-plan review (/plans/suggest, issue 17): key → (zh, en)."""

STRINGS: dict[str, tuple[str, str]] = {
    "plansug.title": ("建议拜访计划", "Suggested visit plans"),
    "plansug.link": ("为该业务员生成建议拜访计划", "Suggest a visit plan for this rep"),
    "plansug.hint": (
        "为一位业务员的某一天(或一个团队的某个 ISO 周)生成建议路线,审核、调整后发布为普通计划。",
        "Get a suggested route for a rep's day (or a team's ISO week), review and edit it, "
        "then publish it as an ordinary plan.",
    ),
    "plansug.reps": ("可规划的业务员", "Reps you may plan for"),
    "plansug.mode": ("范围", "Scope"),
    "plansug.mode.day": ("业务员 · 日期", "Rep · date"),
    "plansug.mode.week": ("团队 · ISO 周", "Team · ISO week"),
    "plansug.rep": ("业务员", "Rep"),
    "plansug.date": ("日期", "Date"),
    "plansug.team": ("团队", "Team"),
    "plansug.week": ("ISO 周(如 2026-W50)", "ISO week (e.g. 2026-W50)"),
    "plansug.suggest": ("生成建议", "Suggest"),
    "plansug.week_day": ("本周的业务员日", "Rep-day of the week"),
    "plansug.week_option": (
        "{rep} · {date}({n} 站,{km} 公里)",
        "{rep} · {date} ({n} stops, {km} km)",
    ),
    "plansug.empty": (
        "请选择业务员和日期后点击“生成建议”。",
        "Pick a rep and a date, then Suggest.",
    ),
    "plansug.no_stops": ("这一天没有可安排的客户。", "No customer to place on this day."),
    "plansug.summary": (
        "{rep} · {date}:{n} 站,{km} 公里,驾车 {drive} 分钟,服务 {service} 分钟"
        "(工作时间 {work_start}–{work_end})",
        "{rep} · {date}: {n} stops, {km} km, {drive} min driving, {service} min service "
        "(work hours {work_start}–{work_end})",
    ),
    "plansug.fits": ("调整后的这一天仍在工作时间内。", "The edited day fits the work hours."),
    "plansug.late": (
        "调整后的这一天超出工作时间或营业时间:{ids}",
        "The edited day no longer fits the work or opening hours: {ids}",
    ),
    "plansug.over_max": (
        "站数超过每日上限 {max}。",
        "More stops than the daily maximum ({max}).",
    ),
    "plansug.col.n": ("#", "#"),
    "plansug.col.customer": ("客户", "Customer"),
    "plansug.col.grade": ("等级", "Grade"),
    "plansug.col.arrive": ("到达", "Arrive"),
    "plansug.col.start": ("开始", "Start"),
    "plansug.col.end": ("结束", "End"),
    "plansug.col.km": ("距上一站(公里)", "km from previous"),
    "plansug.col.reason": ("原因", "Reason"),
    "plansug.left_out": ("未安排的客户", "Customers left out"),
    "plansug.none_left_out": ("没有未安排的客户。", "No customer left out."),
    "plansug.stop": ("选择一站", "Pick a stop"),
    "plansug.up": ("上移", "Move up"),
    "plansug.down": ("下移", "Move down"),
    "plansug.remove": ("移除", "Remove"),
    "plansug.add_pick": ("选择未安排的客户", "Pick a left-out customer"),
    "plansug.add": ("加回", "Add back"),
    "plansug.publish": ("发布计划", "Publish plan"),
    "plansug.published": (
        "已发布计划 {id}:存储 {accepted} 条。",
        "Published plan {id}: {accepted} stored.",
    ),
    "plansug.rejected": ("未发布:{errors}", "Not published: {errors}"),
    "plansug.start": ("出发点", "Start point"),
    "plansug.reason.unreachable": (
        "在营业时间和工作时间内无法拜访",
        "cannot be served within its opening hours and the work hours",
    ),
    "plansug.reason.max_stops": ("当天已达每日拜访上限", "the day already holds the maximum stops"),
    "plansug.reason.no_time": (
        "排在更优先的客户之后放不下",
        "does not fit the work hours beside the higher-ranked stops",
    ),
    "plansug.reason.removed": ("审核时移除", "removed by the reviewer"),
}
