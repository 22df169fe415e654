"""Permission codes and the default roles of SPEC §1.2–1.3.

A role grants a list of permission codes; a membership gives a staff member a role in one project.
Services call `propdesk.core.access.require(actor, project, PERM)`; nothing else decides access.
"""

from __future__ import annotations

from typing import Final

# --- permission codes ---------------------------------------------------------------------
VIEW_MASTERDATA: Final = "masterdata.view"  # buildings, units, residents, departments, staff
CHANGE_MASTERDATA: Final = "masterdata.change"  # create/edit buildings, units, residents
MANAGE_STAFF: Final = "staff.manage"  # departments, staff, memberships
MANAGE_PROJECT: Final = "project.manage"  # project settings, calendar, form codes
VIEW_PERSONAL_DATA: Final = "personal_data.view"  # unmasked phone / ID-card number (R-GEN-09)
VIEW_AUDIT: Final = "audit.view"  # timeline of master data, job runs
# Complaints (SPEC §11). Anyone may receive a complaint (不得推诿, R-COMPLAINT-02); what a person
# may then do to one is decided by the policy's slots (propdesk.complaints.services.slots).
VIEW_COMPLAINTS: Final = "complaints.view"
HANDLE_COMPLAINTS: Final = "complaints.handle"  # intake and workflow actions
MANAGE_COMPLAINT_POLICY: Final = "complaints.policy"  # choose / edit the project's policy
VIEW_COMPLAINT_REPORTS: Final = "complaints.report"  # statistics, monthly tables, dashboard
# Sales-centre floor (SPEC §3–§4): post screens, visits, VIP rooms, intercom calls. What a person
# may do at a post is decided by the post (their membership's post) and the domain's tables.
VIEW_RECEPTION: Final = "reception.view"  # post screens, visits, rooms, the call log
OPERATE_RECEPTION: Final = "reception.operate"  # act at one's own post: visits, calls, rooms
SUPERVISE_RECEPTION: Final = "reception.supervise"  # any post, room set-up, response statistics

ALL_PERMISSIONS: Final = (
    VIEW_MASTERDATA,
    CHANGE_MASTERDATA,
    MANAGE_STAFF,
    MANAGE_PROJECT,
    VIEW_PERSONAL_DATA,
    VIEW_AUDIT,
    VIEW_COMPLAINTS,
    HANDLE_COMPLAINTS,
    MANAGE_COMPLAINT_POLICY,
    VIEW_COMPLAINT_REPORTS,
    VIEW_RECEPTION,
    OPERATE_RECEPTION,
    SUPERVISE_RECEPTION,
)

_COMPLAINTS = [VIEW_COMPLAINTS, HANDLE_COMPLAINTS]
_VIEW = [VIEW_MASTERDATA, *_COMPLAINTS]
_CS = [VIEW_MASTERDATA, CHANGE_MASTERDATA, VIEW_PERSONAL_DATA, *_COMPLAINTS]
_LEAD = [*_CS, VIEW_AUDIT, VIEW_COMPLAINT_REPORTS]
_MANAGER = [*_LEAD, MANAGE_STAFF, MANAGE_PROJECT, MANAGE_COMPLAINT_POLICY]
_ALL = list(ALL_PERMISSIONS)
_FLOOR = [VIEW_RECEPTION, OPERATE_RECEPTION]  # staff at a post of the sales-centre floor
_FLOOR_LEAD = [*_FLOOR, SUPERVISE_RECEPTION]  # managers of the floor

