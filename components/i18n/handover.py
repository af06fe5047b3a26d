"""UI strings of a rep's handover on the team drill-down (/teams at the rep level): key → (zh, en)."""

STRINGS: dict[str, tuple[str, str]] = {
    "handover.title": ("交接客户", "Hand over customers"),
    "handover.hint": (
        "把该业务员的全部客户、今天起的计划和未完成的拜访任务交给另一位在职业务员;"
        "其拜访、轨迹、报销和告警仍属于该业务员。",
        "Give all of this rep's customers, their open plans from today and their open visit "
        "tasks to another active rep; the rep's visits, tracks, claims and alerts stay theirs.",
    ),
    "handover.holding": (
        "{rep}({team})负责 {customers} 个客户,今天起有 {plans} 份计划,{tasks} 个未完成任务。",
        "{rep} ({team}) owns {customers} customers, with {plans} plans from today and "
        "{tasks} open tasks.",
    ),
    "handover.inactive": ("该业务员已停用。", "This rep is inactive."),
    "handover.to": ("接收的业务员(在职)", "Receiving rep (active)"),
    "handover.reason": ("交接原因(必填)", "Reason (required)"),
    "handover.deactivate": ("同时停用该业务员(离职)", "Also deactivate this rep (leaving)"),
    "handover.preview": ("预览交接", "Preview handover"),
    "handover.dialog": ("确认交接", "Confirm the handover"),
    "handover.body": (
        "从 {from_rep} 交给 {to_rep}({team}),原因:{reason}",
        "From {from_rep} to {to_rep} ({team}), reason: {reason}",
    ),
    "handover.customers": ("客户({n})", "Customers ({n})"),
    "handover.plans": ("今天起的计划({n})", "Plans from today ({n})"),
    "handover.tasks": ("未完成的拜访任务({n})", "Open visit tasks ({n})"),
    "handover.due": ("到期 {due}", "due {due}"),
    "handover.more": ("……另有 {n} 项", "… and {n} more"),
    "handover.none": ("无", "None"),
    "handover.will_deactivate": (
        "{rep} 将被停用。",
        "{rep} will be deactivated.",
    ),
    "handover.confirm": ("确认交接", "Hand over"),
    "handover.cancel": ("取消", "Cancel"),
    "handover.done": (
        "已把 {customers} 个客户、{plans} 份计划和 {tasks} 个任务交给 {rep}。",
        "{customers} customers, {plans} plans and {tasks} tasks handed over to {rep}.",
    ),
    "handover.refused": ("交接被拒绝:", "Handover refused: "),
}
