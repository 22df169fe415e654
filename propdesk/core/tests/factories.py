"""factory-boy factories for core models (cookiecutter style)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from propdesk.core import domain
from propdesk.core.models import Building, Company, Membership, Project, Resident, Role, Staff, Unit
from propdesk.core.services.setup import seed_project_defaults

# Valid 18-digit ID-card numbers are built from a region, a birth date and a sequence; the
# check digit is computed with the ISO 7064 MOD 11-2 rule that python-stdnum checks.
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def make_id_number(seq: int, birth: dt.date = dt.date(1980, 5, 17), region: str = "110105") -> str:
    body = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    total = sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


class CompanyFactory(DjangoModelFactory[Company]):
    class Meta:
        model = Company
        django_get_or_create = ("name",)

    name = "测试物业服务有限公司"


class ProjectFactory(DjangoModelFactory[Project]):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    company = factory.SubFactory(CompanyFactory)
    code = factory.Sequence(lambda n: f"p{n}")
    name = factory.Sequence(lambda n: f"测试项目{n}")
    kind = "residential"

    @factory.post_generation
    def defaults(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            seed_project_defaults(self)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-Secret-2026")


class StaffFactory(DjangoModelFactory[Staff]):
    class Meta:
        model = Staff
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"员工{n}")

    @factory.post_generation
    def pinyin(self, create: bool, extracted: object, **kwargs: object) -> None:
        self.name_pinyin, self.name_initials = domain.pinyin_keys(self.name)
        if create:
            self.save(update_fields=["name_pinyin", "name_initials"])


def grant(staff: Staff, project: Project, role_code: str) -> Membership:
    return Membership.objects.create(
        staff=staff, project=project, role=Role.objects.get(code=role_code)
    )


class BuildingFactory(DjangoModelFactory[Building]):
    class Meta:
        model = Building

    project = factory.SubFactory(ProjectFactory)
    code = factory.Sequence(lambda n: str(n + 1))
    name = factory.LazyAttribute(lambda o: f"{o.code}栋")
    floors = 18


class UnitFactory(DjangoModelFactory[Unit]):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    project = factory.LazyAttribute(lambda o: o.building.project)
    number = factory.Sequence(lambda n: f"{n % 18 + 1}{n % 4 + 1:02d}")
    floor = 3
    area = Decimal("89.50")


class ResidentFactory(DjangoModelFactory[Resident]):
    class Meta:
        model = Resident
        skip_postgeneration_save = True

    project = factory.SubFactory(ProjectFactory)
    name = "张三"
    salutation = "mr"
    mobile = factory.Sequence(lambda n: f"138{n:08d}")
    id_number = factory.Sequence(lambda n: make_id_number(n))

    @factory.post_generation
    def pinyin(self, create: bool, extracted: object, **kwargs: object) -> None:
        self.name_pinyin, self.name_initials = domain.pinyin_keys(self.name)
        if create:
            self.save(update_fields=["name_pinyin", "name_initials"])
