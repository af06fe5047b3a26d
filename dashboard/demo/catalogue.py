"""Hold what the demo company is drawn from: cities, people's and shops' names, SOP templates."""

from __future__ import annotations

import math
from dataclasses import dataclass

from dashboard.geo import metres_per_degree


def _words(*lines: str) -> tuple[str, ...]:
    """Split space-separated words (keeps the long Chinese name lists readable)."""
    return tuple(" ".join(lines).split())


@dataclass(frozen=True)
class City:
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
        """Return the district of a point at this bearing and distance from the centre."""
        if radius_m < 4000:
            return self.inner[int(((bearing + 45.0) % 360.0) // 90.0)]
        return self.outer[int(((bearing + 22.5) % 360.0) // 45.0)]

    def allowed(self, lat: float, lon: float) -> bool:
        """Return True unless the point lies in an ``avoid`` circle."""
        kx, ky = metres_per_degree(lat)
        return all(math.hypot((lat - a) * ky, (lon - o) * kx) > r for a, o, r in self.avoid)


REGIONS = (
    ("east", "华东大区"),
    ("south", "华南大区"),
    ("north", "华北大区"),
    ("west", "西部大区"),
)
CITIES = {
    c.code: c
    for c in (
        City(
            "sh",
            "上海",
            "east",
            31.2304,
            121.4737,
            _words("虹口区 黄浦区 徐汇区 静安区"),
            _words("宝山区 杨浦区 浦东新区 浦东新区 闵行区 徐汇区 长宁区 普陀区"),
        ),
        City(
            "hz",
            "杭州",
            "east",
            30.2741,
            120.1551,
            _words("拱墅区 上城区 上城区 西湖区"),
            _words("拱墅区 临平区 上城区 萧山区 滨江区 西湖区 西湖区 余杭区"),
            avoid=((30.2450, 120.1420, 1900.0),),  # West Lake
        ),
        City(
            "su",
            "苏州",
            "east",
            31.2990,
            120.5853,
            _words("姑苏区 姑苏区 姑苏区 姑苏区"),
            _words("相城区 相城区 工业园区 工业园区 吴中区 吴中区 虎丘区 虎丘区"),
            avoid=((31.3100, 120.6750, 1900.0),),  # Jinji Lake
        ),
        City(
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
        City(
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
        City(
            "bj",
            "北京",
            "north",
            39.9042,
            116.4074,
            _words("东城区 东城区 东城区 西城区"),
            _words("朝阳区 朝阳区 朝阳区 通州区 丰台区 丰台区 石景山区 海淀区"),
        ),
        City(
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
        City(
            "cd",
            "成都",
            "west",
            30.5728,
            104.0668,
            _words("金牛区 锦江区 武侯区 青羊区"),
            _words("金牛区 成华区 锦江区 锦江区 高新区 武侯区 青羊区 金牛区"),
        ),
        City(
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
# Team i goes to city TEAM_CITIES[i % 13]: every city gets a team before any gets a second one.
TEAM_CITIES = ("sh", "hz", "su", "gz", "sz", "bj", "tj", "cd", "cq", "sh", "gz", "bj", "sz")
# The nearest city of the same region, for overnight trips.
TRIP_PARTNER = {
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

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
)
GIVEN = _words(
    "伟 娜 芳 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 华 飞 鑫",
    "波 宇 浩 凯 婷 雪 琳 晨 欣怡 子涵 思远 建国 志强 海燕 晓东 文博 雨轩 俊杰",
    "佳怡 国栋 丽娟 建华 玉兰 春梅 海波 振华 晓燕 志伟 丹丹 亮 斌 颖 倩 慧 峰",
    "嘉怡 梓涵 浩然 一鸣",
)
SHOP_CHAINS = (
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
PHARMACY_CHAINS = (
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
DEALER_WORDS = _words(
    "鑫源 恒通 华信 利达 永盛 宏发 金泰 瑞丰 顺达 兴隆 东方 百利 德昌 嘉禾 汇通 广源",
    "裕丰 盛世 鼎新 富邦 天成 锦程 佳和 万顺",
)
DEALER_TRADES = ("食品", "日化", "酒水", "快消品", "副食品")
DEALER_SUFFIXES = ("商贸有限公司", "贸易有限公司", "经销部", "批发部")
ROADS = _words(
    "中山 人民 解放 建设 和平 新华 胜利 长江 文化 光明 幸福 友谊 青年 工业 学院 滨河",
    "东风 红旗 健康 迎宾 花园 振兴 金桥 南京 延安 复兴 淮海 湖滨",
)

KIND_SHOP, KIND_PHARMACY, KIND_DEALER = 0, 1, 2
# The current templates: (id, name, ((code, required), ...)). The store visit is the 7-step one
# (issue 18); it was revised mid-period from STORE_VISIT_V1 (see ``store_visit_revised_on``).
TEMPLATES = (
    (
        "sop-standard",
        "标准门店拜访",
        (
            ("checkin", True),
            ("shelf_check", True),
            ("competitor_check", True),
            ("stock_count", True),
            ("order_taking", False),
            ("photo", True),
            ("checkout", True),
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
REVISED_TEMPLATE = "sop-standard"
# The store visit before its revision.
STORE_VISIT_V1 = (
    ("storefront_photo", True),
    ("shelf_check", True),
    ("stock_count", True),
    ("promo_check", False),
    ("competitor_note", False),
    ("order_taking", False),
)
# Per step code: zh label, en label, kind, photo required, minimum seconds (None: no minimum).
STEP_INFO: dict[str, tuple[str, str, str, bool, float | None]] = {
    "checkin": ("到店签到", "Check-in", "check", False, None),
    "storefront_photo": ("门头照片", "Storefront photo", "photo", True, 5.0),
    "shelf_check": ("货架检查", "Shelf check", "check", False, 60.0),
    "competitor_check": ("竞品检查", "Competitor check", "text", False, 30.0),
    "competitor_note": ("竞品记录", "Competitor note", "text", False, None),
    "stock_count": ("库存盘点", "Stock count", "count", False, 90.0),
    "promo_check": ("促销检查", "Promotion check", "check", True, None),
    "order_taking": ("下单", "Order", "order", False, None),
    "photo": ("陈列拍照", "Display photo", "photo", True, 10.0),
    "checkout": ("离店签退", "Check-out", "check", False, None),
    "staff_training": ("店员培训", "Staff training", "choice", False, 120.0),
    "meeting_note": ("会谈纪要", "Meeting note", "text", False, None),
    "payment_followup": ("回款跟进", "Payment follow-up", "text", False, None),
}
# Steps reps skip most (issue 18: competitor check and stock count), with the chance to do
# each; other required steps are done 97 % of the time, optional ones 35 %.
SKIPPED_MOST = {"competitor_check": 0.55, "stock_count": 0.7}
# The team whose reps do the store visit's middle steps in their own order.
REORDERING_TEAM = 1


def template_steps(steps: tuple[tuple[str, bool], ...]) -> list[dict]:
    """A template's steps as its wire record carries them (with labels, kind and minimum)."""
    out = []
    for code, required in steps:
        zh, en, kind, photo, min_s = STEP_INFO[code]
        step = {"code": code, "required": required, "label_zh": zh, "label_en": en}
        step.update({"kind": kind, "photo_required": photo})
        if min_s is not None:
            step["min_seconds"] = min_s
        out.append(step)
    return out