# (code, 中文, English, org unit, permissions). Posts (L1 …) are not roles: see DEFAULT_POSTS.
DEFAULT_ROLES: Final[list[tuple[str, str, str, str, list[str]]]] = [
    ("company_admin", "公司管理员", "Company administrator", "company", _ALL),
    ("chairman", "董事长", "Chairman", "company", _MANAGER),
    ("general_manager", "总经理", "General manager", "company", _ALL),
    ("deputy_gm", "副总经理", "Deputy general manager", "company", _MANAGER),
    ("gpm", "总物业经理", "General property manager", "property", _ALL),
    ("cs_manager", "物业客服经理", "Customer-service manager", "property", _MANAGER),
    ("cs_supervisor", "客服主管", "Customer-service supervisor", "property", _LEAD),
    ("cs_staff", "客服前台", "Front-desk clerk", "property", _CS),
    ("butler", "亲情管家", "Family butler", "property", _CS),
    ("lobby_butler", "大堂管家", "Lobby butler", "property", _CS),
    ("dispatch", "客户服务调度助理", "Dispatch assistant", "property", _CS),
    ("archivist", "档案管理员", "Archivist", "property", _CS),
    ("quality_officer", "品质管理员", "Quality officer", "property", _VIEW),
    ("engineer", "工程部维修人员", "Repair technician", "property", _VIEW),
    ("engineering_head", "工程部主管", "Engineering supervisor", "property", _VIEW),
    ("security", "秩序维护员", "Security guard", "property", _VIEW),
    ("cleaner", "环境部保洁员", "Cleaning staff", "property", _VIEW),
    ("cashier", "收费员", "Cashier", "property", [*_VIEW, VIEW_PERSONAL_DATA]),
    ("finance", "财务人员", "Finance staff", "property", _VIEW),
    ("legal", "法务人员", "Legal staff", "company", [*_VIEW, VIEW_PERSONAL_DATA]),
    ("project_manager", "项目经理", "Project manager", "sales", [*_MANAGER, *_FLOOR_LEAD]),
    ("sales_director", "售楼处经理", "Sales-office manager", "sales", [*_MANAGER, *_FLOOR_LEAD]),
    ("marketing_manager", "营销策划部经理", "Marketing manager", "sales", [*_LEAD, VIEW_RECEPTION]),
    (
        "sales_admin_manager",
        "销管部经理",
        "Sales-management manager",
        "sales",
        [*_LEAD, *_FLOOR_LEAD],
    ),
    ("dept_manager", "部门经理", "Department manager", "sales", [*_LEAD, *_FLOOR_LEAD]),
    ("duty_manager", "值班经理", "Duty manager", "sales", [*_CS, *_FLOOR_LEAD]),
    ("sales_supervisor", "售楼主管", "Sales supervisor", "sales", [*_CS, *_FLOOR_LEAD]),
    ("salesperson", "置业顾问", "Property consultant", "sales", [*_CS, *_FLOOR]),
    ("reception_staff", "案场服务人员", "Sales-centre service staff", "sales", [*_VIEW, *_FLOOR]),
    ("club_supervisor", "龙湖会主管", "Club supervisor", "sales", [*_LEAD, VIEW_RECEPTION]),
    ("club_staff", "龙湖会工作人员", "Club staff", "sales", [*_CS, VIEW_RECEPTION]),
    ("developer_cs", "地产客服", "Developer customer service", "developer", _CS),
]

# Sales-centre posts of SPEC §1.1 (code, name, duty), created for every sales-centre project.
DEFAULT_POSTS: Final[list[tuple[str, str, str]]] = [
    ("L1", "门岗礼宾", "拦停车辆、第一声问候、呼叫接待中心、叫出租车"),
    ("L2", "停车场礼宾", "引导停车、开车门、雨天撑伞"),
    ("Y1", "大门迎宾", "与Y2一起迎宾、收伞"),
    ("Y2", "大门迎宾(巡场礼宾)", "迎宾、巡场"),
    ("X1", "大客户经理", "全程陪同客户"),
    ("G1", "大客户管家", "准备VIP室、烟灰缸、身份证复印、资料"),
    ("S1", "水吧服务员", "饮品、清洁VIP室"),
    ("PATROL", "巡场主管", "沙盘区疏导、引导至VIP室"),
    ("PANTRY", "操作间", "水吧补给"),
    ("CENTRE", "销售中心/接待中心", "对讲机呼叫的接收方"),
]

# Departments (code, name) created for every project (SPEC §1.3).
DEFAULT_DEPARTMENTS: Final[list[tuple[str, str]]] = [
    ("cs", "客服部"),
    ("engineering", "工程部"),
    ("security", "秩序维护部"),
    ("environment", "环境部"),
    ("finance", "财务部"),
    ("legal", "法务"),
]
SALES_DEPARTMENTS: Final[list[tuple[str, str]]] = [
    ("marketing", "营销策划部"),
    ("sales_admin", "销管部"),
    ("developer_cs", "地产客服"),
    ("club", "龙湖会"),
]
