"""UI strings of the admin console's wall links tab, token scopes and last sign-in: key →
(zh, en)."""

STRINGS: dict[str, tuple[str, str]] = {
    "admin.tab.walls": ("大屏链接", "Wall links"),
    "admin.wall.name": ("链接名称", "Link name"),
    "admin.wall.views": ("视图(按轮播顺序)", "Views (in rotation order)"),
    "admin.wall.regions": ("限定区域(空 = 全部)", "Regions (empty = all)"),
    "admin.wall.expires": ("有效期(如 90m、12h、30d、2w)", "Expires in (90m, 12h, 30d, 2w)"),
    "admin.wall.create": ("新建大屏链接", "Create wall link"),
    "admin.wall.revoke": ("吊销该链接", "Revoke this link"),
    "admin.wall.national": ("全国", "National"),
    "admin.wall.region": ("区域 {id}", "Region {id}"),
    "admin.wall.created": (
        "已创建大屏链接 {name}(地址仅显示这一次,请立即复制):",
        "Wall link {name} created (its address is shown this once only; copy it now):",
    ),
    "admin.wall.revoked": (
        "已吊销大屏链接 {name};该屏幕的下一次请求即被拒绝。",
        "Wall link {name} revoked; its screen's next request is refused.",
    ),
    "admin.wall.status.live": ("有效", "live"),
    "admin.wall.status.expired": ("已过期", "expired"),
    "admin.wall.status.revoked": ("已吊销", "revoked"),
    "admin.col.status": ("状态", "Status"),
    "admin.col.views": ("视图", "Views"),
    "admin.col.created_by": ("创建人", "Created by"),
    "admin.col.expires": ("到期时间", "Expires"),
    "admin.col.scope": ("权限范围", "Scope"),
    "admin.col.last_sign_in": ("最近登录", "Last sign-in"),
    "admin.token.scope": ("权限范围", "Scope"),
    "admin.scope.ingest": ("仅上传数据", "ingest only"),
    "admin.scope.read": ("仅读取导出", "read exports only"),
    "admin.scope.all": ("全部接口", "every endpoint"),
}
