"""Build the demo company's world: regions, teams, reps and their devices, customers."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np

from dashboard.demo.catalogue import (
    CITIES,
    DEALER_SUFFIXES,
    DEALER_TRADES,
    DEALER_WORDS,
    GIVEN,
    KIND_DEALER,
    KIND_SHOP,
    PHARMACY_CHAINS,
    REGIONS,
    REVISED_TEMPLATE,
    ROADS,
    SHOP_CHAINS,
    STORE_VISIT_V1,
    SURNAMES,
    TEAM_CITIES,
    TEMPLATES,
    City,
    template_steps,
)
from dashboard.demo.config import (
    LOCAL_TZ,
    TZ_NAME,
    DemoConfig,
    hhmm_s,
    store_visit_first_on,
    store_visit_revised_on,
)
from dashboard.geo import metres_per_degree

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


def _cn_num(n: int) -> str:
    """Write a small number in Chinese numerals (一, 十二, 二十)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 100:
        tens = "" if n < 20 else digits[n // 10]
        return f"{tens}十{digits[n % 10] if n % 10 else ''}"
    return str(n)


def _district_short(full: str) -> str:
    """Shorten a district name as shop names do (浦东新区 -> 浦东)."""
    if full.endswith("新区"):
        return full[:-2]
    if full == "工业园区":
        return "园区"
    return full[:-1] if full.endswith("区") and len(full) > 2 else full


def team_count(reps: int) -> int:
    """Return how many teams a company of this many reps has (about nine reps a team)."""
    return max(1, round(reps / 9))


def inactive_count(reps: int) -> int:
    """Return how many reps have left the company (never more than two)."""
    return min(2, reps // 9)


@dataclass
class Team:
    """A sales team: its city, its office and its reps (indices into ``World.reps``)."""

    idx: int
    id: str
    name: str
    city: City
    office_lat: float
    office_lon: float
    reps: list[int] = field(default_factory=list)


@dataclass
class Rep:
    """A sales rep: their phone, working hours, home and own customers (indices)."""

    idx: int
    id: str
    num: str
    name: str
    team: Team
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
        """Return the start of work in seconds after midnight."""
        return hhmm_s(self.work_start)

    @property
    def we(self) -> int:
        """Return the end of work in seconds after midnight."""
        return hhmm_s(self.work_end)


@dataclass
class World:
    """The company: teams, reps and customers (column lists), and what earlier days left."""

    cfg: DemoConfig
    teams: list[Team]
    reps: list[Rep]
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
        """Return the master records: regions, teams, reps, SOP templates, customers."""
        used_regions = {t.city.region for t in self.teams}
        out: list[dict[str, Any]] = [
            {"type": "region", "id": f"reg-{code}", "name": name}
            for code, name in REGIONS
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
                "timezone": TZ_NAME,
                "work_start": r.work_start,
                "work_end": r.work_end,
                "active": r.active,
            }
            for r in self.reps
        ]
        # The store visit's first template, then the current ones: the store visit's revision
        # takes effect mid-period, so its earlier visits keep the first version (issue 18).
        first_on = store_visit_first_on(self.cfg).isoformat() + "T00:00:00+08:00"
        out.append(
            {
                "type": "sop_template",
                "id": REVISED_TEMPLATE,
                "name": TEMPLATES[0][1],
                "steps": template_steps(STORE_VISIT_V1),
                "valid_from": first_on,
            }
        )
        revised_on = store_visit_revised_on(self.cfg).isoformat() + "T00:00:00+08:00"
        for tid, name, steps in TEMPLATES:
            rec = {"type": "sop_template", "id": tid, "name": name, "steps": template_steps(steps)}
            if tid == REVISED_TEMPLATE:
                rec["valid_from"] = revised_on
            out.append(rec)
        lats, lons = self.cust_lat.tolist(), self.cust_lon.tolist()
        contacts = _contacts(self.cfg, len(self.cust_id))
        orphaned = _orphaned(self)
        for c, cid in enumerate(self.cust_id):
            owner = orphaned.get(c, self.cust_owner[c])
            rec: dict[str, Any] = {
                "type": "customer",
                "id": cid,
                "name": self.cust_name[c],
                "lat": lats[c],
                "lon": lons[c],
                "crs": "wgs84",
                "city": CITIES[self.cust_city[c]].name,
                "address": self.cust_addr[c],
                "grade": self.cust_grade[c],
                "geofence_m": self.cust_geofence[c],
                "annual_revenue": self.cust_revenue[c],
            }
            if owner >= 0:
                rec["owner_rep_id"] = self.reps[owner].id
            if contacts[c] is not None:
                rec["contact_name"], rec["contact_phone"] = contacts[c]
            rec["created"] = _created(self.cfg, c)
            out.append(rec)
        return out


def _contacts(cfg: DemoConfig, n: int) -> list[tuple[str, str] | None]:
    """A contact (a name and a mobile number) for about 85 % of the customers, from a random
    stream of its own: every other record of the demo stays what it was."""
    g = np.random.default_rng([cfg.seed, 9])
    has = g.random(n) < 0.85
    surname = g.integers(len(SURNAMES), size=n)
    title = g.integers(len(_CONTACT_TITLES), size=n)
    prefix = g.integers(len(_MOBILE_PREFIXES), size=n)
    number = g.integers(10**8, size=n)
    return [
        (
            f"{SURNAMES[int(surname[i])]}{_CONTACT_TITLES[int(title[i])]}",
            f"{_MOBILE_PREFIXES[int(prefix[i])]}{int(number[i]):08d}",
        )
        if has[i]
        else None
        for i in range(n)
    ]


_CONTACT_TITLES = ("经理", "店长", "老板", "主管", "女士", "先生")
_MOBILE_PREFIXES = ("138", "139", "137", "136", "135", "158", "159", "186", "188", "177")
# Customers still owned by each rep who left (the orphans contract §5 lists until someone
# owns them); the world's active rep keeps visiting them.
_ORPHANS_PER_LEAVER = 2


def _created(cfg: DemoConfig, c: int) -> str:
    """The customer's ``created`` date (contract §5), derived from its index (no random draw, so
    every other record stays as it was): most customers date from one to two years before the
    demo's history starts, every 40th is new, signed within the last 25 days."""
    today = cfg.now.astimezone(LOCAL_TZ).date()
    if c % 40 == 17:
        return (today - timedelta(days=c % 25)).isoformat()
    history = math.ceil(cfg.days * 7 / 5) + 7
    return (today - timedelta(days=history + 365 + (c * 7919) % 365)).isoformat()


def _orphaned(w: World) -> dict[int, int]:
    """customer index → the inactive rep still named its owner (the first customers of a
    colleague of the same team)."""
    out: dict[int, int] = {}
    for rep in w.reps:
        if rep.active:
            continue
        colleagues = [w.reps[i] for i in rep.team.reps if w.reps[i].active]
        if not colleagues:
            continue
        for c in colleagues[0].customers[:_ORPHANS_PER_LEAVER].tolist():
            out[int(c)] = rep.idx
    return out


def place(city: City, bearing_deg: float, dist_m: float) -> tuple[float, float]:
    """Return the point dist_m from the city centre at a bearing (degrees from north)."""
    a = math.radians(bearing_deg)
    dx_m, dy_m = dist_m * math.sin(a), dist_m * math.cos(a)
    kx, ky = metres_per_degree(city.lat)
    return city.lat + dy_m / ky, city.lon + dx_m / kx


def build_world(cfg: DemoConfig) -> World:
    """Build the company of ``cfg``: its own random streams, the same world for the same seed.

    Four regions, about twelve teams in nine Chinese cities (one team for every nine reps), reps
    with their own customers in an angular wedge of their team's city, homes and offices.
    """
    g = np.random.default_rng([cfg.seed, 0])
    r = random.Random(int(g.integers(2**62)))
    n_teams = team_count(cfg.reps)
    per_city: dict[str, int] = {}
    teams: list[Team] = []
    for i in range(n_teams):
        city = CITIES[TEAM_CITIES[i % len(TEAM_CITIES)]]
        k = per_city[city.code] = per_city.get(city.code, 0) + 1
        olat, olon = place(city, city.bearing(r.random()), r.uniform(300, 2000))
        teams.append(
            Team(i, f"team-{city.code}-{k}", f"{city.name}{_cn_num(k)}组", city, olat, olon)
        )

    width = max(3, len(str(cfg.reps)))
    base, extra = divmod(cfg.reps, n_teams)
    reps: list[Rep] = []
    names: set[str] = set()
    devices: set[str] = set()
    for t in teams:
        for _ in range(base + (1 if t.idx < extra else 0)):
            i = len(reps)
            name = r.choice(SURNAMES) + r.choice(GIVEN)
            for _ in range(50):
                if name not in names:
                    break
                name = r.choice(SURNAMES) + r.choice(GIVEN)
            else:
                name = f"{name}{i + 1}"
            names.add(name)
            dev = f"dev-{r.getrandbits(48):012x}"
            while dev in devices:
                dev = f"dev-{r.getrandbits(48):012x}"
            devices.add(dev)
            late = r.random() < 0.15
            reps.append(
                Rep(
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
    for i in r.sample(candidates, min(inactive_count(cfg.reps), len(candidates))):
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
                la, lo = place(t.city, bearing, d)
                while not t.city.allowed(la, lo):  # in a lake: move along the ray
                    d = d + 400.0 if d < 14_000 else r.uniform(600.0, 3000.0)
                    la, lo = place(t.city, bearing, d)
                district = t.city.district(bearing, d)
                kind = int(kinds[j])
                road = r.choice(ROADS)
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
            rep.home_lat, rep.home_lon = place(t.city, mid, hd)
            while not t.city.allowed(rep.home_lat, rep.home_lon):
                hd += 500.0
                rep.home_lat, rep.home_lon = place(t.city, mid, hd)
    n_c = len(ids)
    revenue = np.exp(g.normal(12.0, 1.3, n_c)) * np.where(np.array(kind_l) == KIND_DEALER, 3, 1)
    revenue = np.maximum(np.round(revenue, -2), 5_000.0)
    grade = _grades(revenue)
    geofence = g.choice([200, 100, 150, 300], size=n_c, p=[0.75, 0.08, 0.09, 0.08])
    interval = np.array([_GRADE_INTERVAL[x] for x in grade])
    city_customers: dict[str, np.ndarray] = {}
    city_arr = np.array(city_l)
    for code in sorted(set(city_l)):
        city_customers[code] = np.flatnonzero(city_arr == code)
    return World(
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


def _attention(cfg: DemoConfig, teams: list[Team], reps: list[Rep], grade: list[str]) -> np.ndarray:
    """Return each customer's attention factor from the diligence of its owner.

    Real field forces do not meet every frequency rule: each team has a manager-driven level of
    diligence, each rep varies around it, and a rep neglects a share of their customers (more of
    them the less diligent the rep, small customers first). A looked-after customer gets an
    attention of about 1, a neglected one a small fraction: it is visited seldom or never, while
    the rep's day fills up with the favourites. Grade compliance over 28 days thus varies by team
    (about 55-95 %), with overdue customers in every grade; this is no violation and injects no
    case. Its own random stream: the rest of the world does not depend on it.
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
    r: random.Random, kind: int, city: City, district: str, road: str, seen: set[str]
) -> str:
    """Name a new customer: a dealer company, or a chain's shop or pharmacy named after its road."""
    short = _district_short(district)
    if kind == KIND_DEALER:
        for _ in range(20):
            name = (
                f"{city.name}{r.choice(DEALER_WORDS)}{r.choice(DEALER_TRADES)}"
                f"{r.choice(DEALER_SUFFIXES)}"
            )
            if name not in seen:
                break
        else:
            name = f"{city.name}{r.choice(DEALER_WORDS)}{len(seen)}商贸有限公司"
    else:
        chain = r.choice(SHOP_CHAINS if kind == KIND_SHOP else PHARMACY_CHAINS)
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
