"""UI strings of the settings tab on /admin (issue 20): key → (zh, en).

Every setting of ``dashboard.thresholds.SETTINGS`` has a label (``setting.<key>.label``) and a
one-line description of what it does and which rule or figure reads it (``setting.<key>.desc``);
tests/unit/test_admin_settings_components.py fails when one lacks either in either language.
"""

_SETTINGS: dict[str, tuple[str, str, str, str]] = {
    # key: (zh label, en label, zh description, en description)
    "max_speed_mps": (
        "最高可信速度",
        "Highest credible speed",
        "两次定位间的速度超过此值即判为 IMPOSSIBLE_SPEED;轨迹清洗也据此剔除跳点。",
        "A move between two fixes faster than this raises IMPOSSIBLE_SPEED; track cleaning "
        "drops such jumps too.",
    ),
    "min_jump_m": (
        "最小跳变距离",
        "Smallest jump",
        "IMPOSSIBLE_SPEED 只看距离不小于此值的跳变,避免近处定位抖动误报。",
        "IMPOSSIBLE_SPEED only looks at jumps at least this long, so jitter of close fixes "
        "raises nothing.",
    ),
    "max_accuracy_m": (
        "最大定位误差",
        "Coarsest usable fix",
        "误差大于此值的定位不构成跳变、从轨迹中清除,并计为设备的粗略定位(§2a)。",
        "Fixes coarser than this never make a jump, are cleaned off the track and count as "
        "coarse for the device check (§2a).",
    ),
    "accuracy_allowance_cap_m": (
        "定位误差宽限上限",
        "Accuracy allowance cap",
        "GEOFENCE_MISS:签到点可距客户 地理围栏半径 + 定位误差(最多取此值)。",
        "GEOFENCE_MISS: a check-in may lie geofence radius + min(its accuracy, this) from its "
        "customer.",
    ),
    "track_window_s": (
        "签到轨迹比对窗口",
        "Check-in track window",
        "TRACK_MISMATCH 比对签到前后此时长内的轨迹定位。",
        "TRACK_MISMATCH compares a check-in with the track's fixes this long before and after it.",
    ),
    "track_mismatch_m": (
        "签到与轨迹最大偏差",
        "Check-in to track distance",
        "窗口内每个轨迹定位都距签到点超过此距离时,判为 TRACK_MISMATCH。",
        "A check-in whose every fix in the window lies farther than this raises TRACK_MISMATCH.",
    ),
    "static_min_fixes": (
        "静止伪造最少定位数",
        "Frozen position: fixes",
        "STATIC_SPOOF:连续这么多个坐标完全相同的定位才算可疑。",
        "STATIC_SPOOF: at least this many consecutive fixes with identical coordinates.",
    ),
    "static_min_span_s": (
        "静止伪造最短时长",
        "Frozen position: span",
        "STATIC_SPOOF:坐标完全相同的连续定位需覆盖至少此时长。",
        "STATIC_SPOOF: the identical fixes must span at least this long.",
    ),
    "min_dwell_s": (
        "最短有效拜访时长",
        "Shortest effective visit",
        "签到到签退短于此时长判为 SHORT_VISIT,且不计为有效拜访(§5 频次、指标)。",
        "A visit shorter than this raises SHORT_VISIT and is not effective (§5 frequency, KPIs).",
    ),
    "photo_max_hamming": (
        "照片相似度阈值",
        "Photo likeness",
        "PHOTO_REUSE:两张照片的感知哈希相差不超过此位数(共 64 位)即视为同一张。",
        "PHOTO_REUSE: two photos whose perceptual hashes differ in at most this many of 64 bits "
        "are the same picture.",
    ),
    "photo_time_slack_s": (
        "拍照时间宽限",
        "Photo time slack",
        "照片拍摄早于签到或晚于签退超过此时长,判为 PHOTO_TIME_MISMATCH。",
        "A photo taken this long before check-in or after check-out raises PHOTO_TIME_MISMATCH.",
    ),
    "cluster_min_checkins": (
        "扎堆签到最少次数",
        "Clustered check-ins: count",
        "CLUSTERED_CHECKINS:同一地点至少这么多次签到才算扎堆。",
        "CLUSTERED_CHECKINS: at least this many check-ins at one spot.",
    ),
    "cluster_window_s": (
        "扎堆签到时间窗口",
        "Clustered check-ins: window",
        "CLUSTERED_CHECKINS:扎堆的签到须落在此时长内。",
        "CLUSTERED_CHECKINS: the check-ins fall within this long.",
    ),
    "cluster_radius_m": (
        "扎堆签到半径",
        "Clustered check-ins: radius",
        "CLUSTERED_CHECKINS:签到点彼此相距不超过此距离。",
        "CLUSTERED_CHECKINS: the check-ins lie within this distance of each other.",
    ),
    "cluster_customer_min_m": (
        "扎堆客户最小间距",
        "Clustered check-ins: customers apart",
        "CLUSTERED_CHECKINS:所拜访客户彼此相距超过此距离时,同地签到才可疑。",
        "CLUSTERED_CHECKINS: only suspicious when the customers visited lie farther apart "
        "than this.",
    ),
    "device_min_reps": (
        "共用设备最少人数",
        "Shared device: reps",
        "DEVICE_SHARED:同一天至少这么多名代表使用同一设备。",
        "DEVICE_SHARED: at least this many reps use one device on a date.",
    ),
    "signal_gap_min_s": (
        "信号中断最短时长",
        "Shortest signal gap",
        "工作时间内定位中断超过此时长判为 SIGNAL_GAP;轨迹分析据此切断行程。",
        "A silence this long in work hours raises SIGNAL_GAP; the track analysis breaks trips "
        "there too.",
    ),
    "device_coarse_share": (
        "粗略定位占比上限",
        "Coarse fix share",
        "设备最近工作日中粗略定位占比超过此值即列为待检查设备(§2a,设备页)。",
        "A device whose share of coarse fixes over its last working days exceeds this is listed "
        "to check (§2a, devices page).",
    ),
    "device_check_days": (
        "设备检查天数",
        "Device check days",
        "设备检查看最近这么多个工作日;不足则不判断。",
        "The device check looks at this many last working days; fewer are not enough to judge.",
    ),
    "mileage_tolerance_pct": (
        "里程容差",
        "Mileage tolerance",
        "MILEAGE_INFLATED:申报里程超过 轨迹里程 ×(1 + 此比例)+ 宽限里程 即触发。",
        "MILEAGE_INFLATED: claimed distance above tracked × (1 + this) + the allowance.",
    ),
    "mileage_allowance_km": (
        "里程宽限",
        "Mileage allowance",
        "MILEAGE_INFLATED:在容差之外再允许的固定里程。",
        "MILEAGE_INFLATED: a fixed distance allowed on top of the tolerance.",
    ),
    "mileage_rate_cny_per_km": (
        "里程补贴单价",
        "Mileage rate",
        "财务页按此单价计算里程报销金额与超报金额。",
        "What /finance reimburses per kilometre, and prices the excess distance with.",
    ),
    "meal_cap_cny": (
        "餐费上限",
        "Meal cap",
        "单笔餐费超过此金额判为 OVER_CAP(财务页)。",
        "A meal claim above this raises OVER_CAP (/finance).",
    ),
    "hotel_cap_cny": (
        "住宿上限",
        "Hotel cap",
        "单晚住宿超过此金额判为 OVER_CAP(财务页)。",
        "A hotel night above this raises OVER_CAP (/finance).",
    ),
    "entertainment_cap_cny": (
        "招待费上限",
        "Entertainment cap",
        "单笔招待费超过此金额判为 OVER_CAP(财务页)。",
        "An entertainment claim above this raises OVER_CAP (/finance).",
    ),
    "stop_distance_m": (
        "停留点半径",
        "Stop radius",
        "轨迹分析:在此半径内停留足够久即为一个停留点(回放、拜访覆盖)。",
        "Track analysis: staying within this radius long enough makes a stop (replay, coverage).",
    ),
    "stop_duration_s": (
        "停留点最短时长",
        "Shortest stop",
        "轨迹分析:停留至少此时长才算停留点。",
        "Track analysis: a stop lasts at least this long.",
    ),
    "stop_gap_s": (
        "停留点数据中断",
        "Stop data gap",
        "轨迹分析:数据中断达到此时长即结束当前停留点,且两侧停留点不合并。",
        "Track analysis: a data gap this long closes the current stop, and never merges the "
        "stops on either side.",
    ),
    "stop_merge_m": (
        "停留点合并距离",
        "Stop merge distance",
        "轨迹分析:中心相距小于此距离的相邻停留点合并为一个。",
        "Track analysis: consecutive stops whose centres are closer than this are merged.",
    ),
    "visits_per_28d_a": (
        "A 类客户拜访频次",
        "Grade A visits",
        "A 类客户每 28 天需要的有效拜访次数(间隔 = 28 ÷ 此值);指标、拜访任务与 "
        "FREQUENCY_MISS 均读取。",
        "Effective visits a grade-A customer needs per 28 days (interval 28 ÷ this); read by "
        "the KPIs, the visit tasks and FREQUENCY_MISS.",
    ),
    "visits_per_28d_b": (
        "B 类客户拜访频次",
        "Grade B visits",
        "B 类客户每 28 天需要的有效拜访次数;指标、拜访任务与 FREQUENCY_MISS 均读取。",
        "Effective visits a grade-B customer needs per 28 days; read by the KPIs, the visit "
        "tasks and FREQUENCY_MISS.",
    ),
    "visits_per_28d_c": (
        "C 类客户拜访频次",
        "Grade C visits",
        "C 类客户每 28 天需要的有效拜访次数;指标、拜访任务与 FREQUENCY_MISS 均读取。",
        "Effective visits a grade-C customer needs per 28 days; read by the KPIs, the visit "
        "tasks and FREQUENCY_MISS.",
    ),
    "frequency_grace_days": (
        "逾期宽限天数",
        "Overdue grace",
        "到期客户再过此天数仍未拜访才算逾期(指标、任务、FREQUENCY_MISS)。",
        "Days after a customer falls due before it counts as overdue (KPIs, tasks, "
        "FREQUENCY_MISS).",
    ),
    "max_visits_per_day": (
        "每日最多拜访",
        "Most visits a day",
        "建议路线计划每天最多安排这么多个客户(§6)。",
        "The suggested route plans put at most this many customers in a day (§6).",
    ),
    "avg_speed_kmh": (
        "平均行驶速度",
        "Average driving speed",
        "建议路线计划据此估算客户之间的行驶时间。",
        "The suggested route plans estimate the driving time between customers with this.",
    ),
    "service_min_a": (
        "A 类客户服务时长",
        "Grade A service time",
        "建议路线计划为每次 A 类客户拜访预留的时间。",
        "The time the suggested route plans allow for a visit to a grade-A customer.",
    ),
    "service_min_b": (
        "B 类客户服务时长",
        "Grade B service time",
        "建议路线计划为每次 B 类客户拜访预留的时间。",
        "The time the suggested route plans allow for a visit to a grade-B customer.",
    ),
    "service_min_c": (
        "C 类客户服务时长",
        "Grade C service time",
        "建议路线计划为每次 C 类客户拜访预留的时间。",
        "The time the suggested route plans allow for a visit to a grade-C customer.",
    ),
    "detour_factor": (
        "绕行系数",
        "Detour factor",
        "建议路线计划把直线距离乘以此系数作为行驶距离。",
        "The suggested route plans multiply straight-line distance by this to get the driven one.",
    ),
    "retention_days": (
        "原始轨迹保留天数",
        "Raw track retention",
        "早于此天数的原始定位每天清除;拜访、停留点、日汇总、预警与报销保留。",
        "Raw GPS fixes older than this are purged daily; visits, stops, day rollups, alerts and "
        "claims are kept.",
    ),
    "precision_admin": (
        "系统管理员位置精度",
        "Position precision: admin",
        "系统管理员在地图与导出中看到的位置精度(在服务器端取整,规则仍用精确定位)。",
        "How precisely administrators see positions on maps and in exports (snapped on the "
        "server; the rules still use the exact fixes).",
    ),
    "precision_manager": (
        "区域经理位置精度",
        "Position precision: manager",
        "区域经理在地图与导出中看到的位置精度(在服务器端取整,规则仍用精确定位)。",
        "How precisely managers see positions on maps and in exports (snapped on the server; "
        "the rules still use the exact fixes).",
    ),
    "precision_exec": (
        "管理层位置精度",
        "Position precision: exec",
        "管理层在大屏地图与导出中看到的位置精度(在服务器端取整,规则仍用精确定位)。",
        "How precisely executives see positions on the wall map and in exports (snapped on the "
        "server; the rules still use the exact fixes).",
    ),
    "precision_finance": (
        "财务位置精度",
        "Position precision: finance",
        "财务在地图与导出中看到的位置精度(在服务器端取整,规则仍用精确定位)。",
        "How precisely finance sees positions on maps and in exports (snapped on the server; "
        "the rules still use the exact fixes).",
    ),
}

