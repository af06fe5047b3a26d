"""Alert and flag summaries rendered from the rule catalog in a language (issue 23).

Every rule has zh and en templates with named placeholders (``TEMPLATES``); a rule with several
shapes of finding (a check-in or a check-out, an exact or a near photo match) has one template per
variant. ``render`` fills the template from the finding's evidence and the few fields of its row
(customer, amount, date, time), formatting numbers and units per language:

- distances: ``850 m`` / ``1.2 km`` (zh ``850 米`` / ``1.2 公里``);
- durations: ``45 s`` / ``12.5 min`` / ``2.1 h`` (zh 秒 / 分钟 / 小时);
- money: ``CN¥2,544.90`` in English, ``¥2,544.90`` in Chinese (the house's money format);
- times in the rep's zone when one is given (else UTC), dates as ISO dates.

Pure: no clock, no I/O. The pages render at display time in the viewer's language; the exports
and the API render at export time in the language they are asked for (English by default).
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

LANGS = ("zh", "en")

# Enumerated values a summary names, in words per language (zh, en).
ENUM_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "category": {
        "mileage": ("里程", "mileage"),
        "transport": ("交通费", "transport"),
        "hotel": ("住宿费", "hotel"),
        "meal": ("餐费", "meal"),
        "entertainment": ("招待费", "entertainment"),
        "other": ("其他费用", "other"),
    },
    "reason": {
        "power_off": ("手机关机", "phone switched off"),
        "location_permission_revoked": ("定位权限被关闭", "location permission revoked"),
        "network_lost": ("网络中断", "network lost"),
        "app_killed": ("应用被关闭", "app killed"),
        "unknown": ("原因不明", "unknown"),
    },
    "event_kind": {
        "mock_app_detected": ("检测到虚拟定位软件", "mock app detected"),
        "rooted_device": ("设备已 root", "rooted device"),
        "power_off": ("关机", "power off"),
        "location_permission_revoked": ("关闭定位权限", "location permission revoked"),
        "network_lost": ("网络中断", "network lost"),
        "app_killed": ("应用被关闭", "app killed"),
    },
}

# rule -> variant -> (zh, en). The variant is chosen from the evidence by ``variant``.
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "MOCK_LOCATION": {
        "gps": (
            "{count} 个 GPS 定位点被标记为模拟定位,第一个在 {time}",
            "{count} GPS fix(es) flagged as mock locations, the first at {time}",
        ),
        "check_in": (
            "{count} 次签到被标记为模拟定位,第一次在 {customer}",
            "{count} check-in(s) flagged as mock locations, the first at {customer}",
        ),
        "check_out": (
            "{count} 次签退被标记为模拟定位,第一次在 {customer}",
            "{count} check-out(s) flagged as mock locations, the first at {customer}",
        ),
        "device_event": (
            "设备于 {time} 报告:{event_kind}",
            "device reported {event_kind} at {time}",
        ),
        "device_events": (
            "设备于 {time} 报告:{event_kind}(共 {count} 次)",
            "device reported {event_kind} at {time} ({count} such events)",
        ),
    },
    "TRACK_MISMATCH": {
        "": (
            "在 {customer} 签到时,业务员自己的轨迹相距 {distance}(上限 {limit},"
            "前后 {window} 内 {fixes} 个定位点)",
            "check-in at {customer} while the rep's own track was {distance} away "
            "(limit {limit}, {fixes} fix(es) within ±{window})",
        ),
    },
    "PHOTO_REUSE": {
        "exact": (
            "照片与早先拜访 {matched_visit} 的照片完全相同",
            "photo is byte-identical to a photo of an earlier visit {matched_visit}",
        ),
        "near": (
            "照片与早先拜访 {matched_visit} 的照片仅差 {hamming} 位"
            "(上限 64 位中的 {max_hamming} 位)",
            "photo lies {hamming} bits from a photo of an earlier visit {matched_visit} "
            "(at most {max_hamming} of 64)",
        ),
    },
    "IMPOSSIBLE_SPEED": {
        "": (
            "{duration} 内移动了 {distance}({speed};上限 {limit_speed}),"
            "两个定位点的精度为 {accuracy_a} 和 {accuracy_b}(精度 {max_accuracy} 以内才计入)",
            "moved {distance} in {duration} ({speed}; limit {limit_speed}) between fixes of "
            "{accuracy_a} and {accuracy_b} accuracy (counted up to {max_accuracy})",
        ),
    },
    "STATIC_SPOOF": {
        "": (
            "连续 {fixes} 个卫星定位点在 {span} 内坐标完全相同(下限:{min_fixes} 个、{min_span})",
            "{fixes} consecutive satellite fixes with identical coordinates over {span} "
            "(at least {min_fixes} over {min_span})",
        ),
    },
    "GEOFENCE_MISS": {
        "check_in": (
            "签到地点距 {customer} {distance}(上限 {limit})",
            "check-in {distance} from {customer} (limit {limit})",
        ),
        "check_out": (
            "签退地点距 {customer} {distance}(上限 {limit})",
            "check-out {distance} from {customer} (limit {limit})",
        ),
    },
    "CLUSTERED_CHECKINS": {
        "": (
            "{span} 内在 {checkins} 个不同客户签到,签到点彼此相距不超过 {spread},"
            "而这些客户彼此至少相距 {customer_distance}",
            "{checkins} check-ins at different customers within {span}, all within {spread} "
            "of each other, though the customers lie at least {customer_distance} apart",
        ),
    },
    "DEVICE_SHARED": {
        "": (
            "设备 {device} 在 {date} 被 {reps} 名业务员使用(另有 {others})",
            "device {device} was used by {reps} reps on {date} (also by {others})",
        ),
    },
    "SHORT_VISIT": {
        "": (
            "在 {customer} 的拜访只持续了 {dwell}(最短 {min_dwell})",
            "visit at {customer} lasted {dwell} (minimum {min_dwell})",
        ),
    },
    "PHOTO_TIME_MISMATCH": {
        "early": (
            "在 {customer} 的照片拍摄于签到前 {offset}(允许 {slack})",
            "photo taken {offset} before the check-in at {customer} (allowed {slack})",
        ),
        "late": (
            "在 {customer} 的照片拍摄于签退后 {offset}(允许 {slack})",
            "photo taken {offset} after the check-out at {customer} (allowed {slack})",
        ),
    },
    "SIGNAL_GAP": {
        "plausible": (
            "{gap} 没有 GPS 定位(阈值 {min_gap}),原因:{reason};期间移动了 {displacement},"
            "按市区车速可以达到",
            "no GPS fix for {gap} (threshold {min_gap}), reason: {reason}; moved {displacement} "
            "across it, plausible at city speeds",
        ),
        "implausible": (
            "{gap} 没有 GPS 定位(阈值 {min_gap}),原因:{reason};期间移动了 {displacement},"
            "按市区车速不可能达到",
            "no GPS fix for {gap} (threshold {min_gap}), reason: {reason}; moved {displacement} "
            "across it, implausible at city speeds",
        ),
    },
    "OFF_HOURS": {
        "": (
            "在 {customer} 的签到时间为当地 {time},不在工作时间 {work_start}-{work_end} 内",
            "check-in at {customer} at {time} local, outside work hours {work_start}-{work_end}",
        ),
    },
    "FREQUENCY_MISS": {
        "last": (
            "{customer}({grade} 级):{days} 天没有有效拜访(上限 {limit} 天;上次 {last})",
            "{customer} (grade {grade}): {days} days without an effective visit "
            "(limit {limit} days; last {last})",
        ),
        "never": (
            "{customer}({grade} 级):{days} 天没有有效拜访(上限 {limit} 天;从未拜访)",
            "{customer} (grade {grade}): {days} days without an effective visit "
            "(limit {limit} days; never visited)",
        ),
    },
    "SOP_INCOMPLETE": {
        "missing": (
            "{customer}:{missing} 个必做步骤未做(SOP 第 {version} 版)",
            "{customer}: {missing} required step(s) not done (SOP version {version})",
        ),
        "late": (
            "{customer}:{late} 个必做步骤在拜访时间外完成,不算完成(SOP 第 {version} 版)",
            "{customer}: {late} required step(s) done outside the visit, not counted "
            "(SOP version {version})",
        ),
        "both": (
            "{customer}:{missing} 个必做步骤未做,{late} 个在拜访时间外完成(SOP 第 {version} 版)",
            "{customer}: {missing} required step(s) not done and {late} done outside the visit "
            "(SOP version {version})",
        ),
    },
    "MILEAGE_INFLATED": {
        "": (
            "报销里程 {claimed},轨迹里程只有 {tracked}(上限 {limit})",
            "claimed {claimed} but the track shows {tracked} (limit {limit})",
        ),
    },
    "NO_VISIT_DAY": {
        "": (
            "{date} 的{category}报销 {amount},当天没有任何签到",
            "{category} claim of {amount} on {date}, a day without any check-in",
        ),
    },
    "HOTEL_CITY_MISMATCH": {
        "": (
            "{date} 在 {city} 住宿,但当天和次日在 {city} 都没有签到",
            "hotel in {city} on {date}, but no check-in in {city} that day or the next",
        ),
    },
    "DUPLICATE_RECEIPT": {
        "": (
            "票据已被报销单 {first_claim} 使用",
            "receipt already used by claim {first_claim}",
        ),
    },
    "FRAUD_DAY_CLAIM": {
        "": (
            "{date} 的{category}报销 {amount},当天有 {alerts} 条严重预警",
            "{category} claim of {amount} on {date}, a day with {alerts} critical alert(s)",
        ),
    },
    "OVER_CAP": {
        "": (
            "{date} 的{category}合计 {total},超出日限额 {cap} 共 {excess}",
            "{category} claims of {date} total {total}, over the daily cap of {cap} by {excess}",
        ),
    },
    "ENTERTAINMENT_NO_VISIT": {
        "": (
            "为客户 {customer} 报销招待费 {amount},当天没有在该客户处签到",
            "entertainment of {amount} for customer {customer} without a check-in at that "
            "customer that day",
        ),
    },
}


def placeholders(template: str) -> set[str]:
    """The named placeholders of a template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# ---------------------------------------------------------------- formatting per language


