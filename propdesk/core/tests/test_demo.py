"""The demo data (`propdesk demo`): sizes, every role and post staffed, valid people data,
idempotent `--if-empty`, working logins. The demo is loaded once for the module (through the
command, on the empty test database) inside a transaction that is rolled back at the end."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F
from django.test import Client
from django.utils import timezone
from stdnum.cn import ric

from propdesk.core import access, demo, domain
from propdesk.core.models import (
    Building,
    Company,
    Membership,
    Occupancy,
    Post,
    Project,
    Resident,
    Staff,
    Unit,
)
from propdesk.core.permissions import DEFAULT_POSTS, DEFAULT_ROLES

SEED = 7


@pytest.fixture(scope="module")
def demo_output(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """Run `propdesk demo --if-empty --seed 7` once; roll everything back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("demo", "--if-empty", "--seed", str(SEED), stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo_output: str, db: None) -> str:
    return demo_output


def test_demo_sizes(loaded: str) -> None:
    # then one company with two communities and one sales centre
    assert Company.objects.get().name == demo.COMPANY_NAME
    kinds = Counter(Project.objects.values_list("kind", flat=True))
    assert kinds == {"residential": 2, "sales_centre": 1}
    assert Project.objects.get(code="diwang").record_prefix == "地王"
    assert Project.objects.get(kind="sales_centre").script_name == "加州1885"
    # and about 2,000 units and about 3,000 residents
    assert Unit.objects.count() == 2000
    assert Building.objects.count() == 26
    assert 2800 <= Resident.objects.count() <= 3300
    assert "2000 units" in loaded


def test_r_gen_01_every_role_and_every_post_is_staffed(loaded: str) -> None:
    # R-GEN-01
    roles = set(Membership.objects.values_list("role__code", flat=True))
    assert roles == {code for code, *_ in DEFAULT_ROLES}
    sales = Project.objects.get(kind="sales_centre")
    staffed_posts = set(
        Membership.objects.filter(project=sales, post__isnull=False).values_list(
            "post__code", flat=True
        )
    )
    assert staffed_posts == {code for code, *_ in DEFAULT_POSTS}
    # posts exist only at the sales centre (seed_project_defaults semantics)
    assert set(Post.objects.values_list("project_id", flat=True)) == {sales.pk}


def test_memberships_sit_in_departments_of_their_own_project(loaded: str) -> None:
    with_department = Membership.objects.filter(department__isnull=False)
    assert with_department.count() > 80
    assert not with_department.exclude(department__project_id=F("project_id")).exists()
    kefu = Staff.objects.get(user__username="kefu")
    assert sorted(
        kefu.memberships.values_list("project__code", "role__code", "department__code")
    ) == [
        ("cuihu", "cs_staff", "cs"),
        ("diwang", "cs_staff", "cs"),
    ]
    libin = Membership.objects.values_list("role__code", "post__code", "department__code").get(
        staff__user__username="libin"
    )
    assert libin == (
        "reception_staff",
        "L1",
        "security",
    )


def test_r_gen_09_every_id_number_is_valid_and_matches_the_birthday(loaded: str) -> None:
    today = timezone.localdate()
    rows = list(Resident.objects.values_list("id_number", "birthday", "salutation"))
    bad = [n for n, _, _ in rows if not domain.check_id_number(n, today=today).ok]
    assert bad == []
    assert all(ric.get_birth_date(n) == birthday for n, birthday, _ in rows)
    # the sex digit agrees with the salutation (odd = male = 先生)
    assert all(
        (int(n[16]) % 2 == 1) == (s == "mr") for n, _, s in rows if s in {"mr", "ms", "miss"}
    )
    # unique within each project (the database constraint would refuse duplicates anyway)
    assert len({n for n, _, _ in rows}) == len(rows)


def test_every_mobile_is_a_valid_mainland_number(loaded: str) -> None:
    mobiles = [m for m in Resident.objects.values_list("mobile", flat=True) if m]
    mobiles += list(Staff.objects.values_list("mobile", flat=True))
    assert len(mobiles) > 2500
    assert [m for m in mobiles if not domain.is_valid_mobile(m)] == []


