"""UI strings of the admin console's organisation tab (regions → teams → reps): key → (zh, en)."""

STRINGS: dict[str, tuple[str, str]] = {
    "admin.tab.org": ("组织架构", "Organisation"),
    "org.hint": (
        "每项修改都需填写原因并记入审计日志;外勤应用再次发送旧数据不会覆盖管理员的修改,"
        "发送新的值时以应用为准。",
        "Every change needs a reason and is written to the audit log; the field app re-sending "
        "old data does not undo an admin's change, a new value from it wins.",
    ),
    "org.rep.title": ("编辑业务员", "Edit a rep"),
    "org.rep": ("业务员", "Rep"),
    "org.work_start": ("上班时间(HH:MM)", "Work start (HH:MM)"),
    "org.work_end": ("下班时间(HH:MM)", "Work end (HH:MM)"),
    "org.timezone": ("时区", "Time zone"),
    "org.team": ("团队", "Team"),
    "org.region": ("大区", "Region"),
    "org.active": ("状态", "Status"),
    "org.active.on": ("在职", "Active"),
    "org.active.off": ("已停用", "Inactive"),
    "org.reason": ("原因(必填)", "Reason (required)"),
    "org.save": ("保存", "Save"),
    "org.deactivate_anyway": ("仍然停用", "Deactivate anyway"),
    "org.holding": (
        "该业务员仍负责 {customers} 个客户、{plans} 份今天起的计划和 {tasks} 个未完成任务。"
        "请先交接;若仍然停用,其客户将显示为无负责人。",
        "This rep still holds {customers} customers, {plans} plans from today and {tasks} open "
        "tasks. Hand them over first; deactivated anyway, their customers show as orphaned.",
    ),
    "org.handover_link": ("去交接客户", "Hand over the customers"),
    "org.saved": ("已保存 {rep}:", "Saved {rep}:"),
    "org.field.work_hours": ("工作时间", "Work hours"),
    "org.field.timezone": ("时区", "Time zone"),
    "org.field.team_id": ("团队", "Team"),
    "org.field.active": ("在职", "Active"),
    "org.unit.title": ("大区与团队", "Regions and teams"),
    "org.unit": ("大区或团队", "Region or team"),
    "org.unit.name": ("新名称", "New name"),
    "org.rename": ("重命名", "Rename"),
    "org.renamed": ("已将「{before}」重命名为「{after}」。", "Renamed “{before}” to “{after}”."),
    "org.new.id": ("新团队编号", "New team id"),
    "org.new.name": ("新团队名称", "New team name"),
    "org.new.region": ("所属大区", "In region"),
    "org.create": ("新建团队", "Create team"),
    "org.created": ("已新建团队 {team}。", "Created team {team}."),
    "org.hours": ("工作时间", "Work hours"),
    "org.customers": ("客户数", "Customers"),
    "org.counts": (
        "在职 {active}/{reps} 人 · {customers} 个客户",
        "{active}/{reps} reps active · {customers} customers",
    ),
    "org.no_teams": ("该大区暂无团队。", "No teams in this region yet."),
    "org.empty": ("尚无大区、团队或业务员。", "No regions, teams or reps yet."),
    "org.error": ("未保存:{msg}", "Not saved: {msg}"),
}
