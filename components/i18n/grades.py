"""UI strings of the regrade (contract §5): the admin's what-if and apply panel on /customers,
and a customer's grade history and grade lock on its profile: key → (zh, en)."""

STRINGS: dict[str, tuple[str, str]] = {
    # --- the regrade panel (/customers, admins)
    "grd.title": ("重新分级(模拟与应用)", "Regrade (what-if and apply)"),
    "grd.hint": (
        "按近 365 天订单金额排名:A = 累计达到 70% 的最少头部客户,B = 其后到 90%,"
        "C = 其余及无订单客户;锁定等级的客户保持原级(其金额仍计入占比)。",
        "Ranked by order amount over the last 365 days: A = the smallest top set reaching 70 %, "
        "B = the next up to 90 %, C = the rest and customers without orders; a locked grade is "
        "kept (its amount still counts in the shares).",
    ),
    "grd.summary": (
        "{customers} 个客户 · {changes} 个将变更等级 · {held} 个因锁定保持原级",
        "{customers} customers · {changes} would change grade · {held} kept by a lock",
    ),
    "grd.moves": ("各区域等级变动", "Moves per region"),
    "grd.no_moves": ("没有客户需要变更等级。", "No customer changes grade."),
    "grd.shares": (
        "各等级订单金额占比(变更前 → 变更后)",
        "Revenue share per grade (before → after)",
    ),
    "grd.col.region": ("区域", "Region"),
    "grd.col.move": ("变动", "Move"),
    "grd.col.customers": ("客户数", "Customers"),
    "grd.col.grade": ("等级", "Grade"),
    "grd.col.share": ("金额占比 %", "Share %"),
    "grd.col.count": ("客户数", "Customers"),
    "grd.reason": ("应用原因(必填)", "Reason for applying (required)"),
    "grd.apply": ("应用重新分级", "Apply the regrade"),
    "grd.applied": (
        "已应用:{n} 个客户的等级已变更(已记入等级历史)。",
        "Applied: {n} customers changed grade (kept in the grade history).",
    ),
    "grd.stale": (
        "模拟结果在您查看后已变化,未作任何变更;请复核新的模拟结果。",
        "The what-if changed since it was shown; nothing was changed. Review the new what-if.",
    ),
    "grd.refused": ("未执行:{reason}", "Not done: {reason}"),
    # --- a customer's grade (profile)
    "grd.profile.title": ("等级与等级历史", "Grade and grade history"),
    "grd.profile.grade": ("当前等级", "Grade"),
    "grd.profile.locked": (
        "已锁定 · {by} · {at} · {reason}",
        "Locked · {by} · {at} · {reason}",
    ),
    "grd.profile.unlocked": ("未锁定(重新分级可变更)", "Not locked (a regrade may change it)"),
    "grd.profile.history_empty": ("尚无等级变更。", "No grade change yet."),
    "grd.col.at": ("时间", "When"),
    "grd.col.change": ("变更", "Change"),
    "grd.col.by": ("操作人", "By"),
    "grd.col.why": ("原因", "Why"),
    "grd.col.source": ("来源", "Source"),
    "grd.source.regrade": ("重新分级", "regrade"),
    "grd.source.ingest": ("数据导入", "ingest"),
    "grd.source.lock": ("锁定", "lock"),
    "grd.event.locked": ("锁定等级", "grade locked"),
    "grd.event.unlocked": ("解除锁定", "grade unlocked"),
    "grd.lock.reason": ("锁定/解锁原因(必填)", "Reason to lock or unlock (required)"),
    "grd.lock.lock": ("锁定等级", "Lock grade"),
    "grd.lock.unlock": ("解除锁定", "Unlock grade"),
    "grd.lock.done": ("已锁定等级。", "Grade locked."),
    "grd.lock.undone": ("已解除等级锁定。", "Grade unlocked."),
    "grd.lock.same": ("状态未变(已是该状态)。", "Nothing changed (already so)."),
}