def test_unit_numbers_are_unique_per_building_and_look_real(loaded: str) -> None:
    duplicates = (
        Unit.objects.values("building_id", "number").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert list(duplicates) == []
    first_numbers = [
        Unit.objects.filter(project__code=code).order_by("id").values_list("number", flat=True)[0]
        for code in ("diwang", "cuihu")
    ]
    assert first_numbers == ["1-1-0101", "0101"]
    areas = list(Unit.objects.values_list("area", flat=True))
    assert min(areas) >= 60
    assert max(areas) <= 180
    assert all(a == a.quantize(Decimal("0.01")) for a in areas)


def test_no_date_lies_in_the_future_and_move_ins_follow_birth(loaded: str) -> None:
    today = timezone.localdate()
    assert not Resident.objects.filter(birthday__gt=today).exists()
    assert not Resident.objects.filter(move_in_date__gt=today).exists()
    assert not Unit.objects.filter(handover_date__gt=today).exists()
    born_after_move_in = [
        (birthday, moved_in)
        for birthday, moved_in in Resident.objects.values_list("birthday", "move_in_date")
        if moved_in is not None and birthday is not None and moved_in < birthday
    ]
    assert born_after_move_in == []


def test_occupancies_owners_family_and_tenants(loaded: str) -> None:
    roles = Counter(Occupancy.objects.filter(end_date=None).values_list("role", flat=True))
    sold = Unit.objects.exclude(status="unsold").count()
    assert roles["owner"] == sold
    assert roles["family"] > 500
    assert roles["tenant"] >= Unit.objects.filter(status="rented").count()
    # unsold units have no owner and no handover date
    assert not Occupancy.objects.filter(unit__status="unsold").exists()
    assert not Unit.objects.filter(status="unsold", handover_date__isnull=False).exists()
    # ended tenancies belong to inactive residents
    ended = Occupancy.objects.filter(end_date__isnull=False)
    assert ended.exists()
    assert not ended.filter(resident__is_active=True).exists()


def test_pinyin_keys_are_set_for_search(loaded: str) -> None:
    rows = list(Resident.objects.values_list("name", "name_pinyin", "name_initials"))
    assert [r for r in rows if domain.pinyin_keys(r[0]) != (r[1], r[2])] == []
    assert Staff.objects.filter(name_initials="").count() == 0


def test_if_empty_is_idempotent_and_a_second_plain_load_is_refused(loaded: str) -> None:
    before = (Company.objects.count(), Unit.objects.count(), Resident.objects.count())
    # when the command runs again with --if-empty
    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    # then it says so and writes nothing
    assert "skipped" in out.getvalue()
    assert (Company.objects.count(), Unit.objects.count(), Resident.objects.count()) == before
    # and without --if-empty it refuses, writing nothing
    with pytest.raises(CommandError, match="cannot be loaded twice"):
        call_command("demo", stdout=StringIO())
    assert (Company.objects.count(), Unit.objects.count(), Resident.objects.count()) == before


@pytest.mark.parametrize("username", [login.username for login in demo.DEMO_LOGINS])
def test_demo_logins_can_log_in(loaded: str, username: str) -> None:
    assert demo.DEMO_PASSWORD in loaded
    assert username in loaded
    assert Client().login(username=username, password=demo.DEMO_PASSWORD)


def test_demo_login_roles_and_masking(loaded: str) -> None:
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert not users.filter(is_superuser=True).exclude(username="admin").exists()
    diwang = Project.objects.get(code="diwang")
    gongcheng = Staff.objects.get(user__username="gongcheng")
    kefu = Staff.objects.get(user__username="kefu")
    # the engineer sees masked personal data, the clerk clear text (R-GEN-09)
    assert access.sees_personal_data(gongcheng, diwang.pk) is False
    assert access.sees_personal_data(kefu, diwang.pk) is True
    xiaoshou = Staff.objects.get(user__username="xiaoshou")
    assert list(access.perms_by_project(xiaoshou)) == [Project.objects.get(kind="sales_centre").pk]


def test_generator_is_deterministic_per_seed() -> None:
    def sample(seed: int) -> list[dict[str, Any]]:
        gen = demo.Generator(seed)
        return [gen.person(born_from=1950, born_to=2010) for _ in range(50)]

    assert sample(11) == sample(11)
    assert sample(11) != sample(12)


def test_id_check_digit_matches_python_stdnum() -> None:
    for birth in (dt.date(1950, 1, 31), dt.date(1984, 2, 29), dt.date(2010, 12, 1)):
        for seq in (1, 2, 99, 998):
            number = demo.make_id_number("110105", birth, seq)
            assert ric.validate(number) == number
    assert demo.make_id_number("110105", dt.date(1980, 5, 17), 1)[-1] == ric.calc_check_digit(
        "11010519800517001" + "0"
    )
