"""Master-data services: validation (field-level, nothing written), access, history (R-GEN-01..04, 09, 11)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from propdesk.core.errors import Forbidden, NotFound, ValidationFailed
from propdesk.core.models import (
    Building,
    BusinessHours,
    Department,
    DocumentType,
    Membership,
    Occupancy,
    Post,
    Project,
    Resident,
    Staff,
    TimelineEvent,
    Unit,
)
from propdesk.core.services import masterdata, people
from propdesk.core.tests.factories import (
    BuildingFactory,
    ResidentFactory,
    StaffFactory,
    UnitFactory,
    grant,
    make_id_number,
)

pytestmark = pytest.mark.django_db


def _unit_data(building, **kw):
    return {"building": building.pk, "number": "0301", "floor": 3, "area": "89.5", **kw}


# --- projects -----------------------------------------------------------------------------
def test_r_gen_01_new_project_gets_calendar_departments_and_forms(project_a):
    # given a company administrator
    admin = StaffFactory(name="管理员", company=project_a.company)
    grant(admin, project_a, "company_admin")
    # when a sales centre is created
    project = masterdata.create_project(
        actor=admin,
        data={
            "code": "sc1",
            "name": "升龙汇金中心",
            "kind": "sales_centre",
            "script_name": "加州1885",
        },
    )
    # then it has hours for 7 days, the sales departments, the 10 posts and the sales forms
    assert BusinessHours.objects.filter(project=project).count() == 7
    names = set(Department.objects.filter(project=project).values_list("name", flat=True))
    assert {"客服部", "工程部", "营销策划部", "销管部", "地产客服"} <= names
    assert Post.objects.filter(project=project).count() == 10
    assert DocumentType.objects.filter(project=project, key="vip_card").exists()
    assert not DocumentType.objects.filter(project=project, key="tennis_booking").exists()


def test_r_gen_02_project_creation_only_by_company_admin(clerk_a):
    # R-GEN-02
    with pytest.raises(NotFound):
        masterdata.create_project(
            actor=clerk_a, data={"code": "x", "name": "X", "kind": "residential"}
        )
    assert Project.objects.filter(code="x").count() == 0


def test_r_gen_03_record_names_use_the_project_prefix(project_a):
    # R-GEN-03
    contact = DocumentType.objects.get(project=project_a, key="contact_sheet")
    assert contact.record_name == "地王/客服记录-17"
    assert contact.code == "LX"


def test_r_gen_02_script_name_is_editable_by_manager_not_clerk(manager_a, clerk_a, project_a):
    masterdata.update_project(
        actor=manager_a, project_id=project_a.pk, data={"script_name": "地王国际"}
    )
    project_a.refresh_from_db()
    assert project_a.display_script_name == "地王国际"
    with pytest.raises(Forbidden):
        masterdata.update_project(actor=clerk_a, project_id=project_a.pk, data={"name": "改名"})
    project_a.refresh_from_db()
    assert project_a.name == "翠湖小区"


# --- buildings and units ------------------------------------------------------------------
def test_duplicate_building_code_is_a_field_error(clerk_a, project_a):
    masterdata.create_building(
        actor=clerk_a, project_id=project_a.pk, data={"code": "1", "name": "1栋"}
    )
    with pytest.raises(ValidationFailed) as exc:
        masterdata.create_building(
            actor=clerk_a, project_id=project_a.pk, data={"code": "1", "name": "一号楼"}
        )
    assert list(exc.value.fields) == ["code"]
    assert Building.objects.filter(project=project_a).count() == 1


def test_duplicate_unit_number_in_building_is_rejected(clerk_a, project_a):
    building = BuildingFactory(project=project_a)
    masterdata.create_unit(actor=clerk_a, project_id=project_a.pk, data=_unit_data(building))
    with pytest.raises(ValidationFailed) as exc:
        masterdata.create_unit(actor=clerk_a, project_id=project_a.pk, data=_unit_data(building))
    assert "0301" in exc.value.fields["number"][0]
    assert Unit.objects.filter(building=building).count() == 1
    # the same number in another building is fine
    other = BuildingFactory(project=project_a)
    unit = masterdata.create_unit(actor=clerk_a, project_id=project_a.pk, data=_unit_data(other))
    assert unit.area == Decimal("89.50")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("area", "0"),
        ("area", "-3"),
        ("area", "abc"),
        ("floor", 500),
        ("handover_date", dt.date(1850, 1, 1)),
        ("handover_date", dt.date(2099, 1, 1)),
        ("status", "demolished"),
    ],
)
def test_unit_field_errors_write_nothing(clerk_a, project_a, field, value):
    building = BuildingFactory(project=project_a)
    with pytest.raises(ValidationFailed) as exc:
        masterdata.create_unit(
            actor=clerk_a, project_id=project_a.pk, data=_unit_data(building, **{field: value})
        )
    assert list(exc.value.fields) == [field]
    assert Unit.objects.count() == 0
    assert TimelineEvent.objects.filter(action="unit.created").count() == 0


def test_unit_update_records_status_change(clerk_a, project_a):
    unit = UnitFactory(building=BuildingFactory(project=project_a), status="vacant")
    masterdata.update_unit(actor=clerk_a, unit_id=unit.pk, data={"status": "occupied"})
    event = TimelineEvent.objects.get(action="unit.updated")
    assert (event.from_state, event.to_state) == ("vacant", "occupied")
    assert event.data == {"changes": {"status": ["vacant", "occupied"]}}


def test_delete_building_with_units_is_refused(clerk_a, project_a):
    unit = UnitFactory(building=BuildingFactory(project=project_a))
    with pytest.raises(ValidationFailed):
        masterdata.delete_building(actor=clerk_a, building_id=unit.building_id)
    assert Building.objects.filter(pk=unit.building_id).exists()


def test_engineer_cannot_change_master_data(engineer_a, project_a):
    with pytest.raises(Forbidden):
        masterdata.create_building(
            actor=engineer_a, project_id=project_a.pk, data={"code": "9", "name": "9栋"}
        )
    assert Building.objects.count() == 0


# --- residents ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"id_number": "110105198005170011"}, "id_number"),  # wrong check digit
        ({"id_number": "11010519800517001"}, "id_number"),  # 17 characters
        ({"mobile": "1380013800"}, "mobile"),  # 10 digits
        ({"mobile": "12800138000"}, "mobile"),  # 12x is not a mobile prefix
        ({"birthday": dt.date(2999, 1, 1)}, "birthday"),
        ({"salutation": "dr"}, "salutation"),
        ({"name": ""}, "name"),
    ],
)
def test_r_gen_11_resident_field_errors_in_chinese(clerk_a, project_a, data, field):
    # R-GEN-11
    with pytest.raises(ValidationFailed) as exc:
        masterdata.create_resident(
            actor=clerk_a, project_id=project_a.pk, data={"name": "张三", **data}
        )
    assert list(exc.value.fields) == [field]
    # the message is Chinese under the default language
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.fields[field][0])
    assert Resident.objects.count() == 0


def test_resident_phone_is_normalised(clerk_a, project_a):
    resident = masterdata.create_resident(
        actor=clerk_a,
        project_id=project_a.pk,
        data={"name": "李四", "mobile": "+86 139-0013-9000", "id_number": make_id_number(7)},
    )
    assert resident.mobile == "13900139000"
    assert (resident.name_pinyin, resident.name_initials) == ("lisi", "ls")


def test_same_id_number_twice_in_project_is_rejected(clerk_a, project_a, project_b):
    number = make_id_number(3)
    masterdata.create_resident(
        actor=clerk_a, project_id=project_a.pk, data={"name": "王五", "id_number": number}
    )
    with pytest.raises(ValidationFailed) as exc:
        masterdata.create_resident(
            actor=clerk_a, project_id=project_a.pk, data={"name": "王五", "id_number": number}
        )
    assert list(exc.value.fields) == ["id_number"]
    assert Resident.objects.count() == 1


def test_link_resident_to_unit_of_other_project_is_not_found(clerk_a, project_a, project_b):
    resident = ResidentFactory(project=project_a)
    unit_b = UnitFactory(building=BuildingFactory(project=project_b))
    with pytest.raises(ValidationFailed) as exc:
        masterdata.link_resident(
            actor=clerk_a, resident_id=resident.pk, data={"unit": unit_b.pk, "role": "owner"}
        )
    assert list(exc.value.fields) == ["unit"]
    assert Occupancy.objects.count() == 0


def test_link_and_end_occupancy(clerk_a, project_a):
    resident = ResidentFactory(project=project_a)
    unit = UnitFactory(building=BuildingFactory(project=project_a))
    occupancy = masterdata.link_resident(
        actor=clerk_a,
        resident_id=resident.pk,
        data={"unit": unit.pk, "role": "owner", "start_date": dt.date(2025, 1, 1)},
    )
    with pytest.raises(ValidationFailed):
        masterdata.link_resident(
            actor=clerk_a, resident_id=resident.pk, data={"unit": unit.pk, "role": "owner"}
        )
    with pytest.raises(ValidationFailed) as exc:
        masterdata.end_occupancy(
            actor=clerk_a, occupancy_id=occupancy.pk, end_date=dt.date(2024, 1, 1)
        )
    assert list(exc.value.fields) == ["end_date"]
    masterdata.end_occupancy(actor=clerk_a, occupancy_id=occupancy.pk, end_date=dt.date(2026, 6, 1))
    occupancy.refresh_from_db()
    assert occupancy.end_date == dt.date(2026, 6, 1)
    actions = list(
        TimelineEvent.objects.filter(object_id=str(resident.pk)).values_list("action", flat=True)
    )
    assert actions == ["resident.linked", "resident.unlinked"]


def test_r_gen_01_objects_of_other_project_are_not_found(clerk_a, project_b):
    resident = ResidentFactory(project=project_b, name="赵六")
    unit = UnitFactory(building=BuildingFactory(project=project_b))
    with pytest.raises(NotFound):
        masterdata.update_resident(actor=clerk_a, resident_id=resident.pk, data={"name": "改"})
    with pytest.raises(NotFound):
        masterdata.update_unit(actor=clerk_a, unit_id=unit.pk, data={"floor": 2})
    with pytest.raises(NotFound):
        masterdata.get_resident_for(clerk_a, resident.pk)
    with pytest.raises(NotFound):
        masterdata.get_unit_for(clerk_a, "not-a-number")
    resident.refresh_from_db()
    assert resident.name == "赵六"


# --- people -------------------------------------------------------------------------------
def test_create_staff_with_login_and_membership(manager_a, project_a):
    staff = people.create_staff(
        actor=manager_a,
        project_id=project_a.pk,
        username="zhoujie",
        password="Wuye-2026-abc",
        data={"name": "周杰", "mobile": "13700137000"},
        membership={"role": "butler"},
    )
    assert staff.user.check_password("Wuye-2026-abc")
    assert staff.name_initials == "zj"
    member = Membership.objects.get(staff=staff)
    assert (member.project_id, member.role.code) == (project_a.pk, "butler")


def test_create_staff_errors_are_collected_and_nothing_written(manager_a, project_a):
    before = Staff.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        people.create_staff(
            actor=manager_a,
            project_id=project_a.pk,
            username="",
            password="123",
            data={"name": "", "mobile": "123"},
            membership={"role": "no-such-role"},
        )
    assert set(exc.value.fields) == {"username", "password", "name", "mobile", "role"}
    assert Staff.objects.count() == before


def test_only_company_admin_grants_company_roles(manager_a, project_a):
    with pytest.raises(ValidationFailed) as exc:
        people.create_staff(
            actor=manager_a,
            project_id=project_a.pk,
            username="boss",
            password="Wuye-2026-abc",
            data={"name": "老板"},
            membership={"role": "company_admin"},
        )
    assert list(exc.value.fields) == ["role"]


def test_clerk_cannot_manage_staff(clerk_a, project_a):
    with pytest.raises(Forbidden):
        people.create_department(
            actor=clerk_a, project_id=project_a.pk, data={"code": "x", "name": "新部门"}
        )


def test_department_name_unique_within_project(manager_a, project_a):
    with pytest.raises(ValidationFailed):
        people.create_department(
            actor=manager_a, project_id=project_a.pk, data={"code": "cs2", "name": "客服部"}
        )
    assert Department.objects.filter(project=project_a, name="客服部").count() == 1


def test_ending_membership_removes_access(manager_a, clerk_a, project_a):
    member = clerk_a.memberships.get()
    people.end_membership(actor=manager_a, membership_id=member.pk)
    fresh = Staff.objects.get(pk=clerk_a.pk)
    with pytest.raises(NotFound):
        masterdata.create_building(
            actor=fresh, project_id=project_a.pk, data={"code": "1", "name": "1栋"}
        )


def test_timeline_records_actor_time_and_role(clerk_a, project_a):
    before = timezone.now()
    building = masterdata.create_building(
        actor=clerk_a, project_id=project_a.pk, data={"code": "5", "name": "5栋", "floors": 11}
    )
    event = TimelineEvent.objects.get(object_id=str(building.pk), action="building.created")
    assert event.actor_id == clerk_a.pk
    assert event.actor_role == "客服前台"
    assert event.at >= before
    assert event.project_id == project_a.pk