def _zh(lang: str) -> bool:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang == "zh"


def fmt_distance(metres: Any, lang: str) -> str:
    """Metres to the metre under 1 km (``850 m``), else km to 0.1 (``1.2 km``; zh 米 / 公里)."""
    if metres is None:
        return "—"
    m = float(metres)
    zh = _zh(lang)
    if abs(m) < 1000:
        return f"{m:,.0f} 米" if zh else f"{m:,.0f} m"
    return f"{m / 1000:,.1f} 公里" if zh else f"{m / 1000:,.1f} km"


def fmt_km(km: Any, lang: str) -> str:
    """Kilometres to 0.1 km (claims are in km whatever their size)."""
    return f"{float(km):,.1f} 公里" if _zh(lang) else f"{float(km):,.1f} km"


def fmt_duration(seconds: Any, lang: str) -> str:
    """``45 s`` under two minutes, ``12.5 min`` under two hours, then ``2.1 h``."""
    s = abs(float(seconds))
    zh = _zh(lang)
    if s < 120:
        return f"{s:.0f} 秒" if zh else f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.1f} 分钟" if zh else f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} 小时" if zh else f"{s / 3600:.1f} h"


def fmt_speed(mps: Any, lang: str) -> str:
    """A speed in km/h; ``None`` (no time between the fixes) is an instant."""
    zh = _zh(lang)
    if mps is None or (isinstance(mps, float) and math.isinf(mps)):
        return "瞬间" if zh else "an instant"
    return f"{float(mps) * 3.6:,.0f} 公里/小时" if zh else f"{float(mps) * 3.6:,.0f} km/h"


