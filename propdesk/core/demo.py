"""Demo data (演示数据) for `propdesk demo`: one property-management company with two residential
communities and one sales centre, about 2,000 units, about 3,000 residents and staff in every role
of SPEC §1 (and every post of the sales centre), with a handful of named demo logins.

The rows are written directly with `bulk_create`, bypassing the services, so the whole demo loads
in a few seconds; no timeline events are written for them. They still satisfy every model
constraint and the services' validation rules: ID-card numbers carry a correct ISO 7064 MOD 11-2
check digit and a region code `python-stdnum` knows for the birth year, birthdays match the ID,
mobiles are mainland numbers (1[3-9]xxxxxxxxx), no date lies in the future, unit numbers are
unique per building and pinyin search keys are set with `domain.pinyin_keys`.

Everything comes from one `random.Random(seed)`: the same seed gives the same data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import import_module
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from propdesk.core import domain
from propdesk.core.models import (
    Building,
    Company,
    Department,
    Membership,
    Occupancy,
    Post,
    Project,
    Resident,
    Role,
    Staff,
    Unit,
)
from propdesk.core.models.tenancy import OccupancyRole, ProjectKind, Salutation, UnitStatus
from propdesk.core.permissions import DEFAULT_POSTS, DEFAULT_ROLES
from propdesk.core.services.setup import ensure_default_roles, seed_project_defaults

DEFAULT_SEED = 2026
DEMO_PASSWORD = "propdesk2026"  # noqa: S105 - the documented password of the demo logins only
COMPANY_NAME = "华庭物业服务有限公司"
# Dates are drawn before this day so the data is the same whenever it is loaded (and never in
# the future: the services refuse future birthdays).
REFERENCE_DATE = dt.date(2026, 6, 30)
BATCH = 500

# --- names ----------------------------------------------------------------------------------
# Common surnames with rough relative frequencies (王, 李, 张 and 刘 are each ~5-7 %).
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72), ("李", 71), ("张", 68), ("刘", 55), ("陈", 46), ("杨", 32), ("黄", 25),
    ("赵", 23), ("吴", 21), ("周", 21), ("徐", 17), ("孙", 16), ("马", 15), ("朱", 14),
    ("胡", 13), ("郭", 12), ("何", 12), ("林", 11), ("高", 11), ("罗", 11), ("郑", 10),
    ("梁", 9), ("谢", 8), ("宋", 7), ("唐", 7), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7),
    ("曹", 6), ("彭", 6), ("曾", 6), ("肖", 6), ("田", 6), ("董", 5), ("袁", 5), ("潘", 5),
    ("于", 5), ("蒋", 5), ("蔡", 5), ("余", 5), ("杜", 4), ("叶", 4), ("程", 4), ("苏", 4),
    ("魏", 4), ("吕", 4), ("丁", 4), ("任", 4), ("沈", 4), ("姚", 3), ("卢", 3), ("姜", 3),
    ("崔", 3), ("钟", 3), ("谭", 3), ("陆", 3), ("汪", 3), ("范", 3), ("金", 3), ("石", 3),
    ("廖", 3), ("贾", 3), ("夏", 3), ("韦", 3), ("方", 3), ("白", 2), ("邹", 2), ("孟", 2),
    ("熊", 2), ("秦", 2), ("邱", 2), ("江", 2), ("尹", 2), ("薛", 2), ("欧阳", 1), ("司马", 1),
)  # fmt: skip
MALE_CHARS = "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子杰涛昌成康星光天达安岩中茂进林有坚和彪博诚敬震振壮思群豪邦承乐绍松庆磊民友裕河哲江超浩亮政谦亨奇轮翰朗宏鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士建家树炎德泰盛雄琛钧冠腾楠榕风航弘"
FEMALE_CHARS = "秀娟英华慧巧美娜静淑惠珠雅芝玉萍红娥玲芬芳燕彩春菊兰凤洁梅琳素云莲雪荣霞香月莺媛艳瑞佳嘉琼珍贞莉桂娣璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜舒荔丽阳妮娇灵玛媚琪晴睿雯萱雨曼紫逸贤菡"

# Region codes (first six digits of the ID card). python-stdnum checks that the code existed in
# the birth year; many county codes date from 1983, so older people draw from those that did.
REGION_CODES = (
    "110101", "110105", "110108", "120101", "310101", "310104", "130102", "210102", "320102",
    "320583", "330102", "330106", "340102", "350102", "360102", "370202", "410102", "420106",
    "430104", "440103", "440106", "440303", "440304", "440305", "441900", "450102", "500103",
    "510104", "510107", "530102", "610113", "620102",
)  # fmt: skip
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "176", "177", "178", "180", "181",
    "182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_digit(body: str) -> str:
    """The ISO 7064 MOD 11-2 check digit of the first 17 digits of an ID-card number."""
    total = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """An 18-digit resident ID-card number (居民身份证号码). The sequence's last digit gives the
    sex (odd = male, even = female), as on real cards."""
    body = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + id_check_digit(body)


@cache
def _regions_for_year(year: int) -> tuple[str, ...]:
    valid = []
    for region in REGION_CODES:
        body = f"{region}{year}0101001"
        try:
            ric.validate(body + id_check_digit(body))
        except StdnumError:
            continue
        valid.append(region)
    return tuple(valid)


class Generator:
    """Deterministic people data: names, sexes, birthdays, ID-card and mobile numbers."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self._surnames = [s for s, _ in SURNAMES]
        self._surname_weights = [w for _, w in SURNAMES]
        self._ids: set[str] = set()
        self._mobiles: set[str] = set()

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def name(self, male: bool) -> str:
        surname = self.rng.choices(self._surnames, weights=self._surname_weights)[0]
        chars = MALE_CHARS if male else FEMALE_CHARS
        given = self.rng.choice(chars)
        if self.chance(0.75):  # most given names have two characters
            given += self.rng.choice(chars)
        return surname + given

    def id_number(self, birth: dt.date, male: bool) -> str:
        regions = _regions_for_year(birth.year)
        while True:
            sequence = self.rng.randrange(0, 1000)
            if sequence % 2 != (1 if male else 0):
                sequence = (sequence + 1) % 1000
            number = make_id_number(self.rng.choice(regions), birth, sequence)
            if number not in self._ids:
                self._ids.add(number)
                return number

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self._mobiles:
                self._mobiles.add(number)
                return number

    def person(
        self, *, born_from: int, born_to: int, male: bool | None = None, mobile: bool = True
    ) -> dict[str, Any]:
        """Fields of a Resident: name, salutation, birthday, ID-card number and mobile."""
        male = self.chance(0.5) if male is None else male
        birth = self.date_between(dt.date(born_from, 1, 1), dt.date(born_to, 12, 28))
        age = (REFERENCE_DATE - birth).days // 365
        if age < 16:
            salutation = Salutation.NONE
        elif male:
            salutation = Salutation.MR
        else:
            salutation = Salutation.MISS if age < 30 else Salutation.MS
        return {
            "name": self.name(male),
            "salutation": salutation.value,
            "birthday": birth,
            "id_number": self.id_number(birth, male),
            "mobile": self.mobile() if mobile and age >= 14 else "",
        }


