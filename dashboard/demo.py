"""Generate a deterministic demo company: contract wire records for a realistic sales field force.

Pure: everything derives from ``DemoConfig.seed`` and ``DemoConfig.now``; no clock, no global
randomness, no I/O. The same configuration yields byte-identical records.

The company: four regions, ~12 teams in nine Chinese cities, reps with their own customers,
plans, GPS tracks, visits (check-in, SOP steps, photos, orders, check-out), device events and
expense claims. Most of it is honest and stays clearly below every threshold of contract §2/§3;
a minority of rep-days carries one injected, unambiguous violation each, reported as an
``InjectedCase`` so that the rules' precision and recall can be measured against ground truth.

Visit frequency is honest but imperfect, as in a real field force: teams and reps differ in
diligence, and each rep neglects a share of their customers (small ones first) while visiting
their favourites more often than needed. Grade compliance over 28 days thus varies by team (about
55-95 %), with overdue customers in every grade; this is not a violation and injects no case.

What ``InjectedCase.ref`` names, per rule:

- visit id (``v-...``): GEOFENCE_MISS, TRACK_MISMATCH, SHORT_VISIT, PHOTO_REUSE (the later visit),
  PHOTO_TIME_MISMATCH, OFF_HOURS, CLUSTERED_CHECKINS (the first visit of the cluster; the others are
  in ``note``). Every clustered check-in also lies far outside its geofence: each is reported as an
  extra GEOFENCE_MISS case whose note says so.
- fix id (``fix-...``): IMPOSSIBLE_SPEED (the later fix of a jump: a teleport jumps away and
  back, so it yields two cases whose notes link them), STATIC_SPOOF (the first frozen fix),
  SIGNAL_GAP (the last fix before the gap; the expected ``reason`` is in ``note``).
- local ISO date (``YYYY-MM-DD``): MOCK_LOCATION (the sources that fire are in ``note``) and
  DEVICE_SHARED (one case for each of the two reps on the device that day: the borrower, whose
  note names the owner, and the owner, whose note says "owner side").
- claim id (``exp-...``): MILEAGE_INFLATED, NO_VISIT_DAY, HOTEL_CITY_MISMATCH, DUPLICATE_RECEIPT
  (the later claim), FRAUD_DAY_CLAIM (every claim of a day that carries a critical injection),
  OVER_CAP (one case per claim of the over-cap category and date), ENTERTAINMENT_NO_VISIT.

All ids carry the rep number and the local date (``v-007-20261126-03``), so a case's day can be
read from its ``ref``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any, NamedTuple

import numpy as np

from dashboard.geo import metres_per_degree
from dashboard.rules import AUTHENTICITY_RULES, EXPENSE_RULES, SEVERITY

__all__ = [
    "AUTHENTICITY_RULES",
    "EXPENSE_RULES",
    "MAX_BATCH_RECORDS",
    "DemoConfig",
    "InjectedCase",
    "estimate_record_count",
    "iter_demo_batches",
]

_CRITICAL = frozenset(rule for rule, level in SEVERITY.items() if level == "critical")
# The order in which injected rules claim rep-days: contract §2's, not dashboard.rules' (by
# severity). Every injection of every seed depends on it; a rule missing here fails loudly.
_CLAIM_ORDER = (
    "MOCK_LOCATION",
    "IMPOSSIBLE_SPEED",
    "GEOFENCE_MISS",
    "TRACK_MISMATCH",
    "STATIC_SPOOF",
    "SHORT_VISIT",
    "PHOTO_REUSE",
    "PHOTO_TIME_MISMATCH",
    "CLUSTERED_CHECKINS",
    "DEVICE_SHARED",
    "OFF_HOURS",
    "SIGNAL_GAP",
    *EXPENSE_RULES,
)

MAX_BATCH_RECORDS = 50_000
# China has had no daylight saving time since 1991: Asia/Shanghai is exactly UTC+08:00.
LOCAL_TZ = timezone(timedelta(hours=8))
_TZ_NAME = "Asia/Shanghai"
_MILEAGE_RATE_CNY_PER_KM = 0.8
_DAY_S = 86_400

# Share of active reps that receive each injected rule over the period (at least one rep).
_INJECT_RATE = 0.05
_INJECT_RATE_BY_RULE = {"SIGNAL_GAP": 0.08}
_TRIP_RATE = 0.04
_HONEST_LEAVE_P = 0.01
_EARLY_FIX_P = 0.2

# Calibrated on the default company (see estimate_record_count).
_EST_FIXES_PER_REP_DAY = 705
_EST_OTHER_PER_REP_DAY = 75


@dataclass(frozen=True)
class DemoConfig:
    """What to generate: ``now`` is the aware instant the demo ends at (required)."""

    now: datetime
    seed: int = 7
    reps: int = 108
    days: int = 20
    customers_per_rep: int = 30

    def __post_init__(self) -> None:
        if not isinstance(self.now, datetime) or self.now.utcoffset() is None:
            raise ValueError("now must be a timezone-aware datetime")
        if self.reps < 1:
            raise ValueError("reps must be at least 1")
        if self.days < 0:
            raise ValueError("days must not be negative")
        if self.customers_per_rep < 1:
            raise ValueError("customers_per_rep must be at least 1")


@dataclass(frozen=True)
class InjectedCase:
    """One injected violation: the rule expected to fire, for which rep, about what (``ref``)."""

    rule: str
    rep_id: str
    ref: str
    note: str = ""


# ---------------------------------------------------------------------------------- static data


def _words(*lines: str) -> tuple[str, ...]:
    """Split space-separated words (keeps the long Chinese name lists readable)."""
    return tuple(" ".join(lines).split())


@dataclass(frozen=True)
class _City:
    """A city: its centre (WGS-84) and where in it customers may lie.

    Districts are listed by compass sector: ``inner`` for N, E, S, W within 4 km of the centre,
    ``outer`` for N, NE, E, SE, S, SW, W, NW beyond. Customers are placed at bearings within
    ``bearing_from`` + ``bearing_span`` (Shenzhen's south is Hong Kong and the bay; west of
    Guangzhou is Foshan) and never inside an ``avoid`` circle (lakes: lat, lon, radius m).
    """

    code: str
    name: str
    region: str
    lat: float
    lon: float
    inner: tuple[str, ...]
    outer: tuple[str, ...]
    bearing_from: float = 0.0
    bearing_span: float = 360.0
    avoid: tuple[tuple[float, float, float], ...] = ()

    def bearing(self, u: float) -> float:
        """Map u in [0, 1) onto the allowed bearings (degrees clockwise from north)."""
        return (self.bearing_from + self.bearing_span * u) % 360.0

    def district(self, bearing: float, radius_m: float) -> str:
        if radius_m < 4000:
            return self.inner[int(((bearing + 45.0) % 360.0) // 90.0)]
        return self.outer[int(((bearing + 22.5) % 360.0) // 45.0)]

    def allowed(self, lat: float, lon: float) -> bool:
        kx, ky = metres_per_degree(lat)
        return all(math.hypot((lat - a) * ky, (lon - o) * kx) > r for a, o, r in self.avoid)


_REGIONS = (
    ("east", "华东大区"),
    ("south", "华南大区"),
    ("north", "华北大区"),
    ("west", "西部大区"),
)
_CITIES = {
    c.code: c
    for c in (
        _City(
            "sh",
            "上海",
            "east",
            31.2304,
            121.4737,
            _words("虹口区 黄浦区 徐汇区 静安区"),
            _words("宝山区 杨浦区 浦东新区 浦东新区 闵行区 徐汇区 长宁区 普陀区"),
        ),
        _City(
            "hz",
            "杭州",
            "east",
            30.2741,
            120.1551,
            _words("拱墅区 上城区 上城区 西湖区"),
            _words("拱墅区 临平区 上城区 萧山区 滨江区 西湖区 西湖区 余杭区"),
            avoid=((30.2450, 120.1420, 1900.0),),  # West Lake
        ),
        _City(
            "su",
            "苏州",
            "east",
            31.2990,
            120.5853,
            _words("姑苏区 姑苏区 姑苏区 姑苏区"),
            _words("相城区 相城区 工业园区 工业园区 吴中区 吴中区 虎丘区 虎丘区"),
            avoid=((31.3100, 120.6750, 1900.0),),  # Jinji Lake
        ),
        _City(
            "gz",
            "广州",
            "south",
            23.1291,
            113.2644,
            _words("越秀区 越秀区 海珠区 荔湾区"),
            _words("白云区 天河区 天河区 海珠区 番禺区 海珠区 荔湾区 白云区"),
            bearing_from=300.0,
            bearing_span=260.0,
        ),
        _City(
            "sz",
            "深圳",
            "south",
            22.5431,
            114.0579,
            _words("福田区 罗湖区 福田区 福田区"),
            _words("龙华区 龙岗区 罗湖区 罗湖区 福田区 南山区 南山区 宝安区"),
            bearing_from=260.0,
            bearing_span=175.0,
        ),
        _City(
            "bj",
            "北京",
            "north",
            39.9042,
            116.4074,
            _words("东城区 东城区 东城区 西城区"),
            _words("朝阳区 朝阳区 朝阳区 通州区 丰台区 丰台区 石景山区 海淀区"),
        ),
        _City(
            "tj",
            "天津",
            "north",
            # Downtown (Heping). 39.3434,117.3616 is the municipality's centroid, 30 km away
            # among fields in Wuqing: no place for a city sales team.
            39.1336,
            117.2054,
            _words("河北区 河东区 河西区 南开区"),
            _words("北辰区 东丽区 东丽区 津南区 津南区 西青区 西青区 北辰区"),
        ),
        _City(
            "cd",
            "成都",
            "west",
            30.5728,
            104.0668,
            _words("金牛区 锦江区 武侯区 青羊区"),
            _words("金牛区 成华区 锦江区 锦江区 高新区 武侯区 青羊区 金牛区"),
        ),
        _City(
            "cq",
            "重庆",
            "west",
            29.5630,
            106.5516,
            _words("江北区 南岸区 南岸区 渝中区"),
            _words("渝北区 江北区 南岸区 南岸区 巴南区 九龙坡区 沙坪坝区 沙坪坝区"),
        ),
    )
}
# Team i goes to city _TEAM_CITIES[i % 13]: every city gets a team before any gets a second one.
_TEAM_CITIES = ("sh", "hz", "su", "gz", "sz", "bj", "tj", "cd", "cq", "sh", "gz", "bj", "sz")
# The nearest city of the same region, for overnight trips.
_TRIP_PARTNER = {
    "sh": "su",
    "su": "sh",
    "hz": "sh",
    "gz": "sz",
    "sz": "gz",
    "bj": "tj",
    "tj": "bj",
    "cd": "cq",
    "cq": "cd",
}

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
)
_GIVEN = _words(
    "伟 娜 芳 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 华 飞 鑫",
    "波 宇 浩 凯 婷 雪 琳 晨 欣怡 子涵 思远 建国 志强 海燕 晓东 文博 雨轩 俊杰",
    "佳怡 国栋 丽娟 建华 玉兰 春梅 海波 振华 晓燕 志伟 丹丹 亮 斌 颖 倩 慧 峰",
    "嘉怡 梓涵 浩然 一鸣",
)
_SHOP_CHAINS = (
    "华联超市",
    "联华超市",
    "永辉超市",
    "物美超市",
    "世纪联华",
    "大润发",
    "家乐福",
    "华润万家",
    "美宜佳便利店",
    "全家便利店",
    "罗森便利店",
    "好德便利店",
    "苏果超市",
    "人人乐超市",
    "盒马鲜生",
    "天虹超市",
    "红旗连锁",
    "7-Eleven便利店",
    "喜士多便利店",
    "百佳超市",
)
_PHARMACY_CHAINS = (
    "老百姓大药房",
    "益丰大药房",
    "大参林药房",
    "一心堂药店",
    "海王星辰药房",
    "国大药房",
    "同仁堂药店",
    "漱玉平民大药房",
    "健之佳药房",
    "华氏大药房",
)
_DEALER_WORDS = _words(
    "鑫源 恒通 华信 利达 永盛 宏发 金泰 瑞丰 顺达 兴隆 东方 百利 德昌 嘉禾 汇通 广源",
    "裕丰 盛世 鼎新 富邦 天成 锦程 佳和 万顺",
)
_DEALER_TRADES = ("食品", "日化", "酒水", "快消品", "副食品")
_DEALER_SUFFIXES = ("商贸有限公司", "贸易有限公司", "经销部", "批发部")
_ROADS = _words(
    "中山 人民 解放 建设 和平 新华 胜利 长江 文化 光明 幸福 友谊 青年 工业 学院 滨河",
    "东风 红旗 健康 迎宾 花园 振兴 金桥 南京 延安 复兴 淮海 湖滨",
)

_KIND_SHOP, _KIND_PHARMACY, _KIND_DEALER = 0, 1, 2
_TEMPLATES = (
    (
        "sop-standard",
        "标准门店拜访",
        (
            ("storefront_photo", True),
            ("shelf_check", True),
            ("stock_count", True),
            ("promo_check", False),
            ("competitor_note", False),
            ("order_taking", False),
        ),
    ),
    (
        "sop-pharmacy",
        "药店拜访(简版)",
        (
            ("storefront_photo", True),
            ("shelf_check", True),
            ("staff_training", False),
            ("order_taking", False),
        ),
    ),
    (
        "sop-dealer",
        "经销商拜访",
        (
            ("storefront_photo", True),
            ("stock_count", True),
            ("meeting_note", True),
            ("payment_followup", False),
            ("order_taking", False),
        ),
    ),
)
# Target visit interval in working days per grade: A about weekly, B fortnightly, C monthly.
_GRADE_INTERVAL = {"A": 5.0, "B": 10.0, "C": 20.0}
# Diligence: a team's mean (its manager) and each rep's spread around it, clipped.
_TEAM_DILIGENCE = (0.35, 0.95)
_REP_DILIGENCE_SD = 0.14
_DILIGENCE_RANGE = (0.3, 0.98)
# A customer is neglected with probability (1 - diligence) * weight of its grade + floor: small
# customers first. A neglected customer gets this share of the attention of a looked-after one.
_NEGLECT_WEIGHT = {"A": 0.6, "B": 0.9, "C": 1.4}
_NEGLECT_FLOOR = 0.02
_NEGLECT_ATTENTION = (0.02, 0.25)
_PROVIDERS = ("gps", "fused", "network", "wifi")
_PROVIDER_P = (0.58, 0.30, 0.07, 0.05)
_ACC_LO = np.array([5.0, 5.0, 15.0, 10.0])
_ACC_HI = np.array([15.0, 20.0, 30.0, 25.0])
# Phones as noisy as real ones (contract §2a), on honest rep-days only: cell-tower fallback fixes
# kilometres off, cached indoor positions while visiting, and a couple of poor devices.
_FALLBACK_DAY_P = 0.45
_CACHED_VISIT_P = 0.35
_POOR_PHONE_IDX = (6, 22)  # rep indices (mod 100) whose phones send many coarse fixes
_POOR_COARSE_SHARE = 0.45
# Injected rules that the day's fixes carry: their fixes stay as injected, unblurred.
_FIX_RULES = frozenset({"IMPOSSIBLE_SPEED", "STATIC_SPOOF", "TRACK_MISMATCH", "MOCK_LOCATION"})
_GAP_EVENTS = (
    ("power_off", "power_on"),
    ("location_permission_revoked", "location_permission_granted"),
    ("network_lost", "network_restored"),
    ("app_killed", "app_started"),
    (None, None),
)
_MEETING_NOTES = (
    "沟通下季度备货计划",
    "确认促销政策",
    "对账并催收货款",
    "新品推广沟通",
    "调整陈列协议",
)
_COMPETITOR_NOTES = (
    "竞品买二送一",
    "竞品新品上架",
    "竞品降价促销",
    "无明显竞品活动",
    "竞品增加堆头",
)


def _cn_num(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 100:
        tens = "" if n < 20 else digits[n // 10]
        return f"{tens}十{digits[n % 10] if n % 10 else ''}"
    return str(n)


def _district_short(full: str) -> str:
    if full.endswith("新区"):
        return full[:-2]
    if full == "工业园区":
        return "园区"
    return full[:-1] if full.endswith("区") and len(full) > 2 else full


@cache
def _second_suffixes() -> tuple[str, ...]:
    """Return 'Thh:mm:ss+08:00' for every second of a day (timestamps are date + this)."""
    return tuple(
        f"T{h:02d}:{m:02d}:{s:02d}+08:00" for h in range(24) for m in range(60) for s in range(60)
    )


@cache
def _counters() -> tuple[str, ...]:
    """Return '0000'..'9999' (fix numbers within a rep-day; at most 2,880 fixes fit a day)."""
    return tuple(f"{k:04d}" for k in range(10_000))


def _hhmm_s(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 3600 + int(m) * 60


def _n_teams(reps: int) -> int:
    return max(1, round(reps / 9))


def _n_inactive(reps: int) -> int:
    return min(2, reps // 9)


# ---------------------------------------------------------------------------------- the world


@dataclass
class _Team:
    idx: int
    id: str
    name: str
    city: _City
    office_lat: float
    office_lon: float
    reps: list[int] = field(default_factory=list)


@dataclass
class _Rep:
    idx: int
    id: str
    num: str
    name: str
    team: _Team
    device_id: str
    work_start: str
    work_end: str
    active: bool
    driver: bool
    home_lat: float = 0.0
    home_lon: float = 0.0
    customers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def ws(self) -> int:
        return _hhmm_s(self.work_start)

    @property
    def we(self) -> int:
        return _hhmm_s(self.work_end)


@dataclass
class _Slot:
    """What a rep-day carries besides honest work: one injected rule or a trip leg."""

    kind: str
    variant: int = 0
    other: int = -1  # DEVICE_SHARED: the owner of the borrowed device; DEVICE_OWNER: the borrower
    city: str = ""  # trips: the destination city code
    hotel: tuple[float, float] = (0.0, 0.0)
    overcap_hotel: bool = False


@dataclass
class _World:
    cfg: DemoConfig
    teams: list[_Team]
    reps: list[_Rep]
    cust_id: list[str]
    cust_name: list[str]
    cust_addr: list[str]
    cust_lat: np.ndarray
    cust_lon: np.ndarray
    cust_city: list[str]
    cust_kind: list[int]
    cust_grade: list[str]
    cust_geofence: list[int]
    cust_revenue: list[int]
    cust_owner: list[int]
    cust_interval: np.ndarray
    last_visit: np.ndarray
    # How much the owner cares: about 1 for a looked-after customer, well below 1 if neglected.
    cust_attention: np.ndarray
    city_customers: dict[str, np.ndarray]
    photo_pool: dict[int, list[tuple[str, str, str, str]]] = field(default_factory=dict)
    receipt_pool: dict[int, list[dict[str, Any]]] = field(default_factory=dict)

    def master_records(self) -> list[dict[str, Any]]:
        used_regions = {t.city.region for t in self.teams}
        out: list[dict[str, Any]] = [
            {"type": "region", "id": f"reg-{code}", "name": name}
            for code, name in _REGIONS
            if code in used_regions
        ]
        out += [
            {"type": "team", "id": t.id, "name": t.name, "region_id": f"reg-{t.city.region}"}
            for t in self.teams
        ]
        out += [
            {
                "type": "rep",
                "id": r.id,
                "name": r.name,
                "team_id": r.team.id,
                "device_id": r.device_id,
                "timezone": _TZ_NAME,
                "work_start": r.work_start,
                "work_end": r.work_end,
                "active": r.active,
            }
            for r in self.reps
        ]
        out += [
            {
                "type": "sop_template",
                "id": tid,
                "name": name,
                "steps": [{"code": c, "required": req} for c, req in steps],
            }
            for tid, name, steps in _TEMPLATES
        ]
        lats, lons = self.cust_lat.tolist(), self.cust_lon.tolist()
        for c, cid in enumerate(self.cust_id):
            owner = self.cust_owner[c]
            rec: dict[str, Any] = {
                "type": "customer",
                "id": cid,
                "name": self.cust_name[c],
                "lat": lats[c],
                "lon": lons[c],
                "crs": "wgs84",
                "city": _CITIES[self.cust_city[c]].name,
                "address": self.cust_addr[c],
                "grade": self.cust_grade[c],
                "geofence_m": self.cust_geofence[c],
                "annual_revenue": self.cust_revenue[c],
            }
            if owner >= 0:
                rec["owner_rep_id"] = self.reps[owner].id
            out.append(rec)
        return out


def _offset_latlon(lat: float, lon: float, dx_m: float, dy_m: float) -> tuple[float, float]:
    kx, ky = metres_per_degree(lat)
    return lat + dy_m / ky, lon + dx_m / kx


def _place(city: _City, bearing_deg: float, dist_m: float) -> tuple[float, float]:
    """Return the point dist_m from the city centre at a bearing (degrees from north)."""
    a = math.radians(bearing_deg)
    return _offset_latlon(city.lat, city.lon, dist_m * math.sin(a), dist_m * math.cos(a))


def _build_world(cfg: DemoConfig) -> _World:
    g = np.random.default_rng([cfg.seed, 0])
    r = random.Random(int(g.integers(2**62)))
    n_teams = _n_teams(cfg.reps)
    per_city: dict[str, int] = {}
    teams: list[_Team] = []
    for i in range(n_teams):
        city = _CITIES[_TEAM_CITIES[i % len(_TEAM_CITIES)]]
        k = per_city[city.code] = per_city.get(city.code, 0) + 1
        olat, olon = _place(city, city.bearing(r.random()), r.uniform(300, 2000))
        teams.append(
            _Team(i, f"team-{city.code}-{k}", f"{city.name}{_cn_num(k)}组", city, olat, olon)
        )

    width = max(3, len(str(cfg.reps)))
    base, extra = divmod(cfg.reps, n_teams)
    reps: list[_Rep] = []
    names: set[str] = set()
    devices: set[str] = set()
    for t in teams:
        for _ in range(base + (1 if t.idx < extra else 0)):
            i = len(reps)
            name = r.choice(_SURNAMES) + r.choice(_GIVEN)
            for _ in range(50):
                if name not in names:
                    break
                name = r.choice(_SURNAMES) + r.choice(_GIVEN)
            else:
                name = f"{name}{i + 1}"
            names.add(name)
            dev = f"dev-{r.getrandbits(48):012x}"
            while dev in devices:
                dev = f"dev-{r.getrandbits(48):012x}"
            devices.add(dev)
            late = r.random() < 0.15
            reps.append(
                _Rep(
                    idx=i,
                    id=f"rep-{i + 1:0{width}d}",
                    num=f"{i + 1:0{width}d}",
                    name=name,
                    team=t,
                    device_id=dev,
                    work_start="09:00" if late else "08:30",
                    work_end="18:00" if late else "18:30",
                    active=True,
                    driver=r.random() < 0.85,
                )
            )
            t.reps.append(i)
    # A couple of reps have left: never the first of a team, at most one per team of 3+.
    candidates = [t.reps[-1] for t in teams if len(t.reps) >= 3]
    for i in r.sample(candidates, min(_n_inactive(cfg.reps), len(candidates))):
        reps[i].active = False

    # Customers: scattered within 15 km of the city centre, denser towards it; each team's
    # customers are cut into angular wedges, one territory per active rep.
    ids: list[str] = []
    names_c: list[str] = []
    addrs: list[str] = []
    lat_l: list[float] = []
    lon_l: list[float] = []
    city_l: list[str] = []
    kind_l: list[int] = []
    owner_l: list[int] = []
    n_total = cfg.reps * cfg.customers_per_rep
    cwidth = max(5, len(str(n_total)))
    seen_names: set[str] = set()
    for t in teams:
        active = [i for i in t.reps if reps[i].active]
        n = len(t.reps) * cfg.customers_per_rep
        # u: position within the allowed bearings (sorted, so wedges are contiguous).
        u = np.sort(g.random(n))
        rad = 600.0 + 14_400.0 * g.random(n) ** 1.25
        kinds = g.choice(3, size=n, p=[0.6, 0.25, 0.15])
        chunks = np.array_split(np.arange(n), len(active))
        for rep_i, chunk in zip(active, chunks, strict=True):
            rep = reps[rep_i]
            first = len(ids)
            for j in chunk.tolist():
                bearing, d = t.city.bearing(float(u[j])), float(rad[j])
                la, lo = _place(t.city, bearing, d)
                while not t.city.allowed(la, lo):  # in a lake: move along the ray
                    d = d + 400.0 if d < 14_000 else r.uniform(600.0, 3000.0)
                    la, lo = _place(t.city, bearing, d)
                district = t.city.district(bearing, d)
                kind = int(kinds[j])
                road = r.choice(_ROADS)
                road = road + (r.choice("东西南北中") if r.random() < 0.4 else "") + "路"
                name = _customer_name(r, kind, t.city, district, road, seen_names)
                ids.append(f"cust-{len(ids) + 1:0{cwidth}d}")
                names_c.append(name)
                addrs.append(f"{t.city.name}市{district}{road}{r.randint(1, 999)}号")
                lat_l.append(round(la, 6))
                lon_l.append(round(lo, 6))
                city_l.append(t.city.code)
                kind_l.append(kind)
                owner_l.append(rep_i)
            rep.customers = np.arange(first, len(ids), dtype=np.int64)
            mid = t.city.bearing(float(u[chunk].mean()) if len(chunk) else r.random())
            hd = r.uniform(2500.0, 9000.0)
            rep.home_lat, rep.home_lon = _place(t.city, mid, hd)
            while not t.city.allowed(rep.home_lat, rep.home_lon):
                hd += 500.0
                rep.home_lat, rep.home_lon = _place(t.city, mid, hd)
    n_c = len(ids)
    revenue = np.exp(g.normal(12.0, 1.3, n_c)) * np.where(np.array(kind_l) == _KIND_DEALER, 3, 1)
    revenue = np.maximum(np.round(revenue, -2), 5_000.0)
    grade = _grades(revenue)
    geofence = g.choice([200, 100, 150, 300], size=n_c, p=[0.75, 0.08, 0.09, 0.08])
    interval = np.array([_GRADE_INTERVAL[x] for x in grade])
    city_customers: dict[str, np.ndarray] = {}
    city_arr = np.array(city_l)
    for code in sorted(set(city_l)):
        city_customers[code] = np.flatnonzero(city_arr == code)
    return _World(
        cfg=cfg,
        teams=teams,
        reps=reps,
        cust_id=ids,
        cust_name=names_c,
        cust_addr=addrs,
        cust_lat=np.array(lat_l),
        cust_lon=np.array(lon_l),
        cust_city=city_l,
        cust_kind=kind_l,
        cust_grade=grade,
        cust_geofence=[int(x) for x in geofence.tolist()],
        cust_revenue=[int(x) for x in revenue.tolist()],
        cust_owner=owner_l,
        cust_interval=interval,
        # Stagger the "last visit" so that day one does not find every customer equally due.
        last_visit=-g.random(n_c) * interval,
        cust_attention=_attention(cfg, teams, reps, grade),
        city_customers=city_customers,
    )


def _attention(
    cfg: DemoConfig, teams: list[_Team], reps: list[_Rep], grade: list[str]
) -> np.ndarray:
    """Return each customer's attention factor from the diligence of its owner.

    Real field forces do not meet every frequency rule: each team has a manager-driven level of
    diligence, each rep varies around it, and a rep neglects a share of their customers (more of
    them the less diligent the rep, small customers first). A looked-after customer gets an
    attention of about 1, a neglected one a small fraction: it is visited seldom or never, while
    the rep's day fills up with the favourites. Its own random stream: the rest of the world does
    not depend on it.
    """
    g = np.random.default_rng([cfg.seed, 5])
    att = np.ones(len(grade))
    team_level = g.uniform(*_TEAM_DILIGENCE, size=len(teams))
    noise = g.normal(0.0, _REP_DILIGENCE_SD, size=len(reps))
    for rep in reps:
        n = len(rep.customers)
        u, a, f = g.random(n), g.uniform(*_NEGLECT_ATTENTION, size=n), g.uniform(0.8, 1.2, size=n)
        diligence = float(np.clip(team_level[rep.team.idx] + noise[rep.idx], *_DILIGENCE_RANGE))
        for k, c in enumerate(rep.customers.tolist()):
            p = (1.0 - diligence) * _NEGLECT_WEIGHT[grade[c]] + _NEGLECT_FLOOR
            att[c] = a[k] if u[k] < p else f[k]
    return att


def _customer_name(
    r: random.Random, kind: int, city: _City, district: str, road: str, seen: set[str]
) -> str:
    short = _district_short(district)
    if kind == _KIND_DEALER:
        for _ in range(20):
            name = (
                f"{city.name}{r.choice(_DEALER_WORDS)}{r.choice(_DEALER_TRADES)}"
                f"{r.choice(_DEALER_SUFFIXES)}"
            )
            if name not in seen:
                break
        else:
            name = f"{city.name}{r.choice(_DEALER_WORDS)}{len(seen)}商贸有限公司"
    else:
        chain = r.choice(_SHOP_CHAINS if kind == _KIND_SHOP else _PHARMACY_CHAINS)
        name = f"{chain}({short}{road}店)"
        k = 2
        while name in seen:
            name = f"{chain}({short}{road}{_cn_num(k)}店)"
            k += 1
    seen.add(name)
    return name


def _grades(revenue: np.ndarray) -> list[str]:
    """Grade by revenue share: the top customers holding 80 % are A, the next 15 % B, the rest C."""
    order = np.argsort(-revenue, kind="stable")
    share = revenue[order] / revenue.sum()
    before = np.cumsum(share) - share
    ranked = np.where(before < 0.80, "A", np.where(before < 0.95, "B", "C"))
    out = np.empty(len(revenue), dtype="<U1")
    out[order] = ranked
    return out.tolist()


# ---------------------------------------------------------------------------------- schedule


def _working_days(cfg: DemoConfig) -> tuple[list[date], date | None, int]:
    """Return the complete working days, today's date if it is a working day, and now (s)."""
    now_local = cfg.now.astimezone(LOCAL_TZ)
    today = now_local.date()
    days: list[date] = []
    d = today
    while len(days) < cfg.days:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            days.append(d)
    days.reverse()
    now_s = now_local.hour * 3600 + now_local.minute * 60 + now_local.second
    return days, (today if today.weekday() < 5 else None), now_s