STRINGS: dict[str, tuple[str, str]] = {
    "settings.tab": ("规则设置", "Settings"),
    "settings.intro": (
        "规则阈值、财务上限、拜访频次、轨迹分析与隐私的全部设置。修改须填写原因,并记入审计。",
        "Every threshold of the rules, the finance caps, the visit frequency, the track "
        "analysis and privacy. A change needs a reason and is audited.",
    ),
    "settings.section.authenticity": ("真实性规则", "Authenticity rules"),
    "settings.section.expenses": ("费用与财务上限", "Expenses and finance caps"),
    "settings.section.tracks": ("轨迹分析", "Track analysis"),
    "settings.section.customers": ("拜访频次", "Visit frequency"),
    "settings.section.plans": ("建议路线计划", "Suggested plans"),
    "settings.section.privacy": ("隐私", "Privacy"),
    "settings.effect.authenticity": (
        "修改后:所有代表日按新值重新判定,日汇总重新计算(后台进行,预警与指标随之更新)。",
        "After a change: every rep-day is judged again and its rollup recomputed with the new "
        "value (in the background; alerts and KPIs follow).",
    ),
    "settings.effect.expenses": (
        "修改后:财务页立即按新值计算;所有代表日的费用规则在后台重新判定。",
        "After a change: /finance reckons with the new value at once; the expense rules of "
        "every rep-day are judged again in the background.",
    ),
    "settings.effect.tracks": (
        "修改后:所有代表日的轨迹、停留点与日汇总在后台按新值重新计算并重新判定。",
        "After a change: every rep-day's track, stops and rollup are recomputed and judged "
        "again with the new value in the background.",
    ),
    "settings.effect.customers": (
        "修改后:指标立即按新频次计算;拜访任务与 FREQUENCY_MISS 在下一次后台处理时按新值重跑。",
        "After a change: the KPIs use the new rule at once; the visit tasks and FREQUENCY_MISS "
        "are run again with it at the next background pass.",
    ),
    "settings.effect.plans": (
        "修改后:下一次生成的建议路线计划即使用新值;已保存的计划不变。",
        "After a change: the next suggested plan uses the new value; saved plans stay as they are.",
    ),
    "settings.effect.privacy": (
        "修改后:位置精度在下一次请求时生效;保留天数在下一次每日清除时生效。",
        "After a change: precision applies from the next request; retention at the next daily "
        "purge.",
    ),
    "settings.col.setting": ("设置", "Setting"),
    "settings.col.desc": ("作用", "What it does"),
    "settings.col.value": ("当前值", "Current"),
    "settings.col.default": ("默认值", "Default"),
    "settings.col.unit": ("单位", "Unit"),
    "settings.col.range": ("范围", "Range"),
    "settings.overridden": ("已修改", "changed"),
    "settings.edit.title": ("修改设置", "Change a setting"),
    "settings.edit.key": ("设置项", "Setting"),
    "settings.edit.value": ("新值", "New value"),
    "settings.edit.reason": ("原因(必填)", "Reason (required)"),
    "settings.edit.save": ("保存", "Save"),
    "settings.edit.reset": ("恢复默认值", "Reset to default"),
    "settings.edit.pick": ("请选择一个设置项", "Pick a setting"),
    "settings.info": (
        "当前值 {value},默认值 {default},范围 {range}",
        "Current {value}, default {default}, range {range}",
    ),
    "settings.saved": ("{label}:{before} → {after}。", "{label}: {before} → {after}."),
    "settings.queued": (
        "已将 {n} 个代表日排入重新判定。",
        "{n} rep-days are queued to be judged again.",
    ),
    "settings.error": ("未保存:{msg}", "Not saved: {msg}"),
    "settings.history.all": (
        "全部设置的修改记录(最新在前)",
        "Changes of every setting, newest first",
    ),
    "settings.history.one": ("{label} 的修改记录(最新在前)", "Changes of {label}, newest first"),
    "settings.history.none": ("暂无修改记录。", "No change yet."),
    "settings.history.row": (
        "{at} · {actor}:{before} → {after} · 原因:{note}",
        "{at} · {actor}: {before} → {after} · reason: {note}",
    ),
    "settings.default_mark": ("默认", "default"),
    # Units, in the viewer's language (dashboard.thresholds.unit_of gives the code).
    "settings.unit.m/s": ("m/s", "m/s"),
    "settings.unit.km/h": ("km/h", "km/h"),
    "settings.unit.m": ("m", "m"),
    "settings.unit.s": ("s", "s"),
    "settings.unit.%": ("%", "%"),
    "settings.unit.CNY/km": ("元/km", "CN¥/km"),
    "settings.unit.CNY": ("元", "CN¥"),
    "settings.unit.km": ("km", "km"),
    "settings.unit.d": ("天", "d"),
    "settings.unit.min": ("分钟", "min"),
    "settings.choice.exact": ("精确", "exact"),
    "settings.choice.100m": ("约 100 米", "~100 m"),
    "settings.choice.1km": ("约 1 公里", "~1 km"),
}

for _key, (_zh_label, _en_label, _zh_desc, _en_desc) in _SETTINGS.items():
    STRINGS[f"setting.{_key}.label"] = (_zh_label, _en_label)
    STRINGS[f"setting.{_key}.desc"] = (_zh_desc, _en_desc)
