"""The audit log's trails and actions in words (issue 23): the codes the services write on
status_events and the other audited tables (dashboard/services/*, data_access/admin.py),
key → (zh, en). A code without a label is shown as stored."""

STRINGS: dict[str, tuple[str, str]] = {
    # Trails: what kind of record changed.
    "audit.trail.alert": ("预警", "alert"),
    "audit.trail.expense_flag": ("报销标记", "expense flag"),
    "audit.trail.claim": ("报销单", "claim"),
    "audit.trail.rep": ("业务员", "rep"),
    "audit.trail.regrade": ("客户重新分级", "regrade"),
    "audit.trail.customer": ("客户", "customer"),
    "audit.trail.user": ("用户", "user"),
    "audit.trail.api_token": ("API 令牌", "API token"),
    "audit.trail.setting": ("设置", "setting"),
    "audit.trail.owner": ("客户负责人", "customer owner"),
    "audit.trail.grade": ("客户等级", "customer grade"),
    "audit.trail.wall_link": ("大屏链接", "wall link"),
    "audit.trail.org": ("组织架构", "organisation"),
    # Actions (alert triage actions read alerts.action.*; owner and grade changes their source).
    "audit.action.approve": ("批准", "approve"),
    "audit.action.reject": ("拒绝", "reject"),
    "audit.action.query": ("质询", "query"),
    "audit.action.handover": ("交接", "handover"),
    "audit.action.apply": ("应用", "apply"),
    "audit.action.lock_grade": ("锁定等级", "lock grade"),
    "audit.action.unlock_grade": ("解锁等级", "unlock grade"),
    "audit.action.create": ("创建", "create"),
    "audit.action.set_role": ("更改角色", "change role"),
    "audit.action.reactivate": ("重新启用", "reactivate"),
    "audit.action.deactivate": ("停用", "deactivate"),
    "audit.action.reset_password": ("重置密码", "reset password"),
    "audit.action.revoke": ("吊销", "revoke"),
    "audit.action.set": ("修改", "set"),
    "audit.action.export": ("导出", "export"),
    # States a change moved between, besides statuses and roles.
    "audit.state.active": ("在职", "active"),
    "audit.state.inactive": ("已停用", "inactive"),
    "audit.state.locked": ("已锁定", "locked"),
    "audit.state.unlocked": ("未锁定", "unlocked"),
    # A handover's note (what moved): its fields.
    "audit.note.customers": ("客户", "customers"),
    "audit.note.plans": ("计划", "plans"),
    "audit.note.tasks": ("任务", "tasks"),
    "audit.note.deactivated": ("停用业务员", "rep deactivated"),
    "audit.note.reason": ("原因", "reason"),
}