# --- the estate -----------------------------------------------------------------------------
@dataclass(frozen=True)
class BuildingPlan:
    code: str
    floors: int
    entrances: int  # 单元: numbered "{building}-{entrance}-{floor}{room}" when more than one
    rooms: int  # rooms per floor and entrance
    delivered_on: dt.date


@dataclass(frozen=True)
class ProjectPlan:
    key: str
    code: str
    name: str
    kind: str
    script_name: str
    record_prefix: str
    address: str
    phone: str
    buildings: tuple[BuildingPlan, ...] = ()
    area_range: tuple[int, int] = (60, 180)


def _towers() -> tuple[BuildingPlan, ...]:
    floors = (33, 33, 33, 32, 32, 26, 26, 26, 25, 24)
    phases = (dt.date(2014, 9, 28), dt.date(2015, 12, 20), dt.date(2016, 6, 30))
    return tuple(
        BuildingPlan(str(i + 1), f, 2, 2, phases[min(i // 4, 2)]) for i, f in enumerate(floors)
    )


def _garden() -> tuple[BuildingPlan, ...]:
    plans = []
    for i in range(16):
        if i < 8:
            floors, rooms, delivered = 6, 6, dt.date(2009, 10, 18)
        elif i < 12:
            floors, rooms, delivered = 11, 6, dt.date(2011, 5, 8)
        else:
            floors, rooms, delivered = 18, 4, dt.date(2012, 12, 16)
        plans.append(BuildingPlan(str(i + 1), floors, 1, rooms, delivered))
    return tuple(plans)


PROJECTS: tuple[ProjectPlan, ...] = (
    ProjectPlan(
        key="diwang",
        code="diwang",
        name="地王国际花园",
        kind=ProjectKind.RESIDENTIAL,
        script_name="地王国际花园",
        record_prefix="地王",
        address="深圳市罗湖区深南东路 5088 号",
        phone="0755-82460000",
        buildings=_towers(),
        area_range=(89, 180),
    ),
    ProjectPlan(
        key="cuihu",
        code="cuihu",
        name="翠湖花园",
        kind=ProjectKind.RESIDENTIAL,
        script_name="翠湖花园",
        record_prefix="翠湖",
        address="深圳市南山区翠湖路 18 号",
        phone="0755-26780000",
        buildings=_garden(),
        area_range=(60, 140),
    ),
    ProjectPlan(
        key="sales",
        code="jiazhou1885",
        name="加州1885销售中心",
        kind=ProjectKind.SALES_CENTRE,
        script_name="加州1885",
        record_prefix="加州1885",
        address="深圳市龙岗区龙城大道 1885 号",
        phone="0755-28881885",
    ),
)
RESIDENTIAL = ("diwang", "cuihu")
ALL_PROJECTS = ("diwang", "cuihu", "sales")

# status weights of a unit (未售, 已交付未入住, 已入住, 装修中, 出租)
UNIT_STATUS_WEIGHTS = (
    (UnitStatus.UNSOLD, 3),
    (UnitStatus.VACANT, 12),
    (UnitStatus.OCCUPIED, 72),
    (UnitStatus.DECORATING, 5),
    (UnitStatus.RENTED, 8),
)


# --- staff ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Login:
    """A demo login: username, name, (project key, role code, post code or "") and whether the
    user is a superuser (Django admin)."""

    username: str
    name: str
    grants: tuple[tuple[str, str, str], ...]
    superuser: bool = False
    note: str = ""


DEMO_LOGINS: tuple[Login, ...] = (
    Login(
        "admin",
        "陈建国",
        tuple((p, "company_admin", "") for p in ALL_PROJECTS),
        superuser=True,
        note="公司管理员 + Django admin",
    ),
    Login(
        "kefu", "王晓丽", (("diwang", "cs_staff", ""), ("cuihu", "cs_staff", "")), note="客服前台"
    ),
    Login("guanjia", "刘芳", (("diwang", "butler", ""),), note="亲情管家"),
    Login(
        "jingli",
        "赵志强",
        (("diwang", "cs_manager", ""), ("cuihu", "cs_manager", "")),
        note="物业客服经理",
    ),
    Login(
        "gongcheng",
        "孙建军",
        (("diwang", "engineer", ""), ("cuihu", "engineer", "")),
        note="工程部维修人员(个人信息脱敏)",
    ),
    Login("xiaoshou", "林嘉怡", (("sales", "salesperson", "X1"),), note="置业顾问(X1 大客户经理)"),
    Login("libin", "黄伟", (("sales", "reception_staff", "L1"),), note="L1 门岗礼宾"),
)

# The other posts of the sales centre, each with one staff member (username, name, post).
POST_LOGINS: tuple[tuple[str, str, str], ...] = (
    ("tingche", "郑浩", "L2"),
    ("yingbin1", "许婷", "Y1"),
    ("yingbin2", "何静", "Y2"),
    ("daguanjia", "梁思琪", "G1"),
    ("shuiba", "邓小燕", "S1"),
    ("xunchang", "罗志勇", "PATROL"),
    ("caozuojian", "谢美玲", "PANTRY"),
    ("jiedai", "唐雨欣", "CENTRE"),
)

# Where each role works: company roles everywhere, property roles in the communities, sales
# roles at the sales centre; 地产客服 at the sales centre and in 地王 (warranty repairs).
ROLE_PROJECTS: dict[str, tuple[str, ...]] = {
    "company": ALL_PROJECTS,
    "property": RESIDENTIAL,
    "sales": ("sales",),
    "developer": ("sales", "diwang"),
}
# Department of a membership by role (department codes of permissions.DEFAULT_DEPARTMENTS and
# SALES_DEPARTMENTS); roles not listed have none.
ROLE_DEPARTMENT: dict[str, str] = {
    "cs_manager": "cs",
    "cs_supervisor": "cs",
    "cs_staff": "cs",
    "butler": "cs",
    "lobby_butler": "cs",
    "dispatch": "cs",
    "archivist": "cs",
    "quality_officer": "cs",
    "engineer": "engineering",
    "engineering_head": "engineering",
    "security": "security",
    "cleaner": "environment",
    "cashier": "finance",
    "finance": "finance",
    "legal": "legal",
    "marketing_manager": "marketing",
    "sales_admin_manager": "sales_admin",
    "developer_cs": "developer_cs",
    "club_supervisor": "club",
    "club_staff": "club",
}
POST_DEPARTMENT = {"L1": "security", "L2": "security", "PATROL": "security"}
# Extra staff per project for a realistic team (role code, how many).
EXTRA_STAFF: dict[str, tuple[tuple[str, int], ...]] = {
    "diwang": (("cs_staff", 3), ("butler", 5), ("engineer", 5), ("security", 6), ("cleaner", 4)),
    "cuihu": (("cs_staff", 2), ("butler", 4), ("engineer", 4), ("security", 5), ("cleaner", 4)),
    "sales": (("salesperson", 7), ("reception_staff", 4), ("club_staff", 2)),
}


@dataclass
class DemoSummary:
    """What `load_demo` created, for the command's report and the tests."""

    company: Company
    projects: dict[str, Project]
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, name, note
    password: str = DEMO_PASSWORD


def demo_present() -> bool:
    """True when the database already holds a company (`propdesk demo --if-empty` then skips)."""
    return Company.objects.exists()


def conflicts() -> list[str]:
    """Rows that stop a second demo load: the demo company or a demo username already taken."""
    found = []
    if Company.objects.filter(name=COMPANY_NAME).exists():
        found.append(COMPANY_NAME)
    taken = get_user_model().objects.filter(username__in=demo_usernames())
    found.extend(sorted(taken.values_list("username", flat=True)))
    return found


def demo_usernames() -> list[str]:
    fixed = [login.username for login in DEMO_LOGINS] + [u for u, _, _ in POST_LOGINS]
    return fixed + [code for code, *_ in DEFAULT_ROLES]


def _batched(model: Any, rows: Sequence[Any]) -> list[Any]:
    """bulk_create in batches; primary keys come back on SQLite (3.35+) and PostgreSQL."""
    return list(model.objects.bulk_create(rows, batch_size=BATCH))


@transaction.atomic
def load_demo(*, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Create the demo company, projects, estate, residents and staff in one transaction."""
    gen = Generator(seed)
    ensure_default_roles()
    company = Company.objects.create(name=COMPANY_NAME, short_name="华庭物业")
    projects: dict[str, Project] = {}
    for plan in PROJECTS:
        project = Project.objects.create(
            company=company,
            code=plan.code,
            name=plan.name,
            kind=plan.kind,
            script_name=plan.script_name,
            record_prefix=plan.record_prefix,
            address=plan.address,
            phone=plan.phone,
        )
        seed_project_defaults(project)
        projects[plan.key] = project
    summary = DemoSummary(company=company, projects=projects)
    units = _load_estate(gen, projects)
    summary.counts.update(_load_residents(gen, units))
    summary.counts.update(_load_staff(gen, company, projects, summary))
    summary.counts["projects"] = len(projects)
    summary.counts["buildings"] = Building.objects.filter(project__company=company).count()
    summary.counts["units"] = len(units)
    summary.counts.update(_extend(projects, seed))
    return summary


def _extend(projects: dict[str, Project], seed: int) -> dict[str, int]:
    """Let each installed package add its own demo records: an app's `demo` module with
    `extend_demo(projects, *, seed) -> {name: count}` is called after the core data exists
    (the core does not import the packages built on it)."""
    counts: dict[str, int] = {}
    for app in apps.get_app_configs():
        if not app.name.startswith("propdesk.") or app.name == "propdesk.core":
            continue
        try:
            module = import_module(f"{app.name}.demo")
        except ModuleNotFoundError:
            continue
        extend = getattr(module, "extend_demo", None)
        if extend is not None:
            counts.update(extend(projects, seed=seed))
    return counts


def _load_estate(gen: Generator, projects: dict[str, Project]) -> list[Unit]:
    """Buildings and units: towers numbered 1-2-0301 (building-entrance-floor room), garden
    houses 0301; one floor-plan area per room position of a building (同户型同面积)."""
    statuses = [s for s, _ in UNIT_STATUS_WEIGHTS]
    weights = [w for _, w in UNIT_STATUS_WEIGHTS]
    buildings: list[Building] = []
    plans: list[BuildingPlan] = []
    for project_plan in PROJECTS:
        for b in project_plan.buildings:
            buildings.append(
                Building(
                    project=projects[project_plan.key],
                    code=b.code,
                    name=f"{b.code}栋",
                    floors=b.floors,
                    delivered_on=b.delivered_on,
                )
            )
            plans.append(b)
    buildings = _batched(Building, buildings)
    units: list[Unit] = []
    area_range = {projects[p.key].pk: p.area_range for p in PROJECTS}
    for building, plan in zip(buildings, plans, strict=True):
        low, high = area_range[building.project_id]
        layouts = {
            (e, r): Decimal(gen.rng.randint(low * 100, high * 100)) / 100
            for e in range(1, plan.entrances + 1)
            for r in range(1, plan.rooms + 1)
        }
        for entrance in range(1, plan.entrances + 1):
            for floor in range(1, plan.floors + 1):
                for room in range(1, plan.rooms + 1):
                    number = f"{floor:02d}{room:02d}"
                    if plan.entrances > 1:
                        number = f"{plan.code}-{entrance}-{number}"
                    status = gen.rng.choices(statuses, weights=weights)[0]
                    handover = None
                    if status != UnitStatus.UNSOLD:
                        handover = plan.delivered_on + dt.timedelta(days=gen.rng.randint(0, 240))
                    units.append(
                        Unit(
                            project_id=building.project_id,
                            building=building,
                            number=number,
                            floor=floor,
                            area=layouts[(entrance, room)],
                            handover_date=handover,
                            status=status,
                        )
                    )
    return _batched(Unit, units)


def _load_residents(gen: Generator, units: list[Unit]) -> dict[str, int]:
    """Owners of every sold unit (a few own two), spouses and children of occupied homes,
    tenants of rented ones (some with an ended earlier tenancy)."""
    residents: list[Resident] = []
    links: list[tuple[int, Unit, str, dt.date | None, dt.date | None]] = []

    def add(project_id: int, person: dict[str, Any], **extra: Any) -> int:
        full, initials = domain.pinyin_keys(person["name"])
        residents.append(
            Resident(
                project_id=project_id,
                name_pinyin=full,
                name_initials=initials,
                **person,
                **extra,
            )
        )
        return len(residents) - 1

    owners_by_project: dict[int, list[int]] = {}
    for unit in units:
        if unit.status == UnitStatus.UNSOLD:
            continue
        assert unit.handover_date is not None  # noqa: S101 - set for every sold unit
        lives_here = unit.status in (UnitStatus.OCCUPIED, UnitStatus.DECORATING)
        moved_in = None
        if unit.status == UnitStatus.OCCUPIED:
            moved_in = min(
                unit.handover_date + dt.timedelta(days=gen.rng.randint(20, 400)), REFERENCE_DATE
            )
        known = owners_by_project.setdefault(unit.project_id, [])
        if known and gen.chance(0.03):
            owner = gen.rng.choice(known)  # an owner with a second home in the community
        else:
            person = gen.person(born_from=1948, born_to=1994)
            if gen.chance(0.15):
                local = domain.pinyin_keys(person["name"])[0]
                person["email"] = f"{local}{gen.rng.randint(1, 99)}@example.com"
            owner = add(unit.project_id, person, move_in_date=moved_in)
            known.append(owner)
        links.append((owner, unit, OccupancyRole.OWNER, unit.handover_date, None))
        if lives_here and gen.chance(0.28):
            spouse = dict(gen.person(born_from=1950, born_to=1996))
            idx = add(unit.project_id, spouse, move_in_date=moved_in)
            links.append((idx, unit, OccupancyRole.FAMILY, moved_in, None))
        if lives_here:
            for _ in range(gen.rng.choices((0, 1, 2), weights=(72, 23, 5))[0]):
                child = gen.person(born_from=1998, born_to=2020)
                # a child born after the family moved in lives here since birth
                since = max(moved_in, child["birthday"]) if moved_in else None
                idx = add(unit.project_id, child, move_in_date=since)
                links.append((idx, unit, OccupancyRole.FAMILY, since, None))
        if unit.status == UnitStatus.RENTED:
            start = gen.date_between(dt.date(2022, 1, 1), REFERENCE_DATE)
            if gen.chance(0.3):  # an earlier tenant who has moved out
                before = gen.person(born_from=1975, born_to=2002)
                earlier = start - dt.timedelta(days=gen.rng.randint(400, 900))
                idx = add(unit.project_id, before, move_in_date=earlier, is_active=False)
                links.append(
                    (idx, unit, OccupancyRole.TENANT, earlier, start - dt.timedelta(days=1))
                )
            for _ in range(gen.rng.choices((1, 2), weights=(60, 40))[0]):
                tenant = gen.person(born_from=1975, born_to=2002)
                idx = add(unit.project_id, tenant, move_in_date=start)
                links.append((idx, unit, OccupancyRole.TENANT, start, None))
    residents = _batched(Resident, residents)
    occupancies = [
        Occupancy(resident=residents[i], unit=unit, role=role, start_date=start, end_date=end)
        for i, unit, role, start, end in links
    ]
    _batched(Occupancy, occupancies)
    return {"residents": len(residents), "occupancies": len(occupancies)}


def _load_staff(
    gen: Generator, company: Company, projects: dict[str, Project], summary: DemoSummary
) -> dict[str, int]:
    """Users, staff and memberships: the named logins, one staff member per remaining role of
    SPEC §1 (username = role code), one per sales-centre post and extra team members."""
    roles = {role.code: role for role in Role.objects.all()}
    departments = {
        (d.project_id, d.code): d
        for d in Department.objects.filter(project__in=list(projects.values()))
    }
    posts = {(p.project_id, p.code): p for p in Post.objects.filter(project__in=projects.values())}
    # One hash for every demo user: hashing ~100 passwords would take most of the load time.
    password = make_password(DEMO_PASSWORD)
    people: list[tuple[str, str, bool, list[tuple[str, str, str]]]] = []
    for login in DEMO_LOGINS:
        people.append((login.username, login.name, login.superuser, list(login.grants)))
        summary.logins.append((login.username, login.name, login.note))
    for username, name, post in POST_LOGINS:
        people.append((username, name, False, [("sales", "reception_staff", post)]))
        summary.logins.append((username, name, f"{post} {dict(_post_names())[post]}"))
    covered = {role for *_, grants in people for _, role, _ in grants}
    for code, zh_name, _en, unit, _perms in DEFAULT_ROLES:
        if code in covered:
            continue
        grants = [(p, code, "") for p in ROLE_PROJECTS[unit]]
        people.append((code, gen.name(gen.chance(0.5)), False, grants))
        summary.logins.append((code, people[-1][1], zh_name))
    serial = 0
    for key, extras in EXTRA_STAFF.items():
        for role, count in extras:
            for _ in range(count):
                serial += 1
                people.append(
                    (f"ht{serial:04d}", gen.name(gen.chance(0.5)), False, [(key, role, "")])
                )

    user_model = get_user_model()
    now = timezone.now()
    users = _batched(
        user_model,
        [
            user_model(
                username=username,
                password=password,
                is_superuser=superuser,
                is_staff=superuser,
                date_joined=now,
            )
            for username, _, superuser, _ in people
        ],
    )
    staff_rows = []
    for number, (user, (username, name, _, _)) in enumerate(zip(users, people, strict=True), 1):
        full, initials = domain.pinyin_keys(name)
        staff_rows.append(
            Staff(
                user=user,
                company=company,
                name=name,
                name_pinyin=full,
                name_initials=initials,
                employee_no=f"HT{number:04d}",
                mobile=gen.mobile(),
                email=f"{username}@huating.example.com",
            )
        )
    staff = _batched(Staff, staff_rows)
    memberships = []
    for member, (_, _, _, grants) in zip(staff, people, strict=True):
        for key, role, post_code in grants:
            project = projects[key]
            dept_code = POST_DEPARTMENT.get(post_code) or ROLE_DEPARTMENT.get(role)
            if post_code and not dept_code and role == "reception_staff":
                dept_code = "cs"
            memberships.append(
                Membership(
                    staff=member,
                    project=project,
                    role=roles[role],
                    department=departments.get((project.pk, dept_code)) if dept_code else None,
                    post=posts[(project.pk, post_code)] if post_code else None,
                )
            )
    _batched(Membership, memberships)
    return {"staff": len(staff), "memberships": len(memberships)}


def _post_names() -> Iterable[tuple[str, str]]:
    return ((code, name) for code, name, _duty in DEFAULT_POSTS)