def _plan_schedule(w: _World, n_days: int) -> dict[tuple[int, int], _Slot]:
    """Choose which rep-days carry a trip or an injected rule (one per rep-day)."""
    g = np.random.default_rng([w.cfg.seed, 3])
    r = random.Random(int(g.integers(2**62)))
    active = [rep.idx for rep in w.reps if rep.active]
    slots = [(i, d) for i in active for d in range(n_days)]
    r.shuffle(slots)
    used: dict[tuple[int, int], _Slot] = {}
    n_active = len(active)

    def count(rule: str) -> int:
        return max(1, round(_INJECT_RATE_BY_RULE.get(rule, _INJECT_RATE) * n_active))

    def take(
        rule: str, n: int, ok: Any = None, prefer_later: bool = False, on_take: Any = None
    ) -> list[_Slot]:
        order = sorted(slots, key=lambda s: s[1] == 0) if prefer_later else slots
        got: list[_Slot] = []
        reps_used: set[int] = set()
        for rep_i, d in order:
            if len(got) >= n:
                break
            if (rep_i, d) in used or rep_i in reps_used or (ok is not None and not ok(rep_i, d)):
                continue
            slot = _Slot(rule, variant=len(got))
            used[(rep_i, d)] = slot
            reps_used.add(rep_i)
            got.append(slot)
            if on_take is not None:
                on_take(rep_i, d, slot)
        return got

    # Overnight trips to the partner city of the region (needs that city's customers).
    def trip_ok(rep_i: int, d: int) -> bool:
        partner = _TRIP_PARTNER[w.reps[rep_i].team.city.code]
        return partner in w.city_customers and d + 1 < n_days and (rep_i, d + 1) not in used

    def book_trip(rep_i: int, d: int, slot: _Slot) -> None:
        city = _CITIES[_TRIP_PARTNER[w.reps[rep_i].team.city.code]]
        slot.city = city.code
        slot.hotel = _place(city, city.bearing(r.random()), r.uniform(500, 2500))
        used[(rep_i, d + 1)] = _Slot("TRIP_BACK", city=city.code, hotel=slot.hotel)

    trips = take("TRIP_OUT", max(1, round(_TRIP_RATE * n_active)), trip_ok, on_take=book_trip)

    # DEVICE_SHARED: the borrower and the device's owner work the same day (owner stays honest).
    team_of = {rep.idx: rep.team for rep in w.reps}

    def owner_for(rep_i: int, d: int) -> int:
        for other in team_of[rep_i].reps + active:
            if other != rep_i and w.reps[other].active and (other, d) not in used:
                return other
        return -1

    def lend(rep_i: int, d: int, slot: _Slot) -> None:
        slot.other = owner_for(rep_i, d)
        used[(slot.other, d)] = _Slot("DEVICE_OWNER", other=rep_i)

    take("DEVICE_SHARED", count("DEVICE_SHARED"), lambda i, d: owner_for(i, d) >= 0, on_take=lend)

    drivers = {i for i in active if w.reps[i].driver}
    for rule in sorted(AUTHENTICITY_RULES + EXPENSE_RULES, key=_CLAIM_ORDER.index):
        if rule in ("DEVICE_SHARED", "FRAUD_DAY_CLAIM"):
            continue
        n = count(rule)
        if rule == "OVER_CAP":
            # Variants cycle meal / entertainment / hotel; a hotel over the cap rides on a trip.
            free_trips = [s for s in trips if not s.overcap_hotel]
            n_hotel = min(len(free_trips), n // 3)
            for s in free_trips[:n_hotel]:
                s.overcap_hotel = True
            take(rule, n - n_hotel)
        elif rule == "MILEAGE_INFLATED":
            take(rule, n, lambda i, d: i in drivers)
        elif rule in ("PHOTO_REUSE", "DUPLICATE_RECEIPT"):
            take(rule, n, prefer_later=True)
        else:
            take(rule, n)
    return used


# ---------------------------------------------------------------------------------- movement


class _Leg(NamedTuple):
    knots: list[tuple[float, float, float]]  # (seconds after the leg starts, x, y)
    duration: float
    length: float


def _split(r: random.Random, total: float, n: int) -> list[float]:
    weights = [r.uniform(0.3, 1.0) for _ in range(n)]
    s = sum(weights)
    return [total * wgt / s for wgt in weights]


def _drive_points(
    r: random.Random,
    pts: list[tuple[float, float]],
    x0: float,
    y0: float,
    vmin: float,
    vmax: float,
    t0: float = 0.0,
) -> tuple[list[tuple[float, float, float]], float, float]:
    """Drive through pts at urban-style speeds with red lights at turns; return knots, t, m."""
    knots: list[tuple[float, float, float]] = []
    t, length = t0, 0.0
    px, py = x0, y0
    last = len(pts) - 1
    for k, (qx, qy) in enumerate(pts):
        d = math.hypot(qx - px, qy - py)
        if d < 1e-6:
            continue
        v = r.uniform(vmin, vmax) if d > 150 else r.uniform(2.5, min(6.0, vmax))
        if d > 1200 and vmax < 15 and r.random() < 0.35:  # a red light mid-block
            f = r.uniform(0.3, 0.7)
            mx, my = px + (qx - px) * f, py + (qy - py) * f
            t += d * f / v
            knots.append((t, mx, my))
            t += r.uniform(15, 60)
            knots.append((t, mx, my))
            t += d * (1 - f) / v
        else:
            t += d / v
        knots.append((t, qx, qy))
        length += d
        if k < last and vmax < 15 and r.random() < 0.5:  # a red light at the turn
            t += r.uniform(15, 75)
            knots.append((t, qx, qy))
        px, py = qx, qy
    return knots, t, length


def _leg(r: random.Random, x0: float, y0: float, x1: float, y1: float) -> _Leg:
    """Route between two points: a Manhattan-like staircase in town, a highway between cities."""
    dx, dy = x1 - x0, y1 - y0
    man = abs(dx) + abs(dy)
    if man > 30_000:
        return _highway_leg(r, x0, y0, x1, y1)
    if man < 300:
        pts = [(x1, y1)]
    else:
        n = 1 if man < 2000 else r.choice((1, 2, 2, 3))
        wx, wy = _split(r, dx, n), _split(r, dy, n)
        x, y = x0, y0
        pts = []
        x_first = r.random() < 0.5
        for i in range(n):
            if x_first:
                x += wx[i]
                pts.append((x, y))
                y += wy[i]
            else:
                y += wy[i]
                pts.append((x, y))
                x += wx[i]
            pts.append((x, y))
        pts[-1] = (x1, y1)
    knots, t, length = _drive_points(r, pts, x0, y0, 4.5, 12.5)
    return _Leg(knots, t, length)


def _highway_leg(r: random.Random, x0: float, y0: float, x1: float, y1: float) -> _Leg:
    d = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / d, (y1 - y0) / d
    nx, ny = -uy, ux
    off = r.gauss(0, 400)
    entry = (x0 + ux * 3000 + nx * off, y0 + uy * 3000 + ny * off)
    off = r.gauss(0, 400)
    exit_ = (x1 - ux * 3000 + nx * off, y1 - uy * 3000 + ny * off)
    first = _leg(r, x0, y0, *entry)
    mids = []
    for f in (0.25, 0.5, 0.75):
        lat_off = r.gauss(0, 0.02 * d)
        mids.append((x0 + ux * d * f + nx * lat_off, y0 + uy * d * f + ny * lat_off))
    hk, t, hl = _drive_points(r, [*mids, exit_], *entry, 20.0, 25.0, t0=first.duration)
    last = _leg(r, *exit_, x1, y1)
    knots = first.knots + hk + [(t + dt, x, y) for dt, x, y in last.knots]
    return _Leg(knots, t + last.duration, first.length + hl + last.length)


class _Track:
    """The true (noise-free) path of a rep-day: knots of time (s) and position (m)."""

    __slots__ = ("length", "t", "x", "y")

    def __init__(self, t0: float, x: float, y: float) -> None:
        self.t = [float(t0)]
        self.x = [x]
        self.y = [y]
        self.length = 0.0

    @property
    def now(self) -> float:
        return self.t[-1]

    @property
    def pos(self) -> tuple[float, float]:
        return self.x[-1], self.y[-1]

    def stay(self, until: float) -> None:
        if until > self.t[-1] + 1e-6:
            self.t.append(float(until))
            self.x.append(self.x[-1])
            self.y.append(self.y[-1])

    def drive(self, leg: _Leg) -> None:
        base = self.t[-1]
        for dt, x, y in leg.knots:
            self.t.append(base + dt)
            self.x.append(x)
            self.y.append(y)
        self.length += leg.length


@dataclass
class _Item:
    """A stop the rep means to make: a customer visit, a check-in cluster or an idle stop."""

    kind: str
    x: float
    y: float
    cust: int = -1
    variant: str = ""
    forced: bool = False
    planned: bool = False
    skip: bool = False
    cluster: list[int] = field(default_factory=list)


@dataclass
class _Visit:
    cust: int
    ci: int
    co: int
    ci_xy: tuple[float, float]
    co_xy: tuple[float, float]
    photo_xy: tuple[float, float]
    variant: str = ""
    group: str = ""


@dataclass
class _Sim:
    start: int
    track: _Track
    end: int = 0
    visits: list[_Visit] = field(default_factory=list)
    lunch: tuple[int, int] | None = None
    gap: tuple[int, int] | None = None  # the idle window in which no fix is sent


# ---------------------------------------------------------------------------------- a rep-day


class _RepDay:
    """Generate one rep's records for one local working day."""

    def __init__(
        self,
        w: _World,
        rep: _Rep,
        di: int,
        day: date,
        slot: _Slot | None,
        cutoff: int | None,
        cases: list[InjectedCase],
    ) -> None:
        self.w, self.rep, self.di, self.day, self.slot = w, rep, di, day, slot
        self.kind = slot.kind if slot else ""
        self.cutoff = _DAY_S * 2 if cutoff is None else cutoff
        self.complete = cutoff is None
        self.cases = cases
        key = [w.cfg.seed, rep.idx, day.toordinal()]
        self.g = np.random.default_rng(np.random.SeedSequence([*key, 1]))
        self.r = random.Random(
            int.from_bytes(np.random.SeedSequence([*key, 2]).generate_state(4).tobytes(), "little")
        )
        # The phones' noise draws from streams of its own, so every other record of the demo
        # stays what it was before phones became noisy.
        self.noise_g = np.random.default_rng(np.random.SeedSequence([*key, 3]))
        self.noise_r = random.Random(
            int.from_bytes(np.random.SeedSequence([*key, 4]).generate_state(4).tobytes(), "little")
        )
        self.ymd = day.strftime("%Y%m%d")
        self.iso = day.isoformat()
        city = rep.team.city
        self.lat0, self.lon0 = city.lat, city.lon
        self.kx, self.ky = metres_per_degree(city.lat)
        self.device = (
            w.reps[slot.other].device_id if slot and slot.kind == "DEVICE_SHARED" else rep.device_id
        )
        self.plans: list[dict[str, Any]] = []
        self.check_ins: list[dict[str, Any]] = []
        self.other: list[dict[str, Any]] = []
        self.day_photos: list[tuple[str, str, str, str]] = []
        self.visited: list[int] = []
        self.honest_visited: list[int] = []
        self.mock_window: tuple[int, int] | None = None

    # -------------------------------------------------------------- helpers

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def cust_xy(self, c: int) -> tuple[float, float]:
        return self.xy(float(self.w.cust_lat[c]), float(self.w.cust_lon[c]))

    def latlon(self, xy: tuple[float, float]) -> tuple[float, float]:
        return round(self.lat0 + xy[1] / self.ky, 6), round(self.lon0 + xy[0] / self.kx, 6)

    def near(self, xy: tuple[float, float], lo: float, hi: float) -> tuple[float, float]:
        a, d = self.r.uniform(0, 2 * math.pi), self.r.uniform(lo, hi)
        return xy[0] + d * math.cos(a), xy[1] + d * math.sin(a)

    def jitter(self, xy: tuple[float, float], sigma: float, cap: float) -> tuple[float, float]:
        r = self.r
        return (
            xy[0] + max(-cap, min(cap, r.gauss(0, sigma))),
            xy[1] + max(-cap, min(cap, r.gauss(0, sigma))),
        )

    def ts(self, t: int) -> str:
        return self.iso + _second_suffixes()[t]

    def case(self, rule: str, ref: str, note: str = "") -> None:
        self.cases.append(InjectedCase(rule, self.rep.id, ref, note))

    def emit(self, t: int, rec: dict[str, Any]) -> None:
        if t <= self.cutoff:
            (self.check_ins if rec["type"] == "check_in" else self.other).append(rec)

    # -------------------------------------------------------------- the day

    def run(self) -> None:
        if self.kind == "NO_VISIT_DAY":
            self._leave_day_claim()
            return
        items, plan, start_xy, end_xy = self._itinerary()
        self.plans.append(
            {
                "type": "plan",
                "id": f"plan-{self.rep.num}-{self.ymd}",
                "rep_id": self.rep.id,
                "date": self.iso,
                "customer_ids": [self.w.cust_id[c] for c in plan],
            }
        )
        sim = self._simulate(items, start_xy, end_xy)
        if self.kind == "OFF_HOURS":
            self._add_off_hours_visit(sim)
        t, fixes = self._fixes(sim, start_xy)
        self._device_events(sim, t, fixes)
        self._visits(sim)
        if self.complete and self.visited:
            self._claims(sim)
        for c in self.visited:
            self.w.last_visit[c] = self.di
        if self.day_photos:
            self.w.photo_pool[self.rep.idx] = self.day_photos

    def _itinerary(
        self,
    ) -> tuple[list[_Item], list[int], tuple[float, float], tuple[float, float]]:
        w, r, rep = self.w, self.r, self.rep
        home = self.xy(rep.home_lat, rep.home_lon)
        start_xy = end_xy = home
        own = rep.customers
        if self.kind in ("TRIP_OUT", "TRIP_BACK"):
            assert self.slot is not None
            hotel = self.xy(*self.slot.hotel)
            pool = w.city_customers[self.slot.city]
            hx, hy = hotel
            cx = (w.cust_lon[pool] - self.lon0) * self.kx
            cy = (w.cust_lat[pool] - self.lat0) * self.ky
            near = pool[np.argsort((cx - hx) ** 2 + (cy - hy) ** 2, kind="stable")[:40]]
            near = [int(c) for c in near if w.last_visit[c] < self.di - 1]
            if self.kind == "TRIP_OUT":
                chosen = r.sample(near, min(len(near), r.randint(3, 5)))
                plan = self._nn(chosen, home)
                end_xy = hotel
            else:
                chosen = r.sample(near, min(len(near), r.randint(2, 3)))
                trip = self._nn(chosen, hotel)
                last = self.cust_xy(trip[-1]) if trip else hotel
                plan = trip + self._nn(self._due(own, r.randint(3, 5)), last)
                start_xy = hotel
        else:
            plan = self._nn(self._due(own, r.randint(6, 10)), home)
        items = []
        for c in plan:
            items.append(_Item("visit", *self.near(self.cust_xy(c), 5, 30), cust=c, planned=True))
            items[-1].skip = r.random() < 0.07
        if not self.kind.startswith("TRIP") and r.random() < 0.35:
            self._insert_unplanned(items, own)
        self._mark_injection(items)
        return items, plan, start_xy, end_xy

    def _due(self, own: np.ndarray, k: int) -> list[int]:
        if len(own) == 0:
            return []
        w = self.w
        due = (self.di - w.last_visit[own]) / w.cust_interval[own]
        noise = 0.3 * self.g.random(len(own))
        # Neglected customers' urgency grows slowly: the rep's favourites come first.
        score = (due + noise) * w.cust_attention[own]
        return [int(c) for c in own[np.argsort(-score, kind="stable")[:k]]]

    def _nn(self, custs: list[int], start: tuple[float, float]) -> list[int]:
        left = list(custs)
        out: list[int] = []
        cx, cy = start
        pts = {c: self.cust_xy(c) for c in custs}
        while left:
            nxt = min(left, key=lambda c: (pts[c][0] - cx) ** 2 + (pts[c][1] - cy) ** 2)
            out.append(nxt)
            left.remove(nxt)
            cx, cy = pts[nxt]
        return out

    def _insert_unplanned(self, items: list[_Item], own: np.ndarray) -> None:
        taken = {it.cust for it in items}
        spare = [int(c) for c in own if int(c) not in taken]
        if not spare or not items:
            return
        at = self.r.randrange(len(items))
        ax, ay = items[at].x, items[at].y
        pts = {c: self.cust_xy(c) for c in spare}
        c = min(spare, key=lambda c: (pts[c][0] - ax) ** 2 + (pts[c][1] - ay) ** 2)
        items.insert(at + 1, _Item("visit", *self.near(pts[c], 5, 30), cust=c))

    def _mark_injection(self, items: list[_Item]) -> None:
        kind = self.kind
        visit_rules = {
            "GEOFENCE_MISS",
            "TRACK_MISMATCH",
            "SHORT_VISIT",
            "PHOTO_REUSE",
            "PHOTO_TIME_MISMATCH",
        }
        # MOCK_LOCATION alternates: even instances spoof around a visit, odd ones only root.
        mock_visit = (
            kind == "MOCK_LOCATION" and self.slot is not None and self.slot.variant % 2 == 0
        )
        if (kind in visit_rules or mock_visit) and items:
            it = items[min(1, len(items) - 1)]
            it.variant, it.forced, it.skip = kind, True, False
            cxy = self.cust_xy(it.cust)
            if kind == "GEOFENCE_MISS":
                it.x, it.y = self.near(cxy, 1300, 2700)
            elif kind == "TRACK_MISMATCH":
                it.x, it.y = self.near(cxy, 3000, 6000)
        elif kind == "CLUSTERED_CHECKINS":
            at = min(2, len(items))
            prev = (items[at - 1].x, items[at - 1].y) if at else self.xy(*self._home())
            cafe = self.near(prev, 300, 900)
            taken = {it.cust for it in items}
            cluster = self._cluster_customers(cafe, taken)
            if len(cluster) >= 3:
                items.insert(at, _Item("cluster", *cafe, forced=True, cluster=cluster))
        elif kind == "SIGNAL_GAP":
            at = min(2, len(items))
            prev = (items[at - 1].x, items[at - 1].y) if at else self.xy(*self._home())
            spot = self.near(prev, 200, 900)
            items.insert(at, _Item("idle", *spot, forced=True))

    def _home(self) -> tuple[float, float]:
        return self.rep.home_lat, self.rep.home_lon

    def _cluster_customers(self, cafe: tuple[float, float], taken: set[int]) -> list[int]:
        """Pick 3 customers at least 700 m from the cafe and at least 600 m from each other.

        Three, not four: four check-ins within the hour hold two overlapping triples, which a
        detector may rightly report as one alert or two, and the ground truth must not be vague.
        """
        w = self.w
        n = 3
        for pool in (self.rep.customers, w.city_customers[self.rep.team.city.code]):
            cand = [int(c) for c in pool if int(c) not in taken]
            self.r.shuffle(cand)
            chosen: list[int] = []
            pts: list[tuple[float, float]] = []
            for c in cand:
                p = self.cust_xy(c)
                d = math.hypot(p[0] - cafe[0], p[1] - cafe[1])
                if not 700 <= d <= 6000:
                    continue
                if all(math.hypot(p[0] - q[0], p[1] - q[1]) >= 600 for q in pts):
                    chosen.append(c)
                    pts.append(p)
                    if len(chosen) == n:
                        return chosen
        return []

    def _simulate(
        self, items: list[_Item], start_xy: tuple[float, float], end_xy: tuple[float, float]
    ) -> _Sim:
        r, rep, kind = self.r, self.rep, self.kind
        start = rep.ws + r.randint(300, 2400)
        end_target = rep.we - r.randint(600, 3600)
        tr = _Track(start, *start_xy)
        tr.stay(start + r.randint(60, 420))
        sim = _Sim(start=start, track=tr)
        if not kind.startswith("TRIP") and r.random() < 0.2:  # morning meeting at the office
            office = self.xy(rep.team.office_lat, rep.team.office_lon)
            tr.drive(_leg(r, *tr.pos, *self.near(office, 10, 40)))
            tr.stay(math.ceil(tr.now) + r.randint(1200, 2700))
        lunch_at = r.randint(41_400, 45_000)
        long_lunch = kind in ("IMPOSSIBLE_SPEED", "STATIC_SPOOF")
        for it in items:
            if it.skip:
                continue
            if sim.lunch is None and tr.now >= lunch_at:
                self._lunch(tr, sim, long_lunch)
            leg = _leg(r, *tr.pos, it.x, it.y)
            arrive = math.ceil(tr.now + leg.duration)
            depart, visits, gap = self._stop(it, arrive)
            if not it.forced:
                back = _leg(r, it.x, it.y, *end_xy)
                if depart + back.duration > end_target:
                    it.skip = True
                    continue
            tr.drive(leg)
            tr.stay(arrive)
            tr.stay(depart)
            sim.visits.extend(visits)
            if gap:
                sim.gap = gap
        if sim.lunch is None and (tr.now < 14 * 3600 or long_lunch):
            self._lunch(tr, sim, long_lunch)
        tr.drive(_leg(r, *tr.pos, *end_xy))
        tr.stay(max(end_target, math.ceil(tr.now)))
        sim.end = math.ceil(tr.now)
        return sim

    def _lunch(self, tr: _Track, sim: _Sim, long_lunch: bool) -> None:
        r = self.r
        tr.drive(_leg(r, *tr.pos, *self.near(tr.pos, 150, 700)))
        arrive = math.ceil(tr.now)
        depart = arrive + (r.randint(2520, 3480) if long_lunch else r.randint(1800, 3600))
        tr.stay(arrive)
        tr.stay(depart)
        sim.lunch = (arrive, depart)

    def _stop(self, it: _Item, arrive: int) -> tuple[int, list[_Visit], tuple[int, int] | None]:
        """Time a stop: return the departure, the check-ins made there and any signal gap."""
        r = self.r
        pos = (it.x, it.y)
        if it.kind == "idle":
            gap_start = arrive + r.randint(180, 360)
            gap_end = gap_start + r.randint(2400, 7200)
            return gap_end + r.randint(180, 360), [], (gap_start, gap_end)
        if it.kind == "cluster":
            visits = []
            ci = arrive + r.randint(120, 300)
            for c in it.cluster:
                co = ci + r.randint(480, 660)
                visits.append(
                    _Visit(
                        c,
                        ci,
                        co,
                        self.jitter(pos, 6, 18),
                        self.jitter(pos, 6, 18),
                        pos,
                        "CLUSTERED_CHECKINS",
                        group="cluster",
                    )
                )
                ci += r.randint(720, 900)
            return visits[-1].co + r.randint(120, 400), visits, None
        if it.variant == "TRACK_MISMATCH":
            ci = arrive + r.randint(420, 600)
            co = ci + r.randint(900, 1800)
            cxy = self.cust_xy(it.cust)
            at_shop = self.near(cxy, 5, 25)
            v = _Visit(it.cust, ci, co, at_shop, self.jitter(at_shop, 4, 10), at_shop, it.variant)
            return co + r.randint(420, 600), [v], None
        ci = arrive + r.randint(30, 180)
        co = ci + (r.randint(60, 170) if it.variant == "SHORT_VISIT" else r.randint(720, 2400))
        v = _Visit(
            it.cust, ci, co, self.jitter(pos, 4, 10), self.jitter(pos, 4, 10), pos, it.variant
        )
        return co + r.randint(20, 150), [v], None

    def _add_off_hours_visit(self, sim: _Sim) -> None:
        r = self.r
        own = [int(c) for c in self.rep.customers] or [v.cust for v in sim.visits]
        if not own:
            return
        c = r.choice(own)
        pos = self.near(self.cust_xy(c), 5, 30)
        ci = self.rep.we + r.randint(6000, 8400)
        co = ci + r.randint(900, 1800)
        sim.visits.append(
            _Visit(c, ci, co, self.jitter(pos, 4, 10), self.jitter(pos, 4, 10), pos, "OFF_HOURS")
        )

    # -------------------------------------------------------------- fixes

    def _fixes(self, sim: _Sim, start_xy: tuple[float, float]) -> tuple[np.ndarray, list[str]]:
        """Emit the day's GPS fixes; return their times (s) and ids in time order."""
        g, r, tr = self.g, self.r, sim.track
        n_max = (sim.end - sim.start) // 30 + 2
        t = sim.start + np.concatenate(([0], np.cumsum(g.integers(30, 61, size=n_max - 1))))
        t = t[t <= sim.end]
        kt, kx, ky = np.asarray(tr.t), np.asarray(tr.x), np.asarray(tr.y)
        x = np.interp(t, kt, kx)
        y = np.interp(t, kt, ky)
        seg = np.clip(np.searchsorted(kt, t, side="right") - 1, 0, max(len(kt) - 2, 0))
        if len(kt) > 1:
            seg_v = np.hypot(np.diff(kx), np.diff(ky)) / np.diff(kt)
            v = seg_v[seg]
        else:
            v = np.zeros(len(t))
        parts = [(t, x, y, v)]
        if self.kind == "SIGNAL_GAP" and sim.gap:
            keep = (t < sim.gap[0]) | (t >= sim.gap[1])
            parts = [(t[keep], x[keep], y[keep], v[keep])]
        if r.random() < _EARLY_FIX_P:  # the phone wakes early: the privacy rule drops these
            n = r.randint(3, 8)
            t0 = self.rep.ws - r.randint(3660 + 60 * n, 5400)
            te = t0 + np.concatenate(([0], np.cumsum(g.integers(30, 61, size=n - 1))))
            parts.insert(0, (te, np.full(n, start_xy[0]), np.full(n, start_xy[1]), np.zeros(n)))
        off = [v_ for v_ in sim.visits if v_.variant == "OFF_HOURS"]
        if off:
            v0 = off[0]
            a, b = v0.ci - r.randint(120, 300), v0.co + r.randint(60, 240)
            n = (b - a) // 30 + 2
            to = a + np.concatenate(([0], np.cumsum(g.integers(30, 61, size=n - 1))))
            to = to[to <= b]
            m = len(to)
            parts.append((to, np.full(m, v0.photo_xy[0]), np.full(m, v0.photo_xy[1]), np.zeros(m)))
        t = np.concatenate([p[0] for p in parts])
        x = np.concatenate([p[1] for p in parts])
        y = np.concatenate([p[2] for p in parts])
        v = np.concatenate([p[3] for p in parts])
        keep = t <= self.cutoff
        t, x, y, v = t[keep], x[keep], y[keep], v[keep]
        n = len(t)
        prov = g.choice(4, size=n, p=_PROVIDER_P)
        acc = _ACC_LO[prov] + (_ACC_HI[prov] - _ACC_LO[prov]) * g.random(n)
        sigma = np.clip(acc / 4.0, 1.5, 6.0)
        x = x + g.standard_normal(n) * sigma
        y = y + g.standard_normal(n) * sigma
        if self.kind not in _FIX_RULES:
            self._phone_noise(sim, t, x, y, prov, acc)
        moving = v > 0.3
        spd = np.where(
            moving, np.maximum(v + g.normal(0.0, 0.4, n), 0.0), np.abs(g.normal(0.0, 0.15, n))
        )
        lat = np.round(self.lat0 + y / self.ky, 6)
        lon = np.round(self.lon0 + x / self.kx, 6)
        acc = np.round(acc, 1)
        spd = np.round(spd, 1)
        mock = np.zeros(n, dtype=bool)
        prefix = f"fix-{self.rep.num}-{self.ymd}-"
        ids = [prefix + k for k in _counters()[1 : n + 1]]
        self._inject_into_fixes(sim, t, lat, lon, acc, spd, mock, ids, prov)
        suffix = _second_suffixes()
        iso = self.iso
        rid, dev = self.rep.id, self.device
        provs = [_PROVIDERS[k] for k in prov.tolist()]
        self.other.extend(
            [
                {
                    "type": "gps",
                    "id": fid,
                    "rep_id": rid,
                    "device_id": dev,
                    "ts": iso + suffix[s],
                    "lat": la,
                    "lon": lo,
                    "accuracy_m": ac,
                    "speed_mps": sp,
                    "provider": pv,
                    "mock": mk,
                }
                for fid, s, la, lo, ac, sp, pv, mk in zip(
                    ids,
                    t.tolist(),
                    lat.tolist(),
                    lon.tolist(),
                    acc.tolist(),
                    spd.tolist(),
                    provs,
                    mock.tolist(),
                    strict=True,
                )
            ]
        )
        return t, ids

    def _phone_noise(
        self,
        sim: _Sim,
        t: np.ndarray,
        x: np.ndarray,
        y: np.ndarray,
        prov: np.ndarray,
        acc: np.ndarray,
    ) -> None:
        """Make an honest day's fixes as noisy as a real phone's (in place): never cheating."""
        g, r, n = self.noise_g, self.noise_r, len(t)
        if not n:
            return
        visiting = np.zeros(n, dtype=bool)
        for v in sim.visits:
            visiting |= (t >= v.ci - 600) & (t <= v.co + 600)
        if self.rep.idx % 100 in _POOR_PHONE_IDX:
            # A poor phone: almost half its fixes from the cell network, hundreds of metres off.
            coarse = g.random(n) < _POOR_COARSE_SHARE
            k = int(coarse.sum())
            acc[coarse] = g.uniform(300.0, 1500.0, k)
            ang = g.uniform(0.0, 2 * math.pi, k)
            off = acc[coarse] * g.uniform(0.2, 0.8, k)
            x[coarse] += off * np.cos(ang)
            y[coarse] += off * np.sin(ang)
            prov[coarse] = 2
        if r.random() < _FALLBACK_DAY_P:
            # Cell-tower fallbacks: one or two fixes kilometres away, with honest accuracy.
            free = np.flatnonzero(~visiting[1:-1]) + 1
            for i in r.sample(free.tolist(), min(len(free), r.randint(1, 2))):
                d, ang = r.uniform(2000.0, 8000.0), r.uniform(0.0, 2 * math.pi)
                x[i] += d * math.cos(ang)
                y[i] += d * math.sin(ang)
                acc[i] = r.uniform(1500.0, 3000.0)
                prov[i] = 2
        for v in sim.visits:
            if r.random() >= _CACHED_VISIT_P:
                continue
            # Indoors the phone repeats its cached fused position for the whole visit.
            idx = np.flatnonzero((t >= v.ci + 60) & (t <= v.co - 60))
            if len(idx) >= 12:
                x[idx], y[idx] = x[idx[0]], y[idx[0]]
                acc[idx] = acc[idx[0]] = round(r.uniform(20.0, 45.0), 1)
                prov[idx] = 1

    def _inject_into_fixes(
        self,
        sim: _Sim,
        t: np.ndarray,
        lat: np.ndarray,
        lon: np.ndarray,
        acc: np.ndarray,
        spd: np.ndarray,
        mock: np.ndarray,
        ids: list[str],
        prov: np.ndarray,
    ) -> None:
        kind, r = self.kind, self.r
        if kind == "IMPOSSIBLE_SPEED" and sim.lunch:
            a, b = sim.lunch
            idx = np.flatnonzero((t >= a + 480) & (t <= b - 480))
            if len(idx) >= 6:
                i = int(idx[2])
                d, ang = r.uniform(22_000, 35_000), r.uniform(0, 2 * math.pi)
                dlat = d * math.sin(ang) / self.ky
                dlon = d * math.cos(ang) / self.kx
                lat[i : i + 3] = np.round(lat[i : i + 3] + dlat, 6)
                lon[i : i + 3] = np.round(lon[i : i + 3] + dlon, 6)
                secs = int(t[i] - t[i - 1]), int(t[i + 3] - t[i + 2])
                km = d / 1000
                self.case("IMPOSSIBLE_SPEED", ids[i], f"jump of {km:.1f} km in {secs[0]} s")
                self.case(
                    "IMPOSSIBLE_SPEED",
                    ids[i + 3],
                    f"jump back of {km:.1f} km in {secs[1]} s (same teleport as {ids[i]})",
                )
        elif kind == "STATIC_SPOOF" and sim.lunch:
            a = sim.lunch[0] + 180
            idx = np.flatnonzero((t >= a) & (t <= a + 1200))
            if len(idx) >= 20:
                i0, i1 = int(idx[0]), int(idx[-1])
                lat[i0 : i1 + 1] = lat[i0]
                lon[i0 : i1 + 1] = lon[i0]
                acc[i0 : i1 + 1] = acc[i0]
                spd[i0 : i1 + 1] = 0.0
                prov[i0 : i1 + 1] = 0  # a mock app reports its frozen position as satellite
                self.case(
                    "STATIC_SPOOF",
                    ids[i0],
                    f"{i1 - i0 + 1} identical fixes over {int(t[i1] - t[i0]) // 60} min",
                )
        elif kind == "MOCK_LOCATION" and self.slot is not None and self.slot.variant % 2 == 0:
            target = next((v for v in sim.visits if v.variant == "MOCK_LOCATION"), None)
            if target is not None:
                start = target.ci - r.randint(300, 600)
                end = start + r.randint(1500, 2400)
                mock[(t >= start) & (t <= end)] = True
                self.mock_window = (start, end)

    # -------------------------------------------------------------- device events

    def _device_events(self, sim: _Sim, t: np.ndarray, fix_ids: list[str]) -> None:
        r = self.r
        events: list[tuple[int, str, str | None]] = []
        if r.random() < 0.6:
            events.append((sim.start - r.randint(5, 60), "app_started", None))
        gap_window = None
        if self.kind == "SIGNAL_GAP" and sim.gap:
            before = np.flatnonzero(t < sim.gap[0])
            after = np.flatnonzero(t >= sim.gap[1])
            if len(before) and len(after):
                ia, ib = int(before[-1]), int(after[0])
                ta, tb = int(t[ia]), int(t[ib])
                gap_window = (ta, tb)
                assert self.slot is not None
                off, on = _GAP_EVENTS[self.slot.variant % len(_GAP_EVENTS)]
                if off and on:
                    events.append((ta + r.randint(3, 50), off, None))
                    events.append((tb - r.randint(5, 90), on, None))
                self.case(
                    "SIGNAL_GAP",
                    fix_ids[ia],
                    f"reason={off or 'unknown'}; no fix for {(tb - ta) // 60} min",
                )
        hb = sim.start + r.randint(600, 1800)
        while hb < sim.end:
            if gap_window is None or not gap_window[0] <= hb <= gap_window[1]:
                events.append((hb, "heartbeat", f"battery={r.randint(20, 100)}%"))
            hb += r.randint(3300, 3900)
        if self.kind == "MOCK_LOCATION":
            assert self.slot is not None
            if self.mock_window is not None:
                t_mock = self.mock_window[0] - r.randint(5, 60)
                events.append((t_mock, "mock_app_detected", "com.lerist.fakelocation"))
                note = "mock_app_detected event, mock fixes and a mock check-in"
            else:
                events.append((sim.start + r.randint(0, 600), "rooted_device", "su binary found"))
                note = "rooted_device event"
            self.case("MOCK_LOCATION", self.iso, note)
        if self.kind == "DEVICE_SHARED":
            assert self.slot is not None
            owner = self.w.reps[self.slot.other]
            self.case(
                "DEVICE_SHARED",
                self.iso,
                f"uses device {owner.device_id} of {owner.id}, who also sends fixes that day",
            )
        elif self.kind == "DEVICE_OWNER":
            assert self.slot is not None
            self.case(
                "DEVICE_SHARED",
                self.iso,
                f"owner side: device {self.device} also used by {self.w.reps[self.slot.other].id}",
            )
        events.sort(key=lambda e: e[0])
        for k, (te, kind, detail) in enumerate(events, start=1):
            rec: dict[str, Any] = {
                "type": "device_event",
                "id": f"evt-{self.rep.num}-{self.ymd}-{k:02d}",
                "rep_id": self.rep.id,
                "device_id": self.device,
                "ts": self.ts(te),
                "kind": kind,
            }
            if detail:
                rec["detail"] = detail
            self.emit(te, rec)

    # -------------------------------------------------------------- visits

    def _visits(self, sim: _Sim) -> None:
        visits = sorted(sim.visits, key=lambda v: v.ci)
        cluster_ids: list[str] = []
        for k, v in enumerate(visits, start=1):
            vid = f"v-{self.rep.num}-{self.ymd}-{k:02d}"
            if v.ci > self.cutoff:
                continue
            self._visit(v, vid)
            self.visited.append(v.cust)
            if not v.variant:
                self.honest_visited.append(v.cust)
            if v.variant == "CLUSTERED_CHECKINS":
                cluster_ids.append(vid)
                cxy = self.cust_xy(v.cust)
                d = math.hypot(v.ci_xy[0] - cxy[0], v.ci_xy[1] - cxy[1])
                self.case(
                    "GEOFENCE_MISS",
                    vid,
                    f"side effect of CLUSTERED_CHECKINS: check-in {d:.0f} m from the customer",
                )
            elif v.variant in ("GEOFENCE_MISS", "TRACK_MISMATCH", "SHORT_VISIT", "OFF_HOURS"):
                notes = {
                    "GEOFENCE_MISS": "check-in and check-out {d:.0f} m from the customer",
                    "TRACK_MISMATCH": "check-in at the customer, track {d:.0f} m away",
                    "SHORT_VISIT": "check-out {s} s after check-in",
                    "OFF_HOURS": "check-in at {hm} local",
                }
                cxy = self.cust_xy(v.cust)
                d = math.hypot(v.photo_xy[0] - cxy[0], v.photo_xy[1] - cxy[1])
                hm = f"{v.ci // 3600:02d}:{v.ci % 3600 // 60:02d}"
                self.case(v.variant, vid, notes[v.variant].format(d=d, s=v.co - v.ci, hm=hm))
        if cluster_ids:
            self.case(
                "CLUSTERED_CHECKINS",
                cluster_ids[0],
                f"{len(cluster_ids)} check-ins from one spot: {', '.join(cluster_ids)}",
            )

    def _visit(self, v: _Visit, vid: str) -> None:
        r, w, rep = self.r, self.w, self.rep
        kind = w.cust_kind[v.cust]
        tmpl_id, _, steps = _TEMPLATES[kind]
        cid = w.cust_id[v.cust]
        mock_w = self.mock_window
        ci_mock = bool(mock_w and mock_w[0] <= v.ci <= mock_w[1])
        co_mock = bool(mock_w and mock_w[0] <= v.co <= mock_w[1])
        la, lo = self.latlon(v.ci_xy)
        self.emit(
            v.ci,
            {
                "type": "check_in",
                "id": vid,
                "rep_id": rep.id,
                "device_id": self.device,
                "customer_id": cid,
                "ts": self.ts(v.ci),
                "lat": la,
                "lon": lo,
                "accuracy_m": round(r.uniform(5, 25), 1),
                "mock": ci_mock,
                "face_verified": r.random() < 0.97,
                "sop_template_id": tmpl_id,
            },
        )
        la, lo = self.latlon(v.co_xy)
        self.emit(
            v.co,
            {
                "type": "check_out",
                "id": f"co-{vid[2:]}",
                "visit_id": vid,
                "ts": self.ts(v.co),
                "lat": la,
                "lon": lo,
                "accuracy_m": round(r.uniform(5, 25), 1),
                "mock": co_mock,
            },
        )
        short = v.variant == "SHORT_VISIT"
        # Photos: taken during the visit, uploaded moments later, each with fresh random hashes.
        n_ph = 1 if short else r.randint(1, 3)
        lo_t, hi_t = (v.ci + 5, v.co - 5) if short else (v.ci + 20, v.co - 20)
        # The storefront photo comes first, on arrival (its SOP step points at it).
        first = v.ci + (r.randint(5, 9) if short else r.randint(15, 50))
        taken = [first, *sorted(r.randint(lo_t, hi_t) for _ in range(n_ph - 1))]
        kinds = ["storefront", *r.sample(["shelf", "shelf", "promo", "other"], n_ph - 1)]
        photos = []
        for j in range(n_ph):
            sha, ph = f"{r.getrandbits(256):064x}", f"{r.getrandbits(64):016x}"
            photos.append([f"ph-{vid[2:]}-{j + 1}", taken[j], sha, ph, kinds[j]])
        if v.variant == "PHOTO_REUSE":
            self._reuse_photo(photos, vid)
        elif v.variant == "PHOTO_TIME_MISMATCH":
            photos[-1][1] = max(60, v.ci - r.randint(7200, 18000))
            hours = (v.ci - photos[-1][1]) / 3600
            self.case(
                "PHOTO_TIME_MISMATCH", vid, f"photo {photos[-1][0]} taken {hours:.1f} h before"
            )
        pla, plo = self.latlon(self.jitter(v.photo_xy, 4, 10))
        for pid, tk, sha, ph, pk in photos:
            up = min(max(tk, v.ci) + r.randint(2, 90), v.co)
            self.emit(
                up,
                {
                    "type": "photo",
                    "id": pid,
                    "visit_id": vid,
                    "ts": self.ts(up),
                    "taken_at": self.ts(tk),
                    "lat": pla,
                    "lon": plo,
                    "sha256": sha,
                    "phash": ph,
                    "kind": pk,
                },
            )
            if not v.variant and up <= self.cutoff:
                self.day_photos.append((pid, vid, sha, ph))
        # Order and SOP steps.
        order_p = (0.4, 0.35, 0.6)[kind]
        amount = None
        oid = f"ord-{vid[2:]}"
        if not short and r.random() < order_p:
            scale = (1500.0, 1200.0, 15000.0)[kind]
            amount = round(scale * math.exp(r.gauss(0, 0.6)), 2)
            t_o = v.co - r.randint(60, 300)
            self.emit(
                t_o,
                {"type": "order", "id": oid, "visit_id": vid, "amount": amount, "currency": "CNY"},
            )
        done = []
        for code, required in steps:
            if short:
                if code == "storefront_photo":
                    done.append(code)
                continue
            if code == "order_taking":
                if amount is not None:
                    done.append(code)
            elif r.random() < (0.95 if required else 0.35):
                done.append(code)
        if done:
            lo_s, hi_s = (v.ci + 10, v.co - 5) if short else (v.ci + 60, v.co - 60)
            span = (hi_s - lo_s) / len(done)
            for j, code in enumerate(done):
                ts = int(lo_s + span * j + r.uniform(0, span * 0.8))
                value, ok = self._step_value(code, photos[0][0], oid, amount)
                self.emit(
                    ts,
                    {
                        "type": "sop_step",
                        "id": f"st-{vid[2:]}-{j + 1}",
                        "visit_id": vid,
                        "step": code,
                        "ts": self.ts(ts),
                        "value": value,
                        "ok": ok,
                    },
                )

    def _step_value(
        self, code: str, photo_id: str, order_id: str, amount: float | None
    ) -> tuple[Any, bool]:
        r = self.r
        if code == "storefront_photo":
            return {"photo_id": photo_id}, True
        if code == "shelf_check":
            oos = r.choice((0, 0, 0, 0, 1, 2))
            return {"facings": r.randint(4, 40), "out_of_stock_skus": oos}, oos < 2
        if code == "stock_count":
            return {"skus": r.randint(8, 40), "units": r.randint(40, 600)}, True
        if code == "promo_check":
            ok = r.random() < 0.85
            return {"display": ok, "price_tag_ok": r.random() < 0.9}, ok
        if code == "competitor_note":
            return r.choice(_COMPETITOR_NOTES), True
        if code == "order_taking":
            return {"order_id": order_id, "amount": amount}, True
        if code == "staff_training":
            return {"attendees": r.randint(1, 5)}, True
        if code == "payment_followup":
            return {"outstanding_cny": round(r.uniform(0, 50_000), 2)}, True
        return r.choice(_MEETING_NOTES), True

    def _reuse_photo(self, photos: list[list[Any]], vid: str) -> None:
        r = self.r
        pool = self.w.photo_pool.get(self.rep.idx) or self.day_photos
        if not pool:
            return
        src_id, src_vid, sha, ph = r.choice(pool)
        assert self.slot is not None
        if self.slot.variant % 2 == 0:
            photos[0][2], photos[0][3] = sha, ph
            note = f"photo {photos[0][0]} has the sha256 of {src_id} (visit {src_vid})"
        else:
            bits = r.sample(range(64), r.randint(1, 4))
            flipped = int(ph, 16)
            for b in bits:
                flipped ^= 1 << b
            photos[0][3] = f"{flipped:016x}"
            note = f"photo {photos[0][0]} phash {len(bits)} bits from {src_id} (visit {src_vid})"
        self.case("PHOTO_REUSE", vid, note)

    # -------------------------------------------------------------- expenses

    def _claims(self, sim: _Sim) -> None:
        r, w, rep, kind = self.r, self.w, self.rep, self.kind
        driven_km = sim.track.length / 1000.0
        trip_city = _CITIES[self.slot.city].name if self.slot and self.slot.city else ""
        city = trip_city or rep.team.city.name
        claims: list[dict[str, Any]] = []

        def receipt() -> str:
            return f"{r.getrandbits(256):064x}"

        if rep.driver:
            if driven_km >= 3 and (r.random() < 0.92 or kind == "MILEAGE_INFLATED"):
                if kind == "MILEAGE_INFLATED":
                    km = round(driven_km * r.uniform(1.7, 2.2) + r.uniform(12, 25), 1)
                else:
                    km = round(driven_km * r.uniform(0.92, 1.03), 1)
                claims.append(
                    {
                        "category": "mileage",
                        "amount": round(km * _MILEAGE_RATE_CNY_PER_KM, 2),
                        "claimed_km": km,
                        "note": "自驾拜访客户",
                        "_rule": "MILEAGE_INFLATED" if kind == "MILEAGE_INFLATED" else "",
                        "_driven": driven_km,
                    }
                )
            if r.random() < 0.2:
                claims.append(
                    {
                        "category": "other",
                        "amount": float(r.randint(5, 30)),
                        "city": city,
                        "receipt_sha256": receipt(),
                        "note": "停车费",
                    }
                )
        else:
            for _ in range(r.randint(1, 3)):
                claims.append(
                    {
                        "category": "transport",
                        "amount": round(r.uniform(8, 60), 1),
                        "city": city,
                        "receipt_sha256": receipt(),
                        "note": r.choice(("打车", "地铁", "网约车")),
                    }
                )
        if kind.startswith("TRIP") and rep.driver:
            claims.append(
                {
                    "category": "transport",
                    "amount": float(r.randint(35, 110)),
                    "city": city,
                    "receipt_sha256": receipt(),
                    "note": "高速通行费",
                }
            )
        critical = kind in _CRITICAL
        if r.random() < 0.7 or critical:
            hi = 60 if kind == "TRIP_OUT" else 75
            claims.append(self._meal(r.uniform(22, hi), city, "午餐", receipt()))
        if kind == "TRIP_OUT":
            claims.append(self._meal(r.uniform(30, 58), city, "晚餐", receipt()))
            over = self.slot is not None and self.slot.overcap_hotel
            claims.append(
                {
                    "category": "hotel",
                    "amount": float(r.randint(780, 1200) if over else r.randint(320, 520)),
                    "city": city,
                    "receipt_sha256": receipt(),
                    "note": "出差住宿",
                    "_rule": "OVER_CAP" if over else "",
                }
            )
        guests = [c for c in self.honest_visited if w.cust_grade[c] in "AB"]
        if guests and r.random() < 0.03 and not kind:
            claims.append(self._entertainment(r.choice(guests), r.uniform(200, 800), receipt()))
        self._inject_claims(claims, receipt)
        for k, cl in enumerate(claims, start=1):
            eid = f"exp-{rep.num}-{self.ymd}-{k}"
            rec: dict[str, Any] = {
                "type": "expense",
                "id": eid,
                "rep_id": rep.id,
                "date": self.iso,
                "category": cl["category"],
                "amount": round(float(cl["amount"]), 2),
                "currency": "CNY",
            }
            for key in ("claimed_km", "city", "customer_id", "receipt_sha256", "note"):
                if key in cl:
                    rec[key] = cl[key]
            self.other.append(rec)
            rule = cl.get("_rule", "")
            if rule == "MILEAGE_INFLATED":
                self.case(rule, eid, f"claimed {cl['claimed_km']} km, drove {cl['_driven']:.1f} km")
            elif rule:
                self.case(rule, eid, cl.get("_note", ""))
            if critical:
                self.case("FRAUD_DAY_CLAIM", eid, f"claim on a day with {kind}")
        pool = [
            {**cl, "id": f"exp-{rep.num}-{self.ymd}-{k}"}
            for k, cl in enumerate(claims, start=1)
            if cl["category"] in ("meal", "transport", "other")
            and "receipt_sha256" in cl
            and not cl.get("_rule")
        ]
        if pool:
            w.receipt_pool[rep.idx] = pool

    def _meal(self, amount: float, city: str, note: str, receipt: str) -> dict[str, Any]:
        return {
            "category": "meal",
            "amount": round(amount, 1),
            "city": city,
            "receipt_sha256": receipt,
            "note": note,
        }

    def _entertainment(self, c: int, amount: float, receipt: str) -> dict[str, Any]:
        return {
            "category": "entertainment",
            "amount": round(amount, 1),
            "city": _CITIES[self.w.cust_city[c]].name,
            "customer_id": self.w.cust_id[c],
            "receipt_sha256": receipt,
            "note": "客户招待",
        }

    def _inject_claims(self, claims: list[dict[str, Any]], receipt: Any) -> None:
        r, w, kind = self.r, self.w, self.kind
        city = self.rep.team.city.name
        if kind == "HOTEL_CITY_MISMATCH":
            region = self.rep.team.city.region
            elsewhere = [c for c in _CITIES.values() if c.region != region]
            other = r.choice(elsewhere)
            claims.append(
                {
                    "category": "hotel",
                    "amount": float(r.randint(280, 480)),
                    "city": other.name,
                    "receipt_sha256": receipt(),
                    "note": "出差住宿",
                    "_rule": kind,
                    "_note": f"hotel in {other.name}, check-ins only in {city}",
                }
            )
        elif kind == "DUPLICATE_RECEIPT":
            pool = w.receipt_pool.get(self.rep.idx)
            if pool:
                src = r.choice(pool)
            else:  # the first day: the same taxi receipt is claimed twice on one date
                src = {
                    "category": "transport",
                    "amount": round(r.uniform(20, 60), 1),
                    "city": city,
                    "receipt_sha256": receipt(),
                    "note": "打车",
                }
                claims.append(dict(src))
                src = {**src, "id": "a claim of the same day"}
            if src["category"] == "meal":
                claims[:] = [cl for cl in claims if cl["category"] != "meal"]
            dup = {k: v for k, v in src.items() if k != "id" and not k.startswith("_")}
            dup.update(_rule=kind, _note=f"reuses the receipt of {src['id']}")
            claims.append(dup)
        elif kind == "OVER_CAP":
            guests = [c for c in self.honest_visited]
            if self.slot is not None and self.slot.variant % 2 == 1 and guests:
                claims[:] = [cl for cl in claims if cl["category"] != "entertainment"]
                cl = self._entertainment(r.choice(guests), r.uniform(1300, 2600), receipt())
                cl.update(_rule=kind, _note="entertainment over the 1,000 CNY daily cap")
                claims.append(cl)
            else:
                claims[:] = [cl for cl in claims if cl["category"] != "meal"]
                lunch = self._meal(r.uniform(118, 168), city, "午餐(客户)", receipt())
                dinner = self._meal(r.uniform(96, 150), city, "晚餐", receipt())
                total = lunch["amount"] + dinner["amount"]
                for cl in (lunch, dinner):
                    cl.update(_rule=kind, _note=f"meals add up to {total:.1f} CNY (cap 150)")
                    claims.append(cl)
        elif kind == "ENTERTAINMENT_NO_VISIT":
            seen = set(self.visited)
            spare = [int(c) for c in self.rep.customers if int(c) not in seen]
            if spare:
                c = r.choice(spare)
                cl = self._entertainment(c, r.uniform(300, 800), receipt())
                cl.update(_rule=kind, _note=f"no check-in at {w.cust_id[c]} that day")
                claims.append(cl)
        for cl in claims:
            if cl.get("_rule") == "OVER_CAP" and cl["category"] == "hotel":
                cl["_note"] = "hotel over the 600 CNY cap"

    def _leave_day_claim(self) -> None:
        """NO_VISIT_DAY: the rep is off (no plan, no track) yet claims a taxi ride that day."""
        if not self.complete:
            return
        r = self.r
        eid = f"exp-{self.rep.num}-{self.ymd}-1"
        self.other.append(
            {
                "type": "expense",
                "id": eid,
                "rep_id": self.rep.id,
                "date": self.iso,
                "category": "transport",
                "amount": round(r.uniform(35, 95), 1),
                "currency": "CNY",
                "city": self.rep.team.city.name,
                "receipt_sha256": f"{r.getrandbits(256):064x}",
                "note": "打车",
            }
        )
        self.case("NO_VISIT_DAY", eid, "claim on a day without any check-in")


# ---------------------------------------------------------------------------------- public API


def _chunks(records: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(records), MAX_BATCH_RECORDS):
        yield records[i : i + MAX_BATCH_RECORDS]


def iter_demo_batches(
    config: DemoConfig, injected: list[InjectedCase] | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Yield lists of contract wire records (dicts with a "type" key): masters, then day by day.

    ``injected``, when given, is filled with one ``InjectedCase`` per injected violation as the
    generator advances; it is complete once the generator is exhausted. Each batch holds at most
    ``MAX_BATCH_RECORDS`` records; within a day, plans and check-ins come before the records that
    reference them. Today (the local date of ``now``) is included up to ``now`` if it is a
    working day; it carries no injections and no expense claims.
    """
    cases: list[InjectedCase] = injected if injected is not None else []
    w = _build_world(config)
    days, today, now_s = _working_days(config)
    schedule = _plan_schedule(w, len(days))
    yield from _chunks(w.master_records())
    all_days: list[tuple[int, date, int | None]] = [(i, d, None) for i, d in enumerate(days)]
    if today is not None:
        all_days.append((len(days), today, now_s))
    for di, day, cutoff in all_days:
        plans: list[dict[str, Any]] = []
        check_ins: list[dict[str, Any]] = []
        other: list[dict[str, Any]] = []
        for rep in w.reps:
            if not rep.active:
                continue
            slot = schedule.get((rep.idx, di))
            if slot is None:
                coin = np.random.default_rng([config.seed, 4, rep.idx, day.toordinal()]).random()
                if coin < _HONEST_LEAVE_P:
                    continue  # a day off: no records at all
            rd = _RepDay(w, rep, di, day, slot, cutoff, cases)
            rd.run()
            plans += rd.plans
            check_ins += rd.check_ins
            other += rd.other
        yield from _chunks(plans + check_ins + other)


def estimate_record_count(config: DemoConfig) -> int:
    """Estimate how many records ``iter_demo_batches`` yields (for a progress bar; ±10 %)."""
    n_teams = _n_teams(config.reps)
    cities = {_TEAM_CITIES[i % len(_TEAM_CITIES)] for i in range(n_teams)}
    regions = {_CITIES[c].region for c in cities}
    masters = len(regions) + n_teams + config.reps + len(_TEMPLATES)
    masters += config.reps * config.customers_per_rep
    active = config.reps - _n_inactive(config.reps)
    days, today, now_s = _working_days(config)
    work_days = float(len(days))
    if today is not None:
        work_days += min(max((now_s - 8.9 * 3600) / (9.2 * 3600), 0.0), 1.0)
    per_rep_day = _EST_FIXES_PER_REP_DAY + _EST_OTHER_PER_REP_DAY
    return masters + round(active * work_days * per_rep_day * (1 - _HONEST_LEAVE_P))
