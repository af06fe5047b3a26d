"""UI strings of the rhythm view (team drill-down), the task completion KPI and the overview's
daily digest: key → (zh, en)."""

STRINGS: dict[str, tuple[str, str]] = {
    # --- the rhythm view on /teams
    "rhythm.title": ("拜访节奏", "Visit rhythm"),
    "rhythm.scope.all": ("范围内全部团队", "Every team in scope"),
    "rhythm.scope.team": ("团队 {team}", "Team {team}"),
    "rhythm.scope.rep": ("业务员 {rep}", "Rep {rep}"),
    "rhythm.hint": (
        "今天及未来 {days} 天到期的客户、今天已逾期的客户,以及到期日在所选期间内的任务({as_of} 时的状态)。",
        "Customers due today and in the next {days} days, customers overdue today, and the tasks due in the period (as they stood on {as_of}).",
    ),
    "rhythm.shown": (
        "每个表格只显示最紧急的 {n} 行,缩小筛选范围可看全部。",
        "Each grid shows its {n} most urgent rows; narrow the filter to see them all.",
    ),
    "rhythm.tile.due_today": ("今天到期", "Due today"),
    "rhythm.tile.upcoming": ("未来 7 天到期", "Due in the next 7 days"),
    "rhythm.tile.overdue": ("已逾期客户", "Overdue customers"),
    "rhythm.tile.never": ("其中从未拜访", "of which never visited"),
    "rhythm.tile.tasks": ("任务 完成 / 逾期 / 进行中", "Tasks done / overdue / open"),
    "rhythm.tile.completion": ("任务完成率", "Task completion rate"),
    "rhythm.due": ("到期清单(今天 + 7 天)", "Due list (today + 7 days)"),
    "rhythm.overdue": ("逾期客户", "Overdue customers"),
    "rhythm.col.customer": ("客户", "Customer"),
    "rhythm.col.grade": ("等级", "Grade"),
    "rhythm.col.city": ("城市", "City"),
    "rhythm.col.owner": ("负责人", "Owner"),
    "rhythm.col.team": ("团队", "Team"),
    "rhythm.col.last_visit": ("最近有效拜访", "Last effective visit"),
    "rhythm.col.due_on": ("到期日", "Due on"),
    "rhythm.col.overdue_on": ("逾期起始日", "Overdue since"),
    "rhythm.col.days_overdue": ("逾期天数", "Days overdue"),
    "rhythm.col.state": ("状态", "State"),
    "rhythm.state.due": ("今天到期", "due"),
    "rhythm.state.upcoming": ("即将到期", "upcoming"),
    "rhythm.state.overdue": ("逾期", "overdue"),
    "rhythm.never": ("从未拜访", "never visited"),
    # --- the KPI in the drill grid
    "kpi.task_completion": ("任务完成率", "Task completion"),
    "kpi.tasks_done": ("完成任务", "Tasks done"),
    "kpi.tasks_overdue": ("逾期任务", "Tasks overdue"),
    # --- the overview's daily digest
    "digest.title": ("今日节奏摘要", "Today's rhythm digest"),
    "digest.overdue_a": ("逾期 A 类客户:{n} 个", "Overdue A customers: {n}"),
    "digest.col.team": ("团队", "Team"),
    "digest.col.overdue_a": ("逾期 A 类", "Overdue A"),
    "digest.col.a_customers": ("A 类客户", "A customers"),
    "digest.col.grade": ("等级", "Grade"),
    "digest.col.compliance": ("频次达标率(28 天)", "Frequency compliance (28 d)"),
    "digest.col.compliant": ("达标 / 客户", "Compliant / customers"),
    "digest.none": ("范围内没有 A 类客户。", "No A customers in scope."),
}