def fmt_money(yuan: Any, lang: str) -> str:
    """``¥2,544.90`` in Chinese, ``CN¥2,544.90`` in English (the house's money format)."""
    x = float(yuan)
    return f"¥{x:,.2f}" if _zh(lang) else f"CN¥{x:,.2f}"


def fmt_count(n: Any) -> str:
    return f"{int(n):,}"


def _as_dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def fmt_time(value: Any, tz: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in the rep's zone (UTC when none is known), ``—`` when unreadable."""
    when = _as_dt(value)
    if when is None:
        return "—"
    try:
        zone = ZoneInfo(tz) if tz else UTC
    except (KeyError, ValueError):
        zone = UTC
    return when.astimezone(zone).strftime(fmt)


def fmt_date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10] if value else "—"


def label(kind: str, value: Any, lang: str) -> str:
    """An enumerated value in words (the raw value when the table does not know it)."""
    pair = ENUM_LABELS.get(kind, {}).get(str(value))
    if pair is None:
        return str(value).replace("_", " ")
    return pair[0] if _zh(lang) else pair[1]


# ---------------------------------------------------------------- variants and values


def variant(rule: str, evidence: Mapping[str, Any]) -> str:
    """Which template of the rule fits this evidence."""
    if rule == "MOCK_LOCATION":
        source = evidence["source"]
        if source == "device_event" and int(evidence.get("count", 1)) > 1:
            return "device_events"
        return source
    if rule == "PHOTO_REUSE":
        return "exact" if evidence.get("same_sha256") else "near"
    if rule == "GEOFENCE_MISS":
        return evidence["source"]
    if rule == "PHOTO_TIME_MISMATCH":
        taken = _as_dt(evidence.get("taken_at"))
        start = _as_dt(evidence.get("window_start"))
        return "early" if taken and start and taken < start else "late"
    if rule == "SIGNAL_GAP":
        return "plausible" if evidence.get("plausible") else "implausible"
    if rule == "FREQUENCY_MISS":
        return "last" if evidence.get("last_visit") else "never"
    if rule == "SOP_INCOMPLETE":
        missing, late = evidence.get("missing"), evidence.get("late")
        return "both" if missing and late else ("late" if late else "missing")
    return ""


