import datetime as dt
from decimal import Decimal

import pytest

from propdesk.core.errors import NotFound, ValidationFailed
from propdesk.core.models import Resident, TimelineEvent, Unit
from propdesk.core.services import masterdata
from propdesk.core.tests.factories import BuildingFactory, make_id_number

pytestmark = pytest.mark.django_db


def test_r_gen_01_unit_of_other_project_is_not_found(clerk_a, project_b):
    # R-GEN-01
    # given a building in project B
    building_b = BuildingFactory(project=project_b)
    # when a clerk of A adds a unit to it through A's project, then the building is unknown
    with pytest.raises(ValidationFailed) as exc:
        masterdata.create_unit(
            actor=clerk_a,
            project_id=clerk_a.memberships.get().project_id,
            data={"building": building_b.pk, "number": "101", "floor": 1, "area": Decimal("88")},
        )
    assert list(exc.value.fields) == ["building"]
    assert Unit.objects.count() == 0
    # and project B itself is invisible
    with pytest.raises(NotFound):
        masterdata.create_unit(actor=clerk_a, project_id=project_b.pk, data={})


def test_r_gen_04_resident_update_is_on_timeline_with_masked_phone(clerk_a, project_a):
    # R-GEN-04
    resident = masterdata.create_resident(
        actor=clerk_a,
        project_id=project_a.pk,
        data={
            "name": "张三",
            "salutation": "mr",
            "mobile": "13800138000",
            "id_number": make_id_number(1),
            "birthday": dt.date(1980, 5, 17),
        },
    )
    assert (resident.name_pinyin, resident.name_initials) == ("zhangsan", "zs")
    masterdata.update_resident(
        actor=clerk_a, resident_id=resident.pk, data={"mobile": "139 0013 9000"}
    )
    event = TimelineEvent.objects.filter(action="resident.updated").get()
    assert event.data == {"changes": {"mobile": ["138****8000", "139****9000"]}}
    assert event.actor_name == "王前台"
    assert event.actor_role == "客服前台"
    assert Resident.objects.get().mobile == "13900139000"
