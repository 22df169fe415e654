"""Demo complaints for `propdesk demo`: a few weeks of intake in every project, taken through the
real services (so numbers, timers, timelines and notifications are what production makes), in
every stage from just received to archived, with some timers already overdue."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from propdesk.complaints.domain import Slot
from propdesk.complaints.models import Complaint
from propdesk.complaints.services import actions, intake
from propdesk.complaints.services.engine import policy_for
from propdesk.complaints.services.policies import current_version, policy_of
from propdesk.core.errors import DomainError
from propdesk.core.models import Membership, Project, Resident, Staff

MATTERS = [
    ("complaint", "楼上漏水", "卫生间天花板渗水已经三天，要求尽快维修并赔偿吊顶损失"),
    ("complaint", "电梯故障", "2号电梯这周第三次停运，老人上下楼很不方便"),
    ("complaint", "夜间噪音", "楼下商铺夜里十一点后还在装修，影响休息"),
    ("complaint", "保洁不到位", "单元大堂地面连续几天没有清洁"),
    ("complaint", "车位被占", "固定车位经常被外来车辆占用，保安没有处理"),
    ("service_request", "门禁卡补办", "门禁卡丢失，需要补办一张"),
    ("consultation", "物业费发票", "咨询物业费发票如何开具"),
    ("opinion", "增加快递柜", "建议在3栋旁增加快递柜"),
    ("praise", "管家服务周到", "王管家帮助独居老人送药，特此表扬"),
    ("complaint", "交房质量", "阳台墙面空鼓开裂，交房时已提出但一直没有解决"),
]
CHANNELS = ["phone", "visit", "online", "letter", "mailbox"]


def _staff(
    project: Project, roles: tuple[str, ...], *, in_department: bool = False
) -> Staff | None:
    members = Membership.objects.filter(project=project, role__code__in=roles, is_active=True)
    if in_department:
        members = members.filter(department__isnull=False)
    member = members.select_related("staff", "staff__user").order_by("staff__pk").first()
    return member.staff if member else None


def _try(fn: Any, **kw: Any) -> bool:
    try:
        fn(**kw)
    except DomainError:
        return False
    return True


def _play(
    complaint: Complaint, team: dict[str, Staff | None], start: dt.datetime, depth: int
) -> None:
    """Take the complaint `depth` steps along its path, a few hours apart."""
    handler, manager, department = team["handler"], team["manager"], team["department"]
    step = dt.timedelta(hours=3)
    when = start + step
    pk = complaint.pk
    if complaint.channel == "phone":
        intake.confirm_read_back(actor=handler, complaint_id=pk)
    if complaint.kind == "praise":
        if depth >= 1:
            _try(actions.verify, actor=handler, complaint_id=pk, at=when)
        if depth >= 2:
            _try(actions.report_praise, actor=handler, complaint_id=pk, at=when + step)
        return
    if complaint.kind != "complaint":
        if depth >= 1:
            _try(
                actions.answer_on_spot,
                actor=handler,
                complaint_id=pk,
                result="已当场答复客户",
                at=when,
            )
        return
    plan: list[tuple[Any, dict[str, Any], Staff | None]] = [
        (actions.classify, {}, handler),
        (actions.verify, {}, handler),
    ]
    if department is not None and depth >= 3:
        dept_id = (
            Membership.objects.filter(staff=department, project_id=complaint.project_id)
            .values_list("department_id", flat=True)
            .first()
        )
        approver = team.get("approver")

        def transfer(*, actor: Staff, complaint_id: int, at: dt.datetime) -> None:
            if approver is None:
                actions.transfer(
                    actor=actor, complaint_id=complaint_id, data={"department_id": dept_id}, at=at
                )
                return
            # LH: the 营销策划部经理 approves the sheet before it is issued (R-COMPLAINT-20).
            sheet = actions.draft_contact_sheet(
                actor=actor, complaint_id=complaint_id, data={"department_id": dept_id}, at=at
            )
            actions.approve_contact_sheet(actor=approver, sheet_id=sheet.pk, at=at)
            actions.transfer(actor=actor, complaint_id=complaint_id, at=at)

        plan.append((transfer, {}, handler))
        plan.append(
            (actions.accept, {"rectification_deadline": when + dt.timedelta(days=3)}, department)
        )
        plan.append((actions.feedback, {"result": "已安排维修并完成"}, department))
    plan += [
        (actions.reply, {"result": "已处理完毕并电话告知客户"}, handler),
        (
            actions.revisit,
            {
                "method": "phone",
                "satisfaction": "satisfied",
                "customer_signed": True,
                "customer_affirmed": True,
            },
            handler,
        ),
        (actions.review, {}, manager),
        (actions.close, {}, manager),
    ]
    for fn, kw, actor in plan[:depth]:
        if actor is None:
            return
        if "rectification_deadline" in kw:
            kw = {"rectification_deadline": when + dt.timedelta(days=3)}
        if not _try(fn, actor=actor, complaint_id=pk, at=when, **kw):
            return
        when += step


def extend_demo(projects: dict[str, Project], *, seed: int) -> dict[str, int]:
    """About 30 complaints per project over the last five weeks (services, real timers)."""
    gen = random.Random(seed)  # noqa: S311 - demo data, not security
    now = timezone.now()
    made = 0
    for project in projects.values():
        policy = policy_of(current_version(project))
        team = {
            "handler": _staff(project, policy.roles_for(Slot.HANDLER)),
            "manager": _staff(project, policy.roles_for(Slot.MANAGER)),
            "department": _staff(project, policy.roles_for(Slot.DEPARTMENT), in_department=True),
            "approver": _staff(project, policy.roles_for(Slot.APPROVER))
            if policy.contact_sheet_approval
            else None,
        }
        if team["handler"] is None:
            continue
        residents = list(
            Resident.objects.filter(project=project)
            .order_by("pk")
            .values_list("pk", flat=True)[:200]
        )
        for _ in range(30):
            kind, subject, content = gen.choice(MATTERS)
            start = now - dt.timedelta(days=gen.randint(0, 34), hours=gen.randint(0, 10))
            data: dict[str, Any] = {
                "kind": kind,
                "channel": gen.choice(CHANNELS),
                "complainant_name": "",
                "subject": subject,
                "content": content,
            }
            if residents:
                resident = Resident.objects.get(pk=gen.choice(residents))
                data["resident_id"] = resident.pk
                data["complainant_name"] = resident.name
            else:
                data["complainant_name"] = "李先生"
                data["phone"] = "13912345678"
            if subject == "楼上漏水":
                data["major_flags"] = ["compensation"]
            complaint = intake.receive(
                actor=team["handler"], project_id=project.pk, data=data, at=start
            )
            age_days = (now - start).days
            depth = min(9, age_days // 3) if gen.random() < 0.8 else 0
            policy_for(complaint)
            _play(complaint, team, start, depth)
            made += 1
    return {"complaints": made}