def _values(rule: str, ev: Mapping[str, Any], row: Mapping[str, Any], lang: str, tz):
    """The placeholder values of one finding (only what its rule's templates name)."""
    customer = row.get("customer_name") or row.get("customer_id") or ev.get("customer_id") or "—"
    when = row.get("ts")
    day = row.get("local_date") or row.get("date")
    d, dur = (lambda k: fmt_distance(ev[k], lang)), (lambda k: fmt_duration(ev[k], lang))
    if rule == "MOCK_LOCATION":
        return {
            "count": fmt_count(ev["count"]),
            "time": fmt_time(when, tz),
            "customer": customer,
            "event_kind": label("event_kind", ev.get("event_kind"), lang),
        }
    if rule == "TRACK_MISMATCH":
        return {
            "customer": customer,
            "distance": d("distance_m"),
            "limit": d("limit_m"),
            "window": fmt_duration(ev["window_s"], lang),
            "fixes": fmt_count(len(ev["fix_ids"])),
        }
    if rule == "PHOTO_REUSE":
        return {
            "matched_visit": ev["matched_visit_id"],
            "hamming": fmt_count(ev["hamming"]),
            "max_hamming": fmt_count(ev["max_hamming"]),
        }
    if rule == "IMPOSSIBLE_SPEED":
        acc_a, acc_b = ev["accuracy_m"]
        return {
            "distance": d("distance_m"),
            "duration": dur("duration_s"),
            "speed": fmt_speed(ev["speed_mps"], lang),
            "limit_speed": fmt_speed(ev["limit_mps"], lang),
            "accuracy_a": fmt_distance(acc_a, lang),
            "accuracy_b": fmt_distance(acc_b, lang),
            "max_accuracy": d("max_accuracy_m"),
        }
    if rule == "STATIC_SPOOF":
        return {
            "fixes": fmt_count(ev["fixes"]),
            "span": dur("span_s"),
            "min_fixes": fmt_count(ev["min_fixes"]),
            "min_span": dur("min_span_s"),
        }
    if rule == "GEOFENCE_MISS":
        return {"customer": customer, "distance": d("distance_m"), "limit": d("limit_m")}
    if rule == "CLUSTERED_CHECKINS":
        return {
            "checkins": fmt_count(len(ev["visit_ids"])),
            "span": dur("span_s"),
            "spread": d("spread_m"),
            "customer_distance": d("customer_min_distance_m"),
        }
    if rule == "DEVICE_SHARED":
        others = [r for r in ev["rep_ids"] if r != row.get("rep_id")]
        return {
            "device": ev["device_id"],
            "reps": fmt_count(ev["reps"]),
            "date": fmt_date(day),
            "others": ", ".join(others) or "—",
        }
    if rule == "SHORT_VISIT":
        return {"customer": customer, "dwell": dur("dwell_s"), "min_dwell": dur("min_dwell_s")}
    if rule == "PHOTO_TIME_MISMATCH":
        return {"customer": customer, "offset": dur("offset_s"), "slack": dur("slack_s")}
    if rule == "SIGNAL_GAP":
        return {
            "gap": dur("gap_s"),
            "min_gap": dur("min_gap_s"),
            "reason": label("reason", ev["reason"], lang),
            "displacement": d("displacement_m"),
        }
    if rule == "OFF_HOURS":
        return {
            "customer": customer,
            "time": fmt_time(ev["checkin_at"], tz, "%H:%M"),
            "work_start": fmt_time(ev["work_start"], tz, "%H:%M"),
            "work_end": fmt_time(ev["work_end"], tz, "%H:%M"),
        }
    if rule == "FREQUENCY_MISS":
        return {
            "customer": customer,
            "grade": ev["grade"],
            "days": fmt_count(ev["days_since"]),
            "limit": f"{ev['limit_days']:g}",
            "last": fmt_date(ev.get("last_visit")),
        }
    if rule == "SOP_INCOMPLETE":
        return {
            "customer": customer,
            "missing": fmt_count(len(ev["missing"])),
            "late": fmt_count(len(ev["late"])),
            "version": ev["version"],
        }
    amount = row.get("amount")
    money = fmt_money(amount, lang) if amount is not None else "—"
    category = label("category", ev.get("category"), lang)
    if rule == "MILEAGE_INFLATED":
        return {
            "claimed": fmt_km(ev["claimed_km"], lang),
            "tracked": fmt_km(ev["tracked_km"], lang),
            "limit": fmt_km(ev["limit_km"], lang),
        }
    if rule in ("NO_VISIT_DAY", "FRAUD_DAY_CLAIM"):
        return {
            "category": category,
            "amount": money,
            "date": fmt_date(day),
            "alerts": fmt_count(len(ev.get("alert_ids") or ())),
        }
    if rule == "HOTEL_CITY_MISMATCH":
        return {"city": ev["city"], "date": fmt_date(day)}
    if rule == "DUPLICATE_RECEIPT":
        return {"first_claim": ev["first_claim_id"]}
    if rule == "OVER_CAP":
        return {
            "category": category,
            "date": fmt_date(day),
            "total": fmt_money(ev["total_cny"], lang),
            "cap": fmt_money(ev["cap_cny"], lang),
            "excess": fmt_money(ev["excess_cny"], lang),
        }
    if rule == "ENTERTAINMENT_NO_VISIT":
        return {"customer": ev.get("customer_id") or "—", "amount": money}
    raise KeyError(f"no summary template for rule {rule!r}")


def render(
    rule: str,
    evidence: Mapping[str, Any],
    lang: str,
    *,
    row: Mapping[str, Any] | None = None,
    tz: str | None = None,
) -> str:
    """The summary of one finding in ``lang`` ("zh" or "en"): its rule's template filled from
    ``evidence`` and ``row`` (customer_name/customer_id, rep_id, ts, local_date or date, amount).
    Raises KeyError naming the rule when the evidence lacks what the template needs."""
    zh = _zh(lang)
    variants = TEMPLATES.get(rule)
    if variants is None:
        raise KeyError(f"no summary template for rule {rule!r}")
    row = row or {}
    try:
        template = variants[variant(rule, evidence)][0 if zh else 1]
        return template.format(**_values(rule, evidence, row, lang, tz))
    except (KeyError, TypeError, ValueError) as exc:
        raise KeyError(f"{rule}: evidence cannot fill its summary ({exc!r})") from None


def summary_of(row: Mapping[str, Any], lang: str, *, tz: str | None = None) -> str:
    """A stored alert or flag row's summary in ``lang``: rendered from its rule and evidence;
    the stored summary when the evidence is missing or older than the templates (never blank)."""
    evidence = row.get("evidence")
    rule = row.get("rule")
    if isinstance(rule, str) and isinstance(evidence, Mapping):
        try:
            return render(rule, evidence, lang, row=row, tz=tz or row.get("timezone"))
        except KeyError:
            pass
    return str(row.get("summary") or "")
